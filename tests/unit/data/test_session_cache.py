"""Sessions kept on disk: the same table as exchange-calendars builds, rebuilt when the file is bad."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tradegame.data import calendars


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(calendars, "_BUILT", {})
    monkeypatch.setattr(calendars, "_TABLES", {})
    return tmp_path / "tradegame" / "calendars"


def _reference(first: int, last: int) -> pd.DataFrame:
    cal = calendars._calendar("XNYS", first, last)
    return cal.schedule[["open", "close"]]


def test_the_stored_table_equals_the_calendars_schedule(fresh_cache: Path) -> None:
    built = calendars._session_table("XNYS", 2007, 2009)
    (stored,) = fresh_cache.glob("XNYS-2007-2009-*.npz")
    calendars._BUILT.clear()
    read = calendars._session_table("XNYS", 2007, 2009)  # from the file
    for table in (built, read):
        pd.testing.assert_frame_equal(table, _reference(2007, 2009), check_freq=False, check_names=False)
    assert stored.stat().st_size > 0
    assert not list(fresh_cache.glob("*.tmp"))  # written whole, then renamed


def test_a_half_written_file_is_rebuilt(fresh_cache: Path) -> None:
    calendars._session_table("XNYS", 2010, 2010)
    (stored,) = fresh_cache.glob("XNYS-2010-2010-*.npz")
    stored.write_bytes(stored.read_bytes()[:100])  # a process killed while writing
    calendars._BUILT.clear()
    table = calendars._session_table("XNYS", 2010, 2010)
    pd.testing.assert_frame_equal(table, _reference(2010, 2010), check_freq=False, check_names=False)


def test_sessions_and_closes_read_through_the_table(fresh_cache: Path) -> None:
    labels = calendars.sessions("XNYS", "2008-12-22", "2009-01-05")
    assert [d.strftime("%m-%d") for d in labels] == ["12-22", "12-23", "12-24", "12-26", "12-29", "12-30", "12-31",
                                                     "01-02", "01-05"]  # fmt: skip
    closes = pd.DatetimeIndex(calendars.session_closes("XNYS", labels), tz="UTC")
    assert closes[2] == pd.Timestamp("2008-12-24 18:00", tz="UTC")  # the early close before Christmas
    assert closes[0] == pd.Timestamp("2008-12-22 21:00", tz="UTC")


def test_an_unknown_calendar_is_refused(fresh_cache: Path) -> None:
    with pytest.raises(calendars.DataError, match="unknown calendar"):
        calendars.session_table("XXXX", "2010-01-01", "2010-12-31")
    assert not fresh_cache.exists() or not list(fresh_cache.iterdir())


def test_a_range_inside_a_table_in_hand_is_answered_by_it(fresh_cache: Path) -> None:
    wide = calendars.session_table("XNYS", "2000-01-01", "2010-12-31")
    calendars._BUILT.clear()  # as in a new process that read the wide table from the cache
    assert calendars.session_table("XNYS", "2005-03-01", "2006-06-30") is wide
    assert [path.name.split("-xcals")[0] for path in fresh_cache.glob("*.npz")] == ["XNYS-2000-2010"]


def test_the_cache_is_keyed_by_the_installed_exchange_calendars_version() -> None:
    import exchange_calendars

    assert calendars._xcals_version() == exchange_calendars.__version__
