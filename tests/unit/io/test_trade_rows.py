"""``iter_trade_rows`` (column by column) gives what ``iter_trades`` (row by row) gives, errors included."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.trades import Trade
from tradegame.io import trades_csv
from tradegame.io.trades_csv import iter_trade_rows, iter_trades

HEADER = "date,account,symbol,side,quantity,price,fee,asset_class,lot_id,lots,game,swap_id\n"
ROWS = [
    "2024-01-02,IBKR,ACME,buy,10,100.00,1.00,security,L1,,alpha,\n",
    "\n",
    " 2024-01-03 , IBKR ,ACME, Buy ,2.50,101.5,,ETF, ,, beta ,\n",
    "2024-01-04,IBKR,ACME,sell,3,99.00,0.35,equity,,L1:3,alpha,\n",
    '2024-01-05,Roth,BTC,sell,0.5,"40000.00",0,crypto,,,,X1\n',
    "2024-01-05,Roth,ETH,BUY,7,2500,0,crypto,,,,X1\n",
]


def _both(path: Path) -> tuple[list[Trade], list[Trade]]:
    by_rows = [trade for trade, _ in iter_trades(path)]
    by_columns = [Trade(*row) for chunk in iter_trade_rows(path) for row in chunk]
    return by_rows, by_columns


@pytest.mark.parametrize("chunk", [1, 2, 4096])
def test_the_same_trades_with_blank_lines_spaces_quotes_and_every_column(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trades_csv, "_CHUNK_ROWS", chunk)
    path = tmp_path / "trades.csv"
    path.write_text("\ufeff" + HEADER + "".join(ROWS * 3), encoding="utf-8")
    by_rows, by_columns = _both(path)
    assert by_columns == by_rows and len(by_rows) == 15
    assert [trade.row for trade in by_columns] == list(range(1, 16))


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    path.write_text("side,date,account,symbol,quantity,price,fee,asset_class\nbuy,2024-01-02,A,X,1,2,0,security\n")
    by_rows, by_columns = _both(path)
    assert by_columns == by_rows


@pytest.mark.parametrize(
    "bad_row",
    [
        "2024-13-02,IBKR,ACME,buy,10,100.00,0,security,,,,\n",
        "2024-01-02,IBKR,ACME,buy,-1,100.00,0,security,,,,\n",
        "2024-01-02,IBKR,ACME,hold,1,100.00,0,security,,,,\n",
        "2024-01-02,IB KR,ACME,buy,1,100.00,0,security,,,,\n",
        "2024-01-02,IBKR,ACME,buy,1,100.00,0,bond,,,,\n",
        "2024-01-02,IBKR,ACME,buy,1,100.00,x,security,,,,\n",
        "2024-01-02,IBKR,ACME,sell,1,100.00,0,security,,L1,,\n",
        "2024-01-02,IBKR,ACME,buy,1,100.00,0,security,,,\n",
        '2024-01-02,IBKR,"ACME"x,buy,1,100.00,0,security,,,,\n',
    ],
)
def test_a_bad_row_gets_the_row_by_row_message(tmp_path: Path, bad_row: str) -> None:
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + "".join(ROWS) + bad_row + ROWS[0], encoding="utf-8")
    with pytest.raises(InvalidInputError) as by_rows:
        list(iter_trades(path))
    with pytest.raises(InvalidInputError) as by_columns:
        list(iter_trade_rows(path))
    assert str(by_columns.value) == str(by_rows.value)


def test_a_header_without_rows_is_refused_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="has a header but no trades"):
        list(iter_trade_rows(path))
