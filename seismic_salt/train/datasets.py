"""Labelled tiles in Kaggle's TGS layout, loaded into memory, and their folds.

A TGS directory holds ``train/images/<id>.png`` (101×101 greyscale, stored as RGB or L),
``train/masks/<id>.png`` (salt where the pixel is non-zero) and ``depths.csv``
(``id,z``). The 3,200 tiles fit in a few MB, so they are read once into arrays.

Amplitudes follow the model's input contract: ``(grey - 127.5) / 127.5`` in [-1, 1].

The project's **test split** (:func:`test_split_ids`) is 320 of the 3,200 TGS tiles,
written down once in ``tgs_test_ids.txt``: training leaves them out of every fold, so a
score on them (``seismic-salt evaluate --split test``) is one no choice was made on.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seismic_salt.errors import DataError, InputFileError
from seismic_salt.tiling import TILE

if TYPE_CHECKING:
    from seismic_salt.train.config import TrainConfig

TEST_SPLIT_FILE = Path(__file__).with_name("tgs_test_ids.txt")


def read_ids(path: str | Path) -> list[str]:
    """Return the tile ids of a text file: one per line, blank lines and ``#`` comments skipped.

    Raises:
        InputFileError: The file cannot be read.
    """
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputFileError(f"cannot read the tile ids in {path}: {err}") from err
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_split_ids() -> frozenset[str]:
    """Return the ids of the project's TGS test split (see ``tgs_test_ids.txt``)."""
    return frozenset(read_ids(TEST_SPLIT_FILE))


def in_test_split(ids: np.ndarray) -> np.ndarray:
    """Return a bool array: which of ``ids`` belong to the TGS test split."""
    test = test_split_ids()
    return np.array([str(i) in test for i in ids], dtype=bool)


@dataclass(frozen=True)
class TileSet:
    """Tiles held in memory.

    Attributes:
        ids: Tile ids (PNG stems), shape ``[N]``.
        amplitude: Normalised amplitudes in [-1, 1], float32 ``[N, 101, 101]``.
        mask: Salt masks (1 salt, 0 not), uint8 ``[N, 101, 101]``, or ``None`` when
            the directory has no masks.
        depth: Depth of each tile from ``depths.csv`` (feet, as Kaggle gives it), or NaN.
    """

    ids: np.ndarray
    amplitude: np.ndarray
    mask: np.ndarray | None
    depth: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, index: np.ndarray) -> TileSet:
        """Return the tiles at ``index`` (an integer array)."""
        return TileSet(
            ids=self.ids[index],
            amplitude=self.amplitude[index],
            mask=None if self.mask is None else self.mask[index],
            depth=self.depth[index],
        )

    def concat(self, other: TileSet) -> TileSet:
        """Return these tiles followed by ``other`` (both labelled, or both not)."""
        if (self.mask is None) != (other.mask is None):
            raise DataError("cannot join labelled and unlabelled tiles")
        return TileSet(
            ids=np.concatenate([self.ids, other.ids]),
            amplitude=np.concatenate([self.amplitude, other.amplitude]),
            mask=None if self.mask is None else np.concatenate([self.mask, other.mask]),
            depth=np.concatenate([self.depth, other.depth]),
        )


def grey_to_amplitude(grey: np.ndarray) -> np.ndarray:
    """Map 8-bit grey values to the model's amplitude range [-1, 1] (float32)."""
    return (grey.astype(np.float32) - 127.5) / 127.5


