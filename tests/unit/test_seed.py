"""The seed model (NGSC 1.3): training, DNA_SEEDED, planning, the footer section, and
archives that carry one (every reader path decodes them; damage fails cleanly)."""

import dataclasses
import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import phyngsc
from phyngsc.codecs.dna_k8 import dna_k8_encode, dna_k8_train
from phyngsc.codecs.models import kernel_models
from phyngsc.codecs.registry import (BY_NAME, ROLE_PLAIN, ROLE_SEED, ROLE_SEEDED, SEEDS,
                                     decode_stream, decode_stream_with, encode_stream,
                                     encode_stream_with, level_codecs)
from phyngsc.errors import ArchiveError
from phyngsc.format.footer import Footer, InputFile, SeedInfo
from phyngsc.seed import model_bytes, plan_seed, roles, train
from tests.reference import ref_rans

from ..conftest import DATA

SAMPLE = (DATA / "err127302_1_200.fastq").read_bytes()
SEQS = SAMPLE.split(b"\n")[1::4][:200]
SEEDED = BY_NAME["dna-seeded"]


def arr(b: bytes) -> np.ndarray:
    return np.frombuffer(b, np.uint8)


def lens(parts) -> np.ndarray:
    return np.array([len(p) for p in parts], np.int64)


# -- kernels against the plain-Python reference ----------------------------------------
@pytest.mark.parametrize("k,rc,inc", [(4, True, 2), (6, False, 3), (3, True, 127)])
def test_train_matches_reference(k, rc, inc):
    reads = SEQS[:50] + [b"", b"NNACGTRY"] + SEQS[50:70]
    data = b"".join(reads)
    table = dna_k8_train(arr(data), lens(reads), k, rc, inc)
    ref = ref_rans.dna_k8_train(data, [len(r) for r in reads], k, rc, inc)
    assert table.tolist() == ref.dense()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="ACGTN", max_size=25), max_size=12),
       st.lists(st.text(alphabet="ACGTNa", max_size=25), max_size=12),
       st.integers(1, 6), st.booleans(), st.integers(1, 127))
