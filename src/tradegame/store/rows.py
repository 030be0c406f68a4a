"""Plain rows of the Game store, and how the engine's records become rows.

Each row type lists the columns of its table after ``game_id``, in order, so a stored row and a
row made from a live Game compare with ``==`` (the resume check relies on it). Converting is
pure: no SQL here. Imports ``tradegame.domain``, ``tradegame.engine.game``,
``tradegame.engine.rules`` and ``tradegame.store.members`` (the Activator's Models' records) only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.positions import CostEntry, DecisionEntry, TaxEntry
from tradegame.domain.postings import JournalEntry
from tradegame.engine.rules import ENGINE_RULES
from tradegame.store.members import MemberValueRow

if TYPE_CHECKING:  # the Round loop (and pandas behind it) is not needed to read or write rows
    import pandas as pd

    from tradegame.engine.game import GameEvent

__all__ = [
    "CostRow",
    "DecisionRow",
    "DisposalRow",
    "EntryRow",
    "EventRow",
    "GameRow",
    "GameSummaryRow",
    "OpenLotRow",
    "PostingRow",
    "RoundRow",
    "StoredGame",
    "TaxRow",
    "cost_row",
    "decision_row",
    "disposal_row",
    "entry_rows",
    "event_row",
    "jsonable",
    "open_lot_row",
    "round_row",
    "tax_row",
    "utc_from_ns",
]


class GameSummaryRow(NamedTuple):
    """One Game in ``Database.list_games()``; ``last_round`` is the last committed Round.

    ``engine_rules``: the engine rules it was played under (``tradegame.engine.rules``).
    ``status``, ``owner`` and ``heartbeat_at`` as in ``GameRow``.
    """

    id: int
    name: str
    status: str
    model: str
    created_at: datetime
    round_count: int | None
    last_round: int | None
    outcome: str | None
    score: Decimal | None
    error: str | None
    engine_rules: int
    owner: str | None
    heartbeat_at: datetime | None


class GameRow(NamedTuple):
    """Everything the ``games`` table holds about one Game.

    ``engine_rules`` is the version of the engine rules it was played under (1 for a Game
    stored before the store recorded it; see ``tradegame.engine.rules``). ``model_kind``,
    ``model_ref``, ``model_path`` and ``model_sha256`` say where its Model came from (all
    ``None`` for a Game stored before they were recorded: a built-in Model named by ``model``).

    ``status`` is ``running``, ``finished``, ``failed``, or ``interrupted``: a running Game whose
    process is gone (its lease expired, or its pid on this host is dead; see ``store.lease``).
    ``owner`` (``host:pid:token``) and ``heartbeat_at`` are the lease of the process recording it.
    """

    id: int
    name: str
    created_at: datetime
    round_count: int | None
    status: str
    definition_text: str
    model: str
    model_params: dict[str, Any]
    data_hash: str
    engine_rules: int
    model_kind: str | None
    model_ref: str | None
    model_path: str | None
    model_sha256: str | None
    outcome: str | None
    outcome_round: int | None
    outcome_reason: str | None
    start_capital: Decimal | None
    final_value: Decimal | None
    gross_profit: Decimal | None
    fees: Decimal | None
    running_costs: Decimal | None
    taxes: Decimal | None
    score: Decimal | None
    error: str | None
    finished_at: datetime | None
    owner: str | None
    heartbeat_at: datetime | None

    @property
    def other_rules(self) -> str | None:
        """``None`` when the running engine plays the Game's rules, else the sentence that says it does not.

        E.g. ``game 12 was played under engine rules 1; this tradegame plays rules 3``.
        """
        if self.engine_rules == ENGINE_RULES:
            return None
        return (
            f"game {self.id} was played under engine rules {self.engine_rules}; "
            f"this tradegame plays rules {ENGINE_RULES}"
        )


class RoundRow(NamedTuple):
    """The Game's value after a Round (``None`` for NaN)."""

    round: int
    ts: datetime
    value: float | None


class EventRow(NamedTuple):
    """A line of the Game's decision log (``GameEvent``)."""

    seq: int
    round: int
    ts: datetime
    kind: str
    move_id: str | None
    account: str | None
    symbol: str | None
    detail: str
    op_ids: tuple[str, ...]


