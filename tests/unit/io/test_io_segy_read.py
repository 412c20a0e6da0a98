import pickle
import warnings

import cloudpickle
import dask
import numpy as np
import pytest
import segyio
import xarray as xr

from seismic_salt.errors import GeometryError, InputFileError, SegyError
from seismic_salt.io import segy
from seismic_salt.io.segy import SegyBackendEntrypoint, open_segy, require_3d

IL, XL, NS = [10, 11, 12], [20, 22, 24, 26], 6


@pytest.fixture(autouse=True)
def _quiet_segyio_casts():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ii]mplicit conversion.*")
        yield


def test_regular_volume_opens_with_coords_and_attrs(make_segy, expected_cube):
    path = make_segy(interval_us=2000, delay=100)
    ds = open_segy(path)
    assert ds.amplitude.dims == ("inline", "crossline", "sample")
    assert ds.amplitude.dtype == np.float32
    assert list(ds.inline.values) == IL and list(ds.crossline.values) == XL
    np.testing.assert_allclose(ds.sample.values, 100 + 2.0 * np.arange(NS))
    assert ds.sample.attrs["units"] == "ms"
    np.testing.assert_array_equal(ds.amplitude.values, expected_cube(IL, XL, NS))
    np.testing.assert_allclose(ds.cdp_x.values[1, 2], (100000 + 11 * 250 + 24) / 100)
    np.testing.assert_allclose(ds.cdp_y.values[2, 3], (200000 + 12 * 3 + 26 * 250) / 100)
    assert ds.live.values.all()
    attrs = ds.attrs
    assert attrs["sample_interval"] == 2.0 and attrs["data_format"] == "ieee float"
    assert attrs["byte_order"] == "big" and attrs["source_path"] == str(path.absolute())
    assert (attrs["iline_byte"], attrs["xline_byte"], attrs["sorting"]) == (189, 193, "inline")
    assert isinstance(attrs["text_header"], str)


@pytest.mark.parametrize("fmt", [1, 2, 3, 5, 6, 8])
@pytest.mark.parametrize("endian", ["big", "little"])
def test_every_format_and_byte_order(make_segy, fmt, endian, expected_cube):
    ds = open_segy(make_segy(fmt=fmt, endian=endian))
    assert ds.attrs["byte_order"] == endian
    np.testing.assert_array_equal(ds.amplitude.values, expected_cube(IL, XL, NS))


def test_crossline_sorted_file_gives_the_same_cube(make_segy, expected_cube):
    ds = open_segy(make_segy(sorting="crossline"), chunks=2)
    assert ds.attrs["sorting"] == "crossline"
    np.testing.assert_array_equal(ds.amplitude.values, expected_cube(IL, XL, NS))


def test_missing_traces_are_nan_and_not_live(make_segy, expected_cube):
    missing = [(10, 20), (11, 24), (12, 26)]
    ds = open_segy(make_segy(missing=missing))
    np.testing.assert_array_equal(ds.amplitude.values, expected_cube(IL, XL, NS, missing))
    assert ds.live.sum() == 12 - 3 and not ds.live.sel(inline=11, crossline=24)
    assert np.isnan(ds.cdp_x.sel(inline=10, crossline=20))


def test_indexing_subsets_read_only_what_is_asked(make_segy, expected_cube):
    ds = open_segy(make_segy(missing=[(11, 22)]), chunks=1)
    cube = expected_cube(IL, XL, NS, [(11, 22)])
    np.testing.assert_array_equal(ds.amplitude.sel(inline=11).values, cube[1])
    np.testing.assert_array_equal(ds.amplitude.isel(crossline=2, sample=3).values, cube[:, 2, 3])
    np.testing.assert_array_equal(ds.amplitude[1:, ::2, 1:4].values, cube[1:, ::2, 1:4])
    np.testing.assert_array_equal(ds.amplitude[::-1, ::-2, -2].values, cube[::-1, ::-2, -2])
    picked = ds.amplitude.isel(inline=[2, 0], crossline=[3, 1, 2]).values
    np.testing.assert_array_equal(picked, cube[[2, 0]][:, [3, 1, 2]])
    lazy = xr.open_dataset(ds.attrs["source_path"], engine=SegyBackendEntrypoint)
    np.testing.assert_array_equal(lazy.amplitude[2, 1:3].values, cube[2, 1:3])