def test_seeded_coding_matches_reference(seed_reads, reads, k, rc, inc):
    seed_data = "".join(seed_reads).encode()
    data = "".join(reads).encode()
    lengths = [len(r) for r in reads]
    model = dna_k8_train(arr(seed_data), lens(seed_reads), k, rc, inc)
    ref_model = ref_rans.dna_k8_train(seed_data, [len(r) for r in seed_reads], k, rc, inc)
    out = np.zeros(SEEDED.worst_case(len(data)), np.uint8)
    n = dna_k8_encode(arr(data), np.array(lengths, np.int64), out, k, rc, inc, model)
    assert out[:n].tobytes() == ref_rans.dna_k8(data, lengths, k, rc, inc, ref_model)
    # through the dispatch, with a prefix decode
    p = k | rc << 8 | inc << 16
    models = kernel_models(model)
    m = encode_stream_with(SEEDED.id, p, arr(data), np.array(lengths, np.int64), out, models)
    assert m == n
    for cut in {0, len(data) // 2, len(data)}:
        dec = np.zeros(cut, np.uint8)
        assert decode_stream_with(SEEDED.id, out[:m], np.array(lengths, np.int64), dec,
                                  models) == 0
        assert dec.tobytes() == data[:cut]


def test_a_model_trained_on_overlapping_reads_codes_them_smaller():
    rest = SEQS[150:]
    seed = [r[7:] for r in rest]      # the same loci, shifted: what deep coverage gives
    model = dna_k8_train(arr(b"".join(seed)), lens(seed), 6, True, 2)
    data = b"".join(rest)
    out = np.zeros(1 << 16, np.uint8)
    plain = dna_k8_encode(arr(data), lens(rest), out, 6, True, 2, np.zeros(0, np.uint8))
    seeded = dna_k8_encode(arr(data), lens(rest), out, 6, True, 2, model)
    assert seeded < plain


# -- DNA_SEEDED without its model, with the wrong one, damaged -----------------------
def test_seeded_codec_needs_the_model():
    data = b"".join(SEQS[:20])
    out = np.zeros(SEEDED.worst_case(len(data)), np.uint8)
    p = 5 | 1 << 8 | 2 << 16
    assert encode_stream(SEEDED.id, p, arr(data), lens(SEQS[:20]), out) == -1
    model = dna_k8_train(arr(data), lens(SEQS[:20]), 5, True, 2)
    n = encode_stream_with(SEEDED.id, p, arr(data), lens(SEQS[:20]), out,
                           kernel_models(model))
    assert n > 0
    dec = np.zeros(len(data), np.uint8)
    assert decode_stream(SEEDED.id, out[:n], lens(SEQS[:20]), dec) == 1
    wrong_k = kernel_models(dna_k8_train(arr(data), lens(SEQS[:20]), 4, True, 2))
    assert decode_stream_with(SEEDED.id, out[:n], lens(SEQS[:20]), dec, wrong_k) == 1
    assert encode_stream_with(SEEDED.id, p, arr(data), lens(SEQS[:20]), out, wrong_k) == -1


def test_seeded_decoder_survives_truncation_bit_flips_and_garbage():
    reads = SEQS[:30] + [b"NNRY"]
    data = b"".join(reads)
    model = kernel_models(dna_k8_train(arr(b"".join(SEQS[100:160])), lens(SEQS[100:160]), 8,
                                       True, 2))
    out = np.zeros(SEEDED.worst_case(len(data)), np.uint8)
    n = encode_stream_with(SEEDED.id, 8 | 1 << 8 | 2 << 16, arr(data), lens(reads), out, model)
    enc = out[:n].copy()
    dec = np.zeros(len(data), np.uint8)
    for cut in range(n):
        assert decode_stream_with(SEEDED.id, enc[:cut], lens(reads), dec, model) in (0, 1)
    rng = np.random.default_rng(13)
    for at in rng.integers(0, n, 400):
        bad = enc.copy()
        bad[at] ^= 1 << int(rng.integers(0, 8))
        assert decode_stream_with(SEEDED.id, bad, lens(reads), dec, model) in (0, 1)
    for size in (0, 1, 9, 100, 3000):
        junk = rng.integers(0, 256, size).astype(np.uint8)
        assert decode_stream_with(SEEDED.id, junk, lens(reads), dec, model) in (0, 1)
    assert SEEDED.worst_case(len(data)) >= n


# -- planning and roles ----------------------------------------------------------------
def test_plan_seed_rules():
    W = 8 << 20
    assert plan_seed(1, 10 << 30, W) is None                 # level 1: no seed model
    assert plan_seed(5, 10 << 30, W, 0) is None              # --seed 0
    assert plan_seed(5, W, W) is None                        # one window
    p5 = plan_seed(5, 10 << 30, W)
    assert (p5.n_subblocks, p5.k, p5.revcomp) == (SEEDS[5].seed_bytes // W, SEEDS[5].k, True)
    assert plan_seed(9, 10 << 30, W).n_subblocks == SEEDS[9].seed_bytes // W
    # presets measured on a 1 GiB deep run (docs/performance.md, *A larger seed*, and
    # *Chained seed*: 192 MiB at level 5 since phyngsc 0.10, was 128)
    assert (SEEDS[5].seed_bytes, SEEDS[9].seed_bytes) == (192 << 20, 256 << 20)
    # chained (NGSC 1.5), in the lanes of the seeded sub-blocks (NGSC 1.8)
    p9 = plan_seed(9, 10 << 30, W)
    assert (p5.form, p5.lanes) == (p9.form, p9.lanes) == (2, 16)
    assert (SEEDS[5].inc, SEEDS[9].inc) == (3, 8)        # phyngsc 0.9 (was 2 and 2)
    # order 14 (phyngsc 0.12) once level 9's seed holds 128 MiB of input: 16 windows
    assert SEEDS[9].large == (128 << 20, 14, 24) and SEEDS[5].large is None
    big = plan_seed(9, 10 << 30, W)
    assert (big.k, big.inc) == (14, 24) and model_bytes(big) == 1 << 30
    assert (plan_seed(9, 32 * W, W).k, plan_seed(9, 32 * W, W).inc) == (14, 24)  # 16 windows
    assert (plan_seed(9, 31 * W, W).k, plan_seed(9, 31 * W, W).inc) == (13, 8)   # 15 windows
    assert plan_seed(9, 10 << 30, 4096, 16384).k == 13       # a small explicit seed
    assert plan_seed(5, 10 << 30, W).k == 12
    assert plan_seed(5, 190 << 20, W).n_subblocks == 12      # 24 windows: half of them
    assert plan_seed(5, 1 << 30, W).n_subblocks == 24
    assert plan_seed(9, 1 << 30, W).n_subblocks == 32
    assert plan_seed(5, 5 * W, W).n_subblocks == 2          # at most half the sub-blocks
    assert plan_seed(5, 10 << 30, 4096, 10_000).n_subblocks == 3
    assert plan_seed(5, 10 << 30, 64 << 10) is None          # small windows: only if asked
    assert model_bytes(p5) == 4 << (2 * SEEDS[5].k) and model_bytes(None) == 0


def test_roles_and_their_candidates():
    seed = SeedInfo(3, 12, True, 2)
    assert roles(seed, 1, 4).tolist() == [ROLE_SEED, ROLE_SEED, ROLE_SEEDED, ROLE_SEEDED]
    assert roles(None, 0, 2).tolist() == [ROLE_PLAIN, ROLE_PLAIN]
    dna = 1
    seed_codecs, _ = level_codecs(5, ROLE_SEED)
    assert seed_codecs[dna].tolist() == [BY_NAME["dna2"].id] + [-1] * (seed_codecs.shape[1] - 1)
    seeded, params = level_codecs(9, ROLE_SEEDED)
    assert SEEDED.id in seeded[dna].tolist()
    assert params[dna][seeded[dna].tolist().index(SEEDED.id)] & 255 == SEEDS[9].k


@pytest.mark.parametrize("level", [5, 9])
def test_seeded_sub_blocks_are_static_unless_a_preset_says_otherwise(level, monkeypatch):
    """The seed learns both strands; a seeded sub-block's coder learns nothing (0.23, NGSC
    1.11: 0.03-0.08 % of its DNA for a working copy per thread and a write a base), and a
    preset that makes it learn again learns its own reads' forward strand only unless it
    also asks for their reverse complements (0.13: 20 ns a base for 0.08 % of the DNA)."""
    dna = 1

    def seeded_param(seed):
        codecs, params = level_codecs(level, ROLE_SEEDED, seed)
        return int(params[dna][codecs[dna].tolist().index(SEEDED.id)])

    for seed in (None, SeedInfo(3, 12, True, 3), SeedInfo(3, 14, True, 24)):
        p = seeded_param(seed)
        assert (p >> 8) & 1 == 0 and (p >> 16) & 255 == 0
        assert p & 255 == (SEEDS[level].k if seed is None else seed.k)
    monkeypatch.setitem(SEEDS, level, dataclasses.replace(SEEDS[level], seeded_revcomp=True))
    assert (seeded_param(SeedInfo(3, 12, True, 3)) >> 8) & 1 == 0   # static: learns nothing
    monkeypatch.setitem(SEEDS, level, dataclasses.replace(SEEDS[level], seeded_inc=5))
    assert (seeded_param(SeedInfo(3, 12, True, 3)) >> 8) & 1 == 1
    assert (seeded_param(SeedInfo(3, 12, True, 3)) >> 16) & 255 == 5
    assert (seeded_param(SeedInfo(3, 12, False, 3)) >> 8) & 1 == 0
    monkeypatch.setitem(SEEDS, level, dataclasses.replace(SEEDS[level], seeded_revcomp=False,
                                                          seeded_inc=5))
    assert (seeded_param(SeedInfo(3, 12, True, 3)) >> 8) & 1 == 0


# -- the footer section ---------------------------------------------------------------
def _footer(seed):
    from phyngsc.format.footer import BlockEntry, SubBlockEntry
    subs = tuple(SubBlockEntry(100, 50, 2, 0, 7) for _ in range(5))
    return Footer(1, 1, 5, 1, 4096, (InputFile(250, "x.fq"),),
                  (BlockEntry(0, 0, 500, 5),), subs, seed)


@pytest.mark.parametrize("seed", [None, SeedInfo(2, 12, True, 2), SeedInfo(4, 13, False, 127),
                                  SeedInfo(3, 14, True, 24)])
def test_footer_seed_section_round_trips(seed):
    assert Footer.unpack(_footer(seed).pack()).seed == seed


def test_footer_seed_section_out_of_range_is_refused():
    from phyngsc.format.container import FormatViolation
    with pytest.raises(FormatViolation, match="seed"):
        Footer.unpack(_footer(SeedInfo(5, 12, True, 2)).pack())   # all 5 sub-blocks
    with pytest.raises(FormatViolation, match="seed"):
        Footer.unpack(_footer(SeedInfo(2, 15, True, 2)).pack())   # order 14 at most (1.6)
    with pytest.raises(FormatViolation, match="seed"):
        Footer.unpack(_footer(SeedInfo(2, 0, True, 2)).pack())


# -- archives with a seed model --------------------------------------------------------
@pytest.fixture(scope="module")
def deep_fastq(tmp_path_factory):
    """Reads sampled from both strands of one 3 kbp sequence: deep, so the seed pays."""
    rng = np.random.default_rng(5)
    genome = rng.choice(list(b"ACGT"), 3000).astype(np.uint8).tobytes()
    comp = bytes.maketrans(b"ACGT", b"TGCA")
    out = []
    for i in range(1200):
        at = int(rng.integers(0, 3000 - 60))
        read = genome[at:at + 60]
        if i % 2:
            read = read.translate(comp)[::-1]
        if i % 97 == 0:
            read = read[:20] + b"N" + read[21:]
        q = bytes(int(x) for x in rng.integers(35, 74, len(read)))
        out.append(b"@r%d\n%s\n+\n%s\n" % (i, read, q))
    path = tmp_path_factory.mktemp("seed") / "deep.fq"
    path.write_bytes(b"".join(out))
    return path


def _dna_seeded_flags(path) -> dict[str, set[int]]:
    """The flags byte (bit 0: reverse complements learned) of every DNA_SEEDED stream of
    an archive, for its seed sub-blocks and for the others."""
    from phyngsc.format.constants import SID_DNA
    from phyngsc.format.subblock import SubBlockHeader
    flags: dict[str, set[int]] = {"seed": set(), "seeded": set()}
    with phyngsc.open(str(path)) as a:
        n_seed = a.footer.seed.n_subblocks
        for i in range(a.n_subblocks):
            data = a.subblock_bytes(i)
            hdr, at = SubBlockHeader.unpack(data)
            for s in hdr.streams:
                if s.sid == SID_DNA and s.codec == SEEDED.id:
                    flags["seed" if i < n_seed else "seeded"].add(data[at + 1])
                at += s.encoded_length
    return flags


def _compress(src, dst, **kw):
    kw.setdefault("threads", 1)
    kw.setdefault("window", 4096)
    return phyngsc.compress(str(src), str(dst), **kw)


@pytest.mark.parametrize("level", [5, 9])
def test_seeded_archive_round_trips_and_is_smaller(deep_fastq, tmp_path, level):
    seeded, plain = tmp_path / "s.ngsc", tmp_path / "p.ngsc"
    _compress(deep_fastq, seeded, level=level, seed=16384)
    _compress(deep_fastq, plain, level=level, seed=0)
    with phyngsc.open(str(seeded)) as a:
        seed = a.footer.seed
        assert seed is not None and seed.n_subblocks == 4 and seed.k == SEEDS[level].k
        codecs = a.stream_sizes()["dna"]["codecs"]
    assert "dna-seeded" in codecs
    with phyngsc.open(str(plain)) as a:
        assert a.footer.seed is None
    info = json.loads(_cli("info", seeded, "--json").stdout)["seed"]
    with phyngsc.open(str(seeded)) as a:
        seed_text = int(a.index.raw_length[:4].sum())
    assert info == {"n_subblocks": 4, "k": SEEDS[level].k, "revcomp": True,
                    "inc": SEEDS[level].inc, "chained": True, "chain_lanes": 16,
                    "input_bytes": seed_text}
    assert f"first 4 sub-blocks ({seed_text:,} bytes of input), order {SEEDS[level].k}, " \
           "both strands, chained in 16 lanes" in _cli("info", seeded).stdout.decode()
    # both strands of one short sequence: the seeded DNA costs far less than 2 bits
    assert seeded.stat().st_size < plain.stat().st_size
    # the chain learns both strands, the seeded sub-blocks' DNA_SEEDED only the forward
    # one, both in 16 lanes (flags bits 1-3 = 4; NGSC 1.7, the chain's since 1.8)
    assert _dna_seeded_flags(seeded) == {"seed": {1 | 4 << 1}, "seeded": {4 << 1}}
    out = tmp_path / "out.fq"
    phyngsc.decompress(str(seeded), str(out), threads=2)
    assert out.read_bytes() == deep_fastq.read_bytes()


def test_order_14_seed_round_trips(deep_fastq, tmp_path, monkeypatch):
    """NGSC 1.6: a level-9 seed of order 14 (a 1 GiB table). The preset takes it from
    128 MiB of seed; here its threshold is lowered so that a small input gets it, with
    large windows so that few sub-blocks copy the table."""
    from phyngsc.codecs import registry
    monkeypatch.setitem(registry.SEEDS, 9, dataclasses.replace(SEEDS[9], large=(1, 14, 24)))
    arch = tmp_path / "s14.ngsc"
    _compress(deep_fastq, arch, level=9, seed=65536, window=32768)
    with phyngsc.open(str(arch)) as a:
        seed = a.footer.seed
        assert (seed.n_subblocks, seed.k, seed.inc, seed.form) == (2, 14, 24, 2)
        assert a.n_subblocks == 5           # 168 kB in 32 KiB windows
        dna = a.stream_sizes()["dna"]
        assert "dna-seeded" in dna["codecs"] and dna["encoded"] * 8 < dna["decoded"]
        assert a.seed_model().size == 1 << 30
        # the walk learned the model in the first row of the decoders' workspace: no copy
        ws = a.seed_workspace()
        assert ws.size % (1 << 30) == 0 and ws.size >= 2 << 30
        assert np.shares_memory(ws[:1 << 30], a.seed_model())
        mid = list(a.records(700, 703))       # a seeded sub-block, read on its own
    text = deep_fastq.read_bytes()
    lines = text.decode().split("\n")
    assert mid == [(lines[4 * i][1:], lines[4 * i + 1], lines[4 * i + 3]) for i in range(700, 703)]
    out = tmp_path / "out.fq"
    phyngsc.decompress(str(arch), str(out), threads=1)
    assert out.read_bytes() == text


def test_seeded_archive_is_the_same_at_any_thread_count(deep_fastq, tmp_path):
    one, two = tmp_path / "1.ngsc", tmp_path / "2.ngsc"
    _compress(deep_fastq, one, level=5, seed=16384, threads=1)
    _compress(deep_fastq, two, level=5, seed=16384, threads=2)
    with phyngsc.open(str(one)) as a, phyngsc.open(str(two)) as b:
        assert a.index.digest() == b.index.digest()


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "phyngsc", *map(str, args)],
                          capture_output=True, timeout=600)


