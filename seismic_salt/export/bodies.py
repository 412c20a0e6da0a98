"""Connected salt bodies: sizes, volumes and extents.

Salt is every voxel whose probability is at least the threshold (NaN is not salt). Voxels
are joined into bodies by :func:`scipy.ndimage.label` with 26-connectivity by default
(voxels sharing a face, an edge or a corner belong to one body) or 6-connectivity (faces
only, which splits bodies touching only along an edge or at a corner).

Volume is ``voxels × bin area × sample interval``: cubic metres for depth cubes
(``volume_unit`` ``"m3"``), but ``"m2*ms"`` (map area times two-way time thickness) for time
cubes, which have no depth without a velocity model. The whole thresholded mask is held in
memory (one byte per voxel, plus four per voxel for the labels); cubes whose mask would
exceed ``max_mask_bytes`` are refused with a :class:`~seismic_salt.errors.StoreError`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import ndimage

from seismic_salt.errors import DataError
from seismic_salt.export.grid import DEFAULT_MAX_MASK_BYTES, SurveyGrid, salt_mask

__all__ = ["label_bodies", "salt_bodies"]


def label_bodies(
    salt_probability: xr.DataArray,
    threshold: float = 0.5,
    connectivity: int = 26,
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
) -> tuple[np.ndarray, np.ndarray]:
    """Label connected salt voxels.

    Args:
        salt_probability: Probability on (inline, crossline, sample).
        threshold: Voxels at or above it are salt.
        connectivity: 26 or 6 (see the module docstring).
        max_mask_bytes: Refuse cubes whose mask exceeds this many bytes.
        spacing: Inline and crossline spacing in metres, for a cube whose CDP X/Y give
            no map grid (see :class:`~seismic_salt.export.grid.SurveyGrid`).

    Returns:
        ``(labels, sizes)``: int32 labels in (inline, crossline, sample) order, 0 outside
        salt and ``n`` in body ``n``; ``sizes[n - 1]`` is the voxel count of body ``n``.

    Raises:
        DataError: If the connectivity is not 6 or 26.
        StoreError: If the mask would exceed ``max_mask_bytes``.
    """
    if connectivity not in (6, 26):
        raise DataError(f"connectivity {connectivity} is not 6 or 26")
    mask = salt_mask(salt_probability, threshold, max_mask_bytes)
    structure = ndimage.generate_binary_structure(3, 1 if connectivity == 6 else 3)
    labels, count = ndimage.label(mask, structure=structure, output=np.int32)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    return labels, sizes


def salt_bodies(
    salt_probability: xr.DataArray,
    threshold: float = 0.5,
    min_size: int = 0,
    connectivity: int = 26,
    *,
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
    spacing: tuple[float, float] | None = None,
) -> list[dict]:
    """List the connected salt bodies, largest first.

    Args:
        salt_probability: Probability in [0, 1] on (inline, crossline, sample) with
            ``cdp_x``/``cdp_y`` coords.
        threshold: Voxels at or above it are salt.
        min_size: Leave out bodies with fewer voxels than this.
        connectivity: 26 (faces, edges and corners) or 6 (faces only).
        max_mask_bytes: Refuse cubes whose mask exceeds this many bytes.
        spacing: Inline and crossline spacing in metres, for a cube whose CDP X/Y give
            no map grid (see :class:`~seismic_salt.export.grid.SurveyGrid`).

    Returns:
        One dict per body, JSON-ready: ``id`` (1 = largest), ``voxels``, ``volume``,
        ``volume_unit`` (``"m3"`` for depth, ``"m2*ms"`` for time), ``inline``,
        ``crossline``, ``sample`` (``[first, last]`` survey numbers and sample values of the
        bounding box), ``x``, ``y`` (``[min, max]`` world coordinates of the box's trace
        centres) and ``centroid`` (``{"x", "y", "z"}`` mean of the voxels).

    Raises:
        DataError: If the dims, threshold or connectivity are wrong.
        GeometryError: If the CDP X/Y give no map grid and no ``spacing`` is given.
        StoreError: If the mask would exceed ``max_mask_bytes``.

    Example:
        >>> for body in salt_bodies(store.salt_probability, min_size=500):  # doctest: +SKIP
        ...     print(body["id"], body["voxels"], body["volume"], body["volume_unit"])
    """
    if not 0.0 < threshold <= 1.0:
        raise DataError(f"threshold {threshold} is outside (0, 1]: give e.g. 0.5")
    grid = SurveyGrid.from_dataarray(salt_probability, spacing)
    labels, sizes = label_bodies(salt_probability, threshold, connectivity, max_mask_bytes)
    voxel = grid.cell_area * grid.sample_step
    unit = "m2*ms" if grid.sample_unit == "ms" else f"{grid.sample_unit}3"
    boxes = ndimage.find_objects(labels)
    index = np.arange(1, len(sizes) + 1)
    centres = ndimage.center_of_mass(labels > 0, labels, index) if len(sizes) else []
    bodies = []
    for n in np.argsort(-sizes, kind="stable"):
        if sizes[n] < min_size or boxes[n] is None:
            continue
        box = boxes[n]
        first = [s.start for s in box]
        last = [s.stop - 1 for s in box]
        corners = np.array(
            [[i, j, 0] for i in (first[0], last[0]) for j in (first[1], last[1])], float
        )
        xyz = grid.world(corners)
        centre = grid.world(np.array([centres[n]], float))[0]
        bodies.append(
            {
                "voxels": int(sizes[n]),
                "volume": float(sizes[n] * voxel),
                "volume_unit": unit,
                "inline": [_num(grid.inlines[first[0]]), _num(grid.inlines[last[0]])],
                "crossline": [_num(grid.crosslines[first[1]]), _num(grid.crosslines[last[1]])],
                "sample": [
                    float(grid.sample_value(first[2])),
                    float(grid.sample_value(last[2])),
                ],
                "x": [float(xyz[:, 0].min()), float(xyz[:, 0].max())],
                "y": [float(xyz[:, 1].min()), float(xyz[:, 1].max())],
                "centroid": {"x": float(centre[0]), "y": float(centre[1]), "z": float(centre[2])},
            }
        )
    return [{"id": number, **body} for number, body in enumerate(bodies, start=1)]


def _num(value) -> int | float:
    """A survey number as a plain JSON number."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if float(value).is_integer() else float(value)
