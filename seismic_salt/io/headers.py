"""Trace-header bytes that hold the survey geometry in a standard (rev 1) SEG-Y file.

Readers take these as defaults and accept others for files that keep their numbers
elsewhere (e.g. 9/21 or 5/17); the CLI's ``--iline``/``--xline`` default to them too.
Positions are 1-based start bytes of 4-byte trace-header fields.
"""

from __future__ import annotations

ILINE_BYTE = 189
"""Inline number (``INLINE_3D``)."""

XLINE_BYTE = 193
"""Crossline number (``CROSSLINE_3D``)."""

CDP_X_BYTE = 181
"""X coordinate of the ensemble (``CDP_X``), scaled by the coordinate scalar at byte 71."""

CDP_Y_BYTE = 185
"""Y coordinate of the ensemble (``CDP_Y``), scaled like ``CDP_X_BYTE``."""
