"""save_model / load_model: round trip, integrity checks, refusals, cache, sha256."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch

from seismic_salt.errors import CheckpointError
from seismic_salt.model import build_model, load_model, model_sha256, save_model
from seismic_salt.weights import DEFAULT_MODEL, weights_path


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[torch.nn.Module, Path]:
    torch.manual_seed(0)
    model = build_model("hyper_resnet34_fast").eval()
    path = tmp_path_factory.mktemp("ckpt") / "m.safetensors"
    save_model(model, path, provenance={"epochs": 0}, threshold=0.45, min_salt_pixels=20)
    return model, path


def test_round_trip_is_bit_identical(saved) -> None:
    model, path = saved
    loaded = load_model(path, cache=False)
    assert not loaded.training
    x = torch.randn(2, 3, 101, 101)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_config_contents(saved) -> None:
    _, path = saved
    config = json.loads(path.with_suffix(".json").read_text())
    assert config["format_version"] == 1
    assert config["name"] == "hyper_resnet34_fast"
    assert config["options"]["stem_stride"] == 2
    inp = config["input"]
    assert inp["tile_size"] == 101 and inp["pad_to"] == 128 and inp["padding"] == "reflect"
    assert inp["normalisation"] == {
        "kind": "tile_stretch",
        "percentiles": [0.01, 99.99],
        "range": [-1.0, 1.0],
        "symmetric": True,
        "tile_percentiles": [0.0, 100.0],
    }
    assert inp["depth_channel"] == "tile_ramp"
    assert config["output"]["threshold"] == 0.45 and config["output"]["min_salt_pixels"] == 20
    assert config["provenance"] == {"epochs": 0}
    assert config["weights"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_model(path, cache=False).config["output"]["threshold"] == 0.45


def test_sha256_of_model_and_file(saved) -> None:
    model, path = saved
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert model_sha256(path) == digest
    assert model_sha256(model) == digest  # fp32 bytes are deterministic
    assert model_sha256(load_model(path, cache=False)) == digest


def test_cache_returns_same_module(saved) -> None:
    _, path = saved
    assert load_model(path) is load_model(str(path))
    assert load_model(path, cache=False) is not load_model(path)


def test_bf16_weights_load_as_float32(saved, tmp_path: Path) -> None:
    model, _ = saved
    path = save_model(model, tmp_path / "half.safetensors", dtype=torch.bfloat16)
    loaded = load_model(path, cache=False)
    assert loaded.encoder.conv1.weight.dtype == torch.float32
    assert json.loads(path.with_suffix(".json").read_text())["weights"]["dtype"] == "bfloat16"


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    dst.with_suffix(".json").write_text(src.with_suffix(".json").read_text())
    return dst


def test_pickle_payload_is_refused(saved, tmp_path: Path) -> None:
    model, path = saved
    bad = _copy(path, tmp_path / "pickled.safetensors")
    torch.save(model.state_dict(), bad)  # a torch.save zip renamed .safetensors
    with pytest.raises(CheckpointError, match="pickle"):
        load_model(bad, cache=False)
    import pickle

    bad.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError, match="pickle"):
        load_model(bad, cache=False)


def test_header_length_with_pickle_first_byte_loads(saved, tmp_path: Path) -> None:
    # one safetensors file in 256 has a header length whose low byte is 0x80, the byte
    # a pickle starts with; an ensemble file written this way was once refused as pickle
    from safetensors.torch import save

    model, path = saved
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    # the header is JSON padded with spaces to a multiple of 8 bytes; a longer metadata
    # value lengthens the JSON by as many bytes, so one save says which pad to use
    plain = save(state, metadata={"format": "pt", "pad": ""})
    json_bytes = len(plain[8 : 8 + int.from_bytes(plain[:8], "little")].rstrip())
    pad = next(n for n in range(256) if -(-(json_bytes + n) // 8) * 8 % 256 == 0x80)
    data = save(state, metadata={"format": "pt", "pad": "x" * pad})
    assert data[:1] == b"\x80" and data[8:9] == b"{"
    good = _copy(path, tmp_path / "header80.safetensors")
    good.write_bytes(data)
    config = json.loads(good.with_suffix(".json").read_text())
    config["weights"]["sha256"] = hashlib.sha256(data).hexdigest()
    good.with_suffix(".json").write_text(json.dumps(config))
    loaded = load_model(good, cache=False)
    x = torch.randn(1, 3, 101, 101)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_truncated_and_corrupt_are_refused(saved, tmp_path: Path) -> None:
    _, path = saved
    data = path.read_bytes()
    bad = _copy(path, tmp_path / "trunc.safetensors")
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt|truncated"):
        load_model(bad, cache=False)
    flipped = bytearray(data)
    flipped[-10] ^= 0xFF
    bad.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="sha256"):
        load_model(bad, cache=False)
    bad.write_bytes(b"")
    with pytest.raises(CheckpointError):
        load_model(bad, cache=False)


def test_architecture_mismatch_is_refused(saved, tmp_path: Path) -> None:
    _, path = saved
    bad = _copy(path, tmp_path / "arch.safetensors")
    config = json.loads(bad.with_suffix(".json").read_text())
    config["name"] = "hyper_resnet34"  # same encoder, stride-1 stem: shapes fit...
    config["options"]["decoder_channels"] = [128, 64, 32, 16, 16]  # ...these do not
    bad.with_suffix(".json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="does not fit"):
        load_model(bad, cache=False)
    config["name"] = "no_such_net"
    bad.with_suffix(".json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="unknown model"):
        load_model(bad, cache=False)


def test_input_contract_mismatch_is_refused(saved, tmp_path: Path) -> None:
    _, path = saved
    bad = _copy(path, tmp_path / "contract.safetensors")
    config = json.loads(bad.with_suffix(".json").read_text())
    config["input"]["depth_channel"] = "absolute_depth"
    bad.with_suffix(".json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="depth channel"):
        load_model(bad, cache=False)


def test_missing_files(saved, tmp_path: Path) -> None:
    _, path = saved
    lone = tmp_path / "lone.safetensors"
    lone.write_bytes(path.read_bytes())
    with pytest.raises(CheckpointError, match="lone.json"):
        load_model(lone, cache=False)
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "absent.safetensors")


def test_default_model_missing_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:
    import seismic_salt.weights as weights

    monkeypatch.setattr(weights, "weights_dir", lambda: tmp_path)
    with pytest.raises(CheckpointError, match=DEFAULT_MODEL):
        load_model("default")
    with pytest.raises(CheckpointError, match="hyper_resnet34.tgs"):
        weights_path("hyper_resnet34.tgs")


def test_bundled_name_resolves(saved, monkeypatch, tmp_path: Path) -> None:
    import seismic_salt.weights as weights

    _, path = saved
    _copy(path, tmp_path / f"{DEFAULT_MODEL}.safetensors")
    monkeypatch.setattr(weights, "weights_dir", lambda: tmp_path)
    assert load_model("default", cache=False).config["name"] == "hyper_resnet34_fast"
    assert load_model(DEFAULT_MODEL, cache=False).config["name"] == "hyper_resnet34_fast"
    assert weights.bundled_models() == [DEFAULT_MODEL]


def test_save_needs_a_config(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="build_model"):
        save_model(torch.nn.Linear(2, 2), tmp_path / "x.safetensors")
