"""seismic-salt: find salt bodies in 3D post-stack seismic volumes.

The public API is re-exported here lazily, so ``import seismic_salt`` stays cheap
(torch, zarr and dask are imported only by the functions that need them).
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

from seismic_salt.errors import SeismicSaltError

try:  # the one place the version is written is pyproject.toml
    __version__ = importlib.metadata.version("seismic-salt")
except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "SeismicSaltError",
    "__version__",
    "finetune",
    "load_model",
    "open_segy",
    "segment",
    "segment_to_zarr",
    "to_segy",
]

# public name -> module that defines it
_LAZY = {
    "open_segy": "seismic_salt.io.segy",
    "to_segy": "seismic_salt.io.segy",
    "segment": "seismic_salt.inference",
    "segment_to_zarr": "seismic_salt.inference",
    "load_model": "seismic_salt.model.checkpoint",
    "finetune": "seismic_salt.train.finetune",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'seismic_salt' has no attribute {name!r}")
