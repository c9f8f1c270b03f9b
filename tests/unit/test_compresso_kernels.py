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
