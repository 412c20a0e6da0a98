import json

import numpy as np
import pytest
import xarray as xr

from seismic_salt.errors import StoreError
from seismic_salt.inference import segment, segment_to_zarr
from seismic_salt.store import zarr as store
from seismic_salt.tiling import PATCH


@pytest.fixture
def volume(make_volume):
    cube = make_volume(5, 30, 24, dead=[(2, 4)])
    return cube.to_dataset().assign_attrs(source_path="")


def run(volume, path, model, **options):
    options.setdefault("block_size", 2)
    return segment_to_zarr(volume, path, model, device="cpu", progress=False, **options)


def test_store_opens_as_floats_with_coords_and_provenance(tmp_path, volume, echo_model):
    path = run(volume, tmp_path / "salt.zarr", echo_model)
    ds = xr.open_zarr(path)
    p = ds["salt_probability"]
    assert p.dims == ("inline", "crossline", "sample")
    assert p.dtype.kind == "f"
    assert np.nanmin(p.values) >= 0 and np.nanmax(p.values) <= 1
    assert np.isnan(p.values[2, 4]).all() and np.isfinite(p.values[2, 5]).all()
    for name in ("inline", "crossline", "sample", "cdp_x", "cdp_y"):
        np.testing.assert_array_equal(ds[name].values, volume[name].values)
    assert ds["sample"].attrs["units"] == "ms"
    assert ds.attrs["complete"] is True
    assert ds.attrs["model_name"] == "AmplitudeLogit" and len(ds.attrs["model_sha256"]) == 64
    parameters = json.loads(ds.attrs["parameters"])
    assert parameters["tile"] == PATCH and parameters["stride"] == PATCH // 2  # the defaults
    for key in ("software_version", "source_path", "source_size", "normalisation"):
        assert key in ds.attrs
    lazy = segment(volume.amplitude, echo_model, device="cpu").compute().values
    np.testing.assert_allclose(p.values, lazy, atol=0.5 / 254 + 1e-6)
    assert store.done_blocks(path) == [0, 1, 2] and store.is_complete(path)


def test_interrupted_run_resumes_to_the_same_cube(tmp_path, volume, echo_model, interrupted):
    reference = run(volume, tmp_path / "ref.zarr", echo_model)
    path = tmp_path / "salt.zarr"
    interrupted(volume, path, echo_model)
    assert not store.is_complete(path) and store.done_blocks(path) == [0]
    assert np.isnan(xr.open_zarr(path)["salt_probability"].values[2:]).all()
    run(volume, path, echo_model)
    np.testing.assert_array_equal(
        store.open_store(path)["salt_probability"].values,
        store.open_store(reference)["salt_probability"].values,
    )
    assert store.is_complete(path)


def test_another_run_on_the_store_is_refused(tmp_path, volume, echo_model, monkeypatch):
    path = run(volume, tmp_path / "salt.zarr", echo_model)
    with pytest.raises(StoreError, match="parameters"):
        run(volume, path, echo_model, stride=40)
    other = type(echo_model)()
    other.scale.data.fill_(2.0)
    with pytest.raises(StoreError, match="model sha256"):
        run(volume, path, other)
    with pytest.raises(StoreError, match="overwrite"):
        run(volume, path, echo_model, resume=False)
    run(volume, path, other, overwrite=True, stride=40)
    assert json.loads(store.read_attrs(path)["parameters"])["stride"] == 40


def test_a_foreign_directory_is_never_deleted(tmp_path, volume, echo_model):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not a seismic-salt store"):
        run(volume, foreign, echo_model, overwrite=True)
    assert (foreign / "notes.txt").exists()


def test_inline_and_crossline_store_matches_lazy_result(tmp_path, volume, echo_model):
    path = run(
        volume,
        tmp_path / "salt.zarr",
        echo_model,
        orientations=("inline", "crossline"),
        crossline_block=7,
    )
    ds = store.open_store(path)
    assert set(ds.data_vars) == {"salt_probability", "inline_done"}
    assert ds["salt_probability"].shape == volume.amplitude.shape
    lazy = (
        segment(volume.amplitude, echo_model, device="cpu", orientations=("inline", "crossline"))
        .compute()
        .values
    )
    np.testing.assert_allclose(ds["salt_probability"].values, lazy, atol=0.5 / 254 + 1e-6)


def test_encode_decode_round_trip():
    p = np.array([0.0, 0.5, 1.0, np.nan, 1.2, -0.1, 0.3], "float32")
    stored = store.decode(store.encode(p))
    assert stored.dtype == np.float32
    np.testing.assert_array_equal(stored[:3], [0, 0.5, 1])
    assert np.isnan(stored[3]) and stored[4] == 1 and stored[5] == 0
    assert stored[6] == np.float32(77 / 256)
    codes = store.encode(p, np.uint8)  # a store of an earlier release
    np.testing.assert_array_equal(codes, [0, 127, 254, 255, 254, 0, 76])
    np.testing.assert_allclose(store.decode(codes)[:3], [0, 127 / 254, 1])
    assert np.isnan(store.decode(codes)[3])


def test_resume_with_auto_precision_keeps_the_stored_one(tmp_path, volume, echo_model, monkeypatch):
    import seismic_salt.model.precision as precision

    path = tmp_path / "salt.zarr"
    monkeypatch.setattr(precision, "choose_precision", lambda model, device, requested: "bf16")
    run(volume, path, echo_model, precision="auto")
    assert json.loads(store.read_attrs(path)["parameters"])["precision"] == "bf16"
    monkeypatch.setattr(precision, "choose_precision", lambda model, device, requested: "fp32")
    run(volume, path, echo_model, precision="auto")  # no "another parameters" error


def test_a_store_of_an_in_memory_module_resumes_with_its_saved_checkpoint(
    tmp_path, volume, interrupted
):
    import torch

    from seismic_salt.model import build_model
    from seismic_salt.model.checkpoint import model_sha256, save_model

    torch.manual_seed(0)
    module = build_model("hyper_resnet34_fast").eval()
    path = tmp_path / "salt.zarr"
    interrupted(volume, path, module, precision="fp32")
    assert store.done_blocks(path) == [0]
    checkpoint = save_model(module, tmp_path / "module.safetensors")
    assert store.read_attrs(path)["model_sha256"] == model_sha256(checkpoint)
    run(volume, path, checkpoint, precision="fp32")  # the same weights: resumed, not refused
    assert store.is_complete(path) and store.done_blocks(path) == [0, 1, 2]


def test_a_corrupt_checkpoint_is_refused_before_a_store_is_made(tmp_path, volume):
    from seismic_salt.errors import CheckpointError
    from seismic_salt.model import build_model, save_model

    checkpoint = save_model(build_model("hyper_resnet34_fast"), tmp_path / "m.safetensors")
    data = bytearray(checkpoint.read_bytes())
    data[-10] ^= 0xFF
    checkpoint.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256"):
        run(volume, tmp_path / "salt.zarr", checkpoint, precision="fp32")
    assert not (tmp_path / "salt.zarr").exists()


def test_patch_and_stride_settings() -> None:
    """The stride defaults to half the patch; both are checked where a run is planned."""
    from seismic_salt.errors import DataError
    from seismic_salt.inference.settings import Settings

    assert Settings().stride == PATCH // 2 and Settings(patch=101).stride == 50
    assert Settings(patch=202, stride=60).splitter().tile == 202
    assert Settings(patch=101).parameters()["tile"] == 101
    for bad in ({"patch": 16}, {"patch": 600}, {"patch": 101, "stride": 102}):
        with pytest.raises(DataError, match="patch"):
            Settings(**bad)