def test_open_reads_headers_only(make_segy, monkeypatch):
    calls = []
    real = segy.read_trace_block
    monkeypatch.setattr(segy, "read_trace_block", lambda *a: calls.append(1) or real(*a))
    ds = open_segy(make_segy())
    assert calls == []
    ds.amplitude.compute()
    assert calls


def test_default_chunks_are_whole_inline_blocks(make_segy):
    ds = open_segy(make_segy())
    assert ds.amplitude.chunks == ((3,), (4,), (6,))
    assert open_segy(make_segy(), chunks=2).amplitude.chunks == ((2, 1), (4,), (6,))
    assert segy.default_chunks((1000, 500, 1000))["inline"] == 33  # ~64 MB


def test_dask_graph_pickles_and_computes_elsewhere(make_segy, expected_cube):
    ds = open_segy(make_segy(), chunks=1)
    restored = pickle.loads(cloudpickle.dumps(ds.amplitude.data))
    np.testing.assert_array_equal(restored.compute(), expected_cube(IL, XL, NS))
    pickle.dumps(dict(ds.amplitude.data.__dask_graph__()))


def test_process_scheduler_reads_in_other_processes(make_segy, expected_cube):
    ds = open_segy(make_segy(), chunks=1)
    with dask.config.set(scheduler="processes", num_workers=2):
        np.testing.assert_array_equal(ds.amplitude.values, expected_cube(IL, XL, NS))


def test_backend_entrypoint_uses_preferred_chunks(make_segy, expected_cube):
    ds = xr.open_dataset(make_segy(), engine=SegyBackendEntrypoint, chunks={})
    assert ds.amplitude.chunks == ((1, 1, 1), (4,), (6,))
    np.testing.assert_array_equal(ds.amplitude.values, expected_cube(IL, XL, NS))


def test_backend_is_registered_by_name_and_guessed_from_the_suffix(make_segy, expected_cube):
    path = make_segy()
    named = xr.open_dataset(path, engine="seismic_salt", chunks={"inline": 2})
    assert named.amplitude.chunks[0] == (2, 1)
    np.testing.assert_array_equal(named.amplitude.values, expected_cube(IL, XL, NS))
    guessed = xr.open_dataset(path)  # .sgy: xarray asks each backend's guess_can_open
    np.testing.assert_array_equal(guessed.amplitude.values, expected_cube(IL, XL, NS))


def test_delay_time_scalar_and_positive_coordinate_scalar(make_segy):
    ds = open_segy(make_segy(delay=12345, time_scalar=-10, coord_scalar=10))
    assert ds.sample.values[0] == pytest.approx(1234.5)
    assert ds.cdp_x.values[0, 0] == (100000 + 10 * 250 + 20) * 10


def test_depth_unit_from_textual_header(make_segy):
    ds = open_segy(make_segy(text="SAMPLE UNIT: M   DEPTH MIGRATED"))
    assert ds.sample.attrs["units"] == "m"
    assert open_segy(make_segy(), sample_unit="m").sample.attrs["units"] == "m"


def test_other_header_bytes(make_segy):
    path = make_segy(iline=9, xline=21)
    with pytest.raises(GeometryError, match="iline=9, xline=21"):
        open_segy(path)
    assert list(open_segy(path, iline=9, xline=21).inline.values) == IL
    with pytest.raises(GeometryError, match="did you mean 189"):
        open_segy(path, iline=190)


def test_duplicates_are_refused(make_segy):
    with pytest.raises(GeometryError, match="occur more than once"):
        open_segy(make_segy(offsets=[3, 3]))


def test_prestack_is_refused_with_offset_count(make_segy):
    with pytest.raises(GeometryError, match="found 3 offsets"):
        open_segy(make_segy(offsets=[100, 200, 300]))


def test_two_d_line_opens_but_require_3d_refuses(make_segy):
    ds = open_segy(make_segy(inlines=[5]))
    assert ds.sizes["inline"] == 1
    with pytest.raises(GeometryError, match="2D line"):
        require_3d(ds)
    require_3d(open_segy(make_segy()))


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        open_segy(tmp_path / "nope.sgy")


