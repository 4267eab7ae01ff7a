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

A missing or non-finite figure is shown as the catalogue's ``missing`` mark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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
        divisor, shown = next(((d, u) for d, u in scales if top >= d), scales[-1])
        return Scale(divisor, shown, 1)
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
    v = v / sc.divisor
    if sc.decimals is not None:
        text = f"{v:,.{sc.decimals}f}"
    elif abs(v) >= 999.95:  # from 1,000 on (999.95 rounds to it): whole numbers
        text = f"{v:,.0f}"
    elif v == 0:
        text = "0"
    else:  # 4 significant digits, never an exponent
        text = f"{v:.{max(0, 3 - math.floor(math.log10(abs(v))))}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    if text.lstrip("-").strip("0.,") == "":  # -0.0 and rounding to zero read as 0
        text = text.lstrip("-")
    return text.translate(str.maketrans({",": nums["thousands"], ".": nums["decimal"]}))


def with_unit(value: Any, unit: str | None, texts: Texts) -> str:
    """A figure with its unit, on its own scale: '1,736.5 M yuan', '88.0 %'."""
    sc = scale(unit, [value], texts)
    text = figure(value, sc, texts)
    if text == texts.catalogue["numbers"]["missing"] or not sc.unit:
        return text
    return f"{text} {sc.unit}"


__all__ = ["Scale", "scale", "figure", "with_unit"]
