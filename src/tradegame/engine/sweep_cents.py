"""The sweep's fast books: a column played in whole minor units (cents) of the Game currency.

Most sweeps are the plain case: no slippage, tax, running costs or exit rules, whole units of an
instrument priced on the cent grid, and fees (if any) in whole cents. Then every amount a fill
books is a whole number of cents, and the engine's ``Decimal`` arithmetic (fills.py, as
``SweepPlan.book_fill`` runs it) is the same as integer arithmetic on cents: a buy's units
``target_units(w, cash, 1, price, 1)`` are ``w * cash // price`` (the decimal quotient, rounded to
28 digits, cannot cross a whole number while ``w * cash`` stays under 10**26 cents, which is
checked), its cost ``units * price`` needs no rounding, and a sale adds ``units * price`` back. The
fee is the fee model's own (``SweepPlan.fee``, in ``Decimal``, a fill at a time), and so is the cut
of a buy to the cash (fills.affordable). ``CentBook`` plays a column so, keeping each fill as a few
numbers, and turns them into ``SweepFill`` and ``ValuePath`` (``Decimal``, the very values the
general books make) only when asked. The end's sale goes through ``book_fill`` itself. A fill
outside whole cents (a fee off the grid, a cash of more digits than a float keeps) sends its column
to the general books.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from tradegame.engine.fills import affordable
from tradegame.engine.sweep_plan import SweepFill, SweepPlan, ValuePath

__all__ = ["CentBook", "CentColumn", "Runs"]

_ZERO = Decimal(0)
_DIGITS = 10**15  # a cash of fewer digits goes through float and repr unchanged (target_units)
_EXACT = 10**26  # weight x cash under this: the quotient's 28 digits cannot reach the next unit

Runs = tuple[list[int], list[int]]  # the first Round of each run of True and the Round after it
Fill = tuple[int, int, int, Decimal]  # the Round a Move was placed on, its units (< 0 sold), the cash after, the fee


class CentColumn(NamedTuple):
    """One column played in cents: per fill the Round its Move was placed on, its units (> 0
    bought, < 0 sold), the cash after it and its fee; the end's sale (``SweepPlan.book_fill``'s)
    and the cash after everything. Its fills and holdings as the general books keep them
    (sweep.Kept) come from its ``book``."""

    book: CentBook
    kept: list[Fill]
    last: SweepFill | None
    final_cash: Decimal

    def fees(self) -> Decimal:
        """The fees the column paid, added up as the general books add them."""
        free = self.book.free
        if free is not None:  # none, however many fills
            return _ZERO + free if self.kept or self.last is not None else _ZERO
        total = sum((fee for _, _, _, fee in self.kept), _ZERO)
        return total if self.last is None else total + self.last.fee

    def fills(self) -> tuple[SweepFill, ...]:
        return self.book.fills(self)

    def path(self) -> ValuePath:
        return self.book.path(self)


class CentBook:
    """What every column played in cents shares: the plan, the weight as a fraction, the price in
    cents of each row (``cents``) and of a Move placed on each Round (0 where a fill cannot be played
    in cents: no price, a price of 0, past the last bar), the Round to look on from after such a Move
    (-1: none, it is cancelled at the end), and the Decimal forms of the constants."""

    def __init__(self, plan: SweepPlan, weight: Decimal, cents: np.ndarray, scale: int, free: Decimal | None) -> None:
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
        self.free = free  # the fee of every fill when none is charged (as fill_fee writes it), else None

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
        if not plain:
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
        its fills falls outside whole cents (a zero or missing price, a cash too large, a fee off the
        cent grid): the general books play it then."""
        price_at, follow_at, free = self.price_at, self.follow_at, self.free
        numerator, denominator, limit = self.numerator, self.denominator, self.limit
        kept: list[Fill] = []
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
            index = following
            if free is None:  # a fee model: each fill's fee is its own, in Decimal
                units = -held if held else numerator * cash // (denominator * price)
                filled = self._fill(units, price, cash)
                if filled is None:
                    return None
                cash, units, fee = filled
                if units:
                    keep((placed, units, cash, fee))
                    held = 0 if held else units
            elif held:
                gross = held * price
                if gross >= _EXACT:
                    return None  # more digits than a Decimal product keeps
                cash += gross
                keep((placed, -held, cash, free))
                held = 0
            else:
                units = numerator * cash // (denominator * price)
                if units > 0:
                    cash -= units * price
                    held = units
                    keep((placed, units, cash, free))
        return self._end(kept, cash, held)

    def _charge(self, units: int, price: int) -> tuple[Decimal, int] | None:
        """The fee model's fee of ``units`` at ``price`` cents, and in cents (None: not whole cents)."""
        fee = self.plan.fee(Decimal(units), Decimal(price) * self.tick)
        exponent = fee.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -self.scale:
            return None
        return fee, int(fee.scaleb(self.scale))

    def _fill(self, units: int, price: int, cash: int) -> tuple[int, int, Decimal] | None:
        """A fill of ``units`` (< 0 sold) at ``price`` cents with the fee model's fee, as
        SweepPlan.book_fill books it: the cash after, the units (0: no fill: none affordable, or a sale
        whose fee exceeds its value) and the fee; None: not in whole cents."""
        if not units:
            return cash, 0, _ZERO
        gross = abs(units) * price
        charged = self._charge(abs(units), price) if gross < _EXACT else None  # else more digits than Decimal keeps
        if charged is None:
            return None
        fee, fee_cents = charged
        if units < 0:  # the books refuse a sale whose fee exceeds its value
            return (cash, 0, fee) if fee_cents > gross else (cash + gross - fee_cents, units, fee)
        if gross + fee_cents > cash:  # cut to the cash, as Game._affordable does
            plan, unit_price = self.plan, Decimal(price) * self.tick
            cut = affordable(
                Decimal(units), unit_price, self.decimal(cash), plan.step, plan.account.fees, False, plan.currency
            )
            units, gross = int(cut), int(cut) * price
            charged = self._charge(units, price) if units > 0 else (fee, 0)
            if charged is None:
                return None
            fee, fee_cents = charged
        return cash - gross - fee_cents, units, fee

    def _end(self, kept: list[Fill], cash: int, held: int) -> CentColumn:
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
        plan, tick = self.plan, self.tick
        out = []
        for placed, units, cash, fee in column.kept:
            row = plan.fill_rows[placed]
            side = "buy" if units > 0 else "sell"
            price = Decimal(int(self.cents[row])) * tick
            fill = SweepFill(
                plan.fill_rounds[placed], plan.stamps[row], side, Decimal(abs(units)), price, fee, self.decimal(cash)
            )
            out.append(fill)
        if column.last is not None:
            out.append(column.last)
        return tuple(out)

    def path(self, column: CentColumn) -> ValuePath:
        """What the column held from Round to Round (``ValuePath``, as sweep._ColumnBook keeps it):
        from the Round a fill counts in (at the close: the next, as its Round's valuation came first)."""
        plan = self.plan
        starts = [0] + [plan.fill_rounds[placed] + plan.at_close for placed, _, _, _ in column.kept]
        cash = [plan.spec.start_fund] + [self.decimal(amount) for _, _, amount, _ in column.kept]
        held = [_ZERO] + [Decimal(units) if units > 0 else _ZERO for _, units, _, _ in column.kept]
        return ValuePath(plan.marks, starts, cash, held)
