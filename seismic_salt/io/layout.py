"""What a SEG-Y file's own bytes say about it: byte order, sample format and sizes.

The 3600-byte file header is read and checked with numpy before segyio sees the file,
so a wrong file gets a message that says what is wrong (too small, text only, truncated,
an unknown sample format) rather than segyio's generic one. Byte order is detected from
the SEG-Y rev 2 byte-order constant when present, otherwise from which reading of the
binary header makes sense (a known format code, a sample count, a file size that is a
whole number of traces).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seismic_salt.errors import InputFileError, SegyError

TEXT_HEADER_BYTES = 3200
FILE_HEADER_BYTES = 3600
TRACE_HEADER_BYTES = 240
BYTE_ORDER_CONSTANT = 0x01020304

FORMATS: dict[int, tuple[str, int]] = {
    1: ("ibm float", 4),
    2: ("int32", 4),
    3: ("int16", 2),
    5: ("ieee float", 4),
    6: ("ieee float64", 8),
    8: ("int8", 1),
    9: ("int64", 8),
    10: ("uint32", 4),
    11: ("uint16", 2),
    12: ("uint64", 8),
    16: ("uint8", 1),
}
"""Sample format code -> (name, bytes per sample), for the formats segyio reads."""

UNSUPPORTED_FORMATS = {
    4: "4-byte fixed point with gain",
    7: "3-byte integer",
    15: "3-byte unsigned integer",
}

# byte positions (1-based, as in the standard) of binary-header fields
_BIN_INTERVAL, _BIN_SAMPLES, _BIN_FORMAT = 3217, 3221, 3225
_BIN_EXT_SAMPLES, _BIN_BYTE_ORDER, _BIN_EXT_HEADERS = 3269, 3297, 3505
_TR_SAMPLES, _TR_INTERVAL = 115, 117


@dataclass(frozen=True)
class Layout:
    """Sizes and encoding of a SEG-Y file, read from its file header.

    Attributes:
        path: Absolute path of the file.
        size: File size in bytes.
        byte_order: ``"big"`` or ``"little"``.
        format_code: Sample format code of the binary header (bytes 3225-3226).
        n_samples: Samples per trace.
        interval_us: Sample interval as stored (µs for time, mm for depth); 0 if unset.
        data_start: Byte offset of the first trace header.
        n_traces: Number of traces.
    """

    path: Path
    size: int
    byte_order: str
    format_code: int
    n_samples: int
    interval_us: int
    data_start: int
    n_traces: int

    @property
    def data_format(self) -> str:
        """Name of the sample format, e.g. ``"ibm float"``."""
        return FORMATS[self.format_code][0]

    @property
    def sample_bytes(self) -> int:
        """Bytes per sample."""
        return FORMATS[self.format_code][1]

    @property
    def trace_bytes(self) -> int:
        """Bytes per trace, header included."""
        return TRACE_HEADER_BYTES + self.n_samples * self.sample_bytes


@dataclass(frozen=True)
class _Reading:
    """One interpretation of the binary header in one byte order.

    ``n_samples`` is the binary header's count (bytes 3221-3222, else the extended count
    at 3269-3272) and ``trace_samples`` the first trace header's (bytes 115-116): the
    binary count is the one segyio reads the file with, so it is the layout's.
    """

    byte_order: str
    format_code: int
    n_samples: int
    interval_us: int
    data_start: int
    has_order_constant: bool
    trace_samples: int = 0

    def score(self, size: int) -> int:
        points = 10 if self.has_order_constant else 0
        points += 3 if self.format_code in FORMATS or self.format_code in UNSUPPORTED_FORMATS else 0
        n_samples = self.n_samples or self.trace_samples
        points += 1 if n_samples > 0 else 0
        if self.format_code in FORMATS and n_samples > 0:
            trace_bytes = TRACE_HEADER_BYTES + n_samples * FORMATS[self.format_code][1]
            data = size - self.data_start
            points += 2 if data > 0 and data % trace_bytes == 0 else 0
        return points


def read_layout(path: str | Path) -> Layout:
    """Check a SEG-Y file's header and sizes and say how to read it.

    Args:
        path: The SEG-Y file.

    Returns:
        The file's layout.

    Raises:
        InputFileError: The file is missing or is a directory.
        SegyError: Not SEG-Y, no traces, an unsupported sample format, or a file size
            that is not a whole number of traces (truncated, or a wrong binary header).
    """
    path = Path(path).expanduser().absolute()
    if not path.exists():
        raise InputFileError(f"{path}: no such file; check the path")
    if not path.is_file():
        raise InputFileError(f"{path} is not a file; give the path of a SEG-Y file")
    size = path.stat().st_size
    if size < FILE_HEADER_BYTES:
        raise SegyError(
            f"{path} is {size} bytes, smaller than the {FILE_HEADER_BYTES}-byte SEG-Y file "
            "header: not a SEG-Y file"
        )
    with open(path, "rb") as fh:
        head = fh.read(FILE_HEADER_BYTES)
        readings = [_read_binary_header(head, fh, order) for order in ("big", "little")]
    best = max(readings, key=lambda r: r.score(size))  # max keeps "big" on a tie
    _check_format(path, best, readings)
    return _layout(path, size, best)


def _field(buf: bytes, pos: int, order: str, kind: str) -> int:
    """Read a binary field at 1-based byte ``pos`` relative to ``buf``."""
    dtype = np.dtype(kind).newbyteorder(">" if order == "big" else "<")
    return int(np.frombuffer(buf, dtype=dtype, count=1, offset=pos - 1)[0])


def _read_binary_header(head: bytes, fh, order: str) -> _Reading:
    format_code = _field(head, _BIN_FORMAT, order, "i2")
    n_samples = _field(head, _BIN_SAMPLES, order, "u2") or max(
        _field(head, _BIN_EXT_SAMPLES, order, "i4"), 0
    )
    interval = _field(head, _BIN_INTERVAL, order, "u2")
    n_ext = _field(head, _BIN_EXT_HEADERS, order, "i2")
    data_start = FILE_HEADER_BYTES + TEXT_HEADER_BYTES * max(n_ext, 0)
    trace_samples = 0
    fh.seek(data_start)
    trace_header = fh.read(TRACE_HEADER_BYTES)
    if len(trace_header) == TRACE_HEADER_BYTES:
        trace_samples = _field(trace_header, _TR_SAMPLES, order, "u2")
        interval = interval or _field(trace_header, _TR_INTERVAL, order, "u2")
    constant = _field(head, _BIN_BYTE_ORDER, order, "u4") == BYTE_ORDER_CONSTANT
    return _Reading(order, format_code, n_samples, interval, data_start, constant, trace_samples)


def _check_format(path: Path, best: _Reading, readings: list[_Reading]) -> None:
    code = best.format_code
    if code in UNSUPPORTED_FORMATS:
        raise SegyError(
            f"{path}: sample format {code} ({UNSUPPORTED_FORMATS[code]}) is not supported; "
            f"convert the file to one of formats {sorted(FORMATS)} (5 = IEEE float)"
        )
    if code not in FORMATS:
        codes = " / ".join(f"{r.format_code} ({r.byte_order}-endian)" for r in readings)
        raise SegyError(
            f"{path} is not a SEG-Y file: its binary-header format code (bytes 3225-3226) "
            f"reads {codes}, and valid codes are {sorted(FORMATS)}"
        )
    if best.n_samples <= 0 and best.trace_samples > 0:
        raise SegyError(
            f"{path}: the binary header says 0 samples per trace (bytes 3221-3222) but the "
            f"first trace header says {best.trace_samples} (bytes 115-116); segyio reads "
            "traces by the binary header, so set its sample count (e.g. with segyio: "
            f"f.bin[segyio.BinField.Samples] = {best.trace_samples})"
        )
    if best.n_samples <= 0:
        raise SegyError(
            f"{path}: broken binary header: 0 samples per trace at bytes 3221-3222 and in "
            "the first trace header (bytes 115-116)"
        )


def _layout(path: Path, size: int, r: _Reading) -> Layout:
    trace_bytes = TRACE_HEADER_BYTES + r.n_samples * FORMATS[r.format_code][1]
    data = size - r.data_start
    if data <= 0:
        raise SegyError(
            f"{path} holds only the {r.data_start}-byte file header and no traces "
            "(a text-only file?): nothing to read"
        )
    n_traces, rest = divmod(data, trace_bytes)
    if rest:
        expected = r.data_start + (n_traces + 1) * trace_bytes
        raise SegyError(
            f"{path} is {size} bytes, but its headers imply {trace_bytes}-byte traces "
            f"(240 + {r.n_samples} samples × {FORMATS[r.format_code][1]} bytes, format "
            f"{r.format_code}): {n_traces} whole traces and {rest} bytes over, so the file is "
            f"truncated (the next whole trace would end at {expected} bytes) or its binary "
            "header is wrong"
        )
    return Layout(
        path=path,
        size=size,
        byte_order=r.byte_order,
        format_code=r.format_code,
        n_samples=r.n_samples,
        interval_us=r.interval_us,
        data_start=r.data_start,
        n_traces=n_traces,
    )


def decode_text_header(raw: bytes) -> str:
    """Decode a 3200-byte textual header (EBCDIC or ASCII) into 40 lines of text.

    Args:
        raw: The raw header bytes.

    Returns:
        The lines joined by newlines, trailing blanks removed.
    """
    ebcdic = raw.count(0x40) > raw.count(0x20)  # EBCDIC space is 0x40
    text = raw.decode("cp037" if ebcdic else "latin-1")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    lines = [text[i : i + 80].rstrip() for i in range(0, len(text), 80)]
    return "\n".join(lines).rstrip()


def read_binary_field(layout: Layout, byte: int, kind: str = "i2") -> int:
    """Read one binary-header field (1-based ``byte``, numpy ``kind``) in the file's order."""
    with open(layout.path, "rb") as fh:
        return _field(fh.read(FILE_HEADER_BYTES), byte, layout.byte_order, kind)


