"""Read speed and peak memory of ``open_segy`` against a plain segyio read.

Writes a float32 IEEE volume of about 1 GB (``--inlines × --crosslines × --samples``)
into a temporary folder with ``to_segy``, then reads it whole, each way in a fresh
subprocess so that its peak memory (``VmHWM`` of /proc, less the RSS before reading)
belongs to that read alone:

- ``segyio``: ``segyio.open(..., ignore_geometry=True).trace.raw[:]``
- ``open_segy.compute``: ``open_segy(path).amplitude.compute()`` (dask threads; the
  chunks are read into one array, see ``seismic_salt/io/lazy.py``)
- ``load_amplitude.selection``: ``load_amplitude(open_segy(path).amplitude[1:])``, all
  but one inline: a selection is a plain dask array, which ``load_amplitude``
  ``dask.array.store``s into one preallocated array

The file is read once before timing so every method sees a warm page cache; each
method runs five times, interleaved, and the summary keeps the best time (the machine
is shared, so single timings are noisy).
Run: ``python benchmarks/io.py`` (a few minutes); results go to stdout as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

METHODS = ("segyio", "open_segy.compute", "load_amplitude.selection")
REPEATS = 5
"""Each method runs this many times, interleaved; the best time counts (shared machine)."""


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc (``VmRSS`` now, ``VmHWM`` peak).

    ``ru_maxrss`` is not used: Linux carries it over from the parent across fork and
    exec, so a child started by a big parent would report the parent's peak.
    """
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def run_method(method: str, path: str) -> dict:
    import dask.array  # noqa: F401
    import dask.threaded  # noqa: F401  imported before timing, like segyio
    import distributed  # noqa: F401  dask looks for a client on the first compute
    import numpy as np
    import segyio

    from seismic_salt.io.segy import load_amplitude, open_segy

    base = _status_mb("VmRSS")
    start = time.perf_counter()
    if method == "segyio":
        with segyio.open(path, ignore_geometry=True) as f:
            array = f.trace.raw[:]
    elif method == "open_segy.compute":
        array = open_segy(path).amplitude.compute().values
    elif method == "load_amplitude.selection":
        array = load_amplitude(open_segy(path).amplitude[1:]).values
    else:
        raise ValueError(method)
    seconds = time.perf_counter() - start
    return {
        "method": method,
        "seconds": seconds,
        "array_mb": array.nbytes / 2**20,
        "mb_per_s": array.nbytes / 2**20 / seconds,
        "peak_mb_above_start": _status_mb("VmHWM") - base,
        "peak_over_array": (_status_mb("VmHWM") - base) / (array.nbytes / 2**20),
        "checksum": float(array.sum(dtype=np.float64)),
    }


def make_volume(path: Path, inlines: int, crosslines: int, samples: int) -> float:
    import dask.array as da
    import numpy as np
    import xarray as xr

    from seismic_salt.io.segy import to_segy

    values = da.random.default_rng(0).standard_normal(
        (inlines, crosslines, samples), dtype=np.float32, chunks=(8, crosslines, samples)
    )
    data = xr.DataArray(
        values,
        dims=("inline", "crossline", "sample"),
        coords={
            "inline": np.arange(1000, 1000 + inlines),
            "crossline": np.arange(2000, 2000 + crosslines),
            "sample": ("sample", 2.0 * np.arange(samples), {"units": "ms"}),
        },
    )
    start = time.perf_counter()
    to_segy(data, path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inlines", type=int, default=200)
    parser.add_argument("--crosslines", type=int, default=400)
    parser.add_argument("--samples", type=int, default=3200)
    parser.add_argument("--method", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:  # child process: one read
        print(json.dumps(run_method(args.method, args.path)))
        return
    with tempfile.TemporaryDirectory(prefix="seismic-salt-bench-") as tmp:
        path = Path(tmp) / "bench.sgy"
        write_s = make_volume(path, args.inlines, args.crosslines, args.samples)
        size_mb = path.stat().st_size / 2**20
        print(json.dumps({"file_mb": size_mb, "write_seconds": write_s,
                          "write_mb_per_s": size_mb / write_s}))  # fmt: skip
        with open(path, "rb") as fh:  # warm the page cache
            while fh.read(64 * 2**20):
                pass
        runs = [_run_child(method, path) for _ in range(REPEATS) for method in METHODS]
    print(json.dumps(summarise(runs)))


def _run_child(method: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--method", method, "--path", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    print(out.stdout.strip(), flush=True)
    return json.loads(out.stdout)


def summarise(runs: list[dict]) -> dict:
    """Best time and largest peak of each method, and speed relative to segyio."""
    best = {}
    for method in METHODS:
        mine = [r for r in runs if r["method"] == method]
        best[method] = {
            "best_seconds": min(r["seconds"] for r in mine),
            "best_mb_per_s": max(r["mb_per_s"] for r in mine),
            "max_peak_over_array": max(r["peak_over_array"] for r in mine),
        }
    base = best["segyio"]["best_mb_per_s"]
    for method in METHODS:
        best[method]["speed_vs_segyio"] = best[method]["best_mb_per_s"] / base
    return {"summary": best}


if __name__ == "__main__":
    main()
