"""SEG-Y to xarray: a lazy, dask-backed view of a 3D post-stack volume, and back.

:func:`open_segy` reads only headers: the trace header fields of all traces (with
segyio's vectorised ``attributes``) give the inline/crossline grid (see
:mod:`seismic_salt.io.geometry`). Samples are read when dask computes a chunk, through
:class:`SegyBackendArray`, an xarray ``BackendArray`` holding the segyio handle in a
``CachingFileManager`` so the graph pickles to ``dask.distributed`` workers, which
reopen the file themselves. A chunk is a block of inlines × all crosslines × all
samples; its traces are read in runs of consecutive trace numbers, and cells without a
trace are NaN. The dask array itself is built in :mod:`seismic_salt.io.lazy`.

Writing lives in :mod:`seismic_salt.io.writer` and is re-exported here as
:func:`to_segy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import segyio
import xarray as xr
from xarray.backends import BackendArray, CachingFileManager
from xarray.backends.locks import SerializableLock
from xarray.core import indexing

from seismic_salt.errors import DataError, GeometryError
from seismic_salt.io.backend import SegyBackendEntrypoint
from seismic_salt.io.coordinates import warn_degenerate
from seismic_salt.io.crs import header_crs, with_crs
from seismic_salt.io.dims import AMPLITUDE, CDP_X, CDP_Y, CROSSLINE, DIMS, INLINE, LIVE, SAMPLE
from seismic_salt.io.headers import CDP_X_BYTE, CDP_Y_BYTE, ILINE_BYTE, XLINE_BYTE
from seismic_salt.io.scan import SegyScan, scan_segy
from seismic_salt.io.writer import to_segy

__all__ = [
    "SegyBackendArray",
    "SegyBackendEntrypoint",
    "dataset_from_scan",
    "default_chunks",
    "load_amplitude",
    "open_segy",
    "read_traces",
    "require_3d",
    "to_segy",
]

CHUNK_BYTES = 64 * 2**20
"""Target size of one default chunk (a block of whole inlines)."""


def open_segy(
    path: str | Path,
    *,
    iline: int = ILINE_BYTE,
    xline: int = XLINE_BYTE,
    cdp_x: int = CDP_X_BYTE,
    cdp_y: int = CDP_Y_BYTE,
    chunks: int | Mapping[str, int] | None = None,
    sample_unit: str | None = None,
    crs: str | None = None,
) -> xr.Dataset:
    """Open a post-stack SEG-Y file as a lazy ``xr.Dataset``.

    Only headers are read here; samples are read chunk by chunk when computed. CDP X/Y
    that give no map grid (all equal, or all on one line) are reported once with a
    :class:`~seismic_salt.errors.CoordinateWarning`.

    Args:
        path: The SEG-Y file, or an fsspec URL of one (``s3://``, ``memory://``...; read
            from a cached local copy, see :mod:`seismic_salt.io.remote`).
        iline: Trace-header byte of the inline number.
        xline: Trace-header byte of the crossline number.
        cdp_x: Trace-header byte of the CDP X coordinate.
        cdp_y: Trace-header byte of the CDP Y coordinate.
        chunks: Inlines per chunk (an int), or a mapping of dimension name to chunk size
            (-1 for the whole axis). ``None``: blocks of whole inlines of about 64 MB.
        sample_unit: ``"ms"``, ``"m"`` or ``"ft"``; ``None`` reads it from the textual
            header and defaults to ``"ms"``.
        crs: Coordinate reference system of CDP X/Y (``"EPSG:32615"``, WKT...), kept as
            the CF ``crs`` coordinate (:mod:`seismic_salt.io.crs`); None: the one a
            ``CRS: EPSG:NNNN`` line of the textual header names (as ``to_segy`` writes
            it), else none.

    Returns:
        A dataset with ``amplitude[inline, crossline, sample]`` (float32, dask; NaN where
        the survey has no trace), coords ``inline``, ``crossline``, ``sample`` (attr
        ``units``), ``cdp_x``/``cdp_y`` (scaled, on inline × crossline), ``live`` and,
        with ``crs``, ``crs``; attrs ``text_header``, ``sample_interval``,
        ``data_format``, ``byte_order``, ``source_path``, ``iline_byte``,
        ``xline_byte``, ``cdp_x_byte``, ``cdp_y_byte``, ``sorting``.

    Raises:
        InputFileError: The file is missing.
        SegyError: The file is not readable SEG-Y (text only, truncated, unknown format).
        GeometryError: The header bytes give no post-stack grid (wrong bytes, duplicate
            inline/crossline pairs, pre-stack data).
        DataError: pyproj does not know ``crs``.

    Example:
        >>> ds = open_segy("volume.sgy")  # doctest: +SKIP
        >>> ds.amplitude.sel(inline=1200).values  # reads one chunk  # doctest: +SKIP
    """
    scan = scan_segy(path, iline=iline, xline=xline, cdp_x=cdp_x, cdp_y=cdp_y,
                     sample_unit=sample_unit)  # fmt: skip
    return with_crs(dataset_from_scan(scan, chunks=chunks), crs or header_crs(scan.text_header))


def dataset_from_scan(
    scan: SegyScan, chunks: int | Mapping[str, int] | None = None, *, lazy_only: bool = False
) -> xr.Dataset:
    """Build the dataset of :func:`open_segy` from a scan.

    Args:
        scan: Headers and geometry of the file.
        chunks: As for :func:`open_segy`.
        lazy_only: Return xarray's lazily indexed array instead of a dask array (what an
            xarray backend returns; ``xr.open_dataset`` chunks it).

    Returns:
        The dataset.
    """
    layout = scan.layout
    warn_degenerate(scan.cdp_x, scan.cdp_y, scan.geometry.live, str(layout.path), scan.cdp_bytes)
    array = SegyBackendArray(scan)
    data: Any = indexing.LazilyIndexedArray(array)
    if not lazy_only:
        from seismic_salt.io.lazy import segy_dask_array

        sizes = _resolve_chunks(chunks, default_chunks(array.shape))
        data = segy_dask_array(array, tuple(sizes[dim] for dim in DIMS),
                               name=f"open_segy-{_token(scan, sizes)}")  # fmt: skip
    n_il, n_xl, n_s = array.shape
    preferred = {INLINE: 1, CROSSLINE: n_xl, SAMPLE: n_s}  # any inline block aligns
    variable = xr.Variable(DIMS, data, encoding={"preferred_chunks": preferred})
    geometry = scan.geometry
    coords = {
        INLINE: ((INLINE,), geometry.inlines, {"header_byte": scan.iline_byte}),
        CROSSLINE: ((CROSSLINE,), geometry.crosslines, {"header_byte": scan.xline_byte}),
        SAMPLE: ((SAMPLE,), scan.samples, {"units": scan.sample_unit}),
        CDP_X: ((INLINE, CROSSLINE), scan.cdp_x),
        CDP_Y: ((INLINE, CROSSLINE), scan.cdp_y),
        LIVE: ((INLINE, CROSSLINE), geometry.live),
    }
    attrs = {
        "text_header": scan.text_header,
        "sample_interval": scan.sample_interval,
        "data_format": layout.data_format,
        "byte_order": layout.byte_order,
        "source_path": str(layout.path),
        "iline_byte": scan.iline_byte,
        "xline_byte": scan.xline_byte,
        "cdp_x_byte": scan.cdp_bytes[0],
        "cdp_y_byte": scan.cdp_bytes[1],
        "sorting": geometry.sorting,
    }
    return xr.Dataset({AMPLITUDE: variable}, coords=coords, attrs=attrs)


def default_chunks(shape: tuple[int, int, int]) -> dict[str, int]:
    """Chunk sizes of a block of whole inlines of about :data:`CHUNK_BYTES`."""
    n_il, n_xl, n_s = shape
    per_inline = max(1, n_xl * n_s * 4)
    block = int(min(max(1, CHUNK_BYTES // per_inline), max(n_il, 1)))
    return {INLINE: block, CROSSLINE: n_xl, SAMPLE: n_s}


def require_3d(ds: xr.Dataset | xr.DataArray) -> None:
    """Refuse a 2D line where a step needs a 3D volume.

    Args:
        ds: A volume from :func:`open_segy`.

    Raises:
        GeometryError: Fewer than two inlines or two crosslines.
    """
    n_il, n_xl = ds.sizes[INLINE], ds.sizes[CROSSLINE]
    if n_il < 2 or n_xl < 2:
        source = ds.attrs.get("source_path", "the volume")
        raise GeometryError(
            f"{source} is a 2D line ({n_il} inline × {n_xl} crosslines), but this step needs "
            "a 3D volume with at least 2 inlines and 2 crosslines"
        )


def load_amplitude(ds: xr.Dataset | xr.DataArray) -> xr.DataArray:
    """Read a lazy amplitude (whole or a selection of it) into memory in one array.

    The whole ``amplitude`` of :func:`open_segy` already computes into one array (see
    :mod:`seismic_salt.io.lazy`), but a selection of it is a plain dask array, whose
    ``.compute()`` holds every chunk and then concatenates them into a new array: twice
    the size of the result. This writes each chunk of any dask-backed amplitude
    (including one chunked by ``xr.open_dataset``) into one preallocated array as it is
    read (``dask.array.store``); the whole ``amplitude`` is simply computed. See
    docs/io.md for measurements.

    Args:
        ds: A dataset from :func:`open_segy`, or its (possibly sliced) ``amplitude``.

    Returns:
        The amplitude as a numpy-backed DataArray with the same coords and attrs.
    """
    import dask.array as da

    from seismic_salt.io.lazy import SegyDaskArray

    amplitude = ds[AMPLITUDE] if isinstance(ds, xr.Dataset) else ds
    if isinstance(amplitude.data, SegyDaskArray) or not isinstance(amplitude.data, da.Array):
        return amplitude.compute()  # reads into one array already
    out = np.empty(amplitude.shape, dtype=amplitude.dtype)
    da.store(amplitude.data, out, lock=False)
    return amplitude.copy(data=out)


def read_traces(scan: SegyScan, trace_ids: np.ndarray) -> np.ndarray:
    """Read some traces of a scanned file into ``float32[len(trace_ids), n_samples]``.

    Args:
        scan: The file's scan.
        trace_ids: Trace numbers in the file; -1 gives a NaN trace.

    Returns:
        The traces, in the order asked for.
    """
    with segyio.open(str(scan.layout.path), "r", ignore_geometry=True,
                     endian=scan.layout.byte_order) as f:  # fmt: skip
        return read_trace_block(f, np.asarray(trace_ids), scan.layout.n_samples)


def read_trace_block(
    f: segyio.SegyFile, trace_ids: np.ndarray, n_samples: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Read the traces ``trace_ids`` (any shape; -1 = none) into a float32 array.

    Consecutive trace numbers are read in one call, so an inline block of an
    inline-sorted file is a single read, and of a crossline-sorted file one read per
    crossline.

    Args:
        f: An open segyio file.
        trace_ids: Trace numbers in the file, any shape; -1 where there is no trace.
        n_samples: Samples per trace.
        out: Write here (``float32[*trace_ids.shape, n_samples]``, any strides) instead
            of a new array.

    Returns:
        ``float32[*trace_ids.shape, n_samples]`` (``out`` when given), NaN where the id
        is -1.
    """
    shape = (*trace_ids.shape, n_samples)
    flat = trace_ids.ravel()
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    if flat.size and flat[0] >= 0 and np.all(np.diff(flat) == 1):
        _read_run(f, int(flat[0]), out)
        return out
    out[trace_ids < 0] = np.nan
    where = np.flatnonzero(flat >= 0)
    order = np.argsort(flat[where], kind="stable")
    where, ids = where[order], flat[where][order]
    breaks = np.flatnonzero(np.diff(ids) != 1) + 1
    for start, stop in zip(np.r_[0, breaks], np.r_[breaks, ids.size], strict=True):
        if stop > start:
            raw = f.trace.raw[int(ids[start]) : int(ids[stop - 1]) + 1]
            cells = np.unravel_index(where[start:stop], trace_ids.shape)
            out[cells] = raw.reshape(stop - start, n_samples)
    return out


