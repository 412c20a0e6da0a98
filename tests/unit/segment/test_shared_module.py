"""Block tasks on threads share one module: nothing may convert it while another runs it.

predict_tiles used to move the shared module to channels-last in place on every call; the
first calls of a run, on several threads at once, then swapped weights another thread was
reading (a segfault, or a block of NaN, now and then).
"""

import threading

import numpy as np
import pytest
import torch

from seismic_salt.inference.model_ref import load_module, resolve_model
from seismic_salt.model import build_model, predict_tiles
from seismic_salt.model.predict import channels_last


@pytest.fixture
def network():
    torch.manual_seed(0)
    return build_model("hyper_resnet34_fast", decoder_channels=[16, 16, 16, 8, 8]).eval()


def test_the_inference_module_is_made_once_and_ready_for_threads(network):
    ref = resolve_model(network)
    made, barrier = [], threading.Barrier(6)

    def load():
        barrier.wait()  # all at once, as a run's first block tasks are
        made.append(load_module(ref, "cpu"))

    threads = [threading.Thread(target=load) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(module) for module in made}) == 1
    module = made[0]
    assert not module.training and channels_last(module)
    assert not channels_last(network)  # the user's module is left as it was


def test_predict_tiles_changes_nothing_of_a_ready_module(network, monkeypatch):
    module = load_module(resolve_model(network), "cpu")
    tiles = np.random.default_rng(0).uniform(-1, 1, (3, 101, 101)).astype(np.float32)
    expected = predict_tiles(module, tiles, precision="fp32")

    def refuse(*_args, **_kwargs):
        raise AssertionError("predict_tiles changed a module other threads may be running")

    monkeypatch.setattr(torch.nn.Module, "_apply", refuse)  # .to(), .cpu(), .float()
    monkeypatch.setattr(torch.nn.Module, "train", refuse)  # .train(), .eval()
    for precision in ("fp32", "bf16"):
        np.testing.assert_allclose(
            predict_tiles(module, tiles, precision=precision), expected, atol=0.05
        )


def test_a_module_in_training_mode_is_put_back_in_it(network):
    network.train()
    tiles = np.zeros((2, 101, 101), np.float32)
    predict_tiles(network, tiles, precision="fp32")
    assert network.training and channels_last(network)
