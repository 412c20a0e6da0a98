"""Adapt a model to a user's survey from a few labelled sections.

A model trained on TGS tiles meets a survey with another wavelet, gain and salt
character; an interpreter who has picked salt on a handful of inlines can teach it that
survey. :func:`finetune` is the recipe:

1. check the labels against the volume (:func:`seismic_salt.labels.check_labels`);
2. hold back some labelled inlines (by default a fifth, at least one, spread over the
   survey) to measure the model on, the rest to learn from;
3. score the base model on the held-back inlines through the volume path
   (:func:`~seismic_salt.inference.blocks.predict_block`: the same patches, blending
   and normalisation as ``segment``), IoU over their picked pixels at 0.5;
4. each epoch, cut fresh training windows from the learning inlines (and crosslines
   where they are picked) exactly as ``segment`` cuts the volume
   (:func:`~seismic_salt.train.windows.windows_from_volume`), take Lovász hinge steps
   on them with unknown pixels ignored and BatchNorm statistics frozen (a few hundred
   windows would otherwise pull them away from what the base learnt), score again;
5. keep the best epoch, stop when the score has not improved for ``patience`` epochs,
   and return that model with both scores in its provenance.

If no epoch beats the base model, the base weights come back (and the scores say so).

Example:
    >>> result = finetune(survey.amplitude, labels, "default")  # doctest: +SKIP
    >>> result.base_iou, result.iou  # doctest: +SKIP
    (0.41, 0.67)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import DataError
from seismic_salt.labels import UNKNOWN, check_labels, labelled_sections
from seismic_salt.train.adapt import (
    FinetuneResult,
    FinetuneSettings,
    LabelledVolume,
    adapt,
    is_model_name,
)

__all__ = [
    "FinetuneResult",
    "FinetuneSettings",
    "LabelledVolume",
    "adapt",
    "finetune",
    "finetune_file",
]


def finetune(
    amplitude: Any,
    labels: Any,
    model: Any = "default",
    *,
    settings: FinetuneSettings | None = None,
    validation_inlines: Sequence[int] | None = None,
    log: Callable[[str], None] | None = None,
) -> FinetuneResult:
    """Adapt ``model`` to a survey from labelled inlines (see the module docstring).

    Args:
        amplitude: ``amplitude[inline, crossline, sample]`` DataArray (or array).
        labels: Labels of the same shape: 1 salt, 0 not salt, 255 or NaN unknown.
        model: ``"default"``, a bundled name or a checkpoint path.
        settings: How to adapt (:class:`FinetuneSettings`).
        validation_inlines: Inline numbers (or positions, for a plain array) to hold
            back; default: a share of the labelled inlines, spread over the survey.
        log: Where one line per epoch goes (None: nowhere).

    Returns:
        The :class:`FinetuneResult`.

    Raises:
        DataError: Labels of another shape, of bad values, of one class, picking fewer
            than two inlines, or validation inlines that are not labelled.
        CheckpointError: The model cannot be loaded.
    """
    settings = settings or FinetuneSettings()
    settings.check()
    labels = check_labels(np.asarray(getattr(labels, "values", labels)), tuple(amplitude.shape))
    numbers = _inline_numbers(amplitude)
    held = _validation_positions(labels, numbers, validation_inlines, settings)
    learn = labels.copy()
    learn[held] = UNKNOWN
    if not (learn != UNKNOWN).any():
        raise DataError("every labelled inline is held back: none is left to learn from")
    check = np.full_like(labels, UNKNOWN)
    check[held] = labels[held]
    result = adapt(
        [LabelledVolume(amplitude, learn, "survey")],
        [LabelledVolume(amplitude, check, "survey")],
        model,
        settings=settings,
        log=log,
    )
    result.training_inlines = [int(numbers[i]) for i in labelled_sections(learn)]
    result.validation_inlines = [int(numbers[i]) for i in held]
    result.model.config["provenance"]["finetune"].update(
        training_inlines=result.training_inlines, validation_inlines=result.validation_inlines
    )
    return result


def finetune_file(
    volume: str | os.PathLike,
    labels: str | os.PathLike,
    output: str | os.PathLike,
    model: Any = "default",
    *,
    settings: FinetuneSettings | None = None,
    validation_inlines: Sequence[int] | None = None,
    unknown: float | None = None,
    open_options: dict[str, Any] | None = None,
    overwrite: bool = False,
    log: Callable[[str], None] | None = None,
) -> FinetuneResult:
    """Fine-tune on a SEG-Y survey and its labels file, and save the adapted model.

    Args:
        volume: The survey's SEG-Y.
        labels: The picks (see :func:`seismic_salt.labels.read_labels`).
        output: The ``.safetensors`` to write (its JSON beside it).
        model: The model to adapt.
        settings: How to adapt.
        validation_inlines: Inline numbers to hold back (default: a share).
        unknown: One more label value meaning "not picked".
        open_options: Keyword arguments of ``open_segy`` (header bytes).
        overwrite: Replace an existing output.
        log: Where one line per epoch goes.

    Returns:
        The :class:`FinetuneResult`; the model is saved to ``output``.

    Raises:
        InputFileError: The survey, labels or model is missing.
        OutputError: The output is an input, exists (without ``overwrite=True``), or is
            not a ``.safetensors`` path.
        DataError: The labels do not fit the survey (see :func:`finetune`).
    """
    from seismic_salt.errors import InputFileError
    from seismic_salt.io.segy import open_segy
    from seismic_salt.labels import read_labels
    from seismic_salt.model.checkpoint import check_model_output, resolve_checkpoint, save_model

    volume, output = Path(volume), Path(output)
    if not volume.is_file():
        raise InputFileError(f"input volume {volume} does not exist or is not a file")
    base = resolve_checkpoint(model) if is_model_name(model) else None
    reads = {"volume": volume, "labels": labels}
    if base is not None:
        reads["base model"] = [base, base.with_suffix(".json")]
    check_model_output(output, reads, overwrite=overwrite)
    survey = open_segy(volume, **(open_options or {}))
    picks = read_labels(labels, survey.amplitude, unknown)
    result = finetune(
        survey.amplitude,
        picks,
        model,
        settings=settings,
        validation_inlines=validation_inlines,
        log=log,
    )
    provenance = result.model.config["provenance"]
    provenance["finetune"].update(survey=str(volume.resolve()), labels=str(Path(labels).resolve()))
    output_config = result.model.config.get("output") or {}
    save_model(
        result.model,
        output,
        provenance=provenance,
        threshold=float(output_config.get("threshold", 0.5)),
        min_salt_pixels=int(output_config.get("min_salt_pixels", 0)),
    )
    return result


def _inline_numbers(amplitude: Any) -> np.ndarray:
    if hasattr(amplitude, "coords") and "inline" in amplitude.coords:
        return np.asarray(amplitude["inline"].values)
    return np.arange(amplitude.shape[0])


def _validation_positions(
    labels: np.ndarray,
    numbers: np.ndarray,
    chosen: Sequence[int] | None,
    settings: FinetuneSettings,
) -> np.ndarray:
    """Positions of the held-back inlines: the ones asked for, or a spread-out share.

    The share is taken among the inlines that pick salt when two or more do.
    """
    labelled = labelled_sections(labels)
    if len(labelled) < 2:
        raise DataError(
            f"fine-tuning needs at least two labelled inlines (one to learn from, one to "
            f"measure on); the labels pick {len(labelled)}"
        )
    if chosen is not None:
        lookup = {int(n): i for i, n in enumerate(numbers)}
        missing = [int(n) for n in chosen if int(n) not in lookup]
        if missing:
            raise DataError(f"validation inlines {missing} are not inlines of the volume")
        positions = np.array(sorted({lookup[int(n)] for n in chosen}), dtype=int)
        unlabelled = [int(numbers[p]) for p in positions if p not in set(labelled)]
        if unlabelled or len(positions) == 0:
            raise DataError(f"validation inlines {unlabelled or list(chosen)} hold no label")
        return positions
    # among the inlines that pick salt (IoU needs some), keeping one of them to learn from
    salted = labelled[(labels[labelled] == 1).any(axis=(1, 2))]
    pool = salted if len(salted) >= 2 else labelled
    count = min(len(pool) - 1, max(1, round(settings.validation_share * len(labelled))))
    # spread over the survey: the middle one of each of `count` equal groups
    groups = np.array_split(pool, count)
    return np.array([group[len(group) // 2] for group in groups], dtype=int)
