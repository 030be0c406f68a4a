"""One progress bar for every command that can take more than a second (``sweep``, ``report``, ``data fetch``,
``data verify``, ``export``, ``tax lots``, ``experiment report``, a report written by ``play``...): on a terminal
only, never with ``--json``, and gone when the command ends (its output stays what it was).

``progress_bar(description, unit)`` yields ``advance(done, count)``, the callback the library's
long operations take (``sweep_file``, ``write_report``, ``Database.export``); Rounds played keep
``play.progress_columns`` (with the Game's value).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Advance", "progress_bar", "shown"]

Advance = Callable[[int, int | None], None]  # (done, count), count None while unknown


def shown(quiet: bool) -> bool:
    """A bar is drawn on a terminal, unless the command prints JSON (``quiet``)."""
    return not quiet and sys.stdout.isatty()


@contextmanager
def progress_bar(description: str, unit: str, *, quiet: bool = False) -> Iterator[Advance | None]:
    """A transient bar "description ━━━━ done/count unit time-left"; ``None`` where none is shown."""
    if not shown(quiet):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit))
    with Progress(*columns, TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, count: bar.update(task, completed=done, total=count)
