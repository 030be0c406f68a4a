"""The UTC year of a Round's time (schedule.py's search over year starts) against numpy's calendar."""

from __future__ import annotations

import numpy as np

from tradegame.engine.schedule import _utc_years


def _calendar_years(ns: np.ndarray) -> np.ndarray:
    return ns.astype("datetime64[ns]").astype("datetime64[Y]").astype(np.int64) + 1970


def test_years_match_the_calendar_around_every_new_year() -> None:
    starts = (np.arange(1700, 2250) - 1970).astype("datetime64[Y]").astype("datetime64[ns]").astype(np.int64)
    random = np.random.default_rng(15).integers(starts[0], starts[-1], 5_000)
    for ns in (np.concatenate([starts - 1, starts, starts + 1, random]), random[:1], starts[200:201] - 1):
        years = _utc_years(ns)
        assert years.dtype == np.int64
        assert np.array_equal(years, _calendar_years(ns))


def test_no_times_no_years() -> None:
    assert len(_utc_years(np.array([], dtype=np.int64))) == 0
