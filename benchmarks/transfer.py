"""Where the volume path loses what the model knows on tiles: one change at a time.

    python benchmarks/transfer.py [--model default] [--shared ../shared]

``benchmarks/sections.py`` compares two ends: the tile ceiling (each labelled TGS tile
as Kaggle gave it, flip TTA, the model's threshold and minimum salt area) and the
default volume path (the section normalised once, 151-pixel patches at stride 75,
blended, threshold 0.5). This walks from one end to the other, changing one thing per
row, on the same labelled tiles of the eight sections (column-only masks unknown),
pooled IoU, precision and recall:

1. the tile path as ``predict-tiles`` runs it (the ceiling);
2. without flip TTA;
3. without the minimum salt area, threshold 0.5 (what the volume path thresholds at);
4. the stepped section normalised once, cut into 101-pixel patches on the tile grid
   (stride 101 from the origin: each patch is one TGS tile, stretched by the contract);
5. the same section, 101-pixel patches at stride 50, blended (patches straddle tiles);
6. the same section, the default 151-pixel patches at stride 75;
7. the continuous section on the tile grid (each tile's own pixels, without TGS's
   per-tile stretch but with the contract's);
8. the continuous section, 101 at stride 50;
9. the continuous section, the default (what ``segment`` gives a user);
10–12. an experiment: a windowed gain (AGC, dividing by the RMS over a square window of
   101 or 51 pixels) applied to the section before the contract, then the default.

Rows 1–3 are the tile path's post-processing, 4 checks that cutting a volume on the
grid gives the tiles back, 4→5→6 (and 7→8→9) is context and blending, 4→7 (5→8, 6→9)
is amplitude: TGS's tile stretch against the continuous line's own. Run it with nothing
else on the machine; about 5 minutes on 2 cores. The results are in docs/segment.md
(*Real sections*).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from patch_size import PatchBlender
from sections import THRESHOLD, Counts, column_only

ROWS = (
    ("tile path (ceiling: flip TTA, model's threshold and minimum area)", "tile", True, None),
    ("tile path, no TTA", "tile", False, None),
    ("tile path, no TTA, threshold 0.5, no minimum area", "tile", False, THRESHOLD),
    ("stepped section, 101 on the tile grid (stride 101)", "stepped", 101, 101),
    ("stepped section, 101 at stride 50", "stepped", 101, 50),
    ("stepped section, 151 at stride 75 (default)", "stepped", 151, 75),
    ("continuous section, 101 on the tile grid (stride 101)", "continuous", 101, 101),
    ("continuous section, 101 at stride 50", "continuous", 101, 50),
    ("continuous section, 151 at stride 75 (default)", "continuous", 151, 75),
    ("continuous section, AGC over 101 pixels, 151 at stride 75", "continuous-agc101", 151, 75),
    ("continuous section, AGC over 51 pixels, 151 at stride 75", "continuous-agc51", 151, 75),
    ("stepped section, AGC over 101 pixels, 151 at stride 75", "stepped-agc101", 151, 75),
)
FOLDERS = {"stepped": ".", "continuous": "continuous"}


def agc(section: np.ndarray, window: int) -> np.ndarray:
    """Divide ``section`` by its RMS amplitude over ``window`` × ``window`` pixels."""
    from scipy.ndimage import uniform_filter

    power = uniform_filter(section.astype(np.float64) ** 2, window, mode="reflect")
    floor = 1e-6 * power.mean()
    return (section / np.sqrt(power + floor)).astype(np.float32)


def tile_masks(blender: PatchBlender, tiles: np.ndarray, tta: bool, threshold: float | None):
    """Masks ``[N, 101, 101]`` of TGS tiles through the tile path."""
    from seismic_salt.model.config import ModelConfig
    from seismic_salt.model.predict import predict_tiles
    from seismic_salt.train.scoring import postprocess

    probability = predict_tiles(blender.module, tiles, tta=tta, precision="auto")
    if threshold is None:
        output = ModelConfig.of(blender.module).output
        return postprocess(probability, output.threshold, output.min_salt_pixels)
    return probability > threshold


def score(model: str, shared: Path) -> tuple[dict, dict]:
    """Pixel counts per row, pooled and per ``(row, section)``."""
    import seismic_salt
    from seismic_salt.train.datasets import load_tgs

    blender = PatchBlender(model)
    tgs = load_tgs(shared / "tgs-salt")
    position = {tile_id: k for k, tile_id in enumerate(tgs.ids)}
    root = shared / "tgs-sections"
    pooled: dict = defaultdict(Counts)
    per_section: dict = defaultdict(Counts)
    for number in range(1, 9):
        name = f"section_{number:02d}"
        manifest = json.loads((root / f"{name}.json").read_text())
        labels = np.load(root / f"{name}.labels.npy")  # [crossline, sample]
        cells = [c for c in manifest["cells"] if c["labelled"]]
        tiles = tgs.amplitude[[position[c["tile_id"]] for c in cells]]
        sections = {}  # source name ("continuous", "stepped-agc101", ...) -> rows = samples
        for source in {row[1] for row in ROWS} - {"tile"}:
            set_name, _, window = source.partition("-agc")
            path = root / FOLDERS[set_name] / f"{name}.sgy"
            volume = seismic_salt.open_segy(path).amplitude.values.astype(np.float32)
            if window:
                volume = agc(volume[0], int(window))[None]
            sections[source] = blender.scale(volume)[0].T
        for row, (_, source, a, b) in enumerate(ROWS):
            if source == "tile":
                masks = tile_masks(blender, tiles, tta=a, threshold=b)
                predicted = [mask.T for mask in masks]  # [crossline, sample]
            else:
                probability = blender.probability(sections[source], a, b).T
                predicted = []
                for cell in cells:
                    s, c = cell["sample_start"], cell["crossline_start"] - 1
                    predicted.append(probability[c : c + 101, s : s + 101] > THRESHOLD)
            for cell, mask in zip(cells, predicted, strict=True):
                s, c = cell["sample_start"], cell["crossline_start"] - 1
                truth = labels[c : c + 101, s : s + 101] == 1
                if not column_only(truth):
                    pooled[row].add(mask, truth)
                    per_section[(row, name)].add(mask, truth)
    return pooled, per_section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    args = parser.parse_args()
    pooled, per_section = score(args.model, args.shared)
    with_salt = sorted({name for (_, name), c in per_section.items() if c.truth})
    print("| step | pooled IoU | precision | recall | " + " | ".join(with_salt) + " |")
    print("|---|---|---|---|" + "---|" * len(with_salt))
    for row, (label, *_) in enumerate(ROWS):
        every = pooled[row].scores()
        figures = [every["iou"], every["precision"], every["recall"]]
        figures += [per_section[(row, name)].scores()["iou"] for name in with_salt]
        print(f"| {row + 1}. {label} | " + " | ".join(f"{v:.3f}" for v in figures) + " |")


if __name__ == "__main__":
    main()