class EntryRow(NamedTuple):
    """A journal entry without its postings; ``round`` is the Round whose commit wrote it."""

    seq: int
    round: int
    op_id: str
    ts: datetime
    kind: str
    narration: str


class PostingRow(NamedTuple):
    """Leg ``leg`` (from 0) of journal entry ``entry_seq``."""

    entry_seq: int
    leg: int
    account: str
    commodity: str
    units: Decimal
    value: Decimal | None
    value_currency: str | None


class CostRow(NamedTuple):
    """A line of the transaction-cost ledger."""

    line: int
    round: int
    op_id: str
    ts: datetime
    account: str
    symbol: str
    action: str
    quantity: Decimal
    notional: Decimal
    notional_currency: str
    fee: Decimal
    fee_currency: str


class TaxRow(NamedTuple):
    """A line of the tax ledger; ``detail`` is canonical JSON of its disposal or year netting."""

    line: int
    round: int
    op_id: str
    ts: datetime
    kind: str
    year: int
    amount: Decimal
    currency: str
    account: str | None
    symbol: str | None
    term: str | None
    lot_id: str | None
    linked_op_id: str | None
    detail: str | None


class DecisionRow(NamedTuple):
    """A line of the books' own decision log (one per booked operation)."""

    line: int
    round: int
    op_id: str
    ts: datetime
    action: str
    account: str | None
    subject: str | None
    reason: str
    game: str | None


class DisposalRow(NamedTuple):
    """A disposal as it stands at the end of the Game (wash adjustments applied)."""

    line: int
    account: str
    symbol: str
    lot_id: str
    quantity: Decimal
    date_acquired: date
    date_acquired_actual: date
    date_sold: date
    proceeds: Decimal
    cost_basis: Decimal
    adjustment_code: str
    adjustment_amount: Decimal
    asset_class: str
    sale_id: str
    game: str | None
    lot_game: str | None


class OpenLotRow(NamedTuple):
    """A tax lot still open at the end of the Game."""

    line: int
    account: str
    symbol: str
    lot_id: str
    quantity: Decimal
    cost_basis: Decimal
    date_acquired: date
    date_acquired_actual: date
    asset_class: str
    game: str | None