def test_every_reader_decodes_a_seeded_archive(deep_fastq, tmp_path):
    arch = tmp_path / "s.ngsc"
    _compress(deep_fastq, arch, level=5, seed=16384)
    text = deep_fastq.read_bytes()
    lines = text.split(b"\n")
    records = [lines[4 * i:4 * i + 4] for i in range(1200)]
    assert phyngsc.verify(str(arch), threads=1).subblocks > 4
    with phyngsc.open(str(arch)) as a:
        got = list(a.records(900, 905))
        assert a.stats()["records"] == 1200
        hits = a.grep(records[1000][1][5:40].decode())
    assert [r.sequence.encode() for r in got] == [records[i][1] for i in range(900, 905)]
    assert b"\n".join(records[1000]) + b"\n" in hits
    fasta = tmp_path / "x.fa"
    assert _cli("fasta", arch, "-o", fasta, "-q").returncode == 0
    assert fasta.read_bytes() == b"".join(b">" + r[0][1:] + b"\n" + r[1] + b"\n"
                                          for r in records)
    ext = tmp_path / "e.fq"
    assert _cli("extract", arch, "--records", "1100:1110", "-o", ext, "-q").returncode == 0
    assert ext.read_bytes() == b"".join(b"\n".join(r) + b"\n" for r in records[1100:1110])


