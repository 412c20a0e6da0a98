"""Folding BatchNorm into convolutions keeps every variant's outputs."""

from __future__ import annotations

import pytest
import torch

from seismic_salt.model import build_model
from seismic_salt.model.fuse import fold_batchnorm
from seismic_salt.model.registry import available_models


@pytest.mark.parametrize("name", available_models())
def test_folded_model_gives_the_same_logits(name):
    torch.manual_seed(0)
    model = build_model(name).train()
    with torch.no_grad():  # statistics far from the initial ones, so folding matters
        for _ in range(2):
            model(torch.rand(4, 3, 101, 101) * 4 - 1)
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    x = torch.rand(2, 3, 101, 101) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(model(x), folded(x), atol=1e-5)
    for key, value in model.state_dict().items():  # the original is untouched
        assert torch.equal(value, before[key]), key


def test_inference_uses_a_folded_copy_made_again_when_the_weights_change():
    from seismic_salt.inference.model_ref import load_module, resolve_model

    torch.manual_seed(0)
    model = build_model("hyper_resnet34_fast").eval()
    first = load_module(resolve_model(model), "cpu")
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in first.modules())
    assert load_module(resolve_model(model), "cpu") is first  # folded once per weights
    with torch.no_grad():
        model.encoder.conv1.weight.mul_(2)  # a notebook user changes the weights in place
    again = load_module(resolve_model(model), "cpu")
    assert again is not first
    x = torch.rand(1, 3, 101, 101) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(again(x), model(x), atol=1e-4)
