"""Fee and slippage models: hand-worked examples, config parsing, and fee invariants."""

import doctest
import math
import pickle
from decimal import Decimal
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.money import KRW, USD, Currency
from tradegame.engine import costs, fee_models, slippage_models
from tradegame.engine.costs import (
    Combined,
    FeeModel,
    FixedBps,
    Flat,
    MakerTaker,
    NoFee,
    NoSlippage,
    PercentOfNotional,
    PerShare,
    SlippageModel,
    Tiered,
    VolumeImpact,
    fee_model_from_config,
    fee_model_to_config,
    slippage_model_from_config,
    slippage_model_to_config,
)

D = Decimal
IBKR = PerShare(D("0.005"), minimum=D("1.00"), maximum_pct=D("0.01"))
BRACKETS = Tiered(((D(10000), D("0.002")), (D(50000), D("0.001")), (None, D("0.0005"))))


def fee(model: FeeModel, quantity: object, price: object, *, maker: bool = False, currency: Currency = USD) -> Decimal:
    return model.fee(quantity=D(str(quantity)), price=D(str(price)), maker=maker, currency=currency)


def test_module_doctests_run() -> None:
    # The models live in fee_models and slippage_models; costs re-exports them.
    assert doctest.testmod(costs).failed == 0
    for module in (fee_models, slippage_models):
        failed, attempted = doctest.testmod(module)
        assert attempted > 0 and failed == 0


# --- fee models ------------------------------------------------------------------------------


def test_no_fee_is_zero_in_cents() -> None:
    assert str(fee(NoFee(), 100, "50.00")) == "0.00"


@pytest.mark.parametrize(
    ("model", "quantity", "price", "expected"),
    [
        # 100 * 0.005 = 0.50, lifted to the 1.00 minimum
        (PerShare(D("0.005"), minimum=D("1.00")), 100, "50.00", "1.00"),
        # 1000 * 0.005 = 5.00; cap 1% of 2,000 = 20.00 does not bite
        (IBKR, 1000, "2.00", "5.00"),
        # 10 * 0.005 = 0.05 -> minimum 1.00 -> capped at 1% of 10.00 = 0.10: the cap wins
        (IBKR, 10, "1.00", "0.10"),
        # 10,000 * 0.005 = 50.00; cap 1% of 1,000 = 10.00
        (IBKR, 10000, "0.10", "10.00"),
        # 333 * 0.005 = 1.665 -> 1.67 (HALF_UP; HALF_EVEN would give 1.66)
        (PerShare(D("0.005")), 333, "10", "1.67"),
        # 331 * 0.005 = 1.655 -> 1.66
        (PerShare(D("0.005")), 331, "10", "1.66"),
        # fractional units
        (PerShare(D("0.01")), "0.5", "100", "0.01"),
    ],
)
def test_per_share(model: PerShare, quantity: object, price: str, expected: str) -> None:
    assert str(fee(model, quantity, price)) == expected


def test_per_share_rounds_to_the_currency_minor_unit() -> None:
    assert str(fee(PerShare(D("0.5")), 3, 1000, currency=KRW)) == "2"  # 1.5 -> 2 won


def test_percent_of_notional() -> None:
    assert fee(PercentOfNotional(D("0.001")), 100, "50.00") == D("5.00")  # 0.1% of 5,000
    assert fee(PercentOfNotional(D("0.001"), minimum=D("1")), 10, "50.00") == D("1.00")  # 0.50 -> 1.00
    assert fee(PercentOfNotional(D("0.001")), 1, "12.345") == D("0.01")  # 0.012345 -> 0.01
    assert fee(PercentOfNotional(D("0.001")), 5, "1.00") == D("0.01")  # 0.005 -> 0.01 (half up)


def test_flat() -> None:
    assert fee(Flat(D("4.95")), 1, "1.00") == D("4.95")
    assert fee(Flat(D("4.95")), 100000, "500.00") == D("4.95")


@pytest.mark.parametrize(
    ("notional", "expected"),
    [
        ("5000", "10.00"),  # 0.2% of 5,000
        ("10000", "20.00"),  # exactly on the first bound: all at 0.2%
        ("10000.01", "20.00"),  # 20 + 0.01 * 0.001 = 20.00001
        ("10005", "20.01"),  # 20 + 5 * 0.001 = 20.005 -> 20.01
        ("50000", "60.00"),  # 20 + 40
        ("60000", "65.00"),  # 20 + 40 + 10,000 * 0.0005
    ],
)
def test_tiered_marginal_rates(notional: str, expected: str) -> None:
    assert str(fee(BRACKETS, 1, notional)) == expected


