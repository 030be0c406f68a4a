"""The ``tradegame`` command: a thin Typer layer over the public API.

Bad input ends a command with exit status 2 and one message on stderr; nothing else is printed
and nothing is written. A failure at run time is exit status 1 with one message (``--debug``
shows its traceback); see ``cli/common.py``.

Each sub-command's module is imported when that command runs (``LazyGroup``), so ``tradegame
tax lots`` does not pay for pandas, the database or the engine, and ``tradegame --help`` lists the
commands from their one-line summaries here (a test checks them against each command's own) without
importing any of them.
"""

from __future__ import annotations

import importlib
from difflib import get_close_matches
from enum import StrEnum
from typing import Annotated, Any

import typer
from typer._click.core import Command, Context
from typer._click.exceptions import UsageError
from typer.core import TyperCommand

from tradegame.cli import coercion
from tradegame.cli.common import CleanGroup

__all__ = ["app", "main"]

coercion.install()  # options read without importing pydantic where none is needed (cli/coercion.py)

# name -> (module, attribute): a command function or a Typer (a group of sub-commands), in the
# order ``--help`` lists them (commands, then groups, as Typer orders them).
_COMMANDS: dict[str, tuple[str, str]] = {
    "play": ("tradegame.cli.play", "play"),
    "check": ("tradegame.cli.play", "check"),
    "demo": ("tradegame.cli.play", "demo"),
    "sweep": ("tradegame.cli.sweep", "sweep"),
    "report": ("tradegame.cli.games", "report"),
    "export": ("tradegame.cli.games", "export"),
    "resume": ("tradegame.cli.games", "resume"),
    "tax": ("tradegame.cli.tax", "tax_app"),
    "data": ("tradegame.cli.data", "data_app"),
    "games": ("tradegame.cli.games", "games_app"),
    "models": ("tradegame.cli.models", "models_app"),
    "experiment": ("tradegame.cli.experiment", "experiment_app"),
}
# What ``--help`` lists for each command: its own one-line summary (tests/integration/test_cli_rules.py
# checks that each equals the command's), so that listing them imports none of them.
SUMMARIES: dict[str, str] = {
    "play": "Play a Game and print its summary: outcome, score and its parts, return, CAGR, drawdown, Sharpe.",
    "check": "Check a Game file without playing it: every problem at once (exit 2), or a one-line summary.",
    "demo": "Play the bundled demo Game (momentum rotation through the 2020 crash, on real data).",
    "sweep": "Play the Game once per (fast, slow) pair with fast < slow, all at once on arrays.",
    "report": "Write a Game's HTML report (the Game is replayed from its stored definition and checked).",
    "export": (
        "Export every ledger and log of a Game, one file per table; or its trades as a `tax lots` trade list"
        " (--format lots: lots.csv), to combine Games that shared an account in one report."
    ),
    "resume": "Continue a Game that was interrupted, from its last committed Round, to the same books.",
    "tax": "Tax lots, wash sales and Form 8949-style reports.",
    "data": "Market data: bundled real history, imports and provider downloads.",
    "games": "Games kept in the database.",
    "models": "The Models a Game file can name.",
    "experiment": "Plan, run, replay and report experiments: populations of Games.",
}


def _build(name: str) -> Command:
    """The click command of ``name``, its module imported now."""
    module, attribute = _COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
        holder.command("_")(lambda: None)  # two commands make a group, whatever the first's name
    return typer.main.get_group(holder).commands[name]


class LazyGroup(CleanGroup):
    """The root command: a sub-command's module is imported the first time it is run; ``--help``
    lists the commands from ``SUMMARIES``."""

    _listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in _COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            if self._listing:  # a stand-in that only says what the command does
                return TyperCommand(cmd_name, help=SUMMARIES[cmd_name], callback=None)
            self.commands[cmd_name] = _build(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Context, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        """As Typer's, with "Did you mean" drawn from every command, loaded or not."""
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            matches = get_close_matches(args[0], list(_COMMANDS)) if args else []
            if matches and "Did you mean" not in error.message:
                suggestions = ", ".join(f"{match!r}" for match in matches)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise


app = typer.Typer(
    cls=LazyGroup,
    help="Play, test and run trading strategies as games, with exact books.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(shown: bool) -> None:
    if shown:
        from tradegame import __version__

        typer.echo(f"tradegame {__version__}")
        raise typer.Exit()


class LogFormatChoice(StrEnum):
    TEXT = "text"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@app.callback()
def _options(
    log_format: Annotated[
        LogFormatChoice, typer.Option("--log-format", help="Logs on stderr: text or json.")
    ] = LogFormatChoice.TEXT,
    log_level: Annotated[
        LogLevel, typer.Option("--log-level", help="The least a log line must be.")
    ] = LogLevel.WARNING,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of a failure.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and stop."),
    ] = False,
) -> None:
    """Play, test and run trading strategies as games, with exact books."""
    from tradegame.cli.logs import configure_logging

    configure_logging("json" if log_format is LogFormatChoice.JSON else "text", log_level.value)


def main() -> None:
    """Entry point of the ``tradegame`` console script."""
    app()
