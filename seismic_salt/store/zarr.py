"""The salt-probability store: a zarr group that a segmentation run fills block by block.

Layout (zarr format 3, consolidated metadata):

- ``salt_probability[inline, crossline, sample]``: ``uint8``, ``round(p * 254)``,
  ``scale_factor = 1/254``, ``_FillValue = 255`` (also the zarr fill value, so blocks not
  yet written read as NaN). Chunks are one block of inlines × all crosslines × all
  samples, so each block's task writes its own chunks and needs no lock.
- ``inline_done[inline]``: ``uint8`` marker, 1 once the inline's block is written;
  chunked like the blocks, so each task marks only its own chunk. A block is written
  first, then marked, so a marked block is always complete.
- Coordinates of the source: ``inline``, ``crossline``, ``sample`` (with its units),
  ``cdp_x``/``cdp_y`` and ``live`` on (inline, crossline) when the source has them.
- Attributes: ``software_version``, ``model_name``, ``model_sha256``, ``source_path``,
  ``source_size``, ``parameters`` (JSON text), ``normalisation`` (JSON text),
  ``block_size`` and ``complete`` (true only once every block is written); described
  once by :class:`seismic_salt.store.schema.StoreAttrs`.

``xr.open_zarr(path)`` decodes ``salt_probability`` to floats in [0, 1] with NaN where
traces are dead or blocks are missing.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import StoreError
from seismic_salt.io.dims import DIMS

VARIABLE = "salt_probability"
MARKER = "inline_done"
SCRATCH = "crossline_pass"
SCRATCH_MARKER = "crossline_done"
SCALE = 254
FILL = 255

__all__ = [
    "FILL",
    "MARKER",
    "SCALE",
    "VARIABLE",
    "block_ranges",
    "create_store",
    "decode",
    "done_blocks",
    "done_crossline_blocks",
    "encode",
    "is_complete",
    "is_store",
    "mark_complete",
    "open_complete",
    "open_store",
    "read_attrs",
    "read_block",
    "write_block",
    "write_crossline_block",
]


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


def create_store(
    path: str | Path,
    coords: Any,
    *,
    block_size: int,
    attrs: Mapping[str, Any],
    crossline_block: int | None = None,
) -> None:
    """Create an empty store for a volume: metadata, coordinates and markers, no blocks.

    Args:
        path: Directory of the store; replaced if it exists.
        coords: A dataset or data array whose ``inline``, ``crossline``, ``sample``
            coordinates (and ``cdp_x``, ``cdp_y``, ``live`` if present) describe the volume.
        block_size: Inlines per block (the chunk size along ``inline``).
        attrs: Provenance attributes; ``complete`` is set to false.
        crossline_block: When set, also create the scratch space of a crossline pass:
            ``crossline_pass`` (probabilities, chunks ``block_size × crossline_block ×
            sample``) and its marker ``crossline_done[crossline]``; both are deleted by
            :func:`mark_complete`.

    Raises:
        StoreError: If the store cannot be written.
    """
    import dask.array as da
    import xarray as xr

    path = Path(path)
    shape = tuple(coords.sizes[d] for d in DIMS)
    chunks = (block_size, shape[1], shape[2])
    names = {VARIABLE: chunks}
    markers = {MARKER: ("inline", block_size)}
    if crossline_block:
        names[SCRATCH] = (block_size, crossline_block, shape[2])
        markers[SCRATCH_MARKER] = ("crossline", crossline_block)
    data_vars: dict[str, Any] = {
        name: (DIMS, da.zeros(shape, dtype=np.float32, chunks=c)) for name, c in names.items()
    }
    for name, (dim, size) in markers.items():
        data_vars[name] = (dim, da.zeros(coords.sizes[dim], dtype=np.uint8, chunks=size))
    ds = xr.Dataset(data_vars, coords=_coords(coords), attrs=dict(attrs))
    ds.attrs.update(block_size=int(block_size), complete=False)
    ds[VARIABLE].attrs.update(long_name="salt probability", units="1", valid_range=[0.0, 1.0])
    encoding: dict[str, Any] = {
        name: {
            "dtype": "uint8",
            "scale_factor": 1.0 / SCALE,
            "_FillValue": FILL,
            "fill_value": FILL,
            "chunks": c,
        }
        for name, c in names.items()
    }
    for name, (_, size) in markers.items():
        encoding[name] = {"chunks": (size,), "_FillValue": None, "fill_value": 0}
    if path.exists():
        shutil.rmtree(path)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
            ds.to_zarr(path, mode="w", compute=False, encoding=encoding, consolidated=True)
    except OSError as err:
        raise StoreError(f"cannot write the output store {path}: {err}") from err


def _coords(source: Any) -> dict[str, Any]:
    """Pick the coordinates a store keeps from a source dataset or array."""
    keep = {}
    for name in (*DIMS, "cdp_x", "cdp_y", "live"):
        if name in source.coords:
            coord = source.coords[name]
            keep[name] = (coord.dims, np.asarray(coord.values), dict(coord.attrs))
        elif name in DIMS:
            keep[name] = (name, np.arange(source.sizes[name]))
        elif hasattr(source, "data_vars") and name in source.data_vars:
            var = source[name]
            keep[name] = (var.dims, np.asarray(var.values), dict(var.attrs))
    return keep


def _group(path: str | Path, mode: str = "r"):
    import zarr

    try:
        return zarr.open_group(str(path), mode=mode)
    except (FileNotFoundError, ValueError, KeyError) as err:
        raise StoreError(
            f"{path} is not a salt-probability store (no zarr group there): {err}"
        ) from err


def read_attrs(path: str | Path) -> dict[str, Any]:
    """Return the store's attributes.

    Raises:
        StoreError: If ``path`` is not a zarr group.
    """
    if not Path(path).exists():
        raise StoreError(f"no store at {path}")
    return dict(_group(path).attrs)


def write_block(
    path: str | Path, start: int, probability: np.ndarray, name: str = VARIABLE
) -> None:
    """Write a block's probabilities, then mark its inlines done.

    Args:
        path: The store.
        start: Position of the block's first inline.
        probability: ``float32`` ``[inlines, crossline, sample]`` in [0, 1], NaN for fill.
        name: Variable to write; only :data:`VARIABLE` blocks are marked done.

    Raises:
        StoreError: If the store is missing or the block does not fit it.
    """
    group = _group(path, "r+")
    array = group[name]
    stop = start + probability.shape[0]
    if probability.shape[1:] != array.shape[1:] or stop > array.shape[0]:
        raise StoreError(
            f"block of shape {probability.shape} at inline position {start} does not fit "
            f"the store's {name} of shape {array.shape}"
        )
    array[start:stop] = encode(probability)
    if name == VARIABLE:
        group[MARKER][start:stop] = 1


def write_crossline_block(path: str | Path, start: int, probability: np.ndarray) -> None:
    """Write a crossline pass block (all inlines × crosslines ``start:``), then mark it.

    Raises:
        StoreError: If the store has no crossline scratch space or the block does not fit.
    """
    group = _group(path, "r+")
    if SCRATCH not in group:
        raise StoreError(f"{path} has no crossline pass: it was created for inline sections only")
    array = group[SCRATCH]
    stop = start + probability.shape[1]
    if probability.shape[0::2] != array.shape[0::2] or stop > array.shape[1]:
        raise StoreError(
            f"crossline block of shape {probability.shape} at position {start} does not fit "
            f"the store's {SCRATCH} of shape {array.shape}"
        )
    array[:, start:stop] = encode(probability)
    group[SCRATCH_MARKER][start:stop] = 1


def done_crossline_blocks(path: str | Path, block_size: int) -> list[int]:
    """Return the indices of the crossline pass blocks already written (none if no pass)."""
    group = _group(path)
    if SCRATCH_MARKER not in group:
        return []
    marks = np.asarray(group[SCRATCH_MARKER][:])
    ranges = block_ranges(len(marks), block_size)
    return [i for i, (a, b) in enumerate(ranges) if np.all(marks[a:b] == 1)]


def read_block(path: str | Path, start: int, stop: int, name: str = VARIABLE) -> np.ndarray:
    """Read inlines ``start:stop`` of a probability variable as ``float32`` (NaN fill)."""
    return decode(_group(path)[name][start:stop])


def done_blocks(path: str | Path) -> list[int]:
    """Return the indices of the blocks already written.

    Raises:
        StoreError: If ``path`` is not a store written by seismic-salt.
    """
    group = _group(path)
    if MARKER not in group or "block_size" not in group.attrs:
        raise StoreError(f"{path} is not a seismic-salt salt-probability store")
    marks = np.asarray(group[MARKER][:])
    ranges = block_ranges(len(marks), int(group.attrs["block_size"]))
    return [i for i, (a, b) in enumerate(ranges) if np.all(marks[a:b] == 1)]


def is_complete(path: str | Path) -> bool:
    """Return whether every block of the store is written (its ``complete`` attr).

    Raises:
        StoreError: If ``path`` is not a store.
    """
    return bool(read_attrs(path).get("complete", False))


def mark_complete(path: str | Path, drop: tuple[str, ...] = (SCRATCH, SCRATCH_MARKER)) -> None:
    """Set ``complete`` to true after deleting the scratch variables ``drop``.

    Raises:
        StoreError: If the store is missing.
    """
    import zarr

    group = _group(path, "r+")
    for name in drop:
        if name in group:
            del group[name]
    group.attrs["complete"] = True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
        zarr.consolidate_metadata(str(path))


def is_store(path: str | Path) -> bool:
    """Return whether ``path`` is a store written by a seismic-salt segmentation run."""
    if not (Path(path) / "zarr.json").is_file():
        return False
    return "model_sha256" in read_attrs(path)


def open_store(path: str | Path) -> Any:
    """Open a store as an ``xr.Dataset`` (lazy; probabilities as floats, NaN fill).

    Raises:
        StoreError: If ``path`` is not a store.
    """
    import xarray as xr

    read_attrs(path)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
        return xr.open_zarr(str(path))


def open_complete(path: str | Path) -> Any:
    """Open a store whose every block is written, as :func:`open_store` does.

    Raises:
        StoreError: If ``path`` is not a store, has no ``salt_probability`` or is
            incomplete (an interrupted run that was not resumed).
    """
    dataset = open_store(path)
    if VARIABLE not in dataset:
        raise StoreError(f"{path} has no {VARIABLE} variable: is it a segment store?")
    if dataset.attrs.get("complete") is False:
        raise StoreError(
            f"{path} is incomplete (some inline blocks are not written): rerun the "
            "segmentation on it to finish it before exporting"
        )
    return dataset
