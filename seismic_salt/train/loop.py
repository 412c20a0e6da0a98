"""Training on labelled tiles: folds, the recipe, validation, best model, resume.

:func:`train` reads like its recipe: resolve the settings (a resumed run's own), prepare
the tiles (load, split the folds, add mosaic, synthetic and section windows), build the run
(model, optimiser, precision, state), then per epoch train (augmented batches), validate
(Kaggle score and the threshold and minimum salt area that maximise it), record (log row,
best model) and save the resumable state.

Determinism: shuffling depends only on ``(seed, epoch)`` and each step's augmentation and
dropout only on ``(seed, global step)``, so a run killed at any point and resumed from
its last state ends with the same weights as an uninterrupted one (on the same machine
and thread count).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from seismic_salt.errors import DataError
from seismic_salt.progress import Progress
from seismic_salt.train.augment import AUGMENTATIONS, augment_batch
from seismic_salt.train.config import TrainConfig, config_for_resume
from seismic_salt.train.datasets import TileSet, load_tgs, split_folds
from seismic_salt.train.initial import start_weights
from seismic_salt.train.mosaic import mosaic_windows
from seismic_salt.train.records import append_log, log_path_for, save_best
from seismic_salt.train.scoring import validate
from seismic_salt.train.state import TrainState, state_path_for

__all__ = ["Run", "TrainConfig", "Tiles", "train"]


@dataclass(frozen=True)
class Tiles:
    """The tiles of a run: what it trains on and what it validates on."""

    train: TileSet
    valid: TileSet


@dataclass
class Run:
    """What a run works with, from its build to its last epoch.

    Attributes:
        config: The run's settings.
        output: Path of the best model.
        model: The network, on ``device``.
        optimizer: AdamW over the network's parameters.
        device: Where the run trains.
        precision: ``"fp32"`` or ``"bf16"``, chosen once.
        contract: The model's normalisation contract (how tiles become channels).
        amplitude: Training amplitudes ``[N, 101, 101]`` (CPU tensor).
        masks: Training masks ``[N, 101, 101]`` as float32 (CPU tensor).
        steps_per_epoch: Steps of each epoch.
        state: Where the run stands; replaced after every step and epoch.
    """

    config: TrainConfig
    output: Path
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    device: torch.device
    precision: str
    contract: Any
    amplitude: torch.Tensor
    masks: torch.Tensor
    steps_per_epoch: int
    state: TrainState

    def save(self) -> None:
        """Write the resumable state (weights, optimiser, counters, settings)."""
        path = state_path_for(self.output)
        self.state.save(path, self.model, self.optimizer, self.config.to_json())


def train(
    data: Path | TileSet,
    output: Path,
    config: TrainConfig | None = None,
    *,
    resume: Path | None = None,
    overwrite: bool = False,
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
        overwrite: Start afresh over the model, state and log an earlier run left at
            ``output`` (a resumed run continues over them anyway).
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
        OutputError: ``output`` is one of the run's inputs, or a model is there and
            neither ``resume`` nor ``overwrite`` was given.
    """
    from seismic_salt.outputs import check_output

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    config = resolve_config(config, resume, overrides)
    reads = {
        "data": data if isinstance(data, str | Path) else None,
        "initial model": config.init_model,
        "encoder weights": config.encoder_weights,
        "section": config.sections,
        "training state": resume,
    }
    check_output(output, reads, overwrite=overwrite or resume is not None)
    tiles = prepare_tiles(data, config, log)
    run = build_run(config, output, tiles.train, resume, log)
    log(
        f"training {config.model} on {len(tiles.train)} tiles, validating on "
        f"{len(tiles.valid)} (fold {config.fold}/{config.folds}), {run.device.type} "
        f"{run.precision}, {run.steps_per_epoch} steps/epoch"
    )
    while run.state.epoch < config.epochs:
        run_epoch(run, tiles, progress, log)
    return {
        "output": str(output),
        "state": str(state_path_for(output)),
        "log": str(log_path_for(output)),
        "best": run.state.best,
    }


