"""What the Model may ask the Game through its ``RoundContext``: cash, quantities held, Positions
with their appreciation, and the tradable pairs.

Read-only answers from the books, the holdings and the valuation's latest closes. Imports the
engine's context, routes and universe; game.py only for its type.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from tradegame.engine.context import PositionInfo, fee_rate
from tradegame.engine.routes import Pair
from tradegame.engine.universe import currency_of

if TYPE_CHECKING:
    from tradegame.engine.game import Game

__all__ = ["Queries"]

_ZERO = Decimal(0)


class Queries:
    """The Game's answers to the Model's questions."""

    def __init__(self, game: Game) -> None:
        self._game = game

    def cash_of(self, account: str | None, currency: str | None) -> Decimal:
        """Cash in ``account`` (default: the first) and ``currency`` (default: the account's)."""
        game = self._game
        name = account or game.first_account
        code = currency or game.accounts[name].currency
        return game.books.cash(name, currency_of(code)).amount

    def quantity_of(self, symbol: str, account: str | None) -> Decimal:
        """Units of ``symbol`` (or of an asset) held in ``account``, or in all accounts (None)."""
        game = self._game
        if account is not None:
            if symbol in game.column:
                return game.holdings.of(account, game.universe.instruments[symbol])
            return game.holdings.units(account, symbol)
        accounts = game.spec.accounts
        if len(accounts) == 1:  # the sum of one: 0 + its units, as below
            return _ZERO + self.quantity_of(symbol, accounts[0].name)
        return sum((self.quantity_of(symbol, a.name) for a in accounts), _ZERO)

    def holdings(self) -> dict[str, Decimal]:
        """Units held per asset across accounts (only assets held)."""
        out: dict[str, Decimal] = {}
        for (_, symbol), quantity in self._game.holdings.held.items():
            out[symbol] = out.get(symbol, _ZERO) + quantity
        return {s: q for s, q in out.items() if q}

    def position_infos(self) -> dict[tuple[str, str], PositionInfo]:
        """Every open Position by (account, asset), valued at the latest known close."""
        game = self._game
        valuation, holdings = game.valuation, game.holdings
        out = {}
        for (account, symbol), quantity in sorted(holdings.held.items()):
            column = game.assets.value_column[symbol]
            price = float(valuation.last_price[column])
            previous = float(valuation.prev_price[column])
            value = float(quantity) * price
            cost = holdings.cost(account, symbol)
            change = float(quantity) * (price - previous) if not np.isnan(previous) else 0.0
            out[(account, symbol)] = PositionInfo(
                account, symbol, quantity, cost, price, value, value - float(cost), change
            )
        return out

    def pairs(self, account: str | None = None) -> list[Pair]:
        """Every instrument the Game may trade as a pair (base / quote asset), with the account's fee rate."""
        game = self._game
        rate = fee_rate(game.accounts[account or game.first_account].fees)
        instruments = game.universe.instruments
        return [
            Pair(symbol, instruments[symbol].base_asset, instruments[symbol].quote_asset, fee_rate=rate)
            for symbol in sorted(game.allowed)
        ]
