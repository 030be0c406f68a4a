"""Smoke test of ``benchmarks/bench_lots.py``: its generator and booking run, and agree.

Loads the script by path (``benchmarks/`` is not a package). No timing is asserted.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

BENCH_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_lots.py"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("bench_lots", BENCH_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # NamedTuple classes look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_generator_is_deterministic(bench: ModuleType) -> None:
    assert bench.generate_fills(500, 7) == bench.generate_fills(500, 7)
    assert bench.generate_fills(500, 7, seed=1) != bench.generate_fills(500, 7, seed=2)


@pytest.mark.parametrize("wash_sales", [False, True], ids=["plain", "wash-sales"])
def test_open_lots_equal_buys_minus_sells(bench: ModuleType, wash_sales: bool) -> None:
    fills = bench.generate_fills(2_000, 20)
    expected: Counter[str] = Counter()
    for fill in fills:
        expected[fill.symbol] += fill.quantity if fill.is_buy else -fill.quantity
        assert expected[fill.symbol] >= 0, "the generator sold more than it held"
        assert fill.price == fill.price.quantize(Decimal("0.01"))
    assert [fill.on for fill in fills] == sorted(fill.on for fill in fills)

    result = bench.book_fills(fills, wash_sales=wash_sales)

    held: Counter[str] = Counter()
    for lot in result.book.open_lots():
        held[lot.symbol] += lot.quantity
    assert +held == +expected
    sold = sum(fill.quantity for fill in fills if not fill.is_buy)
    assert sum(d.quantity for d in result.book.disposals) == sold
    assert result.disposals == len(result.book.disposals) > 0


def test_the_trade_file_is_deterministic_and_the_command_books_it(bench: ModuleType, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tradegame.cli import app

    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    bench.write_trade_file(first, 600, 5)
    bench.write_trade_file(second, 600, 5)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text().count("\n") == 601
    result = CliRunner().invoke(app, ["tax", "lots", str(first), "--json"])
    assert result.exit_code == 0, result.stderr
