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
    block_size = settings.crossline_block if direction is CROSSLINE else settings.block_size
    chunks = direction.source_chunks(block_size)
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
) -> list[list[BlockTask]]:
    """List the tasks a store still needs, in passes (the crossline scratch pass first).

    Raises:
        StoreError: If ``output`` is not a seismic-salt store.
    """
    from seismic_salt.store import zarr as store

    def tasks(direction: Any, size: int, done: list[int]) -> list[BlockTask]:
        ranges = store.block_ranges(volume.sizes[direction.name], size)
        skip = set(done)
        return [
            BlockTask(predict, source, open_options, str(output), direction.name, a, b)
            for i, (a, b) in enumerate(ranges)
            if i not in skip
        ]

    if store.is_complete(output):
        return []
    settings = predict.settings
    passes = []
    if settings.crossline:
        done = store.done_crossline_blocks(output, settings.crossline_block)
        passes.append(tasks(CROSSLINE, settings.crossline_block, done))
    passes.append(tasks(INLINE, settings.block_size, store.done_blocks(output)))
    return passes
