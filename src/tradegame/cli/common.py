"""What every command shares: the exits, the consoles, and the checks made before any work starts.

Bad input (a file, an option, a path, a URL) ends a command with exit status 2 and one
``error: ...`` message on stderr, before anything is written. A failure while working (a
database that cannot be reached, a Model that raises) is exit status 1 with one message; the
traceback only with the global ``--debug``. ``CleanGroup`` turns any exception a command lets
escape into that one message, so no input can reach a traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.core import Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer._click.globals import get_current_context
from typer.core import TyperGroup

from tradegame.domain.errors import InvalidInputError, TradegameError
from tradegame.domain.limits import shown

if TYPE_CHECKING:  # rich is imported where a command prints with it (``play --json`` does not)
    from rich.console import Console

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "AsJson",
    "CleanGroup",
    "DataDir",
    "DbUrl",
    "check_db_url",
    "check_output_file",
    "check_output_folder",
    "crash",
    "exit_for",
    "fail",
    "market_store",
    "stdout_console",
]

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1

DbUrl = Annotated[
    str | None,
    typer.Option("--db", help="Database URL or SQLite file (default: $TRADEGAME_DB or a file in ~/.local/share)."),
]
DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Market-data store (default: $TRADEGAME_DATA or ~/.local/share/tradegame/data)."),
]


AsJson = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]

_errors_as_json = False  # set when the command line has --json: errors also go to stdout as JSON


def _error_line(message: str, exit_code: int) -> None:
    """``error: message`` on stderr; with ``--json`` also ``{"error": ..., "exit_code": ...}`` on stdout."""
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {message}", markup=False)
    if _errors_as_json:
        import json

        sys.stdout.write(json.dumps({"error": message, "exit_code": exit_code}) + "\n")
        sys.stdout.flush()


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit (status 2, bad input) to raise."""
    _error_line(message, EXIT_BAD_INPUT)
    return typer.Exit(EXIT_BAD_INPUT)


def crash(message: str) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit (status 1, a run-time failure) to raise.

    Under ``--debug`` the traceback of the exception being handled comes first.
    """
    if _debugging() and sys.exc_info()[0] is not None:
        traceback.print_exc()
    _error_line(message, EXIT_FAILURE)
    return typer.Exit(EXIT_FAILURE)


def _debugging() -> bool:
    context = get_current_context(silent=True)
    return bool(context is not None and context.find_root().params.get("debug"))


def exit_for(error: TradegameError) -> typer.Exit:
    """The exit for a refusal: status 1 for a failure at run time (a Model that raised, the
    database, books that do not replay), else 2 (the input was refused)."""
    from tradegame.engine.game import ModelError
    from tradegame.store import DatabaseError, ResumeMismatchError

    if isinstance(error, ModelError | DatabaseError | ResumeMismatchError) and not isinstance(error, InvalidInputError):
        return crash(str(error))
    return fail(str(error))


class CleanGroup(TyperGroup):
    """The root command: an exception no command handled becomes one message, never a traceback.

    Input the commands did not check (an ``InvalidInputError``) is exit 2; anything else is a
    failure, exit 1. ``tradegame --debug ...`` lets the exception through with its traceback.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's usage errors (a missing argument, an option of the wrong type) as one line."""
        global _errors_as_json
        _errors_as_json = "--json" in (sys.argv[1:] if args is None else list(args))
        try:
            returned = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as error:
            error.show()
            returned = error.exit_code
        except ClickException as error:
            _error_line(_one_line_usage(error), error.exit_code)
            returned = error.exit_code
        except typer.Abort:
            _error_line("aborted", EXIT_FAILURE)
            returned = EXIT_FAILURE
        if not standalone_mode:
            return returned
        sys.exit(returned if isinstance(returned, int) else 0)

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, ClickException, typer.Abort):
            raise
        except Exception as error:
            if ctx.params.get("debug"):
                raise
            if isinstance(error, InvalidInputError):
                raise fail(_one_line(error)) from None
            if isinstance(error, TradegameError):
                raise exit_for(error) from None
            raise crash(f"{type(error).__name__}: {_one_line(error)} (run with --debug for the traceback)") from None


def _one_line_usage(error: ClickException) -> str:
    message = _one_line(Exception(error.format_message()))
    if isinstance(error, UsageError) and error.ctx is not None:
        return f"{error.ctx.command_path}: {message} (see --help)"
    return message


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 500 else f"{text[:497]}..."


