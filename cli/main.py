"""Entry point of the ``seismic-salt`` command: a lazily loaded click group.

Each command lives in its own module and is imported only when it runs, so
``seismic-salt --help`` stays fast and a command's heavy imports (torch, zarr)
cost nothing to the others. User errors (:class:`SeismicSaltError`) are printed as
one line on stderr with exit status 2; a Ctrl-C exits with 130. Log records of the
``seismic_salt`` logger and seismic-salt warnings are printed as one line each on stderr
(:mod:`seismic_salt_cli.options`); ``--version`` reads the installed package's metadata.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from seismic_salt.errors import SeismicSaltError
from seismic_salt_cli.options import command_line_output

# how library messages name a parameter -> the flag that sets it on the command line
FLAGS = {
    "overwrite=True": "--overwrite",
    "resume=True": "--resume",
    "template=": "--template ",
    "iline=": "--iline ",
    "xline=": "--xline ",
    "cdp_x=": "--cdp-x ",
    "cdp_y=": "--cdp-y ",
    "spacing=": "--spacing ",
    "crs=": "--crs ",
}

# command name -> "module:function" inside seismic_salt_cli
COMMANDS = {
    "info": "info:info",
    "segment": "segment:segment",
    "export": "export:export",
    "bodies": "export:bodies",
    "train": "train:train",
    "evaluate": "train:evaluate",
    "predict-tiles": "train:predict_tiles",
    "ensemble": "train:ensemble",
    "finetune": "finetune:finetune",
    "synth": "demo:synth",
    "preview": "preview:preview",
    "demo": "demo:demo",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in COMMANDS.items() if _module_exists(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _module_exists(target):
            return super().get_command(ctx, cmd_name)
        module_name, attr = target.split(":")
        module = importlib.import_module(f"seismic_salt_cli.{module_name}")
        return getattr(module, attr)

    def invoke(self, ctx: click.Context):
        try:
            with command_line_output():
                return super().invoke(ctx)
        except SeismicSaltError as err:
            click.echo(f"error: {as_flags(one_line(err))}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


def _module_exists(target: str) -> bool:
    return importlib.util.find_spec(f"seismic_salt_cli.{target.split(':')[0]}") is not None


def one_line(err: BaseException) -> str:
    """Return an error's message collapsed onto one line."""
    return " ".join(str(err).split()) or type(err).__name__


def as_flags(message: str) -> str:
    """Reword a library message for the command line: ``overwrite=True`` → ``--overwrite``."""
    for parameter, flag in FLAGS.items():
        message = message.replace(parameter, flag)
    return message


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="seismic-salt", prog_name="seismic-salt")
def cli() -> None:
    """Find salt bodies in 3D post-stack seismic (SEG-Y in, zarr probability cube out)."""


def main() -> None:
    """Run the ``seismic-salt`` command."""
    cli(prog_name="seismic-salt")


if __name__ == "__main__":
    sys.exit(main())
