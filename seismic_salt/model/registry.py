"""Named network variants and :func:`build_model`.

The table below is plain data: each variant names the options of
:class:`seismic_salt.model.unet.UNet` it uses and the weight tags published for it. Weight
files are named ``arch.tag`` (e.g. ``hyper_resnet34_fast.tgs``) and live in
:mod:`seismic_salt.weights`. :func:`register_model` adds a variant at run time and refuses
duplicates; every lookup returns a copy, so callers cannot change the table.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seismic_salt.errors import CheckpointError

if TYPE_CHECKING:
    from torch import nn

__all__ = ["ModelSpec", "available_models", "build_model", "model_spec", "register_model"]

#: Options of :class:`~seismic_salt.model.unet.UNet` with their defaults.
BASE_OPTIONS: dict[str, Any] = {
    "encoder": "resnet34",
    "in_channels": 3,
    "stem_stride": 1,
    "scse": False,
    "hypercolumn": False,
    "deep_supervision": False,
    "dropout": 0.0,
    "decoder_channels": [256, 128, 64, 32, 32],
    "pad_to": 128,
}

_HYPER = {"scse": True, "hypercolumn": True, "deep_supervision": True}


@dataclass(frozen=True)
class ModelSpec:
    """One registered variant.

    Attributes:
        name: Architecture name, e.g. ``hyper_resnet34``.
        options: Options that differ from :data:`BASE_OPTIONS`.
        tags: Weight tags published for it (``arch.tag`` files in ``seismic_salt/weights``).
        description: One line for listings.
    """

    name: str
    options: dict[str, Any]
    tags: tuple[str, ...] = ()
    description: str = ""


_BUILTIN: tuple[ModelSpec, ...] = (
    ModelSpec("unet_resnet34", {"encoder": "resnet34"}, (), "plain U-Net, ResNet-34"),
    ModelSpec("unet_resnext50", {"encoder": "resnext50_32x4d"}, (), "plain U-Net, ResNeXt-50"),
    ModelSpec(
        "hyper_resnet34",
        {"encoder": "resnet34", **_HYPER},
        ("tgs",),
        "ResNet-34 + scSE + hypercolumn + deep supervision",
    ),
    ModelSpec(
        "hyper_resnet34_fast",
        {"encoder": "resnet34", "stem_stride": 2, **_HYPER},
        ("tgs",),
        "hyper_resnet34 with the strided ImageNet stem (4x cheaper, CPU-friendly)",
    ),
    ModelSpec(
        "hyper_resnet18_fast",
        {"encoder": "resnet18", "stem_stride": 2, **_HYPER},
        (),
        "hyper_resnet34_fast with the shallower ResNet-18 encoder (a CPU candidate)",
    ),
    ModelSpec(
        "hyper_effnet_lite0",
        {"encoder": "efficientnet_lite0", "stem_stride": 2, **_HYPER},
        (),
        "EfficientNet-Lite0 + scSE + hypercolumn + deep supervision (ImageNet encoder "
        "from a local file; the CPU candidate)",
    ),
    ModelSpec(
        "hyper_resnext50",
        {"encoder": "resnext50_32x4d", **_HYPER},
        ("tgs",),
        "ResNeXt-50 32x4d + scSE + hypercolumn + deep supervision",
    ),
    ModelSpec(
        "hyper_se_resnext50",
        {"encoder": "se_resnext50_32x4d", **_HYPER},
        ("tgs",),
        "the paper's flagship: SE-ResNeXt-50 + scSE + hypercolumn + deep supervision",
    ),
)

_added: dict[str, ModelSpec] = {}


def _table() -> dict[str, ModelSpec]:
    table = {spec.name: spec for spec in _BUILTIN}
    table.update(_added)
    return table


def available_models() -> list[str]:
    """Return the registered architecture names, sorted."""
    return sorted(_table())


def register_model(
    name: str, options: dict[str, Any], *, tags: tuple[str, ...] = (), description: str = ""
) -> None:
    """Register a new variant.

    Args:
        name: New architecture name (letters, digits, ``_``; no ``.``).
        options: Options of :class:`~seismic_salt.model.unet.UNet` that differ from
            :data:`BASE_OPTIONS`.
        tags: Weight tags published for it.
        description: One line for listings.

    Raises:
        ValueError: The name is taken or malformed, or an option is unknown.
    """
    if name in _table():
        raise ValueError(f"model {name!r} is already registered; pick another name")
    if not name or "." in name:
        raise ValueError(f"model name {name!r} must be non-empty and contain no '.'")
    _check_options(name, options)
    _added[name] = ModelSpec(name, copy.deepcopy(dict(options)), tuple(tags), description)


def model_spec(name: str) -> ModelSpec:
    """Return a copy of the registered spec ``name``.

    Raises:
        CheckpointError: No such variant (the message suggests close names).
    """
    table = _table()
    if name not in table:
        close = difflib.get_close_matches(name, table, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CheckpointError(
            f"unknown model {name!r}{hint}; registered models: {', '.join(sorted(table))}"
        )
    return copy.deepcopy(table[name])


def model_options(name: str, **overrides: Any) -> dict[str, Any]:
    """Return the full option dict of variant ``name`` with ``overrides`` applied (a copy).

    Raises:
        CheckpointError: Unknown variant or option.
    """
    spec = model_spec(name)
    _check_options(name, overrides, error=CheckpointError)
    options = copy.deepcopy(BASE_OPTIONS)
    options.update(spec.options)
    options.update(copy.deepcopy(overrides))
    options["decoder_channels"] = list(options["decoder_channels"])
    return options


def _check_options(name: str, options: dict[str, Any], error: type[Exception] = ValueError) -> None:
    """Refuse unknown options, and values of another type than the option's default.

    Raises:
        error: Naming the option.
    """
    unknown = sorted(set(options) - set(BASE_OPTIONS))
    if unknown:
        raise error(
            f"unknown option(s) {', '.join(unknown)} for model {name!r}; "
            f"valid options: {', '.join(BASE_OPTIONS)}"
        )
    for key, value in options.items():
        if not _same_kind(value, BASE_OPTIONS[key]):
            raise error(
                f"option {key!r} of model {name!r} must be like {BASE_OPTIONS[key]!r}, "
                f"got {value!r:.40}"
            )


def _same_kind(value: Any, default: Any) -> bool:
    """Whether ``value`` has the JSON type of ``default`` (lists: of integers)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        )
    return isinstance(value, type(default))


