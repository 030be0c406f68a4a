"""The Universe: the market data a Game plays on, and the point-in-time view a Model gets.

``Universe`` wraps one ``Panel`` (dense arrays, see data/panel.py) with the instruments, the
corporate actions and the FX rates. Each Round the Model gets a ``UniverseView`` that can only
reach the rows known at the Round's time; all its arrays are read-only slices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from tradegame.data.calendars import ALWAYS_OPEN, session_table
from tradegame.data.errors import DataError
from tradegame.data.panel import Panel, PanelView
from tradegame.domain.instruments import AssetClass, Instrument
from tradegame.domain.money import Currency

__all__ = [
    "FIAT",
    "CorporateAction",
    "Universe",
    "UniverseView",
    "currency_of",
    "default_instrument",
    "fx_series",
    "quote_unit",
    "static_rates",
]


@dataclass(frozen=True)
class CorporateAction:
    """A split (``ratio`` new per old) or a cash dividend (``amount`` per unit) on a bar's date."""

    symbol: str
    kind: str  # "split" or "dividend"
    value: Decimal


_MINOR_UNITS = {"JPY": 0, "KRW": 0}
FIAT = frozenset(
    "USD EUR GBP JPY KRW CHF CAD AUD NZD CNY HKD SGD SEK NOK DKK PLN CZK HUF INR BRL MXN ZAR TRY ILS TWD THB".split()  # noqa: SIM905
)
"""Currency codes held as cash; any other asset (a stock, a coin) is held in lots."""
COIN_DECIMALS = 8


@lru_cache(maxsize=256)
def currency_of(code: str) -> Currency:
    """The currency ``code`` with its minor units (0 for JPY and KRW, 8 for BTC and ETH, else 2).
    (Cached: a ``Currency`` is a frozen value, and the Round loop asks for one at every fill.)"""
    return Currency(code, _MINOR_UNITS.get(code, COIN_DECIMALS if code in ("BTC", "ETH") else 2))


@lru_cache(maxsize=256)
def quote_unit(code: str) -> Currency:
    """The unit a pair's quote is counted in: a currency, or a coin's satoshi-like 8 decimals."""
    return currency_of(code) if code in FIAT else Currency(code, COIN_DECIMALS)


def default_instrument(symbol: str, currency: Currency, calendar_code: str) -> Instrument:
    """An instrument for a data symbol: crypto on 24/7 data, forex on 24/5, equity otherwise.

    A symbol ``BASE/QUOTE`` is a trading pair: ``BTC/USD`` delivers BTC for dollars, ``ETH/BTC``
    ETH for bitcoin (a cross pair, valued in the data's ``currency``), ``EUR/USD`` euros for
    dollars (a currency pair: both sides are cash)."""
    base, slash, quote = symbol.partition("/")
    if slash and base and quote and base != quote:
        valued_in = currency_of(quote) if quote in FIAT else currency
        tick = quote_unit(quote).quantum
        if base in FIAT:
            return Instrument(symbol, AssetClass.FOREX, valued_in, Decimal("0.00001"), fractional=True, base=base,
                              quote=quote)  # fmt: skip
        kind = AssetClass.EQUITY if calendar_code not in ("24/7", "24/5") else AssetClass.CRYPTO
        return Instrument(symbol, kind, valued_in, tick, fractional=kind is AssetClass.CRYPTO, base=base, quote=quote)
    if calendar_code == "24/7":
        return Instrument(symbol, AssetClass.CRYPTO, currency, tick_size=currency.quantum, fractional=True)
    if calendar_code == "24/5":
        return Instrument(symbol, AssetClass.FOREX, currency, tick_size=Decimal("0.00001"), fractional=True)
    return Instrument(symbol, AssetClass.EQUITY, currency, tick_size=currency.quantum)


