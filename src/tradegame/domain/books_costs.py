"""Running costs and tax in ``Books``: charges (in cash or on credit), paying what is owed, tax due.

A running cost is charged on its due dates to ``Expenses:RunningCosts:{name}`` from cash or, on
credit, from ``Liabilities:Payable:{acct}:{CCY}`` until ``pay_payable`` settles it; ``record_tax``
puts the change of a year's tax due on the tax ledger and in ``Liabilities:Tax:{year}``. Standard
library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from tradegame.domain.books_chart import (
    TAX_EXPENSE,
    cash_account,
    cash_leg,
    payable_account,
    running_cost_account,
    tax_liability,
)
from tradegame.domain.books_core import BooksCore
from tradegame.domain.books_records import TaxEntry, TaxKind
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.holding import Term
from tradegame.domain.money import Currency, Money
from tradegame.domain.running_costs import RunningCost
from tradegame.domain.tax import TaxProfile, gains_by_year, tax_of_year

__all__ = ["RunningCostAndTaxBooking"]

_ZERO = Decimal(0)


class RunningCostAndTaxBooking(BooksCore):
    """Running costs, payables and tax due of ``Books`` (see the module docstring)."""

    def book_running_cost(
        self, account: str, cost: RunningCost, ts: datetime, reason: str = "", *, on_credit: bool = False
    ) -> str:
        """Charge one occurrence of ``cost`` to the account's cash; ``ts`` must fall on a due date.

        Cash may not go negative: a charge the cash cannot pay is refused, like a buy, unless
        ``on_credit``: then the whole charge is owed (``Liabilities:Payable:{acct}:{CCY}``) and
        ``pay_payable`` settles it when cash arrives. The expense is the same either way.
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        if not isinstance(cost, RunningCost):
            raise InvalidInputError(f"{type(cost).__name__} is not a RunningCost")
        currency = cost.amount.currency
        self._check_currency(currency)
        if not cost.falls_on(ts.date()):
            raise InvalidInputError(f"running cost {cost.name} is not due on {ts.date()}")
        held = self._cash.get((account, currency.code), _ZERO)
        credit = on_credit and cost.amount.amount > held
        if not credit:
            self._check_cash(account, cost.amount, f"running cost {cost.name}")
        source = payable_account(account, currency.code) if credit else cash_account(account, currency.code)
        entries = self._entries(op_id)
        entries.add(
            "running-cost",
            f"{cost.name} {cost.amount} due {ts.date()}" + (" on credit" if credit else ""),
            cash_leg(source, currency, -cost.amount.amount),
            cash_leg(running_cost_account(cost.name), currency, cost.amount.amount),
        )
        if credit:
            key = (account, currency.code)
            self._payables[key] = self._payables.get(key, _ZERO) + cost.amount.amount
        else:
            self._move_cash(account, currency, -cost.amount.amount)
        action = "running-cost-on-credit" if credit else "running-cost"
        self._commit(op_id, ts, entries.drafts, action, account, cost.name, reason)
        return op_id

    def pay_payable(self, account: str, currency: Currency, ts: datetime, reason: str = "") -> str | None:
        """Pay what ``account`` owes in ``currency`` out of its cash, as far as the cash goes.

        Returns the op id, or None (and books nothing) when nothing is owed or there is no cash.
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        self._check_currency(currency)
        key = (account, currency.code)
        amount = min(self._payables.get(key, _ZERO), self._cash.get(key, _ZERO))
        if amount <= 0:
            return None
        entries = self._entries(op_id)
        entries.add(
            "pay-debt",
            f"pay {amount} {currency.code} owed by {account}",
            cash_leg(cash_account(account, currency.code), currency, -amount),
            cash_leg(payable_account(account, currency.code), currency, amount),
        )
        self._move_cash(account, currency, -amount)
        self._payables[key] -= amount
        self._commit(op_id, ts, entries.drafts, "pay-debt", account, currency.code, reason)
        return op_id

    def book_running_costs(
        self,
        account: str,
        cost: RunningCost,
        start: date,
        end: date,
        *,
        at: time = time(0, tzinfo=UTC),
        reason: str = "",
    ) -> tuple[str, ...]:
        """Charge every occurrence of ``cost`` in ``[start, end]`` at ``at`` (UTC) on its day.

        All or nothing: refused as a whole when the cash cannot pay them all or the first one
        is before the last operation.
        """
        if not isinstance(at, time) or at.utcoffset() != timedelta(0):
            raise InvalidInputError(f"running cost time {at!r} must be a UTC time of day")
        if not isinstance(cost, RunningCost):
            raise InvalidInputError(f"{type(cost).__name__} is not a RunningCost")
        self._account(account)
        due = [datetime.combine(day, at) for day in cost.occurrences(start, end)]
        if not due:
            return ()
        if self._last_ts is not None and due[0] < self._last_ts:
            raise InvalidInputError(f"{cost.name} due {due[0].isoformat()} is before the last operation")
        self._check_currency(cost.amount.currency)
        self._check_cash(account, cost.amount * len(due), f"{len(due)} charges of {cost.name}")
        return tuple(self.book_running_cost(account, cost, ts, reason) for ts in due)

    def record_tax(self, year: int, profile: TaxProfile, ts: datetime, reason: str = "") -> TaxEntry | None:
        """Put the tax due for ``year`` on the tax ledger and in ``Liabilities:Tax:{year}``.

        Tax due is ``estimate_tax`` on the year's capital gains (with carryovers from earlier
        years) plus the year's dividends at the short-term (ordinary) rate. Only the change from
        what is already recorded for the year is appended, so calling again after a late wash
        adjustment books the difference; returns None (and books nothing) when there is none.
        """
        op_id, ts = self._begin(ts, reason)
        if isinstance(year, bool) or not isinstance(year, int):
            raise InvalidInputError(f"tax year must be an int, got {year!r}")
        if not isinstance(profile, TaxProfile):
            raise InvalidInputError(f"{type(profile).__name__} is not a TaxProfile")
        currency = profile.currency
        self._check_currency(currency)
        gains: list[tuple[int, Term | None, Decimal]] = []
        dividends = recorded = _ZERO
        for line in self._tax.records:
            if line.amount.currency.code != currency.code:
                raise InvalidInputError(
                    f"tax for {year}: the tax ledger line of {line.op_id} is in {line.amount.currency.code}, "
                    f"not the tax currency {currency.code} (give the books a tax currency and FX rates)"
                )
            if line.kind in (TaxKind.DISPOSAL, TaxKind.WASH_ADJUSTMENT) and line.year <= year:
                gains.append((line.year, line.term, line.amount.amount))
            elif line.kind is TaxKind.DIVIDEND and line.year == year:
                dividends += line.amount.amount
            elif line.kind is TaxKind.TAX_DUE and line.year == year:
                recorded += line.amount.amount
        year_tax = tax_of_year(gains_by_year(gains), year, profile)
        capital_tax = year_tax.tax_due if year_tax is not None else _ZERO
        due = capital_tax + currency.round(dividends * profile.rates_for(year).short_term)
        change = due - recorded
        if not change:
            return None
        entries = self._entries(op_id)
        entries.add(
            "tax",
            f"tax due for {year}: {due} {currency.code}",
            cash_leg(TAX_EXPENSE, currency, change),
            cash_leg(tax_liability(year), currency, -change),
        )
        tax = TaxEntry(op_id, ts, TaxKind.TAX_DUE, year, Money(change, currency), detail=year_tax)
        self._tax.add(tax)
        self._currencies[currency.code] = currency
        self._commit(op_id, ts, entries.drafts, "record-tax", None, str(year), reason)
        return tax
