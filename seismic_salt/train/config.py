"""The settings of a training run, and the changes a resumed run may make to them.

:class:`TrainConfig` is saved as JSON in every training state; :meth:`TrainConfig.
from_json` reads the states of earlier versions too (a field they lack takes the value
those runs had), and :func:`config_for_resume` returns a state's own settings with the
few changes a resumed run may make.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seismic_salt.errors import DataError
from seismic_salt.train.schedule import Recipe

__all__ = ["RESUMABLE_CHANGES", "TrainConfig", "config_for_resume"]


@dataclass
class TrainConfig:
    """Settings of a training run (the CLI maps its options onto these one to one).

    Attributes:
        model: Registered architecture name.
        model_options: Options passed to ``build_model``.
        epochs: Total epochs.
        batch_size: Tiles per step.
        folds: Number of folds; the run validates on ``fold`` and trains on the rest.
        fold: The held-out validation fold.
        seed: Seed of folds, shuffling, augmentation and initial weights.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"``.
        recipe: Learning-rate and loss schedule.
        checkpoint_every: Steps between writes of the resumable state (also at epoch end).
        encoder_weights: Optional local ImageNet weight file for the encoder, or
            ``"imagenet"`` for the file an installed package ships
            (:func:`~seismic_salt.model.pretrained.imagenet_weights`).
        max_steps_per_epoch: Cap on steps per epoch (tests, quick looks); ``None`` = all.
        synthetic_tiles: Tiles cut from synthetic volumes added to the training folds
            (never to validation); see :mod:`seismic_salt.train.synthetic_tiles`.
        init_model: A checkpoint (bundled name or path) with the same encoder whose
            weights start the run instead of a random initialisation (fine-tuning);
            see :func:`seismic_salt.train.initial.load_initial_weights`.
        augmentation: ``"full"`` (flips, shifts, zooms, gain, brightness and gamma;
            :class:`~seismic_salt.train.augment.AugmentConfig`) or ``"flip"`` (horizontal
            flips only, which fitted the TGS tiles better late in training).
        sections: Partly labelled SEG-Y files (labels in ``<stem>.labels.npy`` beside
            each) whose windows join the training folds, cut as ``segment`` cuts a
            volume (:mod:`seismic_salt.train.windows`); unknown pixels take no part in
            the loss.
        section_windows: Windows cut from each of ``sections``.
        mosaic_windows: Windows cut across the seams of mosaics of the training folds'
            own tiles, put back together and de-stepped
            (:mod:`seismic_salt.train.mosaic`); 0: none.
        mosaic_stepped_share: Share (0..1) of the mosaic windows cut with each tile's own
            stretch kept, gain steps and all, as ``tgs-sections`` holds them; the rest
            are de-stepped.
        exclude_test: Leave the TGS test split (:func:`~seismic_salt.train.datasets.
            test_split_ids`) out of training and validation. Runs saved before the split
            existed resume without it.
        exclude_ids: Further tile ids left out of training and validation, as the test
            split is: e.g. the TGS tiles that labelled real sections were rebuilt from,
            so that a score on those sections is a test score.
    """

    model: str = "hyper_resnet34_fast"
    model_options: dict[str, Any] = field(default_factory=dict)
    epochs: int = 40
    batch_size: int = 16
    folds: int = 5
    fold: int = 0
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    recipe: Recipe = field(default_factory=Recipe)
    checkpoint_every: int = 50
    encoder_weights: str | None = None
    max_steps_per_epoch: int | None = None
    synthetic_tiles: int = 0
    init_model: str | None = None
    augmentation: str = "full"
    sections: list[str] = field(default_factory=list)
    section_windows: int = 64
    mosaic_windows: int = 0
    mosaic_stepped_share: float = 0.0
    exclude_test: bool = True
    exclude_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0.0 <= self.mosaic_stepped_share <= 1.0:
            raise DataError(
                "the stepped share of mosaic windows must be within 0..1, "
                f"not {self.mosaic_stepped_share}"
            )
        if self.mosaic_stepped_share and not self.mosaic_windows:
            raise DataError("a stepped share of mosaic windows is set, but no mosaic windows")

    def to_json(self) -> dict[str, Any]:
        """Return the settings as plain JSON values."""
        return asdict(self)

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> TrainConfig:
        """Rebuild settings written by :meth:`to_json`."""
        values = dict(values)
        values.setdefault("exclude_test", False)  # states saved before the test split
        known = Recipe.__dataclass_fields__
        values["recipe"] = Recipe(
            **{k: v for k, v in values.get("recipe", {}).items() if k in known}
        )
        return cls(**values)


RESUMABLE_CHANGES = frozenset({"device", "precision", "checkpoint_every", "epochs"})
"""Settings that may differ between a run and its resumption."""


def setting(config: TrainConfig, name: str) -> Any:
    """Value of a setting by name; ``recipe.lr`` style names reach into the recipe."""
    owner, _, field_name = name.rpartition(".")
    return getattr(config.recipe if owner == "recipe" else config, field_name)


def config_for_resume(state: Path, overrides: dict[str, Any]) -> TrainConfig:
    """Return the saved settings of ``state`` with the changes a resume may make.

    Args:
        state: A training state written by an earlier run.
        overrides: Settings given for the resumed run (``recipe.lr`` style names for
            the recipe); values equal to the saved ones are accepted.

    Raises:
        CheckpointError: The state is unreadable.
        DataError: An override changes a setting that a resumed run must keep.
    """
    from seismic_salt.train.state import read_state_info

    saved = TrainConfig.from_json(read_state_info(Path(state))["config"])
    changed = {name: value for name, value in overrides.items() if setting(saved, name) != value}
    fixed = sorted(set(changed) - RESUMABLE_CHANGES)
    if fixed:
        raise DataError(
            f"a resumed run keeps its settings, but {', '.join(fixed)} differ from the saved "
            f"run; drop them (only {', '.join(sorted(RESUMABLE_CHANGES))} may change)"
        )
    for name, value in changed.items():
        setattr(saved, name, value)
    return saved
