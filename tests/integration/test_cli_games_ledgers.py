"""``games show``: money as money, and ``--ledger NAME`` prints one ledger in full (or its rows as JSON)."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.cli import app
from tradegame.cli.ledgers import Ledger, money_text

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "examples" / "games" / "sma-2008.toml"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("ledgers")
    url = f"sqlite:///{folder / 'games.sqlite'}"
    played = runner.invoke(app, ["play", str(EXAMPLE), "--json", "--db", url, "--data-dir", str(folder)])
    assert played.exit_code == 0, played.output
    return url


def show(db: str, *args: str) -> str:
    result = runner.invoke(app, ["games", "show", "1", "--db", db, *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("100000", "100,000.00"),
        ("0.12345678", "0.12345678"),
        ("-1234.5", "-1,234.50"),
        ("7251.475", "7,251.475"),
        ("1E+3", "1,000.00"),
        ("0", "0.00"),
    ],
)
def test_money_is_grouped_and_never_rounded(value: str, text: str) -> None:
    assert money_text(Decimal(value)) == text


def test_the_summary_prints_money_as_money(db: str) -> None:
    everything = json.loads(show(db, "--json"))
    game = everything["games"][0]
    text = show(db)
    for field in ("start_capital", "final_value", "score", "taxes"):
        assert money_text(Decimal(game[field])) in text
    assert "100,000.00" in text


@pytest.mark.parametrize("ledger", [ledger for ledger in Ledger if ledger is not Ledger.JOURNAL])
def test_a_ledger_in_json_is_the_stored_table(db: str, ledger: Ledger) -> None:
    everything = json.loads(show(db, "--json"))
    table = {"cost": "cost_ledger", "tax": "tax_ledger", "open-lots": "open_lots"}.get(ledger.value, ledger.value)
    assert json.loads(show(db, "--ledger", ledger.value, "--json")) == everything[table]


def test_the_journal_is_every_posting_with_its_entry_and_each_entry_balances(db: str) -> None:
    everything = json.loads(show(db, "--json"))
    journal = json.loads(show(db, "--ledger", "journal", "--json"))
    assert len(journal) == len(everything["postings"]) > 0
    entries = {entry["seq"]: entry for entry in everything["journal_entries"]}
    weights: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for line in journal:
        assert {k: line[k] for k in ("round", "op_id", "kind", "narration")} == {
            k: entries[line["seq"]][k] for k in ("round", "op_id", "kind", "narration")
        }
        priced = line["value"] is not None
        weight = Decimal(line["value"] if priced else line["units"])
        weights[line["seq"], line["value_currency"] if priced else line["commodity"]] += weight
    assert set(weights.values()) == {Decimal(0)}  # every entry's legs sum to zero in each currency
    text = show(db, "--ledger", "journal")
    assert f"journal ({len(journal)} lines)" in text and "-100,000.00" in text


def test_an_unknown_ledger_is_refused_with_the_choices(db: str) -> None:
    result = runner.invoke(app, ["games", "show", "1", "--db", db, "--ledger", "jornal"])
    assert result.exit_code == 2
    assert "'jornal' is not one of" in result.output and "open-lots" in result.output
