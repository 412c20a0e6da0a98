"""Training on labelled tiles: folds, the recipe, validation, best model, resume.

:func:`train` reads like its recipe: load the tiles, split the folds, build the model,
then per epoch train (augmented batches), validate (Kaggle score and the threshold and
minimum salt area that maximise it), log, keep the best model and write the resumable
state.

Determinism: shuffling depends only on ``(seed, epoch)`` and each step's augmentation and
dropout only on ``(seed, global step)``, so a run killed at any point and resumed from
its last state ends with the same weights as an uninterrupted one (on the same machine
and thread count).
"""

from __future__ import annotations

import csv
import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from seismic_salt.errors import CheckpointError, DataError
from seismic_salt.progress import Progress
from seismic_salt.train.augment import AUGMENTATIONS, augment_batch
from seismic_salt.train.datasets import (
    UNKNOWN,
    TileSet,
    in_test_split,
    load_tgs,
    stratified_folds,
)
from seismic_salt.train.schedule import Recipe
from seismic_salt.train.state import load_state, save_state, state_path_for


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
        encoder_weights: Optional local ImageNet weight file for the encoder.
        max_steps_per_epoch: Cap on steps per epoch (tests, quick looks); ``None`` = all.
        synthetic_tiles: Tiles cut from synthetic volumes added to the training folds
            (never to validation); see :mod:`seismic_salt.train.synthetic_tiles`.
        init_model: A checkpoint (bundled name or path) with the same encoder whose
            weights start the run instead of a random initialisation (fine-tuning);
            see :func:`_load_initial_weights`.
        augmentation: ``"full"`` (flips, shifts, zooms, gain, brightness and gamma;
            :class:`~seismic_salt.train.augment.AugmentConfig`) or ``"flip"`` (horizontal
            flips only, which fitted the TGS tiles better late in training).
        sections: Partly labelled SEG-Y files (labels in ``<stem>.labels.npy`` beside
            each) whose windows join the training folds, cut as ``segment`` cuts a
            volume (:mod:`seismic_salt.train.windows`); unknown pixels take no part in
            the loss.
        section_windows: Windows cut from each of ``sections``.
        exclude_test: Leave the TGS test split (:func:`~seismic_salt.train.datasets.
            test_split_ids`) out of training and validation. Runs saved before the split
            existed resume without it.
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
    exclude_test: bool = True

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


# settings that may differ between a run and its resumption
_RESUMABLE_CHANGES = {"device", "precision", "checkpoint_every", "epochs"}


def split_folds(tiles: TileSet, config: TrainConfig) -> tuple[TileSet, TileSet]:
    """Return ``(train, validation)`` tiles for the configured fold.

    The folds are dealt over all tiles, then the test split is taken out of each (with
    ``exclude_test``), so fold K holds the same tiles as in runs made before the split.

    Raises:
        DataError: The fold index is out of range or the tiles have no masks.
    """
    if tiles.mask is None:
        raise DataError("training needs masks: the tiles have none")
    fold = fold_of_tiles(tiles, config.folds, config.fold, config.seed)
    usable = ~in_test_split(tiles.ids) if config.exclude_test else np.ones(len(tiles), bool)
    return tiles.subset(np.flatnonzero((fold != config.fold) & usable)), tiles.subset(
        np.flatnonzero((fold == config.fold) & usable)
    )


def fold_of_tiles(tiles: TileSet, folds: int, fold: int, seed: int) -> np.ndarray:
    """Return each tile's fold (:func:`stratified_folds`), after checking ``fold``.

    Raises:
        DataError: ``fold`` is not in ``0..folds - 1``.
    """
    if not 0 <= fold < folds:
        raise DataError(f"the validation fold must be in 0..{folds - 1}, got {fold}")
    return stratified_folds(tiles.mask, folds, seed)


