"""Does a store hold what its markers say: every block marked written has its chunks.

A segmentation run writes a block's chunks, then marks the block done
(:mod:`seismic_salt.store.zarr`), and stores every chunk of a written block, so a store
whose marked block lacks a chunk, or whose chunk does not decode, was damaged by
something outside the run (a file deleted or cut short, an array removed). Readers
check before they trust a store:

- :func:`check_store` (``info``, and ``open_complete`` for ``export``, ``bodies`` and
  ``preview``): refuse a damaged store, naming the block; with ``complete=True`` also
  an incomplete one.
- :func:`damaged_blocks` (a resumed run): the marked blocks to write again.

Stores without markers (not written by a segmentation run) are taken at their
``complete`` attribute.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

from seismic_salt.errors import StoreError
from seismic_salt.store.layout import MARKER, SCRATCH, SCRATCH_MARKER, VARIABLE, block_ranges

__all__ = ["check_store", "damaged_blocks"]

RERUN = "rerun the segmentation on the store to rewrite it"


def check_store(path: str | Path, *, decode: bool = False, complete: bool = False) -> bool:
    """Refuse a store that is damaged (or, with ``complete``, not finished).

    Args:
        path: The store.
        decode: Also read every chunk of a written block (else only check it exists).
        complete: Also refuse a store that is not complete (every block written).

    Returns:
        Whether the store is complete: it says so, and marks every block written.

    Raises:
        StoreError: The store is unreadable, has no ``salt_probability``, a block it
            marks written lacks a chunk or does not decode, or (``complete``) it is
            incomplete; the message names the block.
    """
    from seismic_salt.store import zarr as store

    group = store.open_group(path)
    attrs = dict(group.attrs)
    if VARIABLE not in group:
        raise StoreError(
            f"{path} has no {VARIABLE} array: the store is damaged, or not made by segment"
        )
    finished = attrs.get("complete") is True
    if MARKER in group:
        done = store.done_blocks(path)
        problem = _first_problem(path, group, VARIABLE, 0, done, decode)
        if problem is not None:
            raise StoreError(problem)
        missing = _not_done(group, done)
        if finished and missing is not None:
            raise StoreError(
                f"{path} says it is complete, but {missing} is not marked written: {RERUN}"
            )
        finished = finished and missing is None
    if complete and not finished:
        raise StoreError(
            f"{path} is incomplete (some inline blocks are not written): rerun the "
            "segmentation on it to finish it before exporting"
        )
    return finished


def damaged_blocks(path: str | Path, crossline_block: int | None = None) -> list[int]:
    """Return the blocks a store marks written whose chunks are missing or do not decode.

    Args:
        path: The store.
        crossline_block: Check the crossline pass's blocks of this many crosslines
            instead of the inline blocks.

    Raises:
        StoreError: The store is not readable.
    """
    from seismic_salt.store import zarr as store

    group = store.open_group(path)
    if crossline_block is None:
        done, name, axis = store.done_blocks(path), VARIABLE, 0
    elif SCRATCH_MARKER in group:
        done, name, axis = store.done_crossline_blocks(path, crossline_block), SCRATCH, 1
    else:
        return []
    return [i for i in done if _first_problem(path, group, name, axis, [i], True) is not None]


def _first_problem(
    path: str | Path, group: Any, name: str, axis: int, blocks: list[int], decode: bool
) -> str | None:
    """Say what is wrong with the first damaged block of ``blocks``, or None."""
    from seismic_salt.store import zarr as store

    array = store.open_array(group, name, path)
    size = array.chunks[axis]
    for i in blocks:
        start, stop = i * size, min((i + 1) * size, array.shape[axis])
        what = f"block {i} ({_span(group, axis, start, stop)})"
        for coords in _chunk_coords(array, axis, i):
            chunk = _chunk_file(path, name, array, coords)
            if chunk is not None and not chunk.is_file():
                return f"{path}: {what} is marked written, but {chunk} is missing; {RERUN}"
        if decode:
            region = tuple(slice(start, stop) if a == axis else slice(None) for a in range(3))
            try:
                array[region]
            except Exception as err:  # any codec error of damaged chunk bytes
                reason = " ".join(str(err).split())[:100]
                return (
                    f"{path}: {what} is marked written, but its data do not decode "
                    f"({reason}); {RERUN}"
                )
    return None


def _not_done(group: Any, done: list[int]) -> str | None:
    """Name the first block not in ``done``, or None when all are."""
    ranges = block_ranges(group[MARKER].shape[0], int(group.attrs["block_size"]))
    written = set(done)
    for i, (start, stop) in enumerate(ranges):
        if i not in written:
            return f"block {i} ({_span(group, 0, start, stop)})"
    return None


def _chunk_coords(array: Any, axis: int, index: int) -> Any:
    """Chunk coordinates of block ``index`` along ``axis`` (all chunks of the others)."""
    counts = [math.ceil(n / c) for n, c in zip(array.shape, array.chunks, strict=True)]
    ranges = [[index] if a == axis else range(n) for a, n in enumerate(counts)]
    return itertools.product(*ranges)


def _chunk_file(path: str | Path, name: str, array: Any, coords: tuple[int, ...]) -> Path | None:
    """The file of a chunk in a local store (None when the key cannot be told)."""
    encode_key = getattr(array.metadata, "encode_chunk_key", None)
    if encode_key is None:
        return None
    return Path(path) / name / encode_key(coords)


def _span(group: Any, axis: int, start: int, stop: int) -> str:
    """Name positions ``start:stop`` along ``axis`` by their inline/crossline numbers."""
    dim = ("inline", "crossline")[axis]
    try:
        first, last = group[dim][start], group[dim][stop - 1]
        return f"{dim}s {first}-{last}" if stop - start > 1 else f"{dim} {first}"
    except Exception:  # a damaged coordinate: name the positions instead
        return f"{dim} positions {start}-{stop - 1}"
