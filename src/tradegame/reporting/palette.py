"""Colours for the series of a chart: plotly's ten, then as many more as needed, none repeated.

The first ten are plotly's default qualitative colours (what a reader of plotly charts expects);
beyond them each colour is generated from its index alone (hues a golden angle apart, at three
lightness levels), so the same Positions get the same colours every time, and a colour already
given (or ``reserved``, such as the cash band's grey) is skipped. Imports nothing; reads and writes nothing.
"""

from __future__ import annotations

import colorsys
from collections.abc import Collection

__all__ = ["PLOTLY_COLORS", "series_colors"]

PLOTLY_COLORS = (
    "#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a",
    "#19d3f3", "#ff6692", "#b6e880", "#ff97ff", "#fecb52",
)  # fmt: skip
_GOLDEN_ANGLE = 0.381966  # of a turn


def series_colors(count: int, reserved: Collection[str] = ()) -> list[str]:
    """``count`` distinct colours (``#rrggbb``), none of them in ``reserved``."""
    taken = {color.lower() for color in reserved}
    colors: list[str] = []
    index = 0
    while len(colors) < count:
        color = PLOTLY_COLORS[index] if index < len(PLOTLY_COLORS) else _generated(index - len(PLOTLY_COLORS))
        index += 1
        if color not in taken:
            taken.add(color)
            colors.append(color)
    return colors


def _generated(index: int) -> str:
    hue = (0.07 + index * _GOLDEN_ANGLE) % 1.0
    lightness = (0.45, 0.32, 0.6)[(index // 7) % 3]
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, 0.65)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"
