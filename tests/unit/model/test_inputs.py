"""The input contract: the per-tile stretch and which models get it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seismic_salt.errors import CheckpointError, DataError
from seismic_salt.model import build_model, load_model, predict_tiles, save_model
from seismic_salt.model.inputs import model_contract, stretch_tiles, tile_channels
from seismic_salt.normalize import Contract


def test_stretch_maps_each_tile_to_the_range():
    tiles = torch.randn(3, 101, 101) * torch.tensor([0.01, 1.0, 50.0])[:, None, None] + 0.5
    out = stretch_tiles(tiles)
    assert torch.allclose(out.amin(dim=(1, 2)), torch.full((3,), -1.0))
    assert torch.allclose(out.amax(dim=(1, 2)), torch.full((3,), 1.0))
    # an affine change of one tile (positive gain) leaves its stretch unchanged
    assert torch.allclose(stretch_tiles(tiles * 3 - 2), out, atol=1e-4)
    assert torch.equal(stretch_tiles(torch.full((1, 4, 4), 5.0)), torch.zeros(1, 4, 4))
    assert torch.allclose(stretch_tiles(tiles, (0.0, 1.0)), (out + 1) / 2, atol=1e-6)


def test_tile_channels_stretch_only_for_the_tile_stretch_kind():
    tiles = torch.rand(2, 101, 101) * 0.2  # a dim tile: 0..0.2
    plain = tile_channels(tiles)
    assert torch.equal(plain[:, 0], tiles)
    stretched = tile_channels(tiles, {"kind": "tile_stretch"})
    assert torch.equal(stretched[:, 0], stretch_tiles(tiles))
    assert torch.allclose(stretched[:, 2], stretched[:, 0] * stretched[:, 1])
    assert torch.equal(tile_channels(tiles, Contract(kind="tile_stretch")), stretched)
    with pytest.raises(DataError, match="supports robust_clip, tile_stretch"):
        tile_channels(tiles, {"kind": "agc"})


def test_new_models_stretch_tiles_and_old_checkpoints_keep_their_clip(tmp_path):
    torch.manual_seed(0)
    new = build_model("hyper_resnet34_fast").eval()
    assert model_contract(new).kind == "tile_stretch"
    old = build_model("hyper_resnet34_fast").eval()
    old.config["input"] = dict(
        old.config["input"], normalisation=Contract(kind="robust_clip").to_config()
    )
    path = save_model(old, tmp_path / "old.safetensors")
    reloaded = load_model(path)
    assert model_contract(reloaded).kind == "robust_clip"
    tiles = np.random.default_rng(0).uniform(-1, 1, (2, 101, 101)).astype(np.float32)
    dim = tiles * 0.1
    # the stretch makes a dim copy of a tile look like the tile itself ...
    assert np.allclose(
        predict_tiles(new, dim, precision="fp32"),
        predict_tiles(new, tiles, precision="fp32"),
        atol=1e-5,
    )
    # ... while a checkpoint trained on clipped volumes sees the difference
    differs = predict_tiles(reloaded, dim, precision="fp32") - predict_tiles(
        reloaded, tiles, precision="fp32"
    )
    assert np.abs(differs).max() > 1e-3


def test_a_checkpoint_with_an_unknown_normalisation_is_refused(tmp_path):
    model = build_model("hyper_resnet34_fast")
    model.config["input"] = dict(model.config["input"], normalisation={"kind": "agc"})
    path = save_model(model, tmp_path / "agc.safetensors")
    with pytest.raises(CheckpointError, match="normalisation 'agc'"):
        load_model(path)


def test_stretch_between_tile_percentiles_clips_beyond_them():
    tiles = torch.linspace(0, 1, 101 * 101).reshape(1, 101, 101)
    out = stretch_tiles(tiles, percentiles=(10.0, 90.0))
    assert out.min() == -1 and out.max() == 1
    assert torch.isclose((out == 1).float().mean(), torch.tensor(0.1), atol=0.01)
    contract = {"kind": "tile_stretch", "tile_percentiles": [10, 90]}
    assert torch.equal(tile_channels(tiles, contract)[:, 0], out)


def test_a_new_models_volume_clip_only_removes_spikes():
    contract = model_contract(build_model("hyper_resnet34_fast"))
    assert contract.percentiles == (0.01, 99.99) and contract.tile_percentiles == (0.0, 100.0)
