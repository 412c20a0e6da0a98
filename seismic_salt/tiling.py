"""Cut a 2D section into overlapping tiles and blend predictions back without seams.

A section is a 2D array (crossline × sample for an inline section). The
:class:`Splitter` reflect-pads it so that a regular grid of ``tile × tile`` patches,
``stride`` apart, covers every pixel, and extracts all patches at once through a
strided view. The :class:`Merger` accumulates per-patch predictions multiplied by a
smooth 2D window (a separable Hann window lifted by a small floor, so pixels at a
patch border still count) and divides by the summed weights. Because every pixel's
output is a weighted mean of the predictions that cover it, a predictor that returns
its input gives the input back exactly, and no seam appears where patches meet.

Example:
    >>> import numpy as np
    >>> section = np.random.default_rng(0).normal(size=(120, 110)).astype("float32")
    >>> splitter = Splitter(tile=101, stride=50)
    >>> patches, origins = splitter.split(section)
    >>> merger = Merger(section.shape, splitter)
    >>> merger.aggregate(patches, origins)
    >>> bool(np.allclose(merger.finalize(), section))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from seismic_salt.errors import DataError

TILE = 101
"""Side of the TGS tiles the model is trained on, in pixels."""

PATCH = 151
"""Default side of the square patches ``segment`` cuts from a section, in pixels.

