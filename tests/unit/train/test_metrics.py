"""Kaggle TGS score, IoU and RLE on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from seismic_salt.errors import DataError
from seismic_salt.train.metrics import (
    IOU_THRESHOLDS,
    iou_per_image,
    kaggle_score,
    kaggle_score_per_image,
    rle_decode,
    rle_encode,
)


def masks_with_iou(inter: int, union: int, size: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """A prediction and a truth on one row whose IoU is inter / union."""
    true = np.zeros((size, size), bool)
    pred = np.zeros((size, size), bool)
    true.flat[:union] = True
    pred.flat[union - inter : union] = True  # pred ⊂ true: |pred ∩ true| = inter
    return pred, true


def test_thresholds() -> None:
    assert np.allclose(IOU_THRESHOLDS, np.arange(0.5, 0.951, 0.05))


def test_empty_cases() -> None:
    empty = np.zeros((5, 5), bool)
    some = empty.copy()
    some[2, 2] = True
    assert kaggle_score(empty, empty) == 1.0
    assert kaggle_score(some, empty) == 0.0  # empty truth, predicted salt
    assert kaggle_score(empty, some) == 0.0  # salt missed
    assert kaggle_score(some, some) == 1.0
    assert iou_per_image(empty, empty).tolist() == [1.0]


def test_iou_exactly_at_a_threshold_is_not_a_hit() -> None:
    pred, true = masks_with_iou(15, 20)  # IoU = 0.75
    assert iou_per_image(pred, true)[0] == 0.75
    # hits at 0.50 .. 0.70 (5 of 10); 0.75 is not > 0.75
    assert kaggle_score(pred, true) == 0.5
    pred, true = masks_with_iou(11, 20)  # IoU = 0.55 -> only 0.50 hits
    assert kaggle_score(pred, true) == pytest.approx(0.1)
    pred, true = masks_with_iou(10, 20)  # IoU = 0.5 -> no hit
    assert kaggle_score(pred, true) == 0.0


def test_batch_mean_and_reference() -> None:
    rng = np.random.default_rng(0)
    pred = rng.random((20, 8, 8)) > 0.4
    true = rng.random((20, 8, 8)) > 0.5
    pred[0] = true[0] = False
    reference = []
    for p, t in zip(pred, true, strict=True):
        union = np.logical_or(p, t).sum()
        if union == 0:
            reference.append(1.0)
            continue
        iou = np.logical_and(p, t).sum() / union
        reference.append(np.mean([iou > t for t in np.arange(0.5, 1.0, 0.05)]))
    assert np.allclose(kaggle_score_per_image(pred, true), reference)
    assert kaggle_score(pred, true) == pytest.approx(np.mean(reference))


def test_shape_errors() -> None:
    with pytest.raises(DataError):
        kaggle_score(np.zeros((2, 3, 3)), np.zeros((2, 3, 4)))
    with pytest.raises(DataError):
        kaggle_score(np.zeros(3), np.zeros(3))


def test_rle_hand_made() -> None:
    mask = np.array([[1, 0, 0], [1, 0, 1], [0, 1, 1]])
    # column-major pixel numbers: col0 = 1,2,3; col1 = 4,5,6; col2 = 7,8,9
    assert rle_encode(mask) == "1 2 6 1 8 2"
    assert rle_encode(np.zeros((3, 3))) == ""
    assert rle_encode(np.ones((2, 2))) == "1 4"
    assert np.array_equal(rle_decode("1 2 6 1 8 2", (3, 3)), mask.astype(bool))
    assert not rle_decode("", (3, 3)).any()


def test_rle_round_trip_random() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        mask = rng.random((101, 101)) > rng.random()
        assert np.array_equal(rle_decode(rle_encode(mask), mask.shape), mask)


@pytest.mark.parametrize("bad", ["1", "0 3", "1 0", "9 2", "a b"])
def test_rle_decode_refuses_malformed(bad: str) -> None:
    with pytest.raises(DataError):
        rle_decode(bad, (3, 3))
