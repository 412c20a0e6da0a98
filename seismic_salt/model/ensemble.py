"""Ensembles: several checkpoints of one input contract, their probabilities averaged.

An ensemble is an ordinary checkpoint (one ``.safetensors`` and its ``.json``), named
:data:`ENSEMBLE`, whose options list its members (architecture, options, and the sha256
and file each came from) and whose weights are the members' under ``members.<i>.``; its
provenance keeps each member's own (``ensemble_of``: what each trained on). So
``segment``, ``evaluate`` and ``predict-tiles`` take it like any model file, and
``load_model`` checks it like one. Flip test-time augmentation stays the tile path's own
(``predict_tiles(..., tta=True)``), applied to the ensemble's averaged output.

Example:
    >>> ensemble = make_ensemble(["fold0.safetensors", "fold1.safetensors"])  # doctest: +SKIP
    >>> save_ensemble(ensemble, "folds.safetensors")  # float16 weights  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seismic_salt.errors import CheckpointError
from seismic_salt.model.config import ENSEMBLE, WEIGHT_DTYPES, ModelConfig

__all__ = [
    "ENSEMBLE",
    "Ensemble",
    "build_ensemble",
    "ensemble_file",
    "make_ensemble",
    "refuse_training",
    "save_ensemble",
]

#: Probabilities are clipped to [EPS, 1 - EPS] before their logit is taken.
EPS = 1e-6


class Ensemble(nn.Module):
    """Networks of one input contract; returns the logit of their mean probability.

    In training mode (never used to train; kept for ``nn.Module`` symmetry) it behaves
    as in eval mode: a tensor of logits ``[N, 1, H, W]``.
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if not members:
            raise CheckpointError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probability = None
        for member in self.members:
            out = member(x)
            logits = out[0] if isinstance(out, tuple) else out
            p = torch.sigmoid(logits.float())
            probability = p if probability is None else probability + p
        probability = probability / len(self.members)
        return torch.logit(probability.clamp(EPS, 1 - EPS))


def refuse_training(model: Any, role: str) -> None:
    """Refuse to train an ensemble: its members are trained (or fine-tuned) one by one.

    Raises:
        CheckpointError: ``model`` is an ensemble; ``role`` names it in the message.
    """
    if ModelConfig.of(model).name == ENSEMBLE:
        raise CheckpointError(
            f"the {role} is an ensemble, which is not trained as one: train or fine-tune "
            "each member, then combine them again"
        )


def build_ensemble(members: Sequence[Mapping[str, Any]]) -> Ensemble:
    """Build an ensemble with random weights from its members' entries (see module doc).

    Raises:
        CheckpointError: No member, or a member's architecture is unknown.
    """
    from seismic_salt.model.registry import build_model

    networks = []
    for entry in members:
        if entry.get("name") == ENSEMBLE:
            raise CheckpointError("an ensemble's member cannot be an ensemble itself")
        networks.append(build_model(str(entry["name"]), **dict(entry.get("options") or {})))
    return _assemble(networks, members)


def _assemble(networks: Sequence[nn.Module], members: Sequence[Mapping[str, Any]]) -> Ensemble:
    """The :class:`Ensemble` of ``networks`` with its config (the first member's input)."""
    ensemble = Ensemble(networks)
    ensemble.config = {
        "name": ENSEMBLE,
        "options": {"members": [dict(entry) for entry in members]},
        "input": dict(networks[0].config["input"]),
    }
    return ensemble


def make_ensemble(checkpoints: Sequence[str | os.PathLike]) -> Ensemble:
    """Load checkpoints (bundled names or paths) into one ensemble, in eval mode.

    The ensemble's input contract is its members' (they must agree), and its
    ``config["output"]`` the mean of their thresholds and minimum salt areas, so a
    pixel is salt where the averaged probability passes the members' typical level
    (``evaluate`` on a validation fold can choose them again).

    Raises:
        CheckpointError: Fewer than two checkpoints, one unreadable, an ensemble among
            them, or two whose input contracts differ.
    """
    from seismic_salt.model.checkpoint import load_model

    if len(checkpoints) < 2:
        raise CheckpointError("an ensemble needs two checkpoints or more")
    models = [load_model(path, cache=False) for path in checkpoints]
    configs = [ModelConfig.of(model) for model in models]
    for path, config in zip(checkpoints, configs, strict=True):
        if config.name == ENSEMBLE:
            raise CheckpointError(f"{path} is an ensemble; give its members instead")
        if config.input != configs[0].input:
            raise CheckpointError(
                f"{path} reads its input differently from {checkpoints[0]} (its input "
                "contract, e.g. the normalisation, differs): an ensemble's members must agree"
            )
    entries = [
        {
            "name": config.name,
            "options": dict(config.options),
            "sha256": config.sha256,
            "file": Path(model.config["path"]).name,
        }
        for model, config in zip(models, configs, strict=True)
    ]
    ensemble = _assemble(models, entries)  # private copies (cache=False): wrapped as they are
    ensemble.config["provenance"] = {
        "ensemble_of": [
            {
                "file": entry["file"],
                "sha256": entry["sha256"],
                "provenance": dict(model.config.get("provenance") or {}),
            }
            for model, entry in zip(models, entries, strict=True)
        ]
    }
    ensemble.config["output"] = {
        "threshold": sum(c.output.threshold for c in configs) / len(configs),
        "min_salt_pixels": round(sum(c.output.min_salt_pixels for c in configs) / len(configs)),
    }
    return ensemble.eval()


def save_ensemble(
    ensemble: Ensemble, path: str | os.PathLike, *, dtype: torch.dtype = torch.float16
) -> Path:
    """Write an ensemble as one checkpoint (float16 weights by default: half the bytes).

    Raises:
        CheckpointError, OutputError: As :func:`~seismic_salt.model.checkpoint.save_model`.
    """
    from seismic_salt.model.checkpoint import save_model

    output = ensemble.config.get("output", {})
    members = ensemble.config["options"]["members"]
    return save_model(
        ensemble,
        path,
        provenance=ensemble.config.get("provenance")
        or {"ensemble_of": [{"file": m["file"], "sha256": m["sha256"]} for m in members]},
        threshold=float(output.get("threshold", 0.5)),
        min_salt_pixels=int(output.get("min_salt_pixels", 0)),
        dtype=dtype,
    )


def ensemble_file(
    checkpoints: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    *,
    dtype: str = "float16",
    overwrite: bool = False,
) -> Path:
    """Combine checkpoints into an ensemble checkpoint at ``output`` (what the CLI runs).

    Args:
        checkpoints: Two or more bundled names or ``.safetensors`` paths.
        output: The ``.safetensors`` file to write (its ``.json`` beside it).
        dtype: ``"float16"``, ``"bfloat16"`` or ``"float32"`` weights.
        overwrite: Replace an existing output.

    Raises:
        CheckpointError: See :func:`make_ensemble`; or an unknown ``dtype``.
        OutputError: The output is a member, exists (without ``overwrite=True``), or is
            not a ``.safetensors`` path.
    """
    from seismic_salt.model.checkpoint import check_model_output, resolve_checkpoint

    if dtype not in WEIGHT_DTYPES:
        raise CheckpointError(
            f"weights dtype must be one of {', '.join(WEIGHT_DTYPES)}, not {dtype!r}"
        )
    members = [resolve_checkpoint(path) for path in checkpoints]
    reads = {"member": [p for m in members for p in (m, m.with_suffix(".json"))]}
    check_model_output(output, reads, overwrite=overwrite)
    return save_ensemble(make_ensemble(members), output, dtype=getattr(torch, dtype))
