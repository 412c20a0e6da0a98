"""``seismic-salt segment``: predict a salt-probability cube from a SEG-Y volume."""

from __future__ import annotations

import click

from seismic_salt.inference.settings import PATCH_LIMITS
from seismic_salt.model.compiled import COMPILE_MODES, MIN_PATCHES
from seismic_salt.model.precision import PRECISIONS
from seismic_salt.tiling import PATCH
from seismic_salt_cli.options import byte_options, crs_option, is_quiet, segy_bytes, verbosity

INPUT_FORMATS = ("auto", "segy", "zarr")


def _device(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from seismic_salt.inference.settings import check_device

    return check_device(value)


def _scheduler(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from seismic_salt.inference.executors import check_scheduler_address

    return None if value is None else check_scheduler_address(value)


def _orientations(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    if names not in (("inline",), ("inline", "crossline"), ("crossline", "inline")):
        raise click.BadParameter("use 'inline' or 'inline,crossline'")
    return tuple(sorted(names, key=("inline", "crossline").index))


@click.command()
@click.argument("volume", type=click.Path(path_type=str))
@click.option(
    "--output", "-o", required=True, type=click.Path(path_type=str), help="Zarr store to write."
)
@click.option(
    "--model",
    default="default",
    show_default=True,
    help="Bundled model name ('default', 'arch.tag') or a .safetensors checkpoint.",
)
@click.option(
    "--patch",
    default=PATCH,
    show_default=True,
    type=click.IntRange(*PATCH_LIMITS),
    help="Side of the square patches cut from each inline, in pixels.",
)
@click.option(
    "--stride",
    type=click.IntRange(1),
    help="Pixels between patches.  [default: half the patch]",
)
@click.option(
    "--batch-size", default=32, show_default=True, type=click.IntRange(1), help="Patches per call."
)
@click.option(
    "--device",
    default="auto",
    show_default=True,
    callback=_device,
    help="auto, cpu, cuda, cuda:1...",
)
@click.option(
    "--orientations",
    default="inline",
    show_default=True,
    callback=_orientations,
    help="Sections to predict: 'inline' or 'inline,crossline' (mean of both, twice the time).",
)
@click.option(
    "--precision",
    default="auto",
    show_default=True,
    type=click.Choice(PRECISIONS),
    help="auto: fp32, or bf16 where the hardware runs it natively and faster.",
)
@click.option(
    "--compile",
    "compile_mode",
    default="auto",
    show_default=True,
    type=click.Choice(COMPILE_MODES),
    help="Run the model through torch.compile (about 2x faster on CPU after a 30-60 s "
    f"compilation; needs a C++ compiler). auto: on a CPU for runs of {MIN_PATCHES:,} "
    "patches or more.",
)
@click.option(
    "--block-size",
    default=8,
    show_default=True,
    type=click.IntRange(1),
    help="Inlines per task and per zarr chunk.",
)
@click.option(
    "--scheduler",
    default=None,
    callback=_scheduler,
    help="Address of a dask.distributed scheduler (tcp://host:8786).",
)
@click.option(
    "--workers", default=None, type=click.IntRange(1), help="Run on N local worker processes."
)
@click.option(
    "--resume",
    is_flag=True,
    help="Finish an interrupted store made by the same run (what a rerun does anyway).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace an existing seismic-salt store (never another directory or file).",
)
@click.option(
    "--input-format",
    type=click.Choice(INPUT_FORMATS),
    default="auto",
    show_default=True,
    help="segy, or zarr (an MDIO, segysak or other xarray dataset; dims and variable "
    "aliases such as iline/xline/time and data are understood); auto: zarr for a "
    "directory or a .zarr/.mdio name.",
)
@crs_option
@segy_bytes
@verbosity
def segment(
    volume: str,
    output: str,
    model: str,
    patch: int,
    stride: int | None,
    batch_size: int,
    device: str,
    orientations: tuple[str, ...],
    precision: str,
    compile_mode: str,
    block_size: int,
    scheduler: str | None,
    workers: int | None,
    resume: bool,
    overwrite: bool,
    input_format: str,
    crs: str | None,
    iline: int,
    xline: int,
    cdp_x: int,
    cdp_y: int,
) -> None:
    """Write the salt probability of every sample of VOLUME (SEG-Y) to a zarr store.

    VOLUME may be an fsspec URL (s3://, memory://...) or, with --input-format zarr, a
    zarr dataset such as an MDIO file.

    Rerunning the same command on an interrupted store finishes only its missing (or
    damaged) blocks; a store from another volume, model or settings is refused. The
    output is never one of the inputs, and --overwrite replaces only a seismic-salt store.
    """
    from seismic_salt.errors import DataError
    from seismic_salt.inference import segment_to_zarr

    if scheduler and workers:
        raise DataError("pass either --scheduler or --workers, not both")
    source: object = volume
    if _input_format(volume, input_format) == "zarr":
        from seismic_salt.io.aliases import open_zarr_volume

        source = open_zarr_volume(volume)
    path = segment_to_zarr(
        source,
        output,
        model,
        patch=patch,
        stride=stride,
        batch_size=batch_size,
        device=device,
        orientations=orientations,
        precision=precision,
        block_size=block_size,
        scheduler=scheduler,
        workers=workers,
        resume=resume or None,
        overwrite=overwrite,
        progress=not is_quiet(),
        open_options=byte_options(iline, xline, cdp_x, cdp_y) if source is volume else None,
        crs=crs,
        compile=compile_mode,
    )
    click.echo(str(path))


def _input_format(volume: str, given: str) -> str:
    """``segy`` or ``zarr``: the format given, or told from the name (auto)."""
    if given != "auto":
        return given
    from pathlib import Path

    from seismic_salt.io.remote import is_url

    name = volume.rstrip("/")
    if name.endswith((".zarr", ".mdio")) or (not is_url(volume) and Path(volume).is_dir()):
        return "zarr"
    return "segy"
