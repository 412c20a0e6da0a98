import pytest
import torch

from seismic_salt.errors import CheckpointError, DataError
from seismic_salt.train.config import TrainConfig, config_for_resume
from seismic_salt.train.state import load_state, save_state


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.rand(4, 3)).sum().backward()
    optimizer.step()
    path = tmp_path / "m.state.safetensors"
    config = TrainConfig(batch_size=8, epochs=5)
    save_state(path, model, optimizer, {"epoch": 2, "config": config.to_json()})
    return path, model, optimizer


def test_state_round_trip_restores_model_and_optimizer(saved):
    path, model, optimizer = saved
    fresh = torch.nn.Linear(3, 2)
    fresh_optimizer = torch.optim.AdamW(fresh.parameters(), lr=5.0)
    info = load_state(path, fresh, fresh_optimizer)
    assert info["epoch"] == 2
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert fresh_optimizer.param_groups[0]["lr"] == 1e-3
    for p, q in zip(model.parameters(), fresh.parameters(), strict=True):
        for key in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(optimizer.state[p][key], fresh_optimizer.state[q][key])


def test_state_of_another_model_is_refused(saved):
    path, _, _ = saved
    other = torch.nn.Linear(5, 2)
    with pytest.raises(CheckpointError, match="does not match"):
        load_state(path, other, torch.optim.AdamW(other.parameters()))


def test_resume_accepts_same_settings_and_extension(saved):
    path, _, _ = saved
    config = config_for_resume(path, {"batch_size": 8, "epochs": 9, "recipe.lr": 2e-3})
    assert config.batch_size == 8 and config.epochs == 9


def test_resume_refuses_changed_settings(saved):
    path, _, _ = saved
    with pytest.raises(DataError, match="batch_size"):
        config_for_resume(path, {"batch_size": 16})
    with pytest.raises(DataError, match="recipe.lr"):
        config_for_resume(path, {"recipe.lr": 1.0})
