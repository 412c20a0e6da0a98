"""The xarray engine claims .sgy by suffix only when no other engine does (issue 20)."""

import pytest
import xarray as xr
from xarray.backends import BackendEntrypoint, plugins

from seismic_salt.io.backend import SegyBackendEntrypoint, other_engines_claim


class FakeSegysak(BackendEntrypoint):
    """A competing SEG-Y engine, as segysak's ``sgy_engine`` is."""

    opened: list = []

    def open_dataset(self, filename_or_obj, *, drop_variables=None, dim_byte_fields=None):
        FakeSegysak.opened.append(filename_or_obj)
        return xr.Dataset(attrs={"opened_by": "fake_segysak"})

    def guess_can_open(self, filename_or_obj):
        return str(filename_or_obj).endswith(".sgy")


@pytest.fixture
def with_fake_engine(monkeypatch):
    engines = dict(plugins.list_engines())
    engines["sgy_engine"] = FakeSegysak()
    monkeypatch.setattr(plugins, "list_engines", lambda: engines)
    return engines


def test_alone_it_opens_sgy_by_suffix(make_segy):
    path = make_segy()
    assert SegyBackendEntrypoint().guess_can_open(path)
    assert plugins.guess_engine(str(path)) == "seismic_salt"
    assert "amplitude" in xr.open_dataset(path)


def test_another_engine_that_claims_the_file_gets_it(make_segy, with_fake_engine):
    path = make_segy()
    assert other_engines_claim(path) == ["sgy_engine"]
    assert not SegyBackendEntrypoint().guess_can_open(path)
    assert plugins.guess_engine(str(path)) == "sgy_engine"
    # the other package's own keywords reach its engine, not ours
    ds = xr.open_dataset(path, engine="sgy_engine", dim_byte_fields={"iline": 189})
    assert ds.attrs["opened_by"] == "fake_segysak"


def test_engine_seismic_salt_always_picks_this_one(make_segy, with_fake_engine):
    ds = xr.open_dataset(make_segy(), engine="seismic_salt", chunks={})
    assert ds.amplitude.dims == ("inline", "crossline", "sample")


def test_other_suffixes_are_never_claimed(tmp_path):
    assert not SegyBackendEntrypoint().guess_can_open(tmp_path / "volume.zarr")
    assert not SegyBackendEntrypoint().guess_can_open(object())
