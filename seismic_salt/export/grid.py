"""The survey grid of a probability cube: index ↔ world coordinates, and the salt mask.

Every exporter places its output with :class:`SurveyGrid`: an affine map from fractional
(inline index, crossline index) to world ``(x, y)`` fitted by least squares to the live
traces' ``cdp_x``/``cdp_y``, and a linear sample axis. Without ``cdp_x``/``cdp_y`` the
inline and crossline numbers themselves serve as ``x`` and ``y``.

CDP X/Y that give no map grid (all equal, as in segyio's ``small.sgy``, or all on one
line: :func:`~seismic_salt.io.coordinates.coordinate_problem`) are refused, since
surfaces would get zero spacing and bodies zero volume, unless ``spacing`` (inline and
crossline spacing in metres) is given: then the outputs sit on a local grid, inlines
along ``x`` and crosslines along ``y`` from (0, 0), with no CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from seismic_salt.errors import DataError, GeometryError, StoreError
from seismic_salt.io.coordinates import COORDINATE_HINT, coordinate_problem
from seismic_salt.io.crs import crs_of
from seismic_salt.io.dims import DIMS

__all__ = ["DEFAULT_MAX_MASK_BYTES", "SurveyGrid", "check_probability", "salt_mask"]

#: Largest thresholded mask (one byte per voxel) that bodies and meshes hold in memory.
DEFAULT_MAX_MASK_BYTES = 4 * 2**30


@dataclass(frozen=True)
class SurveyGrid:
    """Affine geometry of a 3D survey.

    Attributes:
        origin: World ``(x, y)`` of the first inline and crossline.
        inline_step: World vector from one inline to the next (same crossline).
        crossline_step: World vector from one crossline to the next (same inline).
        sample_start: First sample, in ``sample_unit``.
        sample_step: Sample interval, in ``sample_unit``.
        sample_unit: ``"ms"`` (time) or ``"m"``/``"ft"`` (depth).
        inlines: Inline numbers.
        crosslines: Crossline numbers.
        crs: WKT of the coordinate reference system of ``x``/``y``, or None.
    """

    origin: tuple[float, float]
    inline_step: tuple[float, float]
    crossline_step: tuple[float, float]
    sample_start: float
    sample_step: float
    sample_unit: str
    inlines: np.ndarray
    crosslines: np.ndarray
    crs: str | None = None

    @classmethod
    def from_dataarray(
        cls, data: xr.DataArray, spacing: tuple[float, float] | None = None
    ) -> SurveyGrid:
        """Derive the grid from a cube's coordinates.

        Args:
            data: The cube.
            spacing: Inline and crossline spacing in metres, used only when the cube's
                CDP X/Y give no map grid (then on a local grid without CRS).

        Raises:
            DataError: If the cube lacks the inline/crossline/sample dimensions, or a
                spacing is not positive.
            GeometryError: If the CDP X/Y give no map grid and no spacing is given.
        """
        check_probability(data)
        ni, nx = data.sizes["inline"], data.sizes["crossline"]
        sample = np.asarray(data["sample"].values, dtype=np.float64)
        step = float(np.median(np.diff(sample))) if sample.size > 1 else 1.0
        unit = str(data["sample"].attrs.get("units", "ms"))
        inlines = np.asarray(data["inline"].values)
        crosslines = np.asarray(data["crossline"].values)
        if "cdp_x" in data.coords and "cdp_y" in data.coords:
            x = np.asarray(data["cdp_x"].transpose("inline", "crossline").values, float)
            y = np.asarray(data["cdp_y"].transpose("inline", "crossline").values, float)
            usable = np.isfinite(x) & np.isfinite(y)
            if "live" in data.coords:
                usable &= np.asarray(data["live"].transpose("inline", "crossline").values, bool)
            problem = coordinate_problem(x, y, usable)
            if problem is not None:
                return cls._local(data, _check_spacing(spacing, problem), step, unit)
            origin, a, b = _fit_affine(x, y, usable, ni, nx)
        elif spacing is not None:
            return cls._local(data, _check_spacing(spacing, ""), step, unit)
        else:
            origin = (float(inlines[0]), float(crosslines[0]))
            a = (float(np.median(np.diff(inlines))) if ni > 1 else 1.0, 0.0)
            b = (0.0, float(np.median(np.diff(crosslines))) if nx > 1 else 1.0)
        sample0 = float(sample[0])
        return cls(origin, a, b, sample0, step, unit, inlines, crosslines, crs_of(data))

    @classmethod
    def _local(
        cls, data: xr.DataArray, spacing: tuple[float, float], step: float, unit: str
    ) -> SurveyGrid:
        """A local grid from (0, 0): inlines along x, crosslines along y, no CRS."""
        sample0 = float(data["sample"].values[0])
        inlines, crosslines = np.asarray(data["inline"].values), np.asarray(data["crossline"])
        a, b = (float(spacing[0]), 0.0), (0.0, float(spacing[1]))
        return cls((0.0, 0.0), a, b, sample0, step, unit, inlines, crosslines, None)

    @property
    def xinc(self) -> float:
        """Distance between neighbouring inlines."""
        return float(np.hypot(*self.inline_step))

    @property
    def yinc(self) -> float:
        """Distance between neighbouring crosslines."""
        return float(np.hypot(*self.crossline_step))

    @property
    def rotation(self) -> float:
        """Direction of increasing inline number, degrees counter-clockwise from east."""
        return float(np.degrees(np.arctan2(self.inline_step[1], self.inline_step[0])) % 360.0)

    @property
    def yflip(self) -> int:
        """1 when crosslines increase 90° counter-clockwise of inlines, else -1."""
        a, b = self.inline_step, self.crossline_step
        return 1 if a[0] * b[1] - a[1] * b[0] >= 0 else -1

    @property
    def cell_area(self) -> float:
        """Map area of one trace's bin (square metres for metric surveys)."""
        a, b = self.inline_step, self.crossline_step
        return float(abs(a[0] * b[1] - a[1] * b[0]))

    def world(self, index: np.ndarray) -> np.ndarray:
        """Map fractional ``(inline, crossline, sample)`` indices (N×3) to world ``(x, y, z)``."""
        index = np.asarray(index, dtype=np.float64)
        i, j, k = index[:, 0], index[:, 1], index[:, 2]
        x = self.origin[0] + i * self.inline_step[0] + j * self.crossline_step[0]
        y = self.origin[1] + i * self.inline_step[1] + j * self.crossline_step[1]
        z = self.sample_start + k * self.sample_step
        return np.column_stack([x, y, z])

    def sample_value(self, k: np.ndarray) -> np.ndarray:
        """Map fractional sample indices to sample values (time or depth)."""
        return self.sample_start + np.asarray(k, dtype=np.float64) * self.sample_step


