"""``tax lots`` on two cores: the symbols shared between this process and a forked child.

Wash sales join accounts but never symbols, so the symbols can be booked apart: the child books
most of them (``_SHARES``), this process the rest, and each reads the whole file and numbers its
lots by their row in it, as one book of every trade would. This process merges the disposals
the two release in the order of their sale's row (which is the booking order of one book),
writes them with the same writer, folds the Games' tallies over them, adds the child's Games'
own-lots gains and merges the open lots by lot number: the same report to the byte.

Only a plain file is split: in date order, no lot ids, no named lots, no swaps (lot ids and
swaps are checked across symbols), and no trade worth 10^15 or more (so that every sum of
money stays exact in ``Decimal``'s 28 digits whatever the order it is added in). On anything
else, and on any problem met by either process, ``split_report`` returns False having written
nothing that counts, and the command makes the report (or its error) in one process, as before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import threading
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import compress, islice, repeat
from multiprocessing.connection import Connection
from operator import eq, itemgetter, le, mul
from pathlib import Path
from typing import IO, Any

from tradegame.cli.progress import Advance, progress_bar
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import LotMethod
from tradegame.domain.lots import Disposal, OpenLot
from tradegame.domain.tax import TaxProfile
from tradegame.domain.trade_stream import TradeRow, TradeStream
from tradegame.io.trades_csv import iter_trade_rows
from tradegame.reporting.collector import collector_paused
from tradegame.reporting.tax_output import JsonReportWriter
from tradegame.reporting.tax_table import TableReportWriter

__all__ = ["split_report", "splits"]

SPLIT_BYTES_VARIABLE = "TRADEGAME_TAX_SPLIT_BYTES"
_SPLIT_BYTES = 8 * 1024 * 1024  # a smaller file is done before a second process would pay off
_SHARES = 4  # the child books the symbols of 3 shares in 4; this process 1, and writes the report
_BACKLOG = 32  # messages from the child (a day of releases each) not merged yet
_AHEAD = 100_000  # disposals this process books ahead while the child has sent nothing new
_MAX_GROSS = Decimal("1e15")
_MAX_ROWS = 10**8
_SEP = "\x1f"
_ON, _SYMBOL, _QUANTITY, _PRICE = itemgetter(1), itemgetter(3), itemgetter(5), itemgetter(6)
_ODD = itemgetter(9, 10, 12)  # lot id, named lots, swap id
_PLAIN = (None, None, None)
_DISPOSAL_DATES, _DISPOSAL_AMOUNTS, _LOT_DATES, _LOT_AMOUNTS = (4, 5, 6), (3, 7, 8, 10), (5, 6), (3, 4)
_new_disposal = partial(tuple.__new__, Disposal)
_new_open_lot = partial(tuple.__new__, OpenLot)


class _UnsplitError(Exception):
    """The file cannot be split, or the other process met a problem: make the report in one process."""


def splits(path: Path) -> bool:
    """Whether ``tax lots`` on ``path`` should try two processes (two cores, fork, a large file)."""
    try:
        limit = int(os.environ.get(SPLIT_BYTES_VARIABLE, _SPLIT_BYTES))
        size = path.stat().st_size
    except (ValueError, OSError):
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores > 1 and size >= limit and "fork" in multiprocessing.get_all_start_methods()


class _Sides(dict[str, int]):
    """The process that books each symbol: 0 (this one) for one share in ``_SHARES``, else 1."""

    def __missing__(self, symbol: str) -> int:
        side = self[symbol] = 0 if zlib.crc32(symbol.encode("utf-8")) % _SHARES == 0 else 1
        return side


def _check(chunk: list[TradeRow], last: date | None) -> date:
    """Raise ``_UnsplitError`` unless ``chunk`` is plain and in date order after ``last``; its last date."""
    dates: list[date] = list(map(_ON, chunk))
    in_order = (last is None or last <= dates[0]) and all(map(le, dates, islice(dates, 1, None)))
    if not in_order or set(map(_ODD, chunk)) != {_PLAIN}:
        raise _UnsplitError
    if max(map(mul, map(_QUANTITY, chunk), map(_PRICE, chunk))) >= _MAX_GROSS:
        raise _UnsplitError
    return dates[-1]


def _rows_of(path: Path, side: int, check: bool, advance: Callable[[int], None] | None = None) -> Iterator[TradeRow]:
    """The rows of ``path`` whose symbols ``side`` books, checked (``check``) on the way."""
    sides = _Sides()
    last: date | None = None
    count = 0
    for chunk in iter_trade_rows(path):
        if check:
            last = _check(chunk, last)
        count += len(chunk)
        if count > _MAX_ROWS:
            raise _UnsplitError
        if advance is not None:
            advance(count)
        yield from compress(chunk, map(eq, map(sides.__getitem__, map(_SYMBOL, chunk)), repeat(side)))


def _packed(values: Sequence[tuple[Any, ...]], dates: Iterable[int], amounts: Iterable[int]) -> list[Any]:
    """``values`` (tuples) as columns: dates as ordinals, amounts as one text (``Decimal`` digits kept)."""
    columns: list[Any] = list(zip(*values, strict=True))
    for at in dates:
        columns[at] = list(map(date.toordinal, columns[at]))
    for at in amounts:
        columns[at] = _SEP.join(map(str, columns[at]))
    return columns


class _Days(dict[int, date]):
    def __missing__(self, ordinal: int) -> date:
        day = self[ordinal] = date.fromordinal(ordinal)
        return day


def _unpacked(
    columns: list[Any], dates: Iterable[int], amounts: Iterable[int], days: _Days
) -> Iterator[tuple[Any, ...]]:
    """The tuples ``_packed`` made ``columns`` of."""
    for at in dates:
        columns[at] = map(days.__getitem__, columns[at])
    for at in amounts:
        columns[at] = map(Decimal, columns[at].split(_SEP))
    return zip(*columns, strict=True)


def _sale_numbers(disposals: list[Disposal]) -> list[int]:
    """The row of each disposal's sale (the stream names a sale ``row<number>``)."""
    return [int(disposal.sale_id[3:]) for disposal in disposals]


