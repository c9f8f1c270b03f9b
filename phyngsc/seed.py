"""The seed model of an archive (NGSC 1.3): pure planning and training, no MPI.

An 8 MiB sub-block of a deep run holds a small share of the genome, so a DNA model
learned inside it alone sees few contexts twice. An archive with a seed model takes
its first sub-blocks as the *seed*: their bases (coded 2-bit, so that reading them
back costs memory speed) train one DNA_K8 table of order k, both strands, and every
later sub-block may code its bases with DNA_SEEDED, starting from a copy of that
table. Any sub-block still decodes on its own, given the archive: a reader decodes
the seed sub-blocks' DNA and LENGTHS streams (nothing else) and trains the same table.
Which sub-blocks are the seed depends only on the input size, window and level, so
the archive is the same for any rank or thread count.

A *chained* seed (form 1, NGSC 1.5) no longer spends 2 bits on each seed base: the
table learns the seed sub-block by sub-block (context 0 at each), and seed sub-block
i codes its bases with DNA_SEEDED from the table learned on sub-blocks 0 .. i-1 when
that is smaller. Encoders walk the chain once (:func:`prepare`); readers walk it in
order (:mod:`phyngsc.archive.seed_chain`), so that decoding seed sub-block i costs
decoding the bases of the ones before it. A chain *in lanes* (form 2, NGSC 1.8, what
phyngsc 0.18 writes) learns every seed sub-block in the order DNA_K8 in L lanes codes
it (``SeedInfo.lanes``), so that its walk decodes as fast as a seeded sub-block.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from .codecs.defs.dna_k8 import worst_case
from .codecs.dna import BASE_CODE
from .codecs.dna_exceptions import base_codes, base_codes_in_place
from .codecs.dna_k8 import dna_k8_decode_into, dna_k8_encode_into, dna_k8_learn, dna_k8_learn_into
from .codecs.qual_model import TRAIN_BYTES, train as train_quality
from .codecs.registry import CODEC_ID, LANES, ROLE_PLAIN, ROLE_SEED, ROLE_SEEDED, SEEDS
from .codecs.seed_workspace import empty_workspace, fill_rows
from .core.jit import thread_count
from .core.tables import counter_table
from .format.constants import SID_DNA, SID_QUAL
from .format.footer import SeedInfo
from .format.subblock import StreamInfo

if TYPE_CHECKING:
    from .trials import Trials

#: Seed forms (the footer's seed section): bases learned joined (NGSC 1.3), chained
#: (NGSC 1.5: one lane) or chained in lanes (NGSC 1.8; the form phyngsc 0.18 writes).
FORM_JOINED, FORM_CHAIN, FORM_CHAIN_LANES = 0, 1, 2
DNA_SEEDED = CODEC_ID["dna-seeded"]

#: Smallest window that gets the level's seed model by default (an explicit seed size
#: applies to any window).
MIN_SEEDED_WINDOW = 1 << 20


def plan_seed(level: int, file_size: int, window: int,
              seed_bytes: int | None = None) -> SeedInfo | None:
    """The seed of an input of ``file_size`` bytes cut into ``window``-byte sub-blocks, or
    None. ``seed_bytes``: input bytes to train on (None: the level's preset; 0: no seed).

    The seed is the first ``ceil(seed_bytes / window)`` sub-blocks, but never more than
    half of them (a smaller input gets a smaller seed); its order and increment are the
    preset's, or its ``large`` ones when those windows hold at least that many bytes.
    Levels without a preset and inputs of one window get none. Without an explicit
    ``seed_bytes``, windows under :data:`MIN_SEEDED_WINDOW` get none either: before
    phyngsc 0.12 every seeded sub-block copied the model (64 MiB at level 5), which cost
    more than coding a small window; the rule stays so that archives do not change.
    """
    preset = SEEDS.get(level)
    if preset is None or seed_bytes == 0:
        return None
    if seed_bytes is None and window < MIN_SEEDED_WINDOW:
        return None
    want = preset.seed_bytes if seed_bytes is None else seed_bytes
    n_windows = math.ceil(file_size / window) if file_size > 0 else 0
    n = min(math.ceil(want / window), n_windows // 2)
    if n < 1:
        return None
    k, inc = preset.k, preset.inc
    if preset.large is not None and n * window >= preset.large[0]:
        _, k, inc = preset.large
    return SeedInfo(n, k, preset.revcomp, inc, FORM_CHAIN_LANES, LANES)


#: An input this many times the size of its stored quality model or larger carries it:
#: the model saves about 1 % of the quality stream, which is about a tenth of the input,
#: so it pays from roughly 1,000 times its size (a MiSeq model of 41 KB from 40 MB of
#: input, a binned one of 10 KB from 10 MB). Tests and golden archives of a few
#: kilobytes set it to 0.
QUALITY_MODEL_PAYS = 1024


def quality_windows(plan: SeedInfo, window: int) -> int:
    """How many of the seed's sub-blocks (from the first) train the quality model: those
    of the first ``qual_model.TRAIN_BYTES`` of input, whole windows, so that a file, a
    stream and a pair of mates train on the same records."""
    return min(-(-TRAIN_BYTES // window), plan.n_subblocks)


def with_quality_model(plan: SeedInfo, text: np.ndarray, input_size: int) -> SeedInfo:
    """``plan`` with the archive quality model (NGSC 1.12, :mod:`.codecs.qual_model`)
    trained on whole records ``text``: the seed's first :func:`quality_windows` sub-blocks,
    which every encoder reads alike. ``plan`` itself when the text holds no model (fewer
    than two quality values) or when the input (``input_size`` bytes) is under
    :data:`QUALITY_MODEL_PAYS` times the model's. Raises :class:`~.subblocks.SpanError`."""
    from .subblocks import bases_and_lengths
    qual, lengths = bases_and_lengths(text, SID_QUAL)
    model = train_quality(qual, lengths)
    if model is None:
        return plan
    blob = model.pack()
    if input_size < QUALITY_MODEL_PAYS * len(blob):
        return plan
    return replace(plan, quality=blob)


def roles(seed: SeedInfo | None, first: int, count: int) -> np.ndarray:
    """Roles (``registry.ROLE_*``) of sub-blocks ``first .. first + count - 1``."""
    idx = np.arange(first, first + count, dtype=np.int64)
    if seed is None:
        return np.full(count, ROLE_PLAIN, np.int64)
    return np.where(idx < seed.n_subblocks, ROLE_SEED, ROLE_SEEDED).astype(np.int64)


def train(dna: np.ndarray, lengths: np.ndarray, seed: SeedInfo) -> np.ndarray:
    """The seed model: ``4 ** (k + 1)`` uint8 counters learned from the seed's bases
    ``dna`` (every seed sub-block's DNA stream, in order) with read lengths ``lengths``
    (int64, adding up to ``dna.size``): the same table as
    :func:`~.codecs.dna_k8.dna_k8_train`. ``dna`` is overwritten with its 2-bit codes when
    it is a writable contiguous uint8 array (the callers' buffers, which they no longer
    need), so that learning a large seed holds its bases once, not twice; any other array
    is copied first."""
    if int(lengths.sum()) != dna.size:
        raise ValueError("seed read lengths do not add up to its bases")
    if dna.dtype != np.uint8 or not dna.flags.c_contiguous or not dna.flags.writeable:
        dna = np.array(dna, np.uint8)
    base_codes_in_place(dna)
    return dna_k8_learn(dna, np.ascontiguousarray(lengths, np.int64), seed.k, seed.revcomp,
                        seed.inc)


@dataclass
class SeedText:
    """The seed as an encoder reads it: the bases of every seed sub-block in order
    (``dna``, uint8 text), the read lengths (``lengths``, int64), the reads of each seed
    sub-block (``reads``) and each one's start offset (``keys``: the header's SOF, the R1
    offset of a paired sub-block)."""

    dna: np.ndarray
    lengths: np.ndarray
    reads: np.ndarray
    keys: np.ndarray

    def parts(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Each seed sub-block: (start offset, bases, read lengths), views."""
        a = r = 0
        for key, reads in zip(self.keys.tolist(), self.reads.tolist()):
            lengths = self.lengths[r:r + reads]
            b = a + int(lengths.sum())
            yield key, self.dna[a:b], lengths
            a, r = b, r + reads


#: Whether any level's seeded sub-blocks learn as they are coded (``seeded_inc`` > 0):
#: only then do the encoders need a working copy of the model per thread.
SEEDED_LEARN = any(p.seeded_inc > 0 for p in SEEDS.values())


@dataclass
class Seeding:
    """What an encoder needs of the seed: sub-blocks starting before ``end`` (an input,
    or R1, offset) are seed sub-blocks, later ones start from ``model`` (a workspace,
    :mod:`.codecs.seed_workspace`: the model and a working copy per thread); ``streams``
    (chained form): the DNA_SEEDED stream of each seed sub-block and its number of bases,
    by start offset; ``info``: the seed's footer entry. ``filled``: how many rows of
    ``model`` hold the seed model (0: all); a walked chain leaves its working rows unset
    until :meth:`model_for` meets the first seeded sub-block, so that the chained streams
    still waiting for their seed sub-blocks and the working rows are never in memory at
    once (level 5's peak: 410 MiB -> under 400). Since phyngsc 0.23 no level's seeded
    candidates learn (``SeedPreset.seeded_inc`` 0, NGSC 1.11): they all read the model
    row at once, and the working rows are never filled (:data:`SEEDED_LEARN`)."""

    end: int
    model: np.ndarray
    streams: dict[int, tuple[bytes, int]] = field(default_factory=dict)
    #: the footer's seed entry (its order, strands and increment name the seeded
    #: sub-blocks' DNA_SEEDED parameters); None: the level's preset
    info: SeedInfo | None = None
    filled: int = 0
    #: counters of one row of ``model`` (needed while ``filled`` > 0)
    row_size: int = 0

    def model_for(self, roles: np.ndarray) -> np.ndarray:
        """The model argument of a batch of sub-blocks of ``roles``: the seed model's row
        alone while only seed sub-blocks come (their candidates never code with it), the
        whole workspace, every row filled (once), from the first seeded one on, where a
        level's seeded candidates learn (else the row alone for them too)."""
        if self.filled == 0:
            return self.model
        if not SEEDED_LEARN or not np.any(np.asarray(roles) == ROLE_SEEDED):
            return self.model[:self.row_size]
        self.model = fill_rows(self.model, self.row_size, None, self.filled)
        self.filled = 0
        return self.model


def prepare(text: SeedText, seed: SeedInfo, end: int,
            own: tuple[int, int] | None = None) -> Seeding:
    """The :class:`Seeding` of ``text``: :func:`walk_chain` over its sub-blocks (encoders
    write chained seeds only; :func:`train` serves readers of joined ones). ``own``: as
    for :func:`walk_chain`."""
    if len(text.reads) != seed.n_subblocks or int(text.lengths.sum()) != text.dna.size:
        raise ValueError("seed text does not match its sub-blocks")
    n, ws, streams = walk_chain(text.parts(), seed, own)
    return Seeding(end, ws, streams, seed, filled=1, row_size=4 << (2 * seed.k))


def walk_chain(parts: Iterable[tuple[int, np.ndarray, np.ndarray]], plan: SeedInfo,
               own: tuple[int, int] | None = None, ws: np.ndarray | None = None,
               streams: MutableMapping[int, tuple[bytes, int]] | None = None
               ) -> tuple[int, np.ndarray, MutableMapping[int, tuple[bytes, int]]]:
    """The encoders' walk along a chained seed: ``parts`` gives each seed sub-block in
    input order as (start offset, bases, read lengths); each one's bases are coded with
    DNA_SEEDED from the table learned on the ones before (sub-block 0: from all ones),
    the table learning them in place. Returns the number of seed sub-blocks, the seed
    model and each one's stream and number of bases by start offset. Every rank walks
    the whole chain, but codes only the seed sub-blocks it encodes: with ``own`` =
    ``(lo, hi)``, those starting in ``[lo, hi)`` (None: all); the others' bases are only
    learned (the same table, without the coder). ``parts`` may read the
    input as it goes, so that memory holds one sub-block of it. The model comes as the
    encoders take it: a workspace (:mod:`.codecs.seed_workspace`), learned in its first
    row, its working rows not yet filled (:func:`~.codecs.seed_workspace.fill_rows`).
    ``ws``: that workspace, made by the caller (None: one for this thread's thread
    count); ``streams``: where each stream goes as soon as it is coded (None: a new dict),
    so that a walk on a thread of its own (:mod:`phyngsc.runners.seed_walk`) hands
    each one over as it comes."""
    if ws is None:
        ws = empty_workspace(4 << (2 * plan.k), thread_count())
    F = chain_table(plan, ws)
    if streams is None:
        streams = {}
    n = 0
    for key, dna, lengths in parts:
        lengths = np.ascontiguousarray(lengths, np.int64)
        if int(lengths.sum()) != dna.size:
            raise ValueError("seed read lengths do not add up to its bases")
        n += 1
        if own is not None and not own[0] <= key < own[1]:
            chain_learn(F, dna, lengths, plan)
            continue
        exceptions = dna.size - int(np.count_nonzero(BASE_CODE[dna] < 4))
        out = np.empty(worst_case(dna.size, exceptions), np.uint8)
        m = dna_k8_encode_into(dna, lengths, out, plan.k, plan.revcomp, plan.inc, F,
                               plan.lanes)
        if m < 0:   # pragma: no cover - the worst case always fits
            raise RuntimeError("chained seed stream did not fit its worst case")
        streams[int(key)] = (out[:m].tobytes(), dna.size)
    return n, ws, streams


def seed_roles(starts: np.ndarray, seed_end: int) -> np.ndarray:
    """Roles of sub-blocks starting at (R1) offsets ``starts``: those before the seed's
    end are seed sub-blocks, every later one is seeded."""
    return np.where(starts < seed_end, ROLE_SEED, ROLE_SEEDED).astype(np.int64)


def role_at(offset: int, seeding: Seeding | None) -> int:
    """The role of a sub-block starting at (R1) offset ``offset`` (plain without a seed)."""
    if seeding is None:
        return ROLE_PLAIN
    return int(seed_roles(np.array([offset], np.int64), seeding.end)[0])


def encode_seeded(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, keys: np.ndarray,
                  seeding: Seeding | None, trials: Trials | None = None, **kwargs) -> list:
    """:func:`~phyngsc.subblocks.encode_spans` (``kwargs``: its keyword arguments) of
    sub-blocks starting at (R1) offsets ``keys`` with the archive's seed: their roles, the
    model, the chained seed streams. ``trials``: a :class:`~phyngsc.trials.Trials` whose
    winners they reuse (None: each sub-block runs its own trial). Raises what
    ``encode_spans`` raises."""
    from .subblocks import encode_spans
    roles = model = info = None
    if seeding is not None:
        roles = seed_roles(np.asarray(keys, np.int64), seeding.end)
        model, info = seeding.model_for(roles), seeding.info
    chosen = None
    if trials is not None:
        chosen = trials.rows(buf, starts, ends, np.asarray(keys, np.int64), roles, model, info)
    if seeding is None:
        return encode_spans(buf, starts, ends, chosen=chosen, **kwargs)
    encoded = encode_spans(buf, starts, ends, roles=roles, model=model, seed=info,
                           chosen=chosen, **kwargs)
    return chain_streams(encoded, roles, seeding)


def prime_trials(trials: Trials, offset: int, text: np.ndarray, seeding: Seeding | None) -> None:
    """Teach ``trials`` (:class:`~phyngsc.trials.Trials`) the winners of the group whose
    anchor is the sub-block ``text`` starting at (R1) offset ``offset``."""
    role = role_at(offset, seeding)
    key = trials.key(offset, role)
    if seeding is None:
        trials.prime(key, text)
    elif key not in trials.known:      # model_for may fill the working rows: only if used
        trials.prime(key, text, seeding.model_for(np.array([role])), seeding.info)


def chain_streams(encoded: list, roles: np.ndarray | None, seeding: Seeding | None) -> list:
    """``encoded`` (:class:`~phyngsc.subblocks.EncodedSubBlock` list) with each seed
    sub-block's DNA stream replaced by its chained stream where that is smaller; a used
    stream leaves ``seeding`` (each seed sub-block is encoded once), so that memory
    holds only those still to come. A seed sub-block whose chained stream is missing or
    of another length is a bug (the walk and the encoders cut the seed differently):
    RuntimeError."""
    if seeding is None or not seeding.streams or roles is None:
        return encoded
    from .subblocks import EncodedSubBlock
    result = []
    for sb, role in zip(encoded, roles.tolist()):
        if role == ROLE_SEED:
            h = sb.header
            chained, n_bases = seeding.streams.pop(h.sof, (b"", -1))
            old = h.streams[SID_DNA]
            if n_bases != old.decoded_length:
                raise RuntimeError(f"seed sub-block at {h.sof}: no chained stream of its bases")
            if len(chained) < old.encoded_length:
                header, data = replace_stream(sb.data, SID_DNA, DNA_SEEDED, chained)
                sb = EncodedSubBlock(header, data)
        result.append(sb)
    return result


def replace_stream(data: bytes, sid: int, codec: int, payload: bytes):
    """``(header, bytes)`` of encoded sub-block ``data`` with stream ``sid`` replaced by
    ``payload`` coded with ``codec`` (same decoded length)."""
    from .format.subblock import SubBlockHeader
    h, size = SubBlockHeader.unpack(data)
    a = size + sum(s.encoded_length for s in h.streams[:sid])
    old = h.streams[sid]
    streams = tuple(StreamInfo(sid, codec, len(payload), old.decoded_length) if s.sid == sid
                    else s for s in h.streams)
    header = replace(h, streams=streams)
    return header, (header.pack() + bytes(data[size:a]) + payload +
                    bytes(data[a + old.encoded_length:]))


def chain_table(seed: SeedInfo, ws: np.ndarray | None = None) -> np.ndarray:
    """The table a chained seed's walk starts from: ``4 << 2k`` counters, all ones; with
    ``ws`` (:func:`~.codecs.seed_workspace.empty_workspace`), its first row."""
    size = 4 << (2 * seed.k)
    if ws is None:
        return counter_table(size, 1)
    ws[:size] = 1
    return ws[:size]


def chain_learn(F: np.ndarray, dna: np.ndarray, lengths: np.ndarray, seed: SeedInfo) -> None:
    """One step of a chain's walk for a seed sub-block whose bases ``dna`` (read lengths
    ``lengths``) were coded some other way: table ``F`` learns them in place."""
    dna_k8_learn_into(F, base_codes(dna), np.ascontiguousarray(lengths, np.int64), seed.k,
                      seed.revcomp, seed.inc, seed.lanes)


def chain_decode(F: np.ndarray, stream: np.ndarray, lengths: np.ndarray, n_bases: int,
                 seed: SeedInfo) -> np.ndarray | None:
    """One step of a chain's walk for a seed sub-block coded DNA_SEEDED: its ``n_bases``
    bases decoded from ``stream`` with table ``F``, which learns them in place; None if
    the stream is damaged or names other settings than the seed's (``F`` is then
    spoilt: the walk must start again)."""
    if not seed.settings_of(stream):
        return None
    out = np.empty(n_bases, np.uint8)
    st = dna_k8_decode_into(stream, np.ascontiguousarray(lengths, np.int64), out, F)
    return out if st == 0 else None


def model_bytes(seed: SeedInfo | None) -> int:
    """Memory of one copy of the seed model, in bytes (0 without a seed)."""
    return 0 if seed is None else 4 << (2 * seed.k)


__all__ = ["plan_seed", "roles", "train", "model_bytes", "prepare", "chain_streams",
           "replace_stream", "chain_table", "chain_learn", "chain_decode", "SeedText",
           "Seeding", "FORM_JOINED", "FORM_CHAIN", "FORM_CHAIN_LANES", "seed_roles",
           "encode_seeded", "prime_trials", "role_at", "walk_chain", "quality_windows",
           "with_quality_model", "QUALITY_MODEL_PAYS"]