def test_a_damaged_seed_sub_block_is_named(deep_fastq, tmp_path):
    arch = tmp_path / "s.ngsc"
    _compress(deep_fastq, arch, level=5, seed=16384)
    with phyngsc.open(str(arch)) as a:
        at = int(a.index.offset[1]) + int(a.index.length[1]) - 3   # seed sub-block 1
        last = a.n_subblocks - 1
    data = bytearray(arch.read_bytes())
    data[at] ^= 0x10
    arch.write_bytes(bytes(data))
    with phyngsc.open(str(arch)) as a:
        # seed sub-block 0 needs no model: reading it neither trains nor fails
        assert [r.title for r in a.records(0, 3)] == ["r0", "r1", "r2"]
        with pytest.raises(ArchiveError, match="sub-block 1"):
            list(a.records(a.count() - 1, a.count()))    # in sub-block `last`, seeded
    assert last > 1
    with pytest.raises(ArchiveError, match="sub-block 1"):
        phyngsc.decompress(str(arch), str(tmp_path / "o.fq"), threads=1)
    assert not (tmp_path / "o.fq").exists()


def test_seed_option_is_checked(deep_fastq, tmp_path):
    with pytest.raises(phyngsc.UsageError, match="seed"):
        _compress(deep_fastq, tmp_path / "x.ngsc", seed=-1)
    assert not (tmp_path / "x.ngsc").exists()


