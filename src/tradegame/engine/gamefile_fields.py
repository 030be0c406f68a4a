"""The Game file reader: walks a parsed TOML document table by table, building the ``GameSpec``
and recording every problem on the way (see ``engine/gamefile.py`` for the format).

Internal to ``engine/gamefile.py``; no file I/O (``io/gamefile.py`` reads the files).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import LotMethod
from tradegame.domain.limits import amount_problem
from tradegame.domain.money import Money
from tradegame.domain.running_costs import EveryNDays, Monthly, OneOff, RunningCost, Yearly
from tradegame.domain.tax import TaxProfile, TaxRates
from tradegame.engine.activator_config import ACTIVATOR, read_activator
from tradegame.engine.costs import fee_model_from_config, slippage_model_from_config
from tradegame.engine.gamefile_training import TableReading, read_training
from tradegame.engine.gamefile_values import (
    ACCOUNT_KEYS,
    COST_SCHEDULES,
    DATA_KEYS,
    EXIT_KEYS,
    GAME_KEYS,
    MODEL_KEYS,
    POSITION_KEYS,
    RUNNING_COST_KEYS,
    TAX_KEYS,
    TAX_YEAR_KEYS,
    TOP_KEYS,
    TRANSFER_KEYS,
    BadValueError,
    currency_for,
    join_path,
    list_of,
    one_of,
    show_value,
    to_amount,
    to_asset_classes,
    to_boolean,
    to_code,
    to_day,
    to_days,
    to_factor,
    to_fill_at,
    to_fraction,
    to_instant,
    to_integer,
    to_lot_method,
    to_non_negative,
    to_params,
    to_rate,
    to_schedule,
    to_text,
    to_texts,
)
from tradegame.engine.spec import (
    AccountSpec,
    DataSpec,
    ExitRules,
    FillAt,
    GameSpec,
    InitialPosition,
    Schedule,
    TransferRule,
)

__all__ = ["FieldReader"]

T = TypeVar("T")


class FieldReader(TableReading):
    """Walks a TOML document, building the Game and recording every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.reported: set[str] = set()
        self.spec: GameSpec | None = None

    def report(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")
        self.reported.add(where)

    # -- shapes --------------------------------------------------------------------------

    def tables(self, value: object, path: str, allowed: Sequence[str]) -> list[tuple[str, Mapping[str, object]]]:
        """An array of tables (``[[path]]``) as ``(path[i], table)`` pairs; bad entries are reported."""
        if not isinstance(value, list):
            self.report(path, f"must be an array of tables ([[{path}]]), got {show_value(value)}")
            return []
        out: list[tuple[str, Mapping[str, object]]] = []
        for index, entry in enumerate(value):
            where = f"{path}[{index}]"
            checked = self.table(entry, where, allowed)
            if checked is not None:
                out.append((where, checked))
        return out

    def required(self, table: Mapping[str, object], key: str, path: str, convert: Callable[[object], T]) -> T | None:
        if key not in table:
            self.report(join_path(path, key), "missing")
            return None
        return self.optional(table, key, path, convert, None)

    # -- the document --------------------------------------------------------------------

    def game_file(self, document: object) -> tuple[str, dict[str, object]] | None:
        """Read ``document`` into ``self.spec``; returns the Model's name and parameters, if readable."""
        top = self.table(document, "", TOP_KEYS)
        if top is None:
            return None
        # A missing [game] reads as an empty one, so each missing required key is named.
        game = self.table(top["game"], "game", GAME_KEYS) if "game" in top else {}
        self.spec = self.game_spec(top, game)
        model = self.model(top)
        training = top.get("model")
        if self.spec is not None and isinstance(training, Mapping) and "training" in training:
            self.spec = replace(self.spec, training=read_training(self, training["training"], self.spec))
        return model

    def game_spec(self, top: Mapping[str, object], game: Mapping[str, object] | None) -> GameSpec | None:
        """The ``GameSpec`` of a document: its ``[game]`` table, then its other sections (problems are
        reported in that order); ``None`` without a readable start."""
        fields = self.game_table(game)
        sections = self.sections(top, fields["currency"], fields["start"])
        if fields["start"] is None:
            return None  # nothing for GameSpec.problems() and the data to check the rest against
        if fields["name"] is None:  # placeholders for reported fields (GameDraft)
            fields["name"] = "?"
        if fields["start_fund"] is None:
            fields["start_fund"] = Decimal(1)
        return GameSpec(**fields, **sections)

    def game_table(self, game: Mapping[str, object] | None) -> dict[str, Any]:
        """The ``[game]`` table's fields, named as ``GameSpec``'s (``None`` for a required one that is
        missing or bad, or all of them when there is no ``[game]``)."""
        path = "game"
        table = game or {}
        name = self.required(table, "name", path, to_text) if game is not None else None
        start = self.required(table, "start", path, to_day) if game is not None else None
        start_fund = self.required(table, "start_fund", path, to_amount) if game is not None else None
        currency = self.optional(table, "currency", path, to_code, "USD")
        fields: dict[str, Any] = {
            "name": name,
            "start": start,
            "start_fund": start_fund,
            "currency": currency,
            "end": self.optional(table, "end", path, to_day, None),
            "rounds": self.optional(table, "rounds", path, to_integer, None),
            "round_times": self.optional(table, "round_times", path, list_of(to_instant), ()),
            "round_intervals": self.optional(table, "round_intervals", path, list_of(to_integer), ()),
            "round_interval_days": self.optional(table, "round_interval_days", path, to_days, None),
            "round_growth": self.optional(table, "round_growth", path, to_factor, None),
        }
        # An irregular schedule means no default one; one with a bad value (reported) does not count,
        # so its problem is not followed by a second one about the missing schedule.
        irregular = [key for key in ("round_times", "round_intervals", "round_interval_days") if key in table]
        given = any(join_path(path, key) not in self.reported for key in irregular)
        regular: Schedule | None = None if given else "daily"
        fill_at: FillAt = "next_open"
        fields.update(
            schedule=self.optional(table, "schedule", path, to_schedule, regular),
            calendar=self.optional(table, "calendar", path, to_text, None),
            asset_classes=self.optional(table, "asset_classes", path, to_asset_classes, ()),
            symbols=self.optional(table, "symbols", path, to_texts, ()),
            seed=self.optional(table, "seed", path, to_integer, 0),
            fill_at=self.optional(table, "fill_at", path, to_fill_at, fill_at),
            allow_extreme_costs=self.optional(table, "allow_extreme_costs", path, to_boolean, False),
        )
        if start_fund is not None:
            problem = amount_problem(start_fund, currency_for(currency).minor_units, currency)
            if problem is not None:
                self.report("game.start_fund", problem)
                fields["start_fund"] = None
        return fields

    def sections(self, top: Mapping[str, object], currency: str, start: date | None) -> dict[str, Any]:
        """The document's sections beside ``[game]``, as ``GameSpec``'s fields (bad entries reported, left out)."""
        accounts = self.accounts(top, currency)
        first_account = accounts[0].name if accounts else "main"
        data = [self.data_spec(where, entry) for where, entry in self.tables(top.get("data", []), "data", DATA_KEYS)]
        transfers = [
            self.transfer(where, entry)
            for where, entry in self.tables(top.get("transfers", []), "transfers", TRANSFER_KEYS)
        ]
        positions = [
            self.position(where, entry, first_account)
            for where, entry in self.tables(top.get("initial_positions", []), "initial_positions", POSITION_KEYS)
        ]
        exits = self.exits(top["exits"]) if "exits" in top else ExitRules()
        running_costs = self.running_costs(top, accounts, currency, start)
        return {
            "accounts": accounts,
            "data": tuple(spec for spec in data if spec is not None),
            "transfers": tuple(rule for rule in transfers if rule is not None),
            "initial_positions": tuple(position for position in positions if position is not None),
            "exits": exits,
            "running_costs": running_costs,
            "tax": self.tax(top["tax"], currency) if "tax" in top else None,
            "fx_rates": self.fx_rates(top["fx_rates"]) if "fx_rates" in top else (),
        }

    def data_spec(self, where: str, entry: Mapping[str, object]) -> DataSpec | None:
        dataset = self.required(entry, "dataset", where, to_text)
        content_hash = self.optional(entry, "hash", where, to_text, None)
        symbols = self.optional(entry, "symbols", where, to_texts, None)
        return None if dataset is None else DataSpec(dataset, content_hash, symbols)

    def accounts(self, top: Mapping[str, object], game_currency: str) -> tuple[AccountSpec, ...]:
        if "accounts" not in top:
            return (AccountSpec("main", currency=game_currency),)
        accounts: list[AccountSpec] = []
        for where, entry in self.tables(top["accounts"], "accounts", ACCOUNT_KEYS):
            name = self.required(entry, "name", where, to_text)
            if name is None:
                continue
            account = AccountSpec(
                name,
                venue=self.optional(entry, "venue", where, to_text, "sim"),
                currency=self.optional(entry, "currency", where, to_code, game_currency),
                lot_method=self.optional(entry, "lot_method", where, to_lot_method, LotMethod.FIFO),
                volume_cap=self.optional(entry, "volume_cap", where, to_fraction, None),
                symbols=self.optional(entry, "symbols", where, to_texts, ()),
            )
            if "fees" in entry:
                fees = self.cost_model(entry["fees"], f"{where}.fees", fee_model_from_config)
                account = account if fees is None else replace(account, fees=fees)
            if "slippage" in entry:
                slippage = self.cost_model(entry["slippage"], f"{where}.slippage", slippage_model_from_config)
                account = account if slippage is None else replace(account, slippage=slippage)
            accounts.append(account)
        return tuple(accounts)

    def cost_model(self, config: object, where: str, build: Callable[[Mapping[str, object], str], T]) -> T | None:
        if not isinstance(config, Mapping):
            self.report(where, f"must be a table with a 'model' key, got {show_value(config)}")
            return None
        try:
            return build(config, where)
        except InvalidInputError as error:
            # The cost parsers' messages start with the field's full path already.
            field_path, _, problem = str(error).partition(": ")
            self.report(field_path, problem)
            return None

    def transfer(self, where: str, entry: Mapping[str, object]) -> TransferRule | None:
        source = self.required(entry, "source", where, to_text)
        target = self.required(entry, "target", where, to_text)
        fee = self.optional(entry, "fee", where, to_amount, Decimal(0))
        delay = self.optional(entry, "delay_rounds", where, to_integer, 0)
        if source is None or target is None:
            return None
        return TransferRule(source, target, fee, delay)

    def position(self, where: str, entry: Mapping[str, object], first_account: str) -> InitialPosition | None:
        symbol = self.required(entry, "symbol", where, to_text)
        quantity = self.required(entry, "quantity", where, to_amount)
        cost_basis = self.required(entry, "cost_basis", where, to_amount)
        acquired = self.required(entry, "acquired", where, to_day)
        account = self.optional(entry, "account", where, to_text, first_account)
        if symbol is None or quantity is None or cost_basis is None or acquired is None:
            return None
        return InitialPosition(symbol, quantity, cost_basis, acquired, account)

    def exits(self, value: object) -> ExitRules:
        table = self.table(value, "exits", EXIT_KEYS)
        if table is None:
            return ExitRules()
        return ExitRules(
            min_value_fraction=self.optional(table, "min_value", "exits", to_fraction, None),
            max_drawdown=self.optional(table, "max_drawdown", "exits", to_fraction, None),
            max_losing_rounds=self.optional(table, "max_losing_rounds", "exits", to_integer, None),
            target_return=self.optional(table, "target_return", "exits", to_fraction, None),
        )

    def running_costs(
        self, top: Mapping[str, object], accounts: Sequence[AccountSpec], game_currency: str, start: date | None
    ) -> tuple[tuple[str, RunningCost], ...]:
        currencies = {account.name: account.currency for account in accounts}
        first_account = accounts[0].name if accounts else "main"
        out: list[tuple[str, RunningCost]] = []
        for where, entry in self.tables(top.get("running_costs", []), "running_costs", RUNNING_COST_KEYS):
            name = self.required(entry, "name", where, to_text)
            account = self.optional(entry, "account", where, to_text, first_account)
            code = self.optional(entry, "currency", where, to_code, currencies.get(account, game_currency))
            amount = self.required(entry, "amount", where, to_amount)
            schedule = self.cost_schedule(where, entry, start)
            if name is not None and (not name or ":" in name or any(c.isspace() for c in name)):
                self.report(f"{where}.name", f"must be non-empty, without spaces or ':', got {name!r}")
                name = None
            money: Money | None = None
            if amount is not None:
                currency = currency_for(code)
                if amount <= 0 or currency.round(amount) != amount:
                    shown = show_value(entry["amount"])
                    self.report(f"{where}.amount", f"must be positive, in whole {code} minor units, got {shown}")
                else:
                    money = Money(amount, currency)
            if name is None or money is None or schedule is None:
                continue
            try:
                out.append((account, RunningCost(name, money, schedule)))
            except InvalidInputError as error:
                self.report(where, str(error))
        return tuple(out)

    def cost_schedule(
        self, where: str, entry: Mapping[str, object], start: date | None
    ) -> Monthly | Yearly | EveryNDays | OneOff | None:
        kind = self.required(entry, "schedule", where, one_of({name: name for name in COST_SCHEDULES}))
        if kind is None:
            return None
        uses = {"monthly": ("anchor",), "yearly": ("anchor",), "every_n_days": ("anchor", "days"), "once": ("on",)}
        for key in ("anchor", "days", "on"):
            if key in entry and key not in uses[kind]:
                users = " or ".join(repr(name) for name, keys in uses.items() if key in keys)
                self.report(f"{where}.{key}", f"only used with schedule = {users}, not {kind!r}")
        if kind == "once":
            on = self.required(entry, "on", where, to_day)
            return None if on is None else OneOff(on)
        anchor = self.optional(entry, "anchor", where, to_day, start)
        if kind == "every_n_days":
            days = self.required(entry, "days", where, to_integer)
            if days is not None and days < 1:
                self.report(f"{where}.days", f"must be at least 1, got {days}")
                days = None
            return None if anchor is None or days is None else EveryNDays(anchor, days)
        if anchor is None:
            return None
        return Monthly(anchor) if kind == "monthly" else Yearly(anchor)

    def tax(self, value: object, game_currency: str) -> TaxProfile | None:
        table = self.table(value, "tax", TAX_KEYS)
        if table is None:
            return None
        short_term = self.required(table, "short_term", "tax", to_rate)
        long_term = self.required(table, "long_term", "tax", to_rate)
        limit = self.optional(table, "loss_deduction_limit", "tax", to_non_negative, Decimal(3000))
        code = self.optional(table, "currency", "tax", to_code, game_currency)
        overrides: dict[int, TaxRates] = {}
        years = table.get("years", {})
        if not isinstance(years, Mapping):
            self.report("tax.years", f"must be a table of [tax.years.YYYY] tables, got {show_value(years)}")
            years = {}
        for key, year_value in years.items():
            where = f"tax.years.{key}"
            if not str(key).isdigit() or len(str(key)) != 4:
                self.report(where, "must be a year such as 2008")
                continue
            year_table = self.table(year_value, where, TAX_YEAR_KEYS)
            if year_table is None:
                continue
            year_short = self.optional(year_table, "short_term", where, to_rate, short_term)
            year_long = self.optional(year_table, "long_term", where, to_rate, long_term)
            if year_short is None or year_long is None:
                continue
            overrides[int(key)] = TaxRates(year_short, year_long)
        if short_term is None or long_term is None:
            return None
        return TaxProfile(TaxRates(short_term, long_term), overrides, limit, currency_for(code))

    def fx_rates(self, value: object) -> tuple[tuple[str, Decimal], ...]:
        if not isinstance(value, Mapping):
            self.report("fx_rates", f"must be a table of CODE = rate, got {show_value(value)}")
            return ()
        rates: list[tuple[str, Decimal]] = []
        for code, rate in value.items():
            where = f"fx_rates.{code}"
            try:
                rates.append((to_code(code), to_amount(rate)))
            except BadValueError as error:
                self.report(where, str(error))
        return tuple(rates)

    def model(self, top: Mapping[str, object]) -> tuple[str, dict[str, object]] | None:
        if "activator" in top:
            return self.activator(top)
        if "model" not in top:
            self.report(
                "model.name", "missing (a [model] table naming a built-in model, module:Class or file.py:Class)"
            )
            return None
        table = self.table(top["model"], "model", MODEL_KEYS)
        if table is None:
            return None
        name = self.required(table, "name", "model", to_text)
        if name is not None and not name.strip():
            self.report("model.name", "must not be empty")
            name = None
        params = self.optional(table, "params", "model", to_params, {})
        return None if name is None else (name, params)

    def activator(self, top: Mapping[str, object]) -> tuple[str, dict[str, object]] | None:
        """An ``[activator]`` plays the Game as the Model named ``activator`` with the table as its
        parameters (``engine/activator_config.py`` reads it; the Models it names are checked later)."""
        if "model" in top:
            self.report("activator", "a Game is played by a [model] or by an [activator], not both")
        config, problems = read_activator(top["activator"])
        for problem in problems:
            self.report(*problem.split(": ", 1))
        if config is None or "model" in top:
            return None
        return ACTIVATOR, dict(top["activator"])  # type: ignore[call-overload]
