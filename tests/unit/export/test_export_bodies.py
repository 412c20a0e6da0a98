import json

import numpy as np
import pytest

from seismic_salt.errors import DataError, StoreError
from seismic_salt.export.bodies import salt_bodies


def two_blobs(make_cube, unit="ms", dz=4.0):
    p = np.zeros((10, 12, 14), np.float32)
    p[1:5, 1:5, 1:6] = 0.9  # 80 voxels
    p[7:9, 8:10, 9:11] = 0.7  # 8 voxels
    p[0, 0, 0] = np.nan
    return make_cube(p, unit=unit, dz=dz)


def test_two_blobs(make_cube):
    bodies = salt_bodies(two_blobs(make_cube))
    assert [b["voxels"] for b in bodies] == [80, 8]
    assert [b["id"] for b in bodies] == [1, 2]
    big = bodies[0]
    assert big["inline"] == [101, 104] and big["crossline"] == [301, 304]
    assert big["sample"] == [4.0, 20.0]
    assert big["volume"] == pytest.approx(80 * 25.0 * 12.5 * 4.0)
    assert big["volume_unit"] == "m2*ms"
    assert big["x"][0] < big["centroid"]["x"] < big["x"][1]
    json.dumps(bodies)  # JSON-ready


def test_depth_units_min_size_and_threshold(make_cube):
    da = two_blobs(make_cube, unit="m", dz=10.0)
    bodies = salt_bodies(da, min_size=10)
    assert len(bodies) == 1 and bodies[0]["volume_unit"] == "m3"
    assert bodies[0]["volume"] == pytest.approx(80 * 25.0 * 12.5 * 10.0)
    assert len(salt_bodies(da, threshold=0.8)) == 1


def test_connectivity(make_cube):
    p = np.zeros((4, 4, 4), np.float32)
    p[1, 1, 1] = p[2, 2, 2] = 1.0  # touching at a corner only
    assert len(salt_bodies(make_cube(p), connectivity=26)) == 1
    assert len(salt_bodies(make_cube(p), connectivity=6)) == 2
    with pytest.raises(DataError, match="connectivity"):
        salt_bodies(make_cube(p), connectivity=8)


def test_memory_guard_names_the_size(make_cube):
    with pytest.raises(StoreError, match="GiB"):
        salt_bodies(two_blobs(make_cube), max_mask_bytes=100)
