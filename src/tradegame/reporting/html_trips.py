"""The "Round trips" section of a played Game's report: every trade bought and sold, and its statistics.

The round trips are ``round_trips``' (FIFO per Position; see there how fills are paired), in the
table a page at a time (``html_paged``). Their statistics (``trade_stats``) are of the P&L in the
Game currency: a trip in another currency is converted at the rate known at its exit fill, as
the engine converts a sale. Imports the report's facts and formats; writes nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

import numpy as np

from tradegame.engine.assets import AssetMap
from tradegame.reporting.html_paged import paged_table
from tradegame.reporting.html_parts import _e, _money, _percent, _quantity, _ratio, _row, _section, _table
from tradegame.reporting.report_facts import _closes_at, _Facts, _fx_at, _ns
from tradegame.reporting.round_trips import RoundTrip, RoundTrips, game_round_trips
from tradegame.reporting.trade_stats import TradeStats, trade_stats

__all__ = ["FORMED", "holding_text", "round_trips_section"]

FORMED = (
    "A round trip is units bought by one fill and sold by a later one: each sale closes its Position's "
    "(one symbol in one account) oldest open units first (FIFO, whatever the account's tax lot method; "
    "Form 8949 follows that), so a partial sale is a trip of the units it sold and a sale across two buys "
    "is two trips. Each fill's fee is shared by quantity. P&L = exit − entry notional − fees; return = P&L "
    "/ entry notional; holding = exit − entry time. The reasons are the Model's, from the decision log."
)


def round_trips_section(facts: _Facts) -> str:
    """The statistics table, notes on what is not a round trip, and the trips a page at a time."""
    result = facts.result
    assets = AssetMap.of(facts.universe.instruments, facts.universe.panel.symbols, result.spec.currency)
    symbol_of = {asset: facts.universe.panel.symbols[column] for asset, column in assets.value_column.items()}
    trips = game_round_trips(result, set(assets.books))
    pnls = [t.pnl for t in trips.trips]
    returns = [t.return_fraction for t in trips.trips]
    holdings = [t.holding for t in trips.trips]
    stats = trade_stats(_game_pnls(facts, trips.trips, pnls, assets), returns, holdings)
    parts = [f"<p>{_e(FORMED)}</p>"]
    if stats is None:
        parts.append('<p class="note">No round trips: nothing bought in the Game was sold.</p>')
    else:
        parts.append(_stats_table(stats, facts.places, result.spec.currency))
    parts.extend(_notes(trips))
    columns = _trip_columns(trips.trips, (pnls, returns, holdings), symbol_of, facts.places, result.spec.currency)
    headers = ["Account", "Symbol", "Entry (UTC)", "Exit (UTC)", "Entry reason", "Exit reason", "Quantity"]
    headers += ["Entry price", "Exit price", "Fees", "P&L", "Return", "Holding"]
    parts.append(paged_table("round-trips-table", headers, columns, noun="round trips", numeric_from=6, css="trips"))
    return _section("round-trips", "Round trips", *parts)


def _game_pnls(facts: _Facts, trips: tuple[RoundTrip, ...], own: list[Decimal], assets: AssetMap) -> list[float]:
    """Each trip's P&L (``own``: in its currency) in the Game currency (at the rate known at its exit fill)."""
    game = facts.result.spec.currency
    pnls = [float(pnl) for pnl in own]
    foreign = [i for i, t in enumerate(trips) if t.currency != game]
    if not foreign:
        return pnls
    panel = facts.universe.panel
    exits = np.array([_ns(trips[i].exit_time) for i in foreign], dtype=np.int64)
    rows = np.searchsorted(panel.available, exits, side="right") - 1
    fx = _fx_at(facts.result, facts.universe, exits, _closes_at(panel, rows), assets.value_column)
    for row, i in enumerate(foreign):
        pnls[i] *= float(fx[row, assets.value_column[trips[i].asset]])
    return pnls


def _stats_table(stats: TradeStats, places: int, currency: str) -> str:
    rows = [
        ("Round trips", f"{stats.trades:,} ({stats.wins:,} won, {stats.losses:,} lost)"),
        ("Win rate", _percent(stats.win_rate)),
        ("Profit factor (gross wins / gross losses)", _factor(stats.profit_factor)),
        ("Gross wins", _money(stats.gross_wins, places)),
        ("Gross losses", _money(-stats.gross_losses, places)),
        (f"Expectancy (mean P&L per trip, {currency})", _money(stats.expectancy, places)),
        ("Mean return per trip", _percent(stats.mean_return)),
        ("SQN (√N × mean P&L / std P&L)", _ratio(stats.sqn)),
        ("Best trip (return, P&L)", f"{_percent(stats.best_return)}, {_money(stats.best_pnl, places)}"),
        ("Worst trip (return, P&L)", f"{_percent(stats.worst_return)}, {_money(stats.worst_pnl, places)}"),
        ("Mean holding time", holding_text(stats.mean_holding)),
        ("Longest holding time", holding_text(stats.longest_holding)),
    ]
    return _table(
        ["Statistic", "Value"],
        (_row([_e(label), _e(value)], attributes=f' data-stat="{_e(label)}"') for label, value in rows),
        table_id="trip-stats-table",
        css="metrics",
    )


def _notes(trips: RoundTrips) -> list[str]:
    notes = []
    if trips.open_lots:
        notes.append(f"{trips.open_lots:,} lot(s) bought in the Game were still held at its end: no round trip.")
    if trips.outside_units:
        notes.append(
            f"{_quantity(trips.outside_units)} unit(s) sold came from Positions held before the Game or "
            "transferred in: no round trip of the Model's (they are in Form 8949)."
        )
    return [f'<p class="note">{_e(note)}</p>' for note in notes]


def _trip_columns(
    trips: tuple[RoundTrip, ...],
    figures: tuple[list[Decimal], list[float], list[timedelta]],
    symbol_of: dict[str, str],
    places: int,
    game: str,
) -> list[list[str]]:
    """The trips' cells, column by column (``figures``: their P&L, returns and holding times).
    Trips share their times and holding times: each is written once."""
    pnls, returns, holdings = figures
    codes = ["" if t.currency == game else f" {t.currency}" for t in trips]
    minute, held = cache(_minute), cache(holding_text)  # each time and holding time written once
    return [
        [t.account for t in trips],
        [symbol_of.get(t.asset, t.asset) for t in trips],
        [minute(t.entry_time) for t in trips],
        [minute(t.exit_time) for t in trips],
        [t.entry_reason for t in trips],
        [t.exit_reason for t in trips],
        [_quantity(t.quantity) for t in trips],
        [f"{t.entry_price:,.4f}" for t in trips],
        [f"{t.exit_price:,.4f}" for t in trips],
        [_money(t.fees, places) + code for t, code in zip(trips, codes, strict=True)],
        [_money(pnl, places) + code for pnl, code in zip(pnls, codes, strict=True)],
        [_percent(fraction) for fraction in returns],
        list(map(held, holdings)),
    ]


def _factor(number: float) -> str:
    if math.isinf(number):
        return "∞ (no losing trip)"
    return _ratio(number)


def holding_text(held: timedelta) -> str:
    """A holding time in days (one decimal), or in hours under a day."""
    days = held.total_seconds() / 86_400
    return f"{days:,.1f} days" if days >= 1 else f"{days * 24:,.1f} hours"


def _minute(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")
