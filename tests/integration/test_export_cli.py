"""End-to-end runs of synth, export, bodies and preview through the click group."""

import json

import numpy as np
import pytest
import segyio
import xarray as xr
from click.testing import CliRunner

from seismic_salt_cli.main import cli

SHAPE = (4, 20, 32)


@pytest.fixture(scope="module")
def synth_files(tmp_path_factory):
    """A tiny synthetic volume and its labels written by `seismic-salt synth`."""
    folder = tmp_path_factory.mktemp("synth")
    volume, labels = folder / "volume.sgy", folder / "labels.sgy"
    result = CliRunner().invoke(
        cli,
        ["synth", str(volume), "--labels", str(labels), "--shape", "4,20,32", "--seed", "2"],
    )
    assert result.exit_code == 0, result.output
    return volume, labels


def test_synth_opens_with_declared_geometry(synth_files):
    from seismic_salt.io.segy import open_segy
    from seismic_salt.synthetic import make_volume

    volume, labels = synth_files
    ds = open_segy(volume)
    truth = make_volume(SHAPE, seed=2)
    assert tuple(ds.amplitude.sizes.values()) == SHAPE
    np.testing.assert_array_equal(ds.inline.values, truth.inline.values)
    np.testing.assert_array_equal(ds.crossline.values, truth.crossline.values)
    np.testing.assert_allclose(ds.sample.values, truth.sample.values)
    assert ds.sample.attrs["units"] == "ms"
    np.testing.assert_allclose(ds.cdp_x.values, truth.cdp_x.values, atol=0.01)
    np.testing.assert_allclose(ds.cdp_y.values, truth.cdp_y.values, atol=0.01)
    np.testing.assert_allclose(ds.amplitude.values, truth.amplitude.values, rtol=1e-6)
    lab = open_segy(labels)
    np.testing.assert_array_equal(lab.amplitude.values, truth.salt.values)


def _store(folder, volume_path, probability, attrs_extra=None, complete=True):
    """A salt-probability store following docs/CONTRACTS.md, built with io.zarr."""
    from seismic_salt.store import zarr as store_io

    path = folder / "salt.zarr"
    attrs = {
        "software_version": "test",
        "model_name": "truth",
        "model_sha256": "0" * 64,
        "source_path": str(volume_path),
        "source_size": volume_path.stat().st_size,
        "parameters": "{}",
    }
    attrs.update(attrs_extra or {})
    store_io.create_store(path, probability, block_size=2, attrs=attrs)
    values = probability.values.astype(np.float32)
    for start in range(0, values.shape[0], 2):
        store_io.write_block(path, start, values[start : start + 2])
    if complete:
        store_io.mark_complete(path)
    return path


@pytest.fixture(scope="module")
def store(synth_files, tmp_path_factory):
    """Truth labels, slightly blurred into probabilities, with one dead trace."""
    from scipy import ndimage

    from seismic_salt.synthetic import make_volume

    truth = make_volume(SHAPE, seed=2)
    p = ndimage.gaussian_filter(truth.salt.values.astype(np.float32), 0.7)
    p[0, 0] = np.nan
    probability = truth.salt.copy(data=p).rename("salt_probability")
    return _store(tmp_path_factory.mktemp("store"), synth_files[0], probability), truth


