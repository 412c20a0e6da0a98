"""Batch augmentation that respects seismic: no vertical flips, small geometry changes.

All transforms run on a whole batch of tensors at once and draw from an explicit
``torch.Generator``, so a training step's augmentation depends only on its seed (which
is what makes an interrupted run resume to the same weights).

Tiles are ``[B, H, W]`` with rows = depth (downwards) and columns = crossline. Masks
hold 0, 1 or 255 (unknown); unknown pixels stay unknown through every warp.
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
        gain_drift: Largest change of the natural log of the amplitude gain from one
            side of the tile to the other, drawn separately down and across: a smooth
            gain drift like a survey's, which a tile stretch does not undo.
        gain_step: Largest change of the natural log of the amplitude gain across one
            straight seam, down or across the tile at a random place in its middle
            60 %: a window of a survey that straddles a quiet and a loud part (a salt
            interior beside layered sediment), whose relative level a stretch of the
            whole window keeps and TGS's stretch of each tile took away.
    """

    hflip: float = 0.5
    shift: float = 0.08
    scale: float = 0.1
    contrast: float = 0.2
    brightness: float = 0.1
    gamma: float = 0.2
    gain_drift: float = 0.0
    gain_step: float = 0.0


#: Named augmentation settings of ``seismic-salt train --augmentation``.
AUGMENTATIONS: dict[str, AugmentConfig] = {
    "full": AugmentConfig(),
    "flip": AugmentConfig(shift=0.0, scale=0.0, contrast=0.0, brightness=0.0, gamma=0.0),
    "survey": AugmentConfig(
        shift=0.0, scale=0.0, contrast=0.0, brightness=0.0, gamma=0.0, gain_drift=0.5
    ),
    "seams": AugmentConfig(
        shift=0.0, scale=0.0, contrast=0.0, brightness=0.0, gamma=0.0, gain_step=1.0
    ),
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
        mask: ``[B, H, W]`` salt masks (0, 1, or 255 where unknown; any dtype).
        generator: Source of randomness (CPU generator).
        config: Transform ranges; defaults to :class:`AugmentConfig`.

    Returns:
        The augmented ``(amplitude, mask)``; the mask is float 0/1, 255 where unknown.
    """
    from seismic_salt.labels import UNKNOWN

    config = config or AugmentConfig()
    n = amplitude.shape[0]
    mask = mask.to(amplitude.dtype)
    known = (mask != UNKNOWN).to(amplitude.dtype)
    salt = (mask == 1).to(amplitude.dtype)

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
    stacked = torch.stack([amplitude, salt, known], dim=1)
    warped = F.grid_sample(
        stacked, grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )
    amplitude = warped[:, 0]
    mask = torch.where(warped[:, 2] > 0.5, (warped[:, 1] > 0.5).to(amplitude.dtype), UNKNOWN)

    device = amplitude.device
    gain = _uniform(n, 1 - config.contrast, 1 + config.contrast, generator).to(device)
    offset = _uniform(n, -config.brightness, config.brightness, generator).to(device)
    gamma = _uniform(n, 1 - config.gamma, 1 + config.gamma, generator).to(device)
    gain, offset, gamma = gain[:, None, None], offset[:, None, None], gamma[:, None, None]
    unit = ((amplitude * gain + offset).clamp(-1, 1) + 1) / 2
    amplitude = unit.pow(gamma) * 2 - 1
    if config.gain_drift:  # drawn last, so the other settings' draws are unchanged
        field = _gain_field(n, amplitude.shape[1:], config.gain_drift, generator)
        amplitude = amplitude * field.to(device, amplitude.dtype)
    if config.gain_step:  # drawn after the drift, so its draws are unchanged too
        field = _gain_step(n, amplitude.shape[1:], config.gain_step, generator)
        amplitude = amplitude * field.to(device, amplitude.dtype)
    return amplitude, mask


def _gain_field(
    n: int, shape: tuple[int, int] | torch.Size, drift: float, generator: torch.Generator
) -> torch.Tensor:
    """Return ``[n, H, W]`` gains ``exp(a·y + b·x)``, y and x running -1/2..1/2 over the tile."""
    down = _uniform(n, -drift, drift, generator)[:, None, None]
    across = _uniform(n, -drift, drift, generator)[:, None, None]
    y = torch.linspace(-0.5, 0.5, shape[0])[None, :, None]
    x = torch.linspace(-0.5, 0.5, shape[1])[None, None, :]
    return torch.exp(down * y + across * x)


def _gain_step(
    n: int, shape: tuple[int, int] | torch.Size, step: float, generator: torch.Generator
) -> torch.Tensor:
    """Return ``[n, H, W]`` gains stepping by ``exp(d)``, |d| ≤ ``step``, across one seam.

    The seam runs across the tile (a step down) or down it (a step across), at 20–80 %
    of the tile, and is a smooth ramp about 4 % of the tile wide.
    """
    change = _uniform(n, -step, step, generator)[:, None, None]
    place = _uniform(n, 0.2, 0.8, generator)[:, None, None]
    downwards = (torch.rand(n, generator=generator) < 0.5)[:, None, None]
    y = torch.linspace(0.0, 1.0, shape[0])[None, :, None].expand(n, *shape)
    x = torch.linspace(0.0, 1.0, shape[1])[None, None, :].expand(n, *shape)
    across_seam = torch.where(downwards, y, x)
    return torch.exp(change * (torch.sigmoid((across_seam - place) / 0.01) - 0.5))
