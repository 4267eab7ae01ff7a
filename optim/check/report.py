"""The checker's report: one row per family with its largest violation.

Rows `lhs (sense) rhs` are added per family; `Report.frame` gives, per family,
the largest violation in its own unit, the largest relative violation
`violation / max(1, |rhs|, scale)` (`scale`: the size of what a row with a
right-hand side of 0 balances, such as the money flowing through a cash
balance, so that a few fen of rounding on a balance of millions is not a
violation), whether it holds within the tolerance, the worst
member, and from the family's declaration (optim/model/families.py) its unit
and its title in planner terms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model import spec_of

COLUMNS = ["max_violation", "relative", "ok", "worst", "unit", "title"]


class Report:
    """Rows `lhs (sense) rhs` grouped by family; sense is ``le``, ``ge`` or ``eq``."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}

    def family(self, name: str) -> None:
        """Declare a family that applies, even if it has no rows."""
        self.rows.setdefault(name, [])

    def add(self, family: str, members: Any, lhs: Any, rhs: Any, sense: str, scale: Any = 0.0) -> None:
        members = np.asarray(members, dtype=object)
        if members.ndim == 0:
            members = members.reshape(1)
        lhs, rhs = _vector(lhs, members.shape), _vector(rhs, members.shape)
        with np.errstate(invalid="ignore"):
            if sense == "le":
                viol = np.maximum(0.0, lhs - rhs)
            elif sense == "ge":
                viol = np.maximum(0.0, rhs - lhs)
            else:
                viol = np.abs(lhs - rhs)
        viol[np.isnan(viol)] = np.inf
        floor = np.abs(np.where(np.isfinite(rhs), rhs, 0.0))
        if not (np.ndim(scale) == 0 and scale == 0.0):  # the size of what a row balances
            floor = np.maximum(floor, np.abs(np.nan_to_num(_vector(scale, members.shape))))
        rel = viol / np.maximum(1.0, floor)
        self.rows.setdefault(family, []).append((members, viol, rel))

    def frame(self, tol: float, inst: Any = None) -> pd.DataFrame:
        """The report: one row per family (COLUMNS), in the order the families were added."""
        out: dict[str, list] = {c: [] for c in ["family", *COLUMNS]}
        for name, parts in self.rows.items():
            if parts:
                members = np.concatenate([p[0] for p in parts])
                viol = np.concatenate([p[1] for p in parts])
                rel = np.concatenate([p[2] for p in parts])
            else:
                members, viol, rel = np.array([], dtype=object), np.zeros(0), np.zeros(0)
            if len(viol) and rel.max() > 0:
                k = int(np.argmax(rel))
                worst, max_rel = str(members[k]), float(rel[k])
            else:
                worst, max_rel = "", 0.0
            max_viol = float(viol.max()) if len(viol) else 0.0
            spec = spec_of(name)
            if spec.quantity == "resource":
                unit = spec.unit(inst, worst.split("/")[0], fallback="units") if worst else "resource units"
            else:
                unit = spec.unit(inst)
            for column, value in zip(out, (name, max_viol, max_rel, max_rel <= tol, worst, unit, spec.title)):
                out[column].append(value)
        return pd.DataFrame({c: np.array(v, dtype=float if c in ("max_violation", "relative") else
                                          bool if c == "ok" else object) for c, v in out.items() if c != "family"},
                            index=pd.Index(out["family"], name="family", dtype=object))


def _vector(x: Any, shape: tuple[int, ...]) -> np.ndarray:
    """`x` as floats of `shape` (a scalar is repeated)."""
    x = np.asarray(x, dtype=float)
    return x if x.shape == shape else np.broadcast_to(x, shape)
