"""The per-block work every run shares: scale, cut into sections, predict, blend back.

:func:`predict_block` is the whole prediction of one block of amplitudes.
:class:`BlockPredictor` carries what it needs besides the amplitudes (the model, the
settings and the volume's scaling) to any worker, and :func:`fit_scaling` /
:func:`check_scaling` make sure that scaling is the one the model was trained for.

NaN samples and dead traces (all zero or NaN, or not ``live``) are filled with 0 for the
model and set to NaN in the output, so they never leak into their neighbours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from seismic_salt.errors import CheckpointError, DataError
from seismic_salt.inference.model_ref import ModelRef, load_module
from seismic_salt.inference.orientation import INLINE, Orientation, as_orientation
from seismic_salt.inference.settings import Settings, resolve_device
from seismic_salt.normalize import Normalisation, dead_traces
from seismic_salt.tiling import Splitter, predict_sections

__all__ = ["BlockPredictor", "check_scaling", "fit_scaling", "make_predictor", "predict_block"]


def predict_block(
    block: np.ndarray,
    live: np.ndarray | None,
    scaling: Normalisation,
    predictor: Callable[[np.ndarray], np.ndarray],
    splitter: Splitter,
    orientation: Orientation | str = INLINE,
) -> np.ndarray:
    """Predict salt probabilities of a block ``[inline, crossline, sample]``.

    Args:
        block: Raw amplitudes.
        live: Bool ``[inline, crossline]`` mask of live traces, or None.
        scaling: The volume's amplitude normalisation.
        predictor: Maps patches ``[N, 101, 101]`` (depth down) to probabilities.
        splitter: How sections are cut into patches.
        orientation: The sections to predict (or their name): ``"inline"``
            (crossline × sample) or ``"crossline"`` (inline × sample).

    Returns:
        ``float32`` probabilities of the block's shape, NaN at NaN samples and dead traces.

    Raises:
        DataError: If the block is not 3D or the predictor returns a wrong shape.
        CheckpointError: If the predictor returns NaN or inf for a valid sample.
    """
    direction = as_orientation(orientation)
    block = np.asarray(block, dtype=np.float32)
    if block.ndim != 3:
        raise DataError(f"a block must be [inline, crossline, sample], got {block.shape}")
    dead = dead_traces(block)
    if live is not None:
        dead |= ~np.asarray(live, dtype=bool)
    invalid = dead[..., None] | ~np.isfinite(block)
    filled = np.where(invalid, 0.0, scaling.apply(np.nan_to_num(block))).astype(np.float32)
    mask = direction.sections(np.broadcast_to(invalid, block.shape))
    stack = predict_sections(direction.sections(filled), predictor, splitter, invalid=mask)
    probability = direction.block(stack)
    broken = ~invalid & ~np.isfinite(probability)
    if broken.any():
        raise CheckpointError(
            f"the model predicted NaN or inf for {int(broken.sum())} samples of finite "
            "amplitudes: its weights hold NaN or inf, or it overflows at this precision; "
            "nothing of this block was written"
        )
    return np.where(invalid, np.nan, probability).astype(np.float32)


def make_predictor(model: ModelRef, settings: Settings) -> Callable[[np.ndarray], np.ndarray]:
    """Return a callable mapping amplitude patches ``[N, 101, 101]`` to probabilities.

    With ``settings.compile == "on"`` the model runs through ``torch.compile``, and each
    call is padded to whole batches so that one batch shape is ever compiled; if the
    compilation fails, a warning is logged and the eager model runs instead.

    Raises:
        CheckpointError: If the model cannot be loaded.
    """
    from seismic_salt.model.compiled import compile_failure, compiled, give_up
    from seismic_salt.model.predict import predict_tiles

    device = resolve_device(settings.device)
    eager = load_module(model, device)
    module = compiled(eager) if settings.compile == "on" else eager

    def run(network: Any, patches: np.ndarray) -> np.ndarray:
        return predict_tiles(network, patches, batch_size=settings.batch_size, device=device,
                             precision=settings.precision)  # fmt: skip

    def predictor(patches: np.ndarray) -> np.ndarray:
        nonlocal module
        if module is eager:
            return run(eager, patches)
        short = -len(patches) % settings.batch_size
        padded = np.concatenate([patches, np.zeros((short, *patches.shape[1:]), patches.dtype)])
        try:
            return run(module, padded)[: len(patches)]
        except compile_failure() as error:
            give_up(eager, error)
            module = eager
            return run(eager, patches)

    return predictor


@dataclass(frozen=True)
class BlockPredictor:
    """Everything a block task needs besides its amplitudes; picklable for workers.

    Attributes:
        model: The model.
        settings: The run's settings, precision resolved.
        scaling: The volume's amplitude normalisation.
    """

    model: ModelRef
    settings: Settings
    scaling: Normalisation

    def __call__(
        self, block: np.ndarray, live: np.ndarray | None, orientation: Orientation | str
    ) -> np.ndarray:
        """Predict one block (see :func:`predict_block`), loading the model if needed.

        Raises:
            DataError: If the block is not 3D.
            CheckpointError: If the model cannot be loaded.
        """
        predictor = make_predictor(self.model, self.settings)
        splitter = self.settings.splitter()
        return predict_block(block, live, self.scaling, predictor, splitter, orientation)


def fit_scaling(amplitude: Any, live: np.ndarray | None, model: ModelRef) -> Normalisation:
    """Fit the normalisation the model's contract asks for, reading a sample of inlines.

    Raises:
        DataError: If the volume has no live trace.
    """
    import dask

    contract = model.config.input.normalisation
    with dask.config.set(scheduler="synchronous"):
        return Normalisation.fit(amplitude, live, contract=contract)


def check_scaling(scaling: Normalisation, model: ModelRef) -> None:
    """Refuse a scaling fitted for another normalisation kind than the model's.

    Raises:
        DataError: The kinds differ (a model trained on stretched tiles must not see
            a volume scaled for the first models, or the reverse).
    """
    kind = model.config.input.normalisation.kind
    if scaling.kind != kind:
        raise DataError(
            f"the amplitude normalisation was fitted for {scaling.kind!r}, but the model "
            f"{model.name} expects {kind!r}: fit it for this model, or let segment fit it"
        )
