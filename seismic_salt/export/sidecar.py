"""CRS sidecar files: ``<name>.prj`` beside an export whose format has no CRS field.

The ``.prj`` holds the CRS as ESRI WKT (one line, what GIS tools and Petrel read beside
a grid or a mesh); :func:`read_prj` reads it back as WKT2 with pyproj.
"""

from __future__ import annotations

from pathlib import Path

from seismic_salt.io.crs import esri_wkt, resolve_crs

__all__ = ["prj_path", "read_prj", "write_prj"]


def prj_path(path: str | Path) -> Path:
    """The sidecar of ``path``: the same name with the suffix ``.prj``."""
    return Path(path).with_suffix(".prj")


def write_prj(path: str | Path, wkt: str) -> Path:
    """Write ``wkt`` (any CRS pyproj reads) as ESRI WKT to ``path``, atomically.

    Raises:
        OutputError: The file cannot be written.
    """
    from seismic_salt.outputs import atomic_file

    with atomic_file(path) as tmp:
        tmp.write_text(esri_wkt(wkt) + "\n", encoding="ascii", errors="replace")
    return Path(path)


def read_prj(path: str | Path) -> str:
    """Return the WKT2 of the CRS in a ``.prj`` file.

    Raises:
        DataError: pyproj does not know the CRS in it.
    """
    return resolve_crs(Path(path).read_text(encoding="ascii", errors="replace"))
