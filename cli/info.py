"""``seismic-salt info``: describe a SEG-Y volume or a salt-probability zarr store."""

from __future__ import annotations

import click

from seismic_salt.io.headers import ILINE_BYTE, XLINE_BYTE


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--iline", default=ILINE_BYTE, show_default=True, help="Trace-header byte of inlines."
)
@click.option(
    "--xline", default=XLINE_BYTE, show_default=True, help="Trace-header byte of crosslines."
)
def info(path: str, as_json: bool, iline: int, xline: int) -> None:
    """Describe PATH: a SEG-Y file (geometry, format, amplitudes) or a .zarr store."""
    import json

    from seismic_salt.info import describe, format_summary

    result = describe(path, iline=iline, xline=xline)
    if as_json:
        click.echo(json.dumps(result, allow_nan=False))
    else:
        click.echo(format_summary(result))
