"""The Activator's examples end to end: the Game file plays with each switch logged, the crash
experiment scores it against each of its Models always on, and ``export --format lots`` gives a
trade list whose ``tax lots`` report has the Game's own disposals."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.cli import app
from tradegame.store import open_database

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples"
README = EXAMPLES.parent / "README.md"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def _disposals(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    keys = ("account", "symbol", "lot_id", "quantity", "date_sold", "proceeds", "cost_basis", "adjustment_amount")
    return sorted(tuple(str(row[key]) for key in keys) for row in rows)


@pytest.mark.parametrize("game", ["games/activator-2008.toml", "games/sma-2008.toml"])
def test_export_lots_round_trips_through_tax_lots(game: str, data_dir: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "games.db")
    played = runner.invoke(app, ["play", str(EXAMPLES / game), "--json", "--data-dir", str(data_dir), "--db", db])
    assert played.exit_code == 0, played.output
    summary = json.loads(played.stdout)
    game_id = summary["id"]
    if "activator" in game:  # the summary splits the score among the Models, to the cent
        assert set(summary["contributions"]) == {"sma", "hold"}
        assert sum(Decimal(part) for part in summary["contributions"].values()) == Decimal(summary["score"])
    else:
        assert "contributions" not in summary
    exported = runner.invoke(app, ["export", str(game_id), "--format", "lots", "--db", db, "-o", str(tmp_path / "out")])
    assert exported.exit_code == 0, exported.output
    report = runner.invoke(app, ["tax", "lots", str(tmp_path / "out" / "lots.csv"), "--json"])
    assert report.exit_code == 0, report.output
    from_lots = json.loads(report.stdout)
    database = open_database(f"sqlite:///{db}")
    try:
        stored = database.load_game(game_id)
    finally:
        database.close()
    own = [row._asdict() for row in stored.disposals]
    assert own and _disposals(from_lots["disposals"]) == _disposals(own)
    if "activator" in game:
        events = [e for e in stored.events if e.kind == "note" and e.detail.startswith("activator: ")]
        assert len(events) >= 3 and "vol" in events[0].detail
        games = {row["game"] for row in from_lots["games"]}
        assert {"activator-2008/sma", "activator-2008/hold"} <= games


def test_the_crash_experiment_scores_the_activator_against_each_model(data_dir: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "exp.db")
    path = str(EXAMPLES / "experiments" / "activator-crashes.toml")
    result = runner.invoke(
        app, ["experiment", "run", path, "--db", db, "--workers", "1", "--json", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    database = open_database(f"sqlite:///{db}")
    try:
        from sqlalchemy import text

        with database.engine.connect() as connection:
            rows = connection.execute(text("select coordinates, error from experiment_games")).all()
    finally:
        database.close()
    models = sorted(json.loads(coordinates)["model"] for coordinates, _ in rows)
    assert models == ["activator"] * 2 + ["buy-and-hold"] * 2 + ["sma-crossover"] * 2
    assert all(error is None for _, error in rows)


def test_check_names_the_symbols_an_activator_names_that_the_data_lacks(data_dir: Path, tmp_path: Path) -> None:
    text = (EXAMPLES / "games" / "activator-2008.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace('index = "SPX"', 'index = "SPY"').replace('symbol = "SPX", fast', 'symbol = "SPZ", fast')
    )
    result = runner.invoke(app, ["check", str(bad), "--data-dir", str(data_dir)])
    assert result.exit_code == 2
    assert "activator.index: unknown symbol 'SPY'" in result.output
    assert "activator.models[0].params.symbol: unknown symbol 'SPZ'" in result.output


def test_an_experiment_on_an_activator_game_file_plays_the_models_of_its_axis(data_dir: Path, tmp_path: Path) -> None:
    experiment = tmp_path / "exp.toml"
    experiment.write_text(
        '[experiment]\nname = "on-activator"\n'
        f'game = "{EXAMPLES / "games" / "activator-2008.toml"}"\nseed = 1\n\n'
        '[axes.start]\ndates = [2007-06-01]\n\n[axes]\nlength = ["3m"]\n\n'
        '[[axes.model]]\nname = "buy-and-hold"\nparams = { symbols = ["SPX"] }\n'
    )
    db = str(tmp_path / "exp.db")
    result = runner.invoke(
        app, ["experiment", "run", str(experiment), "--db", db, "--workers", "1", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output


def _readme_text_block(after: str) -> str:
    """The first ```text block of the README after the line holding ``after``."""
    text = README.read_text()
    start = text.index("```text\n", text.index(after)) + len("```text\n")
    return text[start : text.index("```", start)].strip()


