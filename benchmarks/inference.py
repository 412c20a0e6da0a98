"""The model's own inference speed on CPU, one rewrite at a time, and whether masks agree.

    python benchmarks/inference.py [--model default] [--tiles 256] [--repeats 3] [--compile]

Each step runs the same tiles (101 × 101, batch 32, drawn from the demo volume as
``segment`` cuts it) and reports tiles/s (best of ``--repeats``) and its gain over fp32
eager:

- ``fp32 eager``: the model as loaded;
- ``fp32 channels-last``: NHWC activations and weights (oneDNN's preferred layout);
- ``fp32 folded``: BatchNorm folded into the convolutions (``fold_batchnorm``);
- ``fp32 folded channels-last``;
- ``bf16 …``: the same under bf16 autocast, only where the CPU has native bf16;
- ``torch.compile …`` (with ``--compile``): inductor on the folded model, compile time
  reported apart.

Masks: each step's probabilities on the demo volume (seed 0, default settings,
threshold 0.5) against fp32 eager's, as IoU of the salt masks (target ≥ 0.99).
Run it with nothing else on the machine (pause any training).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def demo_tiles(n: int, contract) -> np.ndarray:
    """``n`` 101 × 101 patches of the demo volume, scaled as ``segment`` scales them."""
    from seismic_salt.normalize import Normalisation
    from seismic_salt.synthetic import make_volume
    from seismic_salt.tiling import Splitter

    volume = make_volume((32, 160, 160), seed=0).amplitude.values
    scaled = Normalisation.fit(volume, contract=contract).apply(volume)
    splitter = Splitter(101, 50)
    patches = np.concatenate([splitter.split(section.T)[0] for section in scaled])
    return patches[np.random.default_rng(0).permutation(len(patches))[:n]]


def variants(model: torch.nn.Module, bf16: bool, compiled: bool) -> dict:
    """Name → (module, autocast dtype or None, channels-last)."""
    from seismic_salt.model.fuse import fold_batchnorm

    folded = fold_batchnorm(model)
    steps = {
        "fp32 eager": (model, None, False),
        "fp32 channels-last": (model, None, True),
        "fp32 folded": (folded, None, False),
        "fp32 folded channels-last": (folded, None, True),
    }
    if bf16:
        steps.update(
            {
                "bf16 eager": (model, torch.bfloat16, False),
                "bf16 channels-last": (model, torch.bfloat16, True),
                "bf16 folded channels-last": (folded, torch.bfloat16, True),
            }
        )
    if compiled:
        steps["fp32 compiled folded"] = (torch.compile(folded), None, False)
        if bf16:
            steps["bf16 compiled folded channels-last"] = (
                torch.compile(folded),
                torch.bfloat16,
                True,
            )
    return steps


def run(module, dtype, channels_last: bool, tiles: np.ndarray, contract) -> np.ndarray:
    from seismic_salt.model.inputs import tile_channels

    out = []
    memory = torch.channels_last if channels_last else torch.contiguous_format
    module = module.to(memory_format=memory)
    with (
        torch.inference_mode(),
        torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None),
    ):
        for start in range(0, len(tiles), 32):
            x = tile_channels(torch.from_numpy(tiles[start : start + 32]), contract)
            x = x.contiguous(memory_format=memory)
            out.append(torch.sigmoid(module(x).float())[:, 0].numpy())
    return np.concatenate(out)


def main() -> None:
    from seismic_salt.model import load_model
    from seismic_salt.model.inputs import model_contract
    from seismic_salt.model.precision import cpu_has_native_bf16

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--tiles", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    model = load_model(args.model, cache=False).eval()
    contract = model_contract(model)
    tiles = demo_tiles(args.tiles, contract)
    bf16 = cpu_has_native_bf16()
    print(f"# {torch.get_num_threads()} threads, native bf16: {bf16}, {len(tiles)} tiles, batch 32")
    print("| step | tiles/s | gain | mask IoU vs fp32 eager | first call s |")
    print("|---|---|---|---|---|")
    reference = None
    base_rate = None
    for name, (module, dtype, channels_last) in variants(model, bf16, args.compile).items():
        started = time.perf_counter()
        probability = run(module, dtype, channels_last, tiles[:32], contract)  # warm-up / compile
        first = time.perf_counter() - started
        best = float("inf")
        for _ in range(args.repeats):
            started = time.perf_counter()
            probability = run(module, dtype, channels_last, tiles, contract)
            best = min(best, time.perf_counter() - started)
        rate = len(tiles) / best
        if reference is None:
            reference, base_rate = probability > 0.5, rate
        mask = probability > 0.5
        iou = (mask & reference).sum() / max((mask | reference).sum(), 1)
        print(
            f"| {name} | {rate:.1f} | {rate / base_rate:.2f}x | {iou:.4f} | {first:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
