"""A long Game's HTML report in headless Chromium: it opens, pages and filters its long tables and
prints without its controls; on a 390 px phone nothing scrolls sideways and no legend covers a title.

The Game is ``benchmarks/bench_report.py``'s daily momentum rotation, cut to 4 years (about 3,400
trades, 6,900 events: long enough that the decision-log filter is debounced; the test is marked
slow), and to one year for the phone. Chromium and the
skip rule (``TRADEGAME_REQUIRE_BROWSER=1`` turns a skip into a failure) are those of
``test_html_report``.
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_html_report import CHROMIUM, CHROMIUM_ARGS, sync_playwright
from tradegame.engine.game import GameResult
from tradegame.reporting.html_report import write_report
from tradegame.reporting.html_script import PAGE_ROWS
from tradegame.reporting.text_columns import unpack_column

__all__ = ["sync_playwright"]  # a fixture, imported for the tests below

BENCH_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_report.py"
LONG_NAME = "momentum-" + "0123456789abcdef" * 8  # one long word, as a hash is: it must wrap
READY = "window.tradegameReady === true"


def _report(years: int, directory: Path) -> tuple[GameResult, Path]:
    spec = importlib.util.spec_from_file_location("bench_report", BENCH_PATH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    try:
        spec.loader.exec_module(bench)
        result, universe = bench.long_game(years=years)
    finally:
        sys.modules.pop(spec.name, None)
    return result, write_report(result, universe, directory / f"{years}-years.html", title=LONG_NAME)


@pytest.fixture(scope="module")
def long_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[GameResult, Path]:
    """Four years: 6,900 events, more than a short table's 5,000."""
    return _report(4, tmp_path_factory.mktemp("long"))


@pytest.fixture(scope="module")
def year_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[GameResult, Path]:
    """One year (1,700 events): quick to open, still more rows than a page."""
    return _report(1, tmp_path_factory.mktemp("year"))


@pytest.fixture(scope="module")
def browser(sync_playwright: Any) -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser: Any, path: Path, width: int, errors: list[str]) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 844})
    page.set_default_timeout(120_000)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function(READY)
    return page


def _shown(page: Any) -> list[str]:
    return list(
        page.evaluate(
            "Array.from(document.querySelectorAll('#decision-log-table tbody tr'), r => r.cells[0].textContent)"
        )
    )


@pytest.mark.slow
def test_the_long_report_opens_pages_and_filters(browser: Any, long_report: tuple[GameResult, Path]) -> None:
    result, path = long_report
    events = result.events
    assert len(events) > 5000  # the filter of a table this long is debounced
    errors: list[str] = []
    page = _open(browser, path, 1300, errors)
    assert page.inner_text("#log-count") == f"{len(events):,} of {len(events):,} events shown"
    assert _shown(page) == [str(e.seq) for e in events[:PAGE_ROWS]]
    pager = '.pager[data-for="decision-log-table"]'
    page.click(f"{pager} [data-step='1']")
    assert _shown(page) == [str(e.seq) for e in events[PAGE_ROWS : 2 * PAGE_ROWS]]
    assert page.inner_text(f"{pager} [data-page-info]") == f"rows {PAGE_ROWS + 1}–{2 * PAGE_ROWS} of {len(events):,}"

    # The filter searches every row, not the page on screen; the count changes once typing stops.
    needle = "s007"
    wanted = [
        e
        for e in events
        if needle
        in "\x01".join(
            [
                str(e.seq),
                str(e.round),
                str(e.time),
                e.kind,
                e.move_id or "",
                e.account or "",
                e.symbol or "",
                e.detail,
                " ".join(e.op_ids),
            ]
        ).lower()
    ]
    assert PAGE_ROWS < len(wanted) < len(events)
    page.type("#log-filter", needle.upper())
    page.wait_for_function(f"document.getElementById('log-count').textContent.startsWith('{len(wanted):,} of')")
    assert _shown(page) == [str(e.seq) for e in wanted[:PAGE_ROWS]]
    filled = [e for e in wanted if e.kind == "filled"]
    page.select_option("#log-kind", "filled")
    assert page.inner_text("#log-count") == f"{len(filled):,} of {len(events):,} events shown"
    assert set(
        page.evaluate("Array.from(document.querySelectorAll('#decision-log-table tbody tr'), r => r.dataset.kind)")
    ) == {"filled"}

    # Form 8949 pages too, and its totals stay those of every lot.
    short = [d for d in result.books.disposals() if d.term.value == "short"]
    assert (
        page.inner_text('[data-for="form-8949-short"] [data-count]') == f"{len(short):,} of {len(short):,} lots shown"
    )
    assert page.evaluate("document.querySelectorAll('#form-8949-short tbody tr').length") == min(PAGE_ROWS, len(short))
    assert page.get_attribute("#form-8949-short tfoot tr", "data-count") == str(len(short))

    # What the browser unpacks is what was packed, to the character (``text_columns``).
    packed_html = path.read_text(encoding="utf-8")
    tables = page.evaluate(_UNPACKED_TABLES)
    packed_tables = re.findall(r'\["([^"]+)"\] = "([^"]+)"', packed_html)
    assert {name for name, _ in packed_tables} == set(tables) and len(tables) >= 3
    for name, packed in packed_tables:
        assert tables[name] == [unpack_column(column) for column in json.loads(_unzipped(packed))]
    page.evaluate("window.tradegameDrawCharts()")
    hover, packed_hover = page.evaluate(_HOVER_TEXTS), 0
    for plot, packed in re.findall(r'tradegameChart\("([^"]+)", "([^"]+)"', packed_html):
        for trace, texts in zip(json.loads(_unzipped(packed))["data"], hover[plot], strict=True):
            written = trace.get("text")
            assert texts == (unpack_column(written["packedTexts"]) if isinstance(written, dict) else written)
            packed_hover += isinstance(written, dict)
    assert packed_hover >= 4  # the trade charts' buys and sells
    assert errors == []


