"""The training window the engine cuts, the monthly scores, and ``[model.training]`` read and written."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.unit.engine.game_kit import spec as game_spec
from tradegame.engine.gamefile import dump_game, parse_game
from tradegame.engine.training import fingerprint, training_window
from tradegame.engine.training_records import month_scores, records_from_log
from tradegame.engine.training_spec import Span, TrainingSpec, parse_every, parse_span
from tradegame.io.gamefile import GameFile


def _ns(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value)


# Ten daily rows, each known at 21:00 on its day: 2024-01-01 .. 2024-01-10.
AVAILABLE = np.array([_ns(f"2024-01-{day:02d} 21:00") for day in range(1, 11)], dtype=np.int64)


def test_a_cutoff_in_sessions_drops_the_latest_rows_known() -> None:
    spec = TrainingSpec(length=Span(4, "s"), cutoff=Span(2, "s"))
    assert training_window(AVAILABLE, 10, _ns("2024-01-10 21:00"), spec) == (4, 8)
    assert training_window(AVAILABLE, 2, _ns("2024-01-02 21:00"), spec) == (0, 0)  # nothing before the cut


def test_a_calendar_cutoff_keeps_the_rows_known_by_t_minus_c() -> None:
    spec = TrainingSpec(length=None, cutoff=Span(3, "d"))
    # t = 01-10 21:00, t - 3 days = 01-07 21:00: rows of 01-01 .. 01-07 (that one known exactly then).
    assert training_window(AVAILABLE, 10, _ns("2024-01-10 21:00"), spec) == (0, 7)
    assert training_window(AVAILABLE, 10, _ns("2024-01-10 20:59"), spec) == (0, 6)


def test_a_calendar_length_counts_back_from_the_last_row_kept() -> None:
    spec = TrainingSpec(length=Span(1, "w"), cutoff=Span(0, "d"))
    # The last row kept is 01-10's; a week before, 01-03 21:00: rows after it, 01-04 .. 01-10.
    assert training_window(AVAILABLE, 10, _ns("2024-01-10 21:00"), spec) == (3, 10)


def test_month_scores_compound_each_rounds_return_in_its_month() -> None:
    times = np.array([_ns(t) for t in ("2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-03-01")])
    values = np.array([100.0, 110.0, 99.0, 108.9, 0.0])
    scores = month_scores(values, times, 0, 4, times[0])
    assert [(s.month, s.months_since, s.rounds) for s in scores] == [
        ("2024-01", 0, 1),
        ("2024-02", 1, 2),
        ("2024-03", 2, 1),
    ]
    assert scores[0].value == pytest.approx(0.10) and scores[1].value == pytest.approx(-0.01)
    assert scores[2].value == pytest.approx(-1.0)
    assert month_scores(values, times, 2, 2, times[2]) == ()


def test_spans_and_periods_read_as_written() -> None:
    assert (
        parse_span("2y") == Span(2, "y") and parse_span(" 30d ") == Span(30, "d") and parse_span(250) == Span(250, "s")
    )
    assert parse_span("all", allow_all=True) is None
    for bad in ("all", "2", "-5d", "1.5y", True, 2.0):
        with pytest.raises(ValueError, match="must be a span"):
            parse_span(bad)
    assert parse_every(21) == 21 and parse_every("monthly") == "monthly"
    with pytest.raises(ValueError, match="must be a number of Rounds"):
        parse_every("daily")


@pytest.mark.parametrize(
    "training",
    [
        TrainingSpec(),
        TrainingSpec(length=None, cutoff=Span(5, "s"), every=21),
        TrainingSpec(Span(6, "m"), Span(30, "d"), "never", Decimal("2.50"), "main", Decimal("-0.025"), 3),
    ],
)
def test_a_training_table_round_trips(training: TrainingSpec) -> None:
    game = GameFile(replace(game_spec(), training=training), "gbm-classifier", {"symbol": "SPX"})
    text = dump_game(game)
    assert "[model.training]" in text
    assert parse_game(tomllib.loads(text)) == game


def test_spec_problems_name_the_training_fields() -> None:
    bad = TrainingSpec(Span(0, "y"), Span(-1, "s"), 0, Decimal("-1"), "nope", Decimal("-2"), 0)
    problems = replace(game_spec(), training=bad).problems()
    fields = {problem.split(":")[0] for problem in problems}
    assert {"training.length", "training.cutoff", "training.every", "training.cost_per_fit", "training.account",
            "training.expire_months", "training.expire_below"} <= fields  # fmt: skip


def test_fingerprints_are_stable_and_tell_states_apart() -> None:
    assert fingerprint({"a": 1}) == fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint(b"x") == fingerprint("x")


def test_records_read_back_from_the_log() -> None:
    detail = ("version 1 (first fit): rows 2024-01-01T00:00:00+00:00..2024-01-05T00:00:00+00:00 (5; length 1w, "
              "cutoff 0s); params 0123456789abcdef, data fedcba9876543210")  # fmt: skip
    times = np.array([_ns(f"2024-01-{day:02d}") for day in (8, 9, 10)])
    events = [
        (0, "2024-01-08T21:00:00+00:00", "running-cost", "model-training", "2.50 USD"),
        (0, "2024-01-08T21:00:00+00:00", "trained", None, detail),
        (2, "2024-01-10T21:00:00+00:00", "retired", None, "version 1 retired: monthly return below -2.00%"),
    ]
    (record,) = [v.as_json() for v in records_from_log(events, times, np.array([100.0, 101.0, 99.99]))]
    assert record["span"] == {"first": "2024-01-01T00:00:00+00:00", "last": "2024-01-05T00:00:00+00:00", "rows": 5}
    assert (record["cost"], record["last_round"], record["retired"]) == ("2.50", 2, "monthly return below -2.00%")
    assert record["params_hash"] == "0123456789abcdef"
    assert record["months"] == [{"month": "2024-01", "months_since": 0, "rounds": 2, "return": pytest.approx(-0.0001)}]


def test_records_of_models_under_an_activator_read_back_by_name() -> None:
    """Lines starting ``alias: `` are that Model's; its retirement and next version are its own."""
    line = ("{who}version {n} ({why}): rows 2024-01-01T00:00:00+00:00..2024-01-05T00:00:00+00:00 (5; length 1w, "
            "cutoff 0s); params 0123456789abcdef, data fedcba9876543210")  # fmt: skip
    times = np.array([_ns(f"2024-01-{day:02d}") for day in (8, 9, 10, 11)])
    events = [
        (0, "2024-01-08T21:00:00+00:00", "trained", None, line.format(who="fast: ", n=1, why="first fit")),
        (0, "2024-01-08T21:00:00+00:00", "trained", None, line.format(who="slow: ", n=1, why="first fit")),
        (2, "2024-01-10T21:00:00+00:00", "retired", None, "fast: version 1 retired: too slow"),
        (2, "2024-01-10T21:00:00+00:00", "trained", None, line.format(who="fast: ", n=2, why="version 1 expired")),
    ]
    records = [v.as_json() for v in records_from_log(events, times, np.array([100.0, 101.0, 99.0, 98.0]))]
    shown = [(r.get("model"), r["version"], r["last_round"], r["retired"], r["months"]) for r in records]
    assert shown == [("fast", 1, 2, "too slow", []), ("slow", 1, 3, None, []), ("fast", 2, 3, None, [])]
    members = {"fast": np.array([1.0, 1.1, 0.99])}  # its record, one session short: held to the end
    records = [v.as_json() for v in records_from_log(events, times, np.array([100.0, 101.0, 99.0, 98.0]), members)]
    months = [(r.get("model"), r["version"], [(m["rounds"], round(m["return"], 12)) for m in r["months"]])  # type: ignore[attr-defined]
              for r in records]  # fmt: skip
    assert months == [("fast", 1, [(2, -0.01)]), ("slow", 1, []), ("fast", 2, [(1, 0.0)])]
