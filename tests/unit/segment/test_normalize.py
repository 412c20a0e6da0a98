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
    with pytest.raises(DataError, match="supports only"):
        Normalisation.fit(volume, contract={"kind": "zscore"})
