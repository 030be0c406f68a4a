"""Writing the tax-lot report as it is booked: JSON, or plain aligned text tables.

The ``tax lots`` command may release millions of disposals; neither writer keeps them. Each
``add`` formats the released disposals at once and folds them into the totals per tax year;
``finish`` writes the open lots, the totals, the per-Game attribution and the tax estimate.

* ``JsonReportWriter`` writes exactly what ``json.dumps(build_report(...), indent=2)`` would
  (the same keys, order, spacing and escapes), one disposal at a time.
* ``TableReportWriter`` writes Form 8949-style parts per tax year (Part I short term, Part II
  long term, each with a totals line), then the open lots, the totals per tax year, the Games
  and the estimated tax, as plain text in aligned columns. A part's rows wait in a temporary
  file (on disk past a few MB; a line per column of each batch) until its year is over, so its
  columns can be sized to the widest cell and the two parts printed one after the other.

Imports the domain and ``tax_report`` only; writes only to the text stream it is given.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import chain, compress, pairwise, repeat
from json.encoder import encode_basestring_ascii
from operator import add, gt, mul, not_, sub
from tempfile import SpooledTemporaryFile
from typing import IO, Any, NamedTuple

from tradegame.domain.holding import Term, anniversary
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.money import Currency
from tradegame.domain.tax import TaxProfile
from tradegame.domain.trades import GameAttribution
from tradegame.reporting.form8949 import COLUMNS, PARTS
from tradegame.reporting.tax_report import YearTotals, report_head, report_tail

__all__ = ["JsonReportWriter", "TableReportWriter"]

_SPOOL_BYTES = 8 * 1024 * 1024
_SEP = "\x1f"  # between cells in a spooled part; cells never hold control characters
# Disposals worked on together, column by column: few enough that their objects stay in the CPU's
# caches between one column's pass and the next (a million-trade day releases thousands at once)
_BATCH = 1024


class _Anniversaries(dict[date, date]):
    """Each acquisition date's first anniversary, worked out once (a sale after it is long term)."""

    def __missing__(self, acquired: date) -> date:
        if len(self) > 100_000:
            self.clear()
        result = self[acquired] = anniversary(acquired)
        return result


def _plain(values: Iterable[Decimal]) -> list[str]:
    """``format(value, "f")`` of each value, through ``str`` where that gives the same text.

    ``str`` writes a Decimal in plain notation (as "f" does) unless its exponent is positive or
    it is very small; then its text has an "E" and the batch is formatted with "f" instead.
    """
    texts = list(values)
    plain = list(map(str, texts))
    return plain if "E" not in "".join(plain) else list(map(format, texts, repeat("f")))


class _IsoDates(dict[date, str]):
    """ISO texts of the dates met before (a year has only 365 of them)."""

    def __missing__(self, day: date) -> str:
        if len(self) > 100_000:
            self.clear()
        text = self[day] = day.isoformat()
        return text


def _interleave(template: Sequence[str], columns: Sequence[Iterable[str]]) -> str:
    """The rows of ``columns`` as text: ``template[0]``, a cell, ``template[1]``, a cell, ..., ``template[-1]``."""
    return _formatted(_row_format(template), zip(*columns, strict=True))


def _row_format(template: Sequence[str], specs: Sequence[str] | None = None) -> str:
    """A ``%`` format of one row: the constants of ``template`` around a ``%s`` per cell.

    ``specs`` (one per cell) may pad a cell instead: ``-7`` left-aligns it in 7 characters
    (``str.ljust``), ``7`` right-aligns it (``str.rjust``).
    """
    constants = [constant.replace("%", "%%") for constant in template]
    cells = [f"%{spec}s" for spec in specs] if specs is not None else ["%s"] * (len(constants) - 1)
    return "".join(chain.from_iterable(zip(constants, cells, strict=False))) + constants[-1]


def _formatted(row_format: str, rows: Iterable[tuple[str, ...]]) -> str:
    """Each row (a tuple of cells) through ``row_format``, one C-level ``%`` per row."""
    return "".join(map(row_format.__mod__, rows))


