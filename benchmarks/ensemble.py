"""CPU cost per tile of an ensemble against one of its members.

    python benchmarks/ensemble.py [--members 2 3 5] [--tiles 256] [--precision auto]

Times ``predict_tiles`` (batch 32, no TTA, the precision given) on the same ``--tiles``
random 101 x 101 tiles for the bundled model alone and for ensembles of ``--members``
copies of it (an ensemble's cost does not depend on its weights), best of ``--repeats``.
Run it with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def tiles_per_second(model, tiles: np.ndarray, precision: str, repeats: int) -> float:
    from seismic_salt.model import predict_tiles

    predict_tiles(model, tiles[:32], precision=precision)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        predict_tiles(model, tiles, precision=precision)
        best = min(best, time.perf_counter() - start)
    return len(tiles) / best


def main() -> None:
    from seismic_salt.model import load_model
    from seismic_salt.model.ensemble import ensemble_file
    from seismic_salt.model.precision import choose_precision
    from seismic_salt.weights import weights_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[2, 3, 5])
    parser.add_argument("--tiles", type=int, default=256)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    tiles = np.random.default_rng(0).uniform(-1, 1, (args.tiles, 101, 101)).astype(np.float32)
    single = load_model("default")
    precision = choose_precision(single, "cpu", args.precision)
    base = tiles_per_second(single, tiles, precision, args.repeats)
    print(f"precision {precision}, {args.tiles} tiles, batch 32")
    print("| model | tiles/s | cost per tile against one member | file (MB, float16) |")
    print("|---|---|---|---|")
    size = weights_path("default").stat().st_size / 1e6
    print(f"| one member (bundled) | {base:.1f} | 1.00 | {size:.0f} |")
    with tempfile.TemporaryDirectory() as scratch:
        for count in args.members:
            path = ensemble_file(["default"] * count, Path(scratch) / f"e{count}.safetensors")
            speed = tiles_per_second(load_model(path), tiles, precision, args.repeats)
            size = path.stat().st_size / 1e6
            print(f"| ensemble of {count} | {speed:.1f} | {base / speed:.2f} | {size:.0f} |")


if __name__ == "__main__":
    main()
