"""The sections of a played Game's HTML report that read its facts: the summary, the score, the
metrics and the charts (equity, drawdown, value by Position, trades, monthly returns).

Each takes the ``_Facts`` of ``report_facts`` and returns one ``<section>``. Imports plotly only
through ``html_parts._Charts``; writes nothing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.game import Score
from tradegame.engine.gamefile import GameFile
from tradegame.reporting.html_parts import (
    CHART_HEIGHT,
    _Charts,
    _day,
    _e,
    _money,
    _percent,
    _quantity,
    _ratio,
    _row,
    _section,
    _table,
)
from tradegame.reporting.html_points import DRAWN_BUCKETS, drawn_indices, short_times
from tradegame.reporting.indicators import IndicatorLines, draw_indicators
from tradegame.reporting.metrics import bust_round, drawdown_series, monthly_returns
from tradegame.reporting.palette import series_colors
from tradegame.reporting.report_facts import FloatArray, _Facts, _Fill, _ns_all

__all__ = ["MAX_POSITION_BANDS", "MAX_TRADE_CHARTS", "score_rows"]

MAX_TRADE_CHARTS = 8
"""At most this many price charts with trades: the most traded symbols (by number of fills)."""

MAX_POSITION_BANDS = 12
"""At most this many bands in the value-by-Position chart; smaller Positions share "Other"."""

_CASH_COLOR = "#bbbbbb"
_OTHER_COLOR = "#8c6d31"
_BUY_COLOR = "#1a9850"
_SELL_COLOR = "#d73027"
# The equity chart's y scale: linear or logarithmic (a value at or below zero is not drawn on log),
# small buttons in the plot's top left corner (clear of the title and the legend, on a phone too).
_SCALE_MENU = {
    "type": "buttons",
    "direction": "right",
    "x": 0.01,
    "xanchor": "left",
    "y": 0.99,
    "yanchor": "top",
    "pad": {"l": 0, "t": 0, "r": 0, "b": 0},
    "bgcolor": "rgba(255,255,255,0.85)",
    "font": {"size": 11},
    "showactive": True,
    "buttons": [
        {"label": "Linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
        {"label": "Log scale", "method": "relayout", "args": [{"yaxis.type": "log"}]},
    ],
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


_NAV = (
    ("summary", "Summary"),
    ("score", "Score"),
    ("metrics", "Metrics"),
    ("equity", "Equity"),
    ("drawdown", "Drawdown"),
    ("drawdown-periods", "Worst drawdowns"),
    ("rolling", "Rolling risk"),
    ("positions", "Positions"),
    ("trades", "Trades"),
    ("round-trips", "Round trips"),
    ("monthly", "Monthly returns"),
    ("annual", "Annual returns"),
    ("form-8949", "Form 8949"),
    ("decision-log", "Decision log"),
    ("definition", "As played"),
)


def _nav(*, versions: bool = False, tax: bool = False) -> str:
    """The page's links (``versions``: with the "Model versions" section, ``tax``: with "Tax by year",
    before Form 8949)."""
    links = list(_NAV)
    if versions:
        links.insert(links.index(("form-8949", "Form 8949")), ("model-versions", "Model versions"))
    if tax:
        links.insert(links.index(("form-8949", "Form 8949")), ("tax-years", "Tax by year"))
    return "<nav>" + " · ".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label in links) + "</nav>"


def _header(facts: _Facts, definition: GameFile | None = None) -> str:
    result = facts.result
    spec = result.spec
    rounds = len(facts.values)
    facts_rows = [
        ("Game", spec.name),
        *model_rows(definition),
        ("Start", spec.start.isoformat()),
        ("End", spec.end.isoformat() if spec.end is not None else f"after {spec.rounds} rounds"),
        ("First round", _day(facts.round_times[0]) + " UTC"),
        ("Last round", _day(facts.round_times[-1]) + " UTC"),
        ("Rounds played", f"{rounds:,}"),
        ("Outcome", f"{result.outcome} in round {result.outcome_round:,}: {result.outcome_reason}"),
        *_bust_row(facts),
        *_in_sample_row(facts),
        ("Currency", spec.currency),
        ("Start fund", _money(spec.start_fund, facts.places)),
        ("Accounts", ", ".join(a.name for a in spec.accounts)),
        ("Data hash", result.data_hash or "(none)"),
    ]
    rows = [
        f'<tr class="outcome outcome-{_e(result.outcome)}"><th>{_e(label)}</th><td>{_e(value)}</td></tr>'
        if label == "Outcome"
        else f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>"
        for label, value in facts_rows
    ]
    return _section("summary", "Summary", '<table class="facts"><tbody>' + "".join(rows) + "</tbody></table>")


def model_rows(definition: GameFile | None) -> list[tuple[str, str]]:
    """The Model (or the Activator) and its parameters, from the Game file played."""
    if definition is None:
        return []
    import json

    params = json.dumps(dict(definition.model_params), sort_keys=True, default=str)
    return [("Model", definition.model), ("Parameters", params)]


def definition_section(definition: GameFile | None) -> str:
    """The Game file as played (its data pinned to the versions used): the Model and its parameters,
    the accounts with their fees, slippage, caps and lot methods, the exits, running costs and tax."""
    if definition is None:
        return ""
    from tradegame.engine.gamefile_dump import dump_game

    text = dump_game(definition)
    return _section("definition", "As played", f'<pre class="definition">{_e(text)}</pre>')


def _in_sample_row(facts: _Facts) -> list[tuple[str, str]]:
    """How many Rounds a Model decided before its language model's training cut-off (``llm-chat``
    marks those decisions ``in-sample``): what it did then may come from having read about them."""
    rounds = sorted({e.round for e in facts.result.events if "(in-sample:" in e.detail})
    if not rounds:
        return []
    text = (f"{len(rounds):,} of {len(facts.values):,} rounds (rounds {rounds[0]:,} to {rounds[-1]:,}) were decided "
            "before the model's training cut-off: in-sample, not evidence of skill")  # fmt: skip
    return [("In-sample", text)]


def _bust_row(facts: _Facts) -> list[tuple[str, str]]:
    bust = bust_round(facts.values)
    if bust is None:
        return []
    value = _money(float(facts.values[bust]), facts.places)
    when = _day(facts.round_times[bust])
    text = f"the Game went bust in round {bust:,} ({when} UTC): its value fell to {value}; it lost everything"
    return [("Bust", text)]


def score_rows(score: Score, places: int) -> list[tuple[str, str]]:
    """The score table's lines, from the start capital down to the score and its ratio to the start."""
    start = score.start_capital
    ratio = float(score.score / start) if start else math.nan
    return [
        ("Start capital", _money(score.start_capital, places)),
        ("Final value", _money(score.final_value, places)),
        ("Gross profit", _money(score.gross_profit, places)),
        ("Fees", _money(-score.fees, places)),
        ("Running costs", _money(-score.running_costs, places)),
        ("Taxes", _money(-score.taxes, places)),
        ("Score", _money(score.score, places)),
        ("Score / start capital", _percent(ratio)),
    ]


