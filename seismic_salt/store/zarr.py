"""The salt-probability store: a zarr group that a segmentation run fills block by block.

This module reads and writes a store's blocks, markers and attributes; a new store is
made by :func:`~seismic_salt.store.create.create_store` (re-exported here), its layout
(arrays, chunks, codes) is described in :mod:`seismic_salt.store.layout` and its
attributes by :class:`seismic_salt.store.schema.StoreAttrs`.

:func:`open_store` gives ``salt_probability`` as lazy ``float32`` in [0, 1] with NaN
where traces are dead or blocks are missing, the same values as :func:`read_block` and
as a plain ``xr.open_zarr(path)``. A store of an earlier release (``uint8`` codes with a
JSON ``scale_factor``, which xarray decodes to ``float64``) gives the same values as
``float32`` through :func:`open_store`.

"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import StoreError
from seismic_salt.store.create import create_store
from seismic_salt.store.layout import (
    MARKER,
    SCRATCH,
    SCRATCH_MARKER,
    VARIABLE,
    block_ranges,
    decode,
    encode,
)

__all__ = [
    "MARKER",
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
    "open_array",
    "open_complete",
    "open_group",
    "open_store",
    "as_float32",
    "read_attrs",
    "read_block",
    "unmark_blocks",
    "write_block",
    "write_crossline_block",
]


def open_group(path: str | Path, mode: str = "r") -> Any:
    """Open the zarr group of a store.

    Raises:
        StoreError: There is no group, or its metadata is damaged.
    """
    import zarr

    try:
        return zarr.open_group(str(path), mode=mode)
    except Exception as err:  # any metadata: zarr raises many types for broken JSON
        raise StoreError(
            f"{path} is not a readable salt-probability store (no zarr group there, or "
            f"its zarr.json is damaged): {_reason(err)}"
        ) from err


def _reason(err: BaseException) -> str:
    return f"{type(err).__name__}: {' '.join(str(err).split())[:120]}"


def open_array(group: Any, name: str, path: str | Path) -> Any:
    """Return the array ``name`` of a store's group, writing every chunk it is given.

    Raises:
        StoreError: The store has no such array or its metadata is damaged.
    """
    try:
        return group[name].with_config({"write_empty_chunks": True})
    except Exception as err:  # a missing or damaged zarr.json of the array
        raise StoreError(
            f"{path} has no readable {name} array ({_reason(err)}): the store is damaged; "
            "pass overwrite=True to segment it again"
        ) from err


def read_attrs(path: str | Path) -> dict[str, Any]:
    """Return the store's attributes.

    Raises:
        StoreError: If ``path`` is not a zarr group.
    """
    if not Path(path).exists():
        raise StoreError(f"no store at {path}")
    return dict(open_group(path).attrs)


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
    group = open_group(path, "r+")
    array = open_array(group, name, path)
    stop = start + probability.shape[0]
    if probability.shape[1:] != array.shape[1:] or stop > array.shape[0]:
        raise StoreError(
            f"block of shape {probability.shape} at inline position {start} does not fit "
            f"the store's {name} of shape {array.shape}"
        )
    _write(path, array, (slice(start, stop),), encode(probability, array.dtype))
    if name == VARIABLE:
        _write(path, open_array(group, MARKER, path), (slice(start, stop),), 1)


def _write(path: str | Path, array: Any, region: tuple[slice, ...], values: Any) -> None:
    """Write a region of a store's array.

    Raises:
        StoreError: The store cannot be written (permissions, disk full).
    """
    try:
        array[region] = values
    except OSError as err:
        raise StoreError(f"cannot write the store {path}: {err.strerror or err}") from err


def write_crossline_block(path: str | Path, start: int, probability: np.ndarray) -> None:
    """Write a crossline pass block (all inlines × crosslines ``start:``), then mark it.

    Raises:
        StoreError: If the store has no crossline scratch space or the block does not fit.
    """
    group = open_group(path, "r+")
    if SCRATCH not in group:
        raise StoreError(f"{path} has no crossline pass: it was created for inline sections only")
    array = open_array(group, SCRATCH, path)
    stop = start + probability.shape[1]
    if probability.shape[0::2] != array.shape[0::2] or stop > array.shape[1]:
        raise StoreError(
            f"crossline block of shape {probability.shape} at position {start} does not fit "
            f"the store's {SCRATCH} of shape {array.shape}"
        )
    _write(path, array, (slice(None), slice(start, stop)), encode(probability, array.dtype))
    _write(path, open_array(group, SCRATCH_MARKER, path), (slice(start, stop),), 1)


def done_crossline_blocks(path: str | Path, block_size: int) -> list[int]:
    """Return the indices of the crossline pass blocks already written (none if no pass)."""
    group = open_group(path)
    if SCRATCH_MARKER not in group:
        return []
    return _marked(open_array(group, SCRATCH_MARKER, path), block_size)


def read_block(path: str | Path, start: int, stop: int, name: str = VARIABLE) -> np.ndarray:
    """Read inlines ``start:stop`` of a probability variable as ``float32`` (NaN fill).

    Raises:
        StoreError: The store is missing, or its chunks there cannot be decoded.
    """
    array = open_array(open_group(path), name, path)
    try:
        stored = array[start:stop]
    except Exception as err:  # any codec error of damaged chunk bytes
        raise StoreError(
            f"{path}: inline positions {start}-{stop - 1} of {name} cannot be read "
            f"({_reason(err)}); rerun the segmentation on the store to rewrite them"
        ) from err
    return decode(stored)


def done_blocks(path: str | Path) -> list[int]:
    """Return the indices of the blocks marked written (see :mod:`.integrity`).

    Raises:
        StoreError: If ``path`` is not a store written by seismic-salt.
    """
    group = open_group(path)
    block_size = group.attrs.get("block_size")
    if MARKER not in group or not isinstance(block_size, int) or block_size < 1:
        raise StoreError(f"{path} is not a seismic-salt salt-probability store")
    return _marked(open_array(group, MARKER, path), block_size)


def _marked(marker: Any, block_size: int) -> list[int]:
    """Blocks whose marker reads 1 everywhere; one whose marker is unreadable is not."""
    done = []
    for i, (a, b) in enumerate(block_ranges(marker.shape[0], block_size)):
        try:
            marks = np.asarray(marker[a:b])
        except Exception:  # a damaged marker chunk: the block counts as not written
            continue
        if np.all(marks == 1):
            done.append(i)
    return done


def unmark_blocks(path: str | Path, blocks: list[int]) -> None:
    """Mark blocks as not written (damaged ones, to be rewritten) and the store incomplete.

    Raises:
        StoreError: If the store cannot be written.
    """
    group = open_group(path, "r+")
    marker = open_array(group, MARKER, path)
    ranges = block_ranges(marker.shape[0], int(group.attrs["block_size"]))
    for i in blocks:
        _write(path, marker, (slice(*ranges[i]),), 0)
    _set_complete(path, group, False)


def is_complete(path: str | Path) -> bool:
    """Return whether the store says every block is written (``complete`` is true).

    Raises:
        StoreError: If ``path`` is not a store.
    """
    return read_attrs(path).get("complete", False) is True


def mark_complete(path: str | Path, drop: tuple[str, ...] = (SCRATCH, SCRATCH_MARKER)) -> None:
    """Set ``complete`` to true after deleting the scratch variables ``drop``.

    Raises:
        StoreError: If the store is missing.
    """
    group = open_group(path, "r+")
    for name in drop:
        if name in group:
            del group[name]
    _set_complete(path, group, True)


def _set_complete(path: str | Path, group: Any, complete: bool) -> None:
    """Set the ``complete`` attribute and consolidate the metadata again."""
    import zarr

    group.attrs["complete"] = complete
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
        zarr.consolidate_metadata(str(path))


def is_store(path: str | Path) -> bool:
    """Return whether ``path`` is a store written by a seismic-salt segmentation run.

    A directory whose root metadata is unreadable is not (it could be anything).
    """
    if not (Path(path) / "zarr.json").is_file():
        return False
    try:
        return "model_sha256" in read_attrs(path)
    except StoreError:
        return False


def open_store(path: str | Path) -> Any:
    """Open a store as an ``xr.Dataset`` (lazy; probabilities as ``float32``, NaN fill).

    Raises:
        StoreError: If ``path`` is not a readable store.
    """
    import xarray as xr

    read_attrs(path)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
            ds = xr.open_zarr(str(path))
    except Exception as err:  # damaged metadata: xarray and zarr raise many types
        raise StoreError(f"{path} is not a readable zarr store: {_reason(err)}") from err
    return as_float32(ds)


def as_float32(ds: Any) -> Any:
    """Give the probability variables of an opened store as ``float32`` (lazily).

    Today's stores already are; a store of an earlier release (``uint8`` codes, which
    xarray decodes to ``float64``) gets the values of
    :func:`~seismic_salt.store.layout.decode`, with its attributes and on-disk encoding
    kept, so the dataset writes back as it was stored.
    """
    for name in (VARIABLE, SCRATCH):
        if name in ds.data_vars and ds[name].dtype != np.float32:
            encoding = dict(ds[name].encoding)
            ds[name] = ds[name].astype(np.float32)
            ds[name].encoding = encoding
    return ds


def open_complete(path: str | Path) -> Any:
    """Open a complete, intact store, as :func:`open_store` does.

    Every block must be marked written and have all its chunks, each of which decodes
    (:func:`seismic_salt.store.integrity.check_store`).

    Raises:
        StoreError: If ``path`` is not a store, has no ``salt_probability``, is
            incomplete (an interrupted run that was not resumed) or damaged (the
            message names the block).
    """
    from seismic_salt.store.integrity import check_store

    check_store(path, decode=True, complete=True)
    return open_store(path)
