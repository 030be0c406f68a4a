"""The sweep's fast books: a column played in whole minor units (cents) of the Game currency.

Most sweeps are the plain case: no fee, no slippage, no tax, no running costs, no exit rules, whole
units of an instrument priced on the cent grid. Then every amount a fill books is a whole number of
cents, and the engine's ``Decimal`` arithmetic (fills.py, as ``SweepPlan.book_fill`` runs it) is
the same as integer arithmetic on cents: a buy's units ``target_units(w, cash, 1, price, 1)`` are
``w * cash // price`` (the decimal quotient, rounded to 28 digits, cannot cross a whole number while
``w * cash`` stays under 10**26 cents, which is checked), its cost ``units * price`` needs no
rounding, and a sale adds ``units * price`` back. ``CentBook`` plays a column so, keeping each fill
as a few integers, and turns them into ``SweepFill`` and ``ValuePath`` (``Decimal``, the very
values the general books make) only when asked. The end's sale goes through ``book_fill`` itself.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from tradegame.engine.sweep_plan import SweepFill, SweepPlan, ValuePath

__all__ = ["CentBook", "CentColumn", "Runs"]

_ZERO = Decimal(0)
_DIGITS = 10**15  # a cash of fewer digits goes through float and repr unchanged (target_units)
_EXACT = 10**26  # weight x cash under this: the quotient's 28 digits cannot reach the next unit

Runs = tuple[list[int], list[int]]  # the first Round of each run of True and the Round after it


class CentColumn(NamedTuple):
    """One column played in cents: per fill the Round its Move was placed on, its units (> 0
    bought, < 0 sold) and the cash after it; the end's sale (``SweepPlan.book_fill``'s) and the
    cash after everything. Its fills and holdings as the general books keep them (sweep.Kept) come
    from its ``book``."""

    book: CentBook
    kept: list[tuple[int, int, int]]
    last: SweepFill | None
    final_cash: Decimal

    def fees(self) -> Decimal:
        """The fees the column paid: none, written as the general books add them up."""
        return _ZERO + self.book.free if self.kept or self.last is not None else _ZERO

    def fills(self) -> tuple[SweepFill, ...]:
        return self.book.fills(self)

    def path(self) -> ValuePath:
        return self.book.path(self)


class CentBook:
    """What every column played in cents shares: the plan, the weight as a fraction, the price in
    cents of each row (``cents``) and of a Move placed on each Round (0 where a fill cannot be played
    in cents: no price, a price of 0, past the last bar), the Round to look on from after such a Move
    (-1: none, it is cancelled at the end), and the Decimal forms of the constants."""

    def __init__(self, plan: SweepPlan, weight: Decimal, cents: np.ndarray, scale: int, free: Decimal) -> None:
        self.plan = plan
        self.weight = weight
        self.numerator, self.denominator = weight.as_integer_ratio()
        self.limit = min(_DIGITS, _EXACT // self.numerator)
        self.cents = cents
        self.price_at: list[int] = cents[plan.row_at].tolist()
        booked, rounds = plan.booked_at, len(plan.times)
        follow = booked + 1 if plan.at_close else np.where(booked < rounds, booked, -1)  # at the close: the next
        self.follow_at: list[int] = follow.tolist()
        self.scale = scale  # the currency's minor units
        self.start = int(plan.spec.start_fund.scaleb(scale))
        self.tick = plan.instrument.tick_size
        self.free = free  # the fee of every fill: none, as fill_fee writes it

    @classmethod
    def of(cls, plan: SweepPlan, weight: Decimal) -> CentBook | None:
        """The cent books for ``plan``'s columns, or None when a fill could book anything but whole cents."""
        spec, currency, free = plan.spec, plan.currency, plan.free
        scale = currency.minor_units
        plain = (
            plan.ticks is not None  # no slippage, prices checked
            and not plan.charges
            and spec.tax is None
            and not spec.exits.active
            and plan.step.as_tuple() == Decimal(1).as_tuple()
            and plan.instrument.tick_size == currency.quantum
            and spec.start_fund == spec.start_fund.scaleb(scale).to_integral_value().scaleb(-scale)
            and len(weight.as_tuple().digits) <= 12
        )
        if free is None or not plain:  # a fee model that may charge
            return None
        market = plan.close if plan.at_close else plan.open
        prices = market[plan.fill_span]  # the rows a fill can take
        unit = 10.0**scale
        with np.errstate(invalid="ignore"):
            cents = np.rint(prices * unit)
            on_grid = (cents / unit == prices) & (cents > 0) & (cents < _DIGITS)
        if not on_grid[~np.isnan(prices) & (prices != 0)].all():
            return None  # prices off the cent grid: the general books
        padded = np.zeros(max(len(market), int(plan.row_at.max(initial=0)) + 1), dtype=np.int64)  # 0: no fill
        padded[plan.fill_span] = np.where(on_grid, cents, 0)
        return cls(plan, weight, padded, scale, free)

    def play(self, flat: Runs, holding: Runs) -> CentColumn | None:
        """One column as sweep._play plays it (without running costs or exit rules); None when one of
        its fills falls outside whole cents (a zero or missing price, a cash too large): the general
        books play it then."""
        price_at, follow_at = self.price_at, self.follow_at
        numerator, denominator, limit = self.numerator, self.denominator, self.limit
        kept: list[tuple[int, int, int]] = []  # per fill: the Round it was placed on, its units, the cash after
        keep = kept.append
        cash, held, index = self.start, 0, 0
        while True:
            firsts, afters = holding if held else flat
            run = bisect_right(afters, index)  # the first run that ends after this Round
            if run >= len(afters):
                break
            placed = firsts[run] if firsts[run] > index else index
            following = follow_at[placed]
            if following < 0:
                break  # placed on the last Round: cancelled at the end
            price = price_at[placed]
            if not price or cash >= limit:
                return None
            if held:
                gross = held * price
                if gross >= _EXACT:
                    return None  # more digits than a Decimal product keeps
                cash += gross
                keep((placed, -held, cash))
                held = 0
            else:
                units = numerator * cash // (denominator * price)
                if units > 0:
                    cash -= units * price
                    held = units
                    keep((placed, units, cash))
            index = following
        return self._end(kept, cash, held)

    def _end(self, kept: list[tuple[int, int, int]], cash: int, held: int) -> CentColumn:
        """The column after its last Round: the end's sale of what it holds (Game._liquidate)."""
        plan = self.plan
        final_cash = self.decimal(cash) if kept else plan.spec.start_fund
        last = None
        if held:
            final = len(plan.times) - 1
            row, price, closed = plan.liquidation(final)
            last = plan.book_fill(final, row, price, final_cash, Decimal(held), self.weight, None, closed)
            if last is not None:
                final_cash = last.cash
        return CentColumn(self, kept, last, final_cash)

    def decimal(self, cash: int) -> Decimal:
        """``cash`` cents as the general books write it (the Start Fund plus what the fills moved)."""
        return self.plan.spec.start_fund + Decimal(cash - self.start).scaleb(-self.scale)

    def fills(self, column: CentColumn) -> tuple[SweepFill, ...]:
        """The column's fills as ``SweepPlan.book_fill`` books them."""
        plan, tick, free = self.plan, self.tick, self.free
        out = []
        for placed, units, cash in column.kept:
            row = plan.fill_rows[placed]
            side = "buy" if units > 0 else "sell"
            price = Decimal(int(self.cents[row])) * tick
            fill = SweepFill(
                plan.fill_rounds[placed], plan.stamps[row], side, Decimal(abs(units)), price, free, self.decimal(cash)
            )
            out.append(fill)
        if column.last is not None:
            out.append(column.last)
        return tuple(out)

    def path(self, column: CentColumn) -> ValuePath:
        """What the column held from Round to Round (``ValuePath``, as sweep._ColumnBook keeps it):
        from the Round a fill counts in (at the close: the next, as its Round's valuation came first)."""
        plan = self.plan
        starts = [0] + [plan.fill_rounds[placed] + plan.at_close for placed, _, _ in column.kept]
        cash = [plan.spec.start_fund] + [self.decimal(amount) for _, _, amount in column.kept]
        held = [_ZERO] + [Decimal(units) if units > 0 else _ZERO for _, units, _ in column.kept]
        return ValuePath(plan.marks, starts, cash, held)
