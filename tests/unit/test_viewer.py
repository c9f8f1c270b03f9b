"""The viewer's callbacks as plain functions, against plain-Python references on the FASTQ."""

import math

import numpy as np
import pytest

import phyngsc
from phyngsc.viewer import callbacks as cb
from phyngsc.viewer.data import ViewerData
from tests.reference import ref_compresso

from ..conftest import DATA


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    d = tmp_path_factory.mktemp("viewer")
    r1, r2 = DATA / "err127302_1_200.fastq", DATA / "err127302_2_200.fastq"
    phyngsc.compress((str(r1), str(r2)), str(d / "pe.ngsc"), threads=1, window=16 * 1024)
    phyngsc.compress(str(DATA / "edge" / "mixed.fq"), str(d / "mixed.ngsc"), threads=1)
    phyngsc.compress(str(r1), str(d / "se.ngsc"), threads=1, window=8 * 1024)
    recs1 = ref_compresso.records(r1.read_bytes())
    recs2 = ref_compresso.records(r2.read_bytes())
    return {"pe": (d / "pe.ngsc", [r for p in zip(recs1, recs2) for r in p]),
            "se": (d / "se.ngsc", recs1),
            "mixed": (d / "mixed.ngsc", ref_compresso.records(
                (DATA / "edge" / "mixed.fq").read_bytes()))}


def local(data, recs, i):
    """Reference records of sub-block i."""
    first = int(data.arch.index.first_record[i])
    return recs[first:first + data.n_records(i)]


def test_header_and_subblock_bounds(archives):
    path, recs = archives["pe"]
    data = ViewerData(str(path))
    h = dict(cb.header(data))
    assert h["records"] == "400 (200 pairs)"
    assert h["quality encoding"] == "Sanger/Phred+33 (Phred+33)"
    assert h["input"] == "err127302_1_200.fastq + err127302_2_200.fastq"
    assert data.arch.n_subblocks >= 2
    total = sum(data.n_records(i) for i in range(data.arch.n_subblocks))
    assert total == len(recs) and all(data.n_records(i) % 2 == 0
                                      for i in range(data.arch.n_subblocks))
    r = cb.on_subblock(data, 1)
    assert r["records_max"] == data.n_records(1) - 1
    assert r["records_value"] == [0, min(data.n_records(1), cb.DEFAULT_READS) - 1]
    assert r["positions_value"] == [0, 71]
    labels = [o["label"] for o in data.subblock_options()]
    assert labels[0].startswith("sub-block 0: records 0–")


@pytest.mark.parametrize("name", ["pe", "se", "mixed"])
def test_table_rows(archives, name):
    path, recs = archives[name]
    data = ViewerData(str(path))
    for i in range(data.arch.n_subblocks):
        want = local(data, recs, i)
        n = len(want)
        rows = cb.table(data, i, [1, n - 1] if n > 1 else [0, 0], [3, 40])
        start = 1 if n > 1 else 0
        assert len(rows) == n - start
        for k, (row, ref) in enumerate(zip(rows, want[start:])):
            seq, qual = ref["seq"], ref["qual"]
            assert row["title"] == ref["title"].decode()
            assert row["length"] == len(seq)
            assert row["sequence"] == seq[3:41].decode()
            if seq:
                assert row["mean_quality"] == round(sum(qual) / len(qual) - 33, 2)
                gc = sum(seq.upper().count(c) for c in b"GC")
                assert row["gc"] == round(100 * gc / len(seq), 2)
            assert row["record"] == int(data.arch.index.first_record[i]) + start + k
            if name == "pe":
                assert row["mate"] == 1 + (start + k) % 2