def test_tiered_minimum_and_single_open_tier() -> None:
    assert fee(Tiered(BRACKETS.tiers, minimum=D("25")), 1, "100") == D("25.00")
    assert fee(Tiered(((None, D("0.001")),)), 10, "100") == D("1.00")


def test_maker_taker_rebate_and_charge() -> None:
    model = MakerTaker(D("-0.0001"), D("0.0004"))
    assert fee(model, 100, "50.00", maker=True) == D("-0.50")  # rebate of 0.01% of 5,000
    assert fee(model, 100, "50.00", maker=False) == D("2.00")  # 0.04% of 5,000
    # a half-cent rebate rounds away from zero under HALF_UP
    assert fee(model, 1, "50.00", maker=True) == D("-0.01")


def test_maker_taker_minimum_lifts_charges_only() -> None:
    model = MakerTaker(D("-0.0001"), D("0.0004"), minimum=D("1.00"))
    assert fee(model, 100, "50.00", maker=False) == D("2.00")
    assert fee(model, 10, "50.00", maker=False) == D("1.00")  # 0.20 -> 1.00
    assert fee(model, 10, "50.00", maker=True) == D("-0.05")  # a rebate is not lifted
    free_maker = MakerTaker(D("0"), D("0.0004"), minimum=D("1.00"))
    assert str(fee(free_maker, 10, "50.00", maker=True)) == "0.00"


def test_tiny_rebate_rounds_to_plain_zero() -> None:
    result = fee(MakerTaker(D("-0.0001"), D("0")), 1, "1.00", maker=True)  # -0.0001 -> 0.00
    assert str(result) == "0.00"


def test_combined_sums_rounded_parts() -> None:
    commission = PerShare(D("0.005"), minimum=D("1.00"), maximum_pct=D("0.01"))
    exchange = PercentOfNotional(D("0.0000278"))  # e.g. a regulatory fee on the notional
    model = Combined((commission, exchange))
    # 1000 at 20.00: 5.00 + 20,000 * 0.0000278 = 0.556 -> 0.56
    assert fee(model, 1000, "20.00") == D("5.56")
    assert fee(model, 1000, "20.00") == fee(commission, 1000, "20.00") + fee(exchange, 1000, "20.00")


def test_combined_with_a_rebate() -> None:
    model = Combined((MakerTaker(D("-0.0002"), D("0.0003")), Flat(D("0.10"))))
    assert fee(model, 100, "100", maker=True) == D("-1.90")
    assert fee(model, 100, "100", maker=False) == D("3.10")


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        (D(0), D(1), "fill quantity must be > 0"),
        (D(-1), D(1), "fill quantity must be > 0"),
        (D(1), D(-1), "fill price must be >= 0"),
        (D("NaN"), D(1), "fill quantity must be > 0"),
        (1.5, D(1), "fill quantity must be a Decimal"),
    ],
)
def test_bad_fills_are_refused(quantity: object, price: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        PerShare(D("0.005")).fee(quantity=quantity, price=price, maker=False, currency=USD)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: PerShare(D("-0.005")), r"^PerShare\.rate: must be a number >= 0, got -0\.005$"),
        (lambda: PerShare(D("0.005"), minimum=D(-1)), r"^PerShare\.minimum: "),
        (lambda: PerShare(D("0.005"), maximum_pct=D(0)), r"^PerShare\.maximum_pct: must be a number > 0"),
        (lambda: PerShare(0.005), r"^PerShare\.rate: .*floats are not exact"),  # type: ignore[arg-type]
        (lambda: PercentOfNotional(D("NaN")), r"^PercentOfNotional\.rate: "),
        (lambda: Flat("abc"), r"^Flat\.amount: must be a number >= 0, got 'abc'"),  # type: ignore[arg-type]
        (lambda: MakerTaker(D(0), D(-1)), r"^MakerTaker\.taker_rate: "),
        (lambda: Tiered(()), r"^Tiered\.tiers: "),
        (lambda: Tiered(((D(10), D(1)), (D(5), D(1)), (None, D(1)))), r"^Tiered\.tiers\[1\]\.upper: .*must increase"),
        (lambda: Tiered(((D(10), D(1)), (D(20), D(1)))), r"^Tiered\.tiers\[1\]\.upper: the last tier must be open"),
        (lambda: Tiered(((None, D(1)), (None, D(1)))), r"^Tiered\.tiers\[0\]\.upper: only the last tier"),
        (lambda: Tiered(((D(10), D(-1)), (None, D(1)))), r"^Tiered\.tiers\[0\]\.rate: "),
        (lambda: Combined(()), r"^Combined\.parts: "),
        (lambda: Combined((NoFee(), "fee")), r"^Combined\.parts\[1\]: must be a fee model"),  # type: ignore[arg-type]
        (lambda: FixedBps(-1), r"^FixedBps\.bps: "),
        (lambda: VolumeImpact(0.1, exponent=0), r"^VolumeImpact\.exponent: must be a number > 0"),
        (lambda: VolumeImpact(math.nan), r"^VolumeImpact\.coefficient: "),
        (lambda: VolumeImpact(0.1, max_bps=-5), r"^VolumeImpact\.max_bps: "),
    ],
)
def test_bad_models_name_the_field(build: object, message: str) -> None:
    assert callable(build)
    with pytest.raises(InvalidInputError, match=message):
        build()


