"""Volumes from other tools: MDIO, segysak or any xarray/zarr dataset, renamed to ours.

Other packages name the axes and the amplitude variable of a post-stack volume their own
way: MDIO uses ``inline``/``crossline``/``time`` (or ``depth``) with ``amplitude`` and a
``trace_mask``; segysak ``iline``/``xline``/``twt`` (or ``depth``) with ``data``.
:func:`as_volume` maps the common aliases onto :data:`~seismic_salt.io.dims.DIMS` and
``amplitude``, and names the dims it found when none fit.

Example:
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"data": (("iline", "xline", "twt"), np.zeros((2, 3, 4)))})
    >>> tuple(as_volume(ds).amplitude.dims)
    ('inline', 'crossline', 'sample')
"""

from __future__ import annotations

from typing import Any

import xarray as xr

from seismic_salt.errors import DataError
from seismic_salt.io.dims import (
    AMPLITUDE,
    CROSSLINE,
    DEPTH_UNIT,
    DIMS,
    INLINE,
    LIVE,
    SAMPLE,
    TIME_UNIT,
)

__all__ = ["DIM_ALIASES", "VARIABLE_ALIASES", "as_volume", "open_zarr_volume"]

DIM_ALIASES: dict[str, tuple[str, ...]] = {
    INLINE: (INLINE, "iline", "il", "inline_number"),
    CROSSLINE: (CROSSLINE, "xline", "xl", "crossline_number"),
    SAMPLE: (SAMPLE, "time", "twt", "depth", "samples", "z"),
}
"""Our dimension name -> names other tools give it (first match wins)."""

VARIABLE_ALIASES = (AMPLITUDE, "data", "seismic", "amplitudes")
"""Names of the amplitude variable, in the order tried."""

COORD_ALIASES = {"trace_mask": LIVE, "cdp-x": "cdp_x", "cdp-y": "cdp_y"}
"""Other tools' coordinate names -> ours."""

_UNIT_BY_DIM = {"time": TIME_UNIT, "twt": TIME_UNIT, "depth": DEPTH_UNIT}


def as_volume(ds: xr.Dataset | xr.DataArray) -> xr.Dataset:
    """Rename a dataset's dims, amplitude variable and coords to seismic-salt's names.

    A sample axis named ``time``/``twt`` gets units ``ms`` and ``depth`` units ``m``
    unless it has its own.

    Args:
        ds: A dataset with one 3D variable of the volume, or that variable.

    Returns:
        A dataset with ``amplitude[inline, crossline, sample]`` and its coords.

    Raises:
        DataError: No dims fit (the message names those found), or no variable does.
    """
    if isinstance(ds, xr.DataArray):
        ds = ds.to_dataset(name=AMPLITUDE)
    renames: dict[str, str] = {}
    for ours, aliases in DIM_ALIASES.items():
        found = next((name for name in aliases if name in ds.dims), None)
        if found is None:
            raise DataError(
                f"the dataset has dims {tuple(map(str, ds.dims))}: none is a {ours} axis "
                f"(expected one of {aliases}); rename its dims to {DIMS}"
            )
        renames[found] = ours
    variable = next((v for v in VARIABLE_ALIASES if v in ds.data_vars), None)
    if variable is None:
        raise DataError(
            f"the dataset has variables {tuple(map(str, ds.data_vars))}: none is the "
            f"amplitude (expected one of {VARIABLE_ALIASES})"
        )
    sample_name = next(old for old, new in renames.items() if new == SAMPLE)
    renames.update({old: new for old, new in COORD_ALIASES.items() if old in ds.variables})
    if variable != AMPLITUDE:
        renames[variable] = AMPLITUDE
    out = ds.rename({old: new for old, new in renames.items() if old != new})
    if SAMPLE in out.coords and "units" not in out[SAMPLE].attrs:
        unit = _UNIT_BY_DIM.get(sample_name)
        if unit:
            out[SAMPLE].attrs["units"] = unit
    if LIVE in out.variables:
        out = out.set_coords(LIVE)
    return out


def open_zarr_volume(path: str, **options: Any) -> xr.Dataset:
    """Open a zarr dataset (local path or fsspec URL, e.g. an MDIO file) as a volume.

    Args:
        path: The zarr store; URLs are opened by zarr's fsspec store.
        options: Keyword arguments of ``xr.open_zarr``.

    Raises:
        InputFileError: Nothing readable as zarr is there.
        DataError: As :func:`as_volume`.
    """
    import warnings

    from seismic_salt.errors import InputFileError

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
            ds = xr.open_zarr(path, **options)
    except (FileNotFoundError, KeyError, ValueError, OSError) as err:
        raise InputFileError(f"{path}: no zarr dataset there ({err})") from err
    return as_volume(ds)
