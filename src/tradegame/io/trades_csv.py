"""Reading a trade list from CSV into ``Trade`` values.

Columns (header required, order free): ``date`` (ISO), ``account``, ``symbol``, ``side``
(buy|sell), ``quantity``, ``price`` (per unit), ``fee``, ``asset_class`` (security|crypto, or
equity|etf|fund), and optionally ``lot_id``, ``lots`` (``L1:5;L2:3``), ``game``, ``swap_id``.
Unknown columns are refused, so a typo in a header cannot silently drop data. Every value is
checked here; the first bad one raises ``InvalidInputError`` naming its row and line. May import the domain only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import AssetClass
from tradegame.domain.limits import amount_problem, shown
from tradegame.domain.trades import Side, Trade, TradeError

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "TradeFile", "read_trades"]

REQUIRED_COLUMNS = ("date", "account", "symbol", "side", "quantity", "price", "fee", "asset_class")
OPTIONAL_COLUMNS = ("lot_id", "lots", "game", "swap_id")
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


def _trade(values: dict[str, str], row: int) -> Trade:
    def text(column: str) -> str:
        return (values.get(column) or "").strip()

    for column in ("date", "account", "symbol", "side", "quantity", "price", "asset_class"):
        if not text(column):
            raise TradeError(row, f"{column} is empty")
    try:
        on = date.fromisoformat(text("date"))
    except ValueError:
        raise TradeError(row, f"date {text('date')!r} is not an ISO date (YYYY-MM-DD)") from None
    side_text = text("side").lower()
    if side_text not in ("buy", "sell"):
        raise TradeError(row, f"side {text('side')!r} must be buy or sell")
    asset_class = _ASSET_CLASSES.get(text("asset_class").lower())
    if asset_class is None:
        raise TradeError(row, f"asset_class {text('asset_class')!r} must be security or crypto")
    account, symbol = text("account"), text("symbol")
    for name, value in (("account", account), ("symbol", symbol)):
        if any(ch.isspace() for ch in value) or "|" in value or ":" in value:
            raise TradeError(row, f"{name} {value!r} must not contain spaces, ':' or '|'")
    return Trade(
        row=row,
        on=on,
        account=account,
        symbol=symbol,
        side=Side(side_text),
        quantity=_number(text("quantity"), "quantity", row, positive=True),
        price=_number(text("price"), "price", row, positive=True),
        fee=_number(text("fee") or "0", "fee", row, positive=False),
        asset_class=asset_class,
        lot_id=text("lot_id") or None,
        lots=_lots(text("lots"), row) if text("lots") else None,
        game=text("game") or None,
        swap_id=text("swap_id") or None,
    )


def read_trades(path: Path) -> TradeFile:
    """Parse ``path``; raise ``InvalidInputError`` naming the file, row and line of the first problem."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle, strict=True)
        try:
            header = [name.strip() for name in (reader.fieldnames or [])]
        except (csv.Error, UnicodeDecodeError) as error:
            raise InvalidInputError(f"{path.name}: cannot read the header: {error}") from None
        if not header:
            raise InvalidInputError(f"{path.name} is empty; expected a header with {', '.join(REQUIRED_COLUMNS)}")
        reader.fieldnames = header
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
        trades: list[Trade] = []
        lines: dict[int, int] = {}
        row = 0
        try:
            for values in reader:
                row += 1
                lines[row] = reader.line_num  # the line the row ends on
                if None in values:
                    raise TradeError(row, f"has {len(header) + len(values[None])} fields, header has {len(header)}")
                if any(v is None for v in values.values()):
                    raise TradeError(row, f"has fewer fields than the header's {len(header)}")
                trades.append(_trade(values, row))
        except TradeError as error:
            raise InvalidInputError(f"{path.name} row {error.row} (line {reader.line_num}): {error.problem}") from None
        except csv.Error as error:
            raise InvalidInputError(f"{path.name} line {reader.line_num}: malformed CSV: {error}") from None
        except UnicodeDecodeError:
            raise InvalidInputError(f"{path.name}: not valid UTF-8 (after line {reader.line_num})") from None
    if not trades:
        raise InvalidInputError(f"{path.name} has a header but no trades")
    return TradeFile(path, tuple(trades), lines)
