"""Stores give float32 probabilities, through open_store and a plain xr.open_zarr (issue 20).

Stores of earlier releases (uint8 codes) are still read, and resumed in their own codes.
"""

import warnings

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from seismic_salt.io.dims import DIMS
from seismic_salt.store import zarr as store
from seismic_salt.store.layout import LEGACY_FILL, LEGACY_SCALE, STEPS, VARIABLE, decode, encode

ATTRS = {"model_sha256": "0" * 64, "software_version": "t", "parameters": "{}"}


def _probability():
    """2 × 16 × 16 probabilities over [0, 1], out-of-range values and NaN included."""
    p = np.linspace(-0.1, 1.1, 512, dtype=np.float32)
    p[::37] = np.nan
    return p.reshape(2, 16, 16)


def _write(path, probability):
    for start in range(probability.shape[0]):
        store.write_block(path, start, probability[start : start + 1])
    store.mark_complete(path)


def _new_store(tmp_path, make_volume):
    path = tmp_path / "p.zarr"
    store.create_store(path, make_volume(n_il=2, n_xl=16, n_smp=16), block_size=1, attrs=ATTRS)
    _write(path, _probability())
    return path


def test_a_plain_open_zarr_gives_float32_probabilities(tmp_path, make_volume):
    path = _new_store(tmp_path, make_volume)
    plain = xr.open_zarr(path).salt_probability
    assert plain.dtype == np.float32 and plain.chunks is not None  # lazy, no float64
    values = plain.values
    np.testing.assert_array_equal(values, encode(_probability()))
    np.testing.assert_array_equal(np.isnan(values), np.isnan(_probability()))
    finite = values[np.isfinite(values)]
    assert finite.min() == 0.0 and finite.max() == 1.0
    np.testing.assert_array_equal(finite * STEPS, np.rint(finite * STEPS))  # k/256 exactly
    ds = store.open_store(path)
    assert ds.salt_probability.dtype == np.float32 and ds.salt_probability.chunks is not None
    np.testing.assert_array_equal(ds.salt_probability.values, values)
    np.testing.assert_array_equal(store.read_block(path, 0, 2), values)


def test_the_stored_values_are_within_half_a_step(tmp_path, make_volume):
    path = _new_store(tmp_path, make_volume)
    expected = np.clip(_probability(), 0, 1)
    np.testing.assert_allclose(
        store.read_block(path, 0, 2), expected, atol=0.5 / STEPS + 1e-7, equal_nan=True
    )


def test_the_store_uses_only_zarr_v3_core_codecs(tmp_path, make_volume):
    path = _new_store(tmp_path, make_volume)
    array = zarr.open_array(str(path / VARIABLE))
    assert array.dtype == np.float32 and np.isnan(array.metadata.fill_value)
    names = {type(codec).__name__ for codec in array.metadata.codecs}
    assert names == {"BytesCodec", "BloscCodec", "Crc32cCodec"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "not in the Zarr v3 specification" warning
        values = xr.open_zarr(path, consolidated=False).salt_probability.values
    assert values.dtype == np.float32


def _legacy_store(tmp_path, make_volume):
    """A store as earlier releases wrote it: uint8 codes, scale_factor 1/254, fill 255."""
    path = tmp_path / "old.zarr"
    store.create_store(path, make_volume(n_il=2, n_xl=16, n_smp=16), block_size=1, attrs=ATTRS)
    del zarr.open_group(str(path), mode="r+")[VARIABLE]
    zeros = da.zeros((2, 16, 16), dtype=np.float32, chunks=(1, 16, 16))
    old = xr.Dataset({VARIABLE: (DIMS, zeros)})
    encoding = {
        "dtype": "uint8",
        "scale_factor": 1.0 / LEGACY_SCALE,
        "_FillValue": LEGACY_FILL,
        "fill_value": LEGACY_FILL,
        "chunks": (1, 16, 16),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.to_zarr(path, mode="a", compute=False, encoding={VARIABLE: encoding})
    return path


def test_a_store_of_an_earlier_release_is_resumed_in_its_codes_and_read_as_float32(
    tmp_path, make_volume
):
    path = _legacy_store(tmp_path, make_volume)
    _write(path, _probability())  # a resumed run writes its blocks into the old store
    codes = zarr.open_array(str(path / VARIABLE))[:]
    assert codes.dtype == np.uint8
    np.testing.assert_array_equal(codes, encode(_probability(), np.uint8))
    assert (codes[np.isnan(_probability())] == LEGACY_FILL).all()
    expected = decode(codes)
    assert expected.dtype == np.float32
    ds = store.open_store(path)
    assert ds.salt_probability.dtype == np.float32 and ds.salt_probability.chunks is not None
    np.testing.assert_array_equal(ds.salt_probability.values, expected)
    assert ds.salt_probability.encoding["dtype"] == np.uint8  # writes back as stored
    np.testing.assert_array_equal(store.read_block(path, 0, 2), expected)
    plain = xr.open_zarr(path).salt_probability  # float64 from the JSON scale_factor
    np.testing.assert_array_equal(plain.astype("float32").values, expected)
