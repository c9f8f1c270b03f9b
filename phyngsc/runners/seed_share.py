"""One walk of a chained seed per node, its model broadcast to the node's other readers
(``decompress`` and ``verify`` with two or more ranks; docs/architecture.md).

Every seeded sub-block decodes from the seed model, the table at the end of the chain's
walk (docs/format.md, *Chained seed*). Without a seed index each rank holding a seeded
sub-block used to walk the whole chain itself: 3.65 s a rank at level 5 on the 1.12 GB
MiSeq set (24 seed sub-blocks, one thread), 6.2 s at level 9; on one node the ranks
paid that CPU time once each. Now, on each node:

- the *provider* walks: the node's first rank whose share holds seed sub-blocks (it
  needs their bases anyway), else the node's first rank that needs the model;
- the node's other ranks that need the model and hold no seed sub-block (*receivers*)
  do not walk: they decode their first sub-blocks' qualities meanwhile
  (:mod:`.decode_ahead`), then take the model by broadcast from the provider;
- ranks holding seed sub-blocks walk as before (they need those bases).

Roles are a pure function of each node rank's share (:func:`node_roles`); only the
provider and the receivers of a node join the broadcast. A walk that fails is announced
as such: every receiver then walks itself and reports the damage exactly as a rank
without this did. Since the walk is paid once, a plan under sharing weighs a seed
sub-block by its walk as well (:data:`SHARED_SEED_WEIGHT`), so the provider, which
holds them, takes fewer seeded sub-blocks. Whether sharing applies is agreed by every
rank (:func:`sharing_applies`) before anyone plans its share.

What it gains: the walk stays on every reader's critical path (a seeded sub-block needs
the whole model), so the wall time gained is the work receivers do meanwhile, bounded
by the memory of the qualities they hold (:func:`.decode_ahead.receiver_budget`); the
CPU time of one walk per rank but one is saved outright. On the 2-vCPU machine of
docs/performance.md, level 5, 2 ranks x 1 thread: 10.88 s against 11.26 s. Level 9's
1 GiB model costs more to broadcast than to walk again there, so it is not shared
(:data:`SHARE_MODEL_BYTES`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..archive.reader import Archive
from ..core.tables import counter_table
from ..seed import model_bytes

#: Message tag of the provider's "walked" (True) / "failed" (False) to each receiver.
SEED_TAG = 7301

#: Weight of a seed sub-block beside a seeded one of the same size in a plan whose ranks
#: share one walk per node: its bases come from the walk (2.7-3.3 s for the 24 seed
#: sub-blocks of the 1.12 GB MiSeq set at level 5, one thread), which the receivers spend
#: partly decoding qualities ahead and partly waiting (:func:`.decode_ahead.
#: receiver_budget`), where a seeded sub-block decodes whole in about 0.10 s. Chosen by
#: measurement on that set at 2 ranks x 1 thread: the two ranks ended 0.13 s apart at 0.8
#: (rank 0 0.36 s after rank 1 at 0.6; rank 1 0.4 s after rank 0 at 0.9, 1.3 s at 1.2).
SHARED_SEED_WEIGHT = 0.8


def node_roles(walks: Sequence[bool], needs: Sequence[bool]) -> tuple[int | None, list[int]]:
    """The provider and the receivers of one node (pure): node rank ``r`` walks the chain
    itself when ``walks[r]`` (its share holds seed sub-blocks) and needs the model when
    ``needs[r]`` (it holds seeded ones). Receivers: the ranks that need the model without
    walking. Provider: the first rank that walks, else the first receiver (which then
    walks, for the others). ``(None, [])`` when no rank needs to receive."""
    receivers = [r for r, (w, n) in enumerate(zip(walks, needs)) if n and not w]
    if not receivers:
        return None, []
    walkers = [r for r, w in enumerate(walks) if w]
    if walkers:
        return walkers[0], receivers
    return receivers[0], receivers[1:]


def index_present(arch: Archive) -> bool:
    """Whether a seed index file lies beside ``arch`` (read, it serves the model: no
    walk to share). Looks at the file only: loading an index costs its size."""
    from ..archive.seed_index import index_path
    return arch.use_index and os.path.isfile(index_path(arch.path))


#: Largest seed model (bytes) whose walk the ranks of a node share. The broadcast copies
#: the table into every receiver: 0.15 s for level 5's 64 MiB (order 12) on the 2-vCPU
#: machine of docs/performance.md, but 3.0 s for level 9's 1 GiB (order 14), where two
#: ranks then took 20.9 s against 18.9 s walking each for itself (and the receiver held
#: the table beside 1 GiB of qualities decoded ahead: 1,574 MiB against 1,315).
SHARE_MODEL_BYTES = 256 << 20


def sharing_applies(comm: Any, arch: Archive) -> bool:
    """Collective, the same on every rank: whether the ranks of a node share one walk of
    ``arch``'s seed (MPI, two or more ranks, a chained seed whose model is at most
    :data:`SHARE_MODEL_BYTES`, no seed index anywhere)."""
    if not comm.is_mpi or comm.size < 2:
        return False
    seed = arch.footer.seed
    mine = seed is not None and seed.chained and not index_present(arch) and \
        model_bytes(seed) <= SHARE_MODEL_BYTES
    return comm.allreduce_min(int(mine)) == 1


@dataclass
class SeedShare:
    """This rank's part in its node's shared walk: ``group`` holds the provider (rank 0
    of it) and the receivers; it is freed by :meth:`publish` (provider) or
    :meth:`ReceivedSeed.result` (receiver), or by :meth:`withdraw`."""

    group: Any
    provider: bool

    def publish(self, arch: Archive, ok: bool) -> None:
        """Provider: tell each receiver whether the walk went through and, if it did,
        broadcast the model (the table at the end of ``arch``'s walk)."""
        try:
            for r in range(1, self.group.size):
                self.group.send(bool(ok), r, SEED_TAG)
            if ok:
                self.group.bcast_array(arch.chain().table, 0)
        finally:
            self.group.free()

    def withdraw(self, arch: Archive) -> None:
        """This rank decodes nothing after all (it failed before): play its part anyway,
        so that no rank of the group waits for it (a provider announces a failed walk,
        a receiver takes what comes and drops it)."""
        if self.provider:
            self.publish(arch, False)
        else:
            ReceivedSeed(arch, self).result()


class ReceivedSeed:
    """Receiver: the provider's walk, seen from here. :meth:`running` while the provider
    has not said how it went; :meth:`result` waits for that, takes the model into
    ``arch``'s chain as if walked here, and gives ``{}`` (no seed sub-block's bases:
    this rank holds none), or None when the walk failed (this rank then walks itself)."""

    def __init__(self, arch: Archive, share: SeedShare) -> None:
        self.arch = arch
        self.share = share
        self._request = share.group.irecv(0, SEED_TAG)
        self._said: bool | None = None

    def running(self) -> bool:
        if self._said is None:
            arrived, said = self._request.test()
            if arrived:
                self._said = bool(said)
        return self._said is None

    def result(self) -> dict[int, Any] | None:
        try:
            if self._said is None:
                self._said = bool(self._request.wait())
            if not self._said:
                return None
            # advised for huge pages, as a walk's own table is: the seeded decoders hit
            # it at random (with 4 KiB pages they took 0.14 s a sub-block, not 0.10)
            table = counter_table(model_bytes(self.arch.footer.seed), -1)
            self.share.group.bcast_array(table, 0)
        finally:
            self.share.group.free()
        self.arch.chain().adopt(table)
        return {}


def plan_share(comm: Any, arch: Archive, i0: int, i1: int) -> SeedShare | None:
    """Collective (after :func:`sharing_applies` said yes): this rank's :class:`SeedShare`
    given its share ``[i0, i1)`` of sub-blocks, None when it takes no part."""
    n = arch.footer.seed.n_subblocks
    walks, needs = i0 < min(i1, n), i1 > max(i0, n)
    node = comm.node()
    try:
        flags = node.allgather((walks, needs))
        provider, receivers = node_roles([f[0] for f in flags], [f[1] for f in flags])
        me = node.rank
        if me == provider:
            color, key = 0, 0
        elif me in receivers:
            color, key = 0, 1 + me
        else:
            color, key = None, 0
        group = node.split(color, key)
    finally:
        node.free()
    return None if group is None else SeedShare(group, me == provider)


__all__ = ["SEED_TAG", "SHARED_SEED_WEIGHT", "SHARE_MODEL_BYTES", "node_roles", "index_present",
           "sharing_applies", "SeedShare", "ReceivedSeed", "plan_share"]
