"""The examples run as they are, on a tiny synthetic survey and a random-weight model."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from seismic_salt.model import build_model
from seismic_salt.model.checkpoint import save_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def random_model(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "random.safetensors"
    return save_model(build_model("hyper_resnet34_fast"), path)


def test_script_runs(tmp_path, random_model):
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "xarray_workflow.py"),
            "--output",
            str(out),
            "--model",
            str(random_model),
            "--shape",
            "3,110,105",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "salt.zarr").is_dir() and (out / "salt_mask.sgy").is_file()
    assert any(p.name.startswith("inline_") for p in out.iterdir())


def test_notebook_runs(tmp_path, random_model):
    nbclient = pytest.importorskip("nbclient", reason="nbclient runs the notebook")
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(EXAMPLES / "xarray_workflow.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    os.environ["SEISMIC_SALT_MODEL"] = str(random_model)
    os.environ["SEISMIC_SALT_EXAMPLE_SHAPE"] = "3,110,105"
    try:
        nbclient.NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(tmp_path)}},
        ).execute()
    finally:
        del os.environ["SEISMIC_SALT_MODEL"], os.environ["SEISMIC_SALT_EXAMPLE_SHAPE"]
    assert (tmp_path / "notebook-out" / "salt.zarr").is_dir()
