"""Move's shorthands: ``target`` and ``sell(sell_all=True)`` of the common shape (and ``targets`` and
``sells_all``, many at once) are made without re-running ``__post_init__``; they must equal the Move
made the ordinary way and keep every check."""

from __future__ import annotations

import pickle
from dataclasses import astuple, dataclass, replace
from decimal import Decimal

import pytest

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.moves import Move, Side


def same(quick: Move, ordinary: Move) -> None:
    assert quick == ordinary and hash(quick) == hash(ordinary) and repr(quick) == repr(ordinary)
    assert astuple(quick) == astuple(ordinary)
    assert type(quick) is Move and not hasattr(quick, "__dict__")  # slots: no dict per Move for the collector
    assert pickle.loads(pickle.dumps(quick)) == quick and replace(quick, tag="t") == replace(ordinary, tag="t")


@pytest.mark.parametrize("options", [{}, {"reason": "rank 1"}, {"reason": "r", "account": "ira"}])
def test_the_shorthands_equal_the_moves_made_the_ordinary_way(options: dict[str, str]) -> None:
    same(
        Move.target("ACME", Decimal("0.05"), **options),
        Move("ACME", Side.BUY, target_weight=Decimal("0.05"), **options),
    )
    same(Move.target("ACME", "1", **options), Move("ACME", Side.BUY, target_weight=Decimal(1), **options))
    same(Move.sell("ACME", sell_all=True, **options), Move("ACME", Side.SELL, sell_all=True, **options))
    with pytest.raises(AttributeError):
        Move.target("ACME", Decimal("0.05"), **options).symbol = "OTHER"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Move.target("ACME", Decimal("1.01")), "target_weight must be within 0..1, got 1.01"),
        (lambda: Move.target("ACME", -1, reason="r"), "target_weight must be within 0..1, got -1"),
        (lambda: Move.target("ACME", "NaN"), "not finite|must be finite|not a number"),
        (lambda: Move.target("ACME", Decimal("0.1"), tag="x" * 65), "tag must be a str"),
        (lambda: Move.target("ACME", Decimal("0.1"), time_in_force=0), "time_in_force"),
        (lambda: Move.sell("ACME", sell_all=True, quantity=Decimal(1)), "exactly one of"),
        (lambda: Move.sell("ACME", sell_all=True, tag="\n"), "tag must be a str"),
        (lambda: Move.sell("ACME", sell_all=True, order_type="limit"), "needs a limit price"),
    ],
)
def test_the_shorthands_keep_every_check(make: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        make()  # type: ignore[operator]


@dataclass(frozen=True)
class Checked(Move):
    """A Move that checks more (a reason is required): its shorthands must make it the ordinary way."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.reason:
            raise InvalidInputError("say why")


def test_a_subclass_of_move_is_made_the_ordinary_way() -> None:
    with pytest.raises(InvalidInputError, match="say why"):
        Checked.target("ACME", Decimal("0.5"))
    with pytest.raises(InvalidInputError, match="say why"):
        Checked.sell("ACME", sell_all=True)
    assert type(Checked.target("ACME", Decimal("0.5"), reason="r")) is Checked
    with pytest.raises(InvalidInputError, match="say why"):
        Checked.targets(Decimal("0.5"), [("ACME", "r"), ("BETA", "")])
    with pytest.raises(InvalidInputError, match="say why"):
        Checked.sells_all([("ACME", "")])
    made = Checked.sells_all([("ACME", "r")]) + Checked.targets(1, [("A", "r"), ("B", "r")])
    assert [type(move) for move in made] == [Checked] * 3


def test_the_batch_shorthands_equal_one_shorthand_per_move() -> None:
    orders = [("ACME", "rank 1"), ("BETA", "rank 2"), ("ACME", "")]
    for quick, (symbol, reason) in zip(Move.targets(Decimal("0.05"), orders), orders, strict=True):
        same(quick, Move(symbol, Side.BUY, target_weight=Decimal("0.05"), reason=reason))
    assert Move.targets("0.5", iter(orders)) == [Move.target(s, "0.5", reason=r) for s, r in orders]
    for quick, (symbol, reason) in zip(Move.sells_all(iter(orders)), orders, strict=True):
        same(quick, Move(symbol, Side.SELL, sell_all=True, reason=reason))
    assert Move.targets(Decimal(2), []) == [] == Move.sells_all([])


def test_the_batch_target_checks_its_weight_as_the_first_target_would() -> None:
    with pytest.raises(InvalidInputError, match=r"move BETA: target_weight must be within 0\.\.1, got 1\.5"):
        Move.targets(Decimal("1.5"), [("BETA", "r"), ("ACME", "r")])
    with pytest.raises(InvalidInputError, match="move BETA weight"):
        Move.targets("lots", [("BETA", "r")])
