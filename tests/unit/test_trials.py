"""Trial winners chosen once per trial group and reused (phyngsc.trials)."""

import numpy as np
import pytest

from phyngsc.codecs.registry import ROLE_PLAIN, ROLE_SEED, ROLE_SEEDED, level_codecs
from phyngsc.core.jit import interpreted
from phyngsc.subblock_decode import decode_subblocks
from phyngsc.subblocks import choose_spans, encode_spans
from phyngsc.trials import TRIAL_GROUP, Trials

from ..conftest import DATA

TEXT = (DATA / "err127302_1_200.fastq").read_bytes()
BUF = np.frombuffer(TEXT, np.uint8)
WINDOW = 256          # 40 KB of records: 160 windows, 10 trial groups


def subblocks(text: bytes, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the sub-blocks the runners cut: the records whose first byte
    lies in each window (4-line records)."""
    starts, pos = [], 0
    lines = text.split(b"\n")
    last = -1
    for i in range(0, len(lines) - 1, 4):
        if pos // window != last:
            starts.append(pos)
            last = pos // window
        pos += sum(len(x) + 1 for x in lines[i:i + 4])
    return np.array(starts), np.array(starts[1:] + [len(text)])


STARTS, ENDS = subblocks(TEXT, WINDOW)


def groups_of(starts: np.ndarray) -> list[int]:
    return [int(s) // WINDOW // TRIAL_GROUP for s in starts]


def run_batches(trials: Trials, size: int, first: int = 0, level: int = 5) -> np.ndarray:
    rows = [trials.rows(BUF, STARTS[i:i + size], ENDS[i:i + size], STARTS[i:i + size], None)
            for i in range(first, len(STARTS), size)]
    return np.concatenate(rows)


def test_keys_and_where_groups_begin():
    t = Trials(5, 1000, seed_end=20500)
    assert t.key(15999, ROLE_PLAIN) == (0, ROLE_PLAIN)
    assert t.key(16000, ROLE_SEEDED) == (1, ROLE_SEEDED)
    assert t.key_start((1, ROLE_SEEDED)) == 20500        # seeded ones begin at the seed's end
    assert t.key_start((2, ROLE_SEEDED)) == 32000
    assert t.key_start((1, ROLE_SEED)) == 16000
    assert Trials(5, 1000).key_start((3, ROLE_PLAIN)) == 48000


@pytest.mark.parametrize("level", [1, 5, 9])
def test_one_trial_per_group_whatever_the_batches(level):
    n_groups = len(set(groups_of(STARTS)))
    assert len(STARTS) > 100 and n_groups >= 8
    every = None
    for size in (1, 3, 7, len(STARTS)):
        t = Trials(level, WINDOW)
        rows = run_batches(t, size, level=level)
        assert t.runs == n_groups
        if every is None:
            every = rows
        assert np.array_equal(rows, every)
    # each row is the trial of its group's first sub-block
    firsts = {}
    for i, g in enumerate(groups_of(STARTS)):
        firsts.setdefault(g, i)
    for i, g in enumerate(groups_of(STARTS)):
        a = firsts[g]
        want = choose_spans(BUF, STARTS[a:a + 1], ENDS[a:a + 1], level=level)[0]
        assert np.array_equal(every[i], want)


def test_rows_code_every_subblock_and_decode():
    t = Trials(5, WINDOW)
    rows = t.rows(BUF, STARTS, ENDS, STARTS, None)
    sbs = encode_spans(BUF, STARTS, ENDS, base=0, file_index=0, level=5, chosen=rows)
    _headers, text, _starts = decode_subblocks([s.data for s in sbs])
    assert text.tobytes() == TEXT
    codecs, _params = level_codecs(5)
    for sb, row in zip(sbs, rows):
        for s in sb.header.streams:          # the winner itself, or stored if not smaller
            assert s.codec in (codecs[s.sid, row[s.sid]], 0)


def test_a_rank_starting_inside_a_group_learns_it_from_the_anchor():
    every = run_batches(Trials(5, WINDOW), 2)
    groups = groups_of(STARTS)
    j = next(i for i in range(1, len(groups)) if groups[i] == groups[i - 1] == groups[i + 1])
    anchor = groups.index(groups[j])
    rank = Trials(5, WINDOW)
    rank.prime(rank.key(int(STARTS[anchor]), ROLE_PLAIN),
               BUF[STARTS[anchor]:ENDS[anchor]])
    assert rank.runs == 1
    rank.prime(rank.key(int(STARTS[anchor]), ROLE_PLAIN), BUF[:10])   # known: kept
    assert rank.runs == 1
    rows = run_batches(rank, 2, first=j)
    assert np.array_equal(rows, every[j:])
    assert rank.runs == len(set(groups[j:]))     # the anchor's, then one a later group


def test_roles_are_separate_groups():
    t = Trials(5, WINDOW, seed_end=int(STARTS[5]))
    roles = np.where(STARTS < STARTS[5], ROLE_SEED, ROLE_SEEDED)
    t.rows(BUF, STARTS[:10], ENDS[:10], STARTS[:10], roles[:10])
    assert t.runs == 2 and set(t.known) == {(0, ROLE_SEED), (0, ROLE_SEEDED)}


def test_a_winner_that_cannot_code_a_subblock_falls_back_to_one_that_can():
    """A winner reused from another sub-block may fail on this one: the first candidate
    that codes it is taken, fastest first (here: an index past a stream's only one)."""
    one = (slice(0, 1),)
    want = encode_spans(BUF, STARTS[one], ENDS[one], base=0, file_index=0, level=5)[0]
    rows = choose_spans(BUF, STARTS[one], ENDS[one], level=5)
    codecs, _p = level_codecs(5)
    lengths = 3
    assert codecs[lengths, 1] < 0                       # lengths: one candidate
    rows[0, lengths] = 4
    got = encode_spans(BUF, STARTS[one], ENDS[one], base=0, file_index=0, level=5,
                       chosen=rows)[0]
    assert got.data == want.data


def test_choose_spans_matches_its_plain_python_run():
    part = slice(0, 3)
    compiled = choose_spans(BUF, STARTS[part], ENDS[part], level=5)
    with interpreted():
        plain = choose_spans(BUF, STARTS[part], ENDS[part], level=5)
    assert np.array_equal(compiled, plain)


def test_choose_spans_rejects_invalid_text():
    from phyngsc.subblocks import SpanError
    bad = np.frombuffer(b"@a\nACGT\n+\nIII\n", np.uint8)
    with pytest.raises(SpanError):
        choose_spans(bad, np.array([0]), np.array([len(bad)]), level=5)


def test_anchors_found_by_structure_are_proven_against_every_subblock_start():
    from phyngsc.runners.compress import anchors_hold
    keys = np.array([0, 300, 520, 1100, 1500])
    assert anchors_hold([(512, 520), (1024, 1100)], keys)
    assert not anchors_hold([(512, 510)], keys)        # a false record start before it
    assert not anchors_hold([(1024, -1)], keys)        # its records did not read as FASTQ
    assert not anchors_hold([(2048, 2100)], keys)      # no sub-block there at all
