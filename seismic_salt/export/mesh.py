"""Closed triangle meshes of salt bodies, and writers for GOCAD TSurf, OBJ and PLY.

Each connected salt body (see :mod:`seismic_salt.export.bodies`) becomes one closed
surface: marching cubes (``skimage.measure.marching_cubes``) on the probability at the
threshold, inside the body's bounding box padded with zeros so the surface closes where the
body meets the edge of the cube. Probabilities of voxels outside the body (other bodies,
NaN) are zeroed, so each mesh encloses one body only. Vertices are in world coordinates:
``x``, ``y`` (the survey's ``cdp_x``/``cdp_y`` units) and ``z`` = time or depth in the
sample unit, positive down. Triangles are ordered so their normals point out of the salt
(right-hand rule in ``x, y, z``).

The thresholded mask of the whole cube is held in memory (one byte per voxel, guarded by
``max_mask_bytes``) plus, per body, its bounding box of probabilities.
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

__all__ = [
    "MESH_FORMATS",
    "mesh_area",
    "mesh_volume",
    "read_tsurf",
    "salt_mesh",
    "write_mesh",
]

Mesh = tuple[np.ndarray, np.ndarray]


def salt_mesh(
    salt_probability: xr.DataArray,
    threshold: float = 0.5,
    min_size: int = 0,
    *,
    connectivity: int = 26,
    step_size: int = 1,
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
) -> list[Mesh]:
    """Build one closed surface per connected salt body.

    Args:
        salt_probability: Probability in [0, 1] on (inline, crossline, sample).
        threshold: Iso-value of the surfaces; voxels at or above it are salt.
        min_size: Drop bodies with fewer voxels than this.
        connectivity: 26 (voxels touching by a face, edge or corner are one body) or 6
            (faces only).
        step_size: Marching-cubes step in voxels; larger is coarser and faster.
        max_mask_bytes: Refuse cubes whose mask exceeds this many bytes.

    Returns:
        ``[(vertices, faces), ...]`` largest body first: ``vertices`` float64 (N, 3) world
        ``x, y, z``; ``faces`` int64 (M, 3) indices into ``vertices`` (0-based).

    Raises:
        DataError: If the cube's dims are wrong or the threshold is outside (0, 1).
        StoreError: If the mask would exceed ``max_mask_bytes``.

    Example:
        >>> meshes = salt_mesh(store.salt_probability, min_size=1000)  # doctest: +SKIP
        >>> write_mesh(meshes, "salt.ts")  # doctest: +SKIP
    """
    from skimage.measure import marching_cubes

    if not 0.0 < threshold < 1.0:
        raise DataError(f"threshold {threshold} is outside (0, 1): give e.g. 0.5")
    grid = SurveyGrid.from_dataarray(salt_probability)
    data = salt_probability.transpose("inline", "crossline", "sample")
    labels, sizes = label_bodies(data, threshold, connectivity, max_mask_bytes)
    boxes = ndimage.find_objects(labels)
    meshes: list[Mesh] = []
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
        # (k/254), so a body can sit exactly on it. Iso-level just below keeps them inside.
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


def _write_tsurf(meshes: Sequence[Mesh], path: Path, name: str, z_unit: str) -> None:
    with open(path, "w", encoding="ascii") as out:
        for number, (vertices, faces) in enumerate(meshes, start=1):
            out.write("GOCAD TSurf 1\nHEADER {\n")
            out.write(f"name:{name}_{number}\n")
            out.write("}\nGOCAD_ORIGINAL_COORDINATE_SYSTEM\nNAME Default\n")
            out.write('AXIS_NAME "X" "Y" "Z"\n')
            out.write(f'AXIS_UNIT "m" "m" "{z_unit}"\nZPOSITIVE Depth\n')
            out.write("END_ORIGINAL_COORDINATE_SYSTEM\nTFACE\n")
            out.writelines(
                f"VRTX {n} {x:.3f} {y:.3f} {z:.3f}\n"
                for n, (x, y, z) in enumerate(vertices, start=1)
            )
            out.writelines(f"TRGL {a + 1} {b + 1} {c + 1}\n" for a, b, c in faces)
            out.write("END\n")


def _write_obj(meshes: Sequence[Mesh], path: Path, name: str, z_unit: str) -> None:
    with open(path, "w", encoding="ascii") as out:
        out.write(f"# seismic-salt salt bodies; z in {z_unit}, positive down\n")
        base = 1
        for number, (vertices, faces) in enumerate(meshes, start=1):
            out.write(f"o {name}_{number}\n")
            out.writelines(f"v {x:.3f} {y:.3f} {z:.3f}\n" for x, y, z in vertices)
            out.writelines(f"f {a + base} {b + base} {c + base}\n" for a, b, c in faces)
            base += len(vertices)


def _write_ply(meshes: Sequence[Mesh], path: Path, name: str, z_unit: str) -> None:
    n_vertices = sum(len(v) for v, _ in meshes)
    n_faces = sum(len(f) for _, f in meshes)
    with open(path, "w", encoding="ascii") as out:
        out.write("ply\nformat ascii 1.0\n")
        out.write(f"comment {name}: seismic-salt salt bodies; z in {z_unit}, positive down\n")
        out.write(f"element vertex {n_vertices}\n")
        out.write("property double x\nproperty double y\nproperty double z\n")
        out.write(f"element face {n_faces}\n")
        out.write("property list uchar int vertex_indices\nproperty int body\nend_header\n")
        for vertices, _ in meshes:
            out.writelines(f"{x:.3f} {y:.3f} {z:.3f}\n" for x, y, z in vertices)
        base = 0
        for number, (vertices, faces) in enumerate(meshes, start=1):
            out.writelines(f"3 {a + base} {b + base} {c + base} {number}\n" for a, b, c in faces)
            base += len(vertices)


#: Mesh format name → (file extension, writer).
MESH_FORMATS = {
    "tsurf": (".ts", _write_tsurf),
    "obj": (".obj", _write_obj),
    "ply": (".ply", _write_ply),
}


def write_mesh(
    meshes: Sequence[Mesh],
    path: str | Path,
    fmt: str | None = None,
    *,
    name: str = "salt",
    z_unit: str = "ms",
    overwrite: bool = False,
) -> Path:
    """Write salt-body meshes to one file.

    Args:
        meshes: ``(vertices, faces)`` pairs as from :func:`salt_mesh`.
        path: Output file.
        fmt: ``tsurf`` (GOCAD ``.ts``, one TSURF object per body named ``<name>_<n>``),
            ``obj`` (one ``o <name>_<n>`` group per body) or ``ply`` (ASCII, all bodies in
            one mesh with a per-face ``body`` number). ``None`` picks it from the suffix.
        name: Base name of the bodies.
        z_unit: Unit of ``z`` noted in the file (``ms`` or ``m``).
        overwrite: Replace an existing file at ``path`` (atomically).

    Returns:
        The path written.

    Raises:
        DataError: If the format is not known or cannot be told from the suffix.
        OutputError: If ``path`` exists without ``overwrite`` or cannot be written.
    """
    from seismic_salt.outputs import atomic_file, check_output

    path = Path(path)
    if fmt is None:
        by_suffix = {ext: key for key, (ext, _) in MESH_FORMATS.items()}
        fmt = by_suffix.get(path.suffix.lower())
        if fmt is None:
            raise DataError(
                f"cannot tell the mesh format from {path.name!r}: use a suffix of "
                f"{sorted(by_suffix)} or give the format ({list(MESH_FORMATS)})"
            )
    if fmt not in MESH_FORMATS:
        raise DataError(f"mesh format {fmt!r} is not known: use one of {list(MESH_FORMATS)}")
    path = check_output(path, overwrite=overwrite)
    with atomic_file(path) as tmp:
        MESH_FORMATS[fmt][1](meshes, tmp, name, z_unit)
    return path


def read_tsurf(path: str | Path) -> list[tuple[str, Mesh]]:
    """Read the TSURF objects of a GOCAD ``.ts`` file.

    Returns:
        ``[(name, (vertices, faces)), ...]`` with 0-based faces.

    Raises:
        DataError: If the file is not a TSurf file.
    """
    objects: list[tuple[str, Mesh]] = []
    name, ids, vertices, faces = "", {}, [], []
    with open(path, encoding="ascii", errors="replace") as lines:
        first = lines.readline()
        if not first.startswith("GOCAD TSurf"):
            raise DataError(f"{path} is not a GOCAD TSurf file (first line {first.strip()!r})")
        for line in lines:
            key, _, rest = line.strip().partition(" ")
            if key.startswith("name:"):
                name = key[5:] + (" " + rest if rest else "")
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