def test_export_segy_mask_on_template_geometry(store, synth_files, tmp_path):
    path, truth = store
    out = tmp_path / "mask.sgy"
    args = ["export", str(path), "--segy", str(out), "--threshold", "0.5"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    expected = np.asarray(xr.open_zarr(path).salt_probability.values >= 0.5, np.float32)
    with segyio.open(synth_files[0], ignore_geometry=False) as src, segyio.open(out) as dst:
        np.testing.assert_array_equal(dst.ilines, src.ilines)
        np.testing.assert_array_equal(dst.xlines, src.xlines)
        np.testing.assert_array_equal(dst.samples, src.samples)
        for n in (0, 7, dst.tracecount - 1):
            assert dict(dst.header[n]) == dict(src.header[n])
        cube = segyio.tools.cube(dst)
    np.testing.assert_array_equal(cube, expected)
    assert cube[0, 0].max() == 0.0  # dead trace written as zeros


def test_export_segy_probability_with_explicit_template(store, synth_files, tmp_path):
    path, _ = store
    out = tmp_path / "prob.sgy"
    args = ["export", str(path), "--segy", str(out), "--probability"]
    result = CliRunner().invoke(cli, [*args, "--template", str(synth_files[0])])
    assert result.exit_code == 0, result.output
    expected = np.nan_to_num(xr.open_zarr(path).salt_probability.values)
    with segyio.open(out) as dst:
        np.testing.assert_allclose(segyio.tools.cube(dst), expected, atol=1e-6)


def test_export_surfaces_and_mesh(store, tmp_path):
    import xtgeo

    from seismic_salt.export.mesh import read_tsurf

    path, truth = store
    surf_dir, mesh = tmp_path / "surf", tmp_path / "salt.ts"
    args = ["export", str(path), "--surfaces", str(surf_dir), "--mesh", str(mesh)]
    result = CliRunner().invoke(cli, [*args, "--format", "zmap", "--min-size", "5"])
    assert result.exit_code == 0, result.output
    top = xtgeo.surface_from_file(surf_dir / "top.zmap")
    assert top.values.count() > 0
    objects = read_tsurf(mesh)
    assert objects and all(len(f) > 0 for _, (_, f) in objects)


def test_bodies_json_is_pure_json(store):
    path, truth = store
    result = CliRunner().invoke(cli, ["bodies", str(path), "--json"])
    assert result.exit_code == 0, result.output
    bodies = json.loads(result.stdout)
    assert bodies and bodies[0]["id"] == 1 and bodies[0]["volume_unit"] == "m2*ms"
    table = CliRunner().invoke(cli, ["bodies", str(path), "--min-size", "1"])
    assert table.exit_code == 0 and "voxels" in table.stdout


def test_export_errors_are_one_line(store, synth_files, tmp_path):
    path, truth = store
    runner = CliRunner()
    nothing = runner.invoke(cli, ["export", str(path)])
    assert nothing.exit_code == 2 and "nothing to export" in nothing.output
    probability = truth.salt.astype("float32").rename("salt_probability")
    no_source = _store(tmp_path, synth_files[0], probability, {"source_path": ""})
    result = runner.invoke(cli, ["export", str(no_source), "--segy", str(tmp_path / "o.sgy")])
    assert result.exit_code == 2 and "--template" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    incomplete = _store(tmp_path / "x", synth_files[0], probability, complete=False)
    result = runner.invoke(cli, ["bodies", str(incomplete)])
    assert result.exit_code == 2 and "incomplete" in result.output


def test_preview_with_store_and_truth(store, synth_files, tmp_path):
    from PIL import Image

    path, _ = store
    volume, labels = synth_files
    png = tmp_path / "xl.png"
    args = ["preview", str(volume), "--salt", str(path), "--truth", str(labels)]
    result = CliRunner().invoke(cli, [*args, "--crossline", "2010", "-o", str(png)])
    assert result.exit_code == 0, result.output
    with Image.open(png) as image:
        assert image.size[0] > 0 and image.size[1] > 0
    bad = CliRunner().invoke(cli, [*args, "--inline", "5", "-o", str(png)])
    assert bad.exit_code == 2 and "outside" in bad.output


def test_library_to_segy_defaults_to_the_stores_source(store, synth_files, tmp_path):
    import xarray as xr

    from seismic_salt import export
    from seismic_salt.errors import DataError

    path, _ = store
    out = export.to_segy(path, tmp_path / "default.sgy", threshold=0.5)
    explicit = tmp_path / "explicit.sgy"
    probability = xr.open_zarr(path).salt_probability
    export.to_segy(probability, explicit, template=synth_files[0], threshold=0.5)
    assert out.read_bytes() == explicit.read_bytes()
    with pytest.raises(DataError, match="template="):
        export.to_segy(probability, tmp_path / "none.sgy")
