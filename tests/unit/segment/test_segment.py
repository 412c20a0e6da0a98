import numpy as np
import pytest

from seismic_salt.errors import DataError
from seismic_salt.inference import segment
from seismic_salt.normalize import Normalisation


@pytest.fixture
def expected(sigmoid):
    def compute(volume):
        return sigmoid(Normalisation.fit(volume).apply(volume.values))

    return compute


@pytest.mark.parametrize(("n_xl", "n_smp"), [(20, 30), (120, 110), (101, 101), (7, 250)])
@pytest.mark.parametrize("stride", [25, 50, 101])
def test_echo_model_gives_back_sigmoid_of_normalised_input(
    echo_model, n_xl, n_smp, stride, make_volume, expected
):
    volume = make_volume(2, n_xl, n_smp)
    out = segment(volume, echo_model, stride=stride, device="cpu").compute()
    np.testing.assert_allclose(out.values, expected(volume), atol=2e-6)


def test_result_is_lazy_with_input_dims_coords_and_chunks(echo_model, make_volume):
    volume = make_volume(5, 30, 20)
    out = segment(volume, echo_model, device="cpu", block_size=2)
    assert out.name == "salt_probability"
    assert out.chunks[0] == (2, 2, 1)
    assert out.dims == ("inline", "crossline", "sample")
    for name in ("inline", "crossline", "sample", "cdp_x", "cdp_y"):
        np.testing.assert_array_equal(out[name].values, volume[name].values)
    assert out.attrs["model_name"] == "AmplitudeLogit"


def test_dead_traces_and_nan_samples_stay_fill_and_do_not_leak(echo_model, make_volume, sigmoid):
    volume = make_volume(3, 40, 30, dead=[(1, 5), (1, 6)])
    volume[2, 10, 3] = np.nan
    out = segment(volume, echo_model, device="cpu").compute().values
    assert np.isnan(out[1, 5:7]).all()
    assert np.isnan(out[2, 10, 3])
    assert np.isfinite(out).sum() == out.size - 2 * 30 - 1
    clean = sigmoid(Normalisation.fit(volume).apply(np.nan_to_num(volume.values)))
    finite = np.isfinite(out)
    np.testing.assert_allclose(out[finite], clean[finite], atol=2e-6)


def test_live_coordinate_marks_dead_traces(echo_model, make_volume):
    volume = make_volume(2, 30, 20)
    live = np.ones((2, 30), bool)
    live[0, 3] = False
    volume = volume.assign_coords(live=(("inline", "crossline"), live))
    out = segment(volume, echo_model, device="cpu").compute().values
    assert np.isnan(out[0, 3]).all() and np.isfinite(out[1]).all()


def test_inline_and_crossline_keep_the_input_shape(echo_model, make_volume, expected):
    volume = make_volume(4, 25, 30)
    both = segment(volume, echo_model, device="cpu", orientations=("inline", "crossline"))
    assert both.shape == volume.shape and both.chunks[0] == (4,)
    np.testing.assert_allclose(both.compute().values, expected(volume), atol=2e-6)


def test_crossline_direction_changes_the_prediction(make_volume):
    import torch

    class Vertical(torch.nn.Module):
        """Logit = amplitude difference along W (the section's horizontal axis)."""

        def forward(self, x):
            a = x[:, :1]
            return torch.nn.functional.pad(a[..., 1:] - a[..., :-1], (0, 1))

    volume = make_volume(6, 8, 20)
    inline = segment(volume, Vertical(), device="cpu").compute().values
    both = segment(volume, Vertical(), device="cpu", orientations=("inline", "crossline"))
    assert not np.allclose(inline, both.compute().values)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"stride": 0}, "stride"),
        ({"orientations": ("crossline",)}, "orientations"),
        ({"precision": "float16"}, "precision"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_settings_are_refused(echo_model, options, match, make_volume):
    with pytest.raises(DataError, match=match):
        segment(make_volume(1, 5, 5), echo_model, device="cpu", **options)


def test_wrong_dims_are_refused(echo_model, make_volume):
    with pytest.raises(DataError, match=r"dims \('inline', 'crossline', 'offset'\)"):
        segment(make_volume(1, 5, 5).rename(sample="offset"), echo_model)


def test_other_tools_dim_and_variable_names_are_accepted(echo_model, make_volume, sigmoid):
    # issue 20: MDIO's time axis, segysak's iline/xline/twt and its variable "data"
    volume = make_volume(2, 30, 40)
    segysak = volume.rename(inline="iline", crossline="xline", sample="twt").to_dataset(name="data")
    out = segment(segysak, echo_model, device="cpu").compute()
    assert out.dims == ("inline", "crossline", "sample")
    direct = segment(volume, echo_model, device="cpu").compute()
    np.testing.assert_array_equal(out.values, direct.values)


def test_volume_with_a_dead_half_skips_its_tiles(echo_model, make_volume, sigmoid):
    volume = make_volume(2, 300, 40)
    volume[:, 150:] = np.nan  # outside an irregular survey
    out = segment(volume, echo_model, device="cpu").compute().values
    assert np.isnan(out[:, 150:]).all()
    clean = sigmoid(Normalisation.fit(volume).apply(np.nan_to_num(volume.values)))
    np.testing.assert_allclose(out[:, :150], clean[:, :150], atol=2e-6)


def test_package_level_segment_is_callable(echo_model, make_volume):
    import seismic_salt
    from seismic_salt import segment as exported

    cube = make_volume(1, 10, 10)
    for fn in (exported, seismic_salt.segment):
        assert fn(cube, echo_model, device="cpu").shape == cube.shape


def test_progress_counts_each_inline_once_from_the_scheduler(echo_model, make_volume, monkeypatch):
    from dask.callbacks import Callback

    from seismic_salt.progress import Progress

    counted = []
    monkeypatch.setattr(Progress, "update", lambda self, n=1, postfix=None: counted.append(n))
    registered = set(Callback.active)
    lazy = segment(make_volume(5, 20, 20), echo_model, device="cpu", block_size=2, progress=True)
    lazy.compute()
    lazy.compute()  # a second compute re-runs the tasks: nothing more to count
    assert sorted(counted) == [1, 2, 2]
    assert Callback.active == registered


def test_orientations_cut_sections_and_put_them_back():
    from seismic_salt.inference.orientation import CROSSLINE, INLINE

    block = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    np.testing.assert_array_equal(INLINE.sections(block)[1], block[1].T)
    np.testing.assert_array_equal(CROSSLINE.sections(block)[2], block[:, 2].T)
    for direction in (INLINE, CROSSLINE):
        np.testing.assert_array_equal(direction.block(direction.sections(block)), block)


def test_a_rewritten_segy_is_opened_again(tmp_path, make_volume):
    import os

    from seismic_salt.inference.sources import open_source
    from seismic_salt.io.writer import to_segy

    path = tmp_path / "v.sgy"
    to_segy(make_volume(2, 5, 6), path)
    assert list(open_source(path).inline.values) == [100, 101]
    stat = path.stat()
    moved = make_volume(2, 5, 6).assign_coords(inline=[300, 301])
    to_segy(moved, path, overwrite=True)  # same size, other geometry
    assert path.stat().st_size == stat.st_size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert list(open_source(path).inline.values) == [300, 301]
