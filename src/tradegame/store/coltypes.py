"""Column types that keep money exact and time in UTC on every backend.

``ExactDecimal`` stores a ``Decimal`` so that it reads back with every digit: as ``NUMERIC``
without precision or scale on PostgreSQL (which keeps the scale it is given: ``1.10`` stays
``1.10``) and as its ``str()`` in a ``TEXT`` column on SQLite (whose ``NUMERIC`` affinity would
turn it into a float). A float, NaN or infinity is refused: floats never enter the books.
Two normalisations remain on PostgreSQL, both to an equal number with the same digits: a
positive exponent (``Decimal("1E+2")``) reads back as ``Decimal("100")``, and a negative zero
(``Decimal("-0.00")``) as ``Decimal("0.00")``.

``UtcDateTime`` takes timezone-aware datetimes only and gives them back in UTC: ``timestamptz``
on PostgreSQL; on SQLite, which has no time zones, the naive UTC time is stored and UTC is
attached again when reading. Precision is the microsecond on both.

``JsonValue`` is ``JSONB`` on PostgreSQL and ``JSON`` elsewhere.

Imports SQLAlchemy and ``tradegame.domain`` only; SQLAlchemy's PostgreSQL dialect (about a tenth
of a second to import) only once a PostgreSQL connection needs its types.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from tradegame.domain.errors import InvalidAmountError, InvalidInputError

__all__ = ["ExactDecimal", "JsonValue", "UtcDateTime"]


class ExactDecimal(TypeDecorator[Decimal]):
    """A ``Decimal`` that round-trips exactly: ``NUMERIC`` on PostgreSQL, text elsewhere."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            return dialect.type_descriptor(postgresql.NUMERIC(asdecimal=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InvalidAmountError(f"an exact, finite Decimal is needed to store an amount, got {value!r}")
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored and read back in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInputError(f"a timezone-aware datetime is needed, got {value!r}")
        utc = value.astimezone(UTC)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


class JsonValue(TypeDecorator[Any]):
    """A JSON document: ``JSONB`` on PostgreSQL, ``JSON`` elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            return dialect.type_descriptor(postgresql.JSONB())
        return dialect.type_descriptor(JSON())
