"""The volume pipeline: inline blocks → 101×101 tiles → model → blended probabilities.

Two entry points share the same per-block work:

- :func:`segment` returns a lazy ``xr.DataArray`` (dask, one task per block of inlines).
- :func:`segment_to_zarr` writes a store block by block (see :mod:`seismic_salt.store`),
  resumes an interrupted run, and runs on local threads, a local process cluster
  (``workers=N``) or an existing ``dask.distributed`` cluster (``scheduler=ADDRESS``).

Each section is seen by the model with depth running down the tile. Amplitudes are
normalised once per volume (:mod:`seismic_salt.normalize`); NaN samples and dead traces
(all zero or NaN, or not ``live``) are filled with 0 for the model and set to NaN in the
output, so they never leak into their neighbours' statistics.

Orientations:
    ``("inline",)``: one prediction per inline section (crossline × sample); each block
    task reads only its own inlines. ``("inline", "crossline")``: the mean of the inline
    prediction and a second one over crossline sections (inline × sample). It costs twice
    the model time, and each crossline task reads all inlines of a block of crosslines;
    :func:`segment_to_zarr` first writes that pass to scratch space in the store, then
    averages it into each inline block, so memory stays one block of each direction.
    The output has the input's shape in both cases.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt import __version__
from seismic_salt.errors import DataError, InputFileError, SeismicSaltError, StoreError
from seismic_salt.io.dims import DIMS
from seismic_salt.model.precision import PRECISIONS
from seismic_salt.normalize import Normalisation, dead_traces
from seismic_salt.progress import Progress
from seismic_salt.tiling import TILE, Splitter, predict_sections

__all__ = ["Settings", "segment", "segment_to_zarr"]

ORIENTATIONS = ("inline", "crossline")


@dataclass(frozen=True)
class Settings:
    """How a volume is segmented; the CLI options map onto these one to one.

    Attributes:
        stride: Distance between patch origins (overlap ``101 - stride``).
        batch_size: Patches per model call.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
        orientations: ``("inline",)`` or ``("inline", "crossline")``.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"``; the pipelines resolve
            ``"auto"`` once per run (on the submitting machine), so every block of a run
            uses the same precision and the parameters record the resolved one.
        block_size: Inlines per block (one task and one zarr chunk each).
        crossline_block: Crosslines per block of the crossline pass.
    """

    stride: int = 50
    batch_size: int = 32
    device: str = "auto"
    orientations: tuple[str, ...] = ("inline",)
    precision: str = "auto"
    block_size: int = 8
    crossline_block: int = 16

    def parameters(self) -> dict[str, Any]:
        """Return the settings that change the result (stored, and compared on resume)."""
        return {
            "tile": TILE,
            "stride": self.stride,
            "orientations": list(self.orientations),
            "precision": self.precision,
            "block_size": self.block_size,
            "crossline_block": self.crossline_block if "crossline" in self.orientations else None,
        }


def validate_settings(**options: Any) -> Settings:
    """Check user settings and return them as :class:`Settings`.

    Raises:
        DataError: If a value is out of range or not one of the choices.
    """
    settings = Settings(**{k: v for k, v in options.items() if v is not None})
    orientations = tuple(dict.fromkeys(settings.orientations))
    if not orientations or "inline" not in orientations or set(orientations) - set(ORIENTATIONS):
        raise DataError(
            f"orientations must be ('inline',) or ('inline', 'crossline'), got {orientations}"
        )
    if not 1 <= settings.stride <= TILE:
        raise DataError(f"stride must be between 1 and {TILE}, got {settings.stride}")
    for name in ("batch_size", "block_size", "crossline_block"):
        if getattr(settings, name) < 1:
            raise DataError(f"{name} must be at least 1, got {getattr(settings, name)}")
    if settings.precision not in PRECISIONS:
        raise DataError(f"precision must be one of {PRECISIONS}, got {settings.precision!r}")
    return Settings(**{**settings.__dict__, "orientations": orientations})


# --- model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRef:
    """A model named by the user: where it comes from and what it is.

    Attributes:
        name: Name recorded in the store (registry name or file name).
        sha256: Digest of the weights file, or of the module's tensors.
        path: The weights file, or None for an in-memory module.
        module: The module itself when one was passed (never loaded again).
    """

    name: str
    sha256: str
    path: str | None = None
    module: Any = field(default=None, compare=False, repr=False)


def resolve_model(model: Any) -> ModelRef:
    """Turn ``"default"``, a bundled name, a path or an ``nn.Module`` into a :class:`ModelRef`.

    Raises:
        CheckpointError: If the name is not bundled or the file does not exist.
    """
    from seismic_salt.model.checkpoint import model_sha256, resolve_checkpoint
    from seismic_salt.model.config import ModelConfig

    if not isinstance(model, (str, os.PathLike)):
        return ModelRef(ModelConfig.of(model).name, model_sha256(model), None, model)
    path = resolve_checkpoint(model)
    name = path.name.removesuffix(".safetensors")
    return ModelRef(name, model_sha256(path), str(path))


def _resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def get_model(ref: ModelRef, device: str) -> Any:
    """Return the model in eval mode, loaded at most once per process and device.

    ``load_model`` keeps the per-process cache (keyed on the file and the device), so a
    dask worker loads each checkpoint once however many blocks it runs.

    Raises:
        CheckpointError: If the checkpoint cannot be loaded.
    """
    if ref.module is not None:
        return ref.module.eval()
    from seismic_salt.model import load_model

    return load_model(ref.path, device=device)


def make_predictor(ref: ModelRef, settings: Settings) -> Callable[[np.ndarray], np.ndarray]:
    """Return a callable mapping amplitude patches ``[N, 101, 101]`` to probabilities.

    Raises:
        CheckpointError: If the model cannot be loaded.
    """
    from seismic_salt.model.predict import predict_tiles

    device = _resolve_device(settings.device)
    module = get_model(ref, device)

    def predictor(patches: np.ndarray) -> np.ndarray:
        return predict_tiles(
            module,
            patches,
            batch_size=settings.batch_size,
            device=device,
            precision=settings.precision,
        )

    return predictor


def resolve_precision(ref: ModelRef, settings: Settings, stored: str | None = None) -> Settings:
    """Replace ``precision="auto"`` by what the model package chooses for this device.

    Args:
        ref: The model.
        settings: Settings with the requested precision.
        stored: The precision an interrupted run used; ``"auto"`` keeps it, so a resumed
            run does not depend on a new speed measurement.

    Raises:
        DataError: If bf16 is asked on a device without it.
    """
    from seismic_salt.model.precision import choose_precision

    if settings.precision == "auto" and stored in ("fp32", "bf16"):
        return Settings(**{**settings.__dict__, "precision": stored})
    device = _resolve_device(settings.device)
    chosen = choose_precision(get_model(ref, device), device, settings.precision)
    return Settings(**{**settings.__dict__, "precision": chosen})


def _stored_precision(output: Path) -> str | None:
    """Return the precision recorded in an existing store, if any."""
    from seismic_salt.store.schema import StoreAttrs
    from seismic_salt.store.zarr import is_store, read_attrs

    if not is_store(output):
        return None
    try:
        return StoreAttrs.from_attrs(read_attrs(output)).parameters.get("precision")
    except StoreError:
        return None


def _normalisation_contract(ref: ModelRef, settings: Settings) -> dict[str, Any] | None:
    module = get_model(ref, _resolve_device(settings.device))
    config = getattr(module, "config", None) or {}
    return (config.get("input") or {}).get("normalisation")


# --- blocks --------------------------------------------------------------------------


def predict_block(
    block: np.ndarray,
    live: np.ndarray | None,
    scaling: Normalisation,
    predictor: Callable[[np.ndarray], np.ndarray],
    splitter: Splitter,
    orientation: str = "inline",
) -> np.ndarray:
    """Predict salt probabilities of a block ``[inline, crossline, sample]``.

    Args:
        block: Raw amplitudes.
        live: Bool ``[inline, crossline]`` mask of live traces, or None.
        scaling: The volume's amplitude normalisation.
        predictor: Maps patches ``[N, 101, 101]`` (depth down) to probabilities.
        splitter: How sections are cut into patches.
        orientation: ``"inline"`` (sections crossline × sample) or ``"crossline"``
            (sections inline × sample).

    Returns:
        ``float32`` probabilities of the block's shape, NaN at NaN samples and dead traces.

    Raises:
        DataError: If the block is not 3D or the predictor returns a wrong shape.
    """
    block = np.asarray(block, dtype=np.float32)
    if block.ndim != 3:
        raise DataError(f"a block must be [inline, crossline, sample], got {block.shape}")
    dead = dead_traces(block)
    if live is not None:
        dead |= ~np.asarray(live, dtype=bool)
    invalid = dead[..., None] | ~np.isfinite(block)
    filled = np.where(invalid, 0.0, scaling.apply(np.nan_to_num(block))).astype(np.float32)
    order = (0, 2, 1) if orientation == "inline" else (1, 2, 0)
    back = (0, 2, 1) if orientation == "inline" else (2, 0, 1)
    sections = filled.transpose(order)
    mask = np.broadcast_to(invalid, block.shape).transpose(order)
    out = predict_sections(sections, predictor, splitter, invalid=mask).transpose(back)
    return np.where(invalid, np.nan, out).astype(np.float32)


# --- lazy API ------------------------------------------------------------------------


def segment(
    amplitude: Any,
    model: Any = "default",
    *,
    stride: int = 50,
    batch_size: int = 32,
    device: str = "auto",
    orientations: Sequence[str] = ("inline",),
    precision: str = "auto",
    block_size: int | None = None,
    normalisation: Normalisation | None = None,
    progress: bool | None = False,
) -> Any:
    """Predict the salt probability of every sample of a volume, lazily.

    Recipe: validate the settings, resolve the model, fit the amplitude normalisation
    (reads a sample of inlines now), then plan one dask task per block of inlines that
    tiles, predicts and blends its sections when computed.

    Args:
        amplitude: ``xr.DataArray`` ``[inline, crossline, sample]`` (numpy or dask);
            a ``live`` coordinate on (inline, crossline) marks live traces.
        model: ``"default"``, a bundled ``arch.tag`` name, a ``.safetensors`` path or
            an ``nn.Module`` returning logits ``[B, 1, H, W]``.
        stride: Distance between patch origins, 1 to 101.
        batch_size: Patches per model call.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
        orientations: ``("inline",)`` or ``("inline", "crossline")`` (mean of both).
        precision: ``"auto"`` (fp32, or bf16 where it is native and faster), ``"fp32"``
            or ``"bf16"``.
        block_size: Inlines per task; default: the input's inline chunks, else 8.
        normalisation: A fitted scaling to use instead of fitting one.
        progress: Draw a bar of inlines done while computing (threads only).

    Returns:
        Lazy ``xr.DataArray`` ``salt_probability`` (float32 in [0, 1], NaN for dead
        traces) with the input's dims and coords.

    Raises:
        DataError: If the input or a setting is invalid.
        CheckpointError: If the model cannot be loaded.

    Example:
        >>> import numpy as np, xarray as xr, torch
        >>> class Echo(torch.nn.Module):
        ...     def forward(self, x):
        ...         return x[:, :1] * 0
        >>> cube = xr.DataArray(np.ones((2, 30, 40), "float32"), dims=DIMS)
        >>> p = segment(cube, Echo(), device="cpu").compute()
        >>> float(p.mean())
        0.5
    """
    amplitude = _check_volume(amplitude)
    chunked = _chunk_inlines(amplitude, block_size)
    settings = validate_settings(
        stride=stride,
        batch_size=batch_size,
        device=device,
        orientations=tuple(orientations),
        precision=precision,
        block_size=chunked.chunks[0][0],
    )
    ref = resolve_model(model)
    settings = resolve_precision(ref, settings)
    scaling = normalisation or _fit_scaling(amplitude, ref, settings)
    _check_scaling_fits(scaling, ref, settings)
    live = _live_mask(amplitude)
    bar = Progress(amplitude.sizes["inline"], "segment", progress, "inline") if progress else None
    inline = chunked.data.map_blocks(
        _lazy_block, ref, settings, scaling, live, "inline", bar, dtype=np.float32
    )
    result = inline
    if "crossline" in settings.orientations:
        by_crossline = chunked.data.rechunk((-1, settings.crossline_block, -1))
        crossline = by_crossline.map_blocks(
            _lazy_block, ref, settings, scaling, live, "crossline", None, dtype=np.float32
        ).rechunk(inline.chunks)
        result = (inline + crossline) / 2
    return (
        amplitude.copy(data=result)
        .rename("salt_probability")
        .assign_attrs(
            long_name="salt probability", units="1", model_name=ref.name, model_sha256=ref.sha256
        )
    )


def _lazy_block(
    block: np.ndarray,
    ref: ModelRef,
    settings: Settings,
    scaling: Normalisation,
    live: np.ndarray | None,
    orientation: str,
    bar: Progress | None,
    block_info: dict | None = None,
) -> np.ndarray:
    (i0, i1), (x0, x1), _ = block_info[0]["array-location"]
    mask = None if live is None else live[i0:i1, x0:x1]
    predictor = make_predictor(ref, settings)
    splitter = Splitter(TILE, settings.stride)
    out = predict_block(block, mask, scaling, predictor, splitter, orientation)
    if bar is not None:
        bar.update(block.shape[0])
    return out


def _check_volume(amplitude: Any) -> Any:
    """Check the input is a 3D DataArray with the standard dims.

    Raises:
        DataError: If it is not.
    """
    import xarray as xr

    if isinstance(amplitude, xr.Dataset):
        if "amplitude" not in amplitude:
            raise DataError("the dataset has no 'amplitude' variable; pass the amplitude array")
        amplitude = amplitude["amplitude"]
    if not isinstance(amplitude, xr.DataArray):
        raise DataError(f"amplitude must be an xarray DataArray, got {type(amplitude).__name__}")
    if set(amplitude.dims) != set(DIMS):
        raise DataError(f"amplitude dims must be {DIMS}, got {amplitude.dims}")
    return amplitude.transpose(*DIMS)


def _chunk_inlines(amplitude: Any, block_size: int | None) -> Any:
    if block_size is None:
        chunks = amplitude.chunks
        block_size = chunks[0][0] if chunks else 8
    if block_size < 1:
        raise DataError(f"block_size must be at least 1, got {block_size}")
    return amplitude.chunk({"inline": block_size, "crossline": -1, "sample": -1})


def _live_mask(amplitude: Any) -> np.ndarray | None:
    if "live" in amplitude.coords:
        return np.asarray(amplitude.coords["live"].transpose("inline", "crossline").values, bool)
    return None


def _fit_scaling(amplitude: Any, ref: ModelRef, settings: Settings) -> Normalisation:
    """Fit the normalisation the model's contract asks for.

    Raises:
        DataError: If the volume has no live trace or the contract is unsupported.
    """
    import dask

    contract = _normalisation_contract(ref, settings)
    with dask.config.set(scheduler="synchronous"):
        return Normalisation.fit(amplitude, _live_mask(amplitude), contract=contract)


def _check_scaling_fits(scaling: Normalisation, ref: ModelRef, settings: Settings) -> None:
    """Refuse a scaling fitted for another normalisation kind than the model's.

    Raises:
        DataError: The kinds differ (a model trained on stretched tiles must not see
            a volume scaled for the first models, or the reverse).
    """
    from seismic_salt.normalize import Contract

    kind = Contract.from_config(_normalisation_contract(ref, settings)).kind
    if scaling.kind != kind:
        raise DataError(
            f"the amplitude normalisation was fitted for {scaling.kind!r}, but the model "
            f"{ref.name} expects {kind!r}: fit it for this model, or let segment fit it"
        )


# --- store API -----------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One block of work of :func:`segment_to_zarr`, picklable for dask workers.

    Attributes:
        source: SEG-Y path (reopened once per worker) or an in-memory dataset.
        open_options: Keyword arguments of ``open_segy``.
        store: Path of the output store.
        model: The model reference.
        settings: Segmentation settings.
        scaling: The volume's normalisation.
        orientation: ``"inline"`` (final blocks) or ``"crossline"`` (scratch pass).
        start: First inline (or crossline) position of the block.
        stop: One past the last position.
    """

    source: Any
    open_options: tuple[tuple[str, Any], ...]
    store: str
    model: ModelRef
    settings: Settings
    scaling: Normalisation
    orientation: str
    start: int
    stop: int


