"""``tax lots`` split over two processes (``cli/tax_split``) against the one-process command.

A plain seeded file (3 accounts, 12 symbols, two Games, two years, fractional quantities, fees)
is booked with the split forced (``TRADEGAME_TAX_SPLIT_BYTES=0``) and without it: stdout must
be the same bytes. A problem met by either process, or a file that cannot be split, gives what
the one-process command gives.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tradegame.cli.tax as tax_command
from tradegame.cli import app
from tradegame.cli.tax_split import SPLIT_BYTES_VARIABLE, _Sides

HEADER = "date,account,symbol,side,quantity,price,fee,asset_class,lot_id,lots,game,swap_id\n"


def _plain_rows(n_trades: int, seed: int) -> list[str]:
    """Buys and sells of 12 symbols in 3 accounts over two years; sells never exceed holdings."""
    rng = random.Random(seed)
    held: dict[tuple[int, int], int] = {}
    cents = [rng.randint(1_000, 9_000) for _ in range(12)]
    rows = []
    for i in range(n_trades):
        on = date(2023, 1, 2) + timedelta(days=i * 700 // n_trades)
        key = (rng.randrange(3), rng.randrange(12))
        cents[key[1]] = max(100, cents[key[1]] + rng.randint(-300, 300))
        units = held.get(key, 0)
        selling = units and rng.random() < 0.45
        quantity = rng.randint(1, units) if selling else rng.randint(1, 40)
        held[key] = units - quantity if selling else units + quantity
        shown = f"{quantity}.5" if not selling and rng.random() < 0.1 else str(quantity)  # half units stay held
        fee = "1.25" if rng.random() < 0.2 else "0"
        rows.append(
            f"{on},ACC{key[0]},S{key[1]:02d},{'sell' if selling else 'buy'},{shown},"
            f"{cents[key[1]] // 100}.{cents[key[1]] % 100:02d},{fee},security,,,{('alpha', 'beta')[key[0] % 2]},\n"
        )
    return rows


def _run(path: Path, options: list[str], monkeypatch: pytest.MonkeyPatch, split: bool) -> tuple[int, str, bool]:
    """The command's exit code and output, with the split forced or off, and whether it was split."""
    monkeypatch.setenv(SPLIT_BYTES_VARIABLE, "0" if split else str(10**12))
    done: list[bool] = []

    def recorded(*args: object) -> bool:
        done.append(split_report(*args))  # type: ignore[arg-type]
        return done[-1]

    split_report = tax_command.split_report
    monkeypatch.setattr(tax_command, "split_report", recorded)
    result = CliRunner().invoke(app, ["tax", "lots", str(path), *options])
    monkeypatch.setattr(tax_command, "split_report", split_report)
    return result.exit_code, result.output, bool(done and done[-1])


@pytest.mark.parametrize(
    "options",
    [["--json"], [], ["--method", "hifo", "--json"], ["--method", "average", "--no-wash-sales"],
     ["--short-term-rate", "24%", "--long-term-rate", "15%"]],
)  # fmt: skip
def test_the_split_report_is_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    assert {_Sides()[f"S{i:02d}"] for i in range(12)} == {0, 1}  # both processes book some symbols
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + "".join(_plain_rows(600, 7)), encoding="utf-8")
    split = _run(path, options, monkeypatch, split=True)
    whole = _run(path, options, monkeypatch, split=False)
    assert split[2] and not whole[2]  # the first was split, the second not
    assert split[0] == whole[0] == 0
    assert split[1] == whole[1]
    assert "W" in split[1] or "--no-wash-sales" in options


@pytest.mark.parametrize("side", [0, 1])  # a symbol booked by this process, by the child
def test_a_problem_in_either_process_gives_the_one_process_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, side: int
) -> None:
    rows = _plain_rows(600, 8)
    symbol = next(f"S{i:02d}" for i in range(12) if _Sides()[f"S{i:02d}"] == side)
    row = next(i for i in range(400, 600) if f",{symbol}," in rows[i])
    fields = rows[row].split(",")
    fields[3], fields[4] = "sell", "100000"  # more than any account holds
    rows[row] = ",".join(fields)
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    split = _run(path, [], monkeypatch, split=True)
    whole = _run(path, [], monkeypatch, split=False)
    assert not split[2]
    assert split[:2] == whole[:2]
    assert split[0] != 0 and "100000" in split[1] and "Form 8949" not in split[1]


@pytest.mark.parametrize("change", ["lot id", "out of order"])
def test_a_file_that_cannot_be_split_is_made_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    rows = _plain_rows(600, 9)
    if change == "lot id":
        rows[500] = rows[500].replace(",security,,", ",security,mine,") if ",buy," in rows[500] else rows[500]
        rows.append("2024-12-31,ACC0,S00,buy,1,10.00,0,security,mine2,,,\n")
    else:
        rows.insert(0, rows.pop(300))
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    split = _run(path, ["--json"], monkeypatch, split=True)
    whole = _run(path, ["--json"], monkeypatch, split=False)
    assert not split[2]
    assert split[:2] == whole[:2] and split[0] == 0
