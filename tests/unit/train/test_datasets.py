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


def test_the_test_split_is_written_down_and_stratified():
    from seismic_salt.train.datasets import in_test_split, test_split_ids

    ids = test_split_ids()
    assert len(ids) == 320 and all(len(i) == 10 for i in ids)
    assert in_test_split(np.array(sorted(ids)[:3] + ["t0"])).tolist() == [True] * 3 + [False]


def test_the_test_split_is_fold_0_of_ten_seed_2026_on_the_tgs_tiles():
    from shared_data import shared_path

    from seismic_salt.train.datasets import test_split_ids

    tiles = load_tgs(shared_path("tgs-salt"))
    fold = stratified_folds(tiles.mask, 10, seed=2026)
    assert set(tiles.ids[fold == 0]) == test_split_ids()
    classes = coverage_class(tiles.mask)
    share = np.bincount(classes[fold == 0], minlength=11) / np.bincount(classes, minlength=11)
    assert np.allclose(share, 0.1, atol=0.02)


def test_training_and_validation_never_see_the_test_split(tmp_path):
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.datasets import TileSet, split_folds, test_split_ids
    from seismic_salt.train.evaluate import select_tiles

    test_ids = sorted(test_split_ids())[:5]
    ids = np.array(test_ids + [f"own{i}" for i in range(15)])
    mask = np.zeros((20, 101, 101), np.uint8)
    mask[::2, :50] = 1
    tiles = TileSet(ids, np.zeros((20, 101, 101), np.float32), mask, np.zeros(20))
    train, valid = split_folds(tiles, TrainConfig(folds=4, fold=1))
    assert not set(test_ids) & (set(train.ids) | set(valid.ids))
    assert len(train) + len(valid) == 15
    everything = split_folds(tiles, TrainConfig(folds=4, fold=1, exclude_test=False))
    assert sum(len(part) for part in everything) == 20
    # the folds are dealt before the test split is taken out: fold K keeps its tiles
    assert set(valid.ids) == set(everything[1].ids) - set(test_ids)
    assert set(select_tiles(tiles, "fold", folds=4, fold=1).ids) == set(valid.ids)
    assert list(select_tiles(tiles, "test").ids) == test_ids
    with pytest.raises(DataError, match="no tile of the data is in the test split"):
        select_tiles(tiles.subset(np.arange(5, 20)), "test")


def test_runs_saved_before_the_test_split_resume_without_it():
    from seismic_salt.train.config import TrainConfig

    saved = TrainConfig().to_json()
    del saved["exclude_test"]
    assert TrainConfig.from_json(saved).exclude_test is False


def test_excluded_ids_are_left_out_of_training_and_validation(tmp_path):
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.datasets import TileSet, read_ids, split_folds

    ids = np.array([f"t{i:02d}" for i in range(20)])
    mask = np.zeros((20, 101, 101), np.uint8)
    mask[::2, :50] = 1
    tiles = TileSet(ids, np.zeros((20, 101, 101), np.float32), mask, np.zeros(20))
    listed = tmp_path / "ids.txt"
    listed.write_text("# tiles of the sections\nt03\n\n  t11  \nt16\n")
    excluded = read_ids(listed)
    assert excluded == ["t03", "t11", "t16"]
    config = TrainConfig(folds=4, fold=1, exclude_test=False, exclude_ids=excluded)
    train, valid = split_folds(tiles, config)
    assert not set(excluded) & (set(train.ids) | set(valid.ids))
    assert len(train) + len(valid) == 17
    everything = split_folds(tiles, TrainConfig(folds=4, fold=1, exclude_test=False))
    assert set(valid.ids) == set(everything[1].ids) - set(excluded)  # folds kept
    assert TrainConfig.from_json(config.to_json()).exclude_ids == excluded
    with pytest.raises(DataError, match="1 of the 2 tile ids to leave out.*'nope'"):
        split_folds(tiles, TrainConfig(folds=4, fold=1, exclude_ids=["t01", "nope"]))
