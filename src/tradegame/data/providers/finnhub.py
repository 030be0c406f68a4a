"""Finnhub adapter: stock candles (https://finnhub.io/docs/api/stock-candles), over httpx.

``GET /api/v1/stock/candle?symbol=&resolution=&from=&to=`` (``from``/``to`` in Unix seconds) answers
parallel arrays ``o h l c v t`` and ``s`` = ``"ok"`` or ``"no_data"``. Resolutions: ``1 5 15 30 60``
(minutes), ``D``, ``W``, ``M``. Finnhub limits how much intraday history one call returns, so
intraday ranges are asked for in 30-day chunks (daily and longer in 10-year chunks). ``t`` is the
bar start; daily and longer bars are stamped at midnight New York and are restamped at 00:00 UTC
of that date. Finnhub documents daily candles as split-adjusted (intraday unadjusted); there is no
adjusted close, so ``adj_close`` stays NaN.

The key goes in the ``X-Finnhub-Token`` header, never in a URL. Rate limit: 60 calls a minute on
the free plan, hence 1 s between requests by default. An unknown symbol is answered with
``no_data`` like an empty range, so both are a ``NoBarsError``. The candle endpoint needs a paid plan
today; a 403 is reported as a ``ProviderError`` quoting Finnhub's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import cast

import httpx
import pandas as pd

from tradegame.data.bars import MarketFrames
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

__all__ = ["API_KEY_VARIABLE", "BASE_URL", "FinnhubProvider"]

BASE_URL = "https://finnhub.io/api/v1"
API_KEY_VARIABLE = "FINNHUB_API_KEY"
_NAME = "finnhub"
_RESOLUTIONS = {"1m": "1", "5m": "5", "15m": "15", "30m": "30", "1h": "60", "1d": "D", "1w": "W", "1mo": "M"}
INTRADAY_CHUNK = timedelta(days=30)
DAILY_CHUNK = timedelta(days=3650)


class FinnhubProvider:
    """Bars from Finnhub stock candles."""

    name = _NAME
    intervals = tuple(_RESOLUTIONS)

    def __init__(
        self,
        client: httpx.Client,
        env: Mapping[str, str],
        *,
        sleep: Sleep,
        clock: Clock,
        min_interval: float = 1.0,
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
        chunk = INTRADAY_CHUNK if is_intraday(interval) else DAILY_CHUNK
        pages = [self._chunk(symbol, piece, interval) for piece in span.chunks(chunk)]
        return MarketFrames(finish_bars(_NAME, symbol, pages, span, interval))

    def _chunk(self, symbol: str, piece: TimeRange, interval: str) -> pd.DataFrame:
        params = {
            "symbol": symbol,
            "resolution": _RESOLUTIONS[interval],
            "from": str(int(piece.start.timestamp())),
            "to": str(int(piece.stop.timestamp()) - 1),
        }
        answer = self._http.get(
            f"{self._base_url}/stock/candle", params=params, headers={"X-Finnhub-Token": self._api_key}
        )
        payload = answer.payload
        if not answer.ok:
            message = payload.get("error") if isinstance(payload, dict) else None
            raise self._http.fail(answer, str(message) if message else None)
        if not isinstance(payload, dict):
            raise self._http.malformed(answer, "a JSON object was expected")
        status = payload.get("s")
        if status == "no_data":
            return pd.DataFrame()
        if status != "ok":
            raise self._http.malformed(answer, f"status s={status!r} where 'ok' or 'no_data' was expected")
        return self._frame(answer, cast(dict[str, object], payload), symbol, interval)

    def _frame(self, answer: HttpAnswer, payload: dict[str, object], symbol: str, interval: str) -> pd.DataFrame:
        try:
            arrays = {key: cast(list[object], payload[key]) for key in ("t", "o", "h", "l", "c", "v")}
            if any(not isinstance(values, list) or len(values) != len(arrays["t"]) for values in arrays.values()):
                raise ValueError("arrays of different lengths")
            frame = bars_frame(
                symbol,
                arrays["t"],
                {
                    "open": arrays["o"],
                    "high": arrays["h"],
                    "low": arrays["l"],
                    "close": arrays["c"],
                    "volume": arrays["v"],
                },
                unit="s",
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self._http.malformed(answer, f"candle arrays missing or unreadable ({type(exc).__name__})") from None
        if not is_intraday(interval):
            frame["ts"] = session_dates(frame["ts"], "America/New_York")
        return frame
