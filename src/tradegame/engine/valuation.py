"""Valuation and the exit rules: what the Game is worth now, at a fill's prices, and whether an
exit rule ends it.

``Valuation`` keeps the latest close of each symbol and its mark in the Game currency (the close
times the rate known now, ``rates.Rates.vector``), and values the Game as its cash (cash.py) plus
``quiet.holdings_values`` of the holdings' float array: the very function a quiet stretch is
valued with (``Valuation.stretch``, many Rounds at once), so a Round valued alone and one valued
in a stretch are the same float.

``ExitWatch`` applies the exit rules with ``quiet.exit_flags``, the one vectorised rule, to one
value a Round (and to a quiet stretch's values through ``quiet.first_exit``); it keeps the peak
and the losing streak between Rounds and writes the reason of the rule that fired. Imports numpy
and the engine's quiet, cash, rates and holdings modules; never game.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import numpy as np

from tradegame.domain.positions import Books
from tradegame.engine.cash import GameCash
from tradegame.engine.clock import GameClock
from tradegame.engine.holdings import Holdings
from tradegame.engine.market import close_only, market_price
from tradegame.engine.quiet import exit_flags, first_exit, holdings_values
from tradegame.engine.rates import Rates
from tradegame.engine.spec import ExitRules
from tradegame.engine.universe import Universe

__all__ = ["ExitWatch", "Outcome", "Valuation"]

_add = np.add.reduce  # ``ndarray.sum``'s reduction, without its wrapper: the same floats

Outcome = Literal["completed", "catastrophic_exit", "perfect_exit", "ended_by_model"]


class Valuation:
    """The latest closes (``last_price``, ``prev_price`` at the Round before), the marks in the
    Game currency (0 before a symbol's first bar) and the rates (``fx``) they were taken at."""

    def __init__(
        self, universe: Universe, rates: Rates, cash: GameCash, holdings: Holdings, clock: GameClock, books: Books
    ) -> None:
        self._universe = universe
        self._books = books
        self._at: tuple[tuple[int, bool, int, int], float] | None = None  # value_at's last answer, by its inputs
        self._ahead: tuple[int, int, float] | None = None  # (Round, books' operations, value): see ``ahead``
        self._fields = universe.panel.fields
        self._close = self._fields["close"]
        self._close_whole = universe.complete_rows("close")  # rows with every close: taken whole
        self._filled_whole = universe.complete_rows("filled_close")
        self._open_whole: np.ndarray | None = None  # rows with every open, high and low (read when first needed)
        self._rates = rates
        self._cash = cash
        self._holdings = holdings
        self._clock = clock
        width = len(universe.panel.symbols)
        self.last_price = np.full(width, np.nan)
        self.prev_price = np.full(width, np.nan)
        self.marks = np.zeros(width)  # latest close x FX rate, 0 before a symbol's first bar
        self.fx = rates.vector()
        # Every rate 1 and fixed (no foreign instrument): a price times its rate is the price, bit for bit.
        self._unit_fx = not rates.foreign and bool((self.fx == 1.0).all())

    def refresh_fx(self) -> None:
        """A new Round in a Game with foreign instruments (the caller checks ``Rates.foreign``):
        re-value them at the rates known now."""
        self.fx = self._rates.vector()
        self.marks = np.nan_to_num(self.last_price) * self.fx

    def fx_vector_now(self) -> np.ndarray:
        """Game-currency units per unit of each column's quote currency, at the rates known now (a
        bar's Moves read it once: ``BarSizing``)."""
        return self._rates.vector() if self._rates.foreign else self.fx

    def begin_replay(self) -> None:
        """New bars are about to be replayed: the latest closes become the previous Round's."""
        self.prev_price[:] = self.last_price

    def close_row(self, row: int) -> None:
        """Take ``row``'s closes (where known) as the latest."""
        values = self._close[row]
        if self._close_whole[row]:  # every close known: the same floats without the masks
            self.last_price[:] = values
            np.multiply(values, self.fx, out=self.marks)
            return
        known = values == values  # not NaN
        np.copyto(self.last_price, values, where=known)
        np.multiply(values, self.fx, out=self.marks, where=known)

    def jump_to(self, end: int) -> None:
        """Take the latest closes known when ``end`` rows are known, at once (nothing to replay between)."""
        latest = self._universe.filled_close[end - 1]
        if self._filled_whole[end - 1]:  # every symbol has a close by now: the same floats without the masks
            self.last_price[:] = latest
            np.multiply(latest, self.fx, out=self.marks)
            return
        known = latest == latest  # not NaN
        np.copyto(self.last_price, latest, where=known)
        np.multiply(latest, self.fx, out=self.marks, where=known)

    def value(self) -> float:
        """The Game's value now: the cash at the rates known now plus the Positions' marks."""
        ahead = self._ahead
        if ahead is not None and ahead[0] == self._clock.round and ahead[1] == self._books.operations:
            return ahead[2]  # a quiet stretch valued this Round and nothing was booked since: the same float
        holdings = self._holdings
        cash = self._cash.now(self._clock.now_ns)
        if self._rates.foreign:
            return cash + float(holdings_values(holdings.qty, self.marks[None, :])[0])
        held = holdings.held_cells  # marks are finite without rates
        if len(held) <= 1:  # ``holdings_values``' 0 or one product, without its arrays: the same float
            if not held:
                return cash + 0.0
            ((account, column),) = held  # the same IEEE product as numpy's, on Python floats
            mark: float = self.marks.item(column)
            units: float = holdings.qty.item(account, column)
            return cash + mark * units
        return cash + float(holdings_values(holdings.qty, self.marks[None, :], held)[0])

    def stretch(self, latest: np.ndarray, consecutive: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """The Game's value at each Round of a quiet stretch whose Rounds know rows up to ``latest``
        (the cash and the Positions at each Round's rates), and those rates when they move (None
        when they do not): ``holdings_values``' floats, bit for bit. ``consecutive``: ``latest`` are
        consecutive rows (their closes are read as a slice, not copied)."""
        known = latest + 1
        cash = self._cash.at(known)
        closes = self._universe.zero_filled_close
        if not self._rates.foreign:
            fx = self.fx
            held = self._holdings.held_cells  # finite marks: holdings_values may skip sums
            if not held:  # nothing held: holdings_values' zeros
                return cash + np.zeros(len(latest)), None
            if len(held) == 1 and latest[0] >= 0:  # its one product: (close x rate) x units, as holdings_values
                ((account, column),) = held
                only = closes[latest, column] * fx[column] * self._holdings.qty[account, column]
                return cash + only, None
        if consecutive and latest[0] >= 0:
            first = int(latest[0])
            prices = closes[first : first + len(latest)]  # read only, as ``closes``
        elif latest[0] >= 0:  # Rounds know rows in order: every Round of the stretch knows a bar
            prices = closes[latest]
        else:
            prices = closes[np.clip(latest, 0, None)]
            prices[latest < 0] = 0.0
        if self._rates.foreign:
            rates = self._rates.table.at(known)
            return cash + holdings_values(self._holdings.qty, prices * rates), rates  # at each Round's rates
        marks = prices if self._unit_fx else prices * fx[None, :]  # read, never written
        return cash + holdings_values(self._holdings.qty, marks, held), None

    def ahead(self, round_index: int, values: np.ndarray) -> np.ndarray:
        """A quiet stretch's ``values`` up to the Round ``round_index`` it stops at, the last one that
        Round's: kept for ``value`` there (unless something is booked first), the others returned."""
        self._ahead = (round_index, self._books.operations, float(values[-1]))
        return values[:-1]

    def value_at(self, row: int, at_close: bool) -> float:
        """The Game's value with each Position at the price a market Move fills at on ``row``: its
        open (its close under close fills or on a close-only bar), the latest close where it has no bar;
        the cash and every foreign price at the rates known at the fill. (The Moves of one bar are
        sized before any of them fills: the value is computed once per bar and booking.)"""
        key = (row, at_close, self._books.operations, self._clock.now_ns)
        if self._at is not None and self._at[0] == key:
            return self._at[1]
        holdings = self._holdings
        fields = self._fields
        cells = holdings.held_cells
        if not self._rates.foreign and len(cells) <= 1:
            # No Position, or one: the sum below is 0, or its one product (every other term is an
            # exact zero, the marks being finite): the same float without the arrays.
            held = 0.0
            if cells:
                ((account, column),) = cells
                open_ = fields["open"].item(row, column)
                only_close = close_only(open_, fields["high"].item(row, column), fields["low"].item(row, column))
                price = market_price(open_, fields["close"].item(row, column), only_close, at_close)
                mark = self.marks[column] if price != price else price * self.fx[column]
                held = float(holdings.qty[account, column] * mark)
            value = self._cash.now(self._clock.now_ns) + held
        else:
            value = self._cash.now(self._clock.now_ns) + float(_add(holdings.qty @ self._fill_marks(row, at_close)))
        self._at = (key, value)
        return value

    def _fill_marks(self, row: int, at_close: bool) -> np.ndarray:
        """Each symbol's mark at the price a market Move fills at on ``row`` (``value_at``'s rule)."""
        fields = self._fields
        if self._unit_fx:
            if self._open_whole is None:  # (a row missing a high or a low is close-only: the market's rule)
                complete = self._universe.complete_rows
                self._open_whole = complete("open") & complete("high") & complete("low")
            if (self._close_whole if at_close else self._open_whole)[row]:
                # Every such price known, every rate 1: the marks below are these prices, bit for bit.
                whole: np.ndarray = fields["close" if at_close else "open"][row]
                return whole
        opens = fields["open"][row]
        only_close = close_only(opens, fields["high"][row], fields["low"][row])
        prices = market_price(opens, fields["close"][row], only_close, at_close)  # the market's rule
        if self._rates.foreign:
            fx = self._rates.vector()
            marks: np.ndarray = np.where(np.isnan(prices), np.nan_to_num(self.last_price) * fx, prices * fx)
        else:
            marks = np.where(np.isnan(prices), self.marks, prices * self.fx)
        return marks


class ExitWatch:
    """The exit rules of a Game that started with ``start`` (in the Game currency), applied Round by
    Round: the peak value and the losing streak so far."""

    def __init__(self, rules: ExitRules, start: float) -> None:
        self.rules = rules
        self.active = rules.active
        self.start = start
        self.peak = start
        self.losing = 0

    def restart(self, start: float) -> None:
        """The starting capital is known (the Start Fund plus the initial Positions' cost)."""
        self.start = self.peak = start

    def check(self, value: float, previous: float) -> tuple[Outcome, str] | None:
        """Apply the rules to one Round's ``value`` (``previous``: the Round before's); the outcome
        and reason of the first rule that fires, or None."""
        rules = self.rules
        flags = exit_flags(np.array([value]), previous, self.peak, self.losing, self.start, rules)
        self.peak, self.losing = float(flags.peaks[0]), int(flags.streak[0])
        if flags.catastrophic[0]:
            return "catastrophic_exit", self._catastrophe(value)
        if flags.perfect[0]:
            start = self.start
            assert rules.target_return is not None
            return "perfect_exit", f"return {value / start - 1:.2%} reached the {_percent(rules.target_return)} target"
        return None

    def _catastrophe(self, value: float) -> str:
        """Why a catastrophic rule fired at ``value``: the first of the rules, in order, that did."""
        rules, start, peak = self.rules, self.start, self.peak
        if rules.min_value_fraction is not None and value < float(rules.min_value_fraction) * start:
            floor = float(rules.min_value_fraction) * start
            return f"value {value:,.2f} below {_percent(rules.min_value_fraction)} of the start fund ({floor:,.2f})"
        if rules.max_drawdown is not None and peak > 0 and (peak - value) / peak > float(rules.max_drawdown):
            return f"drawdown {(peak - value) / peak:.2%} over the {_percent(rules.max_drawdown)} limit"
        return f"{self.losing} losing rounds in a row"

    def first_in(self, values: np.ndarray, previous: float) -> int | None:
        """The first of a quiet stretch's ``values`` on which a rule fires (None: none); the peak and
        streak move on to the Round before it (to the stretch's end when none fires)."""
        fires, self.peak, self.losing = first_exit(values, previous, self.peak, self.losing, self.start, self.rules)
        return fires


def _percent(fraction: Decimal) -> str:
    """A limit as written: 0.3 is "30%", 0.125 "12.5%"."""
    return f"{(fraction * 100).normalize():f}%"
