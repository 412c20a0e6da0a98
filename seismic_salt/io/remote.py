"""Paths that are fsspec URLs: SEG-Y read from ``s3://``, ``gs://``, ``memory://``...

segyio reads local files only (it is a C library with its own file handle), so a SEG-Y
at a URL is fetched once per process into fsspec's ``simplecache`` (a temporary folder)
and read from there; ``file://`` URLs are plain local paths. Zarr datasets at URLs need
no copy: zarr opens them through its own fsspec store. Any chained fsspec URL
(``simplecache::s3://...``) is passed through as it is.

Example:
    >>> is_url("s3://bucket/volume.sgy"), is_url("/data/volume.sgy")
    (True, False)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from seismic_salt.errors import InputFileError

__all__ = ["is_url", "local_path", "protocol"]


def is_url(path: Any) -> bool:
    """Whether ``path`` is an fsspec URL (``protocol://...`` or a chained ``a::b://``)."""
    return isinstance(path, str) and ("://" in path or "::" in path)


def protocol(path: str) -> str:
    """The (last) protocol of an fsspec URL: ``"s3"`` for ``simplecache::s3://b/k``."""
    return path.split("::")[-1].split("://", 1)[0] if "://" in path else "file"


def local_path(path: str | os.PathLike) -> Path:
    """Return a local file for ``path``: itself, or a cached copy of a URL.

    Raises:
        InputFileError: The URL names no file, or its filesystem is not installed.
    """
    if not is_url(path):
        return Path(path)
    import fsspec

    text = str(path)
    if protocol(text) == "file" and "::" not in text:
        return Path(fsspec.core.strip_protocol(text))
    url = text if "::" in text else f"simplecache::{text}"
    try:
        return Path(fsspec.open_local(url))
    except (FileNotFoundError, IsADirectoryError) as err:
        raise InputFileError(f"{text}: no such file at that URL; check the path") from err
    except (ImportError, ValueError) as err:  # no filesystem for the protocol
        raise InputFileError(f"{text}: fsspec cannot open it ({err})") from err