_UNPACKED_TABLES = """async () => {
  const tables = {};
  for (const [name, packed] of Object.entries(window.tradegameData)) {
    tables[name] = JSON.parse(await window.tradegameUnpack(packed)).map(window.tradegameColumn);
  }
  return tables;
}"""
_HOVER_TEXTS = """Object.fromEntries(Array.from(document.querySelectorAll('.plotly-graph-div'),
  d => [d.id, d.data.map(t => t.text === undefined ? null : Array.from(t.text))]))"""


def _unzipped(packed: str) -> str:
    return gzip.decompress(base64.b64decode(packed)).decode("utf-8")


def test_a_phone_shows_it_without_sideways_scrolling(browser: Any, year_report: tuple[GameResult, Path]) -> None:
    _, path = year_report
    errors: list[str] = []
    page = _open(browser, path, 390, errors)
    page.evaluate("window.tradegameDrawCharts()")  # those further down wait to be scrolled near
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The long name wraps; the wide tables scroll inside their own box.
    heading = page.evaluate(
        "(() => { const r = document.querySelector('h1').getBoundingClientRect(); return [r.right, r.height]; })()"
    )
    assert heading[0] <= 390 and heading[1] > 40
    boxes = page.evaluate(
        "Array.from(document.querySelectorAll('.scroll'), b => [b.getBoundingClientRect().right, "
        "b.scrollWidth > b.clientWidth])"
    )
    assert boxes and all(right <= 390 for right, _ in boxes)
    assert any(scrolls for _, scrolls in boxes)  # the decision log is wider than a phone
    # No chart's legend covers its title.
    placed = page.evaluate(
        """Array.from(document.querySelectorAll('[data-chart]')).flatMap(d => {
             const title = d.querySelector('.gtitle'), legend = d.querySelector('.legend');
             if (!title || !legend) { return []; }
             const a = title.getBoundingClientRect(), b = legend.getBoundingClientRect();
             return [[d.id, a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top]];
           })"""
    )
    assert len(placed) >= 4  # equity, positions and the trade charts have both
    assert [chart for chart, apart in placed if not apart] == []
    assert errors == []


def test_it_prints_without_controls(browser: Any, year_report: tuple[GameResult, Path]) -> None:
    _, path = year_report
    page = _open(browser, path, 1000, [])
    page.emulate_media(media="print")
    hidden = page.evaluate(
        "Array.from(document.querySelectorAll('header nav, .filters, .pager button'), e => getComputedStyle(e).display)"
    )
    assert hidden and set(hidden) == {"none"}
    assert page.evaluate("getComputedStyle(document.querySelector('.scroll')).maxHeight") == "none"
    assert re.search(r"@media print", path.read_text(encoding="utf-8"))
