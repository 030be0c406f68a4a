"""Game TOML files: the examples load, dump_game round-trips, and every bad definition names its field."""

import pickle
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.money import KRW, USD, Money
from tradegame.domain.running_costs import EveryNDays, Monthly, OneOff, RunningCost, Yearly
from tradegame.domain.tax import TaxProfile, TaxRates
from tradegame.engine.costs import (
    Combined,
    FixedBps,
    Flat,
    MakerTaker,
    PercentOfNotional,
    PerShare,
    Tiered,
    VolumeImpact,
)
from tradegame.engine.gamefile import GameFile, GameFileError, draft_game, dump_game, parse_game
from tradegame.engine.spec import (
    AccountSpec,
    DataSpec,
    ExitRules,
    GameSpec,
    InitialPosition,
    InvalidGameError,
    TransferRule,
)
from tradegame.io.gamefile import load_game, read_game

D = Decimal
EXAMPLES = Path(__file__).parents[3] / "examples" / "games"

MINIMAL = """
[game]
name = "tiny"
start = 2020-01-02
end = 2020-12-31
start_fund = "1000"

[[data]]
dataset = "arch-sp500"

[model]
name = "buy-and-hold"
"""


def parse(text: str) -> GameFile:
    return parse_game(tomllib.loads(text))


def problems_of(text: str) -> list[str]:
    with pytest.raises(InvalidGameError) as caught:
        parse(text)
    return caught.value.problems


def with_lines(text: str, table: str, *lines: str) -> str:
    """``text`` with ``lines`` added at the top of ``table`` (e.g. ``"[game]"``), or as a new table."""
    added = "\n".join(lines)
    if table in text:
        return text.replace(table, f"{table}\n{added}", 1)
    return f"{text}\n{table}\n{added}\n"


# -- the examples --------------------------------------------------------------------------


def test_sma_example_loads() -> None:
    game = load_game(EXAMPLES / "sma-2008.toml")
    spec = game.spec
    assert (game.model, game.model_params) == ("sma-crossover", {"symbol": "SPX", "fast": 50, "slow": 200})
    assert (spec.start, spec.end, spec.schedule) == (date(2007, 1, 3), date(2009, 12, 31), "daily")
    assert spec.data == (DataSpec("arch-sp500", None, ("SPX",)),)
    assert spec.start_fund == D(100000)
    assert spec.symbols == ("SPX",)
    assert spec.asset_classes == (AssetClass.EQUITY,)
    (account,) = spec.accounts
    assert account.fees == PerShare(D("0.005"), D("1.00"), D("0.01"))
    assert account.slippage == FixedBps(2)
    assert account.volume_cap == D("0.1")
    assert spec.exits == ExitRules(min_value_fraction=D("0.5"), max_drawdown=D("0.4"))
    assert spec.tax == TaxProfile(TaxRates(D("0.24"), D("0.15")))
    assert spec.problems() == []


def test_momentum_example_loads() -> None:
    game = load_game(EXAMPLES / "momentum-2020.toml")
    spec = game.spec
    assert game.model == "momentum-rotation"
    assert spec.data[0].dataset == "skfolio-sp500"
    assert (spec.start.year, spec.end.year if spec.end else None) == (2019, 2021)
    assert spec.fill_at == "close"
    assert spec.accounts[0].fees == PercentOfNotional(D("0.0005"), D("1.00"))
    assert spec.accounts[0].lot_method is LotMethod.HIFO
    assert spec.exits.max_drawdown == D("0.3")
    assert spec.exits.max_losing_rounds == 10
    assert spec.exits.target_return == D(1)
    assert spec.running_costs == (
        ("broker", RunningCost("data-feed", Money(D("29.99"), USD), Monthly(date(2019, 1, 15)))),
        ("broker", RunningCost("setup", Money(D(250), USD), OneOff(date(2019, 2, 1)))),
    )
    assert spec.tax is not None
    assert spec.tax.rates_for(2020) == TaxRates(D("0.32"), D("0.15"))
    assert spec.tax.rates_for(2021) == TaxRates(D("0.35"), D("0.20"))
    assert spec.problems() == []


@pytest.mark.parametrize("name", ["sma-2008.toml", "momentum-2020.toml", "gbm-walkforward.toml"])
def test_examples_name_a_built_in_model_with_its_parameters(name: str) -> None:
    from tradegame.models.registry import make_model

    game = load_game(EXAMPLES / name)
    assert make_model(game.model, game.model_params).name == game.model


