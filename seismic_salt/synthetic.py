"""Synthetic 3D post-stack seismic with salt bodies and their ground truth.

The generator builds a small earth model and its seismic response, all vectorised numpy:

1. **Stratigraphy.** A relative geologic time field ``t(inline, crossline, sample)`` starts
   as depth, then is warped by lateral thickness variation (a smooth random stretch), gentle
   folds (a few low-frequency sinusoids) and planar normal faults (a vertical throw on the
   hanging wall). Layers are intervals of ``t`` with random thicknesses; each has a random
   acoustic impedance around a compaction trend that increases with depth.
2. **Salt.** Bodies are smooth implicit surfaces in physical lateral coordinates: a
   *diapir* (a stem widening into a bulb under a domed, slightly rugose crest, rooted at the
   bottom of the volume) and a *sheet* (a lens-shaped allochthonous tongue with a flat base
   and a domed top). Inside salt the impedance is high and nearly constant, with weak,
   spatially correlated chaotic variation, so the top of salt is a strong positive
   reflector, the base a negative one and the interior nearly transparent.
3. **Halokinesis.** Sediments near salt are pulled upward with a weight that decays with the
   distance to the salt (Euclidean distance transform): layers thin and drape over crests
   and drag up against the flanks, where they are truncated by the salt.
4. **Seismic.** Reflectivity is half the vertical derivative of log-impedance, blurred
   slightly across traces, convolved with a Ricker wavelet along the sample axis, plus
   band-limited noise (white noise through the same wavelet and lateral blur).

Example:
    >>> from seismic_salt.synthetic import make_volume
    >>> ds = make_volume(shape=(8, 64, 64), seed=1)
    >>> ds.amplitude.dims
    ('inline', 'crossline', 'sample')
    >>> bool(ds.salt.any())
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from scipy import ndimage

from seismic_salt.errors import DataError
from seismic_salt.io.dims import DIMS

__all__ = ["BODY_KINDS", "check_sample_interval", "check_shape", "make_volume", "ricker"]

#: Salt body shapes the generator knows.
BODY_KINDS = ("diapir", "sheet")

BYTES_PER_VOXEL = 64
"""Peak memory of :func:`make_volume` per voxel (measured: about 64 bytes)."""

_SALT_LOG_IMPEDANCE = np.log(1.0e7)  # halite: ~4500 m/s x 2.16 g/cc, plus contrast
_SED_LOG_IMPEDANCE = (np.log(4.0e6), np.log(7.5e6))  # compaction trend, top to bottom


def make_volume(
    shape: tuple[int, int, int] = (48, 160, 160),
    seed: int = 0,
    *,
    bodies: Sequence[str] = ("diapir", "sheet"),
    sample_interval: float = 4.0,
    sample_unit: str = "ms",
    peak_frequency: float = 22.0,
    velocity: float = 2500.0,
    noise: float = 0.2,
    n_faults: int = 2,
    inline_start: int = 1000,
    crossline_start: int = 2000,
    spacing: tuple[float, float] = (25.0, 12.5),
    origin: tuple[float, float] = (452000.0, 6780000.0),
    azimuth: float = 30.0,
) -> xr.Dataset:
    """Generate a synthetic seismic volume with salt and its ground-truth salt mask.

    Args:
        shape: ``(inline, crossline, sample)`` counts.
        seed: Seed of the random generator; the same seed gives the same volume.
        bodies: Salt bodies to place, each one of :data:`BODY_KINDS`; may be empty.
        sample_interval: Sample interval, in ``sample_unit``.
        sample_unit: ``"ms"`` (two-way time) or ``"m"`` (depth).
        peak_frequency: Peak frequency of the Ricker wavelet in Hz. Depth volumes convert it
            to a wavelength with ``velocity``.
        velocity: Velocity (m/s) that converts the wavelet to depth (``sample_unit="m"``).
        noise: Noise level as a fraction of the signal's RMS amplitude.
        n_faults: Number of planar normal faults cutting the sediments.
        inline_start: First inline number (inline numbers step by 1).
        crossline_start: First crossline number (crossline numbers step by 1).
        spacing: Distance in metres between neighbouring inlines and crosslines.
        origin: ``(cdp_x, cdp_y)`` of the first trace.
        azimuth: Direction in which inline numbers increase, in degrees counter-clockwise
            from east (the grid is rotated by this angle).

    Returns:
        A dataset with ``amplitude`` (float32) and ``salt`` (uint8, 1 inside salt) on
        ``(inline, crossline, sample)``, coords ``inline``, ``crossline``, ``sample`` (attrs
        ``units``), ``cdp_x``, ``cdp_y`` and ``live`` on ``(inline, crossline)``, and attrs
        recording the parameters.

    Raises:
        DataError: If the shape is too small or too large for the free memory, the unit
            or a body kind is unknown, or the interval or noise is not a finite number
            (the interval positive, the noise not negative).
    """
    shape = check_shape(shape)
    _check_options(sample_unit, bodies, sample_interval, noise)
    rng = np.random.default_rng(seed)
    salt, log_imp = _earth_model(_Grid(shape, spacing), bodies, n_faults, rng)
    if sample_unit == "ms":
        period = 1000.0 / peak_frequency / sample_interval
    else:
        period = velocity / (2.0 * peak_frequency) / sample_interval
    amplitude = _seismic(log_imp, period, noise, rng)
    return _dataset(
        amplitude,
        salt,
        sample_interval=sample_interval,
        sample_unit=sample_unit,
        inline_start=inline_start,
        crossline_start=crossline_start,
        spacing=spacing,
        origin=origin,
        azimuth=azimuth,
        attrs={
            "title": "seismic-salt synthetic volume",
            "seed": int(seed),
            "bodies": ",".join(bodies),
            "peak_frequency_hz": float(peak_frequency),
            "noise": float(noise),
            "n_faults": int(n_faults),
        },
    )


def check_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    """Return a synthetic volume's shape as ints after checking it is usable.

    Raises:
        DataError: If it is not three counts, is too small (2 inlines and crosslines, 16
            samples), or would not fit in the free memory.
    """
    from seismic_salt.memory import check_fits

    checked = tuple(int(n) for n in shape)
    if len(checked) != 3 or min(checked) < 2 or checked[2] < 16:
        raise DataError(
            f"synthetic shape {checked} is too small: give (inline, crossline, sample) "
            "with at least 2 inlines and crosslines and 16 samples"
        )
    voxels = float(np.prod(checked, dtype=np.float64))
    check_fits(voxels * BYTES_PER_VOXEL, "a {}x{}x{} synthetic volume".format(*checked))
    return checked  # type: ignore[return-value]


def check_sample_interval(interval: float) -> float:
    """Return a sample interval after checking it is a positive, finite number.

    Raises:
        DataError: It is zero, negative, NaN or infinite.
    """
    if not (np.isfinite(interval) and interval > 0):
        raise DataError(f"sample interval must be a positive number, got {interval}")
    return float(interval)


def _check_options(
    sample_unit: str, bodies: Sequence[str], sample_interval: float, noise: float
) -> None:
    """Refuse a unit, body kind, interval or noise level :func:`make_volume` cannot use.

    Raises:
        DataError: Naming the value.
    """
    if sample_unit not in ("ms", "m"):
        raise DataError(f"sample unit {sample_unit!r} is not known: use 'ms' or 'm'")
    unknown = [kind for kind in bodies if kind not in BODY_KINDS]
    if unknown:
        raise DataError(f"salt body kind {unknown[0]!r} is not known: use one of {BODY_KINDS}")
    check_sample_interval(sample_interval)
    if not (np.isfinite(noise) and noise >= 0):
        raise DataError(f"noise must be a number of at least 0, got {noise}")


def _earth_model(
    grid: _Grid, bodies: Sequence[str], n_faults: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return the salt mask and the log impedance of faulted, uplifted sediments with salt."""
    shape = grid.shape
    salt = np.zeros(shape, dtype=bool)
    for kind in bodies:
        salt |= _BODY_BUILDERS[kind](grid, rng)
    t = _geologic_time(grid, rng, n_faults)
    if salt.any():
        t += _halokinetic_uplift(salt, rng)
    log_imp = _sediment_log_impedance(t, shape[2], rng)
    # a slightly soft salt fraction keeps the staircase of the voxel mask out of the image
    fraction = ndimage.gaussian_filter(salt.astype(np.float32), (0.7, 0.7, 0.5))
    log_imp += fraction * (_salt_log_impedance(shape, rng) - log_imp)
    return salt, log_imp


