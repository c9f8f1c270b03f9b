"""In compresso kernels against the plain-Python references."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from phyngsc.records import kernels
from tests.reference import ref_compresso

from ..conftest import small_files


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ACGTNacgtn", max_size=30), st.text(alphabet="ACGTRYSWKMBDHVN", min_size=1,
                                                             max_size=5), st.booleans())
def test_grep_matches_reference(seq, pattern, revcomp):
    fwd = kernels.pattern_masks(pattern)
    hit = kernels.grep_records(np.frombuffer(seq.encode(), np.uint8), np.array([len(seq)]),
                               fwd, kernels.reverse_complement_masks(fwd), revcomp)[0]
    rc = "".join(ref_compresso.COMPLEMENT[c] for c in reversed(pattern))
    expected = ref_compresso._matches(seq, pattern) or (revcomp and ref_compresso._matches(seq, rc))
    assert bool(hit) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="ACGTNacgtn", max_size=90), min_size=1, max_size=6),
       st.data(), st.booleans())
def test_grep_many_records_and_long_patterns_match_reference(seqs, data, revcomp):
    """Records searched one after another (no state carried across a record boundary),
    patterns around the bit-parallel limit (64) and beyond it, often taken from a read."""
    joined = "".join(seqs)
    m = data.draw(st.sampled_from([1, 2, 20, 63, 64, 65, 70]))
    if len(joined) >= m and data.draw(st.booleans()):
        a = data.draw(st.integers(0, len(joined) - m))   # may straddle two records
        pattern = joined[a:a + m].upper().replace("N", data.draw(st.sampled_from("NRY")))
    else:
        pattern = data.draw(st.text(alphabet="ACGTRYN", min_size=m, max_size=m))
    fwd = kernels.pattern_masks(pattern)
    hits = kernels.grep_records(np.frombuffer(joined.encode(), np.uint8),
                                np.array([len(x) for x in seqs], np.int64), fwd,
                                kernels.reverse_complement_masks(fwd), revcomp)
    rc = "".join(ref_compresso.COMPLEMENT[c] for c in reversed(pattern))
    assert hits.tolist() == [ref_compresso._matches(x, pattern) or
                             (revcomp and ref_compresso._matches(x, rc)) for x in seqs]


def test_shift_and_table_against_the_masks():
    masks = kernels.pattern_masks("ANRT")
    table = kernels.shift_and_table(masks, kernels.BASE)
    for byte, bits in ((ord("A"), 0b0111), (ord("g"), 0b0110), (ord("T"), 0b1010),
                       (ord("N"), 0b0010), (ord("#"), 0b0010)):
        assert int(table[byte]) == bits, chr(byte)


def test_pattern_validation():
    with pytest.raises(ValueError):
        kernels.pattern_masks("ACXT")
    with pytest.raises(ValueError):
        kernels.pattern_masks("")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40).map(lambda b: bytes(33 + x % 60 for x in b)), st.integers(0, 40))
def test_trim_point_matches_reference(qual, cutoff):
    assert kernels.trim_point(np.frombuffer(qual, np.uint8), 0, len(qual), cutoff, 33) == \
        ref_compresso.trim(qual, cutoff, 33)


def test_trim_like_cutadapt_example():
    # cutadapt docs: qualities 42 40 26 27 8 7 11 4 2 3 with cutoff 10 keep the first 4
    qual = bytes(q + 33 for q in (42, 40, 26, 27, 8, 7, 11, 4, 2, 3))
    assert kernels.trim_point(np.frombuffer(qual, np.uint8), 0, len(qual), 10, 33) == 4


@pytest.mark.parametrize("path", small_files(), ids=lambda p: p.name)
def test_stream_kernels_match_reference(path):
    from phyngsc.fastq.streams import ST_NR
    from tests.unit.test_streams import kernel_split
    data = path.read_bytes()
    (titles, dna, qual, lens, _layout), stats, _ = kernel_split(data)
    a = [np.frombuffer(x, np.uint8) for x in (titles, dna, qual, lens)]
    n = int(stats[ST_NR])
    lengths = kernels.read_lengths(a[3], n)
    assert kernels.fasta_text(a[0], a[1], lengths).tobytes() == ref_compresso.fasta(data)
    text, kept = kernels.filter_records(a[0], a[1], a[2], lengths, 33, 20, 25.0, 1, 3)
    assert (text.tobytes(), kept) == ref_compresso.filter_fastq(data, 33, 20, 25.0, 1, 3)
    width = int(lengths.max()) if n else 0
    sums, counts = kernels.quality_by_position(a[2], lengths, width)
    ref = ref_compresso.mean_quality_per_position(data, 33)
    assert [round(float(s - 33 * c) / c, 4) for s, c in zip(sums, counts)] == ref
    starts = kernels.record_starts(np.frombuffer(data, np.uint8), n)
    assert [data[x:y] for x, y in zip(starts[:-1], starts[1:])] == \
        [r["text"] for r in ref_compresso.records(data)]


@pytest.mark.parametrize("m", [5, 64, 66])
def test_grep_compiled_equals_interpreted(m):
    """The first look (records/head.py) runs grep_records as plain Python: same answers."""
    from phyngsc.core.jit import interpreted
    rng = np.random.default_rng(m)
    dna = np.frombuffer(b"ACGTN", np.uint8)[rng.integers(0, 5, 4000)].copy()
    lengths = np.array([150, 0, 850, 1000, 2000], np.int64)
    for start in (10, 1500, 3990 - m):          # a match inside, one straddling, one late
        fwd = kernels.pattern_masks(dna[start:start + m].tobytes().decode())
        rev = kernels.reverse_complement_masks(fwd)
        for rc in (False, True):
            with interpreted():
                plain = kernels.grep_records(dna, lengths, fwd, rev, rc)
            assert plain.tolist() == kernels.grep_records(dna, lengths, fwd, rev, rc).tolist()
            assert plain.any()
