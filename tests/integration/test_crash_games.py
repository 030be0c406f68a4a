"""Games through the 2008 and 2020 crashes on bundled real data, loaded through the store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from tradegame.app.loading import load_universe, pin_data
from tradegame.data.catalog import sync_bundled
from tradegame.data.store import MarketStore
from tradegame.domain.positions import replay
from tradegame.domain.tax import TaxProfile
from tradegame.engine.costs import PerShare
from tradegame.engine.game import play
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec, InvalidGameError
from tradegame.models.buy_and_hold import BuyAndHold
from tradegame.models.momentum import MomentumRotation


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> MarketStore:
    store = MarketStore(tmp_path_factory.mktemp("store"))
    sync_bundled(store, ["arch-sp500", "skfolio-sp500"])
    return store


def test_buy_and_hold_through_2008_loses_what_the_index_lost(store: MarketStore) -> None:
    spec = GameSpec(
        "hold-2008",
        date(2007, 10, 9),  # the S&P 500's 2007 closing high: 1565.15
        Decimal(100000),
        end=date(2009, 3, 9),  # the 2009 closing low: 676.53
        data=(DataSpec("arch-sp500"),),
        tax=TaxProfile.flat("0.24", "0.15"),
    )
    spec = pin_data(spec, store)
    result = play(spec, load_universe(spec, store), BuyAndHold(["SPX"]))
    assert result.outcome == "completed"
    assert result.data_hash == spec.data[0].content_hash
    # Bought at the 2007-10-10 open, sold at the 2009-03-09 close: about -57% on the index.
    assert Decimal("40000") < result.score.final_value < Decimal("46000")
    assert replay(result.books.entries) == result.books.state()


def test_a_drawdown_exit_fires_in_the_2020_crash(store: MarketStore) -> None:
    spec = GameSpec(
        "momentum-2020",
        date(2019, 6, 3),
        Decimal(100000),
        end=date(2020, 12, 31),
        data=(DataSpec("skfolio-sp500"),),
        accounts=(AccountSpec("main", fees=PerShare(Decimal("0.005"), minimum=Decimal("1.00"))),),
        exits=ExitRules(max_drawdown=Decimal("0.25")),
    )
    result = play(spec, load_universe(spec, store), MomentumRotation(top_n=5, lookback=120))
    assert result.outcome == "catastrophic_exit"
    exit_day = result.times[-1]
    assert date(2020, 2, 24) <= pd.Timestamp(exit_day).date() <= date(2020, 4, 30)
    assert result.books.open_lots() == ()
    assert result.score.fees > 0


def test_a_game_on_a_pinned_version_refuses_other_data(store: MarketStore) -> None:
    spec = GameSpec(
        "pinned", date(2008, 1, 2), Decimal(1000), end=date(2008, 3, 31), data=(DataSpec("arch-sp500", "0" * 64),)
    )
    with pytest.raises(InvalidGameError, match=r"data\[0\]\.hash: dataset 'arch-sp500' has no version"):
        load_universe(spec, store)
