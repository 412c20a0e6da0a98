"""The output policy: inputs are never outputs, replacing needs overwrite and is atomic."""

import hashlib
import os

import pytest

from seismic_salt.errors import InputFileError, OutputError
from seismic_salt.outputs import (
    atomic_file,
    check_output,
    check_outputs,
    check_store_output,
    refuse_inputs,
)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def survey(tmp_path):
    path = tmp_path / "v.sgy"
    path.write_bytes(b"seismic" * 100)
    return path


def test_an_input_is_never_an_output(tmp_path, survey):
    with pytest.raises(OutputError, match="is the template"):
        check_output(survey, {"template": survey}, overwrite=True)
    relative = os.path.relpath(survey)
    with pytest.raises(OutputError, match="is the source"):
        check_output(relative, {"source": str(survey)}, overwrite=True)
    hard = tmp_path / "hard.sgy"
    os.link(survey, hard)
    with pytest.raises(OutputError, match="under another name"):
        check_output(hard, {"template": survey}, overwrite=True)
    link = tmp_path / "link.sgy"
    link.symlink_to(survey)
    with pytest.raises(OutputError, match="is the template"):
        check_output(link, {"template": survey}, overwrite=True)
    store = tmp_path / "s.zarr"
    store.mkdir()
    (store / "zarr.json").write_text("{}")
    with pytest.raises(OutputError, match="is a file of the store"):
        check_output(store / "zarr.json", {"store": store}, overwrite=True)
    with pytest.raises(OutputError, match="holds the source"):
        refuse_inputs(tmp_path, {"source": survey})
    with pytest.raises(OutputError, match="is the section"):
        check_output(survey, {"section": [tmp_path / "other.sgy", survey]}, overwrite=True)
    assert check_output(tmp_path / "new.sgy", {"template": survey, "none": None})
    assert survey.read_bytes() == b"seismic" * 100


def test_an_existing_output_is_replaced_only_with_overwrite(tmp_path, survey):
    with pytest.raises(OutputError, match="already exists; pass overwrite=True"):
        check_output(survey)
    assert check_output(survey, overwrite=True) == survey
    with atomic_file(survey) as tmp:
        tmp.write_bytes(b"new")
    assert survey.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.sgy"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, survey):
    before = digest(survey)
    with pytest.raises(RuntimeError, match="disk on fire"), atomic_file(survey) as tmp:
        tmp.write_bytes(b"half a file")
        raise RuntimeError("disk on fire")
    with pytest.raises(OutputError, match="cannot write .*No space"), atomic_file(survey) as tmp:
        tmp.write_bytes(b"half a file")
        raise OSError(28, "No space left on device")
    assert digest(survey) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.sgy"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused_before_writing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="not writable"):
            check_output(folder / "out.sgy")
    finally:
        folder.chmod(0o755)


def test_directories_links_and_missing_folders_are_refused(tmp_path, survey):
    with pytest.raises(OutputError, match="is a directory"):
        check_output(tmp_path, overwrite=True)
    link = tmp_path / "link.sgy"
    link.symlink_to(tmp_path / "elsewhere.sgy")
    with pytest.raises(OutputError, match="symbolic link"):
        check_output(link, overwrite=True)
    with pytest.raises(InputFileError, match="no such folder"):
        check_output(tmp_path / "missing" / "out.sgy")
    with pytest.raises(OutputError, match="is the volume output"):
        check_outputs({"volume": survey, "labels": survey}, overwrite=True)


def test_a_store_replaces_only_a_seismic_salt_store(tmp_path, survey):
    assert check_store_output(tmp_path / "new.zarr") is False
    empty = tmp_path / "empty.zarr"
    empty.mkdir()
    assert check_store_output(empty) is False
    with pytest.raises(OutputError, match="is a file, not a store"):
        check_store_output(survey, overwrite=True)
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="not a seismic-salt store; refusing to delete"):
        check_store_output(foreign, overwrite=True)
    ours = tmp_path / "s.zarr"
    ours.mkdir()
    (ours / "zarr.json").write_text(
        '{"zarr_format": 3, "node_type": "group", "attributes": {"model_sha256": "0"}}'
    )
    with pytest.raises(OutputError, match="pass overwrite=True to replace it or resume=True"):
        check_store_output(ours)
    assert check_store_output(ours, resume=True) is True
    assert check_store_output(ours, overwrite=True) is False
    link = tmp_path / "link.zarr"
    link.symlink_to(ours)
    with pytest.raises(OutputError, match="symbolic link"):
        check_store_output(link, overwrite=True)
    with pytest.raises(OutputError, match="holds the source"):
        check_store_output(tmp_path, {"source": survey}, overwrite=True)
    assert (foreign / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("url", ["memory://a/out.zarr", "s3://b/k.sgy", "simplecache::s3://b/k"])
def test_outputs_at_urls_are_refused(tmp_path, url, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for check in (check_output, check_store_output):
        with pytest.raises(OutputError, match="is a URL"):
            check(url)
    assert not list(tmp_path.iterdir())
    assert check_output(tmp_path / "local:name.sgy").name == "local:name.sgy"  # no "/" after ":"
