"""Which sections of a block the model sees, and how they come out of the block and back.

A block is ``[inline, crossline, sample]``. The model sees sections with depth running
down the tile, so an inline section is ``block[i].T`` (sample × crossline) and a
crossline section is ``block[:, j].T`` (sample × inline). :class:`Orientation` holds the
one axis order that cuts a block into such a stack of sections and puts the stack back.

Example:
    >>> import numpy as np
    >>> block = np.zeros((2, 3, 4))
    >>> CROSSLINE.sections(block).shape
    (3, 4, 2)
    >>> CROSSLINE.block(CROSSLINE.sections(block)).shape
    (2, 3, 4)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seismic_salt.errors import DataError
from seismic_salt.io.dims import CROSSLINE as CROSSLINE_DIM
from seismic_salt.io.dims import INLINE as INLINE_DIM
from seismic_salt.io.dims import SAMPLE

__all__ = ["CROSSLINE", "INLINE", "ORIENTATIONS", "Orientation", "as_orientation"]


@dataclass(frozen=True)
class Orientation:
    """A direction of sections through ``[inline, crossline, sample]`` blocks.

    Attributes:
        name: The dimension the sections are stacked along (``"inline"``: each
            section is one inline).
        order: Block axes in the order ``(section, row, column)``; rows are samples.
    """

    name: str
    order: tuple[int, int, int]

    def sections(self, block: np.ndarray) -> np.ndarray:
        """Return the block as a stack of sections ``[section, sample, other]`` (a view)."""
        return np.asarray(block).transpose(self.order)

    def block(self, sections: np.ndarray) -> np.ndarray:
        """Put a stack from :meth:`sections` back as ``[inline, crossline, sample]``."""
        back = tuple(int(axis) for axis in np.argsort(self.order))
        return np.asarray(sections).transpose(back)

    def source_chunks(self, block_size: int) -> dict[str, int]:
        """Chunks to open the source with so a task reads only its block's traces.

        Inline blocks read whole inlines, one chunk each (any block aligns); a crossline
        block reads every inline of its ``block_size`` crosslines as one chunk.
        """
        if self.name == INLINE_DIM:
            return {INLINE_DIM: 1, CROSSLINE_DIM: -1, SAMPLE: -1}
        return {INLINE_DIM: -1, CROSSLINE_DIM: block_size, SAMPLE: -1}


INLINE = Orientation(INLINE_DIM, (0, 2, 1))
"""Inline sections: crossline × sample, depth down."""

CROSSLINE = Orientation(CROSSLINE_DIM, (1, 2, 0))
"""Crossline sections: inline × sample, depth down."""

ORIENTATIONS = (INLINE.name, CROSSLINE.name)
"""Names of the orientations a run may ask for."""


def as_orientation(name: str | Orientation) -> Orientation:
    """Return the orientation named ``name`` (an :class:`Orientation` passes through).

    Raises:
        DataError: If the name is not one of :data:`ORIENTATIONS`.
    """
    if isinstance(name, Orientation):
        return name
    for known in (INLINE, CROSSLINE):
        if known.name == name:
            return known
    raise DataError(f"orientation must be one of {ORIENTATIONS}, got {name!r}")
