"""Pareto fronts between two objective terms (augmented epsilon-constraint).

The terms are those of the objective: `land_income`, `industrial_output`,
`coverage` (external financing in scope, yuan) and `financing_cost`
(minimised); with `objective.values: present` the land income and output are
present values. With g_t = +term for a maximised term and -term for
financing cost, the method (AUGMECON, Mavrotas 2009) is:

1. payoff table, lexicographically: max g_x, then max g_y with g_x held at its
   optimum (gives y_lo); max g_y (gives y_hi), then max g_x with g_y held;
2. for K values eps_k evenly spaced in [y_lo, y_hi]:
       max g_x + delta * s / r_y   s.t.  g_y - s = eps_k,  s >= 0
   (r_y = y_hi - y_lo, delta = 1e-3): the slack term makes each solution
   efficient, so no weakly dominated point is returned.

A point whose solve stopped at a limit keeps its status and gap and is never
marked `on_front`; duplicates and (by safety) any point dominated by another
optimal point are not `on_front` either. Points are numbered by rising eps
(y rises, x falls along the front). `mrs` is the marginal rate of
substitution between neighbouring front points: -(x_k - x_{k-1}) / (y_k -
y_{k-1}) (NaN at the first), the units of x given up per unit of y gained (e.g. yuan of land
income per yuan of annual output). Other parts of the instance's objective
(weights, adjacency penalties) do not enter the front.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd

from ..api import Model
from ..errors import InstanceError, Problem
from ..export import CSV_ENCODING
from ..inputs.instance import Instance
from ..inputs.reader import load
from ..model.core import TERM_SENSE, TERMS
from ..model.families import FamilySpec
from ..model.formulation import Expr
from ..results import extract
from ..highs import SolveOptions, compile_model, make_highs, run_highs
from ..text import json_number
from .parallel import run_tasks, state

DELTA = 1e-3

# the rows the epsilon-constraint method adds to the instance's model
PARETO_EPS = FamilySpec(
    "pareto_eps_eq", "epsilon row of a Pareto front", "epsilon row", quantity="money", structural=True, kind="study",
    checked_by="objective", math="g_y - s = eps (s >= 0: the slack of the augmented method)")
PARETO_X = FamilySpec(
    "pareto_x_ge", "the first term held at its optimum", "the first term held", quantity="money",
    structural=True, kind="study", checked_by="objective", math="g_x >= its optimum (payoff table)")


@dataclass
class Front:
    x: str
    y: str
    points: pd.DataFrame
    payoff: pd.DataFrame
    results: dict[int, Any] = field(default_factory=dict)
    seconds: float = 0.0
    about: dict[str, Any] = field(default_factory=dict)  # the instance: name, file, scenarios, language

    def to_dict(self) -> dict[str, Any]:
        pts = []
        for r in self.points.to_dict("records"):
            pts.append({"point": int(r["point"]), self.x: json_number(r[self.x]), self.y: json_number(r[self.y]),
                        "status": r["status"], "gap": json_number(r["gap"]), "on_front": bool(r["on_front"]),
                        "mrs": json_number(r["mrs"]), "epsilon": json_number(r["epsilon"]),
                        "certified": r["certified"]})
        return {"x": self.x, "y": self.y, "points": pts,
                "payoff": self.payoff.reset_index().replace({np.nan: None}).to_dict("records"),
                "seconds": round(self.seconds, 3)}

    def write(self, out: str | Path) -> Path:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.points.to_csv(out / "points.csv", index=False, encoding=CSV_ENCODING)
        self.payoff.to_csv(out / "payoff.csv", encoding=CSV_ENCODING)
        (out / "front.json").write_text(json.dumps({**self.about, "x": self.x, "y": self.y}, ensure_ascii=False,
                                                   indent=1), encoding="utf-8")
        for k, res in self.results.items():
            if res is not None and res.has_plan:
                res.write(out / "points" / str(k))
        return out


class _Augmented:
    """The instance's model plus the epsilon row and its slack, in one live HiGHS.
    The model is built like any other (`optim.api.Model`, with its checks); the
    plans of the front are certified on the instance's own model."""

    def __init__(self, inst: Instance, x: str, y: str, options: dict[str, Any]):
        self.model = Model(inst)
        f, d = self.model.formulation, self.model.data
        self.f, self.d = f, d
        self.gx = _term(f, x)
        self.gy = _term(f, y)
        f.add_vars("v_eps_slack", ["s"])
        s = f.col("v_eps_slack")
        f.add_row(PARETO_EPS, self.gy - Expr.of(s, 1.0), lower=-np.inf, upper=np.inf)
        f.add_row(PARETO_X, self.gx, lower=-np.inf)
        self.eps_row = int(f.rows_of("pareto_eps_eq")[0])
        self.x_row = int(f.rows_of("pareto_x_ge")[0])
        self.s_col = int(s[0])
        self.base_objective = f.objective  # the instance's own objective, for the points' results
        self.base_offset = f.objective_offset
        f.set_objective(self.gx, maximize=True)
        self.compiled = compile_model(f)
        self.options = SolveOptions.merged(inst.solver, **options)
        self.h = make_highs(self.compiled, self.options)
        self.last = None
        self.unit = d.money

    def objective(self, expr: Expr) -> None:
        cost = expr.dense(self.f.n_cols)
        self.h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)

    def rows(self, eps: float | None, x_min: float | None) -> None:
        inf = 1e30
        lo = -inf if eps is None else eps
        self.h.changeRowBounds(self.eps_row, lo, inf if eps is None else eps)
        self.h.changeRowBounds(self.x_row, -inf if x_min is None else x_min, inf)

    def solve(self):
        if self.last is not None and self.last.values is not None:
            sol = highspy.HighsSolution()
            sol.col_value = self.last.values
            sol.value_valid = True
            self.h.setSolution(sol)
        out = run_highs(self.h, self.compiled.integer)
        if out.values is not None:
            self.last = out
        return out


