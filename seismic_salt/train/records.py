"""What a training run leaves behind each epoch: the log row and the best model's record.

:func:`append_log` keeps one CSV row per epoch (a repeated epoch replaces its row);
:func:`save_best` writes the best model with the provenance that says how it was made.
"""

from __future__ import annotations

import csv
import platform
from pathlib import Path
from typing import Any

import torch

from seismic_salt.train.config import TrainConfig

__all__ = ["append_log", "describe_hardware", "log_path_for", "save_best"]


def log_path_for(output: Path) -> Path:
    """Return where the per-epoch CSV log of a run writing ``output`` lives."""
    return output.with_name(output.name.removesuffix(".safetensors") + ".log.csv")


def save_best(
    model: torch.nn.Module,
    output: Path,
    config: TrainConfig,
    row: dict[str, Any],
    precision: str,
    n_train: int,
) -> None:
    """Write the best model so far to ``output`` with the provenance of the run.

    Args:
        model: The network after the epoch of ``row``.
        output: The run's best-model path (``.safetensors``; JSON beside it).
        config: The run's settings.
        row: The epoch's log row (its validation scores and post-processing).
        precision: The precision the run trains in.
        n_train: Number of training tiles.
    """
    from seismic_salt.model.checkpoint import save_model

    provenance = {
        "data": "TGS Salt Identification Challenge training tiles (Kaggle layout)"
        + (f" + {config.synthetic_tiles} synthetic tiles" if config.synthetic_tiles else "")
        + (
            f" + {config.mosaic_windows} windows across seams of mosaics of the training tiles"
            if config.mosaic_windows
            else ""
        )
        + (  # a stepped share is only ever set with mosaic windows (TrainConfig)
            f" ({config.mosaic_stepped_share:.0%} with the tiles' gain steps kept)"
            if config.mosaic_stepped_share
            else ""
        )
        + (
            f" + {config.section_windows} windows from each of "
            + ", ".join(Path(p).name for p in config.sections)
            if config.sections
            else ""
        ),
        "test_split_excluded": config.exclude_test,
        "n_excluded_tiles": len(config.exclude_ids),
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


def append_log(path: Path, row: dict[str, Any]) -> None:
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
