"""Fixtures of the I/O tests: tiny SEG-Y files built with segyio itself.

The files are written with segyio, independently of the code under test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest
import segyio


def expected_trace(il: int, xl: int, n_samples: int) -> np.ndarray:
    """Sample values of trace (il, xl): small integers, exact in every format."""
    return (((il * 7 + xl * 3 + np.arange(n_samples)) % 201) - 100).astype(np.float32)


def expected_cube(inlines, crosslines, n_samples: int, missing=()) -> np.ndarray:
    cube = np.stack(
        [np.stack([expected_trace(il, xl, n_samples) for xl in crosslines]) for il in inlines]
    )
    for il, xl in missing:
        cube[list(inlines).index(il), list(crosslines).index(xl)] = np.nan
    return cube


def write_segy(
    path: Path,
    inlines: Iterable[int] = (10, 11, 12),
    crosslines: Iterable[int] = (20, 22, 24, 26),
    n_samples: int = 6,
    *,
    fmt: int = 5,
    endian: str = "big",
    sorting: str = "inline",
    missing: Iterable[tuple[int, int]] = (),
    offsets: Iterable[int] = (1,),
    interval_us: int = 4000,
    delay: int = 0,
    time_scalar: int = 0,
    coord_scalar: int = -100,
    text: str | None = None,
    iline: int = 189,
    xline: int = 193,
) -> Path:
    """Write a post-stack (or, with several offsets, pre-stack) volume."""
    inlines, crosslines, offsets = list(inlines), list(crosslines), list(offsets)
    missing = set(missing)
    cells = [(il, xl) for il in inlines for xl in crosslines]
    if sorting == "crossline":
        cells = [(il, xl) for xl in crosslines for il in inlines]
    cells = [c for c in cells if c not in missing]
    traces = [(il, xl, off) for il, xl in cells for off in offsets]
    spec = segyio.spec()
    spec.samples = list(range(n_samples))
    spec.format = fmt
    spec.tracecount = len(traces)
    spec.endian = endian
    with segyio.create(str(path), spec) as f:
        if text is not None:
            f.text[0] = segyio.tools.create_text_header({1: text})
        f.bin.update(
            {
                segyio.BinField.Interval: interval_us,
                segyio.BinField.Samples: n_samples,
                segyio.BinField.Format: fmt,
            }  # fmt: skip
        )
        for i, (il, xl, off) in enumerate(traces):
            f.header[i] = {
                iline: il,
                xline: xl,
                37: off,
                71: coord_scalar,
                109: delay,
                215: time_scalar,
                115: n_samples,
                117: interval_us,
                181: 100000 + il * 250 + xl,
                185: 200000 + il * 3 + xl * 250,
            }
            f.trace[i] = expected_trace(il, xl, n_samples) + 0 * off
    return path


@pytest.fixture
def make_segy(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_segy(name="v.sgy", **write_segy_kwargs) -> Path``."""

    def make(name: str = "volume.sgy", **kwargs) -> Path:
        return write_segy(tmp_path / name, **kwargs)

    return make


@pytest.fixture(name="expected_cube")
def expected_cube_fixture() -> Callable[..., np.ndarray]:
    """The function :func:`expected_cube` (the values every test file holds)."""
    return expected_cube
