"""The Round schedule: when a Game's Rounds are, which tax year each knows, which corporate
actions the Game applies, and (for a Model that sleeps) which Rounds must be played at all.

Pure functions of the Game's spec and data: ``round_times`` follows the README's rule for the
schedule (exchange-calendar closes, an irregular list, or growing gaps); ``quiet_plan`` asks the
Model's ``wake`` (wake.py) and hands the answer to ``quiet.plan_quiet``. Imports pandas, numpy,
the data's calendars and the engine's spec, universe and quiet modules; never game.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradegame.data.calendars import round_times as calendar_round_times
from tradegame.data.calendars import session_closes, sessions
from tradegame.data.errors import DataError
from tradegame.data.panel import Panel
from tradegame.engine.context import Model
from tradegame.engine.quiet import QuietPlan, plan_quiet
from tradegame.engine.spec import GameSpec
from tradegame.engine.universe import CorporateAction, Universe
from tradegame.engine.wake import Signals

__all__ = ["actions_in_play", "quiet_plan", "round_times", "tax_years"]


def round_times(spec: GameSpec, panel: Panel) -> np.ndarray:
    """The int64 ns times of the Game's Rounds; a ``DataError`` names what the data has no room for."""
    if not panel.rows:
        raise DataError("data: the dataset has no bars")
    data_end = pd.Timestamp(panel.labels[-1], tz="UTC")
    start = pd.Timestamp(spec.start, tz="UTC")
    end = pd.Timestamp(spec.end, tz="UTC") if spec.end else data_end
    if start < pd.Timestamp(panel.labels[0], tz="UTC") or start > data_end:
        raise DataError(
            f"start: {spec.start} is outside the data ({pd.Timestamp(panel.labels[0]).date()} to {data_end.date()})"
        )
    if end > data_end:
        raise DataError(f"end: {spec.end} is after the data ends ({data_end.date()})")
    code = spec.calendar or panel.calendar
    if spec.round_times:
        times = pd.DatetimeIndex([pd.Timestamp(t) for t in spec.round_times])
        if times.tz is None:
            times = times.tz_localize("UTC")
        ns = np.sort(times.tz_convert("UTC").as_unit("ns").asi8)
    elif spec.round_intervals or spec.round_interval_days is not None:
        ns = _growing_gaps(spec, code, start, end)
    else:
        assert spec.schedule is not None
        ns = calendar_round_times(code, start, end, spec.schedule).as_unit("ns").asi8
    if spec.rounds is not None:
        if len(ns) < spec.rounds:
            raise DataError(f"rounds: the data has room for {len(ns)} rounds, not {spec.rounds}")
        ns = ns[: spec.rounds]
    if not len(ns):
        raise DataError("schedule: no round falls between start and end")
    return np.asarray(ns, dtype=np.int64)


def _growing_gaps(spec: GameSpec, code: str, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Each Round at the close of the first session on or after the previous Round's session day
    plus the next gap (``GameSpec.round_gaps``: the list's last gap repeats; or growing)."""
    days = sessions(code, start, end)
    closes = session_closes(code, days)
    picked, day, gaps = [], start, spec.round_gaps()
    while True:
        index = int(np.searchsorted(days.as_unit("ns").asi8, day.value))
        if index >= len(days):
            break
        picked.append(closes[index])
        gap = next(gaps)
        if gap > (days[-1] - days[index]).days:
            break  # past the last session (and no Timedelta overflow on a huge gap)
        day = days[index] + pd.Timedelta(days=gap)
    return np.asarray(picked, dtype=np.int64)


def tax_years(panel: Panel, times: np.ndarray, latest_rows: np.ndarray) -> np.ndarray:
    """Per Round, the year its latest known bar belongs to (the Round's own year before any bar).

    A year's tax is recorded at the first Round that knows a bar of the next year, after that
    Round's fills: with hourly Rounds on daily bars, not before the fills of the year's first
    session, which the books must see first (they keep time order)."""
    years = _utc_years(panel.labels[np.clip(latest_rows, 0, None)])
    before = latest_rows < 0  # no bar known yet: the Round's own year
    if before.any():
        years[before] = _utc_years(times[before])
    return years


def _utc_years(ns: np.ndarray) -> np.ndarray:
    """The UTC calendar year of each int64 ns timestamp: found among the first instants of the
    years they span (a search, not a calendar conversion of every timestamp)."""
    ns = np.asarray(ns, dtype=np.int64)
    if not len(ns):
        return ns.copy()
    bounds = np.array([ns.min(), ns.max()]).astype("datetime64[ns]").astype("datetime64[Y]").astype(np.int64)
    first, last = int(bounds[0]), int(bounds[1])  # years since 1970
    starts = np.arange(first + 1, last + 1).astype("datetime64[Y]").astype("datetime64[ns]").astype(np.int64)
    years: np.ndarray = np.searchsorted(starts, ns, side="right") + (first + 1970)
    return years


def actions_in_play(spec: GameSpec, universe: Universe, latest_rows: np.ndarray) -> dict[int, list[CorporateAction]]:
    """The corporate actions a Game applies (row -> actions): those dated on or after its start
    day, up to the last row its last Round knows and the row after it (on which the end's sales
    fill under next-open fills).

    An action before the start is already in the Game's starting state: an initial Position's
    quantity is what was held going into the start day, whenever it was acquired, so a split or
    dividend before the start never applies to it (nor is paid), while one whose ex-date is the
    start day itself does (the start day's session opens after the Position was held). The data
    before the start only serves as history for the Model."""
    start_ns = pd.Timestamp(spec.start, tz="UTC").value
    first = int(np.searchsorted(universe.panel.labels, start_ns, side="left"))
    last = int(latest_rows[-1]) + 1
    return {row: actions for row, actions in universe.actions.items() if first <= row <= last}


def quiet_plan(
    model: Model,
    universe: Universe,
    spec: GameSpec,
    times: np.ndarray,
    latest_rows: np.ndarray,
    years: np.ndarray,
    action_rows: np.ndarray,
) -> QuietPlan | None:
    """For a Model that offers ``wake`` (see wake.py and quiet.py): the Rounds that must be played;
    None when the Model needs every Round."""
    wake_of = getattr(model, "wake", None)
    wake = None if wake_of is None else wake_of(Signals(universe, times, latest_rows))
    if wake is None:
        return None
    new_year = np.zeros(len(times), dtype=bool)
    if spec.tax is not None:
        new_year[1:] = years[1:] != years[:-1]
    return plan_quiet(wake, times, latest_rows, new_year, spec.running_costs, action_rows)
