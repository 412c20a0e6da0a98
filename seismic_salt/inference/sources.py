"""The volume a run reads: a SEG-Y path opened once per process, or an array passed in.

Workers reopen a SEG-Y path themselves (:func:`open_source`, cached per process and
keyed on the file's modification time and size, so a rewritten file is read afresh);
:func:`check_volume` gives every run the same ``amplitude[inline, crossline, sample]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import DataError, InputFileError
from seismic_salt.io.dims import AMPLITUDE, CROSSLINE, DIMS, INLINE, LIVE, SAMPLE
from seismic_salt.io.fingerprint import FileIdentity, file_identity
from seismic_salt.io.headers import CDP_X_BYTE, CDP_Y_BYTE, ILINE_BYTE, XLINE_BYTE

__all__ = [
    "DEFAULT_READING",
    "check_volume",
    "live_mask",
    "open_source",
    "reading_parameters",
    "source_identity",
]

DEFAULT_READING = {
    "iline": ILINE_BYTE,
    "xline": XLINE_BYTE,
    "cdp_x": CDP_X_BYTE,
    "cdp_y": CDP_Y_BYTE,
    "sample_unit": None,
}
"""``open_segy``'s reading parameters and their defaults (a store records all of them)."""

# (resolved path, open options, chunks) -> ((mtime_ns, size), dataset)
_SOURCES: dict[tuple[str, tuple, tuple], tuple[tuple[int, int], Any]] = {}


def open_source(
    source: Any,
    open_options: Iterable[tuple[str, Any]] = (),
    chunks: dict[str, int] | None = None,
) -> Any:
    """Open a SEG-Y path as a dataset (cached per process) or pass a dataset through.

    Args:
        source: SEG-Y path or fsspec URL, or a dataset / data array (returned as it is,
            with the ``crs`` of ``open_options`` when there is one).
        open_options: Keyword arguments of ``open_segy`` (header bytes, CRS).
        chunks: Dask chunks to open with, so each task reads only its own traces.

    Raises:
        InputFileError: If the path does not exist.
        SegyError: If the file is not readable SEG-Y (from ``open_segy``).
        GeometryError: If its headers give no 3D geometry (from ``open_segy``).
    """
    if not isinstance(source, str | os.PathLike):
        from seismic_salt.io.crs import with_crs

        return with_crs(source, dict(open_options).get("crs"))
    from seismic_salt.io.remote import local_path

    path = local_path(source)
    if not path.is_file():
        raise InputFileError(f"input volume {path} does not exist or is not a file")
    chunks = chunks or {INLINE: 1, CROSSLINE: -1, SAMPLE: -1}
    key = (str(path.resolve()), tuple(open_options), tuple(sorted(chunks.items())))
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _SOURCES.get(key)
    if cached is None or cached[0] != stamp:
        from seismic_salt.io.segy import open_segy

        _SOURCES[key] = (stamp, open_segy(path, chunks=chunks, **dict(open_options)))
    return _SOURCES[key][1]


def check_volume(amplitude: Any) -> Any:
    """Return the ``amplitude`` array of a volume, in ``(inline, crossline, sample)`` order.

    A dataset from another tool (MDIO, segysak, any zarr) is renamed first
    (:func:`seismic_salt.io.aliases.as_volume`: ``iline``/``xline``, ``time``/``twt``/
    ``depth``, ``data``/``seismic``...).

    Raises:
        DataError: If it is not a 3D DataArray (or a dataset holding one) on those dims.
    """
    import xarray as xr

    from seismic_salt.io.aliases import as_volume

    if isinstance(amplitude, xr.Dataset) or (
        isinstance(amplitude, xr.DataArray) and set(amplitude.dims) != set(DIMS)
    ):
        amplitude = as_volume(amplitude)[AMPLITUDE]
    if not isinstance(amplitude, xr.DataArray):
        raise DataError(f"amplitude must be an xarray DataArray, got {type(amplitude).__name__}")
    if set(amplitude.dims) != set(DIMS):
        raise DataError(f"amplitude dims must be {DIMS}, got {amplitude.dims}")
    return amplitude.transpose(*DIMS)


def live_mask(amplitude: Any) -> np.ndarray | None:
    """Return the bool ``[inline, crossline]`` mask of live traces, or None without one."""
    if LIVE in amplitude.coords:
        return np.asarray(amplitude.coords[LIVE].transpose(INLINE, CROSSLINE).values, bool)
    return None


def source_identity(source: Any, volume: Any) -> tuple[str, int, FileIdentity | None]:
    """Return ``(resolved path, size in bytes, file identity)`` of a run's source.

    A URL is recorded as it is, with the identity of its cached copy. A dataset or array
    gives its ``source_path`` attribute (``""`` without one) and, unless that names a
    file, its size in memory and no file identity.

    Raises:
        InputFileError: The source file cannot be read.
    """
    from seismic_salt.io.remote import is_url, local_path

    if is_url(source):
        identity = file_identity(local_path(source))
        return str(source), identity.size, identity
    if isinstance(source, str | os.PathLike):
        path: Path | None = Path(source).resolve()
    else:
        given = Path(str(getattr(source, "attrs", {}).get("source_path", "") or ""))
        path = given.resolve() if str(given) != "." else None
    if path is None or not path.is_file():
        return (str(path) if path is not None else ""), int(volume.nbytes), None
    identity = file_identity(path)
    return str(path), identity.size, identity


def reading_parameters(source: Any, open_options: Iterable[tuple[str, Any]] = ()) -> dict:
    """Return how a run reads its source: ``open_segy``'s header bytes and sample unit.

    A SEG-Y path is read with :data:`DEFAULT_READING` updated by ``open_options``; a
    dataset records the header bytes it was opened with (its ``iline_byte`` and
    ``xline_byte`` attributes), when it has them.
    """
    if isinstance(source, str | os.PathLike):
        return {**DEFAULT_READING, **dict(open_options)}
    attrs = getattr(source, "attrs", {})
    return {key: attrs[f"{key}_byte"] for key in ("iline", "xline") if f"{key}_byte" in attrs}
