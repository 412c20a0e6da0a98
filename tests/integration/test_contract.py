"""The normalisation contract is applied the same way by train, evaluate, predict-tiles
and segment: one function (``tile_channels``), read from the model's JSON."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
import xarray as xr
from click.testing import CliRunner
from PIL import Image
from tgs_factory import write_tgs

import seismic_salt
from seismic_salt.errors import DataError
from seismic_salt.model import build_model, save_model
from seismic_salt.model.inputs import tile_channels
from seismic_salt.normalize import Normalisation
from seismic_salt_cli.main import cli


@pytest.fixture(scope="module")
def stretch_model(tmp_path_factory):
    torch.manual_seed(0)
    model = build_model("hyper_resnet34_fast")
    with torch.no_grad():  # batch-norm statistics of tile-like inputs
        model(
            tile_channels(torch.rand(8, 101, 101) * 2 - 1, model.config["input"]["normalisation"])
        )
    model.eval()
    # a threshold at the median output gives random weights masks worth comparing
    tiles = np.random.default_rng(0).uniform(-1, 1, (4, 101, 101)).astype(np.float32)
    threshold = float(np.median(seismic_salt.model.predict_tiles(model, tiles)))
    path = tmp_path_factory.mktemp("model") / "stretch.safetensors"
    return save_model(model, path, threshold=threshold)


def _cube(scale: float) -> xr.DataArray:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(2, 130, 120)).astype(np.float32)
    data *= np.linspace(0.3, 3.0, 120, dtype=np.float32)  # gain growing with depth
    return xr.DataArray(data * scale, dims=("inline", "crossline", "sample"))


def test_segment_gives_the_same_probabilities_at_any_survey_scale(stretch_model):
    reference = seismic_salt.segment(_cube(1.0), stretch_model, precision="fp32").values
    for scale in (1000.0, 0.001):
        scaled = seismic_salt.segment(_cube(scale), stretch_model, precision="fp32").values
        assert np.allclose(scaled, reference, atol=1e-4), scale
    assert reference.std() > 1e-3  # a model that says the same everywhere proves nothing


def test_segment_refuses_a_scaling_fitted_for_another_contract(stretch_model):
    old = Normalisation.fit(_cube(1.0).values)  # fitted for the first models' clip
    with pytest.raises(DataError, match="fitted for 'robust_clip'.*expects 'tile_stretch'"):
        seismic_salt.segment(_cube(1.0), stretch_model, normalisation=old)


def _dim_copy(root, target):
    """The same TGS directory with every image's contrast cut to grey 100..155."""
    import shutil

    shutil.copytree(root, target)
    for path in (target / "train" / "images").glob("*.png"):
        grey = np.asarray(Image.open(path))[..., 0].astype(np.float32)
        dim = (100 + grey * 55 / 255).round().astype(np.uint8)
        Image.fromarray(dim).save(path)
    return target


def test_evaluate_and_predict_tiles_stretch_each_tile(tmp_path, stretch_model):
    from seismic_salt.train.metrics import rle_decode

    data = write_tgs(tmp_path / "tgs", n=8)
    dim = _dim_copy(data, tmp_path / "dim")
    runner = CliRunner()
    masks = []
    for root in (data, dim):
        output = tmp_path / f"{root.name}.csv"
        args = ["predict-tiles", str(root / "train" / "images"), "-o", str(output)]
        result = runner.invoke(cli, [*args, "--model", str(stretch_model)])
        assert result.exit_code == 0, result.output
        rows = csv.DictReader(open(output))
        masks.append(np.stack([rle_decode(row["rle_mask"], (101, 101)) for row in rows]))
    full, faint = masks
    assert 0.2 < full.mean() < 0.8, "masks all empty or all salt prove nothing"
    # the same masks up to the 8-bit rounding of the faint copy (55 grey levels)
    assert (full == faint).mean() > 0.95
    for root in (data, dim):
        args = ["evaluate", str(root), "--model", str(stretch_model), "--json"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        masks.append(json.loads(result.output)["iou"])
    assert masks[2] == pytest.approx(masks[3], abs=0.05)


def test_training_feeds_the_network_through_the_models_contract(tmp_path, monkeypatch):
    from seismic_salt.normalize import Contract
    from seismic_salt.train import loop

    seen = []

    def recording(amplitude, normalisation=None):
        seen.append(normalisation)
        return tile_channels(amplitude, normalisation)

    monkeypatch.setattr("seismic_salt.model.inputs.tile_channels", recording)
    data = write_tgs(tmp_path / "tgs", n=8)
    # start from a checkpoint of the first models' contract: the run switches it
    old = build_model("hyper_resnet34_fast")
    old.config["input"] = dict(old.config["input"], normalisation={"kind": "robust_clip"})
    start = save_model(old, tmp_path / "old.safetensors")
    output = tmp_path / "new.safetensors"
    config = loop.TrainConfig(
        batch_size=4,
        folds=4,
        epochs=1,
        init_model=str(start),
        max_steps_per_epoch=2,
        precision="fp32",
        device="cpu",
    )
    loop.train(data, output, config, progress=False, log=lambda line: None)
    new_contract = Contract.from_config({"kind": "tile_stretch"})
    assert seen and all(c == new_contract for c in seen)
    saved = seismic_salt.load_model(output).config["input"]["normalisation"]
    assert saved["kind"] == "tile_stretch"
