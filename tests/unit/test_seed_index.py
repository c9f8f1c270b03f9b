"""Seed index files (ARCHIVE.ngsi): written by ``compress --index`` (from the encoder's
table) and by ``phyngsc.index`` (learned from the archive), loaded by readers instead
of walking the seed, and ignored with a warning, never trusted, when they name another
archive or are damaged in any way."""

import os
import struct
import zlib

import numpy as np
import pytest

import phyngsc
from phyngsc.archive.seed_index import (HEADER_SIZE, Identity, IndexMismatch, index_path,
                                        read_index, write_index)
from phyngsc.format.footer import SeedInfo
from phyngsc.seed import FORM_CHAIN

from .test_seed import _compress, deep_fastq  # noqa: F401 - fixture

SEED = dict(level=5, seed=4096 * 6)


@pytest.fixture(scope="module")
def indexed(deep_fastq, tmp_path_factory):
    """A chained-seed archive, its walked seed model, and its index from compress."""
    d = tmp_path_factory.mktemp("ix")
    arch = d / "c.ngsc"
    res = _compress(deep_fastq, arch, index=True, **SEED)
    assert res.index == index_path(str(arch)) and os.path.isfile(res.index)
    with phyngsc.open(str(arch)) as a:
        a.use_index = False
        model = a.seed_model().copy()
    return arch, model, (d / "c.ngsc.ngsi").read_bytes()


def test_compress_index_holds_the_walked_seed_model(indexed):
    arch, model, blob = indexed
    with phyngsc.open(str(arch)) as a:
        assert np.array_equal(a.seed_model(), model) and a._indexed
        assert a.chain().next == 0            # nothing walked
        index = read_index(index_path(str(arch)), a.identity, a.footer.seed)
        assert index.table.tobytes() == model.tobytes()
        n = a.footer.seed.n_subblocks
        assert len(index.bases) == n
        streams = sum(int(b.size) for b, _c in index.bases)
        assert len(blob) == HEADER_SIZE + model.size + 8 + 16 * n + streams
        # 2 bits a base and a few bytes of exception list
        assert streams < sum(c for _b, c in index.bases) / 4 + 64 * n


def test_index_command_writes_the_same_file_as_compress(indexed, tmp_path):
    arch, _model, blob = indexed
    copy = tmp_path / "copy.ngsc"
    copy.write_bytes(arch.read_bytes())
    assert phyngsc.index(str(copy)) == str(copy) + ".ngsi"
    assert (tmp_path / "copy.ngsc.ngsi").read_bytes() == blob
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.ngsc", "copy.ngsc.ngsi"]


@pytest.mark.parametrize("where", ["last", "seed", "first"])
def test_reads_with_the_index_never_walk_the_seed(indexed, deep_fastq, tmp_path, where):
    """A seeded sub-block takes the index's table, a seed sub-block the index's bases;
    no reader walks the chain (SeedChain never made), and reads are the file's."""
    arch, _m, _b = indexed
    lines = deep_fastq.read_bytes().split(b"\n")
    with phyngsc.open(str(arch)) as a:
        i = {"last": a.n_subblocks - 1, "seed": a.footer.seed.n_subblocks - 1,
             "first": 0}[where]
        r = int(a.index.first_record[i])
        got = [x.sequence for x in a.records(r, r + 3)]
        assert a._chain is None and a._indexed == (where == "last")
    assert got == [lines[4 * j + 1].decode() for j in range(r, r + 3)]


def test_decompress_with_the_index_is_the_file(indexed, deep_fastq, tmp_path):
    arch, _m, _b = indexed
    out = tmp_path / "o.fq"
    phyngsc.decompress(str(arch), str(out), threads=2)
    assert out.read_bytes() == deep_fastq.read_bytes()


def _damaged(blob: bytes, at: int) -> bytes:
    b = bytearray(blob)
    b[at] ^= 0x01
    return bytes(b)


def _recrc(blob: bytes) -> bytes:
    """``blob`` with its header CRC made right again (a header field changed on purpose)."""
    return blob[:48] + struct.pack("<I", zlib.crc32(blob[:48])) + blob[52:]


