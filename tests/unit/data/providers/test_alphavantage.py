"""Alpha Vantage adapter against recorded TIME_SERIES_DAILY_ADJUSTED / INTRADAY bodies (respx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pandas as pd
import pytest
import respx

from tradegame.data.errors import (
    MalformedResponseError,
    MissingApiKeyError,
    ProviderError,
    RateLimitError,
    UnknownSymbolError,
)
from tradegame.data.providers import AlphaVantageProvider, NoBarsError, TimeRange, UnsupportedIntervalError

from .conftest import FakeTime, assert_no_secret, load

KEY = "AVKEY-7f3a9c-SECRET"
URL = "https://www.alphavantage.co/query"
DAILY = load("alphavantage", "time_series_daily_adjusted_aapl.json")


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


def make(client: httpx.Client, fake_time: FakeTime, **options: object) -> AlphaVantageProvider:
    options.setdefault("min_interval", 0.0)
    return AlphaVantageProvider(
        client,
        {"ALPHAVANTAGE_API_KEY": KEY},
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        **options,  # type: ignore[arg-type]
    )


def span(start: str, end: str) -> TimeRange:
    return TimeRange.of(date.fromisoformat(start), date.fromisoformat(end))


def test_daily_adjusted_bars_dividends_and_request(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(return_value=httpx.Response(200, json=DAILY))

    frames = make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-02-09"), "1d")

    request = route.calls.last.request
    assert dict(request.url.params) == {
        "function": "TIME_SERIES_DAILY_ADJUSTED",
        "symbol": "AAPL",
        "outputsize": "full",
        "datatype": "json",
        "apikey": KEY,
    }
    bars = frames.bars
    assert list(bars.columns) == ["symbol", "ts", "open", "high", "low", "close", "volume", "adj_close"]
    assert str(bars["ts"].dtype) == "datetime64[ns, UTC]"
    assert all(str(bars[column].dtype) == "float64" for column in bars.columns[2:])
    assert [ts.isoformat() for ts in bars["ts"]] == [
        "2024-01-02T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
        "2024-01-04T00:00:00+00:00",
        "2024-01-05T00:00:00+00:00",
        "2024-01-08T00:00:00+00:00",
        "2024-02-08T00:00:00+00:00",
        "2024-02-09T00:00:00+00:00",
    ]
    first = bars.iloc[0]
    assert (first["symbol"], first["open"], first["high"], first["low"], first["close"]) == (
        "AAPL",
        187.15,
        188.44,
        183.885,
        185.64,
    )
    assert (first["volume"], first["adj_close"]) == (82488674.0, 185.4043)
    assert bars["close"].tolist() == [185.64, 184.25, 181.91, 181.18, 185.56, 188.32, 188.85]
    assert frames.dividends.to_dict("records") == [
        {"symbol": "AAPL", "ts": pd.Timestamp("2024-02-09", tz="UTC"), "amount": "0.24"}
    ]
    assert frames.splits.empty


def test_daily_split_coefficient_becomes_a_split_row(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=DAILY))

    frames = make(client, fake_time).fetch_symbol("AAPL", span("2020-08-27", "2020-08-31"), "1d")

    assert frames.bars["close"].tolist() == [500.04, 499.23, 129.04]
    assert frames.splits.to_dict("records") == [
        {"symbol": "AAPL", "ts": pd.Timestamp("2020-08-31", tz="UTC"), "ratio": "4"}
    ]
    assert frames.dividends.empty


def test_intraday_is_asked_month_by_month_and_converted_from_new_york_to_utc(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    body = load("alphavantage", "time_series_intraday_5min_aapl_2024-01.json")
    january = respx_mock.get(URL, params={"month": "2024-01"}).mock(return_value=httpx.Response(200, json=body))
    february = respx_mock.get(URL, params={"month": "2024-02"}).mock(
        return_value=httpx.Response(200, json={**body, "Time Series (5min)": {}})
    )

    bars = make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-02-01"), "5m").bars

    assert january.called and february.called
    params = january.calls.last.request.url.params
    assert (params["function"], params["interval"], params["adjusted"]) == ("TIME_SERIES_INTRADAY", "5min", "false")
    # 04:00 and 09:45 New York (EST, UTC-5) are 09:00 and 14:45 UTC; the bar start is kept.
    assert [ts.isoformat() for ts in bars["ts"]] == [
        "2024-01-02T09:00:00+00:00",
        "2024-01-02T14:45:00+00:00",
        "2024-01-02T14:50:00+00:00",
        "2024-01-02T14:55:00+00:00",
    ]
    assert bars["open"].tolist() == [187.8, 186.91, 186.62, 186.29]
    assert bars["adj_close"].isna().all()


def test_a_weekend_range_has_no_bars(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=DAILY))

    with pytest.raises(NoBarsError, match=r"no 1d bars for AAPL between 2024-01-06 and 2024-01-07"):
        make(client, fake_time).fetch_symbol("AAPL", span("2024-01-06", "2024-01-07"), "1d")


def test_error_message_body_is_an_unknown_symbol(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=load("alphavantage", "error_message.json")))

    with pytest.raises(UnknownSymbolError, match="'NOPE'"):
        make(client, fake_time).fetch_symbol("NOPE", span("2024-01-02", "2024-01-05"), "1d")


@pytest.mark.parametrize("body", ["note_rate_limit.json", "information_burst_limit.json"])
def test_rate_limit_body_then_success_is_retried_after_backoff(
    body: str, client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(
        side_effect=[httpx.Response(200, json=load("alphavantage", body)), httpx.Response(200, json=DAILY)]
    )

    bars = make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d").bars

    assert route.call_count == 2
    assert fake_time.sleeps == [1.0]
    assert bars["close"].tolist() == [185.64, 184.25]


def test_http_429_honours_retry_after(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
            httpx.Response(200, json=DAILY),
        ]
    )

    make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")

    assert fake_time.sleeps == [7.0]


def test_rate_limit_forever_raises_after_bounded_attempts(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(
        return_value=httpx.Response(200, json=load("alphavantage", "note_rate_limit.json"))
    )

    with pytest.raises(RateLimitError, match="after 5 attempt") as caught:
        make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")

    assert route.call_count == 5
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert_no_secret(caught.value, KEY)


def test_daily_quota_is_a_rate_limit_at_once_and_the_key_it_quotes_is_redacted(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter, debug_logs: pytest.LogCaptureFixture
) -> None:
    body = load("alphavantage", "information_daily_limit.json", API_KEY=KEY)
    route = respx_mock.get(URL).mock(return_value=httpx.Response(200, json=body))

    with pytest.raises(RateLimitError, match="25 requests per day") as caught:
        make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")

    assert route.call_count == 1
    assert "***" in str(caught.value)
    assert_no_secret(caught.value, KEY, debug_logs)


def test_premium_endpoint_notice_says_what_to_do(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=load("alphavantage", "information_premium.json")))

    with pytest.raises(ProviderError, match="adjusted=False") as caught:
        make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")
    assert not isinstance(caught.value, RateLimitError)


def test_server_error_then_success_is_retried(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(URL).mock(side_effect=[httpx.Response(503, text="busy"), httpx.Response(200, json=DAILY)])

    make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")

    assert route.call_count == 2
    assert fake_time.sleeps == [1.0]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>Bad Gateway</html>"),
        httpx.Response(200, json={"Meta Data": {}}),
        httpx.Response(200, json={"Time Series (Daily)": {"2024-01-02": {"1. open": "187.15"}}}),
        httpx.Response(
            200,
            json={
                "Time Series (Daily)": {"2024-01-02": {**DAILY["Time Series (Daily)"]["2024-01-02"], "4. close": "n/a"}}
            },
        ),
        httpx.Response(200, json=["not", "an", "object"]),
    ],
    ids=["not-json", "no-series", "missing-field", "not-a-number", "a-list"],
)
def test_malformed_bodies(
    response: httpx.Response, client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(return_value=response)

    with pytest.raises(MalformedResponseError) as caught:
        make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")
    assert_no_secret(caught.value, KEY)
    assert "apikey=***" in str(caught.value)


def test_missing_key_names_the_variable(client: httpx.Client, fake_time: FakeTime) -> None:
    with pytest.raises(MissingApiKeyError, match="ALPHAVANTAGE_API_KEY"):
        AlphaVantageProvider(client, {}, sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.mark.parametrize(
    ("side_effect", "match"),
    [
        (httpx.ConnectTimeout("timed out"), "timed out"),
        (httpx.ConnectError(f"cannot reach https://www.alphavantage.co/query?apikey={KEY}"), "network error"),
    ],
)
def test_transport_failures_become_provider_errors_without_the_key(
    side_effect: Exception,
    match: str,
    client: httpx.Client,
    fake_time: FakeTime,
    respx_mock: respx.MockRouter,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    respx_mock.get(URL).mock(side_effect=side_effect)

    with pytest.raises(ProviderError, match=match) as caught:
        make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")

    assert type(caught.value) is ProviderError
    assert "apikey=***" in str(caught.value)
    assert_no_secret(caught.value, KEY, debug_logs)
    assert debug_logs.records  # the requests and retries were logged, redacted


def test_weekly_is_refused(client: httpx.Client, fake_time: FakeTime) -> None:
    with pytest.raises(UnsupportedIntervalError, match="'1w'"):
        make(client, fake_time).fetch_symbol("AAPL", span("2024-01-02", "2024-01-31"), "1w")


def test_default_pacing_is_twelve_seconds_between_requests(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(URL).mock(return_value=httpx.Response(200, json=DAILY))
    provider = make(client, fake_time, min_interval=12.0)

    provider.fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")
    fake_time.now += 2.0
    provider.fetch_symbol("AAPL", span("2024-01-02", "2024-01-03"), "1d")

    assert fake_time.sleeps == [10.0]
