"""The hour and universe axes end to end: small experiments on the bundled hourly EURUSD and on
bokeh-stocks (which carry volume) run, store the trading numbers, report time of day, the
universes and the capacity curve (drawn in Chromium); bad values are exit 2 with nothing written;
the shipped examples plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.integration.test_html_report import CHROMIUM, CHROMIUM_ARGS, sync_playwright  # noqa: F401 (a fixture)
from tradegame.cli import app
from tradegame.data.store import MarketStore
from tradegame.experiments.replay import replay_experiment_game
from tradegame.store import open_database
from tradegame.store.experiments import experiment_rows, load_experiment_record

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "experiments"

HOURS = """
[experiment]
name = "hours"
game = "eurusd-base.toml"
seed = 3

[axes.start]
from = 2017-02-01
to = 2017-11-20
every = 20

[axes]
length = ["1m"]
hour = [2, 8, 14, 20]
"""

FISH = """
[experiment]
name = "fish"
game = "bokeh-base.toml"
seed = 5

[axes.start]
from = 2006-01-03
to = 2007-12-31
session_of_month = 1
every = 3

[axes]
length = ["3m"]
start_fund = ["100000", "1000000000"]

[[axes.universe]]
name = "all four"

[[axes.universe]]
name = "under 50 dollars"
price = ["0", "50"]
"""


def write(folder: Path, text: str, base: str) -> Path:
    (folder / base).write_text((EXAMPLES / base).read_text())
    path = folder / "exp.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Both experiments in one SQLite file: their ids by name."""
    db = tmp_path_factory.mktemp("db") / "games.sqlite"
    ids = {}
    for name, text, base in (("hours", HOURS, "eurusd-base.toml"), ("fish", FISH, "bokeh-base.toml")):
        path = write(tmp_path_factory.mktemp(name), text, base)
        result = runner.invoke(app, ["experiment", "run", str(path), "--db", str(db), "--workers", "2", "--json"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        assert summary["errors"] == 0, summary
        ids[name] = summary["experiment_id"]
    return db, ids


def report(db: Path, experiment_id: str) -> dict[str, Any]:
    result = runner.invoke(app, ["experiment", "report", experiment_id, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_rows_carry_the_trading_numbers_and_each_universe_s_symbols(stored: tuple[Path, dict[str, str]]) -> None:
    db, ids = stored
    with open_database(str(db)) as database:
        hours = experiment_rows(database, ids["hours"])
        fish = experiment_rows(database, ids["fish"])
    assert len(hours) == 11 * 4 and {row["coordinates"]["hour"] for row in hours} == {2, 8, 14, 20}  # type: ignore[index]
    for row in hours + fish:
        assert row["traded_value"] is not None and row["traded_value"] >= 0  # type: ignore[operator]
        assert row["turnover"] == pytest.approx(float(row["traded_value"]) / float(row["start_capital"]))  # type: ignore[arg-type]
    picked = {row["coordinates"]["universe"]["name"]: row["coordinates"]["symbols"] for row in fish}  # type: ignore[index]
    assert picked["all four"] == ["AAPL", "GOOG", "IBM", "MSFT"] and picked["under 50 dollars"] == ["MSFT"]
    # A billion dollars cannot be bought at 1% of the bars' volume in a day: the cap cuts fills.
    big = [row for row in fish if row["coordinates"]["start_fund"] == "1000000000"]  # type: ignore[index]
    small = [row for row in fish if row["coordinates"]["start_fund"] == "100000"]  # type: ignore[index]
    assert all(row["capped_fills"] > 0 for row in big) and all(row["capped_fills"] == 0 for row in small)  # type: ignore[operator]


def test_the_stored_definition_keeps_every_axis(stored: tuple[Path, dict[str, str]]) -> None:
    db, ids = stored
    with open_database(str(db)) as database:
        hours = load_experiment_record(database, ids["hours"])["definition"]
        fish = load_experiment_record(database, ids["fish"])["definition"]
    assert isinstance(hours, dict) and isinstance(fish, dict)
    assert hours["axes"]["hours"] == [2, 8, 14, 20] and "universes" not in hours["axes"]
    assert hours["axes"]["lengths"] == [{"years": 0, "months": 1, "days": 0, "rounds": None}]
    assert fish["axes"]["universes"] == [{"name": "all four"}, {"name": "under 50 dollars", "price": ["0", "50"]}]
    assert fish["axes"]["start_funds"] == ["100000", "1000000000"] and "hours" not in fish["axes"]
    assert fish["axes"]["starts"]["session_of_month"] == 1 and fish["base"]["game"]["name"] == "bokeh-base"


def test_the_report_answers_time_of_day_universes_and_capacity(stored: tuple[Path, dict[str, str]]) -> None:
    db, ids = stored
    hours = report(db, ids["hours"])["time_of_day"]["arms"]["all"]
    assert hours["hours"] == [2, 8, 14, 20] and hours["start_dates"] == 11
    assert {"score", "total_return"} == set(hours["metrics"]) and hours["effective_sample_size"]["score"] > 0
    fish = report(db, ids["fish"])
    universes = {u["universe"]: u for u in fish["universes"]["universes"]}
    assert universes["under 50 dollars"]["mean_symbols"] == 1.0 and universes["all four"]["mean_symbols"] == 4.0
    assert "No bundled dataset carries a sector" in fish["universes"]["note"]
    for arm in fish["capacity"]["arms"].values():
        assert arm["cap_binds_from"] == 1_000_000_000.0
        assert [f["capped_share"] for f in arm["funds"]] == [0.0, 1.0]


def test_the_new_sections_draw_in_chromium(
    sync_playwright: Any,  # noqa: F811 (the fixture imported above)
    stored: tuple[Path, dict[str, str]],
    tmp_path: Path,
) -> None:
    db, ids = stored
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            for name, chart in (("hours", "chart-hours-0"), ("fish", "chart-capacity")):
                path = tmp_path / f"{name}.html"
                result = runner.invoke(app, ["experiment", "report", ids[name], "--db", str(db), "-o", str(path)])
                assert result.exit_code == 0, result.output
                page = browser.new_page(viewport={"width": 1300, "height": 900})
                page.set_default_timeout(60_000)
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_function(
                    f"() => document.querySelector('#{chart} .plot-container svg.main-svg .cartesianlayer .trace')"
                )
                assert page.inner_text("#time-of-day") and page.inner_text("#universes")
                page.close()
        finally:
            browser.close()
    assert errors == []


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        (FISH + '\n[[axes.universe]]\nname = "oil"\nsector = ["Energy"]\n', "bokeh-base.toml",
         "axes.universe[2].sector: no symbol of this data has a sector"),
        (FISH.replace('price = ["0", "50"]', 'price = ["50", "0"]'), "bokeh-base.toml",
         "axes.universe[1].price: the band [50, 0] is empty"),
        (FISH + '\n[[axes.universe]]\nname = "krw"\ncurrency = ["KRW"]\n', "bokeh-base.toml",
         "axes.universe[2].currency: unknown currency 'KRW'; this data has USD"),
        (HOURS.replace("hour = [2, 8, 14, 20]", "hour = [2, 24]"), "eurusd-base.toml",
         "axes.hour[1]: an hour of the day from 0 to 23 (UTC), got 24"),
        (FISH.replace('start_fund = ["100000", "1000000000"]', "hour = [14]"), "bokeh-base.toml",
         "axes.hour: acting at an hour needs intraday data; the base Game's data is 1d"),
    ],
)  # fmt: skip
def test_bad_values_are_exit_2_and_nothing_written(tmp_path: Path, text: str, base: str, expected: str) -> None:
    path = write(tmp_path, text, base)
    db = tmp_path / "games.sqlite"
    for command in ("plan", "run"):
        result = runner.invoke(
            app, ["experiment", command, str(path), "--db", str(db)][: 3 if command == "plan" else 5]
        )
        assert result.exit_code == 2, result.output
        assert expected in " ".join(result.output.split())
    assert not db.exists()


@pytest.mark.parametrize(
    ("name", "games"), [("time-of-day", 48 * 24), ("capacity", 28 * 2 * 5), ("small-fish", 29 * 4)]
)
def test_the_shipped_examples_plan(name: str, games: int) -> None:
    result = runner.invoke(app, ["experiment", "plan", str(EXAMPLES / f"{name}.toml"), "--json", "--sample", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["games"] == games


SEER = '''
from pathlib import Path


class Seer:
    """Writes, at its first Round, the symbols its context's universe lists; trades nothing."""

    name = "seer"

    def __init__(self, out: str, symbols: list[str] | None = None) -> None:
        self.out = out

    def decide(self, ctx):
        if ctx.round == 0:
            with Path(self.out).open("a") as file:
                file.write(",".join(ctx.universe.symbols) + "\\n")
        return None
'''


def test_a_model_sees_only_the_symbols_its_universe_picked(tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    (tmp_path / "seer.py").write_text(SEER)
    model = f'\n[[axes.model]]\nname = "seer.py:Seer"\nparams = {{ out = "{seen}" }}\n'
    text = FISH.replace('start_fund = ["100000", "1000000000"]', 'start_fund = ["100000"]') + model
    path = write(tmp_path, text, "bokeh-base.toml")
    db = tmp_path / "games.sqlite"
    result = runner.invoke(app, ["experiment", "run", str(path), "--db", str(db), "--workers", "2", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["errors"] == 0, summary
    with open_database(str(db)) as database:
        rows = experiment_rows(database, summary["experiment_id"])
    picked = {",".join(row["coordinates"]["symbols"]) for row in rows}  # type: ignore[index]
    assert picked == {"AAPL,GOOG,IBM,MSFT", "MSFT"}
    lines = seen.read_text().splitlines()
    assert len(lines) == len(rows) and set(lines) == picked  # FB, in the data, is in no Model's view
    small = min(rows, key=lambda row: len(row["coordinates"]["symbols"]))  # type: ignore[index]
    with open_database(str(db)) as database:  # a replay plays on the same picks as the run
        replayed = replay_experiment_game(database, summary["experiment_id"], str(small["game_key"]), MarketStore(None))
    assert seen.read_text().splitlines()[-1] == "MSFT"  # not every symbol with data at the start
    assert replayed.played.result.score.score == small["score"]