def _check_reasons_against_the_index(decisions: list[tuple[str, str]]) -> None:
    """Each decision's figures, recomputed by pandas from skfolio's own file of the index: the close,
    its mean over 200 sessions to that day, and the annualised deviation of 20 daily log returns."""
    import importlib.util

    import numpy as np
    import pandas as pd

    spec = importlib.util.find_spec("skfolio")
    assert spec is not None and spec.submodule_search_locations
    index = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "sp500_index.csv.gz"
    closes = pd.read_csv(index, index_col="Date")["SP500"]
    sma = closes.rolling(200).mean()
    vol = np.log(closes).diff().rolling(20).std() * np.sqrt(252) * 100
    reasons = re.compile(r"activator: SPX ([\d,.]+) (?:>=|<) 200d SMA ([\d,.]+), SPX 20d vol ([\d.]+)% ")
    for day, detail in decisions:
        found = reasons.match(detail)
        assert found is not None, detail
        close, mean, deviation = (float(part.replace(",", "")) for part in found.groups())
        assert close == closes[day] and abs(mean - sma[day]) < 0.0051 and abs(deviation - vol[day]) < 0.051, detail


@pytest.mark.slow  # about 4 s: thirteen years of daily sessions, 56 fits, the report
def test_the_crashes_example_switches_through_2008_and_2020_with_its_reasons(data_dir: Path, tmp_path: Path) -> None:
    """The README's Activator through the crashes, as printed: the trained classifier when calm and
    half in buy-and-hold otherwise; each switch a note with the index against its average and its
    volatility, each fit a line naming the classifier; the report draws the versions' decay curve;
    the figures the README quotes."""
    db, page = str(tmp_path / "games.db"), tmp_path / "activator-crashes.html"
    game = str(EXAMPLES / "games" / "activator-crashes.toml")
    played = runner.invoke(app, ["play", game, "--json", "-o", str(page), "--db", db, "--data-dir", str(data_dir)])
    assert played.exit_code == 0, played.output
    summary = json.loads(played.stdout)
    assert set(summary["contributions"]) == {"gbm", "hold"}
    assert sum(Decimal(part) for part in summary["contributions"].values()) == Decimal(summary["score"])
    shown = runner.invoke(app, ["games", "show", str(summary["id"]), "--json", "--db", db])
    assert shown.exit_code == 0, shown.output
    stored = json.loads(shown.stdout)
    notes = [(e["ts"][:10], e["detail"]) for e in stored["events"] if e["kind"] == "note"]
    decisions = [(day, detail) for day, detail in notes if detail.startswith("activator: ")]
    assert len(decisions) == 53 and decisions[0][0] == "2007-06-01"  # the first decision and 52 switches
    for _, detail in decisions:  # the state follows from the reasons it gives
        calm = ">= 200d SMA" in detail and "<= 30.0%" in detail
        assert detail.endswith("calm; gbm 100%, hold off" if calm else "stressed; gbm off, hold 50%"), detail
    _check_reasons_against_the_index(decisions)
    assert [day for day, _ in decisions if "2007-12-01" <= day <= "2009-06-30"] == [
        "2007-12-05",
        "2007-12-19",
        "2009-06-01",
        "2009-06-22",
    ]
    found = dict(decisions)  # out of the classifier through the 2008 crash, back in June 2009
    assert "stressed" in found["2007-12-19"] and "calm" in found["2009-06-01"]
    assert ("2020-02-27", _readme_text_block("`activator-crashes.toml` plays")) in decisions
    fits = [e["detail"] for e in stored["events"] if e["kind"] == "trained"]
    assert fits[0].startswith("gbm: version 1 (first fit): rows ") and len(fits) == len(stored["training"]) == 56
    assert {version["model"] for version in stored["training"]} == {"gbm"}
    assert sum(1 for version in stored["training"] if version["retired"]) == 2
    html = page.read_text()
    assert '<section id="model-versions">' in html and 'data-chart="decay"' in html
    assert re.search(r"56 versions\. Each month's return is its Model's sub-book's .*?of the curve: -?\d+\.\d\d%", html)
    assert "<td>gbm 3</td><td>2007-10-01 20:00</td>" in html  # each version named by its Model
    table = html[html.index('<table id="models-table">') :]
    shown = re.findall(r'<tr><td>(\w+)</td><td class="num">([\d,.-]+)</td></tr>', table[: table.index("</table>")])
    assert shown == [(model, f"{Decimal(part):,.2f}") for model, part in summary["contributions"].items()]
