"""Training, evaluation and submission on tiny generated tiles (CPU, seconds)."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file
from tgs_factory import write_tgs

from seismic_salt.model import build_model
from seismic_salt.model.checkpoint import save_model
from seismic_salt.model.inputs import tile_channels
from seismic_salt.train.augment import augment_batch
from seismic_salt.train.loop import _train_step
from seismic_salt_cli.main import cli

TINY = [
    "--model",
    "hyper_resnet34_fast",
    "--batch-size",
    "4",
    "--folds",
    "4",
    "--fold",
    "0",
    "--epochs",
    "2",
    "--bce-epochs",
    "1",
    "--cycle-epochs",
    "1",
    "--max-steps-per-epoch",
    "3",
    "--checkpoint-every",
    "1",
    "--precision",
    "fp32",
    "--device",
    "cpu",
    "--quiet",
]


def test_a_few_steps_lower_the_loss():
    torch.manual_seed(0)
    model = build_model("hyper_resnet34_fast").train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    amplitude = torch.rand(4, 101, 101) * 2 - 1
    target = (amplitude > 0.2).float()[:, None]
    inputs = tile_channels(amplitude)
    losses = [
        _train_step(model, optimizer, inputs, target, 1.0, 0.0, 0.1, "fp32") for _ in range(10)
    ]
    assert np.mean(losses[-3:]) < 0.85 * losses[0]


def _run_train(data, output, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seismic_salt_cli.main",
            "train",
            str(data),
            "--output",
            str(output),
            *TINY,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # one thread: with two, a CPU kernel's reduction order varies from run to run,
        # and about one pair of identical runs in ten ended a last bit apart
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    data = write_tgs(tmp_path / "tgs", n=24)
    whole = tmp_path / "whole" / "model.safetensors"
    assert _run_train(data, whole).wait(timeout=600) == 0

    part = tmp_path / "part" / "model.safetensors"
    state = part.with_name("model.state.safetensors")
    process = _run_train(data, part)
    deadline = time.monotonic() + 600
    while not state.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert state.exists(), "the run never wrote a state to resume from"
    from safetensors import safe_open

    with safe_open(str(state), "pt") as handle:
        print("killed at", handle.metadata()["seismic_salt_training_state"][:80])
    resumed = _run_train(data, part, "--resume", str(state))
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read().decode()

    final_whole = load_file(str(whole.with_name("model.state.safetensors")))
    final_part = load_file(str(state))
    assert final_whole.keys() == final_part.keys()
    for key in final_whole:
        assert torch.equal(final_whole[key], final_part[key]), key
    rows = list(csv.DictReader(open(part.with_name("model.log.csv"))))
    assert [r["epoch"] for r in rows] == ["1", "2"]


def _independent_score(submission, masks_dir):
    """Kaggle's metric from the CSV, written apart from seismic_salt.train.metrics."""
    scores = []
    for row in csv.DictReader(open(submission)):
        flat = np.zeros(101 * 101, bool)
        numbers = [int(v) for v in row["rle_mask"].split()]
        for start, length in zip(numbers[::2], numbers[1::2], strict=False):
            flat[start - 1 : start - 1 + length] = True
        predicted = flat.reshape(101, 101, order="F")
        from PIL import Image

        true = np.asarray(Image.open(masks_dir / f"{row['id']}.png")) > 0
        if not true.any():
            scores.append(float(not predicted.any()))
            continue
        iou = (predicted & true).sum() / (predicted | true).sum()
        scores.append(np.mean([iou > t for t in np.arange(0.5, 1.0, 0.05)]))
    return float(np.mean(scores))


