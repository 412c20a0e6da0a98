"""A model whose logit is the tile's amplitude channel: fast, deterministic, known output."""

from __future__ import annotations

import torch


class AmplitudeLogit(torch.nn.Module):
    """Returns a tile's amplitude channel as the logit: sigmoid gives sigmoid(amplitude)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(1))  # so it has a state dict

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :1] * self.scale
