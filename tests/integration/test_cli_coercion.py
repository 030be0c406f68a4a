"""Options read without pydantic (cli/coercion.py) come out as Typer's own coercion gives them:
the same values, the same refusals. Typer's own, built per parameter, is the oracle."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from typer._coercion import build_runtime_param
from typer.testing import CliRunner

import tradegame.cli  # noqa: F401 (installs the coercion)
from tradegame.cli.coercion import _PlainCoercion

runner = CliRunner()


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


seen: dict[str, Any] = {}


def command(
    source: Annotated[Path, typer.Argument()],
    name: Annotated[str | None, typer.Option("--name")] = None,
    out: Annotated[Path | None, typer.Option("--out")] = None,
    folder: Annotated[Path | None, typer.Option("--folder", exists=True, file_okay=False)] = None,
    pace: Annotated[float | None, typer.Option("--pace", min=0.5)] = None,
    colour: Annotated[Colour, typer.Option("--colour")] = Colour.RED,
) -> None:
    seen.update(source=source, name=name, out=out, folder=folder, pace=pace, colour=colour)


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    app = typer.Typer()
    app.command()(command)
    seen.clear()
    result = runner.invoke(app, list(args))
    return result.exit_code, dict(seen), result.output


def typers_own(*args: str) -> tuple[int, dict[str, Any], str]:
    """``run`` with Typer's own coercion for every parameter."""
    plain = _PlainCoercion.coerce

    def own(self: _PlainCoercion, value: Any, param: Any, ctx: Any) -> Any:
        return build_runtime_param(self._descriptor).coerce(value, param=param, ctx=ctx)

    _PlainCoercion.coerce = own  # type: ignore[method-assign]
    try:
        return run(*args)
    finally:
        _PlainCoercion.coerce = plain  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "args",
    [
        ("game.toml",),
        ("game.toml", "--name", "x y", "--out", "a/b.html", "--colour", "blue", "--pace", "2"),
        ("game.toml", "--folder", "."),
        ("game.toml", "--folder", "missing-folder"),  # refused: does not exist
        ("game.toml", "--folder", "pyproject.toml"),  # refused: a file
        ("game.toml", "--pace", "0.1"),  # refused: below the minimum
        ("game.toml", "--colour", "green"),  # refused: not a choice
        ("", "--out", ""),
    ],
)
def test_the_same_values_and_refusals_as_typers_own(args: tuple[str, ...]) -> None:
    os.chdir(Path(__file__).resolve().parents[2])
    ours = run(*args)
    assert ours == typers_own(*args)
    if "--out" in args and args[0] == "game.toml":
        assert ours[1]["out"] == Path("a/b.html") and ours[1]["colour"] is Colour.BLUE and ours[1]["pace"] == 2.0
