"""Option values a command reads without pydantic: an option left out, a plain ``str`` or ``Path``.

Typer (0.29 on) coerces every parameter through a pydantic ``TypeAdapter`` it builds the first
time the parameter is read, given or not; importing pydantic for that is about a tenth of a
second of a fresh ``tradegame play``. ``install`` gives every Typer parameter of the process a
coercion that answers the plain cases the way Typer does (None stays None; a choice's default is
itself; a ``str`` is the string; a ``Path`` passes Typer's own path checks, then becomes a
``Path``) and hands every other value to Typer's own, built only then. With a Typer without
that machinery it changes nothing.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, cast

import typer.core
from typer._click.core import Context

__all__ = ["install"]


class _PlainCoercion:
    """Typer's ``RuntimeParam.coerce`` for one parameter, without pydantic where none is needed."""

    __slots__ = ("_descriptor", "_typer")

    def __init__(self, descriptor: Any) -> None:
        self._descriptor = descriptor
        self._typer: Any = None  # Typer's own coercion, built the first time it is needed

    def coerce(self, value: Any, param: Any, ctx: Context) -> Any:
        single = not param.multiple and param.nargs == 1
        if value is None and single:
            return None
        descriptor, annotation = self._descriptor, self._descriptor.annotation
        info = descriptor.parameter_info
        plain = single and descriptor.file_annotation is None and info.parser is None
        if plain and isinstance(annotation, type) and issubclass(annotation, Enum) and isinstance(value, annotation):
            return value  # a choice's default
        if plain and isinstance(value, str) and not descriptor.is_choice and getattr(info, "click_type", None) is None:
            if annotation is str:
                return value
            if annotation is Path and info.path_type is None:
                from typer._param_types import coerce_cli_path

                return Path(cast(str, coerce_cli_path(value, info, path_type=None, param=param, ctx=ctx)))
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(descriptor)
        return self._typer.coerce(value, param=param, ctx=ctx)


def install() -> None:
    """Make each Typer parameter coerce through ``_PlainCoercion`` (once per process)."""
    parameter = getattr(typer.core, "_TyperParameter", None)
    if parameter is None or not hasattr(parameter, "get_runtime_param") or getattr(parameter, "_plain", False):
        return  # a Typer without the pydantic coercion, or installed already

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            self._runtime_param = _PlainCoercion(self.type_descriptor)
        return self._runtime_param

    parameter.get_runtime_param = get_runtime_param
    parameter._plain = True
