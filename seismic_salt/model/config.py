"""A model's JSON config as frozen values: what the model is, eats and returns.

A checkpoint's ``.json`` (see :mod:`seismic_salt.model.checkpoint`) and the ``.config``
dict a built or loaded module carries are the same JSON. :class:`ModelConfig` parses it
once, so the rest of the library reads typed fields (``config.input.normalisation``,
``config.output.threshold``) instead of digging through nested dicts.
:func:`read_model_config` reads a checkpoint's config without importing torch, so a
segmentation run can name, identify and scale for a model before any worker loads it.

Example:
    >>> config = ModelConfig.from_json({"name": "net", "options": {}})
    >>> config.input.normalisation.kind, config.output.threshold
    ('robust_clip', 0.5)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seismic_salt.errors import CheckpointError, DataError
from seismic_salt.normalize import Contract
from seismic_salt.tiling import TILE

__all__ = [
    "CHANNELS",
    "DEPTH_CHANNEL",
    "ENSEMBLE",
    "WEIGHT_DTYPES",
    "FORMAT_VERSION",
    "InputContract",
    "ModelConfig",
    "OutputContract",
    "check_schema",
    "checkpoint_config",
    "read_config_json",
    "read_model_config",
]

FORMAT_VERSION = 1
"""Version of the checkpoint JSON this seismic-salt writes and reads."""

CHANNELS = ("amplitude", "vertical_ramp", "amplitude*vertical_ramp")
"""The network's input channels, in order (built by ``model.inputs.tile_channels``)."""

DEPTH_CHANNEL = "tile_ramp"
"""The depth channel: a ramp from 0 to 1 down each tile."""

ENSEMBLE = "ensemble"
"""The architecture name of an ensemble checkpoint (:mod:`seismic_salt.model.ensemble`)."""

WEIGHT_DTYPES = ("float16", "bfloat16", "float32")
"""The torch dtypes, by name, an ensemble's weights may be stored in."""


@dataclass(frozen=True)
class InputContract:
    """What the network is fed (the JSON's ``input``).

    Attributes:
        channels: Input channel names, in order.
        tile_size: Side of the tiles the model was trained on, in pixels.
        pad_to: Side the network pads tiles to internally, in pixels.
        depth_channel: How depth enters the channels.
        normalisation: How amplitudes are scaled before they reach the network.
    """

    channels: tuple[str, ...] = CHANNELS
    tile_size: int = TILE
    pad_to: int = 128
    depth_channel: str = DEPTH_CHANNEL
    normalisation: Contract = field(default_factory=Contract)


@dataclass(frozen=True)
class OutputContract:
    """What the network returns and how it becomes a mask (the JSON's ``output``).

    Attributes:
        threshold: Probability above which a pixel is salt.
        min_salt_pixels: Tiles predicted with fewer salt pixels are called empty.
    """

    threshold: float = 0.5
    min_salt_pixels: int = 0


@dataclass(frozen=True)
class ModelConfig:
    """A model's config, parsed.

    Attributes:
        name: Registered architecture name (``"hyper_resnet34_fast"``), or the module's
            class name for a module without a config.
        options: Options of ``build_model``.
        input: The input contract.
        output: The output contract.
        sha256: Digest of the weights file it was saved with, or None when unsaved.
    """

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    input: InputContract = field(default_factory=InputContract)
    output: OutputContract = field(default_factory=OutputContract)
    sha256: str | None = None

    @classmethod
    def from_json(cls, config: Mapping[str, Any], name: str = "model") -> ModelConfig:
        """Parse a config dict; missing parts take the first models' values.

        Args:
            config: The JSON (``model.config`` or a checkpoint's ``.json``).
            name: Name to use when the config has none.

        Raises:
            DataError: If the normalisation is unknown or a value is malformed.
        """
        given_input = config.get("input") or {}
        given_output = config.get("output") or {}
        try:
            contract = InputContract(
                channels=tuple(given_input.get("channels", CHANNELS)),
                tile_size=int(given_input.get("tile_size", TILE)),
                pad_to=int(given_input.get("pad_to", 128)),
                depth_channel=str(given_input.get("depth_channel", DEPTH_CHANNEL)),
                normalisation=Contract.from_config(given_input.get("normalisation")),
            )
            output = OutputContract(
                threshold=float(given_output.get("threshold", 0.5)),
                min_salt_pixels=int(given_output.get("min_salt_pixels", 0)),
            )
        except (TypeError, ValueError, AttributeError) as err:
            if isinstance(err, DataError):
                raise
            raise DataError(f"the model's config is malformed: {err}") from err
        sha256 = (config.get("weights") or {}).get("sha256")
        options = dict(config.get("options") or {})
        return cls(str(config.get("name", name)), options, contract, output, sha256 or None)

    @classmethod
    def of(cls, model: Any) -> ModelConfig:
        """Parse the ``.config`` of a module (none: defaults, named by its class).

        Raises:
            DataError: If the config's normalisation is unknown or malformed.
        """
        return cls.from_json(getattr(model, "config", None) or {}, type(model).__name__)


