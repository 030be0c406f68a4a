"""``fetch`` (all or nothing over symbols), ``make_provider``, ``TimeRange`` and ``redact``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pandas as pd
import pytest
import respx

from tradegame.data.errors import MissingApiKeyError, ProviderError, UnknownSymbolError
from tradegame.data.providers import (
    PROVIDERS,
    AlphaVantageProvider,
    NoBarsError,
    PolygonProvider,
    TimeRange,
    UnknownProviderError,
    UnsupportedIntervalError,
    fetch,
    make_provider,
    redact,
)
from tradegame.domain.errors import InvalidInputError

from .conftest import FakeTime, load

POLYGON_ENV = {"POLYGON_API_KEY": "PGKEY-fetch-SECRET"}
AV_URL = "https://www.alphavantage.co/query"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


def polygon(client: httpx.Client, fake_time: FakeTime) -> PolygonProvider:
    provider = make_provider("polygon", client=client, env=POLYGON_ENV, sleep=fake_time.sleep, clock=fake_time.clock)
    assert isinstance(provider, PolygonProvider)
    return provider


def aggs(ticker: str) -> str:
    return f"https://api.polygon.io/v2/aggs/ticker/{ticker}/range/1/day/2024-01-02/2024-01-08"


def aapl_pages(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(aggs("AAPL")).mock(
        return_value=httpx.Response(200, json=load("polygon", "aggs_aapl_1_day_page1.json"))
    )
    respx_mock.get(url__startswith="https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/1704344400001/").mock(
        return_value=httpx.Response(200, json=load("polygon", "aggs_aapl_1_day_page2.json"))
    )


def test_fetch_two_symbols_gives_one_sorted_frame(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    aapl_pages(respx_mock)
    msft = load("polygon", "aggs_aapl_1_day_page2.json")
    msft["ticker"] = "MSFT"
    respx_mock.get(aggs("MSFT")).mock(return_value=httpx.Response(200, json=msft))

    seen: list[tuple[int, int | None]] = []
    frames = fetch(
        polygon(client, fake_time),
        ["MSFT", "AAPL", "MSFT"],
        date(2024, 1, 2),
        date(2024, 1, 8),
        "1d",
        lambda done, count: seen.append((done, count)),
    )

    assert seen == [(1, 2), (2, 2)]  # a progress bar's steps: one per distinct symbol
    assert frames.symbols == ["AAPL", "MSFT"]
    assert frames.bars.groupby("symbol").size().to_dict() == {"AAPL": 5, "MSFT": 2}
    assert frames.bars[["symbol", "ts"]].equals(frames.bars[["symbol", "ts"]].sort_values(["symbol", "ts"]))
    assert not frames.bars.duplicated(["symbol", "ts"]).any()
    assert frames.bars["symbol"].dtype == object
    assert fake_time.sleeps == [12.0, 12.0]  # default Polygon pacing between the three requests


def test_fetch_is_all_or_nothing(client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter) -> None:
    aapl_pages(respx_mock)
    respx_mock.get(aggs("NOSUCHTICKER")).mock(return_value=httpx.Response(200, json=load("polygon", "aggs_empty.json")))
    result = None

    with pytest.raises(NoBarsError, match="NOSUCHTICKER"):
        result = fetch(polygon(client, fake_time), ["AAPL", "NOSUCHTICKER"], date(2024, 1, 2), date(2024, 1, 8))

    assert result is None


def test_fetch_stops_at_the_first_failure(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(AV_URL, params={"symbol": "NOPE"}).mock(
        return_value=httpx.Response(200, json=load("alphavantage", "error_message.json"))
    )
    later = respx_mock.get(AV_URL, params={"symbol": "AAPL"}).mock(
        return_value=httpx.Response(200, json=load("alphavantage", "time_series_daily_adjusted_aapl.json"))
    )
    provider = AlphaVantageProvider(client, {"ALPHAVANTAGE_API_KEY": "k"}, sleep=fake_time.sleep, clock=fake_time.clock)

    with pytest.raises(UnknownSymbolError):
        fetch(provider, ["NOPE", "AAPL"], date(2024, 1, 2), date(2024, 1, 8))
    assert not later.called


def test_fetch_keeps_corporate_actions_of_every_symbol(
    client: httpx.Client, fake_time: FakeTime, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(AV_URL).mock(
        return_value=httpx.Response(200, json=load("alphavantage", "time_series_daily_adjusted_aapl.json"))
    )
    provider = AlphaVantageProvider(client, {"ALPHAVANTAGE_API_KEY": "k"}, sleep=fake_time.sleep, clock=fake_time.clock)

    frames = fetch(provider, ["AAPL"], date(2020, 8, 1), date(2024, 2, 29))

    assert frames.dividends["amount"].tolist() == ["0.24"]
    assert frames.splits.to_dict("records") == [
        {"symbol": "AAPL", "ts": pd.Timestamp("2020-08-31", tz="UTC"), "ratio": "4"}
    ]


@pytest.mark.parametrize(
    ("symbols", "interval", "error"),
    [
        ([], "1d", InvalidInputError),
        (["AAPL", " "], "1d", InvalidInputError),
        (["AAPL"], "2h", UnsupportedIntervalError),
    ],
)
def test_fetch_refuses_bad_arguments_before_any_request(
    symbols: list[str], interval: str, error: type[Exception], client: httpx.Client, fake_time: FakeTime
) -> None:
    with pytest.raises(error):
        fetch(polygon(client, fake_time), symbols, date(2024, 1, 2), date(2024, 1, 8), interval)


def test_make_provider_registry_and_errors(client: httpx.Client) -> None:
    assert set(PROVIDERS) == {"alphavantage", "polygon", "finnhub", "alpaca", "ccxt"}
    env = {
        "ALPHAVANTAGE_API_KEY": "a",
        "POLYGON_API_KEY": "p",
        "FINNHUB_API_KEY": "f",
        "APCA_API_KEY_ID": "i",
        "APCA_API_SECRET_KEY": "s",
    }
    for name in PROVIDERS:
        assert make_provider(name, client=client, env=env).name.startswith(name)
    with pytest.raises(UnknownProviderError, match="yahoo"):
        make_provider("yahoo", client=client, env=env)
    with pytest.raises(MissingApiKeyError, match="FINNHUB_API_KEY"):
        make_provider("finnhub", client=client, env={})
    with pytest.raises(InvalidInputError, match="ccxt"):
        make_provider("polygon", client=client, env=env, exchange="binance")


def test_time_range_from_dates_and_aware_datetimes() -> None:
    days = TimeRange.of(date(2024, 1, 2), date(2024, 1, 8))
    assert (days.start.isoformat(), days.stop.isoformat()) == ("2024-01-02T00:00:00+00:00", "2024-01-09T00:00:00+00:00")
    moment = TimeRange.of(datetime(2024, 1, 2, 14, 30, tzinfo=UTC), datetime(2024, 1, 2, 15, 0, tzinfo=UTC))
    assert moment.stop == pd.Timestamp("2024-01-02T15:00:00.000001Z")
    with pytest.raises(InvalidInputError, match="no timezone"):
        TimeRange.of(datetime(2024, 1, 2), date(2024, 1, 3))  # noqa: DTZ001 - the naive time is the point
    with pytest.raises(InvalidInputError, match="before start"):
        TimeRange.of(date(2024, 1, 8), date(2024, 1, 2))


def test_redact_hides_known_secrets_and_secret_looking_query_values() -> None:
    text = "GET https://x.test/q?symbol=AAPL&apikey=abc123&token=zzz header s3cr3t"
    assert redact(text, ["s3cr3t"]) == "GET https://x.test/q?symbol=AAPL&apikey=***&token=*** header ***"


def test_provider_errors_are_one_family() -> None:
    assert issubclass(NoBarsError, ProviderError) and issubclass(NoBarsError, InvalidInputError)
    assert issubclass(UnsupportedIntervalError, ProviderError)
