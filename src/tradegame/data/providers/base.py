"""What every provider adapter shares: the port, the time range, pacing and retries, redaction, frames.

Owns:

* ``Provider``: the port an adapter implements (one symbol at a time; ``fetch`` in the package
  ``__init__`` makes the all-or-nothing multi-symbol result).
* ``TimeRange``: the user's ``start``/``end`` (dates or aware datetimes) as a half-open UTC span.
* ``Pacer`` and ``RetryPolicy``: a minimum interval between requests and exponential backoff on
  429/5xx, both driven by an injected ``sleep`` and ``clock`` so tests never wait.
* ``HttpJson``: GET-with-retry over an injected ``httpx.Client``; it translates every httpx failure
  into the data-layer errors and never lets a secret reach a message, a log line or a traceback
  (errors are raised outside ``except`` blocks, so no httpx exception is chained).
* ``bars_frame`` / ``finish_bars``: rows to the bars frame of ``tradegame.data.bars``.

Imports httpx and pandas; must not import the CLI, the engine or any provider module.
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, Protocol, cast

import httpx
import pandas as pd

from tradegame.data.bars import BAR_COLUMNS, MarketFrames, empty_bars
from tradegame.data.errors import (
    MalformedResponseError,
    MissingApiKeyError,
    ProviderError,
    RateLimitError,
)
from tradegame.domain.errors import InvalidInputError

__all__ = [
    "INTERVALS",
    "Clock",
    "HttpJson",
    "NoBarsError",
    "Pacer",
    "Provider",
    "RetryPolicy",
    "Sleep",
    "TimeRange",
    "UnknownProviderError",
    "UnsupportedIntervalError",
    "bars_frame",
    "finish_bars",
    "is_intraday",
    "paced_http",
    "redact",
    "require_env",
    "session_dates",
]

logger = logging.getLogger("tradegame.data.providers")

#: The intervals ``tradegame data fetch`` accepts; each adapter maps them to its own terms.
INTERVALS = ("1m", "5m", "15m", "30m", "1h", "1d", "1w", "1mo")
_INTRADAY = frozenset({"1m", "5m", "15m", "30m", "1h"})

Sleep = Callable[[float], None]
#: Monotonic seconds (``time.monotonic`` by default).
Clock = Callable[[], float]


class NoBarsError(ProviderError, InvalidInputError):
    """The provider answered, but with no bars for the symbol in the range.

    Raised for a range without sessions (a weekend, a holiday, dates before listing) and for
    providers that answer an unknown ticker with an empty list instead of an error (Polygon,
    Finnhub, Alpaca): the message says both are possible. A provider that does say the symbol is
    unknown raises ``UnknownSymbolError`` instead.
    """


class UnsupportedIntervalError(ProviderError, InvalidInputError):
    """The provider has no bars of the requested interval (or the interval is not one we know)."""


class UnknownProviderError(ProviderError, InvalidInputError):
    """No provider of that name."""


def is_intraday(interval: str) -> bool:
    return interval in _INTRADAY


def check_interval(provider: str, interval: str, supported: Iterable[str]) -> None:
    supported = tuple(supported)
    if interval not in supported:
        raise UnsupportedIntervalError(
            f"{provider}: interval {interval!r} is not supported; choose one of {', '.join(supported)}"
        )


def require_env(provider: str, env: Mapping[str, str], variable: str) -> str:
    """The value of ``variable`` in ``env``, or ``MissingApiKeyError`` naming the variable."""
    value = env.get(variable, "").strip()
    if not value:
        raise MissingApiKeyError(f"{provider}: set the environment variable {variable} to your API key")
    return value


# --- time -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeRange:
    """A half-open UTC span ``[start, stop)`` built from the user's inclusive ``start``/``end``.

    A ``date`` end covers that whole day (``stop`` is the next midnight UTC); an aware
    ``datetime`` end is included (``stop`` is one microsecond later). Naive datetimes are refused.
    """

    start: pd.Timestamp
    stop: pd.Timestamp

    @classmethod
    def of(cls, start: date | datetime, end: date | datetime) -> TimeRange:
        first = _as_utc(start, "start")
        if isinstance(end, datetime):
            stop = _as_utc(end, "end") + pd.Timedelta(microseconds=1)
        else:
            stop = _as_utc(end, "end") + pd.Timedelta(days=1)
        if stop <= first:
            raise InvalidInputError(f"end {end} is before start {start}")
        return cls(first, stop)

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The last calendar day (UTC) the range touches."""
        return (self.stop - pd.Timedelta(microseconds=1)).date()

    def describe(self) -> str:
        if self.start == self.start.normalize() and self.stop == self.stop.normalize():
            return f"{self.first_day} and {self.last_day}"
        return f"{self.start.isoformat()} and {(self.stop - pd.Timedelta(microseconds=1)).isoformat()}"

    def chunks(self, length: timedelta) -> list[TimeRange]:
        """Consecutive sub-ranges of at most ``length`` covering the range."""
        pieces: list[TimeRange] = []
        step = pd.Timedelta(length)
        cursor = self.start
        while cursor < self.stop:
            upper = min(cursor + step, self.stop)
            pieces.append(TimeRange(cursor, upper))
            cursor = upper
        return pieces


