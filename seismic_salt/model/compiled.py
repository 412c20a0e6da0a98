"""``torch.compile`` for inference: when it pays, how it is made, and when it fails.

Inductor turns the folded network into generated C++ kernels. On 2 CPU cores it ran
the bundled model 2.1× faster than eager channels-last in fp32 (AVX2 kernels, 16.3 →
34.7 tiles/s) with the same masks, but its first call compiles for 30–60 s, per process
and per batch shape. So ``"auto"`` compiles only runs of at least
:data:`MIN_PATCHES` patches, on a CPU, where a C++ compiler is on the ``PATH``; a failed
compilation falls back to the eager model with a warning (docs/model.md).
"""

from __future__ import annotations

import logging
import os
import shutil
import weakref
from typing import TYPE_CHECKING

from seismic_salt.errors import DataError

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "COMPILE_MODES",
    "MIN_PATCHES",
    "check_compile_mode",
    "choose_compile",
    "compile_failure",
    "compiled",
    "give_up",
]

log = logging.getLogger(__name__)

COMPILE_MODES = ("auto", "on", "off")
"""``auto``: compile large CPU runs where a compiler is found; ``on``; ``off``."""

MIN_PATCHES = 10_000
"""Patches from which ``auto`` compiles: about 4 minutes of eager fp32 on 2 cores, so a
compilation of 30–60 s costs at most a fraction of what it saves."""


def check_compile_mode(mode: str) -> str:
    """Return ``mode`` after checking it is one of :data:`COMPILE_MODES`.

    Raises:
        DataError: It is not.
    """
    if mode not in COMPILE_MODES:
        raise DataError(f"compile must be one of {COMPILE_MODES}, got {mode!r}")
    return mode


def cpp_compiler() -> str | None:
    """Return the C++ compiler inductor would call (``$CXX``, else ``c++``/``g++``/``clang++``)."""
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def choose_compile(mode: str, device: str, patches: int) -> str:
    """Resolve ``mode`` for a run of ``patches`` patches on ``device`` to ``"on"``/``"off"``.

    ``"auto"`` is ``"on"`` on a CPU with a C++ compiler for at least :data:`MIN_PATCHES`
    patches; a GPU stays eager (inductor's GPU kernels need Triton, not measured here).
    ``"on"`` without a compiler is refused rather than left to fail in every worker.

    Raises:
        DataError: The mode is unknown, or ``"on"`` where no C++ compiler is found.
    """
    check_compile_mode(mode)
    if mode == "on" and device == "cpu" and cpp_compiler() is None:
        raise DataError(
            "compiling the model was asked for, but no C++ compiler (c++, g++, clang++ or "
            "$CXX) is on the PATH; install one or run the model uncompiled"
        )
    if mode != "auto":
        return mode
    on = device == "cpu" and patches >= MIN_PATCHES and cpp_compiler() is not None
    log.info("compile: %s (%d patches on %s)", "on" if on else "off", patches, device)
    return "on" if on else "off"


#: eager module -> its compiled wrapper; entries go with the module.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: eager modules whose compilation failed in this process: they stay eager.
_FAILED: weakref.WeakSet = weakref.WeakSet()


def compiled(module: nn.Module) -> nn.Module:
    """Return ``module`` wrapped by ``torch.compile``, or itself once that failed.

    The wrapper is made once per module and compiles at its first call; after
    :func:`give_up` the module stays eager. On a CPU the weights are made channels-last
    first, the layout ``predict_tiles`` feeds, so no call converts them again.
    """
    import torch

    if module in _FAILED:
        return module
    wrapper = _COMPILED.get(module)
    if wrapper is None:
        if next(module.parameters()).device.type == "cpu":
            module.to(memory_format=torch.channels_last)
        wrapper = torch.compile(module, dynamic=False)
        _COMPILED[module] = wrapper
    return wrapper


def give_up(module: nn.Module, error: BaseException) -> None:
    """Log that compiling ``module`` failed, once, and keep it eager in this process."""
    log.warning("compiling the model failed (%s); running it uncompiled", error)
    _FAILED.add(module)


def compile_failure() -> tuple[type[BaseException], ...]:
    """The exceptions a failed compilation raises at the first call (dynamo's own)."""
    from torch._dynamo.exc import TorchDynamoException

    return (TorchDynamoException,)