@pytest.mark.parametrize("name", ["sma-2008.toml", "momentum-2020.toml", "gbm-walkforward.toml"])
def test_examples_round_trip(name: str) -> None:
    game = load_game(EXAMPLES / name)
    assert parse_game(tomllib.loads(dump_game(game))) == game


# -- round trip ----------------------------------------------------------------------------


def everything() -> GameFile:
    """A Game that sets every field the format has, most of them away from their defaults."""
    spec = GameSpec(
        name='odd "name" \\ with\ttab',
        start=date(2020, 1, 2),
        start_fund=D("250000.50"),
        currency="EUR",
        end=None,
        rounds=40,
        schedule=None,
        round_times=("2020-01-02T15:00:00+00:00", "2020-01-09T15:00:00Z"),
        calendar="XETR",
        accounts=(
            AccountSpec(
                "eu",
                venue="degiro",
                currency="EUR",
                fees=Combined((Flat(D("2.00")), PercentOfNotional(D("0.0003")))),
                slippage=VolumeImpact(0.1, 0.5, 50.0),
                lot_method=LotMethod.LIFO,
                volume_cap=D("0.05"),
                symbols=("SAP", "SIE"),
            ),
            AccountSpec(
                "kr",
                currency="KRW",
                fees=Tiered(((D(10000), D("0.002")), (None, D("0.001"))), minimum=D(5)),
                slippage=FixedBps(1.5),
            ),
            AccountSpec("cx", currency="USD", fees=MakerTaker(D("-0.0001"), D("0.0004"))),
        ),
        transfers=(TransferRule("eu", "kr", D("5.00"), 2), TransferRule("kr", "eu")),
        initial_positions=(InitialPosition("SAP", D("10.5"), D("1200.00"), date(2018, 6, 1), "eu"),),
        asset_classes=(AssetClass.EQUITY, AssetClass.ETF),
        symbols=("SAP", "SIE", "005930"),
        exits=ExitRules(D("0.5"), D("0.333"), 7, D("1.25")),
        running_costs=(
            ("eu", RunningCost("server", Money(D("12.50"), USD), Monthly(date(2020, 1, 31)))),
            ("kr", RunningCost("licence", Money(D(9900), KRW), Yearly(date(2020, 2, 29)))),
            ("eu", RunningCost("backup", Money(D(1), USD), EveryNDays(date(2020, 1, 2), 30))),
            ("eu", RunningCost("setup", Money(D(100), USD), OneOff(date(2020, 3, 1)))),
        ),
        tax=TaxProfile(
            TaxRates(D("0.26375"), D("0.26375")),
            {2020: TaxRates(D("0.25"), D("0.1")), 2021: TaxRates(D(0), D(1))},
            D(0),
            USD,
        ),
        seed=3,  # a negative seed is refused: the random generator takes none
        data=(DataSpec("xetra", "sha256:abc", ("SAP", "SIE")), DataSpec("krx", None, ())),
        fill_at="close",
        fx_rates=(("KRW", D("0.00075")), ("USD", D("0.92"))),
    )
    params: dict[str, object] = {
        "fast": 10,
        "ratio": 0.25,
        "big": 1e-7,
        "flag": True,
        "label": "a b",
        "since": date(2019, 1, 1),
        "weights": [1, 2.5, "x"],
        "nested": {"window": 5, "spaced key": [{"a": 1}]},
    }
    return GameFile(spec, "my-model", params)


def test_everything_round_trips() -> None:
    game = everything()
    text = dump_game(game)
    assert parse_game(tomllib.loads(text)) == game


def test_round_intervals_and_default_schedule_round_trip() -> None:
    irregular = parse(with_lines(MINIMAL, "[game]", "round_intervals = [1, 2, 4, 8]"))
    assert (irregular.spec.schedule, irregular.spec.round_intervals) == (None, (1, 2, 4, 8))
    regular = parse(MINIMAL)
    assert regular.spec.schedule == "daily"
    for game in (irregular, regular):
        assert parse_game(tomllib.loads(dump_game(game))) == game


