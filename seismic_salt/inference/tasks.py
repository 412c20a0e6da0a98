"""The block tasks of a resumable run: read a block, predict it, write it to the store.

:func:`pending_tasks` lists the blocks a store still lacks, in passes (the crossline
pass into scratch space first, then the inline blocks that average it in), and
:func:`run_task` does one of them on whichever executor runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import StoreError
from seismic_salt.inference.blocks import BlockPredictor
from seismic_salt.inference.orientation import CROSSLINE, INLINE, as_orientation
from seismic_salt.inference.sources import check_volume, live_mask, open_source

__all__ = ["BlockTask", "pending_tasks", "run_task"]


@dataclass(frozen=True)
class BlockTask:
    """One block of a resumable run, picklable for workers.

    Attributes:
        predict: The model, settings and scaling of the run.
        source: SEG-Y path (reopened once per worker) or an in-memory dataset.
        open_options: Keyword arguments of ``open_segy``.
        store: Path of the output store.
        orientation: ``"inline"`` (final blocks) or ``"crossline"`` (scratch pass).
        start: First inline (or crossline) position of the block.
        stop: One past the last position.
    """

    predict: BlockPredictor
    source: Any
    open_options: tuple[tuple[str, Any], ...]
    store: str
    orientation: str
    start: int
    stop: int


def run_task(task: BlockTask) -> int:
    """Read, predict and write one block; return its start position.

    Raises:
        StoreError: If the block cannot be written.
        CheckpointError: If the model cannot be loaded.
    """
    import dask

    from seismic_salt.store import zarr as store

    direction = as_orientation(task.orientation)
    settings = task.predict.settings
    chunks = direction.source_chunks(_block_size(direction, settings))
    volume = check_volume(open_source(task.source, task.open_options, chunks))
    part = volume.isel({direction.name: slice(task.start, task.stop)})
    with dask.config.set(scheduler="synchronous"):
        block = np.asarray(part.values, dtype=np.float32)
    probability = task.predict(block, live_mask(part), direction)
    if direction is CROSSLINE:
        store.write_crossline_block(task.store, task.start, probability)
        return task.start
    if settings.crossline:
        other = store.read_block(task.store, task.start, task.stop, store.SCRATCH)
        probability = (probability + other) / 2
    store.write_block(task.store, task.start, probability)
    return task.start


def pending_tasks(
    output: Path,
    volume: Any,
    source: Any,
    open_options: tuple[tuple[str, Any], ...],
    predict: BlockPredictor,
    new: bool = False,
) -> list[list[BlockTask]]:
    """List the tasks a store still needs, in passes (the crossline scratch pass first).

    A block marked written whose chunks are missing or do not decode is unmarked (and
    the store marked incomplete) so it is written again
    (:func:`~seismic_salt.store.integrity.damaged_blocks`). With ``new``, the store is
    yet to be created and every block is listed.

    Raises:
        StoreError: If ``output`` is not a seismic-salt store, or holds a damaged block
            it cannot rewrite.
    """
    from seismic_salt.store import zarr as store
    from seismic_salt.store.integrity import damaged_blocks

    if new:
        return _passes(output, volume, source, open_options, predict, set(), set())
    settings = predict.settings
    damaged = damaged_blocks(output)
    if damaged and settings.crossline and store.is_complete(output):
        raise StoreError(  # its crossline pass, which the block needs, is deleted
            f"{output}: block {damaged[0]} is damaged, and a complete inline and crossline "
            "store cannot rewrite one block; pass overwrite=True to segment it again"
        )
    if damaged:
        store.unmark_blocks(output, damaged)
    inline_done = set(store.done_blocks(output))
    if store.is_complete(output) and len(inline_done) == _count(volume, INLINE, settings):
        return []
    crossline_done: set[int] = set()
    if settings.crossline:
        size = settings.crossline_block
        broken = set(damaged_blocks(output, size))
        crossline_done = set(store.done_crossline_blocks(output, size)) - broken
    return _passes(output, volume, source, open_options, predict, inline_done, crossline_done)


def _passes(
    output: Path,
    volume: Any,
    source: Any,
    open_options: tuple[tuple[str, Any], ...],
    predict: BlockPredictor,
    inline_done: set[int],
    crossline_done: set[int],
) -> list[list[BlockTask]]:
    """The tasks of the blocks not done, one list per pass."""
    from seismic_salt.store.layout import block_ranges

    def tasks(direction: Any, done: set[int]) -> list[BlockTask]:
        size = _block_size(direction, predict.settings)
        ranges = block_ranges(volume.sizes[direction.name], size)
        return [
            BlockTask(predict, source, open_options, str(output), direction.name, a, b)
            for i, (a, b) in enumerate(ranges)
            if i not in done
        ]

    passes = [tasks(CROSSLINE, crossline_done)] if predict.settings.crossline else []
    return [*passes, tasks(INLINE, inline_done)]


def _block_size(direction: Any, settings: Any) -> int:
    return settings.crossline_block if direction is CROSSLINE else settings.block_size


def _count(volume: Any, direction: Any, settings: Any) -> int:
    """Number of blocks of a volume along ``direction``."""
    return -(-volume.sizes[direction.name] // _block_size(direction, settings))