def test_seed_digest_of_the_archive_is_stable(deep_fastq, tmp_path):
    """Same input, options and version: the same archive bytes (what golden files need)."""
    a, b = tmp_path / "a.ngsc", tmp_path / "b.ngsc"
    _compress(deep_fastq, a, level=9, seed=8192)
    _compress(deep_fastq, b, level=9, seed=8192)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def test_gzip_input_gives_the_same_seeded_archive_as_the_plain_file(deep_fastq, tmp_path):
    import gzip
    gz = tmp_path / "deep.fq.gz"
    gz.write_bytes(gzip.compress(deep_fastq.read_bytes()))
    _compress(deep_fastq, tmp_path / "f.ngsc", level=5, seed=16384)
    _compress(gz, tmp_path / "g.ngsc", level=5, seed=16384)
    with phyngsc.open(str(tmp_path / "f.ngsc")) as a, phyngsc.open(str(tmp_path / "g.ngsc")) as b:
        assert a.footer.seed == b.footer.seed and a.footer.seed is not None
        assert a.index.digest() == b.index.digest()


def test_short_stream_gets_the_plain_files_plan(tmp_path):
    """A stream that ends before twice the seed: the plan follows its real size."""
    import gzip
    text = (DATA / "err127302_1_200.fastq").read_bytes()     # ~40 KB: 10 windows of 4 KiB
    gz = tmp_path / "s.fq.gz"
    gz.write_bytes(gzip.compress(text))
    (tmp_path / "s.fq").write_bytes(text)
    _compress(tmp_path / "s.fq", tmp_path / "f.ngsc", level=5, seed=1 << 20)
    _compress(gz, tmp_path / "g.ngsc", level=5, seed=1 << 20)
    with phyngsc.open(str(tmp_path / "f.ngsc")) as a, phyngsc.open(str(tmp_path / "g.ngsc")) as b:
        assert a.footer.seed == b.footer.seed and a.footer.seed.n_subblocks == 5
        assert a.index.digest() == b.index.digest()


