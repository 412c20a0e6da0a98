"""Names of the dimensions, coordinates and variables of a seismic volume.

Every module that builds or reads a volume uses these names, so a rename happens here
only (the role segysak's ``_keyfield.py`` plays there).
"""

from __future__ import annotations

INLINE = "inline"
CROSSLINE = "crossline"
SAMPLE = "sample"
DIMS: tuple[str, str, str] = (INLINE, CROSSLINE, SAMPLE)
"""Dimension order of ``amplitude``: inline, crossline, sample."""

AMPLITUDE = "amplitude"
CDP_X = "cdp_x"
CDP_Y = "cdp_y"
LIVE = "live"

TIME_UNIT = "ms"
DEPTH_UNIT = "m"
SAMPLE_UNITS = (TIME_UNIT, DEPTH_UNIT, "ft")
"""Units the sample axis may carry: milliseconds (time), metres or feet (depth)."""

CRS = "crs"
"""Scalar coordinate holding the coordinate reference system (CF ``grid_mapping``)."""