def _term(f, name: str) -> Expr:
    """g_t in model units: + the term for maximised terms, - for financing cost."""
    return f.exprs.get(f"objective:{name}", f.exprs[name]) * TERM_SENSE[name]


def _lexi(aug: _Augmented, first: Expr, second: Expr, first_row: str) -> tuple[Any, Any]:
    """max first; then max second with first held at its optimum."""
    aug.rows(None, None)
    aug.objective(first)
    a = aug.solve()
    if a.values is None:
        return a, None
    best = first.value(a.values)
    hold = best - 1e-7 * max(1.0, abs(best)) - (abs(best) * (a.gap or 0.0))
    if first_row == "x":
        aug.rows(None, hold)
    else:
        aug.rows(hold, None)
    aug.objective(second)
    b = aug.solve()
    aug.rows(None, None)
    return a, b


def _init(inst: Instance, x: str, y: str, options: dict[str, Any]) -> None:
    state()["aug"] = _Augmented(inst, x, y, options)


def _point(task: tuple[int, float, float]) -> dict[str, Any]:
    k, eps, r = task
    aug: _Augmented = state()["aug"]
    aug.rows(eps, None)
    aug.objective(aug.gx + Expr.of([aug.s_col], DELTA / r if r > 0 else 0.0))
    sol = aug.solve()
    res = None
    if sol.values is not None:  # the point's plan, with the instance's objective (not the epsilon problem's)
        res = extract(aug.f, aug.d, sol)
        res.objective = (aug.base_objective.value(sol.values) + aug.base_offset) * aug.f.objective_unit
        res.bound = None
        res = aug.model.certify(res)
    return {"k": k, "status": sol.status, "gap": sol.gap, "values": sol.values,
            "result": res}


