"""The route finder picks the cheapest chain of pairs, exactly and deterministically."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegame.domain.errors import InvalidInputError
from tradegame.engine import routes
from tradegame.engine.routes import NoRouteError, Pair, Route, find_route, route_value

D = Decimal


def pair(symbol: str, fee: str = "0", spread: str = "0") -> Pair:
    """``pair("ETH/BTC", "0.001")``: base and quote read from a ``BASE/QUOTE`` symbol."""
    base, quote = symbol.split(":")[-1].split("/")
    return Pair(symbol, base, quote, fee_rate=D(fee), spread_bps=D(spread))


def market(eth_usd_fee: str = "0.005", eth_usd_spread: str = "0") -> list[Pair]:
    return [
        pair("ETH/BTC", "0.001"),
        pair("BTC/USD", "0.001"),
        pair("ETH/USD", eth_usd_fee, eth_usd_spread),
        pair("SOL/USDT", "0.001"),
        pair("USDT/USD", "0.001"),
    ]


def trail(route: Route) -> list[tuple[str, str, str, str]]:
    return [(leg.pair.symbol, leg.side, leg.give, leg.get) for leg in route.legs]


# --- hand-worked examples -------------------------------------------------------------------------


def test_two_cheap_hops_beat_an_expensive_direct_pair() -> None:
    # 0.999 * 0.999 = 0.998001 > 0.995
    route = find_route(market(), "ETH", "USD")
    assert trail(route) == [("ETH/BTC", "sell", "ETH", "BTC"), ("BTC/USD", "sell", "BTC", "USD")]
    assert route.kept == D("0.998001")
    assert route.cost_bps == D("19.99")
    assert [leg.kept for leg in route.legs] == [D("0.999"), D("0.999")]


def test_a_cheap_enough_direct_pair_wins() -> None:
    # 1 - 0.0015 = 0.9985 > 0.998001
    route = find_route(market(eth_usd_fee="0.0015"), "ETH", "USD")
    assert trail(route) == [("ETH/USD", "sell", "ETH", "USD")]
    assert route.kept == D("0.9985")
    assert route.cost_bps == D("15")


def test_the_spread_changes_the_choice() -> None:
    # 10 bps full spread -> half of it crossed: 0.9985 * (1 - 10/20000) = 0.9985 * 0.9995 = 0.99800075,
    # which loses to 0.998001 by 0.00000025
    route = find_route(market(eth_usd_fee="0.0015", eth_usd_spread="10"), "ETH", "USD")
    assert route.symbols == ("ETH/BTC", "BTC/USD")
    assert pair("ETH/USD", "0.0015", "10").kept == D("0.99800075")


def test_spreads_on_the_hops_hand_the_win_back_to_the_direct_pair() -> None:
    pairs = [pair("ETH/BTC", "0.001", "20"), pair("BTC/USD", "0.001", "20"), pair("ETH/USD", "0.002")]
    # hop: 0.999 * 0.999 = 0.998001 per leg; two legs 0.998001**2 = 0.996005996001 < 0.998
    route = find_route(pairs, "ETH", "USD")
    assert route.symbols == ("ETH/USD",)
    assert route.kept == D("0.998")
    assert find_route(pairs[:2], "ETH", "USD").kept == D("0.996005996001")


def test_the_reverse_direction_buys() -> None:
    route = find_route(market(), "USD", "ETH")
    assert trail(route) == [("BTC/USD", "buy", "USD", "BTC"), ("ETH/BTC", "buy", "BTC", "ETH")]
    assert route.kept == D("0.998001")


def test_a_stock_and_stablecoin_chain() -> None:
    pairs = [*market(), pair("AAPL/USD", "0.0005", "2")]
    route = find_route(pairs, "SOL", "AAPL")
    assert trail(route) == [
        ("SOL/USDT", "sell", "SOL", "USDT"),
        ("USDT/USD", "sell", "USDT", "USD"),
        ("AAPL/USD", "buy", "USD", "AAPL"),
    ]
    # 0.999 * 0.999 * (0.9995 * 0.9999) = 0.998001 * 0.99940005 = 0.99940005 - 0.001999 * 0.99940005
    #   = 0.99940005 - 0.00199780069995 = 0.99740224930005
    assert route.kept == D("0.99740224930005")


def test_the_cheaper_venue_is_picked_among_parallel_pairs() -> None:
    pairs = [pair("binance:EUR/USD", "0.001"), pair("kraken:EUR/USD", "0.0008", "1")]
    # kraken: 0.9992 * (1 - 1/20000) = 0.9992 * 0.99995 = 0.99915004 > binance 0.999
    route = find_route(pairs, "USD", "EUR")
    assert trail(route) == [("kraken:EUR/USD", "buy", "USD", "EUR")]
    assert route.kept == D("0.99915004")


def test_equal_costs_prefer_fewer_legs_then_the_smaller_symbols() -> None:
    # direct fee 0.001999 keeps exactly 0.998001, the same as two hops at 0.1%
    pairs = [pair("ETH/BTC", "0.001"), pair("BTC/USD", "0.001"), pair("ETH/USD", "0.001999")]
    assert find_route(pairs, "ETH", "USD").symbols == ("ETH/USD",)
    # same kept and legs through two venues: symbols decide, whatever the input order
    venues = [pair("b:ETH/USD", "0.001"), pair("a:ETH/USD", "0.001"), pair("c:ETH/USD", "0.001")]
    assert find_route(venues, "ETH", "USD").symbols == ("a:ETH/USD",)
    assert find_route(venues[::-1], "ETH", "USD").symbols == ("a:ETH/USD",)
    # the whole symbol tuple decides, not the last leg:
    # ("a:A/X", "z:X/B") < ("b:A/Y", "y:Y/B") although "y:..." < "z:..."
    free = [pair("b:A/Y"), pair("y:Y/B"), pair("a:A/X"), pair("z:X/B")]
    assert find_route(free, "A", "B").symbols == ("a:A/X", "z:X/B")
    assert find_route(free[::-1], "A", "B").symbols == ("a:A/X", "z:X/B")


def test_max_legs_bounds_the_route() -> None:
    assert find_route(market(), "ETH", "USD", max_legs=1).symbols == ("ETH/USD",)
    assert find_route(market(), "SOL", "BTC", max_legs=3).symbols == ("SOL/USDT", "USDT/USD", "BTC/USD")
    with pytest.raises(NoRouteError, match=r"'SOL' to 'BTC' within 2 legs \('BTC' needs 3\).*USD, USDT"):
        find_route(market(), "SOL", "BTC", max_legs=2)


def test_asking_for_the_asset_held_is_the_empty_route() -> None:
    for pairs in (market(), []):
        route = find_route(pairs, "ETH", "ETH")
        assert route == Route(legs=(), kept=D(1))
        assert route.cost_bps == 0
        assert route_value(route, D("1.5")) == D("1.5")


def test_route_value_is_exact_and_unrounded() -> None:
    route = find_route(market(), "ETH", "USD")
    assert route_value(route, D("2.5")) == D("2.4950025")
    assert route_value(route, D("0.00000001")) == D("0.00000000998001")
    with pytest.raises(InvalidInputError, match="negative"):
        route_value(route, D(-1))
    with pytest.raises(InvalidInputError, match="float"):
        route_value(route, 1.5)  # type: ignore[arg-type]


def test_no_route_names_the_assets_and_what_is_reachable() -> None:
    with pytest.raises(NoRouteError, match=r"'DOGE' is not traded by any pair; known assets: BTC, ETH, SOL, USD, USDT"):
        find_route(market(), "DOGE", "USD")
    with pytest.raises(NoRouteError, match=r"'DOGE' and 'PEPE' are not traded"):
        find_route(market(), "DOGE", "PEPE")
    islands = [*market(), pair("JPY/KRW")]
    with pytest.raises(
        NoRouteError, match=r"'ETH' to 'JPY': .*not connected.*reachable from 'ETH': BTC, SOL, USD, USDT"
    ):
        find_route(islands, "ETH", "JPY")
    assert issubclass(NoRouteError, InvalidInputError)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: pair("ETH/ETH"), r"'ETH/ETH': base and quote are both 'ETH'"),
        (lambda: pair("ETH/BTC", "-0.001"), r"'ETH/BTC' \(ETH/BTC\): fee_rate must be in \[0, 1\), got -0.001"),
        (lambda: pair("ETH/BTC", "1"), r"fee_rate must be in \[0, 1\), got 1"),
        (lambda: pair("ETH/BTC", "0", "-1"), r"'ETH/BTC' .*spread_bps must be in \[0, 20000\), got -1"),
        (lambda: pair("ETH/BTC", "0", "20000"), r"spread_bps must be in \[0, 20000\)"),
        (lambda: pair("ETH/BTC", "NaN"), r"'ETH/BTC' .*not finite"),
        (lambda: Pair("ETH/BTC", "ETH", "BTC", fee_rate=0.001), r"'ETH/BTC' .*float"),  # type: ignore[arg-type]
        (lambda: Pair("", "ETH", "BTC"), r"symbol must be a non-empty string"),
        (lambda: Pair("ETH/", "ETH", " "), r"'ETH/': quote must be a non-empty string"),
    ],
)
def test_bad_pairs_are_refused_by_name(build: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        build()  # type: ignore[operator]


def test_a_symbol_listed_twice_must_agree() -> None:
    with pytest.raises(InvalidInputError, match=r"'ETH/BTC' is listed twice with different definitions"):
        find_route([pair("ETH/BTC", "0.001"), pair("ETH/BTC", "0.002")], "ETH", "BTC")
    # an identical repeat is harmless
    assert find_route([pair("ETH/BTC", "0.001"), pair("ETH/BTC", "0.0010")], "ETH", "BTC").kept == D("0.999")


def test_numbers_given_as_text_are_read_exactly() -> None:
    assert Pair("ETH/BTC", "ETH", "BTC", fee_rate="0.001", spread_bps=3).kept == D("0.99885015")  # type: ignore[arg-type]


@pytest.mark.parametrize("max_legs", [0, -1, True, 2.0])
def test_bad_max_legs_is_refused(max_legs: object) -> None:
    with pytest.raises(InvalidInputError, match="max_legs must be a positive int"):
        find_route(market(), "ETH", "USD", max_legs=max_legs)  # type: ignore[arg-type]


def test_bad_assets_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="give must be a non-empty asset code"):
        find_route(market(), "", "USD")


def test_docstring_examples_run() -> None:
    assert doctest.testmod(routes, raise_on_error=True).attempted > 0


# --- property: never worse than brute force --------------------------------------------------------

ASSETS = "ABCDEF"


@st.composite
def small_markets(draw: st.DrawFn) -> list[Pair]:
    count = draw(st.integers(min_value=0, max_value=10))
    symbols = draw(st.lists(st.sampled_from("pqrstuvwxyz"), min_size=count, max_size=count, unique=True))
    pairs = []
    for symbol in symbols:
        base, quote = draw(st.lists(st.sampled_from(ASSETS), min_size=2, max_size=2, unique=True))
        # few distinct costs, so that equal products (and the tie-breaks) come up often
        fee = draw(st.sampled_from(["0", "0", "0.001", "0.001999", "0.002"]))
        spread = draw(st.sampled_from(["0", "0", "20"]))
        pairs.append(Pair(symbol, base, quote, fee_rate=D(fee), spread_bps=D(spread)))
    return pairs


def simple_paths(pairs: list[Pair], give: str, get: str, max_legs: int) -> Iterator[tuple[Fraction, tuple[str, ...]]]:
    """Every simple path from give to get of 1..max_legs legs, as (exact kept, symbols)."""

    def walk(
        at: str, visited: frozenset[str], kept: Fraction, symbols: tuple[str, ...]
    ) -> Iterator[tuple[Fraction, tuple[str, ...]]]:
        if at == get and symbols:
            yield kept, symbols
            return
        if len(symbols) == max_legs:
            return
        for candidate in pairs:
            for source, target in ((candidate.base, candidate.quote), (candidate.quote, candidate.base)):
                if source == at and target not in visited:
                    factor = (1 - Fraction(candidate.fee_rate)) * (1 - Fraction(candidate.spread_bps) / 20000)
                    yield from walk(target, visited | {target}, kept * factor, (*symbols, candidate.symbol))

    yield from walk(give, frozenset({give}), Fraction(1), ())


@given(
    pairs=small_markets(),
    give=st.sampled_from(ASSETS),
    get=st.sampled_from(ASSETS),
    max_legs=st.integers(min_value=1, max_value=4),
)
def test_the_route_is_the_best_simple_path(pairs: list[Pair], give: str, get: str, max_legs: int) -> None:
    if give == get:
        assert find_route(pairs, give, get, max_legs=max_legs) == Route(legs=(), kept=D(1))
        return
    candidates = list(simple_paths(pairs, give, get, max_legs))
    if not candidates:
        with pytest.raises(NoRouteError):
            find_route(pairs, give, get, max_legs=max_legs)
        return
    route = find_route(pairs, give, get, max_legs=max_legs)
    assert all(Fraction(route.kept) >= kept for kept, _ in candidates)
    best_kept, best_symbols = min(candidates, key=lambda path: (-path[0], len(path[1]), path[1]))
    assert (Fraction(route.kept), route.symbols) == (best_kept, best_symbols)
    assert route == find_route(pairs[::-1], give, get, max_legs=max_legs)
    # the legs chain from give to get, each consistent with its pair and side
    assert route.legs[0].give == give
    assert route.legs[-1].get == get
    for previous, leg in zip(route.legs, route.legs[1:], strict=False):
        assert leg.give == previous.get
    for leg in route.legs:
        expected = (leg.pair.base, leg.pair.quote) if leg.side == "sell" else (leg.pair.quote, leg.pair.base)
        assert (leg.give, leg.get) == expected
        assert leg.kept == leg.pair.kept
    product = Fraction(1)
    for leg in route.legs:
        product *= Fraction(leg.kept)
    assert Fraction(route.kept) == product
    assert len(route.legs) <= max_legs
