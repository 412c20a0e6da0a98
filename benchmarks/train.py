"""Training speed per variant and precision: images/s of full optimiser steps.

    python benchmarks/train.py [--variants hyper_resnet34_fast,unet_resnet34] [--steps 3]

Each step is the real training step (augmentation excluded): forward in train mode with
deep-supervision outputs, the recipe's loss, backward, AdamW. bf16 rows run only where the
CPU has native bf16 (or on CUDA). Prints a markdown table; copy it to docs/training.md.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from seismic_salt.model import build_model
from seismic_salt.model.inputs import tile_channels
from seismic_salt.model.precision import cpu_has_native_bf16
from seismic_salt.train.loop import _train_step


def images_per_second(name: str, precision: str, device: str, batch: int, steps: int) -> float:
    torch.manual_seed(0)
    model = build_model(name).to(device)
    if precision == "bf16":
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    amplitude = torch.rand(batch, 101, 101) * 2 - 1
    inputs = tile_channels(amplitude).to(device)
    target = (amplitude > 0.3).float()[:, None].to(device)

    def step() -> None:
        _train_step(model, optimizer, inputs, target, 0.1, 1.0, 0.1, precision)

    step()  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="hyper_resnet34_fast,hyper_resnet34,unet_resnet34")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    precisions = ["fp32"]
    if device == "cuda" or cpu_has_native_bf16():
        precisions.append("bf16")
    print(
        f"# {platform.processor() or platform.machine()}, {device}, "
        f"{torch.get_num_threads()} threads, torch {torch.__version__}, batch {args.batch}"
    )
    print("| variant | " + " | ".join(f"{p} images/s" for p in precisions) + " |")
    print("|---|" + "---|" * len(precisions))
    for name in args.variants.split(","):
        speeds = [images_per_second(name, p, device, args.batch, args.steps) for p in precisions]
        print(f"| {name} | " + " | ".join(f"{s:.1f}" for s in speeds) + " |", flush=True)


if __name__ == "__main__":
    main()
