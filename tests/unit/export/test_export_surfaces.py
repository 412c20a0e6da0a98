import numpy as np
import pytest
import xtgeo

from seismic_salt.errors import DataError
from seismic_salt.export.surfaces import top_base_surfaces, write_surfaces


def slab(make_cube, shape=(5, 7, 30), top=10.25, base=20.5, **kwargs):
    """Salt between fractional sample indices top and base, probability ramps between."""
    k = np.arange(shape[2], dtype=float)
    p = np.clip(0.5 + 0.5 * np.minimum(k - top, base - k), 0.0, 1.0)  # 0.5 at top and base
    values = np.broadcast_to(p, shape).copy()
    return make_cube(values, **kwargs)


def test_slab_top_and_base_on_rotated_grid(make_cube):
    da = slab(make_cube, dz=4.0, z0=100.0)
    da[0, 0] = np.nan  # a dead trace
    da[1, 2] = 0.0  # a trace without salt
    surfaces = top_base_surfaces(da)
    assert {"top", "base", "top_1", "base_1"} == set(surfaces)
    top, base = surfaces["top"], surfaces["base"]
    assert (top.ncol, top.nrow) == (5, 7)
    assert top.xinc == pytest.approx(25.0) and top.yinc == pytest.approx(12.5)
    assert top.rotation == pytest.approx(30.0) and top.yflip == 1
    assert (top.xori, top.yori) == pytest.approx((452000.0, 6780000.0))
    assert top.values[3, 4] == pytest.approx(100.0 + 4.0 * 10.25)
    assert base.values[3, 4] == pytest.approx(100.0 + 4.0 * 20.5)
    assert top.values.mask[0, 0] and top.values.mask[1, 2] and base.values.mask[1, 2]
    x, y = top.get_xy_values()
    np.testing.assert_allclose(x, da.cdp_x.values, atol=1e-6)
    np.testing.assert_allclose(y, da.cdp_y.values, atol=1e-6)


def test_flipped_grid_gives_yflip(make_cube):
    da = slab(make_cube, flip=True)
    top = top_base_surfaces(da)["top"]
    assert top.yflip == -1
    x, y = top.get_xy_values()
    np.testing.assert_allclose(x, da.cdp_x.values, atol=1e-6)
    np.testing.assert_allclose(y, da.cdp_y.values, atol=1e-6)


def test_stacked_bodies_and_edges(make_cube):
    values = np.zeros((2, 3, 20), np.float32)
    values[:, :, 2:5] = 1.0  # body 1: samples 2..4 (crossings at 1.5 and 4.5 with 0/1 ramp)
    values[:, :, 10:] = 1.0  # body 2 runs off the bottom of the cube
    values[1, 1, :] = 0.0
    values[1, 1, 0:3] = 1.0  # salt from the first sample
    surfaces = top_base_surfaces(make_cube(values, dz=1.0), block_size=1)
    assert set(surfaces) == {"top", "base", "top_1", "base_1", "top_2", "base_2"}
    assert surfaces["top_1"].values[0, 0] == pytest.approx(1.5)
    assert surfaces["base_1"].values[0, 0] == pytest.approx(4.5)
    assert surfaces["top_2"].values[0, 0] == pytest.approx(9.5)
    assert surfaces["base_2"].values[0, 0] == pytest.approx(19.0)
    assert surfaces["base"].values[0, 0] == pytest.approx(19.0)
    assert surfaces["top"].values[1, 1] == pytest.approx(0.0)
    assert surfaces["base"].values[1, 1] == pytest.approx(2.5)
    assert surfaces["top_2"].values.mask[1, 1]


def test_sphere_top_matches_analytic(make_cube, make_sphere):
    shape, spacing, radius = (15, 15, 15), (20.0, 20.0, 20.0), 100.0
    center = (140.0, 140.0, 140.0)
    p = make_sphere(shape, center, radius, spacing)
    da = make_cube(p, dz=20.0, unit="m", spacing=(20.0, 20.0))
    top = top_base_surfaces(da)["top"].values
    base = top_base_surfaces(da)["base"].values
    i, j = 7, 7
    assert top[i, j] == pytest.approx(140.0 - radius, abs=1.0)
    assert base[i, j] == pytest.approx(140.0 + radius, abs=1.0)
    offset = 60.0  # 3 traces away: sqrt(r^2 - d^2)
    assert top[i + 3, j] == pytest.approx(140.0 - np.sqrt(radius**2 - offset**2), abs=2.0)


@pytest.mark.parametrize("fmt", ["irap_binary", "zmap", "xyz"])
def test_write_and_read_back(make_cube, tmp_path, fmt):
    da = slab(make_cube)
    surfaces = top_base_surfaces(da)
    paths = write_surfaces(surfaces, tmp_path / "surf", fmt)
    assert len(paths) == 4 and all(p.stat().st_size > 0 for p in paths)
    top_path = next(p for p in paths if p.stem == "top")
    if fmt == "xyz":
        points = np.loadtxt(top_path)
        assert points.shape == (35, 3)
        np.testing.assert_allclose(points[:, 2], 4.0 * 10.25)
        return
    back = xtgeo.surface_from_file(top_path)
    if fmt == "zmap":  # no rotation in ZMAP: xtgeo resamples onto an unrotated grid
        x, y = float(da.cdp_x[2, 3]), float(da.cdp_y[2, 3])
        assert back.get_value_from_xy((x, y)) == pytest.approx(4.0 * 10.25, abs=1e-3)
        return
    assert (back.ncol, back.nrow) == (5, 7)
    assert back.xinc == pytest.approx(25.0) and back.yinc == pytest.approx(12.5)
    assert back.values[2, 3] == pytest.approx(4.0 * 10.25, abs=1e-3)
    if fmt == "irap_binary":
        assert back.rotation == pytest.approx(30.0)
        assert (back.xori, back.yori) == pytest.approx((452000.0, 6780000.0))


def test_bad_threshold_and_format(make_cube, tmp_path):
    da = slab(make_cube)
    with pytest.raises(DataError, match="threshold"):
        top_base_surfaces(da, threshold=1.5)
    with pytest.raises(DataError, match="irap_binary"):
        write_surfaces(top_base_surfaces(da), tmp_path, "dxf")


def test_blockwise_dask_equals_in_memory(make_cube, make_sphere):
    p = make_sphere((9, 10, 12), (80.0, 90.0, 110.0), 70.0)
    da = make_cube(p, dz=20.0, unit="m")
    whole = top_base_surfaces(da, block_size=9)
    chunked = top_base_surfaces(da.chunk({"inline": 2}))
    for name in whole:
        expected, got = whole[name].values.filled(-1), chunked[name].values.filled(-1)
        np.testing.assert_array_equal(got, expected)
