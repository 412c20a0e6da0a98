from click.testing import CliRunner

from seismic_salt.errors import SeismicSaltError
from seismic_salt_cli.main import LazyGroup, one_line


def test_help_lists_commands():
    from seismic_salt_cli.main import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output


def test_user_error_is_one_line_and_exit_2():
    import click

    @click.group(cls=LazyGroup)
    def group():
        pass

    @group.command()
    def boom():
        raise SeismicSaltError("bad thing:\n  details")

    result = CliRunner().invoke(group, ["boom"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: bad thing: details"
    assert "Traceback" not in result.output


def test_one_line_collapses_whitespace():
    assert one_line(ValueError("a\n b   c")) == "a b c"


def test_library_parameters_are_shown_as_flags():
    from seismic_salt_cli.main import as_flags

    assert as_flags("pass overwrite=True to replace it") == "pass --overwrite to replace it"
    assert as_flags("give template=volume.sgy") == "give --template volume.sgy"


def test_library_messages_name_no_flags():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "seismic_salt"
    flags = []
    for path in root.rglob("*.py"):
        raises = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Raise)]
        for node in (part for r in raises for part in ast.walk(r)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = node.value.split()
                flags += [(path.name, w) for w in words if w.startswith("--") and w[2:3].isalpha()]
    assert not flags
