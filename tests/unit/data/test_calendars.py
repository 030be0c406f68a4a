"""Calendars and Round schedules against dates anyone can check on a wall calendar."""

from __future__ import annotations

import pandas as pd
import pytest

from tradegame.data.calendars import available_times, round_times, session_closes, sessions
from tradegame.data.errors import DataError


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_nyse_sessions_skip_weekends_and_holidays_in_2008() -> None:
    days = sessions("XNYS", "2008-12-22", "2009-01-05")
    # Christmas (Thu 25th) and New Year's Day (Thu 1st) are holidays; weekends are not sessions.
    assert [d.date().isoformat() for d in days] == [
        "2008-12-22", "2008-12-23", "2008-12-24", "2008-12-26", "2008-12-29",
        "2008-12-30", "2008-12-31", "2009-01-02", "2009-01-05",
    ]  # fmt: skip
    assert str(days.tz) == "UTC"


def test_calendar_reaches_back_past_the_default_twenty_years() -> None:
    assert len(sessions("XNYS", "1999-01-04", "1999-01-08")) == 5


def test_korea_exchange_sessions() -> None:
    # KRX was closed on 2020-01-01 (New Year) and 2020-01-24..27 (Seollal); it opened 2020-01-02.
    days = sessions("XKRX", "2020-01-01", "2020-01-28")
    dates = {d.date().isoformat() for d in days}
    assert "2020-01-01" not in dates and "2020-01-02" in dates
    assert not {"2020-01-24", "2020-01-27"} & dates and "2020-01-28" in dates


def test_daily_rounds_are_at_the_close_in_utc_across_daylight_saving() -> None:
    rounds = round_times("XNYS", "2008-03-07", "2008-03-10", "daily")
    # New York moved to daylight time on 2008-03-09: the close moves from 21:00 to 20:00 UTC.
    assert list(rounds) == [utc("2008-03-07 21:00"), utc("2008-03-10 20:00")]


def test_early_close_moves_the_round() -> None:
    (friday,) = round_times("XNYS", "2019-11-29", "2019-11-29", "daily")
    assert friday == utc("2019-11-29 18:00")  # day after Thanksgiving: 13:00 New York


def test_weekly_and_monthly_rounds_use_the_first_session_of_each_period() -> None:
    monthly = round_times("XNYS", "2008-01-01", "2008-04-30", "monthly")
    assert [r.date().isoformat() for r in monthly] == ["2008-01-02", "2008-02-01", "2008-03-03", "2008-04-01"]
    weekly = round_times("XNYS", "2008-12-22", "2009-01-09", "weekly")
    assert [r.date().isoformat() for r in weekly] == ["2008-12-22", "2008-12-29", "2009-01-05"]


def test_hourly_rounds_end_each_trading_hour_and_the_close() -> None:
    rounds = round_times("XNYS", "2019-11-29", "2019-11-29", "hourly")
    assert list(rounds) == [utc(f"2019-11-29 {h}:00") for h in (15, 16, 17, 18)]
    crypto = round_times("24/7", "2020-03-01", "2020-03-01", "hourly")
    assert len(crypto) == 24 and crypto[-1] == utc("2020-03-02 00:00")


def test_crypto_and_fx_calendars() -> None:
    assert len(sessions("24/7", "2020-03-01", "2020-03-07")) == 7
    assert len(sessions("24/5", "2020-03-01", "2020-03-07")) == 5


def test_bars_become_known_at_the_end_of_their_period() -> None:
    labels = pd.DatetimeIndex(["2008-10-09", "2008-10-11"], tz="UTC")
    known = pd.DatetimeIndex(session_closes("XNYS", labels), tz="UTC")
    assert list(known) == [utc("2008-10-09 20:00"), utc("2008-10-12 00:00")]  # a Saturday is not a session
    hours = pd.DatetimeIndex(["2017-01-02 10:00"], tz="UTC")
    assert pd.Timestamp(available_times(hours, "1h", "24/5")[0], tz="UTC") == utc("2017-01-02 11:00")
    month = pd.DatetimeIndex(["2024-02-01"], tz="UTC")
    assert pd.Timestamp(available_times(month, "1mo", "24/7")[0], tz="UTC") == utc("2024-03-01")


def test_unknown_calendar_and_schedule_are_refused() -> None:
    with pytest.raises(DataError, match="unknown calendar 'NOPE'"):
        sessions("NOPE", "2020-01-01", "2020-02-01")
    with pytest.raises(DataError, match="unknown schedule"):
        round_times("XNYS", "2020-01-01", "2020-02-01", "fortnightly")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="no session"):
        round_times("XNYS", "2020-01-04", "2020-01-05", "daily")
