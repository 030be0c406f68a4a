"""What each account holds, read from the books: ``Books.held``, ``Books.held_cost`` and
``Books.holdings`` are kept in step by the books' own booking code, so the engine keeps no copy.

The one thing derived here is ``Holdings.qty``, the float array (accounts x symbols) that the
valuation multiplies by the marks (valuation.py, quiet.py): the units of each asset held, in the
column of the pair that values it. It is rebuilt from ``Books.holdings()`` (the books' live view,
read, never copied) whenever the books have booked something since (``Books.operations``), and
nowhere else. Imports numpy, the domain's
books and the engine's universe; never game.py.
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
    """The books' holdings as the Round loop asks for them."""

    __slots__ = ("_books", "_cash_assets", "_flat", "_held", "_live", "_operations", "_qty", "_row_of", "_value_column")

    def __init__(
        self,
        books: Books,
        accounts: Sequence[str],
        value_column: Mapping[str, int],
        width: int,
        cash_assets: frozenset[str],
    ) -> None:
        self._books = books
        self._row_of = {name: i for i, name in enumerate(accounts)}
        self._value_column = value_column
        self._cash_assets = cash_assets
        self._qty = np.zeros((len(accounts), width))
        self._flat = self._qty.reshape(-1)  # the same memory, a cell per index (row-major)
        self._live = books.holdings()  # units per (account, asset): a live view
        self._held: list[tuple[int, int]] = []  # the (account row, column) cells of ``_qty`` not 0
        self._operations = -1

    @property
    def held(self) -> Mapping[tuple[str, str], Decimal]:
        """Units held per (account, asset), nonzero only, in the order they were first booked."""
        return self._books.holdings()

    def units(self, account: str, asset: str) -> Decimal:
        """Units of ``asset`` held in ``account``'s lots."""
        return self._books.held(account, asset)

    def cost(self, account: str, asset: str) -> Decimal:
        """The basis of ``account``'s open lots of ``asset`` (fees in), in its quote currency."""
        return self._books.held_cost(account, asset)

    def holders(self, asset: str) -> list[tuple[str, Decimal]]:
        """Every (account, units) holding ``asset``, in the order the holdings were first booked."""
        return [(account, units) for (account, held), units in self._books.holdings().items() if held == asset]

    def of(self, account: str, instrument: Instrument) -> Decimal:
        """What ``account`` holds of the asset ``instrument`` delivers: units in lots, or the cash of a
        currency pair's base currency."""
        asset = instrument.base_asset
        if asset in self._cash_assets:
            return self._books.cash(account, currency_of(asset)).amount
        return self._live.get((account, asset), _ZERO)  # ``Books.held``, without its call

    @property
    def qty(self) -> np.ndarray:
        """The units held as floats (accounts x symbols), from the books as they are now."""
        books = self._books
        if books.operations != self._operations:
            flat, row_of, column, width = self._flat, self._row_of, self._value_column, self._qty.shape[1]
            flat.fill(0.0)
            held: list[int] = []  # the cells not 0
            for (account, asset), units in self._live.items():
                cell = row_of[account] * width + column[asset]
                flat[cell] = value = float(units)
                if value:
                    held.append(cell)
            held.sort()  # row-major, as np.nonzero lists them
            self._held = [divmod(cell, width) for cell in held]
            self._operations = books.operations
        return self._qty

    @property
    def held_cells(self) -> list[tuple[int, int]]:
        """The (account row, column) cells of ``qty`` that are not 0, in order."""
        if self._books.operations != self._operations:
            self.qty  # noqa: B018 (brings both up to date)
        return self._held
