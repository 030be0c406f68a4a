"""Polygon.io adapter: aggregates v2, over httpx.

Reference: https://polygon.io/docs/stocks/get_v2_aggs_ticker__stocksticker__range__multiplier___timespan___from___to

``GET /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`` with
``adjusted=false`` (raw traded prices, as the bars frame's ``close`` means; Polygon has no adjusted
close column, so ``adj_close`` stays NaN), ``sort=asc`` and ``limit=50000``. Daily and longer bars
are asked for by session date (``from``/``to`` as ``YYYY-MM-DD``); intraday by millisecond
timestamps. ``t`` is the bar start in Unix ms: intraday bars keep it (UTC); daily, weekly and
monthly bars are stamped at midnight New York (04:00/05:00 UTC) and are restamped at 00:00 UTC of
that date.

Pagination follows ``next_url`` (an absolute URL with a cursor) until it is absent; it must stay on
the API host, as the key travels with it. The key goes in an ``Authorization: Bearer`` header, never
in a URL. Rate limit: the free plan allows 5 requests a minute, hence 12 s between requests by
default. Polygon answers an unknown ticker with ``resultsCount: 0``, so that case is a
``NoBarsError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import httpx
import pandas as pd

from tradegame.data.bars import MarketFrames
from tradegame.data.errors import MalformedResponseError, UnknownSymbolError
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

__all__ = ["API_KEY_VARIABLE", "BASE_URL", "PolygonProvider"]

BASE_URL = "https://api.polygon.io"
API_KEY_VARIABLE = "POLYGON_API_KEY"
_NAME = "polygon"
_SPANS = {
    "1m": (1, "minute"),
    "5m": (5, "minute"),
    "15m": (15, "minute"),
    "30m": (30, "minute"),
    "1h": (1, "hour"),
    "1d": (1, "day"),
    "1w": (1, "week"),
    "1mo": (1, "month"),
}
#: Pages followed before we call the answer runaway (50 000 bars each).
MAX_PAGES = 1000


class PolygonProvider:
    """Bars from Polygon.io aggregates."""

    name = _NAME
    intervals = tuple(_SPANS)

    def __init__(
        self,
        client: httpx.Client,
        env: Mapping[str, str],
        *,
        sleep: Sleep,
        clock: Clock,
        min_interval: float = 12.0,
        retry: RetryPolicy | None = None,
        base_url: str = BASE_URL,
    ) -> None:
        self._api_key = require_env(_NAME, env, API_KEY_VARIABLE)
        self._base_url = base_url.rstrip("/")
        self._http = paced_http(
            _NAME, client, [self._api_key], sleep=sleep, clock=clock, min_interval=min_interval, retry=retry
        )

    def fetch_symbol(self, symbol: str, span: TimeRange, interval: str) -> MarketFrames:
        check_interval(_NAME, interval, self.intervals)
        multiplier, timespan = _SPANS[interval]
        if is_intraday(interval):
            first = str(int(span.start.timestamp() * 1000))
            last = str(int(span.stop.timestamp() * 1000) - 1)
        else:
            first, last = span.first_day.isoformat(), span.last_day.isoformat()
        url: str | None = f"{self._base_url}/v2/aggs/ticker/{symbol}/range/{multiplier}/{timespan}/{first}/{last}"
        params: dict[str, str] | None = {"adjusted": "false", "sort": "asc", "limit": "50000"}
        headers = {"Authorization": f"Bearer {self._api_key}"}
        pages: list[pd.DataFrame] = []
        while url is not None:
            if len(pages) >= MAX_PAGES:
                raise MalformedResponseError(f"{_NAME}: more than {MAX_PAGES} pages for {symbol}")
            answer = self._http.get(url, params=params, headers=headers)
            pages.append(self._page(answer, symbol, interval))
            url, params = self._next_url(answer), None
        return MarketFrames(finish_bars(_NAME, symbol, pages, span, interval))

    def _page(self, answer: HttpAnswer, symbol: str, interval: str) -> pd.DataFrame:
        payload = answer.payload
        if answer.status == 404 and isinstance(payload, dict) and payload.get("status") == "NOT_FOUND":
            raise UnknownSymbolError(self._http.redact(f"{_NAME}: unknown symbol {symbol!r}"))
        if not answer.ok:
            message = payload.get("message") or payload.get("error") if isinstance(payload, dict) else None
            raise self._http.fail(answer, str(message) if message else None)
        if not isinstance(payload, dict) or payload.get("status") not in ("OK", "DELAYED"):
            status = payload.get("status") if isinstance(payload, dict) else None
            raise self._http.malformed(answer, f"status {status!r} where OK was expected")
        results = payload.get("results", [])
        if results is None:
            results = []
        if not isinstance(results, list):
            raise self._http.malformed(answer, "'results' is not a list")
        try:
            rows = cast(list[dict[str, object]], results)
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
                unit="ms",
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self._http.malformed(
                answer, f"aggregate field missing or not a number ({type(exc).__name__})"
            ) from None
        if not is_intraday(interval):
            frame["ts"] = session_dates(frame["ts"], "America/New_York")
        return frame

    def _next_url(self, answer: HttpAnswer) -> str | None:
        next_url = cast(dict[str, object], answer.payload).get("next_url")
        if not next_url:
            return None
        if not isinstance(next_url, str) or not next_url.startswith(self._base_url + "/"):
            raise self._http.malformed(answer, "a next_url off the API host")
        return next_url
