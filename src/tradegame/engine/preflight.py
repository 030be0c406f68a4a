"""The checks a Game passes before it starts: the symbols its file names and the rates it needs.

Each returns the problems as lines (or raises one ``InvalidGameError`` listing them), so the Game's
constructor refuses a Game with every reason at once. Imports the engine's spec, universe and
asset map; never game.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from tradegame.data.panel import Panel
from tradegame.domain.instruments import Instrument
from tradegame.engine.assets import AssetMap
from tradegame.engine.spec import GameSpec, InvalidGameError
from tradegame.engine.universe import UniverseView

__all__ = ["check_rates", "needed_currencies", "symbol_problems"]


def symbol_problems(spec: GameSpec, panel: Panel) -> list[str]:
    """The symbols the Game file names (``symbols``, an account's ``symbols``, an initial
    Position's) that its data does not hold (a Position may name the asset of a pair)."""
    known = set(panel.symbols)
    assets = known | {symbol.split("/", 1)[0] for symbol in known}
    problems = []
    unknown = sorted(set(spec.symbols) - known)
    if unknown:
        problems.append(f"symbols: not in the data: {', '.join(unknown)}")
    for index, account in enumerate(spec.accounts):
        unknown = sorted(set(account.symbols) - known)
        if unknown:
            problems.append(f"accounts[{index}].symbols: not in the data: {', '.join(unknown)}")
    held = sorted({p.symbol for p in spec.initial_positions if p.symbol not in assets})
    if held:
        problems.append(f"initial_positions: symbol not in the data: {', '.join(held)}")
    return problems


def needed_currencies(
    spec: GameSpec, instruments: Mapping[str, Instrument], assets: AssetMap, allowed: Collection[str]
) -> list[str]:
    """Every currency other than the Game's that the Game may hold, pay, value or tax in."""
    codes = {instruments[s].quote_currency.code for s in allowed}
    codes |= {assets.asset(s) for s in allowed if assets.asset(s) in assets.cash_assets}
    codes |= {instruments[p.symbol].quote_currency.code for p in spec.initial_positions if p.symbol in instruments}
    codes |= {a.currency for a in spec.accounts}
    codes |= {cost.amount.currency.code for _, cost in spec.running_costs}
    if spec.tax is not None:
        codes.add(spec.tax.currency.code)
    codes.discard(spec.currency)
    return sorted(codes)


def check_rates(
    spec: GameSpec,
    view: UniverseView,
    instruments: Mapping[str, Instrument],
    assets: AssetMap,
    allowed: Collection[str],
) -> dict[str, str]:
    """Where each needed currency's rate into the Game currency comes from at the first Round
    (``view``: the Universe as known then; an FX series in the data, else the static
    ``fx_rates``); a Game that needs a rate it has neither for is refused, naming the pair."""
    sources, problems = {}, []
    game = spec.currency
    for code in needed_currencies(spec, instruments, assets, allowed):
        rate, source = view.fx_quote(code, game)
        if np.isnan(rate):
            problems.append(
                f"fx_rates.{code}: no rate from {code} to {game} at the start: the data has no "
                f"{code}{game} (or {game}{code}) series with a bar by then; add one, or a static rate"
            )
        else:
            sources[code] = f"{source} ({rate!r} {game} per {code} at the start)"
    if problems:
        raise InvalidGameError(problems)
    return sources
