"""The dask array of ``open_segy``: a whole compute reads into one array, nothing else changes."""

import logging
import pickle

import dask
import dask.array as da
import numpy as np
import pytest

from seismic_salt.io import lazy
from seismic_salt.io.scan import scan_segy
from seismic_salt.io.segy import SegyBackendArray, open_segy

IL, XL, NS = [10, 11, 12], [20, 22, 24, 26], 6
MISSING = [(11, 22), (12, 26)]


@pytest.fixture
def no_concatenation(monkeypatch):
    """Fail if a compute falls back to dask's finalize (concatenating the chunks)."""

    def refuse(results):
        raise AssertionError("the chunks were concatenated, not read into one array")

    monkeypatch.setattr(lazy, "dask_finalize", refuse)


@pytest.mark.parametrize("sorting", ["inline", "crossline"])
@pytest.mark.parametrize("chunks", [None, 1, {"crossline": 3, "sample": 4}])
def test_whole_compute_reads_into_one_array(
    make_segy, expected_cube, no_concatenation, sorting, chunks
):
    ds = open_segy(make_segy(sorting=sorting, missing=MISSING), chunks=chunks)
    assert isinstance(ds.amplitude.data, lazy.SegyDaskArray)
    cube = expected_cube(IL, XL, NS, MISSING)
    np.testing.assert_array_equal(ds.amplitude.compute().values, cube)
    np.testing.assert_array_equal(ds.amplitude.values, cube)
    np.testing.assert_array_equal(np.asarray(ds.amplitude.data), cube)
    np.testing.assert_array_equal(ds.amplitude.data.compute(scheduler="sync"), cube)
    np.testing.assert_array_equal(ds.load().amplitude.values, cube)


def test_each_compute_returns_a_new_writable_array(make_segy, expected_cube, no_concatenation):
    amplitude = open_segy(make_segy(), chunks=1).amplitude
    first = amplitude.values
    first[:] = 0
    second = amplitude.values
    assert second is not first
    np.testing.assert_array_equal(second, expected_cube(IL, XL, NS))


def test_derived_and_persisted_arrays_compute_as_dask_does(make_segy, expected_cube):
    amplitude = open_segy(make_segy(missing=MISSING), chunks=1).amplitude
    cube = expected_cube(IL, XL, NS, MISSING)
    for derived in (amplitude + 1, amplitude.isel(inline=slice(1, 3)), amplitude.T):
        assert type(derived.data) is da.Array  # per-chunk work streams as before
    np.testing.assert_array_equal((amplitude + 1).values, cube + 1)
    np.testing.assert_array_equal(amplitude.isel(inline=slice(1, 3)).values, cube[1:])
    (persisted,) = dask.persist(amplitude.data)
    taken = persisted.compute()
    taken[:] = 0  # must not write into the persisted chunks
    np.testing.assert_array_equal(persisted.compute(), cube)


def test_a_pickled_result_holds_no_array_and_chunks_read_fresh(make_segy, expected_cube):
    result = lazy._Result((3, 4, 6), np.float32)
    detached = pickle.loads(pickle.dumps(result))
    assert detached.array is None and len(pickle.dumps(result)) < 200
    backend = SegyBackendArray(scan_segy(make_segy()))
    region = (slice(1, 3), slice(0, 4), slice(0, 6))
    block = lazy.read_chunk_into(detached, backend, region)
    np.testing.assert_array_equal(block, expected_cube(IL, XL, NS)[1:3])
    into = lazy.read_chunk_into(result, backend, region)
    assert into.base is result.array
    np.testing.assert_array_equal(result.array[1:3], block)


def test_distributed_computes_again_without_key_clashes(make_segy, expected_cube):
    distributed = pytest.importorskip("distributed")
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    scheduler_log = logging.getLogger("distributed.scheduler")
    scheduler_log.addHandler(handler)
    cube = expected_cube(IL, XL, NS, MISSING)
    try:
        with (
            distributed.LocalCluster(
                n_workers=1, processes=False, threads_per_worker=2, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster),
        ):
            amplitude = open_segy(make_segy(missing=MISSING), chunks=1).amplitude
            for _ in range(2):  # same chunk keys, a new compute
                np.testing.assert_array_equal(amplitude.values, cube)
    finally:
        scheduler_log.removeHandler(handler)
    assert not [r.getMessage() for r in records if "run_spec" in r.getMessage()]
