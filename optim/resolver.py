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
    >>> sol.certified        # the independent checker held every family of the plan
    >>> r.result()           # full Result tables, only when wanted

Every plan a `Resolver` returns is checked by the independent checker
(optim/check): `solve` attaches the checker's report to the `Solution` it
returns (`certificate`, `certified`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import highspy
import numpy as np

from .check.certificate import DEFAULT_TOL
from .check.plan import PlanChecker
from .inputs.instance import Instance
from .inputs.scenarios import apply_overrides, read_value
from .model.adjacency import objective_penalties
from .model.core import TERMS, objective_expr
from .model.families import member, parts
from .model.kpis import kpis
from .results import Result, decide, extract, plan_decisions, settled
from .highs import Solution, SolveOptions, make_highs, run_highs

INF = highspy.kHighsInf


class Resolver:
    """A live HiGHS copy of a built model for repeated, cheap re-solves.

    `instance` is the instance the live model stands for: each change made
    in place (`set_rhs`, `set_weights`, `set_coverage_target`) is also made to
    it, so that every plan is checked against the figures it was solved for."""

    def __init__(self, model: Any, options: SolveOptions | None = None):
        """`model`: a built `optim.api.Model` (its `resolver()` method makes one)."""
        self.model = model
        self.instance: Instance = model.instance  # copied before its first change
        self.formulation = model.formulation
        self.options = options or SolveOptions.merged(model.instance.solver)
        self.highs = make_highs(model.compiled, self.options)
        self.last: Solution | None = None
        self.interruptible = False  # studies: Ctrl-C stops the study (see run_highs)
        self.row_lower, self.row_upper = self.formulation.row_bounds()  # this copy's bounds
        self.cost = model.compiled.cost.copy()  # this copy's costs
        self._coefs_changed = False  # coefficients changed in place since the last update
        self._result: Result | None = None  # the tables of the last plan, made on first use
        self._kpis: dict[str, float] | None = None  # the KPIs of the last plan
        self._checker: PlanChecker | None = None  # the independent checker of `instance`

    # ---- changes -----------------------------------------------------------
    def _change(self, overrides: dict[str, Any]) -> None:
        """Make a change to the instance the live model stands for (a private copy)."""
        if self.instance is self.model.instance:
            self.instance = self.instance.copy()
        apply_overrides(self.instance, overrides, "Resolver change")

    def set_rhs(self, family: str, label: Any, value: float) -> None:
        """Set the bound of row `family[label]` (label None for a one-row family):
        the upper bound of a `_le` row, the lower of a `_ge` row. `value` is in the
        instance's units (yuan, mu, ...). Only for families whose bound is one
        figure of the instance (`FamilySpec.bound`: a resource's cap, the own-funds
        budget, an area bound, ...): that figure changes too."""
        fam = self.formulation.families[family]
        rows = self.formulation.rows_of(family, label)
        path = fam.spec.bound.format(*parts(label)) if fam.spec.bound is not None else None
        bound = self.row_upper if fam.sense == "le" else self.row_lower
        if path is None or not np.allclose(bound[rows] * fam.unit, float(read_value(self.instance, path))):
            raise ValueError(f"the bound of {family}[{member(label)}] is not one figure of the instance "
                             "(e.g. the cap of a source with a minimum ticket is a coefficient): change the "
                             "instance and call update()")
        self._change({"set": {path: value}})
        value = value / fam.unit
        for row in rows:
            if fam.sense == "le":
                self.row_upper[row] = value
            else:
                self.row_lower[row] = value
            self.highs.changeRowBounds(int(row), _h(self.row_lower[row]), _h(self.row_upper[row]))

    def set_weights(self, **weights: float) -> None:
        """Change objective weights (land_income, industrial_output, coverage,
        financing_cost, value); only the columns of the changed terms are touched."""
        unknown = set(weights) - set(TERMS)
        if unknown:
            raise KeyError(f"unknown objective term(s): {', '.join(sorted(unknown))}")
        changed = [t for t, w in weights.items() if w != self.instance.objective.weight(t)]
        if not changed:
            return
        self._change({"set": {f"objective.weights.{t}": weights[t] for t in changed}})
        f = self.formulation
        cols = np.unique(np.concatenate([f.exprs[t].cols for t in changed]))
        # the adjacency penalties are a fixed part of the objective: no weight scales them
        weights = {t: self.instance.objective.weight(t) for t in TERMS}
        cost = (objective_expr(f, weights) - objective_penalties(f)).dense(f.n_cols)[cols]
        self.cost[cols] = cost
        self.highs.changeColsCost(len(cols), cols.astype(np.int32), cost)

    def set_coverage_target(self, target: float) -> None:
        """Change the coverage target (policy.coverage_target): EF - target * T_S >= 0."""
        self._change({"set": {"policy.coverage_target": target}})
        e, f = self.formulation.exprs, self.formulation
        (row,) = f.rows_of("coverage_ge")
        fam = f.families["coverage_ge"]
        expr = e["coverage"] - e["scope_investment"] * target
        old = fam.col[fam.row == row - fam.start]
        new = np.bincount(expr.cols, weights=expr.coefs, minlength=f.n_cols)
        for col in np.union1d(old, expr.cols):
            self.highs.changeCoeff(int(row), int(col), float(new[col]))
        self._coefs_changed = True

    def update(self, instance: Instance) -> str:
        """Re-state the model for `instance` (the same instance with other data, e.g.
        a sweep's run) and change the live HiGHS model in place: only the costs,
        bounds, right-hand sides and coefficients that differ are passed. If the
        structure differs (other rows or columns), the model is passed whole.
        Returns ``patched`` or ``replaced``. The new model is built like any other
        (`optim.api.Model`, with its checks), in the money unit of the first."""
        model = type(self.model)(instance, money=self.model.data.money)
        old, new = self.model.compiled, model.compiled
        same = (len(old.cost) == len(new.cost) and len(old.row_lower) == len(new.row_lower)
                and np.array_equal(old.start, new.start) and np.array_equal(old.index, new.index)
                and np.array_equal(old.integrality, new.integrality) and not self._coefs_changed)
        if same:  # compared with what the live copy holds, set_* changes included
            h = self.highs
            k = np.flatnonzero(self.cost != new.cost)
            if len(k):
                h.changeColsCost(len(k), k.astype(np.int32), new.cost[k])
            if new.offset != old.offset:
                h.changeObjectiveOffset(new.offset)
            k = np.flatnonzero((old.col_lower != new.col_lower) | (old.col_upper != new.col_upper))
            if len(k):
                h.changeColsBounds(len(k), k.astype(np.int32), _hs(new.col_lower[k]), _hs(new.col_upper[k]))
            k = np.flatnonzero((self.row_lower != new.row_lower) | (self.row_upper != new.row_upper))
            if len(k):
                h.changeRowsBounds(len(k), k.astype(np.int32), _hs(new.row_lower[k]), _hs(new.row_upper[k]))
            k = np.flatnonzero(old.value != new.value)
            if len(k):
                cols = np.searchsorted(new.start, k, side="right") - 1
                for pos, col in zip(k, cols):
                    h.changeCoeff(int(new.index[pos]), int(col), float(new.value[pos]))
        else:
            new.pass_to(self.highs)
            self.last = None  # the previous plan does not fit the new columns
        self.model = model
        self.instance = instance
        self.formulation = model.formulation
        self.row_lower, self.row_upper = self.formulation.row_bounds()
        self.cost = new.cost.copy()
        self._coefs_changed = False
        self._result = None
        return "patched" if same else "replaced"

    # ---- solve ---------------------------------------------------------------
    def solve(self, warm_start: bool = True) -> Solution:
        """Re-solve; the previous plan is passed as a MIP start when there is one.
        The plan found is checked by the independent checker: the returned
        `Solution` carries the checker's report (`certificate`, `certified`)."""
        if warm_start and self.last is not None and self.last.values is not None:
            sol = self.last.start  # HiGHS's own object: no conversion of the values
            if sol is None:
                sol = highspy.HighsSolution()
                sol.col_value = self.last.values
                sol.value_valid = True
            self.highs.setSolution(sol)
        sol = settled(self.formulation, run_highs(self.highs, self.model.compiled.integer,
                                                  interruptible=self.interruptible))
        unit = self.formulation.objective_unit  # report in yuan, like a Result
        sol = replace(sol, objective=None if sol.objective is None else sol.objective * unit,
                      bound=None if sol.bound is None else sol.bound * unit)
        self.last, self._result, self._kpis = sol, None, None
        if sol.values is not None:  # checked from the decisions, without the result tables
            data = self._data()
            dec = decide(self.formulation, data, sol.values)
            self._kpis = {k: v for k, (v, _) in kpis(self.formulation, data, dec.x).items()}
            if self._checker is None or self._checker.inst is not self.instance:
                # changes in place (`_change`) set figures, which the checker reads at each check;
                # a new instance (`update`, or the first change's copy) gets a checker of its own
                self._checker = PlanChecker(self.instance)
            sol.certificate = self._checker.check(plan_decisions(data, dec, sol.objective, self._kpis), DEFAULT_TOL)
        return sol

    def value(self, name: str) -> float:
        """Value of a named expression (e.g. `land_income`) in the last solution."""
        if self.last is None or self.last.values is None:
            raise RuntimeError("no solution to read")
        f = self.formulation
        return f.exprs[name].value(self.last.values) * f.units.get(name, 1.0)

    def kpis(self) -> dict[str, float] | None:
        """The KPIs of the last plan (the `kpis` table of `result()`, as a dict),
        read from the model's expressions; None when there is no plan."""
        return None if self._kpis is None else dict(self._kpis)

    def result(self) -> Result:
        """Full `Result` tables of the last solve, with its certificate."""
        if self.last is None:
            raise RuntimeError("solve first")
        if self._result is None:
            unit = self.formulation.objective_unit  # `extract` takes the solution in model units
            last = replace(self.last, objective=None if self.last.objective is None else self.last.objective / unit,
                           bound=None if self.last.bound is None else self.last.bound / unit)
            self._result = extract(self.formulation, self._data(), last)
            self._result.certificate = self.last.certificate
        return self._result

    def _data(self):
        """The model's index sets with the instance as changed in place (the same
        sets: a change in place never changes the model's structure)."""
        data = self.model.data
        return data if data.inst is self.instance else replace(data, inst=self.instance)


def _hs(x: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(x, dtype=np.float64), -INF, INF)


def _h(x: float) -> float:
    return INF if np.isposinf(x) else (-INF if np.isneginf(x) else float(x))
