"""Which labelled inlines fine-tuning holds back by default."""

from __future__ import annotations

import numpy as np
import pytest

from seismic_salt.errors import DataError
from seismic_salt.labels import UNKNOWN
from seismic_salt.train.adapt import FinetuneSettings, _Prepared, _Scorer
from seismic_salt.train.finetune import _validation_positions


def _labels(salted: list[int], rock: list[int], n: int = 8) -> np.ndarray:
    labels = np.full((n, 4, 6), UNKNOWN, np.uint8)
    for inline in rock:
        labels[inline] = 0
    for inline in salted:
        labels[inline] = 0
        labels[inline, :, 3:] = 1
    return labels


def test_held_back_inlines_pick_salt_and_one_salted_inline_is_left_to_learn_from():
    labels = _labels(salted=[2, 6], rock=[0, 1, 3, 4, 5, 7])
    held = _validation_positions(labels, np.arange(8), None, FinetuneSettings())
    assert held.tolist() in ([2], [6])


def test_without_two_salted_inlines_any_labelled_inline_may_be_held_back():
    labels = _labels(salted=[2], rock=[0, 5])
    held = _validation_positions(labels, np.arange(8), None, FinetuneSettings())
    assert len(held) == 1 and held[0] in (0, 2, 5)


def test_held_back_picks_without_salt_are_refused_with_a_reason():
    labels = _labels(salted=[], rock=[1])
    volume = _Prepared(np.zeros(labels.shape, np.float32), labels, None, "v")
    with pytest.raises(DataError, match="pick no salt"):
        _Scorer([volume], FinetuneSettings(), "cpu", "fp32")
