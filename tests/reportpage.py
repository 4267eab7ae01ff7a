"""Test helpers for the HTML report: the figures as the report must show them,
worked out here on their own (not with the report's formatting code), and a
small reader of the written page (the standard library's HTML parser)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "link", "input", "hr", "col", "source", "wbr"}


def shown(value: float, unit: str) -> tuple[str, str]:
    """(figure, unit) as the English report shows a KPI of `unit` (docs/report.md)."""
    if value is None or not math.isfinite(value):
        return "–", ""
    if unit == "yuan":
        return f"{value / 1e6:,.1f}", "M yuan"
    if unit == "yuan/year":
        return f"{value / 1e6:,.1f}", "M yuan/year"
    if unit == "mu":
        return f"{value:,.1f}", "mu"
    if unit == "ratio":
        return f"{100 * value:.1f}", "%"
    if unit == "length":
        return f"{value:,.2f}", "km"
    raise AssertionError(f"no rule for unit {unit!r} in the test")


def million(value: float) -> str:
    return f"{value / 1e6:,.1f}"


def half_up(value: float, divisor: float, decimals: int) -> str:
    """value / divisor rounded half up as a reader rounds it (1,736,500,000 / 1e8 -> 17.37)."""
    q = Decimal(repr(float(value))) / Decimal(repr(float(divisor)))
    return f"{q.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"


def shown_zh(value: float, unit: str) -> tuple[str, str]:
    """(figure, unit) as the Chinese report shows a KPI of `unit` (docs/report.md): money in
    亿元 from 1e8 yuan, 万元 from 1e4, else 元; two decimals in 万元 and 亿元."""
    if value is None or not math.isfinite(value):
        return "–", ""
    if unit in ("yuan", "yuan/year"):
        per = "/年" if unit == "yuan/year" else ""
        if abs(value) >= 1e8:
            return half_up(value, 1e8, 2), "亿元" + per
        if abs(value) >= 1e4:
            return half_up(value, 1e4, 2), "万元" + per
        return half_up(value, 1, 0), "元" + per
    if unit == "mu":
        return f"{value:,.1f}", "亩"
    if unit == "ratio":
        return f"{100 * value:.1f}", "%"
    if unit == "length":
        return f"{value:,.2f}", "公里"
    raise AssertionError(f"no rule for unit {unit!r} in the test")


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list["Node"]:
        out = []
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            if all(n.attrs.get(k.replace("_", "-")) == v if v is not True else k.replace("_", "-") in n.attrs
                   for k, v in attrs.items()):
                out.append(n)
        return out

    def find(self, tag: str | None = None, **attrs: str) -> "Node":
        hits = self.find_all(tag, **attrs)
        assert hits, f"no <{tag or '*'}> with {attrs}"
        return hits[0]

    def has_class(self, cls: str) -> bool:
        return cls in self.attrs.get("class", "").split()

    def by_class(self, cls: str) -> list["Node"]:
        return [n for n in self.iter() if n.has_class(cls)]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: (v or "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    p = _Parser()
    p.feed(html)
    p.close()
    return p.root


def table_rows(table: Node) -> list[list[str]]:
    """The text of each row's cells (header row first)."""
    return [[c.text.strip() for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")]
            for tr in table.find_all("tr")]