def _read_run(f: segyio.SegyFile, first: int, out: np.ndarray) -> None:
    """Read consecutive traces, from trace ``first`` on, into ``out[..., sample]``.

    A C-contiguous float32 ``out`` of a float file is filled in place by segyio's trace
    reader on its internal handle ``f.xfd`` (the call ``f.trace.raw[a:b]`` makes on a
    buffer of its own), which saves a copy of every sample; otherwise the traces are
    read with ``f.trace.raw`` and copied.
    """
    n_samples = out.shape[-1]
    count = out.size // n_samples
    direct = hasattr(f, "xfd") and out.flags.c_contiguous
    if direct and out.dtype == f.dtype == np.float32:
        f.xfd.gettr(out.reshape(count, n_samples), first, 1, count, 0, n_samples, 1, n_samples)
    else:
        out[...] = f.trace.raw[first : first + count].reshape(out.shape)


class SegyBackendArray(BackendArray):
    """The samples of a scanned SEG-Y file as a lazily indexed ``[inline, crossline, sample]``.

    Pickles to its file path, byte order and trace grid; the segyio handle lives in a
    ``CachingFileManager`` and is reopened on demand in each process. Reads from one
    handle are serialised with a lock (segyio handles keep a file position).
    """

    def __init__(self, scan: SegyScan) -> None:
        layout = scan.layout
        self.trace_index = scan.geometry.trace_index
        self.shape = (*self.trace_index.shape, layout.n_samples)
        self.dtype = np.dtype(np.float32)
        self._lock = SerializableLock()
        self._manager = CachingFileManager(
            segyio.open,
            str(layout.path),
            mode="r",
            kwargs={"ignore_geometry": True, "endian": layout.byte_order},
            lock=self._lock,
        )

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.BASIC, self._raw_indexing_method
        )

    def read(self, region: tuple[slice, slice, slice], out: np.ndarray | None = None) -> np.ndarray:
        """The samples of a block, ``float32[inline, crossline, sample]``.

        Args:
            region: One slice per axis (positions, not labels).
            out: Write here (the block's shape, any strides) instead of a new array.

        Returns:
            The block (``out`` when given); NaN where the survey has no trace.
        """
        ids = self.trace_index[region[0], region[1]]
        n_samples = self.shape[2]
        whole_traces = region[2].indices(n_samples) == (0, n_samples, 1)
        with self._lock:
            f = self._manager.acquire(needs_lock=False)
            block = read_trace_block(f, ids, n_samples, out if whole_traces else None)
        if whole_traces:
            return block
        if out is None:
            return block[:, :, region[2]]
        out[...] = block[:, :, region[2]]
        return out

    def _raw_indexing_method(self, key: tuple) -> np.ndarray:
        block = self.read(tuple(k if isinstance(k, slice) else slice(k, k + 1) for k in key))
        drop = tuple(axis for axis, k in enumerate(key) if not isinstance(k, slice))
        return block.squeeze(axis=drop) if drop else block


def _resolve_chunks(
    chunks: int | Mapping[str, int] | None, default: dict[str, int]
) -> dict[str, int]:
    if chunks is None:
        return default
    if isinstance(chunks, int) and not isinstance(chunks, bool):
        return {**default, INLINE: chunks}
    if isinstance(chunks, Mapping) and set(chunks) <= set(DIMS):
        return {**default, **chunks}
    raise DataError(
        f"chunks={chunks!r} is not understood; give inlines per chunk (an int) or a mapping "
        f"of {DIMS} to sizes"
    )


def _token(scan: SegyScan, sizes: Mapping[str, int]) -> str:
    from dask.base import tokenize

    layout = scan.layout
    stat = layout.path.stat()
    return tokenize(
        str(layout.path), stat.st_size, stat.st_mtime_ns, layout.byte_order,
        scan.iline_byte, scan.xline_byte, dict(sizes),
    )  # fmt: skip
