"""Fine-tuning on a few labelled inlines: it learns, it checks its inputs, it saves a model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from seismic_salt.errors import DataError
from seismic_salt.synthetic import make_volume
from seismic_salt.train.finetune import FinetuneSettings, finetune
from seismic_salt_cli.main import cli

QUICK = FinetuneSettings(epochs=3, windows_per_epoch=32, batch_size=16, lr=1e-3, precision="fp32")


@pytest.fixture(scope="module")
def survey():
    # salt-free seismic whose "salt" is everything below sample 70: the bundled model
    # finds none of it, so only what it learns from the picks can score
    volume = make_volume((5, 110, 110), seed=1, bodies=())
    labels = np.full(volume.amplitude.shape, 255, np.uint8)
    labels[:, :, :70], labels[:, :, 70:] = 0, 1
    labels[1::2] = 255  # inlines 1000, 1002 and 1004 picked
    return volume.amplitude, labels


def test_fine_tuning_raises_iou_on_held_back_inlines(survey):
    amplitude, labels = survey
    result = finetune(amplitude, labels, "default", settings=QUICK)
    assert result.validation_inlines == [1002]
    assert result.training_inlines == [1000, 1004]
    assert result.base_iou < 0.1 and result.iou > result.base_iou + 0.3
    assert result.epoch >= 1 and len(result.history) >= 1
    record = result.model.config["provenance"]["finetune"]
    assert record["validation_iou_before"] == result.base_iou
    assert record["validation_iou_after"] == result.iou
    assert record["base_model"] == "default" and record["base_sha256"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a, lab: (a, lab[:, :, :50]), "not on the volume's geometry"),
        (lambda a, lab: (a, np.full_like(lab, 255)), "pick no pixel"),
        (lambda a, lab: (a, np.where(lab == 255, 255, 1)), "every picked pixel is salt"),
        (lambda a, lab: (a, np.where(lab == 1, 7, lab)), "label value 7 is none of"),
        (lambda a, lab: (a, np.where(np.arange(5)[:, None, None] == 0, lab, 255)), "at least two"),
    ],
    ids=["geometry", "nothing picked", "one class", "bad value", "one inline"],
)
def test_bad_labels_are_one_line_errors(survey, change, message):
    amplitude, labels = change(*survey)
    with pytest.raises(DataError, match=message) as info:
        finetune(amplitude, labels, "default", settings=QUICK)
    assert "\n" not in str(info.value)


def test_named_validation_inlines_must_be_labelled(survey):
    amplitude, labels = survey
    with pytest.raises(DataError, match=r"validation inlines \[1001\] hold no label"):
        finetune(amplitude, labels, "default", settings=QUICK, validation_inlines=[1001])
    with pytest.raises(DataError, match="every labelled inline is held back"):
        finetune(
            amplitude, labels, "default", settings=QUICK, validation_inlines=[1000, 1002, 1004]
        )


def test_the_command_saves_a_model_segment_can_use(tmp_path, survey):
    from seismic_salt.io.writer import to_segy

    amplitude, labels = survey
    volume = to_segy(amplitude, tmp_path / "survey.sgy")
    np.save(tmp_path / "picks.npy", labels)
    model = tmp_path / "adapted.safetensors"
    args = ["finetune", str(volume), "--labels", str(tmp_path / "picks.npy"), "-o", str(model)]
    result = CliRunner().invoke(cli, [*args, "--epochs", "2", "-q"])
    assert result.exit_code == 0, result.output
    assert "validation IoU 0.000 before" in result.stderr and str(model) in result.stdout
    config = json.loads(model.with_suffix(".json").read_text())
    record = config["provenance"]["finetune"]
    assert record["survey"] == str(volume.resolve())
    assert record["training_inlines"] == [1000, 1004] and record["validation_inlines"] == [1002]
    assert {"validation_iou_before", "validation_iou_after", "base_model"} <= set(record)
    assert config["input"]["normalisation"]["kind"]  # the base model's contract, kept
    segmented = CliRunner().invoke(
        cli, ["segment", str(volume), "-o", str(tmp_path / "s.zarr"), "--model", str(model), "-q"]
    )
    assert segmented.exit_code == 0, segmented.output
    again = CliRunner().invoke(cli, [*args, "--epochs", "1", "-q"])
    assert again.exit_code == 2 and "already exists" in again.stderr
    over_input = CliRunner().invoke(
        cli, ["finetune", str(volume), "--labels", str(tmp_path / "picks.npy"), "-o", str(volume)]
    )
    assert over_input.exit_code == 2 and "Traceback" not in over_input.output
