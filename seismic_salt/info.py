"""Describe a SEG-Y volume, a salt-probability zarr store or a model (``seismic-salt info``).

:func:`describe` returns a JSON-ready dict; :func:`format_summary` turns it into the
human-readable text the CLI prints by default.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import InputFileError, StoreError
from seismic_salt.io.dims import DIMS
from seismic_salt.io.headers import CDP_X_BYTE, CDP_Y_BYTE, ILINE_BYTE, XLINE_BYTE

PERCENTILES = (0.5, 1, 5, 50, 95, 99, 99.5)
MAX_SAMPLED_TRACES = 2000


def describe(
    path: str | Path,
    *,
    iline: int = ILINE_BYTE,
    xline: int = XLINE_BYTE,
    cdp_x: int = CDP_X_BYTE,
    cdp_y: int = CDP_Y_BYTE,
    max_traces: int = MAX_SAMPLED_TRACES,
    seed: int = 0,
) -> dict[str, Any]:
    """Describe a SEG-Y file, a ``.zarr`` salt-probability store or a model checkpoint.

    Args:
        path: A SEG-Y file (or an fsspec URL of one), a directory ending in ``.zarr``, or
            a model's ``.safetensors`` (or its ``.json``), or a bundled model's name
            (``"default"``, ``arch.tag``).
        iline: Trace-header byte of the inline number (SEG-Y only).
        xline: Trace-header byte of the crossline number (SEG-Y only).
        cdp_x: Trace-header byte of CDP X (SEG-Y only).
        cdp_y: Trace-header byte of CDP Y (SEG-Y only).
        max_traces: Most live traces read for the amplitude percentiles.
        seed: Seed of the random choice of those traces.

    Returns:
        For SEG-Y: ``dims``, ``inline``/``crossline``/``sample`` ranges (``min``, ``max``,
        ``step``), ``sample_unit``, ``sample_interval``, ``format``, ``byte_order``,
        ``sorting``, ``n_traces``, ``live_fraction``, ``corners``,
        ``coordinate_problem`` (why CDP X/Y give no map grid, or None) and
        ``amplitude_percentiles``. For a store: ``dims``, the ranges, ``variables``,
        ``provenance``, ``crs`` (a label, or None) and ``complete``. For a model: see
        :func:`describe_model`.

    Raises:
        InputFileError: The path is missing.
        SegyError, GeometryError: The SEG-Y file is unreadable or has no usable geometry.
        StoreError: The zarr store cannot be opened, or is damaged (a block it marks
            written lacks a chunk; the message names the block).
        CheckpointError: The model's config is missing or malformed.

    Example:
        >>> describe("volume.sgy")["dims"]  # doctest: +SKIP
        {'inline': 23, 'crossline': 18, 'sample': 75}
    """
    from seismic_salt.io.remote import is_url, local_path
    from seismic_salt.weights import bundled_models, weights_path

    if (path == "default" or path in bundled_models()) and not Path(path).exists():
        return describe_model(weights_path(str(path)))
    if is_url(path):
        path = local_path(path)
    path = Path(path).expanduser().absolute()
    if not path.exists():
        raise InputFileError(f"{path}: no such file or directory; check the path")
    if path.is_dir() or path.suffix == ".zarr":
        return describe_store(path)
    if path.suffix in (".safetensors", ".json"):
        return describe_model(path)
    return describe_segy(path, iline=iline, xline=xline, cdp_x=cdp_x, cdp_y=cdp_y,
                         max_traces=max_traces, seed=seed)  # fmt: skip


def describe_segy(
    path: Path,
    *,
    iline: int = ILINE_BYTE,
    xline: int = XLINE_BYTE,
    cdp_x: int = CDP_X_BYTE,
    cdp_y: int = CDP_Y_BYTE,
    max_traces: int = MAX_SAMPLED_TRACES,
    seed: int = 0,
) -> dict[str, Any]:
    """Describe a SEG-Y file (see :func:`describe`)."""
    from seismic_salt.io.scan import scan_segy
    from seismic_salt.io.segy import read_traces

    scan = scan_segy(path, iline=iline, xline=xline, cdp_x=cdp_x, cdp_y=cdp_y)
    geometry, layout = scan.geometry, scan.layout
    live_ids = geometry.trace_index[geometry.live]
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(live_ids, size=min(max_traces, live_ids.size), replace=False))
    values = read_traces(scan, chosen)
    return {
        "path": str(layout.path),
        "kind": "segy",
        "dims": {
            "inline": geometry.shape[0],
            "crossline": geometry.shape[1],
            "sample": layout.n_samples,
        },  # fmt: skip
        "inline": axis_range(geometry.inlines),
        "crossline": axis_range(geometry.crosslines),
        "sample": axis_range(scan.samples),
        "sample_unit": scan.sample_unit,
        "sample_interval": scan.sample_interval,
        "format": layout.data_format,
        "format_code": layout.format_code,
        "byte_order": layout.byte_order,
        "sorting": geometry.sorting,
        "header_bytes": {"iline": iline, "xline": xline, "cdp_x": cdp_x, "cdp_y": cdp_y},
        "n_traces": layout.n_traces,
        "file_size": layout.size,
        "live_fraction": float(geometry.live.mean()),
        "corners": _corners(scan),
        "coordinate_problem": scan.coordinate_problem,
        "amplitude_percentiles": _percentiles(values),
        "n_traces_sampled": int(chosen.size),
    }


def describe_store(path: Path) -> dict[str, Any]:
    """Describe a salt-probability zarr store (see :func:`describe`).

    The stored dtype is reported (float32; uint8 codes in stores of earlier releases); the
    pipeline's bookkeeping arrays are summarised as ``inlines_done``, not listed.
    """
    import warnings

    import xarray as xr

    from seismic_salt.store.integrity import check_store
    from seismic_salt.store.schema import PROVENANCE
    from seismic_salt.store.zarr import MARKER, SCRATCH, SCRATCH_MARKER

    internal = {MARKER, SCRATCH, SCRATCH_MARKER}
    complete = check_store(path, decode=True)  # a damaged store is refused, naming the block

    try:
        with warnings.catch_warnings():  # a store without consolidated metadata is fine
            warnings.simplefilter("ignore", RuntimeWarning)
            ds = xr.open_zarr(path, consolidated=None)
    except Exception as err:  # zarr raises many types for a broken store
        raise StoreError(f"{path}: not a readable zarr store ({err})") from err
    info: dict[str, Any] = {
        "path": str(path),
        "kind": "zarr",
        "dims": {str(k): int(v) for k, v in ds.sizes.items()},
        "variables": {
            str(k): {"dims": list(map(str, v.dims)), "dtype": str(v.encoding.get("dtype", v.dtype))}
            for k, v in ds.data_vars.items()
            if k not in internal
        },
    }
    if MARKER in ds:
        info["inlines_done"] = int(ds[MARKER].sum())
    for dim in ds.dims:
        if dim in ds.coords and ds[dim].size and np.issubdtype(ds[dim].dtype, np.number):
            info[str(dim)] = axis_range(ds[dim].values)
    if "sample" in ds.coords:
        info["sample_unit"] = ds["sample"].attrs.get("units")
    info["provenance"] = {k: _plain_attr(k, ds.attrs[k]) for k in PROVENANCE if k in ds.attrs}
    info["crs"] = _crs_label(ds)
    info["complete"] = complete
    return info


def describe_model(path: Path) -> dict[str, Any]:
    """Describe a model checkpoint from its JSON (no torch, no weights read).

    Returns:
        ``path``, ``kind`` (``"model"``), ``name``, ``members`` (an ensemble's: name,
        file, sha256; else empty), ``normalisation`` (the input contract's kind),
        ``tile_size``, ``threshold``, ``min_salt_pixels``, ``weights`` (``dtype``,
        ``sha256``, ``bytes``), ``software_version`` and ``trained`` (the provenance's
        validation score, fold, epoch and training tiles, where recorded).

    Raises:
        CheckpointError: The config is missing or malformed.
    """
    from seismic_salt.model.config import ENSEMBLE, checkpoint_config, read_config_json

    weights = path.with_suffix(".safetensors")
    raw = read_config_json(weights)
    config = checkpoint_config(raw, weights)
    provenance = raw.get("provenance") or {}
    trained = {
        key: provenance[key] for key in ("fold", "folds", "epoch", "n_train_tiles")
        if key in provenance
    }  # fmt: skip
    if isinstance(provenance.get("validation"), dict) and "score" in provenance["validation"]:
        trained["validation_score"] = provenance["validation"]["score"]
    members = config.options.get("members", []) if config.name == ENSEMBLE else []
    return {
        "path": str(weights),
        "kind": "model",
        "name": config.name,
        "members": [
            {"name": m.get("name"), "file": m.get("file"), "sha256": m.get("sha256")}
            for m in members
        ],
        "normalisation": config.input.normalisation.kind,
        "tile_size": config.input.tile_size,
        "threshold": config.output.threshold,
        "min_salt_pixels": config.output.min_salt_pixels,
        "weights": {
            "dtype": raw["weights"].get("dtype"),
            "sha256": config.sha256,
            "bytes": weights.stat().st_size if weights.is_file() else None,
        },
        "software_version": raw.get("software_version"),
        "trained": trained,
    }


def axis_range(values: np.ndarray) -> dict[str, Any]:
    """``min``, ``max`` and ``step`` (smallest spacing; ``None`` for one value) of an axis."""
    values = np.asarray(values)
    steps = np.diff(values)
    step = _plain(steps.min()) if steps.size else None
    return {"min": _plain(values.min()), "max": _plain(values.max()), "step": step}


def _corners(scan) -> list[dict[str, Any]]:
    g = scan.geometry
    last_il, last_xl = g.shape[0] - 1, g.shape[1] - 1
    cells = [(0, 0), (0, last_xl), (last_il, last_xl), (last_il, 0)]
    return [
        {
            "inline": _plain(g.inlines[i]),
            "crossline": _plain(g.crosslines[j]),
            "cdp_x": _plain(scan.cdp_x[i, j]),
            "cdp_y": _plain(scan.cdp_y[i, j]),
        }
        for i, j in cells
    ]


def _crs_label(ds: Any) -> str | None:
    from seismic_salt.io.crs import crs_label, crs_of

    wkt = crs_of(ds)
    return crs_label(wkt) if wkt else None


def _percentiles(values: np.ndarray) -> dict[str, float | None]:
    finite = values[np.isfinite(values)].astype(np.float64)  # ±3e38 overflow float32
    if finite.size == 0:
        return {f"p{p:g}": None for p in PERCENTILES}
    found = np.percentile(finite, PERCENTILES)
    return {f"p{p:g}": float(v) for p, v in zip(PERCENTILES, found, strict=True)}


def _plain(value: Any) -> Any:
    """A JSON-ready Python scalar (NaN becomes ``None``)."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _plain_attr(key: str, value: Any) -> Any:
    if key == "parameters" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return _plain(value)


def format_summary(info: dict[str, Any]) -> str:
    """Render :func:`describe`'s dict as a short human-readable summary."""
    if info["kind"] == "model":
        return "\n".join(_model_lines(info))
    dims = info["dims"]
    lines = [f"{info['path']}  ({info['kind']})"]
    lines.append("dims: " + " × ".join(f"{k} {v}" for k, v in dims.items()))
    for axis in DIMS:
        if axis in info:
            r = info[axis]
            unit = f" {info.get('sample_unit') or ''}" if axis == "sample" else ""
            lines.append(f"{axis:>9}: {r['min']:g} .. {r['max']:g} step {_fmt(r['step'])}{unit}")
    if info["kind"] == "segy":
        lines += _segy_lines(info)
    else:
        lines += _store_lines(info)
    return "\n".join(lines)


def _segy_lines(info: dict[str, Any]) -> list[str]:
    lines = [
        f"format: {info['format']} (code {info['format_code']}), {info['byte_order']}-endian, "
        f"{info['sorting']}-sorted, {info['n_traces']} traces",
        f"live: {100 * info['live_fraction']:.1f}% of the inline × crossline grid",
        "corners (inline, crossline: cdp_x, cdp_y):",
    ]
    for c in info["corners"]:
        lines.append(f"  {c['inline']}, {c['crossline']}: {_fmt(c['cdp_x'])}, {_fmt(c['cdp_y'])}")
    if info.get("coordinate_problem"):
        lines.append(f"coordinates: NO MAP GRID: {info['coordinate_problem']}")
    pct = ", ".join(f"{k} {_fmt(v)}" for k, v in info["amplitude_percentiles"].items())
    lines.append(f"amplitude ({info['n_traces_sampled']} traces sampled): {pct}")
    return lines


def _store_lines(info: dict[str, Any]) -> list[str]:
    lines = [f"variables: {', '.join(info['variables']) or 'none'}"]
    lines += [f"{k}: {v}" for k, v in info["provenance"].items()]
    lines.append(f"crs: {info.get('crs') or 'none recorded'}")
    if "inlines_done" in info:
        lines.append(f"inlines done: {info['inlines_done']} of {info['dims'].get('inline', '?')}")
    if info["complete"]:
        lines.append("complete: yes")
    else:
        lines.append(
            "INCOMPLETE: not every block is written; rerun `seismic-salt segment` to finish"
        )
    return lines


def _model_lines(info: dict[str, Any]) -> list[str]:
    weights = info["weights"]
    size = f", {weights['bytes'] / 1e6:.1f} MB" if weights["bytes"] is not None else ""
    lines = [
        f"{info['path']}  (model)",
        f"architecture: {info['name']}",
        f"input: {info['tile_size']} x {info['tile_size']} tiles, "
        f"normalisation {info['normalisation']}",
        f"salt where probability > {_fmt(info['threshold'])}, "
        f"tile masks with fewer than {info['min_salt_pixels']} salt pixels emptied",
        f"weights: {weights['dtype']}{size}, sha256 {weights['sha256']}",
    ]
    for i, member in enumerate(info["members"]):
        lines.append(
            f"  member {i}: {member['name']} from {member['file']} "
            f"(sha256 {str(member['sha256'])[:12]}…)"
        )
    if info["trained"]:
        lines.append("trained: " + ", ".join(f"{k} {_fmt(v)}" for k, v in info["trained"].items()))
    return lines


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