def read_png(path: Path) -> np.ndarray:
    """Read one PNG as a 2D array (the first channel of an RGB image)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            array = np.asarray(image)
    except (OSError, UnidentifiedImageError) as err:
        raise DataError(f"{path}: not a readable PNG ({err})") from err
    if array.ndim == 3:
        array = array[..., 0]
    return array


def read_depths(path: Path | None) -> dict[str, float]:
    """Read Kaggle's ``depths.csv`` (``id,z``) into a dict; empty when ``path`` is None.

    Raises:
        InputFileError: The file is missing.
        DataError: It is not a text CSV with columns ``id,z``, or a depth is not a number
            (the message gives the line).
    """
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"depths file not found: {path}")
    depths = {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"id", "z"} <= set(reader.fieldnames):
                raise DataError(f"{path}: expected a CSV with columns 'id,z'")
            for row in reader:
                depths[row["id"]] = _depth(row.get("z"), path, reader.line_num)
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path} is not a readable CSV text file: {err}") from err
    return depths


def _depth(text: str | None, path: Path, line: int) -> float:
    """One depth of ``depths.csv`` as a finite number.

    Raises:
        DataError: It is missing or not a finite number.
    """
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value):
        raise DataError(f"{path}, line {line}: depth z {text!r} is not a number")
    return value


def load_images(images_dir: Path, depths: dict[str, float] | None = None) -> TileSet:
    """Load every PNG of ``images_dir`` (no masks), sorted by id.

    Raises:
        InputFileError: The directory is missing or holds no PNG.
        DataError: A PNG is unreadable or not 101×101.
    """
    images_dir = Path(images_dir)
    if not images_dir.is_dir():
        raise InputFileError(f"image directory not found: {images_dir}")
    paths = sorted(images_dir.glob("*.png"))
    if not paths:
        raise InputFileError(f"no PNG tiles in {images_dir}")
    grey = np.stack([_checked_grey(_checked_tile(read_png(p), p), p) for p in paths])
    ids = np.array([p.stem for p in paths])
    depths = depths or {}
    depth = np.array([depths.get(i, np.nan) for i in ids], dtype=np.float32)
    return TileSet(ids=ids, amplitude=grey_to_amplitude(grey), mask=None, depth=depth)


def load_tgs(data_dir: Path) -> TileSet:
    """Load a Kaggle-layout TGS directory with masks (``train/images``, ``train/masks``).

    Args:
        data_dir: The directory holding ``train/`` and ``depths.csv``.

    Raises:
        InputFileError: The layout is not Kaggle's (the message says what is missing).
        DataError: A tile has no mask, or a PNG is unreadable or not 101×101.
    """
    data_dir = Path(data_dir)
    images_dir = data_dir / "train" / "images"
    masks_dir = data_dir / "train" / "masks"
    for needed in (images_dir, masks_dir):
        if not needed.is_dir():
            raise InputFileError(
                f"{data_dir} is not in Kaggle's TGS layout: {needed.relative_to(data_dir)}/ "
                "is missing (expected train/images, train/masks and depths.csv)"
            )
    depths_path = data_dir / "depths.csv"
    tiles = load_images(images_dir, read_depths(depths_path if depths_path.exists() else None))
    masks = []
    for tile_id in tiles.ids:
        mask_path = masks_dir / f"{tile_id}.png"
        if not mask_path.is_file():
            raise DataError(f"tile {tile_id} has no mask: {mask_path} is missing")
        masks.append(_checked_tile(read_png(mask_path), mask_path) > 0)
    return TileSet(tiles.ids, tiles.amplitude, np.stack(masks).astype(np.uint8), tiles.depth)


def _checked_tile(array: np.ndarray, path: Path) -> np.ndarray:
    if array.shape != (TILE, TILE):
        raise DataError(f"{path}: tile is {array.shape}, expected ({TILE}, {TILE})")
    return array


def _checked_grey(array: np.ndarray, path: Path) -> np.ndarray:
    """An image tile's grey values, refused outside the 8-bit range TGS tiles use.

    Raises:
        DataError: A value is outside 0..255 (a 16-bit or float image).
    """
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind not in "biu" or array.min() < 0 or array.max() > 255:
        raise DataError(
            f"{path}: grey values of type {array.dtype} reach {array.min()}..{array.max()}, "
            "but tiles are 8-bit (0..255); save the image as 8-bit greyscale"
        )
    return array.astype(np.uint8)


def coverage_class(mask: np.ndarray, n_classes: int = 11) -> np.ndarray:
    """Bin each mask's salt coverage into ``n_classes`` classes (0 = empty).

    Args:
        mask: ``[N, H, W]`` masks.
        n_classes: Number of classes: empty, then equal coverage bins up to 100 %.

    Returns:
        ``[N]`` int class per tile.
    """
    coverage = (mask.reshape(len(mask), -1) == 1).mean(axis=1)
    bins = np.ceil(coverage * (n_classes - 1)).astype(int)
    return np.clip(bins, 0, n_classes - 1)


def stratified_folds(mask: np.ndarray, n_folds: int = 5, seed: int = 0) -> np.ndarray:
    """Assign each tile to a fold, stratified by salt coverage, deterministic by seed.

    Within each coverage class the tiles are shuffled and dealt round-robin to the folds,
    so every fold sees the same mix of empty, small and large salt masks.

    Returns:
        ``[N]`` int fold index in ``[0, n_folds)``.
    """
    if n_folds < 2:
        raise DataError(f"folds must be at least 2, got {n_folds}")
    classes = coverage_class(mask)
    rng = np.random.default_rng(seed)
    fold = np.empty(len(mask), dtype=int)
    offset = 0
    for value in np.unique(classes):
        members = rng.permutation(np.flatnonzero(classes == value))
        fold[members] = (np.arange(len(members)) + offset) % n_folds
        offset += len(members)
    return fold


def fold_of_tiles(tiles: TileSet, folds: int, fold: int, seed: int) -> np.ndarray:
    """Return each tile's fold (:func:`stratified_folds`), after checking ``fold``.

    Raises:
        DataError: ``fold`` is not in ``0..folds - 1``.
    """
    if not 0 <= fold < folds:
        raise DataError(f"the validation fold must be in 0..{folds - 1}, got {fold}")
    return stratified_folds(tiles.mask, folds, seed)


def split_folds(tiles: TileSet, config: TrainConfig) -> tuple[TileSet, TileSet]:
    """Return ``(train, validation)`` tiles for the configured fold.

    The folds are dealt over all tiles, then the test split (with ``exclude_test``) and
    ``exclude_ids`` are taken out of each, so fold K holds the same other tiles as in
    runs made without them.

    Raises:
        DataError: The fold index is out of range, the tiles have no masks, or an id of
            ``exclude_ids`` is none of the tiles'.
    """
    if tiles.mask is None:
        raise DataError("training needs masks: the tiles have none")
    fold = fold_of_tiles(tiles, config.folds, config.fold, config.seed)
    usable = ~in_test_split(tiles.ids) if config.exclude_test else np.ones(len(tiles), bool)
    if config.exclude_ids:
        ids = {str(i) for i in tiles.ids}
        unknown = sorted(set(config.exclude_ids) - ids)
        if unknown:
            raise DataError(
                f"{len(unknown)} of the {len(set(config.exclude_ids))} tile ids to leave out "
                f"are not among the tiles (first: {unknown[0]!r})"
            )
        usable &= ~np.isin(tiles.ids.astype(str), list(config.exclude_ids))
    return tiles.subset(np.flatnonzero((fold != config.fold) & usable)), tiles.subset(
        np.flatnonzero((fold == config.fold) & usable)
    )