def test_growing_round_intervals_read_exactly_and_round_trip() -> None:
    shrinking = parse(with_lines(MINIMAL, "[game]", "round_interval_days = 16", 'round_growth = "0.5"'))
    assert shrinking.spec.schedule is None
    assert (shrinking.spec.round_interval_days, shrinking.spec.round_growth) == (D(16), D("0.5"))
    floats = parse(with_lines(MINIMAL, "[game]", "round_interval_days = 1.5", "round_growth = 1.1"))
    assert (floats.spec.round_interval_days, floats.spec.round_growth) == (D("1.5"), D("1.1"))  # as written
    constant = parse(with_lines(MINIMAL, "[game]", "round_interval_days = 7"))
    assert (constant.spec.round_growth, constant.spec.schedule) == (None, None)
    for game in (shrinking, floats, constant):
        assert parse_game(tomllib.loads(dump_game(game))) == game


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ('round_interval_days = "0.5"', "round_growth = 0"),
            [
                "game.round_interval_days: must be at least 1 day, got 0.5",
                "game.round_growth: must be a positive factor such as 2 or 0.5, got 0",
            ],
        ),
        (
            ("round_interval_days = 2", 'round_growth = "-1"'),
            ["game.round_growth: must be a positive factor such as 2 or 0.5, got -1"],
        ),
        (
            ('round_interval_days = "a week"',),
            ["game.round_interval_days: must be a number of days such as 7 or \"1.5\", got 'a week'"],
        ),
        (
            ('round_growth = "double"', "round_interval_days = 1"),
            ["game.round_growth: must be a factor such as 2 or \"0.5\", got 'double'"],
        ),
        (("round_growth = 2",), ["game.round_growth: needs round_interval_days, the first interval it grows from"]),
        (
            ("round_interval_days = 2", 'schedule = "weekly"'),
            [
                "game.schedule: leave it out for an irregular schedule (round_times, round_intervals or round_interval_days)"
            ],
        ),
        (
            ("round_interval_days = 2", "round_intervals = [1, 2]"),
            ["game.round_interval_days: give round_interval_days or round_intervals, not both"],
        ),
        (
            ("round_interval_days = 2", 'round_times = ["2020-01-03T21:00:00Z"]'),
            ["game.round_interval_days: give round_interval_days or round_times, not both"],
        ),
    ],
)
def test_bad_growing_intervals_name_their_field(lines: tuple[str, ...], expected: list[str]) -> None:
    assert problems_of(with_lines(MINIMAL, "[game]", *lines)) == expected


def test_dump_refuses_values_toml_cannot_hold() -> None:
    game = GameFile(parse(MINIMAL).spec, "m", {"threshold": D("0.5")})
    with pytest.raises(TypeError, match="Decimal"):
        dump_game(game)


# -- reading details -----------------------------------------------------------------------


def test_defaults() -> None:
    game = parse(with_lines(MINIMAL, "[game]", 'currency = "KRW"'))
    assert game.spec.accounts == (AccountSpec("main", currency="KRW"),)
    assert (game.spec.seed, game.spec.fill_at, game.spec.exits, game.spec.tax) == (0, "next_open", ExitRules(), None)
    assert game.model_params == {}


def test_values_in_their_other_forms() -> None:
    text = MINIMAL.replace("start = 2020-01-02", 'start = "2020-01-02"').replace('"1000"', "1000.10")
    text = with_lines(text, "[exits]", "max_drawdown = 0.3", 'target_return = "0.5"')
    text = with_lines(text, "[model]", 'params = { symbol = "SPX" }')
    game = parse(text)
    assert game.spec.start == date(2020, 1, 2)
    assert game.spec.start_fund == D("1000.10")  # a float is read as written, not as its binary value
    assert game.spec.exits == ExitRules(max_drawdown=D("0.3"), target_return=D("0.5"))
    assert game.model_params == {"symbol": "SPX"}


def test_running_cost_and_position_default_to_the_first_account() -> None:
    text = with_lines(
        MINIMAL,
        "[[running_costs]]",
        'name = "feed"',
        'amount = "10"',
        'schedule = "every_n_days"',
        "days = 7",
    )
    text = with_lines(
        text,
        "[[initial_positions]]",
        'symbol = "SPX"',
        'quantity = "2"',
        'cost_basis = "3000"',
        "acquired = 2019-05-01",
    )
    spec = parse(text).spec
    assert spec.running_costs == (("main", RunningCost("feed", Money(D(10), USD), EveryNDays(date(2020, 1, 2), 7))),)
    assert spec.initial_positions == (InitialPosition("SPX", D(2), D(3000), date(2019, 5, 1), "main"),)


# -- problems, each naming its field -------------------------------------------------------


def test_typo_key_with_a_hint() -> None:
    text = with_lines(MINIMAL, "[game]", 'start_fnd = "5"')
    assert problems_of(text) == ["game.start_fnd: unknown key (did you mean 'start_fund'?)"]


