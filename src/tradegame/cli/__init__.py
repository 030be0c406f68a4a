"""The ``tradegame`` command: a thin Typer layer over the public API.

Bad input ends a command with exit status 2 and one message on stderr; nothing else is printed
and nothing is written. A failure at run time is exit status 1 with one message (``--debug``
shows its traceback); see ``cli/common.py``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tradegame.cli.common import CleanGroup, fail
from tradegame.cli.data import data_app
from tradegame.cli.experiment import experiment_app
from tradegame.cli.experiment_report import report_experiment
from tradegame.cli.games import export, games_app, report, resume
from tradegame.cli.logs import LogFormat, configure_logging
from tradegame.cli.models import models_app
from tradegame.cli.play import check, demo, play
from tradegame.cli.sweep import sweep
from tradegame.cli.tax import tax_app

__all__ = ["app", "main"]

app = typer.Typer(
    cls=CleanGroup,
    help="Play, test and run trading strategies as games, with exact books.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    log_format: Annotated[str, typer.Option("--log-format", help="Logs on stderr: text or json.")] = "text",
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "warning",
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of a failure.")] = False,
) -> None:
    """Play, test and run trading strategies as games, with exact books."""
    if log_format not in ("text", "json"):
        raise fail(f"--log-format must be text or json, got {log_format!r}")
    fmt: LogFormat = "json" if log_format == "json" else "text"
    try:
        configure_logging(fmt, log_level)
    except ValueError as error:
        raise fail(str(error)) from None


app.add_typer(tax_app, name="tax")
app.add_typer(data_app, name="data")
app.command("play")(play)
app.command("check")(check)
app.command("demo")(demo)
app.command("sweep")(sweep)
app.add_typer(games_app, name="games")
app.add_typer(models_app, name="models")
app.command("report")(report)
app.command("export")(export)
app.command("resume")(resume)
experiment_app.command("report")(report_experiment)
app.add_typer(experiment_app, name="experiment")


def main() -> None:
    """Entry point of the ``tradegame`` console script."""
    app()
