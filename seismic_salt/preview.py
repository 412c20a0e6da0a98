"""Quick-look figures: seismic sections with the salt probability and the true salt outline.

A preview shows an inline section, a crossline section and a time (or depth) slice through
the middle of the volume, or only the sections asked for. Amplitudes are drawn in grey
with a symmetric clip at a robust percentile of the shown values, the salt probability on
top in a semi-transparent yellow-to-red map (probabilities under 5 % left clear), and the
true salt outline as a cyan contour. Axes carry inline/crossline numbers and the sample
unit; the colour bar is the probability's (the amplitude's when there is none).

Figures are drawn on matplotlib's Agg canvas directly (``matplotlib.figure.Figure``), so
no global backend is switched and nothing happens at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seismic_salt.errors import DataError, StoreError
from seismic_salt.io.dims import DIMS

__all__ = ["preview"]


def preview(
    source: str | Path | xr.Dataset | xr.DataArray,
    output: str | Path | None = None,
    *,
    salt: str | Path | xr.Dataset | xr.DataArray | None = None,
    truth: str | Path | xr.Dataset | xr.DataArray | None = None,
    inline: float | None = None,
    crossline: float | None = None,
    sample: float | None = None,
    clip_percentile: float = 99.0,
    dpi: int = 110,
    title: str | None = None,
    overwrite: bool = False,
) -> Any:
    """Draw seismic sections with the salt probability overlaid.

    Args:
        source: Seismic: a SEG-Y path (read with ``open_segy``), a dataset with
            ``amplitude`` or an amplitude DataArray, on (inline, crossline, sample).
        output: PNG (or any format matplotlib writes) to save; ``None`` returns the figure.
        salt: Salt probability: a store path (``.zarr``, complete), a dataset with
            ``salt_probability`` or a DataArray, on the same inline/crossline/sample numbers.
        truth: True salt: a labels SEG-Y or store path, a dataset (``salt`` or
            ``salt_probability``) or a DataArray; drawn as its 0.5 contour.
        inline: Inline number of an inline section.
        crossline: Crossline number of a crossline section.
        sample: Time or depth of a slice.
        clip_percentile: Percentile of ``|amplitude|`` at which the grey scale saturates.
        dpi: Resolution of the saved image.
        title: Figure title; defaults to the source's name.
        overwrite: Replace an existing file at ``output`` (atomically).

    Returns:
        The path written, or the ``matplotlib.figure.Figure`` when ``output`` is ``None``.

    Raises:
        DataError: If a section number is outside the volume, the inputs' dims are wrong,
            or the salt or truth lies on other inline/crossline/sample numbers.
        InputFileError, SegyError: If a path cannot be read.
        StoreError: If a store is incomplete, damaged or made from another volume.
        OutputError: If ``output`` is an input, exists without ``overwrite``, or cannot
            be written.

    Example:
        >>> preview("volume.sgy", "preview.png", salt="salt.zarr")  # doctest: +SKIP
        >>> preview(ds, "il1020.png", inline=1020)  # doctest: +SKIP
    """
    from matplotlib.figure import Figure

    from seismic_salt.outputs import atomic_file, check_output

    amplitude, probability, labels = _inputs(source, salt, truth)
    sections = _sections(amplitude, inline, crossline, sample)
    if output is not None:
        reads = {"source": _named(source), "salt": _named(salt), "truth": _named(truth)}
        output = check_output(output, reads, overwrite=overwrite)
    slices = [(kind, value, _cut(amplitude, kind, value)) for kind, value in sections]
    shown = np.concatenate([np.abs(values[np.isfinite(values)]).ravel() for *_, values in slices])
    clip = float(np.percentile(shown, clip_percentile)) if shown.size else 1.0
    clip = clip if clip > 0 else 1.0

    fig = Figure(figsize=(5.2 * len(slices) + 1.2, 5.0), layout="constrained")
    axes = fig.subplots(1, len(slices), squeeze=False)[0]
    overlay = None
    grey = None
    for ax, (kind, value, values) in zip(axes, slices, strict=True):
        grey, shown_overlay = _panel(ax, amplitude, probability, labels, kind, value, values, clip)
        overlay = shown_overlay if shown_overlay is not None else overlay
        _mark_crossings(ax, kind, sections)
    if overlay is not None:
        fig.colorbar(overlay, ax=list(axes), label="salt probability", shrink=0.9)
    elif grey is not None:
        fig.colorbar(grey, ax=list(axes), label="amplitude", shrink=0.9)
    fig.suptitle(title if title is not None else _name(source))
    if output is None:
        return fig
    with atomic_file(output) as tmp:
        fig.savefig(tmp, dpi=dpi)
    return output


def _inputs(source: Any, salt: Any, truth: Any) -> tuple[Any, Any, Any]:
    """Open the seismic, salt and truth, and check they lie on the same numbers.

    Raises:
        DataError, StoreError: As :func:`preview`.
    """
    amplitude = _volume(source, ("amplitude",))
    probability = None if salt is None else _volume(salt, ("salt_probability",))
    labels = None if truth is None else _volume(truth, ("salt", "salt_probability", "amplitude"))
    for name, other in (("salt", probability), ("truth", labels)):
        if other is not None:
            check_same_axes(amplitude, other, name)
    if _named(salt) and _named(source):
        check_store_source(_named(salt), _named(source))
    return amplitude, probability, labels


def check_same_axes(amplitude: xr.DataArray, other: xr.DataArray, name: str) -> None:
    """Refuse a salt or truth volume on other inline/crossline/sample numbers.

    Raises:
        DataError: Naming the first axis that differs.
    """
    for dim in DIMS:
        mine = np.asarray(amplitude[dim].values, dtype=np.float64)
        theirs = np.asarray(other[dim].values, dtype=np.float64)
        if mine.shape != theirs.shape or not np.allclose(mine, theirs, rtol=1e-6, atol=1e-6):
            raise DataError(
                f"the {name} volume's {dim} axis ({_axis(theirs)}) is not the seismic's "
                f"({_axis(mine)}): is it from another volume?"
            )


def check_store_source(store: Path, source: Path) -> None:
    """Refuse a store whose recorded source is not the SEG-Y shown (when it records one).

    Raises:
        StoreError: The store records another file's identity.
    """
    from seismic_salt.io.fingerprint import describe_difference, file_identity
    from seismic_salt.store.schema import StoreAttrs
    from seismic_salt.store.zarr import is_store, read_attrs

    if not is_store(store):
        return
    recorded = StoreAttrs.from_attrs(read_attrs(store)).source_identity()
    if recorded is None or not source.is_file():
        return
    difference = describe_difference(recorded, file_identity(source))
    if difference is not None:
        raise StoreError(
            f"the salt store {store} was not made from {source} ({difference}): give the "
            "seismic it was made from"
        )


def _axis(values: np.ndarray) -> str:
    if values.size == 0:
        return "empty"
    return f"{values.size} values {values[0]:g}..{values[-1]:g}"


def _named(item: Any) -> Path | None:
    """The path of an input: given as a path, or a dataset's ``source_path`` (or None)."""
    if isinstance(item, str | Path):
        return Path(item)
    recorded = getattr(item, "attrs", {}).get("source_path")
    return Path(recorded) if recorded else None


