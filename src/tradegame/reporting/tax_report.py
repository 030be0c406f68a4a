"""The tax-lot report as JSON-ready data: disposals, open lots, totals per tax year, Games, tax.

Amounts are decimal strings, never floats. ``build_report`` makes the whole report from a
booked ``LotBook``; ``report_head``, ``disposal_dict`` and ``report_tail`` are its parts, which
``tax_output`` writes as a stream. Imports the domain only; writes nothing itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradegame.domain.holding import Term
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, LotBook, OpenLot
from tradegame.domain.tax import TaxProfile, YearTax, estimate_tax
from tradegame.domain.trades import GameAttribution

__all__ = ["YearTotals", "build_report", "disposal_dict", "report_head", "report_tail", "totals_by_tax_year"]

_ZERO = Decimal(0)


class YearTotals:
    """Sums of one tax year's disposals."""

    __slots__ = ("cost_basis", "long_term_gain", "proceeds", "short_term_gain", "wash_sale_disallowed")

    def __init__(self) -> None:
        self.short_term_gain = _ZERO
        self.long_term_gain = _ZERO
        self.wash_sale_disallowed = _ZERO
        self.proceeds = _ZERO
        self.cost_basis = _ZERO

    def add(self, disposal: Disposal) -> None:
        self.add_parts(disposal, disposal.gain, disposal.term)

    def add_parts(self, disposal: Disposal, gain: Decimal, term: Term) -> None:
        """``add`` with the disposal's gain and term already worked out."""
        if term is Term.LONG:
            self.long_term_gain += gain
        else:
            self.short_term_gain += gain
        self.wash_sale_disallowed += disposal.adjustment_amount
        self.proceeds += disposal.proceeds
        self.cost_basis += disposal.cost_basis


def totals_by_tax_year(disposals: Sequence[Disposal]) -> dict[int, YearTotals]:
    """Totals per calendar year of sale, oldest first."""
    totals: dict[int, YearTotals] = defaultdict(YearTotals)
    for disposal in disposals:
        totals[disposal.date_sold.year].add(disposal)
    return dict(sorted(totals.items()))


def _amount(value: Decimal, quantum: Decimal) -> str:
    return format(value.quantize(quantum), "f")


def _quantity(value: Decimal) -> str:
    return format(value, "f")


def disposal_dict(d: Disposal, quantum: Decimal) -> dict[str, Any]:
    return {
        "account": d.account,
        "symbol": d.symbol,
        "lot_id": d.lot_id,
        "quantity": _quantity(d.quantity),
        "date_acquired": d.date_acquired.isoformat(),
        "date_acquired_actual": d.date_acquired_actual.isoformat(),
        "date_sold": d.date_sold.isoformat(),
        "proceeds": _amount(d.proceeds, quantum),
        "cost_basis": _amount(d.cost_basis, quantum),
        "adjustment_code": d.adjustment_code,
        "adjustment_amount": _amount(d.adjustment_amount, quantum),
        "gain": _amount(d.gain, quantum),
        "term": d.term.value,
        "asset_class": "crypto" if d.asset_class is AssetClass.CRYPTO else "security",
        "game": d.game,
        "lot_game": d.lot_game,
    }


def _open_lot_dict(lot: OpenLot, quantum: Decimal) -> dict[str, Any]:
    return {
        "account": lot.account,
        "symbol": lot.symbol,
        "lot_id": lot.lot_id,
        "quantity": _quantity(lot.quantity),
        "cost_basis": _amount(lot.cost_basis, quantum),
        "date_acquired": lot.date_acquired.isoformat(),
        "date_acquired_actual": lot.date_acquired_actual.isoformat(),
        "game": lot.game,
    }


def _year_taxes(totals: dict[int, YearTotals], profile: TaxProfile) -> list[YearTax]:
    return estimate_tax({year: (t.short_term_gain, t.long_term_gain) for year, t in totals.items()}, profile)


def report_tail(
    open_lots: Sequence[OpenLot],
    totals: dict[int, YearTotals],
    games: Sequence[GameAttribution],
    profile: TaxProfile | None,
    quantum: Decimal,
) -> dict[str, Any]:
    """The report's entries after ``disposals``: open lots, totals, and games and tax if any."""
    tail: dict[str, Any] = {
        "open_lots": [_open_lot_dict(lot, quantum) for lot in open_lots],
        "totals_by_tax_year": {
            str(year): {
                "short_term_gain": _amount(t.short_term_gain, quantum),
                "long_term_gain": _amount(t.long_term_gain, quantum),
                "wash_sale_disallowed": _amount(t.wash_sale_disallowed, quantum),
                "proceeds": _amount(t.proceeds, quantum),
                "cost_basis": _amount(t.cost_basis, quantum),
            }
            for year, t in sorted(totals.items())
        },
    }
    if games:
        tail["games"] = [
            {
                "game": g.game,
                "tax_gain": _amount(g.tax_gain, quantum),
                "own_gain": None if g.own_gain is None else _amount(g.own_gain, quantum),
                "quantity_sold": _quantity(g.quantity_sold),
                "quantity_from_other_games": _quantity(g.quantity_from_other_games),
            }
            for g in games
        ]
    if profile is not None:
        tail["tax"] = [
            {
                "year": y.year,
                "taxable_short_term": _amount(y.taxable_short, quantum),
                "taxable_long_term": _amount(y.taxable_long, quantum),
                "loss_deducted": _amount(y.deducted_loss, quantum),
                "carryover_short_term": _amount(y.carried_out_short, quantum),
                "carryover_long_term": _amount(y.carried_out_long, quantum),
                "tax_due": _amount(y.tax_due, quantum),
            }
            for y in _year_taxes(totals, profile)
        ]
    return tail


def report_head(currency: str, method: LotMethod, wash_sales: bool) -> dict[str, Any]:
    """The report's entries before ``disposals``."""
    return {"currency": currency, "method": method.value, "wash_sales": wash_sales}


def build_report(
    book: LotBook,
    method: LotMethod,
    games: Sequence[GameAttribution] = (),
    profile: TaxProfile | None = None,
) -> dict[str, Any]:
    """Everything the ``tax lots`` command prints, as JSON-ready data, from a whole book.

    The command itself streams the same report (``tax_output``); this builds it in memory.
    """
    quantum = book.currency.quantum
    disposals = book.disposals
    report = report_head(book.currency.code, method, book.wash_sales)
    report["disposals"] = [disposal_dict(d, quantum) for d in disposals]
    report.update(report_tail(book.open_lots(), totals_by_tax_year(disposals), games, profile, quantum))
    return report
