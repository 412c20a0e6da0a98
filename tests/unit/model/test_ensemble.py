"""Ensembles: one checkpoint averaging its members' probabilities (issue 18)."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from tgs_factory import write_tgs

from seismic_salt.errors import CheckpointError, OutputError
from seismic_salt.model import build_model, load_model, predict_tiles, save_model
from seismic_salt.model.ensemble import ensemble_file, make_ensemble
from seismic_salt_cli.main import cli

SMALL = {"decoder_channels": [16, 16, 16, 8, 8]}


def _member(path, seed, **save):
    torch.manual_seed(seed)
    return save_model(build_model("hyper_resnet34_fast", **SMALL), path, **save)


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    root = tmp_path_factory.mktemp("members")
    return [
        _member(
            root / "a.safetensors", 0, threshold=0.4, min_salt_pixels=0, provenance={"fold": 1}
        ),
        _member(
            root / "b.safetensors", 1, threshold=0.6, min_salt_pixels=20, provenance={"fold": 2}
        ),
    ]


@pytest.fixture(scope="module")
def tiles():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, size=(3, 101, 101)).astype(np.float32)


def test_an_ensemble_predicts_the_mean_of_its_members(members, tiles, tmp_path):
    output = ensemble_file(members, tmp_path / "e.safetensors", dtype="float32")
    ensemble = load_model(output)
    each = [predict_tiles(load_model(m), tiles, precision="fp32") for m in members]
    mean = np.mean(each, axis=0)
    assert np.abs(each[0] - each[1]).max() > 0.01  # the members differ
    np.testing.assert_allclose(predict_tiles(ensemble, tiles, precision="fp32"), mean, atol=1e-5)
    flipped = [predict_tiles(load_model(m), tiles, precision="fp32", tta=True) for m in members]
    with_tta = predict_tiles(ensemble, tiles, precision="fp32", tta=True)
    np.testing.assert_allclose(with_tta, np.mean(flipped, axis=0), atol=1e-5)


def test_the_file_lists_its_members_and_halves_in_float16(members, tmp_path):
    full = ensemble_file(members, tmp_path / "full.safetensors", dtype="float32")
    half = ensemble_file(members, tmp_path / "half.safetensors")
    config = json.loads(half.with_suffix(".json").read_text())
    assert config["name"] == "ensemble" and config["weights"]["dtype"] == "float16"
    listed = config["options"]["members"]
    assert [m["file"] for m in listed] == ["a.safetensors", "b.safetensors"]
    recorded = [json.loads(m.with_suffix(".json").read_text())["weights"] for m in members]
    assert [m["sha256"] for m in listed] == [r["sha256"] for r in recorded]
    assert config["input"] == json.loads(members[0].with_suffix(".json").read_text())["input"]
    assert config["output"]["threshold"] == pytest.approx(0.5)
    assert config["output"]["min_salt_pixels"] == 10
    kept = [m["provenance"] for m in config["provenance"]["ensemble_of"]]
    own = [json.loads(m.with_suffix(".json").read_text())["provenance"] for m in members]
    assert kept == own and kept[0]["fold"] == 1 and kept[1]["fold"] == 2
    assert half.stat().st_size < 0.51 * full.stat().st_size
    assert sum(m.stat().st_size for m in members) == pytest.approx(full.stat().st_size, rel=0.01)


def test_segment_with_an_ensemble_gives_the_mean_of_its_members_cubes(members, tmp_path):
    import xarray as xr

    import seismic_salt

    output = ensemble_file(members, tmp_path / "e.safetensors", dtype="float32")
    rng = np.random.default_rng(1)
    amplitude = xr.DataArray(
        rng.normal(size=(2, 120, 110)).astype(np.float32), dims=("inline", "crossline", "sample")
    )
    options = {"device": "cpu", "precision": "fp32"}
    salt = seismic_salt.segment(amplitude, str(output), **options).compute().values
    each = [seismic_salt.segment(amplitude, str(m), **options).compute().values for m in members]
    np.testing.assert_allclose(salt, np.mean(each, axis=0), atol=1e-5)  # blending is linear


def test_members_must_share_their_input_contract(members, tmp_path):
    torch.manual_seed(2)
    other = build_model("hyper_resnet34_fast", **SMALL)
    other.config["input"]["normalisation"] = {"kind": "robust_clip"}
    odd = save_model(other, tmp_path / "odd.safetensors")
    with pytest.raises(CheckpointError, match="odd.safetensors reads its input differently"):
        make_ensemble([members[0], odd])
    with pytest.raises(CheckpointError, match="two checkpoints or more"):
        make_ensemble(members[:1])
    nested = ensemble_file(members, tmp_path / "e.safetensors")
    with pytest.raises(CheckpointError, match="is an ensemble; give its members"):
        make_ensemble([members[0], nested])


def test_the_cli_writes_an_ensemble_and_refuses_bad_outputs_in_one_line(members, tmp_path):
    output = tmp_path / "cli.safetensors"
    result = CliRunner().invoke(cli, ["ensemble", *map(str, members), "-o", str(output), "-q"])
    assert result.exit_code == 0, result.output
    assert load_model(output).config["name"] == "ensemble"
    tgs = write_tgs(tmp_path / "tgs", n=6)
    for command in (
        ["evaluate", str(tgs), "--model", str(output), "--json"],
        ["predict-tiles", str(tgs / "train" / "images"), "--model", str(output),
         "-o", str(tmp_path / "sub.csv")],
    ):  # fmt: skip
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output
    assert len((tmp_path / "sub.csv").read_text().splitlines()) == 1 + 6
    for target, message in [
        (output, "exists"),
        (members[0], "would destroy the member"),
        (tmp_path / "e.pt", ".safetensors path"),
    ]:
        before = members[0].read_bytes() if target == members[0] else None
        result = CliRunner().invoke(cli, ["ensemble", *map(str, members), "-o", str(target)])
        assert result.exit_code == 2 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
        if before is not None:
            assert members[0].read_bytes() == before
    one = ["ensemble", str(members[0]), "-o", str(tmp_path / "one.safetensors")]
    result = CliRunner().invoke(cli, one)
    assert result.exit_code == 2 and "two checkpoints or more" in result.output
    with pytest.raises(OutputError):
        ensemble_file(members, output)


def test_an_ensemble_is_not_trained_or_fine_tuned_as_one(members, tmp_path):
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.initial import load_initial_weights

    output = ensemble_file(members, tmp_path / "e.safetensors")
    target = build_model("hyper_resnet34_fast", **SMALL)
    config = TrainConfig(init_model=str(output), model_options=SMALL)
    with pytest.raises(CheckpointError, match="is an ensemble, which is not trained as one"):
        load_initial_weights(target, config)
    from seismic_salt.train.adapt import adapt

    with pytest.raises(CheckpointError, match="model to fine-tune is an ensemble"):
        adapt([], [], str(output))


def test_info_describes_a_model_and_an_ensemble_from_their_json(members, tmp_path):
    output = ensemble_file(members, tmp_path / "e.safetensors")
    result = CliRunner().invoke(cli, ["info", str(output), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["kind"] == "model" and info["name"] == "ensemble"
    assert [m["file"] for m in info["members"]] == ["a.safetensors", "b.safetensors"]
    assert info["weights"]["dtype"] == "float16"
    assert info["weights"]["bytes"] == output.stat().st_size
    assert info["threshold"] == pytest.approx(0.5) and info["normalisation"] == "tile_stretch"
    result = CliRunner().invoke(cli, ["info", str(members[1].with_suffix(".json"))])
    assert result.exit_code == 0, result.output
    assert "architecture: hyper_resnet34_fast" in result.output
    assert "fewer than 20 salt pixels" in result.output
    result = CliRunner().invoke(cli, ["info", "default", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["name"] == "hyper_resnet34_fast"
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"x")
    broken.with_suffix(".json").write_text("{not json")
    result = CliRunner().invoke(cli, ["info", str(broken)])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    assert len(result.output.strip().splitlines()) == 1
