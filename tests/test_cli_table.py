"""The ``muster`` command's table of lazily loaded commands (``muster.cli.main.ENTRIES``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from muster.cli.main import ENTRIES, app

runner = CliRunner()


@pytest.mark.parametrize("name", list(ENTRIES))
def test_each_entry_loads_and_its_help_is_the_commands_own(name: str) -> None:
    root = typer.main.get_command(app)
    ctx = root.make_context("muster", [], resilient_parsing=True)
    command = root.get_command(ctx, name)
    assert command is not None
    assert command.name == name
    assert command.get_short_help_str(500) == ENTRIES[name].help


def test_top_level_help_lists_every_command_with_its_help() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for name, entry in ENTRIES.items():
        assert name in result.output
        assert entry.help.split()[0] in result.output


def test_help_imports_no_domain() -> None:
    probe = (
        "import sys\n"
        "from muster.cli.main import main\n"
        "sys.argv = ['muster', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('muster.', 'sqlalchemy', 'pydantic', 'fastapi', 'fpdf', 'cedarpy')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print('LOADED', ' '.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED"))
    loaded = set(line.split()[1:])
    assert loaded <= {"muster.cli", "muster.cli.main", "muster.cli.lazy"}, loaded


def test_extra_commands_join_their_group() -> None:
    result = runner.invoke(app, ["portal", "mode", "--help"])
    assert result.exit_code == 0, result.output
    assert "lockdown" in result.output


def test_an_unknown_command_is_an_error_naming_it() -> None:
    result = runner.invoke(app, ["holdd"])
    assert result.exit_code != 0
    assert "holdd" in result.output
