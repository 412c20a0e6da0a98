"""A user's salt picks on a volume: read them in any usual form, check them, one cube out.

Interpreters pick salt on a handful of inlines in their own software and export the
picks as they can. Every reader here returns the same thing: a uint8 cube of the
volume's shape ``[inline, crossline, sample]`` holding 1 (salt), 0 (not salt) or
:data:`UNKNOWN` (255, not picked). Accepted forms (:func:`read_labels`):

- a SEG-Y on the volume's geometry (same inline, crossline and sample axes): 1 salt,
  0 not salt; unknown where the value is NaN, 255 or the ``unknown`` value given, and
  where the labels file has no trace;
- a ``.npy`` file or a zarr store of the volume's shape, the same values (a zarr group
  must hold one array of that shape, or one named ``labels`` or ``salt``);
- a folder of PNG masks, one per picked inline, named by its inline number
  (``1200.png``, ``inline_1200.png``): rows = samples (depth down), columns =
  crosslines; white salt, black not salt, grey or transparent unknown.

Example:
    >>> import numpy as np
    >>> raw = np.array([[[0, 1, 255]]], dtype=np.uint8)
    >>> check_labels(raw, raw.shape).tolist()
    [[[0, 1, 255]]]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import DataError, InputFileError

__all__ = ["UNKNOWN", "check_labels", "check_picks", "labelled_sections", "read_labels"]

UNKNOWN = 255
"""Label of a pixel nobody picked."""

# grey levels of PNG masks: at or above SALT_GREY salt, at or below NOT_SALT_GREY not salt
SALT_GREY, NOT_SALT_GREY = 192, 63


def read_labels(path: str | Path, volume: Any, unknown: float | None = None) -> np.ndarray:
    """Read a user's labels for ``volume`` (a dataset or ``amplitude`` DataArray).

    Args:
        path: SEG-Y file, ``.npy`` file, zarr store or folder of PNG masks.
        volume: The volume the labels belong to (``open_segy``'s dataset or its
            ``amplitude``): its dims, coordinates and shape are checked.
        unknown: One more value meaning "not picked" (NaN and 255 always do).

    Returns:
        uint8 ``[inline, crossline, sample]``: 1, 0 or :data:`UNKNOWN`.

    Raises:
        InputFileError: The path does not exist.
        DataError: The labels are on another geometry, hold a value that is none of
            salt, not salt or unknown, or pick nothing (see :func:`check_labels`).
    """
    path = Path(path)
    amplitude = getattr(volume, "amplitude", volume)
    if not path.exists():
        raise InputFileError(f"labels {path} do not exist")
    if path.is_dir() and not (path / "zarr.json").is_file() and not (path / ".zgroup").exists():
        raw = _read_png_folder(path, amplitude)
    elif path.suffix == ".npy":
        raw = np.load(path, allow_pickle=False)
    elif path.is_dir():
        raw = _read_zarr(path, tuple(amplitude.shape))
    else:
        raw = _read_segy(path, amplitude)
    return check_labels(raw, tuple(amplitude.shape), unknown)


def check_labels(
    raw: np.ndarray,
    shape: tuple[int, ...],
    unknown: float | None = None,
    *,
    both_classes: bool = True,
) -> np.ndarray:
    """Map raw label values to 1 / 0 / :data:`UNKNOWN` and check them against ``shape``.

    Args:
        raw: Label values as read (any numeric dtype).
        shape: The volume's shape ``[inline, crossline, sample]``.
        unknown: One more value that means "not picked", besides NaN and 255.
        both_classes: Also require picks of salt and of not-salt (:func:`check_picks`);
            off for one of several volumes checked together.

    Raises:
        DataError: Another shape, a value that is none of 1, 0, NaN, 255 or ``unknown``,
            or (with ``both_classes``) no picked pixel or picks of one class only.
    """
    raw = np.asarray(raw)
    if raw.shape != tuple(shape):
        raise DataError(
            f"labels of shape {raw.shape} are not on the volume's geometry {tuple(shape)} "
            "[inline, crossline, sample]"
        )
    if not np.issubdtype(raw.dtype, np.number) and raw.dtype != bool:
        raise DataError(f"labels must be numbers, got dtype {raw.dtype}")
    values = raw.astype(np.float64)
    missing = np.isnan(values) | (values == UNKNOWN)
    if unknown is not None:
        missing |= values == unknown
    odd = ~missing & (values != 0) & (values != 1)
    if odd.any():
        extra = f", {unknown:g}" if unknown is not None else ""
        raise DataError(
            f"label value {values[odd][0]:g} is none of salt (1), not salt (0) or unknown "
            f"(NaN, 255{extra}); give the value that means 'not picked' as unknown"
        )
    labels = np.where(missing, UNKNOWN, values).astype(np.uint8)
    if both_classes:
        check_picks([labels])
    return labels


def check_picks(labels: Sequence[np.ndarray]) -> None:
    """Check that labels (of one volume or several together) pick salt and not-salt pixels.

    Raises:
        DataError: No picked pixel, or picks of one class only.
    """
    salt = sum(int((volume == 1).sum()) for volume in labels)
    not_salt = sum(int((volume == 0).sum()) for volume in labels)
    if salt + not_salt == 0:
        raise DataError("the labels pick no pixel: every value means unknown")
    if not (salt and not_salt):
        kind = "salt" if salt else "not salt"
        raise DataError(
            f"every picked pixel is {kind}: pick both salt and not-salt pixels so the model "
            "learns where the boundary is"
        )


def labelled_sections(labels: np.ndarray) -> np.ndarray:
    """Return the positions of the inlines that hold at least one picked pixel."""
    return np.flatnonzero((labels != UNKNOWN).any(axis=(1, 2)))


def _read_segy(path: Path, amplitude: Any) -> np.ndarray:
    from seismic_salt.io.segy import open_segy

    cube = open_segy(path).amplitude
    for dim in amplitude.dims:
        ours, theirs = amplitude[dim].values, cube[dim].values
        if ours.shape != theirs.shape or not np.array_equal(ours, theirs):
            raise DataError(
                f"labels {path.name} are on another geometry: their {dim} axis "
                f"({_axis(theirs)}) differs from the volume's ({_axis(ours)})"
            )
    return cube.values


def _axis(values: np.ndarray) -> str:
    return f"{len(values)} values, {values[0]:g}..{values[-1]:g}" if len(values) else "empty"


def _read_zarr(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    import zarr

    try:
        node = zarr.open(str(path), mode="r")
    except Exception as err:  # zarr raises several types for a folder that is no store
        raise DataError(f"labels {path} are not a readable zarr store: {err}") from err
    if isinstance(node, zarr.Array):
        return np.asarray(node[...])
    arrays = {name: array for name, array in node.arrays() if tuple(array.shape) == shape}
    named = [name for name in ("labels", "salt") if name in arrays]
    if named:
        return np.asarray(arrays[named[0]][...])
    if len(arrays) == 1:
        return np.asarray(next(iter(arrays.values()))[...])
    raise DataError(
        f"labels store {path} holds {len(arrays)} arrays of the volume's shape {shape}: "
        "name the one with the picks 'labels'"
    )


def _read_png_folder(folder: Path, amplitude: Any) -> np.ndarray:
    """PNG masks named by inline number; inlines without a mask are unknown."""
    from PIL import Image

    inlines = [int(v) for v in amplitude["inline"].values]
    rows, cols = amplitude.sizes["sample"], amplitude.sizes["crossline"]
    labels = np.full(tuple(amplitude.shape), UNKNOWN, dtype=np.uint8)
    found = 0
    for path in sorted(folder.glob("*.png")):
        number = re.search(r"(-?\d+)(?!.*\d)", path.stem)
        if number is None:
            continue
        inline = int(number.group(1))
        if inline not in inlines:
            raise DataError(f"{path.name}: the volume has no inline {inline}")
        with Image.open(path) as image:
            rgba = np.asarray(image.convert("LA"))
        if rgba.shape[:2] != (rows, cols):
            raise DataError(
                f"{path.name} is {rgba.shape[1]}x{rgba.shape[0]} pixels; inline {inline} is "
                f"{cols} crosslines wide and {rows} samples deep"
            )
        grey, alpha = rgba[..., 0], rgba[..., 1]
        section = np.full((rows, cols), UNKNOWN, dtype=np.uint8)
        section[grey >= SALT_GREY] = 1
        section[grey <= NOT_SALT_GREY] = 0
        section[alpha < 128] = UNKNOWN
        labels[inlines.index(inline)] = section.T
        found += 1
    if not found:
        raise InputFileError(f"no PNG mask named by an inline number in {folder}")
    return labels
