import warnings

import numpy as np
import pytest
import segyio
import xarray as xr

from seismic_salt.errors import DataError
from seismic_salt.io import writer
from seismic_salt.io.segy import open_segy, to_segy

IL, XL, NS = [10, 11, 12], [20, 22, 24, 26], 6


@pytest.fixture(autouse=True)
def _quiet_segyio_casts():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ii]mplicit conversion.*")
        yield


def _volume(n_il=4, n_xl=5, n_s=7, unit="ms", first=8.0, step=2.0) -> xr.DataArray:
    rng = np.random.default_rng(1)
    values = rng.normal(size=(n_il, n_xl, n_s)).astype(np.float32)
    il, xl = np.arange(100, 100 + n_il), np.arange(7, 7 + 2 * n_xl, 2)
    gx, gy = np.meshgrid(np.arange(n_xl) * 12.5, np.arange(n_il) * 25.0)
    return xr.DataArray(
        values,
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": il,
            "crossline": xl,
            "sample": ("sample", first + step * np.arange(n_s), {"units": unit}),
            "cdp_x": (("inline", "crossline"), 456000.25 + gx),
            "cdp_y": (("inline", "crossline"), 6780000.75 + gy),
        },
    ).chunk({"inline": 1})


def test_fresh_round_trip_keeps_samples_coords_and_units(tmp_path):
    data = _volume()
    path = to_segy(data, tmp_path / "out.sgy")
    assert path == tmp_path / "out.sgy"
    ds = open_segy(path)
    np.testing.assert_array_equal(ds.amplitude.values, data.values)
    for name in ("inline", "crossline", "sample", "cdp_x", "cdp_y"):
        np.testing.assert_allclose(ds[name].values, data[name].values)
    assert ds.sample.attrs["units"] == "ms" and ds.attrs["data_format"] == "ieee float"
    with segyio.open(path) as f:  # segyio's own geometry agrees
        assert list(f.ilines) == list(data.inline.values)
        assert list(f.xlines) == list(data.crossline.values)
        np.testing.assert_array_equal(segyio.tools.cube(f), data.values)
        np.testing.assert_allclose(f.samples, data.sample.values)
    assert not list(tmp_path.glob(".*partial"))


def test_fresh_round_trip_depth_and_fractional_delay(tmp_path):
    data = _volume(unit="m", first=12.5, step=5.0)
    ds = open_segy(to_segy(data, tmp_path / "depth.sgy"))
    assert ds.sample.attrs["units"] == "m"
    np.testing.assert_allclose(ds.sample.values, data.sample.values)


def test_irregular_survey_round_trip_keeps_live_mask(tmp_path, make_segy, expected_cube):
    missing = [(10, 20), (12, 24)]
    ds = open_segy(make_segy(missing=missing))
    back = open_segy(to_segy(ds.amplitude, tmp_path / "irregular.sgy"))
    np.testing.assert_array_equal(back.live.values, ds.live.values)
    np.testing.assert_array_equal(back.amplitude.values, expected_cube(IL, XL, NS, missing))


@pytest.mark.parametrize("sorting", ["inline", "crossline"])
def test_template_headers_copied_and_samples_replaced(tmp_path, make_segy, sorting):
    template = make_segy(fmt=3, endian="little", sorting=sorting, missing=[(11, 22)])
    ds = open_segy(template)
    out = to_segy(ds.amplitude * 2, tmp_path / "twice.sgy", template=template)
    back = open_segy(out)
    assert back.attrs["data_format"] == "ieee float" and back.attrs["byte_order"] == "little"
    np.testing.assert_array_equal(back.amplitude.values, 2 * ds.amplitude.values)
    with (
        segyio.open(template, ignore_geometry=True, endian="little") as src,
        segyio.open(out, ignore_geometry=True, endian="little") as dst,
    ):
        assert bytes(src.text[0]) == bytes(dst.text[0])
        assert dst.bin[segyio.BinField.Format] == 5
        assert {**src.bin, segyio.BinField.Format: 5} == dict(dst.bin)
        assert all(dict(src.header[i]) == dict(dst.header[i]) for i in range(src.tracecount))


def test_template_traces_missing_from_data_get_zeros(tmp_path, make_segy, expected_cube):
    template = make_segy()
    part = open_segy(template).amplitude.sel(inline=[11], crossline=[22, 24])
    part = part.where(part.crossline != 24)  # NaN -> 0
    back = open_segy(to_segy(part, tmp_path / "part.sgy", template=template))
    expected = np.zeros((3, 4, NS), np.float32)
    expected[1, 1] = expected_cube(IL, XL, NS)[1, 1]
    np.testing.assert_array_equal(back.amplitude.values, expected)


def test_template_sample_axis_must_match(tmp_path, make_segy):
    template = make_segy()
    data = open_segy(template).amplitude.isel(sample=slice(1, None))
    with pytest.raises(DataError, match="sample axis"):
        to_segy(data, tmp_path / "x.sgy", template=template)


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writer, "_block_values", boom)
    with pytest.raises(RuntimeError):
        to_segy(_volume(), tmp_path / "out.sgy")
    assert list(tmp_path.iterdir()) == []


def test_bad_inputs(tmp_path):
    data = _volume()
    with pytest.raises(DataError, match="dims"):
        to_segy(data.isel(sample=0), tmp_path / "x.sgy")
    with pytest.raises(DataError, match="DataArray"):
        to_segy(data.to_dataset(name="a"), tmp_path / "x.sgy")
    irregular = data.assign_coords(sample=[0, 1, 2, 4, 5, 6, 7])
    with pytest.raises(DataError, match="irregular"):
        to_segy(irregular, tmp_path / "x.sgy")


def test_writes_block_by_block(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "BLOCK_BYTES", 5 * 7 * 4)  # one inline per block
    rows = []
    real = writer._block_values
    monkeypatch.setattr(writer, "_block_values", lambda d, r: rows.append(r) or real(d, r))
    data = _volume()
    np.testing.assert_array_equal(open_segy(to_segy(data, tmp_path / "o.sgy")).amplitude, data)
    assert len(rows) == 4
