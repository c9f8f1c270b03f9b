"""Archives written by earlier versions must decode byte-exactly, forever."""

import hashlib
import json

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