class _Batch(NamedTuple):
    """Released disposals of one tax year, column by column, with their gains and terms."""

    accounts: tuple[str, ...]
    symbols: tuple[str, ...]
    lot_ids: tuple[str, ...]
    quantities: tuple[Decimal, ...]
    acquired: tuple[date, ...]
    acquired_actual: tuple[date, ...]
    sold: tuple[date, ...]
    proceeds: tuple[Decimal, ...]
    cost_basis: tuple[Decimal, ...]
    codes: tuple[str, ...]
    adjustments: tuple[Decimal, ...]
    asset_classes: tuple[AssetClass, ...]
    games: tuple[str | None, ...]
    lot_games: tuple[str | None, ...]
    gains: list[Decimal]
    long_term: list[bool]


def _year_runs(disposals: Sequence[Disposal]) -> Iterator[Sequence[Disposal]]:
    """``disposals`` (in date order) cut into runs of one tax year each, of at most ``_BATCH``."""
    if disposals[0].date_sold.year == disposals[-1].date_sold.year:
        cuts = [0, len(disposals)]
    else:
        cuts = [0]
        cuts += (i for i in range(1, len(disposals)) if disposals[i].date_sold.year != disposals[i - 1].date_sold.year)
        cuts.append(len(disposals))
    for start, end in pairwise(cuts):
        for chunk in range(start, end, _BATCH):
            yield disposals[chunk : min(chunk + _BATCH, end)]


class _Writer:
    """What both writers share: the output, the currency and the running totals.

    Both take released disposals a batch at a time and work column by column (``map`` over
    a column instead of a Python loop over rows): the same strings and sums, in the same order.
    """

    def __init__(self, out: IO[str], currency: Currency, method: LotMethod, wash_sales: bool) -> None:
        self.out = out
        self.currency = currency
        self.method = method
        self.wash_sales = wash_sales
        self.quantum = currency.quantum
        self.totals: dict[int, YearTotals] = defaultdict(YearTotals)
        self.count = 0
        self._anniversaries = _Anniversaries()
        self.iso = _IsoDates().__getitem__

    def term(self, disposal: Disposal) -> Term:
        """``disposal.term``, with each acquisition date's anniversary worked out once."""
        return Term.LONG if disposal.date_sold > self._anniversaries[disposal.date_acquired] else Term.SHORT

    def batches(self, disposals: Iterable[Disposal]) -> Iterator[_Batch]:
        """The disposals (in booking order) as column batches of one year, added to the totals."""
        rows = disposals if isinstance(disposals, list) else list(disposals)
        if not rows:
            return
        for run in _year_runs(rows):
            columns = list(zip(*run, strict=True))
            del columns[12]  # sale ids are not printed
            proceeds, cost_basis, adjustments = columns[7], columns[8], columns[10]
            gains = list(map(add, map(sub, proceeds, cost_basis), adjustments))  # Disposal.gain
            long_term = list(map(gt, columns[6], map(self._anniversaries.__getitem__, columns[4])))
            batch = _Batch._make([*columns, gains, long_term])
            totals = self.totals[batch.sold[0].year]
            if any(long_term):
                totals.short_term_gain = sum(compress(gains, map(not_, long_term)), totals.short_term_gain)
                totals.long_term_gain = sum(compress(gains, long_term), totals.long_term_gain)
            else:  # the common case: all short term
                totals.short_term_gain = sum(gains, totals.short_term_gain)
            totals.wash_sale_disallowed = sum(adjustments, totals.wash_sale_disallowed)
            totals.proceeds = sum(proceeds, totals.proceeds)
            totals.cost_basis = sum(cost_basis, totals.cost_basis)
            self.count += len(run)
            yield batch

    def amounts(self, values: Sequence[Decimal]) -> list[str]:
        """Each amount rounded to the currency's quantum, as plain decimal text.

        Amounts in the books are mostly in the quantum's digits already; then rounding them
        changes nothing (the same value, the same digits) and is skipped.
        """
        quantum = repeat(self.quantum)
        if all(map(Decimal.same_quantum, values, quantum)):
            return _plain(values)
        return _plain(map(Decimal.quantize, values, repeat(self.quantum)))

    def tail(
        self, open_lots: Sequence[OpenLot], games: Sequence[GameAttribution], profile: TaxProfile | None
    ) -> dict[str, Any]:
        return report_tail(open_lots, dict(sorted(self.totals.items())), games, profile, self.quantum)


