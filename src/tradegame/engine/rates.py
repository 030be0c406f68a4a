"""The FX rates a Game converts at: the rate known now, the rate known at a booking's time, and
the per-symbol rate vector the valuation multiplies closes by.

The rate known at a time is the latest close of an FX series in the data (``USDKRW``, ``KRWUSD``,
``USD/KRW`` or ``KRW/USD``), else the Game's static rate (``UniverseView.fx_rate``); the vector
is ``quiet.FxTable``'s, the same the quiet stretches use. Imports numpy, the data's panel and the
engine's universe and quiet modules; never game.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import numpy as np

from tradegame.data.errors import DataError
from tradegame.domain.money import Currency
from tradegame.engine.clock import GameClock
from tradegame.engine.quiet import FxTable
from tradegame.engine.universe import Universe, UniverseView

__all__ = ["Rates", "rate_known_at"]

_ZERO = Decimal(0)


def rate_known_at(
    universe: Universe, static: Mapping[str, Decimal], base: str, quote: str, ts: datetime
) -> Decimal | None:
    """Units of ``quote`` per unit of ``base`` known at ``ts`` (None: unknown); the books' FX source."""
    view = UniverseView(universe, universe.panel.as_of(ts), static)
    rate = view.fx_rate(base, quote)
    return None if np.isnan(rate) else Decimal(repr(rate))


class Rates:
    """The Game's rates, read at the clock's time (never before the first Round's)."""

    def __init__(
        self,
        universe: Universe,
        static: Mapping[str, Decimal],
        currency: Currency,
        allowed: Collection[str],
        value_column: Mapping[str, int],
        clock: GameClock,
        first_ns: int,
    ) -> None:
        self._universe = universe
        self._panel = universe.panel
        self._static = static
        self._currency = currency
        self._clock = clock
        self._first_ns = first_ns
        self.table = FxTable(universe, static, currency.code, allowed, value_column)
        self.foreign = self.table.foreign  # whether any symbol is valued through a rate that moves

    def view_now(self) -> UniverseView:
        """The Universe as known now."""
        return UniverseView(self._universe, self._panel.as_of(max(self._clock.now_ns, self._first_ns)), self._static)

    def now(self, base: str, quote: str) -> float:
        """Units of ``quote`` per unit of ``base`` known now (see ``UniverseView.fx_rate``)."""
        rate = self.view_now().fx_rate(base, quote)
        if np.isnan(rate):
            raise DataError(f"fx_rates: no rate from {base} to {quote} (add a forex symbol or a static rate)")
        return rate

    def decimal_now(self, base: str, quote: str) -> Decimal:
        """``now(base, quote)`` as the exact decimal of its float."""
        return Decimal(repr(self.now(base, quote)))

    def known_at(self, base: str, quote: str, ts: datetime) -> Decimal | None:
        """Units of ``quote`` per unit of ``base`` known at ``ts`` (None: unknown)."""
        return rate_known_at(self._universe, self._static, base, quote, ts)

    def total_in_game_currency(
        self, amounts: Sequence[Decimal], currencies: Sequence[Currency], times: Sequence[datetime]
    ) -> Decimal:
        """The sum, in order, of each of ``amounts`` in the Game currency (``in_game_currency``: in
        its currency of ``currencies``, at the rate known at its time of ``times``)."""
        codes = [currency.code for currency in currencies]
        if codes.count(self._currency.code) == len(codes):  # each amount is its own value: the same sum
            return sum(amounts, _ZERO)
        return sum(map(self.in_game_currency, codes, amounts, times), _ZERO)

    def vector(self) -> np.ndarray:
        """Game-currency units per unit of each symbol's quote currency at the rates known now."""
        known = self._panel.rows_known_at(max(self._clock.now_ns, self._first_ns))
        rates: np.ndarray = self.table.at(np.array([known]))[0]
        return rates

    def in_game_currency(self, code: str, amount: Decimal, when: datetime) -> Decimal:
        """``amount`` of ``code`` in the Game currency at the rate known at ``when``, rounded to its minor unit."""
        currency = self._currency
        if code == currency.code:
            return amount
        rate = self.known_at(code, currency.code, when)
        if rate is None:
            raise DataError(f"fx_rates: no rate from {code} to {currency.code} at {when.isoformat()}")
        return currency.round(amount * rate)
