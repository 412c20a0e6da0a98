"""ModelConfig: the model's JSON parsed once, read from a checkpoint without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from seismic_salt.errors import CheckpointError, DataError
from seismic_salt.model.config import ModelConfig, read_model_config
from seismic_salt.normalize import Contract
from seismic_salt.weights import weights_path


def printed(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the words it printed and whether torch
    was imported."""
    code += "; import sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_bundled_config_reads_without_torch():
    code = (
        "from seismic_salt.model.config import read_model_config; "
        "from seismic_salt.weights import weights_path; "
        "c = read_model_config(weights_path('default')); "
        "print(c.name, c.output.threshold, c.input.normalisation.kind)"
    )
    assert printed(code) == ["hyper_resnet34_fast", "0.55", "tile_stretch", "False"]


def test_fields_of_the_bundled_config():
    path = weights_path("default")
    config = read_model_config(path)
    raw = json.loads(path.with_suffix(".json").read_text())
    assert config.sha256 == raw["weights"]["sha256"]
    assert config.options == raw["options"]
    assert config.output.min_salt_pixels == raw["output"]["min_salt_pixels"]
    assert config.input.tile_size == 101 and config.input.pad_to == 128


def test_a_module_without_config_gets_the_first_models_defaults():
    class Bare:
        pass

    config = ModelConfig.of(Bare())
    assert config.name == "Bare" and config.sha256 is None
    assert config.input.normalisation == Contract()
    assert (config.output.threshold, config.output.min_salt_pixels) == (0.5, 0)


def test_unknown_normalisation_is_a_data_error_and_a_checkpoint_error(tmp_path):
    raw = {"name": "x", "options": {}, "input": {"normalisation": {"kind": "agc"}}}
    with pytest.raises(DataError, match="agc"):
        ModelConfig.from_json(raw)
    weights = tmp_path / "x.safetensors"
    raw.update(format_version=1, weights={"sha256": "0"})
    raw["input"].update(channels=["amplitude", "vertical_ramp", "amplitude*vertical_ramp"])
    raw["input"].update(depth_channel="tile_ramp")
    weights.with_suffix(".json").write_text(json.dumps(raw))
    with pytest.raises(CheckpointError, match="agc"):
        read_model_config(weights)


def test_a_run_names_and_scales_for_a_checkpoint_without_torch():
    code = (
        "from seismic_salt.inference import resolve_model; ref = resolve_model('default'); "
        "print(ref.name, ref.sha256 == ref.config.sha256, ref.config.input.normalisation.kind)"
    )
    assert printed(code) == ["hyper_resnet34_fast.tgs", "True", "tile_stretch", "False"]
