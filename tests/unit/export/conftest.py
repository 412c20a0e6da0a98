"""Tiny probability cubes on a rotated survey grid, built without any store or SEG-Y."""

import numpy as np
import pytest
import xarray as xr

ORIGIN = (452000.0, 6780000.0)
AZIMUTH = 30.0
SPACING = (25.0, 12.5)


def cube(values, *, dz=4.0, unit="ms", z0=0.0, azimuth=AZIMUTH, spacing=SPACING, flip=False):
    """Wrap a (inline, crossline, sample) array with survey coords on a rotated grid."""
    values = np.asarray(values, dtype=np.float32)
    ni, nx, ns = values.shape
    ii, xx = np.meshgrid(np.arange(ni), np.arange(nx), indexing="ij")
    a = np.deg2rad(azimuth)
    sign = -1.0 if flip else 1.0
    x = ORIGIN[0] + ii * spacing[0] * np.cos(a) - sign * xx * spacing[1] * np.sin(a)
    y = ORIGIN[1] + ii * spacing[0] * np.sin(a) + sign * xx * spacing[1] * np.cos(a)
    return xr.DataArray(
        values,
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": np.arange(100, 100 + ni),
            "crossline": np.arange(300, 300 + nx),
            "sample": xr.Variable("sample", z0 + dz * np.arange(ns), {"units": unit}),
            "cdp_x": (("inline", "crossline"), x),
            "cdp_y": (("inline", "crossline"), y),
        },
        name="salt_probability",
    )


def sphere_probability(shape, center, radius, spacing=(20.0, 20.0, 20.0), width=1.0):
    """A linear ramp 1 → 0 across the sphere's surface: p = 0.5 on the radius (metres)."""
    axes = [np.arange(n) * s for n, s in zip(shape, spacing, strict=True)]
    grids = np.meshgrid(*axes, indexing="ij")
    r = np.sqrt(sum((g - c) ** 2 for g, c in zip(grids, center, strict=False)))
    ramp = width * min(spacing)
    return np.clip(0.5 - (r - radius) / (2 * ramp), 0.0, 1.0)


@pytest.fixture
def make_cube():
    return cube


@pytest.fixture
def make_sphere():
    return sphere_probability
