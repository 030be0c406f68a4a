"""The HTML report of a real Game, opened in headless Chromium: every chart draws, no errors.

Chromium is Debian's (``scripts/install-browser``), driven by Playwright for Python; Playwright's
own browser download is never used. Without Chromium or Playwright the test skips, unless
``TRADEGAME_REQUIRE_BROWSER=1`` (CI), where it fails. The screenshot goes to
``test-artifacts/report.png`` for a person to look at.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradegame.data.datasets import load_dataset
from tradegame.data.errors import DatasetNotFoundError
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.domain.tax import TaxProfile
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import GameResult, play
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.universe import Universe
from tradegame.models import MomentumRotation
from tradegame.reporting.html_report import write_report

CHROMIUM = Path(os.environ.get("TRADEGAME_CHROMIUM", "/usr/bin/chromium"))
# No network here but the package registries: keep Chromium from calling home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sync_playwright() -> Any:
    """Playwright's sync API, or a skip (a failure with ``TRADEGAME_REQUIRE_BROWSER=1``)."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "the playwright package is not installed (pip install -e '.[dev]')"
    if problem is None and not os.access(CHROMIUM, os.X_OK):
        problem = f"no Chromium at {CHROMIUM} (run scripts/install-browser)"
    if problem is not None:
        if os.environ.get("TRADEGAME_REQUIRE_BROWSER") == "1":
            pytest.fail(f"TRADEGAME_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture(scope="module")
def game() -> tuple[GameResult, Universe]:
    """Momentum rotation among five stocks over 2011-2012, with fees and tax."""
    try:
        frames = load_dataset("bokeh-stocks")
    except DatasetNotFoundError as error:
        pytest.skip(str(error))
    bars = frames.bars
    bars = bars[(bars["ts"] >= "2010-09-01") & (bars["ts"] < "2013-01-01")]
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD", content_hash="bokeh-2010-2012")
    universe = Universe.from_panel(panel, currency=USD)
    spec = GameSpec(
        "momentum <5 stocks> 2011-2012",
        date(2011, 1, 3),
        Decimal(100000),
        end=date(2012, 12, 31),
        data=(DataSpec("bokeh-stocks"),),
        accounts=(AccountSpec("main", fees=PercentOfNotional(Decimal("0.001"))),),
        tax=TaxProfile.flat("0.3", "0.15"),
    )
    return play(spec, universe, MomentumRotation(top_n=2, lookback=60, rebalance="monthly")), universe


def test_every_chart_renders_in_chromium(
    sync_playwright: Any, game: tuple[GameResult, Universe], tmp_path: Path
) -> None:
    result, universe = game
    path = write_report(result, universe, tmp_path / "report.html")
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.set_default_timeout(60_000)
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: None if request.url.startswith("file:") else outside.append(request.url))
            page.goto(path.as_uri(), wait_until="load")

            charts = page.evaluate("Array.from(document.querySelectorAll('[data-chart]')).map(d => d.id)")
            assert {"chart-score", "chart-equity", "chart-drawdown", "chart-positions", "chart-monthly"} <= set(charts)
            assert "chart-trades-1" in charts
            # The charts on the first screen are drawn first; the others while the page is idle.
            page.wait_for_function("window.tradegameReady === true")
            page.wait_for_function(
                """() => Array.from(document.querySelectorAll('[data-chart]')).every(
                       d => d.querySelector('.plot-container svg.main-svg'))"""
            )
            # Drawn data: a trace's non-empty paths and points (lines, areas, bars, markers) or a
            # heatmap's image, inside the plotting area.
            drawn = page.evaluate(
                """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-chart]')).map(d => {
                       const plot = d.querySelector('.plot-container svg.main-svg .cartesianlayer');
                       const marks = plot ? Array.from(plot.querySelectorAll('.trace path, .trace .point, .hm image'))
                           .filter(e => e.tagName === 'image' || (e.getAttribute('d') || '').length > 2) : [];
                       const box = d.querySelector('svg.main-svg').getBoundingClientRect();
                       return [d.id, {marks: marks.length, width: box.width, height: box.height}];
                   }))"""
            )
            for chart, seen in drawn.items():
                assert seen["marks"] >= 1, (chart, seen)
                assert seen["width"] > 300 and seen["height"] > 100, (chart, seen)
            # The trade charts draw the close and the buy and sell markers.
            markers = page.evaluate("document.querySelectorAll('#chart-trades-1 .scatterlayer .point').length")
            assert markers >= 2

            # The decision-log filter hides the rows that do not match.
            filled = Counter(event.kind for event in result.events)["filled"]
            page.select_option("#log-kind", "filled")
            visible = "document.querySelectorAll('#decision-log-table tbody tr:not([hidden])').length"
            assert page.evaluate(visible) == filled
            assert page.inner_text("#log-count") == f"{filled:,} of {len(result.events):,} events shown"
            page.fill("#log-filter", "AAPL")
            aapl = sum(1 for e in result.events if e.kind == "filled" and "AAPL" in (e.symbol or "") + e.detail)
            assert 0 < page.evaluate(visible) == aapl < filled
            page.select_option("#log-kind", "")
            page.fill("#log-filter", "")
            assert page.evaluate(visible) == len(result.events)

            page.evaluate("window.scrollTo(0, 0)")
            ARTIFACTS.mkdir(exist_ok=True)
            screenshot = ARTIFACTS / "report.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert outside == []
    png = screenshot.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 50_000


def test_the_summary_names_the_model_and_the_report_shows_the_game_as_played(tmp_path: Path) -> None:
    """The reader finds which Model and parameters were played, and the whole Game file (accounts,
    fees, slippage, exits, tax) as played, from `tradegame play --report`."""
    from typer.testing import CliRunner

    from tradegame.cli import app

    game = Path(__file__).parents[2] / "examples" / "games" / "sma-2008.toml"
    report = tmp_path / "r.html"
    args = ["play", str(game), "--json", "--report", str(report), "--db", str(tmp_path / "g.sqlite")]
    result = CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = report.read_text()
    assert "<th>Model</th><td>sma-crossover</td>" in page
    assert "&quot;symbol&quot;: &quot;SPX&quot;" in page  # the parameters
    definition = page.split('<pre class="definition">')[1].split("</pre>")[0]
    for line in ("[game]", 'name = "sma-2008"', "[[accounts]]", "[model]", 'name = "sma-crossover"', "[tax]"):
        assert line.replace('"', "&quot;") in definition, line