def test_unknown_table_with_a_hint() -> None:
    (problem,) = problems_of(with_lines(MINIMAL, "[exit]", "max_drawdown = 0.3"))
    assert problem == "exit: unknown key (did you mean 'exits'?)"


def test_missing_start() -> None:
    text = MINIMAL.replace("start = 2020-01-02\n", "")
    assert problems_of(text) == ["game.start: missing"]


def test_missing_model_name() -> None:
    assert problems_of(with_lines(MINIMAL.replace('name = "buy-and-hold"', ""), "[model]", "params = {}")) == [
        "model.name: missing"
    ]


def test_end_before_start() -> None:
    text = MINIMAL.replace("end = 2020-12-31", "end = 2019-12-31")
    assert problems_of(text) == ["game.end: 2019-12-31 is not after start 2020-01-02"]


def test_negative_start_fund() -> None:
    (problem,) = problems_of(MINIMAL.replace('"1000"', '"-5"'))
    assert problem.startswith("game.start_fund: must be a positive amount")


def test_bad_schedule() -> None:
    (problem,) = problems_of(with_lines(MINIMAL, "[game]", 'schedule = "weakly"'))
    assert (
        problem == "game.schedule: must be one of hourly, daily, weekly, monthly, got 'weakly' (did you mean 'weekly'?)"
    )


def test_unknown_account_in_a_transfer() -> None:
    text = MINIMAL + '\n[[accounts]]\nname = "a"\n\n[[transfers]]\nsource = "a"\ntarget = "nowhere"\n'
    assert problems_of(text) == ["transfers[0].target: no account 'nowhere'"]


def test_bad_fee_config() -> None:
    text = (
        MINIMAL + '\n[[accounts]]\nname = "a"\n\n[[accounts]]\nname = "b"\nfees = { model = "per_share", rate = "x" }\n'
    )
    assert problems_of(text) == ["accounts[1].fees.rate: must be a number >= 0, got 'x'"]


def test_unknown_fee_model() -> None:
    text = MINIMAL + '\n[[accounts]]\nname = "a"\nfees = { model = "per_shares" }\nslippage = "big"\n'
    problems = problems_of(text)
    assert problems[0].startswith("accounts[0].fees.model: unknown fee model 'per_shares'")
    assert problems[1] == "accounts[0].slippage: must be a table with a 'model' key, got 'big'"


def test_bad_percent() -> None:
    (problem,) = problems_of(with_lines(MINIMAL, "[exits]", 'max_drawdown = "thirty%"'))
    assert problem == (
        'exits.max_drawdown: must be a fraction such as "0.3" or a percentage such as "30%", got \'thirty%\''
    )


def test_out_of_range_percent_uses_the_file_name_of_the_field() -> None:
    assert problems_of(with_lines(MINIMAL, "[exits]", 'min_value = "150%"')) == [
        "exits.min_value: must be within (0, 1)"
    ]


def test_bad_date() -> None:
    (problem,) = problems_of(MINIMAL.replace("end = 2020-12-31", 'end = "2020-13-01"'))
    assert problem == "game.end: must be a date such as 2007-01-03, got '2020-13-01'"


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(MINIMAL.replace('start_fund = "1000"', "start_fund = 1000 USD"))
    with pytest.raises(InvalidGameError) as caught:
        load_game(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}, line 6, column ")
    assert "invalid TOML" in problem
    assert str(path) in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidGameError, match="cannot read"):
        load_game(tmp_path / "missing.toml")


