"""A column of texts packed small for a report page, and unpacked to the very same texts.

A long Game's tables and hover texts repeat a few shapes with different numbers in them
("sell 504 @ 118.02 fee 59.48", "1993-02-09 14:30", "op-000004"). A column is packed as its
shapes (each text with its numbers cut out) and, for each place a number stood in a shape, the
numbers that stood there, side by side: as whole numbers (or their steps from the one before, when
they mostly rise) where each one writes back to its own text (``1,234``-style groups, or a fixed
width of zero-padded digits), else as the texts. Alike things side by side compress to a third of
the plain column under gzip; nothing is rounded or reformatted: ``unpack_column(pack_column(t))``
is ``t``, and ``html_script``'s ``unpackColumn`` mirrors ``unpack_column`` in the browser.

A number is what the regular expression ``[0-9]+(?:,[0-9]{3})*`` matches; the column's distinct
texts are cut in numpy over their characters, joined (``_Cut``; a long table has a million
cells), and a column of one fixed layout (dates, times, ids) as a grid of characters
(``_fixed_layout``). The tests hold the regular expression applied text by text as the oracle.

Pure functions of the texts (the same column gives the same packing); no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["pack_column", "unpack_column"]

_HOLE, _APART = "\x00", "\x01"
IntArray = npt.NDArray[np.int64]
_POWERS = 10 ** np.arange(19, dtype=np.int64)


def pack_column(texts: Sequence[str]) -> dict[str, Any]:
    """``{"shapes": [...], "of": [shape of each text] (absent with one shape), "numbers": [...]}``:
    ``numbers`` holds, shape by shape and hole by hole, what stood in that hole (``_hole``).
    The column's distinct texts are cut in one pass over them joined (a long table has a million
    cells), as arrays of their characters (``_Cut``)."""
    if not texts:
        return {"shapes": [], "numbers": [], "count": 0}
    distinct = list(dict.fromkeys(texts))  # each text is cut once, however often it repeats
    joined = _APART.join(distinct)
    if _HOLE in joined or (_APART in joined and joined.count(_APART) != len(distinct) - 1):
        raise ValueError("a report text holds a NUL or SOH control character")
    fixed = _fixed_layout(joined, len(distinct))
    if fixed is not None:
        return _pack_fixed(texts, distinct, *fixed)
    cut = _Cut(joined)
    each = cut.shapes.split(_APART)  # the shape of each distinct text
    shapes = list(dict.fromkeys(each))
    holes = np.array([shape.count(_HOLE) for shape in shapes], dtype=np.int64)
    shape_of = np.fromiter(map({s: i for i, s in enumerate(shapes)}.__getitem__, each), np.int64, len(each))
    taken = np.arange(len(cut.starts))  # the numbers of the texts, in text order: of the distinct texts
    if len(distinct) < len(texts):  # each text's numbers are those of its distinct text
        text_of = _text_of(texts, distinct)
        counts = holes[shape_of]
        per_text = counts[text_of]
        first = (np.cumsum(counts) - counts)[text_of] - (np.cumsum(per_text) - per_text)
        taken = np.repeat(first, per_text) + np.arange(int(per_text.sum()))
        shape_of = shape_of[text_of]
    packed: dict[str, Any] = {"shapes": shapes, "numbers": [cut.hole(n) for n in _by_hole(taken, shape_of, holes)]}
    if len(shapes) > 1:
        packed["of"] = shape_of.tolist()
    else:
        packed["count"] = len(texts)
    return packed


def _text_of(texts: Sequence[str], distinct: list[str]) -> npt.NDArray[np.int64]:
    """The index in ``distinct`` of each of ``texts``."""
    return np.fromiter(map({t: i for i, t in enumerate(distinct)}.__getitem__, texts), np.int64, len(texts))


def _fixed_layout(joined: str, count: int) -> tuple[str, list[npt.NDArray[np.int64]], list[str | int]] | None:
    """When the ``count`` texts ``joined`` (by ``_APART``) are ASCII without commas, all of one
    length, with their digits in the same places and the same characters between them (dates,
    times, ids): their one shape, and each hole's numbers (in text order) and style; else None.
    The same as ``_Cut`` makes of them, faster: a run of digits is a number."""
    if not joined.isascii() or "," in joined or (len(joined) + 1) % count:
        return None
    width = (len(joined) + 1) // count - 1
    cells = np.frombuffer((joined + _APART).encode("ascii"), dtype=np.uint8).reshape(count, width + 1)
    if not width or (cells[:, width] != 1).any():  # one length (exactly count - 1 separators: checked)
        return None
    cells = cells[:, :width]
    digit = (cells >= 48) & (cells <= 57)
    mask = digit[0]
    if not mask.any() or (digit != mask).any() or (cells[:, ~mask] != cells[0, ~mask]).any():
        return None
    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8))).tolist()
    runs = list(zip(edges[0::2], edges[1::2], strict=True))  # [start, end) of each number
    if max(end - start for start, end in runs) > 15:
        return None  # more than the browser holds exactly: the general path keeps them as texts
    first = joined[:width]
    shape = _HOLE.join(first[start:end] for start, end in zip([0, *edges[1::2]], [*edges[0::2], width], strict=True))
    values, styles = [], []
    for start, end in runs:
        value = np.zeros(count, dtype=np.int64)
        for place in range(start, end):
            value = value * 10 + (cells[:, place] - 48)
        values.append(value)
        # zero-padded to its width when a number has a leading zero, else plain (as ``_numbers``)
        styles.append(end - start if end - start > 1 and (cells[:, start] == 48).any() else "")
    return shape, values, styles


def _pack_fixed(
    texts: Sequence[str], distinct: list[str], shape: str, values: list[npt.NDArray[np.int64]], styles: list[str | int]
) -> dict[str, Any]:
    """``pack_column``'s packing of texts of one fixed layout (``_fixed_layout``)."""
    text_of = _text_of(texts, distinct) if len(distinct) < len(texts) else None
    numbers = [
        _written(hole if text_of is None else hole[text_of], style) for hole, style in zip(values, styles, strict=True)
    ]
    return {"shapes": [shape], "numbers": numbers, "count": len(texts)}


