"""Crypto exchanges through ccxt (https://docs.ccxt.com/#/?id=ohlcv-candlestick-charts).

``exchange.fetch_ohlcv(symbol, timeframe, since, limit)`` answers ``[[ms, open, high, low, close,
volume], ...]`` parsed by ccxt from the exchange's own format (for Binance, ``GET /api/v3/klines``).
Public OHLCV needs no key. The exchange is chosen by id (``binance`` by default; ``ccxt:kraken`` or
``exchange="kraken"``). ccxt is an optional dependency (the ``providers`` extra) imported lazily.

Pagination: start at ``since`` = the range start, ask ``limit`` bars, continue from the last bar's
stamp + 1 ms until a page is empty, reaches the end of the range or makes no progress. Stamps are
bar starts in UTC; daily and longer bars are restamped at 00:00 UTC of their UTC date (crypto
sessions are UTC days). Volume is in the base currency; there is no adjusted close.

ccxt's own throttle sleeps with the wall clock, so it is switched off (``enableRateLimit=False``)
and our ``Pacer`` keeps ``exchange.rateLimit`` milliseconds between calls with the injected sleep.
ccxt errors are translated: ``RateLimitExceeded``/``DDoSProtection`` → retried, then
``RateLimitError``; ``NetworkError`` → retried, then ``ProviderError``; ``BadSymbol`` →
``UnknownSymbolError``; ``BadResponse`` and parse failures → ``MalformedResponseError``; any other
ccxt error → ``ProviderError``.
"""

from __future__ import annotations

import json
from typing import Any, Protocol, cast

import pandas as pd

from tradegame.data.bars import MarketFrames
from tradegame.data.errors import MalformedResponseError, ProviderError, RateLimitError, UnknownSymbolError
from tradegame.data.providers.base import (
    Clock,
    Pacer,
    RetryPolicy,
    Sleep,
    TimeRange,
    UnknownProviderError,
    UnsupportedIntervalError,
    bars_frame,
    check_interval,
    finish_bars,
    is_intraday,
    logger,
    redact,
)

__all__ = ["DEFAULT_EXCHANGE", "CcxtExchange", "CcxtProvider", "make_exchange"]

DEFAULT_EXCHANGE = "binance"
_TIMEFRAMES = {
    "1m": "1m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "1d": "1d",
    "1w": "1w",
    "1mo": "1M",
}
PAGE_LIMIT = 1000
MAX_PAGES = 100_000


class CcxtExchange(Protocol):
    """The part of a ccxt exchange object we use (ccxt ships no type information)."""

    id: str
    rateLimit: float  # noqa: N815 - ccxt's attribute name
    timeframes: dict[str, Any] | None

    def fetch_ohlcv(
        self, symbol: str, timeframe: str = ..., since: int | None = ..., limit: int | None = ...
    ) -> list[list[Any]]: ...


def make_exchange(exchange_id: str) -> CcxtExchange:
    """A ccxt exchange by id, with ccxt's wall-clock throttle off (we pace calls ourselves)."""
    try:
        import ccxt
    except ImportError:
        raise ProviderError("ccxt is not installed; install tradegame[providers]") from None
    exchange_class = getattr(ccxt, exchange_id, None) if exchange_id in ccxt.exchanges else None
    if exchange_class is None:
        raise UnknownProviderError(f"ccxt has no exchange {exchange_id!r}")
    return cast(CcxtExchange, exchange_class({"enableRateLimit": False}))


