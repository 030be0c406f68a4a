"""The double-entry journal: balancing by cost weight, time order, append-only, balances."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tradegame.domain.errors import InvalidAmountError, InvalidInputError, UnbalancedEntryError
from tradegame.domain.journal import Journal
from tradegame.domain.postings import FlatDraft, JournalEntry, Leg, Posting, check_legs

T0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)


def cash(account: str, amount: str, currency: str = "USD") -> Posting:
    return Posting(account, currency, Decimal(amount))


def buy_postings() -> list[Posting]:
    """10 ACME at 100.00 with a 1.00 fee: units weigh their cost, not their count."""
    return [
        cash("Assets:IBKR:Cash:USD", "-1001.00"),
        Posting("Assets:IBKR:ACME", "ACME", Decimal(10), Decimal("1000.00"), "USD"),
        cash("Expenses:Fees:IBKR:ACME", "1.00"),
    ]


def test_an_entry_balances_on_cost_weights() -> None:
    journal = Journal()
    entry = journal.post("op-1", T0, "buy", "buy 10 ACME", buy_postings())
    assert entry.seq == 1
    assert entry.weights() == {"USD": Decimal(0)}
    assert journal.balance("Assets:IBKR") == {"ACME": Decimal(10), "USD": Decimal("-1001.00")}
    assert journal.book_value("Assets:IBKR:ACME") == {"USD": Decimal("1000.00")}


def test_an_unbalanced_entry_is_refused_and_nothing_is_appended() -> None:
    journal = Journal()
    journal.post("op-1", T0, "deposit", "", [cash("Equity:Contributions", "-5"), cash("Assets:A:Cash:USD", "5")])
    postings = [
        cash("Assets:A:Cash:USD", "-1001.00"),
        Posting("Assets:A:ACME", "ACME", Decimal(10), Decimal(1000), "USD"),
    ]
    with pytest.raises(UnbalancedEntryError, match=r"-1\.00 USD left over"):
        journal.post("op-2", T0, "buy", "", postings)
    assert len(journal) == 1
    assert journal.balance("Assets:A") == {"USD": Decimal(5)}


def test_balancing_is_per_currency() -> None:
    # 100 USD out and 100 EUR in sums to zero as numbers but not per currency.
    with pytest.raises(UnbalancedEntryError):
        JournalEntry(
            "op-1", 1, T0, "fx", "", (cash("Assets:A:Cash:USD", "-100"), cash("Assets:A:Cash:EUR", "100", "EUR"))
        )


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="naive"):
        Journal().post("op-1", datetime(2024, 1, 2, 14, 30), "buy", "", buy_postings())  # noqa: DTZ001


def test_an_aware_timestamp_is_stored_in_utc() -> None:
    new_york = timezone(timedelta(hours=-5))
    entry = Journal().post("op-1", datetime(2024, 1, 2, 9, 30, tzinfo=new_york), "buy", "", buy_postings())
    assert entry.timestamp == T0
    assert entry.timestamp.tzinfo is UTC


def test_an_entry_before_the_last_one_is_refused() -> None:
    journal = Journal()
    journal.post("op-1", T0, "buy", "", buy_postings())
    with pytest.raises(InvalidInputError, match="before the last entry"):
        journal.post("op-2", T0 - timedelta(seconds=1), "buy", "", buy_postings())
    journal.post("op-2", T0, "buy", "", buy_postings())  # the same instant is fine
    assert [e.op_id for e in journal.entries] == ["op-1", "op-2"]


def test_extend_is_all_or_nothing() -> None:
    journal = Journal()
    first = JournalEntry("op-1", 1, T0, "buy", "", tuple(buy_postings()))
    skipped = JournalEntry("op-2", 3, T0, "buy", "", tuple(buy_postings()))
    with pytest.raises(InvalidInputError, match="expected 2"):
        journal.extend([first, skipped])
    assert journal.entries == ()


def test_entries_is_a_read_only_view() -> None:
    journal = Journal()
    journal.post("op-1", T0, "buy", "", buy_postings())
    view = journal.entries
    assert isinstance(view, tuple)
    journal.post("op-2", T0, "buy", "", buy_postings())
    assert len(view) == 1
    assert len(journal.entries) == 2
    assert not any(hasattr(journal, name) for name in ("remove", "pop", "clear", "replace", "__setitem__"))


def test_entries_for_links_the_entries_of_one_operation() -> None:
    journal = Journal()
    journal.post("op-1", T0, "fund", "", [cash("Assets:A:Cash:USD", "-5"), cash("Assets:A:X:Cash", "5")])
    journal.post("op-2", T0, "deposit", "", [cash("Equity:Contributions", "-5"), cash("Assets:A:Cash:USD", "5")])
    journal.post(
        "op-1",
        T0,
        "buy",
        "",
        [cash("Assets:A:X:Cash", "-5"), Posting("Assets:A:X", "X", Decimal(1), Decimal(5), "USD")],
    )
    assert [(e.seq, e.kind) for e in journal.entries_for("op-1")] == [(1, "fund"), (3, "buy")]
    assert journal.entries_for("op-9") == ()


def test_balance_prefix_stops_at_account_boundaries() -> None:
    journal = Journal()
    journal.post("op-1", T0, "deposit", "", [cash("Equity:Contributions", "-7"), cash("Assets:IBKR:Cash:USD", "7")])
    journal.post("op-2", T0, "deposit", "", [cash("Equity:Contributions", "-3"), cash("Assets:IBKRX:Cash:USD", "3")])
    assert journal.balance("Assets:IBKR") == {"USD": Decimal(7)}
    assert journal.balance("Assets") == {"USD": Decimal(10)}
    assert journal.balance() == {}  # everything together sums to zero and zeros are left out


@pytest.mark.parametrize(
    ("posting_args", "message"),
    [
        (("Cash:USD", "USD", Decimal(1)), "must start with"),
        (("Assets::Cash", "USD", Decimal(1)), "component"),
        (("Assets:A", "USD", Decimal(0)), "non-zero"),
        (("Assets:A:X", "X", Decimal(1), Decimal(5)), "needs its currency"),
        (("Assets:A:X", "X", Decimal(1), Decimal(-5), "USD"), "opposite sign"),
    ],
)
def test_malformed_postings_are_refused(posting_args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Posting(*posting_args)  # type: ignore[arg-type]


def test_float_units_are_refused() -> None:
    with pytest.raises(InvalidAmountError, match="float"):
        Posting("Assets:A:Cash:USD", "USD", 1.5)  # type: ignore[arg-type]


def test_an_entry_needs_two_postings() -> None:
    with pytest.raises(InvalidInputError, match="two postings"):
        JournalEntry("op-1", 1, T0, "x", "", (cash("Assets:A", "1"),))


def legs_of(postings: list[Posting]) -> tuple[Leg, ...]:
    return tuple((p.account, p.commodity, p.units, p.value, p.value_currency) for p in postings)


def test_check_legs_passes_what_an_entry_accepts_and_refuses_what_it_refuses() -> None:
    legs = legs_of(buy_postings())
    assert check_legs("op-1", "buy", legs) == legs
    unbalanced = (*legs[:2], ("Expenses:Fees:IBKR:ACME", "USD", Decimal("2.00"), None, None))
    with pytest.raises(UnbalancedEntryError, match=r"1\.00 USD left over"):
        check_legs("op-1", "buy", unbalanced)
    with pytest.raises(InvalidInputError, match="non-zero"):
        check_legs("op-1", "buy", (*legs, ("Assets:IBKR:Cash:USD", "USD", Decimal(0), None, None)))
    with pytest.raises(InvalidInputError, match="component"):
        check_legs("op-1", "buy", (("Assets:A B:Cash:USD", "USD", Decimal(1), None, None), *legs[1:]))
    with pytest.raises(InvalidInputError, match="two postings"):
        check_legs("op-1", "buy", legs[:1])
    ints = (("Equity:Contributions", "USD", -5, None, None), ("Assets:A:Cash:USD", "USD", 5, None, None))
    assert check_legs("op-1", "deposit", ints) == (  # type: ignore[arg-type]
        ("Equity:Contributions", "USD", Decimal(-5), None, None),
        ("Assets:A:Cash:USD", "USD", Decimal(5), None, None),
    )


def test_checked_drafts_read_as_the_entries_post_would_append() -> None:
    posted, drafted = Journal(), Journal()
    deposit = [cash("Equity:Contributions", "-2000"), cash("Assets:IBKR:Cash:USD", "2000")]
    posted.post("op-1", T0, "deposit", "deposit 2000 USD", deposit)
    posted.post("op-2", T0, "fund", "fund ACME", buy_postings())
    posted.post("op-2", T0, "buy", "buy 10 ACME @ 100.00", buy_postings())
    drafted.append_checked("op-1", T0, [("deposit", "deposit 2000 USD", legs_of(deposit))])
    assert drafted.balance("Assets:IBKR") == {"USD": Decimal(2000)}  # read between two appends
    drafted.append_checked(
        "op-2",
        T0,
        [
            ("fund", ("fund {}", ("ACME",)), legs_of(buy_postings())),
            ("buy", ("buy {} {} @ {}", (Decimal(10), "ACME", Decimal("100.00"))), legs_of(buy_postings())),
        ],
    )
    assert drafted.entries == posted.entries
    assert drafted.entries_for("op-2") == posted.entries_for("op-2")
    assert drafted.entries_for("op-2")[0] is drafted.entries[1]  # built once, then kept
    assert drafted.postings_for("Assets:IBKR:ACME") == posted.postings_for("Assets:IBKR:ACME")
    assert drafted.balance() == posted.balance() and drafted.book_value() == posted.book_value()
    assert drafted.accounts() == posted.accounts()
    assert (len(drafted), drafted.next_seq, drafted.last_timestamp) == (3, 4, T0)


def test_made_drafts_are_made_when_first_read_and_read_as_the_rows_appended_at_once() -> None:
    made: list[str] = []

    def make(op_id: str, symbol: str) -> tuple[FlatDraft, ...]:
        made.append(op_id)
        return (("buy", "buy {}", (symbol,), sum(legs_of(buy_postings()), ())),)

    at_once, later = Journal(), Journal()
    deposit = legs_of([cash("Equity:Contributions", "-2000"), cash("Assets:IBKR:Cash:USD", "2000")])
    for journal in (at_once, later):
        journal.append_rows("op-1", T0, [("deposit", "deposit", None, sum(deposit, ()))])
    at_once.append_rows("op-2", T0, make("op-2", "ACME"))
    at_once.append_rows("op-3", T0, make("op-3", "BETA"))
    made.clear()
    later.append_made("op-2", T0, make, ("op-2", "ACME"))
    later.append_made("op-3", T0, make, ("op-3", "BETA"))
    assert later.last_timestamp == T0 and made == []  # appended, not made yet
    assert (len(later), later.next_seq) == (3, 4) and made == ["op-2", "op-3"]  # made once, in order
    assert later.entries == at_once.entries and later.balance() == at_once.balance()
    later.append_made("op-4", T0, make, ("op-4", "GAMMA"))
    later.append_rows("op-5", T0, [("deposit", "again", None, sum(deposit, ()))])  # lays out op-4 first
    assert [entry.op_id for entry in later.entries] == ["op-1", "op-2", "op-3", "op-4", "op-5"]
    assert made == ["op-2", "op-3", "op-4"]


def test_checked_drafts_before_the_last_entry_are_refused_as_a_whole() -> None:
    journal = Journal()
    journal.post("op-1", T0, "buy", "", buy_postings())
    drafts = [("buy", "", legs_of(buy_postings()))] * 2
    with pytest.raises(InvalidInputError, match="before the last entry"):
        journal.append_checked("op-2", T0 - timedelta(seconds=1), drafts)
    with pytest.raises(InvalidInputError, match="naive"):
        journal.append_checked("op-2", datetime(2024, 1, 2, 14, 30), drafts)  # noqa: DTZ001
    assert len(journal) == 1
    assert journal.balance("Assets:IBKR:ACME") == {"ACME": Decimal(10)}


def test_unit_moves_read_the_postings_of_an_account_without_building_an_entry() -> None:
    journal = Journal()
    later = T0 + timedelta(days=1)
    journal.append_checked("op-1", T0, [("buy", ("buy {}", ("ACME",)), legs_of(buy_postings()))])
    journal.post("op-2", later, "buy", "again", buy_postings())
    moves = journal.unit_moves("Assets:IBKR:ACME")
    assert journal._built[0] is None  # the drafted entry is still a row
    assert moves == (
        (T0, "ACME", Decimal(10)),
        (later, "ACME", Decimal(10)),
    )
    assert moves == tuple((e.timestamp, p.commodity, p.units) for e, p in journal.postings_for("Assets:IBKR:ACME"))
    assert journal.unit_moves("Assets:IBKR") == () and journal.unit_moves("Assets:Nowhere") == ()
    assert journal.entries_unless({"op-1"}) == ("op-1", journal.entries[1])


def test_entries_unless_builds_only_the_entries_it_returns() -> None:
    journal = Journal()
    journal.append_checked("op-1", T0, [("buy", ("buy {}", ("ACME",)), legs_of(buy_postings()))])
    journal.append_checked("op-2", T0, [("buy", ("buy {}", ("BETA",)), legs_of(buy_postings()))])
    (skipped, kept) = journal.entries_unless({"op-1"})
    assert skipped == "op-1" and journal._built[0] is None
    assert kept.op_id == "op-2" and kept.narration == "buy BETA"
