"""The encoders' seed walk on a thread of its own (``runners/seed_walk.py``) and the batch
read ahead of the encoders (``compress.scanned_batches``): the same streams, model and
archive as in line, at any thread count; errors raised where the encoders wait."""

import threading
import time

import numpy as np
import pytest

import phyngsc
from phyngsc.codecs.registry import ROLE_SEED, ROLE_SEEDED
from phyngsc.errors import FastqFormatError
from phyngsc.format.footer import SeedInfo
from phyngsc.runners.batches import scan_batch, scanned_batches
from phyngsc.runners.mpiio import PlainReadFile
from phyngsc.runners.seed_walk import BackgroundWalk, WalkCancelled, WalkStreams
from phyngsc.seed import FORM_CHAIN_LANES, walk_chain

from ..conftest import DATA
from .test_seed import deep_fastq  # noqa: F401 - fixture
from .test_seed_chain import SEQS, _lens, arr

SEED = SeedInfo(4, 6, True, 3, FORM_CHAIN_LANES, 2)


def _parts():
    cuts = [0, 30, 31, 70, 120]
    return [(1000 * i, arr(b"".join(SEQS[a:b])).copy(), _lens(SEQS[a:b]))
            for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]


@pytest.mark.parametrize("own", [None, (1000, 3000), (9000, 9999)])
def test_background_walk_gives_the_streams_and_model_of_the_walk_in_line(own):
    n, ws, streams = walk_chain(_parts(), SEED, own)
    walk = BackgroundWalk(iter(_parts()), SEED, own)
    seeding = walk.seeding(1000)
    assert seeding.end == 4000 and seeding.info == SEED
    # a batch of seed sub-blocks only gets no model: the walk is still learning it
    assert seeding.model_for(np.array([ROLE_SEED])).size == 0
    for key in sorted(streams):
        assert seeding.streams.pop(key) == streams[key]
    assert seeding.streams.pop(123, None) is None      # not a seed sub-block of this rank
    model = seeding.model_for(np.array([ROLE_SEED, ROLE_SEEDED]))   # waits for the walk
    # the model row alone: seeded candidates are static (NGSC 1.11)
    assert model.size == 4 << 12 and np.array_equal(model, ws[:4 << 12])
    assert n == walk.count == 4 and seeding.info == SEED and not walk.running()
    assert not seeding.walking() and not seeding.streams


def test_walk_streams_pop_waits_for_its_stream_and_then_for_the_end():
    streams = WalkStreams()
    assert streams          # streams may still come
    got = []
    reader = threading.Thread(target=lambda: got.append(streams.pop(7)))
    reader.start()
    time.sleep(0.05)
    assert reader.is_alive() and not got
    streams[7] = (b"x", 1)
    reader.join(5)
    assert got == [(b"x", 1)] and len(streams) == 0
    streams[8] = (b"y", 2)
    streams.end(None)
    assert streams and list(streams) == [8] and streams[8] == (b"y", 2)
    assert streams.pop(9, "none") == "none"
    with pytest.raises(KeyError):
        streams.pop(9)
    del streams[8]
    assert not streams


def _failing(parts, at, exc):
    for i, p in enumerate(parts):
        if i == at:
            raise exc
        yield p


def test_a_failed_walk_raises_its_error_where_the_encoders_wait():
    error = FastqFormatError("x.fq", 1234, "bad record")
    walk = BackgroundWalk(_failing(_parts(), 2, error), SEED, None)
    seeding = walk.seeding(1000)
    assert seeding.streams.pop(0)[1] == sum(len(s) for s in SEQS[0:30])
    with pytest.raises(FastqFormatError) as got:
        seeding.streams.pop(2000)
    assert got.value is error
    with pytest.raises(FastqFormatError):
        seeding.model_for(np.array([ROLE_SEEDED]))
    walk.close()           # never raises


def test_close_stops_a_walk_after_the_sub_block_it_is_at():
    started = threading.Event()

    def slow():
        for p in _parts() * 50:
            started.set()
            time.sleep(0.02)
            yield p

    walk = BackgroundWalk(slow(), SEED, (9000, 9999))
    started.wait(5)
    walk.close()
    assert not walk.running() and walk.count < 200
    with pytest.raises(WalkCancelled):
        walk.wait()


@pytest.mark.parametrize("ahead", [False, True])
def test_scanned_batches_read_ahead_as_in_line(tmp_path, ahead):
    src = DATA / "err127302_1_200.fastq"
    size = src.stat().st_size
    window, per_batch = 2048, 3
    reader = PlainReadFile(str(src))
    want, pos = [], 0
    while pos < size:
        buf, bounds, nxt = scan_batch(reader, str(src), size, pos,
                                      min(size, (pos // window + per_batch) * window),
                                      window, per_batch + 2)
        want.append((pos, buf.tobytes(), bounds.tolist(), nxt))
        pos += nxt
    got = [(p, b.tobytes(), bd.tolist(), n) for p, b, bd, n in
           scanned_batches(reader, str(src), size, 0, size, window, per_batch, ahead)]
    assert got == want and len(got) > 3
    # a batch that does not scan raises its error when its turn comes, not before
    bad = tmp_path / "bad.fq"
    text = bytearray(src.read_bytes())
    at = want[2][0] + 10
    text[at:at + 1] = b"\n"
    bad.write_bytes(bytes(text))
    batches = scanned_batches(PlainReadFile(str(bad)), str(bad), size, 0, size, window,
                              per_batch, ahead)
    assert [next(batches)[0], next(batches)[0]] == [want[0][0], want[1][0]]
    with pytest.raises(FastqFormatError):
        next(batches)
    batches.close()


@pytest.mark.parametrize("level", [5, 9])
def test_archives_are_the_same_at_one_two_and_three_threads(deep_fastq, tmp_path, level):
    digests, texts = set(), set()
    for threads in (1, 2, 3):
        arc = tmp_path / f"t{threads}.ngsc"
        phyngsc.compress(str(deep_fastq), str(arc), threads=threads, level=level,
                         window=4096, seed=16384)
        with phyngsc.open(str(arc)) as a:
            assert a.footer.seed is not None and a.footer.seed.n_subblocks == 4
            digests.add(a.index.digest())
            texts.add(b"".join(a.subblock_bytes(i) for i in range(a.index.n_subblocks)))
        out = tmp_path / f"t{threads}.fq"
        phyngsc.decompress(str(arc), str(out), threads=threads)
        assert out.read_bytes() == deep_fastq.read_bytes()
    assert len(digests) == 1 and len(texts) == 1


@pytest.mark.parametrize("where", ["seed", "after"])
def test_a_fastq_error_is_the_same_at_two_threads(deep_fastq, tmp_path, where):
    text = bytearray(deep_fastq.read_bytes())
    at = text.index(b"\n+\n", 5000 if where == "seed" else 30000) + 1
    text[at] = ord("-")
    bad = tmp_path / "bad.fq"
    bad.write_bytes(bytes(text))
    errors = []
    for threads in (1, 2):
        arc = tmp_path / f"b{threads}.ngsc"
        with pytest.raises(FastqFormatError) as got:
            phyngsc.compress(str(bad), str(arc), threads=threads, level=5, window=4096,
                             seed=16384)
        errors.append(str(got.value))
        assert not arc.exists() and not list(tmp_path.glob("b*.ngsc*"))
    assert errors[0] == errors[1] and f"{bad}: line " in errors[0] and "byte offset" in errors[0]
