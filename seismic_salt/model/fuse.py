"""Inference-only rewrites of a network that keep its outputs: BatchNorm folded into convs.

In eval mode a BatchNorm after a convolution is an affine map per channel, so it can be
folded into that convolution's weights and bias (``torch.nn.utils.fusion``), which saves
one pass over every activation. :func:`fold_batchnorm` does it on a copy of the model for
the pairs this project's networks hold: a convolution followed by BatchNorm inside an
``nn.Sequential`` (stems, decoder blocks, the hypercolumn, downsampling shortcuts), and
the named pairs of the residual and inverted-residual blocks (``conv1``/``bn1`` …,
``_expand_conv``/``_bn0`` …). A folded model is for inference only: it has no BatchNorm
left to train.

Example:
    >>> import torch
    >>> from seismic_salt.model import build_model
    >>> net = build_model("hyper_resnet34_fast").eval()
    >>> folded = fold_batchnorm(net)
    >>> x = torch.rand(1, 3, 101, 101)
    >>> bool(torch.allclose(net(x), folded(x), atol=1e-4))
    True
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

__all__ = ["fold_batchnorm"]

#: (convolution, BatchNorm) attribute pairs of the blocks where one directly follows the other.
NAMED_PAIRS = (
    ("conv1", "bn1"),
    ("conv2", "bn2"),
    ("conv3", "bn3"),
    ("_conv_stem", "_bn0"),
    ("_expand_conv", "_bn0"),
    ("_depthwise_conv", "_bn1"),
    ("_project_conv", "_bn2"),
)

_CONVS = (nn.Conv2d, nn.ConvTranspose2d)


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """Return an eval-mode copy of ``model`` with each BatchNorm folded into its convolution.

    Args:
        model: A network (its own weights are left untouched).

    Returns:
        The copy, in eval mode; every folded BatchNorm is replaced by ``nn.Identity``.
    """
    folded = copy.deepcopy(model).eval()
    with torch.no_grad():
        for module in folded.modules():
            if isinstance(module, nn.Sequential):
                _fold_sequential(module)
            for conv_name, bn_name in NAMED_PAIRS:
                conv, bn = getattr(module, conv_name, None), getattr(module, bn_name, None)
                if isinstance(conv, _CONVS) and isinstance(bn, nn.BatchNorm2d):
                    setattr(module, conv_name, _fused(conv, bn))
                    setattr(module, bn_name, nn.Identity())
    return folded


def _fold_sequential(sequence: nn.Sequential) -> None:
    names = list(sequence._modules)
    for first, second in zip(names, names[1:], strict=False):
        conv, bn = sequence._modules[first], sequence._modules[second]
        if isinstance(conv, _CONVS) and isinstance(bn, nn.BatchNorm2d):
            sequence._modules[first] = _fused(conv, bn)
            sequence._modules[second] = nn.Identity()


def _fused(conv: nn.Module, bn: nn.BatchNorm2d) -> nn.Module:
    return fuse_conv_bn_eval(conv, bn, transpose=isinstance(conv, nn.ConvTranspose2d))
