"""``seismic-salt synth`` and ``seismic-salt demo``: synthetic volumes and the end-to-end demo."""

from __future__ import annotations

from pathlib import Path

import click

from seismic_salt_cli.options import is_quiet, status, verbosity


def _shape(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, int, int]:
    from seismic_salt.synthetic import check_shape

    try:
        shape = tuple(int(part) for part in value.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise click.BadParameter(f"{value!r}: give three positive counts, e.g. 48,160,160")
    return check_shape(shape)


def _interval(ctx: click.Context, param: click.Parameter, value: float) -> float:
    from seismic_salt.synthetic import check_sample_interval

    return check_sample_interval(value)


@click.command()
@click.argument("output", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--labels",
    type=click.Path(dir_okay=False, path_type=str),
    help="Also write the ground-truth salt mask (1 salt, 0 not) as SEG-Y here.",
)
@click.option(
    "--shape",
    default="48,160,160",
    show_default=True,
    callback=_shape,
    help="Inlines, crosslines and samples.",
)
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same volume).")
@click.option(
    "--sample-unit",
    type=click.Choice(["ms", "m"]),
    default="ms",
    show_default=True,
    help="Time (ms) or depth (m) samples.",
)
@click.option(
    "--sample-interval",
    default=4.0,
    show_default=True,
    callback=_interval,
    help="In the sample unit.",
)
@click.option(
    "--noise", default=0.2, show_default=True, help="Noise level, fraction of signal RMS."
)
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@verbosity
def synth(
    output: str,
    labels: str | None,
    shape: tuple[int, int, int],
    seed: int,
    sample_unit: str,
    sample_interval: float,
    noise: float,
    overwrite: bool,
) -> None:
    """Write a synthetic seismic volume with salt bodies to OUTPUT (SEG-Y)."""
    from seismic_salt.io.segy import to_segy
    from seismic_salt.outputs import check_outputs
    from seismic_salt.synthetic import make_volume

    check_outputs({"volume": output, "labels": labels}, overwrite=overwrite)
    volume = make_volume(
        shape,
        seed,
        sample_unit=sample_unit,
        sample_interval=sample_interval,
        noise=noise,
    )
    path = to_segy(volume.amplitude, output, overwrite=overwrite)
    status(f"wrote {path} {shape[0]}x{shape[1]}x{shape[2]}")
    if labels:
        mask = volume.salt.astype("float32")
        written = to_segy(mask, labels, overwrite=overwrite)
        status(f"wrote {written} (salt fraction {float(volume.salt.mean()):.3f})")


@click.command()
@click.option(
    "--output",
    "-o",
    default="seismic-salt-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for everything the demo writes (created; must be empty, or with "
    "--overwrite hold the demo's own files, which are replaced; other files are kept).",
)
@click.option("--model", default="default", show_default=True, help="Bundled name or path.")
@click.option(
    "--shape",
    default="32,160,160",
    show_default=True,
    callback=_shape,
    help="Inlines, crosslines and samples of the synthetic volume.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic volume.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace the files an earlier demo wrote into the directory (only those).",
)
@verbosity
def demo(output: Path, model: str, shape: tuple[int, int, int], seed: int, overwrite: bool) -> None:
    """Run the whole pipeline on a synthetic volume with known salt and score it.

    Makes a volume, segments it with the bundled model, exports SEG-Y, top/base-of-salt
    surfaces and a TSurf mesh, draws a preview and prints the IoU against the truth.
    """
    from seismic_salt.demo import run_demo

    result = run_demo(
        output,
        model=model,
        shape=shape,
        seed=seed,
        overwrite=overwrite,
        progress=not is_quiet(),
        log=(lambda _line: None) if is_quiet() else (lambda line: click.echo(line, err=True)),
    )
    for label, path in result.files.items():
        click.echo(f"{label:<10} {path}")
    click.echo(f"bodies     {result.bodies}")
    click.echo(f"IoU {result.iou:.2f}")
