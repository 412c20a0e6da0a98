"""No command destroys a user's file: issue 21's data-loss cases, checksums before and after.

Every refusal is one line on stderr with exit status 2, and every file the user had is
byte-identical afterwards.
"""

import hashlib
import os

import numpy as np
import pytest
from amplitude_logit import AmplitudeLogit
from click.testing import CliRunner

from seismic_salt_cli.main import cli


def checksums(*paths):
    """sha256 of every file under the given files and folders."""
    sums = {}
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            sums[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def refused(args, *patterns):
    """Run a command that must be refused with one line naming ``patterns``."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    for pattern in patterns:
        assert pattern in result.output, result.output
    return result


@pytest.fixture
def survey(tmp_path):
    """A tiny synthetic SEG-Y (3 x 30 x 40) and a complete store made from it."""
    from seismic_salt.store import zarr as store
    from seismic_salt.synthetic import make_volume

    volume = tmp_path / "v.sgy"
    result = CliRunner().invoke(cli, ["synth", str(volume), "--shape", "3,30,40"])
    assert result.exit_code == 0, result.output
    truth = make_volume((3, 30, 40), seed=0)
    probability = truth.salt.astype("float32").rename("salt_probability")
    path = tmp_path / "s.zarr"
    attrs = {"model_name": "truth", "model_sha256": "0" * 64, "source_path": str(volume)}
    store.create_store(path, probability, block_size=2, attrs=attrs)
    for start in (0, 2):
        store.write_block(path, start, probability.values[start : start + 2])
    store.mark_complete(path)
    return volume, path


def test_export_never_writes_over_its_template_or_store(survey, tmp_path):
    volume, store = survey
    before = checksums(volume, store)
    for extra in ((), ("--overwrite",)):
        refused(["export", store, "--segy", volume, *extra], "is the template")
        other = tmp_path / "other.sgy"
        other.write_bytes(volume.read_bytes())
        refused(["export", store, "--segy", other, "--template", other, *extra], "template")
        refused(["export", store, "--segy", store / "zarr.json", *extra], "file of the store")
        refused(["export", store, "--mesh", volume, "--format", "tsurf", *extra], "template")
    refused(["export", store, "--segy", tmp_path / "o.sgy", "--mesh", tmp_path / "o.sgy"])
    assert checksums(volume, store) == before


def test_an_existing_export_is_replaced_only_with_overwrite_and_whole(survey, tmp_path):
    _, store = survey
    out = tmp_path / "mask.sgy"
    args = ["export", store, "--segy", out, "--threshold", "0.5"]
    assert CliRunner().invoke(cli, [str(a) for a in args]).exit_code == 0
    first = checksums(out)
    refused(args, "already exists", "--overwrite")
    assert checksums(out) == first
    assert CliRunner().invoke(cli, [*map(str, args), "--overwrite"]).exit_code == 0
    assert checksums(out) == first  # the same export, written again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mask.sgy", "s.zarr", "v.sgy"]


def test_demo_overwrite_keeps_every_file_it_did_not_write(tmp_path):
    from seismic_salt.demo import run_demo

    folder = tmp_path / "d"
    folder.mkdir()
    thesis = folder / "thesis.tex"
    thesis.write_text("years of work")
    notes = folder / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("keep")
    before = checksums(thesis, notes)
    refused(["demo", "-o", folder, "--shape", "3,30,40", "-q"], "not empty", "--overwrite")
    for _ in range(2):  # into a folder with other files, then over its own files
        result = run_demo(folder, model=AmplitudeLogit(), shape=(3, 30, 40), overwrite=True,
                          progress=False, log=lambda line: None)  # fmt: skip
        assert (folder / "demo.sgy").is_file() and (folder / "salt.zarr").is_dir()
        assert np.isfinite(result.iou)
    assert checksums(thesis, notes) == before


def test_synth_never_writes_its_labels_over_its_volume(tmp_path):
    volume = tmp_path / "x.sgy"
    refused(["synth", volume, "--labels", volume, "--shape", "3,30,40"], "volume output")
    assert not volume.exists()
    volume.write_bytes(b"the user's survey")
    before = checksums(volume)
    args = ["synth", volume, "--labels", volume, "--shape", "3,30,40", "--overwrite"]
    refused(args, "volume output")
    refused(["synth", volume, "--shape", "3,30,40"], "already exists")
    assert checksums(volume) == before


def test_segment_never_deletes_a_file_or_writes_through_a_link(survey, tmp_path):
    volume, store = survey
    plain = tmp_path / "results.txt"
    plain.write_text("a user's file")
    link = tmp_path / "link.zarr"
    link.symlink_to(store)
    before = checksums(volume, store, plain)
    common = ["--model", "default", "--device", "cpu", "-q", "--overwrite"]
    refused(["segment", volume, "-o", plain, *common], "is a file, not a store")
    refused(["segment", volume, "-o", link, *common], "symbolic link")
    refused(["segment", volume, "-o", volume, *common], "is the source")
    refused(["segment", volume, "-o", tmp_path, *common], "holds the source")
    assert checksums(volume, store, plain) == before


def test_predict_tiles_refuses_a_directory_and_leaves_nothing_beside(tmp_path):
    from tgs_factory import write_tgs

    data = write_tgs(tmp_path / "tgs", n=2)
    taken = tmp_path / "taken"
    taken.mkdir()
    refused(["predict-tiles", data / "train" / "images", "-o", taken], "is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken", "tgs"]


def test_a_write_that_fails_leaves_the_old_file(survey, tmp_path, monkeypatch):
    from seismic_salt.io import writer

    volume, store = survey
    out = tmp_path / "p.sgy"
    out.write_bytes(b"an older export")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_fill_samples", full_disk)
    refused(["export", store, "--segy", out, "--overwrite"], "cannot write", "No space")
    assert out.read_bytes() == b"an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.sgy", "s.zarr", "v.sgy"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folders_are_one_line(survey, tmp_path):
    _, store = survey
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        refused(["export", store, "--segy", folder / "o.sgy"], "not writable")
        refused(["synth", folder / "x.sgy", "--shape", "3,30,40"], "not writable")
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("option", "value", "pattern"),
    [
        ("--sample-interval", "0", "sample interval"),
        ("--sample-interval", "nan", "sample interval"),
        ("--shape", "100000,100000,100000", "of memory"),
    ],
)
def test_synth_options_are_checked_before_work(tmp_path, option, value, pattern):
    refused(["synth", tmp_path / "x.sgy", option, value], pattern)
    assert list(tmp_path.iterdir()) == []
