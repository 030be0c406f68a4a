"""The trainable built-ins: the classifier's own tree walk is scikit-learn's predict_proba, the
regime Model's states, and both refuse bad parameters."""

from __future__ import annotations

import numpy as np
import pytest

from tradegame.data.panel import Panel
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.training import TrainingHistory
from tradegame.models import GbmClassifier, RegimeSwitch, make_model
from tradegame.models.classifier import lagged_features
from tradegame.models.regime import regime_states


def _history(closes: np.ndarray, seed: int = 1) -> TrainingHistory:
    times = np.datetime64("2020-01-01") + np.arange(len(closes)).astype("timedelta64[D]")
    panel = Panel.from_arrays(
        [f"{t}T00:00:00Z" for t in times], ["X"], close=closes[:, None], frequency="1d", calendar="24/7", currency="USD"
    )
    return TrainingHistory(panel, 0, len(closes), seed, int(panel.available[-1]))


def _walk(seed: int = 5, rows: int = 400) -> np.ndarray:
    return 100.0 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0.0003, 0.01, rows)))


def test_the_classifiers_tree_walk_is_scikit_learns_predict_proba() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = GbmClassifier("X", max_iter=12, max_depth=3, min_rows=50)
    history = _history(_walk())
    fitted = model.fit(history)
    assert fitted is not None
    features, following = lagged_features(history.close(["X"])[:, 0], 5, 20)
    reference = HistGradientBoostingClassifier(max_iter=12, max_depth=3, early_stopping=False, random_state=1)
    reference.fit(features[:-1], following[:-1] > 0)
    mine = np.array([fitted.probability(row) for row in features])
    np.testing.assert_allclose(mine, reference.predict_proba(features)[:, 1], rtol=0, atol=1e-15)
    assert fitted.fingerprint() == model.fit(history).fingerprint()  # same rows, same seed: same trees


def test_the_classifier_learns_nothing_from_too_little_history() -> None:
    assert GbmClassifier("X", min_rows=500).fit(_history(_walk(rows=200))) is None


def test_lagged_features_line_up_with_the_next_return() -> None:
    closes = np.array([100.0, 101.0, 99.0, 102.0, 103.0])
    features, following = lagged_features(closes, 2, 2)
    returns = closes[1:] / closes[:-1] - 1
    assert features.shape == (3, 3)
    assert np.allclose(features[0], [returns[1], returns[0], np.std(returns[:2])])
    assert np.allclose(following[:2], returns[2:]) and np.isnan(following[-1])


def test_regime_states_and_fit() -> None:
    closes = np.r_[np.linspace(100, 200, 150), np.linspace(200, 120, 150)]
    up, volatility, following = regime_states(closes, 20, 10)
    assert len(up) == len(volatility) == len(following) == len(closes) - 19
    assert up[:100].all() and not up[-50:].any()
    fitted = RegimeSwitch("X", trend=20, vol_window=10, min_count=5, min_rows=50).fit(_history(closes))
    assert fitted is not None
    assert fitted.invested[3] or fitted.invested[2]  # up-trending states paid in this history
    assert not (fitted.invested[0] or fitted.invested[1])  # falling states did not


@pytest.mark.parametrize(
    ("name", "params", "needle"),
    [
        ("gbm-classifier", {"symbol": "X", "threshold": 1.5}, "threshold"),
        ("gbm-classifier", {"symbol": "X", "learning_rate": 0}, "learning_rate"),
        ("gbm-classifier", {"symbol": "X", "vol_window": 1}, "vol_window"),
        ("regime", {"symbol": "X", "vol_factor": 0}, "vol_factor"),
        ("regime", {"symbol": "X", "trend": 1}, "trend"),
    ],
)
def test_bad_parameters_are_refused(name: str, params: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidInputError, match=needle):
        make_model(name, params)
