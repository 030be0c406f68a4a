"""A Model's parameters, read from its constructor, and a Game file's ``[model.params]`` checked against them.

``model_params(constructor)`` lists the keyword parameters with their type hints (resolved with
``typing.get_type_hints``) and defaults; ``check_params`` compares a parameter table with them and
returns the keyword arguments to build the Model with, plus one problem line per bad parameter
(``model.params.period: must be int, got 'x' (str)``), so that every problem is reported at once
and before anything is stored.

What a hint accepts from TOML: ``int`` an integer (never a bool); ``float`` a number (an integer
becomes a float); ``Decimal`` a Decimal, an integer, a numeric string or a float (through its
repr, as written); ``str``, ``bool``, ``date`` themselves; ``list[X]``, ``Sequence[X]``,
``tuple[X, ...]`` an array whose items fit ``X``; ``dict``/``Mapping`` a table; ``Literal[...]``
one of its values; a union (``X | None``, ``Optional[X]``) a value that fits one member, tried
as given first. A parameter without a hint, or with a hint of another kind, takes any value.

Standard library and the engine's ``InvalidGameError`` only.
"""

from __future__ import annotations

import collections.abc
import difflib
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Union, get_args, get_origin

__all__ = ["Param", "check_params", "model_params", "type_text"]

_EMPTY: Any = inspect.Parameter.empty
_SEQUENCES = (
    list,
    tuple,
    collections.abc.Sequence,
    collections.abc.Iterable,
    collections.abc.Collection,
    set,
    frozenset,
)
_MAPPINGS = (dict, collections.abc.Mapping)


@dataclass(frozen=True)
class Param:
    """One keyword parameter of a Model's constructor: its name, type hint and default."""

    name: str
    hint: Any = _EMPTY  # the resolved type hint, or ``inspect.Parameter.empty``
    default: Any = _EMPTY  # ``inspect.Parameter.empty`` when the parameter is required

    @property
    def required(self) -> bool:
        return self.default is _EMPTY

    @property
    def type(self) -> str:
        """The hint as text, e.g. ``Decimal | int | float | str``; empty without a hint."""
        return type_text(self.hint)


def model_params(constructor: Callable[..., object]) -> tuple[tuple[Param, ...], bool]:
    """The keyword parameters of ``constructor`` (a class or a factory), and whether it takes ``**kwargs``."""
    signature = inspect.signature(constructor)
    hints = _hints(constructor)
    params = tuple(
        Param(p.name, hints.get(p.name, _EMPTY), p.default)
        for p in signature.parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    )
    extra = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    return params, extra


def _hints(constructor: Callable[..., object]) -> dict[str, Any]:
    # A hint that cannot be resolved (a name the module does not define) is no hint: the
    # parameter is then not type-checked rather than the Model refused.
    targets: list[object] = [constructor.__init__, constructor] if inspect.isclass(constructor) else [constructor]
    for target in targets:
        try:
            return typing.get_type_hints(target)
        except Exception:  # any failure means: no usable hints here
            continue
    return {}


def check_params(
    label: str, constructor: Callable[..., object], params: Mapping[str, object]
) -> tuple[dict[str, object], list[str]]:
    """The keyword arguments to build ``label``'s Model with, and one problem line per bad parameter.

    ``label`` names the Model in the messages (``my_rsi.py:RsiReversion``).
    """
    accepted, extra = model_params(constructor)
    by_name = {p.name: p for p in accepted}
    problems: list[str] = []
    kwargs: dict[str, object] = {}
    for key, value in params.items():
        param = by_name.get(key)
        if param is None:
            if extra:
                kwargs[key] = value
                continue
            close = difflib.get_close_matches(key, list(by_name), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            takes = ", ".join(by_name) or "no parameters"
            problems.append(f"model.params.{key}: unknown parameter {key!r} of {label}{hint}; it takes {takes}")
            continue
        try:
            kwargs[key] = _fit(value, param.hint)
        except _MismatchError:
            problems.append(f"model.params.{key}: {label} takes {param.type}, got {value!r} ({type(value).__name__})")
    missing = [p for p in accepted if p.required and p.name not in params]
    if missing:
        names = ", ".join(f"{p.name} ({p.type})" if p.type else p.name for p in missing)
        problems.append(f"model.params: missing parameter(s) {names} of {label}")
    return kwargs, problems


class _MismatchError(Exception):
    """A value that does not fit a hint."""


def _fit(value: object, hint: Any) -> object:
    """``value`` as ``hint`` wants it (converted where that is exact), or ``_MismatchError``."""
    if hint is _EMPTY or hint is Any or hint is object:
        return value
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        members = get_args(hint)
        for member in members:  # a value that is one of the members as given stays as it is
            if isinstance(member, type) and get_origin(member) is None and _is(value, member):
                return value
        for member in members:
            try:
                return _fit(value, member)
            except _MismatchError:
                continue
        raise _MismatchError
    if origin is Literal:
        if any(type(value) is type(choice) and value == choice for choice in get_args(hint)):
            return value
        raise _MismatchError
    if origin in _SEQUENCES:
        return _fit_sequence(value, hint, origin)
    if origin in _MAPPINGS:
        if not isinstance(value, Mapping):
            raise _MismatchError
        args = get_args(hint)
        value_hint = args[1] if len(args) == 2 else _EMPTY
        return {key: _fit(item, value_hint) for key, item in value.items()}
    if hint is type(None):
        if value is None:
            return value
        raise _MismatchError
    if hint is float and _is(value, int):
        return float(value)  # type: ignore[arg-type]
    if hint is Decimal:
        return _decimal(value)
    if isinstance(hint, type):
        if _is(value, hint):
            return value
        raise _MismatchError
    return value  # a hint of another kind (a TypeVar, a Protocol alias...): not checked


def _is(value: object, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind in (int, float) and isinstance(value, bool):
        return False
    return isinstance(value, kind)


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise _MismatchError
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise _MismatchError from None
    if not number.is_finite():
        raise _MismatchError
    return number


def _fit_sequence(value: object, hint: Any, origin: Any) -> object:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise _MismatchError
    args = get_args(hint)
    if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        if len(args) != len(value):
            raise _MismatchError
        return tuple(_fit(item, item_hint) for item, item_hint in zip(value, args, strict=True))
    item_hint = args[0] if args else _EMPTY
    items = [_fit(item, item_hint) for item in value]
    if origin is tuple:
        return tuple(items)
    if origin in (set, frozenset):
        return origin(items)
    return items


def type_text(hint: Any) -> str:
    """A type hint as a reader writes it: ``int``, ``list[str]``, ``Decimal | None``; empty for no hint."""
    if hint is _EMPTY:
        return ""
    if hint is type(None) or hint is None:
        return "None"
    if hint is Ellipsis:
        return "..."
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        return " | ".join(type_text(member) for member in get_args(hint))
    if origin is Literal:
        return " | ".join(repr(choice) for choice in get_args(hint))
    if origin is not None:
        args = get_args(hint)
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(type_text(arg) for arg in args)}]" if args else name
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")
