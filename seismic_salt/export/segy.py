"""Salt probability or a salt mask as SEG-Y on the geometry of the source survey."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xarray as xr

from seismic_salt.errors import DataError
from seismic_salt.export.grid import check_probability
from seismic_salt.io.dims import DIMS
from seismic_salt.io.headers import ILINE_BYTE, XLINE_BYTE

__all__ = ["to_segy"]


def to_segy(
    salt_probability: xr.DataArray | xr.Dataset | str | Path,
    path: str | Path,
    *,
    template: str | Path | None = None,
    threshold: float | None = None,
    overwrite: bool = False,
    iline: int | None = None,
    xline: int | None = None,
) -> Path:
    """Write salt probability (or a 0/1 salt mask) as SEG-Y with the template's headers.

    The textual, binary and trace headers of ``template`` (normally the SEG-Y that was
    segmented) are copied and only the samples replaced, matched trace by trace on
    inline/crossline numbers; dead traces (NaN) are written as zeros. Samples are IEEE
    float. The cube is computed and written one block of inlines at a time, so stores larger
    than memory are fine.

    Args:
        salt_probability: Probability in [0, 1] on (inline, crossline, sample), numpy- or
            dask-backed, on the template's sample axis; or a store (its path, or the
            dataset ``xr.open_zarr`` gives), which must be complete.
        path: Output SEG-Y file; never the template nor a file of the store.
        template: SEG-Y file whose headers and geometry to copy; default: the source
            the store records (a store must be given for that).
        threshold: When given, write 1 where probability ≥ threshold and 0 elsewhere;
            otherwise write the probability itself (0..1).
        overwrite: Replace an existing file at ``path`` (atomically).
        iline: Trace-header byte of the template's inline numbers; default: the byte
            the store's source was read with, else the standard one.
        xline: Likewise for crossline numbers.

    Returns:
        The path written.

    Raises:
        DataError: If the dims are wrong, the threshold is outside (0, 1], the sample
            axis differs from the template's, or no template is given with a bare array.
        StoreError: If a store is incomplete, damaged or records no source.
        OutputError: If ``path`` is the template or inside the store, exists without
            ``overwrite``, or cannot be written.
        InputFileError: If the template or the output folder is missing.

    Example:
        >>> to_segy("salt.zarr", "mask.sgy", threshold=0.5)  # doctest: +SKIP
        >>> store = xr.open_zarr("salt.zarr")  # doctest: +SKIP
        >>> to_segy(store.salt_probability, "p.sgy", template="volume.sgy")  # doctest: +SKIP
    """
    from seismic_salt.io.segy import to_segy as write_segy
    from seismic_salt.outputs import check_output

    probability, template, store = _probability_and_template(salt_probability, template)
    path = check_output(path, {"template": template, "store": store}, overwrite=overwrite)
    check_probability(probability)
    if threshold is None:
        values = probability.fillna(0.0)
    elif 0.0 < threshold <= 1.0:
        values = (probability >= threshold).astype("float32")  # NaN → 0
    else:
        raise DataError(f"threshold {threshold} is outside (0, 1]: give e.g. 0.5")
    values = values.astype("float32").transpose(*DIMS)
    values.attrs = {}
    reading = _reading(salt_probability)
    lines = {
        "iline": iline or reading.get("iline", ILINE_BYTE),
        "xline": xline or reading.get("xline", XLINE_BYTE),
    }
    return write_segy(values, path, template=template, overwrite=overwrite, **lines)


def _reading(source: Any) -> dict:
    """The reading parameters a store records (none for a bare array)."""
    from seismic_salt.store.schema import StoreAttrs

    if isinstance(source, str | Path):
        from seismic_salt.store.zarr import read_attrs

        return dict(StoreAttrs.from_attrs(read_attrs(source)).reading)
    if isinstance(source, xr.Dataset):
        return dict(StoreAttrs.from_attrs(source.attrs).reading)
    return {}


def _probability_and_template(
    source: Any, template: str | Path | None
) -> tuple[Any, Any, str | None]:
    """Return the probability, the template (given, or the store's source) and the store.

    The store is its path, or None for a bare array.

    Raises:
        DataError: If a bare array comes without a template.
        StoreError, InputFileError: If a store is incomplete or its source is unknown.
    """
    from seismic_salt.store.schema import source_template
    from seismic_salt.store.zarr import VARIABLE, open_complete

    if isinstance(source, str | Path):
        source = open_complete(source)
    if not isinstance(source, xr.Dataset):
        if template is None:
            raise DataError(
                "a salt_probability array records no source SEG-Y: give template=volume.sgy, "
                "or the store (its path or dataset) instead of the array"
            )
        return source, template, None
    if VARIABLE not in source:
        raise DataError(f"the dataset has no {VARIABLE} variable: is it a segment store?")
    store = source.encoding.get("source")
    template = template or source_template(source.attrs, store or "the store")
    return source[VARIABLE], template, store