def ricker(period: float, half_width: int | None = None) -> np.ndarray:
    """Return a Ricker wavelet sampled at unit interval.

    Args:
        period: Peak period in samples (1 / peak frequency).
        half_width: Samples either side of the peak; defaults to 1.5 periods.

    Returns:
        A float32 array of ``2 * half_width + 1`` samples with its peak of 1 in the middle.
    """
    if half_width is None:
        half_width = max(int(np.ceil(1.5 * period)), 2)
    lag = np.arange(-half_width, half_width + 1, dtype=np.float64)
    arg = (np.pi * lag / period) ** 2
    return ((1.0 - 2.0 * arg) * np.exp(-arg)).astype(np.float32)


class _Grid:
    """Normalised coordinates of the volume, broadcastable to ``shape``.

    ``u`` (inline) and ``v`` (crossline) are physical distances divided by the larger
    lateral extent, so shapes stay round on grids with unequal spacing; ``w`` runs 0 → 1
    down the sample axis.
    """

    def __init__(self, shape: tuple[int, int, int], spacing: tuple[float, float]) -> None:
        ni, nx, ns = shape
        extent_i, extent_x = (ni - 1) * spacing[0], (nx - 1) * spacing[1]
        scale = max(extent_i, extent_x)
        self.shape = shape
        self.u_max = extent_i / scale
        self.v_max = extent_x / scale
        self.u = np.linspace(0.0, self.u_max, ni, dtype=np.float32)[:, None, None]
        self.v = np.linspace(0.0, self.v_max, nx, dtype=np.float32)[None, :, None]
        self.w = np.linspace(0.0, 1.0, ns, dtype=np.float32)[None, None, :]


