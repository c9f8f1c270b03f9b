"""One walk of a chained seed per node (``runners/seed_share.py``) without MPI: the roles
of a node's ranks, a receiver adopting the provider's model (the text exactly as if it
had walked), a failed walk leaving each receiver to walk itself, and a rank that
withdraws still playing its part. The group here is an in-process stand-in for the
node's communicator; tests/mpi/test_seed_share.py runs the real one."""

import queue
import threading

import numpy as np
import pytest

import phyngsc
from phyngsc.archive.decode import decode_checked
from phyngsc.runners import decode_ahead
from phyngsc.runners.comm import SerialComm
from phyngsc.runners.decode_ahead import decoded_batches
from phyngsc.runners.seed_share import (ReceivedSeed, SeedShare, node_roles, sharing_applies)

from ..conftest import count_seed_steps
from .test_decode_ahead import _runs, seeded  # noqa: F401 - fixture
from .test_seed import deep_fastq  # noqa: F401 - fixture


@pytest.mark.parametrize("walks, needs, roles", [
    ([True, False, False], [True, True, True], (0, [1, 2])),
    ([True, True], [True, True], (None, [])),              # everyone walks anyway
    ([False, False, False], [True, True, False], (0, [1])),  # no walker: one receiver walks
    ([False, True, False, True], [False, True, True, True], (1, [2])),
    ([True, False], [False, False], (None, [])),            # nobody needs the model
    ([False], [True], (0, [])),
])
def test_node_roles(walks, needs, roles):
    assert node_roles(walks, needs) == roles


class _TwoRanks:
    """What sharing_applies asks of a communicator: MPI, two ranks, the lowest vote."""

    is_mpi, size = True, 2

    def allreduce_min(self, value):
        return value


def test_when_sharing_applies(seeded, monkeypatch):
    from phyngsc.archive.seed_index import index_path
    from phyngsc.runners import seed_share
    with phyngsc.open(str(seeded)) as a:
        assert not sharing_applies(SerialComm(), a)
        assert sharing_applies(_TwoRanks(), a)
        monkeypatch.setattr(seed_share, "SHARE_MODEL_BYTES", 4 << 20)   # below order 12's
        assert not sharing_applies(_TwoRanks(), a)
        monkeypatch.undo()
        a.use_index = False
        with open(index_path(str(seeded)), "wb"):
            pass
        assert sharing_applies(_TwoRanks(), a)       # an index it will not read
        a.use_index = True
        assert not sharing_applies(_TwoRanks(), a)   # one it will: nothing to walk


class _Wire:
    """What the provider's and one receiver's ends of a group share."""

    def __init__(self):
        self.said: queue.Queue = queue.Queue()
        self.table = None
        self.sent = threading.Event()       # a broadcast waits for its root, as MPI's
        self.freed = 0


class _End:
    """One rank's end of a two-rank group (provider: rank 0)."""

    size = 2

    def __init__(self, wire, rank):
        self.wire, self.rank = wire, rank

    def send(self, obj, dest, tag=0):
        assert (self.rank, dest) == (0, 1)
        self.wire.said.put(obj)

    def irecv(self, source, tag=0):
        wire = self.wire

        class Request:
            def test(self):
                try:
                    return True, wire.said.get_nowait()
                except queue.Empty:
                    return False, None

            def wait(self):
                return wire.said.get(timeout=30)
        return Request()

    def bcast_array(self, array, root=0):
        if self.rank == root:
            self.wire.table = array.copy()
            self.wire.sent.set()
        else:
            assert self.wire.sent.wait(30)
            array[:] = self.wire.table

    def free(self):
        self.wire.freed += 1


def _pair():
    wire = _Wire()
    return wire, SeedShare(_End(wire, 0), True), SeedShare(_End(wire, 1), False)


def test_a_receiver_decodes_from_the_adopted_model_without_walking(seeded, monkeypatch):
    wire, provider, receiver = _pair()
    with phyngsc.open(str(seeded)) as a, phyngsc.open(str(seeded)) as b:
        n = a.footer.seed.n_subblocks
        a.chain().walk(n, ())
        provider.publish(a, True)
        calls = count_seed_steps(monkeypatch)
        got = ReceivedSeed(b, receiver)
        assert not got.running() and got.result() == {}
        assert np.array_equal(b.chain().table, a.chain().table) and b.chain().next == n
        for x, y in _runs(b.n_subblocks)[2:]:
            assert np.array_equal(decode_checked(b, x, y)[1], decode_checked(a, x, y)[1])
        assert calls == [] and wire.freed == 2