def read_text_header(layout: Layout) -> str:
    """Read and decode the file's main textual header."""
    with open(layout.path, "rb") as fh:
        return decode_text_header(fh.read(TEXT_HEADER_BYTES))


HEADER_BATCH_TRACES = 65536
"""Trace headers read per batch when scanning (15 MB of headers)."""


def header_field_width(byte: int) -> int:
    """Width in bytes (2 or 4) of the standard trace-header field starting at ``byte``."""
    import segyio

    starts = sorted(segyio.tracefield.keys.values())
    pos = starts.index(byte)
    return 4 if pos + 1 == len(starts) else starts[pos + 1] - byte


def read_header_fields(
    layout: Layout, fields: list[int], start: int = 0, stop: int | None = None
) -> dict[int, np.ndarray]:
    """Read trace-header fields of traces ``start:stop`` in one pass over the file.

    The headers are read through a memory map, a batch of traces at a time, and every
    field is cut out of the same batch, so the file is visited once however many fields
    are asked for (segyio's ``attributes`` makes one seek-and-read pass per field).

    Args:
        layout: The file's layout.
        fields: 1-based start bytes of standard trace-header fields (e.g. 189).
        start: First trace.
        stop: One past the last trace; ``None`` for all.

    Returns:
        Field byte -> int64 values, one per trace.
    """
    stop = layout.n_traces if stop is None else stop
    order = ">" if layout.byte_order == "big" else "<"
    widths = {b: header_field_width(b) for b in fields}
    out = {b: np.empty(stop - start, dtype=np.int64) for b in fields}
    record = np.dtype(
        [("h", (np.uint8, TRACE_HEADER_BYTES)), ("d", f"V{layout.trace_bytes - 240}")]
    )
    traces = np.memmap(layout.path, dtype=record, mode="r", offset=layout.data_start,
                       shape=layout.n_traces)  # fmt: skip
    try:
        for lo in range(start, stop, HEADER_BATCH_TRACES):
            hi = min(lo + HEADER_BATCH_TRACES, stop)
            headers = np.ascontiguousarray(traces["h"][lo:hi])
            for b, width in widths.items():
                raw = np.ascontiguousarray(headers[:, b - 1 : b - 1 + width])
                out[b][lo - start : hi - start] = raw.view(f"{order}i{width}").ravel()
    finally:
        del traces
    return out
