"""Building blocks of the U-Net: conv-BN-ReLU, scSE gates, decoder blocks, hypercolumn.

Each block is a small module selected by option in :mod:`seismic_salt.model.unet`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ConvBNReLU", "DecoderBlock", "Hypercolumn", "SCSE", "gate"]


class ConvBNReLU(nn.Sequential):
    """``k×k`` convolution (no bias), batch norm, ReLU."""

    def __init__(self, cin: int, cout: int, kernel_size: int = 3):
        super().__init__(
            nn.Conv2d(cin, cout, kernel_size, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class SCSE(nn.Module):
    """Concurrent spatial and channel squeeze & excitation (Roy et al., 2018).

    ``out = x * sSE(x) + x * cSE(x)`` where ``sSE`` is a 1×1 convolution to one channel
    followed by a sigmoid (a per-pixel weight) and ``cSE`` is global average pooling, a
    1×1 "FC" reducing the channels by ``reduction``, ReLU, a 1×1 "FC" back and a sigmoid
    (a per-channel weight).

    Args:
        channels: Channels of the gated tensor.
        reduction: Channel reduction of the cSE bottleneck (at least one channel is kept).
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.cse = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1),
            nn.Sigmoid(),
        )
        self.sse = nn.Sequential(nn.Conv2d(channels, 1, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.sse(x) + x * self.cse(x)


def gate(kind: str | None, channels: int) -> nn.Module:
    """Return the attention gate named ``kind`` (``"scse"`` or ``None`` for identity).

    Raises:
        ValueError: ``kind`` is not a known gate.
    """
    if kind is None or kind == "none":
        return nn.Identity()
    if kind == "scse":
        return SCSE(channels)
    raise ValueError(f"unknown attention gate {kind!r}: choose 'scse' or None")


class DecoderBlock(nn.Module):
    """U-Net decoder block: conv3×3-BN-ReLU → ConvTranspose 4×4/2 → BN-ReLU → gate.

    The skip connection (if any) is concatenated to the input before the first convolution.
    With ``upsample=False`` the transposed convolution is replaced by a 3×3 conv-BN-ReLU at
    the same resolution (used when the last skip is already at full resolution).

    Args:
        cin: Channels of the input plus the skip.
        cout: Output channels (also the width of the first convolution).
        upsample: Double the resolution with the transposed convolution.
        attention: Gate applied to the output: ``"scse"`` or ``None``.
    """

    def __init__(self, cin: int, cout: int, *, upsample: bool = True, attention: str | None = None):
        super().__init__()
        self.conv = ConvBNReLU(cin, cout)
        if upsample:
            self.up = nn.Sequential(
                nn.ConvTranspose2d(cout, cout, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            )
        else:
            self.up = ConvBNReLU(cout, cout)
        self.gate = gate(attention, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.gate(self.up(self.conv(x)))


class Hypercolumn(nn.Module):
    """Fuse decoder levels at full resolution, with one side logit per level.

    Each level's features are upsampled (bilinear) to ``size`` and concatenated; the fused
    logit is ``dropout → 1×1 conv (→ 64) → BN-ReLU → 1×1 conv (→ 1)`` over that
    concatenation of *features* (not of side logits). Each level also has its own 1×1
    conv side logit, computed at the level's resolution and upsampled (bilinear) — the deep
    supervision outputs.

    Computed cheaply but exactly: a 1×1 convolution of a concatenation is the sum of 1×1
    convolutions of its parts, and both commute with bilinear upsampling (all linear and
    per-pixel), so each level is projected to ``hidden`` channels at its own resolution and
    only then upsampled and summed. Same weights and function as the concatenation, about
    a tenth of its cost (the concatenated 1×1 conv alone was a quarter of the CPU-fast
    variant's FLOPs). Channel dropout likewise commutes with upsampling.

    Args:
        channels: Channels of each decoder level, coarsest first.
        dropout: Dropout probability before the fusion (0 disables it).
        side_outputs: Build the per-level side logits.
        hidden: Width of the fusion layer.
    """

    def __init__(
        self,
        channels: tuple[int, ...],
        *,
        dropout: float = 0.0,
        side_outputs: bool = True,
        hidden: int = 64,
    ):
        super().__init__()
        self.dropout = nn.Dropout2d(dropout) if dropout > 0 else nn.Identity()
        self.fuse = nn.Sequential(
            nn.Conv2d(sum(channels), hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, 1, 1),
        )
        self.sides = nn.ModuleList(nn.Conv2d(c, 1, 1) for c in channels) if side_outputs else None
        self.channels = tuple(channels)

    def forward(
        self, levels: list[torch.Tensor], size: tuple[int, int], *, sides: bool = True
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Return the fused logits and (if built and ``sides``) the side logits at ``size``."""
        parts = torch.split(self.fuse[0].weight, self.channels, dim=1)
        fused = None
        for feature, weight in zip(levels, parts, strict=True):
            projected = _resize(F.conv2d(self.dropout(feature), weight), size)
            fused = projected if fused is None else fused + projected
        if self.fuse[0].bias is not None:  # a BatchNorm folded into the projection
            fused = fused + self.fuse[0].bias.view(1, -1, 1, 1)
        logits = self.fuse[1:](fused)
        outputs = []
        if sides and self.sides is not None:
            outputs = [_resize(h(f), size) for h, f in zip(self.sides, levels, strict=True)]
        return logits, outputs


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)