@pytest.mark.parametrize("case,why", [
    ("empty", "not a phyngsc seed index"),
    ("magic", "not a phyngsc seed index"),
    ("header bit", "header is damaged"),
    ("major", "version 2 is not supported"),
    ("size", "made for another archive"),
    ("footer crc", "made for another archive"),
    ("k", "seed settings differ"),
    ("truncated", "truncated"),
    ("trailing", "trailing bytes"),
    ("table bit", "table is damaged"),
    ("bases bit", "seed bases are damaged"),
    ("bases count", "seed bases section is damaged"),
])
def test_a_mismatched_or_damaged_index_is_ignored_with_a_warning(indexed, tmp_path, capsys,
                                                                 case, why):
    arch, model, blob = indexed
    copy = tmp_path / "c.ngsc"
    copy.write_bytes(arch.read_bytes())
    bad = {
        "empty": b"",
        "magic": b"NGSX" + blob[4:],
        "header bit": _damaged(blob, 20),
        "major": _recrc(blob[:4] + b"\x02" + blob[5:]),
        "size": _recrc(blob[:8] + struct.pack("<Q", copy.stat().st_size + 1) + blob[16:]),
        "footer crc": _recrc(blob[:24] + struct.pack("<I", 12345) + blob[28:]),
        "k": _recrc(blob[:28] + bytes([blob[28] - 1]) + blob[29:]),
        "truncated": blob[:-1],
        "trailing": blob + b"\0",
        "table bit": _damaged(blob, HEADER_SIZE + model.size // 2),
        "bases bit": _damaged(blob, len(blob) - 3),
        "bases count": _damaged(blob, HEADER_SIZE + model.size),
    }[case]
    (tmp_path / "c.ngsc.ngsi").write_bytes(bad)
    with phyngsc.open(str(copy)) as a:
        with pytest.raises(IndexMismatch, match=why):
            read_index(index_path(str(copy)), a.identity, a.footer.seed)
        assert np.array_equal(a.seed_model(), model) and not a._indexed
        r = int(a.index.first_record[1])          # a seed sub-block: walked again
        assert len(list(a.records(r, r + 2))) == 2 and a.chain().next >= 2
    err = capsys.readouterr().err
    assert err.count("warning: ignoring seed index") == 1 and why in err
    assert err.strip().count("\n") == 0            # one line


def test_an_index_of_an_earlier_archive_at_the_path_is_ignored(deep_fastq, indexed, tmp_path,
                                                               capsys):
    arch, _model, blob = indexed
    other = tmp_path / "c.ngsc"
    _compress(deep_fastq, other, level=5, seed=4096 * 5)      # same path, other archive
    (tmp_path / "c.ngsc.ngsi").write_bytes(blob)
    with phyngsc.open(str(other)) as a:
        a.use_index = True
        seq = [x.sequence for x in a.records(int(a.index.first_record[-1]),
                                             int(a.index.first_record[-1]) + 1)]
    assert "made for another archive" in capsys.readouterr().err
    lines = deep_fastq.read_bytes().split(b"\n")
    with phyngsc.open(str(other)) as a:
        r = int(a.index.first_record[-1])
    assert seq == [lines[4 * r + 1].decode()]


def test_archives_without_a_seed_get_no_index(deep_fastq, tmp_path):
    arch = tmp_path / "p.ngsc"
    res = _compress(deep_fastq, arch, level=1, index=True)
    assert res.index is None
    assert phyngsc.index(str(arch)) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.ngsc"]


def test_write_index_refuses_a_table_of_another_order(tmp_path):
    with pytest.raises(ValueError, match="order 4"):
        write_index(str(tmp_path / "x.ngsi"), Identity(1, 2, 3),
                    SeedInfo(1, 4, True, 2, FORM_CHAIN), np.ones(4 << 6, np.uint8), [])
    with pytest.raises(ValueError, match="bases of 1 sub-blocks for a seed of 2"):
        write_index(str(tmp_path / "x.ngsi"), Identity(1, 2, 3),
                    SeedInfo(2, 3, True, 2, FORM_CHAIN), np.ones(4 << 6, np.uint8),
                    [(b"", 0)])
    assert not (tmp_path / "x.ngsi").exists()


@pytest.mark.parametrize("name", ["v0.7-seed-L5-synthetic_cov15.ngsc",
                                  "v0.7-seed-L9-err127302_1_200.ngsc",
                                  "v0.10-seed-L5-synthetic_cov15.ngsc",
                                  "v0.10-seed-L9-err127302_1_200.ngsc",
                                  "v0.18-seed-L5-sim_reads_1_200.ngsc",
                                  "v0.18-seed14-L9-synthetic_cov15.ngsc"])
def test_golden_seeded_archives_index_and_decode_the_same(name, tmp_path):
    """Joined (0.7, NGSC 1.3: the index holds the table only), chained (0.10) and chained
    in lanes (0.18, NGSC 1.8) seeds."""
    from ..conftest import DATA
    arch = tmp_path / name
    arch.write_bytes((DATA / "golden" / name).read_bytes())
    plain, indexed = tmp_path / "plain.fq", tmp_path / "indexed.fq"
    phyngsc.decompress(str(arch), str(plain), threads=1)
    assert phyngsc.index(str(arch)) == str(arch) + ".ngsi"
    with phyngsc.open(str(arch)) as a:
        index = a.seed_index()
        chained = a.footer.seed.chained
        assert index is not None and len(index.bases) == (a.footer.seed.n_subblocks
                                                          if chained else 0)
        a.use_index = False
        assert np.array_equal(a.seed_model(), index.table)
    phyngsc.decompress(str(arch), str(indexed), threads=1)
    assert indexed.read_bytes() == plain.read_bytes()
