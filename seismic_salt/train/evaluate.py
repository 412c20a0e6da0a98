"""Scoring a model on labelled tiles and writing Kaggle submissions.

Both use the model's own post-processing from its JSON config (probability threshold and
the minimum salt area below which a tile is called empty), chosen on its validation fold
during training.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import DataError
from seismic_salt.train.datasets import TileSet, load_images, load_tgs, read_depths


def _postprocessing(model: Any) -> tuple[float, int]:
    from seismic_salt.model.config import ModelConfig

    output = ModelConfig.of(model).output
    return output.threshold, output.min_salt_pixels


def predict_masks(
    model: Any,
    tiles: TileSet,
    *,
    tta: bool = True,
    device: str = "cpu",
    batch_size: int = 32,
) -> np.ndarray:
    """Predict boolean salt masks ``[N, 101, 101]`` with the model's post-processing."""
    from seismic_salt.model.predict import predict_tiles
    from seismic_salt.train.scoring import postprocess

    probability = predict_tiles(
        model, tiles.amplitude, batch_size=batch_size, device=device, tta=tta
    )
    return postprocess(probability, *_postprocessing(model))


SPLITS = ("all", "fold", "test")


def select_tiles(
    tiles: TileSet,
    split: str = "all",
    *,
    folds: int | None = None,
    fold: int | None = None,
    seed: int = 0,
) -> TileSet:
    """Return the tiles of a split: every tile, a training fold, or the test split.

    ``"fold"`` deals the folds as ``train`` does and leaves the test split out of them,
    so it is exactly a run's validation fold.

    Raises:
        DataError: An unknown split, a fold split without both ``folds`` and ``fold``,
            or a split that holds no tile.
    """
    from seismic_salt.train.datasets import fold_of_tiles, in_test_split

    if split not in SPLITS:
        raise DataError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    if split == "fold" and (folds is None or fold is None):
        raise DataError("scoring one fold needs both the number of folds and the fold")
    if split == "test":
        keep = in_test_split(tiles.ids)
    elif split == "fold":
        assert folds is not None and fold is not None
        keep = (fold_of_tiles(tiles, folds, fold, seed) == fold) & ~in_test_split(tiles.ids)
    else:
        keep = np.ones(len(tiles), dtype=bool)
    if not keep.any():
        raise DataError(f"no tile of the data is in the {split} split")
    return tiles.subset(np.flatnonzero(keep))


def evaluate(
    data_dir: Path,
    model: str | Path = "default",
    *,
    split: str | None = None,
    folds: int | None = None,
    fold: int | None = None,
    seed: int = 0,
    tta: bool = True,
    device: str = "cpu",
) -> dict[str, Any]:
    """Score a model on a Kaggle-layout directory, on one fold of it, or its test split.

    Args:
        data_dir: Directory with ``train/images`` and ``train/masks``.
        model: Bundled name or checkpoint path.
        split: ``"all"``, ``"fold"`` or ``"test"`` (see :func:`select_tiles`); default
            ``"fold"`` when ``folds`` and ``fold`` are given, else ``"all"``.
        folds: Split into this many coverage-stratified folds (as ``train`` does) ...
        fold: ... and score only this one (the test split left out).
        seed: The fold seed used in training.
        tta: Average with horizontally flipped predictions.
        device: Torch device.

    Returns:
        ``score`` (Kaggle), ``iou`` (mean on tiles with salt), ``empty_accuracy``,
        ``n_tiles``, ``threshold`` and ``min_salt_pixels`` used, and ``split``.
    """
    from seismic_salt.model.checkpoint import load_model
    from seismic_salt.train.scoring import score_masks

    if split is None:
        split = "fold" if folds is not None or fold is not None else "all"
    loaded = load_model(model, device=device)
    tiles = select_tiles(load_tgs(Path(data_dir)), split, folds=folds, fold=fold, seed=seed)
    masks = predict_masks(loaded, tiles, tta=tta, device=device)
    threshold, min_pixels = _postprocessing(loaded)
    return dict(
        score_masks(masks, tiles.mask),
        n_tiles=len(tiles),
        split=split,
        threshold=threshold,
        min_salt_pixels=min_pixels,
    )


def write_submission(
    images_dir: Path,
    output: Path,
    model: str | Path = "default",
    *,
    depths: Path | None = None,
    tta: bool = True,
    device: str = "cpu",
    overwrite: bool = False,
) -> int:
    """Write a Kaggle submission CSV (``id,rle_mask``, one row per PNG).

    ``depths`` is checked (Kaggle ships it beside the images) but does not enter the
    model: its depth channels are a ramp within each tile (see docs/model.md).

    Args:
        images_dir: The PNG tiles.
        output: The CSV to write (atomically; never an input).
        model: Bundled name or checkpoint path.
        depths: Kaggle's ``depths.csv``, checked when given.
        tta: Average with horizontally flipped predictions.
        device: Torch device.
        overwrite: Replace an existing ``output``.

    Returns:
        The number of rows written.

    Raises:
        OutputError: ``output`` is an input or a directory, exists without
            ``overwrite``, or cannot be written.
        DataError, InputFileError: The tiles or ``depths`` are unreadable.
        CheckpointError: The model cannot be loaded.
    """
    from seismic_salt.model.checkpoint import load_model
    from seismic_salt.outputs import atomic_file, check_output
    from seismic_salt.train.metrics import rle_encode

    reads = {"images": images_dir, "depths": depths}
    output = check_output(output, reads, overwrite=overwrite)
    read_depths(depths)
    loaded = load_model(model, device=device)
    tiles = load_images(Path(images_dir))
    masks = predict_masks(loaded, tiles, tta=tta, device=device)
    with atomic_file(output) as tmp, tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "rle_mask"])
        for tile_id, mask in zip(tiles.ids, masks, strict=True):
            writer.writerow([tile_id, rle_encode(mask)])
    return len(tiles)
