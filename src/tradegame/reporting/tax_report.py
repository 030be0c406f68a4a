"""The tax-lot report: a JSON-ready dict and a Form 8949-style table.

Builds plain data from a booked ``LotBook`` (amounts as decimal strings, never floats) and
renders it with Rich. Imports the domain and Rich only; writes nothing itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from tradegame.domain.holding import Term
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, LotBook, OpenLot
from tradegame.domain.tax import TaxProfile, YearTax, estimate_tax
from tradegame.domain.trades import GameAttribution

__all__ = ["YearTotals", "build_report", "render_report", "totals_by_tax_year"]

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
        if disposal.term is Term.LONG:
            self.long_term_gain += disposal.gain
        else:
            self.short_term_gain += disposal.gain
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


def _disposal_dict(d: Disposal, quantum: Decimal) -> dict[str, Any]:
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


def build_report(
    book: LotBook,
    method: LotMethod,
    games: Sequence[GameAttribution] = (),
    profile: TaxProfile | None = None,
) -> dict[str, Any]:
    """Everything the ``tax lots`` command prints, as JSON-ready data."""
    quantum = book.currency.quantum
    disposals = book.disposals
    totals = totals_by_tax_year(disposals)
    report: dict[str, Any] = {
        "currency": book.currency.code,
        "method": method.value,
        "wash_sales": book.wash_sales,
        "disposals": [_disposal_dict(d, quantum) for d in disposals],
        "open_lots": [_open_lot_dict(lot, quantum) for lot in book.open_lots()],
        "totals_by_tax_year": {
            str(year): {
                "short_term_gain": _amount(t.short_term_gain, quantum),
                "long_term_gain": _amount(t.long_term_gain, quantum),
                "wash_sale_disallowed": _amount(t.wash_sale_disallowed, quantum),
                "proceeds": _amount(t.proceeds, quantum),
                "cost_basis": _amount(t.cost_basis, quantum),
            }
            for year, t in totals.items()
        },
    }
    if games:
        report["games"] = [
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
        report["tax"] = [
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
    return report


def _money_cell(text: str) -> Text:
    return Text(text, style="red" if text.startswith("-") else "")


def _part_table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left", show_footer=True)
    table.add_column("Account")
    table.add_column("Lot")
    table.add_column("(a) Description", footer="Totals")
    table.add_column("(b) Acquired")
    table.add_column("(c) Sold")
    sums = dict.fromkeys(("proceeds", "cost_basis", "adjustment_amount", "gain"), _ZERO)
    for row in rows:
        for key in sums:
            sums[key] += Decimal(row[key])
    for header, key in (("(d) Proceeds", "proceeds"), ("(e) Cost basis", "cost_basis")):
        table.add_column(header, justify="right", footer=str(sums[key]))
    table.add_column("(f) Code", justify="center")
    table.add_column("(g) Adjustment", justify="right", footer=str(sums["adjustment_amount"]))
    table.add_column("(h) Gain or loss", justify="right", footer=_money_cell(str(sums["gain"])))
    for row in rows:
        table.add_row(
            row["account"],
            row["lot_id"],
            f"{row['quantity']} {row['symbol']}",
            row["date_acquired"],
            row["date_sold"],
            row["proceeds"],
            row["cost_basis"],
            row["adjustment_code"],
            row["adjustment_amount"] if row["adjustment_code"] else "",
            _money_cell(row["gain"]),
        )
    return table


def render_report(report: dict[str, Any], console: Console) -> None:
    """Print ``report`` as Form 8949-style parts per tax year, then open lots and totals."""
    by_year: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in report["disposals"]:
        by_year[row["date_sold"][:4]].append(row)
    wash = "on" if report["wash_sales"] else "off"
    console.print(f"[bold]Tax lots[/bold]: method {report['method'].upper()}, wash sales {wash}, {report['currency']}")
    for year, rows in sorted(by_year.items()):
        parts = []
        for term, title in (("short", "Part I  Short-term (held one year or less)"), ("long", "Part II Long-term")):
            part_rows = [r for r in rows if r["term"] == term]
            if part_rows:
                parts.append(_part_table(f"Form 8949 {year}, {title}", part_rows))
        console.print(Group(*parts))
    lots = Table(title="Open lots", title_justify="left")
    for column in ("Account", "Lot", "Symbol", "Quantity", "Cost basis", "Acquired", "Acquired (actual)"):
        lots.add_column(column, justify="right" if column in ("Quantity", "Cost basis") else "left")
    for lot in report["open_lots"]:
        lots.add_row(
            lot["account"],
            lot["lot_id"],
            lot["symbol"],
            lot["quantity"],
            lot["cost_basis"],
            lot["date_acquired"],
            lot["date_acquired_actual"],
        )
    console.print(lots)
    totals = Table(title="Totals by tax year", title_justify="left")
    totals.add_column("Year")
    names = ("short_term_gain", "long_term_gain", "wash_sale_disallowed", "proceeds", "cost_basis")
    for name in names:
        totals.add_column(name.replace("_", " ").capitalize(), justify="right")
    for year, values in report["totals_by_tax_year"].items():
        totals.add_row(year, *(_money_cell(values[name]) for name in names))
    console.print(totals)
    if "games" in report:
        games = Table(title="Per-Game attribution (lots belong to accounts; see README)", title_justify="left")
        for column in ("Game", "Tax gain", "Own-lots gain", "Sold", "Sold from other Games' lots"):
            games.add_column(column, justify="left" if column == "Game" else "right")
        for g in report["games"]:
            own = g["own_gain"] if g["own_gain"] is not None else "n/a"
            games.add_row(g["game"], g["tax_gain"], own, g["quantity_sold"], g["quantity_from_other_games"])
        console.print(games)
    if "tax" in report:
        tax = Table(title="Estimated tax", title_justify="left")
        columns = ("year", "taxable_short_term", "taxable_long_term", "loss_deducted", "tax_due")
        for column in columns:
            tax.add_column(column.replace("_", " ").capitalize(), justify="right")
        for y in report["tax"]:
            tax.add_row(*(str(y[c]) for c in columns))
        console.print(tax)