@dataclass(frozen=True)
class StoredGame:
    """A stored Game: its ``games`` row and every ledger and log, in the Game's order."""

    game: GameRow
    rounds: list[RoundRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    entries: list[EntryRow] = field(default_factory=list)
    postings: list[PostingRow] = field(default_factory=list)
    cost_ledger: list[CostRow] = field(default_factory=list)
    tax_ledger: list[TaxRow] = field(default_factory=list)
    decisions: list[DecisionRow] = field(default_factory=list)
    disposals: list[DisposalRow] = field(default_factory=list)
    open_lots: list[OpenLotRow] = field(default_factory=list)
    member_values: list[MemberValueRow] = field(default_factory=list)

    def tables(self) -> dict[str, tuple[tuple[str, ...], list[Any]]]:
        """Every table as (column names, rows) by table name; ``games`` holds the one Game row."""
        return {
            "games": (GameRow._fields, [self.game]),
            "rounds": (RoundRow._fields, self.rounds),
            "events": (EventRow._fields, self.events),
            "journal_entries": (EntryRow._fields, self.entries),
            "postings": (PostingRow._fields, self.postings),
            "cost_ledger": (CostRow._fields, self.cost_ledger),
            "tax_ledger": (TaxRow._fields, self.tax_ledger),
            "decisions": (DecisionRow._fields, self.decisions),
            "disposals": (DisposalRow._fields, self.disposals),
            "open_lots": (OpenLotRow._fields, self.open_lots),
            "member_values": (MemberValueRow._fields, self.member_values),
        }

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table as a pandas DataFrame (amounts stay ``Decimal`` objects), by table name."""
        import pandas as pd

        return {name: pd.DataFrame(rows, columns=list(fields)) for name, (fields, rows) in self.tables().items()}


# -- conversions -----------------------------------------------------------------------------


def utc_from_ns(ns: int) -> datetime:
    """The UTC instant of an int64 nanosecond timestamp, to the microsecond."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)


def round_row(round_index: int, ns: int, value: float) -> RoundRow:
    return RoundRow(round_index, utc_from_ns(ns), None if math.isnan(value) else float(value))


def event_row(event: GameEvent) -> EventRow:
    ts = datetime.fromisoformat(event.time).astimezone(UTC)
    return EventRow(
        event.seq,
        event.round,
        ts,
        str(event.kind),
        event.move_id,
        event.account,
        event.symbol,
        event.detail,
        tuple(event.op_ids),
    )


def entry_rows(entries: Iterable[JournalEntry], round_index: int) -> tuple[list[EntryRow], list[PostingRow]]:
    """The entries' rows and their postings' rows, stamped with the Round that commits them."""
    entry_out: list[EntryRow] = []
    posting_out: list[PostingRow] = []
    for entry in entries:
        entry_out.append(EntryRow(entry.seq, round_index, entry.op_id, entry.timestamp, entry.kind, entry.narration))
        for leg, posting in enumerate(entry.postings):
            posting_out.append(
                PostingRow(
                    entry.seq,
                    leg,
                    posting.account,
                    posting.commodity,
                    posting.units,
                    posting.value,
                    posting.value_currency,
                )
            )
    return entry_out, posting_out


def cost_row(line: int, round_index: int, cost: CostEntry) -> CostRow:
    return CostRow(
        line,
        round_index,
        cost.op_id,
        cost.timestamp,
        cost.account,
        cost.symbol,
        cost.action,
        cost.quantity,
        cost.notional.amount,
        cost.notional.currency.code,
        cost.fee.amount,
        cost.fee.currency.code,
    )


def tax_row(line: int, round_index: int, tax: TaxEntry) -> TaxRow:
    detail: dict[str, Any] | None = None
    if tax.disposal is not None:
        detail = {"disposal": jsonable(tax.disposal._asdict())}
    elif tax.detail is not None:
        detail = {"year_tax": jsonable(asdict(tax.detail))}
    return TaxRow(
        line,
        round_index,
        tax.op_id,
        tax.timestamp,
        str(tax.kind),
        tax.year,
        tax.amount.amount,
        tax.amount.currency.code,
        tax.account,
        tax.symbol,
        None if tax.term is None else str(tax.term),
        None if tax.disposal is None else tax.disposal.lot_id,
        tax.linked_op_id,
        None if detail is None else json.dumps(detail, sort_keys=True),
    )


def decision_row(line: int, round_index: int, decision: DecisionEntry) -> DecisionRow:
    return DecisionRow(
        line,
        round_index,
        decision.op_id,
        decision.timestamp,
        decision.action,
        decision.account,
        decision.subject,
        decision.reason,
        decision.game,
    )


def disposal_row(line: int, disposal: Disposal) -> DisposalRow:
    return DisposalRow(
        line,
        disposal.account,
        disposal.symbol,
        disposal.lot_id,
        disposal.quantity,
        disposal.date_acquired,
        disposal.date_acquired_actual,
        disposal.date_sold,
        disposal.proceeds,
        disposal.cost_basis,
        disposal.adjustment_code,
        disposal.adjustment_amount,
        str(disposal.asset_class),
        disposal.sale_id,
        disposal.game,
        disposal.lot_game,
    )


def open_lot_row(line: int, lot: OpenLot) -> OpenLotRow:
    return OpenLotRow(
        line,
        lot.account,
        lot.symbol,
        lot.lot_id,
        lot.quantity,
        lot.cost_basis,
        lot.date_acquired,
        lot.date_acquired_actual,
        str(lot.asset_class),
        lot.game,
    )


def jsonable(value: object, where: str = "value") -> Any:
    """``value`` as plain JSON: Decimals and dates become strings, tuples lists; anything else is refused."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(f"{where}: {value} cannot be stored as JSON")
        return value
    if isinstance(value, Decimal | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise InvalidInputError(f"{where}: a {type(value).__name__} cannot be stored as JSON")
