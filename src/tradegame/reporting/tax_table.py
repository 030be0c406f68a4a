"""The tax-lot report as plain aligned text tables, written as it is booked (``tax lots``).

``TableReportWriter`` writes Form 8949-style parts per tax year (Part I short term, Part II long
term, each with a totals line), then the open lots, the totals per tax year, the Games and the
estimated tax. A part's rows wait in a temporary file (on disk past a few MB; a line per column
of each batch) until its year is over, so its columns can be sized to the widest cell and the two
parts printed one after the other. The folds and formatting it shares with the JSON writer are
``tax_output._Writer``'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import compress
from operator import mul, not_
from tempfile import SpooledTemporaryFile
from typing import IO

from tradegame.domain.holding import Term
from tradegame.domain.instruments import LotMethod
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.money import Currency
from tradegame.domain.tax import TaxProfile
from tradegame.domain.trades import GameAttribution
from tradegame.reporting.form8949 import COLUMNS, PARTS
from tradegame.reporting.tax_output import _SEP, _SPOOL_BYTES, _formatted, _plain, _row_format, _Writer

__all__ = ["TableReportWriter"]

_PART_COLUMNS = ("Account", "Lot", *COLUMNS)  # the form's columns (reporting/form8949.py), after ours
_PART_RIGHT = frozenset({5, 6, 8, 9})
_PART_DATES = frozenset({3, 4})  # acquired, sold: ISO dates
_PART_TITLES = {part.term: f"Part {part.numeral:<2} {part.heading} ({part.held})" for part in PARTS}


def _printable(text: str) -> str:
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class _Part:
    """One year's Form 8949 part: rows spooled until the year ends, widths and sums kept."""

    def __init__(self) -> None:
        # closed once the part is written (``TableReportWriter._write_part``)
        self.rows: SpooledTemporaryFile[str] = SpooledTemporaryFile(_SPOOL_BYTES, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.buffer: list[str] = []
        # a part is only made for rows, and an ISO date is always 10 characters long
        self.widths = [
            max(len(name), 10) if index in _PART_DATES else len(name) for index, name in enumerate(_PART_COLUMNS)
        ]
        self.sums = [Decimal(0)] * 4  # proceeds, cost basis, adjustment, gain

    def add(self, columns: Sequence[Sequence[str]], sums: Sequence[Iterable[Decimal]]) -> None:
        """Spool rows given column by column; ``sums``: their proceeds, basis, adjustments and gains.

        Spooled as they come, a line per column (``blocks`` reads them back as rows).
        """
        self.widths = [
            width if index in _PART_DATES else max(width, max(map(len, column), default=0))
            for index, (width, column) in enumerate(zip(self.widths, columns, strict=True))
        ]
        self.buffer.append("\n".join(map(_SEP.join, columns)) + "\n")
        if len(self.buffer) >= 64:
            self.spool()
        self.sums = [sum(values, total) for total, values in zip(self.sums, sums, strict=True)]

    def spool(self) -> None:
        self.rows.writelines(self.buffer)
        self.buffer.clear()

    def blocks(self) -> Iterator[Iterator[tuple[str, ...]]]:
        """The spooled rows, a block (one ``add``) at a time; closes the spool at the end."""
        self.spool()
        self.rows.seek(0)
        with self.rows:
            lines = iter(self.rows)
            for block in zip(*[lines] * len(_PART_COLUMNS), strict=False):  # a line per column
                yield zip(*(line[:-1].split(_SEP) for line in block), strict=True)


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
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    _column_table(out, title, names, columns, right)


def _column_table(
    out: IO[str], title: str, names: Sequence[str], columns: Sequence[Sequence[str]], right: frozenset[int]
) -> None:
    """A titled table from its columns of cells (``_table`` takes rows)."""
    widths = [max(len(name), max(map(len, column), default=0)) for name, column in zip(names, columns, strict=True)]
    aligned = _Columns(widths, right)
    out.write(f"\n{title}\n{aligned.line(names)}\n{aligned.rule()}\n")
    if columns and columns[0]:
        out.write(_aligned(columns, widths, right))


def _aligned(columns: Sequence[Iterable[str]], widths: Sequence[int], right: frozenset[int]) -> str:
    """Rows as ``_Columns.line`` writes them, each with its newline, padded column by column.

    The last column is not padded: a right-aligned one needs none, and the cells of a
    left-aligned one never end in a space, so its padding is what ``line`` strips.
    """
    return _formatted(_aligned_format(widths, right), zip(*columns, strict=True))


def _aligned_format(widths: Sequence[int], right: frozenset[int]) -> str:
    """The ``%`` format of one row of ``_aligned`` (see there), newline included."""
    last = len(widths) - 1
    specs = [
        "" if index == last and index not in right else f"{'' if index in right else '-'}{width}"
        for index, width in enumerate(widths)
    ]
    return _row_format(("", *(["  "] * last), "\n"), specs)


def _printable_all(texts: Sequence[str]) -> Sequence[str]:
    """``_printable`` of each text (most are printable already: one check for all of them)."""
    return texts if "".join(texts).isprintable() else list(map(_printable, texts))


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
        amounts = self.amounts
        for batch in self.batches(disposals):
            year = batch.sold[0].year
            if year != self._year:
                self._flush()
                self._year = year
            columns: list[Sequence[str]] = [
                batch.accounts,
                _printable_all(batch.lot_ids),
                list(map(" ".join, zip(_plain(batch.quantities), batch.symbols, strict=True))),
                list(map(self.iso, batch.acquired)),
                list(map(self.iso, batch.sold)),
                amounts(batch.proceeds),
                amounts(batch.cost_basis),
                batch.codes,
                list(map(mul, amounts(batch.adjustments), map(bool, batch.codes))),  # blank without a code
                amounts(batch.gains),
            ]
            sums = (batch.proceeds, batch.cost_basis, batch.adjustments, batch.gains)
            long_count = sum(batch.long_term)
            for term, selector in ((Term.SHORT, list(map(not_, batch.long_term))), (Term.LONG, batch.long_term)):
                count = long_count if term is Term.LONG else len(selector) - long_count
                if not count:
                    continue
                part = self._parts.get(term)
                if part is None:
                    part = self._parts[term] = _Part()
                if count == len(selector):
                    part.add(columns, sums)
                else:
                    part.add(
                        [list(compress(column, selector)) for column in columns],
                        [list(compress(values, selector)) for values in sums],
                    )

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
        row_format = _aligned_format(widths, _PART_RIGHT)
        for rows in part.blocks():
            out.write(_formatted(row_format, rows))
        out.write(columns.rule() + "\n" + columns.line(footer) + "\n")

    def finish(
        self, open_lots: Sequence[OpenLot], games: Sequence[GameAttribution], profile: TaxProfile | None
    ) -> None:
        """Print the last year, then open lots, totals per tax year, the Games and the estimated tax."""
        self._flush()
        tail = self.tail((), games, profile)
        out = self.out
        if open_lots:
            accounts, symbols, lot_ids, quantities, cost_basis, acquired, acquired_actual, *_ = zip(
                *open_lots, strict=True
            )
            lot_columns: list[Sequence[str]] = [
                accounts,
                _printable_all(lot_ids),
                symbols,
                _plain(quantities),
                self.amounts(cost_basis),
                list(map(self.iso, acquired)),
                list(map(self.iso, acquired_actual)),
            ]
        else:
            lot_columns = [()] * 7
        names: tuple[str, ...] = ("Account", "Lot", "Symbol", "Quantity", "Cost basis", "Acquired", "Acquired (actual)")
        _column_table(out, "Open lots", names, lot_columns, frozenset({3, 4}))
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
