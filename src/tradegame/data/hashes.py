"""Per-file hashes of a stored dataset version, and the cheap check made before a file is read.

A version's ``manifest.json`` records, for each of its files, the SHA-256, the size and the
modification time (ns) it had when it was written. Before a file is read, ``FileChecker``
compares its size and modification time with the record: equal means unchanged (one ``stat``);
different means the file is hashed again, and a hash that differs from the record refuses the
version (``CorruptDataError``). A file that hashes right under a new modification time (a copied
store) is remembered for the rest of the process, so it is hashed once.

Versions written before per-file hashes existed have none in their manifest. The store checks
such a version once against its content hash (recomputed from its files) and then records the
per-file hashes in a sidecar, ``verified.json`` in the version's folder, written atomically;
from then on it is checked like any other version. See ``MarketStore._records``.

Imports only ``data.errors`` and ``data.locking``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from tradegame.data.errors import CorruptDataError
from tradegame.data.locking import write_atomic

__all__ = ["SIDECAR", "VERSION_FILES", "FileChecker", "FileRecord", "read_records", "sha256_file", "write_sidecar"]

#: The files every version holds (besides manifest.json).
VERSION_FILES = ("bars.parquet", "dividends.parquet", "splits.parquet")
#: Per-file hashes of a version written before manifests held them (see the module docstring).
SIDECAR = "verified.json"

CHANGED = "changed after it was stored: its SHA-256 no longer matches the one recorded; the version is refused"


@dataclass(frozen=True)
class FileRecord:
    """What a version's file was when it was recorded: SHA-256, size in bytes, modification time in ns."""

    name: str
    sha256: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileRecord:
        """Record ``path`` as it is now (its stat is taken before it is hashed)."""
        status = path.stat()
        return cls(path.name, sha256_file(path), status.st_size, status.st_mtime_ns)

    def as_json(self) -> dict[str, object]:
        fields = asdict(self)
        del fields["name"]
        return fields


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_records(raw: object) -> dict[str, FileRecord]:
    """The records in a manifest's ``files`` (or a sidecar); empty when there are none or they are malformed."""
    if not isinstance(raw, dict):
        return {}
    records = {}
    for name, fields in raw.items():
        if not isinstance(fields, dict):
            return {}
        try:
            records[str(name)] = FileRecord(
                str(name), str(fields["sha256"]), int(fields["size"]), int(fields["mtime_ns"])
            )
        except (KeyError, TypeError, ValueError):
            return {}
    return records


def read_sidecar(folder: Path) -> dict[str, FileRecord]:
    """The sidecar's records of the version in ``folder``; empty if it has none (or an unreadable one)."""
    try:
        raw = json.loads((folder / SIDECAR).read_text())
    except (OSError, ValueError):
        return {}
    return read_records(raw.get("files") if isinstance(raw, dict) else None)


def write_sidecar(folder: Path, version: str, records: Mapping[str, FileRecord]) -> bool:
    """Write the sidecar atomically; False (and nothing written) when the folder is not writable."""
    text = json.dumps(
        {"version": version, "files": {name: r.as_json() for name, r in sorted(records.items())}},
        indent=2,
        sort_keys=True,
    )
    try:
        write_atomic(folder / SIDECAR, (text + "\n").encode())
    except OSError:
        return False
    return True


class FileChecker:
    """Checks files against their records before they are read; remembers what passed in this process."""

    def __init__(self) -> None:
        self._passed: set[tuple[str, int, int]] = set()  # (path, size, mtime_ns) that hashed right

    def check(self, dataset: str, version: str, path: Path, record: FileRecord | None) -> None:
        """Refuse (``CorruptDataError``) a missing file, one without a record, or one whose bytes changed."""
        if record is None:
            raise CorruptDataError(dataset, version, [path.name], "has no recorded hash; the version is refused")
        try:
            status = path.stat()
        except FileNotFoundError:
            raise CorruptDataError(dataset, version, [path.name], "is missing; the version is refused") from None
        seen = (str(path), status.st_size, status.st_mtime_ns)
        if (status.st_size, status.st_mtime_ns) == (record.size, record.mtime_ns) or seen in self._passed:
            return
        if status.st_size == record.size and sha256_file(path) == record.sha256:
            self._passed.add(seen)
            return
        raise CorruptDataError(dataset, version, [path.name], f"was {CHANGED}")

    def trust(self, folder: Path, records: Mapping[str, FileRecord]) -> None:
        """Remember ``records`` (just computed from the files) as passed."""
        self._passed.update((str(folder / r.name), r.size, r.mtime_ns) for r in records.values())
