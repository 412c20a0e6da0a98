"""How the blending window and the salt threshold change IoU on real and synthetic volumes.

    python benchmarks/blending.py [--model default] [--shared ../shared]

The patches of each section are predicted once (``segment``'s scaling and splitter,
stride 50), then blended with Hann windows of several floors (``tiling.blend_window``;
floor 1 is a plain mean) and thresholded at several levels. Scored:

- the eight continuous sections of ``tgs-sections/continuous`` (column-only masks
  unknown, as ``benchmarks/sections.py`` scores them), pooled IoU at three grid
  placements (the section reflect-padded by 0, 17 and 33 pixels before cutting) and
  their mean, for the odd and even sections apart, so that a setting chosen on one half
  can be read on the other;
- the demo's synthetic volumes (``make_volume(DEMO_SHAPE, seed)``, seeds 0–2), voxel IoU.

Run it with nothing else on the machine; about 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from sections import column_only

FLOORS = (0.05, 0.25, 0.5, 1.0)
THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55)
PLACEMENTS = (0, 17, 33)


class Blender:
    """Predict a section's patches once; blend them with each window."""

    def __init__(self, model: str) -> None:
        from seismic_salt.inference.model_ref import load_module, resolve_model
        from seismic_salt.tiling import Splitter

        ref = resolve_model(model)
        self.module = load_module(ref, "cpu")
        self.contract = ref.config.input.normalisation
        self.splitter = Splitter(101, 50)

    def scale(self, volume: np.ndarray) -> np.ndarray:
        from seismic_salt.normalize import Normalisation

        return Normalisation.fit(volume, contract=self.contract).apply(volume)

    def blend(self, section: np.ndarray) -> dict[float, np.ndarray]:
        """Floor → blended probability of ``section`` (rows = samples)."""
        from seismic_salt.model.predict import predict_tiles
        from seismic_salt.tiling import Merger

        patches, origins = self.splitter.split(section)
        probability = predict_tiles(self.module, patches, precision="auto")
        blended = {}
        for floor in FLOORS:
            merger = Merger(section.shape, self.splitter, floor=floor)
            merger.aggregate(probability, origins)
            blended[floor] = merger.finalize()
        return blended


def score_sections(blender: Blender, shared: Path, tally: dict) -> None:
    import seismic_salt

    root = shared / "tgs-sections"
    for number in range(1, 9):
        name = f"section_{number:02d}"
        volume = seismic_salt.open_segy(root / "continuous" / f"{name}.sgy").amplitude.values
        section = blender.scale(volume.astype(np.float32))[0].T  # rows = samples
        labels = np.load(root / "continuous" / f"{name}.labels.npy")
        manifest = json.loads((root / f"{name}.json").read_text())
        cells = [cell for cell in manifest["cells"] if cell["labelled"]]
        half = "odd" if number % 2 else "even"
        for pad in PLACEMENTS:
            padded = np.pad(section, ((pad, 0), (pad, 0)), mode="reflect")
            for floor, blended in blender.blend(padded).items():
                probability = blended[pad:, pad:].T  # [crossline, sample]
                for cell in cells:
                    row, col = cell["sample_start"], cell["crossline_start"] - 1
                    window = (slice(col, col + 101), slice(row, row + 101))
                    truth = labels[window] == 1
                    if column_only(truth):
                        continue
                    for level in THRESHOLDS:
                        add(tally[(half, pad, floor, level)], probability[window] > level, truth)


def score_demo(blender: Blender, tally: dict) -> None:
    from seismic_salt.demo import DEMO_SHAPE
    from seismic_salt.synthetic import make_volume

    for seed in (0, 1, 2):
        volume = make_volume(DEMO_SHAPE, seed)
        scaled = blender.scale(volume.amplitude.values.astype(np.float32))
        salt = volume.salt.values.astype(bool)
        for inline in range(len(scaled)):
            for floor, blended in blender.blend(scaled[inline].T).items():
                for level in THRESHOLDS:
                    add(tally[("demo", seed, floor, level)], blended.T > level, salt[inline])


def add(counts: list, predicted: np.ndarray, truth: np.ndarray) -> None:
    counts[0] += int((predicted & truth).sum())
    counts[1] += int((predicted | truth).sum())


def iou(tally: dict, halves: tuple[str, ...], key, floor: float, threshold: float) -> float:
    inter = sum(tally[(half, key, floor, threshold)][0] for half in halves)
    union = sum(tally[(half, key, floor, threshold)][1] for half in halves)
    return inter / union if union else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    args = parser.parse_args()
    blender = Blender(args.model)
    tally: dict = defaultdict(lambda: [0, 0])
    score_sections(blender, args.shared, tally)
    score_demo(blender, tally)
    print("| window floor | threshold | odd sections | even sections | all (mean of 3) "
          "| all, placement 0 | demo 0 | demo 1 | demo 2 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for floor, threshold in itertools.product(FLOORS, THRESHOLDS):
        cells = [
            np.mean([iou(tally, halves, pad, floor, threshold) for pad in PLACEMENTS])
            for halves in (("odd",), ("even",), ("odd", "even"))
        ]
        cells.append(iou(tally, ("odd", "even"), 0, floor, threshold))
        cells += [iou(tally, ("demo",), seed, floor, threshold) for seed in (0, 1, 2)]
        print(f"| {floor} | {threshold} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
