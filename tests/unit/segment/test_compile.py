"""``compile``: when ``auto`` compiles, that a compiled run gives the eager cube, and the
fall-back to eager when a compilation fails."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

import seismic_salt.inference.model_ref as model_ref
import seismic_salt.model.compiled as compiled
from seismic_salt.errors import DataError
from seismic_salt.inference import segment
from seismic_salt.inference.blocks import make_predictor
from seismic_salt.inference.model_ref import resolve_model
from seismic_salt.inference.settings import Settings, count_patches, resolve_compile
from seismic_salt.tiling import TILE, Splitter


class TinyConv(torch.nn.Module):
    """One 3 × 3 convolution of the amplitude channel: compiles in seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 1, 3, padding=1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.linspace(-1, 1, 9).reshape(1, 1, 3, 3))
            self.conv.bias.fill_(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x[:, :1])


@pytest.mark.parametrize("orientations", [("inline",), ("inline", "crossline")])
def test_count_patches_is_what_the_splitter_cuts(orientations):
    shape = (3, 140, 230)
    settings = Settings(stride=40, orientations=orientations)
    splitter = Splitter(TILE, 40)
    expected = shape[0] * len(splitter.origins(shape[1:]))
    if settings.crossline:
        expected += shape[1] * len(splitter.origins((shape[0], shape[2])))
    assert count_patches(settings, shape) == expected


def test_auto_compiles_only_large_cpu_runs_with_a_compiler(monkeypatch):
    monkeypatch.setattr(compiled, "cpp_compiler", lambda: "/usr/bin/c++")
    small = Settings(device="cpu")
    assert resolve_compile(small, (2, 200, 200)).compile == "off"
    assert resolve_compile(small, (400, 500, 1250)).compile == "on"
    assert compiled.choose_compile("auto", "cuda", 10**6) == "off"
    assert compiled.choose_compile("off", "cpu", 10**6) == "off"
    monkeypatch.setattr(compiled, "cpp_compiler", lambda: None)
    assert resolve_compile(small, (400, 500, 1250)).compile == "off"


def test_on_without_a_compiler_and_unknown_modes_are_refused(monkeypatch):
    monkeypatch.setattr(compiled, "cpp_compiler", lambda: None)
    with pytest.raises(DataError, match="no C\\+\\+ compiler"):
        resolve_compile(Settings(device="cpu", compile="on"), (2, 200, 200))
    with pytest.raises(DataError, match="compile must be one of"):
        Settings(compile="yes")


@pytest.mark.skipif(compiled.cpp_compiler() is None, reason="no C++ compiler for inductor")
def test_a_compiled_run_gives_the_eager_cube(make_volume, caplog):
    volume = make_volume(n_il=4, n_xl=120, n_smp=110)
    model = TinyConv()
    options = {"device": "cpu", "batch_size": 8, "block_size": 1}  # blocks in dask threads
    eager = segment(volume, model, compile="off", **options).values
    with caplog.at_level(logging.WARNING, logger="seismic_salt"):
        fast = segment(volume, model, compile="on", **options).values
    assert not [r for r in caplog.records if "compiling the model failed" in r.getMessage()]
    folded = model_ref._FOLDED[model][1]  # the inference copy of the model
    assert folded in compiled._COMPILED and folded not in compiled._FAILED  # ran compiled
    np.testing.assert_allclose(fast, eager, atol=1e-5)


def test_a_failed_compilation_warns_once_and_runs_eager(monkeypatch, caplog):
    from torch._dynamo.exc import BackendCompilerFailed

    class Failing(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            raise BackendCompilerFailed(lambda: None, RuntimeError("no compiler here"), None)

    monkeypatch.setattr(torch, "compile", lambda module, **_: Failing(module))
    ref = resolve_model(TinyConv())
    settings = Settings(device="cpu", compile="on", precision="fp32", batch_size=4)
    patches = np.random.default_rng(0).normal(size=(6, TILE, TILE)).astype(np.float32)
    expected = make_predictor(ref, Settings(device="cpu", compile="off", precision="fp32"))(patches)
    with caplog.at_level(logging.WARNING, logger="seismic_salt"):
        first = make_predictor(ref, settings)(patches)
        second = make_predictor(ref, settings)(patches)  # the next block stays eager
    np.testing.assert_allclose(first, expected, atol=1e-6)  # float rounding of batch sizes
    np.testing.assert_allclose(second, expected, atol=1e-6)
    failures = [r for r in caplog.records if "compiling the model failed" in r.getMessage()]
    assert len(failures) == 1
