"""Figures in words, the same way everywhere: messages, reports, explanations.

Plain functions of numbers, no dependency: the input checks, the model's
family declarations, the analyses and the command line all format a figure
with these.
"""

from __future__ import annotations

import math
from typing import Any


def number(x: float) -> str:
    """1234.5 -> '1,234', 2.5 -> '2.5', 0.0123 -> '0.0123'."""
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def money(x: float, unit: str = "yuan") -> str:
    """62e6 -> '62.0 million yuan'; below a million in full."""
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.1f} million {unit}"
    return f"{number(x)} {unit}"


def pct(r: float, digits: int | None = None) -> str:
    """0.814 -> '81.4 %' (digits=1); 0.88 -> '88 %' (digits None: as few as needed)."""
    if digits is None:
        return f"{round(100 * r, 6):g} %"
    return f"{100 * r:.{digits}f} %"


def json_number(x: Any) -> float | None:
    """A number for JSON: None for a missing, infinite or NaN value."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None
