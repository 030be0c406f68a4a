"""``tradegame games list|show|delete``, ``report``, ``export`` and ``resume``: Games kept in the database."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tradegame.cli.common import (
    AsJson,
    DataDir,
    DbUrl,
    check_output_file,
    check_output_folder,
    exit_for,
    fail,
    market_store,
    open_db,
    stdout_console,
)
from tradegame.cli.ledgers import Ledger, ledger_rows, ledger_table, money_text
from tradegame.cli.logs import log
from tradegame.cli.progress import progress_bar
from tradegame.domain.errors import TradegameError
from tradegame.store import GameRow, StoredGame, delete_game
from tradegame.store.deletion import check_deletable

if TYPE_CHECKING:  # rich where a table is printed, the Games' play only for `resume` (`games list` stays light)
    from rich.table import Table

__all__ = ["export", "games_app", "report", "resume"]

games_app = typer.Typer(help="Games kept in the database.", no_args_is_help=True)
GameId = Annotated[int, typer.Argument(metavar="ID", help="The Game's id (see `tradegame games list`).")]


def _text(value: object) -> str:
    """A cell: nothing for ``None``, money as money (``100,000.00``)."""
    if isinstance(value, Decimal):
        return money_text(value)
    return "" if value is None else str(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@games_app.command("list")
def games_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False, db: DbUrl = None
) -> None:
    """List every Game in the database, newest last.

    A Game's status is running, finished, failed, or interrupted: its process is gone (killed, or
    stopped without finishing), and `tradegame resume ID` finishes it.

    Example:

        tradegame games list --json
    """
    database = open_db(db)
    try:
        rows = database.list_games()
    finally:
        database.close()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {**row._asdict(), "created_at": row.created_at.isoformat(), "heartbeat_at": _iso(row.heartbeat_at)}
                    for row in rows
                ],
                default=str,
            )
        )
        return
    from rich.table import Table

    table = Table(title=f"Games in {database.where}")
    for column in ("id", "name", "model", "status", "rounds", "outcome", "score", "rules", "created"):
        table.add_column(column, justify="right" if column in ("id", "rounds", "score", "rules") else "left")
    for row in rows:
        rounds = f"{(row.last_round or -1) + 1}/{_text(row.round_count)}"
        created = row.created_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(
            str(row.id),
            row.name,
            row.model,
            row.status,
            rounds,
            _text(row.outcome),
            _text(row.score),
            str(row.engine_rules),
            created,
        )
    stdout_console().print(table)


@games_app.command("show")
def games_show(
    game_id: GameId,
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as one JSON object.")] = False,
    events: Annotated[int, typer.Option(min=0, help="How many decision-log lines to print (the latest).")] = 30,
    ledger: Annotated[
        Ledger | None, typer.Option("--ledger", help="Print this ledger in full instead (with --json: its rows).")
    ] = None,
    db: DbUrl = None,
) -> None:
    """Show a Game: its summary, decision log and ledgers, or one ledger in full.

    Examples:

        tradegame games show 1 --events 50
        tradegame games show 1 --ledger journal
    """
    database = open_db(db)
    try:
        stored = database.load_game(game_id)
    except TradegameError as error:
        raise exit_for(error) from None
    finally:
        database.close()
    if ledger is not None:
        _show_ledger(stored, ledger, as_json)
        return
    if as_json:
        tables = {
            name: [dict(zip(columns, row, strict=True)) for row in rows]
            for name, (columns, rows) in stored.tables().items()
        }
        if training := _training_of(stored):
            tables["training"] = training
        typer.echo(json.dumps(tables, default=str))
        return
    from rich.table import Table

    console = stdout_console()
    game = stored.game
    console.print(_summary_table(stored))
    if game.other_rules is not None:
        console.print(
            f"{game.other_rules}: these are the stored books; `report` shows them, `resume` cannot replay them",
            markup=False,
        )
    console.print(_log_table(stored, events))
    ledgers = Table(title="Ledgers")
    ledgers.add_column("ledger")
    ledgers.add_column("lines", justify="right")
    for name, (_, rows) in stored.tables().items():
        if name != "games":
            ledgers.add_row(name, str(len(rows)))
    console.print(ledgers)
    console.print(f"print one in full with: tradegame games show {game.id} --ledger journal|cost|tax|decisions|...")
    console.print(f"export every ledger with: tradegame export {game.id} --format csv")


def _training_of(stored: StoredGame) -> list[dict[str, object]]:
    """A stored Game's trainable Models' versions (``app.stored.stored_training``), as JSON."""
    from tradegame.app.stored import stored_training

    return [version.as_json() for version in stored_training(stored)]


def _show_ledger(stored: StoredGame, ledger: Ledger, as_json: bool) -> None:
    if as_json:
        columns, rows = ledger_rows(stored, ledger)
        typer.echo(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str))
    else:
        stdout_console().print(ledger_table(stored, ledger))


def _summary_table(stored: StoredGame) -> Table:
    """``games show``'s first table: the Game's row, its Model's source, the Rounds stored, a bust."""
    from rich.table import Table

    game = stored.game
    summary = Table(title=f"Game {game.id}: {game.name}", show_header=False)
    summary.add_column("", style="bold")
    summary.add_column("")
    for name in ("status", "model", "outcome", "outcome_round", "outcome_reason", "start_capital", "final_value",
                 "gross_profit", "fees", "running_costs", "taxes", "score", "data_hash", "engine_rules",
                 "error", "owner", "heartbeat_at"):  # fmt: skip
        summary.add_row(name.replace("_", " "), _text(getattr(game, name)))
    if game.model_kind is not None:
        summary.add_row("model source", f"{game.model_kind} {game.model_ref}")
    if game.model_sha256 is not None:
        summary.add_row("model sha256", game.model_sha256)
    summary.add_row("rounds stored", str(len(stored.rounds)))
    bust = next((r for r in stored.rounds if r.value is not None and r.value <= 0), None)
    if bust is not None:
        summary.add_row("bust", f"yes: at round {bust.round} ({bust.ts.date()}) the value fell to {bust.value:,.2f}")
    return summary


