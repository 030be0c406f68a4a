"""What a reader looks for in the report: round trips and their statistics, the worst drawdowns,
annual returns, rolling risk, tax by year, a log scale, aligned time axes, distinct colours and
the Model's indicator lines."""

from __future__ import annotations

import base64
import gzip
import json
import re
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from tests.unit.engine.game_kit import Script, at_round, bars_from, spec, universe_of
from tests.unit.reporting.report_kit import ramp, tables
from tradegame.engine.game import GameResult, play
from tradegame.engine.moves import Move
from tradegame.engine.universe import Universe
from tradegame.reporting.html_report import render_html
from tradegame.reporting.palette import PLOTLY_COLORS, series_colors
from tradegame.reporting.round_trips import game_round_trips
from tradegame.reporting.trade_stats import trade_stats

SYMBOLS = [f"S{i:02d}" for i in range(12)]


def _figure(page: str, plot: str) -> dict[str, Any]:
    """The plotly figure of ``plot-{plot}``, unpacked."""
    (packed,) = re.findall(rf'tradegameChart\("plot-{plot}", "([A-Za-z0-9+/=]+)"', page)
    figure: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(packed)))
    return figure


def _numbers(values: Any) -> np.ndarray:
    """A trace's numbers, whether plotly wrote them as a list or as a typed array (``bdata``)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


class _Drawing(Script):
    """A Script that declares indicator lines: one good, one of the wrong length, one unknown symbol."""

    name = "drawing"

    def indicators(self, universe: Universe) -> dict[str, dict[str, np.ndarray]]:
        rows = len(universe.panel.labels)
        return {"S00": {"Line": np.linspace(100.0, 120.0, rows), "Short": np.ones(3)}, "NOPE": {"X": np.ones(rows)}}


@pytest.fixture(scope="module")
def wide() -> tuple[GameResult, str]:
    """150 Rounds holding twelve symbols (more than plotly's ten colours), with indicator lines."""
    wide_universe = universe_of(bars_from({s: ramp(100.0 + i, 0.3, 160) for i, s in enumerate(SYMBOLS)}))
    model = _Drawing(at_round({1: [Move.buy(s, 1) for s in SYMBOLS], 2: [Move.buy("S00", 1)]}))
    played = play(spec(rounds=150), wide_universe, model)
    return played, render_html(played, wide_universe, model=model)


def test_the_new_sections_are_there_and_linked(page: str) -> None:
    for section in ("round-trips", "drawdown-periods", "annual", "rolling", "tax-years"):
        assert f'<section id="{section}">' in page
        assert f'<a href="#{section}">' in page


def test_the_round_trips_table_and_its_statistics(page: str, result: GameResult) -> None:
    trips = game_round_trips(result, {"ACME", "BETA"}).trips
    rows = tables(page)["round-trips-table"]
    assert len(rows) == len(trips) == 5
    # The first: 4 of the 10 ACME bought at 98.50 (fee 1), sold at 100.50 (fee 1): 8 - 0.40 - 1.
    assert rows[0][1][:2] == ["main", "ACME"]
    assert rows[0][1][4:] == ["first buy", "take <some> profit", "4", "98.5000", "100.5000", "1.40", "6.60",
                              "1.68%", "6.0 days"]  # fmt: skip
    stats = trade_stats([float(t.pnl) for t in trips], [t.return_fraction for t in trips], [t.holding for t in trips])
    assert stats is not None
    shown = {attributes["data-stat"]: cells[1] for attributes, cells in tables(page)["trip-stats-table"]}
    assert shown["Win rate"] == f"{stats.win_rate * 100:.2f}%"
    assert shown["Profit factor (gross wins / gross losses)"] == f"{stats.profit_factor:.2f}"
    assert shown["SQN (√N × mean P&L / std P&L)"] == f"{stats.sqn:.2f}"
    assert "20 unit(s) sold came from Positions held before the Game" in page  # the initial BETA


def test_tax_by_year_adds_up_to_the_score_s_taxes(page: str, result: GameResult) -> None:
    rows = tables(page)["tax-years-table"]
    booked = [Decimal(attributes["data-tax"] or "") for attributes, _ in rows if "data-tax" in attributes]
    assert sum(booked) == result.score.taxes != 0
    assert rows[0][1][0] == "2024"


def test_the_worst_drawdowns_and_annual_returns(page: str, result: GameResult) -> None:
    depths = [float(a["data-depth"] or "") for a, _ in tables(page)["drawdown-periods-table"]]
    assert len(depths) == 5 and depths == sorted(depths)
    deepest = float(np.min(result.values / np.maximum.accumulate(result.values) - 1))
    assert min(depths) == pytest.approx(deepest, abs=1e-6)
    ((attributes, cells),) = tables(page)["annual-table"]
    assert attributes["class"] == "partial" and cells[2] == "partial"
    assert cells[1] == f"{(result.values[-1] / result.values[0] - 1) * 100:.2f}%"


def test_the_equity_chart_has_a_log_scale_button(page: str) -> None:
    (menu,) = _figure(page, "equity")["layout"]["updatemenus"]
    assert [b["args"][0]["yaxis.type"] for b in menu["buttons"]] == ["linear", "log"]


def test_every_time_axis_is_the_equity_chart_s(wide: tuple[GameResult, str]) -> None:
    _, html = wide
    span = _figure(html, "equity")["layout"]["xaxis"]["range"]
    assert span[0].startswith("2024-01-02")
    for plot in ("drawdown", "positions", "trades-1", "rolling"):
        assert _figure(html, plot)["layout"]["xaxis"]["range"] == span, plot


def test_no_two_positions_share_a_colour(wide: tuple[GameResult, str]) -> None:
    _, html = wide
    colors = [trace["line"]["color"] for trace in _figure(html, "positions")["data"]]
    assert len(colors) == len(SYMBOLS) + 1 == len(set(colors))  # cash and twelve Positions
    assert series_colors(10) == list(PLOTLY_COLORS)
    assert [c.lower() for c in PLOTLY_COLORS] == [c.lower() for c in __import__("plotly").colors.qualitative.Plotly]
    many = series_colors(60, reserved=("#bbbbbb", PLOTLY_COLORS[3]))
    assert len(set(many)) == 60 and PLOTLY_COLORS[3] not in many and series_colors(60) == series_colors(60)


def test_the_model_s_indicator_lines_are_drawn_and_bad_ones_named(wide: tuple[GameResult, str]) -> None:
    _, html = wide
    trades = _figure(html, "trades-1")
    (line,) = [trace for trace in trades["data"] if trace.get("name") == "Line"]
    drawn = _numbers(line["y"])
    # The chart's rows: the data's, from the first Round's to the last's (150 of the 160).
    assert 150 <= len(drawn) < 160
    np.testing.assert_allclose(drawn, np.linspace(100.0, 120.0, 160)[: len(drawn)])
    assert "Indicator not drawn: drawing: indicator &#x27;Short&#x27; of S00 has shape (3,)" in html
    assert "drawing: indicator symbol &#x27;NOPE&#x27; is not in the data" in html


def test_the_rolling_chart_states_its_window(wide: tuple[GameResult, str]) -> None:
    _, html = wide
    assert "Over the last 126 Rounds (half a year at 252 Rounds a year), annualized by √252" in html
    volatility = _numbers(_figure(html, "rolling")["data"][0]["y"])
    assert np.isfinite(volatility).sum() == 150 - 126  # from the Round with 126 returns before it
