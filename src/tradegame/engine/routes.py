"""The cheapest conversion route from one asset to another across tradable pairs.

Owns ``Pair`` (a tradable instrument ``base/quote`` with its taker fee rate and bid-ask spread),
``Leg``, ``Route``, ``find_route`` and ``route_value``. Pure computation on ``Decimal``: imports the
standard library and ``tradegame.domain`` only, never data, stores or adapters.

Costs
-----
A pair can be crossed both ways: side ``"sell"`` gives the base and gets the quote, side ``"buy"``
gives the quote and gets the base. Either way one trade pays the fee rate on its notional and
crosses half the full bid-ask spread, so the fraction of value kept by one leg is::

    kept = (1 - fee_rate) * (1 - spread_bps / 20000)

The same on both sides: the model is symmetric because fee and half-spread are both fractions of
the notional. A route keeps the product of its legs' ``kept``; its cost in basis points is
``(1 - kept) * 10000``. Prices are not part of the model: ``route_value`` is ``amount * kept``
measured in the value of what was given, e.g. 1 ETH worth of USD at the mid prices.

Choice of route
---------------
Routes are ranked by a strict total order:

1. larger ``kept`` (compared exactly, as ``fractions.Fraction`` built from the ``Decimal`` inputs,
   so no rounding can flip a choice or a tie);
2. then fewer legs;
3. then the tuple of the legs' pair symbols, lexicographically.

Symbols are unique (a repeated symbol with a different definition is refused, an identical repeat is
dropped) and a start asset plus a sequence of symbols fixes the whole walk, so two different routes
never compare equal: the answer is deterministic and does not depend on the order of ``pairs``.

Algorithm
---------
A hop-bounded Bellman-Ford over the multigraph of assets (each pair gives two directed edges, and
two venues listing the same base/quote under different symbols are simply parallel edges). Round
``k`` keeps, for every asset, the best walk of at most ``k`` legs from ``give``; round ``k + 1``
extends only round ``k``'s walks by one edge, so the leg bound is exact. This dynamic programme is
correct for the order above because extending two walks by the same edge keeps their order: ``kept``
is multiplied by the same positive factor, the leg counts both grow by one, and equal-length symbol
tuples gain the same last symbol. The best walk is always a simple path: every leg keeps at most 1,
so cutting a cycle out of a walk never lowers ``kept`` and always removes legs. Rounds stop early
when nothing improves (at the latest after one round per asset), so the cost is
``O(min(max_legs, assets) * pairs)`` comparisons -- fine for thousands of pairs. Dijkstra over
``-log(kept)`` would need floats (or an exact tie check on top) and extra state for the leg bound;
enumerating simple paths would be exponential in ``max_legs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, NamedTuple

from tradegame.domain.errors import InvalidAmountError, InvalidInputError, InvariantError
from tradegame.domain.money import to_decimal

__all__ = [
    "Leg",
    "NoRouteError",
    "Pair",
    "Route",
    "Side",
    "find_route",
    "route_value",
]

Side = Literal["buy", "sell"]
"""``"sell"`` gives the pair's base and gets its quote; ``"buy"`` gives the quote and gets the base."""

_SPREAD_DIVISOR: Final = Decimal(20000)  # full spread in bps -> half-spread as a fraction
_BPS: Final = Fraction(10000)


class NoRouteError(InvalidInputError):
    """No chain of pairs converts the asked asset into the wanted one within the leg limit."""


