"""The ``tradegame tax lots`` command end to end: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "trades.csv"
HEADER = "date,account,symbol,side,quantity,price,fee,asset_class,lot_id,lots,game,swap_id\n"
GOOD = [
    "2024-01-02,IBKR,ACME,buy,10,100.00,1.00,security,L1,,,\n",
    "2024-01-03,IBKR,ACME,buy,10,110.00,1.00,security,L2,,,\n",
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> str:
    path = tmp_path / "trades.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return str(path)


def test_the_readme_main_command_runs_on_the_bundled_example() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tradegame", "tax", "lots", str(EXAMPLE), "--method", "fifo"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Part I" in done.stdout and "Part II" in done.stdout
    assert "Totals by tax year" in done.stdout


def test_json_on_the_example_matches_hand_worked_figures() -> None:
    code, out, _ = run("tax", "lots", str(EXAMPLE), "--json")
    assert code == 0
    report = json.loads(out)
    msft = [d for d in report["disposals"] if d["symbol"] == "MSFT"]
    # 40 MSFT bought at 251.99 + 1.00 fee, sold at 241.01 - 1.00 fee: loss 441.20. 25 shares
    # bought in another account 20 days later wash 25/40 of it: 275.75, added to their basis.
    assert (msft[0]["proceeds"], msft[0]["cost_basis"], msft[0]["adjustment_code"]) == ("9639.40", "10080.60", "W")
    assert (msft[0]["adjustment_amount"], msft[0]["gain"]) == ("275.75", "-165.45")
    assert (msft[1]["cost_basis"], msft[1]["date_acquired"], msft[1]["term"]) == ("5953.75", "2022-10-03", "long")
    # dip-buyer's FIFO sale of 20 AAPL consumes momentum's oldest lot A1 (tax truth)
    aapl = [d for d in report["disposals"] if d["symbol"] == "AAPL"]
    assert (aapl[0]["lot_id"], aapl[0]["game"], aapl[0]["lot_game"]) == ("A1", "dip-buyer", "momentum")
    assert report["totals_by_tax_year"]["2022"] == {
        "short_term_gain": "-165.45",
        "long_term_gain": "0.00",
        "wash_sale_disallowed": "275.75",
        "proceeds": "9639.40",
        "cost_basis": "10080.60",
    }
    games = {g["game"]: g for g in report["games"]}
    assert games["dip-buyer"]["quantity_from_other_games"] == "20"
    # own books, no wash sales: momentum loses 441.20 on MSFT and makes 7344.20 - 7281.20 on
    # 40 of its own A1; dip-buyer makes 3056.40 - 2638.60 on its A3 and 11289.75 - 5678.00 on M2
    assert games["momentum"]["own_gain"] == "-378.20"
    assert games["dip-buyer"]["own_gain"] == "6029.55"


@pytest.mark.parametrize("method", ["fifo", "lifo", "hifo", "average", "specific"])
def test_every_method_runs_on_the_example_and_conserves_quantities(method: str) -> None:
    code, out, err = run("tax", "lots", str(EXAMPLE), "--method", method, "--json")
    assert code == 0, err
    report = json.loads(out)
    sold = sum(float(d["quantity"]) for d in report["disposals"] if d["symbol"] == "AAPL")
    held = sum(float(lot["quantity"]) for lot in report["open_lots"] if lot["symbol"] == "AAPL")
    assert (sold, held) == (60.0, 40.0)
    assert report["method"] == method


def test_no_wash_sales_and_tax_rates() -> None:
    code, out, _ = run("tax", "lots", str(EXAMPLE), "--no-wash-sales", "--json", "--short-term-rate", "30%",
                       "--long-term-rate", "0.15")  # fmt: skip
    assert code == 0
    report = json.loads(out)
    assert {d["adjustment_code"] for d in report["disposals"]} == {""}
    assert report["totals_by_tax_year"]["2022"]["short_term_gain"] == "-441.20"
    assert [y["year"] for y in report["tax"]] == [2022, 2023, 2024]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["2024-01-05,IBKR,ACME,sell,ten,120.00,1.00,security,,,,\n"],
            "row 3 (line 4): quantity 'ten' is not a number",
        ),
        (["2024-01-05,IBKR,ACME,sell,0,120.00,1.00,security,,,,\n"], "row 3 (line 4): quantity must be positive"),
        (["2024-01-05,IBKR,ACME,sell,1,-5,1.00,security,,,,\n"], "row 3 (line 4): price must be positive"),
        (["2024-01-05,IBKR,ACME,sell,1,5,-1,security,,,,\n"], "row 3 (line 4): fee must not be negative"),
        (
            ["2024-01-05,IBKR,ACME,sell,21,120.00,1.00,security,,,,\n"],
            "row 3 (line 4): selling 21 ACME but account IBKR holds 20",
        ),
        (
            ["2024-01-05,Other,ACME,sell,1,120.00,1.00,security,,,,\n"],
            "row 3 (line 4): selling 1 ACME but account Other holds 0",
        ),
        (
            ["2024-13-05,IBKR,ACME,sell,1,120.00,1.00,security,,,,\n"],
            "row 3 (line 4): date '2024-13-05' is not an ISO date",
        ),
        (["2024-01-05,IBKR,ACME,hold,1,120.00,1.00,security,,,,\n"], "row 3 (line 4): side 'hold' must be buy or sell"),
        (
            ["2024-01-05,IBKR,ACME,sell,1,120.00,1.00,bond,,,,\n"],
            "row 3 (line 4): asset_class 'bond' must be security or crypto",
        ),
        (
            ["2024-01-05,IBKR,ACME,sell,1,120.00,1.00,security\n"],
            "row 3 (line 4): has fewer fields than the header's 12",
        ),
        (
            ["2024-01-05,IBKR,ACME,sell,1,120.00,1.00,security,,,,,extra\n"],
            "row 3 (line 4): has 13 fields, header has 12",
        ),
        (["2024-01-05,CB,BTC,sell,1,1.00,0,crypto,,,,X1\n"], "row 3 (line 4): swap 'X1' has 1 legs"),
        (["2024-01-05,IBKR,ACME,sell,1,120.00,0.001,security,,,,\n"], "row 3 (line 4): fee 0.001 has more decimals"),
        (
            ["2024-01-05,IBKR,ACME,buy,1,120.00,0,security,L1,,,\n"],
            "row 3 (line 4): lot id 'L1' is already used in account IBKR",
        ),
    ],
)
def test_a_bad_row_exits_2_with_one_message_naming_the_row(tmp_path: Path, rows: list[str], message: str) -> None:
    code, out, err = run("tax", "lots", write(tmp_path, *GOOD, *rows))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: trades.csv ")
    assert message in err


@pytest.mark.parametrize(
    ("sell", "message"),
    [
        ("2024-01-05,IBKR,ACME,sell,5,120.00,0,security,,L9:5,,\n", "lot 'L9' is not an open ACME lot"),
        ("2024-01-05,IBKR,ACME,sell,12,120.00,0,security,,L1:12,,\n", "lot 'L1' holds 10 ACME, cannot sell 12"),
        ("2024-01-05,IBKR,ACME,sell,5,120.00,0,security,,L1-5,,\n", "lots 'L1-5' must look like 'L1:5;L2:3'"),
    ],
)
def test_unknown_or_overdrawn_lots_exit_2(tmp_path: Path, sell: str, message: str) -> None:
    code, out, err = run("tax", "lots", write(tmp_path, *GOOD, sell), "--method", "specific")
    assert (code, out) == (2, "")
    assert "row 3 (line 4)" in err and message in err


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("date,account,symbol,side,quantity,price,asset_class\n", "missing column(s) fee"),
        (HEADER.replace("game", "gmae"), "unknown column(s) gmae"),
        ("", "is empty"),
    ],
)
def test_a_bad_header_exits_2(tmp_path: Path, header: str, message: str) -> None:
    code, out, err = run("tax", "lots", write(tmp_path, header=header))
    assert (code, out) == (2, "")
    assert message in err


def test_a_missing_file_and_bad_options_exit_2(tmp_path: Path) -> None:
    code, _, err = run("tax", "lots", str(tmp_path / "nope.csv"))
    assert code == 2 and "cannot read" in err
    code, _, err = run("tax", "lots", str(EXAMPLE), "--method", "random")
    assert code == 2
    code, _, err = run("tax", "lots", str(EXAMPLE), "--short-term-rate", "0.3")
    assert code == 2 and "give both" in err


def test_help_shows_an_example() -> None:
    code, out, _ = run("tax", "lots", "--help")
    assert code == 0 and "tradegame tax lots examples/trades.csv" in out
