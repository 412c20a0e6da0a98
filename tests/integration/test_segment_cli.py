"""End-to-end runs of ``seismic-salt segment`` on tiny generated SEG-Y volumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from seismic_salt.store import zarr as store
from seismic_salt.tiling import PATCH
from seismic_salt_cli.main import cli

N_IL, N_XL, N_SMP = 6, 120, 110
DEAD = (3, 7)  # (inline position, crossline position) of an all-zero trace


def write_segy(path: Path, n_il=N_IL, n_xl=N_XL, n_smp=N_SMP, seed=0) -> Path:
    """Write a small inline-sorted post-stack SEG-Y with one dead trace."""
    import segyio

    rng = np.random.default_rng(seed)
    depth = np.linspace(0, 1, n_smp)
    spec = segyio.spec()
    spec.format, spec.sorting = 5, 2
    spec.samples = list(range(0, 4 * n_smp, 4))
    spec.ilines = list(range(100, 100 + n_il))
    spec.xlines = list(range(300, 300 + n_xl))
    with segyio.create(str(path), spec) as f:
        tr = 0
        for i, il in enumerate(spec.ilines):
            for j, xl in enumerate(spec.xlines):
                trace = np.sin(40 * depth + 0.1 * j) + 0.3 * rng.normal(size=n_smp)
                if (i, j) == DEAD:
                    trace[:] = 0
                f.header[tr] = {
                    segyio.TraceField.INLINE_3D: il,
                    segyio.TraceField.CROSSLINE_3D: xl,
                    segyio.TraceField.CDP_X: 1000 + 25 * j,
                    segyio.TraceField.CDP_Y: 2000 + 25 * i,
                    segyio.TraceField.SourceGroupScalar: 1,
                    segyio.TraceField.TRACE_SAMPLE_COUNT: n_smp,
                    segyio.TraceField.TRACE_SAMPLE_INTERVAL: 4000,
                }
                f.trace[tr] = trace.astype(np.float32)
                tr += 1
        f.bin.update(tsort=segyio.TraceSortingFormat.INLINE_SORTING, hdt=4000, hns=n_smp)
    return path


def save_small_model(path: Path) -> Path:
    """Save a random-weight CPU-fast model, so tests need no bundled weights."""
    import torch

    from seismic_salt.model import build_model, save_model

    torch.manual_seed(0)
    save_model(build_model("hyper_resnet34_fast").eval(), path)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("segment")
    return write_segy(root / "volume.sgy"), save_small_model(root / "model.safetensors")


def segment_args(volume, output, model, *extra):
    return [
        "segment",
        str(volume),
        "--output",
        str(output),
        "--model",
        str(model),
        "--quiet",
        "--device",
        "cpu",
        "--precision",
        "fp32",
        "--block-size",
        "2",
        *extra,
    ]


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory):
    volume, model = inputs
    output = tmp_path_factory.mktemp("reference") / "salt.zarr"
    result = CliRunner().invoke(cli, segment_args(volume, output, model))
    assert result.exit_code == 0, result.output
    return output


@pytest.mark.slow
def test_segment_writes_a_store_xarray_opens(inputs, reference):
    volume, model = inputs
    ds = xr.open_zarr(reference)
    p = ds["salt_probability"]
    assert p.dims == ("inline", "crossline", "sample") and p.shape == (N_IL, N_XL, N_SMP)
    np.testing.assert_array_equal(ds["inline"].values, np.arange(100, 100 + N_IL))
    np.testing.assert_array_equal(ds["crossline"].values, np.arange(300, 300 + N_XL))
    np.testing.assert_allclose(ds["sample"].values, np.arange(N_SMP) * 4.0)
    np.testing.assert_allclose(ds["cdp_x"].values[0, :3], [1000, 1025, 1050])
    np.testing.assert_allclose(ds["cdp_y"].values[:3, 0], [2000, 2025, 2050])
    values = p.values
    assert np.isnan(values[DEAD]).all()
    live = np.delete(values.reshape(-1, N_SMP), DEAD[0] * N_XL + DEAD[1], axis=0)
    assert np.isfinite(live).all() and live.min() >= 0 and live.max() <= 1
    assert ds.attrs["complete"] is True
    assert ds.attrs["source_path"] == str(volume.resolve())
    assert ds.attrs["source_size"] == volume.stat().st_size
    assert ds.attrs["model_name"] == "model" and len(ds.attrs["model_sha256"]) == 64
    parameters = json.loads(ds.attrs["parameters"])
    assert parameters["tile"] == PATCH and parameters["stride"] == PATCH // 2  # the defaults


@pytest.mark.slow
def test_rerun_of_a_complete_store_is_a_no_op_and_other_settings_are_refused(inputs, reference):
    volume, model = inputs
    before = (reference / "salt_probability").stat().st_mtime_ns
    result = CliRunner().invoke(cli, segment_args(volume, reference, model))
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, segment_args(volume, reference, model, "--stride", "30"))
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "parameters" in result.output
    assert "Traceback" not in result.output
    assert (reference / "salt_probability").stat().st_mtime_ns == before


@pytest.mark.slow
def test_patch_option_is_stored_and_a_stride_wider_than_it_refused(inputs, tmp_path):
    volume, model = inputs
    output = tmp_path / "p101.zarr"
    result = CliRunner().invoke(cli, segment_args(volume, output, model, "--patch", "101"))
    assert result.exit_code == 0, result.output
    parameters = json.loads(xr.open_zarr(output).attrs["parameters"])
    assert parameters["tile"] == 101 and parameters["stride"] == 50
    wide = tmp_path / "wide.zarr"
    args = segment_args(volume, wide, model, "--patch", "101", "--stride", "102")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.output.startswith("error: ")
    assert "stride" in result.output and len(result.output.strip().splitlines()) == 1
    assert not wide.exists()


@pytest.mark.slow
def test_missing_volume_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(
        cli, ["segment", str(tmp_path / "nope.sgy"), "-o", str(tmp_path / "o.zarr"), "--quiet"]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_inline_crossline_run_keeps_the_shape(inputs, tmp_path):
    _, model = inputs
    volume = write_segy(tmp_path / "small.sgy", n_il=4, n_xl=20, n_smp=60)
    output = tmp_path / "both.zarr"
    extra = ("--orientations", "inline,crossline", "--stride", "101")
    result = CliRunner().invoke(cli, segment_args(volume, output, model, *extra))
    assert result.exit_code == 0, result.output
    ds = xr.open_zarr(output)
    assert ds["salt_probability"].shape == (4, 20, 60)
    assert set(ds.data_vars) == {"salt_probability", "inline_done"}
    assert json.loads(ds.attrs["parameters"])["orientations"] == ["inline", "crossline"]
    values = ds["salt_probability"].values
    assert np.isnan(values[DEAD]).all() and np.isfinite(values).sum() == values.size - 60


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_cube(inputs, reference, tmp_path):
    volume, model = inputs
    output = tmp_path / "salt.zarr"
    args = segment_args(volume, output, model, "--block-size", "1")
    command = [sys.executable, "-m", "seismic_salt_cli.main", *args]
    first_mark = output / store.MARKER / "c" / "0"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not first_mark.exists() and process.poll() is None:
            assert time.monotonic() < deadline, "the run wrote no block in 120 s"
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    done = store.done_blocks(output)
    assert 1 <= len(done) < N_IL
    assert not store.is_complete(output)
    assert xr.open_zarr(output).attrs["complete"] is False

    info = CliRunner().invoke(cli, ["info", str(output), "--json"])
    if info.exit_code == 0:
        assert json.loads(info.output)["complete"] is False

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert store.is_complete(output)
    np.testing.assert_array_equal(
        store.open_store(output)["salt_probability"].values,
        store.open_store(reference)["salt_probability"].values,
    )


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("name", ["f3.sgy", "small-lsb.sgy"])
def test_real_files_segment_to_their_own_shape(inputs, tmp_path, name):
    from seismic_salt.io.segy import open_segy

    shared = Path(__file__).resolve().parents[2].parent / "shared" / "segy-samples" / name
    if not shared.exists():
        pytest.skip(f"{shared} is absent: the shared data sets sit beside the checkout")
    _, model = inputs
    output = tmp_path / "real.zarr"
    result = CliRunner().invoke(cli, segment_args(shared, output, model, "--stride", "101"))
    assert result.exit_code == 0, result.output
    source = open_segy(shared)
    ds = xr.open_zarr(output)
    assert ds["salt_probability"].shape == source["amplitude"].shape
    np.testing.assert_array_equal(ds["inline"].values, source["inline"].values)
    assert ds.attrs["complete"] is True
