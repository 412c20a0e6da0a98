"""save_model → load_model round trip (bit-identical outputs)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from seismic_salt.model import build_model, load_model, save_model


def test_round_trip_is_bit_identical(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build_model("hyper_resnet34_fast").eval()
    path = save_model(model, tmp_path / "m.safetensors", provenance={"epochs": 0})
    config = json.loads(path.with_suffix(".json").read_text())
    assert config["name"] == "hyper_resnet34_fast"
    assert config["input"]["tile_size"] == 101
    loaded = load_model(path, cache=False)
    assert not loaded.training
    x = torch.randn(2, 3, 101, 101)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