@dataclass(eq=False)
class Universe:
    """Everything a Game may trade and read: a panel, its instruments, actions per row, FX rates."""

    panel: Panel
    instruments: dict[str, Instrument]
    actions: dict[int, list[CorporateAction]] = field(default_factory=dict)  # row -> actions on that bar
    fx_rates: dict[str, Decimal] = field(default_factory=dict)  # static: Game-currency units per unit
    fill_times: np.ndarray = field(init=False)  # int64 ns: when a next-open fill on each row happens
    filled_close: np.ndarray = field(init=False)  # the close carried forward over missing bars (NaN before the first)
    indicator_cache: dict[tuple[object, ...], np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        missing = sorted(set(self.panel.symbols) - set(self.instruments))
        if missing:
            raise DataError(f"no instrument for {', '.join(missing)}")
        self.fill_times = _open_times(self.panel)
        filled = pd.DataFrame(self.panel.fields["close"]).ffill().to_numpy()
        filled.flags.writeable = False
        self.filled_close = filled
        self.indicator_cache = {}

    @classmethod
    def from_panel(
        cls,
        panel: Panel,
        *,
        currency: Currency,
        dividends: pd.DataFrame | None = None,
        splits: pd.DataFrame | None = None,
        fx_rates: Mapping[str, Decimal] | None = None,
        currencies: Mapping[str, Currency] | None = None,
    ) -> Universe:
        """A Universe over ``panel``: each symbol quoted in ``currencies[symbol]`` (its dataset's
        currency), else in ``currency``."""
        quoted = currencies or {}
        instruments = {s: default_instrument(s, quoted.get(s, currency), panel.calendar) for s in panel.symbols}
        actions: dict[int, list[CorporateAction]] = {}
        for frame, kind, column in ((splits, "split", "ratio"), (dividends, "dividend", "amount")):
            if frame is None or len(frame) == 0:
                continue
            rows = np.searchsorted(panel.labels, pd.DatetimeIndex(frame["ts"]).as_unit("ns").asi8)
            for row, symbol, value in zip(rows, frame["symbol"], frame[column], strict=True):
                if row < panel.rows and str(symbol) in instruments:
                    actions.setdefault(int(row), []).append(CorporateAction(str(symbol), kind, Decimal(str(value))))
        return cls(panel, instruments, actions, dict(fx_rates or {}))

    @property
    def symbols(self) -> tuple[str, ...]:
        return self.panel.symbols

    @property
    def zero_filled_close(self) -> np.ndarray:
        """``filled_close`` with 0 before a symbol's first bar (computed once, read-only)."""
        key = ("zero_filled_close",)
        cached = self.indicator_cache.get(key)
        if cached is None:
            cached = self.indicator_cache[key] = np.nan_to_num(self.filled_close)
            cached.flags.writeable = False
        return cached

    def complete_rows(self, name: str) -> np.ndarray:
        """Per row of ``name`` (a panel field, or "filled_close"): whether every symbol has a value
        there, not NaN (computed once, read-only): the Round loop takes such a row whole."""
        key = ("complete_rows", name)
        cached = self.indicator_cache.get(key)
        if cached is None:
            values = self.filled_close if name == "filled_close" else self.panel.fields[name]
            cached = self.indicator_cache[key] = ~np.isnan(values).any(axis=1)
            cached.flags.writeable = False
        return cached


def _open_times(panel: Panel) -> np.ndarray:
    """Daily bars on an exchange fill at the session open; other bars at their label (their start)."""
    labels = panel.labels
    if panel.frequency != "1d" or panel.calendar in ALWAYS_OPEN or not len(labels):
        return labels
    first, last = pd.Timestamp(labels[0], tz="UTC"), pd.Timestamp(labels[-1], tz="UTC")
    opens = session_table(panel.calendar, first, last)["open"].reindex(pd.DatetimeIndex(labels).tz_localize(None))
    out = labels.copy()
    known = opens.notna().to_numpy()
    out[known] = pd.DatetimeIndex(opens[known]).as_unit("ns").asi8
    return out


def fx_series(base: str, quote: str) -> tuple[tuple[str, bool], ...]:
    """The data symbols that quote ``base`` in ``quote`` (False) or the inverse (True)."""
    return (
        (f"{base}{quote}", False),
        (f"{base}/{quote}", False),
        (f"{quote}{base}", True),
        (f"{quote}/{base}", True),
    )


def static_rates(universe: Universe, currency: str, extra: Iterable[tuple[str, Decimal]] = ()) -> dict[str, Decimal]:
    """A Game's fallback FX table: the Universe's static rates, 1 for the Game ``currency``, then
    ``extra`` (the Game's own ``fx_rates``) for the codes not already there."""
    table = dict(universe.fx_rates)
    table.setdefault(currency, Decimal(1))
    for code, rate in extra:
        table.setdefault(code, rate)
    return table


class UniverseView:
    """What a Model may read at its Round: market data up to now, never later.

    ``close``/``field``/``returns`` give (rows, symbols) arrays (the last row is the latest bar
    known); ``ohlcv`` one symbol's bars; ``price`` the latest close of one symbol.
    """

    __slots__ = ("_static", "_universe", "_view")

    def __init__(self, universe: Universe, view: PanelView, static_rates: Mapping[str, Decimal] | None = None) -> None:
        self._universe = universe
        self._view = view
        self._static = universe.fx_rates if static_rates is None else static_rates

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._view.symbols

    @property
    def rows(self) -> int:
        return self._view.rows

    @property
    def times(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self._view.labels, tz="UTC")

    def instrument(self, symbol: str) -> Instrument:
        try:
            return self._universe.instruments[symbol]
        except KeyError:
            raise DataError(f"unknown symbol {symbol!r}") from None

    def close(self, symbols: Sequence[str] | None = None, window: int | None = None) -> np.ndarray:
        return self._view.close(symbols, window)

    def field(self, name: str, symbols: Sequence[str] | None = None, window: int | None = None) -> np.ndarray:
        return self._view.field(name, symbols, window)

    def returns(self, symbols: Sequence[str] | None = None, window: int | None = None) -> np.ndarray:
        return self._view.returns(symbols, window)

    def ohlcv(self, symbol: str, window: int | None = None) -> dict[str, np.ndarray]:
        """One symbol's open, high, low, close, volume (1-D arrays, oldest first)."""
        return {
            name: self._view.field(name, [symbol], window)[:, 0] for name in ("open", "high", "low", "close", "volume")
        }

    def price(self, symbol: str) -> float:
        """The latest known close of ``symbol`` (NaN before its first bar)."""
        column = self._universe.panel.column(symbol)
        closes = self._view.field("close", None, None)[:, column]
        valid = closes[~np.isnan(closes)]
        return float(valid[-1]) if len(valid) else float("nan")

    def fx_rate(self, base: str, quote: str) -> float:
        """Units of ``quote`` per unit of ``base``: the latest known close of a forex series in the
        data (``BASEQUOTE`` or ``BASE/QUOTE``, or the inverse), else the Game's static rates (the
        stated fallback, also before the series' first bar); NaN if neither is known."""
        return self.fx_quote(base, quote)[0]

    def fx_quote(self, base: str, quote: str) -> tuple[float, str]:
        """``fx_rate`` and where it came from: ``"series SYMBOL"``, ``"static fx_rates"`` or ``"none"``."""
        if base == quote:
            return 1.0, "same currency"
        for symbol, invert in fx_series(base, quote):
            if symbol in self._universe.instruments:
                rate = self.price(symbol)
                if rate == rate and rate > 0:  # not NaN: the series has a bar by now
                    return (1.0 / rate if invert else rate), f"series {symbol}"
        static = self._static
        if base in static and quote in static:
            return float(static[base] / static[quote]), "static fx_rates"
        return float("nan"), "none"