def _released(stream: TradeStream, rows: Iterable[TradeRow]) -> Iterator[list[Disposal]]:
    """What ``stream`` releases as it books ``rows`` (numbered in the whole file), then at its close."""
    yield from stream.feed_rows(rows, numbered=True)
    yield stream.close()


def _child(path: Path, method: LotMethod, wash_sales: bool, send: Connection) -> None:
    """The child's work: book its symbols and send what it releases, then its open lots and Games."""
    try:
        stream = TradeStream(method, wash_sales=wash_sales, tally=False)
        for released in _released(stream, _rows_of(path, 1, False)):
            if released:
                columns = _packed(released, _DISPOSAL_DATES, _DISPOSAL_AMOUNTS)
                columns[3] = [columns[3], _sale_numbers(released)]  # the quantities, and the keys
                columns[12] = None  # the sale ids: from the keys again
                send.send_bytes(b"d" + pickle.dumps(columns, pickle.HIGHEST_PROTOCOL))
        lots = stream.book.open_lots()
        lot_columns = _packed(lots, _LOT_DATES, _LOT_AMOUNTS) if lots else None
        send.send_bytes(b"e" + pickle.dumps((lot_columns, stream.own_gains()), pickle.HIGHEST_PROTOCOL))
    except (InvalidInputError, _UnsplitError):
        send.send_bytes(b"f")
    finally:
        send.close()
        os._exit(0)  # nothing of the parent's (buffers, exit hooks) runs twice