def pareto(source: Instance | str | Path, x: str = "land_income", y: str = "industrial_output", *,
           points: int = 10, workers: int = 1, scheduler: str | None = None,
           progress: bool | None = None, **solve_options: Any) -> Front:
    """The Pareto front between objective terms `x` and `y` with `points` epsilon
    values (see the module docstring). Keyword options go to HiGHS. Every plan
    of the front carries the independent checker's report (`certified`)."""
    problems = [Problem(f"--{n}", f"unknown objective {t!r} (one of {', '.join(TERMS)})")
                for n, t in (("x", x), ("y", y)) if t not in TERMS]
    if x == y and not problems:
        problems.append(Problem("--y", "the two objectives must differ"))
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        problems.append(Problem("--points", f"must be an integer >= 2, not {points!r}"))
    if problems:
        raise InstanceError(problems)
    inst = load(source) if isinstance(source, (str, Path)) else source
    options = {k: v for k, v in solve_options.items() if v is not None}
    start = time.perf_counter()
    aug = _Augmented(inst, x, y, options)
    S = aug.unit
    xa, ya = _lexi(aug, aug.gx, aug.gy, "x")
    yb, xb = _lexi(aug, aug.gy, aug.gx, "y")
    if ya is None or xb is None or ya.values is None or xb.values is None:
        status = xa.status if ya is None else yb.status
        raise InstanceError([Problem(inst.name or "instance",
                                     f"no plan for the payoff table (status {status}): the front is empty")])
    sx, sy = TERM_SENSE[x], TERM_SENSE[y]
    payoff = pd.DataFrame(
        {x: [aug.gx.value(ya.values) * S * sx, aug.gx.value(xb.values) * S * sx],
         y: [aug.gy.value(ya.values) * S * sy, aug.gy.value(xb.values) * S * sy],
         "status": [ya.status, xb.status]},
        index=pd.Index([f"best {x}", f"best {y}"], name="optimum of"))
    y_lo, y_hi = aug.gy.value(ya.values), aug.gy.value(xb.values)
    r = max(y_hi - y_lo, 0.0)
    eps = np.linspace(y_lo, y_hi, points) if r > 0 else np.array([y_lo])
    tasks = [(k, float(e), r) for k, e in enumerate(eps)]
    if workers <= 1 and scheduler is None:  # reuse this live model, warm-started
        state()["aug"] = aug
        try:
            outs = [_point(t) for t in tasks]
        finally:
            state().pop("aug", None)
    else:
        outs = run_tasks(_point, tasks, workers=workers, scheduler=scheduler, progress=progress,
                         label="pareto", initializer=_init, initargs=(inst, x, y, options))
    rows, results = [], {}
    for o in sorted(outs, key=lambda o: o["k"]):
        v = o["values"]
        res = o["result"]
        results[o["k"]] = res
        rows.append({
            "point": o["k"], "epsilon": float(eps[o["k"]]) * S * sy,
            "x_name": x, "y_name": y,
            x: aug.gx.value(v) * S * sx if v is not None else np.nan,
            y: aug.gy.value(v) * S * sy if v is not None else np.nan,
            "status": o["status"], "gap": o["gap"],
            "rezoned_area": res.kpi("rezoned_area") if res is not None and res.has_plan else np.nan,
            "coverage_ratio": res.kpi("coverage") if res is not None and res.has_plan else np.nan,
            "certified": res.certified if res is not None else None,
        })
    table = pd.DataFrame(rows)
    table["on_front"] = _efficient(table, x, y, sx, sy)
    table["mrs"] = np.nan
    front = table[table["on_front"]].sort_values("point")  # y rises with the point
    prev = None
    for i, row in front.iterrows():
        if prev is not None and row[y] != prev[y]:
            table.loc[i, "mrs"] = -(row[x] - prev[x]) / (row[y] - prev[y])
        prev = row
    path = getattr(inst, "path", None)
    about = {"instance": inst.name,
             "instance_file": str(Path(path).resolve()) if path is not None and Path(path).is_file() else None,
             "scenarios": list(inst.applied_scenarios), "language": getattr(inst, "language", "en")}
    return Front(x=x, y=y, points=table, payoff=payoff, results=results,
                 seconds=time.perf_counter() - start, about=about)


def _efficient(t: pd.DataFrame, x: str, y: str, sx: float, sy: float) -> np.ndarray:
    """Optimal, not a duplicate of an earlier point, not dominated by another optimal point."""
    gx = t[x].to_numpy(dtype=float) * sx
    gy = t[y].to_numpy(dtype=float) * sy
    ok = (t["status"] == "optimal").to_numpy()
    tol = 1e-6 * max(1.0, np.nanmax(np.abs(np.concatenate([gx, gy]))) if len(gx) else 1.0)
    out = np.zeros(len(t), dtype=bool)
    for i in range(len(t)):
        if not ok[i]:
            continue
        dup = any(ok[j] and abs(gx[j] - gx[i]) <= tol and abs(gy[j] - gy[i]) <= tol for j in range(i))
        dominated = any(ok[j] and gx[j] >= gx[i] - tol and gy[j] >= gy[i] - tol
                        and (gx[j] > gx[i] + tol or gy[j] > gy[i] + tol) for j in range(len(t)))
        out[i] = not dup and not dominated
    return out