def resolve_device(device: str) -> torch.device:
    """Map ``"auto"`` to CUDA when available, else CPU.

    Raises:
        DataError: CUDA was asked for but is not available.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise DataError(f"device {device!r} was asked for, but torch sees no CUDA device")
    return torch.device(device)


def _step_generator(seed: int, step: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + step)


def _epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    return np.random.default_rng([seed, epoch]).permutation(n)


def train(
    data: Path | TileSet,
    output: Path,
    config: TrainConfig | None = None,
    *,
    resume: Path | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train a model on labelled tiles and write the best one to ``output``.

    Args:
        data: A Kaggle-layout TGS directory, or tiles already loaded.
        output: Path of the best model (``.safetensors``; its JSON is written beside it).
            The resumable state goes to ``<output>.state.safetensors`` and the per-epoch
            log to ``<output>.log.csv``.
        config: Run settings; ignored when resuming (the state's own are used).
        resume: A training state written by an earlier run to continue from.
        overrides: Settings given for the resumed run (``recipe.lr`` style names for the
            recipe). Values equal to the saved ones are accepted; only ``device``,
            ``precision``, ``checkpoint_every`` and ``epochs`` (to extend a finished run)
            may differ.
        progress: Draw a progress bar on a terminal.
        log: Where one-line epoch summaries go.

    Returns:
        The final summary: best score, epoch, threshold, minimum salt pixels, paths.

    Raises:
        DataError: Bad data or settings.
        CheckpointError: The state to resume from is unreadable or does not fit.
    """
    from seismic_salt.model import build_model, load_encoder_weights
    from seismic_salt.model.inputs import model_contract, tile_channels
    from seismic_salt.model.precision import choose_precision

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    config = config or TrainConfig()
    if resume is not None:
        config = _config_for_resume(Path(resume), overrides or {})
    if config.augmentation not in AUGMENTATIONS:
        raise DataError(
            f"augmentation must be one of {', '.join(AUGMENTATIONS)}, not {config.augmentation!r}"
        )
    augment = AUGMENTATIONS[config.augmentation]
    tiles = data if isinstance(data, TileSet) else load_tgs(Path(data))
    train_tiles, valid_tiles = split_folds(tiles, config)
    if config.synthetic_tiles:
        from seismic_salt.train.synthetic_tiles import synthetic_tiles

        log(f"cutting {config.synthetic_tiles} synthetic training tiles")
        train_tiles = train_tiles.concat(synthetic_tiles(config.synthetic_tiles, config.seed))
    if config.sections:
        from seismic_salt.train.windows import labelled_section_windows

        log(
            f"cutting {config.section_windows} windows from each of {len(config.sections)} sections"
        )
        windows = labelled_section_windows(config.sections, config.section_windows, config.seed)
        train_tiles = train_tiles.concat(windows)

    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    model = build_model(config.model, **config.model_options).to(device)
    if config.encoder_weights and resume is None:
        load_encoder_weights(model, config.encoder_weights)
    if config.init_model and resume is None:
        _load_initial_weights(model, config, log)
    contract = model_contract(model)
    precision = choose_precision(model, device, config.precision)
    if precision == "bf16":  # oneDNN and cuDNN both run bf16 convolutions fastest in NHWC
        model = model.to(memory_format=torch.channels_last)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed tile shapes: tune convolutions once
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.recipe.lr, weight_decay=1e-4)

    info: dict[str, Any] = {"epoch": 0, "step_in_epoch": 0, "global_step": 0, "best": None}
    if resume is not None:
        info = load_state(Path(resume), model, optimizer)
        log(f"resumed from {resume} at epoch {info['epoch'] + 1}, step {info['step_in_epoch']}")

    state_path = state_path_for(output)
    log_path = output.with_name(output.name.removesuffix(".safetensors") + ".log.csv")
    amplitude = torch.from_numpy(train_tiles.amplitude)
    masks = torch.from_numpy(train_tiles.mask.astype(np.float32))
    steps_per_epoch = len(train_tiles) // config.batch_size
    if config.max_steps_per_epoch:
        steps_per_epoch = min(steps_per_epoch, config.max_steps_per_epoch)
    if steps_per_epoch == 0:
        raise DataError(
            f"{len(train_tiles)} training tiles are fewer than one batch of {config.batch_size}"
        )
    log(
        f"training {config.model} on {len(train_tiles)} tiles, validating on {len(valid_tiles)} "
        f"(fold {config.fold}/{config.folds}), {device.type} {precision}, "
        f"{steps_per_epoch} steps/epoch"
    )

    def save_now() -> None:
        save_state(state_path, model, optimizer, dict(info, config=config.to_json()))

    while info["epoch"] < config.epochs:
        epoch = info["epoch"]
        started = time.monotonic()
        order = _epoch_order(config.seed, epoch, len(train_tiles))
        bce_weight, lovasz_weight = config.recipe.loss_weights(epoch)
        model.train()
        losses = []
        bar = Progress(steps_per_epoch, f"epoch {epoch + 1}/{config.epochs}", progress, "step")
        bar.update(info["step_in_epoch"])
        while info["step_in_epoch"] < steps_per_epoch:
            step = info["step_in_epoch"]
            for group in optimizer.param_groups:
                group["lr"] = config.recipe.learning_rate(epoch, step / steps_per_epoch)
            index = torch.from_numpy(
                order[step * config.batch_size : (step + 1) * config.batch_size]
            )
            generator = _step_generator(config.seed, info["global_step"])
            batch_amplitude, batch_mask = augment_batch(
                amplitude[index].to(device), masks[index].to(device), generator, augment
            )
            torch.manual_seed(config.seed * 1_000_003 + info["global_step"])  # dropout
            loss = _train_step(
                model,
                optimizer,
                tile_channels(batch_amplitude, contract),
                batch_mask[:, None],
                bce_weight,
                lovasz_weight,
                config.recipe.deep_supervision_weight,
                precision,
            )
            losses.append(loss)
            info["step_in_epoch"] += 1
            info["global_step"] += 1
            bar.update(postfix=f"loss {np.mean(losses[-50:]):.4f}")
            if info["step_in_epoch"] % config.checkpoint_every == 0:
                save_now()
        bar.close()

        scores = validate(model, valid_tiles, device=device, precision=precision)
        row = {
            "epoch": epoch + 1,
            "train_loss": float(np.mean(losses)) if losses else float("nan"),
            "lr": config.recipe.learning_rate(epoch, 1.0),
            **scores,
            "seconds": round(time.monotonic() - started, 1),
        }
        improved = info["best"] is None or scores["score"] > info["best"]["score"]
        if improved:
            info["best"] = dict(row)
            _save_best(model, output, config, row, precision, len(train_tiles))
        _append_log(log_path, row)
        log(
            f"epoch {epoch + 1}: loss {row['train_loss']:.4f}  val score {scores['score']:.4f} "
            f"(threshold {scores['threshold']:.2f}, min pixels {scores['min_salt_pixels']})"
            f"{'  best' if improved else ''}  {row['seconds']:.0f}s"
        )
        info["epoch"] += 1
        info["step_in_epoch"] = 0
        save_now()

    return {
        "output": str(output),
        "state": str(state_path),
        "log": str(log_path),
        "best": info["best"],
    }


