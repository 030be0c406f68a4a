"""What each account holds: units per (account, asset) for the Round loop, and the float array the
valuation multiplies by the marks.

Imports numpy, the domain's books and the engine's asset map; never game.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from tradegame.domain.instruments import Instrument
from tradegame.domain.positions import Books
from tradegame.engine.universe import currency_of

__all__ = ["Holdings"]

_ZERO = Decimal(0)


class Holdings:
    """Units held per (account, asset) (``held``), their cost (``cost``) and, for the valuation,
    ``qty`` (accounts x symbols, the units as floats in the column of the pair that values each
    asset). ``after_fill`` keeps them in step with each booking."""

    def __init__(
        self, books: Books, accounts: Sequence[str], value_column: Mapping[str, int], width: int, cash_assets: frozenset[str]
    ) -> None:
        self._books = books
        self._row_of = {name: i for i, name in enumerate(accounts)}
        self._value_column = value_column
        self._cash_assets = cash_assets
        self.held: dict[tuple[str, str], Decimal] = {}  # (account, asset) -> units held in lots
        self.cost: dict[tuple[str, str], Decimal] = {}
        self.qty = np.zeros((len(accounts), width))

    def units(self, account: str, asset: str) -> Decimal:
        """Units of ``asset`` held in ``account``'s lots."""
        return self.held.get((account, asset), _ZERO)

    def holders(self, asset: str) -> list[tuple[str, Decimal]]:
        """Every (account, units) holding ``asset``, in the order the holdings were first booked."""
        return [(account, units) for (account, held), units in self.held.items() if held == asset]

    def of(self, account: str, instrument: Instrument) -> Decimal:
        """What ``account`` holds of the asset ``instrument`` delivers: units in lots, or the cash of a
        currency pair's base currency."""
        asset = instrument.base_asset
        if asset in self._cash_assets:
            return self._books.cash(account, currency_of(asset)).amount
        return self.held.get((account, asset), _ZERO)

    def after_fill(self, account: str, asset: str, delta: Decimal, cost_added: Decimal) -> None:
        """``delta`` units of ``asset`` (a plain instrument's symbol, or a pair's base) came into
        ``account`` (out of it when negative) at ``cost_added``."""
        key = (account, asset)
        before = self.held.get(key, _ZERO)
        after = before + delta
        if delta < 0 and before:
            self.cost[key] = self.cost.get(key, _ZERO) * after / before
        else:
            self.cost[key] = self.cost.get(key, _ZERO) + cost_added
        self.held[key] = after
        if not after:
            del self.held[key]
            self.cost.pop(key, None)
        self.qty[self._row_of[account], self._value_column[asset]] = float(after)
