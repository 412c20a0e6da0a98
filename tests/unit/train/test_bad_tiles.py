"""Broken depths files and out-of-range tiles are one-line errors (issue 21 case 13).

A non-numeric or binary ``depths.csv`` raised ValueError or UnicodeDecodeError in
``train``, ``evaluate`` and ``predict-tiles``; 16-bit image tiles were accepted and
scaled far outside the model's [-1, 1].
"""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from tgs_factory import write_tgs

from seismic_salt.errors import DataError
from seismic_salt.train.datasets import load_images, load_tgs, read_depths
from seismic_salt_cli.main import cli

DEPTHS = {
    "non-numeric": (b"id,z\nt0,deep\n", "line 2: depth z 'deep' is not a number"),
    "empty depth": (b"id,z\nt0,\n", "line 2: depth z '' is not a number"),
    "infinite": (b"id,z\nt0,inf\n", "is not a number"),
    "binary": (bytes(range(256)) * 4, "not a readable CSV text file"),
    "nul bytes": (b"id,z\nt0,1\x00\n", "not a readable CSV text file|is not a number"),
}


@pytest.mark.parametrize("name", sorted(DEPTHS))
def test_a_broken_depths_file_is_a_data_error(tmp_path, name):
    content, message = DEPTHS[name]
    path = tmp_path / "depths.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_depths(path)


def test_every_command_that_reads_depths_says_so_in_one_line(tmp_path):
    data = write_tgs(tmp_path / "tgs", n=4)
    (data / "depths.csv").write_bytes(b"id,z\nt0,deep\n")
    images = data / "train" / "images"
    commands = [
        ["train", data, "-o", tmp_path / "m.safetensors", "--device", "cpu", "-q"],
        ["evaluate", data],
        ["predict-tiles", images, "--depths", data / "depths.csv", "-o", tmp_path / "s.csv"],
    ]
    for args in commands:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 2, result.output
        assert "depth z 'deep' is not a number" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tgs"]


def test_image_tiles_beyond_8_bits_are_refused(tmp_path):
    data = write_tgs(tmp_path / "tgs", n=2)
    images = data / "train" / "images"
    wide = np.full((101, 101), 40000, np.uint16)
    Image.fromarray(wide).save(images / "t1.png")
    with pytest.raises(DataError, match="t1.png: grey values .* reach 40000..40000.*8-bit"):
        load_images(images)
    Image.fromarray(np.full((101, 101), 200, np.uint16)).save(images / "t1.png")
    assert load_images(images).amplitude.max() <= 1.0  # 16-bit storage, 8-bit values
    assert load_tgs(data).mask.max() == 1  # 16-bit masks are still salt where non-zero
