"""Continuous mosaics of TGS tiles, and training windows cut across their seams.

The TGS tiles were cut from larger seismic sections, and many training tiles have a
neighbour among the others. TGS stretched each tile to 0..255 on its own, so a
``segment`` patch that straddles two tiles of a real survey (whose amplitude varies
smoothly) looks like nothing the tiles taught: one part loud, the other quiet. This
module puts neighbouring tiles back together and removes their gain steps, so training
can see windows across seams, as ``segment`` cuts a survey:

1. :func:`find_seams`: a tile's edge, extrapolated half a pixel, is compared with every
   other tile's opposite edge by the correlation of their differences along the edge
   (blind to each tile's own stretch and to the smooth trends many edges share); a seam
   is kept when the two edges are each other's best match and correlate above
   :data:`MIN_CORRELATION`.
2. :func:`assemble`: seams join tiles into grids, best first, skipping any seam that
   would put two tiles in one cell.
3. :func:`destep`: a gain and an offset per tile, solved by least squares so that both
   tiles agree on every seam line (mean gain 1, mean offset 0), as
   ``tgs-sections/continuous`` was made.
4. :func:`mosaic_windows`: windows cut from the mosaics by
   :func:`~seismic_salt.train.windows.windows_from_volume`, wholly inside labelled tiles.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> section = np.cumsum(rng.normal(size=(101, 202)), axis=1).astype("float32")
    >>> tiles = np.stack([section[:, :101], 3 * section[:, 101:] + 1])
    >>> [(seam.first, seam.second, seam.direction) for seam in find_seams(tiles)]
    [(0, 1, 'right')]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seismic_salt.normalize import Contract
from seismic_salt.tiling import TILE
from seismic_salt.train.datasets import TileSet

__all__ = ["Seam", "assemble", "destep", "find_seams", "mosaic_windows"]

#: Smallest edge correlation of a kept seam. Where both edges of a kept seam hold salt,
#: the masks agree along it with IoU 0.89 for seams above 0.9 and 0.65 for 0.8-0.9, but
#: 0.32 for 0.7-0.8 (0.10 for random pairs): below 0.8 most seams are false.
MIN_CORRELATION = 0.8

#: Edges whose roughness (RMS of the differences along the extrapolated edge, in the
#: tiles' amplitude units of [-1, 1]) is below this are too flat to match.
MIN_EDGE_STD = 0.02

#: Largest ratio of two gains inside one mosaic: a guard against a false seam or a nearly
#: flat tile. Neighbouring tiles of ``tgs-sections/continuous`` differ in RMS by up to
#: 2.7x; no mosaic of the 3,200 TGS tiles reaches 8 with the seams kept.
MAX_GAIN_RATIO = 8.0

#: Grid step of each direction: (row, column) of the second tile from the first.
STEPS = {"right": (0, 1), "below": (1, 0)}


@dataclass(frozen=True)
class Seam:
    """Tile ``second`` lies ``direction`` of tile ``first`` (indices into the tiles)."""

    first: int
    second: int
    direction: str
    correlation: float


def _edges(amplitude: np.ndarray, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``[N, 101]`` facing the seam, each extrapolated half a pixel onto it.

    Returns ``(leaving, entering)``: the far edge of a first tile (right column or
    bottom row) and the near edge of a second (left column or top row).
    """
    tiles = amplitude if direction == "right" else amplitude.transpose(0, 2, 1)
    leaving = 1.5 * tiles[:, :, -1] - 0.5 * tiles[:, :, -2]
    entering = 1.5 * tiles[:, :, 0] - 0.5 * tiles[:, :, 1]
    return leaving, entering


