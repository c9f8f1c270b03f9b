"""The two decoding kernels give the same result: one sub-block per thread
(``_decode_batch``) and two lanes a sub-block (``_decode_lanes``, chosen when a batch has
fewer sub-blocks than threads) on good and damaged sub-blocks, seeded ones from a seed
workspace included, compiled and interpreted."""

import dataclasses
import zlib

import numpy as np
import pytest

import phyngsc
from phyngsc.core.jit import interpreted, set_threads, thread_count
from phyngsc.format.subblock import SubBlockHeader
from phyngsc.subblock_decode import SubBlockCorrupt, decode_subblocks, text_crcs
from phyngsc.subblocks import encode_spans

from ..conftest import DATA, small_files


def _outcome(encoded, model=None, lanes=None):
    """What decode_subblocks gives: ('ok', texts) or ('corrupt', index, reason)."""
    try:
        headers, text, starts = decode_subblocks(encoded, model, lanes=lanes)
    except SubBlockCorrupt as exc:
        return ("corrupt", exc.index, exc.reason)
    return ("ok", [text[starts[i]:starts[i + 1]].tobytes() for i in range(len(headers))])


def _encoded(path, level):
    """``path``'s text and its one sub-block at ``level``."""
    data = path.read_bytes()
    buf = np.frombuffer(data, np.uint8)
    sb = encode_spans(buf, np.array([0]), np.array([len(buf)]), base=0, file_index=0,
                      level=level)[0]
    return data, sb.data


@pytest.mark.parametrize("level", [1, 5, 9])
def test_lanes_and_whole_sub_blocks_decode_the_same_text(level):
    files = small_files()
    texts, encoded = zip(*(_encoded(p, level) for p in files))
    want = _outcome(list(encoded), lanes=False)
    assert want == ("ok", list(texts))
    assert _outcome(list(encoded), lanes=True) == want
    for k in range(len(encoded)):   # one or two at a time, as a reader after a few records
        for batch in ([encoded[k]], [encoded[k], encoded[k - 1]]):
            assert _outcome(batch, lanes=True) == _outcome(batch, lanes=False)


def _damaged(sb: bytes, rng):
    """Truncations at every 7th byte and near each end, then single bit flips."""
    cuts = sorted(set(range(0, len(sb), 7)) | {1, len(sb) - 1, len(sb) - 2})
    for n in cuts:
        yield sb[:n]
    for _ in range(60):
        bad = bytearray(sb)
        bad[int(rng.integers(0, len(sb)))] ^= 1 << int(rng.integers(0, 8))
        yield bytes(bad)


@pytest.mark.parametrize("level", [1, 5])
def test_damaged_sub_blocks_fail_the_same_way_in_both_kernels(level):
    text, sb = _encoded(DATA / "err127302_1_200.fastq", level)
    _other, good = _encoded(DATA / "sim_reads_1_200.fastq", level)
    rng = np.random.default_rng(level)
    for bad in _damaged(sb, rng):
        for batch in ([bad], [good, bad]):
            lanes = _outcome(batch, lanes=True)
            assert lanes == _outcome(batch, lanes=False)
            if lanes[0] == "ok":    # a flip the CRC-checked text does not see
                assert lanes[1][-1] == text


def test_lanes_interpreted_match_compiled():
    encoded = [_encoded(DATA / name, 5)[1] for name in ("sim_reads_1_200.fastq",
                                                         "err127302_1_200.fastq")]
    compiled = _outcome(encoded, lanes=True)
    assert compiled[0] == "ok"
    with interpreted():
        assert _outcome(encoded, lanes=True) == compiled
        assert _outcome([encoded[0][:-5]], lanes=True) == \
            _outcome([encoded[0][:-5]], lanes=False)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_seeded_sub_blocks_decode_in_lanes_and_leave_the_workspace_clean(tmp_path, threads):
    """Seeded sub-blocks of a real archive, 1 to 3 at a time in lanes and whole, from the
    reader's seed workspace: the same text, each CRC-32 right, every row the model again."""
    src = DATA / "synthetic_cov15.fastq"
    arch = tmp_path / "s.ngsc"
    phyngsc.compress(str(src), str(arch), threads=1, level=5, window=4096, seed=16384)
    before = thread_count()
    set_threads(threads)
    try:
        with phyngsc.open(str(arch)) as a:
            seeded = [i for i in range(a.footer.seed.n_subblocks, a.n_subblocks)
                      if a.seed_model_for([i], [a.subblock_bytes(i)]) is not None]
            assert len(seeded) >= 3
            for group in (seeded[:1], seeded[1:3], seeded[:3]):
                data, model = a.prepared(group, [a.subblock_bytes(i) for i in group])
                assert model is not None
                size = a.seed_model().size
                lanes = _outcome(data, model, lanes=True)
                assert lanes[0] == "ok"
                assert np.array_equal(model, np.tile(a.seed_model(), model.size // size))
                assert lanes == _outcome(data, model, lanes=False)
                for i, text in zip(group, lanes[1]):
                    hdr, _n = SubBlockHeader.unpack(a.subblock_bytes(i))
                    assert zlib.crc32(text) == hdr.raw_crc
    finally:
        set_threads(before)



def _with_crc(sb: bytes, crc: int) -> bytes:
    """Sub-block ``sb`` with its header's text CRC-32 replaced by ``crc``."""
    h, size = SubBlockHeader.unpack(sb)
    return dataclasses.replace(h, raw_crc=crc).pack() + bytes(sb[size:])


@pytest.mark.parametrize("threads", [1, 2])
def test_crcs_on_threads_name_the_first_bad_text(threads):
    """The CRC-32 of every text, on one thread or several, and a failing one found by
    index, whatever thread checked it."""
    rng = np.random.default_rng(7)
    out = rng.integers(0, 256, 3 << 20, dtype=np.uint8)
    starts = np.array([0, 1, 5000, 1 << 20, 2 << 20, 3 << 20], np.int64)
    before = thread_count()
    set_threads(threads)
    try:
        assert text_crcs(out, starts) == [zlib.crc32(out[a:b])
                                          for a, b in zip(starts[:-1], starts[1:])]
        assert text_crcs(out, starts[:1]) == []
        data, sb = _encoded(DATA / "err127302_1_200.fastq", 5)
        h, _ = SubBlockHeader.unpack(sb)
        assert _outcome([sb, _with_crc(sb, h.raw_crc), sb]) == ("ok", [data] * 3)
        assert _outcome([sb, _with_crc(sb, h.raw_crc ^ 1), _with_crc(sb, h.raw_crc ^ 2)]) \
            == ("corrupt", 1, "decoded text fails its CRC-32")
    finally:
        set_threads(before)
