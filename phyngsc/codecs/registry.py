"""The codecs and the compression levels.

Adding a codec: one module in :mod:`phyngsc.codecs.defs` (its ``SPEC``), one line in
:data:`CODECS`, a section in docs/format.md, a reference test; then regenerate the
Numba dispatch with ``python -m phyngsc.codecs.registry`` (a test checks it is
current). Ids are never reused: archives store them.

A level names, per stream, the candidate codecs (with their parameters), fastest
first; :mod:`phyngsc.subblocks` picks among them by trial on a sample, taking a
slower candidate only when it codes the sample at least 1 % smaller than every
faster one (:data:`TRIAL_MARGIN_PERCENT`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .qual_rans_lanes import TWO_LANES
from .defs import (dna2, dna_cm, dna_k8, dna_seeded, qual_cm, qual_o2, qual_rans, qual_shared,
                   qual_sorted, rans_bytes, rc_o1, stored, title_col, title_rans, title_tok)
from .dispatch import decode_stream, decode_stream_with, encode_stream, encode_stream_with
from ..format.footer import SeedInfo
from .qual_model import N_TABLES
from .spec import STREAMS, CodecSpec

CODECS: tuple[CodecSpec, ...] = (
    stored.SPEC,
    rc_o1.SPEC,
    dna2.SPEC,
    qual_o2.SPEC,
    title_col.SPEC,
    dna_cm.SPEC,
    qual_cm.SPEC,
    title_tok.SPEC,
    rans_bytes.SPEC,
    qual_rans.SPEC,
    dna_k8.SPEC,
    qual_sorted.SPEC,
    title_rans.SPEC,
    dna_seeded.SPEC,
    qual_shared.SPEC,
)
BY_ID = {c.id: c for c in CODECS}
BY_NAME = {c.name: c for c in CODECS}
KNOWN_CODECS = frozenset(BY_ID)
CODEC_NAMES = {c.id: c.name for c in CODECS}
CODEC_ID = {c.name: c.id for c in CODECS}

#: Range coders taking turns over the reads of the order-11+ DNA_K8 candidates, of
#: DNA_SEEDED (NGSC 1.7) and of the chained seed (NGSC 1.8): eight lanes decoded an
#: order-12 sub-block 2.9x faster than one, sixteen 3.6x, for 160 bytes of a 700 KB
#: stream (docs/performance.md). 0.17 used eight (sixteen then judged not worth twice
#: the coder state); 0.18 takes sixteen's 1.2x for whole-archive decompression.
LANES = 16

#: Named strategy presets: per stream, (codec name, parameter) candidates.
LEVELS: dict[int, dict[str, tuple[tuple[str, int], ...]]] = {
    1: {"titles": (("title-rans", 0), ("title-rans", 2)),
        "dna": (("dna2", 0), ("rans-bytes", 1)),
        "qual": (("qual-rans", 0 | TWO_LANES), ("qual-rans", 1 | TWO_LANES),
                 ("qual-rans", 2 | TWO_LANES)),
        "lengths": (("rans-bytes", 1),),
        "layout": (("rans-bytes", 0),)},
    5: {"titles": (("title-rans", 0), ("title-rans", 2)),
        "dna": (("dna2", 0), ("dna-k8", dna_k8.param(5, False, 1)),
                ("dna-k8", dna_k8.param(11, True, 2, lanes=LANES))),
        "qual": (("qual-rans", 1 | TWO_LANES), ("qual-sorted", 0), ("qual-sorted", 1),
                 ("qual-sorted", 2), ("qual-sorted", 3), ("qual-sorted", 4)),
        "lengths": (("rans-bytes", 1),),
        "layout": (("rans-bytes", 0),)},
    9: {"titles": (("title-rans", 0), ("title-rans", 2), ("title-tok", 0)),
        "dna": (("dna2", 0), ("dna-k8", dna_k8.param(5, False, 1)),
                ("dna-k8", dna_k8.param(12, True, 2, lanes=LANES))),
        "qual": (("qual-rans", 1 | TWO_LANES), ("qual-sorted", 0), ("qual-sorted", 1),
                 ("qual-sorted", 2), ("qual-sorted", 3), ("qual-sorted", 4)),
        "lengths": (("rans-bytes", 1),),
        "layout": (("rans-bytes", 0),)},
}
DEFAULT_LEVEL = 5
#: How much smaller (percent) a slower candidate must code the trial sample to be chosen.
TRIAL_MARGIN_PERCENT = 1


#: Sub-block roles: an archive without a seed model has only PLAIN sub-blocks; with
#: one, its first sub-blocks are the SEED (their bases are the seed model's input, so
#: they are coded without it, as 2-bit packing that decodes at memory speed) and every
#: later one is SEEDED (its DNA candidates include DNA_SEEDED).
ROLE_PLAIN, ROLE_SEED, ROLE_SEEDED = 0, 1, 2


@dataclass(frozen=True)
class SeedPreset:
    """A level's seed model: the input bytes whose bases train it (the first sub-blocks
    holding at least that many bytes), its order, strands and counter increment;
    ``large``: ``(bytes, k, inc)``, a higher order (and its increment) for a seed of at
    least that many bytes of input; ``seeded_revcomp``: whether a seeded sub-block's
    DNA_SEEDED coder also learns its own reads' reverse complements (the seed itself
    learns both strands when ``revcomp``); ``seeded_inc``: the increment a seeded
    sub-block's DNA_SEEDED coder learns its own reads with, 0 for none (a static model,
    NGSC 1.11)."""

    seed_bytes: int
    k: int
    revcomp: bool
    inc: int
    large: tuple[int, int, int] | None = None
    seeded_revcomp: bool = False
    seeded_inc: int = 0


#: Levels with a seed model (docs/format.md, *Seed model*); memory is ``4**(k+1)`` bytes
#: for the model (plus a working copy per thread to read archives whose seeded sub-blocks
#: learn, phyngsc 0.7-0.22). The increments (3 at order 12, 8 at
#: order 13; 2 before phyngsc 0.9) code seeded sub-blocks of a 25x run smallest: the
#: sparser the contexts, the more one sighting should count (docs/performance.md).
#: Order 14 (phyngsc 0.12, NGSC 1.6; a 1 GiB table) tells apart the 14-mers of genomes
#: that order 13 confuses (0.80 -> 0.48 bits a base after a 256 MiB seed of a 25x run
#: of 20 Mbp); level 9 uses it from a 128 MiB seed, where the table is at most eight
#: times the seed's input. Seeded sub-blocks learn only their forward strand (phyngsc
#: 0.13): after a seed of 192 MiB or more, a sub-block's own reverse complements saved
#: 0.08 % of its DNA bytes and cost about 20 ns a base each way (docs/performance.md).
#: Since phyngsc 0.23 (NGSC 1.11) they learn nothing (``seeded_inc`` 0): learning their
#: own reads saved 0.03-0.08 % of their DNA bytes on a 30x MiSeq set (orders 12 and 14)
#: and cost a working copy of the model per thread, an undo log and a random write a
#: base; a static model is read by every thread at once.
SEEDS: dict[int, SeedPreset] = {
    5: SeedPreset(192 << 20, 12, True, 3),
    9: SeedPreset(256 << 20, 13, True, 8, large=(128 << 20, 14, 24)),
}


def _candidates(level: int, role: int, seed: SeedInfo | None
                ) -> dict[str, tuple[tuple[str, int], ...]]:
    table = dict(LEVELS[level])
    if role != ROLE_PLAIN:      # the archive quality model comes with the seed (NGSC 1.12)
        first, *rest = table["qual"]
        table["qual"] = (first, ("qual-shared", 0), *rest)
    if role == ROLE_SEED:
        table["dna"] = (("dna2", 0),)
    elif role == ROLE_SEEDED:
        p = SEEDS[level] if seed is None else seed
        inc = SEEDS[level].seeded_inc
        own_rc = p.revcomp and SEEDS[level].seeded_revcomp and inc > 0
        table["dna"] = (("dna2", 0), ("dna-k8", dna_k8.param(5, False, 1)),
                        ("dna-seeded", dna_k8.param(p.k, own_rc, inc, lanes=LANES)))
    return table


def _widest() -> int:
    """The most candidates any stream has at any level and sub-block role."""
    tables = [_candidates(level, role, None) for level in LEVELS
              for role in (ROLE_PLAIN, ROLE_SEED, ROLE_SEEDED)
              if role == ROLE_PLAIN or level in SEEDS]
    return max(len(c) for table in tables for c in table.values())


#: Columns of :func:`level_codecs`'s arrays: derived from the tables above, so that a new
#: candidate is one line in :data:`LEVELS` (or in a role's list), nothing else.
MAX_CANDIDATES = _widest()


def level_codecs(level: int, role: int = ROLE_PLAIN, seed: SeedInfo | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Candidate codec ids and parameters, shape (streams, MAX_CANDIDATES), for
    ``level`` (the nearest defined level at or below it) and a sub-block ``role``
    (a seed role needs a level in :data:`SEEDS`); -1 marks no candidate. ``seed``: the
    archive's seed entry (``seed.plan_seed`` picks its order and increment by the
    seed's size); None: the level's preset."""
    known = sorted(LEVELS)
    chosen = max([k for k in known if k <= level] or known[:1])
    table = _candidates(chosen, role, seed)
    codecs = np.full((len(STREAMS), MAX_CANDIDATES), -1, np.int64)
    params = np.zeros((len(STREAMS), MAX_CANDIDATES), np.int64)
    for sid, stream in enumerate(STREAMS):
        for j, (name, p) in enumerate(table[stream]):
            codecs[sid, j], params[sid, j] = BY_NAME[name].id, p
    return codecs, params


