"""Fast re-solves for studies: one live HiGHS object, changed in place.

A sweep or a Pareto front solves the same model many times with a few
numbers changed. `Resolver` keeps the compiled model inside one
`highspy.Highs`, changes only the right-hand sides, objective weights and
coefficients that the study changes, passes the previous plan as a MIP
start, and reads back only the values asked for.

    >>> model = optim.build(inst)
    >>> r = model.resolver()
    >>> r.set_rhs("resource_cap_le", "energy", 9.0)
    >>> sol = r.solve()
    >>> r.result()          # full Result tables, only when wanted
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from .solve import SolveOptions, apply_options, make_highs, run_highs, Solution

if TYPE_CHECKING:  # pragma: no cover
    from .api import Model
    from .results import Result

INF = highspy.kHighsInf


class Resolver:
    """A live HiGHS copy of a built model for repeated, cheap re-solves."""

    def __init__(self, model: "Model", options: SolveOptions | None = None):
        self.model = model
        self.options = options or SolveOptions.merged(model.instance.solver)
        self.highs = make_highs(model.compiled, self.options)
        self.last: Solution | None = None
        self._rows: dict[tuple[str, Any], list[tuple[int, int]]] | None = None
        self._terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.weights = {t: model.instance.objective.weight(t)
                        for t in ("land_income", "industrial_output", "coverage", "financing_cost")}

    # ---- maps --------------------------------------------------------------
    def rows(self, constraint: str, index: Any = None) -> list[tuple[int, int]]:
        """HiGHS rows (row, sense) of one constraint; sense 0 '==', 1 '<=', -1 '>='."""
        if self._rows is None:
            rows: dict[tuple[str, Any], list[tuple[int, int]]] = defaultdict(list)
            for k, (con, sense) in enumerate(self.model.compiled.rows):
                rows[(con.parent_component().local_name, con.index())].append((k, sense))
            self._rows = dict(rows)
        key = (constraint, index)
        if key not in self._rows:
            raise KeyError(f"no constraint {constraint}[{index}] in the model")
        return self._rows[key]

    def term(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, coefficients) of a named linear expression of the model."""
        if name not in self._terms:
            t = self.model.pyomo._terms
            col_of = self.model.compiled.col_of
            cols, coefs = [], []
            for c, v in zip(t.coefs.get(name, []), t.vars.get(name, [])):
                col = col_of.get(id(v))
                if col is not None:
                    cols.append(col)
                    coefs.append(c)
            cols_a = np.asarray(cols, dtype=np.int32)
            coefs_a = np.asarray(coefs, dtype=float)
            # one coefficient per column (a variable may appear twice in a term)
            uniq, inv = np.unique(cols_a, return_inverse=True)
            self._terms[name] = (uniq.astype(np.int32), np.bincount(inv, weights=coefs_a))
        return self._terms[name]

    # ---- changes -----------------------------------------------------------
    def set_rhs(self, constraint: str, index: Any, value: float) -> None:
        """Set the right-hand side of `constraint[index]` (sense kept)."""
        for row, sense in self.rows(constraint, index):
            lo = value if sense <= 0 else -INF
            hi = value if sense >= 0 else INF
            self.highs.changeRowBounds(row, lo, hi)

    def set_weights(self, **weights: float) -> None:
        """Change objective weights (land_income, industrial_output, coverage,
        financing_cost); only the columns of changed terms are touched."""
        sense = {"land_income": 1.0, "industrial_output": 1.0, "coverage": 1.0, "financing_cost": -1.0}
        changed = {t: w for t, w in weights.items() if w != self.weights[t]}
        if not changed:
            return
        self.weights.update(changed)
        cols = np.unique(np.concatenate([self.term(t)[0] for t in changed]))
        cost = np.zeros(len(cols))
        for t, w in self.weights.items():
            tc, tv = self.term(t)
            pos = np.searchsorted(cols, tc)
            hit = (pos < len(cols)) & (cols[np.minimum(pos, len(cols) - 1)] == tc)
            np.add.at(cost, pos[hit], sense[t] * w * tv[hit])
        self.highs.changeColsCost(len(cols), cols, cost)

    def set_coefficients(self, constraint: str, index: Any, term: str, scale: float,
                         plus: str | None = None) -> None:
        """Set the coefficients of `constraint[index]` to `scale * term` (+ `plus` term
        with coefficient 1): e.g. coverage_ge = coverage - t * scope_investment."""
        cols, coefs = self.term(term)
        new = {int(c): scale * v for c, v in zip(cols, coefs)}
        if plus:
            for c, v in zip(*self.term(plus)):
                new[int(c)] = new.get(int(c), 0.0) + v
        for row, _ in self.rows(constraint, index):  # mixed form keeps signs as written
            for col, val in new.items():
                self.highs.changeCoeff(row, col, val)

    def set_coverage_target(self, target: float) -> None:
        """Change the coverage target: EF - target * T_S >= 0."""
        self.set_coefficients("coverage_ge", None, "scope_investment", -target, plus="coverage")

    def set_options(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self.options, key, value)
        apply_options(self.highs, self.options)

    # ---- solve ---------------------------------------------------------------
    def solve(self, warm_start: bool = True) -> Solution:
        """Re-solve; the previous plan is passed as a MIP start when there is one."""
        if warm_start and self.last is not None and self.last.values is not None:
            sol = highspy.HighsSolution()
            sol.col_value = self.last.values
            sol.value_valid = True
            self.highs.setSolution(sol)
        self.last = run_highs(self.highs, self.model.compiled.integer)
        return self.last

    def value(self, term: str) -> float:
        """Value of a named expression (e.g. `land_income`) in the last solution."""
        if self.last is None or self.last.values is None:
            raise RuntimeError("no solution to read")
        cols, coefs = self.term(term)
        return float(coefs @ self.last.values[cols])

    def result(self) -> "Result":
        """Full `Result` tables of the last solve."""
        from .results import extract

        if self.last is None:
            raise RuntimeError("solve first")
        return extract(self.model.pyomo, self.model.data, self.model.compiled, self.last)
