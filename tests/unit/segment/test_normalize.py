import numpy as np
import pytest

from seismic_salt.errors import DataError
from seismic_salt.normalize import Normalisation, dead_traces


def test_fit_is_symmetric_and_robust():
    rng = np.random.default_rng(0)
    volume = rng.normal(size=(6, 40, 50)).astype("float32")
    volume[0, 0, 0] = 1e6  # a spike must not set the clip
    scaling = Normalisation.fit(volume)
    assert scaling.low == -scaling.high
    assert 2.0 < scaling.high < 3.5
    out = scaling.apply(volume)
    assert out.min() == -1 and out.max() == 1
    assert scaling.apply(np.zeros(3))[0] == 0


def test_dead_traces_and_nan_are_excluded():
    volume = np.random.default_rng(0).normal(size=(4, 30, 20)).astype("float32")
    reference = Normalisation.fit(volume)
    poisoned = volume.copy()
    poisoned[:, :10] = 0.0
    poisoned[:, 10:12] = np.nan
    fitted = Normalisation.fit(np.concatenate([volume, poisoned[:, :12]], axis=1))
    assert fitted.high == pytest.approx(reference.high, rel=0.05)
    assert dead_traces(poisoned)[:, :12].all() and not dead_traces(poisoned)[:, 12:].any()


def test_live_mask_is_honoured_and_all_dead_is_refused():
    volume = np.ones((2, 5, 8), "float32")
    with pytest.raises(DataError, match="no live trace"):
        Normalisation.fit(volume, live=np.zeros((2, 5), bool))


def test_contract_settings_and_json_round_trip():
    volume = np.random.default_rng(0).normal(size=(2, 10, 30)).astype("float32") + 5
    contract = {"kind": "robust_clip", "percentiles": [1, 99], "range": [0, 1], "symmetric": False}
    scaling = Normalisation.fit(volume, contract=contract)
    assert scaling.low > 0 and scaling.range == (0.0, 1.0)
    assert Normalisation.from_json(scaling.to_json()) == scaling
    with pytest.raises(DataError, match="supports robust_clip, tile_stretch"):
        Normalisation.fit(volume, contract={"kind": "zscore"})


def test_contract_reads_kinds_and_defaults_to_the_first_models_clip():
    from seismic_salt.normalize import Contract

    assert Contract.from_config(None) == Contract(kind="robust_clip")
    contract = Contract.from_config({"kind": "tile_stretch", "percentiles": [1, 99]})
    assert contract.per_tile and contract.percentiles == (1.0, 99.0)
    assert Contract.from_config(contract.to_config()) == contract
    for bad in ({"kind": "tile_stretch", "range": [1, -1]}, {"percentiles": "x"}, [1, 2]):
        with pytest.raises(DataError):
            Contract.from_config(bad)


def test_scaling_records_its_kind_and_old_stores_read_as_robust_clip():
    import json

    volume = np.random.default_rng(0).normal(size=(2, 10, 30)).astype("float32")
    scaling = Normalisation.fit(volume, contract={"kind": "tile_stretch"})
    assert scaling.kind == "tile_stretch"
    assert Normalisation.from_json(scaling.to_json()) == scaling
    old = json.loads(scaling.to_json())
    del old["kind"]
    assert Normalisation.from_json(json.dumps(old)).kind == "robust_clip"
    with pytest.raises(DataError, match="not a stored amplitude normalisation"):
        Normalisation.from_json(json.dumps(dict(old, kind="agc")))


@pytest.mark.parametrize("scale", [1000.0, 0.001])
def test_both_steps_ignore_the_survey_scale(scale):
    import torch

    from seismic_salt.model.inputs import tile_channels

    volume = np.random.default_rng(1).normal(size=(2, 120, 101)).astype("float32")
    volume *= np.linspace(0.2, 3.0, 101, dtype="float32")  # gain drifting with depth
    contract = {"kind": "tile_stretch"}

    def network_input(v):
        scaled = Normalisation.fit(v, contract=contract).apply(v)
        return tile_channels(torch.from_numpy(scaled[:, :101, :]), contract)

    assert torch.allclose(network_input(volume), network_input(volume * scale), atol=1e-5)
