"""Writing the tax-lot report as it is booked: JSON, or plain aligned text tables.

The ``tax lots`` command may release millions of disposals; neither writer keeps them. Each
``add`` formats the released disposals at once and folds them into the totals per tax year;
``finish`` writes the open lots, the totals, the per-Game attribution and the tax estimate.

* ``JsonReportWriter`` writes exactly what ``json.dumps(build_report(...), indent=2)`` would
  (the same keys, order, spacing and escapes), one disposal at a time.
* ``TableReportWriter`` writes Form 8949-style parts per tax year (Part I short term, Part II
  long term, each with a totals line), then the open lots, the totals per tax year, the Games
  and the estimated tax, as plain text in aligned columns. A part's rows wait in a temporary
  file (on disk past a few MB) until its year is over, so its columns can be sized to the
  widest cell and the two parts printed one after the other.

Imports the domain and ``tax_report`` only; writes only to the text stream it is given.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from tradegame.domain.holding import Term, anniversary
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.money import Currency
from tradegame.domain.tax import TaxProfile
from tradegame.domain.trades import GameAttribution
from tradegame.reporting.tax_report import YearTotals, report_head, report_tail

__all__ = ["JsonReportWriter", "TableReportWriter"]

_SPOOL_BYTES = 8 * 1024 * 1024
_SEP = "\x1f"  # between cells in a spooled part; cells never hold control characters


class _Writer:
    """What both writers share: the output, the currency and the running totals."""

    def __init__(self, out: IO[str], currency: Currency, method: LotMethod, wash_sales: bool) -> None:
        self.out = out
        self.currency = currency
        self.method = method
        self.wash_sales = wash_sales
        self.quantum = currency.quantum
        self.totals: dict[int, YearTotals] = defaultdict(YearTotals)
        self.count = 0
        self._anniversaries: dict[date, date] = {}

    def term(self, disposal: Disposal) -> Term:
        """``disposal.term``, with each acquisition date's anniversary worked out once."""
        acquired = disposal.date_acquired
        anniversary_of = self._anniversaries.get(acquired)
        if anniversary_of is None:
            if len(self._anniversaries) > 100_000:
                self._anniversaries.clear()
            anniversary_of = self._anniversaries[acquired] = anniversary(acquired)
        return Term.LONG if disposal.date_sold > anniversary_of else Term.SHORT

    def tail(
        self, open_lots: Sequence[OpenLot], games: Sequence[GameAttribution], profile: TaxProfile | None
    ) -> dict[str, Any]:
        return report_tail(open_lots, dict(sorted(self.totals.items())), games, profile, self.quantum)


class JsonReportWriter(_Writer):
    """The report as one JSON object, written disposal by disposal."""

    def __init__(self, out: IO[str], currency: Currency, method: LotMethod, wash_sales: bool) -> None:
        super().__init__(out, currency, method, wash_sales)
        head = json.dumps(report_head(currency.code, method, wash_sales), indent=2)
        out.write(head[:-2] + ',\n  "disposals": [')
        self._strings: dict[str | None, str] = {None: "null"}

    def _string(self, text: str | None) -> str:
        encoded = self._strings.get(text)
        if encoded is None:
            encoded = encode_basestring_ascii(str(text))  # None is always cached
            if len(self._strings) < 100_000:
                self._strings[text] = encoded
        return encoded

    def add(self, disposals: Iterable[Disposal]) -> None:
        """Write ``disposals`` (in booking order) and add them to the totals."""
        quantum, totals, string, term_of = self.quantum, self.totals, self._string, self.term
        parts = []
        for d in disposals:
            gain = d.proceeds - d.cost_basis + d.adjustment_amount  # d.gain
            term = term_of(d)
            totals[d.date_sold.year].add_parts(d, gain, term)
            parts.append(
                f"""{"," if self.count else ""}
    {{
      "account": {string(d.account)},
      "symbol": {string(d.symbol)},
      "lot_id": {encode_basestring_ascii(d.lot_id)},
      "quantity": "{d.quantity:f}",
      "date_acquired": "{d.date_acquired.isoformat()}",
      "date_acquired_actual": "{d.date_acquired_actual.isoformat()}",
      "date_sold": "{d.date_sold.isoformat()}",
      "proceeds": "{d.proceeds.quantize(quantum):f}",
      "cost_basis": "{d.cost_basis.quantize(quantum):f}",
      "adjustment_code": {string(d.adjustment_code)},
      "adjustment_amount": "{d.adjustment_amount.quantize(quantum):f}",
      "gain": "{gain.quantize(quantum):f}",
      "term": "{term.value}",
      "asset_class": "{"crypto" if d.asset_class is AssetClass.CRYPTO else "security"}",
      "game": {string(d.game)},
      "lot_game": {string(d.lot_game)}
    }}"""
            )
            self.count += 1
        self.out.write("".join(parts))

    def finish(
        self, open_lots: Sequence[OpenLot], games: Sequence[GameAttribution], profile: TaxProfile | None
    ) -> None:
        """Close the disposals and write the rest of the object (the open lots one by one)."""
        out, quantum, string = self.out, self.quantum, self._string
        out.write("\n  ],\n" if self.count else "],\n")
        out.write('  "open_lots": [')
        out.writelines(
            f"""{"," if index else ""}
    {{
      "account": {string(lot.account)},
      "symbol": {string(lot.symbol)},
      "lot_id": {string(lot.lot_id)},
      "quantity": "{lot.quantity:f}",
      "cost_basis": "{lot.cost_basis.quantize(quantum):f}",
      "date_acquired": "{lot.date_acquired.isoformat()}",
      "date_acquired_actual": "{lot.date_acquired_actual.isoformat()}",
      "game": {string(lot.game)}
    }}"""
            for index, lot in enumerate(open_lots)
        )
        out.write("\n  ]," if open_lots else "],")
        rest = json.dumps(self.tail((), games, profile), indent=2)
        out.write(rest[rest.index("\n", rest.index('"open_lots"')) :] + "\n")


