"""The layout of a salt-probability store: its arrays, their chunks and codes.

Layout (zarr format 3, consolidated metadata):

- ``salt_probability[inline, crossline, sample]``: ``uint8``, ``round(p * 254)``,
  ``scale_factor = 1/254``, ``_FillValue = 255`` (also the zarr fill value, so blocks not
  yet written read as NaN). Chunks are one block of inlines × all crosslines × all
  samples, so each block's task writes its own chunks and needs no lock.
- ``inline_done[inline]``: ``uint8`` marker, 1 once the inline's block is written;
  chunked like the blocks, so each task marks only its own chunk. A block is written
  first, then marked, so a marked block is always complete. Every chunk of a written
  block is stored, even one holding only fill, so a missing chunk file always means
  damage (:mod:`seismic_salt.store.integrity` checks).
- Coordinates of the source: ``inline``, ``crossline``, ``sample`` (with its units),
  ``cdp_x``/``cdp_y`` and ``live`` on (inline, crossline) when the source has them, and
  the scalar ``crs`` (CF grid mapping: ``crs_wkt``, ``spatial_ref`` and pyproj's CF
  attributes; ``salt_probability`` names it in ``grid_mapping``) when one was given.
- Attributes: ``software_version``, ``model_name``, ``model_sha256``, ``source_path``,
  ``source_size``, ``source_mtime_ns``, ``source_digest``, ``reading`` (JSON text),
  ``parameters`` (JSON text), ``normalisation`` (JSON text), ``block_size`` and
  ``complete`` (true only once every block is written); described once by
  :class:`seismic_salt.store.schema.StoreAttrs`.

:mod:`seismic_salt.store.zarr` creates stores and writes them;
:mod:`seismic_salt.store.integrity` checks a store holds what its markers say.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FILL",
    "MARKER",
    "SCALE",
    "SCRATCH",
    "SCRATCH_MARKER",
    "VARIABLE",
    "block_ranges",
    "decode",
    "encode",
]

VARIABLE = "salt_probability"
MARKER = "inline_done"
SCRATCH = "crossline_pass"
SCRATCH_MARKER = "crossline_done"
SCALE = 254
FILL = 255


def encode(probability: np.ndarray) -> np.ndarray:
    """Quantise probabilities in [0, 1] to ``uint8`` (``round(p * 254)``, NaN → 255)."""
    probability = np.asarray(probability, dtype=np.float32)
    finite = np.isfinite(probability)
    scaled = np.rint(np.clip(np.where(finite, probability, 0.0), 0.0, 1.0) * SCALE)
    return np.where(finite, scaled, FILL).astype(np.uint8)


def decode(codes: np.ndarray) -> np.ndarray:
    """Invert :func:`encode` to ``float32`` probabilities (255 → NaN)."""
    codes = np.asarray(codes)
    return np.where(codes == FILL, np.nan, codes / np.float32(SCALE)).astype(np.float32)


def block_ranges(n_inlines: int, block_size: int) -> list[tuple[int, int]]:
    """Return ``[(start, stop), ...]`` inline positions of each block."""
    return [(i, min(i + block_size, n_inlines)) for i in range(0, n_inlines, block_size)]
