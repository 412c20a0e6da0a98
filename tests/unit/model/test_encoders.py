"""Encoder key names, sizes and feature contract against hand-written references."""

from __future__ import annotations

import pytest
import torch
from tests_reference_keys import (
    cadene_se_resnext_keys,
    efficientnet_lite0_keys,
    torchvision_resnet_keys,
)

from seismic_salt.model.encoders import ENCODER_CHANNELS, build_encoder, encoder_names

# Published parameter counts (torchvision / pretrainedmodels model cards).
PARAMS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnext50_32x4d": 25_028_904,
    "se_resnext50_32x4d": 27_559_896,
    # 4,652,008 in the published Lite0, less its head (1×1 conv to 1280 + BN) and classifier
    "efficientnet_lite0": 4_652_008 - 320 * 1280 - 2 * 1280 - (1280 * 1000 + 1000),
}
REFERENCE = {
    "resnet18": lambda: torchvision_resnet_keys("basic", (2, 2, 2, 2)),
    "resnet34": lambda: torchvision_resnet_keys("basic", (3, 4, 6, 3)),
    "resnet50": lambda: torchvision_resnet_keys("bottleneck", (3, 4, 6, 3)),
    "resnext50_32x4d": lambda: torchvision_resnet_keys("bottleneck", (3, 4, 6, 3), 32, 4),
    "se_resnext50_32x4d": cadene_se_resnext_keys,
    "efficientnet_lite0": efficientnet_lite0_keys,
}


def test_state_dict_sizes() -> None:
    assert len(build_encoder("resnet34", num_classes=1000).state_dict()) == 218
    assert len(build_encoder("resnext50_32x4d", num_classes=1000).state_dict()) == 320
    assert len(build_encoder("resnext50_32x4d").state_dict()) == 318  # no fc


@pytest.mark.parametrize("name", encoder_names())
def test_keys_and_shapes_match_reference(name: str) -> None:
    model = build_encoder(name, num_classes=1000)
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert own == REFERENCE[name]()
    assert sum(p.numel() for p in model.parameters()) == PARAMS[name]


def test_a_few_torchvision_keys_by_hand() -> None:
    keys = build_encoder("resnext50_32x4d", num_classes=1000).state_dict()
    assert tuple(keys["conv1.weight"].shape) == (64, 3, 7, 7)
    assert tuple(keys["layer1.0.conv2.weight"].shape) == (128, 4, 3, 3)
    assert tuple(keys["layer1.0.downsample.0.weight"].shape) == (256, 64, 1, 1)
    assert tuple(keys["layer4.2.conv3.weight"].shape) == (2048, 1024, 1, 1)
    assert tuple(keys["fc.weight"].shape) == (1000, 2048)
    assert "bn1.num_batches_tracked" in keys
    se = build_encoder("se_resnext50_32x4d", num_classes=1000).state_dict()
    assert tuple(se["layer0.conv1.weight"].shape) == (64, 3, 7, 7)
    assert tuple(se["layer1.0.se_module.fc1.weight"].shape) == (16, 256, 1, 1)
    assert tuple(se["layer1.0.se_module.fc2.bias"].shape) == (256,)
    assert tuple(se["last_linear.weight"].shape) == (1000, 2048)


@pytest.mark.parametrize("stem_stride,sizes", [(2, [64, 32, 16, 8, 4]), (1, [128, 64, 32, 16, 8])])
def test_feature_contract(stem_stride: int, sizes: list[int]) -> None:
    enc = build_encoder("resnet34", stem_stride=stem_stride).eval()
    with torch.no_grad():
        feats = enc.forward_features(torch.zeros(1, 3, 128, 128))
    assert [f.shape[1] for f in feats] == list(ENCODER_CHANNELS["resnet34"])
    assert [f.shape[-1] for f in feats] == sizes


def test_unknown_encoder() -> None:
    with pytest.raises(ValueError, match="resnet34"):
        build_encoder("resnet35")
