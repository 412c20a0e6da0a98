import contextlib
import warnings

import numpy as np
import pytest

from seismic_salt.errors import DataError, StoreError
from seismic_salt.export.mesh import (
    mesh_area,
    mesh_volume,
    read_tsurf,
    salt_mesh,
    write_mesh,
)

SPACING = (20.0, 20.0, 20.0)


def sphere_cube(make_cube, make_sphere, radius=160.0, shape=(22, 22, 22), center=None):
    center = center or tuple((n - 1) * s / 2 for n, s in zip(shape, SPACING, strict=False))
    p = make_sphere(shape, center, radius, SPACING)
    return make_cube(p, dz=SPACING[2], unit="m", spacing=SPACING[:2])


def test_sphere_area_and_volume(make_cube, make_sphere):
    radius = 160.0
    meshes = salt_mesh(sphere_cube(make_cube, make_sphere, radius))
    assert len(meshes) == 1
    vertices, faces = meshes[0]
    assert mesh_volume(vertices, faces) == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.02)
    assert mesh_area(vertices, faces) == pytest.approx(4 * np.pi * radius**2, rel=0.02)
    # centred on the cube's middle trace, in world coordinates of the rotated grid
    centre = vertices.mean(axis=0)
    da_x, da_y = 452000.0, 6780000.0
    a = np.deg2rad(30.0)
    expect_x = da_x + 210.0 * np.cos(a) - 210.0 * np.sin(a)
    expect_y = da_y + 210.0 * np.sin(a) + 210.0 * np.cos(a)
    assert centre == pytest.approx([expect_x, expect_y, 210.0], abs=2.0)


def test_body_cut_by_the_cube_edge_is_closed(make_cube, make_sphere):
    shape = (12, 22, 22)  # the sphere runs out through the last inline
    da = sphere_cube(make_cube, make_sphere, 160.0, shape, center=(210.0, 210.0, 210.0))
    ((vertices, faces),) = salt_mesh(da)
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), 1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert (counts == 2).all()  # every edge shared by two triangles: closed
    assert mesh_volume(vertices, faces) > 0


def test_two_bodies_min_size_and_tsurf_round_trip(make_cube, tmp_path):
    p = np.zeros((10, 12, 14), np.float32)
    p[1:5, 1:5, 1:6] = 1.0  # 80 voxels
    p[7:9, 8:10, 9:11] = 1.0  # 8 voxels
    da = make_cube(p)
    meshes = salt_mesh(da)
    assert len(meshes) == 2
    assert len(salt_mesh(da, min_size=10)) == 1
    path = write_mesh(meshes, tmp_path / "salt.ts", z_unit="ms")
    objects = read_tsurf(path)
    assert [name for name, _ in objects] == ["salt_1", "salt_2"]
    for (_, (v_back, f_back)), (v, f) in zip(objects, meshes, strict=False):
        assert v_back.shape == v.shape and f_back.shape == f.shape
        np.testing.assert_allclose(v_back, v, atol=1e-3)
        np.testing.assert_array_equal(f_back, f)


@pytest.mark.parametrize("fmt", ["ply", "stl", "vtu", "obj"])
def test_meshio_formats_read_back_with_sphere_area_and_volume(
    make_cube, make_sphere, tmp_path, fmt
):
    meshio = pytest.importorskip("meshio")
    radius = 160.0
    meshes = salt_mesh(sphere_cube(make_cube, make_sphere, radius))
    path = write_mesh(meshes, tmp_path / f"salt.{fmt}")
    back = meshio.read(path)
    faces = back.cells_dict["triangle"]
    assert mesh_volume(back.points, faces) == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.02)
    assert mesh_area(back.points, faces) == pytest.approx(4 * np.pi * radius**2, rel=0.02)
    head = path.read_bytes()[:80]
    if fmt == "ply":  # binary, as PyVista and ParaView users expect
        assert b"format binary_little_endian" in head
    if fmt == "stl":
        assert not head.startswith(b"solid")  # binary STL
    if fmt == "vtu":
        assert set(np.unique(back.cell_data["body"][0])) == {1}


def test_tsurf_reads_back_with_xtgeo_and_carries_its_coordinate_system(
    make_cube, make_sphere, tmp_path
):
    xtgeo = pytest.importorskip("xtgeo")
    radius = 160.0
    cube = sphere_cube(make_cube, make_sphere, radius)  # depth cube in metres
    path = write_mesh(salt_mesh(cube), tmp_path / "salt.ts", crs="EPSG:32615")
    with _no_warning_check():
        surface = xtgeo.triangulated_surface_from_file(path)
    assert surface.compute_surface_area() == pytest.approx(4 * np.pi * radius**2, rel=0.02)
    vol = mesh_volume(surface.vertices, surface.triangles)
    assert vol == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.02)
    system = surface.metadata.freeform["tsurf_coord_sys"]
    assert system["name"] == "EPSG:32615"
    assert tuple(system["axis_unit"]) == ("m", "m", "m")
    assert system["zpositive"] == "Depth"
    assert not (tmp_path / "salt.prj").exists()  # TSurf has its own field


def test_time_tsurf_says_ms_and_a_foot_crs_says_ft(make_cube, tmp_path):
    p = np.zeros((6, 6, 6), np.float32)
    p[2:4, 2:4, 2:4] = 1.0
    path = write_mesh(salt_mesh(make_cube(p)), tmp_path / "salt.ts", crs="EPSG:2277")
    text = path.read_text()
    assert 'AXIS_UNIT "ft" "ft" "ms"' in text and "ZPOSITIVE Depth" in text
    path = write_mesh(salt_mesh(make_cube(p)), tmp_path / "plain.ts")
    assert "NAME Default" in path.read_text() and 'AXIS_UNIT "m" "m" "ms"' in path.read_text()


def test_errors(make_cube, tmp_path):
    da = make_cube(np.zeros((4, 4, 4)))
    with pytest.raises(DataError, match="suffix"):
        write_mesh([], tmp_path / "salt.dxf")
    with pytest.raises(StoreError, match="GiB"):
        salt_mesh(da, max_mask_bytes=10)
    assert salt_mesh(da) == []


@contextlib.contextmanager
def _no_warning_check():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xtgeo calls AXIS_UNIT "m" "m" "ms" uncommon
        yield
