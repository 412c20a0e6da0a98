"""Headers that contradict each other are reported, never read one way and laid out another.

Issue 21 case 4: a binary-header sample count of 0 beside trace headers that say 120
was accepted, laid out with 120 samples but read by segyio at 240-byte traces, giving a
wrong cube. And a format code of the wrong width was reported as a geometry problem.
"""

import numpy as np
import pytest

from seismic_salt.errors import SegyError
from seismic_salt.io.layout import read_layout
from seismic_salt.io.scan import check_segyio_agrees
from seismic_salt.io.segy import open_segy


def patched(path, out, *patches):
    raw = bytearray(path.read_bytes())
    for offset, value in patches:
        raw[offset : offset + len(value)] = value
    out.write_bytes(bytes(raw))
    return out


def test_a_zero_binary_sample_count_beside_trace_headers_is_reported(tmp_path, make_segy):
    source = make_segy(n_samples=120)
    broken = patched(source, tmp_path / "ns0.sgy", (3220, b"\0\0"))
    with pytest.raises(
        SegyError, match="binary header says 0 samples .* first trace header says 120"
    ):
        open_segy(broken)


def test_the_extended_sample_count_is_read_like_segyio(tmp_path, make_segy, expected_cube):
    source = make_segy(n_samples=6)
    extended = patched(
        source, tmp_path / "ext.sgy", (3220, b"\0\0"), (3268, (6).to_bytes(4, "big"))
    )
    cube = open_segy(extended).amplitude.values
    np.testing.assert_array_equal(cube, expected_cube((10, 11, 12), (20, 22, 24, 26), 6))


def test_a_layout_segyio_reads_otherwise_is_refused(tmp_path, make_segy):
    from dataclasses import replace

    layout = read_layout(make_segy())
    check_segyio_agrees(layout)  # the file as it is
    with pytest.raises(SegyError, match="headers disagree.*segyio reads 6"):
        check_segyio_agrees(replace(layout, n_samples=3, n_traces=2 * layout.n_traces))


def test_a_format_code_of_the_wrong_width_is_named(tmp_path):
    from seismic_salt.io.writer import to_segy
    from seismic_salt.synthetic import make_volume

    # 3 x 30 traces of 60 four-byte samples (480 bytes) are 60 traces of 720 bytes with
    # 8-byte samples: read so, the "trace headers" are samples and give no geometry
    source = to_segy(make_volume((3, 30, 60)).amplitude, tmp_path / "v.sgy")
    int64 = patched(source, tmp_path / "fmt9.sgy", (3224, (9).to_bytes(2, "big")))
    with pytest.raises(SegyError, match="format code 9 .*line up only for 4-byte samples"):
        open_segy(int64)
