"""Oracle: a single-symbol SMA crossover in tradegame and in backtesting.py, backtrader and
vectorbt, on the same real bars (arch-sp500, the S&P 500 1999-2018, prices in cents).

The strategy is ``SmaCrossover(weight=1)``: long with all the cash while SMA(fast) > SMA(slow),
flat while SMA(fast) < SMA(slow), deciding on bar t's close. Each peer is set up to do the same
(see ``peers_kit``): whole shares, all the cash, the same fill rule (``next_open``: bar t+1's
open; ``close``: bar t's close), no fee, then a 0.1% fee. Every side starts deciding on bar
``slow`` (backtesting.py cannot decide earlier).

What agrees exactly, in every configuration: the trade list (entry and exit days and prices,
sizes). Without a fee the final equity agrees to the cent. With the 0.1% fee the final equity
differs by less than a cent, and the difference is the peers' conventions, each recomputed here
from the common trade list in exact ``Decimal`` arithmetic:

* tradegame rounds each fill's fee to the cent (half up); the peers charge the unrounded float
  ``rate x notional`` (on the SMA 50/200 Games: $0.00192 with fills at the open, $0.00986 at the
  close, over 20 fills);
* sizing an all-in buy: tradegame buys the most whole shares whose cost plus rounded fee fits
  the cash, the peers ``floor(cash / (price x (1 + rate)))``: the same sizes on this data;
* the end: tradegame sells what is held at the last close (paying the fee), backtesting.py does
  too (``finalize_trades=True``), backtrader and vectorbt only value it at the last close. In
  these Games every position is closed before the end, so this adds nothing; ``replay_all_in``
  carries the rule for when it does.

``replay_all_in(..., TRADEGAME)`` reproduces tradegame's final value exactly (to the last cent)
and ``replay_all_in(..., PEER)`` each peer's to within 1e-6 (their float arithmetic).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.oracle import peers_kit as kit

pytest.importorskip("backtesting")
pytest.importorskip("backtrader")
pytest.importorskip("vectorbt")

FEE = Decimal("0.001")
PAIRS = ((50, 200), (10, 30))
CONFIGS = [
    pytest.param((fast, slow, fill_at, rate), marks=[pytest.mark.slow] if (fast, slow) != PAIRS[0] else [])
    for fast, slow in PAIRS
    for fill_at in ("next_open", "close")
    for rate in (Decimal(0), FEE)
]
PEERS: dict[str, Callable[[kit.SmaSetup], kit.PeerRun]] = {
    "backtesting.py": kit.backtesting_sma,
    "backtrader": kit.backtrader_sma,
    "vectorbt": kit.vectorbt_sma,
}
_runs: dict[tuple[object, ...], kit.PeerRun] = {}


def _setup(fast: int, slow: int, fill_at: kit.FillAt, rate: Decimal) -> kit.SmaSetup:
    return kit.SmaSetup(kit.cent_bars("arch-sp500"), "SPX", fast, slow, fill_at, rate)


def _run(side: str, fast: int, slow: int, fill_at: kit.FillAt, rate: Decimal) -> kit.PeerRun:
    key = (side, fast, slow, fill_at, rate)
    if key not in _runs:
        setup = _setup(fast, slow, fill_at, rate)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # backtesting.py's progress bar and pandas notes
            _runs[key] = kit.tradegame_sma(setup) if side == "tradegame" else PEERS[side](setup)
    return _runs[key]


def _config_id(config: tuple[int, int, str, Decimal]) -> str:
    fast, slow, fill_at, rate = config
    return f"{fast}/{slow}-{fill_at}-{'fee' if rate else 'nofee'}"


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
@pytest.mark.parametrize("peer", sorted(PEERS))
def test_the_trade_list_agrees_trade_by_trade(peer: str, config: tuple[int, int, kit.FillAt, Decimal]) -> None:
    ours = _run("tradegame", *config).trips()
    theirs = _run(peer, *config).trips()
    assert len(ours) >= 5, "too few trades to say much"
    assert [t.timing() for t in theirs] == [t.timing() for t in ours]
    assert [t.size for t in theirs] == [t.size for t in ours]


@pytest.mark.parametrize("config", [c for c in CONFIGS if not c.values[0][3]], ids=_config_id)
@pytest.mark.parametrize("peer", sorted(PEERS))
def test_without_fees_the_final_equity_agrees_to_the_cent(
    peer: str, config: tuple[int, int, kit.FillAt, Decimal]
) -> None:
    ours = _run("tradegame", *config).final_equity
    theirs = _run(peer, *config).final_equity
    assert abs(theirs - ours) < Decimal("0.005"), f"{peer}: {theirs} vs tradegame {ours}"


@pytest.mark.parametrize("config", [c for c in CONFIGS if c.values[0][3]], ids=_config_id)
@pytest.mark.parametrize("peer", sorted(PEERS))
def test_with_a_fee_the_conventions_explain_the_difference_to_the_cent(
    peer: str, config: tuple[int, int, kit.FillAt, Decimal]
) -> None:
    rate = config[3]
    ours, theirs = _run("tradegame", *config), _run(peer, *config)
    trips = ours.trips()
    timings = [t.timing() for t in trips]
    start = _setup(*config).start_cash

    # tradegame's own convention, recomputed from its trade list: exact.
    sizes, final = kit.replay_all_in(start, timings, rate, kit.TRADEGAME)
    assert sizes == [t.size for t in trips]
    assert final == ours.final_equity
    assert sum((f.fee for f in ours.fills), Decimal(0)) == ours.extra.score.fees

    # The peer's convention on the same prices: its sizes, and its equity to within its floats.
    open_at_end = peer != "backtesting.py" and trips[-1].marked
    peer_sizes, peer_final = kit.replay_all_in(start, timings, rate, kit.PEER, open_at_end=open_at_end)
    assert [t.size for t in theirs.trips()] == peer_sizes
    assert abs(theirs.final_equity - peer_final) < Decimal("0.000001")

    # With the same sizes, what is left between the two sides is the fee rounding: the sum over
    # the fills of (fee rounded to the cent - exact fee), at most half a cent per fill.
    assert peer_sizes == sizes and not open_at_end  # true on this data; the replay covers the rest
    unrounded = sum((f.size * f.price * rate for f in ours.fills), Decimal(0))
    rounded = sum((f.fee for f in ours.fills), Decimal(0))
    assert abs((theirs.final_equity - ours.final_equity) - (rounded - unrounded)) < Decimal("0.000001")
    assert abs(theirs.final_equity - ours.final_equity) <= Decimal("0.005") * len(ours.fills)


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{fast}/{slow}" for fast, slow in PAIRS])
@pytest.mark.parametrize("peer", ["backtesting.py", "backtrader"])
def test_with_the_fee_rounded_to_the_cent_the_peers_books_equal_ours(peer: str, pair: tuple[int, int]) -> None:
    """Given tradegame's fee rule through their own options (``cent_fee``: 0.1% of the value,
    rounded to the cent, half up), backtesting.py and backtrader make the same trades and end on
    the same final value to the cent (``benchmarks/peers.py`` times these Games)."""
    setup = kit.SmaSetup(kit.cent_bars("arch-sp500"), "SPX", *pair, "next_open", FEE, round_fees=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = kit.tradegame_sma(setup), PEERS[peer](setup)
    assert theirs.trips() == ours.trips()
    assert [f.fee for f in theirs.fills] == [f.fee for f in ours.fills]
    assert abs(theirs.final_equity - ours.final_equity) < Decimal("0.005"), (theirs.final_equity, ours.final_equity)


@pytest.mark.parametrize("config", [c for c in CONFIGS if c.values[0][:2] == PAIRS[0]], ids=_config_id)
def test_the_report_s_trade_statistics_agree_with_backtesting_py(config: tuple[int, int, kit.FillAt, Decimal]) -> None:
    """The report's round trips (``reporting.round_trips``) and their statistics against backtesting.py's
    own: the number of trades, win rate, best and worst trade, expectancy (mean return), SQN, and the
    profit factor of its trades' P&L (its "Profit Factor" divides returns, ours money)."""
    from tradegame.reporting.round_trips import game_round_trips
    from tradegame.reporting.trade_stats import trade_stats

    result = _run("tradegame", *config).extra
    stats = _run("backtesting.py", *config).extra
    trips = game_round_trips(result, {"SPX"}).trips
    ours = trade_stats([float(t.pnl) for t in trips], [t.return_fraction for t in trips], [t.holding for t in trips])
    assert ours is not None and ours.trades == stats["# Trades"] >= 5
    # Fees: tradegame's are rounded to the cent, backtesting.py's are not (at most half a cent a fill).
    loose = 1e-6 if config[3] else 1e-12
    assert ours.win_rate == pytest.approx(stats["Win Rate [%]"] / 100, rel=1e-12)
    assert ours.best_return == pytest.approx(stats["Best Trade [%]"] / 100, rel=loose)
    assert ours.worst_return == pytest.approx(stats["Worst Trade [%]"] / 100, rel=loose)
    assert ours.mean_return == pytest.approx(stats["Expectancy [%]"] / 100, rel=loose)
    assert ours.sqn == pytest.approx(stats["SQN"], rel=loose)
    pnl = stats["_trades"]["PnL"]
    assert ours.profit_factor == pytest.approx(pnl[pnl > 0].sum() / -pnl[pnl < 0].sum(), rel=loose)
    assert [float(t.pnl) for t in trips] == pytest.approx(list(pnl), abs=0.01)
