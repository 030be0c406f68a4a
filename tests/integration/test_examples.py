"""The examples under examples/ run, and their books agree with hand-worked figures."""

from __future__ import annotations

import re
import runpy
from decimal import Decimal
from pathlib import Path

import pytest

from tradegame.domain.money import USD

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_books_walkthrough(capsys: pytest.CaptureFixture[str]) -> None:
    books = runpy.run_path(str(EXAMPLES / "books_walkthrough.py"))["main"]()
    out = capsys.readouterr().out
    assert "ACME tax ledger" in out
    # 10000.00 - 1001.00 (buy with fee) - 3 x 29.99 (data feed) + 4.20 (dividend) + 1199.00 (sale less fee)
    assert books.cash("IBKR", USD).amount == Decimal("10112.23")
    # 198.00 gain and 4.20 dividend at 24%: 47.52 + 1.01
    assert sum(t.amount.amount for t in books.tax_ledger if t.kind.value == "tax-due") == Decimal("48.53")
    position = books.position("IBKR", "ACME")
    assert {line.op_id for line in position.cost_ledger} <= {line.op_id for line in position.asset_ledger}


def test_every_example_the_readme_and_docs_name_exists() -> None:
    """A README command naming ``examples/...`` names a file that is there (the commands themselves
    are played by the tests of each example)."""
    root = EXAMPLES.parent
    texts = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    named = {
        (text.name, match)
        for text in texts
        for match in re.findall(r"examples/[\w./-]+\.(?:toml|py|csv|md)", text.read_text())
    }
    assert len(named) >= 15
    assert ("README.md", "examples/games/activator-crashes.toml") in named
    assert [(text, path) for text, path in sorted(named) if not (root / path).is_file()] == []
