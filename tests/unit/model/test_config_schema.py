"""A checkpoint's JSON is checked key by key when read, before any tensor is touched.

Issue 21 case 10: the right keys with the wrong types (architecture an int, options null
or a list, input null, weights a string, normalisation a string) gave TypeError,
AttributeError or ValueError; each is now one CheckpointError naming the key.
"""

import json

import pytest
from click.testing import CliRunner

from seismic_salt.errors import CheckpointError
from seismic_salt.model.checkpoint import load_model
from seismic_salt.model.config import read_model_config
from seismic_salt.weights import weights_path
from seismic_salt_cli.main import cli

BROKEN = [
    ("name", 7, "'name' must be a string"),
    ("options", None, "'options' must be an object"),
    ("options", [1, 2], "'options' must be an object"),
    ("input", None, "'input' must be an object"),
    ("weights", "abc", "'weights' must be an object"),
    ("weights", {}, "lacks 'weights.sha256'"),
    ("input.normalisation", "robust_clip", "'input.normalisation' must be an object"),
    ("input.tile_size", "101", "'input.tile_size' must be an integer"),
    ("input.channels", [1, 2, 3], "'input.channels' must be strings"),
    ("output", [], "'output' must be an object"),
    ("output.threshold", True, "'output.threshold' must be an integer or a number"),
    ("format_version", "1", "'format_version' must be an integer"),
]


def broken_checkpoint(tmp_path, key, value):
    """The bundled JSON with one value replaced, beside weights that are not safetensors."""
    config = json.loads(weights_path("default").with_suffix(".json").read_text())
    holder = config
    *parents, name = key.split(".")
    for parent in parents:
        holder = holder[parent]
    holder[name] = value
    weights = tmp_path / "broken.safetensors"
    weights.write_bytes(b"not read: the JSON is refused first")
    weights.with_suffix(".json").write_text(json.dumps(config))
    return weights


@pytest.mark.parametrize(("key", "value", "message"), BROKEN)
def test_a_wrong_type_is_one_checkpoint_error_naming_the_key(tmp_path, key, value, message):
    weights = broken_checkpoint(tmp_path, key, value)
    with pytest.raises(CheckpointError, match=message):
        read_model_config(weights)
    with pytest.raises(CheckpointError, match=message):
        load_model(weights, cache=False)


def test_the_cli_says_which_key_in_one_line(tmp_path):
    from seismic_salt.io.writer import to_segy
    from seismic_salt.synthetic import make_volume

    weights = broken_checkpoint(tmp_path, "options", None)
    to_segy(make_volume((2, 20, 20)).amplitude, tmp_path / "v.sgy")
    args = ["segment", str(tmp_path / "v.sgy"), "-o", str(tmp_path / "s.zarr")]
    result = CliRunner().invoke(cli, [*args, "--model", str(weights), "--device", "cpu", "-q"])
    assert result.exit_code == 2 and "'options' must be an object" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "s.zarr").exists()


def test_a_config_that_is_not_an_object_or_too_deep_is_refused(tmp_path):
    weights = tmp_path / "x.safetensors"
    weights.write_bytes(b"")
    for text in ("[1, 2, 3]", "null", "[" * 100000 + "]" * 100000):
        weights.with_suffix(".json").write_text(text)
        with pytest.raises(CheckpointError, match="not a JSON object|not valid JSON"):
            read_model_config(weights)
