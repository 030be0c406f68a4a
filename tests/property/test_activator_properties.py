"""The Models' contributions under an Activator add up to the Game's Score to the cent, with
splits (and their cash in lieu) and dividends attributed to the Models holding the units."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.game_kit import bars_from, spec, universe_of
from tradegame.app.models import find_model
from tradegame.domain.tax import TaxProfile, TaxRates
from tradegame.engine.costs import PerShare
from tradegame.engine.game import Game
from tradegame.engine.spec import AccountSpec
from tradegame.engine.universe import Universe
from tradegame.models.activator import Activator

MODELS = [
    {"as": "sma", "name": "sma-crossover", "params": {"symbol": "AAA", "fast": 2, "slow": 5}},
    {"as": "dip", "name": "mean-reversion", "params": {"symbol": "BBB"}},
    {"as": "hold", "name": "buy-and-hold", "params": {"symbols": ["AAA", "BBB"]}},
]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    rule=st.sampled_from(["always-on", "trend-vol"]),
    shares=st.lists(st.integers(0, 33), min_size=3, max_size=3),
    vol=st.sampled_from(["10%", "25%", "60%"]),
    taxed=st.booleans(),
    ratio=st.sampled_from([None, "2", "1.5", "0.5"]),
    dividend=st.sampled_from([None, "0.37"]),
)
def test_contributions_add_up_to_the_score(
    seed: int, rule: str, shares: list[int], vol: str, taxed: bool, ratio: str | None, dividend: str | None
) -> None:
    rng = np.random.default_rng(seed)
    rows = {}
    for symbol in ("AAA", "BBB", "IDX"):
        closes = 50.0 * np.cumprod(1.0 + 0.02 * rng.standard_normal(60))
        rows[symbol] = [(c * (1 + 0.003 * rng.standard_normal()), c * 1.01, c * 0.99, c, 1e7) for c in closes]
    universe = with_actions(universe_of(bars_from(rows)), ratio, dividend)
    named = {m["as"]: f"{s}%" for m, s in zip(MODELS, shares, strict=True)}
    table: dict[str, object] = {"rule": rule, "models": MODELS}
    if rule == "always-on":
        table["shares"] = named
    else:
        calm = dict(list(named.items())[:2])
        table.update(index="IDX", trend_days=10, vol_days=5, vol_max=vol, calm=calm, stressed={"hold": named["hold"]})
        table.update(record_days=5, record_floor="-3%")
    activator = find_model("activator").build(table)
    assert isinstance(activator, Activator)
    account = AccountSpec("main", fees=PerShare(Decimal("0.01"), minimum=Decimal("1")))
    tax = TaxProfile(TaxRates(Decimal("0.3"), Decimal("0.15"))) if taxed else None
    result = Game(spec(rounds=55, accounts=(account,), tax=tax), universe, activator).run()
    attribution = activator.contributions(result)
    assert attribution.unattributed == 0
    assert sum(c.total for c in attribution.contributions) == result.score.score
    assert sum(c.taxes for c in attribution.contributions) == result.score.taxes


def with_actions(universe: Universe, ratio: str | None, dividend: str | None) -> Universe:
    """``universe`` with a split of AAA on session 30 and dividends on BBB on sessions 20 and 40."""
    days = pd.DatetimeIndex(universe.panel.labels, tz="UTC")
    splits = pd.DataFrame({"symbol": ["AAA"] * (ratio is not None), "ts": [days[30]] * (ratio is not None),
                           "ratio": [ratio] * (ratio is not None)})  # fmt: skip
    paid = [days[20], days[40]] if dividend is not None else []
    dividends = pd.DataFrame({"symbol": ["BBB"] * len(paid), "ts": paid, "amount": [dividend] * len(paid)})
    usd = universe.instruments["AAA"].quote_currency
    return Universe.from_panel(universe.panel, currency=usd, splits=splits, dividends=dividends)


def test_a_split_and_a_dividend_follow_the_units_each_model_held() -> None:
    """Hand-worked: buy-and-hold holds AAA and BBB; a 2-for-1 split and a dividend go to it alone."""
    flat = [(50.0, 50.0, 50.0, 50.0, 1e7)] * 60
    halved = flat[:30] + [(25.0, 25.0, 25.0, 25.0, 1e7)] * 30  # raw prices: 2 new for 1 old on session 30
    universe = with_actions(universe_of(bars_from({"AAA": halved, "BBB": flat, "IDX": flat})), "2", "0.37")
    models = [MODELS[0] | {"params": {"symbol": "IDX", "fast": 2, "slow": 5}}, MODELS[2]]
    activator = find_model("activator").build({"rule": "always-on", "models": models,
                                               "shares": {"sma": "50%", "hold": "50%"}})  # fmt: skip
    assert isinstance(activator, Activator)
    result = Game(spec(rounds=55), universe, activator).run()
    attribution = activator.contributions(result)
    paid = [e for e in result.events if e.kind == "dividend"]
    assert len(paid) == 2 and any(e.kind == "split" for e in result.events)
    hold = {c.model: c for c in attribution.contributions}["hold"]
    received = sum(Decimal(e.detail.split(" ")[0]) for e in paid)
    assert hold.trading == received  # flat prices, no fees: the dividends are its whole result
    assert attribution.unattributed == 0
    assert sum(c.total for c in attribution.contributions) == result.score.score
