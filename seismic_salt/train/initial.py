"""Where a run's weights start: fresh, with ImageNet encoder weights, or another model's.

A resumed run starts from its state instead, so none of this applies to it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from seismic_salt.errors import CheckpointError
from seismic_salt.train.config import TrainConfig

__all__ = ["load_encoder", "load_initial_weights", "start_weights"]


def start_weights(model: torch.nn.Module, config: TrainConfig, log: Callable[[str], None]) -> None:
    """Load the encoder weights and the initial model a new run asks for, in that order.

    Raises:
        CheckpointError: A weight file is unreadable or does not fit the model.
    """
    if config.encoder_weights:
        load_encoder(model, config, log)
    if config.init_model:
        load_initial_weights(model, config, log)


def load_encoder(model: torch.nn.Module, config: TrainConfig, log: Callable[[str], None]) -> None:
    """Load the run's ImageNet encoder weights (a file, or ``"imagenet"``) and log it.

    Raises:
        InputFileError: The file (or the package shipping it) is missing.
        CheckpointError: The file does not fit the encoder.
    """
    from seismic_salt.model import load_encoder_weights
    from seismic_salt.model.pretrained import imagenet_weights
    from seismic_salt.model.registry import model_options

    source = config.encoder_weights
    if source == "imagenet":
        encoder = model_options(config.model, **config.model_options)["encoder"]
        source = str(imagenet_weights(encoder))
    log(f"encoder weights from {source}: {load_encoder_weights(model, source).summary()}")


def load_initial_weights(
    model: torch.nn.Module, config: TrainConfig, log: Callable[[str], None] = print
) -> None:
    """Copy the weights of ``config.init_model`` into ``model``.

    Every tensor whose name and shape match is copied, so a checkpoint of a close variant
    with the same encoder works too (e.g. ``hyper_resnet34_fast`` starting
    ``hyper_resnet34``, whose stems differ only in stride and last up-sampling layer); the
    tensors that do not match keep their fresh initialisation and are named in the log.

    Raises:
        CheckpointError: The checkpoint is unreadable, of another encoder, or fewer than
            nine in ten of the model's tensors match it.
    """
    from seismic_salt.model.checkpoint import load_model
    from seismic_salt.model.config import ModelConfig
    from seismic_salt.model.ensemble import refuse_training
    from seismic_salt.model.registry import model_options

    source = load_model(config.init_model, cache=False)
    refuse_training(source, f"initial model {config.init_model}")
    source_config = ModelConfig.of(source)
    source_encoder = source_config.options.get("encoder")
    target_encoder = model_options(config.model, **config.model_options)["encoder"]
    if source_encoder != target_encoder:
        raise CheckpointError(
            f"the initial model {config.init_model} is a {source_config.name} with encoder "
            f"{source_encoder}, but the run trains {config.model} with encoder {target_encoder}"
        )
    theirs, ours = source.state_dict(), model.state_dict()
    fits = {k: v for k, v in theirs.items() if k in ours and ours[k].shape == v.shape}
    fresh = sorted(set(ours) - set(fits))
    if len(fits) < 0.9 * len(ours):
        raise CheckpointError(
            f"the initial model {config.init_model} ({source_config.name}) fits only "
            f"{len(fits)} of {len(ours)} tensors of {config.model}: use a closer variant"
        )
    model.load_state_dict(fits, strict=False)
    log(
        f"started from {config.init_model}: {len(fits)} tensors copied"
        + (f", {len(fresh)} initialised fresh ({', '.join(fresh[:4])})" if fresh else "")
    )