def _setting(config: TrainConfig, name: str) -> Any:
    """Value of a setting by name; ``recipe.lr`` style names reach into the recipe."""
    owner, _, field_name = name.rpartition(".")
    return getattr(config.recipe if owner == "recipe" else config, field_name)


def _config_for_resume(state: Path, overrides: dict[str, Any]) -> TrainConfig:
    """Return the saved settings of ``state`` with the changes a resume may make.

    Raises:
        CheckpointError: The state is unreadable.
        DataError: An override changes a setting that a resumed run must keep.
    """
    from safetensors import safe_open

    if not state.is_file():
        raise CheckpointError(f"training state not found: {state}")
    try:
        with safe_open(str(state), framework="pt") as handle:
            meta = json.loads((handle.metadata() or {})["seismic_salt_training_state"])
    except Exception as err:
        raise CheckpointError(f"{state}: not a readable seismic-salt training state") from err
    saved = TrainConfig.from_json(meta["config"])
    changed = {name: value for name, value in overrides.items() if _setting(saved, name) != value}
    fixed = sorted(set(changed) - _RESUMABLE_CHANGES)
    if fixed:
        raise DataError(
            f"a resumed run keeps its settings, but {', '.join(fixed)} differ from the saved "
            f"run; drop them (only {', '.join(sorted(_RESUMABLE_CHANGES))} may change)"
        )
    for name, value in changed.items():
        setattr(saved, name, value)
    return saved


def _load_initial_weights(
    model: torch.nn.Module, config: TrainConfig, log: Callable[[str], None] = print
) -> None:
    """Copy the weights of ``config.init_model`` into ``model``.

    Every tensor whose name and shape match is copied, so a checkpoint of a close variant
    with the same encoder works too (e.g. ``hyper_resnet34_fast`` starting
    ``hyper_resnet34``, whose stems differ only in stride and last up-sampling layer); the
    tensors that do not match keep their fresh initialisation and are named in the log.

    Raises:
        CheckpointError: The checkpoint is unreadable, of another encoder, or fewer than
            nine in ten of the model's tensors match it.
    """
    from seismic_salt.model.checkpoint import load_model
    from seismic_salt.model.config import ModelConfig
    from seismic_salt.model.registry import model_options

    source = load_model(config.init_model, cache=False)
    source_config = ModelConfig.of(source)
    source_encoder = source_config.options.get("encoder")
    target_encoder = model_options(config.model, **config.model_options)["encoder"]
    if source_encoder != target_encoder:
        raise CheckpointError(
            f"the initial model {config.init_model} is a {source_config.name} with encoder "
            f"{source_encoder}, but the run trains {config.model} with encoder {target_encoder}"
        )
    theirs, ours = source.state_dict(), model.state_dict()
    fits = {k: v for k, v in theirs.items() if k in ours and ours[k].shape == v.shape}
    fresh = sorted(set(ours) - set(fits))
    if len(fits) < 0.9 * len(ours):
        raise CheckpointError(
            f"the initial model {config.init_model} ({source_config.name}) fits only "
            f"{len(fits)} of {len(ours)} tensors of {config.model}: use a closer variant"
        )
    model.load_state_dict(fits, strict=False)
    log(
        f"started from {config.init_model}: {len(fits)} tensors copied"
        + (f", {len(fresh)} initialised fresh ({', '.join(fresh[:4])})" if fresh else "")
    )


