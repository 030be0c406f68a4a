"""The store's guarantees: per-file hashes checked on load, older versions checked by content hash,
the writers' lock, and what killed writers leave behind."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from tradegame.data.bars import DatasetInfo, MarketFrames
from tradegame.data.errors import CorruptDataError
from tradegame.data.hashes import SIDECAR, VERSION_FILES, sha256_file
from tradegame.data.store import MarketStore
from tradegame.data.verify import verify_store


def edit_in_place(path: Path) -> None:
    """Flip one byte in the middle of the file, keeping its size (as an in-place edit would)."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    time.sleep(0.01)  # a later modification time than the one recorded, on any file system
    with path.open("r+b") as handle:
        handle.write(data)


def rewrite_with_other_prices(path: Path) -> None:
    """Rewrite a bars file as a valid Parquet file whose first close differs (an edit by another tool)."""
    bars = pd.read_parquet(path)
    bars.loc[0, "close"] += 1.0
    time.sleep(0.01)
    bars.to_parquet(path, index=False)


def make_legacy(store: MarketStore, name: str) -> Path:
    """Turn the current version of ``name`` into one written before per-file hashes existed."""
    folder = store.get(name).path
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return folder


def test_a_version_records_each_files_hash_size_and_time(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames
) -> None:
    stored = store.write(info, frames)
    assert set(stored.files) == set(VERSION_FILES)
    for file, record in stored.files.items():
        status = (stored.path / file).stat()
        assert (record.sha256, record.size, record.mtime_ns) == (
            sha256_file(stored.path / file),
            status.st_size,
            status.st_mtime_ns,
        )


def test_a_file_edited_in_place_is_refused_naming_dataset_version_and_file(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames
) -> None:
    stored = store.write(info, frames)
    edit_in_place(stored.path / "bars.parquet")
    for load in (
        lambda: store.bars(info.name),
        lambda: store.frames(info.name),
        lambda: MarketStore(store.root).panel(info.name, content_hash=stored.info.content_hash),
    ):
        with pytest.raises(CorruptDataError) as refused:
            load()
        message = str(refused.value)
        assert f"'{info.name}'" in message and stored.info.content_hash in message and "bars.parquet" in message
    assert store.dividends(info.name).empty  # the other files are intact
    (bad,) = [c for c in verify_store(store) if not c.ok]
    assert "bars.parquet" in bad.problems[0] and bad.version == stored.info.content_hash


def test_storing_the_same_content_again_does_not_revive_a_changed_version(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames
) -> None:
    stored = store.write(info, frames)
    store.write(info, MarketFrames(frames.bars[frames.bars["symbol"] == "AAA"]))
    edit_in_place(stored.path / "bars.parquet")
    with pytest.raises(CorruptDataError, match=r"bars\.parquet"):
        store.write(info, frames)
    assert store.get(info.name).info.content_hash != stored.info.content_hash  # CURRENT unchanged
    seen: list[tuple[int, int | None]] = []
    checks = verify_store(store, info.name, lambda done, count: seen.append((done, count)))
    assert sorted(c.ok for c in checks) == [False, True]  # the edited version and the intact one
    assert seen == [(1, 2), (2, 2)]  # a progress bar's steps: one per version checked


def test_a_file_touched_but_unchanged_still_loads(store: MarketStore, info: DatasetInfo, frames: MarketFrames) -> None:
    stored = store.write(info, frames)
    bars = stored.path / "bars.parquet"
    os.utime(bars, ns=(bars.stat().st_atime_ns, bars.stat().st_mtime_ns + 10**9))  # a copy without times
    assert len(MarketStore(store.root).bars(info.name)) == len(frames.bars)


def test_a_missing_file_is_refused(store: MarketStore, info: DatasetInfo, frames: MarketFrames) -> None:
    stored = store.write(info, frames)
    (stored.path / "splits.parquet").unlink()
    with pytest.raises(CorruptDataError, match=r"splits\.parquet is missing"):
        store.splits(info.name)


