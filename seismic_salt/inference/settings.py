"""How a volume is segmented: one frozen, validated set of settings per run.

:class:`Settings` checks its values when it is made, so a run never starts with a bad
one; :func:`resolve_precision` replaces ``precision="auto"`` once per run, on the
machine that plans it, so every block of a run uses the same arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from seismic_salt.errors import DataError
from seismic_salt.inference.orientation import ORIENTATIONS
from seismic_salt.model.compiled import check_compile_mode
from seismic_salt.model.precision import PRECISIONS
from seismic_salt.tiling import PATCH, Splitter

if TYPE_CHECKING:
    from seismic_salt.inference.model_ref import ModelRef

__all__ = [
    "Settings",
    "check_device",
    "count_patches",
    "resolve_compile",
    "resolve_device",
    "resolve_precision",
]

RESOLVED_PRECISIONS = ("fp32", "bf16")
"""The precisions ``"auto"`` resolves to."""

PATCH_LIMITS = (32, 512)
"""Smallest and largest patch side a run may ask for, in pixels."""

DEVICE_PATTERN = re.compile(r"auto|cpu|mps|cuda(:\d+)?")
"""The devices a run may name: ``auto``, ``cpu``, ``mps``, ``cuda`` or ``cuda:N``."""


@dataclass(frozen=True)
class Settings:
    """How a volume is segmented; the CLI options map onto these one to one.

    Attributes:
        patch: Side of the square patches cut from each section, in pixels (32 to
            512; default 151, one and a half TGS tiles).
        stride: Distance between patch origins in pixels, 1 to ``patch`` (overlap
            ``patch - stride``); None: half the patch.
        batch_size: Patches per model call.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
        orientations: ``("inline",)`` or ``("inline", "crossline")`` (repeats dropped).
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"``; see :func:`resolve_precision`.
        block_size: Inlines per block (one task and one zarr chunk each).
        crossline_block: Crosslines per block of the crossline pass.
        compile: ``"auto"``, ``"on"`` or ``"off"``: run the model through
            ``torch.compile`` (see :func:`resolve_compile`); it changes the speed, and the
            probabilities only at float rounding, so it is not one of :meth:`parameters`.

    Raises:
        DataError: If a value is out of range or not one of the choices.
    """

    patch: int = PATCH
    stride: int | None = None
    batch_size: int = 32
    device: str = "auto"
    orientations: tuple[str, ...] = ("inline",)
    precision: str = "auto"
    block_size: int = 8
    crossline_block: int = 16
    compile: str = "auto"

    def __post_init__(self) -> None:
        orientations = tuple(dict.fromkeys(self.orientations))
        if (
            not orientations
            or "inline" not in orientations
            or set(orientations) - set(ORIENTATIONS)
        ):
            raise DataError(
                f"orientations must be ('inline',) or ('inline', 'crossline'), got {orientations}"
            )
        low, high = PATCH_LIMITS
        if not low <= self.patch <= high:
            raise DataError(f"patch must be between {low} and {high} pixels, got {self.patch}")
        stride = self.patch // 2 if self.stride is None else self.stride
        if not 1 <= stride <= self.patch:
            raise DataError(f"stride must be between 1 and the patch {self.patch}, got {stride}")
        for name in ("batch_size", "block_size", "crossline_block"):
            if getattr(self, name) < 1:
                raise DataError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.precision not in PRECISIONS:
            raise DataError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        check_device(self.device)
        check_compile_mode(self.compile)
        object.__setattr__(self, "orientations", orientations)
        object.__setattr__(self, "stride", stride)

    @property
    def crossline(self) -> bool:
        """True when crossline sections are predicted too."""
        return "crossline" in self.orientations

    def splitter(self) -> Splitter:
        """Return the splitter that cuts each section into this run's patches."""
        return Splitter(self.patch, self.stride)

    def parameters(self) -> dict[str, Any]:
        """Return the settings that change the result (stored, and compared on resume)."""
        return {
            "tile": self.patch,
            "stride": self.stride,
            "orientations": list(self.orientations),
            "precision": self.precision,
            "block_size": self.block_size,
            "crossline_block": self.crossline_block if self.crossline else None,
        }


def check_device(device: str) -> str:
    """Return ``device`` after checking it is one a run may name (no torch needed).

    Raises:
        DataError: It is not ``auto``, ``cpu``, ``mps``, ``cuda`` or ``cuda:N``.
    """
    if not isinstance(device, str) or not DEVICE_PATTERN.fullmatch(device):
        raise DataError(f"device {device!r} is not known: use auto, cpu, cuda, cuda:N or mps")
    return device


def resolve_device(device: str) -> str:
    """Map ``"auto"`` to ``"cuda"`` when torch sees a GPU, else ``"cpu"``; check the others.

    Raises:
        DataError: The device is not known, or not available on this machine.
    """
    import torch

    check_device(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            raise DataError(
                f"device {device!r} was asked for, but torch sees {count} CUDA device(s) "
                "here; use device='cpu' or 'auto'"
            )
    if device == "mps" and not torch.backends.mps.is_available():
        raise DataError("device 'mps' was asked for, but torch sees no MPS device here")
    return device


def resolve_precision(settings: Settings, model: ModelRef, stored: str | None = None) -> Settings:
    """Replace ``precision="auto"`` by what the model package chooses for this device.

    Args:
        settings: Settings with the requested precision.
        model: The model; loaded only to measure the CPU's speed for ``"auto"``.
        stored: The precision an interrupted run used; ``"auto"`` keeps it, so a resumed
            run does not depend on a new speed measurement.

    Raises:
        DataError: If bf16 is asked on a device without it.
    """
    from seismic_salt.inference.model_ref import load_module
    from seismic_salt.model.precision import choose_precision

    if settings.precision == "auto" and stored in RESOLVED_PRECISIONS:
        return replace(settings, precision=stored)
    device = resolve_device(settings.device)
    module = load_module(model, device) if settings.precision == "auto" else None
    return replace(settings, precision=choose_precision(module, device, settings.precision))


def count_patches(settings: Settings, shape: tuple[int, int, int]) -> int:
    """Return how many patches a run of ``settings`` predicts on a volume of ``shape``.

    ``shape`` is ``(inline, crossline, sample)``; both passes count when crossline
    sections are predicted.
    """
    inlines, crosslines, samples = shape
    splitter = settings.splitter()
    rows, cols = splitter.grid((crosslines, samples)).counts
    patches = inlines * rows * cols
    if settings.crossline:
        rows, cols = splitter.grid((inlines, samples)).counts
        patches += crosslines * rows * cols
    return patches


def resolve_compile(settings: Settings, shape: tuple[int, int, int]) -> Settings:
    """Replace ``compile="auto"`` by ``"on"`` or ``"off"`` for a volume of ``shape``.

    Done once per run (see :func:`~seismic_salt.model.compiled.choose_compile`).

    Raises:
        DataError: If ``"on"`` is asked where no C++ compiler is found.
    """
    from seismic_salt.model.compiled import choose_compile

    device = resolve_device(settings.device)
    mode = choose_compile(settings.compile, device, count_patches(settings, shape))
    return replace(settings, compile=mode)
