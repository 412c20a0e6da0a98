"""Mesh files through maintained libraries: xtgeo for GOCAD TSurf, meshio for the rest.

===========  ======  ===========================================================
format       suffix  written by
===========  ======  ===========================================================
``tsurf``    .ts     xtgeo ``TriangulatedSurface`` (one TSURF object per body,
                     with its ``GOCAD_ORIGINAL_COORDINATE_SYSTEM`` block)
``ply``      .ply    meshio, binary little-endian
``stl``      .stl    meshio, binary
``vtu``      .vtu    meshio, VTK XML (binary, zlib), per-cell ``body`` number
``obj``      .obj    meshio, ASCII Wavefront
===========  ======  ===========================================================

All bodies go into one file. xtgeo writes one TSURF object at a time, so a ``.ts`` file
of several bodies is those objects one after the other (as GOCAD writes them), which
:func:`read_tsurf` reads; ``xtgeo.triangulated_surface_from_file`` reads a file of one
body. meshio's formats hold all bodies in one triangle mesh. A file with a CRS and no
field for it (every format but TSurf) gets a ``.prj`` sidecar
(:mod:`seismic_salt.export.sidecar`).

z is time or depth, positive down in both domains, so the TSurf block says
``ZPOSITIVE Depth``; its ``AXIS_UNIT`` is the CRS's map unit for x and y (``"m"`` when
there is no CRS) and the sample unit (``ms``, ``m`` or ``ft``) for z.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seismic_salt.errors import DataError

__all__ = ["MESH_FORMATS", "read_tsurf", "tsurf_coordinate_system", "write_mesh_file"]

Mesh = tuple[np.ndarray, np.ndarray]

MESH_FORMATS = {
    "tsurf": ".ts",
    "obj": ".obj",
    "ply": ".ply",
    "stl": ".stl",
    "vtu": ".vtu",
}
"""Mesh format name → file suffix."""


def tsurf_coordinate_system(crs: str | None, z_unit: str) -> dict:
    """The ``GOCAD_ORIGINAL_COORDINATE_SYSTEM`` of a TSurf file, as xtgeo takes it.

    Args:
        crs: WKT of the CRS of x and y, or None (``NAME Default``, metres assumed).
        z_unit: Sample unit: ``"ms"`` (time) or ``"m"``/``"ft"`` (depth).
    """
    from seismic_salt.io.crs import crs_label, horizontal_unit

    xy = horizontal_unit(crs)
    name = re.sub(r"\s+", "_", crs_label(crs).split(" (")[0]) if crs else "Default"
    return {
        "name": name,
        "axis_name": ("X", "Y", "Z"),
        "axis_unit": (xy, xy, z_unit),
        "zpositive": "Depth",  # z (time or depth) grows downwards
    }


def write_mesh_file(
    meshes: Sequence[Mesh], path: Path, fmt: str, name: str, z_unit: str, crs: str | None
) -> None:
    """Write ``meshes`` to ``path`` (a temporary file) in ``fmt``."""
    if fmt == "tsurf":
        _write_tsurf(meshes, path, name, tsurf_coordinate_system(crs, z_unit))
    else:
        _write_meshio(meshes, path, fmt)


def _write_tsurf(meshes: Sequence[Mesh], path: Path, name: str, coord_sys: dict) -> None:
    import xtgeo

    with open(path, "w", encoding="utf-8") as out:
        for number, (vertices, faces) in enumerate(meshes, start=1):
            surface = xtgeo.TriangulatedSurface(
                vertices=np.asarray(vertices, np.float64),
                triangles=np.asarray(faces, np.int64),
                name=f"{name}_{number}",
            )
            surface.metadata.freeform["tsurf_coord_sys"] = dict(coord_sys)
            text = io.StringIO()
            surface.to_file(text, fformat="tsurf")
            out.write(text.getvalue())


def _write_meshio(meshes: Sequence[Mesh], path: Path, fmt: str) -> None:
    import meshio

    points = [np.asarray(v, np.float64) for v, _ in meshes]
    offsets = np.cumsum([0] + [len(p) for p in points])
    faces = [np.asarray(f, np.int64) + base for (_, f), base in zip(meshes, offsets, strict=False)]
    body = [np.full(len(f), n, np.int32) for n, f in enumerate(faces, start=1)]
    mesh = meshio.Mesh(
        np.concatenate(points) if points else np.zeros((0, 3)),
        [("triangle", (np.concatenate(faces) if faces else np.zeros((0, 3))).astype(np.int32))],
        cell_data={"body": [np.concatenate(body) if body else np.zeros(0, np.int32)]},
    )
    if fmt in ("ply", "stl"):
        mesh.cell_data = {}  # meshio writes no cell data to these
        meshio.write(path, mesh, file_format=fmt, binary=True)
    elif fmt == "vtu":
        meshio.write(path, mesh, file_format="vtu")
    else:
        mesh.cell_data = {}
        meshio.write(path, mesh, file_format=fmt)


def read_tsurf(path: str | Path) -> list[tuple[str, Mesh]]:
    """Read the TSURF objects of a GOCAD ``.ts`` file (one or several).

    Returns:
        ``[(name, (vertices, faces)), ...]`` with 0-based faces.

    Raises:
        DataError: If the file is not a TSurf file.
    """
    objects: list[tuple[str, Mesh]] = []
    name, ids, vertices, faces = "", {}, [], []
    with open(path, encoding="utf-8", errors="replace") as lines:
        first = lines.readline()
        if not first.startswith("GOCAD TSurf"):
            raise DataError(f"{path} is not a GOCAD TSurf file (first line {first.strip()!r})")
        for line in lines:
            key, _, rest = line.strip().partition(" ")
            if key.startswith("name:"):
                name = (key[5:] + " " + rest).strip()
            elif key in ("VRTX", "PVRTX"):
                fields = rest.split()
                ids[int(fields[0])] = len(vertices)
                vertices.append([float(v) for v in fields[1:4]])
            elif key == "TRGL":
                faces.append([ids[int(v)] for v in rest.split()[:3]])
            elif key == "END":
                objects.append(
                    (name, (np.array(vertices, float).reshape(-1, 3), np.array(faces, np.int64)))
                )
                name, ids, vertices, faces = "", {}, [], []
    return objects