@dataclass(frozen=True, slots=True)
class Pair:
    """A tradable instrument ``base/quote`` with its taker fee rate and full bid-ask spread.

    ``symbol`` is the instrument's name (``"ETHBTC"``, ``"ETH/BTC"``, ``"binance:ETH/BTC"``); it
    must be unique among the pairs given to ``find_route``. ``fee_rate`` is a fraction of notional
    in ``[0, 1)``; ``spread_bps`` is the full bid-ask spread in basis points in ``[0, 20000)``.
    Both accept a ``Decimal``, ``int`` or ``str`` and are stored as ``Decimal``; floats are refused.
    Asset codes are compared exactly (``"usd"`` is not ``"USD"``).

    >>> Pair("ETH/BTC", "ETH", "BTC", fee_rate=Decimal("0.001")).kept
    Decimal('0.999')
    """

    symbol: str
    base: str
    quote: str
    fee_rate: Decimal = Decimal(0)
    spread_bps: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("symbol", "base", "quote"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise InvalidInputError(f"pair {self.symbol!r}: {name} must be a non-empty string, got {text!r}")
        if self.base == self.quote:
            raise InvalidInputError(f"pair {self.symbol!r}: base and quote are both {self.base!r}")
        fee_rate = self._number("fee_rate", self.fee_rate)
        if not Decimal(0) <= fee_rate < Decimal(1):
            raise InvalidInputError(f"pair {self._name}: fee_rate must be in [0, 1), got {fee_rate}")
        spread_bps = self._number("spread_bps", self.spread_bps)
        if not Decimal(0) <= spread_bps < _SPREAD_DIVISOR:
            raise InvalidInputError(f"pair {self._name}: spread_bps must be in [0, 20000), got {spread_bps}")
        object.__setattr__(self, "fee_rate", fee_rate)
        object.__setattr__(self, "spread_bps", spread_bps)

    @property
    def _name(self) -> str:
        return f"{self.symbol!r} ({self.base}/{self.quote})"

    def _number(self, field_name: str, value: object) -> Decimal:
        try:
            return to_decimal(value, field_name)
        except InvalidAmountError as error:
            raise InvalidInputError(f"pair {self._name}: {error}") from None

    @property
    def kept(self) -> Decimal:
        """Fraction of value kept by one trade of this pair, either side (exact)."""
        return _to_decimal(self._kept_exact)

    @property
    def _kept_exact(self) -> Fraction:
        return (1 - Fraction(self.fee_rate)) * (1 - Fraction(self.spread_bps) / Fraction(_SPREAD_DIVISOR))


@dataclass(frozen=True, slots=True)
class Leg:
    """One trade of a route: ``side`` of ``pair``, giving asset ``give`` and getting ``get``."""

    pair: Pair
    side: Side
    give: str
    get: str
    kept: Decimal
    """Fraction of value kept on this leg: ``(1 - fee_rate) * (1 - spread_bps / 20000)``."""


@dataclass(frozen=True, slots=True)
class Route:
    """A chain of legs, each giving what the previous one got; ``kept`` is the product over legs.

    A route with no legs (asked for the asset already held) keeps exactly 1.
    """

    legs: tuple[Leg, ...]
    kept: Decimal

    @property
    def cost_bps(self) -> Decimal:
        """Value lost along the route in basis points: ``(1 - kept) * 10000``, exact."""
        return _to_decimal((1 - Fraction(self.kept)) * _BPS)

    @property
    def symbols(self) -> tuple[str, ...]:
        """The pair symbols traded, in order."""
        return tuple(leg.pair.symbol for leg in self.legs)


class _Walk(NamedTuple):
    """A candidate route during the search; tuples compare in the ranking order."""

    loss: Fraction  # -kept, so that smaller is better
    hops: int
    symbols: tuple[str, ...]
    legs: tuple[Leg, ...]  # determined by the start asset and symbols, never reached by comparison


class _Edge(NamedTuple):
    source: str
    target: str
    leg: Leg
    kept: Fraction


def find_route(pairs: Iterable[Pair], give: str, get: str, *, max_legs: int = 4) -> Route:
    """The cheapest route converting ``give`` into ``get`` in at most ``max_legs`` trades.

    Cheapest means the largest product of kept fractions, then the fewest legs, then the
    lexicographically smallest tuple of pair symbols (see the module docstring). When ``give ==
    get`` the answer is the empty route keeping 1, whether or not the asset appears in ``pairs``.

    Raises ``InvalidInputError`` for a bad argument or a symbol listed twice with different
    definitions, and ``NoRouteError`` naming the assets and what is reachable when no route exists.

    >>> pairs = [
    ...     Pair("ETH/BTC", "ETH", "BTC", fee_rate=Decimal("0.001")),
    ...     Pair("BTC/USD", "BTC", "USD", fee_rate=Decimal("0.001")),
    ...     Pair("ETH/USD", "ETH", "USD", fee_rate=Decimal("0.005")),
    ... ]
    >>> route = find_route(pairs, "ETH", "USD")
    >>> route.symbols, route.kept, route.cost_bps
    (('ETH/BTC', 'BTC/USD'), Decimal('0.998001'), Decimal('19.99'))
    """
    for name, asset in (("give", give), ("get", get)):
        if not isinstance(asset, str) or not asset.strip():
            raise InvalidInputError(f"{name} must be a non-empty asset code, got {asset!r}")
    if isinstance(max_legs, bool) or not isinstance(max_legs, int) or max_legs < 1:
        raise InvalidInputError(f"max_legs must be a positive int, got {max_legs!r}")
    edges = _edges(_unique_pairs(pairs))
    if give == get:
        return Route(legs=(), kept=Decimal(1))

    best: dict[str, _Walk] = {give: _Walk(Fraction(-1), 0, (), ())}
    for _ in range(max_legs):
        improved, changed = dict(best), False
        for edge in edges:
            walk = best.get(edge.source)
            if walk is None:
                continue
            candidate = _Walk(
                walk.loss * edge.kept,
                walk.hops + 1,
                (*walk.symbols, edge.leg.pair.symbol),
                (*walk.legs, edge.leg),
            )
            incumbent = improved.get(edge.target)
            if incumbent is None or candidate[:3] < incumbent[:3]:
                improved[edge.target] = candidate
                changed = True
        if not changed:
            break
        best = improved

    found = best.get(get)
    if found is None:
        raise NoRouteError(_no_route_message(edges, give, get, max_legs, reachable=set(best) - {give}))
    return Route(legs=found.legs, kept=_to_decimal(-found.loss))


def route_value(route: Route, amount: Decimal) -> Decimal:
    """Estimated amount received for ``amount`` sent along ``route``: ``amount * kept``, exact, not rounded.

    The result is in the value of what was given (see the module docstring); round it at the point
    where it is booked.
    """
    try:
        exact_amount = to_decimal(amount, "amount")
    except InvalidAmountError as error:
        raise InvalidInputError(str(error)) from None
    if exact_amount < 0:
        raise InvalidInputError(f"amount must not be negative, got {exact_amount}")
    return _to_decimal(Fraction(exact_amount) * Fraction(route.kept))


def _unique_pairs(pairs: Iterable[Pair]) -> list[Pair]:
    by_symbol: dict[str, Pair] = {}
    for pair in pairs:
        if not isinstance(pair, Pair):
            raise InvalidInputError(f"pairs must hold Pair values, got {pair!r}")
        known = by_symbol.setdefault(pair.symbol, pair)
        if known != pair:
            raise InvalidInputError(
                f"pair {pair.symbol!r} is listed twice with different definitions: {known} and {pair}"
            )
    return [by_symbol[symbol] for symbol in sorted(by_symbol)]


def _edges(pairs: list[Pair]) -> list[_Edge]:
    edges: list[_Edge] = []
    for pair in pairs:
        kept_exact = pair._kept_exact
        kept = _to_decimal(kept_exact)
        edges.append(_Edge(pair.base, pair.quote, Leg(pair, "sell", pair.base, pair.quote, kept), kept_exact))
        edges.append(_Edge(pair.quote, pair.base, Leg(pair, "buy", pair.quote, pair.base, kept), kept_exact))
    return edges


def _no_route_message(edges: list[_Edge], give: str, get: str, max_legs: int, reachable: set[str]) -> str:
    assets = {edge.source for edge in edges}
    unknown = [asset for asset in (give, get) if asset not in assets]
    if unknown:
        named = " and ".join(repr(asset) for asset in unknown)
        verb = "is" if len(unknown) == 1 else "are"
        return (
            f"no route from {give!r} to {get!r}: {named} {verb} not traded by any pair; "
            f"known assets: {_listing(assets)}"
        )
    legs_needed = _fewest_legs(edges, give, get)
    if legs_needed is None:
        return (
            f"no route from {give!r} to {get!r}: they are not connected by any chain of pairs; "
            f"reachable from {give!r}: {_listing(reachable)}"
        )
    return (
        f"no route from {give!r} to {get!r} within {max_legs} legs ({get!r} needs {legs_needed}); "
        f"reachable from {give!r} within {max_legs} legs: {_listing(reachable)}"
    )


def _fewest_legs(edges: list[_Edge], give: str, get: str) -> int | None:
    """Breadth-first leg count from ``give`` to ``get`` with no leg limit, or None if unconnected."""
    frontier, seen, hops = {give}, {give}, 0
    while frontier:
        if get in frontier:
            return hops
        frontier = {edge.target for edge in edges if edge.source in frontier} - seen
        seen |= frontier
        hops += 1
    return None


def _listing(assets: set[str]) -> str:
    return ", ".join(sorted(assets)) if assets else "(none)"


def _to_decimal(value: Fraction) -> Decimal:
    """The exact ``Decimal`` of a fraction whose denominator divides a power of ten.

    Every fraction here is built from ``Decimal`` inputs by products and differences, so its
    denominator is ``2**a * 5**b``; constructing from a string is exact whatever the context.
    """
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise InvariantError(f"{value} has no exact decimal form")
    places = max(twos, fives)
    scaled = value.numerator * 10**places // value.denominator
    return Decimal(f"{scaled}E-{places}") if places else Decimal(scaled)
