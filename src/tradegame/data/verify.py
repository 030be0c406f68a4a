"""``tradegame data verify``: re-hash every file of every stored version and say which are bad.

Unlike the check made on every load (hashes.py: size and modification time, hashing only what
looks changed), this reads every byte. A version with per-file hashes in its manifest is checked
file by file against them; an older version without them is checked against its content hash,
recomputed from its files (and its sidecar of per-file hashes written or refreshed when it
passes). Staging folders of killed writers are not versions and are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tradegame.data.errors import CorruptDataError, DataError
from tradegame.data.hashes import VERSION_FILES, FileRecord, read_sidecar, sha256_file, write_sidecar
from tradegame.data.store import MarketStore, StoredDataset

__all__ = ["VersionCheck", "verify_store"]


@dataclass(frozen=True)
class VersionCheck:
    """One version's verdict: ``problems`` is empty when every file is as stored."""

    dataset: str
    version: str
    files: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(
    store: MarketStore, name: str | None = None, progress: Callable[[int, int | None], None] | None = None
) -> list[VersionCheck]:
    """Check every version of every dataset (or of ``name``), reading every byte of every file;
    ``progress(done, count)`` after each version."""
    names = store.all_names()
    if name is not None:
        if name not in names:
            known = ", ".join(store.names()) or "none"
            raise DataError(f"no dataset {name!r} in the store at {store.root} (stored: {known})")
        names = [name]
    versions = [(dataset, version) for dataset in names for version in store.versions(dataset)]
    checks = []
    for dataset, version in versions:
        checks.append(_verify_version(store, dataset, version))
        if progress is not None:
            progress(len(checks), len(versions))
    return checks


def _verify_version(store: MarketStore, name: str, version: str) -> VersionCheck:
    folder = store.root / "datasets" / name / version
    try:
        dataset = store.get(name, version)
    except (DataError, OSError, ValueError, KeyError, TypeError) as error:
        missing = isinstance(error, DataError)
        detail = "manifest.json is missing" if missing else f"manifest.json is unreadable: {error}"
        return VersionCheck(name, version, 0, (f"dataset {name!r} version {version}: {detail}",))
    if dataset.info.content_hash != version:
        why = f"manifest.json names version {dataset.info.content_hash!r}, not its folder's"
        return VersionCheck(name, version, 0, (f"dataset {name!r} version {version}: {why}",))
    if dataset.files:
        return VersionCheck(name, version, len(VERSION_FILES), tuple(_rehash(dataset)))
    try:
        records = store.check_content(dataset)
    except CorruptDataError as error:
        return VersionCheck(name, version, len(VERSION_FILES), (str(error),))
    if not _sidecar_matches(folder, records):
        write_sidecar(folder, version, records)
    return VersionCheck(name, version, len(VERSION_FILES), ())


def _rehash(dataset: StoredDataset) -> list[str]:
    problems = []
    prefix = f"dataset {dataset.info.name!r} version {dataset.info.content_hash}"
    for file in VERSION_FILES:
        record = dataset.files.get(file)
        path = dataset.path / file
        if record is None:
            problems.append(f"{prefix}: {file} has no recorded hash in manifest.json")
        elif not path.is_file():
            problems.append(f"{prefix}: {file} is missing")
        elif sha256_file(path) != record.sha256:
            problems.append(f"{prefix}: {file} changed after it was stored (its SHA-256 no longer matches)")
    return problems


def _sidecar_matches(folder: Path, records: Mapping[str, FileRecord]) -> bool:
    return read_sidecar(folder) == dict(records)
