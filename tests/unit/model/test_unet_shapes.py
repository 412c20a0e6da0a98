"""Forward contract of the registered variants: shapes in train and eval mode."""

from __future__ import annotations

import pytest
import torch

from seismic_salt.errors import CheckpointError, DataError
from seismic_salt.model import build_model, tile_channels
from seismic_salt.model.unet import padded_side, reflect_pad

RESNET34 = ["unet_resnet34", "hyper_resnet34", "hyper_resnet34_fast"]


@pytest.fixture(scope="module")
def tiles() -> torch.Tensor:
    torch.manual_seed(0)
    return tile_channels(torch.randn(1, 101, 101))


def test_tile_channels() -> None:
    amp = torch.randn(2, 5, 4)
    x = tile_channels(amp)
    assert x.shape == (2, 3, 5, 4)
    assert torch.equal(x[:, 0], amp)
    assert torch.allclose(x[0, 1, :, 0], torch.linspace(0, 1, 5))
    assert torch.equal(x[:, 1, :, 0], x[:, 1, :, 3])  # constant across the tile
    assert torch.allclose(x[:, 2], amp * x[:, 1])
    with pytest.raises(DataError):
        tile_channels(torch.zeros(5, 4))


@pytest.mark.parametrize("name", RESNET34)
def test_eval_and_train_shapes(name: str, tiles: torch.Tensor) -> None:
    model = build_model(name)
    model.eval()
    with torch.no_grad():
        out = model(tiles)
    assert isinstance(out, torch.Tensor) and out.shape == (1, 1, 101, 101)
    model.train()
    logits, sides = model(tiles)
    assert logits.shape == (1, 1, 101, 101)
    hyper = model.config["options"]["hypercolumn"]
    assert len(sides) == (5 if hyper else 0)
    assert all(s.shape == (1, 1, 101, 101) for s in sides)


def test_options_override_and_config() -> None:
    model = build_model("hyper_resnet34", stem_stride=2, dropout=0.2)
    assert model.config["name"] == "hyper_resnet34"
    assert model.config["options"]["stem_stride"] == 2
    assert model.config["options"]["dropout"] == 0.2
    assert model.config["input"]["pad_to"] == 128
    assert model.encoder.conv1.stride == (2, 2)
    assert build_model("hyper_resnet34_fast").config["options"]["stem_stride"] == 2


def test_odd_and_small_tiles() -> None:
    model = build_model("hyper_resnet34_fast").eval()
    with torch.no_grad():
        for h, w in [(128, 128), (64, 101), (7, 3), (1, 1)]:
            assert model(torch.randn(1, 3, h, w)).shape == (1, 1, h, w)


def test_larger_inputs_are_padded_to_the_next_multiple_of_32() -> None:
    """A 151-pixel patch runs padded to 160: the same logits as padding it by hand."""
    model = build_model("hyper_resnet34_fast").eval()
    x = torch.randn(1, 3, 151, 129)
    with torch.no_grad():
        logits = model(x)
        padded, (top, left) = reflect_pad(x, 160)
        by_hand = model(padded)[..., top : top + 151, left : left + 129]
    assert logits.shape == (1, 1, 151, 129)
    assert torch.allclose(logits, by_hand, atol=1e-5)
    assert padded_side(101, 101, 128) == 128 and padded_side(129, 101, 128) == 160


def test_wrong_channels_are_refused() -> None:
    model = build_model("hyper_resnet34_fast").eval()
    with pytest.raises(DataError, match="tile_channels"):
        model(torch.zeros(1, 1, 101, 101))


def test_unknown_names_and_options() -> None:
    with pytest.raises(CheckpointError, match="hyper_resnet34"):
        build_model("hyper_resnet43")
    with pytest.raises(CheckpointError, match="valid options"):
        build_model("hyper_resnet34", stride=2)
    with pytest.raises(CheckpointError, match="stem_stride"):
        build_model("hyper_resnet34", stem_stride=4)


def test_gradients_reach_the_stem(tiles: torch.Tensor) -> None:
    model = build_model("hyper_resnet34_fast")
    logits, sides = model(tiles)
    (logits.mean() + sum(s.mean() for s in sides)).backward()
    grad = model.encoder.conv1.weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["unet_resnext50", "hyper_resnext50", "hyper_se_resnext50"])
def test_resnext_variants_eval_shape(name: str, tiles: torch.Tensor) -> None:
    model = build_model(name).eval()
    with torch.no_grad():
        assert model(tiles).shape == (1, 1, 101, 101)


def test_flagship_train_mode(tiles: torch.Tensor) -> None:
    model = build_model("hyper_se_resnext50", stem_stride=2)
    logits, sides = model(tiles)
    assert logits.shape == (1, 1, 101, 101) and len(sides) == 5


def test_reflect_pad_centres_and_mirrors() -> None:
    from seismic_salt.model.unet import reflect_pad

    x = torch.arange(5.0).view(1, 1, 1, 5).expand(1, 1, 5, 5)
    padded, (top, left) = reflect_pad(x, 9)
    assert padded.shape == (1, 1, 9, 9) and (top, left) == (2, 2)
    assert padded[0, 0, 0].tolist() == [2, 1, 0, 1, 2, 3, 4, 3, 2]
    assert torch.equal(padded[..., top : top + 5, left : left + 5], x)
    tiny, _ = reflect_pad(torch.ones(1, 1, 2, 3), 128)
    assert tiny.shape == (1, 1, 128, 128) and bool((tiny == 1).all())
