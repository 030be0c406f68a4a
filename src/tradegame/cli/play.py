"""``tradegame play`` and ``tradegame demo``: play a Game with a progress bar and print its summary."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer

from tradegame.app.play import Played, demo_game, report_played, summary
from tradegame.cli.common import (
    EXIT_BAD_INPUT,
    DataDir,
    DbUrl,
    check_db_url,
    check_output_file,
    exit_for,
    fail,
    market_store,
    open_db,
    stdout_console,
)
from tradegame.cli.logs import log
from tradegame.cli.progress import progress_bar, shown
from tradegame.domain.errors import TradegameError
from tradegame.engine.game import Game, GameResult
from tradegame.engine.gamefile import GameFile

if TYPE_CHECKING:  # rich only where a table or a progress bar is shown (not with --json)
    from rich.progress import Progress, TaskID

    from tradegame.store import Database

__all__ = ["DataDir", "DbUrl", "Pacer", "check", "demo", "play", "progress_columns"]


class _ProgressObserver:
    """Moves a Rich progress bar after every Round (rounds done, time left, current value)."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress = progress
        self.task = task

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        if round_index == 0:
            self.progress.update(self.task, total=len(game.times))
        if round_index % 5 == 0 or round_index + 1 == len(game.times):
            self.progress.update(self.task, completed=round_index + 1, value=f"{value:,.2f}")

    def game_done(self, game: Game, result: GameResult) -> None:
        self.progress.update(self.task, completed=len(game.times))


@contextmanager
def rounds_bar(description: str, *, quiet: bool = False) -> Iterator[_ProgressObserver | None]:
    """A transient bar of the Rounds played (``progress_columns``) as a Round observer; ``None``
    where none is shown (off a terminal, or with --json)."""
    if not shown(quiet):
        yield None
        return
    from rich.progress import Progress

    with Progress(*progress_columns(), transient=True) as progress:  # type: ignore[arg-type]
        yield _ProgressObserver(progress, progress.add_task(description, total=None, value=""))


class Pacer:
    """Holds a Game to at most ``rate`` Rounds a second (``play --pace``): Round ``i`` ends no sooner
    than ``i / rate`` seconds after Round 0, so a Game can be watched, or stopped part-way."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"a pace is a number of Rounds a second above 0, not {rate}")
        self.rate, self.clock, self.sleep = rate, clock, sleep
        self.start: float | None = None

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        now = self.clock()
        if self.start is None:
            self.start = now
        wait = self.start + round_index / self.rate - now
        if wait > 0:
            self.sleep(wait)

    def game_done(self, game: Game, result: GameResult) -> None:
        return None


def progress_columns() -> tuple[object, ...]:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

    return (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rounds"),
        TimeRemainingColumn(),
        TextColumn("value {task.fields[value]}"),
    )


def _play(
    source: GameFile | Path, data_dir: Path | None, db_url: str | None, quiet: bool, pace: float | None = None
) -> tuple[int, Played]:
    """Check the Game (every problem at once, exit 2) before the database is opened, then play and record it
    (at most ``pace`` Rounds a second, if given)."""
    from tradegame.app.checking import inspect_game
    from tradegame.app.play import Tee, record

    store = market_store(data_dir)
    check_db_url(db_url)  # a bad --db is refused first, as before; the database is opened once the Game can start
    try:
        pinned, game, found = inspect_game(source, store).ready()
    except TradegameError as error:
        log().info("game.refused", error=str(error))
        raise exit_for(error) from None
    db: Database = open_db(db_url)
    try:
        log().info("game.start", game=pinned.spec.name, model=pinned.model, rounds=len(game.times), db=db.where)
        pacer = None if pace is None else Pacer(pace)
        with rounds_bar(pinned.spec.name, quiet=quiet) as bar:  # a transient bar is never seen off a terminal
            game_id, played = record(pinned, game, db, Tee(bar, pacer), model_source=found.source)
    except TradegameError as error:
        log().info("game.refused", error=str(error))
        raise exit_for(error) from None
    finally:
        db.close()
    result = played.result
    log().info("game.done", id=game_id, game=result.spec.name, outcome=result.outcome, score=str(result.score.score))
    return game_id, played


def _print_summary(numbers: dict[str, object]) -> None:
    from rich.table import Table

    bust = ", bust" if numbers["bust"] else ""
    table = Table(title=f"Game {numbers['id']} {numbers['game']}: {numbers['outcome']}{bust}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")

    def pct(value: object) -> str:
        return "n/a" if value is None else f"{float(value):.2%}"  # type: ignore[arg-type]

    rows = [
        ("outcome", f"{numbers['outcome']} at round {numbers['outcome_round']} ({numbers['outcome_reason']})"),
        ("start capital", f"{float(numbers['start_capital']):,.2f}"),  # type: ignore[arg-type]
        ("final value", f"{float(numbers['final_value']):,.2f}"),  # type: ignore[arg-type]
        ("gross profit", f"{float(numbers['gross_profit']):,.2f}"),  # type: ignore[arg-type]
        ("- fees", f"{float(numbers['fees']):,.2f}"),  # type: ignore[arg-type]
        ("- running costs", f"{float(numbers['running_costs']):,.2f}"),  # type: ignore[arg-type]
        ("- taxes", f"{float(numbers['taxes']):,.2f}"),  # type: ignore[arg-type]
        ("= score", f"{float(numbers['score']):,.2f}"),  # type: ignore[arg-type]
        ("return", pct(numbers["total_return"])),
        ("CAGR", pct(numbers["cagr"])),
        ("max drawdown", pct(numbers["max_drawdown"])),
        ("Sharpe", "n/a" if numbers["sharpe"] is None else f"{float(numbers['sharpe']):.2f}"),  # type: ignore[arg-type]
        ("trades", str(numbers["trades"])),
        (f"benchmark ({numbers['benchmark']})", pct(numbers["benchmark_return"])),
        ("rounds", str(numbers["rounds"])),
    ]
    rates = numbers.get("fx_rates")
    if isinstance(rates, dict):
        rows += [(f"rate {code}->{numbers.get('currency')}", str(source)) for code, source in rates.items()]
    sales = numbers.get("end_sales")
    if isinstance(sales, list):
        rows += [("end sold", str(sale)) for sale in sales]
    parts = numbers.get("contributions")  # a Game an Activator played: each Model's part of the score
    if isinstance(parts, dict):
        rows += [(f"score of {model}", f"{float(part):,.2f}") for model, part in parts.items()]
    for name, value in rows:
        table.add_row(name, value)
    console = stdout_console()
    console.print(table)
    if numbers["note"]:
        console.print(f"note: {numbers['note']}", markup=False)


ReportPath = Annotated[
    Path | None, typer.Option("--output", "-o", "--report", help="Write the HTML report to this file.")
]
Cdn = Annotated[
    bool,
    typer.Option(
        "--cdn", help="Load plotly.js from its CDN in the report (4.6 MB smaller; its charts need the network)."
    ),
]


def _write_report(played: Played, path: Path | None, quiet: bool, cdn: bool = False) -> None:
    if path is None:
        return
    with progress_bar("report", "sections", quiet=quiet) as advance:
        report_played(played, path, cdn=cdn, progress=advance)
    if not quiet:
        stdout_console().print(f"report: {path}")


def _show(game_id: int, played: Played, as_json: bool, report: Path | None, cdn: bool = False) -> None:
    """The summary (a table, or JSON) and the report, if asked for."""
    numbers = {"id": game_id, **summary(played)}
    if as_json:
        typer.echo(json.dumps(numbers, indent=2))
    else:
        _print_summary(numbers)
    _write_report(played, report, as_json, cdn)


def play(
    game_toml: Annotated[Path, typer.Argument(metavar="GAME.toml", help="The Game definition.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    report: ReportPath = None,
    cdn: Cdn = False,
    pace: Annotated[
        float | None,
        typer.Option(
            "--pace",
            min=0.001,
            help="Play at most this many Rounds a second (watch a Game unfold, or stop one part-way); "
            "the books are the same. Default: as fast as it can.",
        ),
    ] = None,
    db: DbUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Play a Game and print its summary: outcome, score and its parts, return, CAGR, drawdown, Sharpe.

    Example:

        tradegame play examples/games/sma-2008.toml
    """
    if report is not None:
        check_output_file(report, "--output")
    game_id, played = _play(game_toml, data_dir, db, quiet=as_json, pace=pace)
    _show(game_id, played, as_json, report, cdn)