def _score_section(facts: _Facts, charts: _Charts) -> str:
    score = facts.result.score
    places = facts.places
    go = charts.go
    steps = [
        ("Gross profit", score.gross_profit, "relative"),
        ("Fees", -score.fees, "relative"),
        ("Running costs", -score.running_costs, "relative"),
        ("Taxes", -score.taxes, "relative"),
        ("Score", score.score, "total"),
    ]
    figure = charts.figure(title={"text": "From gross profit to score"}, showlegend=False)
    figure.add_trace(
        go.Waterfall(
            x=[label for label, _, _ in steps],
            y=[float(amount) for _, amount, _ in steps],
            measure=[measure for _, _, measure in steps],
            text=[_money(amount, places) for _, amount, _ in steps],
            textposition="outside",
            increasing={"marker": {"color": _BUY_COLOR}},
            decreasing={"marker": {"color": _SELL_COLOR}},
            totals={"marker": {"color": "#4575b4"}},
        )
    )
    rows = score_rows(score, places)
    table = _table(
        ["Item", f"Amount ({facts.result.spec.currency})"],
        (_row([_e(label), _e(value)], attributes=f' data-item="{_e(label)}"') for label, value in rows),
        table_id="score-table",
        css="score",
    )
    return _section(
        "score",
        "Score",
        "<p>score = gross profit − fees − running costs − taxes</p>",
        charts.div("score", figure),
        table,
    )


