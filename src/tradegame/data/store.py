"""The market-data store: versioned datasets as Parquet files, queried with DuckDB.

Layout under the store's root (``$TRADEGAME_DATA``, default ``~/.local/share/tradegame/data``)::

    datasets/<name>/<hash>/bars.parquet        symbol, ts, open, high, low, close, volume, adj_close
    datasets/<name>/<hash>/dividends.parquet   symbol, ts, amount (decimal text)
    datasets/<name>/<hash>/splits.parquet      symbol, ts, ratio (decimal text)
    datasets/<name>/<hash>/manifest.json       the DatasetInfo, symbols, range, row count, and each
                                               file's SHA-256, size and modification time
    datasets/<name>/<hash>/<table>.arrays.npz  a small table as arrays, read without DuckDB (table_cache.py)
    datasets/<name>/CURRENT                    the hash of the version in use
    datasets/<name>/.lock                      the writers' lock (see locking.py)

A version is immutable and named by its content hash (SHA-256 over the canonical bytes of the
frames, the frequency, currency and calendar; not over names or descriptions), so a Game that
records the hash can be replayed on exactly the same data.

Writing is a transaction per dataset. The writer checks the frames, takes the dataset's lock
(an ``fcntl.flock``; another writer of the dataset waits for it), writes the version into a
staging folder of its own (``.staging-<pid>-...``), renames it into place and replaces
``CURRENT`` atomically. A read-modify-write such as adding a symbol (``importer.py``) holds the
same lock from reading ``CURRENT`` to replacing it, so concurrent imports queue and none is lost.
A writer killed at any moment leaves ``CURRENT`` naming the previous version, complete; what it
was staging is ignored by readers (they follow ``CURRENT`` only) and removed by the next writer
of the dataset, which holds the lock and so knows no one is using it.

Reading checks each file before it is read, cheaply (see hashes.py): a version whose files
changed after they were stored is refused with a ``CorruptDataError`` naming the dataset, the
version and the file. ``verify.py`` re-hashes everything (``tradegame data verify``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tradegame.data.bars import (
    BAR_COLUMNS,
    DIVIDEND_COLUMNS,
    PRICE_COLUMNS,
    SPLIT_COLUMNS,
    DatasetInfo,
    MarketFrames,
)
from tradegame.data.checks import check_frames
from tradegame.data.duck import SharedConnection
from tradegame.data.errors import BadDataError, CorruptDataError, DataError, DatasetNotFoundError
from tradegame.data.hashes import VERSION_FILES, FileChecker, FileRecord, read_records, read_sidecar, write_sidecar
from tradegame.data.locking import exclusive_lock, fsync_dir, make_staging, remove_leftovers, write_atomic
from tradegame.data.panel import Panel
from tradegame.data.table_cache import MAX_ROWS, KeptTable, cached_columns, filter_table

__all__ = ["MarketStore", "StoredDataset", "content_hash", "default_root"]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def default_root() -> Path:
    """``$TRADEGAME_DATA`` if set, else ``$XDG_DATA_HOME/tradegame/data`` (``~/.local/share``)."""
    if env := os.environ.get("TRADEGAME_DATA"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tradegame" / "data"


@dataclass(frozen=True)
class StoredDataset:
    """A dataset version in the store: what it is and what it holds."""

    info: DatasetInfo
    symbols: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    rows: int
    dividends: int
    splits: int
    path: Path
    #: per-file hashes from the manifest; empty for a version written before they were recorded
    files: Mapping[str, FileRecord] = field(default_factory=dict, compare=False, repr=False)

    def unknown_symbols(self, symbols: Sequence[str]) -> list[str]:
        """Those of ``symbols`` this version does not hold, sorted."""
        return sorted(set(symbols) - set(self.symbols))

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.info.name,
            "symbols": list(self.symbols),
            "frequency": self.info.frequency,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "currency": self.info.currency,
            "calendar": self.info.calendar,
            "rows": self.rows,
            "dividends": self.dividends,
            "splits": self.splits,
            "source": self.info.source,
            "license": self.info.license,
            "hash": self.info.content_hash,
        }


def content_hash(info: DatasetInfo, frames: MarketFrames) -> str:
    """SHA-256 of the canonical content: sorted frames' column bytes plus frequency, currency, calendar."""
    digest = hashlib.sha256()
    digest.update(f"tradegame-data-v1|{info.frequency}|{info.currency}|{info.calendar}".encode())
    for label, frame, columns in (
        ("bars", frames.bars, BAR_COLUMNS),
        ("dividends", frames.dividends, DIVIDEND_COLUMNS),
        ("splits", frames.splits, SPLIT_COLUMNS),
    ):
        ordered = frame.sort_values(["symbol", "ts"], kind="stable")
        digest.update(f"|{label}:{len(ordered)}".encode())
        for column in columns:
            digest.update(f"|{column}|".encode())
            values = ordered[column]
            if column == "ts":
                digest.update(pd.DatetimeIndex(values).as_unit("ns").asi8.astype("<i8").tobytes())
            elif column in PRICE_COLUMNS:
                array = values.to_numpy(dtype="<f8").copy()
                array[np.isnan(array)] = np.nan  # one NaN bit pattern
                digest.update(array.tobytes())
            else:
                digest.update(_joined_text(values).encode())
    return digest.hexdigest()


