"""The llm-chat Model's pure parts: the answer's validation, memory retrieval within a token budget,
the memory policies, prices, and masking."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import numpy as np
import pytest

from tradegame.llm.answer import AnswerError, parse_answer
from tradegame.llm.memory import Decision, bm25_scores, recall, tokens
from tradegame.llm.pricing import call_cost, prices_for
from tradegame.llm.prompt import market_rows, market_words, shown_names, user_message

SYMBOLS = frozenset({"SPX", "AAPL"})


def move(**overrides: object) -> dict[str, object]:
    return {"symbol": "SPX", "target_weight": 0.5, "order": "market", "price": None, "reason": "r"} | overrides


def test_a_valid_answer_gives_its_orders_and_memo() -> None:
    text = json.dumps({"moves": [move(), move(symbol="AAPL", order="limit", price=150.5, target_weight=0)],
                       "memo": "keep calm"})  # fmt: skip
    orders, memo = parse_answer(text, SYMBOLS)
    assert memo == "keep calm"
    assert [(o.symbol, o.target_weight, o.order, o.price) for o in orders] == [
        ("SPX", Decimal("0.5"), "market", None),
        ("AAPL", Decimal("0"), "limit", Decimal("150.5")),
    ]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("buy everything!", "not JSON"),
        (json.dumps({"moves": []}), "exactly 'moves' and 'memo'"),
        (json.dumps({"moves": [{"symbol": "SPX"}], "memo": ""}), "missing"),
        (json.dumps({"moves": [move(extra=1)], "memo": ""}), "unexpected"),
        (json.dumps({"moves": [move(symbol="TSLA")], "memo": ""}), "not one of the symbols shown"),
        (json.dumps({"moves": [move(target_weight=1.5)], "memo": ""}), "between 0 and 1"),
        (json.dumps({"moves": [move(target_weight="half")], "memo": ""}), "must be a number"),
        (json.dumps({"moves": [move(order="limit")], "memo": ""}), "needs a price above 0"),
        (json.dumps({"moves": [move(price=10.0)], "memo": ""}), "needs no price"),
        (json.dumps({"moves": [move(), move()], "memo": ""}), "more than one move"),
        (json.dumps({"moves": [move(target_weight=0.7), move(symbol="AAPL", target_weight=0.7)], "memo": ""}),
         "more than 1"),
    ],
    ids=["not-json", "no-memo", "missing", "extra", "unknown-symbol", "weight", "type", "limit-no-price",
         "market-price", "twice", "over-1"],
)  # fmt: skip
def test_a_bad_answer_is_refused_with_its_reason(answer: str, why: str) -> None:
    with pytest.raises(AnswerError, match=why):
        parse_answer(answer, SYMBOLS)


def decision(index: int, market: str, text: str, value: float = 100.0) -> Decision:
    return Decision(index, f"2020-01-{index + 1:02d}", market, text, value, {"SPX": 10.0})


def test_bm25_ranks_the_planted_decision_first_and_it_fits_the_budget() -> None:
    noise = [decision(i, "SPX up-20d calm", f"SPX to 0.5 (market): routine {i}") for i in range(40)]
    planted = decision(40, "SPX down-20d high-vol", "SPX to 0 (market): crash, sold everything")
    decisions = [*noise[:20], planted, *noise[20:]]
    scores = bm25_scores([f"{d.market} {d.text}" for d in decisions], "SPX down-20d high-vol")
    assert int(np.argmax(scores)) == 20
    budget = tokens(planted.recollection(90.0, {"SPX": 8.0})) + 5
    recalled = recall("retrieved", decisions, "SPX down-20d high-vol", 5, budget, 90.0, {"SPX": 8.0})
    assert recalled[0].startswith("2020-01-41: saw SPX down-20d high-vol; SPX to 0 (market): crash")
    assert sum(tokens(r) for r in recalled) <= budget
    assert "since: value -10.0%, SPX -20.0%; moves: no report" in recalled[0]


def test_the_policies_recall_different_things() -> None:
    decisions = [decision(i, "SPX up-20d calm" if i != 3 else "SPX down-20d high-vol", f"d{i}") for i in range(8)]
    query = "SPX down-20d high-vol"
    assert recall("none", decisions, query, 3, 10_000, 100.0, {}) == []
    recent = recall("recent", decisions, query, 3, 10_000, 100.0, {})
    assert [r.split(":")[0] for r in recent] == ["2020-01-08", "2020-01-07", "2020-01-06"]
    retrieved = recall("retrieved", decisions, query, 3, 10_000, 100.0, {})
    assert retrieved[0].startswith("2020-01-04") and retrieved != recent
    with pytest.raises(ValueError, match="memory policy"):
        recall("everything", decisions, query, 3, 10_000, 100.0, {})


def test_a_call_costs_its_tokens_exactly() -> None:
    prices = prices_for("gpt-4o-mini", "USD", None, None)
    assert call_cost(1_000, 200, prices) == Decimal("0.00027")  # 1000 x 0.15 + 200 x 0.60, per million
    assert prices_for("house", "EUR", Decimal("1"), Decimal("2")) == (Decimal("1"), Decimal("2"))
    for model, currency, given in (("house", "USD", None), ("gpt-4o", "EUR", None), ("gpt-4o", "USD", "x")):
        with pytest.raises(ValueError, match="price"):
            prices_for(model, currency, None if given is None else Decimal(1), None)


def test_masking_hides_tickers_dates_and_price_levels() -> None:
    closes = np.array([[1400.0, 30.0], [1420.0, 31.0], [1390.0, 29.5]])
    symbols = ["SPX", "AAPL"]
    names = shown_names(symbols, mask=True)
    assert names == {"AAPL": "S1", "SPX": "S2"}
    rows = market_rows(closes, symbols, names, {"SPX": 1400.0, "AAPL": 30.0})
    text = user_message("day 3", 100_000.0, 5_000.0, rows, [], [], None)
    assert "SPX" not in text and "AAPL" not in text and "1390" not in text and "1400" not in text
    assert not re.search(r"\d{4}-\d\d-\d\d", text) and '"now":"day 3"' in text
    assert [row["close"] for row in rows] == [pytest.approx(99.2857, abs=1e-4), pytest.approx(98.3333, abs=1e-4)]
    assert market_words(rows) == "S2 flat-20d high-vol S1 flat-20d high-vol"  # fewer than 21 closes: no trend
