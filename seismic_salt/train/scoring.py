"""Post-processing and scoring of predicted tiles, without torch.

A tile's probabilities become a mask by a threshold, and a mask with fewer than
``min_salt_pixels`` salt pixels is emptied (:func:`postprocess`); masks are scored with
Kaggle's TGS metric, the mean IoU on tiles with salt and the accuracy of "no salt"
(:func:`score_masks`). :func:`best_postprocessing` chooses the threshold and minimum
area that score best on a validation fold. Pixels whose truth is unknown (255) are left
out of every count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from seismic_salt.labels import UNKNOWN
from seismic_salt.train.datasets import TileSet
from seismic_salt.train.metrics import kaggle_score_from_counts

if TYPE_CHECKING:
    import torch

__all__ = [
    "MIN_SALT_PIXELS",
    "THRESHOLDS",
    "best_postprocessing",
    "postprocess",
    "score_masks",
    "validate",
]

THRESHOLDS = tuple(np.round(np.arange(0.30, 0.71, 0.05), 2))
"""Probability thresholds :func:`best_postprocessing` tries."""

MIN_SALT_PIXELS = (0, 10, 20, 40, 80, 120, 160, 200, 300, 400)
"""Minimum salt areas (pixels) :func:`best_postprocessing` tries."""


def best_postprocessing(probability: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    """Search thresholds and minimum salt areas for the best Kaggle score on ``truth``.

    The same choice as scoring ``postprocess(probability, threshold, min_pixels)`` for
    every pair, but from per-image pixel counts: one pass over the pixels per threshold.
    Pixels whose truth is unknown (255) are left out of every count.
    """
    n = len(truth)
    truth_flat, known = _truth_and_known(truth)
    truth_count = np.count_nonzero(truth_flat, axis=1)
    flat = probability.reshape(n, -1)
    best: dict[str, Any] | None = None
    for threshold in THRESHOLDS:
        predicted = (flat > threshold) & known
        predicted_count = np.count_nonzero(predicted, axis=1)
        inter = np.count_nonzero(predicted & truth_flat, axis=1)
        for min_pixels in MIN_SALT_PIXELS:
            kept = predicted_count >= max(min_pixels, 1)
            scores = _scores_from_counts(
                np.where(kept, inter, 0), np.where(kept, predicted_count, 0), truth_count
            )
            if best is None or scores["score"] > best["score"] + 1e-12:
                best = dict(scores, threshold=float(threshold), min_salt_pixels=min_pixels)
    assert best is not None
    return best


def postprocess(probability: np.ndarray, threshold: float, min_salt_pixels: int) -> np.ndarray:
    """Threshold probabilities and empty every mask with fewer than ``min_salt_pixels``."""
    masks = probability > threshold
    small = masks.reshape(len(masks), -1).sum(axis=1) < max(min_salt_pixels, 1)
    masks[small] = False
    return masks


def score_masks(prediction: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Kaggle score, mean IoU on non-empty truths, and empty-vs-salt accuracy.

    ``truth`` is 0/1 with 255 where the label is unknown; those pixels are left out.
    """
    n = len(truth)
    true, known = _truth_and_known(truth)
    predicted = (prediction.reshape(n, -1) != 0) & known
    return _scores_from_counts(
        np.count_nonzero(predicted & true, axis=1),
        np.count_nonzero(predicted, axis=1),
        np.count_nonzero(true, axis=1),
    )


def _truth_and_known(truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(salt, known)`` rows ``[N, pixels]`` of masks holding 0, 1 or 255."""
    flat = truth.reshape(len(truth), -1)
    known = flat != UNKNOWN
    return (flat != 0) & known, known


def _scores_from_counts(
    inter: np.ndarray, predicted_count: np.ndarray, truth_count: np.ndarray
) -> dict[str, float]:
    """:func:`score_masks` from per-image pixel counts (intersection, prediction, truth)."""
    union = predicted_count + truth_count - inter
    salt = truth_count > 0
    iou = inter[salt] / union[salt]
    return {
        "score": float(kaggle_score_from_counts(inter, union).mean()),
        "iou": float(iou.mean()) if salt.any() else float("nan"),
        "empty_accuracy": float(((predicted_count == 0) == ~salt).mean()),
    }


def validate(
    model: torch.nn.Module,
    tiles: TileSet,
    *,
    device: torch.device | str = "cpu",
    precision: str = "fp32",
    tta: bool = False,
) -> dict[str, Any]:
    """Score ``model`` on labelled tiles, choosing the best threshold and minimum salt area.

    Returns:
        ``score`` (Kaggle mean precision over IoU thresholds), ``threshold``,
        ``min_salt_pixels``, ``iou`` (mean IoU of non-empty truths) and
        ``empty_accuracy`` (how often "no salt" is decided right), all at the best setting.
    """
    from seismic_salt.model.predict import predict_tiles

    probability = predict_tiles(
        model, tiles.amplitude, batch_size=64, device=str(device), precision=precision, tta=tta
    )
    return best_postprocessing(probability, tiles.mask)
