"""Shared by the HTML report's tests: the fixture Game's bars and name, and a reader of the page's tables."""

from __future__ import annotations

from html.parser import HTMLParser

HOSTILE = '<script>alert("pwned")</script> & co'


def ramp(start: float, step: float, n: int) -> list[tuple[float, float, float, float, float]]:
    """Bars opening at the previous close, wiggling around a trend."""
    rows = []
    close = start
    for i in range(n):
        open_ = close
        close = start + step * i + (3.0 if i % 3 == 0 else -2.0)
        rows.append((open_, max(open_, close) + 1, min(open_, close) - 1, close, 1_000_000.0))
    return rows


class _Tables(HTMLParser):
    """Collects the rows of every table with an id: their attributes and cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[dict[str, str | None], list[str]]]] = {}
        self._table: str | None = None
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self._table = attributes["id"]
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table and self._in_body:
            self.tables[self._table].append((attributes, []))
        elif tag == "td" and self._table and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
            self._in_body = False
        elif tag == "td" and self._cell is not None and self._table:
            self.tables[self._table][-1][1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> dict[str, list[tuple[dict[str, str | None], list[str]]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables
