"""``seismic-salt export`` and ``seismic-salt bodies``: what to do with a salt store."""

from __future__ import annotations

import click

from seismic_salt.export.mesh_io import MESH_FORMATS
from seismic_salt_cli.options import is_quiet, spacing_option, status, verbosity

SURFACE_CHOICES = ("irap_binary", "zmap", "xyz")
MESH_CHOICES = tuple(MESH_FORMATS)  # named once, where the writers are


def _open(store: str):
    """Open a complete salt-probability store; return (dataset, probability)."""
    from seismic_salt.store.zarr import VARIABLE, open_complete

    dataset = open_complete(store)
    return dataset, dataset[VARIABLE]


@click.command()
@click.argument("store", type=click.Path(path_type=str))
@click.option(
    "--segy",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write SEG-Y here on the template's geometry and headers.",
)
@click.option(
    "--probability",
    is_flag=True,
    help="SEG-Y holds the probability (0..1) even when --threshold is given.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=None,
    help="Salt where probability >= this [surfaces and meshes: 0.5]. With --segy and "
    "without --probability, the SEG-Y holds a 0/1 mask.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=str),
    help="SEG-Y whose headers to copy [default: the store's source_path].",
)
@click.option(
    "--iline",
    type=int,
    help="Trace-header byte of the template's inlines [default: the store's reading].",
)
@click.option(
    "--xline",
    type=int,
    help="Trace-header byte of the template's crosslines [default: the store's reading].",
)
@click.option(
    "--surfaces",
    type=click.Path(file_okay=False, path_type=str),
    help="Write top/base-of-salt surfaces into this directory.",
)
@click.option(
    "--mesh",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write closed salt-body meshes to this file (.ts, .ply, .stl, .vtu or .obj).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(SURFACE_CHOICES + MESH_CHOICES),
    help="Surface format [irap_binary] and/or mesh format [from the --mesh suffix]; "
    "repeat to give both.",
)
@click.option("--min-size", default=0, show_default=True, help="Meshes: drop smaller bodies.")
@click.option("--overwrite", is_flag=True, help="Replace existing output files (never the inputs).")
@spacing_option
@verbosity
def export(
    store: str,
    segy: str | None,
    probability: bool,
    threshold: float | None,
    template: str | None,
    iline: int | None,
    xline: int | None,
    surfaces: str | None,
    mesh: str | None,
    formats: tuple[str, ...],
    min_size: int,
    overwrite: bool,
    spacing: tuple[float, float] | None,
) -> None:
    """Export the salt-probability STORE (zarr) as SEG-Y, surfaces and/or meshes.

    Outputs are checked before anything is written: none may be the store, the template
    or a file inside them, and an existing file is replaced only with --overwrite. The
    store's CRS goes into each: the SEG-Y textual header, a .prj beside each surface and
    mesh file, the TSurf coordinate-system block.
    """
    from seismic_salt.outputs import check_outputs, refuse_inputs

    if not (segy or surfaces or mesh):
        raise click.UsageError("nothing to export: give --segy, --surfaces and/or --mesh")
    surface_formats = [f for f in formats if f in SURFACE_CHOICES]
    mesh_formats = [f for f in formats if f in MESH_CHOICES]
    if len(surface_formats) > 1 or len(mesh_formats) > 1:
        raise click.UsageError("give at most one surface format and one mesh format")
    dataset, salt = _open(store)
    reads = {"store": store, "template": template or dataset.attrs.get("source_path")}
    check_outputs({"SEG-Y": segy, "mesh": mesh}, reads, overwrite=overwrite)
    if surfaces:
        refuse_inputs(surfaces, reads)
    level = 0.5 if threshold is None else threshold

    if segy:
        from seismic_salt.export.segy import to_segy

        mask_threshold = None if probability else threshold
        path = to_segy(dataset, segy, template=template, threshold=mask_threshold,
                       overwrite=overwrite, iline=iline, xline=xline)  # fmt: skip
        kind = "probability" if mask_threshold is None else f"mask (p >= {mask_threshold:g})"
        status(f"wrote {path} ({kind})")
    if surfaces:
        from seismic_salt.export.surfaces import top_base_surfaces, write_surfaces

        picked = top_base_surfaces(
            salt, level, show_progress=False if is_quiet() else None, spacing=spacing
        )
        fmt = (surface_formats or ["irap_binary"])[0]
        write_surfaces(picked, surfaces, fmt, overwrite=overwrite)
        status(f"wrote {len(picked)} surfaces into {surfaces}")
    if mesh:
        from seismic_salt.export.mesh import salt_mesh, write_mesh

        meshes = salt_mesh(salt, level, min_size, spacing=spacing)
        fmt = (mesh_formats or [None])[0]
        path = write_mesh(meshes, mesh, fmt, overwrite=overwrite)
        status(f"wrote {path} ({len(meshes)} bodies)")


@click.command()
@click.argument("store", type=click.Path(path_type=str))
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=0.5,
    show_default=True,
    help="Salt where probability >= this.",
)
@click.option("--min-size", default=0, show_default=True, help="Leave out smaller bodies (voxels).")
@click.option(
    "--connectivity",
    type=click.Choice(["26", "6"]),
    default="26",
    show_default=True,
    help="26: voxels touching by face, edge or corner join; 6: faces only.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list on stdout.")
@spacing_option
@verbosity
def bodies(
    store: str,
    threshold: float,
    min_size: int,
    connectivity: str,
    as_json: bool,
    spacing: tuple[float, float] | None,
) -> None:
    """List the connected salt bodies of STORE with their sizes, volumes and extents."""
    import json

    from seismic_salt.export.bodies import salt_bodies

    _, salt = _open(store)
    found = salt_bodies(salt, threshold, min_size, int(connectivity), spacing=spacing)
    if as_json:
        click.echo(json.dumps(found))
        return
    status(f"{len(found)} salt bodies (p >= {threshold:g})")
    click.echo(f"{'id':>4} {'voxels':>10} {'volume':>14} {'unit':<6} inline     crossline   sample")
    for body in found:
        click.echo(
            f"{body['id']:>4} {body['voxels']:>10} {body['volume']:>14.4g} "
            f"{body['volume_unit']:<6} {body['inline'][0]}-{body['inline'][1]:<6} "
            f"{body['crossline'][0]}-{body['crossline'][1]:<6} "
            f"{body['sample'][0]:g}-{body['sample'][1]:g}"
        )
