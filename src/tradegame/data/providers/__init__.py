"""Market-data provider adapters behind one port, and the all-or-nothing ``fetch``.

>>> frames = fetch("polygon", ["AAPL", "MSFT"], date(2024, 1, 2), date(2024, 1, 31))  # doctest: +SKIP

Providers: ``alphavantage``, ``polygon``, ``finnhub``, ``alpaca`` (REST over an injected
``httpx.Client``) and ``ccxt`` (crypto exchanges; ``ccxt:<exchange id>`` or ``exchange=``). Keys come
from the environment (``ALPHAVANTAGE_API_KEY``, ``POLYGON_API_KEY``, ``FINNHUB_API_KEY``,
``APCA_API_KEY_ID`` + ``APCA_API_SECRET_KEY``); ccxt's public OHLCV needs none. Each adapter's
module docstring says which endpoint it calls, how it pages, its default pacing and how it maps
answers to errors.

Error policy (all subclasses of ``tradegame.data.errors.ProviderError``):

* a missing key → ``MissingApiKeyError`` naming the variable;
* the provider says the symbol is unknown → ``UnknownSymbolError``;
* the provider answers with no bars in the range → ``NoBarsError`` (also what an unknown symbol
  looks like at providers that answer it with an empty list);
* 429/5xx (and Alpha Vantage's "Note") are retried with exponential backoff, honouring
  ``Retry-After``; still failing → ``RateLimitError`` / ``ProviderError``;
* a body that is not the documented format → ``MalformedResponseError``;
* timeouts and connection errors → ``ProviderError``; no httpx or ccxt exception escapes.

No message, log line or returned frame ever contains a key.

Imports httpx and pandas; ccxt only when a ccxt provider is made. Must not import the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

import httpx
import pandas as pd

from tradegame.data.bars import MarketFrames
from tradegame.data.providers.alpaca import AlpacaProvider
from tradegame.data.providers.alphavantage import AlphaVantageProvider
from tradegame.data.providers.base import (
    INTERVALS,
    Clock,
    NoBarsError,
    Provider,
    RetryPolicy,
    Sleep,
    TimeRange,
    UnknownProviderError,
    UnsupportedIntervalError,
    default_clock,
    default_sleep,
    redact,
)
from tradegame.data.providers.ccxt_exchange import DEFAULT_EXCHANGE, CcxtExchange, CcxtProvider
from tradegame.data.providers.finnhub import FinnhubProvider
from tradegame.data.providers.polygon import PolygonProvider
from tradegame.domain.errors import InvalidInputError

__all__ = [
    "INTERVALS",
    "PROVIDERS",
    "AlpacaProvider",
    "AlphaVantageProvider",
    "CcxtProvider",
    "FinnhubProvider",
    "NoBarsError",
    "PolygonProvider",
    "Provider",
    "RetryPolicy",
    "TimeRange",
    "UnknownProviderError",
    "UnsupportedIntervalError",
    "default_client",
    "fetch",
    "make_provider",
    "redact",
]

#: Provider names ``make_provider`` knows, with what each needs from the environment.
PROVIDERS: Mapping[str, tuple[str, ...]] = {
    "alphavantage": ("ALPHAVANTAGE_API_KEY",),
    "polygon": ("POLYGON_API_KEY",),
    "finnhub": ("FINNHUB_API_KEY",),
    "alpaca": ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY"),
    "ccxt": (),
}

_HttpFactory = Callable[..., AlphaVantageProvider | PolygonProvider | FinnhubProvider | AlpacaProvider]
_HTTP_PROVIDERS: Mapping[str, _HttpFactory] = {
    "alphavantage": AlphaVantageProvider,
    "polygon": PolygonProvider,
    "finnhub": FinnhubProvider,
    "alpaca": AlpacaProvider,
}


def default_client() -> httpx.Client:
    """The HTTP client used when none is injected: 30 s timeout, redirects followed."""
    return httpx.Client(
        timeout=httpx.Timeout(30.0),
        follow_redirects=True,
        headers={"User-Agent": "tradegame-data-fetch", "Accept": "application/json"},
    )


def make_provider(
    name: str,
    *,
    client: httpx.Client | None = None,
    env: Mapping[str, str] | None = None,
    sleep: Sleep | None = None,
    clock: Clock | None = None,
    exchange: str | CcxtExchange | None = None,
    retry: RetryPolicy | None = None,
) -> Provider:
    """The provider called ``name`` (``alphavantage``, ``polygon``, ``finnhub``, ``alpaca``, ``ccxt``
    or ``ccxt:<exchange id>``).

    ``env`` defaults to ``os.environ``; ``client`` to ``default_client()``; ``sleep``/``clock`` to
    ``time.sleep``/``time.monotonic``. ``exchange`` (an id or a ccxt exchange object) is for ccxt
    only. A missing key raises ``MissingApiKeyError`` here, before any request.
    """
    sleep = sleep or default_sleep()
    clock = clock or default_clock()
    base, _, suffix = name.strip().lower().partition(":")
    if base == "ccxt":
        if suffix and exchange is not None and not (isinstance(exchange, str) and exchange == suffix):
            raise InvalidInputError(f"provider {name!r} and exchange {exchange!r} disagree; give one of them")
        return CcxtProvider(exchange or suffix or DEFAULT_EXCHANGE, sleep=sleep, clock=clock, retry=retry)
    factory = _HTTP_PROVIDERS.get(base)
    if factory is None or suffix:
        known = ", ".join([*PROVIDERS, "ccxt:<exchange>"])
        raise UnknownProviderError(f"unknown provider {name!r}; choose one of {known}")
    if exchange is not None:
        raise InvalidInputError(f"exchange= is for the ccxt provider, not {base}")
    return factory(
        client or default_client(),
        os.environ if env is None else env,
        sleep=sleep,
        clock=clock,
        retry=retry,
    )


def fetch(
    provider: str | Provider,
    symbols: Sequence[str],
    start: date | datetime,
    end: date | datetime,
    interval: str = "1d",
    progress: Callable[[int, int | None], None] | None = None,
) -> MarketFrames:
    """Bars (and corporate actions, where the provider has them) for every symbol, or an error.

    All or nothing: symbols are fetched one after the other and the first failure is raised, so
    the caller never holds a partial result. ``start``/``end`` are inclusive dates (or aware
    datetimes); bars are 00:00 UTC of the session date for ``1d`` and longer, the UTC bar start
    for intraday. Rows are sorted by (symbol, ts), unique, within the range. ``progress(done,
    count)`` is called after each symbol.
    """
    if interval not in INTERVALS:
        raise UnsupportedIntervalError(f"interval {interval!r} is not one of {', '.join(INTERVALS)}")
    wanted = list(dict.fromkeys(symbol.strip() for symbol in symbols))
    if not wanted or any(not symbol for symbol in wanted):
        raise InvalidInputError("give at least one symbol, none of them empty")
    span = TimeRange.of(start, end)

    def each(source: Provider) -> list[MarketFrames]:
        results = []
        for symbol in wanted:
            results.append(source.fetch_symbol(symbol, span, interval))
            if progress is not None:
                progress(len(results), len(wanted))
        return results

    if isinstance(provider, str):
        with default_client() as client:
            results = each(make_provider(provider, client=client))
    else:
        results = each(provider)
    return MarketFrames(
        bars=_concat([result.bars for result in results], ["symbol", "ts"]),
        dividends=_concat([result.dividends for result in results], ["symbol", "ts"]),
        splits=_concat([result.splits for result in results], ["symbol", "ts"]),
    )


def _concat(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    non_empty = [frame for frame in frames if not frame.empty]
    if not non_empty:
        return frames[0]
    combined = pd.concat(non_empty, ignore_index=True)
    combined["symbol"] = combined["symbol"].astype("object")
    return combined.sort_values(order, kind="stable").reset_index(drop=True)
