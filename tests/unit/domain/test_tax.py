"""Tax estimate: Schedule D-style netting, the loss deduction limit and carryovers."""

from decimal import Decimal

import pytest

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.holding import Term
from tradegame.domain.tax import TaxProfile, TaxRates, estimate_tax, gains_by_year, tax_of_years

D = Decimal
PROFILE = TaxProfile.flat("0.30", "0.15")


def test_gains_are_taxed_at_their_own_rates() -> None:
    (year,) = estimate_tax({2024: (D(1000), D(2000))}, PROFILE)
    assert year.tax_due == D("600.00")  # 1000 * 0.30 + 2000 * 0.15


def test_a_short_term_loss_offsets_a_long_term_gain() -> None:
    (year,) = estimate_tax({2024: (D(-500), D(2000))}, PROFILE)
    assert (year.taxable_short, year.taxable_long, year.tax_due) == (0, D(1500), D("225.00"))


def test_a_net_loss_is_deducted_up_to_the_limit_and_carried_forward_with_its_character() -> None:
    first, second, third = estimate_tax(
        {2023: (D(-10000), D(2000)), 2024: (D(500), D(1000)), 2025: (D(0), D(0))}, PROFILE
    )
    assert (first.deducted_loss, first.carried_out_short, first.tax_due) == (D(3000), D(-5000), D("-900.00"))
    assert (second.carried_in_short, second.deducted_loss, second.carried_out_short) == (D(-5000), D(3000), D(-500))
    assert (third.year, third.deducted_loss, third.carried_out_short) == (2025, D(500), 0)


def test_the_carryover_past_the_last_year_is_reported_not_looped_over() -> None:
    no_deduction = TaxProfile(TaxRates(D("0.30"), D("0.15")), loss_deduction_limit=D(0))
    (only,) = estimate_tax({2024: (D(-(10**9)), D(0))}, no_deduction)
    assert (only.deducted_loss, only.carried_out_short, only.tax_due) == (0, D(-(10**9)), D("0.00"))
    _, gap, last = estimate_tax({2022: (D(-4000), D(0)), 2024: (D(0), D(0))}, PROFILE)
    assert (gap.year, gap.deducted_loss, last.carried_in_short, last.carried_out_short) == (2023, D(1000), 0, 0)


def test_long_term_losses_carry_as_long_term() -> None:
    first, second = estimate_tax({2023: (D(0), D(-4000)), 2024: (D(0), D(5000))}, PROFILE)
    assert (first.carried_out_long, first.carried_out_short) == (D(-1000), 0)
    assert (second.taxable_long, second.tax_due) == (D(4000), D("600.00"))


def test_per_year_overrides_apply_to_that_year_only() -> None:
    profile = TaxProfile(TaxRates(D("0.30"), D("0.15")), {2025: TaxRates(D("0.40"), D("0.20"))})
    years = estimate_tax({2024: (D(100), D(100)), 2025: (D(100), D(100))}, profile)
    assert [y.tax_due for y in years] == [D("45.00"), D("60.00")]


def test_rates_outside_zero_to_one_and_negative_limits_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="between 0 and 1"):
        TaxRates(D("1.5"), D("0.1"))
    with pytest.raises(InvalidInputError, match="must not be negative"):
        TaxProfile(TaxRates(D("0.3"), D("0.1")), loss_deduction_limit=D(-1))


def test_gains_are_folded_per_year_and_term() -> None:
    folded = gains_by_year(
        [(2024, Term.SHORT, D(100)), (2024, Term.LONG, D(50)), (2024, None, D(-30)), (2026, Term.LONG, D(7))]
    )
    assert folded == {2024: (D(70), D(50)), 2026: (D(0), D(7))}


def test_the_tax_of_a_run_of_years_carries_losses_forward() -> None:
    gains = {2023: (D(-10000), D(2000)), 2024: (D(500), D(1000))}
    years = estimate_tax({**gains, 2025: (D(0), D(0))}, PROFILE)
    assert tax_of_years(gains, 2023, 2025, PROFILE) == sum(year.tax_due for year in years)
    assert tax_of_years(gains, 2024, 2024, PROFILE) == years[1].tax_due
