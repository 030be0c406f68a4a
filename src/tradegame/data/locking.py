"""File-system primitives of the market-data store: advisory locks and atomic file replacement.

A writer holds an exclusive ``fcntl.flock`` on a lock file while it reads a dataset's
``CURRENT``, writes a new version and replaces ``CURRENT``, so concurrent writers of one
dataset queue instead of losing each other's updates; the kernel releases the lock when the
process dies, whatever killed it. Readers never lock: they see ``CURRENT`` either before or
after an ``os.replace`` and versions are complete folders renamed into place.

Imports nothing from tradegame.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["STAGING_PREFIX", "exclusive_lock", "fsync_dir", "make_staging", "remove_leftovers", "write_atomic"]

#: Prefix of the temporary folder a writer builds a version in (inside the dataset's folder).
STAGING_PREFIX = ".staging-"
#: Temporary files of ``write_atomic`` are named ``.<name>.<random>.tmp``.
_TEMPORARY_SUFFIX = ".tmp"


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing); waits while another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: a reader sees the old or the new content, never a part."""
    temporary = path.with_name(f".{path.name}.{_unique()}{_TEMPORARY_SUFFIX}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def make_staging(parent: Path) -> Path:
    """A new, empty staging folder in ``parent``, unique to this process and call."""
    folder = parent / f"{STAGING_PREFIX}{_unique()}"
    folder.mkdir(mode=0o777)  # the umask applies, as for any folder the store makes
    return folder


def _unique() -> str:
    return f"{os.getpid()}-{secrets.token_hex(6)}"


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_leftovers(folder: Path) -> list[str]:
    """Remove staging folders and temporary files that killed writers left in ``folder``.

    Only call this while holding the lock that every writer of ``folder`` holds while it
    stages: then nothing else can be using them. Returns the names removed.
    """
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
        elif entry.name.startswith(".") and entry.name.endswith(_TEMPORARY_SUFFIX) and entry.is_file():
            entry.unlink(missing_ok=True)
            removed.append(entry.name)
    return removed
