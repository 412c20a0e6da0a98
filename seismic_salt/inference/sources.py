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

__all__ = ["check_volume", "live_mask", "open_source", "source_identity"]

# (resolved path, open options, chunks) -> ((mtime_ns, size), dataset)
_SOURCES: dict[tuple[str, tuple, tuple], tuple[tuple[int, int], Any]] = {}


def open_source(
    source: Any,
    open_options: Iterable[tuple[str, Any]] = (),
    chunks: dict[str, int] | None = None,
) -> Any:
    """Open a SEG-Y path as a dataset (cached per process) or pass a dataset through.

    Args:
        source: SEG-Y path, or a dataset / data array (returned as it is).
        open_options: Keyword arguments of ``open_segy`` (header bytes).
        chunks: Dask chunks to open with, so each task reads only its own traces.

    Raises:
        InputFileError: If the path does not exist.
        SegyError: If the file is not readable SEG-Y (from ``open_segy``).
        GeometryError: If its headers give no 3D geometry (from ``open_segy``).
    """
    if not isinstance(source, str | os.PathLike):
        return source
    path = Path(source)
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

    Raises:
        DataError: If it is not a 3D DataArray (or a dataset holding one) on those dims.
    """
    import xarray as xr

    if isinstance(amplitude, xr.Dataset):
        if AMPLITUDE not in amplitude:
            raise DataError("the dataset has no 'amplitude' variable; pass the amplitude array")
        amplitude = amplitude[AMPLITUDE]
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


def source_identity(source: Any, volume: Any) -> tuple[str, int]:
    """Return ``(resolved path, size in bytes)`` of a run's source for its store.

    A dataset or array gives its ``source_path`` attribute (``""`` without one) and,
    unless that names a file, its size in memory.
    """
    if isinstance(source, str | os.PathLike):
        path: Path | None = Path(source).resolve()
    else:
        given = Path(str(getattr(source, "attrs", {}).get("source_path", "") or ""))
        path = given.resolve() if str(given) != "." else None
    size = path.stat().st_size if path is not None and path.is_file() else int(volume.nbytes)
    return (str(path) if path is not None else ""), int(size)
