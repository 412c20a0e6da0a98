"""The end-to-end demo: synthetic volume → segment → export → previews → IoU.

:func:`run_demo` is what ``seismic-salt demo`` runs: it exercises every stage a user runs
on a real survey, on a generated volume whose salt is known, and scores the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import OutputError, StoreError

DEMO_SHAPE = (32, 160, 160)

FILES = {
    "seismic": "demo.sgy",
    "truth": "demo_truth.sgy",
    "salt_segy": "salt.sgy",
    "mesh": "salt.ts",
    "preview": "preview.png",
}
"""The files the demo writes into its directory, by label."""
STORE = "salt.zarr"
SURFACES = "surfaces"


@dataclass
class DemoResult:
    """What the demo wrote and how well it did.

    Attributes:
        directory: The output directory.
        files: Label → path of each file or folder written.
        iou: Intersection over union of the predicted salt with the synthetic truth.
        threshold: Probability threshold used for the salt mask.
        bodies: Number of salt bodies found.
    """

    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    iou: float = float("nan")
    threshold: float = 0.5
    bodies: int = 0


def prepare_directory(directory: Path, overwrite: bool = False) -> Path:
    """Create ``directory`` and return its absolute path; refuse a non-empty one unless told.

    With ``overwrite``, only what the demo writes there (:data:`FILES`, the store and the
    surface files) is replaced, each when it is written; nothing else is touched.

    Raises:
        StoreError: The directory exists, is not empty and ``overwrite`` is false.
        OutputError: The directory is a file, or one of the demo's names there is held
            by something the demo would not replace (a directory, a foreign store).
    """
    from seismic_salt.outputs import check_outputs, check_store_output, make_directory

    directory = Path(directory).resolve()
    if directory.is_dir() and any(directory.iterdir()):
        if not overwrite:
            raise StoreError(
                f"{directory} is not empty; choose another directory, or pass overwrite=True "
                "to replace the files of an earlier demo in it (other files are kept)"
            )
        check_outputs({label: directory / name for label, name in FILES.items()}, overwrite=True)
        check_store_output(directory / STORE, overwrite=True)
        surfaces = directory / SURFACES
        if surfaces.exists() and not surfaces.is_dir():
            raise OutputError(f"{surfaces} is a file; the demo writes a directory there")
    return make_directory(directory)


def salt_iou(probability: np.ndarray, truth: np.ndarray, threshold: float) -> float:
    """IoU of ``probability > threshold`` with a boolean ``truth`` (NaN voxels ignored)."""
    valid = np.isfinite(probability)
    predicted = (probability > threshold) & valid
    truth = truth.astype(bool) & valid
    union = np.logical_or(predicted, truth).sum()
    return float(np.logical_and(predicted, truth).sum() / union) if union else 1.0


def run_demo(
    directory: Path,
    *,
    model: Any = "default",
    shape: tuple[int, int, int] = DEMO_SHAPE,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool | None = True,
    log: Callable[[str], None] = print,
) -> DemoResult:
    """Generate a volume, segment it, export the salt body and score it.

    Args:
        directory: Output directory (created; must be empty unless ``overwrite``).
        model: Model to segment with (bundled name, checkpoint path or module).
        shape: Inlines, crosslines and samples of the synthetic volume.
        seed: Seed of the synthetic volume.
        overwrite: Replace a non-empty ``directory``.
        progress: Progress bars on a terminal.
        log: Where one-line stage messages go.

    Returns:
        The files written and the IoU against the synthetic truth.

    Raises:
        StoreError, OutputError: As :func:`prepare_directory`.
    """
    import xarray as xr

    from seismic_salt.inference import resolve_model, segment_to_zarr
    from seismic_salt.io.segy import to_segy
    from seismic_salt.preview import preview
    from seismic_salt.synthetic import make_volume

    directory = prepare_directory(directory, overwrite)
    result = DemoResult(directory)
    files = result.files

    log(f"making a synthetic volume {shape[0]}x{shape[1]}x{shape[2]} (seed {seed})")
    volume = make_volume(shape, seed)
    out = {label: directory / name for label, name in FILES.items()}
    files["seismic"] = to_segy(volume.amplitude, out["seismic"], overwrite=overwrite)
    files["truth"] = to_segy(volume.salt.astype("float32"), out["truth"], overwrite=overwrite)

    config = resolve_model(model).config
    result.threshold = config.output.threshold
    log(f"segmenting with {config.name}")
    files["store"] = segment_to_zarr(
        files["seismic"], directory / STORE, model, progress=progress, overwrite=overwrite
    )

    salt_probability = xr.open_zarr(files["store"])["salt_probability"]
    probability = salt_probability.values
    result.iou = salt_iou(probability, volume.salt.values, result.threshold)

    log("exporting SEG-Y, surfaces and mesh")
    _export(result, salt_probability, out, overwrite)

    log("drawing previews")
    files["preview"] = preview(
        files["seismic"],
        out["preview"],
        salt=salt_probability,
        truth=volume.salt,
        title="seismic-salt demo: salt probability (colour) and true salt (contour)",
        overwrite=overwrite,
    )
    return result


def _export(
    result: DemoResult, salt_probability: Any, out: dict[str, Path], overwrite: bool
) -> None:
    """Export the demo's salt as SEG-Y, top/base surfaces and a mesh into its directory."""
    from seismic_salt import export

    files = result.files
    files["salt_segy"] = export.to_segy(
        salt_probability, out["salt_segy"], template=files["seismic"], overwrite=overwrite
    )
    surfaces = export.top_base_surfaces(salt_probability, result.threshold)
    written = export.write_surfaces(
        {k: surfaces[k] for k in ("top", "base") if k in surfaces},
        result.directory / SURFACES,
        overwrite=overwrite,
    )
    if written:
        files["surfaces"] = result.directory / SURFACES
    meshes = export.salt_mesh(salt_probability, result.threshold, min_size=50)
    result.bodies = len(meshes)
    if meshes:
        files["mesh"] = export.write_mesh(meshes, out["mesh"], overwrite=overwrite)
