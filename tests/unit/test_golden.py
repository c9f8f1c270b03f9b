"""Archives written by earlier versions must decode byte-exactly, forever."""

import hashlib
import json
import struct

import pytest

import phyngsc

from ..conftest import DATA

GOLDEN = DATA / "golden"
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text())


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["archive"])
def test_golden_archive_decodes(entry, tmp_path):
    out = tmp_path / "out.fastq"
    phyngsc.decompress(str(GOLDEN / entry["archive"]), str(out), threads=1)
    data = out.read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert data == (DATA / entry["source"]).read_bytes()


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["archive"])
def test_golden_archive_verifies(entry):
    rep = phyngsc.verify(str(GOLDEN / entry["archive"]), threads=1)
    assert rep.subblocks == entry["subblocks"]


#: Golden tags that today's encoder must write again byte for byte (with the options
#: benchmarks/make_golden.py wrote them with), but for the minor version in their header
#: and trailer: a change meant to be faster only, such as 0.14's range encoder and quality
#: rows, must not move a single byte. A change that alters archives on purpose writes a
#: new tag with make_golden.py and moves this list to it (0.17: NGSC 1.7's lanes at levels
#: 5 and 9; 0.18: NGSC 1.8's chained seed in lanes, and 16 lanes instead of 8; 0.19: trial
#: winners reused across a trial group, the same format; 0.20: NGSC 1.9's QUAL_SORTED
#: variant 4 among the quality candidates of levels 5 and 9; 0.22: NGSC 1.10's QUAL_RANS
#: in two lanes; 0.23: NGSC 1.11's static DNA_SEEDED streams in seeded sub-blocks; 0.24: NGSC
#: 1.12's quality model and QUAL_SHARED).
REENCODE = {"v0.22-L": {"window": 8192}, "v0.24-seed-L": {"window": 4096, "seed": 16384},
            "v0.24-deepseed-L": {"window": 65536, "seed": 262144}}


def _minor_now(data: bytes) -> bytes:
    """Archive ``data`` with the minor version of its file header (bytes 10-11) and
    trailer (24 bytes from the end: length u64, CRC u32, major u16, minor u16, magic) set
    to this version's."""
    from phyngsc.format.constants import MINOR_VERSION
    minor = struct.pack("<H", MINOR_VERSION)
    return data[:10] + minor + data[12:-10] + minor + data[-8:]


@pytest.mark.parametrize("entry", [e for e in MANIFEST
                                   if any(e["archive"].startswith(t) for t in REENCODE)],
                         ids=lambda e: e["archive"])
def test_newest_golden_archives_are_written_again_byte_for_byte(entry, tmp_path, monkeypatch):
    import phyngsc.seed
    monkeypatch.setattr(phyngsc.seed, "QUALITY_MODEL_PAYS", 0)    # as make_golden.py writes
    options = next(o for t, o in REENCODE.items() if entry["archive"].startswith(t))
    out = tmp_path / "again.ngsc"
    phyngsc.compress(str(DATA / entry["source"]), str(out), threads=1, level=entry["level"],
                     **options)
    assert out.read_bytes() == _minor_now((GOLDEN / entry["archive"]).read_bytes())


def test_every_level_has_archives_written_again():
    levels = {e["level"] for e in MANIFEST
              if any(e["archive"].startswith(t) for t in REENCODE)}
    assert levels == {1, 5, 9}


def test_golden_archives_cover_every_codec_a_level_may_choose():
    """A codec the encoder can write but no golden archive holds could change its
    encoded form unnoticed."""
    from phyngsc.codecs.registry import (CODEC_NAMES, LEVELS, ROLE_PLAIN, ROLE_SEED,
                                         ROLE_SEEDED, SEEDS, level_codecs)
    may = set()
    for level in LEVELS:
        for role in (ROLE_PLAIN, ROLE_SEED, ROLE_SEEDED):
            if role != ROLE_PLAIN and level not in SEEDS:
                continue
            codecs, _ = level_codecs(level, role)
            may |= {CODEC_NAMES[c] for c in codecs.ravel().tolist() if c >= 0}
    held = set()
    for entry in MANIFEST:
        with phyngsc.open(str(GOLDEN / entry["archive"])) as a:
            for stream in a.stream_sizes().values():
                held |= set(stream["codecs"])
    assert may <= held, sorted(may - held)


