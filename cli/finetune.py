"""``seismic-salt finetune``: adapt a model to a survey from a few labelled sections."""

from __future__ import annotations

from pathlib import Path

import click

from seismic_salt_cli.options import byte_options, is_quiet, segy_bytes, verbosity


def _inlines(ctx: click.Context, param: click.Parameter, value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError as err:
        raise click.BadParameter("give inline numbers separated by commas, e.g. 1200,1250") from err


@click.command()
@click.argument("volume", type=click.Path(path_type=str))
@click.option(
    "--labels",
    required=True,
    type=click.Path(path_type=str),
    help="Salt picks: a SEG-Y on the volume's geometry, a .npy or zarr cube of its shape "
    "(1 salt, 0 not, NaN/255 unknown), or a folder of PNG masks named by inline number "
    "(white salt, black not, grey or transparent unknown).",
)
@click.option(
    "--output", "-o", required=True, type=click.Path(path_type=str), help="Model to write."
)
@click.option("--model", default="default", show_default=True, help="The model to adapt.")
@click.option(
    "--epochs", default=12, show_default=True, type=click.IntRange(1), help="Most epochs."
)
@click.option(
    "--validation-inlines",
    callback=_inlines,
    help="Labelled inlines to hold back and score on [default: a fifth of them, at least one].",
)
@click.option("--unknown", type=float, help="Label value meaning 'not picked' (NaN, 255 always).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda...")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--overwrite", is_flag=True, help="Replace an existing output model.")
@segy_bytes
@verbosity
def finetune(
    volume: str,
    labels: str,
    output: str,
    model: str,
    epochs: int,
    validation_inlines: list[int] | None,
    unknown: float | None,
    device: str,
    seed: int,
    overwrite: bool,
    iline: int,
    xline: int,
    cdp_x: int,
    cdp_y: int,
) -> None:
    """Adapt MODEL to VOLUME from the salt picked on a few of its inlines (LABELS)."""
    from seismic_salt.train.finetune import FinetuneSettings, finetune_file

    result = finetune_file(
        volume,
        labels,
        output,
        model,
        settings=FinetuneSettings(epochs=epochs, device=device, seed=seed),
        validation_inlines=validation_inlines,
        unknown=unknown,
        open_options=byte_options(iline, xline, cdp_x, cdp_y),
        overwrite=overwrite,
        log=(lambda _line: None) if is_quiet() else (lambda line: click.echo(line, err=True)),
    )
    held = ", ".join(str(n) for n in result.validation_inlines)
    click.echo(  # the result of the run: printed even with -q, as before
        f"validation IoU {result.base_iou:.3f} before, {result.iou:.3f} after "
        f"(inlines {held}; kept epoch {result.epoch})",
        err=True,
    )
    click.echo(str(Path(output)))