def test_model_errors_survive_pickling() -> None:
    with pytest.raises(InvalidInputError) as caught:
        PerShare(D(-1))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, InvalidInputError)
    assert str(copy) == str(caught.value)


def test_models_normalise_int_and_str_to_decimal() -> None:
    model = PerShare(1, minimum="0.5")  # type: ignore[arg-type]
    assert model == PerShare(D(1), minimum=D("0.50"))
    assert isinstance(model.minimum, Decimal)


# --- slippage models -------------------------------------------------------------------------


def slip(model: SlippageModel, side: Literal["buy", "sell"], price: float, quantity: float, volume: float) -> float:
    return model.execution_price(side=side, price=price, quantity=quantity, bar_volume=volume)


def test_no_slippage() -> None:
    assert slip(NoSlippage(), "buy", 50.0, 100, 1e6) == 50.0
    assert slip(NoSlippage(), "sell", 50.0, 100, math.nan) == 50.0


def test_fixed_bps_is_adverse_for_both_sides() -> None:
    model = FixedBps(5)
    assert slip(model, "buy", 100.0, 1, 1e6) == pytest.approx(100.05)
    assert slip(model, "sell", 100.0, 1, 1e6) == pytest.approx(99.95)


def test_volume_impact_square_root_numbers() -> None:
    model = VolumeImpact(0.1)
    # participation 10,000 / 1,000,000 = 0.01; sqrt = 0.1; impact = 0.1 * 0.1 = 0.01 (100 bps)
    assert model.impact(quantity=10_000, bar_volume=1_000_000) == pytest.approx(0.01)
    assert slip(model, "buy", 50.0, 10_000, 1_000_000) == pytest.approx(50.5)
    assert slip(model, "sell", 50.0, 10_000, 1_000_000) == pytest.approx(49.5)
    # 4x the size -> 2x the impact under the square root
    assert slip(model, "buy", 50.0, 40_000, 1_000_000) == pytest.approx(51.0)
    # a linear model (exponent 1): 0.5 * 0.01 = 0.005
    assert slip(VolumeImpact(0.5, exponent=1), "buy", 100.0, 10_000, 1_000_000) == pytest.approx(100.5)


def test_volume_impact_cap() -> None:
    model = VolumeImpact(0.1, max_bps=50)
    assert slip(model, "buy", 50.0, 10_000, 1_000_000) == pytest.approx(50.25)  # 100 bps capped to 50
    assert slip(model, "sell", 50.0, 10_000, 1_000_000) == pytest.approx(49.75)
    assert slip(model, "buy", 50.0, 100, 1_000_000) == pytest.approx(50.05)  # 10 bps, under the cap


@pytest.mark.parametrize("volume", [math.nan, 0.0])
def test_volume_impact_without_volume_information(volume: float) -> None:
    assert slip(VolumeImpact(0.1, max_bps=50), "buy", 100.0, 10, volume) == pytest.approx(100.5)
    assert slip(VolumeImpact(0.1, max_bps=50), "sell", 100.0, 10, volume) == pytest.approx(99.5)
    assert slip(VolumeImpact(0.1), "buy", 100.0, 10, volume) == 100.0


