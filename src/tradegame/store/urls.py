"""Database URLs: the default store, what a user typed (``--db``), a URL shown with its password
hidden, and a driver error described in one line. SQLAlchemy's URL type only; no connection.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["default_url", "redact", "resolve_url"]

_ENV = "TRADEGAME_DB"


def default_url() -> str:
    """``$TRADEGAME_DB`` (a URL or a file path), else ``~/.local/share/tradegame/games.sqlite``.

    ``$XDG_DATA_HOME`` replaces ``~/.local/share`` when it is set.
    """
    configured = os.environ.get(_ENV, "").strip()
    if configured:
        return resolve_url(configured)
    data_home = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return resolve_url(str(Path(data_home) / "tradegame" / "games.sqlite"))


def resolve_url(value: str | None) -> str:
    """A database URL from what a user typed (``--db``): a URL, or a path to a SQLite file.

    ``None`` or an empty string gives ``default_url()``. ``postgresql://`` and ``postgres://``
    get the psycopg 3 driver (``postgresql+psycopg://``).
    """
    if value is None or not value.strip():
        return default_url()
    value = value.strip()
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().absolute()}"
    for plain in ("postgresql://", "postgres://"):
        if value.startswith(plain):
            return "postgresql+psycopg://" + value[len(plain) :]
    return value


def redact(url: str | URL) -> str:
    """``url`` with its password replaced by ``***``."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<a database URL that cannot be read>"
    return parsed.render_as_string(hide_password=True)


def _describe(url: URL, error: BaseException) -> str:
    """The database (password hidden), its host, and the driver's reason in one line."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = reason[0] if reason else type(error).__name__
    if url.password:
        first = first.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite":
        return f"{redact(url)}: {first}"
    where = f"host {url.host or 'localhost'}" + (f" port {url.port}" if url.port else "")
    return f"{redact(url)} ({where}): {first}"