def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    report: Annotated[Path, typer.Option("--output", "-o", "--report", help="Where to write the HTML report.")] = Path(
        "tradegame-demo.html"
    ),
    db: DbUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Play the bundled demo Game (momentum rotation through the 2020 crash, on real data).

    Example:

        tradegame demo
    """
    check_output_file(report, "--output")
    game_id, played = _play(demo_game(), data_dir, db, quiet=as_json)
    _show(game_id, played, as_json, report)


def check(
    game_toml: Annotated[Path, typer.Argument(metavar="GAME.toml", help="The Game definition.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Check a Game file without playing it: every problem at once (exit 2), or a one-line summary.

    Checks its fields, its Model and parameters, its datasets and symbols, its dates and Rounds
    against the data, and its currencies' rates; writes nothing to the Games database. Example:

        tradegame check examples/games/sma-2008.toml
    """
    from tradegame.app.checking import inspect_game

    store = market_store(data_dir)
    checked = inspect_game(game_toml, store)
    if checked.problems and as_json:
        typer.echo(json.dumps({"file": str(game_toml), "ok": False, "problems": list(checked.problems)}, indent=2))
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        game_file, game, _ = checked.ready()
    except TradegameError as error:
        raise fail(str(error)) from None
    spec, symbols = game_file.spec, list(game.universe.symbols)
    days = [str(np.datetime64(int(ns), "ns").astype("datetime64[D]")) for ns in (game.times[0], game.times[-1])]
    if as_json:
        datasets = [{"dataset": d.dataset, "hash": d.content_hash, "symbols": list(d.symbols or ())} for d in spec.data]
        numbers = {
            "file": str(game_toml),
            "ok": True,
            "problems": [],
            "game": spec.name,
            "model": game_file.model,
            "rounds": len(game.times),
            "first_round": days[0],
            "last_round": days[1],
            "datasets": datasets,
            "symbols": symbols,
        }
        typer.echo(json.dumps(numbers, indent=2))
        return
    names = ", ".join(d.dataset for d in spec.data)
    stdout_console().print(
        f"ok: {game_toml}: Game {spec.name!r}, model {game_file.model}, {len(game.times)} rounds "
        f"from {days[0]} to {days[1]} on {names} ({', '.join(symbols)})",
        markup=False,
        soft_wrap=True,
    )
