"""The layout of a salt-probability store: its arrays, their chunks and codes.

Layout (zarr format 3, consolidated metadata):

- ``salt_probability[inline, crossline, sample]``: ``float32`` in [0, 1], rounded to
  multiples of 1/256 (:data:`STEPS`; 0.5 is exact), NaN where traces are dead; the zarr
  fill value is NaN too, so blocks not yet written read as NaN. Blosc-zstd with byte
  shuffle (a Zarr v3 core codec) packs the rounded floats nearly as tight as one byte a
  sample; a CRC32C checksum (core too) after it makes a torn or altered chunk fail to
  decode, where Blosc alone may read past a torn chunk's end without an error; and
  ``xr.open_zarr`` gives ``float32`` with no decoding step. Stores of earlier releases
  hold ``uint8`` codes instead (``round(p * 254)``, ``scale_factor = 1/254``,
  ``_FillValue = 255``) or no checksum; they are still read, and resumed in their own
  codes.
  Chunks are one block of inlines × all crosslines × all samples, so each block's task
  writes its own chunks and needs no lock.
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
    "LEGACY_FILL",
    "LEGACY_SCALE",
    "MARKER",
    "SCRATCH",
    "SCRATCH_MARKER",
    "STEPS",
    "VARIABLE",
    "block_ranges",
    "decode",
    "encode",
]

VARIABLE = "salt_probability"
MARKER = "inline_done"
SCRATCH = "crossline_pass"
SCRATCH_MARKER = "crossline_done"
STEPS = 256
LEGACY_SCALE = 254
LEGACY_FILL = 255


def encode(probability: np.ndarray, dtype: np.dtype | type = np.float32) -> np.ndarray:
    """Quantise probabilities to what a store keeps, clipped to [0, 1].

    ``float32`` (today's stores): multiples of 1/256, NaN kept. ``uint8`` (stores of
    earlier releases, resumed in their own codes): ``round(p * 254)``, NaN → 255.
    """
    probability = np.asarray(probability, dtype=np.float32)
    finite = np.isfinite(probability)
    clipped = np.clip(np.where(finite, probability, 0.0), 0.0, 1.0)
    if np.dtype(dtype) == np.uint8:
        codes = np.rint(clipped * LEGACY_SCALE)
        return np.where(finite, codes, LEGACY_FILL).astype(np.uint8)
    rounded = np.rint(clipped * STEPS) / np.float32(STEPS)
    return np.where(finite, rounded, np.nan).astype(np.float32)


def decode(values: np.ndarray) -> np.ndarray:
    """Return stored values as ``float32`` probabilities (uint8 codes: 255 → NaN)."""
    values = np.asarray(values)
    if values.dtype != np.uint8:
        return values.astype(np.float32, copy=False)
    scaled = values / np.float32(LEGACY_SCALE)
    return np.where(values == LEGACY_FILL, np.nan, scaled).astype(np.float32)


def block_ranges(n_inlines: int, block_size: int) -> list[tuple[int, int]]:
    """Return ``[(start, stop), ...]`` inline positions of each block."""
    return [(i, min(i + block_size, n_inlines)) for i in range(0, n_inlines, block_size)]
