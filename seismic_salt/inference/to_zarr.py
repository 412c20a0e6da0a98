"""The resumable front end: ``segment_to_zarr`` writes a store block by block.

Recipe: validate, open the source, resolve the model, its device and precision, plan the
store (a new one, or check an existing one belongs to this run and list the blocks it
still lacks or holds damaged: :func:`~seismic_salt.inference.tasks.pending_tasks`),
connect the chosen executor, only then create the store, run the blocks while the driver
counts the finished ones, and mark the store complete. Every check that can fail runs
before the store is created or changed, so a refused run leaves the output as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from seismic_salt import __version__
from seismic_salt.errors import DataError, StoreError
from seismic_salt.inference import tasks
from seismic_salt.inference.blocks import BlockPredictor, check_scaling, fit_scaling
from seismic_salt.inference.executors import Executor, check_executor_options, open_executor
from seismic_salt.inference.model_ref import ModelRef, resolve_model
from seismic_salt.inference.settings import (
    Settings,
    resolve_compile,
    resolve_device,
    resolve_precision,
)
from seismic_salt.inference.sources import (
    check_volume,
    live_mask,
    open_source,
    reading_parameters,
    source_identity,
)
from seismic_salt.io.crs import resolve_crs
from seismic_salt.normalize import Normalisation
from seismic_salt.progress import Progress
from seismic_salt.store.schema import StoreAttrs, run_key_label

__all__ = ["segment_to_zarr"]


def segment_to_zarr(
    source: Any,
    output: str | Path,
    model: Any = "default",
    *,
    patch: int = Settings.patch,
    stride: int | None = None,
    batch_size: int = 32,
    device: str = "auto",
    orientations: Sequence[str] = ("inline",),
    precision: str = "auto",
    block_size: int = Settings.block_size,
    crossline_block: int = Settings.crossline_block,
    normalisation: Normalisation | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    resume: bool | None = None,
    overwrite: bool = False,
    progress: bool | None = True,
    open_options: dict[str, Any] | None = None,
    crs: str | None = None,
    compile: str = "auto",
) -> Path:
    """Segment a volume into a zarr store, block by block, resuming unfinished stores.

    Args:
        source: SEG-Y path or fsspec URL, or a dataset (MDIO, segysak... names are mapped
            by :func:`~seismic_salt.io.aliases.as_volume`) or ``amplitude`` array.
        output: Path of the zarr store.
        model: ``"default"``, a bundled name, a ``.safetensors`` path or an ``nn.Module``.
        patch: Side of the square patches cut from each section, in pixels (32 to 512).
        stride: Pixels between patch origins (1 to ``patch``); None: half the patch.
        batch_size: Patches per model call.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        orientations: ``("inline",)`` or ``("inline", "crossline")``.
        precision: ``"auto"`` (fp32, or bf16 where it is native and faster), ``"fp32"``
            or ``"bf16"``.
        block_size: Inlines per block (one task and one zarr chunk each).
        crossline_block: Crosslines per block of the crossline pass.
        normalisation: A fitted scaling to use for a new store (a resumed one keeps its own).
        scheduler: Address of a running ``dask.distributed`` scheduler
            (``"tcp://host:8786"``); the workers must see the source, model and output
            paths.
        workers: Start a local cluster of this many single-threaded processes.
        executor: Run the blocks on this executor instead (see
            :mod:`seismic_salt.inference.executors`); default: this process.
        resume: Finish an incomplete store made by the same run, rewriting any block
            found damaged (None, the default: unless ``overwrite``).
        overwrite: Replace an existing store (only a seismic-salt store) and start again;
            the old one is kept until the new one is created.
        progress: Draw a bar of blocks done (terminal or notebook); None: the same.
        open_options: Keyword arguments of ``open_segy`` (e.g. header byte positions).
        crs: CRS of the CDP X/Y (``"EPSG:32615"``, WKT...), kept in the store as the CF
            ``crs`` coordinate and carried into every export.
        compile: ``"auto"``, ``"on"`` or ``"off"``: ``torch.compile`` the model
            (:func:`~seismic_salt.model.compiled.choose_compile`).

    Returns:
        The path of the store.

    Raises:
        DataError: If a setting, the input or the CRS is invalid, the device is absent,
            or options exclude each other (executors; ``resume`` and ``overwrite``).
        InputFileError: If the source or model file is missing.
        StoreError: If the output belongs to another run or source, or is no store
            (:func:`seismic_salt.outputs.check_store_output`).
        CheckpointError: If the model predicts NaN from finite amplitudes.
        SeismicSaltError: If the dask scheduler cannot be reached.

    Example:
        >>> segment_to_zarr("volume.sgy", "salt.zarr", crs="EPSG:32615")  # doctest: +SKIP
    """
    settings = Settings(patch=patch, stride=stride, batch_size=batch_size, device=device,
                        orientations=tuple(orientations), precision=precision, compile=compile,
                        block_size=block_size, crossline_block=crossline_block)  # fmt: skip
    check_executor_options(scheduler, workers, executor)
    options = _reading_options(open_options, crs)
    run = plan_run(source, Path(output), model, settings, options, normalisation, resume, overwrite)
    return run.execute(progress, scheduler, workers, executor)


def _reading_options(
    open_options: dict[str, Any] | None, crs: str | None
) -> tuple[tuple[str, Any], ...]:
    """``open_segy``'s options as a sorted tuple, with the CRS as WKT when given."""
    options = dict(open_options or {})
    if crs is not None:
        options["crs"] = resolve_crs(crs)
    return tuple(sorted(options.items()))


