"""`tradegame experiment report`: the analyses of a small stored experiment as JSON and as an HTML
page that draws in headless Chromium; a wrong id or option is exit 2 with nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.integration.test_html_report import CHROMIUM, CHROMIUM_ARGS, sync_playwright  # noqa: F401 (a fixture)
from tradegame.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]

EXPERIMENT = """
[experiment]
name = "small-report"
game = "base.toml"
seed = 7

[axes.start]
from = 2006-01-02
to = 2008-12-31
session_of_month = 1

[axes]
length = ["3m"]
schedule = ["daily", "weekly"]

[[axes.model]]
name = "sma-crossover"
params = { symbol = "SPX" }
grid = { fast = [5], slow = [20] }
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """72 Games (36 first sessions of a month x daily and weekly Rounds) in a SQLite file."""
    folder = tmp_path_factory.mktemp("experiment")
    (folder / "base.toml").write_text((ROOT / "examples" / "experiments" / "spx-base.toml").read_text())
    (folder / "exp.toml").write_text(EXPERIMENT)
    db = folder / "games.sqlite"
    result = runner.invoke(app, ["experiment", "run", str(folder / "exp.toml"), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["played"] == 72
    return db, summary["experiment_id"]


def test_the_json_report_answers_each_question(stored: tuple[Path, str]) -> None:
    db, experiment_id = stored
    result = runner.invoke(app, ["experiment", "report", experiment_id, "--db", str(db), "--json",
                                 "--selected", "2018-12-31"])  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert set(found) == {
        "experiment", "universe", "summary", "seasonality", "crash_stress", "schedules", "capacity", "time_of_day",
        "universes", "training_windows", "training_decay",
    }  # fmt: skip
    assert found["experiment"] == {"id": experiment_id, "name": "small-report", "games_planned": 72, "games_stored": 72}
    statement = found["universe"]["statement"]
    assert "dataset arch-sp500 (S&P 500 index (SPX)" in statement and "Selected on 2018-12-31" in statement
    assert "Survivorship risk: not stated" in statement
    assert set(found["seasonality"]["arms"]) == {"schedule=daily", "schedule=weekly"}
    daily = found["seasonality"]["arms"]["schedule=daily"]
    assert daily["games"] == 36 and daily["blocks"] == 3 and daily["note"] == ""  # 3-month Games
    assert {g["label"] for g in daily["groupings"]["month"]["score"]["groups"]} == {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}  # fmt: skip
    assert found["seasonality"]["correction"] == "holm"
    window = found["crash_stress"]["windows"]["before 2008"]["arms"]["schedule=daily"]
    assert window["games"] == sum(window["outcomes"].values()) > 0
    assert found["crash_stress"]["windows"]["before 2020"]["arms"] == {}  # the bundled data ends in 2018
    schedules = found["schedules"]["arms"]["all"]["schedules"]
    assert [row["schedule"] for row in schedules] == ["daily", "weekly"] and schedules[1]["versus_most_frequent"]
    assert found["capacity"]["arms"] == {}
    assert found["time_of_day"]["arms"] == {} and "axes.hour" in found["time_of_day"]["note"]
    assert found["universes"]["universes"] == [] and "sector" in found["universes"]["note"]
    assert all(row["turnover"] is not None for row in schedules)  # the rows carry it now


def test_the_html_report_has_the_heatmap_and_one_plotly(stored: tuple[Path, str], tmp_path: Path) -> None:
    db, experiment_id = stored
    path = tmp_path / "report.html"
    result = runner.invoke(app, ["experiment", "report", experiment_id, "--db", str(db), "-o", str(path)])
    assert result.exit_code == 0, result.output
    page = path.read_text()
    assert 'data-chart="heatmap-0"' in page and 'data-chart="season-0-month"' in page
    assert 'data-chart="schedules"' in page and 'data-chart="crash-drawdowns"' in page
    assert page.count("https://github.com/plotly/plotly.js") <= 1 and page.count("plotly.js v") == 1
    assert "Survivorship risk" in page and ("No evidence that" in page or "Evidence that" in page)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["no-such-experiment"], "no experiment 'no-such-experiment'"),
        (["ID", "--crash-window", "2008"], "--crash-window '2008': expected NAME=YYYY-MM-DD:YYYY-MM-DD"),
        (["ID", "--selected", "yesterday"], "--selected 'yesterday': expected a date"),
    ],
)
def test_a_wrong_id_or_option_is_exit_2_and_nothing_written(
    stored: tuple[Path, str], tmp_path: Path, arguments: list[str], expected: str
) -> None:
    db, experiment_id = stored
    arguments = [experiment_id if a == "ID" else a for a in arguments]
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["experiment", "report", *arguments, "--db", str(db), "-o", str(out)])
    assert result.exit_code == 2
    assert expected in result.output
    assert not out.exists()


def test_every_chart_of_the_report_draws_in_chromium(
    sync_playwright: Any,  # noqa: F811 (the fixture imported above)
    stored: tuple[Path, str],
    tmp_path: Path,
) -> None:
    db, experiment_id = stored
    path = tmp_path / "report.html"
    assert runner.invoke(app, ["experiment", "report", experiment_id, "--db", str(db), "-o", str(path)]).exit_code == 0
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.set_default_timeout(60_000)
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: None if request.url.startswith("file:") else outside.append(request.url))
            page.goto(path.as_uri(), wait_until="load")
            charts = page.evaluate("Array.from(document.querySelectorAll('[data-chart]')).map(d => d.id)")
            assert {"chart-heatmap-0", "chart-season-0-month", "chart-schedules", "chart-crash-drawdowns"} <= set(
                charts
            )
            page.wait_for_function(
                """() => Array.from(document.querySelectorAll('[data-chart]')).every(
                       d => d.querySelector('.plot-container svg.main-svg'))"""
            )
            drawn = page.evaluate(
                """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-chart]')).map(d => {
                       const plot = d.querySelector('.plot-container svg.main-svg .cartesianlayer');
                       const marks = plot ? Array.from(plot.querySelectorAll('.trace path, .trace .point, .hm image'))
                           .filter(e => e.tagName === 'image' || (e.getAttribute('d') || '').length > 2) : [];
                       return [d.id, marks.length];
                   }))"""
            )
            assert all(count >= 1 for count in drawn.values()), drawn
            assert page.inner_text("#universe").startswith("Universe: dataset arch-sp500")
        finally:
            browser.close()
    assert errors == [] and outside == []
