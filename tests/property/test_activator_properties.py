"""The Models' contributions under an Activator add up to the Game's Score to the cent."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.game_kit import bars_from, spec, universe_of
from tradegame.app.models import find_model
from tradegame.domain.tax import TaxProfile, TaxRates
from tradegame.engine.costs import PerShare
from tradegame.engine.game import Game
from tradegame.engine.spec import AccountSpec
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
)
def test_contributions_add_up_to_the_score(seed: int, rule: str, shares: list[int], vol: str, taxed: bool) -> None:
    rng = np.random.default_rng(seed)
    rows = {}
    for symbol in ("AAA", "BBB", "IDX"):
        closes = 50.0 * np.cumprod(1.0 + 0.02 * rng.standard_normal(60))
        rows[symbol] = [(c * (1 + 0.003 * rng.standard_normal()), c * 1.01, c * 0.99, c, 1e7) for c in closes]
    universe = universe_of(bars_from(rows))
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
