"""Salt probability or a salt mask as SEG-Y on the geometry of the source survey."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from seismic_salt.errors import DataError
from seismic_salt.export.grid import check_probability

__all__ = ["to_segy"]


def to_segy(
    salt_probability: xr.DataArray,
    path: str | Path,
    *,
    template: str | Path,
    threshold: float | None = None,
) -> Path:
    """Write salt probability (or a 0/1 salt mask) as SEG-Y with the template's headers.

    The textual, binary and trace headers of ``template`` (normally the SEG-Y that was
    segmented) are copied and only the samples replaced, matched trace by trace on
    inline/crossline numbers; dead traces (NaN) are written as zeros. Samples are IEEE
    float. The cube is computed and written one block of inlines at a time, so stores larger
    than memory are fine.

    Args:
        salt_probability: Probability in [0, 1] on (inline, crossline, sample), numpy- or
            dask-backed, on the template's sample axis.
        path: Output SEG-Y file (replaced if present).
        template: SEG-Y file whose headers and geometry to copy.
        threshold: When given, write 1 where probability ≥ threshold and 0 elsewhere;
            otherwise write the probability itself (0..1).

    Returns:
        The path written.

    Raises:
        DataError: If the dims are wrong, the threshold is outside (0, 1], or the sample
            axis differs from the template's.
        InputFileError: If the template or the output folder is missing.

    Example:
        >>> store = xr.open_zarr("salt.zarr")  # doctest: +SKIP
        >>> to_segy(store.salt_probability, "mask.sgy", template="volume.sgy", threshold=0.5)
    """
    from seismic_salt.io.segy import to_segy as write_segy

    check_probability(salt_probability)
    if threshold is None:
        values = salt_probability.fillna(0.0)
    elif 0.0 < threshold <= 1.0:
        values = (salt_probability >= threshold).astype("float32")  # NaN → 0
    else:
        raise DataError(f"threshold {threshold} is outside (0, 1]: give e.g. 0.5")
    values = values.astype("float32").transpose("inline", "crossline", "sample")
    values.attrs = {}
    return write_segy(values, path, template=template)
