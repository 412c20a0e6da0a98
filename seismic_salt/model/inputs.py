"""The model's input contract: how a normalised amplitude tile becomes network channels.

A tile is ``[H, W]`` with ``H`` running down in depth (time or depth samples) and ``W``
along the section. The network sees three channels (the paper's CoordConv analogue):

1. ``amplitude``, normalised to ``[-1, 1]`` (robust clip at the 0.5/99.5 percentiles);
2. ``vertical_ramp``, running linearly from 0 at the top row to 1 at the bottom row;
3. ``amplitude * vertical_ramp``.

The ramp is relative to the tile, not to the section: the TGS tiles carried no absolute
depth that a volume could reproduce.
"""

from __future__ import annotations

from typing import Any

import torch

from seismic_salt.errors import DataError

__all__ = ["CHANNELS", "input_contract", "tile_channels"]

CHANNELS = ("amplitude", "vertical_ramp", "amplitude*vertical_ramp")


def tile_channels(amplitude: torch.Tensor) -> torch.Tensor:
    """Build the 3-channel network input from amplitude tiles.

    Args:
        amplitude: ``[B, H, W]`` normalised amplitude, depth down ``H``.

    Returns:
        ``[B, 3, H, W]`` tensor: amplitude, vertical ramp (0 → 1 down each tile) and their
        product, in the dtype and on the device of ``amplitude``.

    Raises:
        DataError: ``amplitude`` is not three-dimensional.

    Example:
        >>> tile_channels(torch.ones(2, 101, 101)).shape
        torch.Size([2, 3, 101, 101])
    """
    if amplitude.ndim != 3:
        raise DataError(
            f"amplitude tiles have shape {tuple(amplitude.shape)}; expected [batch, H, W]"
        )
    b, h, w = amplitude.shape
    dtype = amplitude.dtype if amplitude.is_floating_point() else torch.float32
    amplitude = amplitude.to(dtype)
    ramp = torch.linspace(0.0, 1.0, h, dtype=dtype, device=amplitude.device)
    ramp = ramp.view(1, h, 1).expand(b, h, w)
    return torch.stack([amplitude, ramp, amplitude * ramp], dim=1)


def input_contract(pad_to: int = 128, tile_size: int = 101) -> dict[str, Any]:
    """Return the input contract written into ``model.config["input"]`` and checkpoints."""
    return {
        "channels": list(CHANNELS),
        "layout": "[batch, channel, H (depth, down), W]",
        "tile_size": tile_size,
        "pad_to": pad_to,
        "padding": "reflect",
        "normalisation": {"kind": "robust_clip", "percentiles": [0.5, 99.5], "range": [-1, 1]},
        "depth_channel": "tile_ramp",
    }
