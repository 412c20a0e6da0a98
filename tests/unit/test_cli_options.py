"""Options are checked where they enter, before any file is written (issue 21 case 11).

``--device bogus`` and ``--device cuda`` without CUDA raised torch's errors, and
``--scheduler notaurl`` a ValueError after the store was made; ``--resume --overwrite``
silently took the last one.
"""

import pytest
from click.testing import CliRunner

from seismic_salt.errors import DataError
from seismic_salt.inference.executors import check_scheduler_address
from seismic_salt.inference.settings import Settings, check_device
from seismic_salt_cli.main import cli


@pytest.fixture
def volume(tmp_path):
    from seismic_salt.io.writer import to_segy
    from seismic_salt.synthetic import make_volume

    return to_segy(make_volume((2, 20, 20)).amplitude, tmp_path / "v.sgy")


def refused(args, pattern):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert pattern in result.output, result.output


def segment(volume, *extra):
    return ["segment", volume, "-o", volume.with_name("s.zarr"), "--model", "default", "-q",
            *extra]  # fmt: skip


def test_an_unknown_device_is_refused_before_anything(volume):
    refused(segment(volume, "--device", "bogus"), "device 'bogus' is not known")
    assert not volume.with_name("s.zarr").exists()
    with pytest.raises(DataError, match="not known"):
        Settings(device="gpu0")
    assert [check_device(d) for d in ("auto", "cpu", "cuda", "cuda:1", "mps")]


def test_cuda_without_cuda_is_refused_before_the_store(volume):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    refused(segment(volume, "--device", "cuda"), "torch sees 0 CUDA device")
    assert not volume.with_name("s.zarr").exists()


def test_a_malformed_scheduler_address_is_refused_before_the_store(volume):
    refused(segment(volume, "--scheduler", "notaurl"), "is not [protocol://]host:port")
    assert not volume.with_name("s.zarr").exists()
    for good in ("tcp://10.0.0.5:8786", "localhost:8786", "tls://[::1]:8786", "inproc://x/1"):
        assert check_scheduler_address(good) == good
    for bad in ("tcp://host", "http//host:1", "host:port", ""):
        with pytest.raises(DataError):
            check_scheduler_address(bad)


def test_resume_and_overwrite_together_are_refused(volume):
    refused(
        segment(volume, "--device", "cpu", "--resume", "--overwrite"), "--resume or --overwrite"
    )


def test_compile_on_without_a_compiler_is_refused_before_the_store(volume, monkeypatch):
    import seismic_salt.model.compiled as compiled

    monkeypatch.setattr(compiled, "cpp_compiler", lambda: None)
    refused(segment(volume, "--compile", "on", "--device", "cpu"), "no C++ compiler")
    assert not volume.with_name("s.zarr").exists()
    result = CliRunner().invoke(cli, [str(a) for a in segment(volume, "--compile", "yes")])
    assert result.exit_code == 2 and "'yes' is not one of" in result.output  # click's usage
