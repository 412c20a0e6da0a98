"""The identity of a source file: its size, modification time and a digest of its bytes.

A store records the identity of the SEG-Y it was made from, so a resumed run can tell
whether the file is still the one it started on: a file regenerated with the same size,
or edited in place, gets another identity. The digest covers the file's first 64 KiB
(textual and binary headers, the first traces), its last 64 KiB (the last traces) and
14 windows of 4 KiB spread between them (trace headers and samples), so it costs a few
reads however large the file is.

Example:
    >>> identity = file_identity("volume.sgy")  # doctest: +SKIP
    >>> describe_difference(identity, file_identity("volume.sgy")) is None  # doctest: +SKIP
    True
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from seismic_salt.errors import InputFileError

__all__ = ["FileIdentity", "describe_difference", "file_identity"]

EDGE_BYTES = 64 * 1024
"""Bytes read at the start and at the end of the file."""
WINDOWS = 14
"""Windows read between the start and the end."""
WINDOW_BYTES = 4 * 1024
"""Bytes of each window."""


@dataclass(frozen=True)
class FileIdentity:
    """What identifies a file's contents without reading all of it.

    Attributes:
        size: Size in bytes.
        mtime_ns: Modification time in nanoseconds.
        digest: BLAKE2b (128 bits) of the size and the bytes sampled, as hex.
    """

    size: int
    mtime_ns: int
    digest: str


def file_identity(path: str | os.PathLike) -> FileIdentity:
    """Return the identity of a file.

    Raises:
        InputFileError: The file is missing or cannot be read.
    """
    path = Path(path)
    try:
        stat = path.stat()
        digest = hashlib.blake2b(str(stat.st_size).encode(), digest_size=16)
        with path.open("rb") as fh:
            for offset in _offsets(stat.st_size):
                fh.seek(offset)
                digest.update(fh.read(_length(offset, stat.st_size)))
    except OSError as err:
        raise InputFileError(f"cannot read {path}: {err.strerror or err}") from err
    return FileIdentity(int(stat.st_size), int(stat.st_mtime_ns), digest.hexdigest())


def describe_difference(
    recorded: FileIdentity, current: FileIdentity, *, check_mtime: bool = True
) -> str | None:
    """Say how a file differs from the one recorded, or return None when it is the same.

    Args:
        recorded: The identity recorded earlier.
        current: The file's identity now.
        check_mtime: Also count a new modification time as a difference (a resumed run
            does; a copy of the same bytes is then another file).
    """
    if recorded.size != current.size:
        return f"its size is {current.size} bytes, not the {recorded.size} recorded"
    if recorded.digest != current.digest:
        return "its contents differ from the ones recorded"
    if check_mtime and recorded.mtime_ns != current.mtime_ns:
        return "it was modified since it was recorded"
    return None


def _offsets(size: int) -> list[int]:
    """Start of every part read: the start, the windows between, the end."""
    if size <= 2 * EDGE_BYTES:
        return [0]
    inner = size - 2 * EDGE_BYTES - WINDOW_BYTES
    windows = [EDGE_BYTES + inner * (k + 1) // (WINDOWS + 1) for k in range(WINDOWS)]
    return [0, *windows, size - EDGE_BYTES]


def _length(offset: int, size: int) -> int:
    if size <= 2 * EDGE_BYTES:
        return size
    return EDGE_BYTES if offset in (0, size - EDGE_BYTES) else WINDOW_BYTES