_SOURCES: dict[tuple[str, tuple, tuple], Any] = {}


def open_source(
    source: Any,
    open_options: Iterable[tuple[str, Any]] = (),
    chunks: dict[str, int] | None = None,
) -> Any:
    """Open a SEG-Y path as a dataset (cached per process) or pass a dataset through.

    Args:
        source: SEG-Y path, or a dataset / data array (returned as it is).
        open_options: Keyword arguments of ``open_segy`` (header bytes).
        chunks: Dask chunks to open with, so each task reads only its own traces.

    Raises:
        InputFileError: If the path does not exist.
        SegyError: If the file is not readable SEG-Y (from ``open_segy``).
        GeometryError: If its headers give no 3D geometry (from ``open_segy``).
    """
    if not isinstance(source, (str, os.PathLike)):
        return source
    path = Path(source)
    if not path.is_file():
        raise InputFileError(f"input volume {path} does not exist or is not a file")
    chunks = chunks or {"inline": 1, "crossline": -1, "sample": -1}
    key = (str(path.resolve()), tuple(open_options), tuple(sorted(chunks.items())))
    if key not in _SOURCES:
        from seismic_salt.io.segy import open_segy

        _SOURCES[key] = open_segy(path, chunks=chunks, **dict(open_options))
    return _SOURCES[key]


