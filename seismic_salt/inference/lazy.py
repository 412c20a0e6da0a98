"""The lazy front end: ``segment(amplitude)`` plans one dask task per block of inlines.

Each task runs the shared block prediction (:class:`~seismic_salt.inference.blocks.
BlockPredictor`) on the amplitudes dask hands it, so the result composes with any dask
array and computes on whatever scheduler the caller uses. With both orientations the
crossline sections are predicted on a rechunked copy and averaged in, which holds the
crossline predictions of the whole volume in memory: use ``segment_to_zarr`` for large
volumes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from seismic_salt.errors import DataError
from seismic_salt.inference.blocks import BlockPredictor, check_scaling, fit_scaling
from seismic_salt.inference.model_ref import resolve_model
from seismic_salt.inference.orientation import CROSSLINE, INLINE
from seismic_salt.inference.settings import Settings, resolve_compile, resolve_precision
from seismic_salt.inference.sources import check_volume, live_mask
from seismic_salt.io.dims import CROSSLINE as CROSSLINE_DIM
from seismic_salt.io.dims import INLINE as INLINE_DIM
from seismic_salt.io.dims import SAMPLE
from seismic_salt.normalize import Normalisation
from seismic_salt.progress import Progress

__all__ = ["segment"]

log = logging.getLogger(__name__)

DEFAULT_BLOCK_SIZE = Settings.block_size
"""Inlines per task when the input is not chunked along inlines."""


def segment(
    amplitude: Any,
    model: Any = "default",
    *,
    patch: int = Settings.patch,
    stride: int | None = None,
    batch_size: int = 32,
    device: str = "auto",
    orientations: Sequence[str] = ("inline",),
    precision: str = "auto",
    block_size: int | None = None,
    crossline_block: int = Settings.crossline_block,
    normalisation: Normalisation | None = None,
    progress: bool | None = False,
    compile: str = "auto",
) -> Any:
    """Predict the salt probability of every sample of a volume, lazily.

    The normalisation is fitted now (reading a sample of inlines); each block of inlines
    is tiled, predicted and blended when computed.

    Args:
        amplitude: ``xr.DataArray`` ``[inline, crossline, sample]`` (numpy or dask);
            a ``live`` coordinate on (inline, crossline) marks live traces.
        model: ``"default"``, a bundled ``arch.tag`` name, a ``.safetensors`` path or
            an ``nn.Module`` returning logits ``[B, 1, H, W]``.
        patch: Side of the square patches cut from each section, in pixels (32 to 512).
        stride: Pixels between patch origins (1 to ``patch``); None: half the patch.
        batch_size: Patches per model call.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
        orientations: ``("inline",)`` or ``("inline", "crossline")`` (mean of both).
        precision: ``"auto"`` (fp32, or bf16 where it is native and faster), ``"fp32"``
            or ``"bf16"``.
        block_size: Inlines per task; default: the input's inline chunks, else 8.
        crossline_block: Crosslines per task of the crossline sections.
        normalisation: A fitted scaling to use instead of fitting one.
        progress: Draw a bar of inlines done while a local dask scheduler computes the
            result (threads or processes); under a ``dask.distributed`` client, use
            ``dask.distributed.progress(result.persist())`` or the dashboard.
        compile: ``"auto"``, ``"on"`` or ``"off"``, as for ``segment_to_zarr``.

    Returns:
        Lazy ``xr.DataArray`` ``salt_probability`` (float32 in [0, 1], NaN for dead
        traces) with the input's dims and coords.

    Raises:
        DataError: If the input or a setting is invalid, or ``normalisation`` was fitted
            for another kind than the model's.
        CheckpointError: If the model cannot be loaded.

    Example:
        >>> import numpy as np, xarray as xr, torch
        >>> class Echo(torch.nn.Module):
        ...     def forward(self, x):
        ...         return x[:, :1] * 0
        >>> dims = ("inline", "crossline", "sample")
        >>> cube = xr.DataArray(np.ones((2, 30, 40), "float32"), dims=dims)
        >>> p = segment(cube, Echo(), device="cpu").compute()
        >>> float(p.mean())
        0.5
    """
    amplitude = check_volume(amplitude)
    chunked = _chunk_inlines(amplitude, block_size)
    settings = Settings(patch=patch, stride=stride, batch_size=batch_size, device=device,
                        orientations=tuple(orientations), precision=precision,
                        block_size=chunked.chunks[0][0], crossline_block=crossline_block,
                        compile=compile)  # fmt: skip
    ref = resolve_model(model)
    settings = resolve_compile(resolve_precision(settings, ref), amplitude.shape)
    live = live_mask(amplitude)
    scaling = normalisation or fit_scaling(amplitude, live, ref)
    check_scaling(scaling, ref)
    result = _plan(chunked.data, BlockPredictor(ref, settings, scaling), live)
    if progress and not _distributed_client():
        _inline_progress(result, Progress(amplitude.sizes[INLINE_DIM], "segment", True, "inline"))
    attrs = {"long_name": "salt probability", "units": "1"}
    attrs.update(model_name=ref.name, model_sha256=ref.sha256)
    return amplitude.copy(data=result).rename("salt_probability").assign_attrs(attrs)


def _plan(data: Any, predict: BlockPredictor, live: np.ndarray | None) -> Any:
    """Return the dask array of probabilities: inline blocks, averaged with crosslines."""
    inline = data.map_blocks(_predict_chunk, predict, live, INLINE.name, dtype=np.float32)
    if not predict.settings.crossline:
        return inline
    by_crossline = data.rechunk((-1, predict.settings.crossline_block, -1))
    crossline = by_crossline.map_blocks(
        _predict_chunk, predict, live, CROSSLINE.name, dtype=np.float32
    ).rechunk(inline.chunks)
    return (inline + crossline) / 2


def _predict_chunk(
    block: np.ndarray,
    predict: BlockPredictor,
    live: np.ndarray | None,
    orientation: str,
    block_info: dict | None = None,
) -> np.ndarray:
    """One dask task: predict the chunk dask hands in, with its part of the live mask."""
    (i0, i1), (x0, x1), _ = block_info[0]["array-location"]
    return predict(block, None if live is None else live[i0:i1, x0:x1], orientation)


def _chunk_inlines(amplitude: Any, block_size: int | None) -> Any:
    """Rechunk to ``block_size`` inlines × all crosslines × all samples.

    Raises:
        DataError: If ``block_size`` < 1.
    """
    if block_size is None:
        chunks = amplitude.chunks
        block_size = chunks[0][0] if chunks else DEFAULT_BLOCK_SIZE
    if block_size < 1:
        raise DataError(f"block_size must be at least 1, got {block_size}")
    return amplitude.chunk({INLINE_DIM: block_size, CROSSLINE_DIM: -1, SAMPLE: -1})


def _distributed_client() -> bool:
    """Whether a ``dask.distributed`` client is the default scheduler (no local callbacks).

    Its tasks run on the cluster, where a local dask callback never fires: the cluster's
    own progress (``dask.distributed.progress(result.persist())``, the dashboard) shows
    them instead.
    """
    try:
        from distributed import default_client
    except ImportError:
        return False
    try:
        default_client()
    except ValueError:  # no client
        return False
    log.info("a dask.distributed client computes this: see distributed.progress or its dashboard")
    return True


def _inline_progress(result: Any, bar: Progress) -> None:
    """Advance ``bar`` as a local dask scheduler finishes the inline blocks of ``result``.

    A dask callback runs in the scheduling thread, never inside a task; it counts each
    block once, however often it is computed, and unregisters itself when all are done.
    """
    from dask.callbacks import Callback

    sizes = {(result.name, i, 0, 0): n for i, n in enumerate(result.chunks[0])}

    class Counter(Callback):
        def _posttask(self, key: Any, *_: Any) -> None:
            size = sizes.pop(key, None)
            if size is None:
                return
            bar.update(size)
            if not sizes:
                bar.close()
                # dask swaps its registry for an empty set while it computes and puts it
                # back after: leave the set that holds this callback
                registry.discard(self._callback)

    Counter().register()
    registry = Callback.active
