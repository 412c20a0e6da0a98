"""Mosaics of tiles put back together, de-stepped, and windows across their seams."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from seismic_salt.train.datasets import TileSet
from seismic_salt.train.mosaic import assemble, destep, find_seams, mosaic_windows

ROWS, COLS = 2, 3


def _section(seed: int = 0) -> np.ndarray:
    """A rough random section ``[2·101, 3·101]``, its edges as unlike each other as seismic."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(ROWS * 101, COLS * 101))
    return gaussian_filter(noise, (1.0, 2.0)).astype(np.float32)


def _cut(section: np.ndarray, seed: int = 1) -> tuple[TileSet, np.ndarray, np.ndarray]:
    """Tiles of ``section`` in shuffled order, each with its own gain and offset.

    Returns the tiles, each tile's (row, col) in the section, and its gain.
    """
    rng = np.random.default_rng(seed)
    cells = [(r, c) for r in range(ROWS) for c in range(COLS)]
    order = rng.permutation(len(cells))
    gains = rng.uniform(0.5, 2.0, len(cells))
    offsets = rng.uniform(-0.5, 0.5, len(cells))
    amplitude = np.stack(
        [
            gains[k] * section[r * 101 : (r + 1) * 101, c * 101 : (c + 1) * 101] + offsets[k]
            for k, (r, c) in enumerate(cells[i] for i in order)
        ]
    )
    mask = np.zeros(amplitude.shape, np.uint8)
    mask[:, 60:] = 1  # salt in the lower part of every tile
    tiles = TileSet(
        ids=np.array([f"t{k}" for k in range(len(cells))]),
        amplitude=amplitude.astype(np.float32),
        mask=mask,
        depth=np.full(len(cells), np.nan, np.float32),
    )
    return tiles, np.array([cells[i] for i in order]), gains


def test_neighbours_are_found_and_put_back_in_place():
    tiles, cells, _ = _cut(_section())
    seams = find_seams(tiles.amplitude)
    assert len(seams) == ROWS * (COLS - 1) + (ROWS - 1) * COLS  # every inner seam, no other
    for seam in seams:
        step = cells[seam.second] - cells[seam.first]
        assert tuple(step) == {"right": (0, 1), "below": (1, 0)}[seam.direction]
    (grid,) = assemble(len(tiles), seams)
    assert grid.shape == (ROWS, COLS)
    for r in range(ROWS):
        for c in range(COLS):
            assert tuple(cells[grid[r, c]]) == (r, c)


def test_unrelated_tiles_make_no_mosaic():
    a, _, _ = _cut(_section(0))
    b, _, _ = _cut(_section(5))
    mixed = TileSet(
        ids=np.array(["a", "b"]),
        amplitude=np.stack([a.amplitude[0], b.amplitude[3]]),
        mask=np.stack([a.mask[0], b.mask[3]]),
        depth=np.full(2, np.nan, np.float32),
    )
    assert assemble(2, find_seams(mixed.amplitude)) == []
    assert len(mosaic_windows(mixed, 10)) == 0


def test_destep_undoes_each_tiles_gain_up_to_one_overall_scale():
    tiles, cells, gains = _cut(_section())
    (grid,) = assemble(len(tiles), find_seams(tiles.amplitude))
    solved_gain, _ = destep(tiles.amplitude, grid)
    # the solved gain of a tile times its stretch gain is the same for every tile
    overall = solved_gain * gains[grid[grid >= 0]]
    assert np.allclose(overall, overall.mean(), rtol=0.2)  # the stretches span 4x
    assert np.isclose(solved_gain.mean(), 1.0, atol=1e-3)


def test_windows_lie_across_seams_inside_labelled_tiles():
    tiles, _, _ = _cut(_section())
    windows = mosaic_windows(tiles, 12, seed=0)
    assert len(windows) == 12 and windows.amplitude.shape[1:] == (101, 101)
    assert set(np.unique(windows.mask)) <= {0, 1}  # never a pixel outside a tile
    assert windows.ids[0].startswith("mosaic0-")
    # salt fills rows 60-100 of every tile: a window off the tile grid starts it elsewhere
    first_salt_row = windows.mask.any(axis=2).argmax(axis=1)
    assert (first_salt_row != 60).any()
    again = mosaic_windows(tiles, 12, seed=0)
    assert np.array_equal(again.amplitude, windows.amplitude)


def test_training_cuts_mosaic_windows_from_its_training_folds_only(monkeypatch):
    from seismic_salt.train import loop, mosaic
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.loop import prepare_tiles

    parts = [_cut(_section(seed), seed)[0] for seed in range(4)]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.concat(part)
    ids = np.array([f"t{k}" for k in range(len(joined))])
    tiles = TileSet(ids, joined.amplitude, joined.mask, joined.depth)
    given = []
    real = mosaic.mosaic_windows
    monkeypatch.setattr(
        loop, "mosaic_windows", lambda t, *a, **k: given.append(set(t.ids)) or real(t, *a, **k)
    )
    config = TrainConfig(folds=2, exclude_test=False, mosaic_windows=8)
    prepared = prepare_tiles(tiles, config, log=lambda _: None)
    plain = prepare_tiles(tiles, TrainConfig(folds=2, exclude_test=False), log=lambda _: None)
    assert given == [set(plain.train.ids)]  # never a validation tile
    assert set(prepared.valid.ids) == set(plain.valid.ids)
    extra = [i for i in prepared.train.ids if str(i).startswith("mosaic")]
    assert 0 < len(extra) == len(prepared.train) - len(plain.train)


def test_a_stepped_share_of_windows_keeps_each_tiles_own_stretch(monkeypatch):
    from seismic_salt.train import windows as windows_module

    tiles, _, _ = _cut(_section())
    (grid,) = assemble(len(tiles), find_seams(tiles.amplitude))
    cut_from = {}
    real = windows_module.windows_from_volume

    def recording(amplitude, labels, n_windows, **options):
        cut_from[options["name"]] = amplitude[0].T  # back to [sample, crossline]
        return real(amplitude, labels, n_windows, **options)

    monkeypatch.setattr(windows_module, "windows_from_volume", recording)
    windows = mosaic_windows(tiles, 12, seed=0, stepped_share=0.5)
    assert sum(str(i).startswith("mosaic0s-") for i in windows.ids) == 6
    assert sum(str(i).startswith("mosaic0-") for i in windows.ids) == 6
    stepped, destepped = cut_from["mosaic0s"], cut_from["mosaic0"]
    for r, c in zip(*np.nonzero(grid >= 0), strict=True):
        cell = (slice(r * 101, (r + 1) * 101), slice(c * 101, (c + 1) * 101))
        assert np.array_equal(stepped[cell], tiles.amplitude[grid[r, c]])

    def seam_jump(amplitude):  # mean jump across the vertical seams, per pixel step inside
        steps = np.abs(np.diff(amplitude, axis=1))
        return steps[:, 100::101].mean() / np.median(steps)

    assert seam_jump(stepped) > 3 * seam_jump(destepped)


def test_a_stepped_share_outside_zero_to_one_is_refused():
    tiles, _, _ = _cut(_section())
    assert not any("s-" in str(i) for i in mosaic_windows(tiles, 12, seed=3).ids)
    with pytest.raises(ValueError, match="within 0..1"):
        mosaic_windows(tiles, 12, stepped_share=1.5)
