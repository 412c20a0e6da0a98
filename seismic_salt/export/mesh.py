"""Closed triangle meshes of salt bodies, written as TSurf, PLY, STL, VTU or OBJ.

Each connected salt body (see :mod:`seismic_salt.export.bodies`) becomes one closed
surface: marching cubes (``skimage.measure.marching_cubes``) on the probability at the
threshold, inside the body's bounding box padded with zeros so the surface closes where the
body meets the edge of the cube. Probabilities of voxels outside the body (other bodies,
NaN) are zeroed, so each mesh encloses one body only. Vertices are in world coordinates:
``x``, ``y`` (the survey's ``cdp_x``/``cdp_y`` units) and ``z`` = time or depth in the
sample unit, positive down. Triangles are ordered so their normals point out of the salt
(right-hand rule in ``x, y, z``).

The thresholded mask of the whole cube is held in memory (one byte per voxel, guarded by
``max_mask_bytes``) plus, per body, its bounding box of probabilities. Files are written
by xtgeo (TSurf) and meshio (the others): see :mod:`seismic_salt.export.mesh_io`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr
from scipy import ndimage

from seismic_salt.errors import DataError
from seismic_salt.export.bodies import label_bodies
from seismic_salt.export.grid import DEFAULT_MAX_MASK_BYTES, SurveyGrid
from seismic_salt.export.mesh_io import MESH_FORMATS, read_tsurf, write_mesh_file

__all__ = [
    "MESH_FORMATS",
    "Meshes",
    "mesh_area",
    "mesh_volume",
    "read_tsurf",
    "salt_mesh",
    "write_mesh",
]

Mesh = tuple[np.ndarray, np.ndarray]


class Meshes(list):
    """The meshes of :func:`salt_mesh`: a list of ``(vertices, faces)``.

    It also knows the CRS of x and y (``crs``, WKT or None) and the unit of z
    (``z_unit``), so :func:`write_mesh` carries both into the file.
    """

    crs: str | None = None
    z_unit: str = "ms"


def salt_mesh(
    salt_probability: xr.DataArray,
    threshold: float = 0.5,
    min_size: int = 0,
    *,
    connectivity: int = 26,
    step_size: int = 1,
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
    spacing: tuple[float, float] | None = None,
) -> Meshes:
    """Build one closed surface per connected salt body.

    Args:
        salt_probability: Probability in [0, 1] on (inline, crossline, sample).
        threshold: Iso-value of the surfaces; voxels at or above it are salt.
        min_size: Drop bodies with fewer voxels than this.
        connectivity: 26 (voxels touching by a face, edge or corner are one body) or 6
            (faces only).
        step_size: Marching-cubes step in voxels; larger is coarser and faster.
        max_mask_bytes: Refuse cubes whose mask exceeds this many bytes.
        spacing: Inline and crossline spacing in metres, for a cube whose CDP X/Y give
            no map grid (see :class:`~seismic_salt.export.grid.SurveyGrid`).

    Returns:
        :class:`Meshes`, ``[(vertices, faces), ...]`` largest body first: ``vertices``
        float64 (N, 3) world ``x, y, z``; ``faces`` int64 (M, 3) indices into
        ``vertices`` (0-based); with the cube's ``crs`` and sample unit.

    Raises:
        DataError: If the cube's dims are wrong or the threshold is outside (0, 1).
        GeometryError: If the CDP X/Y give no map grid and no ``spacing`` is given.
        StoreError: If the mask would exceed ``max_mask_bytes``.

    Example:
        >>> meshes = salt_mesh(store.salt_probability, min_size=1000)  # doctest: +SKIP
        >>> write_mesh(meshes, "salt.ts")  # doctest: +SKIP
    """
    from skimage.measure import marching_cubes

    if not 0.0 < threshold < 1.0:
        raise DataError(f"threshold {threshold} is outside (0, 1): give e.g. 0.5")
    grid = SurveyGrid.from_dataarray(salt_probability, spacing)
    data = salt_probability.transpose("inline", "crossline", "sample")
    labels, sizes = label_bodies(data, threshold, connectivity, max_mask_bytes)
    boxes = ndimage.find_objects(labels)
    meshes = Meshes()
    meshes.crs, meshes.z_unit = grid.crs, grid.sample_unit
    order = np.argsort(-sizes, kind="stable")
    for index in order:
        if sizes[index] < max(min_size, 1):
            continue
        body_id = index + 1
        box = _grow(boxes[index], data.shape)
        keep = np.isin(labels[box], (0, body_id))  # other bodies' voxels are zeroed
        values = np.asarray(data[box].values, dtype=np.float32)
        field = np.where(keep, np.nan_to_num(values, nan=0.0), 0.0)
        field = np.pad(field, 1)  # zeros all round: surfaces close at the cube's edges
        # Voxels exactly at the threshold are salt; stored probabilities are quantised
        # (k/256), so a body can sit exactly on it. Iso-level just below keeps them inside.
        level = float(np.nextafter(np.float32(threshold), np.float32(0)))
        verts, faces, _, _ = marching_cubes(
            field, level=level, step_size=step_size, allow_degenerate=False
        )
        offset = np.array([s.start for s in box], dtype=np.float64) - 1.0
        vertices = grid.world(verts + offset)
        faces = faces.astype(np.int64)
        if mesh_volume(vertices, faces) < 0:
            faces = faces[:, ::-1].copy()
        meshes.append((vertices, faces))
    return meshes


def _grow(box: tuple[slice, ...], shape: Sequence[int]) -> tuple[slice, ...]:
    """A bounding box grown by one voxel on every side, within the cube."""
    return tuple(
        slice(max(s.start - 1, 0), min(s.stop + 1, n)) for s, n in zip(box, shape, strict=True)
    )


def mesh_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Signed volume enclosed by a closed mesh (positive when normals point outwards)."""
    a, b, c = (vertices[faces[:, n]] for n in range(3))
    centre = vertices.mean(axis=0)
    a, b, c = a - centre, b - centre, c - centre
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def mesh_area(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Total area of a mesh's triangles."""
    a, b, c = (vertices[faces[:, n]] for n in range(3))
    return float(0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1).sum())