_PART_COLUMNS = (
    "Account",
    "Lot",
    "(a) Description",
    "(b) Acquired",
    "(c) Sold",
    "(d) Proceeds",
    "(e) Cost basis",
    "(f) Code",
    "(g) Adjustment",
    "(h) Gain or loss",
)
_PART_RIGHT = frozenset({5, 6, 8, 9})
_PART_TITLES = {Term.SHORT: "Part I  Short-term (held one year or less)", Term.LONG: "Part II Long-term"}


def _printable(text: str) -> str:
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class _Part:
    """One year's Form 8949 part: rows spooled until the year ends, widths and sums kept."""

    def __init__(self) -> None:
        # closed once the part is written (``TableReportWriter._write_part``)
        self.rows: SpooledTemporaryFile[str] = SpooledTemporaryFile(_SPOOL_BYTES, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.buffer: list[str] = []
        self.widths = [len(name) for name in _PART_COLUMNS]
        self.sums = [Decimal(0)] * 4  # proceeds, cost basis, adjustment, gain

    def add(self, cells: list[str], proceeds: Decimal, basis: Decimal, adjustment: Decimal, gain: Decimal) -> None:
        self.widths = list(map(max, self.widths, map(len, cells)))
        self.buffer.append(_SEP.join(cells) + "\n")
        if len(self.buffer) >= 4096:
            self.spool()
        sums = self.sums
        sums[0] += proceeds
        sums[1] += basis
        sums[2] += adjustment
        sums[3] += gain

    def spool(self) -> None:
        self.rows.writelines(self.buffer)
        self.buffer.clear()


class _Columns:
    """Aligns rows of cells: left or right per column, two spaces between."""

    def __init__(self, widths: Sequence[int], right: frozenset[int]) -> None:
        self.widths = list(widths)
        self.template = "  ".join(
            f"{{:{'>' if index in right else '<'}{width}}}" for index, width in enumerate(self.widths)
        )

    def line(self, cells: Sequence[str]) -> str:
        return self.template.format(*cells).rstrip()

    def rule(self) -> str:
        return "  ".join("-" * width for width in self.widths)


def _table(
    out: IO[str], title: str, names: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]
) -> None:
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    columns = _Columns(widths, right)
    out.write(f"\n{title}\n{columns.line(names)}\n{columns.rule()}\n")
    out.writelines(columns.line(row) + "\n" for row in rows)


