"""The Round loop's time conversions, against the standard library's own arithmetic."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.engine.timestamps import utc_date_from_ns, utc_from_ns

NS_PER_DAY = 86_400_000_000_000


def test_the_utc_day_of_a_stamp_worked_by_hand() -> None:
    assert utc_date_from_ns(0) == date(1970, 1, 1)
    assert utc_date_from_ns(NS_PER_DAY - 1) == date(1970, 1, 1)  # the last nanosecond of the day
    assert utc_date_from_ns(NS_PER_DAY) == date(1970, 1, 2)
    assert utc_date_from_ns(-1) == date(1969, 12, 31)  # before the epoch: the day before, not day 0
    assert utc_date_from_ns(-NS_PER_DAY) == date(1969, 12, 31)
    assert utc_date_from_ns(1_706_745_600_000_000_000) == date(2024, 2, 1)  # 2024-02-01T00:00Z


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_the_utc_day_of_any_int64_stamp_is_its_instants_day(ns: int) -> None:
    instant = utc_from_ns(ns)
    assert utc_date_from_ns(ns) == instant.date()