@pytest.fixture(scope="module")
def deep_pair(tmp_path_factory):
    """Mates from both strands of one 3 kbp sequence (R1 forward, R2 its reverse
    complement 100-200 bp on)."""
    rng = np.random.default_rng(8)
    genome = rng.choice(list(b"ACGT"), 3000).astype(np.uint8).tobytes()
    comp = bytes.maketrans(b"ACGT", b"TGCA")
    one, two = [], []
    for i in range(700):
        at = int(rng.integers(0, 3000 - 260))
        r1 = genome[at:at + 60]
        gap = int(rng.integers(100, 200))
        r2 = genome[at + gap:at + gap + 60].translate(comp)[::-1]
        for out, read, tag in ((one, r1, 1), (two, r2, 2)):
            q = bytes(int(x) for x in rng.integers(35, 74, len(read)))
            out.append(b"@p%d/%d\n%s\n+\n%s\n" % (i, tag, read, q))
    d = tmp_path_factory.mktemp("pair")
    (d / "r1.fq").write_bytes(b"".join(one))
    (d / "r2.fq").write_bytes(b"".join(two))
    return d / "r1.fq", d / "r2.fq"


def test_paired_archive_gets_a_seed_from_its_first_paired_sub_blocks(deep_pair, tmp_path):
    import gzip
    r1, r2 = deep_pair
    arch, plain = tmp_path / "p.ngsc", tmp_path / "n.ngsc"
    phyngsc.compress((str(r1), str(r2)), str(arch), threads=2, window=4096, seed=16384)
    phyngsc.compress((str(r1), str(r2)), str(plain), threads=1, window=4096, seed=0)
    with phyngsc.open(str(arch)) as a:
        assert a.footer.seed is not None and a.footer.seed.n_subblocks == 4
        assert "dna-seeded" in a.stream_sizes()["dna"]["codecs"]
        digest = a.index.digest()
    assert arch.stat().st_size < plain.stat().st_size
    o1, o2 = tmp_path / "o1.fq", tmp_path / "o2.fq"
    assert _cli("decompress", arch, "-o", o1, "-p", o2, "-q").returncode == 0
    assert o1.read_bytes() == r1.read_bytes() and o2.read_bytes() == r2.read_bytes()
    # gzip mates (rank 0 reads them as streams): the same archive content
    g1, g2 = tmp_path / "g1.fq.gz", tmp_path / "g2.fq.gz"
    g1.write_bytes(gzip.compress(r1.read_bytes()))
    g2.write_bytes(gzip.compress(r2.read_bytes()))
    phyngsc.compress((str(g1), str(g2)), str(tmp_path / "g.ngsc"), threads=1, window=4096,
                     seed=16384)
    with phyngsc.open(str(tmp_path / "g.ngsc")) as g:
        assert g.index.digest() == digest