def _check_spacing(spacing: tuple[float, float] | None, problem: str) -> tuple[float, float]:
    """Return a usable fallback spacing.

    Raises:
        GeometryError: None was given for degenerate coordinates.
        DataError: It is not two positive numbers.
    """
    if spacing is None:
        raise GeometryError(
            f"the cube's CDP X/Y give no map grid ({problem}): exports would have zero "
            f"spacing and zero volume; {COORDINATE_HINT} (spacing=25,25)"
        )
    values = tuple(float(v) for v in spacing)
    if len(values) != 2 or not all(np.isfinite(v) and v > 0 for v in values):
        raise DataError(f"spacing {spacing!r} must be two positive distances in metres")
    return values  # type: ignore[return-value]


def _fit_affine(x, y, usable, ni, nx):
    """Least-squares ``world = origin + i * a + j * b`` over the usable traces."""
    ii, jj = np.meshgrid(np.arange(ni), np.arange(nx), indexing="ij")
    i, j = ii[usable], jj[usable]
    if i.size < 2 or (np.ptp(i) == 0 and ni > 1) or (np.ptp(j) == 0 and nx > 1):
        raise DataError(
            f"cannot derive the survey grid from {i.size} live traces with cdp_x/cdp_y: they "
            "must span more than one inline and crossline (or drop cdp_x/cdp_y to place "
            "outputs on inline/crossline numbers)"
        )
    design = np.column_stack([np.ones(i.size), i, j]).astype(np.float64)
    coef, *_ = np.linalg.lstsq(design, np.column_stack([x[usable], y[usable]]), rcond=None)
    origin = (float(coef[0, 0]), float(coef[0, 1]))
    a = (float(coef[1, 0]), float(coef[1, 1]))
    b = (float(coef[2, 0]), float(coef[2, 1]))
    if ni == 1:  # one inline: assume a square grid, inlines 90° clockwise of crosslines
        a = (b[1], -b[0])
    if nx == 1:
        b = (-a[1], a[0])
    return origin, a, b


def check_probability(data: xr.DataArray) -> None:
    """Check that ``data`` is a cube on (inline, crossline, sample).

    Raises:
        DataError: If it is not.
    """
    if not isinstance(data, xr.DataArray):
        raise DataError(f"expected an xarray DataArray of salt probability, got {type(data)}")
    missing = [dim for dim in DIMS if dim not in data.dims]
    if missing or data.ndim != 3:
        raise DataError(
            f"salt probability has dims {tuple(data.dims)}: expected {DIMS} "
            "(open the store with xr.open_zarr and pass its salt_probability)"
        )


def salt_mask(
    data: xr.DataArray,
    threshold: float,
    max_bytes: int = DEFAULT_MAX_MASK_BYTES,
) -> np.ndarray:
    """Threshold the whole cube into an in-memory boolean mask (NaN counts as no salt).

    Args:
        data: Salt probability on (inline, crossline, sample), numpy- or dask-backed.
        threshold: Voxels with probability ``>= threshold`` are salt.
        max_bytes: Refuse masks larger than this many bytes (one byte per voxel).

    Returns:
        A ``bool`` array in (inline, crossline, sample) order.

    Raises:
        StoreError: If the mask would exceed ``max_bytes``.
    """
    check_probability(data)
    data = data.transpose(*DIMS)
    size = int(np.prod(data.shape))
    if size > max_bytes:
        raise StoreError(
            f"the salt mask of this cube needs {size / 2**30:.1f} GiB in memory, over the "
            f"limit of {max_bytes / 2**30:.1f} GiB: raise max_mask_bytes or export a "
            "sub-volume (select inlines with .isel)"
        )
    mask = np.empty(data.shape, dtype=bool)
    block = max(1, int(2**28 // max(1, data.shape[1] * data.shape[2] * 4)))
    for start in range(0, data.shape[0], block):
        values = np.asarray(data[start : start + block].values)
        mask[start : start + block] = values >= threshold  # NaN compares false
    return mask
