"""Write an ``[inline, crossline, sample]`` DataArray as a SEG-Y file (IEEE float).

With a template, the template's textual, binary (format set to 5) and trace headers are
copied and only the samples are replaced, matched by inline/crossline label; without
one, headers are built from the coords, inline-sorted. A CRS the data carry (the CF
``crs`` coordinate, :mod:`seismic_salt.io.crs`) is written as a ``CRS: EPSG:NNNN
(name)`` line of the textual header (a template's first blank line, else line 39).
The data are computed one block
of inlines at a time, and the file is written under a temporary name in the target
folder and renamed at the end (:mod:`seismic_salt.outputs`), so a failed write never
leaves a complete-looking file and never harms the file it was to replace.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from seismic_salt.errors import DataError
from seismic_salt.io.dims import CDP_X, CDP_Y, CROSSLINE, DIMS, INLINE, LIVE, SAMPLE, SAMPLE_UNITS
from seismic_salt.io.headers import ILINE_BYTE, XLINE_BYTE
from seismic_salt.io.layout import FILE_HEADER_BYTES, TEXT_HEADER_BYTES, TRACE_HEADER_BYTES

BLOCK_BYTES = 64 * 2**20
"""About how much of the data is computed at once."""
IEEE_FLOAT = 5
COORD_SCALAR = -100
"""Coordinate scalar written by default: coordinates stored in centimetres."""

_BINARY_FIELDS = {  # byte -> big-endian type, for a fresh file
    3213: ">i2",  # traces per ensemble
    3217: ">u2",  # sample interval (µs or mm)
    3221: ">u2",  # samples per trace
    3225: ">i2",  # sample format
    3229: ">i2",  # sorting code
    3255: ">i2",  # measurement system
    3501: "u1",  # SEG-Y revision, major
    3502: "u1",  # SEG-Y revision, minor
    3503: ">i2",  # fixed-length traces
}
_TRACE_FIELDS = {  # byte -> big-endian type, for a fresh file
    1: ">i4",  # trace sequence number within line
    5: ">i4",  # trace sequence number within file
    29: ">i2",  # trace identification code
    71: ">i2",  # coordinate scalar
    89: ">i2",  # coordinate units
    109: ">i2",  # delay recording time
    115: ">u2",  # samples in this trace
    117: ">u2",  # sample interval
    181: ">i4",  # CDP X
    185: ">i4",  # CDP Y
    189: ">i4",  # inline
    193: ">i4",  # crossline
    215: ">i2",  # scalar of the times in bytes 95-114
}


def to_segy(
    data: xr.DataArray,
    path: str | Path,
    template: str | Path | None = None,
    *,
    iline: int = ILINE_BYTE,
    xline: int = XLINE_BYTE,
    overwrite: bool = False,
) -> Path:
    """Write a volume as SEG-Y (IEEE float samples).

    Args:
        data: ``[inline, crossline, sample]`` values (numpy or dask) with those coords;
            optional ``cdp_x``/``cdp_y`` and ``live`` coords on (inline, crossline).
        path: The file to write; never the template.
        template: A SEG-Y file whose headers to copy. Its traces are matched to ``data``
            by inline/crossline label; traces missing from ``data`` get zeros, as do NaN
            samples. ``data``'s sample axis must equal the template's.
        iline: Trace-header byte of the template's inline numbers.
        xline: Trace-header byte of the template's crossline numbers.
        overwrite: Replace an existing file at ``path`` (atomically).

    Returns:
        The path written.

    Raises:
        DataError: ``data`` lacks the dims or coords, its sample axis is irregular or
            cannot be stored, or differs from the template's.
        InputFileError: The output folder or the template is missing.
        OutputError: ``path`` is the template, exists without ``overwrite``, or cannot
            be written.
        SegyError, GeometryError: The template is not a readable post-stack file.

    Example:
        >>> ds = open_segy("in.sgy")  # doctest: +SKIP
        >>> to_segy(ds.amplitude * 2, "out.sgy", template="in.sgy")  # doctest: +SKIP
    """
    from seismic_salt.outputs import atomic_file, check_output

    data = _as_volume(data)
    path = check_output(path, {"template": template}, overwrite=overwrite)
    with atomic_file(path) as tmp:
        if template is None:
            _write_fresh(data, tmp)
        else:
            _write_from_template(data, tmp, template, iline, xline)
    return path


def crs_line(data: xr.DataArray) -> str | None:
    """The textual-header line naming the data's CRS, or None without one."""
    from seismic_salt.io.crs import crs_label, crs_of

    wkt = crs_of(data)
    return f"CRS: {crs_label(wkt)}".upper() if wkt else None


