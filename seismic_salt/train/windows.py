"""Training windows cut from partly labelled seismic volumes, the way ``segment`` cuts them.

A labelled volume is an amplitude cube ``[inline, crossline, sample]`` with a label cube
of the same shape: 1 salt, 0 not salt, :data:`~seismic_salt.labels.UNKNOWN`
(255) where nobody picked. Windows are 101 × 101 pieces of inline sections (rows =
sample, depth down, columns = crossline) and, when asked, of crossline sections, scaled
with the whole volume's clip
(:class:`~seismic_salt.normalize.Normalisation`), dead traces filled with 0 and marked
unknown, exactly as :func:`seismic_salt.inference.blocks.predict_block` prepares its patches;
the per-tile stretch of the model's contract is applied later, by
:func:`~seismic_salt.model.inputs.tile_channels`, in training as in inference. Their
positions are free, so windows straddle the edges of the labelled parts and of the
tiles a section was made of; only windows with enough known pixels are kept, and half of
them (when the volume has salt) are drawn among those holding salt.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> amplitude = rng.normal(size=(1, 150, 120)).astype("float32")
    >>> labels = np.full(amplitude.shape, 255, np.uint8)
    >>> labels[0, :101, :101] = 0
    >>> tiles = windows_from_volume(amplitude, labels, 4, seed=0, name="demo")
    >>> tiles.amplitude.shape, int(tiles.mask.max())
    ((4, 101, 101), 255)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import DataError, InputFileError
from seismic_salt.labels import UNKNOWN
from seismic_salt.normalize import Contract, Normalisation, dead_traces
from seismic_salt.tiling import TILE
from seismic_salt.train.datasets import TileSet

__all__ = ["labelled_section_windows", "read_labelled_section", "windows_from_volume"]

#: Smallest share of a window's pixels whose label must be known.
MIN_KNOWN = 0.25


def windows_from_volume(
    amplitude: Any,
    labels: np.ndarray,
    n_windows: int,
    *,
    seed: int = 0,
    name: str = "volume",
    min_known: float = MIN_KNOWN,
    contract: Contract | None = None,
    orientations: tuple[str, ...] = ("inline",),
    scaling: Normalisation | None = None,
) -> TileSet:
    """Cut ``n_windows`` labelled windows from inline sections of a volume.

    Args:
        amplitude: ``[inline, crossline, sample]`` amplitudes (numpy, dask or xarray).
        labels: uint8 ``[inline, crossline, sample]``: 1 salt, 0 not salt, 255 unknown.
        n_windows: Number of windows.
        seed: Seed of the positions.
        name: Prefix of the window ids (``<name>-<k>``).
        min_known: Smallest share of known pixels in a window.
        contract: The model's normalisation contract, whose volume clip scales the
            windows (None: the first models' robust clip).
        orientations: Sections to cut windows from: ``"inline"`` and/or ``"crossline"``
            (a crossline section only yields windows where enough of it is picked).
        scaling: The volume's fitted scaling, when the caller has it (else fitted here
            with ``contract``).

    Returns:
        Windows ``[n, 101 (sample), 101 (crossline)]`` with masks holding 0, 1 and 255.

    Raises:
        DataError: The shapes differ, the labels hold other values, or no window has
            ``min_known`` of its pixels labelled.
    """
    values = np.asarray(getattr(amplitude, "values", amplitude), dtype=np.float32)
    labels = np.asarray(labels)
    if values.ndim != 3 or labels.shape != values.shape:
        raise DataError(
            f"labels of shape {labels.shape} do not fit the volume's {values.shape} "
            "[inline, crossline, sample]"
        )
    odd = ~np.isin(labels, (0, 1, UNKNOWN))
    if odd.any():
        raise DataError(
            f"labels must be 1 (salt), 0 (not salt) or {UNKNOWN} (unknown); found "
            f"{int(labels[odd][0])}"
        )
    invalid = dead_traces(values)[..., None] | ~np.isfinite(values)
    scaling = scaling or Normalisation.fit(values, contract=contract)
    scaled = scaling.apply(np.nan_to_num(values))
    scaled = np.where(invalid, 0.0, scaled).astype(np.float32)
    labels = np.where(invalid, UNKNOWN, labels).astype(np.uint8)
    from seismic_salt.inference.orientation import as_orientation

    directions = [as_orientation(name) for name in orientations]
    sections = [_pad_to_tile(d.sections(scaled), 0.0) for d in directions]
    masks = [_pad_to_tile(d.sections(labels), UNKNOWN) for d in directions]
    found = [_usable_origins(m, min_known) for m in masks]
    origins = np.concatenate(
        [np.column_stack([np.full(len(o), k), o]) for k, (o, _) in enumerate(found)]
    )
    has_salt = np.concatenate([salt for _, salt in found])
    if len(origins) == 0:
        raise DataError(
            f"{name}: no {TILE}x{TILE} window has {min_known:.0%} of its pixels labelled"
        )
    rng = np.random.default_rng(seed)
    chosen = _draw(rng, has_salt, n_windows)
    cut = [(d, (i, slice(r, r + TILE), slice(c, c + TILE))) for d, i, r, c in origins[chosen]]
    return TileSet(
        ids=np.array([f"{name}-{k}" for k in range(len(cut))]),
        amplitude=np.stack([sections[d][w] for d, w in cut]).astype(np.float32),
        mask=np.stack([masks[d][w] for d, w in cut]).astype(np.uint8),
        depth=np.full(len(cut), np.nan, dtype=np.float32),
    )


def _pad_to_tile(sections: np.ndarray, fill: float) -> np.ndarray:
    """Pad ``[S, rows, cols]`` at the end of rows and cols to at least one tile."""
    rows, cols = sections.shape[1:]
    widths = ((0, 0), (0, max(0, TILE - rows)), (0, max(0, TILE - cols)))
    return np.pad(sections, widths, constant_values=fill)


def _usable_origins(masks: np.ndarray, min_known: float) -> tuple[np.ndarray, np.ndarray]:
    """Window origins ``[N, 3]`` (section, row, col) with enough known pixels, and salt flags."""
    from scipy.ndimage import uniform_filter

    origins, salt = [], []
    for index, mask in enumerate(masks):
        known = uniform_filter((mask != UNKNOWN).astype(np.float32), TILE, mode="constant")
        has = uniform_filter((mask == 1).astype(np.float32), TILE, mode="constant")
        half = TILE // 2
        rows, cols = mask.shape[0] - TILE + 1, mask.shape[1] - TILE + 1
        known = known[half : half + rows, half : half + cols]
        has = has[half : half + rows, half : half + cols]
        r, c = np.nonzero(known >= min_known - 1e-6)
        origins.append(np.stack([np.full(len(r), index), r, c], axis=1))
        salt.append(has[r, c] * TILE * TILE >= 1 - 1e-3)
    return np.concatenate(origins), np.concatenate(salt)


def _draw(rng: np.random.Generator, has_salt: np.ndarray, n: int) -> np.ndarray:
    """Draw ``n`` positions, half among those holding salt when there are any."""
    salt, other = np.flatnonzero(has_salt), np.flatnonzero(~has_salt)
    n_salt = n // 2 if len(salt) and len(other) else (n if len(salt) else 0)
    picks = [rng.choice(salt, n_salt)] if n_salt else []
    if n - n_salt:
        picks.append(rng.choice(other, n - n_salt))
    return np.concatenate(picks) if picks else np.zeros(0, dtype=int)


def read_labelled_section(path: str | Path) -> tuple[Any, np.ndarray]:
    """Read a SEG-Y volume and its labels from ``<stem>.labels.npy`` beside it.

    The labels are uint8 ``[inline, crossline, sample]``, or ``[crossline, sample]`` for
    a file holding one inline (as ``tgs-sections`` does): 1 salt, 0 not, 255 unknown.

    Returns:
        ``(amplitude, labels)``: the lazy ``amplitude`` DataArray and the label cube.

    Raises:
        InputFileError: The SEG-Y or its labels file is missing.
        DataError: The labels do not fit the volume.
    """
    from seismic_salt.io.segy import open_segy

    path = Path(path)
    labels_path = path.with_suffix(".labels.npy")
    for needed in (path, labels_path):
        if not needed.is_file():
            raise InputFileError(f"labelled section: {needed} does not exist")
    amplitude = open_segy(path).amplitude
    labels = np.load(labels_path, allow_pickle=False)
    if labels.ndim == 2:
        labels = labels[None]
    if labels.shape != amplitude.shape:
        raise DataError(
            f"{labels_path}: labels of shape {labels.shape} do not fit {path.name}'s "
            f"{tuple(amplitude.shape)} [inline, crossline, sample]"
        )
    return amplitude, labels


def labelled_section_windows(
    paths: list[str], per_section: int, seed: int = 0, contract: Contract | None = None
) -> TileSet:
    """Cut ``per_section`` windows from each labelled SEG-Y of ``paths``, scaled by ``contract``.

    Raises:
        InputFileError: A file or its labels is missing.
        DataError: Labels do not fit, or a section has too few labelled pixels.
    """
    sets = []
    for index, path in enumerate(paths):
        amplitude, labels = read_labelled_section(path)
        sets.append(
            windows_from_volume(
                amplitude,
                labels,
                per_section,
                seed=seed * 7919 + index,
                name=Path(path).stem,
                contract=contract,
            )
        )
    if not sets:
        raise DataError("no labelled section given")
    tiles = sets[0]
    for other in sets[1:]:
        tiles = tiles.concat(other)
    return tiles
