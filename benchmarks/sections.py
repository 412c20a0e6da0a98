"""Score the volume path on the real seismic sections rebuilt from TGS tiles.

    python benchmarks/sections.py [--model default] [--shared ../shared] [--json out.json]
    python benchmarks/sections.py --stride 67
    python benchmarks/sections.py --model a.safetensors=2,4,6,8 --model b.safetensors=1,3,5,7

Both sets are scored: ``tgs-sections/`` (each tile stretched on its own by TGS, so the
sections carry tile-wise gain steps) and ``tgs-sections/continuous/`` (the steps removed,
scaled like a survey). Each section goes through exactly what ``seismic-salt segment``
does with default settings (``segment_to_zarr``: normalisation, 151 × 151 patches at
stride 75, blending, the store) and is thresholded at 0.5, as ``export`` does by
default. Beside it, the **tile ceiling**: the same labelled tiles through the tile path,
each tile as TGS gave it (the PNG of ``tgs-salt/train/images``), predicted as
``predict-tiles`` does (flip TTA, the model's own threshold and minimum salt area).

Scores are pooled over labelled pixels (IoU, precision, recall), twice: with every label,
and with the column-only masks (a vertical boundary cutting the tile top to bottom,
which the tile's content does not show) treated as unknown. Each figure is also split
into tiles the model did not train on (its held-out validation fold and the tiles its run
left out, read from its provenance) and tiles it trained on. ``--tile-ids`` lists the
sections' labelled tiles, for ``train --exclude-ids``: a model trained without them
gets test scores here, not validation ones.

``--model PATH=2,4,6,8`` scores only those sections with that model: give one model per
group to score sections left out of each model's training (leave-sections-out); the
pooled figures then cover every section once.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SETS = {"stepped": ".", "continuous": "continuous"}
THRESHOLD = 0.5  # what `seismic-salt export --segy ... --threshold` and `bodies` default to


@dataclass
class Counts:
    """Pixel counts pooled over tiles: intersection, predicted and true salt."""

    inter: int = 0
    predicted: int = 0
    truth: int = 0
    tiles: int = 0

    def add(self, predicted: np.ndarray, truth: np.ndarray) -> None:
        self.inter += int((predicted & truth).sum())
        self.predicted += int(predicted.sum())
        self.truth += int(truth.sum())
        self.tiles += 1

    def scores(self) -> dict:
        union = self.predicted + self.truth - self.inter
        return {
            "iou": self.inter / union if union else float("nan"),
            "precision": self.inter / self.predicted if self.predicted else float("nan"),
            "recall": self.inter / self.truth if self.truth else float("nan"),
            "tiles": self.tiles,
        }


@dataclass
class Tally:
    """Counts per (path, labels, fold group)."""

    counts: dict = field(default_factory=dict)

    def add(self, key: tuple, predicted: np.ndarray, truth: np.ndarray) -> None:
        self.counts.setdefault(key, Counts()).add(predicted, truth)

    def pooled(self, **match) -> dict:
        total = Counts()
        for key, counts in self.counts.items():
            named = dict(zip(("path", "labels", "group", "section"), key, strict=True))
            if all(named[k] == v for k, v in match.items()):
                for name in ("inter", "predicted", "truth", "tiles"):
                    setattr(total, name, getattr(total, name) + getattr(counts, name))
        return total.scores()


def column_only(mask: np.ndarray) -> bool:
    """True for a salt mask ``[crossline, sample]`` made of full-height columns only."""
    return bool(mask.any() and (mask == mask[:, :1]).all())


def unseen_tiles(model: str, ids: np.ndarray, masks: np.ndarray) -> dict[str, bool]:
    """Map each TGS tile id to True when the model did not train on it.

    Those are the tiles of its held-out validation fold and those its run left out
    (``exclude_ids``; the test split when ``exclude_test``), read from its provenance;
    for an ensemble, the tiles none of its members trained on.
    """
    from seismic_salt.model import load_model

    provenance = load_model(model).config.get("provenance", {})
    members = provenance.get("ensemble_of")
    if members is None:
        unseen = _unseen(provenance, ids, masks)
    else:
        unseen = np.ones(len(ids), bool)
        for member in members:
            if "provenance" in member:
                unseen &= _unseen(member["provenance"], ids, masks)
            else:  # an older ensemble file: count its member as having seen every tile
                unseen[:] = False
    return dict(zip(ids, unseen, strict=True))


def _unseen(provenance: dict, ids: np.ndarray, masks: np.ndarray) -> np.ndarray:
    from seismic_salt.train.datasets import in_test_split, stratified_folds

    folds, fold = int(provenance.get("folds", 5)), int(provenance.get("fold", 0))
    unseen = stratified_folds(masks, folds, int(provenance.get("seed", 0))) == fold
    settings = provenance.get("train_config", {})
    unseen |= np.isin(ids.astype(str), settings.get("exclude_ids", []))
    if settings.get("exclude_test", False):
        unseen |= in_test_split(ids)
    return unseen


def volume_probability(segy: Path, model: str, scratch: Path, stride: int | None) -> np.ndarray:
    """``seismic-salt segment`` with default settings (or this stride); ``[crossline, sample]``."""
    import xarray as xr

    import seismic_salt

    store = scratch / f"{segy.parent.name}-{segy.stem}.zarr"
    options = {} if stride is None else {"stride": stride}
    seismic_salt.segment_to_zarr(segy, store, model, progress=False, overwrite=True, **options)
    return xr.open_zarr(store).salt_probability.values[0].astype(np.float32)


def tile_masks(model: str, tiles: np.ndarray) -> np.ndarray:
    """Masks of TGS tiles ``[N, 101, 101]`` as ``predict-tiles`` makes them."""
    from seismic_salt.model import load_model
    from seismic_salt.train.datasets import TileSet
    from seismic_salt.train.evaluate import predict_masks

    empty = np.zeros(len(tiles))
    return predict_masks(load_model(model), TileSet(empty, tiles, None, empty), tta=True)


def labelled_tile_ids(root: Path) -> list[str]:
    """Ids of the labelled TGS tiles of every section, in section order."""
    ids = []
    for number in range(1, 9):
        manifest = json.loads((root / f"section_{number:02d}.json").read_text())
        ids += [cell["tile_id"] for cell in manifest["cells"] if cell["labelled"]]
    return ids


def score(models: list[tuple[str, list[int]]], shared: Path, stride: int | None = None) -> Tally:
    from seismic_salt.train.datasets import load_tgs

    tgs = load_tgs(shared / "tgs-salt")
    position = {tile_id: k for k, tile_id in enumerate(tgs.ids)}
    root = shared / "tgs-sections"
    tally = Tally()
    with tempfile.TemporaryDirectory() as scratch:
        for model, numbers in models:
            held_out = unseen_tiles(model, tgs.ids, tgs.mask)
            for number in numbers:
                name = f"section_{number:02d}"
                manifest = json.loads((root / f"{name}.json").read_text())
                labels = np.load(root / f"{name}.labels.npy")  # [crossline, sample]
                cells = [c for c in manifest["cells"] if c["labelled"]]
                ceiling = tile_masks(model, tgs.amplitude[[position[c["tile_id"]] for c in cells]])
                paths = {"tile ceiling": None}
                for set_name, folder in SETS.items():
                    paths[set_name] = volume_probability(
                        root / folder / f"{name}.sgy", model, Path(scratch), stride
                    )
                for cell, tile_mask in zip(cells, ceiling, strict=True):
                    row, col = cell["sample_start"], cell["crossline_start"] - 1
                    window = (slice(col, col + 101), slice(row, row + 101))
                    truth = labels[window] == 1
                    group = "not trained on" if held_out[cell["tile_id"]] else "trained"
                    kinds = ["all labels"] + ([] if column_only(truth) else ["no column masks"])
                    for path, probability in paths.items():
                        predicted = (
                            tile_mask.T if probability is None else probability[window] > THRESHOLD
                        )
                        for kind in kinds:
                            tally.add((path, kind, group, name), predicted, truth)
    return tally


def parse_models(values: list[str]) -> list[tuple[str, list[int]]]:
    models = []
    for value in values or ["default"]:
        model, _, numbers = value.partition("=")
        models.append(
            (model, [int(n) for n in numbers.split(",")] if numbers else list(range(1, 9)))
        )
    return models


def report(tally: Tally) -> str:
    lines = [
        "| path | labels | pooled IoU | precision | recall | not trained on IoU | trained IoU |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in ("stepped", "continuous", "tile ceiling"):
        for kind in ("no column masks", "all labels"):
            every = tally.pooled(path=path, labels=kind)
            held = tally.pooled(path=path, labels=kind, group="not trained on")
            trained = tally.pooled(path=path, labels=kind, group="trained")
            lines.append(
                f"| {path} | {kind} | {every['iou']:.3f} | {every['precision']:.3f} | "
                f"{every['recall']:.3f} | {held['iou']:.3f} ({held['tiles']} tiles) | "
                f"{trained['iou']:.3f} ({trained['tiles']} tiles) |"
            )
    lines += [
        "",
        "| section | stepped IoU | continuous IoU | tile ceiling IoU |",
        "|---|---|---|---|",
    ]
    sections = sorted({key[3] for key in tally.counts})
    for name in sections:
        cells = [
            tally.pooled(path=path, labels="no column masks", section=name)["iou"]
            for path in ("stepped", "continuous", "tile ceiling")
        ]
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        action="append",
        help="bundled name or checkpoint, optionally =SECTIONS (e.g. a.safetensors=2,4,6,8)",
    )
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    parser.add_argument("--json", type=Path, help="also write the pooled counts here")
    parser.add_argument("--stride", type=int, help="patch stride (default: segment's)")
    parser.add_argument(
        "--tile-ids",
        action="store_true",
        help="print the ids of the labelled TGS tiles the sections are made of and stop "
        "(for train --exclude-ids, so the sections score a model that never saw them)",
    )
    args = parser.parse_args()
    if not (args.shared / "tgs-sections" / "continuous").is_dir():
        raise SystemExit(f"no sections under {args.shared / 'tgs-sections'}")
    if args.tile_ids:
        print("\n".join(labelled_tile_ids(args.shared / "tgs-sections")))
        return
    tally = score(parse_models(args.model), args.shared, args.stride)
    print(report(tally))
    if args.json:
        rows = [
            {"path": k[0], "labels": k[1], "group": k[2], "section": k[3], **vars(c)}
            for k, c in tally.counts.items()
        ]
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
