"""The HTML report: every section and chart is there, text is escaped, tables add up, no CDN."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.unit.engine.game_kit import Script, at_round, bars_from, flat, spec, universe_of
from tests.unit.reporting.report_kit import ramp, tables
from tradegame.data.panel import Panel
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.holding import Term
from tradegame.domain.money import KRW, USD
from tradegame.engine.game import GameResult, play
from tradegame.engine.moves import Move
from tradegame.engine.universe import Universe
from tradegame.reporting.html_report import MAX_TRADE_CHARTS, _Facts, render_html, write_report

SECTIONS = ("summary", "score", "metrics", "equity", "drawdown", "positions", "trades", "monthly", "form-8949")
CHARTS = ("chart-score", "chart-equity", "chart-drawdown", "chart-positions", "chart-monthly", "chart-trades-1")


def test_every_section_and_chart_is_there(page: str) -> None:
    for section in (*SECTIONS, "decision-log"):
        assert f'<section id="{section}">' in page
    for chart in CHARTS:
        assert re.search(rf'<div class="chart" id="{chart}" data-chart="[a-z]+"', page), chart
    assert 'id="chart-trades-2" data-chart="trades" data-symbol="BETA"' in page
    assert page.count("Plotly.newPlot(") == page.count('<div class="chart" ')


def test_a_hostile_game_name_is_escaped(page: str) -> None:
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; co" in page
    assert "take &lt;some&gt; profit" in page  # a Move's reason, in the decision log
    # Every <script> on the page is ours: plotly.js, one per chart, and the log filter.
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert set(scripts) == {"<script>"}


def test_the_decision_log_has_one_row_per_event(page: str, result: GameResult) -> None:
    rows = tables(page)["decision-log-table"]
    assert len(rows) == len(result.events)
    assert [attributes["data-kind"] for attributes, _ in rows] == [event.kind for event in result.events]
    assert [cells[0] for _, cells in rows] == [str(event.seq) for event in result.events]
    kinds = {event.kind for event in result.events}
    assert {"start", "placed", "filled", "rejected", "liquidated"} <= kinds
    for kind in kinds:
        assert f'<option value="{kind}">{kind}</option>' in page
    assert f"{len(result.events)} of {len(result.events)} events shown" in page


def test_form_8949_totals_equal_the_disposals(page: str, result: GameResult) -> None:
    disposals = result.books.disposals()
    page_tables = tables(page)
    for term in (Term.SHORT, Term.LONG):
        mine = [d for d in disposals if d.term is term]
        assert mine, f"the fixture Game should have {term} disposals"
        rows = page_tables[f"form-8949-{term.value}"]
        lot_rows = [cells for attributes, cells in rows if "data-lot" in attributes]
        assert len(lot_rows) == len(mine)
        (total,) = [attributes for attributes, _ in rows if attributes.get("class") == "total"]
        assert total["data-count"] == str(len(mine))
        assert Decimal(total["data-proceeds"] or "") == sum(d.proceeds for d in mine)
        assert Decimal(total["data-cost-basis"] or "") == sum(d.cost_basis for d in mine)
        assert Decimal(total["data-gain"] or "") == sum(d.gain for d in mine)
        # The visible gain column adds up to the totals row too.
        shown = sum(Decimal(cells[8].replace(",", "")) for cells in lot_rows)
        assert shown == sum(d.gain for d in mine)
    long_term = [d for d in disposals if d.term is Term.LONG]
    assert [(d.symbol, d.quantity, d.date_acquired) for d in long_term] == [("BETA", Decimal(20), date(2022, 6, 1))]


def test_the_page_is_self_contained(page: str) -> None:
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert page.count(bundle) == 1  # plotly.js inline, once
    # Outside plotly.js (whose code holds URLs it never loads for these charts), no link out at all.
    ours = page.replace(bundle, "")
    assert not re.search(r"<script\b[^>]*\bsrc=", ours)
    assert "<link" not in ours and "@import" not in ours
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", ours)
    assert "http://" not in ours and "https://" not in ours


def test_numbers_have_thousands_separators(page: str, result: GameResult) -> None:
    rows = {attributes["data-item"]: cells[1] for attributes, cells in tables(page)["score-table"]}
    assert rows["Start capital"] == "10,800.00"  # the Start Fund plus the initial position's cost
    assert result.score.start_capital == Decimal("10800")
    assert rows["Score"] == f"{result.score.score:,.2f}"
    assert rows["Fees"] == f"{-result.score.fees:,.2f}"


def test_the_report_is_the_same_every_time(result: GameResult, universe: Universe, page: str) -> None:
    assert render_html(result, universe) == page


def test_positions_and_cash_add_up_to_the_game_value(result: GameResult, universe: Universe) -> None:
    facts = _Facts.of(result, universe, None)
    assert facts.held_symbols == ("ACME", "BETA")
    np.testing.assert_allclose(facts.position_values.sum(axis=1) + facts.cash, result.values, rtol=0, atol=1e-6)
    # Round 0 holds the initial 20 BETA; round 3 also the 10 ACME and 40 BETA bought at round 2's open.
    closes = universe.panel.fields["close"]
    rows = np.searchsorted(universe.panel.available, result.times, side="right") - 1
    assert facts.position_values[0, 1] == pytest.approx(20 * closes[rows[0], 1])
    assert facts.position_values[3, 0] == pytest.approx(10 * closes[rows[3], 0])
    assert facts.position_values[3, 1] == pytest.approx(60 * closes[rows[3], 1])
    assert facts.position_values[-1].sum() == 0  # everything is sold at the end
    assert facts.benchmark_symbol == "ACME"  # the first symbol traded (the initial BETA was not traded)
    assert [(f.side, f.symbol, f.quantity) for f in facts.fills[:2]] == [("buy", "ACME", 10), ("buy", "BETA", 40)]
    assert facts.benchmark is not None and facts.benchmark[0] == pytest.approx(10800)


def test_the_report_s_default_benchmark_is_the_summary_s(result: GameResult, universe: Universe) -> None:
    from tradegame.app.play import Played, benchmark_for, summary
    from tradegame.engine.gamefile import GameFile

    played = Played(GameFile(result.spec, "script", {}), result, universe)
    assert _Facts.of(result, universe, None).benchmark_symbol == benchmark_for(played) == "ACME"
    assert summary(played)["benchmark"] == "ACME"  # the initial BETA is no trade
    with_index = universe_of(bars_from({"ACME": ramp(100.0, 0.5, 70), "SPX": ramp(50.0, -0.1, 70)}))
    indexed = play(spec(rounds=10), with_index, Script(at_round({1: [Move.buy("ACME", 1)]})))
    assert _Facts.of(indexed, with_index, None).benchmark_symbol == "SPX"  # the index, when the data has it
    idle = play(spec(rounds=10), universe, Script(at_round({})))
    assert _Facts.of(idle, universe, None).benchmark_symbol == "ACME"  # traded nothing: the data's first


def test_the_benchmark_can_be_chosen_and_must_exist(result: GameResult, universe: Universe) -> None:
    page = render_html(result, universe, benchmark_symbol="BETA", title="My report")
    assert "<title>My report</title>" in page
    assert "Buy-and-hold BETA" in page
    with pytest.raises(InvalidInputError, match="benchmark_symbol: 'NOPE'"):
        render_html(result, universe, benchmark_symbol="NOPE")


def test_trade_charts_are_capped_at_the_most_traded() -> None:
    symbols = [f"S{i:02d}" for i in range(MAX_TRADE_CHARTS + 2)]
    universe = universe_of(bars_from({s: flat(10.0 + i, 12) for i, s in enumerate(symbols)}))
    # S00 trades most (bought at rounds 1, 2, 3), then the rest once each, at round 1.
    plan = at_round({1: [Move.buy(s, 1) for s in symbols], 2: [Move.buy("S00", 1)], 3: [Move.buy("S00", 1)]})
    result = play(spec(rounds=10), universe, Script(plan))
    page = render_html(result, universe)
    charts = re.findall(r'id="chart-trades-(\d+)" data-chart="trades" data-symbol="(\w+)"', page)
    assert len(charts) == MAX_TRADE_CHARTS
    assert charts[0] == ("1", "S00")
    assert f"Showing the {MAX_TRADE_CHARTS} most traded of {len(symbols)} traded symbols" in page
    assert "not shown: S08, S09." in page


def test_a_one_round_game_says_why_it_has_no_metrics(universe: Universe) -> None:
    result = play(spec(rounds=1), universe, Script(lambda ctx: None))
    page = render_html(result, universe)
    assert "No metrics: times needs at least 2 Rounds" in page
    assert "No trades." in page
    assert "No short-term disposals." in page and "No long-term disposals." in page
    assert 'id="chart-score"' in page and 'id="chart-equity"' in page


def test_write_report_writes_the_page(tmp_path: Path, result: GameResult, universe: Universe, page: str) -> None:
    path = write_report(result, universe, tmp_path / "reports" / "game.html")
    assert path == tmp_path / "reports" / "game.html"
    assert path.read_text(encoding="utf-8") == page
    assert [p.name for p in path.parent.iterdir()] == ["game.html"]  # no temporary file left behind


def test_positions_held_through_pairs_add_up_to_the_game_value() -> None:
    from tests.unit.engine.test_pairs import game, market

    universe = market("BTC/USD", "ETH/BTC")
    plan = {0: [Move.buy("BTC/USD", notional=Decimal(10000))], 1: [Move.buy("ETH/BTC", Decimal(4))]}
    result = play(game(rounds=4), universe, Script(at_round(plan)))
    facts = _Facts.of(result, universe, None)
    # 0.5 BTC bought, then 4 ETH for 0.2 BTC: 0.3 BTC (on BTC/USD's column) and 4 ETH (on ETH/BTC's,
    # valued at 0.05 BTC x the BTC price) are held from Round 2 on, and with the cash they make the value.
    assert facts.held_symbols == ("BTC/USD", "ETH/BTC")
    np.testing.assert_allclose(facts.position_values.sum(axis=1) + facts.cash, result.values, rtol=0, atol=1e-6)
    assert facts.position_values[2, 0] == pytest.approx(0.3 * 30000)
    assert facts.position_values[2, 1] == pytest.approx(4 * 0.05 * 30000)
    assert facts.cash[2] == pytest.approx(0.0)


def test_traded_notional_converts_each_fill_at_the_rate_known_at_the_fill() -> None:
    """Worked by hand: a USD Game trades SAMS (a flat 50,000 KRW) while USDKRW closes at 1000, 1000,
    1250, 800, 1600, 1600. The buy placed at Round 0 fills at the Jan 3 open and the sale placed at
    Round 1 at the Jan 4 open; the rate known at each fill is the close before it, 1000 both times
    (the engine converts the buy's dollars at 1000 then). Traded: 500 + 500 = 1,000 USD, not
    500 + 400 at the 1250 of the Round after the sale."""
    rates = (1000.0, 1000.0, 1250.0, 800.0, 1600.0, 1600.0, 1600.0, 1600.0)
    rows = {"SAMS": flat(50000.0, len(rates)), "USDKRW": [flat(rate, 1)[0] for rate in rates]}
    panel = Panel.from_bars(bars_from(rows), frequency="1d", calendar="XNYS", currency="USD", content_hash="t")
    market = Universe.from_panel(panel, currency=USD, currencies={"SAMS": KRW, "USDKRW": KRW})
    plan = {0: [Move.buy("SAMS", 10)], 1: [Move.sell("SAMS", 10)]}
    result = play(spec(symbols=("SAMS",), rounds=6), market, Script(at_round(plan)))
    assert [(fill.time.isoformat(), fill.side, fill.notional) for fill in _Facts.of(result, market, None).fills] == [
        ("2024-01-03T14:30:00+00:00", "buy", Decimal(500000)),
        ("2024-01-04T14:30:00+00:00", "sell", Decimal(500000)),
    ]
    assert any(event.detail == "500.00 USD at 1000.0: 500000 KRW" for event in result.events)
    metrics = _Facts.of(result, market, None).metrics
    assert metrics is not None
    values = [10000.0, 10000.0, 9500 + 500000 / 1250, 9500 + 500000 / 800, 9812.5, 9812.5]
    np.testing.assert_allclose(result.values, values, rtol=0, atol=1e-9)
    years = 7 / 365.25  # Jan 2 to Jan 9, at the same hour
    assert metrics.turnover == pytest.approx(1000.0 / np.mean(values) / years, rel=1e-12)  # 900 before
