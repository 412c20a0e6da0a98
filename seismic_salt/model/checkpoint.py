"""Checkpoints: safetensors weights plus a JSON config beside them; never pickle.

``save_model(model, "run/best.safetensors")`` writes ``run/best.safetensors`` (the state
dict) and ``run/best.json``::

    {"format_version": 1, "name": "hyper_resnet34_fast", "options": {...},
     "input": {"channels": [...], "tile_size": 101, "pad_to": 128, "padding": "reflect",
               "normalisation": {"kind": "robust_clip", ...}, "depth_channel": "tile_ramp"},
     "output": {"kind": "logits", "activation": "sigmoid", "threshold": 0.5,
                "min_salt_pixels": 0},
     "weights": {"file": "best.safetensors", "sha256": "...", "dtype": "float32"},
     "provenance": {...}, "software_version": "0.1.0"}

:func:`load_model` checks the file is safetensors (a ``torch.save`` zip or raw pickle is
refused without being read), its sha256, the architecture and the input contract, and
returns the model in eval mode with ``.config`` set to the JSON (plus ``"path"``).
Loaded models are cached per process, keyed on the resolved path, its size and mtime and
the device: repeated calls return the same module, so don't train a cached model in place
(pass ``cache=False`` for a private copy).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seismic_salt.errors import CheckpointError
from seismic_salt.model.config import (
    FORMAT_VERSION,
    ModelConfig,
    checkpoint_config,
    read_config_json,
)

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = [
    "FORMAT_VERSION",
    "check_model_output",
    "check_sha256",
    "load_model",
    "model_sha256",
    "resolve_checkpoint",
    "save_model",
]

# One key only: safetensors writes metadata from a hash map, so several keys would come
# out in varying order and the file's sha256 would not be reproducible.
_METADATA = {"format": "pt"}


def _state_bytes(model: nn.Module, dtype: torch.dtype | None = None) -> bytes:
    import torch
    from safetensors.torch import save

    dtype = torch.float32 if dtype is None else dtype
    tensors = {}
    for key, value in model.state_dict().items():
        value = value.detach().to("cpu")
        if value.is_floating_point():
            value = value.to(dtype)
        tensors[key] = value.contiguous()
    return save(tensors, metadata=dict(_METADATA))


def save_model(
    model: nn.Module,
    path: str | os.PathLike,
    *,
    provenance: dict[str, Any] | None = None,
    threshold: float = 0.5,
    min_salt_pixels: int = 0,
    dtype: torch.dtype | None = None,
) -> Path:
    """Write ``model``'s weights as safetensors and its JSON config beside them.

    Args:
        model: A network from :func:`~seismic_salt.model.build_model` or :func:`load_model`
            (it must carry ``.config`` with ``name`` and ``options``).
        path: Weights file to write, conventionally ``*.safetensors``; the config goes to
            ``path.with_suffix(".json")``.
        provenance: JSON-serialisable facts about the training run (data, epochs, score).
        threshold: Probability above which a pixel is salt.
        min_salt_pixels: Predicted masks with fewer salt pixels are emptied.
        dtype: Floating dtype of the stored weights (default ``torch.float32``;
            ``torch.bfloat16``/``torch.float16`` halve the file).

    Returns:
        The path of the weights file.

    Raises:
        CheckpointError: The model has no ``.config``, or ``path`` ends in ``.json``.
        OutputError: A file cannot be written (it is replaced atomically).
    """
    import torch

    from seismic_salt import __version__

    path = Path(path)
    if path.suffix == ".json":
        raise CheckpointError(f"checkpoint path {path} ends in .json; name the weights file")
    config = getattr(model, "config", None)
    if not isinstance(config, dict) or "name" not in config or "options" not in config:
        raise CheckpointError(
            "the model has no .config with 'name' and 'options'; build it with "
            "seismic_salt.model.build_model"
        )
    dtype = torch.float32 if dtype is None else dtype
    data = _state_bytes(model, dtype)
    meta = {
        "format_version": FORMAT_VERSION,
        "name": config["name"],
        "options": config["options"],
        "input": config.get("input") or _default_input(config["options"]),
        "output": {
            "kind": "logits",
            "activation": "sigmoid",
            "threshold": float(threshold),
            "min_salt_pixels": int(min_salt_pixels),
        },
        "weights": {
            "file": path.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "dtype": str(dtype).removeprefix("torch."),
        },
        "provenance": provenance or {},
        "software_version": __version__,
    }
    text = json.dumps(meta, indent=2, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, data)
    _atomic_write(path.with_suffix(".json"), (text + "\n").encode())
    return path


def check_model_output(
    output: str | os.PathLike, inputs: dict[str, Any] | None = None, *, overwrite: bool = False
) -> Path:
    """Refuse a model output that is not a ``.safetensors`` path, is an input, or exists.

    Returns:
        The checked absolute path of the weights file (its ``.json`` is checked too).

    Raises:
        OutputError: Naming the problem (see :mod:`seismic_salt.outputs`).
    """
    from seismic_salt.errors import OutputError
    from seismic_salt.outputs import check_outputs

    output = Path(output)
    if output.suffix != ".safetensors":
        raise OutputError(f"the model to write must be a .safetensors path, got {output}")
    written = {"model": output, "model config": output.with_suffix(".json")}
    return check_outputs(written, inputs, overwrite=overwrite)["model"]


def _default_input(options: dict[str, Any]) -> dict[str, Any]:
    from seismic_salt.model.inputs import input_contract

    return input_contract(options.get("pad_to", 128))


def _atomic_write(path: Path, data: bytes) -> None:
    from seismic_salt.outputs import atomic_file

    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


def resolve_checkpoint(name_or_path: str | os.PathLike) -> Path:
    """Turn ``"default"``, an ``arch.tag`` name or a path into a ``.safetensors`` path.

    Raises:
        CheckpointError: The file or bundled model does not exist.
    """
    from seismic_salt.weights import weights_path

    if isinstance(name_or_path, str) and name_or_path == "default":
        return weights_path("default")
    path = Path(name_or_path)
    if path.suffix == ".json":
        path = path.with_suffix(".safetensors")
    if path.is_file():
        return path.resolve()
    text = str(name_or_path)
    if isinstance(name_or_path, str) and "/" not in text and not text.endswith(".safetensors"):
        if "." in text:
            return weights_path(text)
        raise CheckpointError(
            f"{text!r} is neither a checkpoint file nor a bundled 'arch.tag' name; "
            f"for trained weights of this architecture use e.g. '{text}.tgs' or a path"
        )
    raise CheckpointError(f"checkpoint {path} not found; pass an existing .safetensors file")


def load_model(
    name_or_path: str | os.PathLike, device: str | torch.device = "cpu", *, cache: bool = True
) -> nn.Module:
    """Load a checkpoint written by :func:`save_model`.

    Args:
        name_or_path: ``"default"``, a bundled ``arch.tag`` name, or the path of a
            ``.safetensors`` file (or of its ``.json``).
        device: Device to put the model on.
        cache: Reuse a model already loaded in this process from the same unchanged file
            (the same module object is returned).

    Returns:
        The model in eval mode; ``.config`` holds the JSON config plus ``"path"``.

    Raises:
        CheckpointError: Missing, corrupt, truncated, pickled, sha256-mismatched or
            architecture-mismatched checkpoint.

    Example:
        >>> model = load_model("default")  # doctest: +SKIP
        >>> model.config["input"]["tile_size"]  # doctest: +SKIP
        101
    """
    path = resolve_checkpoint(name_or_path)
    stat = path.stat()
    if not cache:
        return _load(str(path), str(device))
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size, str(device))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int, device: str) -> nn.Module:
    return _load(path, device)


def _check_safetensors_bytes(path: Path, data: bytes) -> None:
    # A safetensors file opens with its header length (8 bytes, little-endian) and then
    # the JSON header's "{"; that length's low byte may well be 0x80, pickle's first
    # byte, so the pickle test applies only to what is not a safetensors file.
    looks_like_safetensors = data[8:9] == b"{"
    if not looks_like_safetensors and (data[:2] == b"PK" or data[:1] == b"\x80"):
        raise CheckpointError(
            f"{path} is a torch.save/pickle file, not safetensors; seismic-salt never "
            "unpickles checkpoints: re-save the weights with seismic_salt.model.save_model"
        )
    if len(data) < 10:
        raise CheckpointError(f"{path} is truncated ({len(data)} bytes): not a safetensors file")
    header = int.from_bytes(data[:8], "little")
    if data[8:9] != b"{" or header > len(data) - 8:
        raise CheckpointError(f"{path} is corrupt or truncated: not a valid safetensors file")


def _load(path_text: str, device: str) -> nn.Module:
    from safetensors import SafetensorError
    from safetensors.torch import load

    from seismic_salt.model.registry import build_model

    path = Path(path_text)
    raw = read_config_json(path)
    config = checkpoint_config(raw, path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CheckpointError(f"cannot read checkpoint {path}: {err}") from err
    _check_safetensors_bytes(path, data)
    check_sha256(path, hashlib.sha256(data).hexdigest(), config)
    try:
        state = load(data)
    except (SafetensorError, ValueError, RuntimeError) as err:
        raise CheckpointError(
            f"checkpoint {path} is not a readable safetensors file: {err}"
        ) from err
    model = build_model(config.name, **config.options)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[1:2] or [str(err)]
        raise CheckpointError(
            f"checkpoint {path} does not fit architecture {config.name!r} with its options:"
            f" {first[0].strip()[:200]}"
        ) from err
    model.config = dict(raw, path=str(path))
    return model.to(device).eval()


def check_sha256(path: Path, digest: str, config: ModelConfig) -> None:
    """Refuse weights whose digest is not the one their config records.

    Raises:
        CheckpointError: The file is corrupt or belongs to another config.
    """
    if digest != config.sha256:
        raise CheckpointError(
            f"checkpoint {path} has sha256 {digest[:12]}… but its config records "
            f"{str(config.sha256)[:12]}…: the file is corrupt or belongs to another config"
        )


def model_sha256(model_or_path: nn.Module | str | os.PathLike) -> str:
    """Return the sha256 identifying a model's weights.

    For a path (or ``"default"`` / ``arch.tag``): the sha256 of the ``.safetensors`` file.
    For a model loaded by :func:`load_model`: the sha256 recorded for the file it came from.
    For any other model: the sha256 of the float32 safetensors bytes that
    :func:`save_model` would write, so saving it gives a file with this digest.

    Raises:
        CheckpointError: The path does not exist.
    """
    if not isinstance(model_or_path, (str, os.PathLike)):
        recorded = ModelConfig.of(model_or_path).sha256
        return recorded or hashlib.sha256(_state_bytes(model_or_path)).hexdigest()
    path = resolve_checkpoint(model_or_path)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
