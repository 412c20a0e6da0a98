"""The end-to-end demo: synthetic volume → segment → export → previews → IoU.

:func:`run_demo` is what ``seismic-salt demo`` runs: it exercises every stage a user runs
on a real survey, on a generated volume whose salt is known, and scores the result.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seismic_salt.errors import StoreError

DEMO_SHAPE = (32, 160, 160)


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

    Raises:
        StoreError: The directory exists, is not empty and ``overwrite`` is false.
    """
    directory = Path(directory).resolve()
    if directory.exists() and any(directory.iterdir()):
        if not overwrite:
            raise StoreError(
                f"{directory} is not empty; choose another directory or pass overwrite=True"
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


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
    """
    import xarray as xr

    from seismic_salt import export
    from seismic_salt.inference import resolve_model, segment_to_zarr
    from seismic_salt.io.segy import to_segy
    from seismic_salt.preview import preview
    from seismic_salt.synthetic import make_volume

    directory = prepare_directory(directory, overwrite)
    result = DemoResult(directory)
    files = result.files

    log(f"making a synthetic volume {shape[0]}x{shape[1]}x{shape[2]} (seed {seed})")
    volume = make_volume(shape, seed)
    files["seismic"] = to_segy(volume.amplitude, directory / "demo.sgy")
    files["truth"] = to_segy(volume.salt.astype("float32"), directory / "demo_truth.sgy")

    config = resolve_model(model).config
    result.threshold = config.output.threshold
    log(f"segmenting with {config.name}")
    files["store"] = segment_to_zarr(
        files["seismic"], directory / "salt.zarr", model, progress=progress
    )

    salt_probability = xr.open_zarr(files["store"])["salt_probability"]
    probability = salt_probability.values
    result.iou = salt_iou(probability, volume.salt.values, result.threshold)

    log("exporting SEG-Y, surfaces and mesh")
    files["salt_segy"] = export.to_segy(
        salt_probability, directory / "salt.sgy", template=files["seismic"]
    )
    surfaces = export.top_base_surfaces(salt_probability, result.threshold)
    written = export.write_surfaces(
        {k: surfaces[k] for k in ("top", "base") if k in surfaces}, directory / "surfaces"
    )
    if written:
        files["surfaces"] = directory / "surfaces"
    meshes = export.salt_mesh(salt_probability, result.threshold, min_size=50)
    result.bodies = len(meshes)
    if meshes:
        files["mesh"] = export.write_mesh(meshes, directory / "salt.ts")

    log("drawing previews")
    files["preview"] = preview(
        files["seismic"],
        directory / "preview.png",
        salt=salt_probability,
        truth=volume.salt,
        title="seismic-salt demo: salt probability (colour) and true salt (contour)",
    )
    return result
