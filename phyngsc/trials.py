"""Trial winners chosen once per group of sub-blocks and reused (pure; no MPI).

A level lists, per stream, candidate codecs; the winner is chosen by trial on a sample of
a sub-block's streams (:func:`phyngsc.subblocks.choose_spans`). Running that trial on every
sub-block cost a quarter of level 5's compression time, and its winners barely change
from one sub-block of a run to the next. So, as fqzcomp5 does with its blocks, the trial
runs on one sub-block of each *trial group* and the group's other sub-blocks are coded
with its winners (a winner that cannot code one of them falls back to the next candidate
that can, fastest first).

A trial group is defined by input offsets alone, so that archives stay the same at any
rank, thread or batch count: the sub-blocks of one role (plain, seed or seeded) whose (R1)
start offset lies in the same :data:`TRIAL_GROUP` consecutive windows. Its *anchor*, the
sub-block whose trial it reuses, is its first one: the one starting at the first record
start at or after :meth:`Trials.key_start`. A rank whose share of the input begins inside
a group learns the group's winners from the anchor's text, which its runner reads again
(:meth:`Trials.prime`); every later group begins inside the rank's share, in order.
"""

from __future__ import annotations

import numpy as np

from .codecs.registry import ROLE_SEEDED
from .format.constants import N_STREAMS
from .format.footer import SeedInfo
from .subblocks import choose_spans

#: Windows per trial group: 16 x 8 MiB at level 5, so a 1 GiB input runs 8 trials (9
#: with the seed's group) instead of 127.
TRIAL_GROUP = 16

Key = tuple[int, int]


def group_key(offset: int, role: int, window: int) -> Key:
    """The trial group key ``(group, role)`` of a sub-block of ``role`` starting at (R1)
    offset ``offset``, with ``window``-byte windows."""
    return offset // window // TRIAL_GROUP, role


class Trials:
    """A rank's trial winners by group key ``(group, role)`` for one input at ``level``
    with ``window``-byte windows; ``seed_end``: the (R1) offset where seeded sub-blocks
    begin (0 without a seed model)."""

    def __init__(self, level: int, window: int, seed_end: int = 0) -> None:
        self.level, self.window, self.seed_end = level, window, seed_end
        self.known: dict[Key, np.ndarray] = {}
        #: trials run (anchors coded by this process), for tests and benchmarks
        self.runs = 0

    def key(self, offset: int, role: int) -> Key:
        """The group key of a sub-block starting at (R1) offset ``offset``."""
        return group_key(offset, role, self.window)

    def key_start(self, key: Key) -> int:
        """The offset at or after which the group's sub-blocks start: its first window, or
        the seed's end for seeded sub-blocks when that is later."""
        group, role = key
        start = group * TRIAL_GROUP * self.window
        return max(start, self.seed_end) if role == ROLE_SEEDED else start

    def prime(self, key: Key, text: np.ndarray, model: np.ndarray | None = None,
              seed: SeedInfo | None = None) -> None:
        """Learn the winners of ``key`` from ``text``, its anchor's records (as the
        anchor's sub-block holds them), unless they are known."""
        if key in self.known:
            return
        self.known[key] = self._choose(text, np.array([0]), np.array([len(text)]),
                                       np.array([key[1]]), model, seed)[0]

    def state(self) -> tuple[dict[Key, np.ndarray], int]:
        """What :meth:`restore` puts back: the winners known and the trials run."""
        return dict(self.known), self.runs

    def restore(self, state: tuple[dict[Key, np.ndarray], int]) -> None:
        """Forget what was learned since :meth:`state` (a batch that was cut again)."""
        self.known, self.runs = dict(state[0]), state[1]

    def rows(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, keys: np.ndarray,
             roles: np.ndarray | None, model: np.ndarray | None = None,
             seed: SeedInfo | None = None) -> np.ndarray:
        """The winners to code sub-blocks ``buf[starts[i]:ends[i]]`` (starting at (R1)
        offsets ``keys``, in input order) with, for ``encode_spans(chosen=...)``. A group
        met for the first time has its anchor here: its first sub-block in this batch."""
        n = len(starts)
        roles = np.zeros(n, np.int64) if roles is None else np.asarray(roles, np.int64)
        group_keys = [self.key(int(k), int(r)) for k, r in zip(keys, roles)]
        anchors: dict[Key, int] = {}
        for i, key in enumerate(group_keys):
            if key not in self.known and key not in anchors:
                anchors[key] = i
        if anchors:
            at = np.array(list(anchors.values()), np.int64)
            found = self._choose(buf, np.asarray(starts)[at], np.asarray(ends)[at],
                                 roles[at], model, seed)
            for key, row in zip(anchors, found):
                self.known[key] = row
        if n == 0:
            return np.zeros((0, N_STREAMS), np.int64)
        return np.stack([self.known[key] for key in group_keys])

    def _choose(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                roles: np.ndarray, model: np.ndarray | None, seed: SeedInfo | None
                ) -> np.ndarray:
        self.runs += len(starts)
        return choose_spans(buf, starts, ends, level=self.level, roles=roles, model=model,
                            seed=seed)


__all__ = ["Trials", "TRIAL_GROUP", "Key", "group_key"]
