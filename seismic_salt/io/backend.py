"""The xarray engine ``seismic_salt``: ``xr.open_dataset(path, engine="seismic_salt")``.

It opens a post-stack SEG-Y file as :func:`~seismic_salt.io.segy.open_segy` does. It
claims a ``.sgy``/``.segy`` file by its suffix only when no other installed engine
claims it (:func:`other_engines_claim`): with segysak installed too, a plain
``xr.open_dataset("x.sgy")`` goes to segysak, and ``engine="seismic_salt"`` to this one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import xarray as xr
from xarray.backends import BackendEntrypoint

from seismic_salt.io.crs import header_crs, with_crs
from seismic_salt.io.headers import CDP_X_BYTE, CDP_Y_BYTE, ILINE_BYTE, XLINE_BYTE
from seismic_salt.io.scan import scan_segy

__all__ = ["SEGY_SUFFIXES", "SegyBackendEntrypoint", "other_engines_claim"]


class SegyBackendEntrypoint(BackendEntrypoint):
    """``xr.open_dataset(path, engine="seismic_salt")`` for post-stack SEG-Y.

    The dataset is the one of :func:`open_segy`; its ``amplitude`` encoding carries
    ``preferred_chunks`` of one whole inline, so any block of inlines asked for with
    ``chunks=`` is aligned (``chunks={}`` gives one inline per chunk).

    Without ``engine=``, xarray asks every installed engine whether it opens a file. This
    one says yes to a ``.sgy``/``.segy`` suffix only when no other installed engine (say
    segysak's) claims the file too, so installing seismic-salt never takes such files
    from another package; ``engine="seismic_salt"`` always picks it.
    """

    description = "Open post-stack 3D SEG-Y files (inline × crossline × sample) with segyio"
    url = "https://github.com/seismic-salt/seismic-salt"
    open_dataset_parameters = (
        "filename_or_obj",
        "drop_variables",
        "iline",
        "xline",
        "cdp_x",
        "cdp_y",
        "sample_unit",
        "crs",
    )

    def open_dataset(  # type: ignore[override]
        self,
        filename_or_obj: str | Path,
        *,
        drop_variables: Any = None,
        iline: int = ILINE_BYTE,
        xline: int = XLINE_BYTE,
        cdp_x: int = CDP_X_BYTE,
        cdp_y: int = CDP_Y_BYTE,
        sample_unit: str | None = None,
        crs: str | None = None,
    ) -> xr.Dataset:
        scan = scan_segy(filename_or_obj, iline=iline, xline=xline, cdp_x=cdp_x, cdp_y=cdp_y,
                         sample_unit=sample_unit)  # fmt: skip
        from seismic_salt.io.segy import dataset_from_scan

        ds = with_crs(dataset_from_scan(scan, lazy_only=True), crs or header_crs(scan.text_header))
        return ds.drop_vars(drop_variables or [], errors="ignore")

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        if not isinstance(filename_or_obj, str | os.PathLike):
            return False
        if Path(str(filename_or_obj)).suffix.lower() not in SEGY_SUFFIXES:
            return False
        return not other_engines_claim(filename_or_obj)


SEGY_SUFFIXES = (".sgy", ".segy")
"""Suffixes the engine recognises when no other engine claims the file."""


def other_engines_claim(filename_or_obj: Any) -> list[str]:
    """Names of the other installed xarray engines that would open this file.

    Engines that fail while guessing count as not claiming it.
    """
    from xarray.backends import plugins

    names = []
    for name, engine in plugins.list_engines().items():
        if isinstance(engine, SegyBackendEntrypoint):
            continue
        try:
            claims = bool(engine.guess_can_open(filename_or_obj))
        except Exception:  # another package's guess: any error means "not mine"
            claims = False
        if claims:
            names.append(name)
    return names
