"""The llm-chat Model against the project's local OpenAI-compatible server (no network): answers that
trade, refused answers, timeouts, rate limits and a spent budget as logged "no move"s, every call a
running cost, the cache making a replay identical and free, and memory policies that change Moves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import pytest

import tradegame as tg
from tradegame.llm.model import LlmModel
from tradegame.llm.server import serve
from tradegame.reporting.html_report import render_html

pytestmark = pytest.mark.slow  # about 12 s of play on a quiet machine: a dozen Games against the server

SYMBOLS = ("AAPL", "JPM", "KO", "MSFT", "XOM")


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    running = serve(port=0, slow=3.0)
    yield running
    running.shutdown()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def game(server: Any, data_dir: Path, cache: Path, **params: Any) -> tg.Game:
    spec = tg.GameSpec(
        name="llm", start=date(2019, 1, 2), end=date(2020, 6, 30), start_fund=Decimal("100000"),
        schedule="weekly", data=(tg.DataSpec("skfolio-sp500", symbols=SYMBOLS),), seed=3,
    )  # fmt: skip
    settings = {"base_url": f"http://127.0.0.1:{server.server_address[1]}/v1", "cache": str(cache),
                "price_in": Decimal("0.15"), "price_out": Decimal("0.60"), "timeout": 1.0, "retries": 0} | params  # fmt: skip
    return tg.load_game(spec, LlmModel(**settings), data_dir=data_dir)


def play(server: Any, data_dir: Path, cache: Path, **params: Any) -> tg.GameResult:
    return tg.play(game(server, data_dir, cache, **params))


def notes(result: tg.GameResult) -> list[str]:
    return [e.detail for e in result.events if e.kind == "note"]


def test_answers_trade_and_every_call_is_a_running_cost(server: Any, data_dir: Path, tmp_path: Path) -> None:
    before = server.requests.get("house", 0)
    result = play(server, data_dir, tmp_path / "cache", model="house", price_in=Decimal("40"), price_out=Decimal("80"))
    calls = server.requests["house"] - before
    assert calls == len(result.values)  # one call a Round
    assert any(e.kind == "filled" for e in result.events)
    charged = [e for e in result.events if e.kind == "running-cost" and e.symbol == "llm-calls"]
    assert len(charged) == calls  # at these prices every call costs more than a cent
    assert all(re.search(r"for call chatcmpl-\w+ \(\d+ in, \d+ out\)", e.detail) for e in charged)
    used = [tuple(map(int, re.findall(r"\((\d+) in, (\d+) out\)", e.detail)[0])) for e in charged]
    exact = sum((Decimal(i * 40 + o * 80) / 1_000_000 for i, o in used), Decimal(0))
    # The books hold the calls' exact total rounded up to the cent, in the score.
    score = result.score
    assert score.running_costs == exact.quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    assert score.score == score.gross_profit - score.fees - score.running_costs - score.taxes


def test_the_cache_makes_a_replay_identical_and_free(server: Any, data_dir: Path, tmp_path: Path) -> None:
    first = play(server, data_dir, tmp_path / "cache", model="house", memory="summary")
    before = dict(server.requests)
    again = play(server, data_dir, tmp_path / "cache", model="house", memory="summary")
    assert server.requests == before  # not one call
    assert again.events == first.events and again.score == first.score
    assert [e.postings for e in again.books.entries] == [e.postings for e in first.books.entries]


def test_memory_policies_give_different_moves(server: Any, data_dir: Path, tmp_path: Path) -> None:
    played = {p: play(server, data_dir, tmp_path / p, model="house", memory=p) for p in ("none", "retrieved")}
    placed = {p: [(e.round, e.symbol, e.detail.split(":")[0]) for e in r.events if e.kind == "placed"]
              for p, r in played.items()}  # fmt: skip
    assert placed["none"] != placed["retrieved"]


@pytest.mark.parametrize(
    ("model", "params", "why"),
    [
        ("fault-malformed", {}, "the answer was refused: the answer is not JSON"),
        ("fault-schema", {}, "the answer was refused: moves[0]: missing"),
        ("fault-timeout", {"timeout": 0.5}, "the call failed: the call timed out"),
        ("fault-429", {"retries": 1}, "the call failed: rate limited (429) after the retries"),
    ],
    ids=["malformed", "schema", "timeout", "rate-limit"],
)
def test_a_failed_round_is_a_logged_no_move_and_the_game_goes_on(
    server: Any, data_dir: Path, tmp_path: Path, model: str, params: dict[str, Any], why: str
) -> None:
    result = play(server, data_dir, tmp_path / "cache", model=model, every=13, **params)
    lines = notes(result)
    assert len(lines) == len(range(0, len(result.values), 13)) and all(why in line for line in lines), lines[:2]
    assert result.outcome == "completed" and not any(e.kind == "filled" for e in result.events)


def test_a_rate_limit_once_is_retried_with_backoff(server: Any, data_dir: Path, tmp_path: Path) -> None:
    before = server.requests.get("fault-429-once", 0)
    result = play(server, data_dir, tmp_path / "cache", model="fault-429-once", every=26, retries=2)
    decided = len(range(0, len(result.values), 26))
    assert server.requests["fault-429-once"] - before == 2 * decided  # each refused once, then answered
    assert not any("failed" in line for line in notes(result))


def test_a_spent_budget_stops_the_calls(server: Any, data_dir: Path, tmp_path: Path) -> None:
    before = server.requests.get("house", 0)
    result = play(server, data_dir, tmp_path / "cache", model="house", price_in=Decimal("3000"),
                  price_out=Decimal("3000"), budget=Decimal("20"))  # fmt: skip
    calls = server.requests["house"] - before
    spent = [line for line in notes(result) if "budget of 20 is spent" in line]
    assert 0 < calls < len(result.values) and len(spent) == len(result.values) - calls
    assert Decimal("20") <= result.score.running_costs < Decimal("20") + Decimal(3000 * 3000) / 1_000_000


def test_masked_prompts_hide_tickers_and_dates_and_in_sample_rounds_are_marked(
    server: Any, data_dir: Path, tmp_path: Path
) -> None:
    start = len(server.seen)
    masked = game(server, data_dir, tmp_path / "cache", model="house", mask=True, every=8, cutoff=date(2019, 12, 31))
    result = tg.play(masked)
    sent = server.seen[start:]
    assert sent and not any(s in text for text in sent for s in SYMBOLS)
    assert not any(re.search(r"\d{4}-\d\d-\d\d", text) for text in sent)
    placed = [e for e in result.events if e.kind in ("placed", "note")]
    in_sample = [e for e in placed if "in-sample" in e.detail]
    assert in_sample and all(e.time.startswith("2019") for e in in_sample)
    assert any(e.time.startswith("2020") and "in-sample" not in e.detail for e in placed)
    # The report says how many Rounds were decided in-sample.
    page = render_html(result, masked.universe)
    rounds = sorted({e.round for e in in_sample})
    assert f"{len(rounds)} of {len(result.values)} rounds (rounds {rounds[0]} to {rounds[-1]})" in page


def test_a_bad_setting_is_refused_before_anything_plays() -> None:
    for params, why in (({"memory": "all"}, "memory must be one of"), ({"every": 0}, "every must be at least 1"),
                        ({"model": "mystery"}, "no list price")):  # fmt: skip
        with pytest.raises(tg.InvalidInputError, match=why):
            LlmModel(**params)
