"""Polygon aggregates v2 adapter against recorded bodies (respx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
import respx

from tradegame.data.errors import MalformedResponseError, MissingApiKeyError, ProviderError, RateLimitError
from tradegame.data.providers import NoBarsError, PolygonProvider, TimeRange

from .conftest import FakeTime, assert_no_secret, load

KEY = "PGKEY-b41c77-SECRET"
AGGS = "https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-08"
NEXT = "https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/1704344400001/2024-01-08"
JAN = TimeRange.of(date(2024, 1, 2), date(2024, 1, 8))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


def make(client: httpx.Client, fake_time: FakeTime, min_interval: float = 0.0) -> PolygonProvider:
    return PolygonProvider(
        client, {"POLYGON_API_KEY": KEY}, sleep=fake_time.sleep, clock=fake_time.clock, min_interval=min_interval
    )


def page1() -> httpx.Response:
    return httpx.Response(200, json=load("polygon", "aggs_aapl_1_day_page1.json"))


def page2() -> httpx.Response:
    return httpx.Response(200, json=load("polygon", "aggs_aapl_1_day_page2.json"))


def test_daily_bars_follow_next_url_and_map_new_york_midnight_to_the_date(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    first = respx_mock.get(AGGS).mock(return_value=page1())
    second = respx_mock.get(NEXT, params={"cursor": "bGltaXQ9MyZzb3J0PWFzYw"}).mock(return_value=page2())

    bars = make(client, fake_time, min_interval=12.0).fetch_symbol("AAPL", JAN, "1d").bars

    request = first.calls.last.request
    assert dict(request.url.params) == {"adjusted": "false", "sort": "asc", "limit": "50000"}
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in str(request.url)
    assert second.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"
    assert fake_time.sleeps == [12.0]  # the second page waited its turn
    # t = 05:00 UTC (midnight New York, EST) → the session date at 00:00 UTC.
    assert [ts.isoformat() for ts in bars["ts"]] == [
        "2024-01-02T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
        "2024-01-04T00:00:00+00:00",
        "2024-01-05T00:00:00+00:00",
        "2024-01-08T00:00:00+00:00",
    ]
    assert bars.iloc[0][["open", "high", "low", "close", "volume"]].tolist() == [
        187.15,
        188.44,
        183.885,
        185.64,
        82488674.0,
    ]
    assert bars["close"].tolist() == [185.64, 184.25, 181.91, 181.18, 185.56]
    assert bars["adj_close"].isna().all()
    assert str(bars["ts"].dtype) == "datetime64[ns, UTC]"


def test_intraday_keeps_the_utc_bar_start_and_asks_by_milliseconds(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    url = "https://api.polygon.io/v2/aggs/ticker/AAPL/range/5/minute/1704153600000/1704239999999"
    respx_mock.get(url).mock(return_value=httpx.Response(200, json=load("polygon", "aggs_aapl_5_minute.json")))

    bars = make(client, fake_time).fetch_symbol("AAPL", TimeRange.of(date(2024, 1, 2), date(2024, 1, 2)), "5m").bars

    assert [ts.isoformat() for ts in bars["ts"]] == ["2024-01-02T14:30:00+00:00", "2024-01-02T14:35:00+00:00"]
    assert bars["close"].tolist() == [186.065, 186.12]


def test_duplicate_bars_across_pages_are_dropped(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    overlapping = load("polygon", "aggs_aapl_1_day_page2.json")
    overlapping["results"] = load("polygon", "aggs_aapl_1_day_page1.json")["results"][-1:] + overlapping["results"]
    respx_mock.get(AGGS).mock(return_value=page1())
    respx_mock.get(NEXT).mock(return_value=httpx.Response(200, json=overlapping))

    bars = make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars

    assert len(bars) == 5
    assert bars["ts"].is_unique and bars["ts"].is_monotonic_increasing


def test_empty_range_and_unknown_ticker_are_no_bars(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(url__regex=r"/v2/aggs/ticker/NOSUCHTICKER/").mock(
        return_value=httpx.Response(200, json=load("polygon", "aggs_empty.json"))
    )

    with pytest.raises(NoBarsError, match=r"NOSUCHTICKER between 2024-01-06 and 2024-01-07 .*does not know"):
        make(client, fake_time).fetch_symbol("NOSUCHTICKER", TimeRange.of(date(2024, 1, 6), date(2024, 1, 7)), "1d")


def test_429_then_success_backs_off(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    limited = httpx.Response(429, json=load("polygon", "error_rate_limit.json"))
    respx_mock.get(AGGS).mock(side_effect=[limited, limited, page1()])
    respx_mock.get(NEXT).mock(return_value=page2())

    bars = make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars

    assert fake_time.sleeps == [1.0, 2.0]
    assert len(bars) == 5


def test_429_forever_is_a_rate_limit_error(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(AGGS).mock(return_value=httpx.Response(429, json=load("polygon", "error_rate_limit.json")))

    with pytest.raises(RateLimitError, match="maximum requests per minute") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")

    assert route.call_count == 5
    assert_no_secret(caught.value, KEY)


def test_5xx_then_success_is_retried(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(AGGS).mock(side_effect=[httpx.Response(502, text="bad gateway"), page1()])
    respx_mock.get(NEXT).mock(return_value=page2())

    assert len(make(client, fake_time).fetch_symbol("AAPL", JAN, "1d").bars) == 5
    assert fake_time.sleeps == [1.0]


def test_5xx_forever_is_a_provider_error(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(AGGS).mock(return_value=httpx.Response(500, text="oops"))

    with pytest.raises(ProviderError, match="HTTP 500") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert not isinstance(caught.value, RateLimitError)


@pytest.mark.parametrize(
    "body",
    [
        {"status": "OK", "results": [{"o": 1.0, "h": 1.0, "l": 1.0, "c": 1.0, "v": 1.0}]},  # no "t"
        {"status": "OK", "results": "nope"},
        {"status": "WHAT"},
        {"status": "OK", "results": [], "next_url": "https://evil.example/steal"},
    ],
    ids=["missing-t", "results-not-list", "bad-status", "foreign-next-url"],
)
def test_malformed_bodies(
    body: object, client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(AGGS).mock(return_value=httpx.Response(200, json=body))

    with pytest.raises(MalformedResponseError):
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert route.call_count == 1


def test_refused_key_is_a_provider_error_without_the_key(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter, debug_logs: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(AGGS).mock(return_value=httpx.Response(401, json=load("polygon", "error_unknown_api_key.json")))

    with pytest.raises(ProviderError, match="Unknown API Key") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert_no_secret(caught.value, KEY, debug_logs)


def test_missing_key_names_the_variable(client: httpx.Client, fake_time: FakeTime) -> None:
    with pytest.raises(MissingApiKeyError, match="POLYGON_API_KEY"):
        PolygonProvider(client, {"POLYGON_API_KEY": "  "}, sleep=fake_time.sleep, clock=fake_time.clock)


def test_read_timeout_is_a_provider_error(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(AGGS).mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(ProviderError, match=r"timed out.*after 5 attempt") as caught:
        make(client, fake_time).fetch_symbol("AAPL", JAN, "1d")
    assert_no_secret(caught.value, KEY)
