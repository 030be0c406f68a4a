"""The HTML report of a long Game: written how fast, how large, and how quick to open and filter.

The Game is issue 18's size: 32 years of daily bars (generated with a fixed seed on the real NYSE
calendar, as ``bench_data`` does) of 10 stocks, a momentum rotation into the top 3 rebalanced
every day, with fees and tax: about 28,000 trades, 56,000 decision-log events and 38,000 Form
8949 lines. For each code tree (``--before``: main's ``src``, and this tree's) a child process
plays the Game, then writes its report and prints:

* **write**: seconds for ``write_report``, the first (cold: as ``tradegame report`` writes it, the
  Game's lazily built records read for the first time) and the median of ``--repeat`` more (warm),
  wall and CPU time (this
  process's, which moves less than the wall time when other work shares the machine);
* **peak**: the peak of Python allocations during a warm write (``tracemalloc``, a separate run)
  and the child's peak RSS (Game included);
* **size**: the file on disk, plotly.js inline and, where the code has it, with ``--cdn``.

Then headless Chromium (Playwright, Debian's Chromium as the tests use it) opens each file:

* **interactive**: from ``goto`` to the page being usable: every chart on the first screen drawn and, for a page
  that pages its tables, its ready flag (``window.tradegameReady``); measured in the page
  (``performance.now()`` from navigation start) and as the wall time of the wait. A ``--cdn``
  page gets plotly.js from a local route (as from a warm browser cache: no network here);
* **scrolled to**: the charts below the first screen are drawn when they come near it; each is
  scrolled into view in turn and timed until drawn (the slowest is printed);
* **keystroke**: three keys typed into the decision-log filter ``KEY_GAP_S`` apart (a fast
  typist), each timed in the page from its ``keydown`` until the count has changed and the next
  frame has been drawn (the median). A long table's filter runs at a key that comes
  ``DEBOUNCE_MS`` (60 ms) or more after its last run and holds faster keys until typing pauses
  that long; the time from the count's change to the next frame is printed apart.

Targets (issue 18): written in under 3 s and 300 MB, under 3 MB on disk, interactive in under
3 s, a keystroke under 100 ms.

    .venv/bin/python benchmarks/bench_report.py [--years 32] [--before /work/main/src] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
CHROMIUM = Path(os.environ.get("TRADEGAME_CHROMIUM", "/usr/bin/chromium"))
KEY_GAP_S = 0.12  # between keystrokes: a fast typist (100 words a minute)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def long_game(years: int = 32, symbols: int = 10, seed: int = 7) -> tuple[Any, Any]:
    """A daily momentum rotation over ``years`` of seeded bars: the GameResult and its Universe."""
    sys.path.insert(0, str(HERE))
    from bench_data import daily_arrays
    from tradegame.data.panel import Panel
    from tradegame.domain.money import USD
    from tradegame.domain.tax import TaxProfile
    from tradegame.engine.costs import PercentOfNotional
    from tradegame.engine.game import play
    from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
    from tradegame.engine.universe import Universe
    from tradegame.models.momentum import MomentumRotation

    days, names, fields = daily_arrays(symbols, max(years, 1), seed)
    days = days[-years * 252 :]
    fields = {name: values[-len(days) :] for name, values in fields.items()}
    panel = Panel.from_arrays(days, names, **fields, frequency="1d", calendar="XNYS", currency="USD")
    universe = Universe.from_panel(panel, currency=USD)
    spec = GameSpec(
        f"daily momentum, {symbols} stocks, {years} years",
        days[25].date(),
        Decimal(100000),
        end=days[-1].date(),
        data=(DataSpec("seeded-daily"),),
        accounts=(AccountSpec("main", fees=PercentOfNotional(Decimal("0.001"))),),
        tax=TaxProfile.flat("0.3", "0.15"),
    )
    return play(spec, universe, MomentumRotation(top_n=3, lookback=20, rebalance=1)), universe


def child(out_dir: Path, years: int, repeat: int) -> dict[str, Any]:
    """Play the Game and write its report with the code on ``sys.path``; the figures as a dict."""
    import inspect

    from tradegame.reporting.html_report import write_report

    started = time.perf_counter()
    result, universe = long_game(years)
    played = time.perf_counter() - started
    figures: dict[str, Any] = {
        "play_s": played,
        "rounds": len(result.values),
        "trades": sum(1 for event in result.events if event.kind == "filled"),
        "events": len(result.events),
        "lines_8949": len(result.books.disposals()),
    }
    path = out_dir / "report.html"
    started, cpu = time.perf_counter(), time.process_time()
    write_report(result, universe, path)
    figures["write_cold_s"] = time.perf_counter() - started
    figures["write_cold_cpu_s"] = time.process_time() - cpu
    warm, warm_cpu = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        write_report(result, universe, path)
        warm.append(time.perf_counter() - started)
        warm_cpu.append(time.process_time() - cpu)
    figures["write_warm_s"] = statistics.median(warm)
    figures["write_warm_cpu_s"] = statistics.median(warm_cpu)
    figures["size_mb"] = path.stat().st_size / 1e6
    figures["path"] = str(path)
    if "cdn" in inspect.signature(write_report).parameters:
        cdn_path = out_dir / "report-cdn.html"
        write_report(result, universe, cdn_path, cdn=True)  # type: ignore[call-arg]  # main's has no cdn
        figures["cdn_size_mb"] = cdn_path.stat().st_size / 1e6
        figures["cdn_path"] = str(cdn_path)
    tracemalloc.start()
    write_report(result, universe, path)
    figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    figures["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


_WATCH_KEYS = """() => {
  const input = document.getElementById("log-filter"), count = document.getElementById("log-count");
  window.__key = {t0: 0, t1: 0, work: 0};
  input.addEventListener("keydown", () => { window.__key.t0 = performance.now(); }, {capture: true, once: true});
  new MutationObserver((_, observer) => {
    observer.disconnect();
    const changed = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      window.__key.t1 = performance.now(); window.__key.changed = changed;
    }, 0));
  }).observe(count, {childList: true, characterData: true, subtree: true});
}"""

_DRAWN = """() => document.readyState === 'complete'
  && (window.tradegameReady === true || !document.querySelector('table[data-paged]'))
  && Array.from(document.querySelectorAll('[data-chart]')).every(d => {
       const box = d.getBoundingClientRect();
       return box.top >= innerHeight || box.bottom <= 0 || d.querySelector('.plot-container svg.main-svg');
     })"""

# Scrolls each chart not yet drawn into view in turn: the milliseconds until each one is drawn.
_SCROLL_CHARTS = """async () => {
  const waits = [];
  for (const chart of document.querySelectorAll('[data-chart]')) {
    if (chart.querySelector('.plot-container svg.main-svg')) { continue; }
    const started = performance.now();
    chart.scrollIntoView();
    while (!chart.querySelector('.plot-container svg.main-svg')) { await new Promise(r => setTimeout(r, 5)); }
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    waits.push(performance.now() - started);
  }
  window.scrollTo(0, 0);
  return waits;
}"""


def browse(path: Path) -> dict[str, float]:
    """Open ``path`` in Chromium: time to interactive, and the decision-log filter's keystrokes."""
    from playwright.sync_api import sync_playwright
    from plotly.offline import get_plotlyjs

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.set_default_timeout(300_000)
            bundle = get_plotlyjs()
            page.route(
                "https://cdn.plot.ly/**", lambda route: route.fulfill(body=bundle, content_type="text/javascript")
            )
            started = time.perf_counter()
            page.goto(path.as_uri(), wait_until="commit")
            page.wait_for_function(_DRAWN, polling=20)
            wall = time.perf_counter() - started
            in_page = page.evaluate("performance.now()")
            page.focus("#log-filter")
            keys, pressed = [], 0.0
            for key in "S00":
                page.evaluate(_WATCH_KEYS)
                time.sleep(max(0.0, pressed + KEY_GAP_S - time.perf_counter()))
                pressed = time.perf_counter()
                page.keyboard.press(key)
                page.wait_for_function("window.__key.t1 > 0", polling=10)
                timing = page.evaluate("window.__key")
                keys.append((timing["t1"] - timing["t0"], timing["t1"] - timing["changed"]))
            scrolled = page.evaluate(_SCROLL_CHARTS) or [0.0]
        finally:
            browser.close()
    return {
        "interactive_s": in_page / 1000,
        "interactive_wall_s": wall,
        "keystroke_ms": statistics.median(k[0] for k in keys),
        "frame_ms": statistics.median(k[1] for k in keys),
        "scrolled_charts": len(scrolled),
        "scrolled_max_ms": max(scrolled),
    }


