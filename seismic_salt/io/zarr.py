"""Moved to :mod:`seismic_salt.store.zarr`; this name is kept so old imports still work."""

from seismic_salt.store.zarr import *  # noqa: F403
from seismic_salt.store.zarr import __all__  # noqa: F401
