"""Alpaca adapter: market data v2 historical stock bars, over httpx.

Reference: https://docs.alpaca.markets/reference/stockbarsingle

``GET https://data.alpaca.markets/v2/stocks/{symbol}/bars`` with ``timeframe`` (``1Min`` ..
``1Hour``, ``1Day``, ``1Week``, ``1Month``), RFC-3339 ``start``/``end`` (both inclusive),
``limit=10000``, ``adjustment=raw`` (traded prices, as the bars frame's ``close`` means; Alpaca has
no separate adjusted close, so ``adj_close`` stays NaN) and ``sort=asc``; ``feed`` is sent only if
given (Alpaca then picks the best feed the subscription allows). The single-symbol endpoint is used
because the multi-symbol one shares ``limit`` across symbols; ``fetch`` asks symbol by symbol anyway.

Pagination: repeat the request with ``page_token`` = the previous ``next_page_token`` until it is
null. ``t`` is the RFC-3339 bar start: intraday bars keep it; daily and longer bars are stamped at
midnight New York (04:00/05:00 UTC) and are restamped at 00:00 UTC of that date.

Keys: ``APCA_API_KEY_ID`` and ``APCA_API_SECRET_KEY`` in the ``APCA-API-KEY-ID`` /
``APCA-API-SECRET-KEY`` headers. Rate limit: 200 requests a minute on the free plan, hence 0.3 s
between requests by default. A malformed symbol is refused with HTTP 400/422 "invalid symbol"
(``UnknownSymbolError``); a well-formed unknown one gets an empty list (``NoBarsError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import httpx
import pandas as pd

from tradegame.data.bars import MarketFrames
from tradegame.data.errors import UnknownSymbolError
from tradegame.data.providers.base import (
    Clock,
    HttpAnswer,
    RetryPolicy,
    Sleep,
    TimeRange,
    bars_frame,
    check_interval,
    finish_bars,
    is_intraday,
    paced_http,
    require_env,
    session_dates,
)

__all__ = ["BASE_URL", "KEY_ID_VARIABLE", "SECRET_KEY_VARIABLE", "AlpacaProvider"]

BASE_URL = "https://data.alpaca.markets"
KEY_ID_VARIABLE = "APCA_API_KEY_ID"
SECRET_KEY_VARIABLE = "APCA_API_SECRET_KEY"
_NAME = "alpaca"
_TIMEFRAMES = {
    "1m": "1Min",
    "5m": "5Min",
    "15m": "15Min",
    "30m": "30Min",
    "1h": "1Hour",
    "1d": "1Day",
    "1w": "1Week",
    "1mo": "1Month",
}
MAX_PAGES = 10000


class AlpacaProvider:
    """Bars from Alpaca's market data API."""

    name = _NAME
    intervals = tuple(_TIMEFRAMES)

    def __init__(
        self,
        client: httpx.Client,
        env: Mapping[str, str],
        *,
        sleep: Sleep,
        clock: Clock,
        min_interval: float = 0.3,
        retry: RetryPolicy | None = None,
        base_url: str = BASE_URL,
        feed: str | None = None,
    ) -> None:
        self._key_id = require_env(_NAME, env, KEY_ID_VARIABLE)
        self._secret = require_env(_NAME, env, SECRET_KEY_VARIABLE)
        self._base_url = base_url.rstrip("/")
        self.feed = feed
        self._http = paced_http(
            _NAME,
            client,
            [self._key_id, self._secret],
            sleep=sleep,
            clock=clock,
            min_interval=min_interval,
            retry=retry,
        )

    def fetch_symbol(self, symbol: str, span: TimeRange, interval: str) -> MarketFrames:
        check_interval(_NAME, interval, self.intervals)
        last = (span.stop - pd.Timedelta(microseconds=1)).floor("s")  # Alpaca's end is inclusive
        params = {
            "timeframe": _TIMEFRAMES[interval],
            "start": span.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": last.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "limit": "10000",
            "adjustment": "raw",
            "sort": "asc",
        }
        if self.feed:
            params["feed"] = self.feed
        headers = {"APCA-API-KEY-ID": self._key_id, "APCA-API-SECRET-KEY": self._secret}
        url = f"{self._base_url}/v2/stocks/{symbol}/bars"
        pages: list[pd.DataFrame] = []
        token: str | None = None
        while True:
            page_params = params if token is None else {**params, "page_token": token}
            answer = self._http.get(url, params=page_params, headers=headers)
            pages.append(self._page(answer, symbol, interval))
            token = self._next_token(answer)
            if token is None:
                break
            if len(pages) >= MAX_PAGES:
                raise self._http.malformed(answer, f"more than {MAX_PAGES} pages")
        return MarketFrames(finish_bars(_NAME, symbol, pages, span, interval))

    def _page(self, answer: HttpAnswer, symbol: str, interval: str) -> pd.DataFrame:
        payload = answer.payload
        message = payload.get("message") if isinstance(payload, dict) else None
        if answer.status in (400, 404, 422) and isinstance(message, str) and "symbol" in message.lower():
            raise UnknownSymbolError(self._http.redact(f"{_NAME}: unknown symbol {symbol!r} ({message})"))
        if not answer.ok:
            raise self._http.fail(answer, message if isinstance(message, str) else None)
        if not isinstance(payload, dict) or "bars" not in payload:
            raise self._http.malformed(answer, "no 'bars' field")
        bars = payload["bars"] or []
        if not isinstance(bars, list):
            raise self._http.malformed(answer, "'bars' is not a list")
        try:
            rows = cast(list[dict[str, object]], bars)
            frame = bars_frame(
                symbol,
                [row["t"] for row in rows],
                {
                    "open": [row["o"] for row in rows],
                    "high": [row["h"] for row in rows],
                    "low": [row["l"] for row in rows],
                    "close": [row["c"] for row in rows],
                    "volume": [row["v"] for row in rows],
                },
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self._http.malformed(answer, f"bar field missing or unreadable ({type(exc).__name__})") from None
        if not is_intraday(interval):
            frame["ts"] = session_dates(frame["ts"], "America/New_York")
        return frame

    def _next_token(self, answer: HttpAnswer) -> str | None:
        token = cast(dict[str, object], answer.payload).get("next_page_token")
        if token is None or token == "":
            return None
        if not isinstance(token, str):
            raise self._http.malformed(answer, "'next_page_token' is not a string")
        return token