def resolve_config(
    config: TrainConfig | None, resume: Path | None, overrides: dict[str, Any] | None
) -> TrainConfig:
    """Return the run's settings: a resumed state's own (with allowed changes) or ``config``.

    Raises:
        DataError: The augmentation is unknown, or an override changes a kept setting.
        CheckpointError: The state to resume from is unreadable.
    """
    config = config or TrainConfig()
    if resume is not None:
        config = config_for_resume(Path(resume), overrides or {})
    if config.augmentation not in AUGMENTATIONS:
        known = ", ".join(AUGMENTATIONS)
        raise DataError(f"augmentation must be one of {known}, not {config.augmentation!r}")
    return config


def prepare_tiles(data: Path | TileSet, config: TrainConfig, log: Callable[[str], None]) -> Tiles:
    """Load the tiles, split the folds, and add mosaic windows, synthetic tiles and section windows.

    Raises:
        DataError, InputFileError: The tiles are unreadable or the fold is out of range.
    """
    from seismic_salt.model.inputs import input_contract
    from seismic_salt.normalize import Contract

    tiles = data if isinstance(data, TileSet) else load_tgs(Path(data))
    train_tiles, valid_tiles = split_folds(tiles, config)
    # scaled as the model being trained will see volumes: build_model's contract
    contract = Contract.from_config(input_contract()["normalisation"])
    if n := config.mosaic_windows:  # from the training folds' TGS tiles only, before any other
        windows = mosaic_windows(train_tiles, n, config.seed, contract, config.mosaic_stepped_share)
        log(f"cut {len(windows)} windows across the seams of mosaics of the training tiles")
        train_tiles = train_tiles.concat(windows)
    if config.synthetic_tiles:
        from seismic_salt.train.synthetic_tiles import synthetic_tiles

        log(f"cutting {config.synthetic_tiles} synthetic training tiles")
        extra = synthetic_tiles(config.synthetic_tiles, config.seed, contract)
        train_tiles = train_tiles.concat(extra)
    if config.sections:
        from seismic_salt.train.windows import labelled_section_windows

        n_sections = len(config.sections)
        log(f"cutting {config.section_windows} windows from each of {n_sections} sections")
        windows = labelled_section_windows(
            config.sections, config.section_windows, config.seed, contract
        )
        train_tiles = train_tiles.concat(windows)
    return Tiles(train_tiles, valid_tiles)


def build_run(
    config: TrainConfig,
    output: Path,
    tiles: TileSet,
    resume: Path | None,
    log: Callable[[str], None],
) -> Run:
    """Build the model (seeded), optimiser and precision; restore the state to resume.

    Raises:
        DataError: CUDA is asked for but absent, or the tiles are fewer than a batch.
        CheckpointError: Initial weights or the state to resume from do not fit.
    """
    from seismic_salt.model import build_model
    from seismic_salt.model.inputs import model_contract
    from seismic_salt.model.precision import choose_precision

    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    model = build_model(config.model, **config.model_options).to(device)
    if resume is None:
        start_weights(model, config, log)
    contract = model_contract(model)
    precision = choose_precision(model, device, config.precision)
    if precision == "bf16":  # oneDNN and cuDNN both run bf16 convolutions fastest in NHWC
        model = model.to(memory_format=torch.channels_last)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed tile shapes: tune convolutions once
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.recipe.lr, weight_decay=1e-4)
    state = TrainState()
    if resume is not None:
        state = TrainState.load(Path(resume), model, optimizer)
        log(f"resumed from {resume} at epoch {state.epoch + 1}, step {state.step_in_epoch}")
    steps = len(tiles) // config.batch_size
    if config.max_steps_per_epoch:
        steps = min(steps, config.max_steps_per_epoch)
    if steps == 0:
        raise DataError(
            f"{len(tiles)} training tiles are fewer than one batch of {config.batch_size}"
        )
    amplitude = torch.from_numpy(tiles.amplitude)
    masks = torch.from_numpy(tiles.mask.astype(np.float32))
    return Run(
        config=config,
        output=output,
        model=model,
        optimizer=optimizer,
        device=device,
        precision=precision,
        contract=contract,
        amplitude=amplitude,
        masks=masks,
        steps_per_epoch=steps,
        state=state,
    )


