"""``tradegame experiment report ID``: the owner's questions answered from a stored experiment.

The command is attached to the ``experiment`` group in ``cli/__init__.py``. Like the rest of the
group, it imports typer and ``cli.common`` only at module level; the analyses inside the command.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from tradegame.cli.common import DbUrl, check_db_url, check_output_file, exit_for, fail, open_db
from tradegame.cli.progress import progress_bar
from tradegame.domain.errors import TradegameError

__all__ = ["report_experiment"]


def _windows(specs: list[str] | None) -> dict[str, tuple[date, date]] | None:
    """``NAME=FROM:TO`` options as crash windows (``None``: the default windows)."""
    if not specs:
        return None
    windows = {}
    for spec in specs:
        name, _, span = spec.partition("=")
        first, _, last = span.partition(":")
        try:
            windows[name.strip()] = (date.fromisoformat(first.strip()), date.fromisoformat(last.strip()))
        except ValueError:
            raise fail(f"--crash-window {spec!r}: expected NAME=YYYY-MM-DD:YYYY-MM-DD") from None
        if not name.strip() or windows[name.strip()][0] > windows[name.strip()][1]:
            raise fail(f"--crash-window {spec!r}: expected a name and a first date not after the last")
    return windows


def report_experiment(
    experiment_id: Annotated[str, typer.Argument(metavar="EXP_ID", help="The experiment's id (run prints it).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Report file (default: experiment-ID.html, or stdout with --json)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The analyses as JSON instead of HTML.")] = False,
    selected: Annotated[
        str | None, typer.Option("--selected", help="The date the universe's symbols were chosen (YYYY-MM-DD).")
    ] = None,
    survivorship: Annotated[
        str | None, typer.Option("--survivorship", help="The universe's survivorship risk, in words.")
    ] = None,
    crash_window: Annotated[
        list[str] | None,
        typer.Option("--crash-window", help="NAME=FROM:TO start dates before a crash (repeat; default 2008 and 2020)."),
    ] = None,
    db_url: DbUrl = None,
) -> None:
    """Answer the owner's questions from a stored experiment: seasonality, crashes, slower trading, capacity.

    tradegame experiment report seasonality-0123456789ab -o seasonality.html
    """
    from tradegame.experiments.analysis_questions import CRASH_WINDOWS
    from tradegame.experiments.report import experiment_analyses
    from tradegame.reporting.experiment_report import analyses_json, write_experiment_report

    check_db_url(db_url)
    if selected is not None:
        try:
            date.fromisoformat(selected)
        except ValueError:
            raise fail(f"--selected {selected!r}: expected a date YYYY-MM-DD") from None
    windows = _windows(crash_window)
    path = output if output is not None else (None if as_json else Path(f"experiment-{experiment_id}.html"))
    if path is not None:
        check_output_file(path, "--output")
    db = open_db(db_url)
    with progress_bar("experiment report", "steps", quiet=as_json) as advance:
        step = advance or (lambda done, count: None)
        step(0, 2)
        try:
            analyses = experiment_analyses(
                db, experiment_id, selection_date=selected, survivorship=survivorship, windows=windows or CRASH_WINDOWS
            )
        except TradegameError as error:
            raise exit_for(error) from None
        finally:
            db.close()
        step(1, 2)
        if path is None:  # --json without --output
            typer.echo(analyses_json(analyses))
            return
        if as_json:
            path.write_text(analyses_json(analyses) + "\n", encoding="utf-8")
        else:
            write_experiment_report(analyses, path)
        step(2, 2)
    typer.echo(f"report: {path}")
