"""Trainable Models on the bundled S&P 500 index (arch-sp500): the engine's cut of the history
(a look-ahead detector), bit-identical replays of walk-forward retraining, priced fits in the books.

The detector perturbs every row of the data that became known after a time T and plays the Game
again: a fit at Round t sees rows known by t - c only, so every fit at a Round before T + c and
every decision, event and journal entry before T must stay as they were; and the perturbation must
show after (a fit's data hash, the books), or the test could not fail.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradegame as tg
from tradegame.cli import app
from tradegame.engine.game import Game, GameResult
from tradegame.engine.training_spec import Span, TrainingSpec
from tradegame.engine.universe import Universe
from tradegame.models import GbmClassifier, RegimeSwitch

CUTOFF_DAYS = 15


def _spec(training: TrainingSpec, *, seed: int = 3, end: date = date(2008, 6, 30)) -> tg.GameSpec:
    return tg.GameSpec(
        name="train",
        start=date(2008, 1, 2),
        end=end,
        start_fund=Decimal("100000"),
        seed=seed,
        data=(tg.DataSpec("arch-sp500", symbols=("SPX",)),),
        training=training,
    )


def _gbm() -> GbmClassifier:
    return GbmClassifier("SPX", max_iter=8, threshold=0.5, min_rows=50)


@pytest.fixture(scope="module")
def universe() -> Universe:
    return tg.load_game(_spec(TrainingSpec()), _gbm()).universe


def _play(spec: tg.GameSpec, universe: Universe, model: tg.Model | None = None) -> GameResult:
    return Game(spec, universe, model or _gbm()).run()


def _perturbed(universe: Universe, after_ns: int) -> Universe:
    """``universe`` with the prices of every row known after ``after_ns`` moved by a random factor."""
    panel = universe.panel
    later = panel.available > after_ns
    factor = 1.0 + np.random.default_rng(11).normal(0.0, 0.03, size=(int(later.sum()), len(panel.symbols)))
    fields = {}
    for name, grid in panel.fields.items():
        changed = grid.copy()
        if name in ("open", "high", "low", "close", "adj_close"):
            changed[later] = changed[later] * factor
        fields[name] = changed
    moved = dataclasses.replace(panel, fields=fields)
    return Universe(moved, universe.instruments, universe.actions, universe.fx_rates)


def _iso_ns(text: str) -> int:
    return int(pd.Timestamp(text).value)


def test_fits_never_see_a_row_after_the_cut_off_a_look_ahead_detector(universe: Universe) -> None:
    training = TrainingSpec(length=Span(1, "y"), cutoff=Span(CUTOFF_DAYS, "d"), every=3)
    spec = _spec(training, end=date(2008, 5, 30))
    cut = _iso_ns("2008-03-14T00:00:00Z")  # T: rows known after it are perturbed
    model = RegimeSwitch("SPX", trend=50, min_rows=20, min_count=5)  # numpy only: many fits stay cheap
    base, moved = _play(spec, universe, model), _play(spec, _perturbed(universe, cut), model)
    assert_no_look_ahead(base, moved, cut, CUTOFF_DAYS)


def assert_no_look_ahead(base: GameResult, moved: GameResult, cut: int, cutoff_days: int) -> None:
    """``moved`` is ``base`` played on data perturbed after ``cut``: every fit before ``cut`` plus the
    cut-off, and everything decided or booked before ``cut``, are as they were; later fits are not."""
    shift = timedelta(days=cutoff_days)
    assert len(base.training) == len(moved.training) > 8
    early = [(a, b) for a, b in zip(base.training, moved.training, strict=True)
             if pd.Timestamp(a.trained_at) - shift < pd.Timestamp(cut, tz="UTC")]  # fmt: skip
    late = [(a, b) for a, b in zip(base.training, moved.training, strict=True) if (a, b) not in early]
    # Every fit at a Round before T + c was handed the same rows and learned the same, even those at
    # Rounds after T, whose decide already saw the perturbed rows.
    after_t = [a for a, _ in early if pd.Timestamp(a.trained_at) > pd.Timestamp(cut, tz="UTC")]
    assert after_t, "no fit falls between T and T + c: the test would not check the cut-off"
    for before, after in early:
        assert (before.model, before.data_hash, before.params_hash, before.first_row, before.last_row) == (
            after.model, after.data_hash, after.params_hash, after.first_row, after.last_row
        )  # fmt: skip
        assert pd.Timestamp(before.last_row) <= pd.Timestamp(before.trained_at) - shift
    # ... and the later fits were handed perturbed rows: the detector can see a leak.
    assert late and all(a.data_hash != b.data_hash for a, b in late)
    # Nothing decided or booked before T changed; something after it did.
    t = pd.Timestamp(cut, tz="UTC")
    events = [[e.as_json() for e in r.events if pd.Timestamp(e.time) <= t] for r in (base, moved)]
    assert events[0] == events[1] and len(events[0]) > 5
    lines = [[line for line in r.ledger_jsonl().splitlines() if pd.Timestamp(_ts(line)) <= t] for r in (base, moved)]
    assert lines[0] == lines[1]
    assert base.ledger_jsonl() != moved.ledger_jsonl()


def _ts(line: str) -> str:
    import json

    return str(json.loads(line)["ts"])


def test_a_fit_is_handed_exactly_the_rows_known_at_t_minus_the_cut_off(universe: Universe) -> None:
    """A spy Model records each history it is handed: in sessions, the rows known at t less the last c."""
    seen: list[tuple[int, int, int]] = []  # round time, first and last label of the history

    class Spy(RegimeSwitch):
        def fit(self, history: tg.TrainingHistory) -> object:
            seen.append((history.round_time.value, int(history.labels[0]), int(history.labels[-1])))
            return super().fit(history)

    spec = _spec(TrainingSpec(length=Span(60, "s"), cutoff=Span(5, "s"), every=10), end=date(2008, 3, 31))
    result = _play(spec, universe, Spy("SPX", trend=20, min_rows=10, min_count=2))
    panel = universe.panel
    assert len(seen) == len(result.training) > 3
    for round_ns, first, last in seen:
        known = int(panel.available.searchsorted(round_ns, "right"))
        assert last == int(panel.labels[known - 1 - 5])
        assert first == int(panel.labels[known - 5 - 60])


def test_walk_forward_retraining_replays_bit_identically(universe: Universe) -> None:
    training = TrainingSpec(length=Span(2, "y"), cutoff=Span(5, "d"), every="monthly", expire_below=Decimal("-0.02"))
    spec = _spec(training, seed=9)
    first, second = _play(spec, universe), _play(spec, universe)
    assert first.ledger_jsonl() == second.ledger_jsonl()
    assert first.events_jsonl() == second.events_jsonl()
    assert [v.as_json() for v in first.training] == [v.as_json() for v in second.training]
    assert len(first.training) >= 6 and any(e.kind == "trained" for e in first.events)
    months = [m for version in first.training for m in version.months]
    assert months and all(m.months_since >= 0 for m in months)


def test_a_priced_fit_is_a_running_cost_and_the_books_balance(universe: Universe) -> None:
    training = TrainingSpec(length=Span(1, "y"), every=21, cost_per_fit=Decimal("2.50"))
    result = _play(_spec(training), universe)
    fits = len(result.training)
    assert fits >= 5
    ledger = result.books.running_cost("model-training").currency_ledger
    assert [line.units for line in ledger] == [Decimal("2.50")] * fits
    assert result.score.running_costs == Decimal("2.50") * fits
    charged = [e for e in result.events if e.kind == "running-cost" and e.symbol == "model-training"]
    assert len(charged) == fits
    for entry in result.books.entries:  # every journal entry balances, per commodity
        sums: dict[str, Decimal] = {}
        for posting in entry.postings:
            sums[posting.commodity] = sums.get(posting.commodity, Decimal(0)) + posting.units
        assert all(total == 0 for total in sums.values()) or any(p.value is not None for p in entry.postings)
    score = result.score
    assert score.score == score.final_value - score.start_capital
    assert score.gross_profit - score.fees - score.running_costs - score.taxes == score.score


def test_expiry_retires_a_decaying_version_and_says_why(universe: Universe) -> None:
    training = TrainingSpec(length=Span(1, "y"), every="never", expire_below=Decimal("0.5"), expire_months=1)
    result = _play(_spec(training), universe)  # no month returns 50%: every version expires after a month
    retired = [e for e in result.events if e.kind == "retired"]
    assert retired and "monthly return below +50.00% for 1 month(s)" in retired[0].detail
    assert result.training[0].retired_reason is not None and result.training[1].reason == "version 1 expired"


def test_check_reports_a_bad_training_table(tmp_path: Path) -> None:
    game = tmp_path / "game.toml"
    game.write_text(
        '[game]\nname = "t"\nstart = 2008-01-02\nend = 2008-03-31\nstart_fund = "1000"\n'
        '[[data]]\ndataset = "arch-sp500"\n[model]\nname = "gbm-classifier"\nparams = { symbol = "SPX" }\n'
        '[model.training]\nlength = "0y"\nevery = "hourly"\n'
    )
    result = CliRunner().invoke(app, ["check", str(game)])
    assert result.exit_code != 0
    assert "model.training.length: must be at least 1" in result.output + result.stderr
    assert "model.training.every: must be a number of Rounds" in result.output + result.stderr


EXAMPLE = Path(__file__).parents[2] / "examples" / "games" / "gbm-walkforward.toml"


def test_the_walk_forward_example_plays_and_games_show_lists_its_versions(tmp_path: Path) -> None:
    """The example Game file, recorded: its versions in ``games show --json`` (read back from the
    decision log) are the played ones, and a replay from the database gives the same books."""
    from tradegame.app.play import play_recorded, replay_stored
    from tradegame.data.store import MarketStore
    from tradegame.store import open_database

    db_path = tmp_path / "games.sqlite"
    store = MarketStore()
    with open_database(str(db_path)) as db:
        game_id, played = play_recorded(EXAMPLE, store, db)
        replayed = replay_stored(db, game_id, store)
    result = played.result
    assert replayed.result.ledger_jsonl() == result.ledger_jsonl()
    assert [v.as_json() for v in replayed.result.training] == [v.as_json() for v in result.training]
    versions = result.training
    assert len(versions) >= 8 and versions[0].reason == "first fit"
    assert any(v.retired_reason for v in versions), "the example shows an expiry"
    assert result.score.running_costs == Decimal("2.50") * len(versions)
    shown = CliRunner().invoke(app, ["games", "show", str(game_id), "--json", "--db", str(db_path)])
    assert shown.exit_code == 0, shown.output
    stored = __import__("json").loads(shown.stdout)["training"]
    expected = []
    for version in versions:
        record = version.as_json()
        record["data_hash"] = version.data_hash[:16]
        record["params_hash"] = version.params_hash[:16]
        expected.append(record)
    assert stored == __import__("json").loads(__import__("json").dumps(expected))


def _activator(fast: dict[str, object], slow: dict[str, object]) -> tg.Model:
    """An Activator over two regime Models, each trained by the engine on its own schedule."""
    from tradegame.app.models import find_model

    regime = {"name": "regime", "params": {"symbol": "SPX", "trend": 50, "min_rows": 20, "min_count": 5}}
    table = {
        "rule": "always-on",
        "shares": {"fast": "50%", "slow": "50%"},
        "models": [{"as": "fast", **regime, "training": fast}, {"as": "slow", **regime, "training": slow}],
    }
    model: tg.Model = find_model("activator").build(table)
    return model


def test_models_under_an_activator_are_fitted_on_their_own_schedules_without_look_ahead(
    universe: Universe,
) -> None:
    """The same detector on an Activator's trainable Models: each has its own L, c and schedule."""
    spec = dataclasses.replace(_spec(TrainingSpec(), end=date(2008, 5, 30)), training=None)
    fast = {"length": "1y", "cutoff": f"{CUTOFF_DAYS}d", "every": 3}
    slow = {"length": "120s", "cutoff": f"{CUTOFF_DAYS}d", "every": "monthly"}
    cut = _iso_ns("2008-03-14T00:00:00Z")
    base = _play(spec, universe, _activator(fast, slow))
    moved = _play(spec, _perturbed(universe, cut), _activator(fast, slow))
    assert_no_look_ahead(base, moved, cut, CUTOFF_DAYS)
    by_model = {name: [v for v in base.training if v.model == name] for name in ("fast", "slow")}
    assert [v.round for v in by_model["fast"]] == list(range(0, 3 * len(by_model["fast"]), 3))
    assert [v.trained_at[:7] for v in by_model["slow"]] == ["2008-01", "2008-02", "2008-03", "2008-04", "2008-05"]
    assert {v.rows for v in by_model["slow"]} == {120}
    trained = [e.detail for e in base.events if e.kind == "trained"]
    assert len(trained) == len(base.training) and trained[0].startswith("fast: version 1 (first fit): rows ")
    months = [m for v in by_model["slow"] for m in v.months]  # scored on its own sub-book
    assert months and all(m.months_since >= 0 for m in months)


def test_an_expired_version_under_an_activator_is_retired_in_the_log(universe: Universe) -> None:
    spec = dataclasses.replace(_spec(TrainingSpec(), end=date(2008, 4, 30)), training=None)
    expiring = {"length": "1y", "every": "never", "expire_below": "50%", "expire_months": 1}
    result = _play(spec, universe, _activator(expiring, {"length": "1y", "every": "never"}))
    retired = [e.detail for e in result.events if e.kind == "retired"]
    assert retired and retired[0].startswith("fast: version 1 retired: monthly return below +50.00% for 1 month(s)")
    fast = [v for v in result.training if v.model == "fast"]
    assert fast[0].retired_reason is not None and fast[1].reason == "version 1 expired"
    assert [v.version for v in result.training if v.model == "slow"] == [1]
