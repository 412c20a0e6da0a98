"""The plain model registry: copies, duplicates, overrides."""

from __future__ import annotations

import pytest

from seismic_salt.errors import CheckpointError
from seismic_salt.model import registry
from seismic_salt.model.registry import available_models, model_options, model_spec, register_model

REQUIRED = {
    "unet_resnet34",
    "unet_resnext50",
    "hyper_resnet34",
    "hyper_resnext50",
    "hyper_se_resnext50",
    "hyper_resnet34_fast",
}


def test_required_variants_registered() -> None:
    assert REQUIRED <= set(available_models())


def test_lookups_return_copies() -> None:
    options = model_options("hyper_resnet34")
    options["decoder_channels"].append(1)
    options["scse"] = False
    assert model_options("hyper_resnet34")["scse"] is True
    assert len(model_options("hyper_resnet34")["decoder_channels"]) == 5
    spec = model_spec("hyper_resnet34")
    spec.options["encoder"] = "resnet50"
    assert model_spec("hyper_resnet34").options["encoder"] == "resnet34"


def test_variant_options() -> None:
    fast = model_options("hyper_resnet34_fast")
    assert fast["stem_stride"] == 2 and fast["scse"] and fast["hypercolumn"]
    plain = model_options("unet_resnet34")
    assert plain["stem_stride"] == 1 and not plain["scse"] and not plain["hypercolumn"]
    assert model_options("hyper_se_resnext50")["encoder"] == "se_resnext50_32x4d"
    assert model_options("hyper_resnet34", dropout=0.3)["dropout"] == 0.3


def test_register_rejects_duplicates_and_bad_options(monkeypatch) -> None:
    monkeypatch.setattr(registry, "_added", {})
    register_model("tiny_test_net", {"decoder_channels": [8, 8, 8, 8, 8]})
    assert "tiny_test_net" in available_models()
    with pytest.raises(ValueError, match="already registered"):
        register_model("tiny_test_net", {})
    with pytest.raises(ValueError, match="already registered"):
        register_model("hyper_resnet34", {})
    with pytest.raises(ValueError, match="valid options"):
        register_model("other_net", {"widht": 3})
    with pytest.raises(ValueError, match="'.'"):
        register_model("a.b", {})


def test_unknown_name_suggests() -> None:
    with pytest.raises(CheckpointError, match="did you mean hyper_resnet34"):
        model_spec("hyper_resnet3")
