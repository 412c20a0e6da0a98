import json
import warnings

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from seismic_salt.info import describe, format_summary
from seismic_salt_cli.main import cli

KEYS = {"dims", "inline", "crossline", "sample", "sample_unit", "sample_interval", "format",
        "byte_order", "live_fraction", "corners", "amplitude_percentiles"}  # fmt: skip


@pytest.fixture(autouse=True)
def _quiet_segyio_casts():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ii]mplicit conversion.*")
        yield


def test_describe_segy(make_segy):
    info = describe(make_segy(missing=[(10, 20)], interval_us=2000))
    assert KEYS <= set(info)
    assert info["dims"] == {"inline": 3, "crossline": 4, "sample": 6}
    assert info["crossline"] == {"min": 20, "max": 26, "step": 2}
    assert info["sample"]["step"] == 2.0 and info["sample_unit"] == "ms"
    assert info["live_fraction"] == pytest.approx(11 / 12)
    assert info["corners"][0]["cdp_x"] is None  # the missing corner
    assert info["corners"][2]["cdp_x"] == pytest.approx((100000 + 12 * 250 + 26) / 100)
    pct = info["amplitude_percentiles"]
    assert list(pct) == ["p0.5", "p1", "p5", "p50", "p95", "p99", "p99.5"]
    assert -100 <= pct["p0.5"] <= pct["p50"] <= pct["p99.5"] <= 100
    assert "ieee float" in format_summary(info)
    json.dumps(info, allow_nan=False)


def test_percentiles_use_a_bounded_random_sample(make_segy):
    info = describe(make_segy(), max_traces=5)
    assert info["n_traces_sampled"] == 5


def _store(path, complete):
    data = np.zeros((2, 3, 4), np.float32)
    ds = xr.Dataset(
        {"salt_probability": (("inline", "crossline", "sample"), data)},
        coords={
            "inline": [1, 2],
            "crossline": [5, 6, 7],
            "sample": ("sample", [0.0, 4.0, 8.0, 12.0], {"units": "ms"}),
        },  # fmt: skip
        attrs={
            "model_name": "unet",
            "model_sha256": "ab" * 32,
            "source_path": "/x.sgy",
            "parameters": json.dumps({"tta": False}),
            "complete": complete,
        },  # fmt: skip
    )
    ds.to_zarr(path, mode="w", consolidated=False)
    return path


def test_describe_store_complete_and_incomplete(tmp_path):
    info = describe(_store(tmp_path / "salt.zarr", True))
    assert info["kind"] == "zarr" and info["complete"] is True
    assert info["dims"] == {"inline": 2, "crossline": 3, "sample": 4}
    assert info["sample"] == {"min": 0.0, "max": 12.0, "step": 4.0}
    assert info["provenance"]["parameters"] == {"tta": False}
    result = CliRunner().invoke(cli, ["info", str(_store(tmp_path / "part.zarr", False))])
    assert result.exit_code == 0 and "INCOMPLETE" in result.output


def test_cli_json_and_text(make_segy):
    path = str(make_segy())
    result = CliRunner().invoke(cli, ["info", path, "--json"])
    assert result.exit_code == 0
    assert KEYS <= set(json.loads(result.stdout))
    text = CliRunner().invoke(cli, ["info", path])
    assert text.exit_code == 0 and "dims: inline 3 × crossline 4 × sample 6" in text.output


def test_cli_user_errors_are_one_line_exit_2(tmp_path, make_segy):
    result = CliRunner().invoke(cli, ["info", str(tmp_path / "missing.sgy")])
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = CliRunner().invoke(cli, ["info", str(make_segy(offsets=[1, 2])), "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--iline" in CliRunner().invoke(cli, ["info", "--help"]).output
