"""Shared helpers for provider tests: recorded bodies, a fake clock, a secret-leak check."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "providers"


def load(provider: str, name: str, **substitutions: str) -> Any:
    """A recorded body from ``tests/fixtures/providers/<provider>/<name>``, ``{KEY}`` filled in."""
    text = (FIXTURES / provider / name).read_text()
    for key, value in substitutions.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


class FakeTime:
    """An injected ``sleep``/``clock`` pair: sleeping advances the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def assert_no_secret(exc: BaseException, secret: str, caplog: pytest.LogCaptureFixture | None = None) -> None:
    """Neither the error, its chain, nor any captured log line mentions ``secret``."""
    seen: BaseException | None = exc
    while seen is not None:
        assert secret not in str(seen)
        assert secret not in repr(seen)
        assert secret not in repr(seen.args)
        seen = seen.__cause__ or seen.__context__
    if caplog is not None:
        for record in caplog.records:
            assert secret not in record.getMessage()


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="tradegame.data.providers")
    return caplog