def run_job(job: Job) -> int:
    """Read, predict and write one block; return its start position.

    Raises:
        StoreError: If the block cannot be written.
        CheckpointError: If the model cannot be loaded.
    """
    import dask

    from seismic_salt.store import zarr as store

    axis = "inline" if job.orientation == "inline" else "crossline"
    chunks = {"inline": 1, "crossline": -1, "sample": -1}
    if axis == "crossline":
        chunks = {"inline": -1, "crossline": job.settings.crossline_block, "sample": -1}
    volume = _check_volume(open_source(job.source, job.open_options, chunks))
    part = volume.isel({axis: slice(job.start, job.stop)})
    with dask.config.set(scheduler="synchronous"):
        block = np.asarray(part.values, dtype=np.float32)
    predictor = make_predictor(job.model, job.settings)
    splitter = Splitter(TILE, job.settings.stride)
    probability = predict_block(
        block, _live_mask(part), job.scaling, predictor, splitter, job.orientation
    )
    if job.orientation == "crossline":
        store.write_crossline_block(job.store, job.start, probability)
        return job.start
    if "crossline" in job.settings.orientations:
        other = store.read_block(job.store, job.start, job.stop, store.SCRATCH)
        probability = (probability + other) / 2
    store.write_block(job.store, job.start, probability)
    return job.start


