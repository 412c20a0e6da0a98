"""Errors a user can cause.

Every error that bad input can trigger is a :class:`SeismicSaltError`; the CLI prints
its one-line message and exits with status 2. Bugs still raise ordinary exceptions.
Messages name the problem, the offending value and, where there is one, the fix.
"""

from __future__ import annotations


class SeismicSaltError(Exception):
    """Base class of all user-facing errors of seismic-salt."""


class InputFileError(SeismicSaltError, FileNotFoundError):
    """A file or directory the user named is missing or unreadable."""


class SegyError(SeismicSaltError, ValueError):
    """A SEG-Y file is not readable: not SEG-Y, truncated, or an unsupported format."""


class GeometryError(SeismicSaltError, ValueError):
    """A SEG-Y file's trace headers do not describe a usable 3D post-stack geometry."""


class CheckpointError(SeismicSaltError, ValueError):
    """A model checkpoint is missing, corrupt, unsafe or does not match its config."""


class DataError(SeismicSaltError, ValueError):
    """Input data (arrays, tiles, labels) has the wrong shape, type or content."""


class StoreError(SeismicSaltError, ValueError):
    """A store is incomplete, damaged, belongs to another run, or cannot be written."""


class OutputError(StoreError):
    """An output may not be written where asked (see :mod:`seismic_salt.outputs`).

    It is one of the command's own inputs, exists and ``overwrite`` was not given, is a
    directory, link or foreign file the command will not replace, or its folder cannot
    be written.
    """


class SeismicSaltWarning(UserWarning):
    """Base class of the warnings of seismic-salt (the CLI prints each as one line)."""


class CoordinateWarning(SeismicSaltWarning):
    """A volume's CDP X/Y are degenerate: all equal, or all on one line."""