def _smooth_field(shape: tuple[int, ...], sigma: Sequence[float], rng) -> np.ndarray:
    """Gaussian-filtered white noise scaled to unit standard deviation."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), sigma)
    std = field.std()
    return field / std if std > 0 else field


def _diapir(grid: _Grid, rng) -> np.ndarray:
    """A stem rising into a bulb under a domed, slightly rugose crest."""
    u0 = grid.u_max * rng.uniform(0.4, 0.6)
    v0 = grid.v_max * rng.uniform(0.35, 0.5)
    r_cap = rng.uniform(0.17, 0.22)
    r_stem = r_cap * rng.uniform(0.5, 0.7)
    w_crest = rng.uniform(0.25, 0.35)
    w_neck = w_crest + rng.uniform(0.2, 0.3)
    du, dv = grid.u - u0, grid.v - v0
    dist = np.sqrt(du**2 + dv**2)
    theta = np.arctan2(dv, du)
    wobble = 1.0 + 0.08 * np.sin(2 * theta + rng.uniform(0, 2 * np.pi)) * np.cos(3 * np.pi * grid.w)
    wobble = wobble + 0.05 * np.sin(3 * theta + rng.uniform(0, 2 * np.pi))
    bulb = 1.0 / (1.0 + np.exp((grid.w - w_neck) / 0.04))
    radius = (r_stem + (r_cap - r_stem) * bulb) * wobble
    rugose = 0.012 * _smooth_field(grid.shape[:2], (1.5, 3.0), rng)[:, :, None]
    crest = w_crest + 0.3 * (dist / r_cap) ** 2 + rugose
    return (dist <= radius) & (grid.w >= crest)


def _sheet(grid: _Grid, rng) -> np.ndarray:
    """A lens-shaped allochthonous sheet: flat base, domed top, thinning to its edges."""
    uc = grid.u_max * rng.uniform(0.35, 0.65)
    vc = grid.v_max * rng.uniform(0.78, 0.85)
    a = max(grid.u_max, 0.3) * rng.uniform(0.35, 0.5)
    b = grid.v_max * rng.uniform(0.14, 0.18)
    w_base = rng.uniform(0.5, 0.62)
    thickness = rng.uniform(0.12, 0.18)
    e2 = ((grid.u - uc) / a) ** 2 + ((grid.v - vc) / b) ** 2
    tilt = 0.08 * (grid.v - vc)
    base = w_base + tilt + 0.01 * _smooth_field(grid.shape[:2], (2.0, 4.0), rng)[:, :, None]
    top = base - thickness * np.sqrt(np.clip(1.0 - e2, 0.0, None))
    return (e2 < 1.0) & (grid.w >= top) & (grid.w <= base)


_BODY_BUILDERS = {"diapir": _diapir, "sheet": _sheet}


def _geologic_time(grid: _Grid, rng, n_faults: int) -> np.ndarray:
    """Relative geologic time in samples: depth warped by thickness changes, folds, faults."""
    ns = grid.shape[2]
    stretch = 1.0 + 0.12 * _smooth_field(grid.shape[:2], (6.0, 12.0), rng)[:, :, None]
    t = grid.w * stretch
    for _ in range(3):  # folds: long-wavelength sinusoids whose amplitude grows with depth
        k = rng.uniform(1.0, 3.0) * np.pi
        phi = rng.uniform(0, 2 * np.pi)
        direction = rng.uniform(0, np.pi)
        along = grid.u * np.cos(direction) + grid.v * np.sin(direction)
        t = t - rng.uniform(0.01, 0.03) * np.sin(k * along + phi) * (0.3 + grid.w)
    t = t * ns
    for _ in range(n_faults):
        strike = rng.uniform(0, np.pi)
        dip = np.deg2rad(rng.uniform(55, 70))
        normal_h = np.sin(dip)
        p0 = (grid.u_max * rng.uniform(0.1, 0.9), grid.v_max * rng.uniform(0.1, 0.9), 0.5)
        side = (
            ((grid.u - p0[0]) * np.cos(strike) + (grid.v - p0[1]) * np.sin(strike)) * normal_h
            + (grid.w - p0[2]) * np.cos(dip)
        ) > 0
        t = t - rng.uniform(0.025, 0.05) * ns * side
    return t.astype(np.float32)


def _halokinetic_uplift(salt: np.ndarray, rng) -> np.ndarray:
    """Upward pull of layers near salt, decaying with distance: drape and flank drag."""
    ns = salt.shape[2]
    distance = ndimage.distance_transform_edt(~salt).astype(np.float32)
    lift = rng.uniform(0.05, 0.08) * ns
    reach = rng.uniform(0.08, 0.12) * ns
    return lift * np.exp(-distance / reach)


def _sediment_log_impedance(t: np.ndarray, ns: int, rng) -> np.ndarray:
    """Look log-impedance up from a blocky layer table indexed by geologic time."""
    lo, hi = float(t.min()) - 4.0, float(t.max()) + 4.0
    step = 0.25
    tt = np.arange(lo, hi + step, step, dtype=np.float32)
    thickness = rng.gamma(1.5, 2.0, size=int(hi - lo) + 8) + 1.0
    tops = lo + np.cumsum(thickness)
    layer = np.searchsorted(tops, tt)
    n_layers = int(layer.max()) + 1
    contrast = rng.normal(0.0, 0.08, n_layers)
    bright = rng.random(n_layers) < 0.05
    contrast[bright] += rng.choice([-1.0, 1.0], bright.sum()) * 0.1
    table = ndimage.gaussian_filter1d(contrast[layer], 2.0).astype(np.float32)
    gain = 1.0 + 0.25 * _smooth_field(t.shape[:2], (4.0, 8.0), rng)[:, :, None]
    trend = np.interp(t, [0.0, float(ns)], _SED_LOG_IMPEDANCE)
    return (trend + gain * np.interp(t, tt, table)).astype(np.float32)


def _salt_log_impedance(shape: tuple[int, int, int], rng) -> np.ndarray:
    """Nearly constant salt impedance with weak, spatially correlated chaotic variation."""
    chaos = _smooth_field(shape, (1.2, 1.5, 1.0), rng)
    return (_SALT_LOG_IMPEDANCE + 0.01 * chaos).astype(np.float32)


def _seismic(log_imp: np.ndarray, period: float, noise: float, rng) -> np.ndarray:
    """Convolve reflectivity with a Ricker wavelet and add band-limited noise."""
    reflectivity = np.zeros_like(log_imp)
    reflectivity[:, :, :-1] = 0.5 * np.diff(log_imp, axis=2)
    reflectivity = ndimage.gaussian_filter(reflectivity, (0.7, 0.7, 0.0))
    wavelet = ricker(period)
    trace = ndimage.convolve1d(reflectivity, wavelet, axis=2, mode="constant")
    if noise > 0:
        white = rng.standard_normal(log_imp.shape).astype(np.float32)
        white = ndimage.gaussian_filter(white, (0.8, 0.8, 0.0))
        band = ndimage.convolve1d(white, wavelet, axis=2, mode="constant")
        band *= noise * np.sqrt(np.mean(trace**2)) / max(float(np.sqrt(np.mean(band**2))), 1e-12)
        trace += band
    rms = float(np.sqrt(np.mean(trace**2)))
    return (trace / rms if rms > 0 else trace).astype(np.float32)


def _dataset(
    amplitude: np.ndarray,
    salt: np.ndarray,
    *,
    sample_interval: float,
    sample_unit: str,
    inline_start: int,
    crossline_start: int,
    spacing: tuple[float, float],
    origin: tuple[float, float],
    azimuth: float,
    attrs: dict,
) -> xr.Dataset:
    """Wrap the arrays with survey coordinates on a rotated grid."""
    ni, nx, ns = amplitude.shape
    ii, xx = np.meshgrid(np.arange(ni), np.arange(nx), indexing="ij")
    angle = np.deg2rad(azimuth)
    # inline numbers increase along (cos, sin); crossline numbers 90 degrees to the left
    cdp_x = origin[0] + ii * spacing[0] * np.cos(angle) - xx * spacing[1] * np.sin(angle)
    cdp_y = origin[1] + ii * spacing[0] * np.sin(angle) + xx * spacing[1] * np.cos(angle)
    dims = DIMS
    sample = xr.Variable(
        "sample",
        np.arange(ns, dtype=np.float64) * sample_interval,
        {"units": sample_unit, "long_name": "two-way time" if sample_unit == "ms" else "depth"},
    )
    return xr.Dataset(
        {
            "amplitude": (dims, amplitude),
            "salt": (dims, salt.astype(np.uint8), {"description": "1 inside salt, 0 outside"}),
        },
        coords={
            "inline": np.arange(inline_start, inline_start + ni, dtype=np.int32),
            "crossline": np.arange(crossline_start, crossline_start + nx, dtype=np.int32),
            "sample": sample,
            "cdp_x": (("inline", "crossline"), cdp_x, {"units": "m"}),
            "cdp_y": (("inline", "crossline"), cdp_y, {"units": "m"}),
            "live": (("inline", "crossline"), np.ones((ni, nx), dtype=bool)),
        },
        attrs=attrs,
    )