def segment_to_zarr(
    source: Any,
    output: str | Path,
    model: Any = "default",
    *,
    stride: int = 50,
    batch_size: int = 32,
    device: str = "auto",
    orientations: Sequence[str] = ("inline",),
    precision: str = "auto",
    block_size: int = 8,
    crossline_block: int = 16,
    scheduler: str | None = None,
    workers: int | None = None,
    resume: bool = True,
    overwrite: bool = False,
    progress: bool | None = True,
    open_options: dict[str, Any] | None = None,
) -> Path:
    """Segment a volume into a zarr store, block by block, resuming unfinished stores.

    Recipe: validate, open the source, resolve the model, plan the store (create it, or
    check an existing one belongs to this run and list its missing blocks), predict and
    write each missing block (a task each), then mark the store complete.

    Args:
        source: SEG-Y path, or a dataset/data array with ``amplitude[inline, crossline,
            sample]`` (its ``source_path`` attr is recorded when present).
        output: Path of the zarr store.
        model: ``"default"``, a bundled name, a ``.safetensors`` path or an ``nn.Module``.
        stride: Distance between patch origins, 1 to 101.
        batch_size: Patches per model call.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        orientations: ``("inline",)`` or ``("inline", "crossline")``.
        precision: ``"auto"`` (fp32, or bf16 where it is native and faster), ``"fp32"``
            or ``"bf16"``.
        block_size: Inlines per block (one task and one zarr chunk each).
        crossline_block: Crosslines per block of the crossline pass.
        scheduler: Address of a running ``dask.distributed`` scheduler
            (``"tcp://host:8786"``); the workers must see the source, model and output
            paths.
        workers: Start a local cluster of this many single-threaded processes.
        resume: Finish an incomplete store made by the same run (default).
        overwrite: Delete an existing store and start again.
        progress: Draw a bar of blocks done on stderr (terminal only); None: auto.
        open_options: Keyword arguments for ``open_segy`` (e.g. header byte positions).

    Returns:
        The path of the store.

    Raises:
        DataError: If a setting or the input is invalid.
        InputFileError: If the source or model file is missing.
        StoreError: If the output exists and belongs to another run, or is not a store.
        SeismicSaltError: If the dask scheduler cannot be reached.

    Example:
        >>> segment_to_zarr("volume.sgy", "salt.zarr", stride=50)  # doctest: +SKIP
        PosixPath('salt.zarr')
    """
    settings = validate_settings(
        stride=stride,
        batch_size=batch_size,
        device=device,
        orientations=tuple(orientations),
        precision=precision,
        block_size=block_size,
        crossline_block=crossline_block,
    )
    if scheduler is not None and workers is not None:
        raise DataError("pass either a scheduler address or a number of workers, not both")
    options = tuple(sorted((open_options or {}).items()))
    volume = _check_volume(open_source(source, options))
    ref = resolve_model(model)
    output = Path(output)
    stored = _stored_precision(output) if resume and not overwrite else None
    settings = resolve_precision(ref, settings, stored)
    attrs = _provenance(source, volume, ref, settings)
    scaling = plan_store(output, volume, attrs, ref, settings, resume=resume, overwrite=overwrite)
    jobs = pending_jobs(output, volume, source, options, ref, settings, scaling)
    if not jobs:
        return output  # already complete
    label = f"segment {output.name}"
    with Progress(sum(len(j) for j in jobs), label, progress, "block") as bar:
        for batch in jobs:
            execute(batch, scheduler, workers, bar)
    from seismic_salt.store.zarr import mark_complete

    mark_complete(output)
    return output