def _metrics_section(facts: _Facts) -> str:
    metrics = facts.metrics
    if metrics is None:
        return _section("metrics", "Metrics", f'<p class="note">No metrics: {_e(facts.metrics_problem)}</p>')
    benchmark = facts.benchmark_symbol or "benchmark"
    rows = [
        ("Rounds", f"{metrics.rounds:,}"),
        ("Years", f"{metrics.years:,.2f}"),
        ("Periods per year", f"{metrics.periods_per_year:,.0f}"),
        ("Total return", _percent(metrics.total_return)),
        ("Annual return", _percent(metrics.annual_return)),
        ("CAGR", _percent(metrics.cagr)),
        ("Volatility (annual)", _percent(metrics.volatility)),
        ("Sharpe ratio", _ratio(metrics.sharpe)),
        ("Sortino ratio", _ratio(metrics.sortino)),
        ("Max drawdown", _percent(metrics.max_drawdown)),
        (
            "Max drawdown duration",
            f"{metrics.max_drawdown_duration_days:,} days ({metrics.max_drawdown_duration_rounds:,} rounds)",
        ),
        ("Calmar ratio", _ratio(metrics.calmar)),
        ("Win rate (per sale)", _percent(metrics.win_rate)),
        ("Turnover (per year)", _ratio(metrics.turnover)),
        ("Exposure (mean invested)", _percent(metrics.exposure)),
        (f"Benchmark return (buy-and-hold {benchmark})", _percent(metrics.benchmark_return)),
        ("Excess return", _percent(metrics.excess_return)),
        ("Alpha (annual)", _percent(metrics.alpha)),
        ("Beta", _ratio(metrics.beta)),
        ("Correlation", _ratio(metrics.correlation)),
    ]
    table = _table(
        ["Metric", "Value"],
        (_row([_e(label), _e(value)]) for label, value in rows),
        table_id="metrics-table",
        css="metrics",
    )
    note = ""
    if metrics.benchmark_return is None and facts.benchmark_symbol is not None:
        note = (
            f'<p class="note">No benchmark metrics: {_e(facts.benchmark_symbol)} has no close at the first Round.</p>'
        )
    if metrics.bust_round is not None:
        note += (
            f'<p class="note bust">The Game went bust in round {metrics.bust_round:,}: its returns stop there '
            "(the last one, into the bust, is a loss of everything), and the volatility, the ratios, alpha, "
            "beta and correlation are measured on the Rounds up to it; a Game that ends with nothing has a "
            "CAGR of -100%.</p>"
        )
    return _section("metrics", "Metrics", table, note)


def _equity_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    figure = charts.figure(
        title={"text": "Game value"},
        hovermode="x unified",
        xaxis={"range": facts.x_range()},
        yaxis={"title": facts.result.spec.currency},
        updatemenus=[_SCALE_MENU],
    )
    drawn = drawn_indices([facts.values])
    figure.add_trace(
        go.Scatter(x=short_times(facts.round_times[drawn]), y=facts.values[drawn], mode="lines", name="Game value")
    )
    notes = [_drawn_note(len(drawn), len(facts.values))]
    if facts.benchmark is not None:
        drawn = drawn_indices([facts.benchmark])
        figure.add_trace(
            go.Scatter(
                x=short_times(facts.round_times[drawn]),
                y=facts.benchmark[drawn],
                mode="lines",
                name=f"Buy-and-hold {facts.benchmark_symbol}",
                line={"dash": "dash"},
            )
        )
    figure.add_hline(y=float(facts.result.score.start_capital), line={"color": "#999", "width": 1, "dash": "dot"})
    return _section("equity", "Equity", charts.div("equity", figure), notes[0])


