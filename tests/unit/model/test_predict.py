"""predict_tiles and choose_precision."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seismic_salt.errors import DataError
from seismic_salt.model import build_model, predict_tiles, tile_channels
from seismic_salt.model import precision as precision_mod
from seismic_salt.model.precision import choose_precision


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    torch.manual_seed(0)
    net = build_model("hyper_resnet34_fast")
    # Calibrate batch-norm statistics on tile-like data so eval activations are sane.
    amp = torch.rand(4, 101, 101) * 2 - 1
    with torch.no_grad():
        net(tile_channels(amp))
    return net.eval()


@pytest.fixture(scope="module")
def tiles() -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, (3, 101, 101)).astype(np.float32)


def test_shape_dtype_and_batching(model, tiles) -> None:
    probs = predict_tiles(model, tiles, batch_size=2, precision="fp32")
    assert probs.shape == (3, 101, 101) and probs.dtype == np.float32
    assert ((probs >= 0) & (probs <= 1)).all()
    whole = predict_tiles(model, tiles, batch_size=32, precision="fp32")
    assert np.allclose(probs, whole, atol=1e-5)
    assert predict_tiles(model, tiles[:0]).shape == (0, 101, 101)


def test_model_mode_is_restored(model, tiles) -> None:
    model.train()
    try:
        predict_tiles(model, tiles[:1], precision="fp32")
        assert model.training
    finally:
        model.eval()


def test_tta_is_flip_equivariant(model, tiles) -> None:
    small = tiles[:2, :64, :48]
    probs = predict_tiles(model, small, tta=True, precision="fp32")
    flipped = predict_tiles(model, small[:, :, ::-1].copy(), tta=True, precision="fp32")
    assert np.allclose(probs, flipped[:, :, ::-1], atol=1e-6)


def test_nan_and_bad_shapes_are_refused(model, tiles) -> None:
    bad = tiles.copy()
    bad[2, 10, 10] = np.nan
    with pytest.raises(DataError, match="tile 2"):
        predict_tiles(model, bad)
    with pytest.raises(DataError, match=r"\[N, H, W\]"):
        predict_tiles(model, tiles[0])
    with pytest.raises(DataError, match="precision"):
        predict_tiles(model, tiles, precision="fp16")


def test_bf16_probabilities_agree_with_fp32(model, tiles) -> None:
    p32 = predict_tiles(model, tiles, precision="fp32")
    p16 = predict_tiles(model, tiles, precision="bf16")
    assert np.abs(p32 - p16).max() < 0.01


def test_choose_precision(model, monkeypatch) -> None:
    assert choose_precision(model, "cpu", "fp32") == "fp32"
    assert choose_precision(model, "cpu", "bf16") == "bf16"
    with pytest.raises(DataError):
        choose_precision(model, "cpu", "half")
    monkeypatch.setattr(precision_mod, "cpu_has_native_bf16", lambda: False)
    assert choose_precision(model, "cpu") == "fp32"
    monkeypatch.setattr(precision_mod, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(precision_mod, "_decisions", {})
    calls = []
    monkeypatch.setattr(precision_mod, "_measure_cpu", lambda m: calls.append(1) or "bf16")
    assert choose_precision(model, "cpu") == "bf16"
    assert choose_precision(model, "cpu") == "bf16"
    assert len(calls) == 1  # decided once per process