class _Child:
    """The forked child and what it sends, drained from the pipe by a thread so it never waits."""

    def __init__(self, path: Path, method: LotMethod, wash_sales: bool) -> None:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        self.process = context.Process(target=_child, args=(path, method, wash_sales, send), daemon=True)
        self.process.start()
        send.close()
        # bounded: a child that runs ahead waits (its pipe fills) rather than filling this memory
        self.messages: queue.Queue[bytes] = queue.Queue(_BACKLOG)
        self.days = _Days()
        self._thread = threading.Thread(target=self._drain, args=(receive,), daemon=True)
        self._thread.start()
        self.end: tuple[list[OpenLot], dict[str, Decimal | None]] | None = None

    def _drain(self, receive: Connection) -> None:
        with receive:
            message = b"f"
            try:
                while (message := receive.recv_bytes())[:1] == b"d":
                    self.messages.put(message)
            except (EOFError, OSError):
                message = b"f"
            self.messages.put(message)

    def take(self, block: bool) -> tuple[list[int], list[Disposal]] | None:
        """The child's next released batch with its keys; None if none is ready yet (unless ``block``)
        or none is left (then ``end`` is set)."""
        try:
            message = self.messages.get(block)
        except queue.Empty:
            return None
        if message[:1] == b"d":
            columns = pickle.loads(message[1:])
            columns[3], keys = columns[3]
            columns[12] = map("row{}".format, keys)
            return keys, list(map(_new_disposal, _unpacked(columns, _DISPOSAL_DATES, _DISPOSAL_AMOUNTS, self.days)))
        if message[:1] != b"e":
            raise _UnsplitError
        lot_columns, gains = pickle.loads(message[1:])
        lots = []
        if lot_columns is not None:
            lots = list(map(_new_open_lot, _unpacked(lot_columns, _LOT_DATES, _LOT_AMOUNTS, self.days)))
        self.end = lots, gains
        return None

    def stop(self) -> None:
        """End the child (killed if it still runs) and the thread (which may wait to put a message)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self.messages.get_nowait()
            self._thread.join(0.01)


def _pull(mine: Iterator[list[Disposal]], items: list[Disposal], keys: list[int]) -> bool:
    """Add the next batch of ``mine`` (and its keys) to ``items``; False when there is none left."""
    batch = next(mine, None)
    if batch is None:
        return False
    items += batch
    keys += _sale_numbers(batch)
    return True


def _merged(mine: Iterator[list[Disposal]], child: _Child) -> Iterator[list[Disposal]]:
    """The disposals of both streams in the order of their sale's row (each stream is in that order).

    While the child has sent nothing new, this process books ahead (up to ``_AHEAD`` disposals).
    """
    items: list[list[Disposal]] = [[], []]
    keys: list[list[int]] = [[], []]
    done = [False, False]
    while True:
        if not items[0] and not done[0]:
            done[0] = not _pull(mine, items[0], keys[0])
        if not items[1] and not done[1]:
            pair = child.take(block=done[0] or len(keys[0]) >= _AHEAD)
            done[1] = child.end is not None
            if pair is None:
                if not done[1]:  # nothing from the child yet: book ahead meanwhile
                    done[0] = not _pull(mine, items[0], keys[0])
                continue
            keys[1], items[1] = pair
        if not (items[0] and items[1]):
            if items[0] or items[1]:
                side = 0 if items[0] else 1
                if done[1 - side]:
                    yield items[side]
                    items[side], keys[side] = [], []
                continue
            if done[0] and done[1]:
                return
            continue
        bound = min(keys[0][-1], keys[1][-1])
        cuts = [bisect_right(keys[0], bound), bisect_right(keys[1], bound)]
        both = items[0][: cuts[0]] + items[1][: cuts[1]]
        both_keys = keys[0][: cuts[0]] + keys[1][: cuts[1]]
        yield list(map(both.__getitem__, sorted(range(len(both)), key=both_keys.__getitem__)))
        for side in (0, 1):
            del items[side][: cuts[side]], keys[side][: cuts[side]]


def _lot_number(lot: OpenLot) -> int:
    return int(lot.lot_id[1:])  # a plain file's lots are numbered "#<n>"


def split_report(
    path: Path, out: IO[str], method: LotMethod, wash_sales: bool, as_json: bool, profile: TaxProfile | None
) -> bool:
    """Write the report of ``path`` to ``out`` with a second process; False (``out`` to be discarded) if not done."""
    with collector_paused():  # the books make no reference cycles (the child inherits the pause)
        child = _Child(path, method, wash_sales)  # forked before the progress bar starts a thread
        try:
            with progress_bar("tax lots", "trades", quiet=as_json) as advance:
                _write_merged(path, out, method, wash_sales, as_json, profile, child,
                              None if advance is None else partial(_advanced, advance))  # fmt: skip
        except (InvalidInputError, _UnsplitError):
            return False
        finally:
            child.stop()
    return True


def _advanced(advance: Advance, done: int) -> None:
    advance(done, None)


def _write_merged(
    path: Path,
    out: IO[str],
    method: LotMethod,
    wash_sales: bool,
    as_json: bool,
    profile: TaxProfile | None,
    child: _Child,
    advance: Callable[[int], None] | None,
) -> None:
    """Book this process's symbols, merge in the child's disposals and write the whole report."""
    stream = TradeStream(method, wash_sales=wash_sales, tally=False)
    writer_type = JsonReportWriter if as_json else TableReportWriter
    writer = writer_type(out, stream.currency, method, wash_sales)
    for released in _merged(_released(stream, _rows_of(path, 0, True, advance)), child):
        writer.add(released)
        stream.tally(released)
    if child.end is None:
        raise _UnsplitError
    their_lots, their_gains = child.end
    stream.add_own_gains(their_gains)
    lots = stream.book.open_lots() + their_lots
    lots.sort(key=_lot_number)  # stable: the pieces of one lot stay in their order
    writer.finish(lots, stream.games(), profile)
