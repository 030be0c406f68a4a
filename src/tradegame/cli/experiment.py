"""``tradegame experiment``: plan, run and replay populations of Games (``tradegame.experiments``)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tradegame.cli.common import DataDir, DbUrl, check_db_url, exit_for, market_store, open_db, stdout_console
from tradegame.domain.errors import TradegameError

__all__ = ["experiment_app"]

experiment_app = typer.Typer(
    help="Plan, run, replay and report experiments: populations of Games.", no_args_is_help=True
)


class Engine(StrEnum):
    """Where an experiment's Games are played."""

    local = "local"
    ray = "ray"


ExperimentFile = Annotated[Path, typer.Argument(metavar="EXP.toml", help="The experiment file.")]


def _prepared(path: Path, data_dir: Path | None) -> Any:
    from tradegame.experiments.prepare import load_experiment, prepare_experiment

    store = market_store(data_dir)
    try:
        experiment = load_experiment(path)
        return prepare_experiment(experiment, store, path.resolve().parent)
    except TradegameError as error:
        raise exit_for(error) from None


@experiment_app.command("plan")
def plan(
    path: ExperimentFile,
    sample: Annotated[int, typer.Option("--sample", min=0, help="Games to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Check an experiment and print how many Games it has and a sample of them; nothing is played.

    tradegame experiment plan examples/experiments/seasonality.toml
    """
    prepared = _prepared(path, data_dir)
    games = prepared.games
    count = min(sample, len(games))
    shown = [games[i * (len(games) - 1) // max(count - 1, 1)] for i in range(count)]  # spread over the plan
    rows = [{"game_id": g.game_id, "seed": g.seed, "coordinates": dict(g.coordinates)} for g in shown]
    axes: dict[str, set[str]] = {}
    for game in games:
        for key, value in game.coordinates.items():
            shown_value = [value, game.coordinates.get("params")] if key == "model" else value  # name and params
            axes.setdefault(key, set()).add(json.dumps(shown_value, sort_keys=True))
    sizes = {key: len(values) for key, values in axes.items() if key not in ("params", "symbols")}  # not axes
    left_out = list(prepared.left_out)
    if as_json:
        numbers = {"experiment_id": prepared.experiment_id, "games": len(games), "calendar": prepared.calendar}
        numbers["axes"] = sizes
        typer.echo(json.dumps({**numbers, "left_out": left_out, "sample": rows}, indent=2))
        return
    console = stdout_console()
    shape = " x ".join(f"{size} {key}" for key, size in sizes.items())
    console.print(f"experiment {prepared.experiment_id}: {len(games):,} Games ({shape}; calendar {prepared.calendar})")
    if left_out:
        console.print(f"  {len(left_out):,} Games left out, their universe empty at their start: {left_out[0]}, ...",
                      markup=False)  # fmt: skip
    for row in rows:
        console.print(f"  {row['game_id']}  seed {row['seed']:>9}  {json.dumps(row['coordinates'])}", markup=False)


@experiment_app.command("run")
def run(
    path: ExperimentFile,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Processes (default: every core).")] = None,
    engine: Annotated[
        Engine, typer.Option("--engine", help="local: a process pool here; ray: Ray tasks (a local Ray or --address).")
    ] = Engine.local,
    address: Annotated[
        str | None, typer.Option("--address", help="A Ray cluster to join (host:port, ray://..., auto); --engine ray.")
    ] = None,
    keep_books: Annotated[
        bool,
        typer.Option(
            "--keep-books", help="Also store every Game with its full books (tradegame games show/report/export)."
        ),
    ] = False,
    db_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's summary as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Play every Game of an experiment not yet in the database, each batch's rows written as it ends.

    A rerun of the same experiment skips the finished Games. Example:

        tradegame experiment run examples/experiments/seasonality.toml --workers 2

    The same Games on Ray (a local Ray of 2 CPUs, or a cluster): --engine ray [--address HOST:PORT]

    With --keep-books every Game is played through the Round loop and stored as `tradegame play`
    stores one, its row naming it (stored_game_id), row and books in one transaction.
    """
    from tradegame.experiments.runner import backend_for

    check_db_url(db_url)
    try:
        backend = backend_for(engine.value, workers, address)
    except TradegameError as error:
        raise exit_for(error) from None
    prepared = _prepared(path, data_dir)
    db = open_db(db_url)
    try:
        summary = _run_with_progress(prepared, db, backend, quiet=as_json, keep_books=keep_books)
    except TradegameError as error:
        raise exit_for(error) from None
    finally:
        db.close()
    _print_run(summary, db.where, as_json)


def _run_with_progress(prepared: Any, db: Any, backend: Any, *, quiet: bool, keep_books: bool = False) -> Any:
    """Run the experiment with a progress bar (Games done, rate, time left); its ``RunSummary``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from tradegame.experiments.runner import run_experiment

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("Games, {task.fields[rate]} Games/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, disable=quiet) as progress:
        task = progress.add_task(prepared.experiment_id, total=None, rate="-")

        def advance(done: int, total: int) -> None:
            elapsed = progress.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:,.1f}" if done and elapsed else "-"
            progress.update(task, completed=done, total=total, rate=rate)

        return run_experiment(prepared, db, backend, advance, keep_books=keep_books)


def _print_run(summary: Any, where: str, as_json: bool) -> None:
    """The run's numbers, as JSON or one line."""
    numbers = {
        "experiment_id": summary.experiment_id,
        "games": summary.total,
        "skipped": summary.skipped,
        "played": summary.played,
        "errors": summary.errors,
        "seconds": round(summary.seconds, 3),
        "games_per_second": round(summary.played / summary.seconds, 1) if summary.seconds else None,
        "db": where,
    }
    if as_json:
        typer.echo(json.dumps(numbers, indent=2))
        return
    stdout_console().print(
        f"experiment {summary.experiment_id}: {summary.played:,} Games played in {summary.seconds:.1f} s "
        f"({numbers['games_per_second']} Games/s{f', {summary.errors:,} with errors' if summary.errors else ''}), "
        f"{summary.skipped:,} finished before; "
        f"{summary.total:,} Games in {where}"
    )


@experiment_app.command("replay")
def replay(
    experiment_id: Annotated[str, typer.Argument(metavar="EXP_ID", help="The experiment's id (run prints it).")],
    game_id: Annotated[str, typer.Argument(metavar="GAME_ID", help="The Game's id within the experiment.")],
    db_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Game's summary as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Play one Game of a stored experiment again, in full, and store it with its books.

    Its Score must equal the experiment's row; `tradegame report ID` then shows its report.
    """
    from tradegame.app.play import summary
    from tradegame.cli.play import rounds_bar
    from tradegame.experiments.replay import replay_experiment_game

    check_db_url(db_url)
    store = market_store(data_dir)
    db = open_db(db_url)
    try:
        with rounds_bar(f"replay {game_id}", quiet=as_json) as bar:
            replayed = replay_experiment_game(db, experiment_id, game_id, store, bar)
    except TradegameError as error:
        raise exit_for(error) from None
    finally:
        db.close()
    numbers = {"id": replayed.stored_id, "experiment_id": experiment_id, "game_id": game_id}
    numbers.update(summary(replayed.played))
    if as_json:
        typer.echo(json.dumps(numbers, indent=2, default=str))
        return
    stdout_console().print(
        f"experiment {experiment_id} game {game_id}: {numbers['outcome']}, score {numbers['score']} "
        f"(as stored); stored as game {replayed.stored_id}: tradegame report {replayed.stored_id}",
        markup=False,
    )


# ``experiment report`` lives in its own module (which imports this one's options): attached last.
from tradegame.cli.experiment_report import report_experiment  # noqa: E402

experiment_app.command("report")(report_experiment)
