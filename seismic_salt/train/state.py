"""Resumable training state in one safetensors file (no pickle).

The file holds the model's and optimiser's tensors; everything else (counters, best score,
the run's settings, optimiser hyper-parameters) is JSON in the safetensors metadata, so the
whole state is written with one atomic rename and read back without executing code.
:class:`TrainState` is where a run stands (its counters and best epoch so far);
:func:`save_state` / :func:`load_state` write and read the file around it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from seismic_salt.errors import CheckpointError

_META_KEY = "seismic_salt_training_state"


@dataclass(frozen=True)
class TrainState:
    """Where a training run stands; with the weights, enough to resume it exactly.

    Attributes:
        epoch: Epochs finished (0-based index of the current one).
        step_in_epoch: Steps finished in the current epoch.
        global_step: Steps finished since the run started.
        best: The log row of the best epoch so far, or None before the first.
    """

    epoch: int = 0
    step_in_epoch: int = 0
    global_step: int = 0
    best: dict[str, Any] | None = None

    def after_step(self) -> TrainState:
        """Return the state one training step later."""
        return replace(self, step_in_epoch=self.step_in_epoch + 1, global_step=self.global_step + 1)

    def after_epoch(self, best: dict[str, Any] | None) -> TrainState:
        """Return the state at the start of the next epoch, with the best row so far."""
        return replace(self, epoch=self.epoch + 1, step_in_epoch=0, best=best)

    def to_json(self) -> dict[str, Any]:
        """Return the counters as the state file's JSON holds them."""
        return {
            "epoch": self.epoch,
            "step_in_epoch": self.step_in_epoch,
            "global_step": self.global_step,
            "best": self.best,
        }

    @classmethod
    def from_json(cls, info: dict[str, Any]) -> TrainState:
        """Read the counters back from a state file's JSON (other keys are ignored)."""
        return cls(info["epoch"], info["step_in_epoch"], info["global_step"], info["best"])

    def save(
        self,
        path: Path,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        config: dict[str, Any],
    ) -> None:
        """Write this state, the weights, the optimiser and the run's settings to ``path``."""
        save_state(path, model, optimizer, dict(self.to_json(), config=config))

    @classmethod
    def load(
        cls, path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer
    ) -> TrainState:
        """Restore the weights and optimiser from ``path`` in place; return the state.

        Raises:
            CheckpointError: The file is missing, corrupt, or does not fit the model.
        """
        return cls.from_json(load_state(path, model, optimizer))


def state_path_for(output: Path) -> Path:
    """Return where the training state of a run writing ``output`` lives."""
    output = Path(output)
    return output.with_name(output.name.removesuffix(".safetensors") + ".state.safetensors")


def save_state(
    path: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    info: dict[str, Any],
) -> None:
    """Write model weights, optimiser state and ``info`` (JSON-able) atomically to ``path``."""
    from safetensors.torch import save_file

    tensors = {f"model.{k}": v.detach().contiguous() for k, v in model.state_dict().items()}
    optim = optimizer.state_dict()
    for index, slots in optim["state"].items():
        for name, value in slots.items():
            tensors[f"optim.{index}.{name}"] = torch.as_tensor(value).detach().contiguous()
    meta = dict(info, optimizer_param_groups=optim["param_groups"])
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={_META_KEY: json.dumps(meta)})
    os.replace(tmp, path)


def load_state(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer
) -> dict[str, Any]:
    """Restore model and optimiser from ``path`` in place; return the saved ``info``.

    Raises:
        CheckpointError: The file is missing, corrupt, or does not fit the model.
    """
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"training state not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except Exception as err:  # safetensors raises several types for a bad file
        raise CheckpointError(f"{path}: not a readable training state ({err})") from err
    if _META_KEY not in meta:
        raise CheckpointError(f"{path}: a safetensors file, but not a seismic-salt training state")
    info = json.loads(meta[_META_KEY])

    model_state = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(model_state, strict=True)
    except RuntimeError as err:
        raise CheckpointError(
            f"{path}: the training state does not match the model {info.get('model')!r}"
        ) from err

    slots: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            slots.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": slots, "param_groups": info.pop("optimizer_param_groups")})
    return info


def read_state_info(path: Path) -> dict[str, Any]:
    """Return the JSON of a training state (counters and settings) without its tensors.

    Raises:
        CheckpointError: The file is missing or not a readable training state.
    """
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"training state not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as handle:
            return json.loads((handle.metadata() or {})[_META_KEY])
    except Exception as err:  # safetensors raises several types for a bad file
        raise CheckpointError(f"{path}: not a readable seismic-salt training state") from err
