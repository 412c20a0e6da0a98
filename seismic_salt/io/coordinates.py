"""Whether a survey's CDP X/Y describe a map grid: degenerate coordinates are found here.

A file whose CDP X/Y are all zero (segyio's ``small.sgy``), all one point, or all on
one line (a 3D survey) has no usable map grid: surfaces would get zero spacing and
bodies zero volume. :func:`coordinate_problem` says what is wrong;
:func:`warn_degenerate` reports it once when a volume is opened (a
:class:`~seismic_salt.errors.CoordinateWarning`), and exporters refuse such a grid unless
the inline and crossline spacing are given (:class:`~seismic_salt.export.grid.SurveyGrid`).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from seismic_salt.errors import CoordinateWarning

__all__ = ["COORDINATE_HINT", "coordinate_problem", "warn_degenerate"]

log = logging.getLogger(__name__)

COORDINATE_HINT = (
    "try other header bytes (cdp_x=73 cdp_y=77 for many Petrel-style files), or give the "
    "inline and crossline spacing in metres to export on a local grid"
)
RELATIVE_TOLERANCE = 1e-9
"""Coordinates whose second principal extent is below this fraction of the first are on a line."""


def coordinate_problem(x: np.ndarray, y: np.ndarray, live: np.ndarray | None = None) -> str | None:
    """Say why CDP X/Y on an (inline, crossline) grid give no map grid, or None if they do.

    Args:
        x: CDP X per trace, ``[inline, crossline]`` (NaN where there is no trace).
        y: CDP Y, like ``x``.
        live: Bool mask of the live traces; default: where ``x`` and ``y`` are finite.

    Returns:
        A short reason ("all 20 live traces have CDP X/Y (0, 0)"), or None.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    usable = np.isfinite(x) & np.isfinite(y)
    if live is not None:
        usable &= np.asarray(live, bool)
    n = int(usable.sum())
    if n < 2:
        return None  # one trace: nothing to tell a grid from
    px, py = x[usable], y[usable]
    if np.ptp(px) == 0 and np.ptp(py) == 0:
        return f"all {n} live traces have CDP X/Y ({px[0]:g}, {py[0]:g})"
    if usable.any(axis=1).sum() < 2 or usable.any(axis=0).sum() < 2:
        return None  # a 2D line is on a line anyway
    points = np.column_stack([px - px.mean(), py - py.mean()])
    singular = np.linalg.svd(points, compute_uv=False)
    if singular[1] <= RELATIVE_TOLERANCE * singular[0]:
        return f"the CDP X/Y of all {n} live traces lie on one line"
    return None


def warn_degenerate(
    x: np.ndarray,
    y: np.ndarray,
    live: np.ndarray | None,
    source: str,
    cdp_bytes: tuple[int, int],
) -> str | None:
    """Warn once (a :class:`CoordinateWarning`) when the CDP X/Y give no map grid.

    Args:
        x: CDP X per grid cell.
        y: CDP Y per grid cell.
        live: Live-trace mask.
        source: The file, named in the message.
        cdp_bytes: Header bytes the coordinates came from.

    Returns:
        The warning's text, or None when the coordinates are fine.
    """
    problem = coordinate_problem(x, y, live)
    if problem is None:
        return None
    message = (
        f"{source}: {problem} at bytes {cdp_bytes[0]}/{cdp_bytes[1]}, so they give no map "
        f"grid and exports will refuse it; {COORDINATE_HINT}"
    )
    log.debug("degenerate coordinates: %s", message)
    warnings.warn(message, CoordinateWarning, stacklevel=4)  # open_segy's caller
    return message
