"""Market-data read path: load 20 years x 500 symbols of daily bars into the Universe's arrays,
build the same Universe in memory from a long frame and from wide arrays, and resample one year
of minute bars to hourly and daily. Prints rows per second and seconds.

The 500 daily series and the minute bars are generated with a fixed seed (a log-normal random
walk on the real NYSE calendar), since no bundled real dataset has 500 symbols; the code path
is the one real data takes (store write, DuckDB query of Parquet, pivot to dense arrays).

    .venv/bin/python benchmarks/bench_data.py [--symbols 500] [--years 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from tradegame.app.loading import dataset_universe
from tradegame.data.bars import DatasetInfo, MarketFrames
from tradegame.data.calendars import sessions
from tradegame.data.panel import Panel
from tradegame.data.resample import resample_bars
from tradegame.data.store import MarketStore
from tradegame.domain.money import USD
from tradegame.engine.universe import Universe


def daily_arrays(symbols: int, years: int, seed: int) -> tuple[pd.DatetimeIndex, list[str], dict[str, np.ndarray]]:
    """Sessions, symbol names and (sessions x symbols) arrays of open, high, low, close, volume."""
    days = sessions("XNYS", f"{2024 - years + 1}-01-01", "2024-12-31")
    rng = np.random.default_rng(seed)
    rows = len(days)
    close = 50.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (rows, symbols)), axis=0))
    open_ = close * np.exp(rng.normal(0, 0.005, (rows, symbols)))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, (rows, symbols)))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, (rows, symbols)))
    volume = rng.integers(10_000, 1_000_000, rows * symbols).astype(np.float64).reshape(symbols, rows).T
    names = [f"S{i:03d}" for i in range(symbols)]
    return days, names, {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def daily_bars(symbols: int, years: int, seed: int) -> pd.DataFrame:
    """The same bars as ``daily_arrays``, as a long frame (one row per symbol and session)."""
    days, names, fields = daily_arrays(symbols, years, seed)
    return pd.DataFrame(
        {
            "symbol": np.repeat(np.array(names, dtype=object), len(days)),
            "ts": np.tile(days.as_unit("ns"), symbols),
            **{name: values.T.ravel() for name, values in fields.items()},
            "adj_close": np.nan,
        }
    )


def universe_build_seconds(symbols: int, years: int, seed: int, repeat: int) -> tuple[float, float, tuple[int, int]]:
    """Seconds to build the Universe from a long frame and from wide arrays (medians), and its shape."""
    bars = daily_bars(symbols, years, seed)
    days, names, fields = daily_arrays(symbols, years, seed)
    options = {"frequency": "1d", "calendar": "XNYS", "currency": "USD"}
    from_frame = Universe.from_panel(Panel.from_bars(bars, **options), currency=USD)
    from_arrays = Universe.from_panel(Panel.from_arrays(days, names, **fields, **options), currency=USD)
    if not all(np.array_equal(from_frame.panel.fields[f], from_arrays.panel.fields[f], equal_nan=True) for f in fields):
        raise SystemExit("the two Universes differ")
    frame_seconds = median_seconds(lambda: Universe.from_panel(Panel.from_bars(bars, **options), currency=USD), repeat)
    array_seconds = median_seconds(
        lambda: Universe.from_panel(Panel.from_arrays(days, names, **fields, **options), currency=USD), repeat
    )
    return frame_seconds, array_seconds, from_arrays.panel.fields["close"].shape


def minute_bars(seed: int) -> pd.DataFrame:
    ts = pd.date_range("2023-01-01", "2023-12-31 23:59", freq="min", tz="UTC")
    rng = np.random.default_rng(seed)
    close = 20_000 * np.exp(np.cumsum(rng.normal(0, 0.0008, len(ts))))
    open_ = np.concatenate([[20_000.0], close[:-1]])
    return pd.DataFrame(
        {
            "symbol": "BTCUSD",
            "ts": ts,
            "open": open_,
            "high": np.maximum(open_, close) * 1.0003,
            "low": np.minimum(open_, close) * 0.9997,
            "close": close,
            "volume": rng.uniform(0.1, 5.0, len(ts)),
            "adj_close": np.nan,
        }
    )


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    bars = daily_bars(args.symbols, args.years, args.seed)
    rows = len(bars)
    with tempfile.TemporaryDirectory() as folder:
        store = MarketStore(folder)
        info = DatasetInfo("bench-daily", "1d", "USD", "XNYS", source="generated", license="CC0")
        started = time.perf_counter()
        store.write(info, MarketFrames(bars))
        write_seconds = time.perf_counter() - started
        load = median_seconds(lambda: store.panel("bench-daily"), args.repeat)
        panel = store.panel("bench-daily")
        shape = panel.fields["close"].shape
        print(f"daily bars: {args.symbols} symbols x {args.years} years = {rows:,} rows ({shape[0]:,} sessions)")
        print(f"  checked and stored (Parquet via DuckDB) in {write_seconds:.2f} s: {rows / write_seconds:,.0f} rows/s")
        print(
            f"  loaded into the Universe's arrays in {load:.2f} s (median of {args.repeat}): {rows / load:,.0f} rows/s"
        )
        universe = median_seconds(lambda: dataset_universe(store, "bench-daily"), args.repeat)
        print(f"  loaded as a Game's Universe (app.loading) in {universe:.2f} s: {rows / universe:,.0f} rows/s")
        stamps = panel.available
        probe = np.linspace(stamps[0], stamps[-1], 10_000).astype(np.int64)
        view_seconds = median_seconds(lambda: [panel.as_of(int(t)).close(window=20) for t in probe], args.repeat)
        print(f"  point-in-time views (as_of + 20-row close window): {len(probe) / view_seconds:,.0f} views/s")

    frame_seconds, array_seconds, shape = universe_build_seconds(args.symbols, args.years, args.seed, args.repeat)
    print(f"Universe of {shape[1]} symbols x {shape[0]:,} sessions built in memory (median of {args.repeat}):")
    print(f"  from a long frame (Panel.from_bars): {frame_seconds:.3f} s")
    print(f"  from wide arrays (Panel.from_arrays): {array_seconds:.3f} s")

    minutes = minute_bars(args.seed)
    for target in ("1h", "1d"):
        seconds = median_seconds(lambda target=target: resample_bars(minutes, target, "24/7"), args.repeat)
        print(
            f"resample {len(minutes):,} minute bars to {target}: {seconds:.3f} s, {len(minutes) / seconds:,.0f} rows/s"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (whole process): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