def test_text_only_and_not_segy(tmp_path, make_segy):
    header_only = tmp_path / "text.sgy"
    header_only.write_bytes(make_segy().read_bytes()[:3600])
    with pytest.raises(SegyError, match="no traces"):
        open_segy(header_only)
    prose = tmp_path / "prose.sgy"
    prose.write_text("not seismic at all\n" * 400)
    with pytest.raises(SegyError, match="not a SEG-Y file"):
        open_segy(prose)
    tiny = tmp_path / "tiny.sgy"
    tiny.write_text("hello")
    with pytest.raises(SegyError, match="smaller than the 3600-byte"):
        open_segy(tiny)


def test_truncated_file_says_sizes(tmp_path, make_segy):
    whole = make_segy().read_bytes()
    cut = tmp_path / "cut.sgy"
    cut.write_bytes(whole[:-10])
    with pytest.raises(SegyError, match=f"is {len(whole) - 10} bytes.*truncated"):
        open_segy(cut)


def test_all_zero_header_bytes_suggest_others(make_segy):
    with pytest.raises(GeometryError, match="inline number 0 at bytes 5/189"):
        open_segy(make_segy(), iline=5, xline=189)


def test_load_amplitude_reads_into_one_array(make_segy, expected_cube):
    ds = open_segy(make_segy(missing=[(12, 26)]), chunks=1)
    loaded = segy.load_amplitude(ds)
    assert isinstance(loaded.data, np.ndarray) and loaded.dims == ds.amplitude.dims
    np.testing.assert_array_equal(loaded.values, expected_cube(IL, XL, NS, [(12, 26)]))
    assert loaded.live.sum() == 11
    part = segy.load_amplitude(ds.amplitude.sel(inline=[11, 12], sample=slice(4, 12)))
    np.testing.assert_array_equal(part.values, expected_cube(IL, XL, NS, [(12, 26)])[1:, :, 1:4])
    chunked = xr.open_dataset(ds.attrs["source_path"], engine="seismic_salt", chunks={})
    np.testing.assert_array_equal(segy.load_amplitude(chunked).values, loaded.values)


def _patched(tmp_path, source, name, *patches):
    raw = bytearray(source.read_bytes())
    for offset, value in patches:
        raw[offset : offset + len(value)] = value
    path = tmp_path / name
    path.write_bytes(bytes(raw))
    return path


def test_broken_binary_header_and_unsupported_format(tmp_path, make_segy):
    source = make_segy()
    no_samples = _patched(tmp_path, source, "zero.sgy", (3220, b"\0\0"), (3600 + 114, b"\0\0"))
    with pytest.raises(SegyError, match="0 samples per trace"):
        open_segy(no_samples)
    fixed_point = _patched(tmp_path, source, "fmt4.sgy", (3224, b"\0\x04"))
    with pytest.raises(SegyError, match="format 4 .* not supported"):
        open_segy(fixed_point)


def test_byte_order_constant_decides(tmp_path, make_segy, expected_cube):
    source = make_segy(endian="little")
    marked = _patched(tmp_path, source, "marked.sgy", (3296, (0x01020304).to_bytes(4, "little")))
    ds = open_segy(marked)
    assert ds.attrs["byte_order"] == "little"
    np.testing.assert_array_equal(ds.amplitude.values, expected_cube(IL, XL, NS))


def test_float_traces_are_read_straight_into_the_result(make_segy, expected_cube, monkeypatch):
    ieee, ibm, int16 = make_segy("a.sgy"), make_segy("b.sgy", fmt=1), make_segy("c.sgy", fmt=3)
    cube = expected_cube(IL, XL, NS)
    copies = []
    real = segyio.trace.RawTrace.__getitem__
    monkeypatch.setattr(segyio.trace.RawTrace, "__getitem__",
                        lambda self, i: copies.append(i) or real(self, i))  # fmt: skip
    for path in (ieee, ibm):  # segyio converts both to float32: no copy
        np.testing.assert_array_equal(open_segy(path, chunks=2).amplitude.values, cube)
    assert copies == []
    np.testing.assert_array_equal(open_segy(int16, chunks=2).amplitude.values, cube)
    assert len(copies) == 2  # int16 samples are read by segyio, then cast
