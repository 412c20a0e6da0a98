import numpy as np
import pytest

from seismic_salt.errors import DataError
from seismic_salt.tiling import Merger, Splitter, blend_window, predict_sections

SHAPES = [(1, 1), (5, 17), (60, 101), (101, 101), (120, 110), (250, 33)]
STRIDES = [13, 37, 50, 101]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("stride", STRIDES)
def test_identity_predictor_stitches_back_the_section(shape, stride):
    section = np.random.default_rng(1).normal(size=shape).astype("float32")
    out = predict_sections(section[None], lambda p: p, Splitter(stride=stride))[0]
    assert out.shape == shape
    np.testing.assert_allclose(out, section, rtol=0, atol=1e-6)


@pytest.mark.parametrize("stride", STRIDES)
def test_constant_blends_to_constant_without_seams(stride):
    splitter = Splitter(stride=stride)
    patches, origins = splitter.split(np.zeros((230, 170), "float32"))
    merger = Merger((230, 170), splitter)
    merger.aggregate(np.full_like(patches, 0.7), origins)
    np.testing.assert_allclose(merger.finalize(), 0.7, atol=1e-6)


def test_patches_cover_every_pixel_and_are_tile_sized():
    splitter = Splitter(stride=50)
    patches, origins = splitter.split(np.ones((120, 110)))
    assert patches.shape[1:] == (101, 101)
    covered = np.zeros((120, 110), bool)
    for r, c in origins:
        covered[max(r, 0) : r + 101, max(c, 0) : c + 101] = True
    assert covered.all()


def test_iterating_yields_patch_origin_pairs():
    section = np.arange(150 * 120, dtype="float32").reshape(150, 120)
    pairs = list(Splitter(stride=60)(section))
    assert len(pairs) > 1
    for patch, (r, c) in pairs:
        assert patch.shape == (101, 101)
        rows = slice(max(r, 0), min(r + 101, 150))
        cols = slice(max(c, 0), min(c + 101, 120))
        inside = patch[rows.start - r : rows.stop - r, cols.start - c : cols.stop - c]
        np.testing.assert_array_equal(inside, section[rows, cols])


def test_window_has_floor_and_peak():
    w = blend_window(101, floor=0.05)
    assert w.min() == pytest.approx(0.05**2, rel=0.2)
    assert w.max() == pytest.approx(1.0, abs=1e-3)
    assert w.min() > 0


@pytest.mark.parametrize("stride", [0, 102])
def test_bad_stride_is_refused(stride):
    with pytest.raises(DataError, match="stride"):
        Splitter(stride=stride)


def test_merger_checks_shapes():
    merger = Merger((50, 50), Splitter())
    with pytest.raises(DataError, match="predictions"):
        merger.aggregate(np.zeros((1, 50, 50)), np.zeros((1, 2), int))


@pytest.mark.parametrize("max_patches", [1, 5, 512])
def test_sections_are_batched_in_bounded_calls(max_patches):
    sections = np.random.default_rng(2).normal(size=(5, 130, 90)).astype("float32")
    calls = []

    def predictor(patches):
        calls.append(len(patches))
        return patches

    out = predict_sections(sections, predictor, Splitter(stride=50), max_patches=max_patches)
    np.testing.assert_allclose(out, sections, atol=1e-6)
    per_section = len(Splitter(stride=50).origins((130, 90)))
    assert sum(calls) == 5 * per_section
    assert max(calls) <= max(max_patches, per_section)


def test_patches_that_are_all_invalid_are_not_predicted():
    section = np.random.default_rng(3).normal(size=(1, 101, 400)).astype("float32")
    invalid = np.zeros(section.shape, bool)
    invalid[:, :, 250:] = True  # no live trace there: the last patches see none
    seen = []

    def predictor(patches):
        seen.append(len(patches))
        return patches

    splitter = Splitter(stride=50)
    out = predict_sections(section, predictor, splitter, invalid=invalid)
    assert seen[0] < len(splitter.origins((101, 400)))
    np.testing.assert_allclose(out[~invalid], section[~invalid], atol=1e-6)
