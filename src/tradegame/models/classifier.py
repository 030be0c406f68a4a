"""``GbmClassifier``: long one symbol while a gradient-boosting classifier gives P(up) > threshold.

A trainable Model (engine/training.py): ``fit`` gets the history the engine cut (rows up to the
Round's time minus the cut-off, over the training length) and learns; ``decide`` reads what it
learned as ``ctx.fitted``.

* Features of the bar ending at close t: its ``lags`` latest returns (r_t, r_t-1, ...) and the
  standard deviation of the ``vol_window`` latest returns (realized volatility). Label: whether
  the next return r_t+1 is above 0. Rows where the symbol has no close are skipped.
* ``fit``: scikit-learn's ``HistGradientBoostingClassifier`` (``max_iter`` trees of at most
  ``max_depth`` levels, ``learning_rate``; no early stopping; ``random_state`` the Game's seed,
  so a Game replays to the same trees). It learns nothing (returns None: the version before
  stays live) from fewer than ``min_rows`` labelled rows, or when every label is the same.
* ``decide``: P(up) of the latest bar's features; above ``threshold`` and nothing held: buy
  ``Move.target(symbol, weight)``; at or below it and units held: sell them all. Nothing while a
  Move on the symbol is open or before the first fit.

scikit-learn is imported when the Model first fits, so listing Models stays fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action
from tradegame.engine.training import TrainingHistory
from tradegame.models._common import (
    as_decimal,
    as_float,
    as_positive_int,
    as_symbol,
    has_open_move,
    long_or_flat,
    recent_closes,
)

__all__ = ["GbmClassifier", "lagged_features"]


def lagged_features(closes: np.ndarray, lags: int, vol_window: int) -> tuple[np.ndarray, np.ndarray]:
    """Features (one row per bar with enough history: ``lags`` returns, then the realized
    volatility of ``vol_window`` returns) and each row's next return (NaN for the last bar)."""
    closes = closes[~np.isnan(closes)]
    returns = closes[1:] / closes[:-1] - 1.0
    depth = max(lags, vol_window)
    if len(returns) < depth:
        return np.empty((0, lags + 1)), np.empty(0)
    lagged = sliding_window_view(returns, lags)[depth - lags :, ::-1]  # newest first
    volatility = sliding_window_view(returns, vol_window)[depth - vol_window :].std(axis=1)
    features = np.column_stack((lagged, volatility))
    following = np.append(returns[depth:], np.nan)
    return features, following


@dataclass(frozen=True)
class _Fitted:
    """What one fit learned: the classifier's trees as arrays (one row per node), walked in ``decide``.

    Walking them here gives scikit-learn's ``predict_proba`` (the unit tests check it) without its
    per-call cost and thread pool: a Round asks for one probability.
    """

    baseline: float
    trees: tuple[tuple[list[Any], ...], ...]  # per tree: its nodes' _NODE_FIELDS, as lists
    rows: int

    @classmethod
    def of(cls, classifier: Any, rows: int) -> _Fitted:
        trees = []
        for (tree,) in classifier._predictors:  # one tree per iteration for two classes
            trees.append(tuple(tree.nodes[name].tolist() for name in _NODE_FIELDS))
        return cls(float(np.asarray(classifier._baseline_prediction).ravel()[0]), tuple(trees), rows)

    def probability(self, row: np.ndarray) -> float:
        """P(up) of one feature row: scikit-learn's walk (``x <= threshold`` goes left; NaN goes where
        the node sends missing values), the leaves' sum plus the baseline through the logistic."""
        raw = self.baseline
        values = row.tolist()
        for feature, threshold, left, right, leaf, value, nan_left in self.trees:
            node = 0
            while not leaf[node]:
                x = values[feature[node]]
                go_left = x <= threshold[node] if x == x else nan_left[node]
                node = left[node] if go_left else right[node]
            raw += value[node]
        return 1.0 / (1.0 + math.exp(-raw))

    def fingerprint(self) -> bytes:
        """The trees learned and the baseline, as exact text: equal bytes, equal predictions."""
        return repr((self.baseline, self.trees)).encode()


_NODE_FIELDS = ("feature_idx", "num_threshold", "left", "right", "is_leaf", "value", "missing_go_to_left")


class GbmClassifier:
    """Long ``symbol`` while a gradient-boosting classifier gives P(up) above ``threshold``.

    Trainable: ``fit`` learns from lagged returns and volatility (see the module docstring);
    ``[model.training]`` says when.
    """

    name = "gbm-classifier"

    def __init__(
        self,
        symbol: str,
        lags: int = 5,
        vol_window: int = 20,
        threshold: float = 0.55,
        max_iter: int = 50,
        max_depth: int = 3,
        learning_rate: float = 0.1,
        min_rows: int = 100,
        weight: Decimal | int | float | str = Decimal(1),
    ) -> None:
        self.symbol = as_symbol(self.name, "symbol", symbol)
        self.lags = as_positive_int(self.name, "lags", lags)
        self.vol_window = as_positive_int(self.name, "vol_window", vol_window, minimum=2)
        self.threshold = as_float(self.name, "threshold", threshold, low=0.0, high=1.0)
        self.max_iter = as_positive_int(self.name, "max_iter", max_iter)
        self.max_depth = as_positive_int(self.name, "max_depth", max_depth)
        self.learning_rate = as_float(self.name, "learning_rate", learning_rate, low=0.0, high=1.0)
        if self.learning_rate <= 0:
            raise InvalidInputError(f"{self.name}: learning_rate must be above 0, got {learning_rate!r}")
        self.min_rows = as_positive_int(self.name, "min_rows", min_rows, minimum=2)
        self.weight = as_decimal(self.name, "weight", weight, low=Decimal(0), high=Decimal(1), low_open=True)

    def __repr__(self) -> str:
        return (f"GbmClassifier({self.symbol!r}, lags={self.lags}, vol_window={self.vol_window}, "
                f"threshold={self.threshold}, max_iter={self.max_iter})")  # fmt: skip

    def fit(self, history: TrainingHistory) -> _Fitted | None:
        """A classifier of the next return's sign on the history's features (see the module docstring)."""
        features, following = lagged_features(history.close([self.symbol])[:, 0], self.lags, self.vol_window)
        features, following = features[:-1], following[:-1]  # the last bar's next return is not in the history
        labels = following > 0
        if len(labels) < self.min_rows or labels.all() or not labels.any():
            return None
        from sklearn.ensemble import HistGradientBoostingClassifier
        from threadpoolctl import threadpool_limits

        classifier = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            max_depth=self.max_depth,
            learning_rate=self.learning_rate,
            early_stopping=False,
            random_state=history.seed,
        )
        with threadpool_limits(1, user_api="openmp"):  # one thread: the same sums, hence trees, on any machine
            classifier.fit(features, labels)
        return _Fitted.of(classifier, len(labels))

    def probability(self, ctx: RoundContext) -> float | None:
        """P(up) of the latest bar, by the live version; None before a fit or without enough closes."""
        fitted = ctx.fitted
        if not isinstance(fitted, _Fitted):
            return None
        closes = recent_closes(ctx, self.symbol, max(self.lags, self.vol_window) + 1)
        if closes is None:
            return None
        features, _ = lagged_features(closes, self.lags, self.vol_window)
        return fitted.probability(features[-1])

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if has_open_move(ctx, self.symbol):
            return None
        chance = self.probability(ctx)
        if chance is None:
            return None
        long = chance > self.threshold
        reason = f"P(up) {chance:.3f} {'>' if long else '<='} {self.threshold}"
        return long_or_flat(ctx, self.symbol, long, self.weight, reason)
