"""open_segy and ``seismic-salt info`` on segyio's test files in ../shared/segy-samples.

Each file either opens and agrees with segyio's own geometry reading, or is refused with
a one-line SeismicSaltError whose message says why.
"""

import json

import numpy as np
import pytest
import segyio
from click.testing import CliRunner
from shared_data import shared_path

from seismic_salt.errors import GeometryError, SegyError
from seismic_salt.io.layout import read_header_fields, read_layout
from seismic_salt.io.segy import open_segy
from seismic_salt_cli.main import cli

pytestmark = pytest.mark.shared

OPENS = {  # file -> (byte order, data format)
    "Format1msb": ("big", "ibm float"),
    "Format3lsb": ("little", "int16"),
    "Format5msb": ("big", "ieee float"),
    "Format8msb": ("big", "int8"),
    "acute-small": ("big", "ibm float"),
    "delay-scalar": ("big", "ibm float"),
    "f3-lsb": ("little", "int16"),
    "f3": ("big", "int16"),
    "normal-small": ("big", "ibm float"),
    "small-lsb": ("little", "ibm float"),
    "small": ("big", "ibm float"),
    "tiny": ("big", "ibm float"),
}
REFUSED = {  # file -> (error, message pattern)
    "long": (GeometryError, "inline and a crossline number of its own.*iline=9"),
    "shot-gather": (GeometryError, "61 traces has inline number 0.*shot gather"),
    "small-ps": (GeometryError, "pre-stack data: found 2 offsets"),
    "text": (SegyError, "only the 3600-byte file header and no traces"),
}


def _sample(name):
    return shared_path("segy-samples", f"{name}.sgy")


def _segyio_cube(path, endian):
    """Values, inlines, crosslines and samples as segyio's own geometry sees them."""
    with segyio.open(path, endian=endian) as f:
        if f.sorting == segyio.TraceSortingFormat.CROSSLINE_SORTING and len(f.ilines) > 1:
            cube = np.stack([f.iline[il] for il in f.ilines])
        elif len(f.ilines) * len(f.xlines) == 1:
            cube = f.trace.raw[:].reshape(1, 1, -1)
        else:
            cube = segyio.tools.cube(f)
        return cube.astype(np.float32), list(f.ilines), list(f.xlines), np.array(f.samples)


@pytest.mark.parametrize("name", sorted(OPENS))
def test_sample_opens_like_segyio(name):
    path = _sample(name)
    byte_order, data_format = OPENS[name]
    ds = open_segy(path)
    assert (ds.attrs["byte_order"], ds.attrs["data_format"]) == (byte_order, data_format)
    cube, inlines, crosslines, samples = _segyio_cube(path, byte_order)
    assert list(ds.inline.values) == inlines and list(ds.crossline.values) == crosslines
    np.testing.assert_allclose(ds.sample.values, samples)
    assert ds.sample.attrs["units"] == "ms" and ds.live.values.all()
    np.testing.assert_array_equal(ds.amplitude.values, cube)


@pytest.mark.parametrize("name", sorted(OPENS))
def test_one_pass_header_scan_matches_segyio_attributes(name):
    layout = read_layout(_sample(name))
    fields = [189, 193, 37, 71, 109, 115, 181, 185, 215]
    ours = read_header_fields(layout, fields)
    with segyio.open(_sample(name), ignore_geometry=True, endian=layout.byte_order) as f:
        for byte in fields:
            np.testing.assert_array_equal(ours[byte], f.attributes(byte)[:])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_sample_is_refused_with_a_reason(name):
    error, pattern = REFUSED[name]
    with pytest.raises(error, match=pattern) as info:
        open_segy(_sample(name))
    assert "\n" not in str(info.value)


def test_coordinates_are_scaled():
    ds = open_segy(_sample("f3"))  # scalar -10 at byte 71
    with segyio.open(_sample("f3")) as f:
        raw_x = f.header[0][segyio.TraceField.CDP_X]
    assert ds.cdp_x.values[0, 0] == pytest.approx(raw_x / 10)


def test_info_json_on_a_sample():
    result = CliRunner().invoke(cli, ["info", str(_sample("f3-lsb")), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["dims"] == {"inline": 23, "crossline": 18, "sample": 75}
    assert info["inline"] == {"min": 111, "max": 133, "step": 1}
    assert (info["format"], info["byte_order"], info["sample_unit"]) == ("int16", "little", "ms")
    assert info["live_fraction"] == 1.0 and len(info["corners"]) == 4
    assert set(info["amplitude_percentiles"]) == {"p0.5", "p1", "p5", "p50", "p95", "p99", "p99.5"}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_info_refusal_is_one_line_exit_2(name):
    result = CliRunner().invoke(cli, ["info", str(_sample(name))])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    if name == "long":  # the library names parameters, the command line its flags
        assert "--iline 9, --xline 21" in result.stderr and "iline=" not in result.stderr


def test_real_section_is_a_2d_line():
    path = shared_path("tgs-sections", "section_01.sgy")
    ds = open_segy(path)
    assert ds.sizes["inline"] == 1 and ds.sizes["crossline"] == 404
    assert ds.sizes["sample"] == 1010 and ds.attrs["data_format"] == "ieee float"
