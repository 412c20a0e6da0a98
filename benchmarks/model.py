"""Size, cost and inference speed of every registered network variant.

For each variant: parameters, forward FLOPs per 128×128 tile (``FlopCounterMode``: a
multiply-add counts 2), and inference tiles/s (best of the timed batches) at batch 32
with 101×101 tiles (padded to 128 inside the model): float32 on the CPU, bf16 autocast +
channels-last on the CPU when it runs bf16 natively, and fp32 and bf16 on CUDA when
there is a GPU.

Usage::

    python benchmarks/model.py                     # all variants, 2 timed batches each
    python benchmarks/model.py --batches 5 --variants hyper_resnet34_fast
    python benchmarks/model.py --markdown          # a table for docs/model.md
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from seismic_salt.model import build_model
from seismic_salt.model.inputs import tile_channels
from seismic_salt.model.precision import cpu_has_native_bf16
from seismic_salt.model.registry import available_models


def count_flops(model: torch.nn.Module) -> int:
    x = torch.zeros(1, 3, 128, 128)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(x)
    return counter.get_total_flops()


def tiles_per_second(
    model: torch.nn.Module, device: torch.device, bf16: bool, batch: int, batches: int
) -> float:
    x = tile_channels(torch.rand(batch, 101, 101, device=device) * 2 - 1)
    if bf16 and device.type == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        model(x)  # warm-up
        sync()
        best = float("inf")
        for _ in range(batches):  # best batch: robust to other work on a shared machine
            start = time.perf_counter()
            model(x)
            sync()
            best = min(best, time.perf_counter() - start)
    return batch / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="*", default=None)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    cpu = torch.device("cpu")
    cuda = torch.device("cuda") if torch.cuda.is_available() else None
    native_bf16 = cpu_has_native_bf16()
    print(
        f"# torch {torch.__version__}, {platform.machine()}, {torch.get_num_threads()} threads, "
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}, native bf16 {native_bf16}, "
        f"load average {os.getloadavg()[0]:.1f}"
        + (f", GPU {torch.cuda.get_device_name()}" if cuda else "")
    )
    head = ["variant", "params (M)", "GFLOPs/tile", "CPU fp32 tiles/s", "CPU bf16 tiles/s"]
    if cuda:
        head += ["CUDA fp32 tiles/s", "CUDA bf16 tiles/s"]
    rows = []
    for name in args.variants or available_models():
        torch.manual_seed(0)
        model = build_model(name).eval()
        params = sum(p.numel() for p in model.parameters()) / 1e6
        gflops = count_flops(model) / 1e9
        fp32 = tiles_per_second(model, cpu, False, args.batch, args.batches)
        bf16 = tiles_per_second(model, cpu, True, args.batch, args.batches) if native_bf16 else None
        row = [name, f"{params:.1f}", f"{gflops:.2f}", f"{fp32:.1f}", _fmt(bf16)]
        if cuda:
            model = model.to(cuda)
            row += [
                f"{tiles_per_second(model, cuda, False, args.batch, max(args.batches, 10)):.0f}",
                f"{tiles_per_second(model, cuda, True, args.batch, max(args.batches, 10)):.0f}",
            ]
        rows.append(row)
        print(" | ".join(row) if not args.markdown else "", flush=True)
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    main()