class CcxtProvider:
    """OHLCV bars from a crypto exchange through ccxt."""

    intervals = tuple(_TIMEFRAMES)

    def __init__(
        self,
        exchange: CcxtExchange | str = DEFAULT_EXCHANGE,
        *,
        sleep: Sleep,
        clock: Clock,
        min_interval: float | None = None,
        retry: RetryPolicy | None = None,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        self.exchange = make_exchange(exchange) if isinstance(exchange, str) else exchange
        self.name = f"ccxt:{self.exchange.id}"
        interval = min_interval if min_interval is not None else float(self.exchange.rateLimit) / 1000.0
        self._pacer = Pacer(interval, sleep=sleep, clock=clock)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self.page_limit = page_limit

    def fetch_symbol(self, symbol: str, span: TimeRange, interval: str) -> MarketFrames:
        check_interval(self.name, interval, self.intervals)
        timeframe = _TIMEFRAMES[interval]
        if self.exchange.timeframes and timeframe not in self.exchange.timeframes:
            raise UnsupportedIntervalError(f"{self.name}: the exchange has no {interval} bars")
        since = int(span.start.timestamp() * 1000)
        stop = int(span.stop.timestamp() * 1000)
        pages: list[pd.DataFrame] = []
        while since < stop and len(pages) < MAX_PAGES:
            rows = self._call(symbol, timeframe, since)
            if not rows:
                break
            pages.append(self._frame(symbol, rows, interval))
            last = int(rows[-1][0])
            if last < since:  # the exchange ignored `since`: nothing more to gain by asking again
                break
            since = last + 1
        return MarketFrames(finish_bars(self.name, symbol, pages, span, interval))

    def _frame(self, symbol: str, rows: list[list[Any]], interval: str) -> pd.DataFrame:
        try:
            frame = bars_frame(
                symbol,
                [row[0] for row in rows],
                {
                    "open": [row[1] for row in rows],
                    "high": [row[2] for row in rows],
                    "low": [row[3] for row in rows],
                    "close": [row[4] for row in rows],
                    "volume": [row[5] for row in rows],
                },
                unit="ms",
            )
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise MalformedResponseError(f"{self.name}: OHLCV rows unreadable ({type(exc).__name__})") from None
        if not is_intraday(interval):
            frame["ts"] = frame["ts"].dt.normalize()
        return frame

    def _call(self, symbol: str, timeframe: str, since: int) -> list[list[Any]]:
        failures = 0
        while True:
            self._pacer.wait()
            rows, error, retry = self._attempt(symbol, timeframe, since)
            if error is None:
                return rows
            failures += 1
            if not retry or failures >= self._retry.max_attempts:
                if retry:
                    error = type(error)(f"{error} (after {failures} attempt(s))")
                raise error
            delay = self._retry.delay(failures - 1, None)
            logger.info("%s; retrying in %.1fs", error, delay)
            self._sleep(delay)

    def _attempt(self, symbol: str, timeframe: str, since: int) -> tuple[list[list[Any]], ProviderError | None, bool]:
        # Returns (rows, error, retryable). The translated error is raised by the caller, outside
        # this except block, so no ccxt exception (which may quote URLs and bodies) is chained.
        import ccxt

        what = f"{self.name}: fetch_ohlcv({symbol}, {timeframe}, since={since})"
        try:
            rows = self.exchange.fetch_ohlcv(symbol, timeframe, since, self.page_limit)
        except (ccxt.RateLimitExceeded, ccxt.DDoSProtection) as exc:
            return [], RateLimitError(redact(f"{what}: rate limited ({_short(exc)})")), True
        except ccxt.BadSymbol as exc:
            return [], UnknownSymbolError(redact(f"{what}: unknown symbol ({_short(exc)})")), False
        except ccxt.BadResponse as exc:
            return [], MalformedResponseError(redact(f"{what}: unreadable answer ({_short(exc)})")), False
        except ccxt.NetworkError as exc:
            return [], ProviderError(redact(f"{what}: {type(exc).__name__} ({_short(exc)})")), True
        except ccxt.BaseError as exc:
            return [], ProviderError(redact(f"{what}: {type(exc).__name__} ({_short(exc)})")), False
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            # ccxt's parsers fail this way on bodies that are not the exchange's format.
            return [], MalformedResponseError(f"{what}: unreadable answer ({type(exc).__name__})"), False
        if rows == [] and not _json_or_nothing(getattr(self.exchange, "last_http_response", None)):
            # ccxt parses a non-JSON body (an HTML error page) as "no candles"; we do not.
            return [], MalformedResponseError(f"{what}: the exchange answered a body that is not JSON"), False
        if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) >= 6 for row in rows):
            return [], MalformedResponseError(f"{what}: OHLCV rows are not [ms, o, h, l, c, v] lists"), False
        return rows, None, False


def _json_or_nothing(body: object) -> bool:
    if not isinstance(body, str) or not body.strip():
        return True
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:300] + "..."
