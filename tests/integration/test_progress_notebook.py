"""Progress is drawn by tqdm from the driver, in terminals and notebooks (issue 20)."""

import logging

import numpy as np
import pytest
import xarray as xr
from amplitude_logit import AmplitudeLogit

from seismic_salt.progress import Progress, visible

CELLS = [
    "import numpy as np, torch, xarray as xr\nfrom seismic_salt.inference import segment_to_zarr",
    "class Echo(torch.nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.scale = torch.nn.Parameter(torch.ones(1))\n"
    "    def forward(self, x):\n"
    "        return x[:, :1] * self.scale",
    "rng = np.random.default_rng(0)\n"
    "dims = ('inline', 'crossline', 'sample')\n"
    "volume = xr.DataArray(rng.normal(size=(6, 30, 30)).astype('float32'), dims=dims,\n"
    "    coords={'inline': np.arange(6), 'crossline': np.arange(30),\n"
    "            'sample': np.arange(30) * 4.0})\n"
    "segment_to_zarr(volume, 'nb.zarr', Echo(), device='cpu', block_size=2)",
]


def _kernel():
    nbclient = pytest.importorskip("nbclient", reason="nbclient runs the notebook")
    nbformat = pytest.importorskip("nbformat", reason="nbformat builds the notebook")
    kernelspec = pytest.importorskip("jupyter_client.kernelspec")
    if "python3" not in kernelspec.find_kernel_specs():
        pytest.skip("no python3 Jupyter kernel is installed (pip install ipykernel)")
    return nbclient, nbformat


def test_a_notebook_run_shows_the_progress_of_segment_to_zarr(tmp_path):
    nbclient, nbformat = _kernel()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()  # fmt: skip
    outputs = notebook.cells[-1].outputs
    shown = " ".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    # a tqdm text bar on the kernel's stderr, or its widget where ipywidgets is installed
    assert "segment nb.zarr" in shown and "3/3" in shown, outputs
    assert (tmp_path / "nb.zarr").is_dir()


def test_no_bar_goes_into_a_pipe_or_a_log(capsys):
    assert not visible(None)  # pytest's stderr is no terminal, and this is no notebook
    with Progress(3, "work", True, "block") as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""


def test_a_bar_is_tqdm_counting_what_the_driver_reports(monkeypatch, capsys):
    monkeypatch.setattr("seismic_salt.progress.visible", lambda enabled: enabled is not False)
    with Progress(4, "blocks", None, "block") as bar:
        for _ in range(4):
            bar.update()
    err = capsys.readouterr().err
    assert "blocks" in err and "4/4" in err and bar.done == 4


def test_segment_to_zarr_counts_blocks_in_the_driver(monkeypatch, tmp_path):
    import threading

    from seismic_salt import progress as module
    from seismic_salt.inference import ThreadExecutor, segment_to_zarr

    threads = []

    class Spy(module.Progress):
        def update(self, n=1, postfix=None):
            threads.append(threading.current_thread())
            super().update(n, postfix)

    monkeypatch.setattr("seismic_salt.inference.to_zarr.Progress", Spy)
    dims = ("inline", "crossline", "sample")
    volume = xr.DataArray(np.ones((4, 20, 20), "float32"), dims=dims)
    segment_to_zarr(volume, tmp_path / "s.zarr", AmplitudeLogit(), device="cpu", block_size=2,
                    executor=ThreadExecutor(2))  # fmt: skip
    assert len(threads) == 2 and all(t is threading.main_thread() for t in threads)


def test_diagnostics_go_to_the_seismic_salt_logger(caplog):
    from seismic_salt.io.coordinates import warn_degenerate

    with caplog.at_level(logging.DEBUG, logger="seismic_salt"), pytest.warns(UserWarning):
        warn_degenerate(np.zeros((2, 2)), np.zeros((2, 2)), None, "x.sgy", (181, 185))
    assert any(r.name.startswith("seismic_salt.") for r in caplog.records)


def test_under_distributed_the_lazy_result_leaves_progress_to_dask(caplog):
    distributed = pytest.importorskip("distributed")
    import torch

    from seismic_salt.inference import segment

    class Zero(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return x[:, :1] * 0 * self.scale

    dims = ("inline", "crossline", "sample")
    cube = xr.DataArray(np.ones((2, 20, 20), "float32"), dims=dims)
    with distributed.Client(processes=False, n_workers=1, dashboard_address=None) as client:
        with caplog.at_level(logging.INFO, logger="seismic_salt"):
            result = segment(cube, Zero(), device="cpu", progress=True)
        assert "distributed.progress" in caplog.text
        done = client.persist(result.data)
        distributed.progress(done, notebook=False)  # dask's own bar for cluster graphs
        assert float(done.compute().mean()) == 0.5