One and a half TGS tiles: the network is convolutional, and the wider view lets windows
inside a salt body see its top (docs/segment.md, *Patch size*)."""


def blend_window(tile: int = TILE, floor: float = 0.05) -> np.ndarray:
    """Return the 2D blending weights of one patch.

    The window is the outer product of a 1D Hann window sampled at pixel centres,
    lifted so that its minimum is ``floor`` and its maximum 1.

    Args:
        tile: Side of the square patch.
        floor: Weight of the outermost pixels, in (0, 1].

    Returns:
        A ``float64`` array ``[tile, tile]`` with values in [floor, 1].

    Raises:
        DataError: If ``tile`` < 1 or ``floor`` is outside (0, 1].
    """
    if tile < 1:
        raise DataError(f"tile size must be at least 1, got {tile}")
    if not 0.0 < floor <= 1.0:
        raise DataError(f"window floor must be in (0, 1], got {floor}")
    centres = (np.arange(tile) + 0.5) / tile
    hann = floor + (1.0 - floor) * np.sin(np.pi * centres) ** 2
    return np.outer(hann, hann)


@dataclass(frozen=True)
class Grid:
    """Where the patches of one section lie.

    Attributes:
        shape: Shape of the section ``(rows, cols)``.
        pad_before: Reflect padding added before each axis.
        padded: Shape of the padded section.
        counts: Number of patches along each axis.
    """

    shape: tuple[int, int]
    pad_before: tuple[int, int]
    padded: tuple[int, int]
    counts: tuple[int, int]


class Splitter:
    """Cut 2D sections into ``tile × tile`` patches ``stride`` apart.

    Args:
        tile: Side of the square patches.
        stride: Distance between neighbouring patch origins (``tile - stride`` pixels
            of overlap); 1 ≤ stride ≤ tile.

    Raises:
        DataError: If ``tile`` or ``stride`` is out of range.
    """

    def __init__(self, tile: int = TILE, stride: int = 50) -> None:
        if tile < 1:
            raise DataError(f"tile size must be at least 1, got {tile}")
        if not 1 <= stride <= tile:
            raise DataError(f"stride must be between 1 and the tile size {tile}, got {stride}")
        self.tile = int(tile)
        self.stride = int(stride)

    def grid(self, shape: tuple[int, ...]) -> Grid:
        """Plan the padding and patch grid of a section of ``shape``.

        Each axis is padded by half the overlap before the data, so that the data's
        first pixels do not sit on a patch border, and after it up to the end of the
        last patch.

        Raises:
            DataError: If ``shape`` is not 2D or has an empty axis.
        """
        if len(shape) != 2 or min(shape) < 1:
            raise DataError(f"a section must be a non-empty 2D array, got shape {shape}")
        before, padded, counts = [], [], []
        margin = (self.tile - self.stride) // 2
        for length in shape:
            count = max(1, -(-(length + 2 * margin - self.tile) // self.stride) + 1)
            before.append(margin)
            padded.append((count - 1) * self.stride + self.tile)
            counts.append(count)
        return Grid(tuple(shape), tuple(before), tuple(padded), tuple(counts))  # type: ignore[arg-type]

    def origins(self, shape: tuple[int, ...]) -> np.ndarray:
        """Return the patch origins ``[N, 2]`` in section coordinates (may be negative)."""
        grid = self.grid(shape)
        rows = np.arange(grid.counts[0]) * self.stride - grid.pad_before[0]
        cols = np.arange(grid.counts[1]) * self.stride - grid.pad_before[1]
        return np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1).reshape(-1, 2)

    def split(self, section: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Extract every patch of ``section`` at once.

        Args:
            section: A 2D array.

        Returns:
            ``(patches, origins)``: patches ``[N, tile, tile]`` (a copy, same dtype as
            the section) and their origins ``[N, 2]`` (row, col of the patch's first
            pixel in section coordinates; negative inside the padding).

        Raises:
            DataError: If ``section`` is not a non-empty 2D array.
        """
        section = np.asarray(section)
        grid = self.grid(section.shape)
        padded = reflect_pad(section, grid)
        view = np.lib.stride_tricks.sliding_window_view(padded, (self.tile, self.tile))
        patches = view[:: self.stride, :: self.stride].reshape(-1, self.tile, self.tile)
        return np.ascontiguousarray(patches), self.origins(section.shape)

    def __call__(self, section: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(patch, origin)`` pairs of ``section`` one at a time."""
        patches, origins = self.split(section)
        yield from zip(patches, origins, strict=True)


def reflect_pad(section: np.ndarray, grid: Grid) -> np.ndarray:
    """Reflect-pad ``section`` to ``grid.padded`` (mirrors repeatedly if it is tiny)."""
    widths = [
        (before, padded - length - before)
        for before, padded, length in zip(grid.pad_before, grid.padded, grid.shape, strict=True)
    ]
    mode = "reflect" if min(grid.shape) > 1 else "edge"
    return np.pad(section, widths, mode=mode)


class Merger:
    """Blend overlapping patch predictions back into one section.

    Args:
        shape: Shape of the section ``(rows, cols)``.
        splitter: The splitter that cut the patches (gives tile, stride and padding).
        floor: Smallest window weight (see :func:`blend_window`).

    Raises:
        DataError: If ``shape`` is not a non-empty 2D shape.
    """

    def __init__(self, shape: tuple[int, ...], splitter: Splitter, floor: float = 0.05) -> None:
        self.splitter = splitter
        self.grid = splitter.grid(tuple(shape))
        self.window = blend_window(splitter.tile, floor)
        self.values = np.zeros(self.grid.padded, dtype=np.float64)
        self.weights = np.zeros(self.grid.padded, dtype=np.float64)

    def aggregate(self, probabilities: np.ndarray, origins: np.ndarray) -> None:
        """Add window-weighted patch predictions at their origins.

        Args:
            probabilities: ``[N, tile, tile]`` predictions.
            origins: ``[N, 2]`` origins as returned by :meth:`Splitter.split`.

        Raises:
            DataError: If the shapes do not match the tile size or each other.
        """
        probabilities = np.asarray(probabilities)
        origins = np.asarray(origins)
        tile = self.splitter.tile
        if probabilities.ndim != 3 or probabilities.shape[1:] != (tile, tile):
            raise DataError(
                f"predictions must be [N, {tile}, {tile}], got shape {probabilities.shape}"
            )
        if origins.shape != (len(probabilities), 2):
            raise DataError(f"origins must be [{len(probabilities)}, 2], got shape {origins.shape}")
        shifted = origins + np.asarray(self.grid.pad_before)
        weighted = probabilities * self.window
        for (row, col), patch in zip(shifted, weighted, strict=True):
            self.values[row : row + tile, col : col + tile] += patch
            self.weights[row : row + tile, col : col + tile] += self.window

    def finalize(self) -> np.ndarray:
        """Return the blended section (``float32``, the section's shape).

        Pixels no patch covered (only possible when not all patches were aggregated)
        are NaN.
        """
        (r0, c0), (rows, cols) = self.grid.pad_before, self.grid.shape
        values = self.values[r0 : r0 + rows, c0 : c0 + cols]
        weights = self.weights[r0 : r0 + rows, c0 : c0 + cols]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(weights > 0, values / weights, np.nan)
        return out.astype(np.float32)


Predictor = Callable[[np.ndarray], np.ndarray]
"""Maps patches ``[N, tile, tile]`` to predictions of the same shape."""


def predict_sections(
    sections: np.ndarray,
    predictor: Predictor,
    splitter: Splitter,
    max_patches: int = 512,
    invalid: np.ndarray | None = None,
) -> np.ndarray:
    """Predict a stack of equally shaped sections, batching patches across sections.

    Patches of consecutive sections are gathered into one predictor call of at most
    ``max_patches`` patches (at least one section's worth), so small sections still
    fill the model's batches and large ones keep memory bounded. Patches made only of
    ``invalid`` pixels (dead traces, outside an irregular survey) are not predicted:
    every pixel they cover is masked by the caller anyway.

    Args:
        sections: ``[S, rows, cols]`` array (no NaN: fill them before).
        predictor: Callable mapping patches ``[N, tile, tile]`` to predictions.
        splitter: How to cut the sections.
        max_patches: Most patches per predictor call (when a section has fewer).
        invalid: Optional bool mask of ``sections``' shape; patches entirely invalid
            are skipped (their pixels come out 0 and must be masked by the caller).

    Returns:
        ``float32`` array ``[S, rows, cols]`` of blended predictions.

    Raises:
        DataError: If ``sections`` is not 3D or the predictor returns a wrong shape.
    """
    sections = np.asarray(sections)
    if sections.ndim != 3:
        raise DataError(f"sections must be a 3D stack [S, rows, cols], got {sections.shape}")
    out = np.empty(sections.shape, dtype=np.float32)
    if len(sections) == 0:
        return out
    origins = splitter.origins(sections.shape[1:])
    per_call = max(1, max_patches // len(origins))
    for first in range(0, len(sections), per_call):
        group = sections[first : first + per_call]
        patches = np.concatenate([splitter.split(section)[0] for section in group])
        keep = np.ones(len(patches), dtype=bool)
        if invalid is not None:
            masks = [splitter.split(mask)[0] for mask in invalid[first : first + per_call]]
            keep = ~np.concatenate(masks).all(axis=(1, 2))
        predictions = np.zeros(patches.shape, dtype=np.float32)
        if keep.any():
            predicted = np.asarray(predictor(patches[keep]))
            if predicted.shape != patches[keep].shape:
                raise DataError(
                    f"the predictor returned shape {predicted.shape} for patches "
                    f"{patches[keep].shape}"
                )
            predictions[keep] = predicted
        for index, chunk in enumerate(np.split(predictions, len(group))):
            merger = Merger(sections.shape[1:], splitter)
            merger.aggregate(chunk, origins)
            out[first + index] = merger.finalize()
    return out
