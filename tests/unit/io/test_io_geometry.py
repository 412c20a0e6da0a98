import numpy as np
import pytest

from seismic_salt.errors import GeometryError
from seismic_salt.io.geometry import build_geometry


def _grid(inlines, crosslines, order="inline"):
    il, xl = np.meshgrid(inlines, crosslines, indexing="ij" if order == "inline" else "xy")
    return il.ravel(), xl.ravel()


def test_inline_sorted_grid():
    il, xl = _grid([5, 6, 7], [1, 3])
    g = build_geometry(il, xl)
    assert list(g.inlines) == [5, 6, 7] and list(g.crosslines) == [1, 3]
    np.testing.assert_array_equal(g.trace_index, np.arange(6).reshape(3, 2))
    assert g.sorting == "inline" and g.live.all()


def test_crossline_sorted_and_unsorted():
    il, xl = _grid([5, 6, 7], [1, 3], order="crossline")
    g = build_geometry(il, xl)
    assert g.sorting == "crossline"
    np.testing.assert_array_equal(il[g.trace_index], np.repeat([[5], [6], [7]], 2, axis=1))
    perm = np.array([3, 0, 5, 1, 4, 2])
    assert build_geometry(il[perm], xl[perm]).sorting == "unsorted"


def test_missing_cells_and_grid_values():
    il, xl = np.array([1, 1, 2]), np.array([10, 11, 11])
    g = build_geometry(il, xl)
    np.testing.assert_array_equal(g.live, [[True, True], [False, True]])
    grid = g.grid(np.array([0.5, 1.5, 2.5]))
    assert np.isnan(grid[1, 0]) and grid[1, 1] == 2.5


def test_a_two_d_line_is_a_grid():
    g = build_geometry(np.ones(50, int), np.arange(50))
    assert g.shape == (1, 50)


@pytest.mark.parametrize(
    ("il", "xl", "offsets", "message"),
    [
        ([], [], None, "no traces"),
        ([0, 0, 0], [1, 2, 3], None, "inline number 0"),
        ([1, 1, 1], [0, 0, 0], None, "crossline number 0"),
        ([4, 4, 4], [9, 9, 9], [1, 1, 1], "all 3 traces have inline 4 and crossline 9"),
        ([1, 1, 2, 2], [1, 1, 1, 2], [0, 0, 0, 0], "occur more than once"),
        ([1, 1, 2, 2], [1, 1, 1, 1], [10, 20, 10, 20], "found 2 offsets"),
        ([1, 2, 3], [7, 8, 9], None, "of its own"),
        (np.arange(40), np.arange(40) % 20 * 1000, None, "% live"),
    ],
)
def test_nonsense_geometries_are_refused(il, xl, offsets, message):
    with pytest.raises(GeometryError, match=message):
        build_geometry(np.array(il), np.array(xl), None if offsets is None else np.array(offsets))
