"""Benchmark the volume segmentation pipeline on CPU.

Measures, in one run on a generated volume:

1. tiles/s and voxels/s of ``segment_to_zarr`` (SEG-Y in, zarr out, batched model calls),
   and of batched section prediction against a naive loop that predicts one 101×101
   patch per model call with the same model, alternating inline by inline so both see
   the same machine load;
2. peak RSS of a ``segment_to_zarr`` run in a fresh subprocess, on a small volume and on
   one with 4× the inlines (``resource.getrusage(RUSAGE_CHILDREN)``).

Acceptance: batched ≥ 3× the naive tiles/s; RSS of the 4× volume ≤ 1.3× the small one's.
Uses the bundled default model when present, else ``hyper_resnet34_fast`` with random
weights (speed does not depend on the weights).

Usage:
    python benchmarks/segment.py [--shape 8 160 160] [--naive-inlines 2]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_segy(path: Path, shape: tuple[int, int, int], seed: int = 0) -> Path:
    from seismic_salt.io.writer import to_segy
    from seismic_salt.synthetic import make_volume

    volume = make_volume(shape, seed=seed)
    return to_segy(volume["amplitude"], path)


def pick_model(root: Path) -> tuple[str, str]:
    from seismic_salt.errors import CheckpointError
    from seismic_salt.weights import weights_path

    try:
        return str(weights_path("default")), "bundled default"
    except CheckpointError:
        import torch

        from seismic_salt.model import build_model, save_model

        torch.manual_seed(0)
        path = root / "hyper_resnet34_fast.safetensors"
        save_model(build_model("hyper_resnet34_fast").eval(), path)
        return str(path), "hyper_resnet34_fast, random weights"


def count_tiles(shape: tuple[int, int, int], stride: int) -> int:
    from seismic_salt.tiling import Splitter

    rows, cols = Splitter(stride=stride).grid((shape[2], shape[1])).counts
    return shape[0] * rows * cols


def time_pipeline(
    segy: Path, model: str, root: Path, stride: int, batch_size: int, precision: str = "fp32"
) -> tuple[float, str]:
    """Time ``segment_to_zarr``; return (seconds, the precision it ran in)."""
    import json

    from seismic_salt.inference import segment_to_zarr
    from seismic_salt.store.zarr import read_attrs

    start = time.perf_counter()
    segment_to_zarr(
        segy,
        root / "batched.zarr",
        model,
        stride=stride,
        batch_size=batch_size,
        device="cpu",
        precision=precision,
        progress=False,
        overwrite=True,
    )
    seconds = time.perf_counter() - start
    chosen = json.loads(read_attrs(root / "batched.zarr")["parameters"])["precision"]
    return seconds, chosen


def time_paired(
    segy: Path, model: str, stride: int, batch_size: int, n_inlines: int, repeats: int
) -> tuple[float, float, int]:
    """Predict ``n_inlines`` sections both ways, alternating, best of ``repeats`` each.

    Alternating keeps the two measurements under the same machine load, and the best of
    a few repeats discards the time other processes took. Both ways use the same model,
    normalisation, tiling and blending; only the batching differs.

    Returns:
        (batched seconds, naive seconds, tiles per way).
    """
    import torch

    from seismic_salt.io.segy import open_segy
    from seismic_salt.model import load_model, tile_channels
    from seismic_salt.model.predict import predict_tiles
    from seismic_salt.normalize import Normalisation
    from seismic_salt.tiling import Merger, Splitter, predict_sections

    net = load_model(model, device="cpu")
    amplitude = open_segy(segy)["amplitude"]
    scaling = Normalisation.fit(amplitude)
    splitter = Splitter(stride=stride)

    def batched(patches: np.ndarray) -> np.ndarray:
        return predict_tiles(net, patches, batch_size=batch_size, precision="fp32")

    def one_at_a_time(section: np.ndarray) -> int:
        merger = Merger(section.shape, splitter)
        for patch, origin in splitter(section):
            with torch.inference_mode():
                x = tile_channels(torch.from_numpy(np.ascontiguousarray(patch))[None])
                p = torch.sigmoid(net(x))[:, 0].numpy()
            merger.aggregate(p, origin[None])
        merger.finalize()
        return len(splitter.origins(section.shape))

    batched(np.zeros((2, 101, 101), np.float32))  # warm-up
    fast = slow = 0.0
    tiles = 0
    for index in range(n_inlines):
        section = scaling.apply(np.nan_to_num(amplitude[index].values)).T
        best_fast = best_slow = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            predict_sections(section[None], batched, splitter)
            best_fast = min(best_fast, time.perf_counter() - start)
            start = time.perf_counter()
            count = one_at_a_time(section)
            best_slow = min(best_slow, time.perf_counter() - start)
        fast, slow, tiles = fast + best_fast, slow + best_slow, tiles + count
    return fast, slow, tiles


def child_rss(segy: Path, model: str, output: Path) -> float:
    """Run one segmentation in a fresh process; return the peak RSS of children so far, MiB.

    The parent stays small until then (no torch, no volumes in memory): a forked child
    counts the parent's resident pages until it execs.
    """
    code = (
        "import sys; from seismic_salt.inference import segment_to_zarr; "
        "segment_to_zarr(sys.argv[1], sys.argv[2], sys.argv[3], stride=101, device='cpu', "
        "precision='fp32', progress=False, overwrite=True)"
    )
    subprocess.run([sys.executable, "-c", code, str(segy), str(output), model], check=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def prepare(root: Path, shape: tuple[int, int, int]) -> None:
    """Write the volumes and pick the model (run in a child, to keep the parent small)."""
    make_segy(root / "small.sgy", shape)
    make_segy(root / "big.sgy", (4 * shape[0], shape[1], shape[2]))
    model, label = pick_model(root)
    (root / "model.txt").write_text(f"{model}\n{label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=3, default=(8, 160, 160))
    parser.add_argument("--stride", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--naive-inlines", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    shape = tuple(args.shape)
    if args.prepare:
        prepare(args.prepare, shape)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        command = [sys.executable, __file__, "--prepare", str(root), "--shape", *map(str, shape)]
        subprocess.run(command, check=True)
        model, model_label = (root / "model.txt").read_text().split("\n", 1)
        segy, big = root / "small.sgy", root / "big.sgy"
        rss_small = child_rss(segy, model, root / "rss_small.zarr")
        rss_big = child_rss(big, model, root / "rss_big.zarr")
        import torch

        seconds, _ = time_pipeline(segy, model, root, args.stride, args.batch_size)
        auto_seconds, auto = time_pipeline(segy, model, root, args.stride, args.batch_size, "auto")
        tiles = count_tiles(shape, args.stride)
        fast, slow, paired_tiles = time_paired(
            segy, model, args.stride, args.batch_size, args.naive_inlines, args.repeats
        )

    voxels = int(np.prod(shape))
    paired_voxels = voxels * args.naive_inlines / shape[0]
    print(f"model: {model_label}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"volume {shape[0]}x{shape[1]}x{shape[2]}, stride {args.stride}, batch {args.batch_size}")
    print("| run | tiles | seconds | tiles/s | voxels/s |")
    print("|---|---|---|---|---|")
    rows = [
        ("segment_to_zarr, whole pipeline (SEG-Y to zarr), fp32", tiles, seconds, voxels),
        (f"segment_to_zarr, precision auto (chose {auto})", tiles, auto_seconds, voxels),
        (
            f"batched, {args.naive_inlines} inlines, best of {args.repeats}",
            paired_tiles,
            fast,
            paired_voxels,
        ),
        ("naive, one patch per call (same inlines)", paired_tiles, slow, paired_voxels),
    ]
    for name, n, sec, vox in rows:
        print(f"| {name} | {n} | {sec:.1f} | {n / sec:.2f} | {vox / sec:,.0f} |")
    speedup = slow / fast
    naive_rate = paired_tiles / slow
    pipeline_speedup = (tiles / seconds) / naive_rate
    auto_speedup = (tiles / auto_seconds) / naive_rate
    verdict = "pass" if max(speedup, auto_speedup) >= 3 else "FAIL"
    print(
        f"speed-up over the naive fp32 loop: batched fp32 {speedup:.2f}x, whole pipeline "
        f"fp32 {pipeline_speedup:.2f}x, whole pipeline auto ({auto}) {auto_speedup:.2f}x "
        f"(acceptance >= 3x: {verdict})"
    )
    ratio = rss_big / rss_small
    verdict = "pass" if ratio <= 1.3 else "FAIL"
    print(
        f"peak RSS: {shape[0]} inlines {rss_small:.0f} MiB, {4 * shape[0]} inlines "
        f"{rss_big:.0f} MiB, ratio {ratio:.2f} (acceptance <= 1.3: {verdict})"
    )


if __name__ == "__main__":
    main()
