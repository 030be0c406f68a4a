"""The ``tradegame`` command: a thin Typer layer over the public API.

Bad input ends a command with exit status 2 and one message on stderr; nothing else is printed.
"""

from __future__ import annotations

import typer

from tradegame.cli.data import data_app
from tradegame.cli.play import demo, play
from tradegame.cli.tax import tax_app

__all__ = ["app", "main"]

app = typer.Typer(help="Play, test and run trading strategies as games, with exact books.", no_args_is_help=True)
app.add_typer(tax_app, name="tax")
app.add_typer(data_app, name="data")
app.command("play")(play)
app.command("demo")(demo)


def main() -> None:
    """Entry point of the ``tradegame`` console script."""
    app()