def test_quality_heatmaps_and_composition(archives):
    path, recs = archives["se"]
    data = ViewerData(str(path))
    i = 1
    last = data.n_records(i) - 3
    want = local(data, recs, i)[5:last + 1]
    p0, p1 = 10, 50
    fig = cb.heatmap(data, i, [5, last], [p0, p1 - 1], "qdist")
    z, y, x = np.array(fig["data"][0]["z"]), fig["data"][0]["y"], fig["data"][0]["x"]
    assert x == list(range(p0, p1))
    ref = {}
    for r in want:
        for p in range(p0, min(p1, len(r["qual"]))):
            key = (r["qual"][p] - 33, p)
            ref[key] = ref.get(key, 0) + 1
    got = {(q, p): int(z[a, b]) for a, q in enumerate(y) for b, p in enumerate(x) if z[a, b]}
    assert got == ref
    fig = cb.heatmap(data, i, [5, last], [p0, p1 - 1], "reads")
    z = fig["data"][0]["z"]
    assert fig["data"][0]["y"] == list(range(5, last + 1))
    assert all(z[k][p - p0] == r["qual"][p] - 33 for k, r in enumerate(want)
               for p in range(p0, p1))
    fig = cb.composition(data, i, [5, last], [p0, p1 - 1])
    series = {t["name"]: t["y"] for t in fig["data"]}
    for p in range(p0, p1):
        col = [r["seq"][p:p + 1].upper() for r in want]
        for base in "ACGT":
            assert math.isclose(series[base][p - p0], col.count(base.encode()) / len(col),
                                abs_tol=1e-5)
    fig = cb.heatmap(data, i, None, [0, 71], "subblocks")
    rows = fig["data"][0]["y"]
    assert rows == [str(k) for k in range(data.arch.n_subblocks)]  # few: all are sampled
    sb = local(data, recs, 2)
    mean0 = sum(r["qual"][0] - 33 for r in sb) / len(sb)
    assert math.isclose(fig["data"][0]["z"][2][0], mean0)
    with pytest.raises(ValueError, match="unknown metric"):
        cb.heatmap(data, i, None, None, "nope")


def test_lengths_and_alignment(archives):
    path, recs = archives["mixed"]
    data = ViewerData(str(path))
    want = local(data, recs, 0)
    fig = cb.lengths(data, 0, None)
    hist = dict(zip(fig["data"][0]["x"], fig["data"][0]["y"]))
    ref = {}
    for r in want:
        ref[len(r["seq"])] = ref.get(len(r["seq"]), 0) + 1
    assert hist == ref
    fasta, note = cb.alignment(data, 0, [0, len(want) - 1], None, "")
    lines = fasta.splitlines()
    assert len(lines) == 2 * min(len(want), cb.ALIGNMENT_READS)
    assert len({len(s) for s in lines[1::2]}) == 1          # padded to one width
    assert lines[1].rstrip("-") == want[0]["seq"].decode().upper()
    assert note.startswith("reads 0–")


def test_pattern_search_counts_both_strands(archives):
    path, recs = archives["se"]
    data = ViewerData(str(path))
    want = local(data, recs, 0)
    pattern, rc = "GATC", "GATC"[::-1].translate(str.maketrans("ACGT", "TGCA"))
    n = sum(1 for r in want if pattern.encode() in r["seq"] or rc.encode() in r["seq"])
    fasta, note = cb.alignment(data, 0, None, None, "gatc")
    assert note.startswith(f"{n:,} reads of sub-block 0 contain GATC")
    assert fasta.count(">") == min(n, cb.ALIGNMENT_READS)
    fasta, note = cb.alignment(data, 0, None, None, "GXTC")
    assert fasta == "" and "not an IUPAC nucleotide code: 'X'" in note


def test_decoded_subblocks_are_cached(archives):
    path, _ = archives["se"]
    data = ViewerData(str(path))
    assert data.reads(0) is data.reads(0)
    for i in range(data.arch.n_subblocks):
        data.reads(i)
    assert len(data._cache) <= 4
    with pytest.raises(ValueError, match="outside"):
        data.reads(data.arch.n_subblocks)


def test_core_and_callbacks_do_not_need_dash():
    import subprocess
    import sys
    code = ("import sys, phyngsc, phyngsc.viewer.callbacks, phyngsc.cli; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('dash', 'dash_bio')]")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_view_command_errors(tmp_path):
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "phyngsc", "view", str(tmp_path / "no.ngsc")],
                       capture_output=True, timeout=120)
    assert r.returncode == 1
    assert r.stderr.decode().strip() == f"phyngsc: error: {tmp_path / 'no.ngsc'}: no such file"
    (tmp_path / "empty.fq").write_bytes(b"")
    phyngsc.compress(str(tmp_path / "empty.fq"), str(tmp_path / "e.ngsc"), threads=1)
    r = subprocess.run([sys.executable, "-m", "phyngsc", "view", str(tmp_path / "e.ngsc")],
                       capture_output=True, timeout=120)
    assert r.returncode == 2 and b"holds no records: nothing to view" in r.stderr