def test_a_failed_walk_leaves_each_receiver_to_walk(seeded, monkeypatch):
    wire, provider, receiver = _pair()
    with phyngsc.open(str(seeded)) as a, phyngsc.open(str(seeded)) as b:
        provider.publish(a, False)
        assert wire.table is None
        assert ReceivedSeed(b, receiver).result() is None
        assert b.chain().table is None and wire.freed == 2
        x, y = _runs(b.n_subblocks)[-1]
        want = decode_checked(a, x, y)[1]
        calls = count_seed_steps(monkeypatch)
        assert np.array_equal(decode_checked(b, x, y)[1], want)
        assert calls == list(range(b.footer.seed.n_subblocks))


def test_withdrawing_plays_the_part(seeded):
    wire, provider, receiver = _pair()
    with phyngsc.open(str(seeded)) as a:
        provider.withdraw(a)
        assert wire.said.get_nowait() is False and wire.freed == 1
    wire, provider, receiver = _pair()
    with phyngsc.open(str(seeded)) as a, phyngsc.open(str(seeded)) as b:
        a.chain().walk(a.footer.seed.n_subblocks, ())
        provider.publish(a, True)
        receiver.withdraw(b)
        assert wire.said.empty() and wire.freed == 2
        assert np.array_equal(b.chain().table, a.chain().table)


def test_adopting_a_table_of_another_size_is_refused(seeded):
    with phyngsc.open(str(seeded)) as a:
        with pytest.raises(ValueError):
            a.chain().adopt(np.zeros(16, np.uint8))


def test_a_receiver_decodes_qualities_ahead_until_the_model_comes(seeded, monkeypatch):
    """decoded_batches as a receiver: qualities decoded ahead while the provider walks
    (published from another thread once two pieces were decoded ahead), no walk here,
    the text of every batch exactly as in line."""
    wire, provider, receiver = _pair()
    calls, real_q = [], decode_ahead.with_qualities_decoded
    with phyngsc.open(str(seeded)) as a, phyngsc.open(str(seeded)) as b:
        n = a.footer.seed.n_subblocks
        a.chain().walk(n, ())
        two = threading.Event()

        def counted(arch, indices):
            calls.append(list(indices))
            if len(calls) == 2:
                two.set()
            return real_q(arch, indices)

        def provide():
            two.wait(30)
            provider.publish(a, True)

        monkeypatch.setattr(decode_ahead, "with_qualities_decoded", counted)
        steps = count_seed_steps(monkeypatch)
        runs = [r for r in _runs(b.n_subblocks) if r[0] >= n]
        t = threading.Thread(target=provide)
        t.start()
        got = [(x, y, txt.tobytes()) for x, y, _h, txt, _s in decoded_batches(b, runs, receiver)]
        t.join()
        assert len(calls) >= 2 and calls[0][0] == runs[0][0] and steps == []
        want = [(x, y, decode_checked(a, x, y)[1].tobytes()) for x, y in runs]
        assert got == want


def test_a_provider_publishes_before_it_gives_any_batch(seeded, monkeypatch):
    """A provider with two threads walks beside its decoders but gives no run of seed
    sub-blocks before the walk is through and published (its receivers wait for it),
    even with its budget spent and the walk held before its last step."""
    from phyngsc.archive.seed_chain import SeedChain
    from phyngsc.core.jit import set_threads, thread_count
    wire, provider, _receiver = _pair()
    given, held, real_walk = threading.Event(), [], SeedChain.walk

    def held_walk(self, upto, keep, have=None, **kw):
        if upto == self.seed.n_subblocks:
            held.append(given.wait(2))
        return real_walk(self, upto, keep, have, **kw)

    monkeypatch.setattr(SeedChain, "walk", held_walk)
    monkeypatch.setattr(decode_ahead, "ahead_budget", lambda seed: 0)
    before = thread_count()
    set_threads(2)
    try:
        with phyngsc.open(str(seeded)) as a:
            runs = _runs(a.n_subblocks, per=2)
            said = []
            for x, y, _h, _t, _s in decoded_batches(a, runs, provider):
                said.append(not wire.said.empty())
                given.set()
    finally:
        set_threads(before)
    assert held == [False] and said and all(said) and wire.said.get_nowait() is True
