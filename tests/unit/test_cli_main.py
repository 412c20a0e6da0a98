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
