"""The arithmetic of one fill (fills.py): the cash cut against a brute-force oracle, the target amount."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.domain.money import USD
from tradegame.engine.costs import FeeModel, Flat, PercentOfNotional, PerShare, Tiered
from tradegame.engine.fills import affordable, fee_amount, fill_fee, target_amount, target_units, tick_price, units_for

D = Decimal
MODELS: list[FeeModel] = [
    PercentOfNotional(D("0.0005")),
    PercentOfNotional(D("0.01"), minimum=D(5)),
    Flat(D("9.99")),
    PerShare(D("0.005"), minimum=D("1.00"), maximum_pct=D("0.01")),
    Tiered(((D(1000), D("0.01")), (None, D("0.001")))),
]


def most_by_scan(quantity: Decimal, price: Decimal, cash: Decimal, step: Decimal, fees: FeeModel) -> Decimal:
    """The oracle: every number of steps tried, the largest whose cost (the price rounded to the cent,
    plus the fee: what the books take from the cash) the cash pays."""
    best = D(0)
    for steps in range(1, int(quantity / step) + 1):
        units = steps * step
        cost = USD.round(units * price) + fill_fee(fees, units, price, False, USD).amount
        if cost <= cash:
            best = units
    return best


@settings(max_examples=150, deadline=None)
@given(
    steps=st.integers(1, 150),
    step=st.sampled_from([D(1), D(10), D("0.001")]),
    cents=st.integers(1, 50_000),
    cash_cents=st.integers(0, 2_000_000),
    model=st.sampled_from(MODELS),
    told=st.booleans(),
)
def test_affordable_is_the_largest_quantity_the_cash_pays(
    steps: int, step: Decimal, cents: int, cash_cents: int, model: FeeModel, told: bool
) -> None:
    quantity, price, cash = steps * step, D(cents) / 100, D(cash_cents) / 100
    full = USD.round(quantity * price) + fill_fee(model, quantity, price, False, USD).amount if told else None
    assert affordable(quantity, price, cash, step, model, False, USD, full) == most_by_scan(
        quantity, price, cash, step, model
    )


def test_a_price_that_rounds_down_to_the_cash_is_affordable() -> None:
    # 3 units at 33.335 are 100.005, booked as 100.00 (half to even): 100.00 of cash pays for them,
    # whether all of the Move (3) or the most of 4 the cash pays (the unrounded 100.005 is not the cost).
    no_fee = Flat(D(0))
    assert affordable(D(3), D("33.335"), D("100.00"), D(1), no_fee, False, USD) == 3
    assert affordable(D(4), D("33.335"), D("100.00"), D(1), no_fee, False, USD) == 3


def test_target_units_are_the_target_amount_in_whole_steps() -> None:
    # 5% of 1,000,000.5 at a rate of 1 is 50,000.025: 49 units at 1000.01 (49,000.49), not 50 (50,000.50).
    amount = target_amount(D("0.05"), 1_000_000.5, 1.0)
    assert amount == D("50000.025")
    assert target_units(D("0.05"), 1_000_000.5, 1.0, 1000.01, D(1)) == units_for(amount, 1000.01, D(1)) == 49


def test_the_fee_amount_is_the_fill_fee_to_the_digit() -> None:
    # fee_amount asks PercentOfNotional in one positional call (charge): the same Decimal, digits and
    # all, as fill_fee's Money; by hand: 1% of 10 x 12.34 is 1.234, lifted to the minimum of 5.00.
    assert str(fee_amount(MODELS[1], D(10), D("12.34"), False, USD)) == "5.00"
    assert str(fee_amount(MODELS[0], D(1), D(10), False, USD)) == "0.01"  # 0.005: fees round half up
    for model in MODELS:
        for quantity, price in ((D(0), D(5)), (D(1), D("0.01")), (D(137), D("48.25")), (D("0.001"), D(3))):
            amount = fee_amount(model, quantity, price, False, USD)
            assert str(amount) == str(fill_fee(model, quantity, price, False, USD).amount)


def test_a_price_given_as_its_decimal_sizes_and_ticks_as_the_float() -> None:
    for price in (1000.01, 12.345, 0.004, 1e-05, 33.335):
        exact = D(repr(price))
        assert str(tick_price(exact, D("0.01"))) == str(tick_price(price, D("0.01")))
        assert str(tick_price(exact, D("0.05"))) == str(tick_price(price, D("0.05")))
        assert str(units_for(D("50000.025"), exact, D(1))) == str(units_for(D("50000.025"), price, D(1)))