def test_volume_impact_sell_price_never_below_zero() -> None:
    assert slip(VolumeImpact(1.0), "sell", 10.0, 4_000, 1_000) == 0.0  # impact 2.0 = 200%


def test_volume_impact_overflow_without_cap_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="set max_bps"):
        slip(VolumeImpact(1.0, exponent=3), "buy", 10.0, 1e300, 1e-300)
    assert slip(VolumeImpact(1.0, exponent=3, max_bps=100), "buy", 10.0, 1e300, 1e-300) == pytest.approx(10.1)


@pytest.mark.parametrize(
    ("side", "price", "quantity", "volume", "message"),
    [
        ("hold", 1.0, 1.0, 1.0, "side must be"),
        ("buy", math.nan, 1.0, 1.0, "price must be"),
        ("buy", -1.0, 1.0, 1.0, "price must be"),
        ("buy", 1.0, 0.0, 1.0, "quantity must be"),
        ("buy", 1.0, 1.0, -1.0, "bar_volume must be"),
    ],
)
def test_bad_trades_are_refused(side: str, price: float, quantity: float, volume: float, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        FixedBps(1).execution_price(side=side, price=price, quantity=quantity, bar_volume=volume)  # type: ignore[arg-type]


# --- config ----------------------------------------------------------------------------------

FEE_CONFIGS = [
    ({"model": "none"}, NoFee()),
    ({"model": "per_share", "rate": "0.005", "minimum": "1.00", "maximum_pct": "0.01"}, IBKR),
    ({"model": "per_share", "rate": 0.005, "minimum": 1, "maximum_pct": 0.01}, IBKR),  # TOML floats and ints
    ({"model": "percent", "rate": "0.001"}, PercentOfNotional(D("0.001"))),
    ({"model": "percent", "rate": 0.001, "minimum": 2}, PercentOfNotional(D("0.001"), D(2))),
    ({"model": "flat", "amount": "4.95"}, Flat(D("4.95"))),
    ({"model": "tiered", "tiers": [["10000", "0.002"], ["50000", "0.001"], [None, "0.0005"]]}, BRACKETS),
    ({"model": "tiered", "tiers": [[10000, 0.002], [50000, 0.001], ["inf", 0.0005]]}, BRACKETS),
    ({"model": "tiered", "tiers": [[10000, 0.002], [50000, 0.001], [math.inf, 0.0005]]}, BRACKETS),
    (
        {"model": "maker_taker", "maker_rate": "-0.0001", "taker_rate": "0.0004"},
        MakerTaker(D("-0.0001"), D("0.0004")),
    ),
    (
        {"model": "combined", "parts": [{"model": "per_share", "rate": "0.005"}, {"model": "flat", "amount": "0.5"}]},
        Combined((PerShare(D("0.005")), Flat(D("0.5")))),
    ),
]


@pytest.mark.parametrize(("config", "expected"), FEE_CONFIGS)
def test_fee_config_shapes(config: dict[str, object], expected: FeeModel) -> None:
    model = fee_model_from_config(config)
    assert model == expected
    assert fee_model_from_config(fee_model_to_config(model)) == model


def test_toml_float_reads_as_the_decimal_written() -> None:
    model = fee_model_from_config({"model": "percent", "rate": 0.1 + 0.2})  # repr is 0.30000000000000004
    assert model == PercentOfNotional(D("0.30000000000000004"))
    assert fee_model_from_config({"model": "percent", "rate": 0.001}) == PercentOfNotional(D("0.001"))


def test_fee_to_config_writes_exact_strings() -> None:
    assert fee_model_to_config(BRACKETS) == {
        "model": "tiered",
        "tiers": [["10000", "0.002"], ["50000", "0.001"], ["inf", "0.0005"]],
        "minimum": "0",
    }


SLIPPAGE_CONFIGS = [
    ({"model": "none"}, NoSlippage()),
    ({"model": "fixed_bps", "bps": 5}, FixedBps(5)),
    ({"model": "volume_impact", "coefficient": 0.1, "max_bps": 50}, VolumeImpact(0.1, max_bps=50)),
    ({"model": "volume_impact", "coefficient": 0.1, "exponent": 0.6}, VolumeImpact(0.1, exponent=0.6)),
]


@pytest.mark.parametrize(("config", "expected"), SLIPPAGE_CONFIGS)
def test_slippage_config_shapes(config: dict[str, object], expected: SlippageModel) -> None:
    model = slippage_model_from_config(config)
    assert model == expected
    assert slippage_model_from_config(slippage_model_to_config(model)) == model


def test_to_config_refuses_custom_models() -> None:
    class Custom:
        def fee(self, *, quantity: Decimal, price: Decimal, maker: bool, currency: Currency) -> Decimal:
            return D(0)

    with pytest.raises(TypeError, match="Custom"):
        fee_model_to_config(Custom())


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model": "foo"}, r"^fees\.model: unknown fee model 'foo' \(use one of: combined, flat, maker_taker, none, "),
        ({"rate": "0.1"}, r"^fees\.model: missing required key"),
        ({"model": 3}, r"^fees\.model: unknown fee model 3"),
        ({"model": "percent", "rat": "0.1"}, r"^fees\.rat: unknown key"),
        ({"model": "none", "rate": "0.1"}, r"^fees\.rate: unknown key"),
        ({"model": "percent"}, r"^fees\.rate: missing required key"),
        ({"model": "maker_taker", "maker_rate": "0"}, r"^fees\.taker_rate: missing required key"),
        ({"model": "percent", "rate": "abc"}, r"^fees\.rate: must be a number >= 0, got 'abc'$"),
        ({"model": "percent", "rate": "-0.001"}, r"^fees\.rate: must be a number >= 0, got '-0.001'$"),
        ({"model": "percent", "rate": -0.001}, r"^fees\.rate: must be a number >= 0, got -0.001$"),
        ({"model": "percent", "rate": True}, r"^fees\.rate: must be a number >= 0, got True$"),
        ({"model": "percent", "rate": math.nan}, r"^fees\.rate: "),
        ({"model": "per_share", "rate": "0.005", "maximum_pct": "0"}, r"^fees\.maximum_pct: must be a number > 0"),
        ({"model": "flat", "amount": [1]}, r"^fees\.amount: "),
        ({"model": "tiered", "tiers": "flat"}, r"^fees\.tiers: must be a non-empty sequence"),
        ({"model": "tiered", "tiers": []}, r"^fees\.tiers: must be a non-empty sequence"),
        ({"model": "tiered", "tiers": [["10000", "0.002", "x"], ["inf", "0"]]}, r"^fees\.tiers\[0\]: must be an"),
        (
            {"model": "tiered", "tiers": [["10000", "0.002"], ["5000", "0.001"], ["inf", "0"]]},
            r"^fees\.tiers\[1\]\.upper: upper bounds must increase: got 5000 after 10000$",
        ),
        (
            {"model": "tiered", "tiers": [["10000", "0.002"], ["50000", "0.001"]]},
            r"^fees\.tiers\[1\]\.upper: the last tier must be open",
        ),
        (
            {"model": "tiered", "tiers": [["0", "0.002"], ["inf", "0"]]},
            r"^fees\.tiers\[0\]\.upper: must be a number > 0",
        ),
        ({"model": "tiered", "tiers": [["inf", "abc"]]}, r"^fees\.tiers\[0\]\.rate: must be a number >= 0, got 'abc'"),
        ({"model": "combined", "parts": []}, r"^fees\.parts: must be a non-empty sequence"),
        ({"model": "combined", "parts": {"model": "none"}}, r"^fees\.parts: must be a non-empty sequence"),
        ({"model": "combined", "parts": [{"model": "none"}, "flat"]}, r"^fees\.parts\[1\]: must be a table"),
        (
            {"model": "combined", "parts": [{"model": "none"}, {"model": "flat", "amount": "-1"}]},
            r"^fees\.parts\[1\]\.amount: must be a number >= 0, got '-1'$",
        ),
    ],
)
def test_bad_fee_configs_name_the_field(config: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        fee_model_from_config(config)  # type: ignore[arg-type]


def test_bad_config_uses_the_given_field_path() -> None:
    with pytest.raises(InvalidInputError, match=r"^game\.brokers\[0\]\.fees\.rate: "):
        fee_model_from_config({"model": "percent", "rate": "x"}, field="game.brokers[0].fees")
    with pytest.raises(InvalidInputError, match=r"^fees: must be a table"):
        fee_model_from_config("per_share")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model": "square_root"}, r"^slippage\.model: unknown slippage model 'square_root' \(use one of: "),
        ({"model": "fixed_bps"}, r"^slippage\.bps: missing required key"),
        ({"model": "fixed_bps", "bps": 5, "cap": 1}, r"^slippage\.cap: unknown key"),
        ({"model": "fixed_bps", "bps": "five"}, r"^slippage\.bps: must be a number >= 0 and <= 10000, got 'five'$"),
        ({"model": "fixed_bps", "bps": -1}, r"^slippage\.bps: must be a number >= 0"),
        ({"model": "volume_impact", "coefficient": 0.1, "exponent": 0}, r"^slippage\.exponent: must be a number > 0"),
        ({"model": "volume_impact", "coefficient": 0.1, "max_bps": -5}, r"^slippage\.max_bps: "),
    ],
)
def test_bad_slippage_configs_name_the_field(config: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        slippage_model_from_config(config)


# --- properties ------------------------------------------------------------------------------

rates = st.decimals(min_value=D(0), max_value=D("0.05"), places=5)
amounts = st.decimals(min_value=D(0), max_value=D(50), places=2)
quantities = st.decimals(min_value=D("0.0001"), max_value=D(1_000_000), places=4)
prices = st.decimals(min_value=D(0), max_value=D(10_000), places=4)


@st.composite
def tiered_models(draw: st.DrawFn) -> Tiered:
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=10_000_000), max_size=4)))
    tier_rates = draw(st.lists(rates, min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    uppers: list[Decimal | None] = [D(bound) for bound in bounds]
    uppers.append(None)
    return Tiered(tuple(zip(uppers, tier_rates, strict=True)), minimum=draw(amounts))


monotone_models = st.one_of(
    st.builds(PerShare, rates, amounts),
    st.builds(PercentOfNotional, rates, amounts),
    tiered_models(),
)
non_maker_models = st.one_of(
    monotone_models,
    st.builds(PerShare, rates, amounts, st.decimals(min_value=D("0.0001"), max_value=D("0.05"), places=4)),
    st.builds(Flat, amounts),
    st.just(NoFee()),
    st.builds(MakerTaker, rates, rates, amounts),
)


def is_whole_cents(amount: Decimal) -> bool:
    return amount.as_tuple().exponent == -2 and amount == amount.quantize(D("0.01"))


@given(model=non_maker_models, quantity=quantities, price=prices, maker=st.booleans())
def test_fees_without_rebates_are_never_negative_and_in_whole_cents(
    model: FeeModel, quantity: Decimal, price: Decimal, maker: bool
) -> None:
    amount = model.fee(quantity=quantity, price=price, maker=maker, currency=USD)
    assert amount >= 0
    assert is_whole_cents(amount)


@given(model=monotone_models, quantities=st.lists(quantities, min_size=2, max_size=2), price=prices)
def test_fees_are_monotone_in_quantity(model: FeeModel, quantities: list[Decimal], price: Decimal) -> None:
    smaller, larger = sorted(quantities)
    assert model.fee(quantity=smaller, price=price, maker=False, currency=USD) <= model.fee(
        quantity=larger, price=price, maker=False, currency=USD
    )


@given(
    maker_rate=st.decimals(min_value=D("-0.01"), max_value=D("0.01"), places=5),
    quantity=quantities,
    price=prices,
    maker=st.booleans(),
)
def test_rebates_are_whole_cents_too(maker_rate: Decimal, quantity: Decimal, price: Decimal, maker: bool) -> None:
    amount = MakerTaker(maker_rate, D("0.0004"), minimum=D(1)).fee(
        quantity=quantity, price=price, maker=maker, currency=USD
    )
    assert is_whole_cents(amount)
    assert str(amount) != "-0.00"


@given(
    model=st.one_of(
        st.builds(FixedBps, st.floats(min_value=0, max_value=1000)),
        st.builds(
            VolumeImpact,
            st.floats(min_value=0, max_value=1),
            st.floats(min_value=0.1, max_value=2),
            st.one_of(st.none(), st.floats(min_value=0, max_value=500)),
        ),
    ),
    price=st.floats(min_value=0.01, max_value=1e5),
    quantity=st.floats(min_value=1, max_value=1e6),
    volume=st.one_of(st.just(math.nan), st.just(0.0), st.floats(min_value=1, max_value=1e9)),
)
def test_slippage_is_always_adverse(model: SlippageModel, price: float, quantity: float, volume: float) -> None:
    buy = model.execution_price(side="buy", price=price, quantity=quantity, bar_volume=volume)
    sell = model.execution_price(side="sell", price=price, quantity=quantity, bar_volume=volume)
    assert 0 <= sell <= price <= buy
