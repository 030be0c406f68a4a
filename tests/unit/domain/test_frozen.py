"""``quick_init``: a frozen dataclass built by the fast ``__init__`` equals one built by the generated one."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import InitVar, dataclass, field
from typing import ClassVar

import pytest

from tradegame.domain.frozen import quick_init


def _pair(**options: bool) -> tuple[type, type]:
    """The same frozen dataclass twice: with its generated ``__init__`` and with ``quick_init``'s."""

    def make() -> type:
        @dataclass(frozen=True, **options)
        class Line:
            kind: ClassVar[str] = "line"
            seq: int
            text: str
            tags: tuple[str, ...] = ()
            size: int = field(init=False, repr=False, compare=False)

            def __post_init__(self) -> None:
                if self.seq < 0:
                    raise ValueError("negative seq")
                object.__setattr__(self, "size", len(self.text))

        return Line

    return make(), quick_init(make())


@pytest.mark.parametrize("slots", [False, True])
def test_same_instances_and_signature(slots: bool) -> None:
    generated, quick = _pair(slots=slots)
    assert inspect.signature(quick) == inspect.signature(generated)
    for args, kwargs in (((1, "a"), {}), ((2,), {"text": "bc", "tags": ("x",)}), ((), {"seq": 3, "text": ""})):
        slow, fast = generated(*args, **kwargs), quick(*args, **kwargs)
        assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
        assert repr(fast).replace(quick.__qualname__, "") == repr(slow).replace(generated.__qualname__, "")
        assert fast.size == len(fast.text)  # __post_init__ ran
        assert fast == quick(*args, **kwargs) and hash(fast) == hash(quick(*args, **kwargs))
        assert dataclasses.replace(fast, seq=9).seq == 9
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.seq = 5
    with pytest.raises(ValueError, match="negative"):
        quick(-1, "a")
    with pytest.raises(TypeError):
        quick(1)  # a missing argument, as the generated __init__ refuses it


def test_pickles_as_before() -> None:
    from tradegame.domain.money import USD, Money

    money = Money(3, USD)  # type: ignore[arg-type]  # ``Money`` has quick_init: its __post_init__ still makes the int a Decimal
    assert pickle.loads(pickle.dumps(money)) == money and str(money.amount) == "3"


def test_refuses_what_it_cannot_set() -> None:
    @dataclass
    class Plain:
        seq: int

    @dataclass(frozen=True)
    class Factory:
        tags: list[str] = field(default_factory=list)

    @dataclass(frozen=True)
    class WithInitVar:
        seq: int
        scale: InitVar[int] = 1

    for cls in (Plain, Factory, WithInitVar):
        with pytest.raises(TypeError, match="quick_init"):
            quick_init(cls)


def test_slot_batch_makes_what_the_class_makes_without_post_init() -> None:
    from tradegame.domain.frozen import slot_batch

    @dataclass(frozen=True, slots=True)
    class Order:
        symbol: str
        size: int
        reason: str = ""

        def __post_init__(self) -> None:
            if self.size < 0:
                raise ValueError("negative size")

    batch = slot_batch(Order, ("symbol", "reason"))
    made = batch({"symbol": None, "size": 3, "reason": ""}, [("A", "r1"), ("B", "")])
    assert made == [Order("A", 3, "r1"), Order("B", 3)] and [type(order) for order in made] == [Order, Order]
    assert batch({"symbol": None, "size": -1, "reason": ""}, [("A", "")])[0].size == -1  # no __post_init__: checked
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].size = 4  # type: ignore[misc]
    with pytest.raises(TypeError, match="slot_batch"):
        slot_batch(Order, ("symbol", "nothing"))
