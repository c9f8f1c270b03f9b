"""The archive's models as the kernels take them: one tuple, ``(dna, info, freqs, cums,
lut, fc)``, passed unchanged from the batch kernels down to the generated dispatch
(:mod:`.dispatch`), which hands each codec the part it uses: the seed model (``dna``,
uint8; DNA_SEEDED) or the quality model's arrays (:func:`.qual_model.tables`;
QUAL_SHARED). Empty arrays stand for a model the archive does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.jit import kernel
from .qual_model import no_tables, tables_of


@dataclass(frozen=True)
class Models:
    """An archive's models at the Python level: ``dna`` the seed model (uint8, or None),
    ``quality`` the stored quality model (its footer bytes; empty: none)."""

    dna: np.ndarray | None = None
    quality: bytes = b""


def kernel_models(models: "Models | np.ndarray | None") -> tuple:
    """The kernels' tuple of ``models``; a bare array is a seed model alone, None none.
    Raises :class:`.qual_model.QualityModelError` for a damaged quality model."""
    if not isinstance(models, Models):
        models = Models(models)
    dna = np.zeros(0, np.uint8) if models.dna is None else models.dna
    return (dna,) + (tables_of(models.quality) if models.quality else no_tables())


@kernel
def no_models() -> tuple:
    """The kernels' tuple of no models."""
    return (np.zeros(0, np.uint8), np.zeros(0, np.int64), np.zeros((0, 0), np.int32),
            np.zeros((0, 0), np.int32), np.zeros((0, 0), np.uint8), np.zeros(0, np.int64))


__all__ = ["Models", "kernel_models", "no_models"]
