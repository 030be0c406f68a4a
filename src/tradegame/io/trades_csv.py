"""Reading a trade list from CSV into ``Trade`` values.

Columns (header required, order free): ``date`` (ISO), ``account``, ``symbol``, ``side``
(buy|sell), ``quantity``, ``price`` (per unit), ``fee``, ``asset_class`` (security|crypto, or
equity|etf|fund), and optionally ``lot_id``, ``lots`` (``L1:5;L2:3``), ``game``, ``swap_id``.
Unknown columns are refused, so a typo in a header cannot silently drop data. Every value is
checked here; the first bad one raises ``InvalidInputError`` naming its row and line.

``iter_trades`` and ``read_trades`` give ``Trade`` values row by row. ``iter_trade_rows`` is the
fast path for a long file: it reads a few thousand rows at a time and works column by column
(each distinct text of a column is checked once, then looked up), giving each trade as a plain
tuple of its fields (``TradeRow``) without a Python call per row. It accepts exactly what
``iter_trades`` accepts, with the same values (the same ``csv`` reader and checks); on any
problem it reads the file again row by row to raise the same message. May import the domain only.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import islice, repeat
from pathlib import Path
from typing import Any, TypeVar

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import AssetClass
from tradegame.domain.limits import amount_problem, shown
from tradegame.domain.trade_stream import TradeRow
from tradegame.domain.trades import Side, Trade, TradeError

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "TradeFile", "iter_trade_rows", "iter_trades", "read_trades"]

REQUIRED_COLUMNS = ("date", "account", "symbol", "side", "quantity", "price", "fee", "asset_class")
OPTIONAL_COLUMNS = ("lot_id", "lots", "game", "swap_id")
_SIDES = {"buy": Side.BUY, "sell": Side.SELL}
_NON_EMPTY = ("date", "account", "symbol", "side", "quantity", "price", "asset_class")
_T = TypeVar("_T")
_ASSET_CLASSES = {
    "security": AssetClass.EQUITY,
    "equity": AssetClass.EQUITY,
    "stock": AssetClass.EQUITY,
    "etf": AssetClass.ETF,
    "fund": AssetClass.FUND,
    "crypto": AssetClass.CRYPTO,
}


@dataclass(frozen=True, slots=True)
class TradeFile:
    """The trades of one file and the file line each data row started on."""

    path: Path
    trades: tuple[Trade, ...]
    lines: dict[int, int]

    def where(self, row: int) -> str:
        """``'trades.csv row 3 (line 4)'`` for messages."""
        return f"{self.path.name} row {row} (line {self.lines.get(row, '?')})"


def _number(text: str, column: str, row: int, *, positive: bool) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise TradeError(row, f"{column} {shown(text)} is not a number") from None
    if not value.is_finite():
        raise TradeError(row, f"{column} {shown(text)} is not a finite number")
    problem = amount_problem(value)  # the fee's cents are the domain's rule (Trade)
    if problem is not None:
        raise TradeError(row, f"{column} {problem}")
    if positive and value <= 0:
        raise TradeError(row, f"{column} must be positive, got {text}")
    if not positive and value < 0:
        raise TradeError(row, f"{column} must not be negative, got {text}")
    return value


def _lots(text: str, row: int) -> tuple[tuple[str, Decimal], ...]:
    picks = []
    for item in text.split(";"):
        lot_id, sep, quantity = item.partition(":")
        if not sep or not lot_id.strip():
            raise TradeError(row, f"lots {text!r} must look like 'L1:5;L2:3'")
        picks.append(
            (lot_id.strip(), _number(quantity.strip(), f"lots quantity of {lot_id.strip()}", row, positive=True))
        )
    return tuple(picks)


class _Parser:
    """Turns the fields of one data row into a ``Trade``; caches the dates and numbers it saw.

    A trader's file repeats its dates, quantities and prices many times: each distinct text is
    parsed and checked once (the caches are emptied when they grow large).
    """

    _CACHE_LIMIT = 200_000

    def __init__(self, header: list[str]) -> None:
        self.width = len(header)
        column = {name: i for i, name in enumerate(header)}
        self.required = [(name, column[name]) for name in _NON_EMPTY]
        self.optional = [column.get(name) for name in OPTIONAL_COLUMNS]
        self.fee_at = column["fee"]
        self.dates: dict[str, date] = {}
        self.positive: dict[str, Decimal] = {}
        self.fees: dict[str, Decimal] = {}
        self.names: dict[str, str] = {}  # accounts and symbols already checked
        # The fields of rows already accepted, as they were written (unstripped), by column kind
        self.at = [column[name] for name in ("date", "account", "symbol", "side", "quantity", "price", "asset_class")]
        self.seen_dates: dict[str, date] = {}
        self.seen_names: dict[str, str] = {}
        self.seen_sides: dict[str, Side] = {}
        self.seen_numbers: dict[str, Decimal] = {}
        self.seen_fees: dict[str, Decimal] = {}
        self.seen_classes: dict[str, AssetClass] = {}

    def trade(self, fields: list[str], row: int) -> Trade:
        """The row's ``Trade``; a row whose every field was met before skips the checks."""
        at_date, at_account, at_symbol, at_side, at_quantity, at_price, at_class = self.at
        try:
            on = self.seen_dates[fields[at_date]]
            account = self.seen_names[fields[at_account]]
            symbol = self.seen_names[fields[at_symbol]]
            side = self.seen_sides[fields[at_side]]
            quantity = self.seen_numbers[fields[at_quantity]]
            price = self.seen_numbers[fields[at_price]]
            fee = self.seen_fees[fields[self.fee_at]]
            asset_class = self.seen_classes[fields[at_class]]
        except KeyError:
            return self._checked(fields, row)
        lot_id, lots, game, swap_id = (fields[at].strip() if at is not None else "" for at in self.optional)
        if lots:
            return self._checked(fields, row)
        return Trade(row, on, account, symbol, side, quantity, price, fee, asset_class, lot_id or None, None,
                     game or None, swap_id or None)  # fmt: skip

    def _checked(self, fields: list[str], row: int) -> Trade:
        """Check every field of the row (the first problem raises) and remember what passed."""
        trade = self._check(fields, row)
        at_date, at_account, at_symbol, at_side, at_quantity, at_price, at_class = self.at
        remember = self._remember
        remember(self.seen_dates, fields[at_date], trade.on)
        remember(self.seen_names, fields[at_account], trade.account)
        remember(self.seen_names, fields[at_symbol], trade.symbol)
        remember(self.seen_sides, fields[at_side], trade.side)
        remember(self.seen_numbers, fields[at_quantity], trade.quantity)
        remember(self.seen_numbers, fields[at_price], trade.price)
        remember(self.seen_fees, fields[self.fee_at], trade.fee)
        remember(self.seen_classes, fields[at_class], trade.asset_class)
        return trade

    def _check(self, fields: list[str], row: int) -> Trade:
        texts: dict[str, str] = {}
        for name, at in self.required:
            value = fields[at].strip()
            if not value:
                raise TradeError(row, f"{name} is empty")
            texts[name] = value
        on = self.dates.get(texts["date"])
        if on is None:
            try:
                on = date.fromisoformat(texts["date"])
            except ValueError:
                raise TradeError(row, f"date {texts['date']!r} is not an ISO date (YYYY-MM-DD)") from None
            self._remember(self.dates, texts["date"], on)
        side = _SIDES.get(texts["side"].lower())
        if side is None:
            raise TradeError(row, f"side {texts['side']!r} must be buy or sell")
        asset_class = _ASSET_CLASSES.get(texts["asset_class"].lower())
        if asset_class is None:
            raise TradeError(row, f"asset_class {texts['asset_class']!r} must be security or crypto")
        account, symbol = texts["account"], texts["symbol"]
        names = self.names
        for name, value in (("account", account), ("symbol", symbol)):
            if value not in names:
                if any(ch.isspace() for ch in value) or "|" in value or ":" in value:
                    raise TradeError(row, f"{name} {value!r} must not contain spaces, ':' or '|'")
                self._remember(names, value, value)
        lot_id, lots, game, swap_id = (fields[at].strip() if at is not None else "" for at in self.optional)
        return Trade(
            row=row,
            on=on,
            account=account,
            symbol=symbol,
            side=side,
            quantity=self._positive(texts["quantity"], "quantity", row),
            price=self._positive(texts["price"], "price", row),
            fee=self._fee(fields[self.fee_at].strip() or "0", row),
            asset_class=asset_class,
            lot_id=lot_id or None,
            lots=_lots(lots, row) if lots else None,
            game=game or None,
            swap_id=swap_id or None,
        )

    def _positive(self, text: str, column: str, row: int) -> Decimal:
        value = self.positive.get(text)
        if value is None:
            value = _number(text, column, row, positive=True)
            self._remember(self.positive, text, value)
        return value

    def _fee(self, text: str, row: int) -> Decimal:
        value = self.fees.get(text)
        if value is None:
            value = _number(text, "fee", row, positive=False)
            self._remember(self.fees, text, value)
        return value

    def _remember(self, cache: dict[str, _T], text: str, value: _T) -> None:
        if len(cache) >= self._CACHE_LIMIT:
            cache.clear()
        cache[text] = value


