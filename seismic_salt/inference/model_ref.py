"""The model a run uses, named by the user and known from its JSON before it is loaded.

:func:`resolve_model` turns ``"default"``, a bundled ``arch.tag`` name, a checkpoint path
or an ``nn.Module`` into a :class:`ModelRef`: the name and digest the store records and
the parsed config, read without torch for a checkpoint. Workers load the weights
themselves, once per process (:func:`load_module`).
"""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from seismic_salt.model.config import ModelConfig

__all__ = ["ModelRef", "load_module", "resolve_model"]


@dataclass(frozen=True)
class ModelRef:
    """A model named by the user: what it is and where it comes from (picklable).

    Attributes:
        name: Name recorded in the store (the checkpoint's file name without
            ``.safetensors``, or the module's config name).
        sha256: Digest of the weights (:func:`~seismic_salt.model.model_sha256`).
        config: The model's parsed config.
        path: The checkpoint, or None for an in-memory module.
        module: The module itself when one was passed (never loaded again).
    """

    name: str
    sha256: str
    config: ModelConfig
    path: str | None = None
    module: Any = field(default=None, compare=False, repr=False)


def resolve_model(model: Any) -> ModelRef:
    """Describe ``"default"``, a bundled name, a checkpoint path or an ``nn.Module``.

    Raises:
        CheckpointError: If the name is not bundled, the file does not exist, its config
            is unreadable or of another input contract, or the file's digest is not the
            one its config records.
        DataError: If a module's config names an unknown normalisation.
    """
    from seismic_salt.model.checkpoint import check_sha256, model_sha256, resolve_checkpoint
    from seismic_salt.model.config import read_model_config

    if not isinstance(model, str | os.PathLike):
        config = ModelConfig.of(model)
        return ModelRef(config.name, model_sha256(model), config, None, model)
    path = resolve_checkpoint(model)
    config = read_model_config(path)
    digest = model_sha256(path)
    check_sha256(path, digest, config)  # before any store is made for it
    return ModelRef(path.name.removesuffix(".safetensors"), digest, config, str(path))


def load_module(model: ModelRef, device: str) -> Any:
    """Return the model for inference: eval mode, BatchNorm folded into its convolutions.

    ``load_model`` keeps the per-process cache (keyed on the file and the device), so a
    worker loads each checkpoint once however many blocks it runs; the folded copy
    (:func:`~seismic_salt.model.fuse.fold_batchnorm`, the same outputs to float rounding,
    one pass over the activations less) is made once per loaded module and weights, under
    a lock, and on a CPU already in channels-last memory format: block tasks on threads
    share it, and :func:`~seismic_salt.model.predict.predict_tiles` then never converts
    it in place while another thread runs it (which read freed weights: NaN or a crash).

    Raises:
        CheckpointError: If the checkpoint cannot be loaded.
    """
    if model.module is not None:
        return _folded(model.module, model.sha256)
    from seismic_salt.model.checkpoint import load_model

    return _folded(load_model(model.path, device=device), model.sha256)


#: module -> (digest of its weights when folded, folded copy); entries go with the module.
_FOLDED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FOLDING = threading.Lock()


def _folded(module: Any, sha256: str) -> Any:
    import torch

    from seismic_salt.model.fuse import fold_batchnorm

    with _FOLDING:  # block threads start together: fold once, and never half-converted
        digest, folded = _FOLDED.get(module, (None, None))
        if digest != sha256:  # a module whose weights changed since is folded again
            folded = fold_batchnorm(module.eval())
            if all(p.device.type == "cpu" for p in folded.parameters()):
                folded.to(memory_format=torch.channels_last)  # oneDNN's layout
            _FOLDED[module] = (sha256, folded)
        return folded
