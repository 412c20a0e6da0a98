import numpy as np
import pytest
from PIL import Image

from seismic_salt.errors import DataError
from seismic_salt.preview import preview
from seismic_salt.synthetic import make_volume


@pytest.fixture(scope="module")
def volume():
    return make_volume((6, 24, 32), seed=1)


def test_three_panels_png(volume, tmp_path):
    prob = volume.salt.astype("float32").rename("salt_probability")
    path = preview(volume, tmp_path / "p.png", salt=prob, truth=volume.salt, dpi=50)
    assert path.stat().st_size > 0
    with Image.open(path) as image:
        width, height = image.size
    assert width > 2 * height  # three panels side by side


def test_single_section_and_figure(volume, tmp_path):
    path = preview(volume, tmp_path / "il.png", inline=1002, dpi=50)
    with Image.open(path) as image:
        width, height = image.size
    assert 0 < width < 2 * height
    fig = preview(volume.amplitude, sample=40.0)
    assert len(fig.axes) == 2  # one panel and its colour bar
    assert fig.axes[0].get_xlabel() == "inline"


def test_overlay_opacity_follows_probability(volume):
    probability = volume.salt.astype("float32")
    probability[:, :3] = np.nan  # dead traces
    fig = preview(volume, salt=probability, inline=1002)
    image = fig.axes[0].get_images()[1]
    alpha = np.asarray(image.get_alpha())
    salt = volume.salt.sel(inline=1002).values.T.astype(bool)
    assert alpha.shape == salt.shape
    assert (alpha[:, :3] == 0).all()  # NaN: nothing drawn
    inside, live = salt[:, 3:], alpha[:, 3:]
    assert inside.any() and (~inside).any()
    assert (live[~inside] == 0).all() and (live[inside] > 0.5).all()


def test_out_of_range(volume):
    with pytest.raises(DataError, match="outside"):
        preview(volume, inline=5)
    with pytest.raises(DataError, match="volume on"):
        preview(volume.amplitude.isel(inline=0))


def test_preview_cli_on_segy(tmp_path):
    from click.testing import CliRunner

    from seismic_salt_cli.main import cli

    runner = CliRunner()
    sgy, labels, png = tmp_path / "v.sgy", tmp_path / "l.sgy", tmp_path / "v.png"
    args = ["synth", str(sgy), "--labels", str(labels), "--shape", "4,16,24"]
    assert runner.invoke(cli, args).exit_code == 0
    result = runner.invoke(cli, ["preview", str(sgy), "--truth", str(labels), "-o", str(png)])
    assert result.exit_code == 0, result.output
    assert np.asarray(Image.open(png)).ndim == 3
