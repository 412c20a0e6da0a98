"""Bundled model weights: ``arch.tag.safetensors`` files with their ``.json`` configs.

A weight name is ``arch.tag``, e.g. ``hyper_resnet34_fast.tgs`` (the architecture
``hyper_resnet34_fast`` trained on the TGS tiles). :data:`DEFAULT_MODEL` is what
``load_model("default")`` loads.
"""

from __future__ import annotations

from pathlib import Path

from seismic_salt.errors import CheckpointError

__all__ = ["DEFAULT_MODEL", "bundled_models", "weights_dir", "weights_path"]

DEFAULT_MODEL = "hyper_resnet34_fast.tgs"


def weights_dir() -> Path:
    """Return the directory holding the bundled weight files."""
    return Path(__file__).resolve().parent


def bundled_models() -> list[str]:
    """Return the ``arch.tag`` names of the bundled weights (those with both files)."""
    names = []
    for path in sorted(weights_dir().glob("*.safetensors")):
        if path.with_suffix(".json").is_file():
            names.append(path.name.removesuffix(".safetensors"))
    return names


def weights_path(name: str = "default") -> Path:
    """Return the ``.safetensors`` path of a bundled model.

    Args:
        name: ``"default"`` or an ``arch.tag`` name such as ``"hyper_resnet34_fast.tgs"``.

    Returns:
        The path of the weights file; its config is ``path.with_suffix(".json")``.

    Raises:
        CheckpointError: The weights or config file is not bundled.
    """
    arch_tag = DEFAULT_MODEL if name == "default" else name
    path = weights_dir() / f"{arch_tag}.safetensors"
    missing = [p.name for p in (path, path.with_suffix(".json")) if not p.is_file()]
    if missing:
        have = ", ".join(bundled_models()) or "none"
        what = "the default model " if name == "default" else "model "
        raise CheckpointError(
            f"{what}{arch_tag!r} is not bundled: {' and '.join(missing)} missing from "
            f"{weights_dir()} (bundled: {have}); train one (seismic-salt train) or pass the "
            "path of a .safetensors checkpoint"
        )
    return path
