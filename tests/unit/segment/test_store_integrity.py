"""A store never looks complete when it is not: identity, damage, NaN, interrupted creation.

Issue 21's cases 5 to 9: resume refuses another source or other header bytes; a deleted,
torn or missing chunk is refused by every reader (naming the block) and rewritten by a
resumed run; a model that predicts NaN leaves no block written; a run killed while the
store is created leaves nothing that blocks the next run.
"""

import hashlib
import json

import numpy as np
import pytest
from click.testing import CliRunner

from seismic_salt.errors import CheckpointError, DataError, StoreError
from seismic_salt.inference import segment_to_zarr
from seismic_salt.io.writer import to_segy
from seismic_salt.store import zarr as store
from seismic_salt_cli.main import cli


def run(source, path, model, **options):
    options.setdefault("block_size", 2)
    return segment_to_zarr(source, path, model, device="cpu", progress=False, **options)


def tree_digest(root):
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def segy(tmp_path, make_volume):
    """A SEG-Y of 5 inlines whose numbers are also at bytes 9/21 (other values)."""
    path = to_segy(make_volume(5, 30, 24, seed=1), tmp_path / "v.sgy")
    headers = np.memmap(path, dtype=">i4", mode="r+", offset=3600)
    per_trace = (240 + 24 * 4) // 4
    for source, target in ((188, 8), (192, 20)):  # inline, crossline -> bytes 9, 21
        headers[target // 4 :: per_trace] = headers[source // 4 :: per_trace] + 7
    headers.flush()
    return path


def test_resume_refuses_a_regenerated_source_of_the_same_size(
    tmp_path, segy, echo_model, make_volume, interrupted
):
    path = tmp_path / "salt.zarr"
    interrupted(segy, path, echo_model)
    before = tree_digest(path)
    size = segy.stat().st_size
    to_segy(make_volume(5, 30, 24, seed=2), segy, overwrite=True)  # same size, other data
    assert segy.stat().st_size == size
    with pytest.raises(StoreError, match="source contents"):
        run(segy, path, echo_model)
    assert tree_digest(path) == before


def test_resume_refuses_other_header_bytes(tmp_path, segy, echo_model, interrupted):
    path = tmp_path / "salt.zarr"
    interrupted(segy, path, echo_model)
    reading = json.loads(store.read_attrs(path)["reading"])
    assert (reading["iline"], reading["xline"]) == (189, 193)
    with pytest.raises(StoreError, match="reading parameters"):
        run(segy, path, echo_model, open_options={"iline": 9, "xline": 21})
    run(segy, path, echo_model, open_options={"iline": 189, "xline": 193})  # the same
    assert store.is_complete(path)


def test_a_touched_source_is_refused_too(tmp_path, segy, echo_model, interrupted):
    import os

    path = tmp_path / "salt.zarr"
    interrupted(segy, path, echo_model)
    stat = segy.stat()
    os.utime(segy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(StoreError, match="modification time"):
        run(segy, path, echo_model)


@pytest.fixture
def complete(tmp_path, segy, echo_model):
    """A complete store of ``segy`` and a copy of its probabilities."""
    path = run(segy, tmp_path / "salt.zarr", echo_model)
    return path, store.open_store(path)["salt_probability"].values


def readers(path, segy, tmp_path):
    """Every command that reads a store, as CLI arguments."""
    return [
        ["info", path],
        ["export", path, "--segy", tmp_path / "o.sgy"],
        ["bodies", path],
        ["preview", segy, "--salt", path, "-o", tmp_path / "p.png"],
    ]


def refused_by_every_reader(path, segy, tmp_path, pattern):
    for args in readers(path, segy, tmp_path):
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
        assert pattern in result.output, result.output
    assert not (tmp_path / "o.sgy").exists() and not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("damage", ["deleted", "torn", "garbage"])
def test_a_damaged_chunk_is_refused_and_rewritten_on_resume(
    complete, segy, echo_model, tmp_path, damage
):
    path, reference = complete
    chunk = path / "salt_probability" / "c" / "1" / "0" / "0"
    if damage == "deleted":
        chunk.unlink()
    elif damage == "torn":
        chunk.write_bytes(chunk.read_bytes()[: len(chunk.read_bytes()) // 2])
    else:
        chunk.write_bytes(np.random.default_rng(0).bytes(200))
    refused_by_every_reader(path, segy, tmp_path, "block 1 (inlines 102-103)")
    run(segy, path, echo_model)
    assert store.is_complete(path)
    np.testing.assert_array_equal(store.open_store(path)["salt_probability"].values, reference)


def test_a_chunk_torn_at_forty_lengths_is_refused(complete):
    # Blosc trusts the length in its own header, so without the store's checksum a torn
    # chunk sometimes decoded without an error (2-6 % of random chunks torn in half)
    from seismic_salt.store.integrity import check_store

    path, _ = complete
    chunk = path / "salt_probability" / "c" / "1" / "0" / "0"
    data = chunk.read_bytes()
    for length in range(1, len(data), max(1, len(data) // 40)):
        chunk.write_bytes(data[:length])
        with pytest.raises(StoreError, match="block 1"):
            check_store(path, decode=True)
    chunk.write_bytes(data)
    assert check_store(path, decode=True)


def test_a_store_without_its_probabilities_or_complete_flag_is_not_complete(
    complete, segy, tmp_path
):
    import shutil

    path, _ = complete
    attrs = json.loads((path / "zarr.json").read_text())
    attrs["attributes"].pop("complete")
    attrs["consolidated_metadata"] = None
    (path / "zarr.json").write_text(json.dumps(attrs))
    result = CliRunner().invoke(cli, ["info", str(path)])
    assert result.exit_code == 0 and "INCOMPLETE" in result.output
    for args in readers(path, segy, tmp_path)[1:]:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 2 and "incomplete" in result.output, result.output
    shutil.rmtree(path / "salt_probability")
    refused_by_every_reader(path, segy, tmp_path, "salt_probability")


def test_a_marked_block_that_was_never_written_is_refused(complete, segy, tmp_path):
    path, _ = complete
    marker = store.open_group(path, "r+")["inline_done"]
    marker[4:5] = 0
    result = CliRunner().invoke(cli, ["export", str(path), "--segy", str(tmp_path / "o.sgy")])
    assert result.exit_code == 2 and "block 2 (inline 104) is not marked" in result.output


def test_garbage_root_metadata_is_one_line_everywhere(complete, segy, tmp_path):
    path, _ = complete
    (path / "zarr.json").write_text("[1, 2, 3]")
    before = tree_digest(path)
    refused_by_every_reader(path, segy, tmp_path, "not a readable salt-probability store")
    args = ["segment", segy, "-o", path, "--model", "default", "--device", "cpu", "-q"]
    for extra in ((), ("--overwrite",)):
        result = CliRunner().invoke(cli, [str(a) for a in [*args, *extra]])
        assert result.exit_code == 2 and "not a seismic-salt store" in result.output
    assert tree_digest(path) == before


def test_a_model_that_predicts_nan_writes_no_block(tmp_path, segy, echo_model):
    broken = type(echo_model)()
    broken.scale.data.fill_(float("nan"))
    path = tmp_path / "salt.zarr"
    with pytest.raises(CheckpointError, match="NaN or inf"):
        run(segy, path, broken)
    assert not store.is_complete(path) and store.done_blocks(path) == []
    result = CliRunner().invoke(cli, ["info", str(path)])
    assert result.exit_code == 0 and "INCOMPLETE" in result.output


def test_a_run_killed_while_creating_the_store_leaves_no_dead_end(
    tmp_path, segy, echo_model, monkeypatch
):
    from seismic_salt import outputs

    path = tmp_path / "salt.zarr"

    def killed(built, target):
        raise KeyboardInterrupt  # the run dies with the store half made beside the path

    monkeypatch.setattr(outputs, "replace_directory", killed)
    with pytest.raises(KeyboardInterrupt):
        run(segy, path, echo_model)
    assert not path.exists() and outputs.partial_directory(path).is_dir()
    monkeypatch.undo()
    run(segy, path, echo_model)  # a plain rerun makes the store
    assert store.is_complete(path) and not outputs.partial_directory(path).exists()
    run(segy, path, echo_model, overwrite=True)  # and may replace it
    assert store.is_complete(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["salt.zarr", "v.sgy"]


def test_a_refused_run_creates_no_store(tmp_path, segy, echo_model, monkeypatch):
    import contextlib

    from seismic_salt.errors import SeismicSaltError
    from seismic_salt.inference import executors

    @contextlib.contextmanager
    def unreachable(scheduler, workers):
        raise SeismicSaltError(f"cannot reach the dask scheduler at {scheduler}")
        yield

    monkeypatch.setattr(executors, "dask_client", unreachable)
    path = tmp_path / "salt.zarr"
    with pytest.raises(SeismicSaltError, match="cannot reach"):
        run(segy, path, echo_model, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(DataError, match="not .*host:port"):
        run(segy, path, echo_model, scheduler="notaurl")
    with pytest.raises(DataError, match="not known"):
        segment_to_zarr(segy, path, echo_model, device="bogus", progress=False)
    assert not path.exists()
