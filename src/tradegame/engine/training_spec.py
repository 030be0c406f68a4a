"""How a trainable Model is trained, as a Game parameter: ``TrainingSpec`` (a Game file's
``[model.training]`` table) and the spans it is written in.

* ``length`` (L): how much history each fit gets, ending at the cut-off: ``"2y"``, ``"6m"``,
  ``"8w"``, ``"90d"`` (calendar years, months, weeks, days) or ``"250s"`` / ``250`` (sessions:
  rows of the Game's data); ``"all"`` for everything up to the cut-off.
* ``cutoff`` (c): what is left out before the Round: ``"5d"`` (rows known by the Round's time
  minus 5 calendar days), ``"5s"`` / ``5`` (the last 5 rows known at the Round dropped), ``0``.
* ``every``: when a new version is trained: a number of Rounds (``21``), or on the first Round
  of a new ``"weekly"`` (ISO week), ``"monthly"``, ``"quarterly"`` or ``"yearly"`` period, or
  ``"never"`` (the first fit stays until it expires).
* ``cost_per_fit``: each call of ``fit`` is booked as a running cost of ``account`` (default the
  first), in its currency, named ``Expenses:RunningCosts:model-training``.
* ``expire_below`` and ``expire_months`` (K): a version whose monthly out-of-sample return was
  below ``expire_below`` for each of its last K finished months is retired and a new one trained
  at once (engine/training.py).

Standard library and the domain only: the Game file reader (no pandas) and ``spec.py`` import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from tradegame.domain.limits import amount_problem

__all__ = [
    "EVERY_WORDS",
    "TRAINING_COST_NAME",
    "TRAINING_KEYS",
    "Span",
    "TrainingSpec",
    "parse_every",
    "parse_span",
    "training_items",
]

SpanUnit = Literal["s", "d", "w", "m", "y"]
Every = int | Literal["weekly", "monthly", "quarterly", "yearly", "never"]

TRAINING_KEYS: Final = ("length", "cutoff", "every", "cost_per_fit", "account", "expire_below", "expire_months")
EVERY_WORDS: Final = ("weekly", "monthly", "quarterly", "yearly", "never")
TRAINING_COST_NAME: Final = "model-training"  # Expenses:RunningCosts:model-training
_UNITS: Final = {"s": "session", "d": "day", "w": "week", "m": "month", "y": "year"}
_SPAN: Final = re.compile(r"^\s*(\d+)\s*([sdwmy])\s*$")
_SPAN_EXPECTED: Final = 'a span such as "2y", "6m", "8w", "30d" or "250s" (sessions)'


@dataclass(frozen=True, slots=True)
class Span:
    """A count of sessions (``s``: rows of the data) or of calendar days, weeks, months or years."""

    count: int
    unit: SpanUnit

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    @property
    def sessions(self) -> bool:
        return self.unit == "s"

    def describe(self) -> str:
        """``2 years``, ``1 session``."""
        noun = _UNITS[self.unit]
        return f"{self.count} {noun}{'' if self.count == 1 else 's'}"


def parse_span(value: object, *, allow_all: bool = False) -> Span | None:
    """A Game file's span (``"2y"``, ``"30d"``, ``"250s"``, or a whole number of sessions); None
    for ``"all"`` when ``allow_all``. Raises ``ValueError`` saying what was expected."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Span(value, "s")
    if isinstance(value, str):
        if allow_all and value.strip() == "all":
            return None
        match = _SPAN.match(value)
        if match is not None:
            return Span(int(match.group(1)), match.group(2))  # type: ignore[arg-type]
    expected = _SPAN_EXPECTED + (' or "all"' if allow_all else "")
    raise ValueError(f"must be {expected}, got {value!r}")


def parse_every(value: object) -> Every:
    """A retraining period: a whole number of Rounds or one of ``EVERY_WORDS``; ``ValueError`` else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value in EVERY_WORDS:
        return value  # type: ignore[return-value]
    raise ValueError(f"must be a number of Rounds such as 21, or one of {', '.join(EVERY_WORDS)}, got {value!r}")


@dataclass(frozen=True)
class TrainingSpec:
    """How the Game trains its Model (see the module docstring); ``length=None`` is all history."""

    length: Span | None = Span(2, "y")
    cutoff: Span = Span(0, "s")
    every: Every = "monthly"
    cost_per_fit: Decimal | None = None
    account: str | None = None  # who pays cost_per_fit (default: the first account)
    expire_below: Decimal | None = None  # a monthly return, e.g. Decimal("-0.02")
    expire_months: int | None = None  # K (default 1 when expire_below is set)

    @property
    def expiry_months(self) -> int:
        """K: how many finished months in a row below ``expire_below`` retire a version."""
        return 1 if self.expire_months is None else self.expire_months

    def problems(self, accounts: tuple[str, ...]) -> list[str]:
        """Every problem, each naming its field (``training.length: ...``)."""
        out: list[str] = []
        if self.length is not None and (not isinstance(self.length, Span) or self.length.count < 1):
            out.append(f"training.length: must be at least 1 session, day, week, month or year, got {self.length}")
        if not isinstance(self.cutoff, Span) or self.cutoff.count < 0:
            out.append(f"training.cutoff: must not be negative, got {self.cutoff}")
        if isinstance(self.every, int) and self.every < 1:
            out.append(f"training.every: must be at least 1 Round, got {self.every}")
        elif not isinstance(self.every, int) and self.every not in EVERY_WORDS:
            out.append(f"training.every: must be a number of Rounds or one of {', '.join(EVERY_WORDS)}")
        out += self._cost_problems(accounts)
        if self.expire_months is not None and self.expire_months < 1:
            out.append(f"training.expire_months: must be at least 1, got {self.expire_months}")
        if self.expire_months is not None and self.expire_below is None:
            out.append("training.expire_months: needs expire_below, the monthly return a version must stay above")
        if self.expire_below is not None and not Decimal(-1) < self.expire_below < Decimal(1):
            out.append(f"training.expire_below: must be a monthly return within (-100%, 100%), got {self.expire_below}")
        return out

    def _cost_problems(self, accounts: tuple[str, ...]) -> list[str]:
        out: list[str] = []
        cost = self.cost_per_fit
        if cost is not None:
            if not isinstance(cost, Decimal) or not cost.is_finite() or cost <= 0:
                out.append(f"training.cost_per_fit: must be a positive amount, got {str(cost)[:40]}")
            else:
                problem = amount_problem(cost)
                if problem is not None:
                    out.append(f"training.cost_per_fit: {problem}")
        if self.account is not None:
            if self.account not in accounts:
                out.append(f"training.account: no account {self.account!r}")
            if cost is None:
                out.append("training.account: only used with cost_per_fit")
        return out


def training_items(spec: TrainingSpec) -> list[tuple[str, object]]:
    """The ``[model.training]`` keys and values of ``spec`` as a Game file writes them (set ones only)."""
    items: list[tuple[str, object]] = [
        ("length", "all" if spec.length is None else str(spec.length)),
        ("cutoff", str(spec.cutoff)),
        ("every", spec.every),
    ]
    optional: tuple[tuple[str, object], ...] = (
        ("cost_per_fit", None if spec.cost_per_fit is None else format(spec.cost_per_fit, "f")),
        ("account", spec.account),
        ("expire_below", None if spec.expire_below is None else format(spec.expire_below, "f")),
        ("expire_months", spec.expire_months),
    )
    return items + [(key, value) for key, value in optional if value is not None]
