"""Choose fp32 or bf16 for inference.

``choose_precision(model, device, "auto")`` decides once per process, per architecture,
device type and thread count:

* CUDA: ``"bf16"`` when ``torch.cuda.is_bf16_supported()``, else ``"fp32"``.
* CPU: ``"bf16"`` only when PyTorch's CPU capability is AVX512 (or better), the CPU flags
  (``/proc/cpuinfo`` on Linux) include ``avx512_bf16`` or ``amx_bf16``, **and** a quick
  measurement on the model (the better of two timed batches of 4 tiles each way after a
  warm-up; fp32 against bf16 autocast with channels-last input) shows bf16 at least 1.2×
  faster.
  Without native bf16, autocast emulates it and is slower than fp32, so it is never
  chosen there. On other systems (no ``/proc/cpuinfo``) the CPU answer is ``"fp32"``.
* Anything else (MPS, ...): ``"fp32"``.

``"fp32"`` and ``"bf16"`` are honoured as asked (``"bf16"`` on a GPU without bf16
support is refused).
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from seismic_salt.errors import DataError

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["PRECISIONS", "choose_precision", "cpu_has_native_bf16"]

PRECISIONS = ("auto", "fp32", "bf16")
_SPEEDUP = 1.2
_decisions: dict[tuple, str] = {}


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU runs bf16 natively (AVX512-BF16 or AMX-BF16) for PyTorch."""
    import torch

    capability = str(torch.backends.cpu.get_cpu_capability()).upper()
    if "AVX512" not in capability:
        return False
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
            break
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def _model_key(model: nn.Module) -> str:
    from seismic_salt.model.config import ModelConfig

    config = ModelConfig.of(model)
    return json.dumps([config.name, config.options], sort_keys=True, default=str)


def _time_batches(model: nn.Module, x: torch.Tensor, bf16: bool, repeats: int = 2) -> float:
    import torch

    if bf16:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        model(x)  # warm-up (oneDNN primitive creation)
        best = float("inf")
        for _ in range(repeats):  # the best batch: robust to other work on the machine
            start = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - start)
        return best


def _measure_cpu(model: nn.Module) -> str:
    import torch

    size = getattr(model, "pad_to", 128)
    channels = getattr(model, "in_channels", 3)
    x = torch.randn(4, channels, min(101, size), min(101, size))
    was_training = model.training
    model.eval()
    try:
        fp32 = _time_batches(model, x, bf16=False)
        bf16 = _time_batches(model, x, bf16=True)
    finally:
        model.train(was_training)
    return "bf16" if fp32 >= _SPEEDUP * bf16 else "fp32"


def choose_precision(
    model: nn.Module | None, device: str | torch.device = "cpu", requested: str = "auto"
) -> str:
    """Return ``"fp32"`` or ``"bf16"`` for running ``model`` on ``device``.

    Args:
        model: The network (used for the CPU measurement and as part of the cache key);
            only ``"auto"`` needs it, so None will do for ``"fp32"`` and ``"bf16"``.
        device: Where it runs.
        requested: ``"auto"`` (decide, see the module docstring), ``"fp32"`` or ``"bf16"``.

    Returns:
        ``"fp32"`` or ``"bf16"``.

    Raises:
        DataError: ``requested`` is unknown, or bf16 is asked on a GPU without bf16.
    """
    import torch

    if requested not in PRECISIONS:
        raise DataError(
            f"precision {requested!r} is unknown; choose one of {', '.join(PRECISIONS)}"
        )
    device = torch.device(device)
    if requested == "fp32":
        return "fp32"
    cuda_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    if requested == "bf16":
        if device.type == "cuda" and not cuda_bf16:
            raise DataError("precision 'bf16' is not supported by this GPU; use 'fp32' or 'auto'")
        return "bf16"
    if device.type == "cuda":
        return "bf16" if cuda_bf16 else "fp32"
    if device.type != "cpu" or not cpu_has_native_bf16():
        return "fp32"
    key = (_model_key(model), device.type, torch.get_num_threads())
    if key not in _decisions:
        _decisions[key] = _measure_cpu(model)
    return _decisions[key]