def _drawdown_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    try:
        drawdowns = drawdown_series(facts.values) * 100.0
    except InvalidInputError as error:
        return _section("drawdown", "Drawdown", f'<p class="note">No drawdown: {_e(error)}</p>')
    figure = charts.figure(
        title={"text": "Drawdown from the running peak"},
        xaxis={"range": facts.x_range()},
        yaxis={"title": "%", "ticksuffix": "%"},
    )
    drawn = drawn_indices([drawdowns])
    figure.add_trace(
        go.Scatter(
            x=short_times(facts.round_times[drawn]),
            y=drawdowns[drawn],
            mode="lines",
            fill="tozeroy",
            name="Drawdown",
            line={"color": _SELL_COLOR},
        )
    )
    return _section("drawdown", "Drawdown", charts.div("drawdown", figure), _drawn_note(len(drawn), len(drawdowns)))


def _positions_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    symbols = list(facts.held_symbols)
    values = facts.position_values
    bands: list[tuple[str, FloatArray, str | None]] = [(s, values[:, i], None) for i, s in enumerate(symbols)]
    note = ""
    if len(bands) > MAX_POSITION_BANDS:
        sizes = values.mean(axis=0)  # the mean over the Rounds: a Position held long and large counts most
        keep = sorted(np.argsort(-sizes, kind="stable")[: MAX_POSITION_BANDS - 1])
        rest = [i for i in range(len(symbols)) if i not in set(keep)]
        bands = [(symbols[i], values[:, i], None) for i in keep]
        bands.append((f"Other ({len(rest)})", values[:, rest].sum(axis=1), _OTHER_COLOR))
        note = (
            f'<p class="note">The {MAX_POSITION_BANDS - 1} largest Positions (by mean value) are shown; '
            f"{len(rest)} smaller ones share the band “Other”.</p>"
        )
    figure = charts.figure(
        title={"text": "Value by Position"},
        hovermode="x unified",
        xaxis={"range": facts.x_range()},
        yaxis={"title": facts.result.spec.currency},
    )
    series = [facts.cash, *(band for _, band, _ in bands)]
    drawn = drawn_indices(series, max(DRAWN_BUCKETS * 2 // len(series), 50))
    times = short_times(facts.round_times[drawn])
    figure.add_trace(
        go.Scatter(
            x=times,
            y=facts.cash[drawn],
            mode="lines",
            name="Cash",
            stackgroup="value",
            line={"width": 0.5, "color": _CASH_COLOR},
        )
    )
    # Each Position its own colour, however many (``palette``): plotly's own ten would repeat.
    colors = iter(series_colors(len(bands), reserved=(_CASH_COLOR, _OTHER_COLOR)))
    for name, band, color in bands:
        line = {"width": 0.5, "color": color or next(colors)}
        figure.add_trace(go.Scatter(x=times, y=band[drawn], mode="lines", name=name, stackgroup="value", line=line))
    note += _drawn_note(len(drawn), len(facts.cash))
    return _section("positions", "Value by Position", charts.div("positions", figure), note)


def _trades_section(
    facts: _Facts, charts: _Charts, indicators: IndicatorLines | None = None, problems: Sequence[str] = ()
) -> str:
    """A price chart per traded symbol (the most traded), with its fills and the lines the Model
    declares for it (``indicators``; ``problems``: why some could not be drawn)."""
    go = charts.go
    panel = facts.universe.panel
    counts = Counter(fill.symbol for fill in facts.fills)
    fills_of: dict[tuple[str, str], list[_Fill]] = {}  # each symbol's buys and sells, in order
    for fill in facts.fills:
        fills_of.setdefault((fill.symbol, fill.side), []).append(fill)
    if not counts:
        return _section("trades", "Trades", '<p class="note">No trades.</p>')
    ranked = sorted(counts, key=lambda symbol: (-counts[symbol], symbol))
    shown = ranked[:MAX_TRADE_CHARTS]
    parts = [f'<p class="note">Indicator not drawn: {_e(problem)}</p>' for problem in problems]
    if len(ranked) > MAX_TRADE_CHARTS:
        left_out = ", ".join(ranked[MAX_TRADE_CHARTS:])
        parts.append(
            f'<p class="note">Showing the {MAX_TRADE_CHARTS} most traded of {len(ranked)} traded symbols '
            f"(by number of fills); not shown: {_e(left_out)}.</p>"
        )
    times_ns = facts.round_times.astype(np.int64)
    first_row = max(int(np.searchsorted(panel.available, times_ns[0], side="right")) - 1, 0)
    end_row = int(np.searchsorted(panel.available, times_ns[-1], side="right"))
    labels = panel.labels[first_row:end_row].astype("datetime64[ns]")
    for index, symbol in enumerate(shown, start=1):
        closes = np.asarray(panel.fields["close"][first_row:end_row, panel.column(symbol)], dtype=np.float64)
        drawn = drawn_indices([closes])
        figure = charts.figure(
            title={"text": f"{symbol}: close, buys and sells ({counts[symbol]:,} fills)"},
            xaxis={"range": facts.x_range()},
            yaxis={"title": facts.universe.instruments[symbol].quote_currency.code},
        )
        figure.add_trace(
            go.Scatter(
                x=short_times(labels[drawn]),
                y=closes[drawn],
                mode="lines",
                name="Close",
                line={"color": "#4d4d4d", "width": 1.2},
            )
        )
        draw_indicators(figure, go, (indicators or {}).get(symbol, {}), labels, (first_row, end_row))
        _fill_markers(figure, go, fills_of, symbol, facts.places)
        parts.append(
            charts.div("trades", figure, chart_id=f"chart-trades-{index}", attributes=f' data-symbol="{_e(symbol)}"')
        )
    return _section("trades", "Trades", *parts)


def _fill_markers(figure: Any, go: Any, fills_of: dict[tuple[str, str], list[_Fill]], symbol: str, places: int) -> None:
    """The buys and sells of ``symbol`` as markers on its price chart, with their hover texts."""
    for side, color, marker in (("buy", _BUY_COLOR, "triangle-up"), ("sell", _SELL_COLOR, "triangle-down")):
        mine = fills_of.get((symbol, side), [])
        if not mine:
            continue
        figure.add_trace(
            go.Scatter(
                x=short_times(np.array(_ns_all(fill.time for fill in mine), dtype="datetime64[ns]")),
                y=np.array([float(fill.price) for fill in mine]),
                mode="markers",
                name=f"{side} ({len(mine):,})",
                marker={"symbol": marker, "size": 10, "color": color, "line": {"width": 1, "color": "#222"}},
                text=np.array([_fill_text(fill, places) for fill in mine]),
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            )
        )


def _fill_text(fill: _Fill, places: int) -> str:
    return (
        f"{fill.side} {_quantity(fill.quantity)} @ {fill.price:,.4f}, fee {_money(fill.fee, places)}"
        f" ({fill.account}, {fill.op_id})"
    )


def _drawn_note(drawn: int, points: int) -> str:
    """Says when a chart draws fewer points than its series has (``html_points``)."""
    if drawn >= points:
        return ""
    return (
        f'<p class="note drawn">Drawn from {drawn:,} of {points:,} points: the lowest and highest of each '
        "pixel column, the first and the last; every figure on the page is of all of them.</p>"
    )


def _monthly_section(facts: _Facts, charts: _Charts) -> str:
    go = charts.go
    try:
        table = monthly_returns(facts.values, facts.round_times.astype(np.int64))
    except InvalidInputError as error:
        return _section("monthly", "Monthly returns", f'<p class="note">No monthly returns: {_e(error)}</p>')
    percent = table.to_numpy(dtype=np.float64) * 100.0
    z = [[None if math.isnan(v) else round(float(v), 4) for v in row] for row in percent]
    years = [str(year) for year in table.index]
    figure = charts.figure(
        title={"text": "Monthly returns (%)"},
        height=max(CHART_HEIGHT // 2, 90 + 34 * len(years)),
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"side": "top", "type": "category"},
    )
    limit = max((abs(v) for row in z for v in row if v is not None), default=1.0) or 1.0
    figure.add_trace(
        go.Heatmap(
            z=z,
            x=list(_MONTHS),
            y=years,
            colorscale="RdYlGn",
            zmin=-limit,
            zmax=limit,
            zmid=0,
            texttemplate="%{z:.1f}",
            hovertemplate="%{y} %{x}: %{z:.2f}%<extra></extra>",
            colorbar={"ticksuffix": "%"},
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(margin={"l": 60, "r": 20, "t": 80, "b": 20})
    return _section("monthly", "Monthly returns", charts.div("monthly", figure))
