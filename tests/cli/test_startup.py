"""The `faxgate` command starts without the database, the web server and the renderer: users,
scripts and tests run it often, and importing those costs more than a second per call.

Each check runs in a fresh interpreter, because this test process has long imported them all."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from faxgate.cli import main
from faxgate.render.command import render_command

HEAVY = (
    "sqlalchemy",
    "alembic",
    "uvicorn",
    "starlette",
    "PIL",
    "pypdfium2",
    "weasyprint",
    "faxgate.render",
    "faxgate.render.compose",
    "faxgate.store.db",
    "faxgate.runtime",
    "httpx",
    "structlog",
)

# argv[1]: the command line as JSON (null: only import the package); argv[2]: the modules to look
# for. Prints which of them the interpreter has imported, as a JSON list.
PROBE = """
import json, sys
from click.testing import CliRunner
from faxgate.cli import main
args = json.loads(sys.argv[1])
if args is not None:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
print(json.dumps(sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)))
"""


def heavy_modules_after(args: list[str] | None) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found: list[str] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize(
    "args",
    [
        None,
        ["--help"],
        ["--version"],
        ["numbers"],
        ["numbers", "--json"],
        ["send", "--help"],
        ["reports", "--help"],
        ["reports", "list", "--help"],
        ["accounts", "--help"],
        ["templates", "--help"],
        ["push", "--help"],
    ],
    ids=lambda args: "import" if args is None else " ".join(args),
)
def test_light_commands_import_nothing_heavy(args: list[str] | None) -> None:
    assert heavy_modules_after(args) == []


def test_group_help_shows_the_render_commands_own_summary() -> None:
    # `faxgate --help` lists `render` without importing the renderer, from a copy of its help.
    stand_in = main.commands["render"]
    assert stand_in.help == render_command.help
    for limit in (30, 45, 80, 200):
        assert stand_in.get_short_help_str(limit) == render_command.get_short_help_str(limit)


def test_render_runs_the_real_command() -> None:
    result = CliRunner().invoke(main, ["render", "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: main render [OPTIONS] [FILES]..." in result.output
    for option in ("--resolution", "--cover", "--prop KEY=VALUE", "--output"):
        assert option in result.output

    result = CliRunner().invoke(main, ["render", "--paper", "B5", "-o", "x.tiff"])
    assert result.exit_code == 2
    assert "Invalid value for '--paper'" in result.output
