"""Alpaca market-data v2 stock-bars adapter against recorded bodies (respx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
import respx

from tradegame.data.errors import (
    MalformedResponseError,
    MissingApiKeyError,
    ProviderError,
    RateLimitError,
    UnknownSymbolError,
)
from tradegame.data.providers import AlpacaProvider, NoBarsError, TimeRange

from .conftest import FakeTime, assert_no_secret, load

KEY_ID = "PKTEST0KEYID0SECRET"
SECRET = "alpaca-secret-4c1d-SECRET"
ENV = {"APCA_API_KEY_ID": KEY_ID, "APCA_API_SECRET_KEY": SECRET}
URL = "https://data.alpaca.markets/v2/stocks/AAPL/bars"
JAN = TimeRange.of(date(2024, 1, 2), date(2024, 1, 8))
TOKEN = "QUFQTHxEfDIwMjQtMDEtMDRUMDU6MDA6MDAuMDAwMDAwMDAwWg=="


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


def make(client: httpx.Client, fake_time: FakeTime, feed: str | None = None) -> AlpacaProvider:
    return AlpacaProvider(client, ENV, sleep=fake_time.sleep, clock=fake_time.clock, min_interval=0.0, feed=feed)


def pages() -> list[httpx.Response]:
    return [
        httpx.Response(200, json=load("alpaca", "stock_bars_aapl_1day_page1.json")),
        httpx.Response(200, json=load("alpaca", "stock_bars_aapl_1day_page2.json")),
    ]


def test_daily_bars_follow_next_page_token_with_key_headers(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(side_effect=pages())

    bars = make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars

    first, second = (call.request for call in route.calls)
    assert dict(first.url.params) == {
        "timeframe": "1Day",
        "start": "2024-01-02T00:00:00Z",
        "end": "2024-01-08T23:59:59Z",
        "limit": "10000",
        "adjustment": "raw",
        "sort": "asc",
    }
    assert second.url.params["page_token"] == TOKEN
    assert second.url.params["timeframe"] == "1Day"
    assert first.headers["APCA-API-KEY-ID"] == KEY_ID
    assert first.headers["APCA-API-SECRET-KEY"] == SECRET
    # t = 05:00Z (midnight New York) → the session date at 00:00 UTC.
    assert [ts.isoformat() for ts in bars["ts"]] == [
        "2024-01-02T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
        "2024-01-04T00:00:00+00:00",
        "2024-01-05T00:00:00+00:00",
        "2024-01-08T00:00:00+00:00",
    ]
    assert bars.iloc[-1][["open", "high", "low", "close", "volume"]].tolist() == [
        182.085,
        185.6,
        181.5,
        185.56,
        59144470.0,
    ]


def test_intraday_keeps_utc_start_and_feed_is_sent_when_asked(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(return_value=httpx.Response(200, json=load("alpaca", "stock_bars_aapl_5min.json")))
    span = TimeRange.of(datetime(2024, 1, 2, 14, 30, tzinfo=UTC), datetime(2024, 1, 2, 14, 35, tzinfo=UTC))

    bars = make(client, fake_time, feed="iex").fetch_symbol("AAPL", span, "5m").bars

    params = route.calls.last.request.url.params
    assert (params["timeframe"], params["feed"], params["start"], params["end"]) == (
        "5Min",
        "iex",
        "2024-01-02T14:30:00Z",
        "2024-01-02T14:35:00Z",
    )
    assert [ts.isoformat() for ts in bars["ts"]] == ["2024-01-02T14:30:00+00:00", "2024-01-02T14:35:00+00:00"]


def test_empty_range_is_no_bars(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=load("alpaca", "stock_bars_empty.json")))

    with pytest.raises(NoBarsError, match="AAPL between 2024-01-06 and 2024-01-07"):
        make(client, fake_time).fetch_symbol("AAPL", TimeRange.of(date(2024, 1, 6), date(2024, 1, 7)), "1d")


def test_invalid_symbol_is_unknown(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://data.alpaca.markets/v2/stocks/AAPL$/bars").mock(
        return_value=httpx.Response(400, json=load("alpaca", "error_invalid_symbol.json"))
    )

    with pytest.raises(UnknownSymbolError, match="invalid symbol"):
        make(client, fake_time).fetch_symbol("AAPL$", JAN, "1d")


def test_429_then_success_honours_retry_after_and_429_forever_fails(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    limited = httpx.Response(429, json=load("alpaca", "error_rate_limit.json"), headers={"Retry-After": "3"})
    respx_mock.get(URL).mock(side_effect=[limited, *pages()])
    assert len(make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars) == 5
    assert fake_time.sleeps == [3.0]

    respx_mock.get(URL).mock(return_value=httpx.Response(429, json=load("alpaca", "error_rate_limit.json")))
    with pytest.raises(RateLimitError, match="after 5 attempt") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert_no_secret(caught.value, KEY_ID)
    assert_no_secret(caught.value, SECRET)


def test_retry_after_beyond_the_cap_gives_up_at_once(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))

    with pytest.raises(RateLimitError, match="asked to wait 3600s"):
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert route.call_count == 1
    assert fake_time.sleeps == []


def test_5xx_on_the_second_page_is_retried(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    first, second = pages()
    route = respx_mock.get(URL).mock(side_effect=[first, httpx.Response(503), second])

    assert len(make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars) == 5
    assert route.call_count == 3


@pytest.mark.parametrize(
    "body",
    [
        {"symbol": "AAPL", "next_page_token": None},
        {"bars": [{"t": "2024-01-02T05:00:00Z", "o": 1.0, "h": 1.0, "l": 1.0, "c": 1.0}], "next_page_token": None},
        {"bars": {"AAPL": []}, "next_page_token": None},
        {"bars": [], "next_page_token": 42},
    ],
    ids=["no-bars", "missing-v", "bars-not-list", "bad-token"],
)
def test_malformed_bodies(
    body: object, client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=body))

    with pytest.raises(MalformedResponseError):
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")


def test_forbidden_is_a_provider_error_without_keys(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter, debug_logs: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(403, json=load("alpaca", "error_forbidden.json")))

    with pytest.raises(ProviderError, match="HTTP 403") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert_no_secret(caught.value, KEY_ID, debug_logs)
    assert_no_secret(caught.value, SECRET, debug_logs)


@pytest.mark.parametrize("missing", ["APCA_API_KEY_ID", "APCA_API_SECRET_KEY"])
def test_missing_keys_name_the_variable(missing: str, client: httpx.Client, fake_time: FakeTime) -> None:
    env = {name: value for name, value in ENV.items() if name != missing}
    with pytest.raises(MissingApiKeyError, match=missing):
        AlpacaProvider(client, env, sleep=fake_time.sleep, clock=fake_time.clock)
