"""Kernels run interpreted (no Numba) give what Numba gives, for every codec and any
stream prefix; the first records of a sub-block and grep --first's first look."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import phyngsc
from phyngsc.core.jit import interpreted
from phyngsc.codecs.dna_k8_lanes import stream_lanes
from phyngsc.codecs.registry import CODEC_ID, decode_stream
from phyngsc.records import kernels
from phyngsc.records.head import first_match, parse_subblock, read_head, record_text
from phyngsc.format.constants import N_STREAMS, SID_DNA, SID_LENGTHS
from phyngsc.archive.reader import Archive
from tests.reference import ref_compresso

from ..conftest import DATA, ROOT

FILES = [DATA / "err127302_1_200.fastq", DATA / "ont_5.fastq", DATA / "sim_reads_1_200.fastq",
         *sorted((DATA / "edge").glob("*.fq"))]
LEVELS = (1, 5, 9)


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """(source bytes, archive path) for every file at every level; one sub-block each
    is enough for the first look, so the window is large."""
    d = tmp_path_factory.mktemp("head")
    out = {}
    for f in FILES:
        for level in LEVELS:
            a = d / f"{f.stem}.{level}.ngsc"
            phyngsc.compress(str(f), str(a), threads=1, level=level)
            out[f.stem, level] = (f.read_bytes(), a)
    return out


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_interpreted_prefixes_equal_compiled(archives, path, level):
    _, a = archives[path.stem, level]
    with Archive(str(a)) as arch:
        if arch.n_subblocks == 0:   # the empty file: nothing to look at
            assert path.stat().st_size == 0 and arch.count() == 0
            return
        data = arch.subblock_bytes(0)
    hdr, streams = parse_subblock(data)
    codec, enc, n = streams[SID_LENGTHS]
    lens = np.zeros(n, np.uint8)
    assert decode_stream(codec, enc, np.zeros(0, np.int64), lens) == 0
    aux = kernels.read_lengths(lens, hdr.n_records)
    for sid in range(N_STREAMS):
        codec, enc, n = streams[sid]
        full = np.zeros(n, np.uint8)
        assert decode_stream(codec, enc, aux, full) == 0
        for k in sorted({min(k, n) for k in (0, 1, 7, n // 3, n - 1, n) if k >= 0}):
            got = np.zeros(k, np.uint8)
            with interpreted():
                assert decode_stream(codec, enc, aux, got) == 0, (sid, codec, k)
            assert got.tobytes() == full[:k].tobytes(), (sid, codec, k)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_first_match_agrees_with_reference(archives, path, level):
    src, a = archives[path.stem, level]
    recs = ref_compresso.records(src)
    with Archive(str(a)) as arch:
        if arch.n_subblocks == 0:   # the empty file: nothing to look at
            assert path.stat().st_size == 0 and arch.count() == 0
            return
        data = arch.subblock_bytes(0)
    head = read_head(data, 1 << 30)   # the whole sub-block: every record's text rebuilt
    assert head is not None and head.lengths.size == len(recs) == head.header.n_records
    for r in sorted({0, 1, len(recs) // 2, len(recs) - 1} & set(range(len(recs)))):
        assert record_text(head, r) == recs[r]["text"]
        assert record_text(head, r, interpret=False) == recs[r]["text"]
    patterns = {r["seq"][:6].decode().upper() for r in (recs[1:2] + recs[-1:])
                if len(r["seq"]) >= 6}
    patterns.add("ACGTTGCAACGTTGCATTT")      # in none of these files
    for pattern in sorted(patterns):
        fwd = kernels.pattern_masks(pattern)
        rev = kernels.reverse_complement_masks(fwd)
        for revcomp in (False, True):
            ref = ref_compresso.grep(src, pattern, revcomp)
            for max_bases in (1, 300, 1 << 30):
                settled, text = first_match(data, fwd, rev, revcomp, max_bases)
                if text is not None:
                    assert settled and text == ref[0]
                elif settled:   # looked at every record
                    assert ref == []
                if max_bases == 1 << 30:
                    assert settled and (text == ref[0] if ref else text is None)


@pytest.mark.parametrize("level", (5, 9))
def test_first_look_decodes_whole_groups_of_lanes(archives, level):
    """Bases coded in lanes (NGSC 1.7; 16 since phyngsc 0.18) decode a prefix only with the
    lengths of its whole last group: the first look stops at a group's end and gets the
    exact bases."""
    from phyngsc.codecs.registry import LANES
    src, a = archives["sim_reads_1_200", level]     # deep lambda reads: DNA_K8 wins
    recs = ref_compresso.records(src)
    with Archive(str(a)) as arch:
        data = arch.subblock_bytes(0)
    _, streams = parse_subblock(data)
    codec, enc, _ = streams[SID_DNA]
    assert codec == CODEC_ID["dna-k8"] and stream_lanes(int(enc[1])) == LANES == 16
    for max_bases in (1, 150, 1000, 3000, 1 << 30):
        head = read_head(data, max_bases)
        n = head.lengths.size
        assert n % LANES == 0 or n == len(recs), (max_bases, n)
        assert head.dna.tobytes() == b"".join(r["seq"] for r in recs[:n]).upper()


def test_grep_first_on_a_damaged_sub_block_reports_it(archives, tmp_path):
    """The first look trusts nothing: a damaged sub-block 0 is reported by the full path."""
    src, a = archives["err127302_1_200", 5]
    with Archive(str(a)) as arch:
        at = int(arch.index.offset[0]) + 200
    bad = tmp_path / "bad.ngsc"
    data = bytearray(a.read_bytes())
    data[at] ^= 0xFF
    bad.write_bytes(bytes(data))
    first = ref_compresso.records(src)[0]["seq"][:12].decode()
    r = subprocess.run([sys.executable, "-m", "phyngsc", "grep", "--first", str(bad), first],
                       capture_output=True, cwd=ROOT)
    assert r.returncode != 0 and r.stdout == b""
    assert b"sub-block 0" in r.stderr and b"Traceback" not in r.stderr


def _grep_first_without_numba(src: bytes, archive, pattern: str) -> None:
    """``grep --first`` in a fresh process prints the reference's first match and never
    imports Numba."""
    code = ("import sys; from phyngsc.cli import main; rc = main(['grep', '--first', "
            f"{str(archive)!r}, {pattern!r}]); sys.stderr.write(str('numba' in sys.modules)); "
            "raise SystemExit(rc)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT)
    assert r.returncode == 0 and r.stderr == b"False"
    assert r.stdout == ref_compresso.grep(src, pattern)[0]


def test_grep_first_early_match_does_not_load_numba(archives):
    src, a = archives["err127302_1_200", 5]
    _grep_first_without_numba(src, a, ref_compresso.records(src)[2]["seq"][10:30].decode())


@pytest.fixture(scope="module", params=["dna", "quality-model"])
def chained(request, tmp_path_factory):
    """A level-5 archive whose seed is a chain of 4 sub-blocks, the first coded DNA_SEEDED
    from the chain's starting table (a table of ones); with a quality model in the footer
    too (NGSC 1.12: QUAL_SHARED qualities, decoded from the footer's model)."""
    import phyngsc.seed
    src = DATA / "synthetic_cov15.fastq"
    a = tmp_path_factory.mktemp("chain") / "c.ngsc"
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "quality-model":
            mp.setattr(phyngsc.seed, "QUALITY_MODEL_PAYS", 0)
        phyngsc.compress(str(src), str(a), threads=1, level=5, window=8192, seed=32768)
    with phyngsc.open(str(a)) as arch:
        held = "qual-shared" in arch.stream_sizes()["qual"]["codecs"]
        assert held == (request.param == "quality-model") == bool(arch.footer.seed.quality)
    return src.read_bytes(), a


def test_first_look_decodes_a_chained_seeds_first_sub_block(chained):
    src, a = chained
    from phyngsc.format.constants import SID_DNA
    from phyngsc.codecs.registry import CODEC_ID
    with Archive(str(a)) as arch:
        seed = arch.footer.seed
        data = arch.subblock_bytes(0)
        assert seed is not None and seed.k == 12
        assert parse_subblock(data)[1][SID_DNA][0] == CODEC_ID["dna-seeded"]
        assert read_head(data) is None                     # not without the chain
        head = read_head(data, 1000, chain=seed)
        n = int(head.lengths.size)
        recs = ref_compresso.records(src)
        assert head.dna.tobytes() == b"".join(r["seq"] for r in recs[:n])
        lines = src.split(b"\n")
        for r in (0, n - 1):
            assert record_text(head, r) == b"\n".join(lines[4 * r:4 * r + 4]) + b"\n"
        # a stream that names other settings than the seed's is left to the full path
        assert read_head(data, 1000, chain=dataclasses.replace(seed, inc=seed.inc + 1)) is None
        assert read_head(data, 1000, chain=dataclasses.replace(seed, k=13)) is None


def test_grep_first_in_a_chained_seed_does_not_load_numba(chained):
    src, a = chained
    _grep_first_without_numba(src, a, ref_compresso.records(src)[1]["seq"][5:25].decode())