def test_a_version_without_per_file_hashes_is_checked_once_by_content_hash(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames
) -> None:
    store.write(info, frames)
    folder = make_legacy(store, info.name)
    assert not MarketStore(store.root).get(info.name).files
    assert len(MarketStore(store.root).bars(info.name)) == len(frames.bars)  # loads, checked by content hash
    sidecar = json.loads((folder / SIDECAR).read_text())
    assert set(sidecar["files"]) == set(VERSION_FILES)
    assert sidecar["files"]["bars.parquet"]["sha256"] == sha256_file(folder / "bars.parquet")
    assert not list(folder.glob(".*.tmp"))  # written atomically: no temporary file left
    assert all(check.ok for check in verify_store(store))
    edit_in_place(folder / "bars.parquet")
    with pytest.raises(CorruptDataError, match=f"version {store.get(info.name).info.content_hash}: bars.parquet"):
        MarketStore(store.root).bars(info.name)


def test_an_older_version_edited_before_its_first_check_is_refused(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames
) -> None:
    store.write(info, frames)
    folder = make_legacy(store, info.name)
    rewrite_with_other_prices(folder / "bars.parquet")
    with pytest.raises(CorruptDataError) as refused:
        store.bars(info.name)
    assert "bars.parquet" in str(refused.value) and "content hash" in str(refused.value)
    assert "dividends.parquet" not in str(refused.value)  # the suspect: the file changed after the manifest
    assert not (folder / SIDECAR).exists()
    (bad,) = verify_store(store, info.name)
    assert not bad.ok and "bars.parquet" in bad.problems[0]


def test_an_older_version_in_a_read_only_store_is_checked_in_memory(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write(info, frames)
    folder = make_legacy(store, info.name)

    def read_only(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("tradegame.data.hashes.write_atomic", read_only)
    reader = MarketStore(store.root)
    assert len(reader.bars(info.name)) == len(frames.bars)
    assert not (folder / SIDECAR).exists()
    rewrite_with_other_prices(folder / "bars.parquet")
    with pytest.raises(CorruptDataError, match=r"bars\.parquet was changed"):
        reader.bars(info.name)  # checked against the hashes kept in memory


def test_the_writers_lock_is_reentrant_and_makes_other_threads_wait(store: MarketStore, info: DatasetInfo) -> None:
    order: list[str] = []
    with store.lock(info.name), store.lock(info.name):  # re-entrant: no deadlock
        waiter = threading.Thread(target=lambda: (store.lock(info.name).__enter__(), order.append("other")))
        waiter.start()
        time.sleep(0.2)
        order.append("holder")
    waiter.join(timeout=10)
    assert order == ["holder", "other"]


def test_what_a_killed_writer_leaves_is_ignored_and_then_cleaned_under_the_lock(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames
) -> None:
    first = store.write(info, frames)
    folder = store.root / "datasets" / info.name
    staging = folder / ".staging-99999-dead"
    staging.mkdir()
    (staging / "bars.parquet").write_bytes(b"half a file")
    (folder / ".CURRENT.99999-dead.tmp").write_text("0" * 64)
    reader = MarketStore(store.root)
    assert reader.names() == [info.name] and reader.versions(info.name) == [first.info.content_hash]
    assert len(reader.bars(info.name)) == len(frames.bars)
    assert all(check.ok for check in verify_store(reader))
    store.write(info, MarketFrames(frames.bars[frames.bars["symbol"] == "AAA"]))
    assert not staging.exists() and not list(folder.glob(".*.tmp"))


def test_a_staging_folder_in_use_is_not_removed(store: MarketStore, info: DatasetInfo, frames: MarketFrames) -> None:
    """Only a writer holding the dataset's lock cleans, so a live writer's staging folder survives readers."""
    store.write(info, frames)
    staging = store.root / "datasets" / info.name / ".staging-1-live"
    with store.lock(info.name):
        staging.mkdir()
        other = MarketStore(store.root)
        other.bars(info.name)
        verify_store(other)
        assert staging.exists()
        staging.rmdir()