def _panel(
    ax: Any,
    amplitude: xr.DataArray,
    probability: xr.DataArray | None,
    labels: xr.DataArray | None,
    kind: str,
    value: float,
    values: np.ndarray,
    clip: float,
) -> tuple[Any, Any]:
    """Draw one section or slice: grey amplitude, probability on top, truth contour.

    Returns:
        The amplitude image and the probability image (None without probability).
    """
    unit = str(amplitude["sample"].attrs.get("units", ""))
    extent, xlabel, ylabel = _frame(amplitude, kind, unit)
    grey = ax.imshow(
        values.T,
        cmap="gray",
        vmin=-clip,
        vmax=clip,
        extent=extent,
        aspect="auto",
        interpolation="bilinear",
    )
    overlay = None
    if probability is not None:
        p = _cut(probability, kind, value).T
        overlay = ax.imshow(
            p,
            cmap="YlOrRd",
            vmin=0.0,
            vmax=1.0,
            alpha=overlay_alpha(p),
            extent=extent,
            aspect="auto",
            interpolation="nearest",
        )
    if labels is not None:
        t = _cut(labels, kind, value)
        if np.nanmax(t, initial=0.0) > 0.5 and np.nanmin(t, initial=1.0) < 0.5:
            xs, ys = _centres(amplitude, kind)
            ax.contour(
                xs, ys, np.ma.masked_invalid(t.T), levels=[0.5], colors="cyan", linewidths=1.2
            )
    ax.set_title(_label(kind, value, unit))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return grey, overlay


def _volume(item: Any, names: tuple[str, ...]) -> xr.DataArray:
    """Resolve a path, dataset or array to a DataArray on (inline, crossline, sample)."""
    if isinstance(item, (str, Path)):
        item = _open(Path(item))
    if isinstance(item, xr.Dataset):
        name = next((n for n in names if n in item.data_vars), None)
        if name is None:
            raise DataError(f"dataset has none of the variables {names}: {list(item.data_vars)}")
        item = item[name]
    if not isinstance(item, xr.DataArray) or set(item.dims) != set(DIMS):
        dims = getattr(item, "dims", None)
        raise DataError(f"expected a volume on {DIMS}, got dims {dims}")
    return item.transpose(*DIMS)


