"""``seismic-salt info``: describe a SEG-Y volume or a salt-probability zarr store."""

from __future__ import annotations

import click

from seismic_salt_cli.options import segy_bytes, verbosity


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@segy_bytes
@verbosity
def info(path: str, as_json: bool, iline: int, xline: int, cdp_x: int, cdp_y: int) -> None:
    """Describe PATH: a SEG-Y file or its fsspec URL, a .zarr store, or a model file.

    For SEG-Y: geometry, format, corners and amplitudes; CDP X/Y that give no map grid
    (all equal, or on one line) are named.
    """
    import json

    from seismic_salt.info import describe, format_summary

    result = describe(path, iline=iline, xline=xline, cdp_x=cdp_x, cdp_y=cdp_y)
    if as_json:
        click.echo(json.dumps(result, allow_nan=False))
    else:
        click.echo(format_summary(result))
