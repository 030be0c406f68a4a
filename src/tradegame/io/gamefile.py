"""Reading Game files: ``load_game`` and ``read_game`` open a Game TOML file, decode and parse it,
and hand the document to ``engine.gamefile`` (which owns the format and every check of its fields).

The file side of the Game definition: a file that cannot be read, is not UTF-8 or is not valid
TOML becomes one problem naming the file (and the line and column of a TOML syntax error).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Final

from tradegame.engine.gamefile import GameDraft, GameFile, draft_game

__all__ = ["load_game", "read_game"]

_TOML_ERROR_AT: Final = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$", re.DOTALL)


def load_game(path: Path) -> GameFile:
    """Read a Game TOML file; raises ``InvalidGameError`` (a ``GameFileError``) listing every problem.

    A TOML syntax error is reported with the file name, line and column.
    """
    return read_game(path).game_file()


def read_game(path: Path) -> GameDraft:
    """A Game TOML file read as far as it can be, with every problem of its fields (``GameDraft``)."""
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        return GameDraft(source, (f"{source}: cannot read the file: {error.strerror or error}",))
    except UnicodeDecodeError as error:
        return GameDraft(source, (f"{source}: not UTF-8 text ({error.reason} at byte {error.start})",))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return GameDraft(source, (_syntax_problem(source, str(error)),))
    return draft_game(document, source)


def _syntax_problem(source: str, message: str) -> str:
    found = _TOML_ERROR_AT.match(message)
    if found is None:
        return f"{source}: invalid TOML: {message}"
    return f"{source}, line {found['line']}, column {found['column']}: invalid TOML: {found['message']}"