def _model_args(c: CodecSpec) -> str:
    """The arguments a codec takes after its own from the kernels' models tuple
    (:mod:`.models`: the seed model, then the quality model's arrays)."""
    if c.uses_model:
        return ", models[0]"
    if c.uses_quality_model:
        return "".join(f", models[{1 + j}]" for j in range(N_TABLES))
    return ""


def dispatch_source() -> str:
    """The source of :mod:`phyngsc.codecs.dispatch`, generated from :data:`CODECS`."""
    lines = ['"""Numba dispatch on codec ids: GENERATED by `python -m phyngsc.codecs.registry`',
             'from registry.CODECS; do not edit."""', "", "from __future__ import annotations",
             "", "import numpy as np", "", "from ..core.jit import kernel",
             "from .models import no_models"]
    for c in sorted(CODECS, key=lambda c: c.id):
        mod = c.encode.__module__.rpartition(".")[2]
        lines.append(f"from .defs.{mod} import decode as dec_{c.id}, encode as enc_{c.id}")
    lines += ["", "", "@kernel",
              "def encode_stream_with(codec: int, param: int, src: np.ndarray, aux: np.ndarray,",
              "                       out: np.ndarray, models: tuple) -> int:",
              '    """Encode ``src`` with ``codec``; bytes written, or -1 (``out`` too small,',
              '    bad parameter, unknown codec, or a model codec without its model). ``aux``:',
              '    the read lengths; ``models``: the archive\'s models (:mod:`.models`)."""']
    for c in sorted(CODECS, key=lambda c: c.id):
        lines += [f"    if codec == {c.id}:",
                  f"        return enc_{c.id}(src, aux, out, param{_model_args(c)})"]
    lines += ["    return -1", "", "", "@kernel",
              "def decode_stream_with(codec: int, src: np.ndarray, aux: np.ndarray,",
              "                       out: np.ndarray, models: tuple) -> int:",
              '    """Decode into ``out`` (the decoded length or a prefix of it): 0 ok,',
              '    1 corrupt (or a model codec without its model), 2 unknown codec."""']
    for c in sorted(CODECS, key=lambda c: c.id):
        lines += [f"    if codec == {c.id}:",
                  f"        return dec_{c.id}(src, aux, out{_model_args(c)})"]
    lines += ["    return 2", "", "", "@kernel",
              "def encode_stream(codec: int, param: int, src: np.ndarray, aux: np.ndarray,",
              "                  out: np.ndarray) -> int:",
              '    """:func:`encode_stream_with` without models."""',
              "    return encode_stream_with(codec, param, src, aux, out, no_models())", "", "",
              "@kernel",
              "def decode_stream(codec: int, src: np.ndarray, aux: np.ndarray,",
              "                  out: np.ndarray) -> int:",
              '    """:func:`decode_stream_with` without models."""',
              "    return decode_stream_with(codec, src, aux, out, no_models())", ""]
    return "\n".join(lines)


DISPATCH_PATH = Path(__file__).with_name("dispatch.py")

__all__ = ["CODECS", "BY_ID", "BY_NAME", "KNOWN_CODECS", "CODEC_NAMES", "CODEC_ID", "LEVELS",
           "DEFAULT_LEVEL", "TRIAL_MARGIN_PERCENT", "level_codecs", "SEEDS", "SeedPreset",
           "ROLE_PLAIN", "ROLE_SEED", "ROLE_SEEDED", "encode_stream", "decode_stream",
           "encode_stream_with", "decode_stream_with",
           "dispatch_source"]

if __name__ == "__main__":  # pragma: no cover - developer tool
    DISPATCH_PATH.write_text(dispatch_source())
    sys.stdout.write(f"wrote {DISPATCH_PATH}\n")
