"""Issue 20 end to end through the command line: CRS, degenerate coordinates, URLs, MDIO."""

import importlib.metadata
import json

import numpy as np
import pytest
import segyio
import torch
import xarray as xr
from click.testing import CliRunner
from shared_data import shared_path

from seismic_salt_cli.main import COMMANDS, cli

SHAPE = (3, 40, 36)


@pytest.fixture(scope="module")
def random_model(tmp_path_factory):
    from seismic_salt.model import build_model
    from seismic_salt.model.checkpoint import save_model

    torch.manual_seed(0)
    return save_model(
        build_model("hyper_resnet34_fast"), tmp_path_factory.mktemp("m") / "r.safetensors"
    )


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    from seismic_salt.io.writer import to_segy
    from seismic_salt.synthetic import make_volume

    return to_segy(make_volume(SHAPE, seed=1).amplitude, tmp_path_factory.mktemp("v") / "v.sgy")


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def crs_store(volume, random_model):
    store = volume.with_name("crs.zarr")
    run("segment", volume, "-o", store, "--model", random_model, "--crs", "EPSG:32615", "-q")
    return store


def test_every_command_takes_quiet_and_verbose():
    for name in COMMANDS:
        text = run(name, "--help").output
        assert "-q, --quiet" in text and "-v, --verbose" in text, name


def test_version_comes_from_the_package_metadata():
    import seismic_salt

    version = importlib.metadata.version("seismic-salt")
    assert seismic_salt.__version__ == version
    assert run("--version").output.strip() == f"seismic-salt, version {version}"


def test_commands_that_read_segy_take_the_cdp_bytes():
    for name in ("info", "segment", "preview", "finetune"):
        text = run(name, "--help").output
        assert "--cdp-x" in text and "--cdp-y" in text, name


def test_the_crs_goes_into_the_store_and_every_export_and_back(crs_store, tmp_path):
    from seismic_salt.export.sidecar import read_prj
    from seismic_salt.io.crs import crs_label, crs_of
    from seismic_salt.store.zarr import open_store

    assert crs_label(crs_of(open_store(crs_store))).startswith("EPSG:32615")
    info = json.loads(run("info", crs_store, "--json").output)
    assert info["crs"] == "EPSG:32615 (WGS 84 / UTM zone 15N)"
    out = tmp_path
    run("export", crs_store, "--segy", out / "p.sgy", "--surfaces", out / "surf",
        "--mesh", out / "salt.ts", "--threshold", "0.3")  # fmt: skip
    run("export", crs_store, "--mesh", out / "salt.ply", "--threshold", "0.3")
    with segyio.open(out / "p.sgy", ignore_geometry=True) as f:
        assert "CRS: EPSG:32615 (WGS 84 / UTM ZONE 15N)" in segyio.tools.wrap(f.text[0])
    prjs = sorted((out / "surf").glob("*.prj"))
    assert prjs and len(prjs) == len(list((out / "surf").glob("*.gri")))
    import pyproj

    assert pyproj.CRS(read_prj(prjs[0])).to_epsg() == 32615
    assert pyproj.CRS(read_prj(out / "salt.prj")).to_epsg() == 32615
    tsurf = (out / "salt.ts").read_text()
    assert "NAME EPSG:32615" in tsurf and 'AXIS_UNIT "m" "m" "ms"' in tsurf
    assert "ZPOSITIVE Depth" in tsurf


def test_an_unknown_crs_is_one_line_before_anything(volume, random_model):
    result = run("segment", volume, "-o", volume.with_name("no.zarr"), "--model", random_model,
                 "--crs", "EPSG:0", code=2)  # fmt: skip
    assert len(result.output.strip().splitlines()) == 1
    assert not volume.with_name("no.zarr").exists()


def test_small_sgy_warns_once_and_exports_refuse_zero_spacing(random_model, tmp_path):
    small = shared_path("segy-samples", "small.sgy")
    result = run("info", small)
    assert "NO MAP GRID: all 25 live traces have CDP X/Y (0, 0)" in result.output
    store = tmp_path / "small.zarr"
    result = run("segment", small, "-o", store, "--model", random_model)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "give no map grid" in warnings[0]
    refused = run("export", store, "--surfaces", tmp_path / "s", code=2)
    assert len(refused.output.strip().splitlines()) == 1
    assert "no map grid" in refused.output and "--spacing" in refused.output
    assert not list((tmp_path / "s").glob("*.gri"))  # no zero-spacing surface
    run("bodies", store, "--json", code=2)
    run("export", store, "--surfaces", tmp_path / "s", "--spacing", "25,12.5", "--threshold", "0.3")
    import xtgeo

    top = xtgeo.surface_from_file(tmp_path / "s" / "top.gri")
    assert (top.xinc, top.yinc) == (25.0, 12.5)


def test_quiet_silences_the_warning(random_model, tmp_path):
    small = shared_path("segy-samples", "small.sgy")
    result = run("segment", small, "-o", tmp_path / "q.zarr", "--model", random_model, "-q")
    assert "warning" not in result.stderr


def test_segment_reads_a_segy_from_a_memory_url(volume, random_model, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    with fsspec.open("memory://cli/volume.sgy", "wb") as out:
        out.write(volume.read_bytes())
    store = tmp_path / "url.zarr"
    run("segment", "memory://cli/volume.sgy", "-o", store, "--model", random_model, "-q")
    ds = xr.open_zarr(store)
    assert ds.attrs["source_path"] == "memory://cli/volume.sgy" and ds.attrs["complete"]
    run("export", store, "--segy", tmp_path / "from-url.sgy")  # the URL is the template


def test_an_output_at_a_url_is_refused_in_one_line_and_nothing_is_made(
    volume, random_model, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # pathlib would turn memory://out.zarr into ./memory:/out.zarr
    result = run("segment", volume, "-o", "memory://out.zarr", "--model", random_model, code=2)
    assert "output memory://out.zarr is a URL" in result.output
    assert len(result.output.strip().splitlines()) == 1
    store = tmp_path / "q.zarr"
    run("segment", volume, "-o", store, "--model", random_model, "-q")
    result = run("export", store, "--segy", "s3://bucket/mask.sgy", code=2)
    assert "is a URL" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.zarr"]


def test_segment_runs_on_an_mdio_style_zarr_with_a_time_axis(volume, random_model, tmp_path):
    from seismic_salt.io.segy import open_segy

    ds = open_segy(volume).rename(sample="time").drop_attrs()
    ds = ds.rename(live="trace_mask").compute()
    mdio = tmp_path / "survey.mdio"
    ds.to_zarr(mdio, mode="w")
    store = tmp_path / "mdio-salt.zarr"
    run("segment", mdio, "-o", store, "--model", random_model, "-q")
    out = xr.open_zarr(store)
    assert out.salt_probability.dims == ("inline", "crossline", "sample")
    assert out.sample.attrs["units"] == "ms"
    direct = tmp_path / "direct.zarr"
    run("segment", volume, "-o", direct, "--model", random_model, "-q")
    np.testing.assert_array_equal(
        out.salt_probability.values, xr.open_zarr(direct).salt_probability.values
    )


def test_a_dataset_whose_dims_do_not_fit_is_named(tmp_path, random_model):
    bad = tmp_path / "bad.zarr"
    xr.Dataset({"data": (("a", "b", "c"), np.zeros((2, 2, 2)))}).to_zarr(bad)
    result = run("segment", bad, "-o", tmp_path / "o.zarr", "--model", random_model, code=2)
    assert "the dataset has dims ('a', 'b', 'c')" in result.output
