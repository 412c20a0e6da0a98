"""The engine of fine-tuning: windows, steps with frozen BatchNorm, scores, the best epoch.

:func:`adapt` fine-tunes a model on windows of partly labelled volumes and keeps the
epoch that scores best on other labelled volumes, through the volume path (the same
patches, blending and normalisation as ``segment``). :func:`seismic_salt.train.finetune.
finetune` calls it for one survey with held-back inlines; call it directly for labels
spread over several volumes (e.g. the 2D lines of one survey).
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from seismic_salt.errors import DataError
from seismic_salt.inference.settings import Settings
from seismic_salt.labels import UNKNOWN, check_labels, check_picks, labelled_sections
from seismic_salt.tiling import PATCH

__all__ = ["FinetuneResult", "FinetuneSettings", "LabelledVolume", "adapt"]


@dataclass(frozen=True)
class FinetuneSettings:
    """How a model is adapted to a survey.

    Attributes:
        epochs: Most epochs (training stops earlier when the score stops improving).
        windows_per_epoch: Training windows drawn afresh each epoch (over all volumes).
        batch_size: Windows per step.
        lr: AdamW learning rate (constant: a short run from trained weights).
        patience: Epochs without a better validation score before stopping.
        validation_share: Share of the labelled inlines held back when none are named.
        orientations: Sections windows are cut from (crossline ones only where picked).
        augmentation: Named augmentation (:data:`seismic_salt.train.augment.AUGMENTATIONS`).
        threshold: Probability at which a pixel counts as salt in the IoU.
        patch: Side of the patches of the validation predictions, in pixels (as
            ``segment``).
        stride: Their stride; None: half the patch (as ``segment``).
        seed: Seed of the split, the windows and the augmentation.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"``.
    """

    epochs: int = 12
    windows_per_epoch: int = 256
    batch_size: int = 16
    lr: float = 2e-4
    patience: int = 3
    validation_share: float = 0.2
    orientations: tuple[str, ...] = ("inline", "crossline")
    augmentation: str = "survey"
    threshold: float = 0.5
    patch: int = PATCH
    stride: int | None = None
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"

    def check(self) -> None:
        """Raise :class:`DataError` for a setting out of range."""
        from seismic_salt.train.augment import AUGMENTATIONS

        Settings(patch=self.patch, stride=self.stride)  # segment's checks of both
        for name in ("epochs", "windows_per_epoch", "batch_size", "patience"):
            if getattr(self, name) < 1:
                raise DataError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.validation_share < 1:
            raise DataError(f"validation_share must be in (0, 1), got {self.validation_share}")
        if not self.lr > 0:
            raise DataError(f"lr must be positive, got {self.lr}")
        if self.augmentation not in AUGMENTATIONS:
            raise DataError(
                f"augmentation must be one of {', '.join(AUGMENTATIONS)}, not {self.augmentation!r}"
            )


@dataclass(frozen=True)
class LabelledVolume:
    """Amplitudes ``[inline, crossline, sample]`` and their labels (1, 0, 255), one survey.

    Attributes:
        amplitude: The volume (numpy, dask or xarray).
        labels: uint8 labels of the same shape.
        name: A name for logs and window ids.
    """

    amplitude: Any
    labels: np.ndarray
    name: str = "volume"


@dataclass
class FinetuneResult:
    """What :func:`finetune` returns.

    Attributes:
        model: The adapted model (eval mode, ``.config`` with the new provenance).
        base_iou: Validation IoU of the base model.
        iou: Validation IoU of the returned model (``base_iou`` when no epoch beat it).
        epoch: The kept epoch (0: the base weights).
        history: One row per epoch: ``epoch``, ``loss``, ``iou``, ``seconds``.
        training_inlines: Inline numbers learnt from.
        validation_inlines: Inline numbers held back.
    """

    model: Any
    base_iou: float
    iou: float
    epoch: int
    history: list[dict[str, float]] = field(default_factory=list)
    training_inlines: list[int] = field(default_factory=list)
    validation_inlines: list[int] = field(default_factory=list)


def adapt(
    train: Sequence[LabelledVolume],
    validation: Sequence[LabelledVolume],
    model: Any = "default",
    *,
    settings: FinetuneSettings | None = None,
    log: Callable[[str], None] | None = None,
) -> FinetuneResult:
    """Fine-tune ``model`` on windows of ``train``, keeping the best epoch on ``validation``.

    The engine of :func:`finetune`, for labels spread over several volumes (e.g. 2D
    lines of one survey).

    Raises:
        DataError: A volume's labels are malformed, or a setting is out of range.
        CheckpointError: The model cannot be loaded.
    """
    import torch

    from seismic_salt.model import load_model
    from seismic_salt.model.ensemble import refuse_training
    from seismic_salt.model.precision import choose_precision
    from seismic_salt.train.loop import resolve_device

    settings = settings or FinetuneSettings()
    settings.check()
    log = log or (lambda _line: None)
    device = resolve_device(settings.device)
    network = load_model(model, device=str(device), cache=False) if is_model_name(model) else model
    refuse_training(network, "model to fine-tune")
    network = copy.deepcopy(network).to(device)
    precision = choose_precision(network, device, settings.precision)
    learning = _prepare(train, network)
    check_picks([volume.labels for volume in learning])  # over all volumes, not each
    scorer = _Scorer(_prepare(validation, network), settings, str(device), precision)
    base_iou = best_iou = scorer(network)
    log(f"base model: validation IoU {base_iou:.3f}")
    best_state, best_epoch, history = copy.deepcopy(network.state_dict()), 0, []
    optimizer = torch.optim.AdamW(network.parameters(), lr=settings.lr, weight_decay=1e-4)
    for epoch in range(1, settings.epochs + 1):
        started = time.monotonic()
        windows = _windows(learning, settings, epoch)
        loss = _train_epoch(network, optimizer, windows, settings, device, precision, epoch)
        iou = scorer(network)
        history.append(
            {"epoch": epoch, "loss": loss, "iou": iou, "seconds": time.monotonic() - started}
        )
        better = iou > best_iou
        log(f"epoch {epoch}: loss {loss:.4f}  validation IoU {iou:.3f}{'  best' if better else ''}")
        if better:
            best_iou, best_epoch = iou, epoch
            best_state = copy.deepcopy(network.state_dict())
        elif epoch - best_epoch >= settings.patience:
            log(f"no better score for {settings.patience} epochs: stopping")
            break
    network.load_state_dict(best_state)
    network.eval()
    network.config = _adapted_config(network, model, settings, base_iou, best_iou, best_epoch)
    return FinetuneResult(network, base_iou, best_iou, best_epoch, history)


def is_model_name(model: Any) -> bool:
    """True for a model given by name or path (not an in-memory module)."""
    return isinstance(model, (str, os.PathLike))


@dataclass(frozen=True)
class _Prepared:
    """A volume read once: amplitudes, labels and the scaling ``segment`` would fit."""

    values: np.ndarray
    labels: np.ndarray
    scaling: Any
    name: str


def _prepare(volumes: Sequence[LabelledVolume], model: Any) -> list[_Prepared]:
    from seismic_salt.model.inputs import model_contract
    from seismic_salt.normalize import Normalisation

    prepared = []
    for volume in volumes:
        values = np.asarray(getattr(volume.amplitude, "values", volume.amplitude), np.float32)
        labels = check_labels(volume.labels, values.shape, both_classes=False)
        scaling = Normalisation.fit(values, contract=model_contract(model))
        prepared.append(_Prepared(values, labels, scaling, volume.name))
    return prepared


class _Scorer:
    """Pooled IoU of a model over the picked pixels of volumes, through the volume path."""

    def __init__(
        self, volumes: Sequence[_Prepared], settings: FinetuneSettings, device: str, precision: str
    ) -> None:
        self.parts = []
        for volume in volumes:
            rows = labelled_sections(volume.labels)
            if rows.size:
                self.parts.append((volume.values[rows], volume.labels[rows], volume.scaling))
        if not self.parts:
            raise DataError("the held-back labels pick no pixel: nothing to score fine-tuning on")
        if not any((labels == 1).any() for _, labels, _ in self.parts):
            raise DataError(
                "the held-back labels pick no salt, so IoU on them is undefined: hold back "
                "inlines that pick salt"
            )
        self.settings, self.device, self.precision = settings, device, precision

    def __call__(self, model: Any) -> float:
        from seismic_salt.inference.blocks import predict_block
        from seismic_salt.model.predict import predict_tiles

        def predictor(patches: np.ndarray) -> np.ndarray:
            return predict_tiles(model, patches, device=self.device, precision=self.precision)

        splitter = Settings(patch=self.settings.patch, stride=self.settings.stride).splitter()
        inter = union = 0
        for block, labels, scaling in self.parts:
            probability = predict_block(block, None, scaling, predictor, splitter)
            known = (labels != UNKNOWN) & np.isfinite(probability)
            predicted = (probability > self.settings.threshold) & known
            truth = (labels == 1) & known
            inter += int((predicted & truth).sum())
            union += int((predicted | truth).sum())
        return inter / union if union else float("nan")


def _windows(volumes: Sequence[_Prepared], settings: FinetuneSettings, epoch: int) -> Any:
    """This epoch's training windows, drawn afresh from every volume."""
    from seismic_salt.train.windows import windows_from_volume

    share = max(1, -(-settings.windows_per_epoch // len(volumes)))
    tiles = None
    for index, volume in enumerate(volumes):
        cut = windows_from_volume(
            volume.values,
            volume.labels,
            share,
            seed=(settings.seed * 1_000_003 + epoch) * 101 + index,
            name=volume.name,
            orientations=_picked_orientations(volume.labels, settings.orientations),
            scaling=volume.scaling,
        )
        tiles = cut if tiles is None else tiles.concat(cut)
    return tiles


def _picked_orientations(labels: np.ndarray, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """Keep ``"crossline"`` only when some crossline section is picked over a tile's width."""
    from seismic_salt.tiling import TILE

    if "crossline" not in wanted:
        return wanted
    picked_inlines = (labels != UNKNOWN).any(axis=2).sum(axis=0)  # per crossline
    if picked_inlines.max(initial=0) >= TILE // 4:
        return wanted
    return tuple(name for name in wanted if name != "crossline")


def _train_epoch(
    model: Any,
    optimizer: Any,
    windows: Any,
    settings: FinetuneSettings,
    device: Any,
    precision: str,
    epoch: int,
) -> float:
    """Steps over the epoch's windows with frozen BatchNorm statistics; mean loss."""
    import torch

    from seismic_salt.model.inputs import model_contract, tile_channels
    from seismic_salt.train.augment import AUGMENTATIONS, augment_batch
    from seismic_salt.train.loop import _train_step

    contract = model_contract(model)
    amplitude = torch.from_numpy(windows.amplitude)
    masks = torch.from_numpy(windows.mask.astype(np.float32))
    order = np.random.default_rng([settings.seed, epoch]).permutation(len(windows))
    model.train()
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()
    losses = []
    for start in range(0, len(order), settings.batch_size):
        index = torch.from_numpy(order[start : start + settings.batch_size])
        generator = torch.Generator().manual_seed(settings.seed * 1_000_003 + epoch * 7919 + start)
        batch, mask = augment_batch(
            amplitude[index].to(device),
            masks[index].to(device),
            generator,
            AUGMENTATIONS[settings.augmentation],
        )
        inputs = tile_channels(batch, contract)
        losses.append(
            _train_step(model, optimizer, inputs, mask[:, None], 0.1, 1.0, 0.1, precision)
        )
    return float(np.mean(losses))


def _adapted_config(
    model: Any,
    base: Any,
    settings: FinetuneSettings,
    base_iou: float,
    iou: float,
    epoch: int,
) -> dict[str, Any]:
    """The adapted model's config: the base's, with the fine-tuning in its provenance."""
    from seismic_salt.model.config import ModelConfig

    config = copy.deepcopy(getattr(model, "config", None) or {})
    base_config = ModelConfig.of(model)
    config["provenance"] = {
        "finetune": {
            "base_model": str(base) if is_model_name(base) else base_config.name,
            "base_sha256": base_config.sha256,
            "base_provenance": (getattr(model, "config", None) or {}).get("provenance", {}),
            "validation_iou_before": base_iou,
            "validation_iou_after": iou,
            "kept_epoch": epoch,
            "settings": asdict(settings),
        }
    }
    config.pop("weights", None)  # the adapted weights get their own digest when saved
    return config