def _open(path: Path) -> xr.Dataset:
    if path.suffix == ".zarr" or (path / "zarr.json").exists():
        from seismic_salt.store.zarr import open_complete

        return open_complete(path)
    from seismic_salt.io.segy import open_segy

    return open_segy(path)


def _sections(
    amplitude: xr.DataArray,
    inline: float | None,
    crossline: float | None,
    sample: float | None,
) -> list[tuple[str, float]]:
    """The (kind, coordinate value) of each panel: those asked for, else the middles."""
    asked = {"inline": inline, "crossline": crossline, "sample": sample}
    if all(value is None for value in asked.values()):
        asked = {kind: amplitude[kind].values[amplitude.sizes[kind] // 2] for kind in DIMS}
    sections = []
    for kind, value in asked.items():
        if value is None:
            continue
        axis = np.asarray(amplitude[kind].values, dtype=np.float64)
        if not axis.min() <= float(value) <= axis.max():
            raise DataError(
                f"{kind} {value:g} is outside the volume: give one in "
                f"{axis.min():g}..{axis.max():g}"
            )
        nearest = axis[np.argmin(np.abs(axis - float(value)))]
        sections.append((kind, float(nearest)))
    return sections


def _cut(volume: xr.DataArray, kind: str, value: float) -> np.ndarray:
    """A 2D section: (crossline, sample), (inline, sample) or (inline, crossline)."""
    try:
        section = volume.sel({kind: value}, method="nearest")
    except KeyError as err:
        raise DataError(f"cannot find {kind} {value:g} in the volume: {err}") from err
    return np.asarray(section.values, dtype=np.float32)


def _frame(volume: xr.DataArray, kind: str, unit: str) -> tuple[tuple, str, str]:
    """Image extent (left, right, bottom, top) and axis labels of a panel."""

    def edges(name: str) -> tuple[float, float]:
        axis = np.asarray(volume[name].values, dtype=np.float64)
        half = (axis[1] - axis[0]) / 2 if axis.size > 1 else 0.5
        return axis[0] - half, axis[-1] + half

    vertical = "time" if unit == "ms" else "depth"
    z_label = f"{vertical} ({unit})" if unit else "sample"
    z0, z1 = edges("sample")
    if kind == "inline":
        x0, x1 = edges("crossline")
        return (x0, x1, z1, z0), "crossline", z_label
    if kind == "crossline":
        x0, x1 = edges("inline")
        return (x0, x1, z1, z0), "inline", z_label
    x0, x1 = edges("inline")
    y0, y1 = edges("crossline")
    return (x0, x1, y1, y0), "inline", "crossline"


def _centres(volume: xr.DataArray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of a panel's columns and rows (as drawn by :func:`_frame`)."""
    horizontal, vertical = {
        "inline": ("crossline", "sample"),
        "crossline": ("inline", "sample"),
        "sample": ("inline", "crossline"),
    }[kind]
    return (
        np.asarray(volume[horizontal].values, dtype=np.float64),
        np.asarray(volume[vertical].values, dtype=np.float64),
    )


def overlay_alpha(probability: np.ndarray, opacity: float = 0.65) -> np.ndarray:
    """Opacity of the probability overlay: grows with the probability, none where NaN.

    Unlikely salt stays see-through, so the seismic shows where the model is unsure,
    instead of a tinted veil of small probabilities.
    """
    p = np.nan_to_num(np.asarray(probability, dtype=np.float32), nan=0.0)
    return opacity * np.clip(p, 0.0, 1.0)


def _mark_crossings(ax: Any, kind: str, sections: list[tuple[str, float]]) -> None:
    """Dashed lines where the other panels cut this one."""
    for other, value in sections:
        if other == kind:
            continue
        if kind == "sample":
            draw = ax.axvline if other == "inline" else ax.axhline
        elif other == "sample":
            draw = ax.axhline
        else:
            draw = ax.axvline
        draw(value, color="tab:blue", linestyle="--", linewidth=0.8, alpha=0.8)


def _label(kind: str, value: float, unit: str) -> str:
    if kind == "sample":
        return f"{'time' if unit == 'ms' else 'depth'} slice {value:g} {unit}".strip()
    return f"{kind} {value:g}"


def _name(source: Any) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).name
    attrs = getattr(source, "attrs", {})
    return str(attrs.get("title") or Path(str(attrs.get("source_path", ""))).name)
