"""Top- and base-of-salt surfaces from a salt-probability cube.

Along each trace, salt is where the probability is at least the threshold. A *top* is
where the probability rises through the threshold going down the trace and a *base* where
it falls through it, placed between the two samples by linear interpolation (salt in the
first or last sample puts the top or base on that sample). Surfaces:

- ``top``: the first top of salt on each trace (the shallowest salt),
- ``base``: the last base of salt on each trace (the deepest salt),
- ``top_1``, ``base_1``, ``top_2``, ``base_2``, …: the top and base of the 1st, 2nd, …
  salt interval counted down each trace, for stacked bodies (``top_1`` equals ``top``;
  ``base_1`` equals ``base`` only where a trace crosses one body). There are as many pairs
  as the largest count of intervals on any trace.

Values are in the sample unit (ms for time, m for depth), positive down, undefined (masked)
where a trace has no such interval. The cube is read one block of inlines at a time, so a
store larger than memory is fine: only the 2D surfaces are held.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from seismic_salt.errors import DataError
from seismic_salt.export.grid import SurveyGrid
from seismic_salt.progress import progress

__all__ = ["SURFACE_FORMATS", "top_base_surfaces", "write_surfaces"]


def _write_irap_binary(surface, path: Path) -> None:
    surface.to_file(path, fformat="irap_binary")


def _write_zmap(surface, path: Path) -> None:
    surface.to_file(path, fformat="zmap_ascii")  # xtgeo resamples rotated grids unrotated


def _write_xyz(surface, path: Path) -> None:
    import xtgeo

    xtgeo.points_from_surface(surface).to_file(path, fformat="xyz")


#: Surface format name → (file extension, writer).
SURFACE_FORMATS = {
    "irap_binary": (".gri", _write_irap_binary),
    "zmap": (".zmap", _write_zmap),
    "xyz": (".xyz", _write_xyz),
}


def top_base_surfaces(
    salt_probability: xr.DataArray,
    threshold: float = 0.5,
    *,
    block_size: int | None = None,
    show_progress: bool | None = None,
    spacing: tuple[float, float] | None = None,
) -> dict:
    """Pick the top and base of salt on every trace as xtgeo regular surfaces.

    Args:
        salt_probability: Probability in [0, 1] on (inline, crossline, sample), with
            ``cdp_x``/``cdp_y`` coords (NaN for dead traces); numpy- or dask-backed.
        threshold: Probability at and above which a sample is salt.
        block_size: Inlines read at a time; by default the cube's inline chunk (a store's
            block) or, for numpy data, as many inlines as fit in about 64 MiB.
        show_progress: Draw a progress bar (``None``: on a terminal or in a notebook).
        spacing: Inline and crossline spacing in metres, for a cube whose CDP X/Y give
            no map grid (see :class:`~seismic_salt.export.grid.SurveyGrid`).

    Returns:
        ``{"top": surf, "base": surf, "top_1": surf, "base_1": surf, ...}`` of
        ``xtgeo.RegularSurface`` on the survey grid: one node per trace (columns along
        inlines, rows along crosslines), origin at the first trace, increments the trace
        spacings and rotation the azimuth of increasing inline numbers. The cube's CRS
        (WKT) is in each surface's ``metadata.freeform["crs_wkt"]``.

    Raises:
        DataError: If the cube's dims are wrong or the threshold is outside (0, 1].
        GeometryError: If the CDP X/Y give no map grid and no ``spacing`` is given.

    Example:
        >>> surfaces = top_base_surfaces(xr.open_zarr("salt.zarr").salt_probability)
        >>> surfaces["top"].to_file("top_salt.gri")  # doctest: +SKIP
    """
    if not 0.0 < threshold <= 1.0:
        raise DataError(f"threshold {threshold} is outside (0, 1]: give e.g. 0.5")
    grid = SurveyGrid.from_dataarray(salt_probability, spacing)
    data = salt_probability.transpose("inline", "crossline", "sample")
    ni, nx = data.sizes["inline"], data.sizes["crossline"]
    block_size = block_size or _default_block(data)
    tops: list[np.ndarray] = []
    bases: list[np.ndarray] = []
    starts = range(0, ni, block_size)
    for start in progress(starts, label="surfaces", enabled=show_progress, unit="block"):
        block = np.asarray(data[start : start + block_size].values, dtype=np.float32)
        block_tops, block_bases = _crossings(block, threshold)
        for n in range(len(block_tops)):
            if n == len(tops):
                tops.append(np.full((ni, nx), np.nan))
                bases.append(np.full((ni, nx), np.nan))
            tops[n][start : start + block.shape[0]] = block_tops[n]
            bases[n][start : start + block.shape[0]] = block_bases[n]

    values = {"top": _first(tops, (ni, nx)), "base": _last(bases, (ni, nx))}
    for n, (top, base) in enumerate(zip(tops, bases, strict=True), start=1):
        values[f"top_{n}"] = top
        values[f"base_{n}"] = base
    return {name: _surface(grid, grid.sample_value(index), name) for name, index in values.items()}


def write_surfaces(
    surfaces: dict,
    directory: str | Path,
    fmt: str = "irap_binary",
    *,
    overwrite: bool = False,
    crs: str | None = None,
) -> list[Path]:
    """Write surfaces as ``<directory>/<name><extension>`` with xtgeo.

    None of the formats has a field for the CRS, so a surface with one (its
    ``metadata.freeform["crs_wkt"]``, or ``crs``) also gets ``<name>.prj`` beside it,
    the CRS as ESRI WKT (what GIS tools read beside a grid). Every file is checked before
    the first is written, and each is written atomically; other files in ``directory``
    are left alone.

    Args:
        surfaces: Name → ``xtgeo.RegularSurface``, as from :func:`top_base_surfaces`.
        directory: Output directory, created when missing.
        fmt: One of :data:`SURFACE_FORMATS`: ``irap_binary`` (``.gri``, keeps the rotated
            grid exactly), ``zmap`` (``.zmap``, ZMAP+ ASCII; the format has no rotation, so
            xtgeo resamples a rotated grid onto an unrotated one covering it) or ``xyz``
            (``.xyz``, one ``x y z`` line per defined node).
        overwrite: Replace existing surface files of the same names.
        crs: CRS (WKT, ``"EPSG:NNNN"``...) for surfaces that carry none.

    Returns:
        The paths written (the ``.prj`` files after the surfaces).

    Raises:
        DataError: If ``fmt`` is not known.
        OutputError: If ``directory`` is a file, or a surface file exists without
            ``overwrite`` or cannot be written.
    """
    from seismic_salt.export.sidecar import write_prj
    from seismic_salt.io.crs import resolve_crs
    from seismic_salt.outputs import atomic_file, check_outputs, make_directory

    if fmt not in SURFACE_FORMATS:
        raise DataError(f"surface format {fmt!r} is not known: use one of {list(SURFACE_FORMATS)}")
    extension, writer = SURFACE_FORMATS[fmt]
    given = resolve_crs(crs) if crs else None
    crs_by_name = {name: _surface_crs(surface) or given for name, surface in surfaces.items()}
    directory = make_directory(directory)
    files = {name: directory / f"{name}{extension}" for name in surfaces}
    files.update({f"{n}.prj": directory / f"{n}.prj" for n, wkt in crs_by_name.items() if wkt})
    paths = check_outputs(files, overwrite=overwrite)
    for name, surface in surfaces.items():
        with warnings.catch_warnings(), atomic_file(paths[name]) as tmp:
            # sparse deeper intervals may have very few nodes
            warnings.filterwarnings("ignore", message="Number of maps nodes", category=UserWarning)
            writer(surface, tmp)
        if crs_by_name[name]:
            write_prj(paths[f"{name}.prj"], crs_by_name[name])
    return list(paths.values())


def _surface_crs(surface) -> str | None:
    """The CRS WKT that :func:`top_base_surfaces` put in a surface's metadata."""
    freeform = getattr(getattr(surface, "metadata", None), "freeform", None) or {}
    return freeform.get("crs_wkt")