def stdout_console() -> Console:
    """Stdout console; wide enough for report columns when piped to a file."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 150))
    return console


def market_store(data_dir: Path | None, *, create: bool = False) -> Any:
    """The market-data store of ``--data-dir`` (else ``$TRADEGAME_DATA``, else the default one).

    The default store is made on first use. A named one must be a folder: a file is refused, and
    a missing folder too unless ``create`` (commands that store data make it, parents included,
    when they first write).
    """
    from tradegame.data.store import MarketStore

    if data_dir is not None:
        option, root = "--data-dir", data_dir
    elif os.environ.get("TRADEGAME_DATA"):
        option, root = "$TRADEGAME_DATA", Path(os.environ["TRADEGAME_DATA"])
    else:
        return MarketStore(None)
    root = root.expanduser()
    if root.exists() and not root.is_dir():
        raise fail(f"{option} {root} is a file, not a data store folder")
    if not root.exists():
        if not create:
            raise fail(f"no data store at {root} ({option}); `tradegame data import` makes one")
        ancestor = root.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():  # the store makes its folder when it first writes
            raise fail(f"{option} {root}: cannot make it, {ancestor} is a file")
    return MarketStore(root)


def check_output_file(path: Path, option: str) -> None:
    """Refuse, before any work, an output file that cannot be written: a folder, a missing parent
    folder, a place the process may not write. Probed by opening it (a new file is removed again)."""
    target = path.expanduser()
    if target.is_dir():
        raise fail(f"{option} {shown(str(path))} is a folder, not a file")
    if not target.parent.is_dir():
        raise fail(f"{option} {shown(str(path))}: the folder {shown(str(target.parent))} does not exist")
    existed = target.exists()
    try:
        with target.open("ab"):
            pass
    except OSError as error:
        raise fail(f"{option} {shown(str(path))}: cannot write it: {error.strerror or error}") from None
    if not existed:
        target.unlink(missing_ok=True)


def check_output_folder(path: Path, option: str) -> None:
    """Refuse, before any work, an output folder that cannot be made or written (probed with a
    temporary file in it, or in the nearest folder that exists)."""
    target = path.expanduser()
    if target.exists() and not target.is_dir():
        raise fail(f"{option} {shown(str(path))} is a file, not a folder")
    ancestor = target
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise fail(f"{option} {shown(str(path))}: cannot make it, {shown(str(ancestor))} is a file")
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as error:
        raise fail(f"{option} {shown(str(path))}: cannot write in {shown(str(ancestor))}: {error.strerror}") from None


def open_db(db_url: str | None) -> Any:
    """The Games database (``--db``, else ``$TRADEGAME_DB``, else a SQLite file).

    A URL that cannot be read, or a SQLite path that cannot be a file, is bad input (exit 2);
    a server that cannot be reached is a failure (exit 1).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from tradegame.store import DatabaseError, open_database

    url = check_db_url(db_url)
    try:
        return open_database(url)
    except DatabaseError as error:
        if isinstance(error.__cause__, SQLAlchemyError):
            raise crash(str(error)) from None
        raise fail(str(error)) from None


def check_db_url(db_url: str | None) -> str:
    """The database URL of ``--db`` (else ``$TRADEGAME_DB``, else the default file), refused (exit 2)
    when it cannot be read or cannot be a database; nothing is opened or made."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from tradegame.store import resolve_url

    option = "--db" if db_url else "$TRADEGAME_DB"
    url = resolve_url(db_url)
    try:
        parsed = make_url(url)
        _ = parsed.port  # a port that is not a number is only found here
    except (ArgumentError, ValueError):
        raise fail(
            f"{option}: cannot read the database URL (use sqlite:///PATH, a file path or postgresql://...)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.host or not parsed.database:
            raise fail(f"{option}: a SQLite URL is sqlite:///PATH (three slashes), got {shown(url)}")
        if parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            path = Path(parsed.database)
            if path.is_dir():
                raise fail(f"{option} {shown(str(path))} is a folder, not a database file")
            ancestor = path.parent
            while not ancestor.exists():
                ancestor = ancestor.parent
            if not ancestor.is_dir():
                raise fail(f"{option} {shown(str(path))}: {shown(str(ancestor))} is a file, not a folder")
    elif backend != "postgresql":
        raise fail(f"{option}: unsupported database {backend!r}; use sqlite:///PATH or postgresql://...")
    return url
