"""The shape of market data inside tradegame: bar frames, corporate-action frames, dataset facts.

Every source (a bundled dataset, an imported file, a provider) ends in these frames:

* **bars**: one row per (symbol, ts). ``ts`` is a timezone-aware UTC ``datetime64[ns, UTC]``, the
  *start* of the bar for intraday data and the session date at 00:00 UTC for daily and longer
  bars. ``open``, ``high``, ``low``, ``close``, ``volume`` and ``adj_close`` are float64; a
  close-only source leaves ``open``/``high``/``low``/``volume`` as NaN, a source without
  adjusted closes leaves ``adj_close`` NaN. Rows are sorted by (symbol, ts).
* **dividends**: (symbol, ts [ex-date], amount [decimal string, per share, in the dataset's
  currency]).
* **splits**: (symbol, ts [effective date], ratio [decimal string, new shares per old share:
  "2" for a 2-for-1, "0.1" for a 1-for-10 reverse split]).

Amounts that reach the books (dividends, split ratios) stay exact decimal strings; prices are
floats, as market data may be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pandas as pd

__all__ = [
    "BAR_COLUMNS",
    "DIVIDEND_COLUMNS",
    "FREQUENCIES",
    "PRICE_COLUMNS",
    "SPLIT_COLUMNS",
    "DatasetInfo",
    "MarketFrames",
    "empty_bars",
    "empty_dividends",
    "empty_splits",
]

PRICE_COLUMNS = ("open", "high", "low", "close", "volume", "adj_close")
BAR_COLUMNS = ("symbol", "ts", *PRICE_COLUMNS)
DIVIDEND_COLUMNS = ("symbol", "ts", "amount")
SPLIT_COLUMNS = ("symbol", "ts", "ratio")
#: Bar frequencies tradegame knows; ``tick`` rows are trades (price in ``close``, size in ``volume``).
FREQUENCIES = ("tick", "1m", "5m", "15m", "30m", "1h", "1d", "1w", "1mo")


def empty_bars() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="float64") for column in PRICE_COLUMNS})
    frame.insert(0, "ts", pd.Series(dtype="datetime64[ns, UTC]"))
    frame.insert(0, "symbol", pd.Series(dtype="object"))
    return frame


def empty_dividends() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Series(dtype="object"),
            "ts": pd.Series(dtype="datetime64[ns, UTC]"),
            "amount": pd.Series(dtype="object"),
        }
    )


def empty_splits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Series(dtype="object"),
            "ts": pd.Series(dtype="datetime64[ns, UTC]"),
            "ratio": pd.Series(dtype="object"),
        }
    )


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is: its name, contents, calendar and provenance.

    ``calendar`` is an exchange-calendars code (``XNYS``, ``XKRX``, ...) or ``24/7`` (crypto) or
    ``24/5`` (FX). ``content_hash`` is filled in by the store when the data is written.
    """

    name: str
    frequency: str
    currency: str
    calendar: str
    source: str
    license: str
    description: str = ""
    content_hash: str = ""


@dataclass
class MarketFrames:
    """Bars plus corporate actions for one dataset, in the frame shapes described above."""

    bars: pd.DataFrame
    dividends: pd.DataFrame = field(default_factory=empty_dividends)
    splits: pd.DataFrame = field(default_factory=empty_splits)

    @property
    def symbols(self) -> list[str]:
        return sorted(str(s) for s in self.bars["symbol"].unique())


def decimal_text(value: object, what: str) -> str:
    """Canonical text of an exact decimal (dividend amount, split ratio); refuses floats' noise."""
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text: 0.1 stays "0.1"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    return format(number.normalize(), "f")
