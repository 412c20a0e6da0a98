"""Export a salt-probability cube: SEG-Y, top/base-of-salt surfaces, body meshes, bodies.

Every function takes the ``salt_probability`` DataArray of a store (``xr.open_zarr``) on
(inline, crossline, sample) with ``cdp_x``/``cdp_y`` coords. See ``docs/export.md``.
"""

from __future__ import annotations

from seismic_salt.export.bodies import salt_bodies
from seismic_salt.export.mesh import salt_mesh, write_mesh
from seismic_salt.export.segy import to_segy
from seismic_salt.export.surfaces import top_base_surfaces, write_surfaces

__all__ = [
    "salt_bodies",
    "salt_mesh",
    "to_segy",
    "top_base_surfaces",
    "write_mesh",
    "write_surfaces",
]
