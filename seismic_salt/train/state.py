"""Resumable training state in one safetensors file (no pickle).

The file holds the model's and optimiser's tensors; everything else (counters, best score,
the run's settings, optimiser hyper-parameters) is JSON in the safetensors metadata, so the
whole state is written with one atomic rename and read back without executing code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from seismic_salt.errors import CheckpointError

_META_KEY = "seismic_salt_training_state"


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