def test_submission_scores_like_evaluate(tmp_path):
    data = write_tgs(tmp_path / "tgs", n=8)
    torch.manual_seed(1)
    model_path = save_model(
        build_model("hyper_resnet34_fast"), tmp_path / "m.safetensors", threshold=0.5
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate", str(data), "--model", str(model_path), "--json"])
    assert result.exit_code == 0, result.output
    import json

    evaluated = json.loads(result.output)
    submission = tmp_path / "submission.csv"
    result = runner.invoke(
        cli,
        [
            "predict-tiles",
            str(data / "train" / "images"),
            "--depths",
            str(data / "depths.csv"),
            "--output",
            str(submission),
            "--model",
            str(model_path),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(submission)))
    assert [r["id"] for r in rows] == [f"t{i}" for i in range(8)]
    assert _independent_score(submission, data / "train" / "masks") == pytest.approx(
        evaluated["score"]
    )


def test_train_on_a_missing_layout_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["train", str(tmp_path), "--output", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "Kaggle's TGS layout" in result.output and "Traceback" not in result.output


def test_corrupt_resume_state_is_refused(tmp_path):
    data = write_tgs(tmp_path / "tgs", n=8)
    bad = tmp_path / "bad.state.safetensors"
    bad.write_bytes(b"\x00" * 100)
    result = CliRunner().invoke(
        cli, ["train", str(data), "--output", str(tmp_path / "m"), "--resume", str(bad), *TINY]
    )
    assert result.exit_code == 2
    assert "training state" in result.output


def test_init_model_starts_from_its_weights(tmp_path):
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.initial import load_initial_weights

    torch.manual_seed(0)
    source = build_model("hyper_resnet34_fast")
    path = save_model(source, tmp_path / "start.safetensors")
    torch.manual_seed(1)
    target = build_model("hyper_resnet34_fast")
    load_initial_weights(target, TrainConfig(init_model=str(path)))
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_fine_tune_with_synthetic_tiles_records_both(tmp_path):
    data = write_tgs(tmp_path / "tgs", n=16)
    torch.manual_seed(0)
    start = save_model(build_model("hyper_resnet34_fast"), tmp_path / "start.safetensors")
    output = tmp_path / "tuned.safetensors"
    extra = ["--init-model", str(start), "--synthetic-tiles", "8", "--epochs", "1"]
    result = CliRunner().invoke(cli, ["train", str(data), "--output", str(output), *TINY, *extra])
    assert result.exit_code == 0, result.output
    provenance = json.loads(output.with_suffix(".json").read_text())["provenance"]
    assert provenance["init_model"] == str(start)
    assert provenance["n_train_tiles"] == 12 + 8  # 3 of 4 folds of 16 TGS tiles, plus 8
    assert "8 synthetic tiles" in provenance["data"]


def test_augmentation_setting_reaches_every_step(tmp_path, monkeypatch):
    from seismic_salt.train import loop
    from seismic_salt.train.augment import AUGMENTATIONS

    seen = []

    def recording(amplitude, mask, generator, config=None):
        seen.append(config)
        return augment_batch(amplitude, mask, generator, config)

    monkeypatch.setattr(loop, "augment_batch", recording)
    data = write_tgs(tmp_path / "tgs", n=8)
    output = tmp_path / "flip.safetensors"
    args = ["train", str(data), "--output", str(output), *TINY, "--augmentation", "flip"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert seen and all(c == AUGMENTATIONS["flip"] for c in seen)
    provenance = json.loads(output.with_suffix(".json").read_text())["provenance"]
    assert provenance["train_config"]["augmentation"] == "flip"


def test_cli_offers_every_named_augmentation():
    # The CLI spells the names out so that `--help` need not import torch.
    import click

    from seismic_salt.train.augment import AUGMENTATIONS

    train_command = cli.get_command(click.Context(cli), "train")
    option = next(p for p in train_command.params if p.name == "augmentation")
    assert list(option.type.choices) == list(AUGMENTATIONS)


def test_unknown_augmentation_or_stepped_share_is_refused(tmp_path):
    from seismic_salt.errors import DataError
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.loop import train

    data = write_tgs(tmp_path / "tgs", n=8)
    with pytest.raises(DataError, match="augmentation must be one of full, flip"):
        train(data, tmp_path / "m.safetensors", TrainConfig(augmentation="strong"))
    with pytest.raises(DataError, match="stepped share of mosaic windows must be within 0..1"):
        TrainConfig(mosaic_windows=8, mosaic_stepped_share=2.0)
    with pytest.raises(DataError, match="stepped share of mosaic windows is set, but no mosaic"):
        TrainConfig(mosaic_stepped_share=0.5)


def test_init_model_of_a_close_variant_copies_what_fits(tmp_path):
    """The strided-stem model starts the paper's stride-1 one: all but one layer copied."""
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.initial import load_initial_weights

    source = build_model("hyper_resnet34_fast")
    path = save_model(source, tmp_path / "fast.safetensors")
    target = build_model("hyper_resnet34")
    lines = []
    load_initial_weights(
        target, TrainConfig(model="hyper_resnet34", init_model=str(path)), lines.append
    )
    theirs, ours = source.state_dict(), target.state_dict()
    differ = [k for k in ours if not torch.equal(ours[k], theirs[k])]
    assert differ == ["decoder.4.up.0.weight"]
    assert "1 initialised fresh (decoder.4.up.0.weight)" in lines[0]


@pytest.mark.parametrize("other", ["unet_resnext50", "unet_resnet34"])
def test_init_model_of_another_network_is_one_line(tmp_path, other):
    data = write_tgs(tmp_path / "tgs", n=8)
    start = save_model(build_model(other), tmp_path / "other.safetensors")
    result = CliRunner().invoke(
        cli,
        ["train", str(data), "--output", str(tmp_path / "m"), *TINY, "--init-model", str(start)],
    )
    assert result.exit_code == 2
    assert other in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_excluded_tile_ids_stay_out_and_a_resume_keeps_them(tmp_path):
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.datasets import load_tgs, split_folds

    data = write_tgs(tmp_path / "tgs", n=16)
    ids = tmp_path / "sections.txt"
    ids.write_text("# tiles of the labelled sections\nt1\nt6\nt11\n")
    output = tmp_path / "m.safetensors"
    base = ["train", str(data), "--output", str(output), *TINY]
    result = CliRunner().invoke(cli, [*base, "--epochs", "1", "--exclude-ids", str(ids)])
    assert result.exit_code == 0, result.output
    provenance = json.loads(output.with_suffix(".json").read_text())["provenance"]
    assert provenance["train_config"]["exclude_ids"] == ["t1", "t6", "t11"]
    assert provenance["n_excluded_tiles"] == 3
    config = TrainConfig(folds=4, fold=0, exclude_ids=["t1", "t6", "t11"])
    train, _ = split_folds(load_tgs(data), config)
    assert provenance["n_train_tiles"] == len(train) < 12

    state = str(output.with_suffix(".state.safetensors"))
    other = tmp_path / "other.txt"
    other.write_text("t2\n")
    result = CliRunner().invoke(cli, [*base, "--resume", state, "--exclude-ids", str(other)])
    assert result.exit_code != 0 and "exclude_ids differ" in result.output
    result = CliRunner().invoke(cli, [*base, "--resume", state, "--exclude-ids", str(ids)])
    assert result.exit_code == 0, result.output
    provenance = json.loads(output.with_suffix(".json").read_text())["provenance"]
    assert provenance["train_config"]["exclude_ids"] == ["t1", "t6", "t11"]

    unknown = tmp_path / "unknown.txt"
    unknown.write_text("t99\n")
    result = CliRunner().invoke(
        cli, [*base, "--output", str(tmp_path / "u.safetensors"), "--exclude-ids", str(unknown)]
    )
    assert result.exit_code != 0 and "'t99'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_mosaic_windows_join_training_and_are_recorded(tmp_path):
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    # 16 tiles cut from one rough 4 x 4-tile section, each stretched to 0..255 on its own
    section = gaussian_filter(np.random.default_rng(0).normal(size=(404, 404)), (1.0, 2.0))
    data = tmp_path / "tgs"
    (data / "train" / "images").mkdir(parents=True)
    (data / "train" / "masks").mkdir(parents=True)
    for k in range(16):
        r, c = divmod(k, 4)
        tile = section[r * 101 : (r + 1) * 101, c * 101 : (c + 1) * 101]
        grey = np.round(255 * (tile - tile.min()) / np.ptp(tile)).astype(np.uint8)
        Image.fromarray(grey).save(data / "train" / "images" / f"t{k}.png")
        mask = np.zeros((101, 101), np.uint8)
        mask[: 6 * k] = 255
        Image.fromarray(mask).save(data / "train" / "masks" / f"t{k}.png")
    output = tmp_path / "mosaic.safetensors"
    args = ["train", str(data), "--output", str(output), *TINY, "--mosaic-windows", "8"]
    result = CliRunner().invoke(cli, [*args, "--mosaic-stepped-share", "0.5"])
    assert result.exit_code == 0, result.output
    provenance = json.loads(output.with_suffix(".json").read_text())["provenance"]
    assert provenance["train_config"]["mosaic_windows"] == 8
    assert provenance["train_config"]["mosaic_stepped_share"] == 0.5
    assert "8 windows across seams" in provenance["data"]
    assert "50% with the tiles' gain steps kept" in provenance["data"]
    assert provenance["n_train_tiles"] > 12  # 3 of 4 folds of 16 tiles, plus the windows