def with_text_line(raw: bytes, line: str | None) -> bytes:
    """Put ``line`` into a 3200-byte textual header: its first blank line, else line 39.

    The header keeps its encoding (EBCDIC or ASCII) and its other lines.
    """
    if not line:
        return raw
    ebcdic = raw.count(0x40) > raw.count(0x20)
    codec = "cp037" if ebcdic else "latin-1"
    text = raw.decode(codec)
    rows = [text[i : i + 80] for i in range(0, TEXT_HEADER_BYTES, 80)]
    blank = [n for n in range(1, 39) if not rows[n][4:].strip()]
    n = blank[0] if blank else 38
    rows[n] = f"C{n + 1:2d} {line}"[:80].ljust(80)
    return "".join(rows).encode(codec, errors="replace")


def _as_volume(data: xr.DataArray) -> xr.DataArray:
    if not isinstance(data, xr.DataArray):
        raise DataError(
            f"to_segy needs an xr.DataArray (e.g. ds.amplitude), not {type(data).__name__}"
        )
    if set(data.dims) != set(DIMS) or data.ndim != 3:
        raise DataError(f"to_segy needs dims {DIMS}, got {tuple(data.dims)}")
    missing = [d for d in DIMS if d not in data.coords]
    if missing:
        raise DataError(f"to_segy needs coords {DIMS}; missing {missing}")
    return data.transpose(*DIMS)


