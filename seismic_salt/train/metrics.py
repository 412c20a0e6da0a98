"""The TGS Salt Identification Challenge score, per-image IoU and Kaggle run-length encoding.

Kaggle score: for each image, the fraction of the IoU thresholds
``t ∈ {0.50, 0.55, …, 0.95}`` with ``IoU > t`` (strictly greater, as the competition's
evaluation page states: "a hit if its IoU ... is greater than 0.5"), averaged over images.
An image whose truth and prediction are both empty scores 1; an empty truth with any
predicted salt scores 0 (and so does salt predicted as empty). The comparison is done in
integers (``20·|A∩B| > k·|A∪B|`` for ``t = k/20``), so an IoU of exactly 0.75 misses at
0.75 and hits at 0.70 with no floating-point doubt.

Masks are arrays of any dtype where non-zero means salt: ``[H, W]`` for one image or
``[N, H, W]`` for many.
"""

from __future__ import annotations

import numpy as np

from seismic_salt.errors import DataError

__all__ = [
    "IOU_THRESHOLDS",
    "iou_per_image",
    "kaggle_score",
    "kaggle_score_from_counts",
    "kaggle_score_per_image",
    "rle_decode",
    "rle_encode",
]

_K = np.arange(10, 20)  # thresholds k / 20
IOU_THRESHOLDS = _K / 20.0


def _pair(pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, true = np.asarray(pred), np.asarray(true)
    if pred.shape != true.shape:
        raise DataError(f"predicted masks {pred.shape} and true masks {true.shape} differ in shape")
    if pred.ndim == 2:
        pred, true = pred[None], true[None]
    if pred.ndim != 3:
        raise DataError(f"masks have shape {pred.shape}; expected [H, W] or [N, H, W]")
    n = pred.shape[0]
    p, t = pred.reshape(n, -1) != 0, true.reshape(n, -1) != 0
    inter = np.count_nonzero(p & t, axis=1)
    union = np.count_nonzero(p | t, axis=1)
    return inter, union


def iou_per_image(pred_masks: np.ndarray, true_masks: np.ndarray) -> np.ndarray:
    """Return the IoU of each image (1.0 where both masks are empty), float64 ``[N]``."""
    inter, union = _pair(pred_masks, true_masks)
    out = np.ones(inter.shape, dtype=np.float64)
    nz = union > 0
    out[nz] = inter[nz] / union[nz]
    return out


def kaggle_score_per_image(pred_masks: np.ndarray, true_masks: np.ndarray) -> np.ndarray:
    """Return each image's mean over IoU thresholds of ``IoU > t`` (float64 ``[N]``)."""
    return kaggle_score_from_counts(*_pair(pred_masks, true_masks))


def kaggle_score_from_counts(inter: np.ndarray, union: np.ndarray) -> np.ndarray:
    """Each image's Kaggle score from its salt-pixel intersection and union counts ``[N]``."""
    inter, union = np.asarray(inter), np.asarray(union)
    hits = 20 * inter[:, None] > _K[None, :] * union[:, None]
    score = hits.mean(axis=1)
    score[union == 0] = 1.0
    return score


def kaggle_score(pred_masks: np.ndarray, true_masks: np.ndarray) -> float:
    """TGS competition score: mean over images of the mean over thresholds of IoU > t.

    Args:
        pred_masks: ``[N, H, W]`` (or ``[H, W]``) predicted masks, non-zero = salt.
        true_masks: Same shape, the truth.

    Returns:
        The score in [0, 1].

    Raises:
        DataError: The shapes differ or are not 2-D/3-D.

    Example:
        >>> empty = np.zeros((1, 4, 4), bool)
        >>> kaggle_score(empty, empty)
        1.0
    """
    return float(kaggle_score_per_image(pred_masks, true_masks).mean())


def rle_encode(mask: np.ndarray) -> str:
    """Encode a 2-D mask in Kaggle's run-length format.

    Pixels are numbered from 1 down the columns (column-major: top to bottom, then left
    to right); the result is ``"start length start length ..."``, empty for an empty mask.

    Raises:
        DataError: ``mask`` is not 2-D.

    Example:
        >>> rle_encode(np.array([[1, 0], [1, 1]]))
        '1 2 4 1'
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise DataError(f"RLE needs a 2-D mask, got shape {mask.shape}")
    pixels = np.concatenate([[False], mask.flatten(order="F") != 0, [False]])
    edges = np.flatnonzero(pixels[1:] != pixels[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    runs = np.stack([starts, ends - starts], axis=1).ravel()
    return " ".join(map(str, runs.tolist()))


def rle_decode(rle: str, shape: tuple[int, int]) -> np.ndarray:
    """Decode a Kaggle run-length string to a boolean mask of ``shape`` ``(H, W)``.

    Raises:
        DataError: The string is malformed or runs past the image.

    Example:
        >>> rle_decode("1 2 4 1", (2, 2)).astype(int).tolist()
        [[1, 0], [1, 1]]
    """
    h, w = shape
    size = h * w
    text = (rle or "").strip()
    if not text:
        return np.zeros((h, w), dtype=bool)
    try:
        values = np.array(text.split(), dtype=np.int64)
    except ValueError as err:
        raise DataError(f"RLE {text[:40]!r} holds something other than integers") from err
    if values.size % 2:
        raise DataError(
            f"RLE has an odd number of values ({values.size}); expected start/length pairs"
        )
    starts, lengths = values[0::2] - 1, values[1::2]
    if (starts < 0).any() or (lengths <= 0).any() or (starts + lengths > size).any():
        raise DataError(f"RLE runs fall outside a {h}×{w} image (1-indexed starts, lengths > 0)")
    delta = np.zeros(size + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, starts + lengths, -1)
    flat = np.cumsum(delta[:-1]) > 0
    return flat.reshape((h, w), order="F")