@dataclass(frozen=True)
class StoreRun:
    """A store to fill and the block tasks it still lacks.

    Attributes:
        output: The store.
        passes: Tasks to run one pass after the other (the crossline pass first); none
            when the store is complete.
        create: Creates the store (a new run), called once the executor is connected;
            None when the store exists.
    """

    output: Path
    passes: list[list[tasks.BlockTask]]
    create: Callable[[], None] | None = None

    def execute(
        self,
        progress: bool | None = True,
        scheduler: str | None = None,
        workers: int | None = None,
        executor: Executor | None = None,
    ) -> Path:
        """Run the passes where asked, counting finished blocks, then mark it complete.

        Raises:
            SeismicSaltError: If the scheduler cannot be reached (or a task's own error).
        """
        from seismic_salt.store.zarr import mark_complete

        if not self.passes:
            return self.output  # already complete
        total = sum(len(batch) for batch in self.passes)
        with Progress(total, f"segment {self.output.name}", progress, "block") as bar:
            if total:
                with open_executor(scheduler, workers, executor) as runner:
                    if self.create is not None:
                        self.create()
                    for batch in self.passes:
                        for _ in runner.run(tasks.run_task, batch):
                            bar.update()
        mark_complete(self.output)
        return self.output


def plan_run(
    source: Any,
    output: Path,
    model: Any,
    settings: Settings,
    open_options: tuple[tuple[str, Any], ...] = (),
    normalisation: Normalisation | None = None,
    resume: bool | None = None,
    overwrite: bool = False,
) -> StoreRun:
    """Open the source, resolve the model, check the output, list the tasks to run.

    Nothing is written here: a new store is created by :meth:`StoreRun.execute`.
    Args and errors as :func:`segment_to_zarr`.
    """
    from seismic_salt.outputs import check_store_output

    if resume and overwrite:
        raise DataError("pass resume=True or overwrite=True, not both")
    resume = not overwrite if resume is None else resume
    resolve_device(settings.device)  # a device that is not there fails before any store
    volume = check_volume(open_source(source, open_options))
    ref = resolve_model(model)
    reads = {"source": source if isinstance(source, str | Path) else None, "model": ref.path}
    resuming = check_store_output(output, reads, overwrite=overwrite, resume=resume)
    settings = resolve_precision(settings, ref, _stored_precision(output) if resuming else None)
    settings = resolve_compile(settings, volume.shape)
    attrs = _store_attrs(source, volume, ref, settings, open_options)
    if resuming:
        predict = BlockPredictor(ref, settings, _resumed_scaling(output, attrs))
        return StoreRun(output, tasks.pending_tasks(output, volume, source, open_options, predict))
    scaling = normalisation or fit_scaling(volume, live_mask(volume), ref)
    check_scaling(scaling, ref)
    predict = BlockPredictor(ref, settings, scaling)
    create = partial(_new_store, output, volume, replace(attrs, normalisation=scaling), settings)
    passes = tasks.pending_tasks(output, volume, source, open_options, predict, new=True)
    return StoreRun(output, passes, create)


def _stored_precision(output: Path) -> str | None:
    """Return the precision recorded in an existing store, if any."""
    from seismic_salt.store.zarr import is_store, read_attrs

    if not is_store(output):
        return None
    try:
        return StoreAttrs.from_attrs(read_attrs(output)).parameters.get("precision")
    except StoreError:
        return None


def _store_attrs(
    source: Any,
    volume: Any,
    ref: ModelRef,
    settings: Settings,
    open_options: tuple[tuple[str, Any], ...],
) -> StoreAttrs:
    """Return the attributes this run writes (its normalisation is added on creation)."""
    path, size, identity = source_identity(source, volume)
    return StoreAttrs(
        software_version=__version__,
        model_name=ref.name,
        model_sha256=ref.sha256,
        source_path=path,
        source_size=size,
        parameters=settings.parameters(),
        block_size=settings.block_size,
        source_mtime_ns=identity.mtime_ns if identity else 0,
        source_digest=identity.digest if identity else "",
        reading=reading_parameters(source, open_options),
    )


def _new_store(output: Path, volume: Any, attrs: StoreAttrs, settings: Settings) -> None:
    """Create the empty store of a new run (replacing a store :func:`plan_run` allowed).

    Raises:
        StoreError: If the store cannot be written.
    """
    from seismic_salt.store.create import create_store

    create_store(
        output,
        volume,
        block_size=settings.block_size,
        attrs=attrs.to_attrs(),
        crossline_block=settings.crossline_block if settings.crossline else None,
        overwrite=True,
    )


def _resumed_scaling(output: Path, attrs: StoreAttrs) -> Normalisation:
    """Return the stored scaling of a store this run may finish.

    Raises:
        StoreError: If the store was made by another run, or from another source.
    """
    from seismic_salt.store import zarr as store

    existing = store.read_attrs(output)
    difference = attrs.run_difference(existing)
    if difference is not None:
        key, stored, mine = difference
        raise StoreError(
            f"output {output} was written with another {run_key_label(key)} "
            f"({stored!r}, this run: {mine!r}); pass overwrite=True to replace it or "
            "choose another output"
        )
    stored_scaling = StoreAttrs.from_attrs(existing).normalisation
    if stored_scaling is None:
        raise StoreError(f"output {output} records no amplitude normalisation; overwrite it")
    return stored_scaling
