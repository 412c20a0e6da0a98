"""The model's input contract: how a normalised amplitude tile becomes network channels.

A tile is ``[H, W]`` with ``H`` running down in depth (time or depth samples) and ``W``
along the section. The network sees three channels (the paper's CoordConv analogue):

1. ``amplitude``, normalised to ``[-1, 1]`` as the model's normalisation contract says
   (:class:`seismic_salt.normalize.Contract`): the volume's robust clip, then, for kind
   ``"tile_stretch"``, each tile stretched by its own minimum and maximum
   (:func:`stretch_tiles`, applied here so training and inference share it);
2. ``vertical_ramp``, running linearly from 0 at the top row to 1 at the bottom row;
3. ``amplitude * vertical_ramp``.

The ramp is relative to the tile, not to the section: the TGS tiles carried no absolute
depth that a volume could reproduce.
"""

from __future__ import annotations

from typing import Any

import torch

from seismic_salt.errors import DataError
from seismic_salt.model.config import CHANNELS, DEPTH_CHANNEL, ModelConfig
from seismic_salt.normalize import Contract
from seismic_salt.tiling import TILE

__all__ = [
    "CHANNELS",
    "NORMALISATION",
    "input_contract",
    "model_contract",
    "stretch_tiles",
    "tile_channels",
]

#: The normalisation kind of newly built models.
NORMALISATION = "tile_stretch"


def stretch_tiles(
    amplitude: torch.Tensor,
    value_range: tuple[float, float] = (-1.0, 1.0),
    percentiles: tuple[float, float] = (0.0, 100.0),
) -> torch.Tensor:
    """Stretch each tile linearly so its minimum and maximum span ``value_range``.

    This is what TGS did to every tile (grey 0..255 from each tile's own extremes). With
    other ``percentiles`` those percentiles of each tile span the range and the values
    beyond are clipped. A constant tile becomes the middle of the range.

    Args:
        amplitude: ``[B, H, W]`` floating-point tiles (no NaN).
        value_range: Output ``(low, high)``.
        percentiles: Percentiles of each tile mapped to ``low`` and ``high``.

    Returns:
        The stretched tiles, same shape, dtype and device.

    Example:
        >>> tiles = torch.tensor([[[0.0, 2.0], [1.0, 4.0]]])
        >>> stretch_tiles(tiles).tolist()
        [[[-1.0, 0.0], [-0.5, 1.0]]]
    """
    low, high = value_range
    flat = amplitude.reshape(amplitude.shape[0], -1)
    if tuple(percentiles) == (0.0, 100.0):
        smallest, largest = flat.amin(dim=1), flat.amax(dim=1)
    else:
        q = torch.tensor([p / 100 for p in percentiles], dtype=torch.float32, device=flat.device)
        smallest, largest = torch.quantile(flat.float(), q, dim=1).to(flat.dtype)
    smallest, largest = smallest.view(-1, 1, 1), largest.view(-1, 1, 1)
    span = (largest - smallest).float()
    scale = torch.where(span > 0, (high - low) / span.clamp_min(1e-30), 0.0)
    middle = torch.where(span > 0, low, (low + high) / 2)
    out = ((amplitude - smallest) * scale + middle).clamp(min(low, high), max(low, high))
    return out.to(amplitude.dtype)


def tile_channels(amplitude: torch.Tensor, normalisation: Any = None) -> torch.Tensor:
    """Build the 3-channel network input from amplitude tiles.

    Args:
        amplitude: ``[B, H, W]`` amplitude scaled with the volume's clip, depth down ``H``.
        normalisation: The model's contract (:class:`~seismic_salt.normalize.Contract`,
            or its JSON); with kind ``"tile_stretch"`` every tile is stretched on its
            own first. None: used as it is (kind ``"robust_clip"``).

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
    if not isinstance(normalisation, Contract):
        normalisation = Contract.from_config(normalisation)
    if normalisation.per_tile and b:
        amplitude = stretch_tiles(amplitude, normalisation.range, normalisation.tile_percentiles)
    ramp = torch.linspace(0.0, 1.0, h, dtype=dtype, device=amplitude.device)
    ramp = ramp.view(1, h, 1).expand(b, h, w)
    return torch.stack([amplitude, ramp, amplitude * ramp], dim=1)


def model_contract(model: Any) -> Contract:
    """Return the normalisation contract of a model (its ``config``; none: robust_clip).

    Raises:
        DataError: If the model's config names an unknown or malformed normalisation.
    """
    return ModelConfig.of(model).input.normalisation


def input_contract(
    pad_to: int = 128, tile_size: int = TILE, normalisation: str = NORMALISATION
) -> dict[str, Any]:
    """Return the input contract written into ``model.config["input"]`` and checkpoints."""
    return {
        "channels": list(CHANNELS),
        "layout": "[batch, channel, H (depth, down), W]",
        "tile_size": tile_size,
        "pad_to": pad_to,
        "padding": "reflect",
        "normalisation": Contract.from_config({"kind": normalisation}).to_config(),
        "depth_channel": DEPTH_CHANNEL,
    }
