"""How the side of the patches ``segment`` cuts changes IoU on real and synthetic volumes.

    python benchmarks/patch_size.py [--model default] [--patches 101,151,202] [--shared ../shared]

Each section is cut into square patches of every side given (stride half the patch, as
``segment`` defaults to), predicted and blended with the default window; patch sides
given together are also averaged (``101+151``). Scored, as ``benchmarks/blending.py``
scores its settings:

- the eight sections of ``tgs-sections/continuous`` and of the stepped ``tgs-sections``
  (column-only masks unknown), pooled IoU at threshold 0.5 at three grid placements (the
  section reflect-padded by 0, 17 and 33 pixels) and their mean, odd and even sections
  apart, so a size chosen on one half can be read on the other;
- the demo's synthetic volumes (seeds 0–2), voxel IoU at the demo's threshold.

Run it with nothing else on the machine; about 5 minutes per patch side on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from blending import PLACEMENTS, Blender, add
from sections import SETS, THRESHOLD, column_only


class PatchBlender(Blender):
    """Predict a section in patches of one side and blend them with the default window."""

    def probability(self, section: np.ndarray, patch: int, stride: int | None = None) -> np.ndarray:
        """Blended probability of ``section``; ``stride`` None: half the patch, as ``segment``."""
        from seismic_salt.inference.settings import Settings
        from seismic_salt.model.predict import predict_tiles
        from seismic_salt.tiling import Merger

        splitter = Settings(patch=patch, stride=stride).splitter()
        patches, origins = splitter.split(section)
        merger = Merger(section.shape, splitter)
        merger.aggregate(predict_tiles(self.module, patches, precision="auto"), origins)
        return merger.finalize()


def combinations(patches: list[int]) -> list[tuple[int, ...]]:
    return [c for r in range(1, len(patches) + 1) for c in itertools.combinations(patches, r)]


def score_sections(blender: PatchBlender, patches: list[int], shared: Path, tally: dict) -> None:
    import seismic_salt

    root = shared / "tgs-sections"
    for (set_name, folder), number in itertools.product(SETS.items(), range(1, 9)):
        name = f"section_{number:02d}"
        volume = seismic_salt.open_segy(root / folder / f"{name}.sgy").amplitude.values
        section = blender.scale(volume.astype(np.float32))[0].T  # rows = samples
        labels = np.load(root / f"{name}.labels.npy")
        manifest = json.loads((root / f"{name}.json").read_text())
        cells = [cell for cell in manifest["cells"] if cell["labelled"]]
        half = "odd" if number % 2 else "even"
        for pad in PLACEMENTS:
            padded = np.pad(section, ((pad, 0), (pad, 0)), mode="reflect")
            blended = {p: blender.probability(padded, p)[pad:, pad:].T for p in patches}
            for combo in combinations(patches):
                probability = np.mean([blended[p] for p in combo], axis=0)
                for cell in cells:
                    row, col = cell["sample_start"], cell["crossline_start"] - 1
                    window = (slice(col, col + 101), slice(row, row + 101))
                    truth = labels[window] == 1
                    if not column_only(truth):
                        predicted = probability[window] > THRESHOLD
                        add(tally[(set_name, half, pad, combo)], predicted, truth)


def score_demo(blender: PatchBlender, patches: list[int], model: str, tally: dict) -> None:
    from seismic_salt.demo import DEMO_SHAPE
    from seismic_salt.inference.model_ref import resolve_model
    from seismic_salt.synthetic import make_volume

    threshold = resolve_model(model).config.output.threshold  # what the demo scores at
    for seed in (0, 1, 2):
        volume = make_volume(DEMO_SHAPE, seed)
        scaled = blender.scale(volume.amplitude.values.astype(np.float32))
        blended = {
            p: np.stack([blender.probability(inline.T, p).T for inline in scaled]) for p in patches
        }
        for combo in combinations(patches):
            probability = np.mean([blended[p] for p in combo], axis=0)
            add(tally[("demo", seed, combo)], probability > threshold, volume.salt.values > 0)


def iou(tally: dict, keys: list[tuple]) -> float:
    inter = sum(tally[key][0] for key in keys)
    union = sum(tally[key][1] for key in keys)
    return inter / union if union else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--patches", default="101,151,202", help="patch sides, comma-separated")
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    args = parser.parse_args()
    patches = [int(p) for p in args.patches.split(",")]
    blender = PatchBlender(args.model)
    tally: dict = defaultdict(lambda: [0, 0])
    score_sections(blender, patches, args.shared, tally)
    score_demo(blender, patches, args.model, tally)
    print("| patch | continuous (odd, even) | placements 0/17/33 | stepped (odd, even) | demo |")
    print("|---|---|---|---|---|")
    for combo in combinations(patches):
        cells = ["+".join(map(str, combo))]
        for set_name in ("continuous", "stepped"):
            keys = {h: [(set_name, h, p, combo) for p in PLACEMENTS] for h in ("odd", "even")}
            both = keys["odd"] + keys["even"]
            cells.append(f"{iou(tally, both):.3f} ({iou(tally, keys['odd']):.3f}, "
                         f"{iou(tally, keys['even']):.3f})")  # fmt: skip
            if set_name == "continuous":
                cells.append("/".join(
                    f"{iou(tally, [k for k in both if k[2] == p]):.3f}" for p in PLACEMENTS
                ))  # fmt: skip
        cells.append(", ".join(f"{iou(tally, [('demo', s, combo)]):.3f}" for s in (0, 1, 2)))
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