class TableReportWriter(_Writer):
    """The report as plain text tables, written year by year."""

    def __init__(self, out: IO[str], currency: Currency, method: LotMethod, wash_sales: bool) -> None:
        super().__init__(out, currency, method, wash_sales)
        wash = "on" if wash_sales else "off"
        out.write(f"Tax lots: method {method.value.upper()}, wash sales {wash}, {currency.code}\n")
        self._year: int | None = None
        self._parts: dict[Term, _Part] = {}

    def add(self, disposals: Iterable[Disposal]) -> None:
        """Spool ``disposals`` (in booking order) into their year's parts; print a year once it is over."""
        quantum, totals, term_of = self.quantum, self.totals, self.term
        for d in disposals:
            year = d.date_sold.year
            if year != self._year:
                self._flush()
                self._year = year
            gain = d.proceeds - d.cost_basis + d.adjustment_amount  # d.gain
            term = term_of(d)
            totals[year].add_parts(d, gain, term)
            part = self._parts.get(term)
            if part is None:
                part = self._parts[term] = _Part()
            code = d.adjustment_code
            cells = [
                d.account,
                _printable(d.lot_id),
                f"{d.quantity:f} {d.symbol}",
                d.date_acquired.isoformat(),
                d.date_sold.isoformat(),
                f"{d.proceeds.quantize(quantum):f}",
                f"{d.cost_basis.quantize(quantum):f}",
                code,
                f"{d.adjustment_amount.quantize(quantum):f}" if code else "",
                f"{gain.quantize(quantum):f}",
            ]
            part.add(cells, d.proceeds, d.cost_basis, d.adjustment_amount, gain)

    def _flush(self) -> None:
        for term in (Term.SHORT, Term.LONG):
            part = self._parts.pop(term, None)
            if part is not None:
                self._write_part(term, part)

    def _write_part(self, term: Term, part: _Part) -> None:
        quantum = self.quantum
        footer = ["", "", "Totals", "", "", *(f"{s.quantize(quantum):f}" for s in part.sums)]
        footer.insert(7, "")
        widths = [max(w, len(cell)) for w, cell in zip(part.widths, footer, strict=True)]
        columns = _Columns(widths, _PART_RIGHT)
        out = self.out
        out.write(f"\nForm 8949 {self._year}, {_PART_TITLES[term]}\n{columns.line(_PART_COLUMNS)}\n{columns.rule()}\n")
        part.spool()
        part.rows.seek(0)
        template = columns.template.format
        with part.rows:
            out.writelines(template(*text[:-1].split(_SEP)).rstrip() + "\n" for text in part.rows)
        out.write(columns.rule() + "\n" + columns.line(footer) + "\n")

    def finish(
        self, open_lots: Sequence[OpenLot], games: Sequence[GameAttribution], profile: TaxProfile | None
    ) -> None:
        """Print the last year, then open lots, totals per tax year, the Games and the estimated tax."""
        self._flush()
        tail = self.tail(open_lots, games, profile)
        out = self.out
        lot_rows = [
            [lot["account"], _printable(lot["lot_id"]), lot["symbol"], lot["quantity"], lot["cost_basis"],
             lot["date_acquired"], lot["date_acquired_actual"]]
            for lot in tail["open_lots"]
        ]  # fmt: skip
        names: tuple[str, ...] = ("Account", "Lot", "Symbol", "Quantity", "Cost basis", "Acquired", "Acquired (actual)")
        _table(out, "Open lots", names, lot_rows, frozenset({3, 4}))
        keys = ("short_term_gain", "long_term_gain", "wash_sale_disallowed", "proceeds", "cost_basis")
        year_rows = [[year, *(values[key] for key in keys)] for year, values in tail["totals_by_tax_year"].items()]
        names = ("Year", *(key.replace("_", " ").capitalize() for key in keys))
        _table(out, "Totals by tax year", names, year_rows, frozenset(range(1, 6)))
        if "games" in tail:
            game_rows = [
                [_printable(g["game"]), g["tax_gain"], "n/a" if g["own_gain"] is None else g["own_gain"],
                 g["quantity_sold"], g["quantity_from_other_games"]]
                for g in tail["games"]
            ]  # fmt: skip
            names = ("Game", "Tax gain", "Own-lots gain", "Sold", "Sold from other Games' lots")
            _table(out, "Per-Game attribution (lots belong to accounts; see README)", names, game_rows,
                   frozenset(range(1, 5)))  # fmt: skip
        if "tax" in tail:
            keys = ("year", "taxable_short_term", "taxable_long_term", "loss_deducted", "tax_due")
            tax_rows = [[str(y[key]) for key in keys] for y in tail["tax"]]
            names = tuple(key.replace("_", " ").capitalize() for key in keys)
            _table(out, "Estimated tax", names, tax_rows, frozenset(range(5)))
