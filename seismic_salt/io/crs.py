"""The coordinate reference system of a survey: parsed by pyproj, carried as CF ``crs``.

A CRS given as ``"EPSG:32615"``, a WKT string or anything else ``pyproj.CRS`` reads is
kept as its WKT2 text; a SEG-Y whose textual header has a ``CRS: EPSG:NNNN`` line (as
``to_segy`` writes it) opens with that CRS unless another is given. A dataset or array
carries it the CF way: a scalar coordinate
:data:`~seismic_salt.io.dims.CRS` whose attributes are ``pyproj.CRS.to_cf()`` (with
``crs_wkt`` and ``spatial_ref``), named by the ``grid_mapping`` attribute of the data
variables. A store keeps that coordinate, and every export takes the CRS from it.

Example:
    >>> crs_label(resolve_crs("EPSG:32615"))
    'EPSG:32615 (WGS 84 / UTM zone 15N)'
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import numpy as np

from seismic_salt.errors import DataError
from seismic_salt.io.dims import CRS

__all__ = [
    "crs_coordinate",
    "crs_label",
    "crs_of",
    "esri_wkt",
    "header_crs",
    "horizontal_unit",
    "resolve_crs",
    "with_crs",
]

_UNITS = {"metre": "m", "meter": "m", "foot": "ft", "us survey foot": "ft"}
"""pyproj unit names -> the short names exports write."""

_HEADER_CRS = re.compile(r"\bCRS:\s*([A-Z]+:\d+)")
"""The ``CRS: EPSG:32615 (...)`` line of a textual header (see :func:`header_crs`)."""

log = logging.getLogger(__name__)


@lru_cache(maxsize=32)
def _parse(text: str) -> Any:
    import pyproj

    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as err:
        raise DataError(
            f"coordinate reference system {text[:60]!r} is not known to pyproj ({err}); give "
            "e.g. crs=EPSG:32615 or a WKT string"
        ) from err


def resolve_crs(text: str) -> str:
    """Return the WKT2 text of a CRS given as ``"EPSG:NNNN"``, WKT or a PROJ string.

    Raises:
        DataError: pyproj does not know it.
    """
    return _parse(str(text).strip()).to_wkt()


def crs_label(wkt: str) -> str:
    """Short label of a CRS: ``"EPSG:32615 (WGS 84 / UTM zone 15N)"`` or its name."""
    crs = _parse(wkt)
    code = crs.to_authority(min_confidence=90)
    return f"{code[0]}:{code[1]} ({crs.name})" if code else crs.name


def horizontal_unit(wkt: str | None) -> str:
    """Unit of the map axes: ``"m"``, ``"ft"``, or ``"m"`` when the CRS is unknown."""
    if not wkt:
        return "m"
    axes = _parse(wkt).axis_info
    name = axes[0].unit_name.lower() if axes else "metre"
    return _UNITS.get(name, name)


def esri_wkt(wkt: str) -> str:
    """The CRS as ESRI WKT (the text of a ``.prj`` file); WKT1 where ESRI has none."""
    crs = _parse(wkt)
    try:
        return crs.to_wkt("WKT1_ESRI")
    except Exception:  # a CRS without an ESRI form: pyproj raises several types
        return crs.to_wkt("WKT1_GDAL")


def crs_coordinate(wkt: str) -> tuple[tuple, np.int32, dict[str, Any]]:
    """The CF grid-mapping coordinate of a CRS: ``((), 0, attrs)`` for xarray."""
    attrs = {k: v for k, v in _parse(wkt).to_cf().items() if v is not None}
    attrs["crs_wkt"] = wkt
    attrs["spatial_ref"] = wkt  # the name GDAL reads
    return (), np.int32(0), attrs


def header_crs(text_header: str) -> str | None:
    """The CRS a textual header names on a ``CRS: AUTHORITY:CODE`` line, as WKT, or None.

    That is the line :func:`~seismic_salt.io.writer.to_segy` writes, so a file it wrote
    opens with its CRS; a code pyproj does not know is ignored (logged), as is a CRS
    named only by its name.
    """
    match = _HEADER_CRS.search(text_header.upper())
    if match is None:
        return None
    try:
        return resolve_crs(match.group(1))
    except DataError:
        log.info("the textual header names CRS %s, which pyproj does not know", match.group(1))
        return None


def with_crs(data: Any, crs: str | None) -> Any:
    """Return a dataset or array that carries ``crs`` (WKT, EPSG code...); None: as is.

    Raises:
        DataError: The CRS is not known.
    """
    if crs is None:
        return data
    wkt = resolve_crs(crs)
    data = data.assign_coords({CRS: crs_coordinate(wkt)})
    if hasattr(data, "data_vars"):
        for name in data.data_vars:
            data[name].attrs["grid_mapping"] = CRS
    else:
        data.attrs["grid_mapping"] = CRS
    return data


def crs_of(data: Any) -> str | None:
    """Return the WKT of the CRS a dataset or array carries, or None."""
    coords = getattr(data, "coords", {})
    if CRS not in coords:
        return None
    attrs = coords[CRS].attrs
    return attrs.get("crs_wkt") or attrs.get("spatial_ref") or None
