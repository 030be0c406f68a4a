"""Finnhub stock-candle adapter against recorded bodies (respx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
import respx

from tradegame.data.errors import MalformedResponseError, MissingApiKeyError, ProviderError, RateLimitError
from tradegame.data.providers import FinnhubProvider, NoBarsError, TimeRange

from .conftest import FakeTime, assert_no_secret, load

KEY = "FHKEY-c0ffee-SECRET"
URL = "https://finnhub.io/api/v1/stock/candle"
JAN = TimeRange.of(date(2024, 1, 2), date(2024, 1, 8))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


def make(client: httpx.Client, fake_time: FakeTime) -> FinnhubProvider:
    return FinnhubProvider(client, {"FINNHUB_API_KEY": KEY}, sleep=fake_time.sleep, clock=fake_time.clock)


def daily() -> httpx.Response:
    return httpx.Response(200, json=load("finnhub", "stock_candle_aapl_d.json"))


def test_daily_candles_parse_and_carry_the_token_in_a_header(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(return_value=daily())

    bars = make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars

    request = route.calls.last.request
    assert dict(request.url.params) == {"symbol": "AAPL", "resolution": "D", "from": "1704153600", "to": "1704758399"}
    assert request.headers["X-Finnhub-Token"] == KEY
    assert KEY not in str(request.url)
    assert [ts.isoformat() for ts in bars["ts"]] == [
        "2024-01-02T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
        "2024-01-04T00:00:00+00:00",
        "2024-01-05T00:00:00+00:00",
        "2024-01-08T00:00:00+00:00",
    ]
    assert bars.iloc[2][["open", "high", "low", "close", "volume"]].tolist() == [
        182.15,
        183.0872,
        180.88,
        181.91,
        71983570.0,
    ]
    assert bars["adj_close"].isna().all()


def test_intraday_range_is_chunked_by_thirty_days(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(
        side_effect=[
            httpx.Response(200, json=load("finnhub", "stock_candle_aapl_60_chunk1.json")),
            httpx.Response(200, json=load("finnhub", "stock_candle_aapl_60_chunk2.json")),
        ]
    )

    bars = make(client, fake_time).fetch_symbol("AAPL", TimeRange.of(date(2024, 1, 2), date(2024, 2, 5)), "1h").bars

    assert [call.request.url.params["from"] for call in route.calls] == ["1704153600", "1706745600"]
    assert [call.request.url.params["to"] for call in route.calls] == ["1706745599", "1707177599"]
    assert [call.request.url.params["resolution"] for call in route.calls] == ["60", "60"]
    assert [ts.isoformat() for ts in bars["ts"]] == [
        "2024-01-02T14:00:00+00:00",
        "2024-01-02T15:00:00+00:00",
        "2024-02-05T15:00:00+00:00",
    ]
    assert fake_time.sleeps == [1.0]  # one second between the two calls


def test_no_data_everywhere_is_no_bars(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=load("finnhub", "stock_candle_no_data.json")))

    with pytest.raises(NoBarsError, match="ZZZZ"):
        make(client, fake_time).fetch_symbol("ZZZZ", JAN, "1d")


def test_no_data_in_one_chunk_is_fine_if_another_has_bars(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(
        side_effect=[
            httpx.Response(200, json=load("finnhub", "stock_candle_no_data.json")),
            httpx.Response(200, json=load("finnhub", "stock_candle_aapl_60_chunk2.json")),
        ]
    )

    bars = make(client, fake_time).fetch_symbol("AAPL", TimeRange.of(date(2024, 1, 2), date(2024, 2, 5)), "1h").bars
    assert len(bars) == 1


def test_429_then_success_and_429_forever(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    limited = httpx.Response(429, json=load("finnhub", "error_rate_limit.json"))
    respx_mock.get(URL).mock(side_effect=[limited, daily()])
    assert len(make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars) == 5

    respx_mock.get(URL).mock(return_value=limited)
    with pytest.raises(RateLimitError, match="API limit reached") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert_no_secret(caught.value, KEY)


def test_5xx_is_retried(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(URL).mock(side_effect=[httpx.Response(500), httpx.Response(504), daily()])

    make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")

    assert route.call_count == 3
    assert 1.0 in fake_time.sleeps and 2.0 in fake_time.sleeps


@pytest.mark.parametrize(
    "body",
    [
        {"s": "ok", "t": [1704171600], "o": [1.0], "h": [1.0], "l": [1.0], "c": [1.0]},  # no "v"
        {"s": "ok", "t": [1704171600, 1704258000], "o": [1.0], "h": [1.0], "l": [1.0], "c": [1.0], "v": [1]},
        {"s": "weird"},
        {"s": "ok", "t": ["yesterday"], "o": [1.0], "h": [1.0], "l": [1.0], "c": [1.0], "v": [1]},
    ],
    ids=["missing-array", "ragged", "bad-status", "bad-time"],
)
def test_malformed_bodies(
    body: object, client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=body))

    with pytest.raises(MalformedResponseError):
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")


def test_no_access_is_a_provider_error_quoting_finnhub(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter, debug_logs: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(403, json=load("finnhub", "error_access.json")))

    with pytest.raises(ProviderError, match="don't have access") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert_no_secret(caught.value, KEY, debug_logs)


def test_missing_key_names_the_variable(client: httpx.Client, fake_time: FakeTime) -> None:
    with pytest.raises(MissingApiKeyError, match="FINNHUB_API_KEY"):
        FinnhubProvider(client, {}, sleep=fake_time.sleep, clock=fake_time.clock)