def test_several_problems_are_reported_together() -> None:
    text = """
[game]
name = "many"
start = 2020-06-01
end = 2020-01-01
start_fnd = "1"
start_fund = "-1"
schedule = "fortnightly"
seed = 1.5

[[data]]
dataset = "arch-sp500"

[[accounts]]
name = "a"
fees = { model = "flat", amount = "-1" }

[[transfers]]
source = "a"
target = "ghost"

[exits]
max_drawdown = "lots"

[[running_costs]]
name = "feed"
amount = "1.001"
schedule = "every_n_days"

[tax]
short_term = "124%"
long_term = "15%"

[model]
nam = "sma-crossover"
"""
    with pytest.raises(InvalidGameError) as caught:
        parse_game(tomllib.loads(text), "many.toml")
    problems = caught.value.problems
    for expected in (
        "game.start_fnd: unknown key (did you mean 'start_fund'?)",
        "game.start_fund: must be a positive amount",
        "game.end: 2020-01-01 is not after start 2020-06-01",
        "game.schedule: must be one of hourly, daily, weekly, monthly, got 'fortnightly'",
        "game.seed: must be a whole number, got 1.5",
        "accounts[0].fees.amount: must be a number >= 0, got '-1'",
        "transfers[0].target: no account 'ghost'",
        "exits.max_drawdown: must be a fraction",
        "running_costs[0].days: missing",
        "running_costs[0].amount: must be positive, in whole USD minor units, got '1.001'",
        "tax.short_term: must be within 0% and 100%, got '124%'",
        "model.nam: unknown key (did you mean 'name'?)",
        "model.name: missing",
    ):
        assert any(problem.startswith(expected) for problem in problems), (expected, problems)
    assert len(problems) == 13, problems  # no field twice (the bad schedule is not also a spec problem)
    assert str(caught.value).startswith("many.toml: invalid game definition:")


def test_running_cost_keys_belong_to_their_schedule() -> None:
    text = with_lines(MINIMAL, "[[running_costs]]", 'name = "x"', 'amount = "1"', 'schedule = "monthly"', "days = 3")
    assert problems_of(text) == ["running_costs[0].days: only used with schedule = 'every_n_days', not 'monthly'"]


def test_spec_problems_are_left_out_without_the_required_fields() -> None:
    text = MINIMAL.replace('name = "tiny"', "").replace("[[data]]", "[[data]]\nhash = 3")
    assert problems_of(text) == ["game.name: missing", "data[0].hash: must be a string, got 3"]


def test_the_error_pickles() -> None:
    error = GameFileError(["game.start: missing"], "g.toml")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.problems, copy.source, str(copy)) == (error.problems, error.source, str(error))


def test_extreme_costs_are_refused_unless_the_game_allows_them() -> None:
    extreme = with_lines(
        MINIMAL,
        "[[accounts]]",
        'name = "main"',
        'fees = { model = "percent", rate = "5" }',
        'slippage = { model = "fixed_bps", bps = 2000 }',
    )
    assert problems_of(extreme) == [
        "accounts[0].fees.rate: must be within [0, 10%) (set allow_extreme_costs = true in [game] to allow it), got 5",
        "accounts[0].slippage.bps: must be below 1000 bps (10%) (set allow_extreme_costs = true in [game] to allow "
        "it), got 2000.0",
    ]
    allowed = parse(with_lines(extreme, "[game]", "allow_extreme_costs = true"))
    assert allowed.spec.allow_extreme_costs
    assert parse(dump_game(allowed)) == allowed


def test_absurd_numbers_are_refused_naming_the_field() -> None:
    assert problems_of(MINIMAL.replace('"1000"', '"1E+400"')) == [
        "game.start_fund: must be less than 10^15 in size, got 1E+400"
    ]
    assert problems_of(MINIMAL.replace('"1000"', '"10.001"')) == [
        "game.start_fund: must have at most USD's 2 decimal places, got 10.001"
    ]


def test_a_draft_keeps_what_could_be_read_for_the_later_checks(tmp_path: Path) -> None:
    """A bad name, Start Fund or fee leaves a spec (placeholders, defaults) and the Model to check."""
    document = {
        "game": {"name": 5, "start": date(2008, 1, 2), "end": date(2008, 3, 31), "start_fund": "lots"},
        "data": [{"dataset": "arch-sp500", "symbols": ["SPX"]}],
        "accounts": [{"name": "main", "fees": {"model": "percent", "rate": "cheap"}}],
        "model": {"name": "sma-crossover", "params": {"symbol": "SPX", "fastt": 5}},
    }
    draft = draft_game(document, "game.toml")
    assert [p.split(":")[0] for p in draft.problems] == ["game.name", "game.start_fund", "accounts[0].fees.rate"]
    assert draft.spec is not None and draft.spec.start == date(2008, 1, 2) and draft.spec.data[0].symbols == ("SPX",)
    assert (draft.model, draft.model_params) == ("sma-crossover", {"symbol": "SPX", "fastt": 5})
    assert draft.later(["start: outside the data", "name: x"], spec_fields=True) == ["game.start: outside the data"]
    with pytest.raises(GameFileError, match=r"game\.start_fund"):
        draft.game_file()
    missing = read_game(tmp_path / "none.toml")
    assert missing.spec is None and missing.model is None and "cannot read the file" in missing.problems[0]