# -- memory-lean training: in place, span by span, a group of sub-blocks at a time -----
def test_train_in_place_gives_dna_k8_train_and_leaves_read_only_input_alone():
    reads = SEQS[:40] + [b"NNACGTRY", b""] + SEQS[40:60]
    data = b"".join(reads)
    want = dna_k8_train(arr(data), lens(reads), 5, True, 2)
    buf = arr(data).copy()
    assert np.array_equal(train(buf, lens(reads), SeedInfo(1, 5, True, 2)), want)
    codes = {ord("A"): 0, ord("C"): 1, ord("G"): 2, ord("T"): 3}
    assert buf.tolist() == [codes.get(b, 0) for b in data]       # overwritten with codes
    ro = arr(data)                                                # read-only: copied
    assert np.array_equal(train(ro, lens(reads), SeedInfo(1, 5, True, 2)), want)
    assert ro.tobytes() == data
    with pytest.raises(ValueError, match="add up"):
        train(arr(data).copy(), lens(reads)[:-3], SeedInfo(1, 5, True, 2))


def test_seed_bases_joins_its_spans_and_places_errors():
    from phyngsc.subblocks import SpanError, bases_and_lengths, seed_bases
    text = arr(SAMPLE)
    line_starts = np.cumsum([0] + [len(x) + 1 for x in SAMPLE.split(b"\n")[:-1]])
    starts = line_starts[::4][::37].astype(np.int64)          # every 37th record
    ends = np.append(starts[1:], len(SAMPLE))
    assert len(starts) > 3
    dna, ln, reads = seed_bases(text, starts, ends)
    whole_dna, whole_ln = bases_and_lengths(text)
    assert dna.tobytes() == whole_dna.tobytes() and ln.tolist() == whole_ln.tolist()
    assert reads.tolist() == [len(bases_and_lengths(text[a:b])[1])
                              for a, b in zip(starts.tolist(), ends.tolist())]
    bad = text.copy()
    at = int(starts[2]) + SAMPLE[starts[2]:].index(b"\n") + 3     # a base of span 2
    bad[at] = ord("!")
    with pytest.raises(SpanError) as err:
        seed_bases(bad, starts, ends)
    with pytest.raises(SpanError) as whole:
        bases_and_lengths(bad)
    assert err.value.offset == whole.value.offset and err.value.status == whole.value.status