def _train_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    inputs: torch.Tensor,
    target: torch.Tensor,
    bce_weight: float,
    lovasz_weight: float,
    side_weight: float,
    precision: str,
) -> float:
    from seismic_salt.train.losses import deep_supervision_loss

    optimizer.zero_grad(set_to_none=True)
    if precision == "bf16":
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    with torch.autocast(inputs.device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
        outputs = model(inputs)
    # losses in float32: bf16 sums and sorts over 10k pixels lose the small terms
    if isinstance(outputs, tuple):
        outputs = (outputs[0].float(), [side.float() for side in outputs[1]])
    else:
        outputs = outputs.float()
    loss = deep_supervision_loss(
        outputs,
        target,
        bce_weight=bce_weight,
        lovasz_weight=lovasz_weight,
        side_weight=side_weight,
    )
    if not torch.isfinite(loss):
        raise DataError("training diverged: the loss is not finite (lower the learning rate)")
    loss.backward()
    optimizer.step()
    return float(loss.detach())


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


THRESHOLDS = tuple(np.round(np.arange(0.30, 0.71, 0.05), 2))
MIN_SALT_PIXELS = (0, 10, 20, 40, 80, 120, 160, 200, 300, 400)


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
    from seismic_salt.train.metrics import kaggle_score_from_counts

    union = predicted_count + truth_count - inter
    salt = truth_count > 0
    iou = inter[salt] / union[salt]
    return {
        "score": float(kaggle_score_from_counts(inter, union).mean()),
        "iou": float(iou.mean()) if salt.any() else float("nan"),
        "empty_accuracy": float(((predicted_count == 0) == ~salt).mean()),
    }


def _save_best(
    model: torch.nn.Module,
    output: Path,
    config: TrainConfig,
    row: dict[str, Any],
    precision: str,
    n_train: int,
) -> None:
    from seismic_salt.model.checkpoint import save_model

    provenance = {
        "data": "TGS Salt Identification Challenge training tiles (Kaggle layout)"
        + (f" + {config.synthetic_tiles} synthetic tiles" if config.synthetic_tiles else "")
        + (
            f" + {config.section_windows} windows from each of "
            + ", ".join(Path(p).name for p in config.sections)
            if config.sections
            else ""
        ),
        "test_split_excluded": config.exclude_test,
        "n_train_tiles": n_train,
        "init_model": config.init_model,
        "folds": config.folds,
        "fold": config.fold,
        "seed": config.seed,
        "epoch": row["epoch"],
        "validation": {k: row[k] for k in ("score", "iou", "empty_accuracy")},
        "precision": precision,
        "hardware": describe_hardware(),
        "torch": torch.__version__,
        "train_config": config.to_json(),
    }
    save_model(
        model,
        output,
        provenance=provenance,
        threshold=row["threshold"],
        min_salt_pixels=row["min_salt_pixels"],
    )


def describe_hardware() -> str:
    """One line naming the CPU (or GPU), its core count and torch's CPU capability."""
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name()} (CUDA)"
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    capability = torch.backends.cpu.get_cpu_capability()
    return f"{name}, {torch.get_num_threads()} threads, {capability}"


def _append_log(path: Path, row: dict[str, Any]) -> None:
    """Add ``row`` to the CSV log, dropping rows of the same or later epochs.

    A run killed after logging an epoch but before saving its state repeats that epoch
    on resume; dropping the stale rows keeps one row per epoch.
    """
    rows = []
    if path.exists():
        with path.open(newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if int(r["epoch"]) < row["epoch"]]
    rows.append(row)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