def _by_hole(taken: IntArray, shape_of: IntArray, holes: IntArray) -> list[IntArray]:
    """The numbers ``taken`` (indices, in text order), gathered shape by shape and hole by hole."""
    if not len(taken):
        return [taken for _ in range(int(holes.sum()))]
    if len(holes) == 1:
        return [taken[hole :: holes[0]] for hole in range(holes[0])]
    per_text = holes[shape_of]
    first_hole = np.concatenate(([0], np.cumsum(holes)[:-1]))  # each shape's first hole's number
    text_start = np.repeat(np.cumsum(per_text) - per_text, per_text)
    hole = np.repeat(first_hole[shape_of], per_text) + np.arange(len(taken)) - text_start
    small = hole.astype(np.int16) if holes.sum() < 2**15 else hole  # sorted by radix, in one pass
    order = np.argsort(small, kind="stable")
    ordered = taken[order]
    ends = np.cumsum(np.bincount(hole, minlength=int(holes.sum()))).tolist()
    return [ordered[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


class _Cut:
    """Texts joined by ``_APART``, cut where the regular expression ``[0-9]+(?:,[0-9]{3})*`` matches
    (leftmost and greedy: a run of ASCII digits, then each comma followed by three digits, with
    them), in numpy over their characters: the texts with each number as a ``_HOLE`` (``shapes``),
    and each number's place (``starts``, ``ends``), value and how it is written."""

    def __init__(self, joined: str) -> None:
        self.joined = joined
        wide = not joined.isascii()
        encoding = "utf-32-le" if wide else "ascii"
        codes: npt.NDArray[np.unsignedinteger[Any]] = np.frombuffer(
            joined.encode(encoding, "surrogatepass"), dtype=np.uint32 if wide else np.uint8
        )
        size = len(codes)
        digit = np.zeros(size + 4, dtype=bool)
        digit[:size] = (codes >= 48) & (codes <= 57)
        absorbed = np.zeros(size + 4, dtype=bool)  # a comma between a digit and three more
        absorbed[1:size] = codes[1:] == 44
        absorbed[1 : size + 1] &= digit[:size] & digit[2 : size + 2] & digit[3 : size + 3] & digit[4 : size + 4]
        inside = digit | absorbed
        # a number starts at a digit after no number, or right after a comma's three digits
        start = digit.copy()
        start[1:] &= ~inside[:-1]
        start[4:] |= digit[4:] & absorbed[:-4]
        self.starts = np.flatnonzero(start)
        self.ends = np.flatnonzero(inside[:-1] & (~inside[1:] | start[1:])) + 1
        shaped = codes.copy()
        shaped[start[:size]] = 0
        self.shapes = shaped[~inside[:size] | start[:size]].tobytes().decode(encoding, "surrogatepass")
        del absorbed, inside, start, shaped  # a long column's characters: let them go before reading
        self.width = self.ends - self.starts
        counted = np.zeros(size + 1, dtype=np.int32)  # the digits before each character
        np.cumsum(digit[:size], dtype=np.int32, out=counted[1:])
        self.digits = counted[self.ends] - counted[self.starts]  # each number's digits (without commas)
        self.zero_led = (codes[self.starts] == 48) & (self.width > 1)
        self.four_bare = counted[np.minimum(self.starts + 4, size)] - counted[self.starts] == 4
        self.values = self._read(codes, np.flatnonzero(digit[:size]), counted)

    def _read(
        self, codes: npt.NDArray[np.unsignedinteger[Any]], where: IntArray, counted: npt.NDArray[np.int32]
    ) -> IntArray:
        """Each number's value from its digits (at ``where``, number after number; exact to 18
        digits: a longer number is written as text)."""
        if not len(where):
            return np.zeros(0, dtype=np.int64)
        power = np.repeat(counted[self.ends], self.digits)  # the digits after each, in its number
        power -= counted[where]
        power -= 1
        np.minimum(power, 18, out=power)
        terms = _POWERS[power]
        terms *= codes[where] - 48
        return np.add.reduceat(terms, np.cumsum(self.digits) - self.digits)

    def hole(self, numbers: IntArray) -> list[str] | dict[str, Any]:
        """What stood in one hole (``numbers``: indices): ``{"style": "," | "" | width, "steps": bool,
        "values": [...]}`` when every one is a whole number written in that style (with thousands
        commas, plain, or zero-padded to ``width`` digits), else the texts themselves."""
        digits, width = self.digits[numbers], self.width[numbers]
        commas = bool((digits != width).any())
        style: str | int = ","
        if (digits > 15).any():
            return self.texts(numbers)  # more than the browser holds exactly
        if self.zero_led[numbers].any():
            if commas or (width != width[0]).any():
                return self.texts(numbers)
            style = int(width[0])
        elif commas:
            if self.four_bare[numbers].any():
                return self.texts(numbers)  # some written with commas, some without
        else:
            style = ""
        return _written(self.values[numbers], style)

    def texts(self, numbers: IntArray) -> list[str]:
        joined = self.joined
        return [joined[a:b] for a, b in zip(self.starts[numbers].tolist(), self.ends[numbers].tolist(), strict=True)]


def _written(values: npt.NDArray[np.int64], style: str | int) -> dict[str, Any]:
    """A hole's numbers as written in the JSON: as they are, or as steps when they mostly rise."""
    steps = np.diff(values)
    rising = bool(np.abs(steps).sum(dtype=np.float64) * 2 < values.sum(dtype=np.float64))  # smaller: packs smaller
    written = np.concatenate((values[:1], steps)) if rising else values
    return {"style": style, "steps": rising, "values": written.tolist()}


def unpack_column(packed: dict[str, Any]) -> list[str]:
    """The texts ``pack_column`` packed (the reference for the browser's ``unpackColumn``)."""
    shapes = [shape.split(_HOLE) for shape in packed["shapes"]]
    of = packed.get("of", [0] * packed.get("count", 0))
    holes = iter(_texts(numbers) for numbers in packed["numbers"])
    filled = [[next(holes) for _ in parts[1:]] for parts in shapes]
    texts = []
    for index in of:
        parts = shapes[index]
        pieces = [parts[0]]
        for hole, part in zip(filled[index], parts[1:], strict=True):
            pieces += [next(hole), part]
        texts.append("".join(pieces))
    return texts


def _texts(numbers: list[str] | dict[str, Any]) -> Any:
    if isinstance(numbers, list):
        return iter(numbers)
    values = numbers["values"]
    if numbers["steps"]:
        values = list(accumulate(values))
    style = numbers["style"]
    if style == ",":
        return (format(value, ",") for value in values)
    return (str(value).zfill(style) if style else str(value) for value in values)