def _as_utc(value: date | datetime, what: str) -> pd.Timestamp:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInputError(f"{what} {value.isoformat()} has no timezone; give a date or a UTC time")
        return pd.Timestamp(value).tz_convert("UTC")
    return pd.Timestamp(datetime(value.year, value.month, value.day, tzinfo=UTC))


def session_dates(stamps: pd.Series, exchange_tz: str) -> pd.Series:
    """Daily-or-longer bar stamps (UTC) as 00:00 UTC of their session date in ``exchange_tz``.

    Polygon, Alpaca and Finnhub stamp a US daily bar at midnight New York (04:00 or 05:00 UTC);
    read in New York time that is the session date, which we restamp at 00:00 UTC.
    """
    local = stamps.dt.tz_convert(exchange_tz).dt.tz_localize(None).dt.normalize()
    return cast("pd.Series", local.dt.tz_localize("UTC"))


# --- pacing, retries, redaction -----------------------------------------------------------------


class Pacer:
    """Keeps at least ``min_interval`` seconds between the starts of consecutive requests."""

    def __init__(self, min_interval: float, *, sleep: Sleep, clock: Clock) -> None:
        self.min_interval = min_interval
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._last is not None:
            delay = self._last + self.min_interval - now
            if delay > 0:
                self._sleep(delay)
                # A fake clock may not move while we sleep: count the sleep ourselves.
                now = max(self._clock(), now + delay)
        self._last = now


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base_delay * 2**n`` seconds after the n-th failure (n from 0).

    A ``Retry-After`` from the server replaces the computed delay. After ``max_attempts`` tries,
    or when the server asks for a wait longer than ``max_delay``, the error is raised.
    """

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 120.0

    def delay(self, failures: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return min(self.max_delay, self.base_delay * 2.0**failures)


_SECRET_PARAMS = re.compile(r"(?i)\b(apikey|api_key|apiKey|token|key|secret|access_token)=([^&\s\"']+)")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret and every secret-looking query value replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRET_PARAMS.sub(lambda match: f"{match.group(1)}=***", text)


def _retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class HttpAnswer:
    """A final (non-retried) answer: its status and its body parsed as JSON (or its text)."""

    status: int
    payload: object
    url: str  # already redacted

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class HttpJson:
    """GET JSON from one provider: paced, retried on 429/5xx, every failure translated.

    ``throttled(payload)`` lets a provider treat a 200 body as a rate-limit answer (Alpha
    Vantage's "Note"); it is retried like a 429.
    """

    def __init__(
        self,
        provider: str,
        client: httpx.Client,
        *,
        pacer: Pacer,
        retry: RetryPolicy,
        sleep: Sleep,
        secrets: Sequence[str] = (),
    ) -> None:
        self.provider = provider
        self.client = client
        self.pacer = pacer
        self.retry = retry
        self._sleep = sleep
        self._secrets = tuple(secret for secret in secrets if secret)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        throttled: Callable[[object], str | None] | None = None,
    ) -> HttpAnswer:
        """The final answer to ``GET url``; 2xx bodies must be JSON (else MalformedResponseError).

        Timeouts, connection errors, 429 and 5xx are retried; any other status is returned for the
        provider to interpret (``fail`` makes the generic error).
        """
        failures = 0
        while True:
            self.pacer.wait()
            shown_url = self.redact(str(httpx.URL(url, params=params)))
            logger.debug("%s: GET %s", self.provider, shown_url)
            response, failure = self._send(url, params, headers)
            if response is None:
                reason = f"{self.provider}: {failure} calling {shown_url}"
                retry_after, limited = None, False
            else:
                status = response.status_code
                payload = _json_or_text(response)
                throttle_reason = throttled(payload) if throttled is not None and status == 200 else None
                if status == 429 or throttle_reason is not None:
                    detail = throttle_reason or _snippet(response.text)
                    reason = f"{self.provider}: rate limited (HTTP {status}) calling {shown_url}: {detail}"
                    limited = True
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                elif status >= 500:
                    reason = (
                        f"{self.provider}: server error HTTP {status} calling {shown_url}: {_snippet(response.text)}"
                    )
                    limited = False
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                else:
                    if 200 <= status < 300 and isinstance(payload, str):
                        raise MalformedResponseError(
                            self.redact(
                                f"{self.provider}: {shown_url} answered a body that is not JSON: {_snippet(payload)}"
                            )
                        )
                    return HttpAnswer(status, payload, shown_url)
            failures += 1
            delay = self.retry.delay(failures - 1, retry_after)
            if failures >= self.retry.max_attempts or delay > self.retry.max_delay:
                after = f"after {failures} attempt(s)"
                if delay > self.retry.max_delay:
                    after += f"; the server asked to wait {delay:.0f}s"
                error = RateLimitError if limited else ProviderError
                raise error(self.redact(f"{reason} ({after})"))
            logger.info("%s; retrying in %.1fs", self.redact(reason), delay)
            self._sleep(delay)

    def _send(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None
    ) -> tuple[httpx.Response | None, str]:
        # Only the exception's class name leaves this method: httpx messages may quote the URL.
        try:
            response = self.client.get(url, params=params, headers=headers)
            response.read()
        except httpx.TimeoutException as exc:
            return None, f"timed out ({type(exc).__name__})"
        except httpx.HTTPError as exc:
            return None, f"network error ({type(exc).__name__})"
        return response, ""

    def fail(self, answer: HttpAnswer, message: str | None = None) -> ProviderError:
        """The generic error for a non-2xx, non-retryable answer."""
        text = answer.payload if isinstance(answer.payload, str) else _json_text(answer.payload)
        if answer.status in (401, 403):
            hint = "the API key was refused or lacks access to this data"
        else:
            hint = "the request was refused"
        body = f": {_snippet(text)}" if text else ""
        detail = f"{message}; " if message else ""
        return ProviderError(
            self.redact(f"{self.provider}: {detail}{hint} (HTTP {answer.status}) at {answer.url}{body}")
        )

    def malformed(self, answer: HttpAnswer, problem: str) -> MalformedResponseError:
        return MalformedResponseError(self.redact(f"{self.provider}: {problem} in the answer from {answer.url}"))


def paced_http(
    name: str,
    client: httpx.Client,
    secrets: Sequence[str],
    *,
    sleep: Sleep,
    clock: Clock,
    min_interval: float,
    retry: RetryPolicy | None,
) -> HttpJson:
    """The JSON client every REST adapter uses: paced, retried, with its keys redacted."""
    return HttpJson(
        name,
        client,
        pacer=Pacer(min_interval, sleep=sleep, clock=clock),
        retry=retry or RetryPolicy(),
        sleep=sleep,
        secrets=list(secrets),
    )


def _json_or_text(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text


def _json_text(payload: object) -> str:
    import json

    try:
        return json.dumps(payload)
    except (TypeError, ValueError):
        return repr(payload)


def default_sleep() -> Sleep:
    return time.sleep


def default_clock() -> Clock:
    return time.monotonic


# --- frames ----------------------------------------------------------------------------------


def bars_frame(
    symbol: str,
    ts: Sequence[object] | pd.Series,
    columns: Mapping[str, Sequence[object]],
    *,
    unit: Literal["s", "ms"] | None = None,
) -> pd.DataFrame:
    """A bars frame for one symbol from parallel columns (missing price columns become NaN).

    ``ts`` holds epoch numbers in ``unit`` or anything ``pd.to_datetime`` reads (tz-aware or UTC).
    Raises ValueError/TypeError on unreadable values; the caller turns that into
    MalformedResponseError.
    """
    stamps = pd.to_datetime(pd.Series(list(ts)), unit=unit, utc=True)
    frame = pd.DataFrame({"symbol": pd.Series([symbol] * len(stamps), dtype="object"), "ts": stamps})
    for column in BAR_COLUMNS[2:]:
        values = columns.get(column)
        if values is None:
            frame[column] = math.nan
        else:
            frame[column] = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="raise").astype("float64")
    frame["ts"] = frame["ts"].astype("datetime64[ns, UTC]")
    return frame[list(BAR_COLUMNS)]


def finish_bars(
    provider: str, symbol: str, frames: Iterable[pd.DataFrame], span: TimeRange, interval: str
) -> pd.DataFrame:
    """Concatenate pages, keep ``[start, stop)``, sort, drop duplicate stamps; none left → NoBarsError."""
    pages = [page for page in frames if not page.empty]
    frame = pd.concat(pages, ignore_index=True) if pages else empty_bars()
    broken = int((frame["ts"].isna() | frame["close"].isna()).sum())
    if broken:
        raise MalformedResponseError(f"{provider}: {broken} bar(s) of {symbol} without a time or a close")
    frame = frame[(frame["ts"] >= span.start) & (frame["ts"] < span.stop)]
    frame = frame.drop_duplicates(subset=["symbol", "ts"], keep="last")
    frame = frame.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    if frame.empty:
        raise NoBarsError(
            f"{provider}: no {interval} bars for {symbol} between {span.describe()} "
            "(no sessions in that range, or a symbol the provider does not know)"
        )
    frame["symbol"] = frame["symbol"].astype("object")
    return frame


class Provider(Protocol):
    """A market-data source that fetches one symbol's bars (and corporate actions, if it has them)."""

    name: str

    def fetch_symbol(self, symbol: str, span: TimeRange, interval: str) -> MarketFrames:
        """Bars of ``symbol`` in ``span`` at ``interval``; raises a ``ProviderError`` on any failure."""
        ...
