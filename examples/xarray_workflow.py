"""The notebook workflow as a script: SEG-Y → segment → look → bodies → export.

Run it as it is (it makes a synthetic survey first), or point it at your own volume:

    python examples/xarray_workflow.py --segy volume.sgy --output workflow-out

The notebook ``examples/xarray_workflow.ipynb`` walks through the same steps.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import xarray as xr

import seismic_salt
from seismic_salt import export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segy", type=Path, help="Post-stack SEG-Y (default: a synthetic one)")
    parser.add_argument("--output", type=Path, default=Path("workflow-out"))
    parser.add_argument("--model", default="default", help="Bundled name or checkpoint path")
    parser.add_argument(
        "--shape", default="16,160,160", help="Synthetic inlines,crosslines,samples"
    )
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)

    # 1. A survey: yours, or a synthetic one with known salt.
    segy = args.segy
    if segy is None:
        from seismic_salt.synthetic import make_volume

        shape = tuple(int(n) for n in args.shape.split(","))
        volume = make_volume(shape).amplitude
        segy = seismic_salt.to_segy(volume, args.output / "synthetic.sgy", overwrite=True)

    # 2. Open it lazily: only the trace headers are read here.
    survey = seismic_salt.open_segy(segy)
    print(survey)

    # 3. Segment into a zarr store (resumable), then open it like any xarray dataset.
    store = seismic_salt.segment_to_zarr(
        segy, args.output / "salt.zarr", args.model, overwrite=True
    )
    salt = xr.open_zarr(store).salt_probability
    middle = int(salt.inline[salt.sizes["inline"] // 2])

    # 4. Look at one inline, probability over the seismic.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    survey.amplitude.sel(inline=middle).plot(
        ax=ax, x="crossline", y="sample", yincrease=False, cmap="gray", add_colorbar=False
    )
    salt.sel(inline=middle).plot(
        ax=ax, x="crossline", y="sample", yincrease=False, cmap="Reds", alpha=0.4, vmin=0, vmax=1
    )
    fig.savefig(args.output / f"inline_{middle}.png", dpi=100)

    # 5. Salt bodies, then exports for interpretation software.
    for body in export.salt_bodies(salt, threshold=0.5, min_size=100):
        print(f"body {body['id']}: {body['voxels']} voxels")
    # (overwrite=True: this example replaces what an earlier run of it wrote)
    mask = args.output / "salt_mask.sgy"
    export.to_segy(salt, mask, template=segy, threshold=0.5, overwrite=True)
    surfaces = export.top_base_surfaces(salt, 0.5)
    export.write_surfaces(surfaces, args.output / "surfaces", overwrite=True)
    print(f"wrote {sorted(p.name for p in args.output.iterdir())}")


if __name__ == "__main__":
    main()
