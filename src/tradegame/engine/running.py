"""Running costs and debts: the charges that fall due between Rounds, booked on credit when the
cash cannot pay them, and the debts paid as soon as cash arrives.

A charge is booked at midnight UTC of its day, in the time order of the books (between the fills
of the bars around it: ``charge(until=...)``); what the cash cannot pay is owed
(``Liabilities:Payable``) and ``pay`` settles it after every sale, dividend, transfer or
conversion. Imports the domain's books and the engine's clock and log; never game.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from tradegame.domain.errors import TradegameError
from tradegame.domain.money import Currency, Money
from tradegame.domain.positions import Books
from tradegame.domain.running_costs import OneOff, RunningCost, charge_rounds
from tradegame.engine.clock import GameClock, booking_time
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.events import reason_for
from tradegame.engine.log import EventLog
from tradegame.engine.moves import Expense
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.universe import currency_of

__all__ = ["Charge", "RunningCosts"]

Charge = tuple[datetime, str, RunningCost]  # when it is due, the account that pays it, the cost


class RunningCosts:
    """The Game's running costs (``(account, cost)`` pairs) and what its accounts owe."""

    def __init__(
        self,
        books: Books,
        log: EventLog,
        clock: GameClock,
        costs: Sequence[tuple[str, RunningCost]],
        times: np.ndarray,
    ) -> None:
        self._books = books
        self._log = log
        self._clock = clock
        self._costs = costs
        self._times = times
        self._by_round: dict[int, list[Charge]] | None = None  # the charges of each Round, on first use
        self.owing = False  # some account owes a running cost it could not pay (Books.payables)
        self.expensed: set[str] = set()  # the names of the Model's Expenses booked

    def names(self) -> list[str]:
        """Every running cost's name the Game may have booked: its own and the Model's Expenses, sorted."""
        return sorted({cost.name for _, cost in self._costs} | self.expensed)

    def due(self, round_index: int) -> list[Charge]:
        """The occurrences Round ``round_index`` charges, each at midnight UTC of its day, in date order:
        the one rule of ``domain.running_costs.charge_rounds`` (the sweep and the quiet Rounds use it too)."""
        if not self._costs:
            return []
        if self._by_round is None:
            self._by_round = {}
            days = [utc_from_ns(int(t)).date() for t in self._times]
            for index, day, account, cost in charge_rounds(self._costs, days):
                at = datetime(day.year, day.month, day.day, tzinfo=UTC)
                self._by_round.setdefault(index, []).append((at, account, cost))
        return list(self._by_round.get(round_index, ()))

    def charge(self, charges: list[Charge], until: datetime | None = None, note: str = "") -> None:
        """Book (and remove) the charges due at or before ``until`` (all of them by default), in order:
        each in the time order of the books, between the fills of the bars around it; ``note`` (what
        it paid for) ends each one's line in the decision log."""
        books = self._books
        while charges and (until is None or charges[0][0] <= until):
            when, account, cost = charges.pop(0)
            last = books.last_timestamp
            if last is not None and when < last:  # due on the start day: after the Start Fund's deposit
                when = last
            op = books.book_running_cost(account, cost, when, "running cost", on_credit=True)
            detail = f"{cost.amount} for {note}" if note else f"{cost.amount}"
            if books.payables():
                self.owing = True
                self._log.event(Kind.ON_CREDIT, None, account, cost.name, f"{detail}: owed until cash arrives",
                                (op,), when=when)  # fmt: skip
                self.pay(when)
            else:
                self._log.event(Kind.RUNNING_COST, None, account, cost.name, detail, (op,), when=when)

    def expense(self, expense: Expense, account: str, currency: Currency) -> None:
        """Book the Model's ``expense`` now in ``account`` (whose cash is in ``currency``) as a one-off
        running cost, on credit (owed) when the cash cannot pay it; refused and logged when it is not a
        whole number of minor units."""
        when = booking_time(self._books, self._clock.now_ns)
        try:
            cost = RunningCost(expense.name, Money(expense.amount, currency), OneOff(when.date()))
        except TradegameError as error:
            self._log.refuse(reason_for(error), f"expense: {error}", account)
            return
        self.charge([(when, account, cost)], note=expense.reason)
        self.expensed.add(cost.name)

    def pay(self, when: datetime | None = None) -> None:
        """Pay what the accounts owe (running costs charged on credit) from the cash they hold now."""
        if not self.owing:
            return
        books = self._books
        ts = booking_time(books, self._clock.now_ns) if when is None else when
        for account, code in books.payables():
            op = books.pay_payable(account, currency_of(code), ts, "pay what is owed")
            if op is not None:
                paid = books.entries_for(op)[0].postings[1].units
                self._log.event(Kind.DEBT_PAID, None, account, code, f"{paid} {code}", (op,), when=ts)
        self.owing = bool(books.payables())