def _log_table(stored: StoredGame, events: int) -> Table:
    """The last ``events`` lines of the decision log."""
    from rich.table import Table

    log_table = Table(title=f"Decision log (last {min(events, len(stored.events))} of {len(stored.events)})")
    for column in ("round", "time", "kind", "move", "account", "symbol", "detail", "ops"):
        log_table.add_column(column)
    for event in stored.events[-events:] if events else []:
        log_table.add_row(
            str(event.round), str(event.ts)[:19], event.kind, _text(event.move_id), _text(event.account),
            _text(event.symbol), event.detail, " ".join(event.op_ids),
        )  # fmt: skip
    return log_table


def _interactive() -> bool:
    """Whether a person can be asked: stdin is a terminal."""
    return sys.stdin.isatty()


@games_app.command("delete")
def games_delete(
    game_id: GameId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking (needed with no terminal).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Delete an interrupted Game too.")] = False,
    db: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Delete a Game and every row of it: Rounds, decision log, journal, ledgers, lots.

    On a terminal it asks first; without one it deletes only with --yes. A running Game (being
    played by a live process) is never deleted; an interrupted one, waiting for `tradegame
    resume`, only with --force.

    Example:

        tradegame games delete 3 --yes
    """
    database = open_db(db)
    try:
        row = database.game(game_id)
        check_deletable(game_id, row.name, row.status, force=force)
        if not yes:
            if not _interactive():
                raise fail(f"game {game_id} was not deleted: there is no terminal to ask on; confirm with --yes")
            score = "" if row.score is None else f", score {row.score}"
            if not typer.confirm(f"Delete game {game_id} ({row.name}, {row.status}{score}) and all of its rows?"):
                typer.echo("nothing was deleted")
                raise typer.Exit(1)
        deleted = delete_game(database, game_id, force=force)
    except TradegameError as error:
        raise fail(str(error)) from None
    finally:
        database.close()
    log().info("game.deleted", id=game_id, rows=deleted)
    if as_json:
        typer.echo(json.dumps({"id": game_id, "name": row.name, "deleted_rows": deleted}, indent=2))
        return
    typer.echo(f"deleted game {game_id} ({row.name}): {sum(deleted.values())} rows in {len(deleted)} tables")


def report(
    game_id: GameId,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Report file (default: game-ID.html).")] = None,
    cdn: Annotated[
        bool, typer.Option("--cdn", help="Load plotly.js from its CDN (4.6 MB smaller; its charts need the network).")
    ] = False,
    db: DbUrl = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Write a Game's HTML report (the Game is replayed from its stored definition and checked).

    A Game played under other engine rules, or whose Model's source file changed since it was
    stored, is not replayed: its report shows the stored books, with a notice saying why.

    Example:

        tradegame report 1 --output my-game.html
    """
    from tradegame.app.models import source_change
    from tradegame.app.play import replay_stored, report_played
    from tradegame.app.stored import stored_notice, write_stored_game_report
    from tradegame.cli.play import rounds_bar

    path = output or Path(f"game-{game_id}.html")
    check_output_file(path, "--output")
    store = market_store(data_dir)
    database = open_db(db)
    try:
        row = database.game(game_id)
        why = row.other_rules or source_change(row)
        if why is not None:
            books = write_stored_game_report(database, game_id, path, why)
            if as_json:
                _print_json({"id": game_id, "report": str(path), "replayed": False, "notice": stored_notice(row, why)})
                return
            typer.echo(stored_notice(row, why))
            if books.score is not None:
                typer.echo(_stored_outcome(row))
            else:
                typer.echo(f"game {game_id} is {row.status}: {len(books.round_values)} Rounds stored, no score")
            typer.echo(f"report: {path}")
            return
        with rounds_bar(f"replay {game_id}", quiet=as_json) as bar:
            played = replay_stored(database, game_id, store, bar)
    except TradegameError as error:
        raise exit_for(error) from None
    finally:
        database.close()
    with progress_bar("report", "sections", quiet=as_json) as advance:
        report_played(played, path, cdn=cdn, progress=advance)
    if as_json:
        _print_json({"id": game_id, "report": str(path), "replayed": True, "notice": None})
        return
    typer.echo(f"report: {path}")


def _print_json(numbers: dict[str, object]) -> None:
    typer.echo(json.dumps(numbers, indent=2, default=str))


def _stored_outcome(row: GameRow) -> str:
    return f"game {row.id} finished: {row.outcome}, score {row.score} (stored)"


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    LOTS = "lots"  # the trades as a `tax lots` trade list


def export(
    game_id: GameId,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="csv, parquet, or lots (the trades as a `tax lots` trade list).")
    ] = ExportFormat.CSV,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder (default: game-ID/).")] = None,
    db: DbUrl = None,
    as_json: AsJson = False,
) -> None:
    """Export every ledger and log of a Game, one file per table; or its trades as a `tax lots`
    trade list (--format lots: lots.csv), to combine Games that shared an account in one report.

    Example:

        tradegame export 1 --format parquet --output exports/
    """
    folder = output or Path(f"game-{game_id}")
    check_output_folder(folder, "--output")
    database = open_db(db)
    try:
        if fmt is ExportFormat.LOTS:  # the trades as a `tradegame tax lots` trade list (app/lots_export.py)
            from tradegame.app.lots_export import lot_rows, write_lots

            stored = database.load_game(game_id)
            lot_rows(stored)  # refuses a Game the format cannot hold before the folder is made
            folder.mkdir(parents=True, exist_ok=True)
            paths = [write_lots(stored, folder / "lots.csv")]
        else:
            with progress_bar("export", "tables", quiet=as_json) as advance:
                paths = database.export(game_id, folder, "csv" if fmt is ExportFormat.CSV else "parquet", advance)
    except TradegameError as error:
        raise exit_for(error) from None
    finally:
        database.close()
    if as_json:
        _print_json({"id": game_id, "files": [str(path) for path in paths]})
        return
    for path in paths:
        typer.echo(str(path))


