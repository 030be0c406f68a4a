"""The fixture Game of the HTML report's tests: three months of trading two symbols, and its page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.unit.engine.game_kit import Script, at_round, bars_from, spec, universe_of
from tests.unit.reporting.report_kit import HOSTILE, ramp
from tradegame.domain.tax import TaxProfile
from tradegame.engine.costs import Flat
from tradegame.engine.game import GameResult, play
from tradegame.engine.moves import Move
from tradegame.engine.spec import AccountSpec, InitialPosition
from tradegame.engine.universe import Universe
from tradegame.reporting.html_report import render_html


@pytest.fixture(scope="module")
def universe() -> Universe:
    return universe_of(bars_from({"ACME": ramp(100.0, 0.5, 70), "BETA": ramp(50.0, -0.1, 70)}))


@pytest.fixture(scope="module")
def result(universe: Universe) -> GameResult:
    """Three months of trading two symbols, with fees, tax and a long-held initial position."""
    plan = at_round(
        {
            1: [Move.buy("ACME", 10, reason="first buy"), Move.buy("BETA", 40)],
            5: [Move.sell("ACME", 4, reason="take <some> profit")],
            9: [Move.sell("OLD", 5)],  # no such symbol: rejected, and logged
            12: [Move.sell("BETA", 25)],  # the initial 20 (long term, FIFO) and 5 of the 40 bought
            20: [Move.buy("ACME", 6)],
            40: [Move.sell("ACME", sell_all=True)],
        }
    )
    game_spec = spec(
        name=HOSTILE,
        rounds=60,
        accounts=(AccountSpec("main", fees=Flat(Decimal(1))),),
        tax=TaxProfile.flat("0.3", "0.15"),
        initial_positions=(InitialPosition("BETA", Decimal(20), Decimal(800), date(2022, 6, 1), "main"),),
    )
    return play(game_spec, universe, Script(plan))


@pytest.fixture(scope="module")
def page(result: GameResult, universe: Universe) -> str:
    return render_html(result, universe)
