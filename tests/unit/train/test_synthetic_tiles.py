"""Synthetic training tiles: deterministic, scaled like segment, oriented like TGS tiles."""

import numpy as np

from seismic_salt.normalize import Normalisation
from seismic_salt.synthetic import make_volume
from seismic_salt.train.synthetic_tiles import synthetic_tiles, tiles_from_volume


def test_same_seed_same_tiles_other_seed_other_tiles():
    first, again, other = (
        synthetic_tiles(10, seed=3),
        synthetic_tiles(10, seed=3),
        synthetic_tiles(10, seed=4),
    )
    assert first.amplitude.shape == (10, 101, 101) and first.mask.shape == (10, 101, 101)
    assert np.array_equal(first.amplitude, again.amplitude)
    assert np.array_equal(first.mask, again.mask)
    assert not np.array_equal(first.amplitude, other.amplitude)
    assert len(set(first.ids)) == 10 and np.isnan(first.depth).all()


def test_tiles_are_scaled_and_hold_salt_and_sediment():
    tiles = synthetic_tiles(48, seed=0)
    assert tiles.amplitude.dtype == np.float32
    assert tiles.amplitude.min() >= -1 and tiles.amplitude.max() <= 1
    # the symmetric 99.5 % clip leaves a few samples at the bounds, most well inside
    assert 0.05 < np.abs(tiles.amplitude).mean() < 0.6
    coverage = tiles.mask.reshape(48, -1).mean(axis=1)
    assert (coverage > 0).any() and (coverage < 1).any()


def test_tile_rows_run_down_in_depth():
    """Rows are samples: the top-of-salt reflector sits above the salt inside each tile."""
    tiles = synthetic_tiles(48, seed=1)
    above, inside = [], []
    for amplitude, mask in zip(tiles.amplitude, tiles.mask, strict=True):
        top = np.argmax(mask, axis=0)  # first salt row per column
        columns = np.flatnonzero(mask.any(axis=0) & (top > 3) & (top < 96))
        for column in columns:
            row = top[column]
            above.append(np.abs(amplitude[row - 3 : row + 1, column]).max())
            inside.append(np.abs(amplitude[row + 4 : row + 8, column]).max())
    assert len(above) > 100
    assert np.median(above) > 1.5 * np.median(inside)


def test_a_tile_is_a_transposed_window_of_the_volume_scaled_as_a_whole():
    volume = make_volume((4, 120, 130), seed=0)
    amplitude, mask = tiles_from_volume(volume, [(2, 5, 17)])
    scaled = Normalisation.fit(volume.amplitude.values).apply(volume.amplitude.values)
    assert np.array_equal(amplitude[0], scaled[2, 5:106, 17:118].T)
    assert np.array_equal(mask[0], volume.salt.values[2, 5:106, 17:118].T)
    # the clip is the volume's, not the tile's: a per-tile clip would reach 1 in every tile
    assert not np.array_equal(
        amplitude[0],
        Normalisation.fit(scaled[2:3, 5:106, 17:118]).apply(scaled[2:3, 5:106, 17:118])[0].T,
    )
