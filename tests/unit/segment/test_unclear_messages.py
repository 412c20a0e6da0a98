"""Issue 21's unclear messages: each is now right, or the input works.

- Amplitudes near float32's limit (±3e38) overflowed in the normalisation and were
  reported as "fill dead traces"; they now segment.
- An all-infinite file was called "all zero or NaN".
- ``preview`` drew an incomplete store, or one from another volume, and exited 0.
"""

import numpy as np
import pytest
from click.testing import CliRunner

from seismic_salt.errors import DataError
from seismic_salt.inference import segment_to_zarr
from seismic_salt.io.writer import to_segy
from seismic_salt.normalize import Normalisation
from seismic_salt.store import zarr as store
from seismic_salt_cli.main import cli


def test_amplitudes_near_the_float32_limit_are_scaled_and_segmented(make_volume, echo_model):
    volume = make_volume(2, 30, 24)
    huge = volume.copy(data=np.sign(volume.values) * np.float32(3e38))
    scaling = Normalisation.fit(huge.values)
    assert np.isfinite([scaling.low, scaling.high]).all()
    scaled = scaling.apply(huge.values)
    assert np.isfinite(scaled).all() and scaled.min() == -1 and scaled.max() == 1
    from seismic_salt.inference import segment

    p = segment(huge, echo_model, device="cpu").compute().values
    assert np.isfinite(p).all()


def test_an_all_infinite_volume_says_infinite(make_volume):
    volume = make_volume(2, 30, 24)
    with pytest.raises(DataError, match=r"zero, NaN or infinite; 1440 infinite samples"):
        Normalisation.fit(volume.copy(data=np.full(volume.shape, np.inf, np.float32)).values)


@pytest.fixture
def stores(tmp_path, make_volume, echo_model, interrupted):
    """A SEG-Y, a complete store of it, an incomplete one, and a store of another volume
    on the same geometry."""
    segy = to_segy(make_volume(4, 30, 24, seed=1), tmp_path / "v.sgy")
    other = to_segy(make_volume(4, 30, 24, seed=2), tmp_path / "other.sgy")
    options = {"device": "cpu", "progress": False, "block_size": 2}
    complete = segment_to_zarr(segy, tmp_path / "salt.zarr", echo_model, **options)
    interrupted(segy, tmp_path / "part.zarr", echo_model)
    foreign = segment_to_zarr(other, tmp_path / "other.zarr", echo_model, **options)
    moved = to_segy(make_volume(4, 30, 24).assign_coords(inline=[1, 2, 3, 4]), tmp_path / "m.sgy")
    return segy, complete, tmp_path / "part.zarr", foreign, moved


def test_preview_refuses_an_incomplete_or_foreign_store(tmp_path, stores):
    segy, complete, part, foreign, moved = stores
    png = tmp_path / "p.png"
    for source, salt, message in [
        (segy, part, "is incomplete"),
        (segy, foreign, "was not made from"),
        (moved, complete, "inline axis"),
    ]:
        result = CliRunner().invoke(
            cli, ["preview", str(source), "--salt", str(salt), "-o", str(png)]
        )
        assert result.exit_code == 2 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert not png.exists()
    result = CliRunner().invoke(
        cli, ["preview", str(segy), "--salt", str(complete), "-o", str(png)]
    )
    assert result.exit_code == 0, result.output
    assert store.is_complete(complete) and png.is_file()