def _standardised(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges scaled to zero mean and unit norm, and which are flat."""
    centred = edges - edges.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(centred, axis=1, keepdims=True)
    flat = norm[:, 0] / np.sqrt(edges.shape[1]) < MIN_EDGE_STD
    return centred / np.maximum(norm, 1e-12), flat


def find_seams(amplitude: np.ndarray, min_correlation: float = MIN_CORRELATION) -> list[Seam]:
    """Find tiles that were neighbours in the sections they were cut from.

    Args:
        amplitude: Tiles ``[N, 101 (sample), 101 (crossline)]``, each on its own scale.
        min_correlation: Smallest correlation of the two edges of a kept seam.

    Returns:
        Seams, best first: pairs whose edges are each other's best match.
    """
    amplitude = np.asarray(amplitude, dtype=np.float64)
    seams = []
    for direction in STEPS:
        # differences along the edge: the smooth trends that many edges share drop out
        leaving, entering = (
            _standardised(np.diff(e, axis=1)) for e in _edges(amplitude, direction)
        )
        correlation = leaving[0] @ entering[0].T  # [first, second]
        np.fill_diagonal(correlation, -1.0)
        correlation[leaving[1], :] = -1.0
        correlation[:, entering[1]] = -1.0
        best_second = correlation.argmax(axis=1)
        best_first = correlation.argmax(axis=0)
        for first, second in enumerate(best_second):
            score = float(correlation[first, second])
            if best_first[second] == first and score >= min_correlation:
                seams.append(Seam(first, int(second), direction, score))
    return sorted(seams, key=lambda seam: -seam.correlation)


def assemble(n_tiles: int, seams: list[Seam]) -> list[np.ndarray]:
    """Join tiles into grids along ``seams`` (best first).

    A seam between two grids is skipped when it would put two tiles in one cell, and a
    seam inside one grid is never needed (the grid already places both tiles).

    Returns:
        Grids of tile indices ``[rows, cols]`` (-1 where no tile is known), one per group
        of at least two tiles, largest first.
    """
    owner = list(range(n_tiles))
    groups: dict[int, dict[int, tuple[int, int]]] = {i: {i: (0, 0)} for i in range(n_tiles)}
    for seam in sorted(seams, key=lambda s: -s.correlation):
        a, b = owner[seam.first], owner[seam.second]
        if a == b:
            continue
        (ra, ca), (rb, cb) = groups[a][seam.first], groups[b][seam.second]
        dr, dc = STEPS[seam.direction]
        shift = (ra + dr - rb, ca + dc - cb)
        moved = {t: (r + shift[0], c + shift[1]) for t, (r, c) in groups[b].items()}
        if set(moved.values()) & set(groups[a].values()):
            continue
        groups[a].update(moved)
        for tile in moved:
            owner[tile] = a
        del groups[b]
    grids = []
    for cells in groups.values():
        if len(cells) < 2:
            continue
        rows, cols = np.array(list(cells.values())).T
        grid = np.full((rows.max() - rows.min() + 1, cols.max() - cols.min() + 1), -1)
        for tile, (r, c) in cells.items():
            grid[r - rows.min(), c - cols.min()] = tile
        grids.append(grid)
    return sorted(grids, key=lambda g: -(g >= 0).sum())


def destep(amplitude: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve a gain and an offset per tile of ``grid`` that make its seams continuous.

    Least squares over every row of every seam: both tiles, extrapolated half a pixel
    onto the seam line, must agree; the gains average 1 and the offsets 0.

    Returns:
        ``(gain, offset)``, one per tile of the grid in the order of ``grid[grid >= 0]``.
    """
    tiles = grid[grid >= 0]
    column = {int(t): k for k, t in enumerate(tiles)}
    n = len(tiles)
    blocks, targets = [], []
    for direction, (dr, dc) in STEPS.items():
        leaving, entering = _edges(np.asarray(amplitude, dtype=np.float64), direction)
        for r, c in zip(*np.nonzero(grid >= 0), strict=True):
            r2, c2 = r + dr, c + dc
            if r2 >= grid.shape[0] or c2 >= grid.shape[1] or grid[r2, c2] < 0:
                continue
            a, b = column[int(grid[r, c])], column[int(grid[r2, c2])]
            rows = np.zeros((TILE, 2 * n))
            rows[:, a], rows[:, n + a] = leaving[grid[r, c]], 1.0
            rows[:, b], rows[:, n + b] = -entering[grid[r2, c2]], -1.0
            blocks.append(rows)
            targets.append(np.zeros(TILE))
    weight = TILE * 10.0  # the two means hold firmly
    means = np.zeros((2, 2 * n))
    means[0, :n], means[1, n:] = weight / n, weight / n
    blocks.append(means)
    targets.append(np.array([weight, 0.0]))
    solution = np.linalg.lstsq(np.vstack(blocks), np.concatenate(targets), rcond=None)[0]
    return solution[:n], solution[n:]


def _mosaic(tiles: TileSet, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The amplitude, de-stepped and stepped, and labels ``[rows·101 (sample), cols·101]``.

    The stepped amplitude keeps each tile's own stretch, as ``tgs-sections`` does. None
    when the gains spread more than :data:`MAX_GAIN_RATIO` (or one is not positive): a
    false seam, or a nearly flat tile whose stretch cannot be undone.
    """
    gain, offset = destep(tiles.amplitude, grid)
    if gain.min() <= 0 or gain.max() > MAX_GAIN_RATIO * gain.min():
        return None
    shape = (grid.shape[0] * TILE, grid.shape[1] * TILE)
    destepped = np.zeros(shape, np.float32)
    stepped = np.zeros(shape, np.float32)
    labels = np.full(shape, 255, np.uint8)
    for k, (r, c) in enumerate(zip(*np.nonzero(grid >= 0), strict=True)):
        cell = (slice(r * TILE, (r + 1) * TILE), slice(c * TILE, (c + 1) * TILE))
        stepped[cell] = tiles.amplitude[grid[r, c]]
        destepped[cell] = gain[k] * stepped[cell] + offset[k]
        labels[cell] = tiles.mask[grid[r, c]]
    return destepped, stepped, labels


def mosaic_windows(
    tiles: TileSet,
    n_windows: int,
    seed: int = 0,
    contract: Contract | None = None,
    stepped_share: float = 0.0,
) -> TileSet:
    """Cut about ``n_windows`` windows across the seams of mosaics of ``tiles``.

    Every window lies wholly inside labelled tiles of one mosaic; the mosaics share the
    windows by their number of tiles. A ``stepped_share`` (0..1) of each mosaic's windows
    is cut from it with each tile's own stretch kept (the gain steps of
    ``tgs-sections``), the rest from it de-stepped. Build them from training tiles only,
    so that no validation or test tile reaches training.

    Returns:
        Windows ``[n, 101 (sample), 101 (crossline)]`` with their masks (0 and 1), ids
        ``mosaic<k>-<j>`` (de-stepped) and ``mosaic<k>s-<j>`` (stepped); empty when no
        two tiles are neighbours.
    """
    from seismic_salt.train.windows import windows_from_volume

    if not 0.0 <= stepped_share <= 1.0:
        raise ValueError(f"stepped_share must be within 0..1, not {stepped_share}")
    grids = assemble(len(tiles), find_seams(tiles.amplitude))
    mosaics = [m for grid in grids if (m := _mosaic(tiles, grid)) is not None]
    sizes = np.array([int((labels != 255).sum()) for *_, labels in mosaics], dtype=float)
    shares = np.round(n_windows * sizes / max(sizes.sum(), 1.0)).astype(int)
    windows = []
    for k, ((destepped, stepped, labels), share) in enumerate(zip(mosaics, shares, strict=True)):
        n_stepped = int(round(share * stepped_share))
        cuts = [
            (destepped, share - n_stepped, seed * 7919 + k, f"mosaic{k}"),
            (stepped, n_stepped, seed * 7919 + k + 1_000_003, f"mosaic{k}s"),
        ]
        windows += [
            windows_from_volume(
                amplitude.T[None],
                labels.T[None],
                count,
                seed=cut_seed,
                name=name,
                min_known=1.0,
                contract=contract,
            )
            for amplitude, count, cut_seed, name in cuts
            if count > 0
        ]
    return TileSet(
        ids=np.concatenate([w.ids for w in windows] + [np.zeros(0, dtype=str)]),
        amplitude=np.concatenate([w.amplitude for w in windows] + [_no_tiles(np.float32)]),
        mask=np.concatenate([w.mask for w in windows] + [_no_tiles(np.uint8)]),
        depth=np.full(sum(len(w) for w in windows), np.nan, np.float32),
    )


def _no_tiles(dtype: type) -> np.ndarray:
    return np.zeros((0, TILE, TILE), dtype)