_JSON_DISPOSAL = tuple(
    """,
    {{
      "account": {},
      "symbol": {},
      "lot_id": {},
      "quantity": "{}",
      "date_acquired": "{}",
      "date_acquired_actual": "{}",
      "date_sold": "{}",
      "proceeds": "{}",
      "cost_basis": "{}",
      "adjustment_code": {},
      "adjustment_amount": "{}",
      "gain": "{}",
      "term": "{}",
      "asset_class": "{}",
      "game": {},
      "lot_game": {}
    }}""".replace("{{", "{")
    .replace("}}", "}")
    .split("{}")
)
_JSON_OPEN_LOT = tuple(
    """,
    {{
      "account": {},
      "symbol": {},
      "lot_id": {},
      "quantity": "{}",
      "cost_basis": "{}",
      "date_acquired": "{}",
      "date_acquired_actual": "{}",
      "game": {}
    }}""".replace("{{", "{")
    .replace("}}", "}")
    .split("{}")
)
_TERMS = ("short", "long")  # by ``long_term``
_CLASSES = {asset_class: "crypto" if asset_class is AssetClass.CRYPTO else "security" for asset_class in AssetClass}


class _JsonStrings(dict[str | None, str]):
    """JSON string literals of names met before (``None`` is ``null``); stops growing at 100,000."""

    def __missing__(self, text: str | None) -> str:
        encoded = encode_basestring_ascii(str(text))  # None is always in
        if len(self) < 100_000:
            self[text] = encoded
        return encoded


class JsonReportWriter(_Writer):
    """The report as one JSON object, written disposal by disposal."""

    def __init__(self, out: IO[str], currency: Currency, method: LotMethod, wash_sales: bool) -> None:
        super().__init__(out, currency, method, wash_sales)
        head = json.dumps(report_head(currency.code, method, wash_sales), indent=2)
        out.write(head[:-2] + ',\n  "disposals": [')
        self._strings = _JsonStrings({None: "null"})

    def _string(self, text: str | None) -> str:
        return self._strings[text]

    def add(self, disposals: Iterable[Disposal]) -> None:
        """Write ``disposals`` (in booking order) and add them to the totals."""
        string = self._strings.__getitem__
        amounts = self.amounts
        for batch in self.batches(disposals):
            first = self.count == len(batch.sold)  # the first disposals of the report: no comma before
            iso = self.iso
            text = _interleave(
                _JSON_DISPOSAL,
                [
                    map(string, batch.accounts),
                    map(string, batch.symbols),
                    map(encode_basestring_ascii, batch.lot_ids),
                    _plain(batch.quantities),
                    map(iso, batch.acquired),
                    map(iso, batch.acquired_actual),
                    map(iso, batch.sold),
                    amounts(batch.proceeds),
                    amounts(batch.cost_basis),
                    map(string, batch.codes),
                    amounts(batch.adjustments),
                    amounts(batch.gains),
                    map(_TERMS.__getitem__, batch.long_term),
                    map(_CLASSES.__getitem__, batch.asset_classes),
                    map(string, batch.games),
                    map(string, batch.lot_games),
                ],
            )
            self.out.write(text[1:] if first else text)

    def finish(
        self, open_lots: Sequence[OpenLot], games: Sequence[GameAttribution], profile: TaxProfile | None
    ) -> None:
        """Close the disposals and write the rest of the object (the open lots one by one)."""
        out, string = self.out, self._strings.__getitem__
        out.write("\n  ],\n" if self.count else "],\n")
        out.write('  "open_lots": [')
        for start in range(0, len(open_lots), _BATCH):  # a batch at a time: a trader may hold many lots
            accounts, symbols, lot_ids, quantities, cost_basis, acquired, acquired_actual, _, games_of = zip(
                *open_lots[start : start + _BATCH], strict=True
            )
            text = _interleave(
                _JSON_OPEN_LOT,
                [
                    map(string, accounts),
                    map(string, symbols),
                    map(string, lot_ids),
                    _plain(quantities),
                    self.amounts(cost_basis),
                    map(self.iso, acquired),
                    map(self.iso, acquired_actual),
                    map(string, games_of),
                ],
            )
            out.write(text if start else text[1:])
        out.write("\n  ]," if open_lots else "],")
        rest = json.dumps(self.tail((), games, profile), indent=2)
        out.write(rest[rest.index("\n", rest.index('"open_lots"')) :] + "\n")


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
