"""The HTML report of a played Game: one self-contained file of tables and plotly charts.

``render_html(result, universe)`` returns the page as a string; ``write_report`` writes it.
The page opens offline: plotly.js is inlined once (with the first chart; ``cdn=True`` links it
from plotly's CDN instead) and nothing else is loaded from anywhere. It stays light however long
the Game: a long series is drawn from the extremes of each pixel column (``html_points``), and
the long tables (Form 8949, the decision log) show a page of rows at a time, the rest carried as
compressed data that a debounced filter searches (``html_paged``, ``html_script``). A print
stylesheet drops the controls; on a phone nothing scrolls sideways but a table in its own box.

What the page shows, top to bottom:

* **Header**: the Game's name, dates, Rounds played, outcome and its reason (and the Round it
  went bust, if its value fell to zero or below), the data hash.
* **Score**: a waterfall from gross profit through fees, running costs and taxes to the score,
  and the same numbers in a table.
* **Score by Model** (a Game an Activator played, ``html_models``): each Model's contribution,
  from its sub-book; they add up to the Score to the cent.
* **Metrics**: ``metrics.compute_metrics`` on the value after each Round, against a benchmark
  (buy-and-hold of ``benchmark_symbol``, default ``reporting.benchmark``'s: its closes scaled
  to the start capital, in the symbol's own currency), with each sale's realized gain, the
  traded notional and the invested fraction.
* **Charts**: equity against the benchmark (a linear or log scale), drawdown, the five worst
  drawdown periods (``period_stats``), rolling volatility and Sharpe ratio over half a year of
  Rounds, value by Position (a stacked area, cash as its own band, each Position its own colour:
  ``palette``), one price chart per traded symbol (the ``MAX_TRADE_CHARTS`` most traded) with
  its buys and sells and the lines the Model declares (``indicators``), a heatmap of monthly
  returns and a table of annual returns. Every time axis spans the equity chart's.
* **Round trips** (``html_trips``): every trade bought and sold (FIFO per Position; see
  ``round_trips``), with the Model's reasons, and their statistics: win rate, profit factor,
  expectancy, SQN, best and worst trip.
* **Model versions** (a trainable Model's, ``html_training``): when each was trained, on which
  span, its cost and why it was retired, and the decay curve: each version's return by month
  since training, and their mean.
* **Tax by year** (when the books have a tax ledger): each tax year's gains by term, dividends
  and the tax booked.
* **Form 8949**: every disposal, Part I short term and Part II long term, with totals.
* **Decision log**: every ``GameEvent``, filterable by text and by kind, a page at a time.

How Positions are valued: the units of each symbol are rebuilt from the journal (postings to
``Assets:{account}:{SYMBOL}``, so splits and initial positions count), summed over accounts,
taken as of each Round's time and multiplied by the latest close known then (times the FX rate
for a foreign symbol), which is how the engine values a Game. Cash is the rest of the Game's
value, so the stack adds up to the equity curve. Fills come from the cost ledger (their price
is the notional over the quantity).

Every piece of text is escaped; numbers carry thousands separators. Each chart sits in a
``<div id="chart-..." data-chart="...">`` so a browser test can find it. The output depends
only on its inputs (no wall clock, no random ids): the same Game gives the same bytes.

Where each job lives: ``report_facts`` computes what the page shows, ``html_sections`` the
summary, score, metrics and chart sections, ``html_tables`` Form 8949 (headings from
``form8949``) and the decision log, ``html_parts`` the formatting, chart blocks and page template.

Imports the engine's result types, ``reporting.metrics`` and plotly (lazily, in
``render_html``); writes nothing except in ``write_report``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tradegame.engine.game import GameResult
from tradegame.engine.gamefile import GameFile
from tradegame.engine.universe import Universe
from tradegame.reporting.collector import collector_paused
from tradegame.reporting.html_models import models_section
from tradegame.reporting.html_parts import _LOG_FILTER_JS, _PAGE, _STYLE, _Charts, _e, _write_page
from tradegame.reporting.html_periods import (
    annual_section,
    drawdown_periods_section,
    rolling_section,
    tax_years_section,
)
from tradegame.reporting.html_sections import (
    MAX_POSITION_BANDS,
    MAX_TRADE_CHARTS,
    _drawdown_section,
    _equity_section,
    _header,
    _metrics_section,
    _monthly_section,
    _nav,
    _positions_section,
    _score_section,
    _trades_section,
    definition_section,
)
from tradegame.reporting.html_tables import _decision_log_section, _form_8949_section
from tradegame.reporting.html_training import versions_section
from tradegame.reporting.html_trips import round_trips_section
from tradegame.reporting.indicators import indicator_lines
from tradegame.reporting.report_facts import _Facts

__all__ = ["MAX_POSITION_BANDS", "MAX_TRADE_CHARTS", "render_html", "write_report"]


@collector_paused()  # a third faster after a long Game (see there)
def render_html(
    result: GameResult,
    universe: Universe,
    *,
    benchmark_symbol: str | None = None,
    title: str | None = None,
    cdn: bool = False,
    definition: GameFile | None = None,
    model: object | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """The report of ``result`` (played on ``universe``) as one self-contained HTML page.

    ``benchmark_symbol`` is the symbol whose buy-and-hold the Game is compared with (default:
    ``reporting.benchmark``'s, as the summary's: SPX when in the data, else the first symbol
    traded, else the data's first); ``title`` replaces the default page title; ``cdn=True`` loads
    plotly.js from plotly's CDN instead of inlining it (a page 4.6 MB smaller, whose charts need the
    network); ``definition`` (the Game file played) names the Model and its parameters in the summary
    and is shown in full at the end (an Activator's also gives each Model's part of the Score);
    ``model`` (the Model played) draws the lines it declares (``indicators``) on its price charts;
    ``progress(done, count)`` follows the page's sections as they are made (for a progress bar).
    Raises ``InvalidInputError`` for a benchmark symbol not in the data.
    """
    facts = _Facts.of(result, universe, benchmark_symbol)
    lines, problems = indicator_lines(model, universe)
    charts = _Charts(cdn=cdn)
    page_title = title if title is not None else f"{result.spec.name}: Game report"
    parts: list[Callable[[], str]] = [
        lambda: _header(facts, definition),
        lambda: _score_section(facts, charts),
        lambda: models_section(result, definition, facts.places),
        lambda: _metrics_section(facts),
        lambda: _equity_section(facts, charts),
        lambda: _drawdown_section(facts, charts),
        lambda: drawdown_periods_section(facts),
        lambda: rolling_section(facts, charts),
        lambda: _positions_section(facts, charts),
        lambda: _trades_section(facts, charts, lines, problems),
        lambda: round_trips_section(facts),
        lambda: _monthly_section(facts, charts),
        lambda: annual_section(facts),
        lambda: versions_section(result.training, charts, facts.places),
        lambda: tax_years_section(facts),
        lambda: _form_8949_section(facts.result.books.disposals(), facts.places),
        lambda: _decision_log_section(facts.result.events),
        lambda: definition_section(definition),
    ]
    sections = []
    for done, part in enumerate(parts, start=2):  # the facts were the first step
        sections.append(part())
        if progress is not None:
            progress(done, len(parts) + 1)
    return _PAGE.format(
        title=_e(page_title),
        style=_STYLE,
        heading=_e(page_title),
        nav=_nav(versions=bool(result.training), tax=bool(result.books.tax_ledger)),
        body="\n".join(section for section in sections if section),  # Model versions: only of a trained Model
        script=_LOG_FILTER_JS,
    )


def write_report(
    result: GameResult,
    universe: Universe,
    path: Path,
    *,
    benchmark_symbol: str | None = None,
    title: str | None = None,
    cdn: bool = False,
    definition: GameFile | None = None,
    model: object | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Render the report (see ``render_html``) and write it to ``path``; returns ``path``.

    The page is rendered in full before anything is written, then written to a temporary file
    beside ``path`` and moved into place, so a failure never leaves half a report.
    """
    page = render_html(
        result,
        universe,
        benchmark_symbol=benchmark_symbol,
        title=title,
        cdn=cdn,
        definition=definition,
        model=model,
        progress=progress,
    )
    return _write_page(page, path)
