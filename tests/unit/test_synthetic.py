import numpy as np
import pytest
from scipy import ndimage

from seismic_salt.errors import DataError
from seismic_salt.synthetic import make_volume, ricker

SHAPE = (6, 40, 48)


def test_deterministic_by_seed():
    a = make_volume(SHAPE, seed=3)
    b = make_volume(SHAPE, seed=3)
    c = make_volume(SHAPE, seed=4)
    np.testing.assert_array_equal(a.amplitude.values, b.amplitude.values)
    np.testing.assert_array_equal(a.salt.values, b.salt.values)
    assert not np.array_equal(a.amplitude.values, c.amplitude.values)


def test_layout_and_coords():
    ds = make_volume(SHAPE, seed=0, azimuth=30.0, spacing=(25.0, 12.5))
    assert ds.amplitude.dims == ("inline", "crossline", "sample")
    assert ds.amplitude.dtype == np.float32
    assert ds.salt.dtype == np.uint8
    assert ds.inline.values[0] == 1000 and ds.crossline.values[0] == 2000
    assert ds.sample.attrs["units"] == "ms"
    np.testing.assert_allclose(np.diff(ds.sample.values), 4.0)
    x, y = ds.cdp_x.values, ds.cdp_y.values
    step_i = np.hypot(x[1, 0] - x[0, 0], y[1, 0] - y[0, 0])
    step_x = np.hypot(x[0, 1] - x[0, 0], y[0, 1] - y[0, 0])
    assert step_i == pytest.approx(25.0) and step_x == pytest.approx(12.5)
    angle = np.degrees(np.arctan2(y[1, 0] - y[0, 0], x[1, 0] - x[0, 0]))
    assert angle == pytest.approx(30.0)
    assert ds.live.values.all()


def test_salt_is_transparent_under_a_bright_top():
    ds = make_volume((8, 64, 96), seed=1, noise=0.0)
    amp, salt = np.abs(ds.amplitude.values), ds.salt.values.astype(bool)
    assert 0.01 < salt.mean() < 0.5
    # salt at least 6 samples away from its top and base along the trace
    inner = ndimage.binary_erosion(salt, np.ones((1, 1, 13), bool))
    assert inner.sum() > 100
    assert amp[inner].mean() < 0.6 * amp[~salt].mean()


def test_bodies_and_units():
    ds = make_volume(SHAPE, seed=0, bodies=(), sample_unit="m", sample_interval=5.0)
    assert not ds.salt.values.any()
    assert ds.sample.attrs["units"] == "m"
    with pytest.raises(DataError, match="not known"):
        make_volume(SHAPE, bodies=("glacier",))
    with pytest.raises(DataError, match="too small"):
        make_volume((1, 4, 4))


def test_ricker_peak():
    w = ricker(8.0)
    assert w.argmax() == len(w) // 2 and w.max() == pytest.approx(1.0)
    assert abs(w.sum()) < 0.05 * len(w)