def _provenance(source: Any, volume: Any, ref: ModelRef, settings: Settings) -> Any:
    from seismic_salt.store.schema import StoreAttrs

    if isinstance(source, (str, os.PathLike)):
        path = Path(source).resolve()
    else:
        path = Path(str(getattr(source, "attrs", {}).get("source_path", "") or ""))
        path = path.resolve() if str(path) not in ("", ".") else None
    size = path.stat().st_size if path is not None and path.is_file() else int(volume.nbytes)
    return StoreAttrs(
        software_version=__version__,
        model_name=ref.name,
        model_sha256=ref.sha256,
        source_path=str(path) if path is not None else "",
        source_size=int(size),
        parameters=settings.parameters(),
        block_size=settings.block_size,
    )


def plan_store(
    output: Path,
    volume: Any,
    attrs: Any,
    ref: ModelRef,
    settings: Settings,
    *,
    resume: bool,
    overwrite: bool,
) -> Normalisation:
    """Create the store, or check that an existing one can be resumed.

    Returns:
        The normalisation to use: the stored one when resuming, else a fresh fit.

    Raises:
        StoreError: If the output exists and may not be reused.
        DataError: If the volume has no live trace.
    """
    from dataclasses import replace

    from seismic_salt.store import zarr as store

    if output.exists() and not overwrite:
        if not resume:
            raise StoreError(
                f"output {output} already exists; pass overwrite=True to replace it or "
                "resume=True to finish it"
            )
        existing = store.read_attrs(output) if store.is_store(output) else None
        if existing is None:
            raise StoreError(
                f"output {output} exists and is not a seismic-salt store; choose another path"
            )
        _check_same_run(output, existing, attrs)
        return Normalisation.from_json(existing["normalisation"])
    if output.exists() and not store.is_store(output) and any(output.iterdir()):
        raise StoreError(
            f"output {output} exists and is not a seismic-salt store; refusing to delete it"
        )
    scaling = _fit_scaling(volume, ref, settings)
    crossline = settings.crossline_block if "crossline" in settings.orientations else None
    store.create_store(
        output,
        volume,
        block_size=settings.block_size,
        attrs=replace(attrs, normalisation=scaling).to_attrs(),
        crossline_block=crossline,
    )
    return scaling