def read_config_json(weights: Path) -> dict[str, Any]:
    """Read and check the JSON config beside a ``.safetensors`` file (no torch needed).

    Raises:
        CheckpointError: If the config is missing, not JSON, lacks a required key, has
            another format version, or an input contract this version cannot build.
    """
    weights = Path(weights)
    path = weights.with_suffix(".json")
    if not path.is_file():
        raise CheckpointError(f"checkpoint config {path} is missing (written by save_model)")
    try:
        config = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"checkpoint config {path} is not valid JSON: {err}") from err
    check_schema(config, path)
    if config["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {weights} has format_version {config['format_version']!r}; this "
            f"seismic-salt reads version {FORMAT_VERSION}: upgrade seismic-salt"
        )
    return config


SCHEMA: dict[str, tuple[tuple[type, ...], bool]] = {
    "format_version": ((int,), True),
    "name": ((str,), True),
    "options": ((dict,), True),
    "input": ((dict,), True),
    "weights": ((dict,), True),
    "weights.sha256": ((str,), True),
    "input.channels": ((list,), False),
    "input.tile_size": ((int,), False),
    "input.pad_to": ((int,), False),
    "input.depth_channel": ((str,), False),
    "input.normalisation": ((dict, type(None)), False),
    "output": ((dict,), False),
    "output.threshold": ((int, float), False),
    "output.min_salt_pixels": ((int,), False),
    "provenance": ((dict,), False),
}
"""Key (dotted path) of a checkpoint's JSON -> (JSON types it may hold, required)."""

_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer",
               float: "a number", type(None): "null"}  # fmt: skip


def check_schema(config: Any, path: Path) -> None:
    """Check a checkpoint's JSON has every required key with a value of the right type.

    Runs before anything else reads the JSON (and before any tensor is touched).

    Raises:
        CheckpointError: Naming the first key that is missing or of the wrong type.
    """
    if not isinstance(config, dict):
        raise CheckpointError(f"checkpoint config {path} is not a JSON object")
    missing = [key for key, (_, required) in SCHEMA.items() if required and "." not in key
               and key not in config]  # fmt: skip
    if missing:
        raise CheckpointError(f"checkpoint config {path} lacks {', '.join(missing)}")
    for key, (types, required) in SCHEMA.items():
        parent, _, name = key.rpartition(".")
        holder = config.get(parent) if parent else config
        if not isinstance(holder, dict) or name not in holder:
            if required and isinstance(holder, dict):
                raise CheckpointError(f"checkpoint config {path} lacks '{key}'")
            continue
        value = holder[name]
        if isinstance(value, bool) or not isinstance(value, types):
            expected = " or ".join(_TYPE_NAMES[t] for t in types)
            raise CheckpointError(
                f"checkpoint config {path}: '{key}' must be {expected}, got "
                f"{json.dumps(value)[:40]}"
            )
    channels = config["input"].get("channels", [])
    if not all(isinstance(channel, str) for channel in channels):
        raise CheckpointError(f"checkpoint config {path}: 'input.channels' must be strings")


def read_model_config(weights: Path) -> ModelConfig:
    """Return the parsed config of a checkpoint (no torch needed).

    Raises:
        CheckpointError: As :func:`read_config_json` and :func:`checkpoint_config`.
    """
    return checkpoint_config(read_config_json(weights), weights)


def checkpoint_config(raw: Mapping[str, Any], weights: Path) -> ModelConfig:
    """Parse a checkpoint's JSON after checking its input contract fits this version.

    Args:
        raw: The JSON from :func:`read_config_json`.
        weights: The checkpoint, named in messages.

    Raises:
        CheckpointError: If the checkpoint expects other channels, another depth
            channel or an unknown normalisation.
    """
    channels = raw["input"].get("channels")
    depth = raw["input"].get("depth_channel")
    if channels != list(CHANNELS) or depth != DEPTH_CHANNEL:
        raise CheckpointError(
            f"checkpoint {weights} expects input channels {channels} with depth channel "
            f"{depth!r}; this seismic-salt builds {list(CHANNELS)} with {DEPTH_CHANNEL!r}"
        )
    try:
        return ModelConfig.from_json(raw)
    except DataError as err:
        raise CheckpointError(f"checkpoint {weights}: {err}") from err
