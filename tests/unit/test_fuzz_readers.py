"""Property test: the SEG-Y, store and model readers raise only SeismicSaltError.

Seeded random inputs (random bytes, valid files with random bytes changed or cut short,
random JSON in place of metadata and configs) go through every reader a command uses;
each either reads or raises a ``SeismicSaltError`` subclass, which the CLI prints as one
line. Any other exception is a bug, reported with the input's seed to replay it.
"""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from seismic_salt.errors import SeismicSaltError

SEED = 21


def random_json(rng: np.random.Generator, depth: int = 0):
    """A random JSON value: scalars, and lists and objects up to three levels deep."""
    kinds = ["null", "bool", "int", "float", "str"] + (["list", "dict"] if depth < 3 else [])
    kind = kinds[rng.integers(len(kinds))]
    if kind == "null":
        return None
    if kind == "bool":
        return bool(rng.integers(2))
    if kind == "int":
        return int(rng.integers(-(2**40), 2**40)) if rng.integers(2) else int(rng.integers(-3, 300))
    if kind == "float":
        return float(rng.choice([0.0, -1.5, 1e308, 0.5, float(rng.normal())]))
    if kind == "str":
        return "".join(rng.choice(list("ab.,:{}[] 1\\n\u00e9"), size=rng.integers(0, 12)))
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.integers(0, 5))]
    keys = ["name", "options", "input", "weights", "kind", "sha256", "zarr_format",
            "node_type", "attributes", "shape", "chunks", "x"]  # fmt: skip
    return {str(rng.choice(keys)): random_json(rng, depth + 1) for _ in range(rng.integers(0, 5))}


def replace_somewhere(rng: np.random.Generator, value, depth: int = 0):
    """``value`` with one nested entry (or ``value`` itself) replaced by random JSON."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = list(value)[rng.integers(len(value))]
        return {**value, key: replace_somewhere(rng, value[key], depth + 1)}
    if isinstance(value, list) and value and rng.random() < 0.8:
        index = int(rng.integers(len(value)))
        return (
            value[:index] + [replace_somewhere(rng, value[index], depth + 1)] + value[index + 1 :]
        )
    return random_json(rng)


def only_user_errors(case: str, read, *args) -> None:
    """Run ``read(*args)``; anything raised must be a SeismicSaltError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read(*args)
    except SeismicSaltError:
        pass
    except Exception as err:  # the property under test: nothing else escapes
        pytest.fail(f"{case}: {type(err).__name__}: {err}")


def test_segy_readers_on_random_and_damaged_files(tmp_path):
    from seismic_salt.info import describe
    from seismic_salt.io.writer import to_segy
    from seismic_salt.synthetic import make_volume

    valid = to_segy(make_volume((3, 6, 16)).amplitude, tmp_path / "valid.sgy").read_bytes()
    path = tmp_path / "case.sgy"
    for case in range(300):
        rng = np.random.default_rng([SEED, case])
        if case % 3 == 0:
            data = rng.bytes(int(rng.integers(0, 6000)))
        else:
            raw = bytearray(valid)
            for _ in range(int(rng.integers(1, 12))):
                spot = int(rng.integers(0, 3600 + 2 * 304)) if rng.random() < 0.8 else None
                spot = spot if spot is not None else int(rng.integers(0, len(raw)))
                raw[spot] = int(rng.integers(256))
            data = (
                bytes(raw[: int(rng.integers(len(raw) // 2, len(raw) + 1))])
                if case % 3 == 2
                else bytes(raw)
            )
        path.write_bytes(data)
        only_user_errors(f"open_segy case {case}", read_cube, path)
        only_user_errors(f"info case {case}", describe, path)


def read_cube(path):
    from seismic_salt.io.segy import open_segy

    return open_segy(path).amplitude.values


@pytest.fixture(scope="module")
def valid_store(tmp_path_factory):
    from seismic_salt.store import zarr as store
    from seismic_salt.synthetic import make_volume

    path = tmp_path_factory.mktemp("store") / "s.zarr"
    probability = make_volume((4, 5, 16)).salt.astype("float32").rename("salt_probability")
    store.create_store(path, probability, block_size=2,
                       attrs={"model_sha256": "0" * 64, "parameters": "{}"})  # fmt: skip
    for start in (0, 2):
        store.write_block(path, start, probability.values[start : start + 2])
    store.mark_complete(path)
    return path


def test_store_readers_on_damaged_stores(tmp_path, valid_store):
    from seismic_salt.info import describe
    from seismic_salt.store import zarr as store
    from seismic_salt.store.integrity import damaged_blocks

    files = sorted(p.relative_to(valid_store) for p in valid_store.rglob("*") if p.is_file())
    for case in range(60):
        rng = np.random.default_rng([SEED, case])
        path = tmp_path / f"case{case}.zarr"
        shutil.copytree(valid_store, path)
        for _ in range(int(rng.integers(1, 3))):
            target = path / files[rng.integers(len(files))]
            action = rng.integers(3)
            if action == 0:
                target.unlink(missing_ok=True)
            elif action == 1 or target.name != "zarr.json":
                target.write_bytes(rng.bytes(int(rng.integers(0, 300))))
            else:
                target.write_text(json.dumps(replace_somewhere(rng, metadata(target))))
        readers = [store.read_attrs, store.is_store, store.done_blocks, damaged_blocks,
                   read_probability, describe]  # fmt: skip
        for read in readers:
            only_user_errors(f"{read.__name__} case {case}", read, path)
        shutil.rmtree(path)


def metadata(path):
    """A zarr.json as JSON (empty when it was deleted or overwritten with bytes)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def read_probability(path):
    from seismic_salt.store import zarr as store

    return store.open_complete(path)["salt_probability"].values


def test_model_readers_on_random_configs(tmp_path):
    from seismic_salt.model.checkpoint import load_model
    from seismic_salt.model.config import read_model_config
    from seismic_salt.weights import weights_path

    bundled = json.loads(weights_path("default").with_suffix(".json").read_text())
    weights = tmp_path / "m.safetensors"
    for case in range(300):
        rng = np.random.default_rng([SEED, case])
        config = random_json(rng) if case % 4 == 0 else replace_somewhere(rng, bundled)
        weights.with_suffix(".json").write_text(json.dumps(config))
        weights.write_bytes(rng.bytes(int(rng.integers(0, 64))))
        only_user_errors(f"read_model_config case {case}", read_model_config, weights)
        only_user_errors(f"load_model case {case}", load_model, weights, "cpu")
