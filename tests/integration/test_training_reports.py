"""The reports of trained Models: the Game report's "Model versions" section (the decay curve) for
the walk-forward example, and the training-windows experiment report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradegame.engine.training_records import MonthScore, TrainedVersion
from tradegame.reporting.html_parts import _e as _e_html
from tradegame.reporting.html_training import decay_curve

EXAMPLES = Path(__file__).parents[2] / "examples"


def _version(number: int, returns: tuple[float, ...]) -> TrainedVersion:
    months = tuple(MonthScore(f"2008-{i + 1:02d}", i, 20, value) for i, value in enumerate(returns))
    return TrainedVersion(number, 0, "2008-01-02T21:00:00+00:00", "first fit", "a", "b", 10, "d", "p", months=months)


def test_the_decay_curve_is_the_mean_over_the_versions_that_reach_each_month() -> None:
    months, means, counts = decay_curve([_version(1, (0.02, -0.01, 0.04)), _version(2, (0.00, 0.03))])
    assert months == [0, 1, 2] and counts == [2, 2, 1]
    assert means == pytest.approx([0.01, 0.01, 0.04])


def test_the_experiment_decay_curve_averages_the_games_by_month_since_training() -> None:
    """Hand-worked: two Games of one arm (and one of another); each month's mean is over the Games
    that reached it, per Model; a Game that did not train adds nothing."""
    import pandas as pd

    from tradegame.engine.training_records import decay_points
    from tradegame.experiments.analysis_training import decay_across_games

    one = decay_points([_version(1, (0.02, -0.01)), _version(2, (0.04,))])  # month 0: (0.02 + 0.04) / 2
    assert one == [{"model": None, "months_since": 0, "return": pytest.approx(0.03), "versions": 2},
                   {"model": None, "months_since": 1, "return": -0.01, "versions": 1}]  # fmt: skip
    two = [{"model": None, "months_since": 0, "return": 0.01, "versions": 1}]
    frame = pd.DataFrame({"arm": ["a", "a", "b", "a"], "decay": [one, two, two, None],
                          "start": pd.to_datetime(["2004-01-02", "2006-01-03", "2004-01-02", "2008-01-02"])})  # fmt: skip
    found = decay_across_games(frame)["arms"]
    (curve,) = found["a"]
    assert [(m["months_since"], m["games"]) for m in curve["months"]] == [(0, 2), (1, 1)]
    assert [m["mean"] for m in curve["months"]] == pytest.approx([0.02, -0.01])
    assert found["b"][0]["months"][0]["mean"] == pytest.approx(0.01)
    assert decay_points([]) is None


def test_the_game_report_of_the_walk_forward_example_shows_its_versions() -> None:
    from tradegame.app.play import play_file
    from tradegame.data.store import MarketStore
    from tradegame.reporting.html_report import render_html

    played = play_file(EXAMPLES / "games" / "gbm-walkforward.toml", MarketStore())
    versions = played.result.training
    page = render_html(played.result, played.universe, definition=played.game_file)
    assert '<section id="model-versions">' in page and 'data-chart="decay"' in page
    assert '<a href="#model-versions">Model versions</a>' in page
    assert '<section id="models">' not in page  # one Model: no score by Model
    assert page.count("<tr><td>") >= len(versions)  # one row per version (and other tables' rows)
    for version in versions:
        assert f"<td>{version.trained_at.replace('T', ' ')[:16]}</td>" in page
    retired = next(v for v in versions if v.retired_reason)
    assert retired.retired_reason is not None and _e_html(retired.retired_reason) in page
    assert f"{len(versions)} versions." in page and "out of sample" in page


def test_the_training_windows_example_runs_and_its_report_compares_the_windows(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from tradegame.cli import app

    runner = CliRunner()
    db = tmp_path / "games.sqlite"
    example = EXAMPLES / "experiments" / "training-windows.toml"
    ran = runner.invoke(app, ["experiment", "run", str(example), "--workers", "2", "--db", str(db), "--json"])
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.output)
    assert summary["played"] == 20 and summary["errors"] == 0
    report = ["experiment", "report", summary["experiment_id"], "--db", str(db)]
    shown = runner.invoke(app, [*report, "--json"])
    assert shown.exit_code == 0, shown.output
    found = json.loads(shown.output)["training_windows"]
    (arm,) = found["arms"].values()
    labels = [row["training"] for row in arm["windows"]]
    assert labels == ["L=1y c=0d", "L=1y c=30d", "L=2y c=0d", "L=2y c=30d"] and arm["reference"] == "L=1y c=0d"
    assert [row["games"] for row in arm["windows"]] == [5, 5, 5, 5]
    assert [row["versus_reference"]["score"]["starts"] for row in arm["windows"][1:]] == [5, 5, 5]
    assert "out of sample by construction" in found["note"].lower()
    page = tmp_path / "report.html"
    assert runner.invoke(app, [*report, "-o", str(page)]).exit_code == 0
    html = page.read_text()
    assert '<section id="training-windows">' in html and 'data-chart="training-windows"' in html
    decay = json.loads(shown.output)["training_decay"]  # the decay curve averaged over each window's Games
    assert sorted(decay["arms"]) == [f"training={label}" for label in labels]
    for curves in decay["arms"].values():
        (curve,) = curves  # the Game's own Model
        first = curve["months"][0]
        assert curve["model"] is None and first["months_since"] == 0 and first["games"] == 5
        assert all(m["low"] <= m["mean"] <= m["high"] and 1 <= m["games"] <= 5 for m in curve["months"])
    assert '<section id="training-decay">' in html and 'data-chart="training-decay"' in html
