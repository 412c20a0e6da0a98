"""Fixtures of the I/O tests: a factory of tiny SEG-Y files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from io_segy_factory import write_segy


@pytest.fixture
def make_segy(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_segy(name="v.sgy", **write_segy_kwargs) -> Path``."""

    def make(name: str = "volume.sgy", **kwargs) -> Path:
        return write_segy(tmp_path / name, **kwargs)

    return make
