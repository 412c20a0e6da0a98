"""Score the volume pipeline on the real seismic sections rebuilt from TGS tiles.

    python benchmarks/sections.py [--model default] [--shared ../shared]

Each ``../shared/tgs-sections/section_NN.sgy`` (one inline) is opened with ``open_segy``,
segmented with ``seismic_salt.segment`` (patches, blending, normalisation: the whole
volume path, not the tile path) and compared with its labels where they are known. The
labelled tiles are TGS training tiles, most of which the bundled model trained on (all
but its held-out fold), so these IoUs are optimistic; they check the volume path end to
end on real seismic. Prints a markdown table for docs/segment.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import seismic_salt


def score_section(segy: Path, model: str) -> dict:
    labels = np.load(segy.with_suffix(".labels.npy"))  # (crossline, sample): 0, 1, 255
    survey = seismic_salt.open_segy(segy)
    start = time.perf_counter()
    probability = seismic_salt.segment(survey.amplitude, model).values[0]  # (crossline, sample)
    seconds = time.perf_counter() - start
    threshold = float(seismic_salt.load_model(model).config["output"]["threshold"])
    known = labels != 255
    predicted = (probability > threshold) & known
    truth = (labels == 1) & known
    union = (predicted | truth).sum()
    return {
        "section": segy.stem,
        "shape": f"{labels.shape[0]}×{labels.shape[1]}",
        "labelled": float(known.mean()),
        "salt": float(truth.sum() / max(known.sum(), 1)),
        "iou": float((predicted & truth).sum() / union) if union else float("nan"),
        "accuracy": float((predicted == truth)[known].mean()),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    args = parser.parse_args()
    sections = sorted((args.shared / "tgs-sections").glob("section_*.sgy"))
    if not sections:
        raise SystemExit(f"no sections under {args.shared / 'tgs-sections'}")
    print("| section | crosslines×samples | labelled | salt | IoU | pixel accuracy | s |")
    print("|---|---|---|---|---|---|---|")
    for segy in sections:
        r = score_section(segy, args.model)
        print(
            f"| {r['section']} | {r['shape']} | {r['labelled']:.0%} | {r['salt']:.0%} | "
            f"{r['iou']:.3f} | {r['accuracy']:.3f} | {r['seconds']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