def resume(game_id: GameId, db: DbUrl = None, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Continue a Game that was interrupted, from its last committed Round, to the same books.

    A Game whose process still runs is refused (exit 2), and of two resumes of one Game started
    at once only one plays it. A Game played under other engine rules is not replayed: a
    finished one shows its stored score, an unfinished one is refused and left as it is.

    Example:

        tradegame resume 3
    """
    from tradegame.app.play import check_resumable, resume_stored
    from tradegame.app.stored import stored_notice
    from tradegame.cli.play import rounds_bar

    store = market_store(data_dir)
    database = open_db(db)
    try:
        row = database.game(game_id)
        if row.other_rules is not None and row.status == "finished":
            if as_json:
                _print_json({"id": game_id, "outcome": row.outcome, "score": row.score, "notice": stored_notice(row)})
                return
            typer.echo(stored_notice(row))
            typer.echo(_stored_outcome(row))
            return
        check_resumable(database, game_id)  # before the progress bar: a refusal is the only output
        with rounds_bar(f"resume {game_id}", quiet=as_json) as bar:
            played = resume_stored(database, game_id, store, bar)
    except TradegameError as error:
        raise exit_for(error) from None
    finally:
        database.close()
    log().info("game.resumed", id=game_id, outcome=played.result.outcome)
    if as_json:
        _print_json(
            {"id": game_id, "outcome": played.result.outcome, "score": played.result.score.score, "notice": None}
        )
        return
    typer.echo(f"game {game_id} finished: {played.result.outcome}, score {played.result.score.score}")
