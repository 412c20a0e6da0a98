"""Fixtures of the segmentation unit tests: tiny volumes and models with known output."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from amplitude_logit import AmplitudeLogit


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def _make_volume(n_il=3, n_xl=40, n_smp=30, seed=0, dead=()):
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(n_il, n_xl, n_smp)).astype("float32")
    for il, xl in dead:
        data[il, xl] = 0.0
    return xr.DataArray(
        data,
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": np.arange(100, 100 + n_il),
            "crossline": np.arange(200, 200 + n_xl),
            "sample": ("sample", np.arange(n_smp) * 4.0, {"units": "ms"}),
            "cdp_x": (("inline", "crossline"), rng.uniform(size=(n_il, n_xl))),
            "cdp_y": (("inline", "crossline"), rng.uniform(size=(n_il, n_xl))),
        },
        name="amplitude",
    )


@pytest.fixture
def make_volume():
    return _make_volume


@pytest.fixture
def sigmoid():
    return _sigmoid


@pytest.fixture
def echo_model():
    return AmplitudeLogit()


@pytest.fixture
def interrupted(monkeypatch):
    """``interrupted(volume, path, model, **options)``: segment until the second block
    starts, as if interrupted there (Ctrl-C)."""
    from seismic_salt.inference import segment_to_zarr, tasks

    def interrupt(volume, path, model, **options):
        calls = []
        real = tasks.run_task

        def crash_after_first(job):
            if calls:
                raise KeyboardInterrupt
            calls.append(job)
            return real(job)

        monkeypatch.setattr(tasks, "run_task", crash_after_first)
        options.setdefault("block_size", 2)
        with pytest.raises(KeyboardInterrupt):
            segment_to_zarr(volume, path, model, device="cpu", progress=False, **options)
        monkeypatch.setattr(tasks, "run_task", real)

    return interrupt
