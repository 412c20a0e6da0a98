"""The same block tasks on threads, local processes and a dask cluster give the same cube."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seismic_salt.inference import DaskExecutor, ProcessExecutor, ThreadExecutor, segment_to_zarr
from seismic_salt.progress import Progress
from seismic_salt.store import zarr as store

pytest.importorskip("distributed")

N_IL = 5


@pytest.fixture(autouse=True)
def environment():
    """Undo what starting a LocalCluster sets here (OMP_NUM_THREADS=1 and the like), so
    processes that later tests start keep their thread count, and their numerics."""
    import os

    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    import torch

    from seismic_salt.io.writer import to_segy
    from seismic_salt.model import build_model, save_model

    root = tmp_path_factory.mktemp("executors")
    rng = np.random.default_rng(2)
    data = rng.normal(size=(N_IL, 30, 40)).astype("float32")
    data[2, 4] = 0.0  # a dead trace
    cube = xr.DataArray(
        data,
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": np.arange(1, 1 + N_IL),
            "crossline": np.arange(7, 37),
            "sample": ("sample", np.arange(40) * 4.0, {"units": "ms"}),
        },
    )
    torch.manual_seed(0)
    save_model(build_model("hyper_resnet34_fast").eval(), root / "model.safetensors")
    return to_segy(cube, root / "volume.sgy"), root / "model.safetensors"


def run(inputs, output, **options):
    volume, model = inputs
    return segment_to_zarr(
        volume,
        output,
        model,
        device="cpu",
        precision="fp32",
        block_size=1,
        orientations=("inline", "crossline"),
        crossline_block=8,
        progress=False,
        **options,
    )


def cube(path):
    return xr.open_zarr(path)["salt_probability"].values


@pytest.mark.slow
def test_thread_process_and_cluster_executors_give_identical_cubes(inputs, tmp_path):
    from distributed import Client, LocalCluster

    reference = cube(run(inputs, tmp_path / "serial.zarr"))
    assert np.isnan(reference[2, 4]).all() and np.isfinite(reference[0]).all()
    threads = cube(run(inputs, tmp_path / "threads.zarr", executor=ThreadExecutor(2)))
    processes = cube(run(inputs, tmp_path / "processes.zarr", executor=ProcessExecutor(2)))
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        cluster_cube = cube(run(inputs, tmp_path / "cluster.zarr", executor=DaskExecutor(client)))
    for other in (threads, processes, cluster_cube):
        np.testing.assert_array_equal(other, reference)


@pytest.mark.slow
def test_progress_counts_each_block_once_under_distributed(inputs, tmp_path, monkeypatch):
    from distributed import LocalCluster

    counted = []
    monkeypatch.setattr(Progress, "update", lambda self, n=1, postfix=None: counted.append(n))
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        path = run(inputs, tmp_path / "salt.zarr", scheduler=cluster.scheduler_address)
    blocks = N_IL + len(store.block_ranges(30, 8))  # inline blocks + crossline-pass blocks
    assert store.is_complete(path)
    assert sum(counted) == len(counted) == blocks


def test_choosing_two_places_to_run_is_refused(inputs, tmp_path):
    from seismic_salt.errors import DataError

    with pytest.raises(DataError, match="not several"):
        run(inputs, tmp_path / "x.zarr", workers=2, executor=ThreadExecutor())
    assert not (tmp_path / "x.zarr").exists()
