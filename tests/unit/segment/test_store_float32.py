"""open_store gives float32 probabilities, the values read_block decodes (issue 20)."""

import numpy as np
import xarray as xr

from seismic_salt.store import zarr as store
from seismic_salt.store.layout import FILL, SCALE, decode


def _store(tmp_path, make_volume):
    volume = make_volume(n_il=2, n_xl=16, n_smp=16)
    path = tmp_path / "p.zarr"
    attrs = {"model_sha256": "0" * 64, "software_version": "t", "parameters": "{}"}
    store.create_store(path, volume, block_size=1, attrs=attrs)
    codes = np.arange(512) % 256  # every code, fill (255) included
    probability = np.where(codes == FILL, np.nan, codes / SCALE).reshape(2, 16, 16)
    for start in range(2):
        store.write_block(path, start, probability[start : start + 1].astype(np.float32))
    store.mark_complete(path)
    return path, codes.reshape(2, 16, 16).astype(np.uint8)


def test_open_store_is_float32_with_the_decoded_values(tmp_path, make_volume):
    path, codes = _store(tmp_path, make_volume)
    ds = store.open_store(path)
    p = ds.salt_probability
    assert p.dtype == np.float32 and p.chunks is not None  # still lazy
    np.testing.assert_array_equal(p.values, decode(codes))
    assert p.encoding["dtype"] == np.uint8  # writes back as stored
    np.testing.assert_array_equal(store.read_block(path, 0, 2), p.values)


def test_plain_open_zarr_gives_the_same_values(tmp_path, make_volume):
    path, codes = _store(tmp_path, make_volume)
    plain = xr.open_zarr(path).salt_probability
    np.testing.assert_array_equal(plain.astype("float32").values, decode(codes))
