"""Sections of a played Game's report by period: the worst drawdowns, the calendar years' returns,
the rolling risk chart and the tax booked per tax year.

The numbers are ``period_stats``' (see there for each convention) and the books' tax ledger.
Every time axis spans the equity chart's (``_Facts.x_range``) and long series are drawn from
their extremes (``html_points``). Imports plotly only through ``html_parts._Charts``; writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from tradegame.domain.books_records import TaxKind
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.holding import Term
from tradegame.reporting.html_parts import _Charts, _day, _e, _money, _percent, _row, _section, _table
from tradegame.reporting.html_points import drawn_indices, short_times
from tradegame.reporting.period_stats import annual_returns, drawdown_periods, rolling_risk, rolling_window
from tradegame.reporting.report_facts import _Facts

__all__ = ["annual_section", "drawdown_periods_section", "rolling_section", "tax_years_section"]

WORST_DRAWDOWNS = 5
_ZERO = Decimal(0)


def drawdown_periods_section(facts: _Facts) -> str:
    """The ``WORST_DRAWDOWNS`` deepest drawdown periods: peak, trough, recovery, depth, length."""
    title = "Worst drawdowns"
    try:
        periods = drawdown_periods(facts.values, facts.round_times.astype(np.int64), WORST_DRAWDOWNS)
    except InvalidInputError as error:
        return _section("drawdown-periods", title, f'<p class="note">No drawdown periods: {_e(error)}</p>')
    if not periods:
        return _section("drawdown-periods", title, '<p class="note">The value never fell below a high.</p>')
    times = facts.round_times
    rows = [
        _row(
            [
                _e(f"{rank}"),
                _e(_day(times[p.peak])),
                _e(_day(times[p.trough])),
                _e("not recovered" if p.recovery is None else _day(times[p.recovery])),
                _e(_percent(p.depth)),
                _e(f"{p.days:,} days"),
                _e(f"{p.rounds:,}"),
            ],
            numeric_from=4,
            attributes=f' data-depth="{p.depth:.6f}"',
        )
        for rank, p in enumerate(periods, start=1)
    ]
    headers = ["#", "Peak (UTC)", "Trough (UTC)", "Recovered (UTC)", "Depth", "Length", "Rounds"]
    note = (
        "<p>A period runs from a high to the first Round back at it (or to the end, not recovered); its depth "
        "is the trough against the peak, its length the days and Rounds from the peak to the recovery.</p>"
    )
    return _section("drawdown-periods", title, note, _table(headers, rows, table_id="drawdown-periods-table"))


def annual_section(facts: _Facts) -> str:
    """Each UTC calendar year's return; partial years (the Game started or ended inside them) marked."""
    try:
        years = annual_returns(facts.values, facts.round_times.astype(np.int64))
    except InvalidInputError as error:
        return _section("annual", "Annual returns", f'<p class="note">No annual returns: {_e(error)}</p>')
    rows = [
        _row(
            [_e(str(y.year)), _e(_percent(y.value)), _e("partial" if y.partial else "")],
            attributes=f' data-year="{y.year}"' + (' class="partial"' if y.partial else ""),
        )
        for y in years
    ]
    note = (
        "<p>Value at the year's last Round over value at the last Round before it (the first Round for the "
        "first year). A year the Game did not cover in full is marked partial: the first, unless the Game "
        "started in its first week, the last, unless it ended in its last week.</p>"
    )
    return _section("annual", "Annual returns", note, _table(["Year", "Return", ""], rows, table_id="annual-table"))


def rolling_section(facts: _Facts, charts: _Charts) -> str:
    """Rolling volatility and Sharpe ratio over half a year of Rounds."""
    title = "Rolling risk"
    metrics = facts.metrics
    if metrics is None:
        return _section("rolling", title, f'<p class="note">No rolling risk: {_e(facts.metrics_problem)}</p>')
    ppy = metrics.periods_per_year
    window = rolling_window(ppy)
    volatility, sharpe = rolling_risk(facts.values, window, ppy)
    note = (
        f"<p>Over the last {window:,} Rounds (half a year at {ppy:,.0f} Rounds a year), annualized by "
        f"√{ppy:,.0f}: volatility = standard deviation of the returns, Sharpe = mean / standard deviation "
        "(no risk-free rate).</p>"
    )
    if not np.isfinite(volatility).any():
        return _section("rolling", title, note, f'<p class="note">Fewer than {window:,} returns: no window.</p>')
    go = charts.go
    figure = charts.figure(
        title={"text": f"Rolling {window:,}-Round volatility and Sharpe ratio"},
        hovermode="x unified",
        xaxis={"range": facts.x_range()},
        yaxis={"title": "volatility", "tickformat": ".0%"},
        yaxis2={"title": "Sharpe", "overlaying": "y", "side": "right", "showgrid": False},
    )
    drawn = drawn_indices([volatility, sharpe])
    times = short_times(facts.round_times[drawn])
    figure.add_trace(
        go.Scatter(x=times, y=volatility[drawn], mode="lines", name="Volatility", line={"color": "#d95f02"})
    )
    figure.add_trace(
        go.Scatter(x=times, y=sharpe[drawn], mode="lines", name="Sharpe", yaxis="y2", line={"color": "#1b9e77"})
    )
    return _section("rolling", title, note, charts.div("rolling", figure))


def tax_years_section(facts: _Facts) -> str:
    """The tax booked per tax year, with the year's short- and long-term gains and dividends."""
    ledger = facts.result.books.tax_ledger
    if not ledger:
        return ""
    years: dict[int, dict[str, Decimal]] = {}
    gains, dividend, due = (TaxKind.DISPOSAL, TaxKind.WASH_ADJUSTMENT), TaxKind.DIVIDEND, TaxKind.TAX_DUE
    long_term = Term.LONG  # (the members looked up once: a ledger has a line per lot sold)
    for line in ledger:
        year = years.get(line.year)
        if year is None:
            year = years[line.year] = {"short": _ZERO, "long": _ZERO, "dividends": _ZERO, "tax": _ZERO}
        kind = line.kind
        if kind in gains:
            year["long" if line.term is long_term else "short"] += line.amount.amount
        elif kind is dividend:
            year["dividends"] += line.amount.amount
        elif kind is due:
            year["tax"] += line.amount.amount
    places = facts.places
    rows = [
        _row(
            [_e(str(year))] + [_e(_money(sums[key], places)) for key in ("short", "long", "dividends", "tax")],
            attributes=f' data-year="{year}" data-tax="{sums["tax"]}"',
        )
        for year, sums in sorted(years.items())
    ]
    total = sum((sums["tax"] for sums in years.values()), _ZERO)
    rows.append(_row(["<strong>Total</strong>", "", "", "", _e(_money(total, places))], attributes=' class="total"'))
    currency = ledger[0].amount.currency.code
    headers = ["Tax year", "Short-term gains", "Long-term gains", "Dividends", f"Tax booked ({currency})"]
    note = (
        "<p>From the tax ledger: each year's realized gains by term (after wash-sale adjustments), its "
        "dividends and the tax booked for it (a net loss books a negative tax, within the yearly loss limit; "
        "losses beyond it carry over).</p>"
    )
    return _section("tax-years", "Tax by year", note, _table(headers, rows, table_id="tax-years-table"))
