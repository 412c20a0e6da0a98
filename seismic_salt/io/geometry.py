"""Survey geometry from trace-header arrays: which trace sits at which inline/crossline.

Everything here is vectorised numpy over the header values of all traces (no loop per
trace), so it works the same for inline-sorted, crossline-sorted and unsorted files and
for irregular surveys with missing traces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seismic_salt.errors import GeometryError
from seismic_salt.io.headers import ILINE_BYTE, XLINE_BYTE

MAX_EMPTY_FACTOR = 10
"""A grid with more than this many cells per trace is taken as nonsense header bytes."""

OTHER_BYTES_HINT = "try other header bytes, e.g. iline=9, xline=21 or iline=5, xline=17"


@dataclass(frozen=True)
class Geometry:
    """Where each trace of a post-stack file belongs on the inline/crossline grid.

    Attributes:
        inlines: Sorted distinct inline numbers.
        crosslines: Sorted distinct crossline numbers.
        trace_index: ``int64[n_inline, n_crossline]`` trace number in the file, -1 where
            the survey has no trace.
        sorting: ``"inline"``, ``"crossline"`` or ``"unsorted"`` (order of traces on disk).
    """

    inlines: np.ndarray
    crosslines: np.ndarray
    trace_index: np.ndarray
    sorting: str

    @property
    def live(self) -> np.ndarray:
        """Bool mask ``[n_inline, n_crossline]``: true where a trace exists."""
        return self.trace_index >= 0

    @property
    def shape(self) -> tuple[int, int]:
        """Number of inlines and crosslines."""
        return (len(self.inlines), len(self.crosslines))

    def grid(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """Place one value per trace onto the grid (``fill`` where there is no trace).

        Args:
            values: One value per trace, in file order.
            fill: Value of the grid cells without a trace.

        Returns:
            A float64 array ``[n_inline, n_crossline]``.
        """
        out = np.full(self.trace_index.shape, fill, dtype=np.float64)
        live = self.live
        out[live] = np.asarray(values, dtype=np.float64)[self.trace_index[live]]
        return out


def build_geometry(
    ilines: np.ndarray,
    xlines: np.ndarray,
    offsets: np.ndarray | None = None,
    *,
    iline_byte: int = ILINE_BYTE,
    xline_byte: int = XLINE_BYTE,
) -> Geometry:
    """Build the grid from each trace's inline and crossline numbers.

    Args:
        ilines: Inline number of every trace, in file order.
        xlines: Crossline number of every trace, in file order.
        offsets: Offset of every trace (byte 37), used to recognise pre-stack data.
        iline_byte: Header byte the inline numbers came from (for messages).
        xline_byte: Header byte the crossline numbers came from (for messages).

    Returns:
        The survey geometry.

    Raises:
        GeometryError: No traces; header bytes that give nonsense (all zero, one trace
            per inline and crossline, a grid mostly empty); pre-stack data (several
            offsets); duplicate inline/crossline pairs.
    """
    ilines = np.asarray(ilines).astype(np.int64, copy=False)
    xlines = np.asarray(xlines).astype(np.int64, copy=False)
    n_traces = ilines.size
    bytes_ = f"bytes {iline_byte}/{xline_byte}"
    if n_traces == 0:
        raise GeometryError("the file has no traces: nothing to read")
    _check_not_all_zero(ilines, xlines, bytes_)
    inlines, il_pos = np.unique(ilines, return_inverse=True)
    crosslines, xl_pos = np.unique(xlines, return_inverse=True)
    cells = il_pos.ravel() * len(crosslines) + xl_pos.ravel()
    counts = np.bincount(cells, minlength=len(inlines) * len(crosslines))
    if counts.max() > 1:
        _raise_duplicates(ilines, xlines, offsets, counts, inlines, crosslines, bytes_)
    _check_plausible_grid(n_traces, len(inlines), len(crosslines), bytes_)
    trace_index = np.full(len(inlines) * len(crosslines), -1, dtype=np.int64)
    trace_index[cells] = np.arange(n_traces, dtype=np.int64)
    trace_index = trace_index.reshape(len(inlines), len(crosslines))
    return Geometry(inlines, crosslines, trace_index, _sorting(il_pos.ravel(), xl_pos.ravel()))


def _check_not_all_zero(ilines: np.ndarray, xlines: np.ndarray, bytes_: str) -> None:
    for name, values in (("inline", ilines), ("crossline", xlines)):
        if not values.any():
            raise GeometryError(
                f"every one of the {values.size} traces has {name} number 0 at {bytes_}: "
                f"the {name} numbers are not at that header byte (or the file is not a 3D "
                f"post-stack volume, e.g. a shot gather); {OTHER_BYTES_HINT}"
            )


def _raise_duplicates(
    ilines: np.ndarray,
    xlines: np.ndarray,
    offsets: np.ndarray | None,
    counts: np.ndarray,
    inlines: np.ndarray,
    crosslines: np.ndarray,
    bytes_: str,
) -> None:
    n_offsets = 0 if offsets is None else len(np.unique(offsets))
    fold = int(counts.max())
    if n_offsets > 1:
        raise GeometryError(
            f"pre-stack data: found {n_offsets} offsets (byte 37) and up to {fold} traces per "
            f"inline/crossline at {bytes_}; seismic-salt needs a post-stack (stacked) volume, "
            "stack the gathers first"
        )
    if len(inlines) == 1 and len(crosslines) == 1:
        raise GeometryError(
            f"all {ilines.size} traces have inline {inlines[0]} and crossline {crosslines[0]} "
            f"at {bytes_}: these bytes do not hold the survey geometry; {OTHER_BYTES_HINT}"
        )
    first = int(np.argmax(counts))
    il, xl = inlines[first // len(crosslines)], crosslines[first % len(crosslines)]
    n_dup = int((counts > 1).sum())
    raise GeometryError(
        f"{n_dup} inline/crossline pairs occur more than once at {bytes_} (e.g. inline {il} "
        f"crossline {xl}, {fold} traces): a post-stack volume has one trace per pair; "
        f"check the header bytes ({OTHER_BYTES_HINT}) or whether the file is pre-stack"
    )


def _check_plausible_grid(n_traces: int, n_il: int, n_xl: int, bytes_: str) -> None:
    if n_traces > 1 and n_il == n_traces and n_xl == n_traces:
        raise GeometryError(
            f"each of the {n_traces} traces has an inline and a crossline number of its own at "
            f"{bytes_}, which is no 3D grid; {OTHER_BYTES_HINT}"
        )
    if n_il * n_xl > MAX_EMPTY_FACTOR * n_traces:
        live = 100.0 * n_traces / (n_il * n_xl)
        raise GeometryError(
            f"the numbers at {bytes_} give {n_il} inlines × {n_xl} crosslines for only "
            f"{n_traces} traces ({live:.2g}% live): these bytes do not hold the survey "
            f"geometry; {OTHER_BYTES_HINT}"
        )


def _sorting(il_pos: np.ndarray, xl_pos: np.ndarray) -> str:
    """Name the order of the traces on disk from their grid positions."""
    if il_pos.size < 2:
        return "inline"
    d_il, d_xl = np.diff(il_pos), np.diff(xl_pos)
    if np.all((d_il > 0) | ((d_il == 0) & (d_xl > 0))):
        return "inline"
    if np.all((d_xl > 0) | ((d_xl == 0) & (d_il > 0))):
        return "crossline"
    return "unsorted"
