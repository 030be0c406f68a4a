"""A report says how far it has got (for a progress bar), and the command line's bar shows only
on a terminal and never with --json."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tradegame.cli.progress import progress_bar
from tradegame.engine.game import GameResult
from tradegame.engine.universe import Universe
from tradegame.reporting.html_report import render_html, write_report


def test_the_report_moves_its_progress_once_per_section_up_to_the_end(
    result: GameResult, universe: Universe, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    page = render_html(result, universe, progress=lambda done, count: seen.append((done, count)))
    assert page == render_html(result, universe)  # the same page, followed or not
    count = seen[0][1]
    assert count > 10 and seen == [(done, count) for done in range(2, count + 1)]
    seen.clear()
    write_report(result, universe, tmp_path / "r.html", progress=lambda done, count: seen.append((done, count)))
    assert seen[-1] == (count, count)


def test_a_bar_shows_on_a_terminal_only_and_never_with_json(monkeypatch: pytest.MonkeyPatch) -> None:
    with progress_bar("report", "sections") as advance:
        assert advance is None  # pytest's stdout is no terminal
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    with progress_bar("report", "sections", quiet=True) as advance:
        assert advance is None
    with progress_bar("report", "sections") as advance:
        assert advance is not None
        advance(1, 2)
        advance(2, 2)


def test_tax_lots_counts_the_trades_it_streams_for_its_bar() -> None:
    from tradegame.cli.tax import _counted

    seen: list[tuple[int, int | None]] = []
    rows = [object() for _ in range(25_000)]
    assert list(_counted(rows, lambda done, count: seen.append((done, count)))) == rows  # type: ignore[arg-type]
    assert seen == [(10_000, None), (20_000, None), (25_000, 25_000)]
