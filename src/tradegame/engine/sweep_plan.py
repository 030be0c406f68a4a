"""What every column of a sweep (sweep.py) shares: the Round schedule, the bars, the costs, and the
arithmetic of one fill.

``SweepPlan`` is built once per ``sweep`` call. It refuses, by name, a Game the jump-ahead cannot
reproduce (sweep.py's docstring lists what), works out for a Move placed on each Round the row it
fills at and the Round that books it, the running costs by the Round loop's rule
(``charge_rounds``), the marks each Round values a unit at, and books one market fill with the
engine's own sizing, tick, cash-cut and fee arithmetic (fills.py), in ``Decimal``. Imports the
engine's Game only to read what a Game of this spec would see (its Rounds, its corporate actions);
it never plays one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, NamedTuple

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import Instrument, LotMethod
from tradegame.domain.lots import LotBook
from tradegame.domain.running_costs import charge_rounds
from tradegame.domain.tax import TaxProfile, gains_by_year, tax_of_years
from tradegame.engine.costs import NoFee, NoSlippage
from tradegame.engine.fills import affordable, fill_fee, lot_step, target_units, tick_price
from tradegame.engine.game import Game
from tradegame.engine.market import close_only, market_price
from tradegame.engine.spec import AccountSpec, GameSpec
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.universe import Universe
from tradegame.engine.wake import SignalFollower

__all__ = ["SweepFill", "SweepPlan", "ValuePath"]

_ZERO = Decimal(0)


class SweepFill(NamedTuple):
    """One fill of a swept Game: its Round, time (ns), side, units, unit price, fee and cash after
    (net of running costs still owed)."""

    round: int
    time_ns: int
    side: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    cash: Decimal


class ValuePath(NamedTuple):
    """What a swept Game holds from Round to Round: from Round ``starts[k]`` on (until the next
    start), ``cash[k]`` (net of running costs still owed) and ``held[k]`` units, each Round valued
    at ``marks`` (the latest close it knows: ``SweepPlan.marks``)."""

    marks: np.ndarray
    starts: list[int]
    cash: list[Decimal]
    held: list[Decimal]

    def values(self, rounds: int, final_value: Decimal) -> np.ndarray:
        """The value after each of the first ``rounds`` Rounds, as the Round loop's ``Valuation``
        computes it (the cash as a float plus the units as a float times the mark, in that order),
        and the last Round's replaced by the final value (Game._finish)."""
        at = np.searchsorted(np.array(self.starts), np.arange(rounds), "right") - 1
        cash = np.array([float(amount) for amount in self.cash])[at]
        held = np.array([float(units) for units in self.held])[at]
        values: np.ndarray = cash + held * self.marks[:rounds]
        values[-1] = float(final_value)
        return values