def _check_same_run(output: Path, existing: dict[str, Any], attrs: Any) -> None:
    """Refuse to resume a store written from another source, model or settings.

    Raises:
        StoreError: Naming the first provenance field that differs.
    """
    difference = attrs.run_difference(existing)
    if difference is not None:
        key, stored, mine = difference
        raise StoreError(
            f"output {output} was written with another {key.replace('_', ' ')} "
            f"({stored!r}, this run: {mine!r}); pass overwrite=True to replace it or "
            "choose another output"
        )


def pending_jobs(
    output: Path,
    volume: Any,
    source: Any,
    options: tuple[tuple[str, Any], ...],
    ref: ModelRef,
    settings: Settings,
    scaling: Normalisation,
) -> list[list[Job]]:
    """List the jobs still to run, in passes (crossline scratch pass first)."""
    from seismic_salt.store import zarr as store

    def job(orientation: str, start: int, stop: int) -> Job:
        return Job(source, options, str(output), ref, settings, scaling, orientation, start, stop)

    passes: list[list[Job]] = []
    if store.is_complete(output):
        return passes
    if "crossline" in settings.orientations:
        done = set(store.done_crossline_blocks(output, settings.crossline_block))
        ranges = store.block_ranges(volume.sizes["crossline"], settings.crossline_block)
        passes.append([job("crossline", a, b) for i, (a, b) in enumerate(ranges) if i not in done])
    done = set(store.done_blocks(output))
    ranges = store.block_ranges(volume.sizes["inline"], settings.block_size)
    passes.append([job("inline", a, b) for i, (a, b) in enumerate(ranges) if i not in done])
    return passes


def execute(jobs: list[Job], scheduler: str | None, workers: int | None, bar: Progress) -> None:
    """Run jobs in this process, on a local cluster or on a distributed scheduler.

    Raises:
        SeismicSaltError: If the scheduler cannot be reached (or a job's own error).
    """
    if not jobs:
        return
    if scheduler is None and workers is None:
        for job in jobs:
            run_job(job)
            bar.update()
        return
    from distributed import as_completed

    with _client(scheduler, workers) as client:
        futures = client.map(run_job, jobs, pure=False)
        for future in as_completed(futures):
            future.result()
            bar.update()


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """Connect to ``scheduler``, or start (and stop) a local cluster of ``workers`` processes.

    Raises:
        SeismicSaltError: If the scheduler cannot be reached.
        DataError: If ``workers`` < 1.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise SeismicSaltError(
                f"cannot reach the dask scheduler at {scheduler}: {err}; start one with "
                "`dask scheduler`, or run without a scheduler"
            ) from err
        with client:
            yield client
        return
    if workers is None or workers < 1:
        raise DataError(f"workers must be at least 1, got {workers}")
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
