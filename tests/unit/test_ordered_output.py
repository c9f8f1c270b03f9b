"""``OrderedOutput`` on one process: rank 0's part goes straight to the output as it is
produced (no spool, no copy at close; on a writer thread, at most ``_IN_FLIGHT`` pieces
waiting), small pieces gathered, in order; a discarded file output leaves nothing; write
errors name the output, from the writer thread too. The ranks' spools and the
ordered write of several parts are covered by tests/mpi (fasta, filter, extract, split
at 1-4 ranks)."""

import io
import os
import threading

import numpy as np
import pytest

from phyngsc.destinations import describe
from phyngsc.errors import OutputError
from phyngsc.runners import output
from phyngsc.runners.comm import SerialComm
from phyngsc.runners.output import OrderedOutput


def pieces():
    rng = np.random.default_rng(7)
    sizes = [0, 1, 5, 1000, output._GATHER - 3, 2, output._GATHER + 11, 17, 3 * output._GATHER]
    return [rng.integers(0, 256, n, dtype=np.uint8) for n in sizes]


def test_rank_zero_writes_a_file_in_place_in_order(tmp_path):
    dest = tmp_path / "out.fa"
    out = OrderedOutput(SerialComm(), describe(str(dest)))
    assert out.spool is None and out.file is not None
    expect = b""
    for k, p in enumerate(pieces()):
        out.write(p if k % 2 else p.tobytes())
        expect += p.tobytes()
        out.sync()
        # everything but a gathered tail under _GATHER bytes is in the file already
        on_disk = os.path.getsize(out.file.tmp)
        assert expect[:on_disk] == open(out.file.tmp, "rb").read()
        assert len(expect) - on_disk < output._GATHER
    assert not dest.exists()
    assert out.close() == len(expect)
    assert dest.read_bytes() == expect
    assert [p.name for p in tmp_path.iterdir()] == ["out.fa"]


def test_a_discarded_file_output_leaves_nothing(tmp_path):
    out = OrderedOutput(SerialComm(), describe(str(tmp_path / "out.fa")))
    out.write(np.zeros(3 * output._GATHER, np.uint8))
    out.write(b"tail")
    out.discard()
    assert list(tmp_path.iterdir()) == []


def test_rank_zero_streams_as_it_goes():
    sink = io.BytesIO()
    out = OrderedOutput(SerialComm(), describe("-"), stdout=sink)
    big = np.arange(2 * output._GATHER, dtype=np.uint64).view(np.uint8)[:2 * output._GATHER]
    out.write(b"small")
    out.sync()
    assert sink.getvalue() == b""           # gathered
    out.write(big)
    out.sync()
    assert sink.getvalue() == b"small" + big.tobytes()
    out.write(b"end")
    assert out.close() == 5 + len(big) + 3
    assert sink.getvalue() == b"small" + big.tobytes() + b"end"


class Broken(io.RawIOBase):
    def writable(self):
        return True

    def write(self, b):
        raise BrokenPipeError(32, "Broken pipe")


def test_a_stream_write_error_names_the_output():
    """The writer thread's error comes back from a later write, at the latest once more
    than _IN_FLIGHT pieces would wait."""
    out = OrderedOutput(SerialComm(), describe("-"), stdout=Broken())
    out.write(b"x")                          # gathered, not written yet
    with pytest.raises(OutputError) as err:
        for _ in range(output._IN_FLIGHT + 2):
            out.write(np.zeros(output._GATHER, np.uint8))
    assert err.value.path == "-" and "Broken pipe" in err.value.reason
    out.discard()


def test_sync_raises_the_writer_threads_error():
    out = OrderedOutput(SerialComm(), describe("-"), stdout=Broken())
    out.write(np.zeros(output._GATHER, np.uint8))
    with pytest.raises(OutputError) as err:
        out.sync()
    assert "Broken pipe" in err.value.reason
    out.discard()


class Slow(io.RawIOBase):
    """A stream whose writes wait for the test to let them through."""

    def __init__(self):
        self.gate = threading.Semaphore(0)
        self.got = []

    def writable(self):
        return True

    def write(self, b):
        self.gate.acquire()
        self.got.append(bytes(b))
        return len(b)


def test_at_most_in_flight_pieces_wait_for_a_slow_output():
    """A write blocks once _IN_FLIGHT pieces wait, so memory stays bounded; pieces land in
    order, each whole."""
    sink = Slow()
    out = OrderedOutput(SerialComm(), describe("-"), stdout=sink)
    big = [np.full(output._GATHER, k, np.uint8) for k in range(output._IN_FLIGHT + 1)]
    for p in big[:output._IN_FLIGHT]:
        out.write(p)                          # handed over, none written yet
    done = threading.Event()
    t = threading.Thread(target=lambda: (out.write(big[-1]), done.set()))
    t.start()
    assert not done.wait(0.3)                # the third piece waits for the first
    for _ in big:
        sink.gate.release()
    t.join(10)
    assert done.is_set()
    out.close()
    assert sink.got == [p.tobytes() for p in big]


def test_a_write_error_at_close_is_raised():
    """What was gathered is written at close; its error is agreed on and raised."""
    out = OrderedOutput(SerialComm(), describe("-"), stdout=Broken())
    out.write(b"gathered")
    with pytest.raises(OutputError) as err:
        out.close()
    assert err.value.path == "-"
