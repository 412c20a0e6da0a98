"""How much memory is free, so work that cannot fit is refused before it starts.

Example:
    >>> check_fits(1024, "a tiny array")  # fits anywhere
"""

from __future__ import annotations

import os

from seismic_salt.errors import DataError

__all__ = ["available_bytes", "check_fits"]


def available_bytes() -> int | None:
    """Return the memory free for a new process's data in bytes, or None when unknown.

    Linux's ``MemAvailable`` (free memory plus caches that can be dropped), else the free
    physical pages the C library reports.
    """
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_fits(n_bytes: float, what: str) -> None:
    """Refuse work that needs more memory than is free.

    Args:
        n_bytes: The memory the work needs at its peak, estimated.
        what: The work, named in the message (``"a 4000x4000x1000 synthetic volume"``).

    Raises:
        DataError: More than the free memory is needed.
    """
    free = available_bytes()
    if free is not None and n_bytes > free:
        raise DataError(
            f"{what} needs about {_size(n_bytes)} of memory, but {_size(free)} is free: "
            "make it smaller"
        )


def _size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1024 or unit == "PB":
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.3g} PB"
