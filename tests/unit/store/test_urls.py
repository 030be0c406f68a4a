"""Where the store is by default, and what a user may type for ``--db`` (no database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradegame.store import default_url, redact, resolve_url


def test_the_default_is_a_sqlite_file_in_the_user_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TRADEGAME_DB", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path}/.local/share/tradegame/games.sqlite"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_url() == f"sqlite:///{tmp_path}/data/tradegame/games.sqlite"


def test_tradegame_db_names_a_url_or_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRADEGAME_DB", "postgresql://bob:pw@db.example:5433/games")
    assert default_url() == "postgresql+psycopg://bob:pw@db.example:5433/games"
    monkeypatch.setenv("TRADEGAME_DB", str(tmp_path / "mine.sqlite"))
    assert default_url() == f"sqlite:///{tmp_path}/mine.sqlite"
    assert resolve_url(None) == default_url()


def test_what_a_user_types_for_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_url("games.sqlite") == f"sqlite:///{tmp_path}/games.sqlite"
    assert resolve_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    assert resolve_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert resolve_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


def test_redact_hides_only_the_password() -> None:
    assert redact("postgresql+psycopg://alice:secret@db:5432/games") == "postgresql+psycopg://alice:***@db:5432/games"
    assert redact("sqlite:////tmp/games.sqlite") == "sqlite:////tmp/games.sqlite"