def _default_block(data: xr.DataArray) -> int:
    """The inline chunk of a dask-backed cube, else ~64 MiB of float32 inlines."""
    per_inline = data.sizes["crossline"] * data.sizes["sample"] * 4
    budget = max(1, (64 * 2**20) // max(per_inline, 1))
    if data.chunks:
        return max(1, min(int(data.chunks[0][0]), 4 * budget))
    return budget


def _crossings(block: np.ndarray, threshold: float) -> tuple[list, list]:
    """Fractional sample indices of the n-th top and base on each trace of a block."""
    salt = block >= threshold  # NaN compares false
    above = np.zeros_like(salt)
    above[:, :, 1:] = salt[:, :, :-1]
    below = np.zeros_like(salt)
    below[:, :, :-1] = salt[:, :, 1:]
    rising = salt & ~above
    falling = salt & ~below
    n_max = int(rising.sum(axis=2).max()) if rising.size else 0
    rise_order = np.cumsum(rising, axis=2, dtype=np.int32)
    fall_order = np.cumsum(falling, axis=2, dtype=np.int32)
    tops, bases = [], []
    for n in range(1, n_max + 1):
        tops.append(_locate(block, rising & (rise_order == n), threshold, side=-1))
        bases.append(_locate(block, falling & (fall_order == n), threshold, side=1))
    return tops, bases


def _locate(block: np.ndarray, hit: np.ndarray, threshold: float, side: int) -> np.ndarray:
    """Interpolate the threshold crossing between a salt sample and its neighbour.

    ``side`` is -1 for tops (the neighbour above) and +1 for bases (the neighbour below).
    """
    found = hit.any(axis=2)
    k = np.argmax(hit, axis=2)
    ns = block.shape[2]
    neighbour = np.clip(k + side, 0, ns - 1)
    inside = np.take_along_axis(block, k[..., None], axis=2)[..., 0]
    outside = np.take_along_axis(block, neighbour[..., None], axis=2)[..., 0]
    at_edge = (k + side < 0) | (k + side >= ns) | ~np.isfinite(outside)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = (inside - threshold) / (inside - outside)
    fraction = np.where(at_edge, 0.0, np.clip(fraction, 0.0, 1.0))
    return np.where(found, k + side * fraction, np.nan)


def _first(layers: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    return layers[0].copy() if layers else np.full(shape, np.nan)


def _last(layers: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    result = np.full(shape, np.nan)
    for layer in layers:
        result = np.where(np.isfinite(layer), layer, result)
    return result


def _surface(grid: SurveyGrid, values: np.ndarray, name: str):
    import xtgeo

    ni, nx = values.shape
    surface = xtgeo.RegularSurface(
        ncol=ni,
        nrow=nx,
        xori=grid.origin[0],
        yori=grid.origin[1],
        xinc=grid.xinc,
        yinc=grid.yinc,
        rotation=grid.rotation,
        yflip=grid.yflip,
        values=np.ma.masked_invalid(values),
        name=name,
    )
    if grid.crs:
        surface.metadata.freeform["crs_wkt"] = grid.crs
    return surface
