"""Does fine-tuning on a user's picks help on the rest of the survey? And how long does it take?

    python benchmarks/finetune.py [--model default] [--seeds 0 1 2] [--shared ../shared]
    python benchmarks/finetune.py --timing-only

1. Transfer, on ``tgs-sections/continuous/`` (real seismic lines, scaled like a survey):
   the labelled tiles of sections 1, 3, 5, 7 play the user's picks and the labelled tiles
   of sections 2, 4, 6, 8 are scored, then the reverse. Within the picked group a quarter
   of the labelled tiles with salt and a quarter of those without (a different quarter per
   seed) are held back for the early stop, as ``finetune`` holds back inlines. Scores are
   pooled IoU over the scored group's labelled pixels through the volume path
   (``segment`` defaults, threshold 0.5), column-only masks left out as in
   ``benchmarks/sections.py``, for the base model and the adapted one; one row per
   seed shows the spread between runs.
2. Time: ``finetune`` with default settings on a generated survey of 10 labelled
   inlines of 500 crosslines × 500 samples (the acceptance case), wall time on this
   machine. Run with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

GROUPS = ((1, 3, 5, 7), (2, 4, 6, 8))
THRESHOLD = 0.5


def _column_only(mask: np.ndarray) -> bool:
    return bool(mask.any() and (mask == mask[:, :1]).all())


def load_section(root: Path, number: int) -> tuple:
    """Amplitude DataArray, labels ``[1, crossline, sample]`` and labelled tile windows."""
    import seismic_salt

    name = f"section_{number:02d}"
    manifest = json.loads((root / f"{name}.json").read_text())
    labels = np.load(root / f"{name}.labels.npy")[None]
    amplitude = seismic_salt.open_segy(root / "continuous" / f"{name}.sgy").amplitude
    windows = []
    for cell in manifest["cells"]:
        if cell["labelled"]:
            row, col = cell["sample_start"], cell["crossline_start"] - 1
            windows.append((slice(col, col + 101), slice(row, row + 101)))
    return amplitude.load(), labels, windows


def pooled_iou(model, sections: list) -> float:
    """IoU over the labelled pixels (column-only masks left out) through ``segment``."""
    import seismic_salt

    inter = union = 0
    for amplitude, labels, windows in sections:
        probability = seismic_salt.segment(amplitude, model).values[0]
        for window in windows:
            truth = labels[0][window] == 1
            if _column_only(truth):
                continue
            predicted = probability[window] > THRESHOLD
            inter += int((predicted & truth).sum())
            union += int((predicted | truth).sum())
    return inter / union


def split_picks(sections: list, seed: int) -> tuple[list, list]:
    """Training and validation volumes: a quarter of the salt and salt-free tiles held back."""
    from seismic_salt.labels import UNKNOWN
    from seismic_salt.train.finetune import LabelledVolume

    tiles = [(k, w) for k, (_, _, windows) in enumerate(sections) for w in windows]
    salt = np.array([(sections[k][1][0][w] == 1).any() for k, w in tiles])
    rng = np.random.default_rng(seed)
    held = set()
    for group in (np.flatnonzero(salt), np.flatnonzero(~salt)):  # a quarter of each kind
        held.update(rng.permutation(group)[: max(1, len(group) // 4)].tolist())
    train, validation = [], []
    for k, (amplitude, labels, _) in enumerate(sections):
        learn, check = labels.copy(), np.full_like(labels, UNKNOWN)
        for index, (owner, window) in enumerate(tiles):
            if owner == k and index in held:
                learn[0][window] = UNKNOWN
                check[0][window] = labels[0][window]
        if (learn != UNKNOWN).any():
            train.append(LabelledVolume(amplitude, learn, f"s{k}"))
        if (check != UNKNOWN).any():
            validation.append(LabelledVolume(amplitude, check, f"s{k}"))
    return train, validation


def transfer(model: str, seeds: list[int], shared: Path) -> list[dict]:
    from seismic_salt.train.finetune import adapt

    root = shared / "tgs-sections"
    loaded = {n: load_section(root, n) for group in GROUPS for n in group}
    rows = []
    for picked, scored in (GROUPS, GROUPS[::-1]):
        picks = [loaded[n] for n in picked]
        targets = [loaded[n] for n in scored]
        base = pooled_iou(model, targets)
        for seed in seeds:
            from seismic_salt.train.finetune import FinetuneSettings

            train, validation = split_picks(picks, seed)
            started = time.perf_counter()
            result = adapt(train, validation, model, settings=FinetuneSettings(seed=seed))
            rows.append(
                {
                    "picked": picked,
                    "scored": scored,
                    "seed": seed,
                    "base_iou": base,
                    "adapted_iou": pooled_iou(result.model, targets),
                    "validation_before": result.base_iou,
                    "validation_after": result.iou,
                    "kept_epoch": result.epoch,
                    "seconds": time.perf_counter() - started,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def timing(model: str) -> dict:
    from seismic_salt.synthetic import make_volume
    from seismic_salt.train.finetune import finetune

    volume = make_volume((10, 500, 500), seed=11)
    labels = volume.salt.values.astype(np.uint8)
    started = time.perf_counter()
    result = finetune(volume.amplitude, labels, model)
    return {
        "inlines": 10,
        "shape": [10, 500, 500],
        "seconds": time.perf_counter() - started,
        "epochs_run": len(result.history),
        "validation_before": result.base_iou,
        "validation_after": result.iou,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    parser.add_argument("--timing-only", action="store_true")
    args = parser.parse_args()
    if not args.timing_only:
        rows = transfer(args.model, args.seeds, args.shared)
        print("| picked sections | scored sections | seed | base IoU | adapted IoU | s |")
        print("|---|---|---|---|---|---|")
        for row in rows:
            print(
                f"| {','.join(map(str, row['picked']))} | {','.join(map(str, row['scored']))} | "
                f"{row['seed']} | {row['base_iou']:.3f} | {row['adapted_iou']:.3f} | "
                f"{row['seconds']:.0f} |"
            )
    print(json.dumps(timing(args.model)))


if __name__ == "__main__":
    main()
