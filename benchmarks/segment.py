"""Benchmark the volume segmentation pipeline on CPU.

Measures, in one run on generated volumes:

1. the model alone on pre-cut batches (the very tiles ``segment`` cuts from the volume,
   scaled as it scales them, same precision) against the whole pipeline
   (``segment_to_zarr``: read, normalise, cut, predict, blend, write), tiles/s and their
   ratio (acceptance: pipeline >= 90 % of the model alone), each the best of ``--repeats``;
2. batched section prediction against a naive loop that predicts one 101x101 patch per
   model call (``--naive-inlines``; 0 skips it);
3. peak RSS of a ``segment_to_zarr`` run in a fresh subprocess, on a small volume and on
   one with 4x the inlines (``resource.getrusage(RUSAGE_CHILDREN)``);
4. with ``--survey``: the time to segment a 1 GB float32 survey (400 inlines x 500
   crosslines x 1,250 samples), extrapolated from a measured slice of it
   (``--survey-inlines``) at ``--stride`` 101, 67 and 50, fp32 and the precision ``auto``
   picks, eager and through ``torch.compile`` (its compilation timed apart, added once).

Patches are 101 x 101 (``patch=101``), as when the figures in docs/segment.md were
measured; ``segment``'s default of 151 at stride 75 cuts 0.44x the patches, each padded
to 160 instead of 128. Uses the bundled default model when present, else
``hyper_resnet34_fast`` with random weights (speed does not depend on the weights).
Run it with nothing else on the machine.

Usage:
    python benchmarks/segment.py [--shape 16 300 400] [--naive-inlines 0] [--survey]
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

from seismic_salt.tiling import TILE


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


def time_pipeline(
    segy: Path,
    model: str,
    root: Path,
    stride: int,
    batch_size: int,
    precision: str = "fp32",
    compile: str = "off",
) -> tuple[float, str]:
    """Time ``segment_to_zarr``; return (seconds, the precision it ran in)."""
    import json

    from seismic_salt.inference import segment_to_zarr
    from seismic_salt.store.zarr import read_attrs

    start = time.perf_counter()
    segment_to_zarr(
        segy,
        root / f"{segy.stem}-{stride}-{precision}.zarr",
        model,
        patch=TILE,
        stride=stride,
        batch_size=batch_size,
        device="cpu",
        precision=precision,
        progress=False,
        overwrite=True,
        compile=compile,
    )
    seconds = time.perf_counter() - start
    chosen = json.loads(read_attrs(root / f"{segy.stem}-{stride}-{precision}.zarr")["parameters"])
    chosen = chosen["precision"]
    return seconds, chosen


def time_model_alone(
    segy: Path, model: str, stride: int, batch_size: int, precision: str, repeats: int = 2
) -> tuple[float, int]:
    """Predict the tiles ``segment`` cuts from ``segy``, pre-cut, in batches; best of ``repeats``.

    The tiles are the pipeline's own (its scaling, its splitter, dead traces filled), so
    the time is the model's share of a ``segment_to_zarr`` run at the same precision.

    Returns:
        (seconds, tiles).
    """
    from seismic_salt.inference.blocks import fit_scaling
    from seismic_salt.inference.model_ref import load_module, resolve_model
    from seismic_salt.inference.sources import check_volume, live_mask, open_source
    from seismic_salt.model.predict import predict_tiles
    from seismic_salt.tiling import Splitter

    volume = check_volume(open_source(segy, ()))
    ref = resolve_model(model)
    scaling = fit_scaling(volume, live_mask(volume), ref)
    values = np.nan_to_num(scaling.apply(np.nan_to_num(volume.values)))
    splitter = Splitter(TILE, stride)
    patches = np.concatenate([splitter.split(section.T)[0] for section in values])
    module = load_module(ref, "cpu")
    predict_tiles(module, patches[:batch_size], batch_size=batch_size, precision=precision)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        predict_tiles(module, patches, batch_size=batch_size, precision=precision)
        best = min(best, time.perf_counter() - start)
    return best, len(patches)


def survey_table(root: Path, model: str, inlines: int, batch_size: int) -> None:
    """Time a slice of the 1 GB survey per stride, precision and compile mode; extrapolate.

    A compiled run's first call compiles (once per process and precision): that time is
    measured apart, by running the first compiled slice twice, and added once to its
    extrapolated survey.
    """
    import torch

    from seismic_salt.inference.settings import Settings, count_patches
    from seismic_salt.model.compiled import choose_compile
    from seismic_salt.model.precision import cpu_has_native_bf16

    survey = (400, 500, 1250)
    segy = make_segy(root / "survey.sgy", (inlines, *survey[1:]))
    auto = choose_compile("auto", "cpu", count_patches(Settings(), survey))
    print(
        f"\n1 GB survey {survey[0]}x{survey[1]}x{survey[2]} float32, extrapolated from "
        f"{inlines} inlines of it (x{survey[0] / inlines:.0f}); CPU capability "
        f"{torch.backends.cpu.get_cpu_capability()}; compile='auto' resolves to {auto!r} "
        "for the whole survey at the default stride"
    )
    print("| stride | precision | compile | tiles/inline | tiles/s | survey minutes |")
    print("|---|---|---|---|---|---|")
    compilation: dict[str, float] = {}
    for precision in ("fp32", "auto") if cpu_has_native_bf16() else ("fp32",):
        for compile in ("off", "on"):
            for stride in (101, 67, 50):
                args = (segy, model, root, stride, batch_size, precision, compile)
                seconds, chosen = time_pipeline(*args)
                if compile == "on" and chosen not in compilation:
                    again, _ = time_pipeline(*args)
                    compilation[chosen] = seconds - again
                    print(f"compilation ({chosen}): {compilation[chosen]:.0f} s", flush=True)
                    seconds = again
                tiles = count_patches(Settings(patch=TILE, stride=stride), (inlines, *survey[1:]))
                total = seconds * survey[0] / inlines + compilation.get(chosen, 0.0) * (
                    compile == "on"
                )
                label = precision if precision == "fp32" else f"auto ({chosen})"
                print(
                    f"| {stride} | {label} | {compile} | {tiles // inlines} "
                    f"| {tiles / seconds:.1f} | {total / 60:.0f} |",
                    flush=True,
                )


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
    splitter = Splitter(TILE, stride)

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
        "segment_to_zarr(sys.argv[1], sys.argv[2], sys.argv[3], patch=101, stride=101, "
        "device='cpu', precision='fp32', progress=False, overwrite=True)"
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
    parser.add_argument("--shape", type=int, nargs=3, default=(16, 300, 400))
    parser.add_argument("--stride", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--naive-inlines", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--survey", action="store_true", help="Also the 1 GB survey table.")
    parser.add_argument("--survey-inlines", type=int, default=4)
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

        print(f"model: {model_label}; torch {torch.__version__}, {torch.get_num_threads()} threads")
        print(f"volume {'x'.join(map(str, shape))}, stride {args.stride}, batch {args.batch_size}")
        print("| run | precision | tiles | seconds | tiles/s | pipeline / model alone |")
        print("|---|---|---|---|---|---|")
        for precision in ("fp32", "auto"):
            seconds, chosen = min(  # best of as many runs as the model alone gets
                time_pipeline(segy, model, root, args.stride, args.batch_size, precision)
                for _ in range(args.repeats)
            )
            alone, tiles = time_model_alone(
                segy, model, args.stride, args.batch_size, chosen, args.repeats
            )
            ratio = alone / seconds
            verdict = "pass" if ratio >= 0.9 else "FAIL"
            print(
                f"| model alone, pre-cut batches | {chosen} | {tiles} | {alone:.1f} "
                f"| {tiles / alone:.1f} | |"
            )
            print(
                f"| segment_to_zarr, whole pipeline | {chosen} | {tiles} | {seconds:.1f} "
                f"| {tiles / seconds:.1f} | {ratio:.2f} (>= 0.90: {verdict}) |",
                flush=True,
            )
        if args.naive_inlines:
            fast, slow, paired_tiles = time_paired(
                segy, model, args.stride, args.batch_size, args.naive_inlines, args.repeats
            )
            print(
                f"batched {paired_tiles / fast:.1f} tiles/s vs one patch per call "
                f"{paired_tiles / slow:.1f} (fp32, {args.naive_inlines} inlines): "
                f"{slow / fast:.2f}x"
            )
        if args.survey:
            survey_table(root, model, args.survey_inlines, args.batch_size)
    ratio = rss_big / rss_small
    verdict = "pass" if ratio <= 1.3 else "FAIL"
    print(
        f"peak RSS: {shape[0]} inlines {rss_small:.0f} MiB, {4 * shape[0]} inlines "
        f"{rss_big:.0f} MiB, ratio {ratio:.2f} (acceptance <= 1.3: {verdict})"
    )


if __name__ == "__main__":
    main()
