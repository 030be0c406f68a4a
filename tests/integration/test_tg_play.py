"""``tg.play`` of a Game file, of the same Game built in code, and ``tradegame play`` end alike."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

import tradegame as tg
from tradegame.cli import app

GAME_FILE = """
[game]
name = "sma-spx"
start = 2010-01-04
end = 2014-12-31
schedule = "daily"
start_fund = "100000"

[[data]]
dataset = "arch-sp500"
symbols = ["SPX"]

[[accounts]]
name = "broker"
fees = { model = "per_share", rate = "0.005", minimum = "1.00" }
slippage = { model = "fixed_bps", bps = 2 }

[tax]
short_term = "24%"
long_term = "15%"

[model]
name = "sma-crossover"
params = { symbol = "SPX", fast = 20, slow = 100 }
"""


def _in_code() -> tg.Game:
    spec = tg.GameSpec(
        name="sma-spx",
        start=date(2010, 1, 4),
        end=date(2014, 12, 31),
        start_fund=Decimal(100_000),
        accounts=(
            tg.AccountSpec(
                "broker", fees=tg.PerShare(Decimal("0.005"), minimum=Decimal("1.00")), slippage=tg.FixedBps(2)
            ),
        ),
        tax=tg.TaxProfile.flat("0.24", "0.15"),
        data=(tg.DataSpec("arch-sp500", symbols=("SPX",)),),
    )
    return tg.load_game(spec, tg.models.SmaCrossover("SPX", fast=20, slow=100))


def test_a_game_file_in_code_and_on_the_command_line_score_alike(tmp_path: Path) -> None:
    path = tmp_path / "sma-spx.toml"
    path.write_text(GAME_FILE)
    db = tmp_path / "games.sqlite"
    command = CliRunner().invoke(app, ["play", str(path), "--json", "--db", str(db)])
    assert command.exit_code == 0, command.output
    printed = json.loads(command.output)

    from_file = tg.play(path)
    from_code = tg.play(_in_code())
    recorded = tg.play(str(path), db=db)

    assert Decimal(printed["score"]) == from_file.score.score == from_code.score.score == recorded.score.score
    assert printed["trades"] > 10 and from_file.score.fees > 0 and from_file.score.taxes != 0
    assert from_file.events_jsonl() == from_code.events_jsonl() == recorded.events_jsonl()
    assert from_file.ledger_jsonl() == from_code.ledger_jsonl()
    assert (from_file.game_id, recorded.game_id) == (None, 2)
    listed = json.loads(CliRunner().invoke(app, ["games", "list", "--json", "--db", str(db)]).output)
    assert [(g["id"], g["status"], g["score"]) for g in listed] == [
        (1, "finished", printed["score"]),
        (2, "finished", printed["score"]),
    ]
