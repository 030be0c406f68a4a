"""Writing a ``GameFile`` as TOML text: ``dump_game``.

The canonical form, written by hand (TOML output is small and needs no dependency): every set field,
money as exact strings, fractions as percentages, cost models through ``fee_model_to_config`` /
``slippage_model_to_config``. ``parse_game`` of its output gives back an equal ``GameFile``.
Returns text; writing it to a file is the caller's (no I/O here).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from tradegame.domain.running_costs import EveryNDays, Monthly, OneOff, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.activator_config import ACTIVATOR
from tradegame.engine.costs import fee_model_to_config, slippage_model_to_config
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec, InitialPosition, TransferRule
from tradegame.engine.training_spec import training_items

if TYPE_CHECKING:
    from tradegame.engine.gamefile import GameFile

__all__ = ["dump_game"]

_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")


def dump_game(game: GameFile) -> str:
    """The TOML text of ``game``; ``parse_game(tomllib.loads(dump_game(game))) == game``.

    Raises ``TypeError`` for what TOML cannot hold: a custom fee or slippage model, or a model
    parameter that is not a TOML value (``None``, a ``Decimal``: pass it as a string).
    """
    spec = game.spec
    sections = [
        _game_section(spec),
        *(_data_section(data) for data in spec.data),
        *(_account_section(account) for account in spec.accounts),
        *(_transfer_section(rule) for rule in spec.transfers),
        *(_position_section(position) for position in spec.initial_positions),
        *_exit_sections(spec.exits),
        *(_running_cost_section(account, cost) for account, cost in spec.running_costs),
        *_tax_sections(spec.tax),
    ]
    if spec.fx_rates:
        sections.append(["[fx_rates]", *(_line(code, _exact(rate)) for code, rate in spec.fx_rates)])
    if game.model == ACTIVATOR:  # played by an Activator: its table as the file writes it
        sections.append(["[activator]", *(_line(key, value) for key, value in game.model_params.items())])
    else:
        sections.append(["[model]", _line("name", game.model)])
    if game.model_params and game.model != ACTIVATOR:
        sections.append(["[model.params]", *(_line(key, value) for key, value in game.model_params.items())])
    if spec.training is not None:
        sections.append(["[model.training]", *(_line(key, value) for key, value in training_items(spec.training))])
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _game_section(spec: GameSpec) -> list[str]:
    """``[game]``: when, how much, in what currency, on which Rounds."""
    lines = ["[game]", _line("name", spec.name), _line("start", spec.start)]
    optional_before: tuple[tuple[str, object], ...] = (
        ("end", spec.end),
        ("rounds", spec.rounds),
        ("schedule", spec.schedule),
        ("round_times", list(spec.round_times) or None),
        ("round_intervals", list(spec.round_intervals) or None),
        ("round_interval_days", None if spec.round_interval_days is None else _exact(spec.round_interval_days)),
        ("round_growth", None if spec.round_growth is None else _exact(spec.round_growth)),
    )
    lines += [_line(key, value) for key, value in optional_before if value is not None]
    lines += [
        _line("start_fund", _exact(spec.start_fund)),
        _line("currency", spec.currency),
        _line("seed", spec.seed),
        _line("fill_at", spec.fill_at),
    ]
    optional_after: tuple[tuple[str, object], ...] = (
        ("calendar", spec.calendar),
        ("symbols", list(spec.symbols) or None),
        ("asset_classes", [asset_class.value for asset_class in spec.asset_classes] or None),
        ("allow_extreme_costs", True if spec.allow_extreme_costs else None),
    )
    lines += [_line(key, value) for key, value in optional_after if value is not None]
    return lines


def _data_section(data: DataSpec) -> list[str]:
    lines = ["[[data]]", _line("dataset", data.dataset)]
    if data.content_hash is not None:
        lines.append(_line("hash", data.content_hash))
    if data.symbols is not None:
        lines.append(_line("symbols", list(data.symbols)))
    return lines


def _account_section(account: AccountSpec) -> list[str]:
    lines = [
        "[[accounts]]",
        _line("name", account.name),
        _line("venue", account.venue),
        _line("currency", account.currency),
        _line("lot_method", account.lot_method.value),
    ]
    if account.volume_cap is not None:
        lines.append(_line("volume_cap", _percent(account.volume_cap)))
    if account.symbols:
        lines.append(_line("symbols", list(account.symbols)))
    lines.append(_line("fees", fee_model_to_config(account.fees)))
    lines.append(_line("slippage", slippage_model_to_config(account.slippage)))
    return lines


def _transfer_section(rule: TransferRule) -> list[str]:
    return [
        "[[transfers]]",
        _line("source", rule.source),
        _line("target", rule.target),
        _line("fee", _exact(rule.fee)),
        _line("delay_rounds", rule.delay_rounds),
    ]


def _position_section(position: InitialPosition) -> list[str]:
    return [
        "[[initial_positions]]",
        _line("symbol", position.symbol),
        _line("quantity", _exact(position.quantity)),
        _line("cost_basis", _exact(position.cost_basis)),
        _line("acquired", position.acquired),
        _line("account", position.account),
    ]


def _exit_sections(exits: ExitRules) -> list[list[str]]:
    exit_lines = [
        _line(key, value)
        for key, value in (
            ("min_value", _percent(exits.min_value_fraction)),
            ("max_drawdown", _percent(exits.max_drawdown)),
            ("max_losing_rounds", exits.max_losing_rounds),
            ("target_return", _percent(exits.target_return)),
        )
        if value is not None
    ]
    return [["[exits]", *exit_lines]] if exit_lines else []


def _running_cost_section(account_name: str, cost: RunningCost) -> list[str]:
    lines = [
        "[[running_costs]]",
        _line("name", cost.name),
        _line("account", account_name),
        _line("amount", _exact(cost.amount.amount)),
        _line("currency", cost.amount.currency.code),
    ]
    schedule = cost.schedule
    if isinstance(schedule, OneOff):
        lines += [_line("schedule", "once"), _line("on", schedule.on)]
    elif isinstance(schedule, EveryNDays):
        lines += [_line("schedule", "every_n_days"), _line("days", schedule.days), _line("anchor", schedule.anchor)]
    else:
        kind = "monthly" if isinstance(schedule, Monthly) else "yearly"
        lines += [_line("schedule", kind), _line("anchor", schedule.anchor)]
    return lines


def _tax_sections(tax: TaxProfile | None) -> list[list[str]]:
    if tax is None:
        return []
    sections = [
        [
            "[tax]",
            _line("short_term", _percent(tax.rates.short_term)),
            _line("long_term", _percent(tax.rates.long_term)),
            _line("loss_deduction_limit", _exact(tax.loss_deduction_limit)),
            _line("currency", tax.currency.code),
        ]
    ]
    for year in sorted(tax.year_overrides):
        rates = tax.year_overrides[year]
        sections.append(
            [
                f"[tax.years.{year}]",
                _line("short_term", _percent(rates.short_term)),
                _line("long_term", _percent(rates.long_term)),
            ]
        )
    return sections


def _exact(number: Decimal) -> str:
    """A Decimal as plain text without an exponent (``1E+5`` -> ``100000``), all digits kept."""
    return format(number, "f")


def _percent(fraction: Decimal | None) -> str | None:
    if fraction is None:
        return None
    text = format(fraction * 100, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _line(key: str, value: object) -> str:
    return f"{_key(key)} = {_value(value)}"


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    escaped: list[str] = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif char == "\n":
            escaped.append("\\n")
        elif char == "\t":
            escaped.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _value(value: object) -> str:
    """A TOML value (strings, numbers, dates and times, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(str(key))} = {_value(item)}" for key, item in value.items()) + " }"
    raise TypeError(f"{type(value).__name__} {value!r} has no TOML form (use a string, number, date, list or table)")
