"""Segmentation of a volume: one engine, two front ends.

- :func:`segment` (:mod:`~seismic_salt.inference.lazy`) returns a lazy ``xr.DataArray``:
  one dask task per block of inlines.
- :func:`segment_to_zarr` (:mod:`~seismic_salt.inference.to_zarr`) writes a store block
  by block, resumes an interrupted one, and runs its block tasks on this process,
  local processes or a ``dask.distributed`` cluster
  (:mod:`~seismic_salt.inference.executors`).

Both share the rest: frozen :class:`Settings`, the model reference read from its JSON
(:mod:`~seismic_salt.inference.model_ref`), the orientation of the sections
(:mod:`~seismic_salt.inference.orientation`) and the prediction of one block
(:mod:`~seismic_salt.inference.blocks`). No submodule is named like a function, so
``from seismic_salt.inference import segment`` is always the function.
"""

from __future__ import annotations

from seismic_salt.inference.blocks import BlockPredictor, predict_block
from seismic_salt.inference.executors import DaskExecutor, ProcessExecutor, ThreadExecutor
from seismic_salt.inference.lazy import segment
from seismic_salt.inference.model_ref import ModelRef, resolve_model
from seismic_salt.inference.settings import Settings
from seismic_salt.inference.to_zarr import segment_to_zarr

__all__ = [
    "BlockPredictor",
    "DaskExecutor",
    "ModelRef",
    "ProcessExecutor",
    "Settings",
    "ThreadExecutor",
    "predict_block",
    "resolve_model",
    "segment",
    "segment_to_zarr",
]
