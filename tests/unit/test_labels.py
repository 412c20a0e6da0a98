"""Reading a user's salt picks: SEG-Y, .npy, zarr, PNG folders; checks of their content."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from PIL import Image

from seismic_salt.errors import DataError, InputFileError
from seismic_salt.labels import check_labels, labelled_sections, read_labels


def _cube(values, inline0=100, crossline0=200):
    n_il, n_xl, n_smp = values.shape
    return xr.DataArray(
        values,
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": np.arange(inline0, inline0 + n_il),
            "crossline": np.arange(crossline0, crossline0 + n_xl),
            "sample": np.arange(n_smp) * 4.0,
        },
        name="amplitude",
    )


@pytest.fixture
def volume():
    return _cube(np.random.default_rng(0).normal(size=(3, 8, 12)).astype(np.float32))


def _picks(shape):
    raw = np.full(shape, np.nan, np.float32)
    raw[1, :, :6] = 0
    raw[1, :, 6:] = 1
    return raw


def test_values_map_to_salt_not_salt_and_unknown():
    raw = np.array([[[0, 1, 255, np.nan, -999]]])
    assert check_labels(raw, raw.shape, unknown=-999).tolist() == [[[0, 1, 255, 255, 255]]]
    with pytest.raises(DataError, match="label value -999 is none of salt"):
        check_labels(raw, raw.shape)
    with pytest.raises(DataError, match="not on the volume's geometry"):
        check_labels(raw, (1, 1, 4))
    with pytest.raises(DataError, match="pick no pixel"):
        check_labels(np.full((1, 2, 2), 255), (1, 2, 2))
    with pytest.raises(DataError, match="every picked pixel is salt"):
        check_labels(np.array([[[1, 255]]]), (1, 1, 2))
    assert labelled_sections(check_labels(_picks((3, 4, 12)), (3, 4, 12))).tolist() == [1]


def test_npy_and_zarr_labels(tmp_path, volume):
    import zarr

    np.save(tmp_path / "picks.npy", _picks(volume.shape))
    labels = read_labels(tmp_path / "picks.npy", volume)
    assert labels.dtype == np.uint8 and (labels[0] == 255).all() and labels[1, 0, 7] == 1
    group = zarr.open_group(str(tmp_path / "picks.zarr"), mode="w")
    group.create_array("labels", data=_picks(volume.shape))
    group.create_array("other", data=np.zeros(volume.shape, np.float32))
    assert np.array_equal(read_labels(tmp_path / "picks.zarr", volume), labels)
    with pytest.raises(InputFileError, match="do not exist"):
        read_labels(tmp_path / "none.npy", volume)


def test_segy_labels_must_share_the_geometry(tmp_path, volume):
    from seismic_salt.io.writer import to_segy

    picks = _cube(_picks(volume.shape))
    to_segy(picks.fillna(255), tmp_path / "picks.sgy")
    assert read_labels(tmp_path / "picks.sgy", volume)[1, 0, 7] == 1
    shifted = _cube(_picks(volume.shape), crossline0=300).fillna(255)
    to_segy(shifted, tmp_path / "shifted.sgy")
    with pytest.raises(DataError, match="another geometry: their crossline axis"):
        read_labels(tmp_path / "shifted.sgy", volume)


def test_png_masks_named_by_inline(tmp_path, volume):
    folder = tmp_path / "masks"
    folder.mkdir()
    grey = np.full((12, 8), 128, np.uint8)  # rows = samples, columns = crosslines
    grey[:4] = 0
    grey[8:] = 255
    alpha = np.full_like(grey, 255)
    alpha[:, 0] = 0  # transparent: unknown
    Image.fromarray(np.stack([grey, alpha], -1), mode="LA").save(folder / "inline_101.png")
    labels = read_labels(folder, volume)
    assert (labels[[0, 2]] == 255).all()
    section = labels[1].T
    assert (section[:4, 1:] == 0).all() and (section[8:, 1:] == 1).all()
    assert (section[4:8] == 255).all() and (section[:, 0] == 255).all()
    Image.fromarray(grey).save(folder / "inline_999.png")
    with pytest.raises(DataError, match="the volume has no inline 999"):
        read_labels(folder, volume)
    (folder / "inline_999.png").unlink()
    Image.fromarray(grey[:, :5]).save(folder / "102.png")
    with pytest.raises(DataError, match="102.png is 5x12 pixels; inline 102 is 8 crosslines"):
        read_labels(folder, volume)


def test_several_volumes_need_both_classes_together_not_each():
    from seismic_salt.labels import check_picks

    only_rock = check_labels(np.zeros((1, 2, 2)), (1, 2, 2), both_classes=False)
    only_salt = check_labels(np.ones((1, 2, 2)), (1, 2, 2), both_classes=False)
    check_picks([only_rock, only_salt])  # a salt-free line beside one with salt is fine
    with pytest.raises(DataError, match="every picked pixel is not salt"):
        check_picks([only_rock, only_rock])
    with pytest.raises(DataError, match="pick no pixel"):
        check_picks([np.full((1, 2, 2), 255, np.uint8)])
