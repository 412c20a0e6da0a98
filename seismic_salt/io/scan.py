"""Read everything about a SEG-Y file except its samples: headers, geometry, axes.

A scan reads the file header and a few trace-header fields of all traces, in one
vectorised pass over a memory map (see :func:`~seismic_salt.io.layout.read_header_fields`);
it never reads trace samples. The result is what
:func:`seismic_salt.io.segy.open_segy` turns into a lazy dataset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import segyio

from seismic_salt.errors import GeometryError, SegyError
from seismic_salt.io.dims import DEPTH_UNIT, SAMPLE_UNITS, TIME_UNIT
from seismic_salt.io.geometry import Geometry, build_geometry
from seismic_salt.io.headers import CDP_X_BYTE, CDP_Y_BYTE, ILINE_BYTE, XLINE_BYTE
from seismic_salt.io.layout import (
    FORMATS,
    TRACE_HEADER_BYTES,
    Layout,
    read_binary_field,
    read_header_fields,
    read_layout,
    read_text_header,
)
from seismic_salt.io.remote import local_path

OFFSET_BYTE = 37
COORD_SCALAR_BYTE = 71
DELAY_BYTE = 109
TIME_SCALAR_BYTE = 215
MEASUREMENT_SYSTEM_BYTE = 3255
DEFAULT_INTERVAL_US = 4000
"""Sample interval assumed when neither header sets one (segyio does the same)."""

_UNIT_WORDS = {
    "MS": TIME_UNIT,
    "MSEC": TIME_UNIT,
    "MILLISECOND": TIME_UNIT,
    "MILLISECONDS": TIME_UNIT,
    "TIME": TIME_UNIT,
    "TWT": TIME_UNIT,
    "M": DEPTH_UNIT,
    "METER": DEPTH_UNIT,
    "METERS": DEPTH_UNIT,
    "METRE": DEPTH_UNIT,
    "METRES": DEPTH_UNIT,
    "DEPTH": DEPTH_UNIT,
    "FT": "ft",
    "FEET": "ft",
}
_UNIT_PATTERNS = (
    re.compile(r"\b(?:SAMPLE|VERTICAL|Z)[ _-]*(?:UNITS?|DOMAIN)\s*[:=]?\s*([A-Z]+)\b"),
    re.compile(r"\bDOMAIN\s*[:=]\s*([A-Z]+)\b"),
)


@dataclass(frozen=True)
class SegyScan:
    """Headers, geometry and axes of a post-stack SEG-Y file.

    Attributes:
        layout: Sizes, byte order and sample format.
        geometry: Inline/crossline grid and the trace at each cell.
        samples: Sample-axis values (delay + k × interval) in ``sample_unit``.
        sample_unit: ``"ms"``, ``"m"`` or ``"ft"``.
        sample_interval: Interval between samples in ``sample_unit``.
        cdp_x: Scaled CDP X per grid cell (NaN where no trace).
        cdp_y: Scaled CDP Y per grid cell (NaN where no trace).
        text_header: Decoded textual header.
        iline_byte: Trace-header byte of the inline numbers.
        xline_byte: Trace-header byte of the crossline numbers.
        cdp_bytes: Trace-header bytes of CDP X and CDP Y.
    """

    layout: Layout
    geometry: Geometry
    samples: np.ndarray
    sample_unit: str
    sample_interval: float
    cdp_x: np.ndarray
    cdp_y: np.ndarray
    text_header: str
    iline_byte: int
    xline_byte: int
    cdp_bytes: tuple[int, int] = (CDP_X_BYTE, CDP_Y_BYTE)

    @property
    def coordinate_problem(self) -> str | None:
        """Why the CDP X/Y give no map grid (all equal, on one line), or None."""
        from seismic_salt.io.coordinates import coordinate_problem

        return coordinate_problem(self.cdp_x, self.cdp_y, self.geometry.live)


def open_segyio(layout: Layout) -> segyio.SegyFile:
    """Open a checked file with segyio, without segyio's own geometry detection.

    Raises:
        SegyError: segyio cannot read the file.
    """
    try:
        return segyio.open(str(layout.path), "r", ignore_geometry=True, endian=layout.byte_order)
    except (RuntimeError, OSError, ValueError, IndexError) as err:
        raise SegyError(f"{layout.path}: segyio cannot read it: {err}") from err


def scan_segy(
    path: str | Path,
    *,
    iline: int = ILINE_BYTE,
    xline: int = XLINE_BYTE,
    cdp_x: int = CDP_X_BYTE,
    cdp_y: int = CDP_Y_BYTE,
    sample_unit: str | None = None,
) -> SegyScan:
    """Read the headers of a post-stack SEG-Y file and build its geometry.

    Args:
        path: The SEG-Y file, or an fsspec URL of one (read from a local cached copy).
        iline: Trace-header byte of the inline number.
        xline: Trace-header byte of the crossline number.
        cdp_x: Trace-header byte of the CDP X coordinate.
        cdp_y: Trace-header byte of the CDP Y coordinate.
        sample_unit: ``"ms"``, ``"m"`` or ``"ft"``; ``None`` reads it from the textual
            header and defaults to ``"ms"``.

    Returns:
        The scan.

    Raises:
        InputFileError: The file is missing.
        SegyError: The file is not readable SEG-Y.
        GeometryError: The headers give no usable post-stack geometry.
    """
    for name, byte in (("iline", iline), ("xline", xline), ("cdp_x", cdp_x), ("cdp_y", cdp_y)):
        _check_header_byte(name, byte)
    if sample_unit is not None and sample_unit not in SAMPLE_UNITS:
        raise SegyError(f"sample unit {sample_unit!r} is unknown; use one of {SAMPLE_UNITS}")
    layout = read_layout(local_path(path))
    check_segyio_agrees(layout)
    wanted = sorted({iline, xline, OFFSET_BYTE, cdp_x, cdp_y, COORD_SCALAR_BYTE})
    fields = read_header_fields(layout, wanted)
    first = read_header_fields(layout, [DELAY_BYTE, TIME_SCALAR_BYTE], 0, 1)
    delay = _scaled_time(int(first[DELAY_BYTE][0]), int(first[TIME_SCALAR_BYTE][0]))
    measurement = read_binary_field(layout, MEASUREMENT_SYSTEM_BYTE)
    try:
        geometry = build_geometry(
            fields[iline], fields[xline], fields[OFFSET_BYTE], iline_byte=iline, xline_byte=xline
        )
    except GeometryError:
        _refuse_wrong_sample_size(layout, iline, xline)
        raise
    text = read_text_header(layout)
    unit = sample_unit or _sample_unit(text, measurement)
    interval = (layout.interval_us or DEFAULT_INTERVAL_US) / 1000.0
    return SegyScan(
        layout=layout,
        geometry=geometry,
        samples=delay + interval * np.arange(layout.n_samples, dtype=np.float64),
        sample_unit=unit,
        sample_interval=interval,
        cdp_x=geometry.grid(apply_scalar(fields[cdp_x], fields[COORD_SCALAR_BYTE])),
        cdp_y=geometry.grid(apply_scalar(fields[cdp_y], fields[COORD_SCALAR_BYTE])),
        text_header=text,
        iline_byte=iline,
        xline_byte=xline,
        cdp_bytes=(cdp_x, cdp_y),
    )


def check_segyio_agrees(layout: Layout) -> None:
    """Refuse a file that segyio, which reads the samples, would read with other sizes.

    The layout's sample count and trace count are the ones every reader uses; segyio
    takes them from the binary header too, so they can only differ for a file whose
    headers contradict each other.

    Raises:
        SegyError: segyio cannot open the file, or sees another number of samples or
            traces.
    """
    with open_segyio(layout) as f:
        theirs = (len(f.samples), f.tracecount)
    mine = (layout.n_samples, layout.n_traces)
    if theirs != mine:
        raise SegyError(
            f"{layout.path}: its headers disagree: the file size and binary header give "
            f"{mine[0]} samples × {mine[1]} traces, but segyio reads {theirs[0]} × "
            f"{theirs[1]}; fix the binary header's sample count (bytes 3221-3222)"
        )


def _refuse_wrong_sample_size(layout: Layout, iline: int, xline: int) -> None:
    """After a geometry failure, say so when another sample size would give a geometry.

    A format code of the wrong width (8-byte code 9 on 4-byte data, say) can still
    divide the file into whole traces, but at the wrong stride, so the "trace headers"
    read are samples: this tells that from bad header bytes.

    Raises:
        SegyError: The samples are probably of another width than the format code says.
    """
    width = layout.sample_bytes
    data = layout.size - layout.data_start
    for other in sorted({size for _, size in FORMATS.values()} - {width}):
        trace_bytes = TRACE_HEADER_BYTES + layout.n_samples * other
        if data % trace_bytes:
            continue
        code = min(c for c, (_, size) in FORMATS.items() if size == other)
        guess = replace(layout, format_code=code, n_traces=data // trace_bytes)
        fields = read_header_fields(guess, sorted({iline, xline, OFFSET_BYTE}))
        try:
            build_geometry(fields[iline], fields[xline], fields[OFFSET_BYTE])
        except GeometryError:
            continue
        codes = " / ".join(str(c) for c, (_, size) in FORMATS.items() if size == other)
        raise SegyError(
            f"{layout.path}: format code {layout.format_code} ({layout.data_format}, "
            f"{width}-byte samples, bytes 3225-3226) does not fit the file: its trace "
            f"headers line up only for {other}-byte samples (format {codes}), so the "
            "format code is probably wrong; fix it in the binary header"
        )


def apply_scalar(values: np.ndarray, scalars: np.ndarray | int) -> np.ndarray:
    """Apply SEG-Y scalars (e.g. byte 71 to coordinates) to header values.

    A negative scalar divides, a positive one multiplies, and 0 means 1.

    Returns:
        The scaled values as float64.
    """
    v = np.asarray(values, dtype=np.float64)
    s = np.asarray(scalars, dtype=np.float64)
    return np.where(s < 0, v / np.where(s < 0, -s, 1.0), v * np.where(s > 0, s, 1.0))


def _scaled_time(value: int, scalar: int) -> float:
    """Apply the time scalar of byte 215 (SEG-Y rev 2) to a header time."""
    return float(apply_scalar(np.array(value), scalar))


def _sample_unit(text: str, measurement_system: int) -> str:
    """Find the sample unit declared in the textual header; default milliseconds.

    The binary header's measurement system (byte 3255) gives the unit of lengths, not
    the domain of the sample axis (time files routinely say metres), so it only picks
    feet over metres once the text has said the samples are depths.
    """
    upper = text.upper()
    for pattern in _UNIT_PATTERNS:
        for word in pattern.findall(upper):
            unit = _UNIT_WORDS.get(word)
            if unit == DEPTH_UNIT and measurement_system == 2:
                return "ft"
            if unit is not None:
                return unit
    return TIME_UNIT


def _check_header_byte(name: str, byte: int) -> None:
    valid = sorted(segyio.tracefield.keys.values())
    if byte not in valid:
        near = min(valid, key=lambda v: abs(v - byte))
        raise GeometryError(
            f"{name}={byte} is not the first byte of a trace-header field (did you mean "
            f"{near}?); common positions are {ILINE_BYTE}/{XLINE_BYTE}, 9/21 and 5/17"
        )
