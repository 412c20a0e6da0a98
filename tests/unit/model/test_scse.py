"""scSE gate against a hand-computed example, and the gate factory."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from seismic_salt.model.blocks import SCSE, gate


def sig(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def test_scse_hand_computed() -> None:
    g = SCSE(2)  # 2 channels, cSE hidden width max(1, 2 // 16) = 1
    with torch.no_grad():
        sse_conv = g.sse[0]
        sse_conv.weight.copy_(torch.tensor([1.0, -1.0]).view(1, 2, 1, 1))
        sse_conv.bias.zero_()
        fc1, fc2 = g.cse[1], g.cse[3]
        fc1.weight.copy_(torch.tensor([1.0, 1.0]).view(1, 2, 1, 1))
        fc1.bias.zero_()
        fc2.weight.copy_(torch.tensor([1.0, -1.0]).view(2, 1, 1, 1))
        fc2.bias.copy_(torch.tensor([0.0, 1.0]))
    # channel 0 = [1, 3], channel 1 = [2, -2] on a 1×2 image
    x = torch.tensor([[[[1.0, 3.0]], [[2.0, -2.0]]]])
    # sSE: sigmoid(x0 - x1) per pixel -> sig(-1), sig(5)
    s = [sig(-1.0), sig(5.0)]
    # cSE: means (2, 0) -> fc1: relu(2) = 2 -> fc2: (2, -2 + 1) -> sig(2), sig(-1)
    c = [sig(2.0), sig(-1.0)]
    expected = torch.tensor(
        [[[[1 * (s[0] + c[0]), 3 * (s[1] + c[0])]], [[2 * (s[0] + c[1]), -2 * (s[1] + c[1])]]]]
    )
    assert torch.allclose(g(x), expected, atol=1e-6)


def test_gate_factory() -> None:
    assert isinstance(gate(None, 8), nn.Identity)
    assert isinstance(gate("scse", 8), SCSE)
    with pytest.raises(ValueError, match="scse"):
        gate("cbam", 8)


def test_hypercolumn_equals_the_concatenation_it_factorises() -> None:
    import torch.nn.functional as F

    from seismic_salt.model.blocks import Hypercolumn

    torch.manual_seed(0)
    channels = (8, 4, 4)
    hyper = Hypercolumn(channels, hidden=6).eval()
    with torch.no_grad():
        hyper.fuse[1].running_mean.uniform_(-1, 1)
        hyper.fuse[1].running_var.uniform_(0.5, 2)
    levels = [torch.randn(2, 8, 4, 4), torch.randn(2, 4, 8, 8), torch.randn(2, 4, 16, 16)]
    up = [F.interpolate(f, size=(16, 16), mode="bilinear", align_corners=False) for f in levels]
    with torch.no_grad():
        reference = hyper.fuse(torch.cat(up, dim=1))
        logits, sides = hyper(levels, (16, 16))
    assert torch.allclose(logits, reference, atol=1e-5)
    assert len(sides) == 3 and all(s.shape == (2, 1, 16, 16) for s in sides)
