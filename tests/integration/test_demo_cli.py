"""`seismic-salt demo` end to end on a small volume with a random-weight model."""

import re

import torch
from click.testing import CliRunner

from seismic_salt.model import build_model
from seismic_salt.model.checkpoint import save_model
from seismic_salt_cli.main import cli


def test_demo_writes_everything_and_prints_iou(tmp_path):
    torch.manual_seed(0)
    model = save_model(build_model("hyper_resnet34_fast"), tmp_path / "m.safetensors")
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        cli,
        ["demo", "--output", str(out), "--model", str(model), "--shape", "3,110,105", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"^IoU \d\.\d\d$", result.output, re.MULTILINE)
    for name in ("demo.sgy", "demo_truth.sgy", "salt.zarr", "salt.sgy", "preview.png"):
        assert (out / name).exists(), name

    again = CliRunner().invoke(cli, ["demo", "--output", str(out), "--model", str(model)])
    assert again.exit_code == 2 and "not empty" in again.output
