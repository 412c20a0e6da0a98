import numpy as np
import pytest
from PIL import Image
from tgs_factory import write_tgs

from seismic_salt.errors import DataError, InputFileError
from seismic_salt.train.datasets import (
    coverage_class,
    grey_to_amplitude,
    load_images,
    load_tgs,
    stratified_folds,
)


def test_load_tgs_reads_images_masks_and_depths(tmp_path):
    tiles = load_tgs(write_tgs(tmp_path))
    assert tiles.amplitude.shape == (6, 101, 101) and tiles.amplitude.dtype == np.float32
    assert tiles.amplitude.min() >= -1 and tiles.amplitude.max() <= 1
    assert list(tiles.ids) == [f"t{i}" for i in range(6)]
    assert [int(m.sum()) for m in tiles.mask] == [10 * i * 101 for i in range(6)]
    assert tiles.depth.tolist() == [0, 100, 200, 300, 400, 500]


def test_grey_mapping_matches_the_sections_convention():
    assert grey_to_amplitude(np.array([0, 255])).tolist() == [-1.0, 1.0]


def test_missing_layout_names_what_is_missing(tmp_path):
    with pytest.raises(InputFileError, match="train/images"):
        load_tgs(tmp_path)


def test_mask_missing_is_reported(tmp_path):
    root = write_tgs(tmp_path)
    (root / "train" / "masks" / "t3.png").unlink()
    with pytest.raises(DataError, match="t3"):
        load_tgs(root)


def test_wrong_tile_size_is_refused(tmp_path):
    (tmp_path / "img").mkdir()
    Image.fromarray(np.zeros((50, 60), np.uint8)).save(tmp_path / "img" / "a.png")
    with pytest.raises(DataError, match="expected \\(101, 101\\)"):
        load_images(tmp_path / "img")


def test_folds_are_stratified_and_deterministic():
    rng = np.random.default_rng(1)
    coverage = np.concatenate([np.zeros(400), rng.uniform(0, 1, 600)])
    mask = np.zeros((1000, 10, 10), np.uint8)
    for i, c in enumerate(coverage):
        mask[i].flat[: int(round(c * 100))] = 1
    folds = stratified_folds(mask, 5, seed=3)
    assert np.array_equal(folds, stratified_folds(mask, 5, seed=3))
    assert not np.array_equal(folds, stratified_folds(mask, 5, seed=4))
    classes = coverage_class(mask)
    for value in np.unique(classes):
        counts = np.bincount(folds[classes == value], minlength=5)
        assert counts.max() - counts.min() <= 1
