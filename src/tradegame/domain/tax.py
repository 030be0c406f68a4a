"""Tax estimate: realized gains per tax year turned into tax due under a tax profile.

The netting follows the US Schedule D order: each year's short- and long-term results are
combined with the losses carried in from earlier years (each keeps its character), a net loss
in one term offsets a net gain in the other, and a remaining net loss is deducted from ordinary
income up to ``loss_deduction_limit`` (short-term losses first) and carried forward past that.
A deducted loss saves tax at the short-term (ordinary) rate, so a year's ``tax_due`` can be
negative. Standard library only.

The yearly gains fold (``gains_by_year``: realized gains summed per year and term) and the tax of a
run of years (``tax_of_years``) are here too, so the Books and the sweep fold gains the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.holding import Term
from tradegame.domain.money import USD, Currency, to_decimal

__all__ = ["TaxProfile", "TaxRates", "YearTax", "estimate_tax", "gains_by_year", "tax_of_year", "tax_of_years"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class TaxRates:
    """Rates as fractions, e.g. ``Decimal('0.37')``."""

    short_term: Decimal
    long_term: Decimal

    def __post_init__(self) -> None:
        for name in ("short_term", "long_term"):
            rate = to_decimal(getattr(self, name), f"{name} rate")
            if not 0 <= rate <= 1:
                raise InvalidInputError(f"{name} rate {rate} must be between 0 and 1")
            object.__setattr__(self, name, rate)


@dataclass(frozen=True, slots=True)
class TaxProfile:
    """Capital-gains rates with optional per-year overrides."""

    rates: TaxRates
    year_overrides: Mapping[int, TaxRates] = field(default_factory=dict)
    loss_deduction_limit: Decimal = Decimal(3000)
    currency: Currency = USD

    @classmethod
    def flat(cls, short_term: str | Decimal, long_term: str | Decimal) -> TaxProfile:
        return cls(TaxRates(Decimal(short_term), Decimal(long_term)))

    def __post_init__(self) -> None:
        limit = to_decimal(self.loss_deduction_limit, "loss deduction limit")
        if limit < 0:
            raise InvalidInputError(f"loss deduction limit {limit} must not be negative")
        object.__setattr__(self, "loss_deduction_limit", limit)

    def rates_for(self, year: int) -> TaxRates:
        return self.year_overrides.get(year, self.rates)


@dataclass(frozen=True, slots=True)
class YearTax:
    """One tax year's netting and the tax it gives."""

    year: int
    short_term_gain: Decimal
    long_term_gain: Decimal
    carried_in_short: Decimal
    carried_in_long: Decimal
    taxable_short: Decimal
    taxable_long: Decimal
    deducted_loss: Decimal
    carried_out_short: Decimal
    carried_out_long: Decimal
    tax_due: Decimal


def _net(short: Decimal, long: Decimal) -> tuple[Decimal, Decimal]:
    """Offset a loss in one term against a gain in the other; losses stay negative."""
    if short < 0 < long:
        combined = long + short
        return (_ZERO, combined) if combined >= 0 else (combined, _ZERO)
    if long < 0 < short:
        combined = short + long
        return (combined, _ZERO) if combined >= 0 else (_ZERO, combined)
    return short, long


def estimate_tax(gains_by_year: Mapping[int, tuple[Decimal, Decimal]], profile: TaxProfile) -> list[YearTax]:
    """Tax per year from ``{year: (short_term_gain, long_term_gain)}``, oldest year first.

    Every year from the first to the last given appears (a year without sales may still use a
    carryover); what is still carried after the last year is in its ``carried_out_*``.
    """
    years = sorted(gains_by_year)
    result: list[YearTax] = []
    carry_short = carry_long = _ZERO
    for year in range(years[0], years[-1] + 1) if years else ():
        short, long = gains_by_year.get(year, (_ZERO, _ZERO))
        net_short, net_long = _net(short + carry_short, long + carry_long)
        limit = profile.loss_deduction_limit
        deducted = _ZERO
        out_short = out_long = _ZERO
        if net_short < 0:
            deducted = min(-net_short, limit)
            out_short = net_short + deducted
        if net_long < 0:
            from_long = min(-net_long, limit - deducted)
            deducted += from_long
            out_long = net_long + from_long
        rates = profile.rates_for(year)
        taxable_short = max(net_short, _ZERO)
        taxable_long = max(net_long, _ZERO)
        tax = taxable_short * rates.short_term + taxable_long * rates.long_term - deducted * rates.short_term
        result.append(
            YearTax(
                year,
                short,
                long,
                carry_short,
                carry_long,
                taxable_short,
                taxable_long,
                deducted,
                out_short,
                out_long,
                profile.currency.round(tax),
            )
        )
        carry_short, carry_long = out_short, out_long
    return result


def tax_of_year(gains_by_year: Mapping[int, tuple[Decimal, Decimal]], year: int, profile: TaxProfile) -> YearTax | None:
    """``estimate_tax`` of ``year``, from its gains and the carryovers of the years before it (the
    gains of later years are left out); a year without sales is estimated too."""
    known = {y: gains for y, gains in gains_by_year.items() if y <= year}
    known.setdefault(year, (_ZERO, _ZERO))
    return next((result for result in estimate_tax(known, profile) if result.year == year), None)


def gains_by_year(gains: Iterable[tuple[int, Term | None, Decimal]]) -> dict[int, tuple[Decimal, Decimal]]:
    """Fold realized gains ``(year, term, gain)`` into ``{year: (short_term_gain, long_term_gain)}``,
    the input of ``estimate_tax``; a gain without a term counts as short term, and a year appears
    once one of its gains is seen."""
    folded: dict[int, tuple[Decimal, Decimal]] = {}
    for year, term, gain in gains:
        short, long = folded.get(year, (_ZERO, _ZERO))
        if term is Term.LONG:
            long += gain
        else:
            short += gain
        folded[year] = (short, long)
    return folded


def tax_of_years(gains: Mapping[int, tuple[Decimal, Decimal]], first: int, last: int, profile: TaxProfile) -> Decimal:
    """The capital-gains tax due of every year from ``first`` to ``last`` (``tax_of_year`` of each), summed."""
    total = _ZERO
    for year in range(first, last + 1):
        result = tax_of_year(gains, year, profile)
        total += result.tax_due if result is not None else _ZERO
    return total
