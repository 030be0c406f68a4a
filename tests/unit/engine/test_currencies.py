"""Instruments keep their own currency (issue 12, item 1): valuation, fills, fees, liquidation and
taxes convert at the rate known at that time; a Game without a rate it needs is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradegame.data.panel import Panel
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import Account
from tradegame.domain.money import KRW, USD, Money
from tradegame.domain.positions import Books
from tradegame.domain.tax import TaxProfile
from tradegame.engine.game import play
from tradegame.engine.moves import Move
from tradegame.engine.spec import InvalidGameError
from tradegame.engine.universe import Universe

from .game_kit import Script, at_round, bars_from, spec

D = Decimal


def flat_bar(price: float) -> tuple[float, float, float, float, float]:
    return (price, price, price, price, 1e6)


def krw_market(with_series: bool = True) -> Universe:
    """SAMS quoted in KRW; USDKRW (KRW per USD) moves from 1000 to 1250 after the second session."""
    rows = {"SAMS": [flat_bar(p) for p in (50000, 50000, 55000, 60000, 60000)]}
    if with_series:
        rows["USDKRW"] = [flat_bar(p) for p in (1000, 1000, 1250, 1250, 1250)]
    panel = Panel.from_bars(bars_from(rows), frequency="1d", calendar="XNYS", currency="USD", content_hash="t")
    return Universe.from_panel(panel, currency=USD, currencies={"SAMS": KRW, "USDKRW": KRW})


def test_a_krw_round_trip_with_a_moving_rate_is_taxed_in_usd() -> None:
    universe = krw_market()
    plan = at_round({0: [Move.buy("SAMS", 10)], 2: [Move.sell("SAMS", 10)]})
    result = play(spec(symbols=("SAMS",), tax=TaxProfile.flat("0.24", "0.15")), universe, Script(plan))
    books = result.books
    # Bought 10 @ 50000 KRW at the second open, when 1000 KRW = 1 USD was known: 500000 KRW = 500.00 USD,
    # converted from the account's USD. Sold 10 @ 60000 KRW at the fourth open, at 1250 KRW per USD:
    # 600000 KRW = 480.00 USD. A KRW gain of 100000 is a USD loss of 20.00.
    fills = [e.detail.split(" (")[0] for e in result.events if e.kind == "filled"]
    assert fills == ["buy 10 @ 50000 KRW fee 0", "sell 10 @ 60000 KRW fee 0"]
    (disposal,) = [t for t in books.tax_ledger if t.kind.value == "disposal"]
    assert disposal.amount == Money(D("-20.00"), USD)  # today: +100000 KRW, then skipped by record_tax
    assert result.score.taxes == D("-4.80")  # the loss saves 24% of 20.00
    assert result.score.final_value == D("9980.00")  # 10000 - 500.00 + 600000 KRW at 0.0008
    assert result.score.score == D("-15.20")


def test_valuation_converts_at_the_rate_known_at_each_round() -> None:
    universe = krw_market()
    result = play(spec(symbols=("SAMS",)), universe, Script(at_round({0: [Move.buy("SAMS", 10)]})))
    # Cash 9500 USD; 10 SAMS at each close in KRW over that day's USDKRW close.
    assert list(result.values[:4]) == [10000.0, 9500 + 500000 / 1000, 9500 + 550000 / 1250, 9500 + 600000 / 1250]


def test_a_game_without_a_rate_it_needs_is_refused_before_it_starts_naming_the_pair() -> None:
    universe = krw_market(with_series=False)
    with pytest.raises(InvalidGameError, match=r"fx_rates\.KRW: no rate from KRW to USD"):
        play(spec(), universe, Script(lambda ctx: None))


def test_the_static_rate_is_the_stated_fallback() -> None:
    universe = krw_market(with_series=False)
    result = play(spec(fx_rates=(("KRW", D("0.0008")),)), universe, Script(at_round({0: [Move.buy("SAMS", 10)]})))
    (fx,) = [e.detail for e in result.events if e.kind == "fx"]
    assert fx.startswith("KRW to USD: static fx_rates (0.0008 USD per KRW")
    assert result.score.final_value == D("10000") - D("400.00") + D("480.00")  # 10 x 60000 KRW at 0.0008


def test_the_books_never_skip_a_tax_line_in_another_currency() -> None:
    books = Books([Account("a", "sim", USD)])
    books.deposit("a", Money(D(1000), KRW), datetime(2024, 1, 2, tzinfo=UTC))
    from tradegame.domain.instruments import AssetClass, Instrument
    from tradegame.domain.money import Price, Quantity

    sams = Instrument("SAMS", AssetClass.EQUITY, KRW, tick_size=D(1))
    books.buy("a", sams, Quantity(D(1)), Price(D(500), KRW), Money.zero(KRW), datetime(2024, 1, 2, tzinfo=UTC))
    books.sell("a", sams, Quantity(D(1)), Price(D(700), KRW), Money.zero(KRW), datetime(2024, 1, 3, tzinfo=UTC))
    with pytest.raises(InvalidInputError, match="is in KRW, not the tax currency USD"):
        books.record_tax(2024, TaxProfile.flat("0.2", "0.1"), datetime(2024, 12, 31, tzinfo=UTC))


def test_fees_in_another_currency_are_scored_at_the_rate_known_when_each_was_paid() -> None:
    from tradegame.engine.fee_models import PercentOfNotional
    from tradegame.engine.spec import AccountSpec

    universe = krw_market()
    plan = at_round({0: [Move.buy("SAMS", 10)], 2: [Move.sell("SAMS", 5)]})
    account = AccountSpec("main", fees=PercentOfNotional(D("0.001")))
    result = play(spec(symbols=("SAMS",), accounts=(account,)), universe, Script(plan))
    fees = [(c.action, c.fee) for c in result.books.cost_ledger]
    assert fees == [
        ("convert", Money(D("0.50"), USD)),  # 500.00 USD to KRW for the buy
        ("buy", Money(D(500), KRW)),  # at the second open, 1000 KRW per USD known: 0.50 USD
        ("sell", Money(D(300), KRW)),  # at the fourth open, 1250 KRW per USD known: 0.24 USD
        ("sell", Money(D(300), KRW)),  # the end's sale of the rest: 0.24 USD
        ("convert", Money(D(599), KRW)),  # 599400 KRW back to USD: 0.4792, rounded to 0.48 USD
    ]
    assert result.score.fees == D("1.96")
