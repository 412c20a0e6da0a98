"""``seismic-salt preview``: a PNG of seismic sections with salt probability and truth."""

from __future__ import annotations

import click

from seismic_salt_cli.options import byte_options, segy_bytes, status, verbosity


@click.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="Image to write (PNG).",
)
@click.option("--salt", type=click.Path(path_type=str), help="Salt-probability store (.zarr).")
@click.option(
    "--truth", type=click.Path(path_type=str), help="True salt: labels SEG-Y or .zarr store."
)
@click.option("--inline", type=float, help="Show only this inline section.")
@click.option("--crossline", type=float, help="Show only this crossline section.")
@click.option("--sample", type=float, help="Show only this time/depth slice (sample unit).")
@click.option("--dpi", default=110, show_default=True, help="Resolution of the image.")
@click.option("--overwrite", is_flag=True, help="Replace an existing image.")
@segy_bytes
@verbosity
def preview(
    source: str,
    output: str,
    salt: str | None,
    truth: str | None,
    inline: float | None,
    crossline: float | None,
    sample: float | None,
    dpi: int,
    overwrite: bool,
    iline: int,
    xline: int,
    cdp_x: int,
    cdp_y: int,
) -> None:
    """Draw SOURCE (SEG-Y) with salt probability and truth outline into an image.

    Without --inline/--crossline/--sample, shows an inline, a crossline and a slice
    through the middle of the volume. A --salt store must be complete and made from
    SOURCE.
    """
    from seismic_salt.io.headers import ILINE_BYTE, XLINE_BYTE
    from seismic_salt.preview import preview as draw

    seismic: object = source
    if (iline, xline) != (ILINE_BYTE, XLINE_BYTE) and not source.endswith(".zarr"):
        from seismic_salt.io.segy import open_segy

        seismic = open_segy(source, **byte_options(iline, xline, cdp_x, cdp_y))
    path = draw(
        seismic,
        output,
        salt=salt,
        truth=truth,
        inline=inline,
        crossline=crossline,
        sample=sample,
        dpi=dpi,
        overwrite=overwrite,
    )
    status(f"wrote {path}")
