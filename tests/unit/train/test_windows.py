"""Training windows from partly labelled volumes, cut as segment cuts them."""

from __future__ import annotations

import numpy as np
import pytest

from seismic_salt.errors import DataError, InputFileError
from seismic_salt.normalize import Normalisation
from seismic_salt.train.windows import read_labelled_section, windows_from_volume


def _volume(shape=(2, 300, 260), seed=0):
    rng = np.random.default_rng(seed)
    amplitude = (rng.normal(size=shape) * 1000).astype(np.float32)
    labels = np.full(shape, 255, np.uint8)
    labels[0, 20:220, 10:210] = 0
    labels[0, 150:220, 150:210] = 1  # salt in the lower right of the labelled part
    return amplitude, labels


def test_windows_are_section_pieces_scaled_like_the_volume():
    amplitude, labels = _volume()
    tiles = windows_from_volume(amplitude, labels, 16, seed=3, name="v")
    assert tiles.amplitude.shape == (16, 101, 101) and tiles.mask.dtype == np.uint8
    assert list(tiles.ids[:2]) == ["v-0", "v-1"]
    scaled = Normalisation.fit(amplitude).apply(amplitude)
    sections, masks = scaled[0].T, labels[0].T  # rows = sample, cols = crossline
    for window, mask in zip(tiles.amplitude, tiles.mask, strict=True):
        hits = [
            (r, c)
            for r, c in np.argwhere(sections == window[0, 0])
            if np.array_equal(sections[r : r + 101, c : c + 101], window)
        ]
        assert hits, "a window is not a piece of the first inline's section"
        r, c = hits[0]
        assert np.array_equal(masks[r : r + 101, c : c + 101], mask)
        assert (mask != 255).mean() >= 0.25
    has_salt = (tiles.mask == 1).any(axis=(1, 2))
    assert has_salt.sum() == 8  # half the windows are drawn among those with salt
    again = windows_from_volume(amplitude, labels, 16, seed=3, name="v")
    assert np.array_equal(again.amplitude, tiles.amplitude)


def test_dead_traces_become_unknown_zeros():
    amplitude, labels = _volume()
    amplitude[0, 50:60] = 0.0  # dead traces inside the labelled part
    tiles = windows_from_volume(amplitude, labels, 32, seed=0)
    dead = tiles.amplitude == 0.0
    assert dead.any()
    assert (tiles.mask[dead] == 255).all()


def test_bad_labels_are_one_line_errors():
    amplitude, labels = _volume()
    with pytest.raises(DataError, match="do not fit"):
        windows_from_volume(amplitude, labels[:, :, :-1], 4)
    odd = labels.copy()
    odd[0, 30, 30] = 7
    with pytest.raises(DataError, match="found 7"):
        windows_from_volume(amplitude, odd, 4)
    with pytest.raises(DataError, match="no 101x101 window has 25%"):
        windows_from_volume(amplitude, np.full_like(labels, 255), 4, name="blank")


def test_small_volumes_are_padded_to_a_tile():
    amplitude = np.random.default_rng(0).normal(size=(1, 60, 80)).astype(np.float32)
    labels = np.zeros(amplitude.shape, np.uint8)
    labels[0, :, 40:] = 1
    tiles = windows_from_volume(amplitude, labels, 2, seed=0)
    assert tiles.amplitude.shape == (2, 101, 101)
    assert (tiles.mask[:, 80:, :] == 255).all() and (tiles.mask[:, :, 60:] == 255).all()


def test_a_section_needs_its_labels_file(tmp_path):
    import xarray as xr

    from seismic_salt.io.writer import to_segy

    amplitude, labels = _volume((1, 110, 120))
    labels[0, :, :] = 0
    cube = xr.DataArray(
        amplitude,
        dims=("inline", "crossline", "sample"),
        coords={"inline": [1], "crossline": np.arange(1, 111), "sample": np.arange(120.0)},
    )
    path = to_segy(cube, tmp_path / "line.sgy")
    with pytest.raises(InputFileError, match="line.labels.npy"):
        read_labelled_section(path)
    np.save(tmp_path / "line.labels.npy", labels[0])  # [crossline, sample] for one inline
    read, read_labels = read_labelled_section(path)
    assert read_labels.shape == read.shape == (1, 110, 120)
    np.save(tmp_path / "line.labels.npy", labels[0, :, :50])
    with pytest.raises(DataError, match="do not fit"):
        read_labelled_section(path)