class SweepPlan:
    """What every column shares: the Round schedule, the rows each Round knows, the bars, the costs."""

    def __init__(self, spec: GameSpec, universe: Universe, symbol: str, enter: np.ndarray, leave: np.ndarray) -> None:
        rows = universe.panel.rows
        game = Game(spec, universe, SignalFollower(symbol, np.zeros(rows, bool), np.zeros(rows, bool)))
        self._refuse_unsupported(game, symbol)
        self.instrument: Instrument = universe.instruments[symbol]
        self.account: AccountSpec = spec.account_for(symbol)
        self.step = lot_step(self.instrument)
        self.spec = spec
        self.times = game.times
        self.latest = game.latest_rows  # each Round's latest row
        self.at_close = spec.fill_at == "close"
        self._bars(universe, symbol)
        self._check_signals(symbol, enter, leave)
        self._check_close_fills(universe)
        # The engine sells the oldest lots first where the account identifies lots but a Move names none.
        self.methods = {
            a.name: LotMethod.FIFO if a.lot_method is LotMethod.SPECIFIC else a.lot_method for a in spec.accounts
        }
        self.first_year = utc_from_ns(int(self.times[0])).year
        self.charges = self._charges(spec)
        # What a Round values a unit at: the latest close it knows (0 before the symbol's first bar).
        latest_close = np.nan_to_num(self.close[np.clip(self.latest, 0, None)])
        self.marks = np.where(self.latest >= 0, latest_close, 0.0)
        self._schedule(universe)
        self._fill_constants(universe)

    def _bars(self, universe: Universe, symbol: str) -> None:
        """The symbol's closes, the price a market Move fills at on each row, its volume and times."""
        fields = universe.panel.fields
        column = universe.panel.column(symbol)
        self.close = np.ascontiguousarray(fields["close"][:, column])
        opens = fields["open"][:, column]
        only_close = close_only(opens, fields["high"][:, column], fields["low"][:, column])
        # A market order fills at the open, or at the close of a close-only bar (the market's rule).
        self.open = market_price(opens, self.close, only_close, False)
        self.volume = np.ascontiguousarray(fields["volume"][:, column])
        self.fill_ns = universe.panel.available if self.at_close else universe.fill_times
        # A fill is stamped when it happens: at the open, or at the close of a close-only bar.
        self.stamp_ns = np.where(only_close, universe.panel.available, self.fill_ns)

    def _check_signals(self, symbol: str, enter: np.ndarray, leave: np.ndarray) -> None:
        """Signals only on rows with a bar, and no gaps in the symbol's bars."""
        known = ~np.isnan(self.close)
        missing = np.flatnonzero(~known)  # the rows without a bar
        for name, signal in (("enter", enter), ("leave", leave)):
            bad = missing[signal[missing].any(axis=1)]
            if len(bad):
                raise InvalidInputError(f"signals: {name} is set on row {int(bad[0])}, where {symbol} has no bar")
        if known.any():
            first = int(np.argmax(known))
            if not known[first:].all():
                raise InvalidInputError(f"sweep: {symbol} has gaps in its bars; play these Games one by one")

    def _check_close_fills(self, universe: Universe) -> None:
        """A fill at the close the Round just saw, on a Round inside the next bar (hourly Rounds on
        daily bars), is a fill in the past: the books stamp it after whatever they hold since (the
        Start Fund, a running cost), which the jump-ahead does not follow."""
        pending = self.latest + 1  # the first row not yet known
        inside = pending < universe.panel.rows
        inside[inside] = universe.fill_times[pending[inside]] < self.times[inside]
        if self.at_close and inside.any():
            raise InvalidInputError(
                "sweep: cannot play fills at the close on Rounds inside a bar (e.g. hourly Rounds on daily bars) "
                "on arrays; use next_open fills, or play these Games one by one"
            )

    def _schedule(self, universe: Universe) -> None:
        """For a Move placed on each Round: the row it fills at and the Round that books it (the
        first bar after the Round's latest that opens no earlier than the Move, Game._match_row,
        booked by the first Round that knows it replays it; at the close: the Round's own bar)."""
        rounds = np.arange(len(self.times))
        if self.at_close:
            rows, booked = np.clip(self.latest, 0, None), rounds
        else:
            rows = np.maximum(self.latest + 1, universe.fill_times.searchsorted(self.times, "left"))
            booked = np.maximum(self.latest.searchsorted(rows, "left"), rounds + 1)
        self.row_at, self.booked_at = rows, booked
        # The rows a fill can take (those of a Move placed on any Round, the end's sale's among them).
        first = max(0, int(self.latest[0]))
        self.fill_span = slice(first, min(universe.panel.rows, max(int(rows.max()), int(self.latest[-1])) + 1))

    @cached_property
    def fill_rows(self) -> list[int]:
        """Per Round, the row a Move placed on it fills at (``row_at`` as Python numbers)."""
        rows: list[int] = self.row_at.tolist()
        return rows

    @cached_property
    def fill_rounds(self) -> list[int]:
        """Per Round, the Round that books a Move placed on it (``booked_at`` as Python numbers)."""
        rounds: list[int] = self.booked_at.tolist()
        return rounds

    def _listed(self, values: np.ndarray) -> list[Any]:
        """Per panel row, as Python numbers, ``values`` on the rows a fill can take; the rows before
        are never read (zeros, not converted)."""
        converted: list[Any] = values[self.fill_span].tolist()
        return [0] * self.fill_span.start + converted

    @cached_property
    def fill_ns_at(self) -> list[int]:
        return self._listed(self.fill_ns)

    @cached_property
    def stamps(self) -> list[int]:
        return self._listed(self.stamp_ns)

    @cached_property
    def fill_prices(self) -> list[float]:
        return self._listed(self.close if self.at_close else self.open)

    @cached_property
    def volumes(self) -> list[float]:
        return self._listed(self.volume)

    def _fill_constants(self, universe: Universe) -> None:
        """The fill arithmetic's constant parts, worked out once: the currency's rounding; a fee model
        that charges nothing; a slippage model that keeps the market price: then each row's unit
        price is the tick of its market price, kept on the Universe for every sweep on it, and the
        model's checks of its inputs (a finite price of at least 0, a volume of at least 0 or
        unknown) are made here once for every row instead of once a fill."""
        currency = self.currency = self.instrument.quote_currency
        self.round = currency.round
        fees = self.account.fees
        self.free = fill_fee(fees, Decimal(1), Decimal(1), False, currency).amount if isinstance(fees, NoFee) else None
        self.ticks: np.ndarray | None = None  # per row, its unit price once known (None before)
        if isinstance(self.account.slippage, NoSlippage):
            prices = np.concatenate((self.open, self.close))
            priced = prices[~np.isnan(prices)]
            if np.isfinite(priced).all() and (priced >= 0).all() and not (self.volume < 0).any():
                key = ("sweep unit prices", self.instrument.symbol, self.at_close)
                if key not in universe.indicator_cache:
                    universe.indicator_cache[key] = np.full(universe.panel.rows, None, dtype=object)
                self.ticks = universe.indicator_cache[key]

    def _charges(self, spec: GameSpec) -> list[tuple[int, int, Decimal]]:
        """Every running-cost occurrence the Game charges, as (Round, due time in ns, amount) in
        booking order, by the Round loop's rule (``charge_rounds``), each at midnight UTC."""
        if not spec.running_costs:
            return []
        days = self.times.astype("datetime64[ns]").astype("datetime64[D]")  # UTC days
        return [
            (charge.round, int(np.datetime64(charge.day, "ns").astype(np.int64)), charge.cost.amount.amount)
            for charge in charge_rounds(spec.running_costs, days.astype(object).tolist())
        ]

    @staticmethod
    def _refuse_unsupported(game: Game, symbol: str) -> None:
        spec = game.spec
        problems = {
            "running costs charged to another account or in another currency": any(
                account != spec.accounts[0].name or cost.amount.currency.code != spec.currency
                for account, cost in spec.running_costs
            ),
            "initial_positions": bool(spec.initial_positions),
            "volume_cap": any(a.volume_cap is not None for a in spec.accounts),
            # Only the actions the Game applies (from its start day on): those before are history.
            f"corporate actions on {symbol}": any(
                action.symbol == symbol for actions in game.actions.values() for action in actions
            ),
            f"{symbol} quoted in another currency than {spec.currency}": (
                game.universe.instruments[symbol].quote_currency.code != spec.currency
            ),
            f"{symbol}, a cross pair (its quote is an asset, not cash)": game.universe.instruments[symbol].is_cross,
            f"{symbol} not allowed in this Game": symbol not in game.allowed,
            f"{symbol} traded outside the first account (the Start Fund's)": (
                spec.account_for(symbol) is not spec.accounts[0]
            ),
        }
        refused = [name for name, present in problems.items() if present]
        if refused:
            raise InvalidInputError(f"sweep: cannot play {', '.join(refused)} on arrays; play these Games one by one")

    def liquidation(self, final: int) -> tuple[int, float, int]:
        """Where the end's sale fills after Round ``final`` (Game._liquidate): the row, the price
        before slippage and the time: the next bar's open under next-open fills, else (close fills, or
        no later bar) the latest close at the Round's time."""
        last = int(self.latest[final])
        ns = int(self.times[final])
        if not self.at_close:
            row = max(last + 1, int(self.fill_ns.searchsorted(ns, "left")))
            if row < len(self.open):
                return row, float(self.open[row]), int(self.stamp_ns[row])
        return last, float(self.close[last]), ns

    def book_fill(
        self,
        round_index: int,
        row: int,
        price: float,
        cash: Decimal,
        held: Decimal,
        weight: Decimal,
        lots: LotBook | None,
        end_ns: int | None = None,
    ) -> SweepFill | None:
        """One market fill at ``row``, as Game._settle_size and Game._execute book it (None: no fill):
        a Move's, at ``price``, the market price of its row (``fill_prices``), or with ``end_ns``
        the end's sale, at ``price`` and at that time."""
        side: Literal["buy", "sell"] = "sell" if held else "buy"
        if held:
            quantity = held
        else:
            quantity = target_units(weight, float(cash), 1.0, price, self.step)
            if quantity <= 0:
                return None
        ticks = self.ticks if end_ns is None else None  # no slippage: the same unit price on every fill
        unit_price = ticks[row] if ticks is not None else None
        if unit_price is None:
            unit_price = self._unit_price(side, price, quantity, row)
            if ticks is not None:
                ticks[row] = unit_price
        free = self.free
        fee = free if free is not None else self.fee(quantity, unit_price)
        gross = self.round(quantity * unit_price)
        if held:
            if fee > gross:
                return None  # the books refuse a sale whose fee exceeds its value
            after = cash + gross - fee
        else:
            if gross + fee > cash:  # cut to the cash, as Game._affordable does
                quantity = affordable(quantity, unit_price, cash, self.step, self.account.fees, False, self.currency)
                if quantity <= 0:
                    return None
                fee = self.fee(quantity, unit_price)
                gross = self.round(quantity * unit_price)
            after = cash - gross - fee
        ns = self.stamps[row] if end_ns is None else end_ns
        if lots is not None:
            self._lot(lots, side, quantity, unit_price, fee, utc_from_ns(ns).date())
        return SweepFill(round_index, ns, side, quantity, unit_price, fee, after)

    def _unit_price(self, side: Literal["buy", "sell"], price: float, quantity: Decimal, row: int) -> Decimal:
        """The fill's unit price: the market ``price`` moved by the slippage model, on the tick grid
        (no slippage: its inputs were checked once, ``_fill_constants``)."""
        if self.ticks is None:
            price = self.account.slippage.execution_price(
                side=side, price=price, quantity=float(quantity), bar_volume=self.volumes[row]
            )
        return tick_price(price, self.instrument.tick_size)

    def fee(self, quantity: Decimal, unit_price: Decimal) -> Decimal:
        """The fee of a fill of ``quantity`` units at ``unit_price`` (fills.fill_fee)."""
        if self.free is not None:
            return self.free
        return fill_fee(self.account.fees, quantity, unit_price, False, self.instrument.quote_currency).amount

    def _lot(
        self, lots: LotBook, side: Literal["buy", "sell"], quantity: Decimal, price: Decimal, fee: Decimal, on: date
    ) -> None:
        book = lots.buy if side == "buy" else lots.sell
        instrument = self.instrument
        book(account=self.account.name, symbol=instrument.symbol, quantity=quantity, price=price, fee=fee, on=on,
             asset_class=instrument.asset_class)  # fmt: skip

    def taxes(self, lots: LotBook, last: int) -> Decimal:
        """The tax due of every year of the Game, as Books.record_tax finally records it."""
        profile = self.spec.tax
        assert isinstance(profile, TaxProfile)
        gains = gains_by_year((d.date_sold.year, d.term, d.gain) for d in lots.disposals)
        return tax_of_years(gains, self.first_year, last, profile)