def run_child(src: Path, out_dir: Path, years: int, repeat: int) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--child", str(out_dir), "--years", str(years), "--repeat", str(repeat)]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{src}: the child failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=2, help="warm writes to take the median of")
    parser.add_argument("--before", type=Path, help="another tree's src (main's) to compare with")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        print(json.dumps(child(options.child, options.years, options.repeat)))
        return
    trees = ([("before", options.before)] if options.before else []) + [("after", SRC)]
    with tempfile.TemporaryDirectory(prefix="bench-report-") as temporary:
        for label, src in trees:
            figures = run_child(src, Path(temporary) / label, options.years, options.repeat)
            if not options.no_browser:
                figures |= browse(Path(figures["path"]))
                if "cdn_path" in figures:
                    figures |= {f"cdn_{k}": v for k, v in browse(Path(figures["cdn_path"])).items()}
            report(label, src, figures)


def report(label: str, src: Path, figures: dict[str, Any]) -> None:
    print(
        f"== {label} ({src}): {figures['rounds']:,} Rounds, {figures['trades']:,} trades, "
        f"{figures['events']:,} events, {figures['lines_8949']:,} Form 8949 lines (played in {figures['play_s']:.1f} s)"
    )
    print(
        f"   written in {figures['write_cold_s']:.2f} s cold ({figures['write_cold_cpu_s']:.2f} s CPU), "
        f"{figures['write_warm_s']:.2f} s warm ({figures['write_warm_cpu_s']:.2f} s CPU); "
        f"load average {os.getloadavg()[0]:.1f}\n     "
        f"peak {figures['traced_peak_mb']:.0f} MB allocated (tracemalloc), RSS {figures['max_rss_mb']:.0f} MB"
    )
    cdn = f", {figures['cdn_size_mb']:.2f} MB with --cdn" if "cdn_size_mb" in figures else ""
    print(f"   on disk {figures['size_mb']:.2f} MB with plotly.js inline{cdn}")
    for prefix, name in (("", "inline"), ("cdn_", "--cdn")):
        if f"{prefix}interactive_s" in figures:
            print(
                f"   {name}: interactive in {figures[f'{prefix}interactive_s']:.2f} s "
                f"(wall {figures[f'{prefix}interactive_wall_s']:.2f} s); "
                f"filter keystroke {figures[f'{prefix}keystroke_ms']:.0f} ms "
                f"(of which {figures[f'{prefix}frame_ms']:.0f} ms from the count's change to the next frame); "
                f"{figures[f'{prefix}scrolled_charts']} charts drawn when scrolled to, "
                f"the slowest in {figures[f'{prefix}scrolled_max_ms']:.0f} ms"
            )


if __name__ == "__main__":
    main()
