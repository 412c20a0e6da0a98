"""Options that several commands share, and how the command line shows logs and warnings.

- :func:`verbosity`: ``-q/--quiet`` and ``-v/--verbose`` on every command. The level of
  the ``seismic_salt`` logger is WARNING by default, INFO with ``-v``, DEBUG with
  ``-vv`` and ERROR with ``-q``, which also turns off progress bars and status lines.
- :func:`segy_bytes`: ``--iline/--xline/--cdp-x/--cdp-y`` on every command that reads
  SEG-Y, defaulting to :mod:`seismic_salt.io.headers`.
- :func:`spacing_option` and :func:`crs_option`.
- :func:`command_line_output`: while a command runs, log records and seismic-salt
  warnings are printed as one line each on stderr.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import click

from seismic_salt.errors import SeismicSaltWarning
from seismic_salt.io.headers import CDP_X_BYTE, CDP_Y_BYTE, ILINE_BYTE, XLINE_BYTE

LOGGER = "seismic_salt"
_META = "seismic_salt.verbosity"
LEVELS = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    level = ctx.meta.get(_META, 0)
    if param.name == "quiet" and value:
        level = -1
    elif param.name == "verbose" and value and level >= 0:
        level = int(value)
    ctx.meta[_META] = level
    logging.getLogger(LOGGER).setLevel(LEVELS.get(level, logging.DEBUG))
    return value


def verbosity(command: Callable) -> Callable:
    """Add ``-q/--quiet`` and ``-v/--verbose`` (repeatable) to a command."""
    command = click.option(
        "--verbose",
        "-v",
        count=True,
        expose_value=False,
        callback=_set_verbosity,
        help="More diagnostics on stderr (-vv: debug).",
    )(command)
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        expose_value=False,
        callback=_set_verbosity,
        help="No progress bars, status lines or warnings; errors only.",
    )(command)


def is_quiet() -> bool:
    """Whether the running command was given ``-q``."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(_META, 0) < 0)


def status(message: str) -> None:
    """Print a status line on stderr unless the command is quiet."""
    if not is_quiet():
        click.echo(message, err=True)


def segy_bytes(command: Callable) -> Callable:
    """Add ``--iline``, ``--xline``, ``--cdp-x`` and ``--cdp-y`` (trace-header bytes)."""
    for flag, default, what in reversed(
        (
            ("--iline", ILINE_BYTE, "inline numbers"),
            ("--xline", XLINE_BYTE, "crossline numbers"),
            ("--cdp-x", CDP_X_BYTE, "CDP X (73 in many Petrel-style files)"),
            ("--cdp-y", CDP_Y_BYTE, "CDP Y (77 in many Petrel-style files)"),
        )
    ):
        command = click.option(
            flag, default=default, show_default=True, type=int, help=f"Trace-header byte of {what}."
        )(command)
    return command


def byte_options(iline: int, xline: int, cdp_x: int, cdp_y: int) -> dict[str, int]:
    """The ``open_segy`` keyword arguments of the header-byte options."""
    return {"iline": iline, "xline": xline, "cdp_x": cdp_x, "cdp_y": cdp_y}


def _spacing(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        parts = tuple(float(v) for v in value.replace("x", ",").split(","))
    except ValueError:
        parts = ()
    if len(parts) != 2 or not all(p > 0 for p in parts):
        raise click.BadParameter("give two positive distances in metres, e.g. 25,12.5")
    return parts


def spacing_option(command: Callable) -> Callable:
    """Add ``--spacing IL,XL``: the fallback grid for degenerate CDP X/Y."""
    return click.option(
        "--spacing",
        callback=_spacing,
        metavar="IL,XL",
        help="Inline and crossline spacing in metres, used only when the CDP X/Y give no "
        "map grid (all equal or on one line): outputs then sit on a local grid.",
    )(command)


def _crs(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from seismic_salt.io.crs import resolve_crs

    return None if value is None else resolve_crs(value)


def crs_option(command: Callable) -> Callable:
    """Add ``--crs``: the coordinate reference system of CDP X/Y."""
    return click.option(
        "--crs",
        callback=_crs,
        help="CRS of the CDP X/Y: EPSG:NNNN, WKT or a PROJ string; kept in the store and "
        "written into every export.",
    )(command)


def _show_warning(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
    text = " ".join(str(message).split())
    if not is_quiet():
        click.echo(f"warning: {text}", err=True)


class _EchoHandler(logging.Handler):
    """Writes log records to click's current stderr (the one a test runner swaps in)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = " ".join(self.format(record).split())
            click.echo(f"{record.levelname.lower()}: {text}", err=True)
        except Exception:  # logging must never break the command
            self.handleError(record)


@contextlib.contextmanager
def command_line_output() -> Iterator[None]:
    """Print log records and seismic-salt warnings as one line each on stderr."""
    logger = logging.getLogger(LOGGER)
    handler = _EchoHandler()
    logger.addHandler(handler)
    propagate, level = logger.propagate, logger.level
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", SeismicSaltWarning)
            default_show = warnings.showwarning

            def show(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
                if issubclass(category, SeismicSaltWarning):
                    _show_warning(message, category)
                else:
                    default_show(message, category, *args, **kwargs)

            warnings.showwarning = show
            yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        logger.setLevel(level)


__all__ = [
    "LOGGER",
    "byte_options",
    "command_line_output",
    "crs_option",
    "is_quiet",
    "segy_bytes",
    "spacing_option",
    "status",
    "verbosity",
]
