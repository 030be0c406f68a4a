"""Alpha Vantage adapter (https://www.alphavantage.co/documentation/), over httpx.

Endpoints:

* ``1d``: ``TIME_SERIES_DAILY_ADJUSTED`` with ``outputsize=full``. It is the one daily series that
  carries the raw OHLCV *and* the adjusted close, the dividend amount (on the ex-date) and the
  split coefficient (on the effective date), so one request per symbol fills ``adj_close`` and the
  dividends and splits frames. ``outputsize=full`` returns the whole history (20+ years); we keep
  ``[start, end]``. Alpha Vantage currently sells this endpoint to premium keys only: a free key
  gets an "Information" body, reported as a ``ProviderError`` that says so. Pass
  ``adjusted=False`` to use the free ``TIME_SERIES_DAILY`` (raw OHLCV, no adjusted close and no
  corporate actions).
* ``1m``..``1h``: ``TIME_SERIES_INTRADAY`` (``1min``..``60min``), raw prices
  (``adjusted=false``), extended hours included (the provider default), one request per calendar
  month of the range (``month=YYYY-MM``, ``outputsize=full``). Stamps are local to the
  "Time Zone" of the meta data (US/Eastern) and are converted to UTC; they are bar starts.
* ``1w``/``1mo`` are refused: the weekly/monthly series stamp the *last* session of the period and
  sum dividends over it; resample daily bars instead.

The key travels as the ``apikey`` query parameter (the only way Alpha Vantage accepts it), so every
URL we show is redacted. Rate limit: the free tier allows about 5 requests a minute, hence 12 s
between requests by default. Alpha Vantage answers HTTP 200 for its errors; the body tells:
"Error Message" (unknown symbol) → ``UnknownSymbolError``; "Note" or a per-second/minute
"Information" → retried like a 429, then ``RateLimitError``; a daily-quota "Information" →
``RateLimitError`` at once; a premium "Information" → ``ProviderError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import httpx
import pandas as pd

from tradegame.data.bars import MarketFrames, decimal_text, empty_dividends, empty_splits
from tradegame.data.errors import ProviderError, RateLimitError, UnknownSymbolError
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
)

__all__ = ["API_KEY_VARIABLE", "BASE_URL", "AlphaVantageProvider"]

BASE_URL = "https://www.alphavantage.co/query"
API_KEY_VARIABLE = "ALPHAVANTAGE_API_KEY"
_INTRADAY = {"1m": "1min", "5m": "5min", "15m": "15min", "30m": "30min", "1h": "60min"}
_NAME = "alphavantage"


class AlphaVantageProvider:
    """Bars (and, daily, dividends and splits) from Alpha Vantage."""

    name = _NAME
    intervals = (*_INTRADAY, "1d")

    def __init__(
        self,
        client: httpx.Client,
        env: Mapping[str, str],
        *,
        sleep: Sleep,
        clock: Clock,
        min_interval: float = 12.0,
        retry: RetryPolicy | None = None,
        adjusted: bool = True,
    ) -> None:
        self._api_key = require_env(_NAME, env, API_KEY_VARIABLE)
        self.adjusted = adjusted
        self._http = paced_http(
            _NAME, client, [self._api_key], sleep=sleep, clock=clock, min_interval=min_interval, retry=retry
        )

    def fetch_symbol(self, symbol: str, span: TimeRange, interval: str) -> MarketFrames:
        check_interval(_NAME, interval, self.intervals)
        if is_intraday(interval):
            pages = [self._intraday_month(symbol, interval, month) for month in _months(span)]
            return MarketFrames(finish_bars(_NAME, symbol, pages, span, interval))
        return self._daily(symbol, span)

    # --- daily ---

    def _daily(self, symbol: str, span: TimeRange) -> MarketFrames:
        function = "TIME_SERIES_DAILY_ADJUSTED" if self.adjusted else "TIME_SERIES_DAILY"
        answer = self._query({"function": function, "symbol": symbol, "outputsize": "full"}, symbol)
        series = self._series(answer, "Time Series (Daily)")
        dates = list(series)
        try:
            rows = [series[day] for day in dates]
            columns: dict[str, list[object]] = {
                "open": [row["1. open"] for row in rows],
                "high": [row["2. high"] for row in rows],
                "low": [row["3. low"] for row in rows],
                "close": [row["4. close"] for row in rows],
            }
            if self.adjusted:
                columns["adj_close"] = [row["5. adjusted close"] for row in rows]
                columns["volume"] = [row["6. volume"] for row in rows]
                dividends = [(day, row["7. dividend amount"]) for day, row in zip(dates, rows, strict=True)]
                splits = [(day, row["8. split coefficient"]) for day, row in zip(dates, rows, strict=True)]
            else:
                columns["volume"] = [row["5. volume"] for row in rows]
                dividends, splits = [], []
            bars = bars_frame(symbol, dates, columns)
            dividend_frame = _actions(symbol, dividends, span, "amount", skip="0")
            split_frame = _actions(symbol, splits, span, "ratio", skip="1")
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"daily bar field missing or not a number ({type(exc).__name__}: {exc})"
            raise self._http.malformed(answer, problem) from None
        return MarketFrames(finish_bars(_NAME, symbol, [bars], span, "1d"), dividend_frame, split_frame)

    # --- intraday ---

    def _intraday_month(self, symbol: str, interval: str, month: str) -> pd.DataFrame:
        params = {
            "function": "TIME_SERIES_INTRADAY",
            "symbol": symbol,
            "interval": _INTRADAY[interval],
            "month": month,
            "outputsize": "full",
            "adjusted": "false",
        }
        answer = self._query(params, symbol)
        series = self._series(answer, f"Time Series ({_INTRADAY[interval]})")
        meta = cast(Mapping[str, object], cast(dict[str, object], answer.payload).get("Meta Data", {}))
        zone = next((str(value) for key, value in meta.items() if key.endswith("Time Zone")), "US/Eastern")
        stamps = list(series)
        try:
            rows = [series[stamp] for stamp in stamps]
            local = pd.to_datetime(pd.Series(stamps), format="%Y-%m-%d %H:%M:%S")
            utc = local.dt.tz_localize(zone).dt.tz_convert("UTC")
            return bars_frame(
                symbol,
                utc,
                {
                    "open": [row["1. open"] for row in rows],
                    "high": [row["2. high"] for row in rows],
                    "low": [row["3. low"] for row in rows],
                    "close": [row["4. close"] for row in rows],
                    "volume": [row["5. volume"] for row in rows],
                },
            )
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"intraday bar unreadable ({type(exc).__name__}: {exc})"
            raise self._http.malformed(answer, problem) from None

    # --- shared ---

    def _query(self, params: Mapping[str, str], symbol: str) -> HttpAnswer:
        answer = self._http.get(
            BASE_URL,
            params={**params, "datatype": "json", "apikey": self._api_key},
            throttled=_throttled,
        )
        if not answer.ok:
            raise self._http.fail(answer)
        payload = answer.payload
        if not isinstance(payload, dict):
            raise self._http.malformed(answer, "a JSON object was expected")
        if "Error Message" in payload:
            raise UnknownSymbolError(
                self._http.redact(f"{_NAME}: unknown symbol {symbol!r} ({_short(payload['Error Message'])})")
            )
        information = payload.get("Information")
        if isinstance(information, str):
            # The texts overlap (the daily-quota notice mentions premium plans), so test the
            # specific phrases: a premium *endpoint*, else a quota.
            lowered = information.lower()
            if "premium endpoint" in lowered:
                raise ProviderError(
                    self._http.redact(
                        f"{_NAME}: {params['function']} needs a premium key ({_short(information)}); "
                        "use adjusted=False for the free TIME_SERIES_DAILY"
                    )
                )
            if "rate limit" in lowered or "per day" in lowered or _is_burst_limit(information):
                raise RateLimitError(self._http.redact(f"{_NAME}: request quota used up ({_short(information)})"))
            raise ProviderError(self._http.redact(f"{_NAME}: {_short(information)}"))
        return answer

    def _series(self, answer: HttpAnswer, key: str) -> Mapping[str, Mapping[str, object]]:
        payload = cast(dict[str, object], answer.payload)
        series = payload.get(key)
        if not isinstance(series, dict) or not all(isinstance(row, dict) for row in series.values()):
            raise self._http.malformed(answer, f"no {key!r} object")
        return cast(Mapping[str, Mapping[str, object]], series)


def _throttled(payload: object) -> str | None:
    # "Note" is the classic per-minute limit; the "Information" asking to spread requests out is
    # the per-second burst limit. Both pass after a pause. Daily-quota and premium notices do not
    # (``AlphaVantageProvider._query`` reports those).
    if not isinstance(payload, dict):
        return None
    note = payload.get("Note")
    if isinstance(note, str):
        return _short(note)
    information = payload.get("Information")
    if isinstance(information, str) and _is_burst_limit(information):
        return _short(information)
    return None


def _is_burst_limit(information: str) -> bool:
    lowered = information.lower()
    return "per second" in lowered or "sparingly" in lowered


def _short(text: object) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= 160 else words[:160] + "..."


def _months(span: TimeRange) -> list[str]:
    first = pd.Period(span.first_day, freq="M")
    last = pd.Period(span.last_day, freq="M")
    return [str(period) for period in pd.period_range(first, last, freq="M")]


def _actions(symbol: str, rows: list[tuple[str, object]], span: TimeRange, column: str, *, skip: str) -> pd.DataFrame:
    # Dividend amounts and split ratios stay exact decimal strings; "0" dividends and "1" splits
    # are the series' way of saying "nothing happened that day".
    kept: list[tuple[pd.Timestamp, str]] = []
    for day, value in rows:
        stamp = pd.Timestamp(day, tz="UTC")
        if not span.start <= stamp < span.stop:
            continue
        text = str(value).strip()
        if text and float(text) == float(skip):
            continue
        kept.append((stamp, decimal_text(text, column)))
    empty = empty_dividends() if column == "amount" else empty_splits()
    if not kept:
        return empty
    kept.sort()
    frame = pd.DataFrame(
        {
            "symbol": pd.Series([symbol] * len(kept), dtype="object"),
            "ts": pd.Series([stamp for stamp, _ in kept]).astype("datetime64[ns, UTC]"),
            column: pd.Series([text for _, text in kept], dtype="object"),
        }
    )
    return frame
