"""The same segmentation on a ``dask.distributed`` cluster gives the same cube."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seismic_salt.inference import segment_to_zarr
from seismic_salt.store import zarr as store

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    import torch

    from seismic_salt.io.writer import to_segy
    from seismic_salt.model import build_model, save_model

    root = tmp_path_factory.mktemp("distributed")
    rng = np.random.default_rng(1)
    data = rng.normal(size=(4, 40, 60)).astype("float32")
    data[1, 3] = 0.0  # a dead trace
    cube = xr.DataArray(
        data,
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": np.arange(10, 14),
            "crossline": np.arange(50, 90),
            "sample": ("sample", np.arange(60) * 4.0, {"units": "ms"}),
        },
    )
    volume = to_segy(cube, root / "volume.sgy")
    torch.manual_seed(0)
    save_model(build_model("hyper_resnet34_fast").eval(), root / "model.safetensors")
    return volume, root / "model.safetensors"


def run(volume, output, model, **options):
    return segment_to_zarr(
        volume,
        output,
        model,
        device="cpu",
        precision="fp32",
        block_size=1,
        progress=False,
        **options,
    )


@pytest.mark.slow
def test_distributed_run_equals_local_run(inputs, tmp_path):
    from distributed import LocalCluster

    volume, model = inputs
    local = run(volume, tmp_path / "local.zarr", model)
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        remote = run(volume, tmp_path / "remote.zarr", model, scheduler=cluster.scheduler_address)
    assert store.is_complete(remote)
    a = xr.open_zarr(local)
    b = xr.open_zarr(remote)
    np.testing.assert_array_equal(a["salt_probability"].values, b["salt_probability"].values)
    assert np.isnan(b["salt_probability"].values[1, 3]).all()
    for key in ("model_sha256", "source_path", "parameters", "normalisation"):
        assert a.attrs[key] == b.attrs[key]
