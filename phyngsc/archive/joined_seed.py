"""The seed model of a joined seed (phyngsc 0.7-0.9 archives, NGSC 1.3-1.4; docs/format.md,
*Seed model*): trained on the seed sub-blocks' bases, which are read a few sub-blocks
at a time straight into one buffer."""

from __future__ import annotations

import numpy as np

from ..core.varint import varints_to_array
from ..format.constants import SID_DNA, SID_LENGTHS
from ..seed import train
from ..subblock_decode import SubBlockCorrupt, decode_streams

#: Seed sub-blocks decoded at a time while training the seed model.
SEED_GROUP = 8


def joined_model(arch) -> np.ndarray:
    """The seed model of :class:`~.reader.Archive` ``arch``, whose seed is joined, trained
    on its seed sub-blocks' DNA and LENGTHS streams; a damaged one raises its
    :class:`~phyngsc.errors.ArchiveError`."""
    seed = arch.footer.seed
    # a few sub-blocks at a time, their bases straight into one buffer: memory holds
    # the seed's bases (no more than its text: untouched pages are free) and one
    # group's streams
    dna = np.empty(int(arch.index.raw_length[:seed.n_subblocks].sum()), np.uint8)
    parts, n = [], 0
    for first in range(0, seed.n_subblocks, SEED_GROUP):
        group = range(first, min(first + SEED_GROUP, seed.n_subblocks))
        try:
            headers, streams = decode_streams([arch.subblock_bytes(i) for i in group],
                                              (SID_DNA, SID_LENGTHS))
        except SubBlockCorrupt as exc:
            raise arch.subblock_error(first + exc.index, exc.reason) from None
        for i, h, s in zip(group, headers, streams):
            d = s[SID_DNA]
            if n + d.size > dna.size:
                raise arch.subblock_error(i, "more bases than the sub-block's text")
            dna[n:n + d.size] = d
            n += d.size
            parts.append(varints_to_array(s[SID_LENGTHS], h.n_records))
    dna = dna[:n]
    lengths = np.concatenate(parts)
    if int(lengths.sum()) != dna.size:
        raise arch.subblock_error(0, "seed read lengths do not match its bases")
    return train(dna, lengths, seed)
