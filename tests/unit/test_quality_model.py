"""The archive quality model (NGSC 1.12) and QUAL_SHARED: training and the stored form
against plain-Python references, every damaged model refused, the codec byte for byte
as its reference, every prefix decoded, damaged streams never a crash, and whole
archives: written with the model, read back at any thread count, a damaged model a
clean error."""

import zlib

import numpy as np
import pytest

import phyngsc
from phyngsc.codecs.models import Models, kernel_models
from phyngsc.codecs.qual_model import (QualityModel, QualityModelError, contexts, tables_of,
                                       train)
from phyngsc.codecs.registry import BY_NAME, decode_stream, decode_stream_with, encode_stream, \
    encode_stream_with
from phyngsc.core.jit import interpreted
from phyngsc.format.footer import BlockEntry, Footer, InputFile, SeedInfo, SubBlockEntry
from tests.reference import ref_rans

from ..conftest import DATA

SHARED = BY_NAME["qual-shared"]
LINES = (DATA / "err127302_1_200.fastq").read_bytes().split(b"\n")
QUALS = LINES[3::4][:200]
MSV3 = (DATA / "deep" / "art_msv3_1000.fastq").read_bytes()
HS25 = (DATA / "deep" / "art_hs25_2000.fastq").read_bytes()


def arr(b: bytes) -> np.ndarray:
    return np.frombuffer(b, np.uint8)


def lens(parts) -> np.ndarray:
    return np.array([len(p) for p in parts], np.int64)


def quals_of(text: bytes) -> list[bytes]:
    return text.split(b"\n")[3::4]


@pytest.mark.parametrize("variant,reads", [(3, QUALS), (3, quals_of(HS25)[:300]),
                                           (4, quals_of(HS25)[:300])],
                         ids=["err-3", "hs25-3", "hs25-4"])
def test_training_matches_the_reference(variant, reads):
    data = b"".join(reads)
    model = train(arr(data), lens(reads), variant)
    assert model.alphabet == bytes(sorted(set(data))) and model.variant == variant
    want = ref_rans.quality_model_freqs(data, [len(r) for r in reads], variant)
    assert model.freqs.tolist() == want
    assert QualityModel.unpack(model.pack()).freqs.tolist() == want


def test_training_chooses_the_context_that_codes_held_out_reads_smaller():
    """Binned qualities that change along the read: exact positions (variant 4); MiSeq's
    unbinned ones (more than 16 values): position bands (variant 3)."""
    hs = quals_of(HS25)[:2000]
    assert train(arr(b"".join(hs)), lens(hs)).variant == 4
    ms = quals_of(MSV3)[:1000]
    assert len(set(b"".join(ms))) > 16
    assert train(arr(b"".join(ms)), lens(ms)).variant == 3


def test_no_model_where_none_would_pay():
    for data, lengths in ((b"IIII", [4]), (b"", []), (b"\x20!", [2]), (b"AB", [1])):
        assert train(arr(data), np.array(lengths, np.int64)) is None
    with pytest.raises(ValueError):     # exact positions only for at most 16 values
        train(arr(b"".join(QUALS)), lens(QUALS), 4)


def _model() -> QualityModel:
    return train(arr(b"".join(QUALS)), lens(QUALS))


def test_every_damaged_stored_model_is_refused():
    blob = _model().pack()
    assert QualityModel.unpack(blob).freqs.tolist() == _model().freqs.tolist()
    for cut in range(len(blob)):
        with pytest.raises(QualityModelError):
            QualityModel.unpack(blob[:cut])
    bad = [bytes([5]) + blob[1:], bytes([2]) + blob[1:],                 # variants
           blob[:1] + bytes([1]) + blob[2:],                              # one value
           blob[:2] + bytes([blob[3]]) + bytes([blob[2]]) + blob[4:],     # alphabet order
           blob[:2] + b" " + blob[3:],                                    # byte 32
           blob + b"\0",                                                  # trailing bytes
           blob[:len(blob) - 8] + bytes(8)]                               # adler-32 / tail
    m = _model()
    rows = m.freqs.copy()
    rows[7, 0] += 1                                                       # sums to M + 1
    bad.append(QualityModel(m.variant, m.alphabet, rows).pack())
    wide = bytes(range(40, 58))                                           # 18 values, exact
    bad.append(bytes([4, len(wide)]) + wide + zlib.compress(
        np.full(contexts(4, 18) * 18, 0, "<u2").tobytes()))
    for b in bad:
        with pytest.raises(QualityModelError):
            QualityModel.unpack(b)


