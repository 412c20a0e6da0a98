"""Score the volume path on test-split tiles inside mosaics of TGS tiles put back together.

    python benchmarks/mosaics.py [--model default] [--shared ../shared]

``benchmarks/sections.py`` scores 35 labelled tiles (about seven with salt), too few to
tell two models apart by less than about 0.1. This adds the tiles of the project's TGS
test split that :mod:`seismic_salt.train.mosaic` finds neighbours for among all 3,200
tiles: each sits in a mosaic whose gain steps are removed as ``tgs-sections/continuous``
was made (a gain and an offset per tile making every seam continuous; then median 0,
RMS 1000). For each such tile, the largest rectangle of tiles around it with no gap is
written as a one-inline SEG-Y and run through ``segment`` with default settings
(``segment_to_zarr``), thresholded at 0.5; beside it, the tile ceiling: the same tile
as TGS gave it, through the tile path (``predict-tiles``: flip TTA, the model's
threshold and minimum area).

Only test-split tiles are scored, so for any model trained with the test split left out
(every model of ``seismic-salt train`` since the split exists) these are test figures;
their neighbours may be training tiles, which only gives the model context it saw.
Pooled IoU, precision and recall over the tiles' pixels, with every label and with
column-only masks treated as unknown. About 3 minutes per model on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from itertools import product
from pathlib import Path

import numpy as np
from sections import THRESHOLD, Tally, column_only, tile_masks, unseen_tiles, volume_probability

RMS = 1000.0  # the scale of tgs-sections/continuous


def largest_rectangle(grid: np.ndarray, cell: tuple[int, int]) -> tuple[slice, slice]:
    """The largest block of ``grid`` without a gap (-1) that holds ``cell``."""
    best, area = (slice(cell[0], cell[0] + 1), slice(cell[1], cell[1] + 1)), 1
    rows, cols = grid.shape
    for r0, c0 in product(range(cell[0] + 1), range(cell[1] + 1)):
        for r1, c1 in product(range(cell[0] + 1, rows + 1), range(cell[1] + 1, cols + 1)):
            block = grid[r0:r1, c0:c1]
            if block.size > area and (block >= 0).all():
                best, area = (slice(r0, r1), slice(c0, c1)), block.size
    return best


def continuous_rectangles(tgs, test: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Gap-free rectangles of tiles ``[rows, cols]`` around each test tile with neighbours,
    and their de-stepped amplitude ``[rows·101 (sample), cols·101]`` at RMS 1000."""
    from seismic_salt.train.mosaic import assemble, destep, find_seams

    rectangles, seen = [], set()
    for grid in assemble(len(tgs), find_seams(tgs.amplitude)):
        for r, c in zip(*np.nonzero((grid >= 0) & test[np.maximum(grid, 0)]), strict=True):
            block = grid[largest_rectangle(grid, (r, c))]
            if block.size < 2 or block.tobytes() in seen:
                continue
            seen.add(block.tobytes())
            gain, offset = destep(tgs.amplitude, block)
            tiles = gain[:, None, None] * tgs.amplitude[block.ravel()] + offset[:, None, None]
            rows, cols = block.shape
            amplitude = tiles.reshape(rows, cols, 101, 101).transpose(0, 2, 1, 3)
            amplitude = amplitude.reshape(rows * 101, cols * 101)
            amplitude = amplitude - np.median(amplitude)
            amplitude *= RMS / np.sqrt(np.mean(amplitude**2))
            rectangles.append((block, amplitude.astype(np.float32)))
    return rectangles


def write_section(amplitude: np.ndarray, path: Path) -> Path:
    """Write ``[sample, crossline]`` as a one-inline SEG-Y (1 ms samples)."""
    import xarray as xr

    from seismic_salt.io.writer import to_segy

    n_samples, n_crosslines = amplitude.shape
    data = xr.DataArray(
        amplitude.T[None],
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": [1],
            "crossline": np.arange(1, n_crosslines + 1),
            "sample": np.arange(n_samples, dtype=float),
        },
    )
    return to_segy(data, path)


PATHS = ("volume", "tile ceiling")
GROUPS = ("not trained on", "trained")


def score(model: str, shared: Path) -> Tally:
    """Counts per (path, labels, group, mosaic) over the test-split tiles with neighbours."""
    from seismic_salt.train.datasets import in_test_split, load_tgs

    tgs = load_tgs(shared / "tgs-salt")
    test = in_test_split(tgs.ids)
    unseen = unseen_tiles(model, tgs.ids, tgs.mask)
    tally, scored = Tally(), set()
    with tempfile.TemporaryDirectory() as scratch:
        for k, (block, amplitude) in enumerate(continuous_rectangles(tgs, test)):
            segy = write_section(amplitude, Path(scratch) / f"mosaic{k}.sgy")
            probability = volume_probability(segy, model, Path(scratch), None).T
            cells = [
                (r, c)
                for r, c in np.ndindex(block.shape)
                if test[block[r, c]] and block[r, c] not in scored
            ]
            ceiling = tile_masks(model, tgs.amplitude[[block[r, c] for r, c in cells]])
            for (r, c), tile_mask in zip(cells, ceiling, strict=True):
                tile = block[r, c]
                scored.add(tile)
                window = (slice(r * 101, (r + 1) * 101), slice(c * 101, (c + 1) * 101))
                truth = tgs.mask[tile] == 1  # [sample, crossline], as the probability
                group = GROUPS[0] if unseen[tgs.ids[tile]] else GROUPS[1]
                kinds = ["all labels"] + ([] if column_only(truth.T) else ["no column masks"])
                predicted = {"volume": probability[window] > THRESHOLD, "tile ceiling": tile_mask}
                for path, kind in product(PATHS, kinds):
                    tally.add((path, kind, group, f"mosaic{k}"), predicted[path], truth)
    return tally


def report(tally: Tally) -> str:
    lines = [
        "| path | labels | pooled IoU | precision | recall | not trained on IoU | trained IoU |",
        "|---|---|---|---|---|---|---|",
    ]
    for path, kind in product(PATHS, ("no column masks", "all labels")):
        every = tally.pooled(path=path, labels=kind)
        groups = [tally.pooled(path=path, labels=kind, group=g) for g in GROUPS]
        lines.append(
            f"| {path} | {kind} | {every['iou']:.3f} | {every['precision']:.3f} | "
            f"{every['recall']:.3f} | "
            + " | ".join(f"{g['iou']:.3f} ({g['tiles']} tiles)" for g in groups)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="bundled name or checkpoint")
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    args = parser.parse_args()
    from seismic_salt.errors import CoordinateWarning

    warnings.simplefilter("ignore", CoordinateWarning)  # the sections have no map grid
    if not (args.shared / "tgs-salt" / "train").is_dir():
        raise SystemExit(f"no TGS tiles under {args.shared / 'tgs-salt'}")
    print(report(score(args.model, args.shared)))


if __name__ == "__main__":
    main()
