"""``tradegame models list|show``: the Models this installation can see and what they take."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tradegame.cli.common import AsJson, fail, stdout_console
from tradegame.domain.errors import TradegameError

__all__ = ["models_app"]

models_app = typer.Typer(help="The Models a Game file can name.", no_args_is_help=True)


@models_app.command("list")
def models_list(as_json: AsJson = False) -> None:
    """List every Model this installation can see: the built-in ones and those installed packages
    add (entry-point group ``tradegame.models``), with their parameters.

    Example:

        tradegame models list --json
    """
    from tradegame.app.models import describe, visible_models

    models = [describe(found) for found in visible_models()]
    if as_json:
        typer.echo(json.dumps([model.as_json() for model in models], indent=2))
        return
    table = Table(title="Models a Game file can name")
    for column in ("name", "kind", "parameters", "summary"):
        table.add_column(column)
    for model in models:
        names = ", ".join(p.name if p.required else f"{p.name}={_default_text(p.default)}" for p in model.params)
        summary = f"error: {model.error}" if model.error else model.summary
        table.add_row(*(escape(cell) for cell in (model.name, model.kind, names, summary)))
    console = stdout_console()
    console.print(table)
    console.print(
        "name=default: optional. `tradegame models show NAME` gives the types. Your own Model: name it "
        "file.py:Class or module:Class in the Game file (found from its folder).",
        markup=False,
    )


@models_app.command("show")
def models_show(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A Model name, module:Class or file.py:Class.")],
    as_json: AsJson = False,
) -> None:
    """Show a Model: where it comes from, its docstring's first line and each parameter's type and default.

    NAME is what a Game file's ``[model] name`` holds; ``module:Class`` and ``file.py:Class`` are
    looked up from the current folder.

    Example:

        tradegame models show sma-crossover
    """
    from tradegame.app.models import describe, find_model
    from tradegame.engine.spec import InvalidGameError

    try:
        model = describe(find_model(name, Path.cwd()))
    except InvalidGameError as error:
        raise fail("; ".join(error.problems)) from None
    except TradegameError as error:
        raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(model.as_json(), indent=2))
        return
    console = stdout_console()
    console.print(f"{model.name}: {model.summary}", markup=False)
    console.print(f"source: {model.kind} {model.ref}", markup=False)
    if model.sha256:
        console.print(f"sha256: {model.sha256}", markup=False)
    table = Table(title="Parameters (the Game file's model.params)")
    for column in ("name", "type", "default"):
        table.add_column(column)
    for param in model.params:
        default = "required" if param.required else _default_text(param.default)
        table.add_row(escape(param.name), escape(param.type or "any"), escape(default))
    console.print(table)
    if model.more_params:
        console.print("It also takes any other parameter (**kwargs).", markup=False)


def _default_text(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # quoted, as in TOML
    return "none" if value is None else str(value)
