"""A report's columns of texts packed by shape and number give back the very same texts: grouped
thousands, zero padding, leading zeros, numbers too long for the browser and any text at all."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.reporting.text_columns import pack_column, unpack_column


def test_alike_texts_pack_as_shapes_and_numbers() -> None:
    texts = ["sell 504 @ 118.02 fee 59.48", "sell 12 @ 7.50 fee 0.09", "start"]
    packed = pack_column(texts)
    assert packed["shapes"] == ["sell \x00 @ \x00.\x00 fee \x00.\x00", "start"] and packed["of"] == [0, 0, 1]
    assert packed["numbers"][0] == {"style": "", "steps": False, "values": [504, 12]}
    assert packed["numbers"][2] == {"style": 2, "steps": False, "values": [2, 50]}  # "02", "50": two digits
    assert unpack_column(packed) == texts


def test_thousands_groups_and_rising_numbers() -> None:
    texts = ["33,340.25", "771.39", "1,234,567.00"]
    packed = pack_column(texts)
    assert packed["numbers"][0]["style"] == "," and packed["numbers"][0]["values"] == [33340, 771, 1234567]
    rising = pack_column([f"op-{n:06d}" for n in range(1000, 1100)])
    assert rising["numbers"][0] == {"style": 6, "steps": True, "values": [1000] + [1] * 99}
    assert unpack_column(packed) == texts and unpack_column(rising)[-1] == "op-001099"


@pytest.mark.parametrize(
    "texts",
    [
        ["1234", "1,234"],  # with and without commas: kept as texts
        ["007", "7"],  # a leading zero of another width
        ["0.3333333333333333333333333333"],  # more digits than the browser holds exactly
        ["٣٤", "34"],  # digits of another script are text
        ["", "", "x"],
        ["1,2345", "0,123"],
    ],
)
def test_awkward_numbers_come_back_as_written(texts: list[str]) -> None:
    assert unpack_column(pack_column(texts)) == texts


def test_a_control_character_that_would_break_the_packing_is_refused() -> None:
    with pytest.raises(ValueError, match="NUL or SOH"):
        pack_column(["a\x00b"])
    with pytest.raises(ValueError, match="NUL or SOH"):
        pack_column(["a\x01b", "c"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("0123456789,.-@ aZ%é٣"), max_size=12), max_size=30))
def test_any_column_comes_back_as_written(texts: list[str]) -> None:
    assert pack_column(texts) == _reference(texts)
    assert unpack_column(pack_column(texts)) == texts


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("0000123456789,,,,. x"), max_size=24), max_size=20))
def test_numbers_with_commas_are_cut_as_the_regular_expression_cuts_them(texts: list[str]) -> None:
    assert pack_column(texts) == _reference(texts)


@pytest.mark.parametrize(
    "texts",
    [
        ["1,2345", "1,234,5678", "12,3456,789", "1,23,456", "1,2,345", "1234,567", ",123", "1,"],
        ["x 12345678901234567 y", "x 1 y"],  # too long for the browser: kept as texts
        ["1,234,567,890,123,456", "1,000"],
        ["é 1,234 \ud800", "é 12 \ud800"],  # any character, a lone surrogate too
        ["a", "b", "a"],
        ["007", "008", "007"],
    ],
)
def test_awkward_columns_pack_as_the_regular_expression_cuts_them(texts: list[str]) -> None:
    assert pack_column(texts) == _reference(texts)
    assert unpack_column(pack_column(texts)) == texts


_NUMBER = re.compile("([0-9]+(?:,[0-9]{3})*)")  # what a number is: ASCII digits, with thousands commas


def _reference(texts: list[str]) -> dict[str, object]:
    """``pack_column`` done text by text with the regular expression (the oracle)."""
    if not texts:
        return {"shapes": [], "numbers": [], "count": 0}
    cut = [_NUMBER.split(text) for text in texts]
    each = ["\x00".join(pieces[0::2]) for pieces in cut]
    shapes = list(dict.fromkeys(each))
    holes: dict[str, list[list[str]]] = {shape: [[] for _ in range(shape.count("\x00"))] for shape in shapes}
    for shape, pieces in zip(each, cut, strict=True):
        for hole, number in zip(holes[shape], pieces[1::2], strict=True):
            hole.append(number)
    packed: dict[str, object] = {"shapes": shapes, "numbers": [_reference_hole(h) for s in shapes for h in holes[s]]}
    if len(shapes) > 1:
        packed["of"] = [shapes.index(shape) for shape in each]
    else:
        packed["count"] = len(texts)
    return packed


def _reference_hole(texts: list[str]) -> object:
    style: str | int = ""
    if any(len(text.replace(",", "")) > 15 for text in texts):
        return texts
    if any(len(text) > 1 and text[0] == "0" for text in texts):
        if any("," in text for text in texts) or len({len(text) for text in texts}) > 1:
            return texts
        style = len(texts[0])
    elif any("," in text for text in texts):
        if any(len(text) >= 4 and "," not in text[:4] for text in texts):
            return texts
        style = ","
    values = np.array([int(text.replace(",", "")) for text in texts], dtype=np.int64)
    steps = np.diff(values)
    rising = bool(np.abs(steps).sum(dtype=np.float64) * 2 < values.sum(dtype=np.float64))
    written = [int(values[0]), *steps.tolist()] if rising else values.tolist()
    return {"style": style, "steps": rising, "values": written}


@pytest.mark.parametrize(
    "texts",
    [
        ["1993-02-08T21:00:00+00:00", "1993-02-09T14:30:00+00:00", "1993-02-08T21:00:00+00:00"],
        ["2024-11-12 14:30", "2024-12-31 21:00"],  # no leading zero anywhere: plain numbers
        ["op-000004", "op-000005", "op-010203"],
        ["S1", "S2", "S0"],  # one digit: a "0" is no leading zero
        ["x12y", "x12y"],
        ["1234567890123456-01", "1234567890123457-02"],  # too long for the browser: the general path
        ["0.3333333333333333", "0.1111111111111111"],
    ],
)
def test_texts_of_one_layout_pack_as_the_regular_expression_cuts_them(texts: list[str]) -> None:
    assert pack_column(texts) == _reference(texts)
    assert unpack_column(pack_column(texts)) == texts


@settings(max_examples=200, deadline=None)
@given(
    layout=st.lists(st.tuples(st.text(alphabet="-:T .é", min_size=1, max_size=2), st.integers(1, 17)), max_size=4),
    seeds=st.lists(st.integers(0, 10**17 - 1), min_size=1, max_size=20),
)
def test_any_column_of_one_layout_packs_as_the_regular_expression_cuts_it(
    layout: list[tuple[str, int]], seeds: list[int]
) -> None:
    texts = ["".join(f"{text}{seed % 10**width:0{width}d}" for text, width in layout) for seed in seeds]
    assert pack_column(texts) == _reference(texts)
    assert unpack_column(pack_column(texts)) == texts


def test_a_chart_is_written_as_plotly_writes_it_and_the_figure_is_left_alone() -> None:
    import numpy as np
    import plotly.graph_objects as go
    import plotly.io as pio

    from tradegame.reporting.html_parts import _plotly_json

    figure = go.Figure(go.Scatter(x=np.arange(5.0), y=np.arange(5.0) ** 2, marker={"color": np.arange(5)}))
    figure.update_layout(annotations=[{"text": "a", "x": 1, "y": np.float64(2.5)}], title="t")
    before = pio.to_json(figure.to_plotly_json(), engine="json")
    assert pio.to_json(_plotly_json(figure), engine="json") == before
    assert pio.to_json(figure.to_plotly_json(), engine="json") == before
