"""ccxt adapter with a real ccxt Binance object whose HTTP session answers recorded bodies.

ccxt talks HTTP through ``requests``, not httpx, so respx cannot see it. The fake replaces
``exchange.session.request`` — one level *below* ``exchange.fetch(url, method, headers, body)`` — so
ccxt's own request building, status-code-to-exception mapping, market loading and kline parsing all
run on the recorded Binance bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tradegame.data.errors import MalformedResponseError, ProviderError, RateLimitError, UnknownSymbolError
from tradegame.data.providers import CcxtProvider, NoBarsError, TimeRange, UnknownProviderError, make_provider
from tradegame.data.providers.ccxt_exchange import make_exchange

from .conftest import FakeTime, load

EMPTY_INFO = {"timezone": "UTC", "serverTime": 1704412800000, "rateLimits": [], "exchangeFilters": [], "symbols": []}
JAN_1 = 1704067200000
DAY = 86_400_000

Answer = requests.Response | Exception


def response(status: int, body: object, headers: dict[str, str] | None = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.reason = "OK" if status == 200 else "Error"
    answer.headers.update({"Content-Type": "application/json", **(headers or {})})
    answer._content = (body if isinstance(body, str) else json.dumps(body)).encode()
    return answer


class FakeBinance:
    """Answers exchangeInfo from the recorded spot body and klines from a queue of answers."""

    def __init__(self, klines: list[Answer]) -> None:
        self.klines = list(klines)
        self.kline_queries: list[dict[str, str]] = []

    def request(self, method: str, url: str, **_: Any) -> requests.Response:
        parts = urlsplit(url)
        if parts.path == "/api/v3/exchangeInfo":
            answer: Answer = response(200, load("ccxt", "binance_exchange_info_spot.json"))
        elif parts.path.endswith("/exchangeInfo"):
            answer = response(200, EMPTY_INFO)
        elif parts.path == "/api/v3/klines":
            self.kline_queries.append({key: values[0] for key, values in parse_qs(parts.query).items()})
            answer = self.klines.pop(0) if len(self.klines) > 1 else self.klines[0]
        else:
            raise AssertionError(f"unexpected request {method} {url}")
        if isinstance(answer, Exception):
            raise answer
        answer.url = url
        return answer


@pytest.fixture
def binance() -> Callable[[list[Answer]], tuple[CcxtProvider, FakeBinance]]:
    def build(klines: list[Answer], **options: Any) -> tuple[CcxtProvider, FakeBinance]:
        server = FakeBinance(klines)
        exchange = make_exchange("binance")
        exchange.session.request = server.request  # type: ignore[attr-defined]
        time = options.pop("time", FakeTime())
        options.setdefault("min_interval", 0.0)
        return CcxtProvider(exchange, sleep=time.sleep, clock=time.clock, **options), server

    return build


def klines(name: str) -> requests.Response:
    return response(200, load("ccxt", name))


def span(first: str, last: str) -> TimeRange:
    from datetime import date

    return TimeRange.of(date.fromisoformat(first), date.fromisoformat(last))


def test_daily_klines_are_paged_with_since_and_parsed_by_ccxt(binance: Any) -> None:
    provider, server = binance(
        [
            klines("binance_klines_btcusdt_1d_page1.json"),
            klines("binance_klines_btcusdt_1d_page2.json"),
            klines("binance_klines_empty.json"),
        ],
        page_limit=3,
    )

    bars = provider.fetch_symbol("BTC/USDT", span("2024-01-01", "2024-01-05"), "1d").bars

    assert provider.name == "ccxt:binance"
    assert [query["startTime"] for query in server.kline_queries] == [
        str(JAN_1),
        str(JAN_1 + 2 * DAY + 1),
        str(JAN_1 + 4 * DAY + 1),
    ]
    assert {(query["symbol"], query["interval"], query["limit"]) for query in server.kline_queries} == {
        ("BTCUSDT", "1d", "3")
    }
    assert [ts.isoformat() for ts in bars["ts"]] == [f"2024-01-0{day}T00:00:00+00:00" for day in range(1, 6)]
    assert bars.iloc[0][["open", "high", "low", "close", "volume"]].tolist() == [
        42283.58,
        44184.1,
        42180.77,
        44179.55,
        27174.29903,
    ]
    assert bars["close"].tolist() == [44179.55, 44946.91, 42845.23, 44151.1, 44145.11]
    assert (bars["symbol"] == "BTC/USDT").all()
    assert bars["adj_close"].isna().all()


def test_paging_stops_at_the_end_of_the_range(binance: Any) -> None:
    provider, server = binance([klines("binance_klines_btcusdt_1d_page1.json")], page_limit=3)

    bars = provider.fetch_symbol("BTC/USDT", span("2024-01-01", "2024-01-02"), "1d").bars

    assert len(server.kline_queries) == 1
    assert len(bars) == 2  # the third kline (Jan 3) is past the end


def test_intraday_keeps_the_utc_bar_start(binance: Any) -> None:
    provider, server = binance([klines("binance_klines_btcusdt_1h.json"), klines("binance_klines_empty.json")])

    bars = provider.fetch_symbol("BTC/USDT", span("2024-01-02", "2024-01-02"), "1h").bars

    assert server.kline_queries[0]["interval"] == "1h"
    assert [ts.isoformat() for ts in bars["ts"]] == ["2024-01-02T00:00:00+00:00", "2024-01-02T01:00:00+00:00"]
    assert bars["close"].tolist() == [44694.64, 45113.02]


def test_empty_range_is_no_bars(binance: Any) -> None:
    provider, _ = binance([klines("binance_klines_empty.json")])

    with pytest.raises(NoBarsError, match="BTC/USDT between 2030-01-01 and 2030-01-02"):
        provider.fetch_symbol("BTC/USDT", span("2030-01-01", "2030-01-02"), "1d")


def test_unknown_market_is_an_unknown_symbol(binance: Any) -> None:
    provider, server = binance([klines("binance_klines_empty.json")])

    with pytest.raises(UnknownSymbolError, match="NOPE/USDT"):
        provider.fetch_symbol("NOPE/USDT", span("2024-01-01", "2024-01-02"), "1d")
    assert server.kline_queries == []


def test_429_then_success_is_retried_with_backoff(binance: Any) -> None:
    time = FakeTime()
    limited = response(429, load("ccxt", "binance_error_rate_limit.json"))
    provider, server = binance(
        [limited, klines("binance_klines_btcusdt_1d_page1.json"), klines("binance_klines_empty.json")], time=time
    )

    bars = provider.fetch_symbol("BTC/USDT", span("2024-01-01", "2024-01-03"), "1d").bars

    assert len(bars) == 3
    assert time.sleeps == [1.0]
    assert len(server.kline_queries) == 3


def test_429_forever_is_a_rate_limit_error(binance: Any) -> None:
    time = FakeTime()
    provider, server = binance([response(429, load("ccxt", "binance_error_rate_limit.json"))], time=time)

    with pytest.raises(RateLimitError, match="after 5 attempt"):
        provider.fetch_symbol("BTC/USDT", span("2024-01-01", "2024-01-03"), "1d")
    assert len(server.kline_queries) == 5
    assert time.sleeps == [1.0, 2.0, 4.0, 8.0]


@pytest.mark.parametrize(
    "failure",
    [
        response(503, "Service Unavailable"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.ConnectionError("reset"),
    ],
    ids=["503", "timeout", "connection"],
)
def test_server_and_network_errors_are_retried_then_provider_errors(binance: Any, failure: Answer) -> None:
    provider, server = binance(
        [failure, klines("binance_klines_btcusdt_1d_page1.json"), klines("binance_klines_empty.json")]
    )
    assert len(provider.fetch_symbol("BTC/USDT", span("2024-01-01", "2024-01-03"), "1d").bars) == 3

    provider, server = binance([failure])
    with pytest.raises(ProviderError) as caught:
        provider.fetch_symbol("BTC/USDT", span("2024-01-01", "2024-01-03"), "1d")
    assert type(caught.value) is ProviderError
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert len(server.kline_queries) == 5


@pytest.mark.parametrize(
    "body",
    [
        [[JAN_1, "1.0", "2.0", "0.5", "not-a-price", "3.0", JAN_1 + DAY - 1, "1", 1, "1", "1", "0"]],
        [[JAN_1, "1.0"]],
        "<html><body>502 Bad Gateway</body></html>",
    ],
    ids=["bad-close", "short-row", "html"],
)
def test_malformed_klines(binance: Any, body: object) -> None:
    provider, _ = binance([response(200, body), klines("binance_klines_empty.json")])

    with pytest.raises(MalformedResponseError):
        provider.fetch_symbol("BTC/USDT", span("2024-01-01", "2024-01-03"), "1d")


def test_make_provider_picks_the_exchange_and_refuses_unknown_ones() -> None:
    assert make_provider("ccxt").name == "ccxt:binance"
    assert make_provider("ccxt:kraken").name == "ccxt:kraken"
    assert make_provider("ccxt", exchange="kraken").name == "ccxt:kraken"
    with pytest.raises(UnknownProviderError, match="nosuchexchange"):
        make_provider("ccxt:nosuchexchange")