def _streams(path):
    """``(stream info, encoded bytes)`` of every stream of every sub-block of an archive."""
    from phyngsc.format.subblock import SubBlockHeader
    with phyngsc.open(str(path)) as a:
        for i in range(a.n_subblocks):
            data = a.subblock_bytes(i)
            hdr, at = SubBlockHeader.unpack(data)
            for s in hdr.streams:
                yield s, data[at:at + s.encoded_length]
                at += s.encoded_length


def _quality_variants(path) -> set[tuple[int, int]]:
    """(codec id, variant byte) of every non-empty QUAL stream of an archive."""
    from phyngsc.format.constants import SID_QUAL
    return {(s.codec, enc[0]) for s, enc in _streams(path)
            if s.sid == SID_QUAL and s.encoded_length > 0}


def test_golden_archives_cover_every_quality_variant_a_level_may_choose():
    """The quality codecs' variants (their first byte) change the context model: each
    one a level lists must be held by a golden archive, NGSC 1.4's position variants
    (QUAL_RANS 2 at level 1, QUAL_SORTED 3 at levels 5 and 9) and NGSC 1.9's band
    variant (QUAL_SORTED 4, `v0.20-deep-L*-art_msv3_1000`) and NGSC 1.10's QUAL_RANS in
    two lanes (`v0.22-L*`, the position variant in `v0.22-deep-L1-*`) included."""
    from phyngsc.codecs.registry import BY_NAME, LEVELS
    may = {(BY_NAME[name].id, p) for level in LEVELS for name, p in LEVELS[level]["qual"]
           if name in ("qual-rans", "qual-sorted")}
    held = set()
    for entry in MANIFEST:
        held |= _quality_variants(GOLDEN / entry["archive"])
    assert may <= held, sorted(may - held)


def test_golden_archives_hold_quality_models_of_every_variant():
    """NGSC 1.12: a footer quality model of each context variant (3, the position band of
    five, in the MiSeq-profile and ../shared-like ones; 4, the exact position, for
    HiSeq 2500's binned qualities in `v0.24-deepseed-*-art_hs25_2000`), held by
    QUAL_SHARED streams."""
    from phyngsc.codecs.qual_model import QualityModel
    from phyngsc.codecs.registry import BY_NAME
    variants = set()
    for entry in MANIFEST:
        with phyngsc.open(str(GOLDEN / entry["archive"])) as a:
            seed = a.footer.seed
            if seed is not None and seed.quality:
                variants.add(QualityModel.unpack(seed.quality).variant)
                assert BY_NAME["qual-shared"].id in {s.codec for s, _e in
                                                     _streams(GOLDEN / entry["archive"])}
    assert variants == {3, 4}


def _dna_seeded_forms(path) -> set[tuple[int, int]]:
    """(order k, flags byte) of every non-empty DNA_SEEDED stream of an archive."""
    from phyngsc.codecs.registry import BY_NAME
    from phyngsc.format.constants import SID_DNA
    seeded = BY_NAME["dna-seeded"].id
    return {(enc[0], enc[1]) for s, enc in _streams(path)
            if s.sid == SID_DNA and s.codec == seeded and s.encoded_length > 0}


def test_golden_archives_hold_dna_seeded_on_one_strand_and_on_both():
    """The seed chain learns both strands (flags 1), since 0.18 in 16 lanes (flags 9); since
    0.13 the seeded sub-blocks learn only their forward strand (flags 0), in 8 lanes in
    0.17 (flags 6), in 16 since 0.18 (flags 8): every form, at orders 12 to 14, must
    decode."""
    held = set()
    for entry in MANIFEST:
        held |= _dna_seeded_forms(GOLDEN / entry["archive"])
    for k in (12, 13, 14):
        assert {(k, 0), (k, 1), (k, 6), (k, 8)} <= held, (k, sorted(held))
    for k in (12, 14):
        assert (k, 9) in held, (k, sorted(held))


def test_golden_archives_hold_dna_k8_in_one_lane_and_in_lanes():
    """DNA_K8 streams of levels 5 and 9 in one lane (0.6-0.16), in 8 (0.17) and 16 (0.18)."""
    from phyngsc.codecs.registry import BY_NAME
    from phyngsc.format.constants import SID_DNA
    k8 = BY_NAME["dna-k8"].id
    held = set()
    for entry in MANIFEST:
        held |= {(int(enc[0]), int(enc[1]) >> 1)
                 for s, enc in _streams(GOLDEN / entry["archive"])
                 if s.sid == SID_DNA and s.codec == k8 and s.encoded_length > 0}
    for k in (11, 12):
        assert {(k, 0), (k, 3), (k, 4)} <= held, (k, sorted(held))