def _header(reader: Iterator[list[str]], path: Path) -> list[str]:
    try:
        header = [name.strip() for name in next(reader, [])]
    except (csv.Error, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{path.name}: cannot read the header: {error}") from None
    if not header:
        raise InvalidInputError(f"{path.name} is empty; expected a header with {', '.join(REQUIRED_COLUMNS)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInputError(f"{path.name}: missing column(s) {', '.join(missing)}")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InvalidInputError(
            f"{path.name}: unknown column(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
        )
    if len(set(header)) != len(header):
        raise InvalidInputError(f"{path.name}: a column appears twice in the header")
    return header


def iter_trades(path: Path) -> Iterator[tuple[Trade, int]]:
    """Parse ``path`` row by row: each ``Trade`` with the file line its row ends on.

    Nothing is kept but the current row, so a file of any length streams in constant memory.
    The first problem raises ``InvalidInputError`` naming the file, row and line (a bad header
    before the first row).
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        reader = csv.reader(handle, strict=True)
        parser = _Parser(_header(reader, path))
        width = parser.width
        row = 0
        try:
            for fields in reader:
                if not fields:  # a blank line, skipped as csv.DictReader does
                    continue
                row += 1
                if len(fields) != width:
                    if len(fields) > width:
                        raise TradeError(row, f"has {len(fields)} fields, header has {width}")
                    raise TradeError(row, f"has fewer fields than the header's {width}")
                yield parser.trade(fields, row), reader.line_num
        except TradeError as error:
            raise InvalidInputError(f"{path.name} row {error.row} (line {reader.line_num}): {error.problem}") from None
        except csv.Error as error:
            raise InvalidInputError(f"{path.name} line {reader.line_num}: malformed CSV: {error}") from None
        except UnicodeDecodeError:
            raise InvalidInputError(f"{path.name}: not valid UTF-8 (after line {reader.line_num})") from None
    if not row:
        raise InvalidInputError(f"{path.name} has a header but no trades")


def read_trades(path: Path) -> TradeFile:
    """Parse ``path`` whole; raise ``InvalidInputError`` naming the file, row and line of the first problem."""
    trades: list[Trade] = []
    lines: dict[int, int] = {}
    for trade, line in iter_trades(path):
        trades.append(trade)
        lines[trade.row] = line
    return TradeFile(path, tuple(trades), lines)


# -- the column-wise fast path -------------------------------------------------------------

_CHUNK_ROWS = 4096
_CACHE_LIMIT = 200_000


class _RefusedError(Exception):
    """A text the column-wise path does not accept: the row-by-row reader says why."""


def _date_value(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _RefusedError from None


def _name_value(text: str) -> str:
    value = text.strip()
    if not value or any(ch.isspace() for ch in value) or "|" in value or ":" in value:
        raise _RefusedError
    return value


def _lookup(table: dict[str, Any]) -> Callable[[str], Any]:
    def value_of(text: str) -> Any:
        value = table.get(text.strip().lower())
        if value is None:
            raise _RefusedError
        return value

    return value_of


def _number_value(*, positive: bool, empty_is_zero: bool = False) -> Callable[[str], Decimal]:
    def value_of(text: str) -> Decimal:
        stripped = text.strip() or ("0" if empty_is_zero else "")
        if not stripped:
            raise _RefusedError
        try:
            return _number(stripped, "", 0, positive=positive)
        except TradeError:
            raise _RefusedError from None

    return value_of


def _optional_value(text: str) -> str | None:
    return text.strip() or None


def _lots_value(text: str) -> tuple[tuple[str, Decimal], ...] | None:
    stripped = text.strip()
    try:
        return _lots(stripped, 0) if stripped else None
    except TradeError:
        raise _RefusedError from None


# The value of each text of a column, by column: the trade's fields after ``row``, in order.
_COLUMN_VALUES: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("date", _date_value),
    ("account", _name_value),
    ("symbol", _name_value),
    ("side", _lookup(dict(_SIDES))),
    ("quantity", _number_value(positive=True)),
    ("price", _number_value(positive=True)),
    ("fee", _number_value(positive=False, empty_is_zero=True)),
    ("asset_class", _lookup(dict(_ASSET_CLASSES))),
    ("lot_id", _optional_value),
    ("lots", _lots_value),
    ("game", _optional_value),
    ("swap_id", _optional_value),
)


def _values(texts: Sequence[str], cache: dict[str, Any], value_of: Callable[[str], Any]) -> list[Any]:
    """The value of each text, through ``cache``; texts not met before are checked first."""
    try:
        return list(map(cache.__getitem__, texts))
    except KeyError:
        pass
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    for text in set(texts).difference(cache):
        cache[text] = value_of(text)
    return list(map(cache.__getitem__, texts))


class _ColumnParser:
    """Turns a chunk of data rows into ``TradeRow`` tuples, column by column."""

    def __init__(self, header: list[str]) -> None:
        self.width = len(header)
        position = {name: i for i, name in enumerate(header)}
        self.columns: list[tuple[int | None, dict[str, Any], Callable[[str], Any]]] = [
            (position.get(name), {}, value_of) for name, value_of in _COLUMN_VALUES
        ]

    def rows(self, chunk: list[list[str]], first: int) -> list[TradeRow]:
        """The trades of ``chunk`` (rows of the header's width), numbered from ``first``."""
        columns = list(zip(*chunk, strict=True))
        values: list[Iterable[Any]] = [range(first, first + len(chunk))]
        for at, cache, value_of in self.columns:
            values.append(repeat(None) if at is None else _values(columns[at], cache, value_of))
        return list(zip(*values, strict=False))  # the ``repeat`` of a missing column is endless


def iter_trade_rows(path: Path) -> Iterator[list[TradeRow]]:
    """Parse ``path`` a chunk of rows at a time: lists of trades as ``TradeRow`` tuples, in file order.

    Accepts what ``iter_trades`` accepts, with the same values; raises the same
    ``InvalidInputError`` as it (found by reading the file again row by row) on any problem.
    Holds one chunk of rows at a time.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror}") from None
    count = 0
    with handle:
        reader = csv.reader(handle, strict=True)
        parser = _ColumnParser(_header(reader, path))
        width = parser.width
        try:
            while chunk := list(islice(reader, _CHUNK_ROWS)):
                if not all(chunk):  # blank lines, skipped as ``iter_trades`` does
                    chunk = [fields for fields in chunk if fields]
                    if not chunk:
                        continue
                if len(set(map(len, chunk))) != 1 or len(chunk[0]) != width:
                    raise _RefusedError
                yield parser.rows(chunk, count + 1)
                count += len(chunk)
        except (_RefusedError, csv.Error, UnicodeDecodeError):
            pass
        else:
            if count:
                return
    for _ in iter_trades(path):  # raises the problem, with its row and line
        pass
    raise InvalidInputError(f"{path.name}: cannot read the trades")  # not reached