def test_reader_learns_the_seed_a_group_of_sub_blocks_at_a_time(tmp_path, monkeypatch):
    """NGSC 1.3 seeds (joined, form 0; phyngsc 0.7-0.9 wrote them): the reader decodes
    their sub-blocks a group at a time; the model does not depend on the group."""
    from phyngsc.archive import joined_seed
    arch = tmp_path / "s.ngsc"
    arch.write_bytes((DATA / "golden" / "v0.7-seed-L5-synthetic_cov15.ngsc").read_bytes())
    text = (DATA / "synthetic_cov15.fastq").read_bytes()
    with phyngsc.open(str(arch)) as a:
        assert a.footer.seed.n_subblocks == 4 and a.footer.seed.form == 0
        whole = a.seed_model().copy()
        n = a.count()
    for group in (1, 3):                      # groups of 3: 3 + 1 sub-blocks
        monkeypatch.setattr(joined_seed, "SEED_GROUP", group)
        with phyngsc.open(str(arch)) as a:
            assert np.array_equal(a.seed_model(), whole)
            assert [r.sequence for r in a.records(n - 10, n)] == [
                ln.decode() for ln in text.split(b"\n")[1::4][n - 10:n]]
    with phyngsc.open(str(arch)) as a:        # damage seed sub-block 3 (second group)
        at = int(a.index.offset[3]) + int(a.index.length[3]) - 3
    data = bytearray(arch.read_bytes())
    data[at] ^= 0x10
    arch.write_bytes(bytes(data))
    with phyngsc.open(str(arch)) as a:
        with pytest.raises(ArchiveError, match="sub-block 3"):
            a.seed_model()
