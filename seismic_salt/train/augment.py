"""Batch augmentation that respects seismic: no vertical flips, small geometry changes.

All transforms run on a whole batch of tensors at once and draw from an explicit
``torch.Generator``, so a training step's augmentation depends only on its seed (which
is what makes an interrupted run resume to the same weights).

Tiles are ``[B, H, W]`` with rows = depth (downwards) and columns = crossline.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random transforms (each drawn uniformly per tile).

    Attributes:
        hflip: Probability of a left-right flip.
        shift: Largest shift as a fraction of the tile size.
        scale: Largest relative zoom in or out.
        contrast: Largest relative change of amplitude gain.
        brightness: Largest additive amplitude offset (amplitudes span [-1, 1]).
        gamma: Largest relative change of gamma on the [0, 1]-mapped amplitude.
    """

    hflip: float = 0.5
    shift: float = 0.08
    scale: float = 0.1
    contrast: float = 0.2
    brightness: float = 0.1
    gamma: float = 0.2


#: Named augmentation settings of ``seismic-salt train --augmentation``.
AUGMENTATIONS: dict[str, AugmentConfig] = {
    "full": AugmentConfig(),
    "flip": AugmentConfig(shift=0.0, scale=0.0, contrast=0.0, brightness=0.0, gamma=0.0),
}


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def augment_batch(
    amplitude: torch.Tensor,
    mask: torch.Tensor,
    generator: torch.Generator,
    config: AugmentConfig | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Randomly flip, shift, zoom and re-gain a batch of tiles and their masks.

    The random draws come from ``generator`` on the CPU; the warping runs wherever the
    tiles are (on a GPU, a training step then does no per-pixel work on the CPU).

    Args:
        amplitude: ``[B, H, W]`` float amplitudes in [-1, 1].
        mask: ``[B, H, W]`` salt masks (0/1, any dtype).
        generator: Source of randomness (CPU generator).
        config: Transform ranges; defaults to :class:`AugmentConfig`.

    Returns:
        The augmented ``(amplitude, mask)``; the mask is float 0/1.
    """
    config = config or AugmentConfig()
    n = amplitude.shape[0]
    mask = mask.to(amplitude.dtype)

    flip = torch.rand(n, generator=generator) < config.hflip
    sign = torch.where(flip, -1.0, 1.0)
    zoom = _uniform(n, 1 - config.scale, 1 + config.scale, generator)
    shift_x = _uniform(n, -config.shift, config.shift, generator) * 2
    shift_y = _uniform(n, -config.shift, config.shift, generator) * 2
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = sign / zoom
    theta[:, 1, 1] = 1 / zoom
    theta[:, 0, 2] = shift_x
    theta[:, 1, 2] = shift_y
    theta = theta.to(amplitude.device, amplitude.dtype)
    grid = F.affine_grid(theta, [n, 1, *amplitude.shape[1:]], False)
    stacked = torch.stack([amplitude, mask], dim=1)
    warped = F.grid_sample(
        stacked, grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )
    amplitude, mask = warped[:, 0], (warped[:, 1] > 0.5).to(amplitude.dtype)

    device = amplitude.device
    gain = _uniform(n, 1 - config.contrast, 1 + config.contrast, generator).to(device)
    offset = _uniform(n, -config.brightness, config.brightness, generator).to(device)
    gamma = _uniform(n, 1 - config.gamma, 1 + config.gamma, generator).to(device)
    gain, offset, gamma = gain[:, None, None], offset[:, None, None], gamma[:, None, None]
    unit = ((amplitude * gain + offset).clamp(-1, 1) + 1) / 2
    amplitude = unit.pow(gamma) * 2 - 1
    return amplitude, mask
