"""The content hash's text columns: the factorised join equals the per-value join it replaced."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tradegame.data.store import _joined_text

TEXTS = st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=40)


@given(TEXTS, st.sampled_from(["str", "string", object]))
def test_joined_text_equals_the_per_value_join(values: list[str | None], dtype: object) -> None:
    column = pd.Series(values, dtype=dtype)
    assert _joined_text(column) == "\x1f".join(str(v) for v in column)


def test_floats_keep_the_sign_of_zero() -> None:
    column = pd.Series([0.0, -0.0, 1.5])
    assert _joined_text(column) == "0.0\x1f-0.0\x1f1.5"
