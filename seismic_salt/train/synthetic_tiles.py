"""Labelled training tiles cut from synthetic volumes, to mix with the TGS tiles.

The TGS tiles hold few thin salt sheets, and a model trained on them alone misses the
sheets of :mod:`seismic_salt.synthetic` volumes. Adding tiles cut from such volumes to the
training folds (never to validation) teaches them. Each tile goes through exactly what
``segment`` does to a volume: the amplitude scaling is fitted on the whole volume
(:class:`~seismic_salt.normalize.Normalisation`), and a tile is a 101×101 window of an
inline section with rows = sample (depth down) and columns = crossline.

The volumes vary in size, wavelet, noise, faults and salt bodies (diapir, sheet, both or
none). Their seeds are 32-bit numbers spawned from ``seed`` by
``numpy.random.SeedSequence``, not the small seeds (0, 1, 2) with which the demo and the
docs score the model on synthetic volumes (whose 32 × 160 × 160 shape also differs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from seismic_salt.normalize import Contract
from seismic_salt.tiling import TILE
from seismic_salt.train.datasets import TileSet

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["synthetic_tiles", "tiles_from_volume"]

#: Salt bodies of a volume and how often each set is drawn.
BODY_SETS = ((("diapir",), 0.3), (("sheet",), 0.3), (("diapir", "sheet"), 0.3), ((), 0.1))
TILES_PER_INLINE = 4
INLINES_PER_VOLUME = 2


def synthetic_tiles(n_tiles: int, seed: int = 0, contract: Contract | None = None) -> TileSet:
    """Cut ``n_tiles`` labelled 101×101 tiles from randomly drawn synthetic volumes.

    Args:
        n_tiles: Number of tiles.
        seed: Seed of the volumes' parameters, seeds and tile positions.
        contract: The model's normalisation contract, whose volume clip scales each
            volume (None: the first models' robust clip).

    Returns:
        Tiles with ids ``synthetic-<volume>-<k>``, amplitudes scaled as ``segment`` scales
        a volume, uint8 masks and NaN depth.

    Example:
        >>> tiles = synthetic_tiles(4, seed=0)
        >>> tiles.amplitude.shape, tiles.mask.dtype
        ((4, 101, 101), dtype('uint8'))
    """
    from seismic_salt.synthetic import make_volume

    per_volume = TILES_PER_INLINE * INLINES_PER_VOLUME
    n_volumes = -(-n_tiles // per_volume)  # ceiling; 0 for n_tiles <= 0
    ids, amplitude, mask = [], [], []
    for volume_index, child in enumerate(np.random.SeedSequence([seed, 7919]).spawn(n_volumes)):
        rng = np.random.default_rng(child)
        bodies = BODY_SETS[rng.choice(len(BODY_SETS), p=[p for _, p in BODY_SETS])][0]
        shape = (INLINES_PER_VOLUME * 2, int(rng.integers(140, 241)), int(rng.integers(140, 241)))
        volume = make_volume(
            shape,
            seed=int(child.generate_state(1)[0]),
            bodies=bodies,
            peak_frequency=float(rng.uniform(15.0, 35.0)),
            noise=float(rng.uniform(0.05, 0.35)),
            n_faults=int(rng.integers(0, 4)),
        )
        inlines = np.sort(rng.choice(shape[0], size=INLINES_PER_VOLUME, replace=False))
        positions = [
            (int(inline), int(rng.integers(0, shape[1] - TILE + 1)),
             int(rng.integers(0, shape[2] - TILE + 1)))
            for inline in inlines
            for _ in range(TILES_PER_INLINE)
        ]  # fmt: skip
        volume_amplitude, volume_mask = tiles_from_volume(volume, positions, contract)
        ids += [f"synthetic-{volume_index:04d}-{k:02d}" for k in range(len(positions))]
        amplitude.append(volume_amplitude)
        mask.append(volume_mask)
    if not ids:
        empty = np.zeros((0, TILE, TILE), dtype=np.float32)
        return TileSet(
            np.array([], dtype=str), empty, empty.astype(np.uint8), np.zeros(0, np.float32)
        )
    return TileSet(
        ids=np.array(ids[:n_tiles], dtype=str),
        amplitude=np.concatenate(amplitude)[:n_tiles],
        mask=np.concatenate(mask)[:n_tiles],
        depth=np.full(n_tiles, np.nan, dtype=np.float32),
    )


def tiles_from_volume(
    volume: xr.Dataset, positions: list[tuple[int, int, int]], contract: Contract | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cut 101×101 tiles of a synthetic volume as ``segment`` sees them.

    Args:
        volume: A dataset of :func:`~seismic_salt.synthetic.make_volume`.
        positions: ``(inline, first crossline, first sample)`` index of each tile.
        contract: The normalisation contract whose volume clip scales the volume.

    Returns:
        ``(amplitude, mask)``: float32 amplitudes scaled with the whole volume's clip and
        uint8 salt masks, both ``[len(positions), 101 (sample), 101 (crossline)]``.
    """
    from seismic_salt.normalize import Normalisation

    values = volume.amplitude.values
    scaled = Normalisation.fit(values, contract=contract).apply(values)
    salt = volume.salt.values.astype(np.uint8)
    windows = [(i, slice(x, x + TILE), slice(s, s + TILE)) for i, x, s in positions]
    amplitude = np.stack([scaled[w].T for w in windows]).astype(np.float32)
    return np.ascontiguousarray(amplitude), np.ascontiguousarray(
        np.stack([salt[w].T for w in windows])
    )
