"""ResNet, ResNeXt and SE-ResNeXt encoders with ImageNet state-dict key names.

Parameter names follow the usual published checkpoints so ImageNet weights load as they
are (see :func:`seismic_salt.model.pretrained.load_encoder_weights`):

* ``resnet18``, ``resnet34``, ``resnet50``, ``resnext50_32x4d``: torchvision names
  (``conv1.weight``, ``bn1.*``, ``layer1.0.conv1.weight``, ``layer1.0.downsample.0.weight``,
  ``fc.*``).
* ``se_resnext50_32x4d``: Cadene ``pretrainedmodels`` names (``layer0.conv1.weight``,
  ``layer0.bn1.*``, ``layer1.0.se_module.fc1.weight``, ``last_linear.*``).

Encoder contract: :meth:`forward_features` returns five feature maps ``[e0, e1, e2, e3,
e4]``: the stem after conv-BN-ReLU (before the pool), then the outputs of ``layer1`` to
``layer4``. For a ``3×128×128`` input:

=============================  ==========================  ======================
encoder                        channels                    strides (stem 2 / 1)
=============================  ==========================  ======================
resnet18, resnet34             64, 64, 128, 256, 512       2,4,8,16,32 / 1,2,4,8,16
resnet50, resnext50_32x4d,     64, 256, 512, 1024, 2048    2,4,8,16,32 / 1,2,4,8,16
se_resnext50_32x4d
=============================  ==========================  ======================

So with the ImageNet stem (``stem_stride=2``) the maps are 64, 32, 16, 8 and 4 pixels
wide; with the paper's stride-1 stem they are 128, 64, 32, 16 and 8. The classifier
(``fc`` / ``last_linear``) exists only when ``num_classes`` is given; building an encoder
never downloads anything (random weights).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn

__all__ = ["ENCODER_CHANNELS", "ResNetEncoder", "SENetEncoder", "build_encoder", "encoder_names"]

ENCODER_CHANNELS: dict[str, tuple[int, ...]] = {
    "resnet18": (64, 64, 128, 256, 512),
    "resnet34": (64, 64, 128, 256, 512),
    "resnet50": (64, 256, 512, 1024, 2048),
    "resnext50_32x4d": (64, 256, 512, 1024, 2048),
    "se_resnext50_32x4d": (64, 256, 512, 1024, 2048),
    "efficientnet_lite0": (16, 24, 40, 112, 320),
}


def _conv3x3(cin: int, cout: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, groups=groups, bias=False)


def _conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 convolutions with an identity (or projected) shortcut (ResNet-18/34)."""

    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int = 1, groups: int = 1, width: int = 64):
        super().__init__()
        self.conv1 = _conv3x3(cin, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = _shortcut(cin, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1×1 reduce, grouped 3×3 (stride here, as torchvision), 1×1 expand ×4."""

    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int = 1, groups: int = 1, width: int = 64):
        super().__init__()
        mid = int(planes * width / 64) * groups
        self.conv1 = _conv1x1(cin, mid)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = _conv3x3(mid, mid, stride, groups)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = _conv1x1(mid, planes * 4)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(cin, planes * 4, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class SEModule(nn.Module):
    """Channel squeeze & excitation of SENet: pool → 1×1 reduce → ReLU → 1×1 → sigmoid."""

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))
        return x * w


class SEResNeXtBottleneck(Bottleneck):
    """ResNeXt bottleneck whose residual branch is rescaled by an :class:`SEModule`."""

    def __init__(self, cin: int, planes: int, stride: int = 1, groups: int = 1, width: int = 64):
        super().__init__(cin, planes, stride, groups, width)
        self.se_module = SEModule(planes * 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.se_module(self.bn3(self.conv3(out)))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


def _shortcut(cin: int, cout: int, stride: int) -> nn.Sequential | None:
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(_conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))


def _stage(
    block: type[nn.Module], cin: int, planes: int, blocks: int, stride: int, **kw
) -> nn.Sequential:
    layers = [block(cin, planes, stride, **kw)]
    layers += [block(planes * block.expansion, planes, 1, **kw) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


def _pool(stem_stride: int) -> nn.MaxPool2d:
    # Paper stem (stride 1): a plain 2×2 pool. ImageNet stem: torchvision's 3×3/2 pool.
    return nn.MaxPool2d(2, 2) if stem_stride == 1 else nn.MaxPool2d(3, 2, padding=1)


def _check_stem(stem_stride: int) -> None:
    if stem_stride not in (1, 2):
        raise ValueError(
            f"stem_stride must be 1 (paper) or 2 (ImageNet, CPU-fast), not {stem_stride}"
        )


class ResNetEncoder(nn.Module):
    """torchvision-named ResNet / ResNeXt trunk.

    Args:
        block: :class:`BasicBlock` or :class:`Bottleneck`.
        layers: Blocks per stage, e.g. ``(3, 4, 6, 3)``.
        groups: Cardinality (32 for ResNeXt 32×4d).
        width_per_group: Bottleneck width per group (4 for ResNeXt 32×4d, 64 for ResNet).
        in_channels: Input channels of ``conv1``.
        stem_stride: 2 for the ImageNet stem, 1 for the paper's full-resolution stem.
        num_classes: Add a ``fc`` classifier with this many outputs; ``None`` omits it.
    """

    def __init__(
        self,
        block: type[nn.Module],
        layers: tuple[int, int, int, int],
        *,
        groups: int = 1,
        width_per_group: int = 64,
        in_channels: int = 3,
        stem_stride: int = 2,
        num_classes: int | None = None,
    ):
        super().__init__()
        _check_stem(stem_stride)
        kw = {"groups": groups, "width": width_per_group}
        self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=stem_stride, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = _pool(stem_stride)
        e = block.expansion
        self.layer1 = _stage(block, 64, 64, layers[0], 1, **kw)
        self.layer2 = _stage(block, 64 * e, 128, layers[1], 2, **kw)
        self.layer3 = _stage(block, 128 * e, 256, layers[2], 2, **kw)
        self.layer4 = _stage(block, 256 * e, 512, layers[3], 2, **kw)
        if num_classes is not None:
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512 * e, num_classes)
        _init_weights(self)

    @property
    def first_conv(self) -> nn.Conv2d:
        """The stem convolution (adapted when input channels differ from ImageNet's 3)."""
        return self.conv1

    def forward_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return ``[e0, e1, e2, e3, e4]`` (see the module docstring)."""
        e0 = self.relu(self.bn1(self.conv1(x)))
        e1 = self.layer1(self.maxpool(e0))
        e2 = self.layer2(e1)
        e3 = self.layer3(e2)
        return [e0, e1, e2, e3, self.layer4(e3)]

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        """Class logits when there is a classifier, else the feature list."""
        feats = self.forward_features(x)
        if not hasattr(self, "fc"):
            return feats
        return self.fc(torch.flatten(self.avgpool(feats[-1]), 1))


class SENetEncoder(nn.Module):
    """SE-ResNeXt trunk with Cadene ``pretrainedmodels`` names (``layer0``, ``last_linear``).

    Args:
        layers: Blocks per stage, ``(3, 4, 6, 3)`` for SE-ResNeXt-50.
        groups: Cardinality (32).
        width_per_group: Bottleneck width per group (4).
        in_channels: Input channels of ``layer0.conv1``.
        stem_stride: 2 for the ImageNet stem, 1 for the paper's full-resolution stem.
        num_classes: Add a ``last_linear`` classifier; ``None`` omits it.
    """

    def __init__(
        self,
        layers: tuple[int, int, int, int] = (3, 4, 6, 3),
        *,
        groups: int = 32,
        width_per_group: int = 4,
        in_channels: int = 3,
        stem_stride: int = 2,
        num_classes: int | None = None,
    ):
        super().__init__()
        _check_stem(stem_stride)
        kw = {"groups": groups, "width": width_per_group}
        self.layer0 = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(in_channels, 64, 7, stride=stem_stride, padding=3, bias=False),
                bn1=nn.BatchNorm2d(64),
                relu1=nn.ReLU(inplace=True),
                pool=_pool(stem_stride),
            )
        )
        blk = SEResNeXtBottleneck
        self.layer1 = _stage(blk, 64, 64, layers[0], 1, **kw)
        self.layer2 = _stage(blk, 256, 128, layers[1], 2, **kw)
        self.layer3 = _stage(blk, 512, 256, layers[2], 2, **kw)
        self.layer4 = _stage(blk, 1024, 512, layers[3], 2, **kw)
        if num_classes is not None:
            self.avg_pool = nn.AdaptiveAvgPool2d(1)
            self.last_linear = nn.Linear(2048, num_classes)
        _init_weights(self)

    @property
    def first_conv(self) -> nn.Conv2d:
        """The stem convolution (adapted when input channels differ from ImageNet's 3)."""
        return self.layer0.conv1

    def forward_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return ``[e0, e1, e2, e3, e4]`` (see the module docstring)."""
        stem = self.layer0
        e0 = stem.relu1(stem.bn1(stem.conv1(x)))
        e1 = self.layer1(stem.pool(e0))
        e2 = self.layer2(e1)
        e3 = self.layer3(e2)
        return [e0, e1, e2, e3, self.layer4(e3)]

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        """Class logits when there is a classifier, else the feature list."""
        feats = self.forward_features(x)
        if not hasattr(self, "last_linear"):
            return feats
        return self.last_linear(torch.flatten(self.avg_pool(feats[-1]), 1))


def _init_weights(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            bound = 1 / math.sqrt(m.in_features)
            nn.init.uniform_(m.weight, -bound, bound)
            nn.init.zeros_(m.bias)


_BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "resnet18": lambda **kw: ResNetEncoder(BasicBlock, (2, 2, 2, 2), **kw),
    "resnet34": lambda **kw: ResNetEncoder(BasicBlock, (3, 4, 6, 3), **kw),
    "resnet50": lambda **kw: ResNetEncoder(Bottleneck, (3, 4, 6, 3), **kw),
    "resnext50_32x4d": lambda **kw: ResNetEncoder(
        Bottleneck, (3, 4, 6, 3), groups=32, width_per_group=4, **kw
    ),
    "se_resnext50_32x4d": lambda **kw: SENetEncoder(
        (3, 4, 6, 3), groups=32, width_per_group=4, **kw
    ),
    "efficientnet_lite0": lambda **kw: _efficientnet_lite0(**kw),
}


def _efficientnet_lite0(**kw) -> nn.Module:
    from seismic_salt.model.efficientnet import EfficientNetLite0Encoder

    return EfficientNetLite0Encoder(**kw)


def encoder_names() -> list[str]:
    """Return the names accepted by :func:`build_encoder`."""
    return sorted(_BUILDERS)


def build_encoder(
    name: str, *, in_channels: int = 3, stem_stride: int = 2, num_classes: int | None = None
) -> nn.Module:
    """Build an encoder by name with random weights.

    Args:
        name: One of :func:`encoder_names`.
        in_channels: Input channels of the stem convolution.
        stem_stride: 2 (ImageNet stem) or 1 (the paper's full-resolution stem).
        num_classes: Add the ImageNet-style classifier; ``None`` (default) omits it.

    Returns:
        The encoder module (``forward_features`` gives the five feature maps).

    Raises:
        ValueError: ``name`` is not a known encoder.

    Example:
        >>> enc = build_encoder("resnet34")
        >>> [f.shape[1] for f in enc.forward_features(torch.zeros(1, 3, 128, 128))]
        [64, 64, 128, 256, 512]
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown encoder {name!r}: choose one of {', '.join(encoder_names())}")
    return _BUILDERS[name](
        in_channels=in_channels, stem_stride=stem_stride, num_classes=num_classes
    )
