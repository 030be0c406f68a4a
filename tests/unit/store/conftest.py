"""The store's tests run on SQLite here; tests/integration/test_postgres.py runs them on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def make_url(tmp_path: Path) -> Callable[[], str]:
    """A factory of URLs of fresh, empty databases."""
    count = 0

    def new() -> str:
        nonlocal count
        count += 1
        return f"sqlite:///{tmp_path / f'games-{count}.sqlite'}"

    return new
