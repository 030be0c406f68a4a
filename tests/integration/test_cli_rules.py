"""Rules every command follows, checked by walking the Typer app rather than a list: ``-h`` and
``--help`` everywhere, ``--version``, and a ``--help`` that imports no command (so neither pandas nor
SQLAlchemy) and lists each command by its own summary."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer._click.core import Command
from typer.core import TyperGroup
from typer.testing import CliRunner

import tradegame
from tradegame.cli import _COMMANDS, SUMMARIES, _build, app

runner = CliRunner()


def leaves(command: Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Command]]:
    if isinstance(command, TyperGroup):
        for name, child in command.commands.items():
            yield from leaves(child, (*path, name))
    else:
        yield path, command


def every_command() -> list[tuple[tuple[str, ...], Command]]:
    return [leaf for name in _COMMANDS for leaf in leaves(_build(name), (name,))]


def test_help_lists_each_command_by_its_own_summary() -> None:
    assert set(SUMMARIES) == set(_COMMANDS)
    for name in _COMMANDS:
        assert SUMMARIES[name] == _build(name).get_short_help_str(limit=300), name


def test_help_imports_no_command_nor_pandas_sqlalchemy_or_pydantic() -> None:
    probe = (
        "import sys\nfrom tradegame.cli import main\nsys.argv = ['tradegame', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'pandas', 'sqlalchemy', 'numpy', 'duckdb', 'exchange_calendars', 'pydantic'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy), sorted(m for m in sys.modules"
        " if m.startswith('tradegame.cli.') and m not in ('tradegame.cli.coercion', 'tradegame.cli.common',"
        " 'tradegame.cli.logs')), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "experiment" in done.stdout and "Games kept in the database." in done.stdout
    assert done.stderr.strip() == "[] []"


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = runner.invoke(app, [flag])
    assert result.exit_code == 0 and result.output == f"tradegame {tradegame.__version__}\n"


def test_every_command_answers_h_and_help_alike() -> None:
    commands = every_command()
    assert len(commands) >= 20  # the groups' sub-commands are walked too
    for path, _ in commands:
        short = runner.invoke(app, [*path, "-h"], env={"COLUMNS": "120"})
        long = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
        assert short.exit_code == 0 and short.output == long.output, path
        assert " ".join(path) + " [OPTIONS]" in " ".join(short.output.split())


def json_commands() -> list[tuple[str, ...]]:
    return [path for path, command in every_command() if any("--json" in p.opts for p in command.params)]


def test_with_json_a_usage_error_is_json_on_stdout_for_every_command() -> None:
    paths = json_commands()
    assert len(paths) >= 12
    for path in paths:
        result = runner.invoke(app, [*path, "--json", "--no-such-option"])
        assert result.exit_code == 2, path
        error = json.loads(result.stdout)
        assert error["exit_code"] == 2 and "No such option: --no-such-option" in error["error"], path


def test_with_json_a_refusal_is_json_on_stdout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["games", "show", "42", "--json", "--db", str(tmp_path / "games.sqlite")])
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["exit_code"] == 2 and error["error"].startswith("no game 42 in sqlite:")
    plain = runner.invoke(app, ["games", "show", "42", "--db", str(tmp_path / "games.sqlite")])
    assert plain.exit_code == 2 and plain.stdout == ""  # without --json the error is on stderr only


def test_every_output_file_option_is_o_and_output() -> None:
    """One option name for the file a command writes: -o/--output (play keeps --report as an alias)."""
    writers = 0
    for path, command in every_command():
        for param in command.params:
            names = set(getattr(param, "opts", ()))
            if names & {"--output", "-o", "--report"}:
                writers += 1
                assert {"--output", "-o"} <= names, (path, names)
    assert writers >= 5
