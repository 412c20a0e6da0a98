"""Issue 20 at the I/O layer: degenerate coordinates, CRS, URLs, dataset aliases, engine."""

import warnings

import numpy as np
import pytest
import xarray as xr
from shared_data import shared_path

from seismic_salt.errors import CoordinateWarning, DataError
from seismic_salt.io.aliases import as_volume, open_zarr_volume
from seismic_salt.io.coordinates import coordinate_problem
from seismic_salt.io.crs import crs_label, crs_of, resolve_crs, with_crs
from seismic_salt.io.segy import open_segy


def test_small_sgy_is_reported_once_as_having_no_map_grid():
    small = shared_path("segy-samples", "small.sgy")
    with pytest.warns(CoordinateWarning) as caught:
        ds = open_segy(small)
    assert len([w for w in caught if w.category is CoordinateWarning]) == 1
    message = str(caught[0].message)
    assert "all 25 live traces have CDP X/Y (0, 0) at bytes 181/185" in message
    assert "cdp_x=73" in message  # names the fix
    assert ds.attrs["cdp_x_byte"] == 181


def test_a_good_survey_opens_without_a_warning(make_segy):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CoordinateWarning)
        open_segy(make_segy())


def test_cdp_bytes_are_honoured(make_segy):
    # the fixture writes CDP X at 181 and CDP Y at 185: reading X from 185 swaps them
    ds = open_segy(make_segy(), cdp_x=185, cdp_y=181)
    assert float(ds.cdp_x[0, 0]) == pytest.approx((200000 + 10 * 3 + 20 * 250) / 100)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (np.zeros((3, 4)), np.zeros((3, 4)), "all 12 live traces have CDP X/Y (0, 0)"),
        (np.arange(12.0).reshape(3, 4), 2 * np.arange(12.0).reshape(3, 4), "on one line"),
        (*np.meshgrid(np.arange(4.0), np.arange(3.0)), None),
    ],
)
def test_coordinate_problem(x, y, expected):
    problem = coordinate_problem(x, y)
    assert problem == expected if expected is None else expected in problem


def test_a_2d_line_is_not_called_collinear():
    assert coordinate_problem(np.arange(5.0)[None], np.zeros((1, 5))) is None


def test_crs_is_resolved_labelled_and_carried():
    wkt = resolve_crs("EPSG:32615")
    assert crs_label(wkt) == "EPSG:32615 (WGS 84 / UTM zone 15N)"
    da = with_crs(xr.DataArray(np.zeros((2, 2, 2)), dims=("inline", "crossline", "sample")),
                  "EPSG:32615")  # fmt: skip
    assert da.attrs["grid_mapping"] == "crs"
    assert da.crs.attrs["grid_mapping_name"] == "transverse_mercator"
    assert crs_of(da) == wkt
    with pytest.raises(DataError, match="not known to pyproj"):
        resolve_crs("EPSG:99999999")


def test_open_segy_keeps_a_crs(make_segy):
    ds = open_segy(make_segy(), crs="EPSG:32615")
    assert crs_label(crs_of(ds)).startswith("EPSG:32615")
    assert ds.amplitude.attrs["grid_mapping"] == "crs"


def test_a_crs_written_into_the_text_header_is_read_back(make_segy, tmp_path):
    from seismic_salt.io.crs import header_crs
    from seismic_salt.io.writer import to_segy

    marked = to_segy(open_segy(make_segy(), crs="EPSG:32615").amplitude, tmp_path / "crs.sgy")
    assert crs_label(crs_of(open_segy(marked))).startswith("EPSG:32615")
    assert crs_label(crs_of(xr.open_dataset(marked, engine="seismic_salt"))).startswith(
        "EPSG:32615"
    )
    assert crs_label(crs_of(open_segy(marked, crs="EPSG:4326"))).startswith("EPSG:4326")
    assert crs_of(open_segy(make_segy())) is None  # no line, no CRS
    assert header_crs("C 5 CRS: EPSG:99999999 (UNKNOWN)") is None  # unknown code: ignored
    assert header_crs("C 5 CRS: WGS 84 / MY GRID") is None  # a name only


def test_segy_from_an_fsspec_url(make_segy, expected_cube):
    fsspec = pytest.importorskip("fsspec")
    local = make_segy()
    with fsspec.open("memory://surveys/url-volume.sgy", "wb") as out:
        out.write(local.read_bytes())
    ds = open_segy("memory://surveys/url-volume.sgy")
    np.testing.assert_array_equal(
        ds.amplitude.values, expected_cube((10, 11, 12), (20, 22, 24, 26), 6)
    )
    assert open_segy(local.as_uri()).sizes == ds.sizes  # file:// is a local path


def test_missing_url_is_one_clear_error():
    from seismic_salt.errors import InputFileError

    with pytest.raises(InputFileError, match="no such file at that URL"):
        open_segy("memory://nowhere/none.sgy")


def _mdio_like(dims=("inline", "crossline", "time"), variable="amplitude"):
    rng = np.random.default_rng(0)
    return xr.Dataset(
        {variable: (dims, rng.normal(size=(3, 4, 5)).astype("float32"))},
        coords={
            dims[0]: np.arange(10, 13),
            dims[1]: np.arange(20, 24),
            dims[2]: np.arange(5) * 4.0,
            "cdp_x": (dims[:2], rng.uniform(size=(3, 4))),
            "cdp_y": (dims[:2], rng.uniform(size=(3, 4))),
            "trace_mask": (dims[:2], np.ones((3, 4), bool)),
        },
    )


@pytest.mark.parametrize(
    ("dims", "variable", "unit"),
    [
        (("inline", "crossline", "time"), "amplitude", "ms"),  # MDIO
        (("iline", "xline", "twt"), "data", "ms"),  # segysak
        (("inline", "crossline", "depth"), "seismic", "m"),
    ],
)
def test_other_tools_datasets_are_renamed(dims, variable, unit):
    ds = as_volume(_mdio_like(dims, variable))
    assert tuple(ds.amplitude.dims) == ("inline", "crossline", "sample")
    assert ds.sample.attrs["units"] == unit
    assert "live" in ds.coords and ds.live.dtype == bool


def test_no_fitting_dims_names_the_dims_found():
    with pytest.raises(DataError, match=r"dims \('a', 'crossline', 'time'\): none is a inline"):
        as_volume(_mdio_like(("a", "crossline", "time")))
    with pytest.raises(DataError, match=r"variables \('velocity',\)"):
        as_volume(_mdio_like(variable="velocity"))


def test_zarr_dataset_at_a_url_opens_through_zarr(tmp_path):
    pytest.importorskip("fsspec")
    _mdio_like().to_zarr("memory://mdio-like.zarr", mode="w")
    ds = open_zarr_volume("memory://mdio-like.zarr")
    assert ds.amplitude.dims == ("inline", "crossline", "sample")
