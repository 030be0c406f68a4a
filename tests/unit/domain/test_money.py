"""Exact value types refuse floats, round at named points and never mix currencies."""

from decimal import Decimal

import pytest

from tradegame.domain.errors import CurrencyMismatchError, InvalidAmountError, InvalidInputError
from tradegame.domain.instruments import Account, AssetClass, Instrument, LotMethod
from tradegame.domain.money import EUR, KRW, USD, Currency, Money, Price, Quantity, to_decimal


def test_floats_are_refused_everywhere() -> None:
    with pytest.raises(InvalidAmountError, match="not float"):
        to_decimal(0.1)
    with pytest.raises(InvalidAmountError):
        Money(0.1, USD)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmountError):
        Price(1.5, USD)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmountError):
        Quantity(2.0)  # type: ignore[arg-type]


def test_non_numbers_and_non_finite_values_are_refused() -> None:
    for bad in ("abc", "NaN", "Infinity", ""):
        with pytest.raises(InvalidAmountError):
            to_decimal(bad)


def test_money_rounds_half_to_even_at_the_named_point() -> None:
    assert Money.of("0.125", USD).amount == Decimal("0.12")
    assert Money.of("0.135", USD).amount == Decimal("0.14")
    assert Money.of("1500.5", KRW).amount == Decimal("1500")
    assert Price(Decimal("10.005"), USD).total(Quantity(Decimal(3))) == Money(Decimal("30.02"), USD)


def test_money_of_two_currencies_never_mixes() -> None:
    with pytest.raises(CurrencyMismatchError):
        _ = Money.of(1, USD) + Money.of(1, EUR)
    assert Money.of(10, EUR).convert(Decimal("1.0850"), USD) == Money(Decimal("10.85"), USD)


def test_arithmetic_is_exact() -> None:
    total = Money.zero(USD)
    for _ in range(10):
        total += Money.of("0.10", USD)
    assert total == Money(Decimal("1.00"), USD)


def test_negative_prices_and_quantities_are_refused() -> None:
    with pytest.raises(InvalidAmountError):
        Price(Decimal("-1"), USD)
    with pytest.raises(InvalidAmountError):
        Quantity(Decimal("-1"))


def test_currency_codes_and_minor_units_are_checked() -> None:
    assert USD.quantum == Decimal("0.01") and KRW.quantum == Decimal(1)
    with pytest.raises(InvalidAmountError):
        Currency("usd")
    with pytest.raises(InvalidAmountError):
        Currency("USD", 40)


def test_instrument_checks_lot_and_tick_size() -> None:
    share = Instrument("ACME", AssetClass.EQUITY, USD)
    share.check_quantity(Quantity(Decimal(3)))
    with pytest.raises(InvalidInputError, match="not a multiple of lot size"):
        share.check_quantity(Quantity(Decimal("0.5")))
    with pytest.raises(InvalidInputError, match="tick"):
        share.check_price(Decimal("10.001"))
    coin = Instrument("BTC", AssetClass.CRYPTO, USD, tick_size=Decimal("0.01"), fractional=True)
    coin.check_quantity(Quantity(Decimal("0.00012345")))
    with pytest.raises(InvalidInputError):
        Instrument("BAD SYMBOL", AssetClass.EQUITY, USD)


def test_account_defaults_to_fifo_and_refuses_bad_names() -> None:
    assert Account("IBKR", "interactive-brokers", USD).lot_method is LotMethod.FIFO
    with pytest.raises(InvalidInputError):
        Account("a:b", "x", USD)