def write_mesh(
    meshes: Sequence[Mesh],
    path: str | Path,
    fmt: str | None = None,
    *,
    name: str = "salt",
    z_unit: str | None = None,
    crs: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write salt-body meshes to one file (see :mod:`seismic_salt.export.mesh_io`).

    Args:
        meshes: ``(vertices, faces)`` pairs as from :func:`salt_mesh`.
        path: Output file.
        fmt: ``tsurf`` (GOCAD ``.ts``, one TSURF object per body named ``<name>_<n>``,
            with the coordinate system), ``ply`` (binary), ``stl`` (binary), ``vtu``
            (with a per-cell ``body`` number) or ``obj``. ``None`` picks it from the
            suffix.
        name: Base name of the bodies.
        z_unit: Unit of ``z`` (``ms``, ``m`` or ``ft``); default: the meshes' own
            (:class:`Meshes`), else ``ms``.
        crs: CRS of x and y (WKT, ``"EPSG:NNNN"``...); default: the meshes' own. Formats
            without a CRS field get it in a ``.prj`` file beside ``path``.
        overwrite: Replace an existing file at ``path`` (and its ``.prj``) atomically.

    Returns:
        The path written.

    Raises:
        DataError: If the format is not known or cannot be told from the suffix, or the
            CRS is not known.
        OutputError: If ``path`` exists without ``overwrite`` or cannot be written.
    """
    from seismic_salt.export.sidecar import prj_path, write_prj
    from seismic_salt.io.crs import resolve_crs
    from seismic_salt.outputs import atomic_file, check_outputs

    path = Path(path)
    if fmt is None:
        by_suffix = {ext: key for key, ext in MESH_FORMATS.items()}
        fmt = by_suffix.get(path.suffix.lower())
        if fmt is None:
            raise DataError(
                f"cannot tell the mesh format from {path.name!r}: use a suffix of "
                f"{sorted(by_suffix)} or give the format ({list(MESH_FORMATS)})"
            )
    if fmt not in MESH_FORMATS:
        raise DataError(f"mesh format {fmt!r} is not known: use one of {list(MESH_FORMATS)}")
    crs = resolve_crs(crs) if crs else getattr(meshes, "crs", None)
    z_unit = z_unit or getattr(meshes, "z_unit", None) or "ms"
    files = {"mesh": path}
    if crs and fmt != "tsurf":
        files["prj"] = prj_path(path)
    paths = check_outputs(files, overwrite=overwrite)
    with atomic_file(paths["mesh"]) as tmp:
        write_mesh_file(meshes, tmp, fmt, name, z_unit, crs)
    if "prj" in paths:
        write_prj(paths["prj"], crs)
    return paths["mesh"]
