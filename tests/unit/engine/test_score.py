"""The Score formula: gross profit before costs, the score after them."""

from decimal import Decimal

from tradegame.engine.score import Score, score_of

D = Decimal


def test_the_score_is_the_gross_profit_less_fees_running_costs_and_taxes() -> None:
    score = score_of(D(1000), D(1100), D(5), D(20), D(30))
    assert score == Score(D(1000), D(1100), D(125), D(5), D(20), D(30), D(70))
    assert score.score == score.final_value - score.start_capital - score.taxes
