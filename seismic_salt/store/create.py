"""Create an empty salt-probability store, atomically.

A store is built under a temporary name beside its path
(:func:`seismic_salt.outputs.partial_directory`) and renamed into place once its metadata
is complete (:func:`seismic_salt.outputs.replace_directory`), so a run killed while
creating it leaves no half-made store at the path, and a replaced store stays whole
until the new one is ready.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import StoreError
from seismic_salt.io.dims import CRS, DIMS
from seismic_salt.store.layout import MARKER, SCRATCH, SCRATCH_MARKER, VARIABLE

__all__ = ["create_store"]


def create_store(
    path: str | Path,
    coords: Any,
    *,
    block_size: int,
    attrs: Mapping[str, Any],
    crossline_block: int | None = None,
    overwrite: bool = False,
) -> None:
    """Create an empty store for a volume: metadata, coordinates and markers, no blocks.

    Args:
        path: Directory of the store (see :func:`seismic_salt.outputs.check_store_output`
            for what may be there).
        coords: A dataset or data array whose ``inline``, ``crossline``, ``sample``
            coordinates (and ``cdp_x``, ``cdp_y``, ``live`` and the CF ``crs`` if present)
            describe the volume.
        block_size: Inlines per block (the chunk size along ``inline``).
        attrs: Provenance attributes; ``complete`` is set to false.
        crossline_block: When set, also create the scratch space of a crossline pass:
            ``crossline_pass`` (probabilities, chunks ``block_size × crossline_block ×
            sample``) and its marker ``crossline_done[crossline]``; both are deleted by
            :func:`~seismic_salt.store.zarr.mark_complete`.
        overwrite: Replace a seismic-salt store already at ``path``.

    Raises:
        OutputError: If something other than an empty directory or (with ``overwrite``)
            a seismic-salt store is at ``path``.
        StoreError: If the store cannot be written.
    """
    import dask.array as da
    import xarray as xr
    from zarr.codecs import BloscCodec, Crc32cCodec

    from seismic_salt.outputs import check_store_output, partial_directory, replace_directory

    check_store_output(path, overwrite=overwrite)
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
    if CRS in ds.coords:
        ds[VARIABLE].attrs["grid_mapping"] = CRS  # CF: the variable's map projection
    encoding: dict[str, Any] = {
        name: {
            "_FillValue": np.nan,
            "fill_value": np.nan,
            # a CRC32C after Blosc: Blosc trusts its own header's length, so a torn chunk
            # could decode to garbage without an error; the checksum refuses it always
            "compressors": [BloscCodec(cname="zstd", clevel=5, shuffle="shuffle"), Crc32cCodec()],
            "chunks": c,
        }
        for name, c in names.items()
    }
    for name, (_, size) in markers.items():
        encoding[name] = {"chunks": (size,), "_FillValue": None, "fill_value": 0}
    built = partial_directory(path)
    try:
        if built.exists():
            shutil.rmtree(built)  # left by a run killed while creating this store
        built.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
            ds.to_zarr(built, mode="w", compute=False, encoding=encoding, consolidated=True)
    except OSError as err:
        shutil.rmtree(built, ignore_errors=True)
        raise StoreError(f"cannot write the output store {path}: {err}") from err
    replace_directory(built, path)


def _coords(source: Any) -> dict[str, Any]:
    """Pick the coordinates a store keeps from a source dataset or array."""
    keep = {}
    for name in (*DIMS, "cdp_x", "cdp_y", "live", CRS):
        if name in source.coords:
            coord = source.coords[name]
            keep[name] = (coord.dims, np.asarray(coord.values), dict(coord.attrs))
        elif name in DIMS:
            keep[name] = (name, np.arange(source.sizes[name]))
        elif hasattr(source, "data_vars") and name in source.data_vars:
            var = source[name]
            keep[name] = (var.dims, np.asarray(var.values), dict(var.attrs))
    return keep
