"""The dask array behind ``open_segy(...).amplitude``, and its one-copy whole-volume compute.

A plain dask array computed whole keeps every chunk until its last step concatenates
them into a new array, so it holds the data twice and copies it once more.
:class:`SegyDaskArray` is a dask array whose own compute (``.compute()``, ``.values``,
``np.asarray``, xarray's ``.load()``) reads every chunk straight into one array
allocated for the result and returns that array: about 1× the result in memory, one
copy less. Every other operation (slicing, arithmetic, ``map_blocks``, rechunking,
xarray's ``.isel``) gives plain dask arrays that compute as dask always does, so work
that streams through a volume never holds more than the chunks it uses.

How: dask asks a collection for its graph optimiser (``__dask_optimize__``) and its
finishing step (``__dask_postcompute__``) only when that collection itself is computed
or persisted. The optimiser adds one task that allocates the result (a
:class:`_Result`) and turns each chunk read into a read into a view of it; the
finishing step returns the whole array when every chunk came back as a view that
tiles it, and otherwise concatenates as dask does. A :class:`_Result` pickles to an
empty one, so with the ``processes`` scheduler or ``dask.distributed`` the chunks are
read into fresh arrays and concatenated as usual: nothing large is pickled.
"""

from __future__ import annotations

import itertools
from typing import Any

import dask.array as da
import numpy as np
from dask._task_spec import DataNode, Task, TaskRef
from dask.array.core import finalize as dask_finalize
from dask.array.core import normalize_chunks, slices_from_chunks
from dask.array.optimization import optimize as dask_optimize
from dask.base import tokenize
from dask.core import flatten
from dask.highlevelgraph import HighLevelGraph
from dask.utils import ensure_dict

__all__ = ["SegyDaskArray", "segy_dask_array"]


def segy_dask_array(backend: Any, chunks: tuple[int, ...], name: str) -> SegyDaskArray:
    """A dask array of ``backend`` (which has ``shape``, ``dtype`` and ``read(region, out)``).

    Args:
        backend: The samples, e.g. a ``SegyBackendArray``.
        chunks: Chunk size per axis (inline, crossline, sample), -1 for a whole axis.
        name: The array's name: graph keys are ``(name, i, j, k)``.

    Returns:
        The lazy array; each chunk task calls ``read_chunk(backend, region)``.
    """
    normal = normalize_chunks(chunks, backend.shape, dtype=backend.dtype)
    backend_key = f"file-{name}"
    graph: dict = {backend_key: DataNode(backend_key, backend)}
    blocks = itertools.product(*(range(len(c)) for c in normal))
    for index, region in zip(blocks, slices_from_chunks(normal), strict=True):
        key = (name, *index)
        graph[key] = Task(key, read_chunk, TaskRef(backend_key), region)
    layers = HighLevelGraph.from_collections(name, graph, dependencies=())
    meta = np.empty((0,) * len(backend.shape), dtype=backend.dtype)
    return SegyDaskArray(layers, name, normal, dtype=backend.dtype, meta=meta)


def read_chunk(backend: Any, region: tuple[slice, ...]) -> np.ndarray:
    """One chunk of ``backend`` in a new array."""
    return backend.read(region)


def read_chunk_into(result: _Result, backend: Any, region: tuple[slice, ...]) -> np.ndarray:
    """One chunk of ``backend`` read into its place in ``result``; returns that view."""
    if result.array is None:  # this process got a pickled copy: no shared array here
        return backend.read(region)
    return backend.read(region, out=result.array[region])


class _Result:
    """The array a whole-array compute reads its chunks into (allocated, not touched)."""

    def __init__(self, shape: tuple[int, ...] | None = None, dtype: Any = None) -> None:
        self.array = None if shape is None else np.empty(shape, dtype=dtype)

    def __reduce__(self) -> tuple:
        return (_Result, ())  # never ship the array to another process


def _optimize(dsk: Any, keys: Any, **kwargs: Any) -> Any:
    """A whole-array compute reads its chunks into one result; then optimise as dask does.

    A compute's graph ends in one task that calls :func:`_finalize` on every chunk of
    the array; those chunk reads are the ones rewritten (before dask fuses tasks). The
    rewritten reads get keys of their own, named after that compute's final key, so a
    key never means two different tasks (``dask.distributed`` requires it). ``persist``
    has no such task and keeps dask's graph.
    """
    graph = dict(ensure_dict(dsk))
    for final_key in flatten(keys):
        final = graph.get(final_key)
        if not (isinstance(final, Task) and final.func is _finalize):
            continue
        chunk_keys = list(final.dependencies)
        tasks = [graph.get(key) for key in chunk_keys]
        if not all(isinstance(t, Task) and t.func is read_chunk for t in tasks):
            continue
        backend_keys = {t.args[0].key for t in tasks}
        if len(backend_keys) != 1:
            continue
        backend = graph[backend_keys.pop()].value
        suffix = tokenize(final_key)
        result_key = f"result-{suffix}"
        graph[result_key] = Task(result_key, _Result, tuple(backend.shape), backend.dtype)
        renamed = {key: (f"{key[0]}-into-{suffix}", *key[1:]) for key in chunk_keys}
        for key, task in zip(chunk_keys, tasks, strict=True):
            new_key = renamed[key]
            graph[new_key] = Task(new_key, read_chunk_into, TaskRef(result_key), *task.args)
        graph[final_key] = final.substitute(renamed)
    return dask_optimize(graph, keys, **kwargs)


def _finalize(results: Any) -> np.ndarray:
    """The shared result when the chunks are views tiling it, else dask's concatenation.

    Only a rewritten read returns a view of an array it did not allocate itself (a
    sample subset is a view of a larger block, so it never tiles its base), so views
    tiling one base mean that base is this compute's :class:`_Result`.
    """
    chunks = list(flatten(results))
    base = getattr(chunks[0], "base", None) if chunks else None
    if (
        isinstance(base, np.ndarray)
        and all(isinstance(c, np.ndarray) and c.base is base for c in chunks)
        and sum(c.size for c in chunks) == base.size
    ):
        return base
    return dask_finalize(results)


class SegyDaskArray(da.Array):
    """A dask array of SEG-Y samples that computes whole into one array (module doc)."""

    __slots__ = ()
    __dask_optimize__ = staticmethod(_optimize)

    def __dask_postcompute__(self) -> tuple:
        return _finalize, ()
