"""The Game's cash in the Game currency, at the rates of the moment it is valued.

The books change only when something is booked, the FX rates every Round: so the cash is read
from the books once per booking (``Books.operations``) and kept per currency (each balance net
of what its account owes in that currency, then what is owed where no cash is left), and each
foreign amount is converted at the rate known when the Game is valued (``FxTable.
currency_rates``: the latest close of an FX series, else the static rate), never at the rate of
the last booking. Cash in the Game currency needs no rate: a Game that holds only that adds up
one float per booking, as before.

``at`` values many moments at once (a quiet stretch, quiet.py) with the same float arithmetic,
in the same order, as ``now`` values one Round, so both give the same floats bit for bit.

Imports numpy, the domain's books and quiet.py's ``FxTable``; never game.py.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from tradegame.data.errors import DataError
from tradegame.domain.positions import Books
from tradegame.engine.quiet import FxTable

__all__ = ["GameCash"]

_ZERO = Decimal(0)


class GameCash:
    """The cash (net of debts) of ``books`` in ``currency``, re-read after each booking."""

    __slots__ = ("_amounts", "_available", "_books", "_currency", "_first", "_home", "_operations", "_rates")

    def __init__(self, books: Books, rates: FxTable, currency: str, available: np.ndarray, first_ns: int) -> None:
        self._books = books
        self._available = available  # when each panel row becomes known (ns)
        self._first = first_ns  # the first Round: no rate is read from before it
        self._rates = rates
        self._currency = currency
        self._operations = -1
        self._home = 0.0  # the sum when every amount is in the Game currency
        self._amounts: tuple[tuple[float, str], ...] = ()  # (amount, code) in summing order, if any is foreign

    def _refresh(self) -> None:
        books = self._books
        operations = books.operations
        owed, balances = books.payables(), books.cash_balances()
        if owed:
            amounts = [(float(balance - owed.pop(key, _ZERO)), key[1]) for key, balance in balances.items()]
            amounts += [(-float(debt), code) for (_, code), debt in owed.items()]  # owed where no cash is left
        else:  # nothing owed: each balance as it is
            amounts = [(float(balance), code) for (_, code), balance in balances.items()]
        home = 0.0
        for value, _ in amounts:  # summed in the books' order, as the Round loop always has
            home += value
        foreign = any(code != self._currency and value for value, code in amounts)
        self._home, self._amounts = home, tuple(amounts) if foreign else ()
        self._operations = operations

    def now(self, ns: int) -> float:
        """The cash at time ``ns`` (one Round, one fill), at the rates known then."""
        if self._books.operations != self._operations:
            self._refresh()
        if not self._amounts:
            return self._home  # the Round loop's common case: keep it this cheap
        known = np.searchsorted(self._available, max(ns, self._first), side="right")
        return float(self._sum(np.array([known]))[0])

    def at(self, known_rows: np.ndarray) -> np.ndarray | float:
        """The cash when ``known_rows[k]`` panel rows are known, for each k (a stretch of Rounds); one
        float when no rate matters."""
        if self._books.operations != self._operations:
            self._refresh()
        if not self._amounts:
            return self._home
        return self._sum(np.asarray(known_rows))

    def _sum(self, known_rows: np.ndarray) -> np.ndarray:
        total = np.zeros(len(known_rows))
        rates: dict[str, np.ndarray] = {}
        for amount, code in self._amounts:
            if not amount:
                continue
            if code == self._currency:
                total = total + amount
                continue
            rate = rates.get(code)
            if rate is None:
                rate = rates[code] = self._rates.currency_rates(code, known_rows)
                if np.isnan(rate).any():
                    raise DataError(
                        f"fx_rates: no rate from {code} to {self._currency} (add a forex symbol or a static rate)"
                    )
            total = total + amount * rate
        return total