def _shared(data: bytes, reads, model: QualityModel) -> tuple[np.ndarray, tuple]:
    models = kernel_models(Models(None, model.pack()))
    out = np.zeros(SHARED.worst_case(len(data)), np.uint8)
    n = encode_stream_with(SHARED.id, 0, arr(data), lens(reads), out, models)
    return out[:n].copy() if n >= 0 else None, models


@pytest.mark.parametrize("reads", [QUALS, QUALS[:13] + [b""] + QUALS[20:23], QUALS[:1]],
                         ids=["200", "odd-empty", "one"])
def test_qual_shared_matches_reference_and_decodes_every_prefix(reads):
    model = _model()
    data = b"".join(reads)
    enc, models = _shared(data, reads, model)
    assert enc.tobytes() == ref_rans.qual_shared(data, [len(r) for r in reads], model.variant,
                                                 model.alphabet, model.freqs.tolist())
    assert enc.size <= SHARED.worst_case(len(data))
    step = max(1, len(data) // 300)
    for cut in list(range(0, len(data), step)) + [len(data)]:
        part = np.zeros(cut, np.uint8)
        assert decode_stream_with(SHARED.id, enc, lens(reads), part, models) == 0
        assert part.tobytes() == data[:cut]
    too_long = np.zeros(len(data) + 1, np.uint8)
    assert decode_stream_with(SHARED.id, enc, lens(reads), too_long, models) == 1
    with interpreted():
        part = np.zeros(len(data), np.uint8)
        assert decode_stream_with(SHARED.id, enc, lens(reads), part, models) == 0
        assert part.tobytes() == data


def test_qual_shared_refuses_what_its_model_cannot_code():
    model = _model()
    data = b"".join(QUALS[:5])
    out = np.zeros(1 << 16, np.uint8)
    models = kernel_models(Models(None, model.pack()))
    outside = bytes([126]) + data[1:]            # not in the model's alphabet
    assert 126 not in model.alphabet
    assert encode_stream_with(SHARED.id, 0, arr(outside), lens(QUALS[:5]), out, models) == -1
    assert encode_stream_with(SHARED.id, 1, arr(data), lens(QUALS[:5]), out, models) == -1
    assert encode_stream_with(SHARED.id, 0, arr(data), lens(QUALS[:4]), out, models) == -1
    assert encode_stream(SHARED.id, 0, arr(data), lens(QUALS[:5]), out) == -1    # no model
    rows = model.freqs.copy()                   # a frequency 0 where the first value goes
    first = model.alphabet.index(data[0])
    ctx = len(model.alphabet) * 64              # no previous value, position 0
    spare = rows[ctx, first]
    rows[ctx, first] = 0
    rows[ctx, (first + 1) % len(model.alphabet)] += spare
    zero = QualityModel(model.variant, model.alphabet, rows)
    assert ref_rans.qual_shared(data, [len(q) for q in QUALS[:5]], zero.variant, zero.alphabet,
                                zero.freqs.tolist()) is None
    assert _shared(data, QUALS[:5], zero)[0] is None
    enc, models = _shared(data, QUALS[:5], model)
    dec = np.zeros(len(data), np.uint8)
    assert decode_stream(SHARED.id, enc, lens(QUALS[:5]), dec) == 1              # no model


def test_qual_shared_survives_truncation_bit_flips_and_garbage():
    reads = QUALS[:30]
    data = b"".join(reads)
    enc, models = _shared(data, reads, _model())
    dec = np.zeros(len(data), np.uint8)
    for cut in range(enc.size):
        assert decode_stream_with(SHARED.id, enc[:cut], lens(reads), dec, models) in (0, 1)
    rng = np.random.default_rng(12)
    for at in rng.integers(0, enc.size, 400):
        bad = enc.copy()
        bad[at] ^= 1 << int(rng.integers(0, 8))
        assert decode_stream_with(SHARED.id, bad, lens(reads), dec, models) in (0, 1)
    for size in (0, 1, 4, 9, 100, 3000):
        junk = rng.integers(0, 256, size).astype(np.uint8)
        assert decode_stream_with(SHARED.id, junk, lens(reads), dec, models) in (0, 1)


def test_the_footer_keeps_the_model_and_older_footers_have_none():
    blob = _model().pack()
    parts = dict(files=(InputFile(80, "x"),), blocks=(BlockEntry(0, 0, 100, 2),),
                 subblocks=(SubBlockEntry(50, 40, 1, 0, 123), SubBlockEntry(50, 40, 1, 0, 45)))
    for form, lanes in ((0, 1), (1, 1), (2, 16)):
        seed = SeedInfo(1, 12, True, 3, form, lanes, blob)
        f = Footer(1, 1, 5, 0, 4096, seed=seed, **parts)
        assert Footer.unpack(f.pack()) == f
        older = Footer(1, 1, 5, 0, 4096, seed=SeedInfo(1, 12, True, 3, form, lanes), **parts)
        assert Footer.unpack(older.pack()).seed.quality == b""
        assert len(f.pack()) - len(older.pack()) <= len(blob) + 4


@pytest.fixture
def always(monkeypatch):
    """A quality model however small the input (``seed.QUALITY_MODEL_PAYS`` 0)."""
    import phyngsc.seed
    monkeypatch.setattr(phyngsc.seed, "QUALITY_MODEL_PAYS", 0)


@pytest.fixture(scope="module")
def shared_archive(tmp_path_factory):
    """A level-5 archive of 1,000 MiSeq-profile reads in 32 KiB windows, its seed (and
    quality model) the first 128 KiB."""
    import phyngsc.seed
    d = tmp_path_factory.mktemp("qshared")
    src, arch = d / "in.fq", d / "in.ngsc"
    src.write_bytes(MSV3)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(phyngsc.seed, "QUALITY_MODEL_PAYS", 0)
        phyngsc.compress(str(src), str(arch), threads=1, level=5, window=32 << 10,
                         seed=128 << 10)
    return src, arch


def test_an_archive_codes_its_qualities_with_its_model(shared_archive, tmp_path):
    from phyngsc.archive.reader import Archive
    from phyngsc.format.constants import SID_QUAL
    src, arch = shared_archive
    a = Archive(str(arch))
    assert QualityModel.unpack(a.footer.seed.quality).variant == 3
    codecs = [a.subblock_header(i).streams[SID_QUAL].codec for i in range(a.n_subblocks)]
    assert codecs.count(SHARED.id) >= len(codecs) // 2     # a model of 128 KiB: most
    for threads in (1, 2):
        out = tmp_path / f"back{threads}.fq"
        phyngsc.decompress(str(arch), str(out), threads=threads)
        assert out.read_bytes() == src.read_bytes()
    recs = list(a.records(500, 503))
    lines = MSV3.split(b"\n")
    assert [r.quality.encode() for r in recs] == lines[4 * 500 + 3:4 * 503 + 3:4]


def test_a_damaged_model_is_one_clean_error(shared_archive, tmp_path):
    """The footer's checksum matches, its model does not parse: every reader refuses the
    archive with one line naming it, and decompress leaves no output."""
    import subprocess
    import sys
    from dataclasses import replace
    from phyngsc.format.container import pack_trailer
    from phyngsc.format.constants import TRAILER_SIZE
    _src, arch = shared_archive
    raw = arch.read_bytes()
    flen = int.from_bytes(raw[-TRAILER_SIZE:][:8], "little")
    start = len(raw) - TRAILER_SIZE - flen
    footer = Footer.unpack(raw[start:len(raw) - TRAILER_SIZE])
    blob = bytearray(footer.seed.quality)
    blob[-3] ^= 0x40
    packed = replace(footer, seed=replace(footer.seed, quality=bytes(blob))).pack()
    bad = tmp_path / "bad.ngsc"
    bad.write_bytes(raw[:start] + packed + pack_trailer(packed))
    out = tmp_path / "out.fq"
    r = subprocess.run([sys.executable, "-m", "phyngsc", "decompress", str(bad), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "bad.ngsc" in r.stderr and "quality model" in r.stderr
    assert not out.exists()


def test_tables_are_built_once_per_model_and_as_the_rans_kernels_build_them():
    from phyngsc.codecs.rans import cumulative, lookup_row, packed_rows
    blob = _model().pack()
    assert tables_of(blob) is tables_of(bytes(blob))
    info, freqs, cums, lut, fc = tables_of(blob)
    want_cums = np.zeros_like(freqs)
    cumulative(freqs, want_cums)
    want_lut = np.zeros_like(lut)
    ready = np.zeros(freqs.shape[0], np.bool_)
    for c in range(freqs.shape[0]):
        lookup_row(freqs, want_cums, want_lut, ready, c)
    assert np.array_equal(cums, want_cums) and np.array_equal(lut, want_lut)
    assert np.array_equal(fc, packed_rows(freqs, want_cums))
    assert info.tolist() == [3, len(_model().alphabet), *_model().alphabet]


@pytest.mark.parametrize("kind", ["gzip", "paired", "paired-gzip"])
def test_files_streams_and_mates_train_the_same_model(tmp_path, kind, always):
    """A stream trains on the records a file of the same data trains on (the seed's first
    windows), so its archive is the file's; mates train on their sub-blocks' records."""
    import gzip
    half = MSV3[:MSV3.index(b"\n@", 200_000) + 1]
    r1, r2 = tmp_path / "r1.fq", tmp_path / "r2.fq"
    r1.write_bytes(half)
    r2.write_bytes(half.replace(b"/1\n", b"/2\n"))
    opts = dict(threads=1, level=5, window=16 << 10, seed=64 << 10)
    paired = kind.startswith("paired")
    ref = tmp_path / "ref.ngsc"
    phyngsc.compress((str(r1), str(r2)) if paired else str(r1), str(ref), **opts)
    if kind.endswith("gzip"):
        for p in (r1, r2):
            p.with_suffix(".fq.gz").write_bytes(gzip.compress(p.read_bytes()))
        g1, g2 = r1.with_suffix(".fq.gz"), r2.with_suffix(".fq.gz")
        got = tmp_path / "s.ngsc"
        phyngsc.compress((str(g1), str(g2)) if paired else str(g1), str(got), **opts)
        with phyngsc.open(str(ref)) as a, phyngsc.open(str(got)) as b:
            assert a.footer.seed == b.footer.seed and a.index.digest() == b.index.digest()
    with phyngsc.open(str(ref)) as a:
        assert a.footer.seed.quality
        assert "qual-shared" in a.stream_sizes()["qual"]["codecs"]
    out1, out2 = tmp_path / "o1.fq", tmp_path / "o2.fq"
    phyngsc.decompress(str(ref), str(out1), threads=2, mate=str(out2) if paired else None)
    assert out1.read_bytes() == r1.read_bytes()
    if paired:
        assert out2.read_bytes() == r2.read_bytes()


def test_a_small_input_carries_no_model(tmp_path, monkeypatch):
    """An input under 1,024 times its model's size gets none (the model would cost more
    than it saves), whatever its seed."""
    import phyngsc.seed
    pays = phyngsc.seed.QUALITY_MODEL_PAYS
    src = tmp_path / "in.fq"
    src.write_bytes(MSV3 * 5)
    for seed in (None, 1 << 20):
        arch = tmp_path / f"a{seed}.ngsc"
        phyngsc.compress(str(src), str(arch), threads=1, level=5, window=1 << 20, seed=seed)
        with phyngsc.open(str(arch)) as a:
            assert a.footer.seed is not None and a.footer.seed.quality == b""
    monkeypatch.setattr(phyngsc.seed, "QUALITY_MODEL_PAYS", 0)
    forced = tmp_path / "f.ngsc"
    phyngsc.compress(str(src), str(forced), threads=1, level=5, window=1 << 20)
    with phyngsc.open(str(forced)) as a:
        blob = a.footer.seed.quality
    assert blob and 5 * len(MSV3) < pays * len(blob)