def _inline_blocks(n_inlines: int, per_inline_bytes: int) -> list[slice]:
    step = max(1, BLOCK_BYTES // max(per_inline_bytes, 1))
    return [slice(i, min(i + step, n_inlines)) for i in range(0, n_inlines, step)]


def _block_values(data: xr.DataArray, rows: slice | np.ndarray) -> np.ndarray:
    """Compute one block of inlines as float32, NaN replaced by 0."""
    values = np.asarray(data.isel({INLINE: rows}).values, dtype=np.float32)
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


# --- fresh files -------------------------------------------------------------------------


def _write_fresh(data: xr.DataArray, tmp: Path) -> None:
    samples = np.asarray(data[SAMPLE].values, dtype=np.float64)
    unit = data[SAMPLE].attrs.get("units", "ms")
    if unit not in SAMPLE_UNITS:
        raise DataError(f"sample units {unit!r} cannot go into SEG-Y; use one of {SAMPLE_UNITS}")
    interval = _interval_field(samples, data.attrs.get("sample_interval"))
    delay, time_scalar = _delay_fields(samples[0])
    live = _live_mask(data)
    n_il, n_xl, n_s = data.shape
    record = np.dtype(
        [("header", _struct(_TRACE_FIELDS, TRACE_HEADER_BYTES)), ("data", ">f4", (n_s,))]
    )
    xs, ys, scalar = _scaled_coordinates(data)
    inlines = np.asarray(data[INLINE].values).astype(np.int64)
    crosslines = np.asarray(data[CROSSLINE].values).astype(np.int64)
    sequence = 0
    with open(tmp, "wb") as fh:
        fh.write(
            with_text_line(_text_header(unit, interval, samples[0], live.all()), crs_line(data))
        )
        fh.write(_binary_header(n_xl, interval, n_s, unit))
        for rows in _inline_blocks(n_il, n_xl * n_s * 4):
            mask = live[rows]
            il_pos, xl_pos = np.nonzero(mask)
            records = np.zeros(il_pos.size, dtype=record)
            h = records["header"]
            h["1"] = h["5"] = sequence + 1 + np.arange(il_pos.size)
            h["29"], h["71"], h["89"], h["115"], h["117"] = 1, scalar, 1, n_s, interval
            h["109"], h["215"] = delay, time_scalar
            h["189"], h["193"] = inlines[rows][il_pos], crosslines[xl_pos]
            h["181"], h["185"] = xs[rows][mask], ys[rows][mask]
            records["data"] = _block_values(data, rows)[il_pos, xl_pos]
            records.tofile(fh)
            sequence += il_pos.size


def _struct(fields: dict[int, str], itemsize: int, base: int = 1) -> np.dtype:
    """A structured dtype with the given fields at their 1-based byte positions."""
    return np.dtype(
        {
            "names": [str(b) for b in fields],
            "formats": list(fields.values()),
            "offsets": [b - base for b in fields],
            "itemsize": itemsize,
        }
    )


def _interval_field(samples: np.ndarray, fallback: float | None) -> int:
    if samples.size > 1:
        steps = np.diff(samples)
        interval = float(steps[0])
        if not np.allclose(steps, interval, rtol=1e-6, atol=1e-9):
            raise DataError("the sample axis is irregular; SEG-Y needs a constant interval")
    else:
        interval = float(fallback or 1.0)
    stored = round(interval * 1000) if np.isfinite(interval) else 0
    if not 0 < stored <= 65535 or abs(stored - interval * 1000) > 1e-3:
        raise DataError(
            f"sample interval {interval} cannot be stored in SEG-Y's 2-byte field (µs or mm); "
            "resample to an interval between 0.001 and 65.535"
        )
    return stored


def _delay_fields(first: float) -> tuple[int, int]:
    """The delay (byte 109) and its scalar (byte 215) that store the first sample."""
    for scale in (1, 10, 100, 1000):
        value = first * scale
        if abs(value - round(value)) < 1e-6 and abs(round(value)) <= 32767:
            return round(value), (-scale if scale > 1 else 0)
    raise DataError(
        f"the first sample {first} cannot be stored as a SEG-Y delay (a 16-bit integer "
        "with a scalar); shift the sample axis"
    )


def _live_mask(data: xr.DataArray) -> np.ndarray:
    if LIVE in data.coords and data[LIVE].dims == (INLINE, CROSSLINE):
        return np.asarray(data[LIVE].values, dtype=bool)
    return np.ones(data.shape[:2], dtype=bool)


def _scaled_coordinates(data: xr.DataArray) -> tuple[np.ndarray, np.ndarray, int]:
    """CDP X/Y as integers with a coordinate scalar (centimetres where they fit)."""
    shape = data.shape[:2]
    if CDP_X not in data.coords or CDP_Y not in data.coords:
        return np.zeros(shape, np.int64), np.zeros(shape, np.int64), 0
    xs = np.nan_to_num(np.asarray(data[CDP_X].transpose(INLINE, CROSSLINE).values, float))
    ys = np.nan_to_num(np.asarray(data[CDP_Y].transpose(INLINE, CROSSLINE).values, float))
    biggest = max(float(np.abs(xs).max(initial=0)), float(np.abs(ys).max(initial=0)))
    for scalar, factor in ((COORD_SCALAR, 100.0), (-10, 10.0), (1, 1.0)):
        if biggest * factor < 2**31 - 1:
            return (
                np.rint(xs * factor).astype(np.int64),
                np.rint(ys * factor).astype(np.int64),
                scalar,
            )
    raise DataError(f"coordinates up to {biggest} do not fit SEG-Y's 32-bit fields")


def _text_header(unit: str, interval: int, first: float, regular: bool) -> bytes:
    from seismic_salt import __version__

    lines = [
        f"SEISMIC-SALT {__version__}: POST-STACK VOLUME WRITTEN FROM XARRAY",
        "INLINE BYTE 189  CROSSLINE BYTE 193  CDP X 181  CDP Y 185  SCALAR 71",
        f"SAMPLE UNIT: {unit.upper()}  INTERVAL: {interval / 1000:g}  FIRST SAMPLE: {first:g}",
        "SAMPLE FORMAT 5 (IEEE FLOAT), BIG-ENDIAN, INLINE-SORTED",
        "SURVEY: " + ("REGULAR" if regular else "IRREGULAR, MISSING TRACES NOT WRITTEN"),
    ]
    lines += [""] * (39 - len(lines)) + ["END TEXTUAL HEADER"]
    text = "".join(f"C{i + 1:2d} {line}"[:80].ljust(80) for i, line in enumerate(lines))
    return text.encode("cp037")


def _binary_header(n_crosslines: int, interval: int, n_samples: int, unit: str) -> bytes:
    if n_samples > 65535:
        raise DataError(f"{n_samples} samples per trace exceed SEG-Y's 2-byte field (65535)")
    header = np.zeros(1, dtype=_struct(_BINARY_FIELDS, 400, base=TEXT_HEADER_BYTES + 1))
    header["3213"] = min(n_crosslines, 32767)
    header["3217"], header["3221"], header["3225"] = interval, n_samples, IEEE_FLOAT
    header["3229"] = 4  # horizontally stacked
    header["3255"] = {"m": 1, "ft": 2}.get(unit, 0)
    header["3501"], header["3502"], header["3503"] = 1, 0, 1
    return header.tobytes()


# --- template files ----------------------------------------------------------------------


def _write_from_template(
    data: xr.DataArray, tmp: Path, template: Path, iline: int, xline: int
) -> None:
    from seismic_salt.io.remote import local_path
    from seismic_salt.io.scan import scan_segy

    template = local_path(template)
    scan = scan_segy(template, iline=iline, xline=xline)
    layout = scan.layout
    if data.sizes[SAMPLE] != layout.n_samples or not np.allclose(
        np.asarray(data[SAMPLE].values, float), scan.samples, rtol=1e-6, atol=1e-6
    ):
        raise DataError(
            f"the data's sample axis ({data.sizes[SAMPLE]} samples from "
            f"{float(data[SAMPLE][0])}) differs from the template's ({layout.n_samples} from "
            f"{scan.samples[0]:g}, every {scan.sample_interval:g}); resample or use another "
            "template"
        )
    order = ">" if layout.byte_order == "big" else "<"
    n_s = layout.n_samples
    with open(template, "rb") as src, open(tmp, "wb") as dst:
        head = bytearray(src.read(layout.data_start))
        head[:TEXT_HEADER_BYTES] = with_text_line(bytes(head[:TEXT_HEADER_BYTES]), crs_line(data))
        fmt = np.dtype(order + "i2")
        head[FILE_HEADER_BYTES - 400 + 24 : FILE_HEADER_BYTES - 400 + 26] = np.array(
            IEEE_FLOAT, fmt
        ).tobytes()
        dst.write(head)
        dst.truncate(layout.data_start + layout.n_traces * (TRACE_HEADER_BYTES + 4 * n_s))
    record = np.dtype([("header", "V240"), ("data", order + "f4", (n_s,))])
    out = np.memmap(tmp, dtype=record, mode="r+", offset=layout.data_start, shape=layout.n_traces)
    try:
        _copy_trace_headers(template, layout, out)
        _fill_samples(data, scan, out)
        out.flush()
    finally:
        del out


def _copy_trace_headers(template: Path, layout, out: np.memmap) -> None:
    source = np.memmap(
        template,
        dtype=np.dtype([("header", "V240"), ("data", f"V{layout.trace_bytes - 240}")]),
        mode="r",
        offset=layout.data_start,
        shape=layout.n_traces,
    )
    step = max(1, BLOCK_BYTES // layout.trace_bytes)
    for start in range(0, layout.n_traces, step):
        out["header"][start : start + step] = source["header"][start : start + step]
    del source


def _fill_samples(data: xr.DataArray, scan, out: np.memmap) -> None:
    """Write ``data`` into the traces of the template's grid, one inline block at a time."""
    geometry = scan.geometry
    il_pos = data.get_index(INLINE).get_indexer(geometry.inlines)
    xl_pos = data.get_index(CROSSLINE).get_indexer(geometry.crosslines)
    n_xl, n_s = len(geometry.crosslines), scan.layout.n_samples
    for rows in _inline_blocks(len(geometry.inlines), n_xl * n_s * 4):
        ids = geometry.trace_index[rows]
        present = il_pos[rows] >= 0
        if not present.any():
            continue
        values = _block_values(data, il_pos[rows][present])
        ids = ids[present][:, xl_pos >= 0]
        values = values[:, xl_pos[xl_pos >= 0]]
        live = ids >= 0
        out["data"][ids[live]] = values[live]
