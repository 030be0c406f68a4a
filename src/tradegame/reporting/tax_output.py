"""Writing the tax-lot report as it is booked: JSON, or plain aligned text tables.

The ``tax lots`` command may release millions of disposals; neither writer keeps them. Each
``add`` formats the released disposals at once and folds them into the totals per tax year;
``finish`` writes the open lots, the totals, the per-Game attribution and the tax estimate.

* ``JsonReportWriter`` writes exactly what ``json.dumps(build_report(...), indent=2)`` would
  (the same keys, order, spacing and escapes), one disposal at a time.
* ``TableReportWriter`` (reporting/tax_table.py) writes plain aligned text tables over the
  same ``_Writer``.

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
from operator import add, gt, not_, sub
from typing import IO, Any, NamedTuple

from tradegame.domain.holding import Term, anniversary
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.money import Currency
from tradegame.domain.tax import TaxProfile
from tradegame.domain.trades import GameAttribution
from tradegame.reporting.tax_report import YearTotals, report_head, report_tail

__all__ = ["JsonReportWriter"]

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
