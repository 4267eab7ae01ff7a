"""Every figure of the report is formatted here, by `figure`, in one way per unit.

A figure is shown on a `Scale`: the divisor, the unit shown and the decimals.
`scale(unit, values, texts)` chooses it for a unit as the result tables name it
(``yuan``, ``yuan/year``, ``mu``, ``ratio``, ``length``, a resource's own unit)
and the figures to be shown together (one scale per table column, so a column
reads in one unit); the language's catalogue gives the scales by magnitude (in
English one: million yuan), the unit words and the separators.

The rules (English):

========== ============================ ==============================
unit       shown as                     example
========== ============================ ==============================
yuan       value / 1e6, 1 decimal       1,736.5 M yuan
yuan/year  value / 1e6, 1 decimal       4,223.1 M yuan/year
mu         1 decimal                    495.0 mu
ratio      x 100, 1 decimal             88.0 %
gap        x 100, 4 significant digits  0.02568 %
length, km 2 decimals                   1.25 km
price      4 significant digits below   0.3114 yuan (per unit);
           1,000, else whole yuan       3,500,000 yuan (per mu)
other      same as price                31,538 tce/year, 0.25
========== ============================ ==============================

In Chinese (the ``zh`` catalogue) money reads in 亿元 when the largest figure
shown together reaches 1 亿 (1e8 yuan), in 万元 from 1 万 (1e4 yuan), else in
元, with two decimals in 万元 and 亿元 (1,736,500,000 yuan: 17.37 亿元;
92,000,000 yuan: 9,200.00 万元); output per year likewise in 亿元/年 or
万元/年; areas in 亩, and no space before a unit in Chinese characters or a
percent sign (495.0亩, 88.0%).

A missing or non-finite figure is shown as the catalogue's ``missing`` mark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

from .texts import Texts

_SCALED = {"yuan": "money", "yuan/year": "money_per_year"}
_DECIMALS = {"mu": ("area", 1), "length": ("length", 2), "km": ("length", 2)}  # unit -> (catalogue key, decimals)


@dataclass(frozen=True)
class Scale:
    """How the figures of one unit are shown: value / divisor with `decimals`
    decimals (None: 4 significant digits below 1,000, whole numbers above), and
    the unit shown beside them."""

    divisor: float = 1.0
    unit: str = ""
    decimals: int | None = None


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def scale(unit: str | None, values: Iterable[Any], texts: Texts) -> Scale:
    """The scale for figures of `unit` shown together (e.g. one table column)."""
    nums = texts.catalogue["numbers"]
    unit = unit or ""
    if unit in _SCALED:
        scales = nums[_SCALED[unit]]
        top = max((abs(v) for v in map(_finite, values) if v is not None), default=0.0)
        divisor, shown, *decimals = next((sc for sc in scales if top >= sc[0]), scales[-1])
        return Scale(divisor, shown, decimals[0] if decimals else 1)
    if unit == "ratio":
        return Scale(0.01, nums["ratio"], 1)
    if unit == "gap":  # a solver's relative gap: small, so 4 significant digits
        return Scale(0.01, nums["ratio"], None)
    if unit in _DECIMALS:
        key, decimals = _DECIMALS[unit]
        return Scale(1.0, nums[key], decimals)
    return Scale(1.0, texts.unit(unit), None)


def figure(value: Any, sc: Scale, texts: Texts) -> str:
    """One figure as text on scale `sc`, with the language's separators."""
    nums = texts.catalogue["numbers"]
    v = _finite(value)
    if v is None:
        return nums["missing"]
    if sc.decimals is not None:
        # the figure as written (its shortest decimal form) divided exactly and rounded half up,
        # as a reader rounds it: 1,736,500,000 yuan is 17.37 亿元, not 17.36 (binary 17.364999...)
        exact = Decimal(repr(v)) / Decimal(repr(float(sc.divisor)))
        text = f"{exact.quantize(Decimal(1).scaleb(-sc.decimals), rounding=ROUND_HALF_UP):,.{sc.decimals}f}"
        return _local(text, nums)
    v = v / sc.divisor
    if abs(v) >= 999.95:  # from 1,000 on (999.95 rounds to it): whole numbers
        text = f"{v:,.0f}"
    elif v == 0:
        text = "0"
    else:  # 4 significant digits, never an exponent
        text = f"{v:.{max(0, 3 - math.floor(math.log10(abs(v))))}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return _local(text, nums)


def _local(text: str, nums: dict[str, Any]) -> str:
    """A formatted figure with the language's separators; -0.0 and figures rounded to zero read as 0."""
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text.translate(str.maketrans({",": nums["thousands"], ".": nums["decimal"]}))


def join(text: str, unit: str, texts: Texts) -> str:
    """A figure's text and its unit, as the language writes them: '495.0 mu';
    in Chinese '495.0亩', '88.0%' but '3 tce/year' (a unit in Latin letters keeps its space)."""
    if not unit or text == texts.catalogue["numbers"]["missing"]:
        return text
    tight = texts.catalogue["numbers"].get("tight_units") and not unit[0].isascii() or \
        (texts.catalogue["numbers"].get("tight_units") and unit[0] in "%/")
    return f"{text}{unit}" if tight else f"{text} {unit}"


def with_unit(value: Any, unit: str | None, texts: Texts) -> str:
    """A figure with its unit, on its own scale: '1,736.5 M yuan', '88.0 %'."""
    sc = scale(unit, [value], texts)
    return join(figure(value, sc, texts), sc.unit, texts)


__all__ = ["Scale", "scale", "figure", "with_unit", "join"]