def _joined_text(values: pd.Series) -> str:
    """The column's values as text joined by US (0x1f), as ``"\x1f".join(str(v) for v in values)``.

    A text column is joined from its distinct values (factorised once) instead of one Python object per
    row: iterating millions of Arrow strings one by one was most of the time of hashing a large dataset.
    Other dtypes keep the per-value form (``-0.0`` and ``0.0`` are one key to a factoriser, not one text).
    """
    if not pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        return "\x1f".join(str(v) for v in values)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    texts = [str(v) for v in uniques]
    return "\x1f".join(map(texts.__getitem__, codes.tolist()))


class MarketStore:
    """Datasets on disk under ``root``; see the module docstring."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self._checker = FileChecker()
        self._legacy: dict[Path, dict[str, FileRecord]] = {}  # versions without per-file hashes, checked
        self._held = threading.local()  # names of the datasets whose lock this thread holds
        self._reader = SharedConnection("SET TimeZone = 'UTC'")
        self._writer = SharedConnection()

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold dataset ``name``'s writer lock: other writers of it, in any process, wait until it is released.

        Re-entrant within a thread. Hold it across a read-modify-write (read the current version,
        write a new one): ``write`` takes it too.
        """
        folder = self._folder(name)
        held: set[str] | None = getattr(self._held, "names", None)
        if held is None:
            held = self._held.names = set()
        if name in held:
            yield
            return
        with ExitStack() as stack:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                stack.enter_context(exclusive_lock(folder / ".lock"))
            except OSError as error:
                raise DataError(f"dataset {name!r}: cannot take its writers' lock in {folder}: {error}") from None
            held.add(name)
            try:
                yield
            finally:
                held.discard(name)

    def check(
        self, info: DatasetInfo, frames: MarketFrames, *, allow_gaps: bool = False, allow_inconsistent: bool = False
    ) -> None:
        """Refuse (``BadDataError``) frames ``write`` would refuse; gaps and inconsistent OHLC unless allowed."""
        _check_name(info.name)
        report = check_frames(frames, frequency=info.frequency, calendar=info.calendar)
        problems = list(report.problems)
        if not allow_inconsistent:
            problems += report.inconsistencies
        if not allow_gaps:
            problems += report.gap_problems()
        if problems:
            raise BadDataError(info.name, problems)

    def write(
        self, info: DatasetInfo, frames: MarketFrames, *, allow_gaps: bool = False, allow_inconsistent: bool = False
    ) -> StoredDataset:
        """Check and store ``frames`` as a new version of ``info.name``; make it the current one.

        Gaps and inconsistent OHLC refuse the data unless allowed (see checks.py). Waits for the
        dataset's lock (see ``lock``); all or nothing.
        """
        self.check(info, frames, allow_gaps=allow_gaps, allow_inconsistent=allow_inconsistent)
        digest = content_hash(info, frames)
        info = replace(info, content_hash=digest)
        parent = self._folder(info.name)
        folder = parent / digest
        with self.lock(info.name):
            remove_leftovers(parent)  # of killed writers: we hold the lock, so no one else is staging
            if not (folder / "manifest.json").is_file():
                if folder.exists():  # not a version (it has no manifest): never made by a writer; keep it
                    raise DataError(f"dataset {info.name!r}: {folder} is in the way of version {digest}")
                staging = make_staging(parent)
                try:
                    self._write_version(staging, info, frames)
                    os.rename(staging, folder)
                except BaseException:
                    shutil.rmtree(staging, ignore_errors=True)
                    raise
                fsync_dir(parent)
            else:  # the same content is stored already: reuse it only if its files are intact
                existing = self.get(info.name, digest)
                for file in VERSION_FILES:
                    self._check_file(existing, file)
            write_atomic(parent / "CURRENT", (digest + "\n").encode())
        return self.get(info.name, digest)

    def _write_version(self, folder: Path, info: DatasetInfo, frames: MarketFrames) -> None:
        bars = frames.bars.loc[:, list(BAR_COLUMNS)].sort_values(["symbol", "ts"], kind="stable")
        dividends = frames.dividends.loc[:, list(DIVIDEND_COLUMNS)].sort_values(["symbol", "ts"], kind="stable")
        splits = frames.splits.loc[:, list(SPLIT_COLUMNS)].sort_values(["symbol", "ts"], kind="stable")
        with self._writer.use() as con:
            for label, frame in (("bars", bars), ("dividends", dividends), ("splits", splits)):
                con.register("frame", frame)
                target = str(folder / f"{label}.parquet").replace("'", "''")
                try:
                    con.execute(f"COPY (SELECT * FROM frame) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
                finally:
                    con.unregister("frame")
        for file in VERSION_FILES:
            with (folder / file).open("rb") as handle:
                os.fsync(handle.fileno())
        records = {file: FileRecord.of(folder / file) for file in VERSION_FILES}
        stamps = pd.DatetimeIndex(bars["ts"])
        manifest = {
            "info": asdict(info),
            "symbols": sorted(str(s) for s in bars["symbol"].unique()),
            "start": stamps.min().isoformat() if len(stamps) else None,
            "end": stamps.max().isoformat() if len(stamps) else None,
            "rows": len(bars),
            "dividends": len(dividends),
            "splits": len(splits),
            "files": {file: record.as_json() for file, record in records.items()},
        }
        write_atomic(folder / "manifest.json", (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())

    # -- reading ---------------------------------------------------------------------------

    def names(self) -> list[str]:
        base = self.root / "datasets"
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / "CURRENT").is_file())

    def datasets(self) -> list[StoredDataset]:
        """The current version of every dataset, by name."""
        return [self.get(name) for name in self.names()]

    def get(self, name: str, content_hash: str | None = None) -> StoredDataset:
        """A dataset version: the current one, or the one with ``content_hash``."""
        folder = self._folder(name)
        if content_hash is None:
            current = folder / "CURRENT"
            if not current.is_file():
                known = ", ".join(self.names()) or "none"
                raise DatasetNotFoundError(f"no dataset {name!r} in the store at {self.root} (stored: {known})")
            content_hash = current.read_text().strip()
        manifest_path = folder / content_hash / "manifest.json"
        if not manifest_path.is_file():
            raise DatasetNotFoundError(f"dataset {name!r} has no version {content_hash}")
        manifest = json.loads(manifest_path.read_text())
        return StoredDataset(
            info=DatasetInfo(**manifest["info"]),
            symbols=tuple(manifest["symbols"]),
            start=pd.Timestamp(manifest["start"]),
            end=pd.Timestamp(manifest["end"]),
            rows=int(manifest["rows"]),
            dividends=int(manifest["dividends"]),
            splits=int(manifest["splits"]),
            path=manifest_path.parent,
            files=read_records(manifest.get("files")),
        )

    def versions(self, name: str) -> list[str]:
        """The hashes of every stored version of ``name`` (current or not), sorted; staging folders excluded."""
        folder = self._folder(name)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))

    def all_names(self) -> list[str]:
        """Every dataset folder's name, with a current version or not."""
        base = self.root / "datasets"
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))

    def find_symbol(self, symbol: str) -> list[StoredDataset]:
        """Every current dataset that holds ``symbol``."""
        return [d for d in self.datasets() if symbol in d.symbols]

    def bars(
        self,
        name: str,
        symbols: Sequence[str] | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
        content_hash: str | None = None,
        *,
        ordered: bool = True,
    ) -> pd.DataFrame:
        """Bars of ``name`` for ``symbols`` with start <= ts <= end, sorted by (symbol, ts).

        ``ordered=False`` skips the sort (a third of the read of a large dataset) for a caller that
        does not need it, such as ``Panel.from_bars``, which places each bar by its symbol and time.
        """
        return self._query(self.get(name, content_hash), "bars", symbols, start, end, ordered=ordered)

    def dividends(
        self, name: str, symbols: Sequence[str] | None = None, content_hash: str | None = None
    ) -> pd.DataFrame:
        return self._query(self.get(name, content_hash), "dividends", symbols, None, None)

    def splits(self, name: str, symbols: Sequence[str] | None = None, content_hash: str | None = None) -> pd.DataFrame:
        return self._query(self.get(name, content_hash), "splits", symbols, None, None)

    def frames(self, name: str, content_hash: str | None = None) -> MarketFrames:
        dataset = self.get(name, content_hash)
        return MarketFrames(
            self._query(dataset, "bars", None, None, None),
            self._query(dataset, "dividends", None, None, None),
            self._query(dataset, "splits", None, None, None),
        )

    def panel(
        self,
        name: str,
        symbols: Sequence[str] | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
        content_hash: str | None = None,
    ) -> Panel:
        """The dense point-in-time arrays of ``name`` (see panel.py)."""
        dataset = self.get(name, content_hash)
        bars = self._query(dataset, "bars", symbols, start, end, ordered=False)
        info = dataset.info
        return Panel.from_bars(
            bars,
            frequency=info.frequency,
            calendar=info.calendar,
            currency=info.currency,
            content_hash=info.content_hash,
        )

    def _query(
        self,
        dataset: StoredDataset,
        table: str,
        symbols: Sequence[str] | None,
        start: pd.Timestamp | str | None,
        end: pd.Timestamp | str | None,
        *,
        ordered: bool = True,
    ) -> pd.DataFrame:
        if symbols is not None:
            missing = dataset.unknown_symbols(symbols)
            if missing:
                raise DatasetNotFoundError(f"dataset {dataset.info.name!r} has no symbol {', '.join(missing)}")
        self._check_file(dataset, f"{table}.parquet")
        first, last = (None if at is None else _utc(at) for at in (start, end))
        kept = self._arrays(dataset, table)
        if kept is not None:  # a small table: filtered as the SQL below would
            return filter_table(kept, symbols, first, last)
        conditions = (("list_contains(?, symbol)", symbols), ("ts >= ?", first), ("ts <= ?", last))
        where = [(condition, list(v) if isinstance(v, Sequence) else v) for condition, v in conditions if v is not None]
        sql = _select(dataset, f"{table}.parquet")
        if where:
            sql += " WHERE " + " AND ".join(condition for condition, _ in where)
        if ordered:
            sql += _ORDER  # ties (ticks) keep the stored order
        return self._read(dataset, f"{table}.parquet", sql, [value for _, value in where])

    def _arrays(self, dataset: StoredDataset, table: str) -> KeptTable | None:
        """A small table, whole and in order, from the arrays kept beside its file (table_cache.py)."""
        file = f"{table}.parquet"
        record = (dataset.files or self._records(dataset)).get(file)
        rows = {"bars": dataset.rows, "dividends": dataset.dividends, "splits": dataset.splits}[table]
        if record is None or rows > MAX_ROWS:
            return None
        sql = _select(dataset, file) + _ORDER
        return cached_columns(dataset.path, table, record.sha256, lambda: self._read(dataset, file, sql, []))

    # -- checking ---------------------------------------------------------------------------

    def _check_file(self, dataset: StoredDataset, file: str) -> None:
        """Refuse the version if ``file`` changed since it was stored (see hashes.py)."""
        records = dataset.files or self._records(dataset)
        self._checker.check(dataset.info.name, dataset.info.content_hash, dataset.path / file, records.get(file))

    def _records(self, dataset: StoredDataset) -> Mapping[str, FileRecord]:
        """Per-file records of a version written before manifests held them.

        From its sidecar when it has one; else the version is checked once against its content
        hash, recomputed from its files, and the records go into a new sidecar (atomically; kept in
        memory only if the folder is read-only).
        """
        if (known := self._legacy.get(dataset.path)) is not None:
            return known
        records = read_sidecar(dataset.path)
        if not set(VERSION_FILES) <= set(records):
            records = self.check_content(dataset)
            write_sidecar(dataset.path, dataset.info.content_hash, records)
        self._legacy[dataset.path] = records
        return records

    def check_content(self, dataset: StoredDataset) -> dict[str, FileRecord]:
        """Recompute the version's content hash from its files; its per-file records if it matches.

        A mismatch or an unreadable file raises ``CorruptDataError``; then the suspects are the files
        modified after the manifest (all of them if none is).
        """
        name, version = dataset.info.name, dataset.info.content_hash
        try:
            records = {file: FileRecord.of(dataset.path / file) for file in VERSION_FILES}
        except FileNotFoundError as error:
            missing = Path(str(error.filename)).name
            raise CorruptDataError(name, version, [missing], "is missing; the version is refused") from None
        frames = []
        for file in VERSION_FILES:
            frames.append(self._read(dataset, file, _select(dataset, file) + _ORDER, []))
        if content_hash(dataset.info, MarketFrames(*frames)) != version:
            written = (dataset.path / "manifest.json").stat().st_mtime_ns
            suspects = [file for file, r in records.items() if r.mtime_ns > written] or list(VERSION_FILES)
            raise CorruptDataError(
                name,
                version,
                suspects,
                "changed after it was stored: the version's files no longer give its content hash; "
                "the version is refused",
            )
        self._checker.trust(dataset.path, records)
        return records

    def _read(self, dataset: StoredDataset, file: str, sql: str, params: list[object]) -> pd.DataFrame:
        """Run ``sql`` over one of the version's Parquet files; an unreadable file is a ``CorruptDataError``."""
        import duckdb  # here: a small table is read from its arrays, without DuckDB (table_cache.py)

        try:
            with self._reader.use() as con:
                # through Arrow: several times faster than .df() for string columns
                relation = con.sql(sql, params=params)
                table = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
                frame: pd.DataFrame = table.to_pandas()  # duckdb < 1.4 names it arrow()
        except duckdb.Error as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            why = f"cannot be read ({first}); the version is refused"
            raise CorruptDataError(dataset.info.name, dataset.info.content_hash, [file], why) from None
        frame["ts"] = pd.DatetimeIndex(frame["ts"]).tz_convert("UTC").as_unit("ns")
        return frame

    def _folder(self, name: str) -> Path:
        _check_name(name)
        return self.root / "datasets" / name


_ORDER = " ORDER BY symbol, ts, file_row_number"


def _select(dataset: StoredDataset, file: str) -> str:
    """The SQL reading every row of one of the version's Parquet files (with its row numbers)."""
    path = str(dataset.path / file).replace("'", "''")
    return f"SELECT * EXCLUDE (file_row_number) FROM read_parquet('{path}', file_row_number = true)"


def _check_name(name: str) -> None:
    if not name or not set(name) <= _NAME_CHARS or name.startswith("."):
        raise DataError(f"dataset name {name!r}: use lowercase letters, digits, '-', '_' and '.'")


def _utc(value: pd.Timestamp | str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