def build_model(name: str, **options: Any) -> nn.Module:
    """Build a registered variant with random weights (nothing is downloaded).

    Args:
        name: A name from :func:`available_models`, e.g. ``"hyper_resnet34_fast"``.
        **options: Overrides of the variant's options (see :data:`BASE_OPTIONS`), e.g.
            ``stem_stride=2, dropout=0.2``.

    Returns:
        A :class:`~seismic_salt.model.unet.UNet` in train mode with ``.config`` =
        ``{"name", "options", "input"}``; for ``name="ensemble"`` (``options``:
        ``members``), an :class:`~seismic_salt.model.ensemble.Ensemble` of them.

    Raises:
        CheckpointError: Unknown name or option, or an option value the network rejects.

    Example:
        >>> net = build_model("hyper_resnet34", stem_stride=2, dropout=0.2)
        >>> net.config["options"]["stem_stride"]
        2
    """
    from seismic_salt.model.ensemble import ENSEMBLE, build_ensemble
    from seismic_salt.model.inputs import input_contract
    from seismic_salt.model.unet import UNet

    if name == ENSEMBLE:  # not a registered variant: its members are
        if set(options) != {"members"} or not isinstance(options["members"], list):
            raise CheckpointError("an ensemble's options must be {'members': [...]}")
        return build_ensemble(options["members"])
    opts = model_options(name, **options)
    kwargs = dict(opts, decoder_channels=tuple(opts["decoder_channels"]))
    try:
        model = UNet(**kwargs)
    except (ValueError, TypeError, KeyError) as err:
        raise CheckpointError(f"cannot build model {name!r}: {err}") from err
    model.config = {"name": name, "options": opts, "input": input_contract(opts["pad_to"])}
    return model
