"""The salt U-Net: ResNet/ResNeXt encoder, scSE gates, hypercolumn, deep supervision.

Architecture of Karchevskiy, Ashrapov & Kozinkin (arXiv:1812.01429); the mapping from each
option to the paper is written in ``docs/model.md``.

Input ``[B, C, H, W]`` of any size; the forward reflect-pads it (centred) to
``pad_to × pad_to``, or to the next multiple of 32 above ``H, W`` when they are larger,
runs the network and crops back, so a 101×101 tile gives 101×101 logits and a 151×151
patch (padded to 160) 151×151 logits. In eval mode the forward returns the logits
``[B, 1, H, W]``; in train mode it returns ``(logits, side_logits)`` where
``side_logits`` is a list of full-size ``[B, 1, H, W]`` deep-supervision logits (empty
when the model has none).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seismic_salt.errors import DataError
from seismic_salt.model.blocks import DecoderBlock, Hypercolumn, gate
from seismic_salt.model.encoders import ENCODER_CHANNELS, build_encoder

__all__ = ["UNet", "padded_side", "reflect_pad"]


class UNet(nn.Module):
    """U-Net over a ResNet-family encoder (see the module docstring for the contract).

    Args:
        encoder: Encoder name (``resnet34``, ``resnet50``, ``resnext50_32x4d``,
            ``se_resnext50_32x4d``).
        in_channels: Input channels (3: amplitude, vertical ramp, amplitude × ramp).
        stem_stride: 1 = the paper's 7×7 stride-1 stem + 2×2 max-pool; 2 = the ImageNet
            stem (stride-2 conv + max-pool), about 4× cheaper.
        scse: Gate every encoder stage and every decoder block with scSE.
        hypercolumn: Fuse all decoder levels (see :class:`Hypercolumn`); otherwise a 1×1
            conv on the last decoder level gives the logits.
        deep_supervision: Build one side logit per decoder level, returned in train mode.
        dropout: Dropout probability before the final fusion / 1×1 conv.
        decoder_channels: Output channels of the five decoder blocks, coarsest first.
        pad_to: Side length a smaller input is reflect-padded to (a multiple of 32); a
            larger one is padded to the next multiple of 32 (:func:`padded_side`).

    Example:
        >>> net = UNet("resnet34", stem_stride=2, scse=True, hypercolumn=True).eval()
        >>> net(torch.zeros(1, 3, 101, 101)).shape
        torch.Size([1, 1, 101, 101])
    """

    def __init__(
        self,
        encoder: str = "resnet34",
        *,
        in_channels: int = 3,
        stem_stride: int = 1,
        scse: bool = False,
        hypercolumn: bool = False,
        deep_supervision: bool = False,
        dropout: float = 0.0,
        decoder_channels: tuple[int, ...] = (256, 128, 64, 32, 32),
        pad_to: int = 128,
    ):
        super().__init__()
        if len(decoder_channels) != 5:
            raise ValueError(f"decoder_channels needs 5 values, got {list(decoder_channels)}")
        if pad_to % 32 or pad_to <= 0:
            raise ValueError(f"pad_to must be a positive multiple of 32, not {pad_to}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), not {dropout}")
        self.in_channels = in_channels
        self.pad_to = pad_to
        self.encoder = build_encoder(encoder, in_channels=in_channels, stem_stride=stem_stride)
        enc = ENCODER_CHANNELS[encoder]
        attention = "scse" if scse else None
        self.encoder_gates = nn.ModuleList(gate(attention, c) for c in enc[1:])
        # Skips for blocks 0..4: none, e3, e2, e1, e0. The last block upsamples only when
        # the stem is strided (e0 at half resolution); otherwise e0 is at full resolution.
        skips = (0, enc[3], enc[2], enc[1], enc[0])
        prev = (enc[4], *decoder_channels[:-1])
        self.decoder = nn.ModuleList(
            DecoderBlock(p + s, c, upsample=(i < 4 or stem_stride == 2), attention=attention)
            for i, (p, s, c) in enumerate(zip(prev, skips, decoder_channels, strict=True))
        )
        self.hypercolumn = None
        self.head = None
        if hypercolumn:
            self.hypercolumn = Hypercolumn(
                tuple(decoder_channels), dropout=dropout, side_outputs=deep_supervision
            )
        else:
            self.head = nn.Sequential(
                nn.Dropout2d(dropout) if dropout > 0 else nn.Identity(),
                nn.Conv2d(decoder_channels[-1], 1, 1),
            )
            if deep_supervision:
                self.sides = nn.ModuleList(nn.Conv2d(c, 1, 1) for c in decoder_channels)

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise DataError(
                f"model input has shape {tuple(x.shape)}; expected "
                f"[batch, {self.in_channels}, H, W] (build it with "
                "seismic_salt.model.inputs.tile_channels)"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        self._check(x)
        h, w = x.shape[-2:]
        side = padded_side(h, w, self.pad_to)
        x, (top, left) = reflect_pad(x, side)
        feats = self.encoder.forward_features(x)
        feats = [feats[0]] + [g(f) for g, f in zip(self.encoder_gates, feats[1:], strict=True)]
        skips = (None, feats[3], feats[2], feats[1], feats[0])
        d = feats[4]
        levels = []
        for block, skip in zip(self.decoder, skips, strict=True):
            d = block(d, skip)
            levels.append(d)
        size = (side, side)
        if self.hypercolumn is not None:
            logits, sides = self.hypercolumn(levels, size, sides=self.training)
        else:
            logits = self.head(levels[-1])
            sides = []
            if self.training and hasattr(self, "sides"):
                sides = [_up(s(f), size) for s, f in zip(self.sides, levels, strict=True)]
        logits = logits[..., top : top + h, left : left + w]
        if not self.training:
            return logits
        return logits, [s[..., top : top + h, left : left + w] for s in sides]


def _up(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == size:
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def padded_side(h: int, w: int, pad_to: int) -> int:
    """Side, in pixels, an ``h × w`` input is padded to: ``pad_to`` or the next multiple of 32.

    Example:
        >>> padded_side(101, 101, 128), padded_side(151, 101, 128)
        (128, 160)
    """
    return max(pad_to, -(-max(h, w) // 32) * 32)


def reflect_pad(x: torch.Tensor, size: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Reflect-pad ``x[..., H, W]`` to ``size × size``, centred.

    Tiles narrower than half of ``size`` are reflected repeatedly (a single reflection
    cannot be wider than the tile).

    Returns:
        The padded tensor and the ``(top, left)`` offsets of the original in it.
    """
    h, w = x.shape[-2:]
    top, left = (size - h) // 2, (size - w) // 2
    pads = [left, size - w - left, top, size - h - top]  # F.pad order: W then H
    while any(pads):
        ch, cw = x.shape[-2:]
        step = [
            min(pads[0], cw - 1),
            min(pads[1], cw - 1),
            min(pads[2], ch - 1),
            min(pads[3], ch - 1),
        ]
        if not any(step):  # a 1-pixel side cannot be reflected: repeat it
            return F.pad(x, pads, mode="replicate"), (top, left)
        x = F.pad(x, step, mode="reflect")
        pads = [p - s for p, s in zip(pads, step, strict=True)]
    return x, (top, left)
