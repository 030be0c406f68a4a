"""``quick_init`` and ``slot_maker``: a frozen dataclass built nearly as fast as a plain one.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (its
own ``__setattr__`` refuses), which costs about four times a plain assignment: the books and the
Round loop build several such values per fill (``Money``, the event log's lines, the Model's
``Fill`` records), so that cost shows. ``quick_init`` replaces the generated ``__init__`` by one
with the same signature (names, order, defaults) and the same effect, which sets a slotted
field through its slot's descriptor and a plain instance's fields in its ``__dict__`` at once;
``__post_init__`` still runs last. The instances stay frozen (``__setattr__`` still refuses),
equal, hashable and printed as before. A class with a ``default_factory``, an ``init=False`` field
with a default, an ``InitVar`` or a keyword-only field is refused with a ``TypeError`` (none of
the hot ones has them). ``slot_maker`` goes further for a slotted class without
``__post_init__`` that is made in the thousands (the event log's lines, the fills' records):
a twin class whose ``__init__`` assigns plainly, then makes the object one of ``cls``.
Standard library only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

__all__ = ["quick_init", "slot_batch", "slot_maker"]

_T = TypeVar("_T")


def quick_init(cls: type[_T]) -> type[_T]:
    """Give the frozen dataclass ``cls`` the fast ``__init__`` described in the module docstring."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"{cls.__name__}: quick_init is for frozen dataclasses")
    names, params_text, space = _init_parameters(cls, "quick_init")
    if "__slots__" in cls.__dict__:
        body = []
        for name in names:
            space[f"_set_{name}"] = cls.__dict__[name].__set__
            body.append(f"    _set_{name}(self, {name})")
    else:
        body = ["    self.__dict__.update(" + ", ".join(f"{name}={name}" for name in names) + ")"]
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params_text)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(source, space)  # our own text, built from the field names above
    generated = cls.__init__
    init = space["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = generated.__doc__
    init.__annotations__ = dict(generated.__annotations__)
    setattr(cls, "__init__", init)  # noqa: B010
    return cls


def _init_parameters(cls: type[Any], maker: str) -> tuple[list[str], list[str], dict[str, Any]]:
    """The fields an ``__init__`` of ``cls`` sets, its parameters' text (with defaults) and the
    namespace the defaults are read from; a field ``maker`` cannot set raises ``TypeError``."""
    names: list[str] = []
    params_text: list[str] = []
    space: dict[str, Any] = {}
    declared: dict[str, dataclasses.Field[Any]] = getattr(cls, "__dataclass_fields__")  # noqa: B009
    for f in declared.values():
        kind = f._field_type  # type: ignore[attr-defined]
        if kind is dataclasses._FIELD_CLASSVAR:  # type: ignore[attr-defined]
            continue  # not an instance field
        if (
            kind is not dataclasses._FIELD  # type: ignore[attr-defined]  # an InitVar
            or f.kw_only
            or f.default_factory is not dataclasses.MISSING
            or (not f.init and f.default is not dataclasses.MISSING)
        ):
            raise TypeError(f"{cls.__name__}: {maker} cannot set {f.name}")
        if not f.init:
            continue  # set by __post_init__
        names.append(f.name)
        if f.default is dataclasses.MISSING:
            params_text.append(f.name)
        else:
            space[f"_default_{f.name}"] = f.default
            params_text.append(f"{f.name}=_default_{f.name}")
    return names, params_text, space


def slot_maker(cls: type[_T], *, checked: bool = False) -> type[_T]:
    """A faster way to make a ``cls`` (a frozen dataclass with slots and no ``__post_init__``): called
    with ``cls``'s own arguments, it returns a ``cls``, equal, hashable and frozen like any other.
    ``checked=True`` allows a ``__post_init__``, which the maker does not run: for values the caller
    has checked by its rules (``Move``'s shorthands).

    A frozen class refuses attribute assignment (its ``__setattr__``), so its ``__init__`` must set
    each slot through a call (``quick_init``'s descriptor calls). The maker is a twin class with the
    same slots and no ``__setattr__`` of its own: its ``__init__`` assigns each slot at the speed of
    a plain assignment, then makes the object a ``cls`` (``__class__`` assignment, which the equal
    slot layout allows). The event log and the fills make one record per event with it."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or (hasattr(cls, "__post_init__") and not checked):
        raise TypeError(f"{cls.__name__}: slot_maker is for frozen dataclasses without __post_init__")
    names, arguments, space = _init_parameters(cls, "slot_maker")
    if tuple(names) != tuple(cls.__dict__.get("__slots__", ())):
        raise TypeError(f"{cls.__name__}: slot_maker needs a slot for each field, in order")
    space["_cls"] = cls
    body = "".join(f"    self.{name} = {name}\n" for name in names)
    exec(f"def __init__(self, {', '.join(arguments)}):\n{body}    self.__class__ = _cls\n", space)  # our own text
    twin = type(f"_{cls.__name__}Maker", (), {"__slots__": tuple(names), "__init__": space["__init__"]})
    return cast("type[_T]", twin)


def slot_batch(cls: type[_T], varying: tuple[str, ...]) -> Callable[[Mapping[str, Any], Iterable[Any]], list[_T]]:
    """Many ``cls`` at once, as ``slot_maker(cls, checked=True)`` makes one (no ``__post_init__``: the
    caller has checked the values): ``batch(fields, rows)`` makes one per row of ``rows``, in order,
    the fields named in ``varying`` from the row (in that order), every other from ``fields`` (which
    names them all). Each is assigned in the loop itself, with no call per object (``Move``'s
    shorthands that make many Moves at once)."""
    twin = slot_maker(cls, checked=True)
    names: tuple[str, ...] = twin.__dict__["__slots__"]
    if not set(varying) < set(names):
        raise TypeError(f"{cls.__name__}: slot_batch varies fields of {cls.__name__} only")
    fixed = "".join(f"    {name} = fields[{name!r}]\n" for name in names if name not in varying)
    stores = "".join(f"        made.{name} = {name}\n" for name in names)
    source = (
        f"def batch(fields, rows):\n{fixed}    out = []\n    append = out.append\n"
        f"    for {', '.join(varying)}, in rows:\n        made = _new(_twin)\n{stores}"
        "        made.__class__ = _cls\n        append(made)\n    return out\n"
    )
    space: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    exec(source, space)  # our own text, built from the field names
    return cast("Callable[[Mapping[str, Any], Iterable[Any]], list[_T]]", space["batch"])
