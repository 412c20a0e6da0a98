"""The salt-segmentation network: variants, checkpoints, tile inference.

Names are imported lazily so ``import seismic_salt.model`` does not import torch.

Example:
    >>> from seismic_salt.model import build_model
    >>> net = build_model("hyper_resnet34_fast").eval()
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ModelConfig",
    "available_models",
    "build_model",
    "load_encoder_weights",
    "load_model",
    "model_sha256",
    "predict_tiles",
    "read_model_config",
    "save_model",
    "tile_channels",
]

_LAZY = {
    "ModelConfig": "seismic_salt.model.config",
    "read_model_config": "seismic_salt.model.config",
    "available_models": "seismic_salt.model.registry",
    "build_model": "seismic_salt.model.registry",
    "load_encoder_weights": "seismic_salt.model.pretrained",
    "load_model": "seismic_salt.model.checkpoint",
    "model_sha256": "seismic_salt.model.checkpoint",
    "save_model": "seismic_salt.model.checkpoint",
    "predict_tiles": "seismic_salt.model.predict",
    "tile_channels": "seismic_salt.model.inputs",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'seismic_salt.model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
