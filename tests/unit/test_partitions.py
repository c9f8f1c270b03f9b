"""The partition planner against a brute-force reference over every record boundary."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from phyngsc.partitions import cut_in_subblock, mate_offsets, part_paths, plan_cuts


def reference_cuts(lengths_per_sb: list[list[int]], parts: int, step: int) -> list[int]:
    """Plain Python: for each k, the first boundary (multiple of step) whose bases before it
    reach k/parts of all bases; by records when there are no bases."""
    lengths = [x for sb in lengths_per_sb for x in sb]
    if sum(lengths) == 0:
        lengths = [1] * len(lengths)
    total = sum(lengths)
    cuts = [0]
    for k in range(1, parts):
        r, acc = 0, 0
        while acc * parts < total * k:
            acc += sum(lengths[r:r + step])
            r += step
        cuts.append(r)
    return cuts + [len(lengths)]


def plan(lengths_per_sb, parts, step=1, only=None):
    calls = []

    def weights_of(i):
        calls.append(i)
        return np.array(lengths_per_sb[i], np.int64)

    cuts = plan_cuts(np.array([sum(sb) for sb in lengths_per_sb], np.int64),
                     np.array([len(sb) for sb in lengths_per_sb], np.int64), parts, weights_of,
                     step=step, only=only)
    return cuts.tolist(), calls


subblocks = st.lists(st.lists(st.integers(0, 300), max_size=12), max_size=10)


@settings(max_examples=300)
@given(subblocks, st.integers(1, 12))
def test_cuts_match_reference(sbs, parts):
    cuts, calls = plan(sbs, parts)
    assert cuts == reference_cuts(sbs, parts, 1)
    assert len(calls) <= parts - 1      # only sub-blocks holding a cut are decoded


@settings(max_examples=300)
@given(subblocks, st.integers(1, 12))
def test_paired_cuts_keep_mates_together(sbs, parts):
    sbs = [sb + sb for sb in sbs]      # even record counts, as in a paired archive
    cuts, _ = plan(sbs, parts, step=2)
    assert cuts == reference_cuts(sbs, parts, 2)
    assert all(c % 2 == 0 for c in cuts)


@given(subblocks, st.integers(1, 12))
def test_parts_tile_and_balance(sbs, parts):
    cuts, _ = plan(sbs, parts)
    lengths = [x for sb in sbs for x in sb]
    assert cuts[0] == 0 and cuts[-1] == len(lengths)
    assert all(a <= b for a, b in zip(cuts, cuts[1:]))
    total = sum(lengths)
    longest = max(lengths, default=0)
    for k in range(1, parts):           # each cut is within one read of its ideal place
        before = sum(lengths[:cuts[k]])
        assert total * k / parts <= before < total * k / parts + longest + 1 or total == 0


def test_only_computes_the_requested_cuts():
    sbs = [[100] * 10] * 4
    cuts, calls = plan(sbs, 4, only=[2])
    assert cuts == [0, -1, 20, -1, 40] and calls == [1]   # the target ends sub-block 1
    merged = np.max([plan(sbs, 4, only=[k])[0] for k in (1, 2, 3)], axis=0)
    assert merged.tolist() == plan(sbs, 4)[0] == [0, 10, 20, 30, 40]


def test_more_parts_than_reads_gives_empty_parts():
    cuts, _ = plan([[1000, 1000]], 5)
    assert cuts == [0, 1, 1, 2, 2, 2]


def test_no_bases_balances_records():
    assert plan([[0, 0, 0], [0, 0, 0, 0]], 2)[0] == [0, 4, 7]
    assert plan([], 3)[0] == [0, 0, 0, 0]


def test_cut_in_subblock_exact_integers():
    # 3 parts of 10 bases: targets 10/3 and 20/3 bases, reached after reads 4 and 7
    assert cut_in_subblock(np.ones(10, np.int64), 0, 10, 1, 3, 1) == 4
    assert cut_in_subblock(np.ones(10, np.int64), 0, 10, 2, 3, 1) == 7
    assert cut_in_subblock(np.ones(10, np.int64), 0, 10, 2, 3, 2) == 8


def test_bad_arguments():
    with pytest.raises(ValueError):
        plan([[1, 2]], 0)
    with pytest.raises(ValueError):
        plan([[1, 2, 3]], 2, step=2)


def test_part_paths():
    assert part_paths("out/s", 2, False) == [["out/s.000.fastq"], ["out/s.001.fastq"]]
    assert part_paths("p", 1, True, gzip=True) == [["p.000.1.fastq.gz", "p.000.2.fastq.gz"]]
    assert part_paths("p", 1001, False)[1000] == ["p.1000.fastq"]


def test_mate_offsets():
    # records of sizes 3 (R1), 5 (R2), 4 (R1), 6 (R2)
    one, two = mate_offsets(np.array([0, 3, 8, 12, 18]))
    assert one.tolist() == [0, 3, 7] and two.tolist() == [0, 5, 11]