def run_epoch(run: Run, tiles: Tiles, progress: bool, log: Callable[[str], None]) -> None:
    """Train one epoch, validate, record the row and the best model, save the state.

    Raises:
        DataError: The loss is not finite.
    """
    config, epoch = run.config, run.state.epoch
    started = time.monotonic()
    losses = train_epoch(run, progress)
    scores = validate(run.model, tiles.valid, device=run.device, precision=run.precision)
    row = {
        "epoch": epoch + 1,
        "train_loss": float(np.mean(losses)) if losses else float("nan"),
        "lr": config.recipe.learning_rate(epoch, 1.0),
        **scores,
        "seconds": round(time.monotonic() - started, 1),
    }
    best = run.state.best
    improved = best is None or scores["score"] > best["score"]
    if improved:
        best = dict(row)
        save_best(run.model, run.output, config, row, run.precision, len(tiles.train))
    append_log(log_path_for(run.output), row)
    log(
        f"epoch {epoch + 1}: loss {row['train_loss']:.4f}  val score {scores['score']:.4f} "
        f"(threshold {scores['threshold']:.2f}, min pixels {scores['min_salt_pixels']})"
        f"{'  best' if improved else ''}  {row['seconds']:.0f}s"
    )
    run.state = run.state.after_epoch(best)
    run.save()


def train_epoch(run: Run, progress: bool) -> list[float]:
    """Run the epoch's remaining steps, saving the state every ``checkpoint_every``.

    Returns:
        The loss of each step run.
    """
    config, epoch = run.config, run.state.epoch
    order = _epoch_order(config.seed, epoch, len(run.amplitude))
    bce_weight, lovasz_weight = config.recipe.loss_weights(epoch)
    run.model.train()
    losses: list[float] = []
    bar = Progress(run.steps_per_epoch, f"epoch {epoch + 1}/{config.epochs}", progress, "step")
    bar.update(run.state.step_in_epoch)
    while run.state.step_in_epoch < run.steps_per_epoch:
        losses.append(_step(run, order, bce_weight, lovasz_weight))
        run.state = run.state.after_step()
        bar.update(postfix=f"loss {np.mean(losses[-50:]):.4f}")
        if run.state.step_in_epoch % config.checkpoint_every == 0:
            run.save()
    bar.close()
    return losses


def _step(run: Run, order: np.ndarray, bce_weight: float, lovasz_weight: float) -> float:
    """One optimiser step on the next batch of ``order``; return its loss."""
    from seismic_salt.model.inputs import tile_channels

    config, state = run.config, run.state
    step, batch = state.step_in_epoch, config.batch_size
    for group in run.optimizer.param_groups:
        group["lr"] = config.recipe.learning_rate(state.epoch, step / run.steps_per_epoch)
    index = torch.from_numpy(order[step * batch : (step + 1) * batch])
    generator = _step_generator(config.seed, state.global_step)
    batch_amplitude, batch_mask = augment_batch(
        run.amplitude[index].to(run.device),
        run.masks[index].to(run.device),
        generator,
        AUGMENTATIONS[config.augmentation],
    )
    torch.manual_seed(config.seed * 1_000_003 + state.global_step)  # dropout
    return _train_step(
        run.model,
        run.optimizer,
        tile_channels(batch_amplitude, run.contract),
        batch_mask[:, None],
        bce_weight,
        lovasz_weight,
        config.recipe.deep_supervision_weight,
        run.precision,
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
