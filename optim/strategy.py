"""How a model is solved: HiGHS alone (`plain`) or guided by the LP relaxation (`lp-guided`).

A park model's LP relaxation is nearly integral and very tight: at 5,000 to
30,000 parcels it lies within 1e-5 to 6e-4 of the optimum, with a handful of
fractional values. The `lp-guided` strategy uses that:

1. solve the LP relaxation (dual simplex; HiGHS's LP presolve runs without its
   search for dependent equations, which took 86 s on a phased 5,000-parcel park
   whose LP solves in 1.5 to 3 s);
2. a safe bound from its row duals (optim/safe_bound.py): valid whatever the
   LP's tolerances did;
3. an LP-guided plan: every parcel whose LP solution is integral, and whose
   options (and rezoning periods) are clearly apart in reduced cost, is fixed
   to its LP use (and period); the fractional parcels and the closest calls
   stay free, with every project, source and start period; this restricted
   MIP is solved briefly;
4. if the safe bound proves that plan within the requested gap, stop
   (`proved_by: lp_bound`); else HiGHS solves the whole model with the plan as
   its start (`proved_by: mip`); its bound is combined with the LP's.

Every step counts against the time limit; a limit (or Ctrl-C) in the middle
returns the best plan so far with the best bound so far, as `feasible`, never
`optimal`. An LP that is not solved to optimality (infeasible, unbounded, a
solver failure) hands over to HiGHS alone, so "no plan" is classified exactly
as on the plain path. `plain` is HiGHS alone on the model, as it is passed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .highs import OPTIMAL_GAP, STRATEGIES, Compiled, Solution, SolveOptions, make_highs, run_highs
from .model.data import ModelData
from .model.formulation import Formulation
from .safe_bound import safe_bound

DEFAULT_STRATEGY = STRATEGIES[0]

# The LP-guided plan: the share of the parcels (integral in the LP) left free in the
# restricted MIP, those whose choice is the closest call in reduced cost.
FREE_SHARE = 0.10
# HiGHS options for the LP relaxation: dual simplex after HiGHS's LP presolve without its
# search for dependent equations (presolve rule 10, bit 1024), which ran 86 s on a phased
# 5,000-parcel park whose LP then solves in 1.5 to 3 s; with the rest of presolve the LP
# of a phased 30,000-parcel park took 31 s, against 116 s without any. The user's
# presolve and solver settings are for the whole MIP.
LP_OPTIONS = {"presolve": "on", "presolve_rule_off": 1024, "solver": "simplex"}
# HiGHS options for the restricted MIP: its presolve removes the fixed columns (most of
# them), so that even a model beyond LARGE_MODEL_COLUMNS (optim/highs.py, where the
# whole MIP runs without presolve) leaves a small MIP, solved by dual simplex.
RESTRICTED_OPTIONS = {"presolve": "on", "mip_lp_solver": "choose"}
# HiGHS options for the whole MIP once it has a start (unless the user sets them): the
# feasibility-jump heuristic runs before the root and never produced the incumbent in
# the measurements (benchmarks/solve_speed.py).
MIP_OPTIONS = {"mip_heuristic_run_feasibility_jump": False}
ABS_GAP = 1e-6  # HiGHS's default mip_abs_gap
# Below this many integer columns (about 3,000 parcels, one period) a model whose LP
# relaxation is fractional outside the parcels goes to HiGHS alone (`worth_a_plan`).
SMALL_MODEL = 10_000
PARCEL_GROUPS = ("v_use", "v_rez")  # the integer columns the LP-guided plan fixes


@dataclass
class Step:
    """One step of a strategy: what ran, how long, what it found (model units)."""

    name: str
    seconds: float
    status: str
    objective: float | None = None
    bound: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "seconds": round(self.seconds, 6), "status": self.status,
                "objective": self.objective, "bound": self.bound}


@dataclass
class Outcome:
    """What a strategy returns: the `Solution` (objective and bound in model units)
    and the steps it took."""

    solution: Solution
    steps: list[Step] = field(default_factory=list)


def relative_gap(objective: float, bound: float, maximize: bool) -> float:
    """(bound - objective) / max(1, |objective|), bound and objective in the model's
    units (for a minimisation: (objective - bound) / ...); 0 when they meet."""
    diff = (bound - objective) if maximize else (objective - bound)
    return max(0.0, diff) / max(1.0, abs(objective))


def gap_of(options: SolveOptions) -> tuple[float, float]:
    """The relative and absolute gaps the user asked for (HiGHS's defaults otherwise)."""
    rel = options.highs.get("mip_rel_gap", options.mip_rel_gap)
    rel = OPTIMAL_GAP if rel is None else float(rel)
    return rel, float(options.highs.get("mip_abs_gap", ABS_GAP))


def solve_plain(compiled: Compiled, options: SolveOptions) -> Outcome:
    """HiGHS alone on the model as passed."""
    sol = run_highs(make_highs(compiled, options), compiled.integer)
    sol.proved_by = "mip" if sol.bound is not None else None
    return Outcome(sol, [Step("mip", sol.seconds, sol.status, sol.objective, sol.bound)])


class _Clock:
    """The time left of a time limit (None: no limit)."""

    def __init__(self, limit: float | None):
        self.start = time.perf_counter()
        self.limit = limit

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float | None:
        return None if self.limit is None else self.limit - self.elapsed

    def out(self) -> bool:
        left = self.left()
        return left is not None and left <= 0


def _with(options: SolveOptions, defaults: dict[str, Any], time_limit: float | None,
          force: dict[str, Any] | None = None, **overrides: Any) -> SolveOptions:
    """`options` for one step: HiGHS `defaults` the user did not set, the options
    the step needs (`force`: an LP solved as an LP, a restricted MIP presolved),
    the time left."""
    highs = {**{k: v for k, v in defaults.items() if k not in options.highs}, **options.highs, **(force or {})}
    opts = replace(options, highs=highs, **overrides)
    if time_limit is not None:
        opts.time_limit = max(time_limit, 1e-3)
    return opts


def solve_lp_guided(compiled: Compiled, f: Formulation, d: ModelData, options: SolveOptions) -> Outcome:
    """The LP-guided strategy (module docstring). Objective and bound in model units."""
    if not compiled.integer:
        return solve_plain(compiled, options)
    clock = _Clock(options.time_limit)
    rel_gap, abs_gap = gap_of(options)
    maximize = compiled.maximize
    steps: list[Step] = []

    # 1. the LP relaxation
    lp = replace(compiled, integrality=np.zeros_like(compiled.integrality))
    lp_opts = _with(options, {}, clock.left(), force=LP_OPTIONS, mip_rel_gap=None)
    lp_sol = run_highs(make_highs(lp, lp_opts), False)
    steps.append(Step("lp", lp_sol.seconds, lp_sol.status, lp_sol.objective))
    if lp_sol.termination == "interrupted":
        return Outcome(Solution("no_solution", "interrupted", None, None, None, None, clock.elapsed), steps)
    if lp_sol.status != "optimal" or lp_sol.start is None or not lp_sol.start.dual_valid:
        if clock.out():
            return Outcome(Solution("no_solution", "time_limit", None, None, None, None, clock.elapsed), steps)
        # infeasible, unbounded or unsolved: HiGHS alone says what the model is
        return _hand_over(compiled, options, clock, steps, start=None, lp_bound=None)

    # 2. the safe bound
    t = time.perf_counter()
    bound = safe_bound(compiled, np.asarray(lp_sol.start.row_dual, dtype=float))
    lp_bound = float(bound.value) if bound.finite else None
    steps.append(Step("safe_bound", time.perf_counter() - t, "finite" if bound.finite else "infinite",
                      bound=lp_bound))

    # 3. the LP-guided plan
    x_lp = np.asarray(lp_sol.start.col_value, dtype=float)
    rc = np.asarray(lp_sol.start.col_dual, dtype=float)
    plan = None
    if not worth_a_plan(compiled, f, x_lp):
        steps.append(Step("guided_plan", 0.0, "skipped"))
        return _hand_over(compiled, options, clock, steps, start=None, lp_bound=lp_bound)
    lower, upper = restricted_bounds(compiled, f, d, x_lp, rc)
    if not clock.out():
        restricted = replace(compiled, col_lower=lower, col_upper=upper)
        budget = restricted_budget(compiled, steps[0].seconds, clock.left())
        r_opts = _with(options, {}, budget, force=RESTRICTED_OPTIONS, mip_rel_gap=rel_gap / 2)
        r_sol = run_highs(make_highs(restricted, r_opts), True)
        steps.append(Step("guided_plan", r_sol.seconds, r_sol.status, r_sol.objective, r_sol.bound))
        if r_sol.values is not None:
            plan = r_sol
        if r_sol.termination == "interrupted":
            return Outcome(_best(plan, lp_bound, maximize, "interrupted", clock), steps)

    # 4. proved by the LP bound, or HiGHS on the whole model from the plan
    if plan is not None and lp_bound is not None and _proved(plan.objective, lp_bound, maximize, rel_gap, abs_gap):
        return Outcome(_best(plan, lp_bound, maximize, "optimal", clock), steps)
    if clock.out():
        return Outcome(_best(plan, lp_bound, maximize, "time_limit", clock), steps)
    return _hand_over(compiled, options, clock, steps, start=plan, lp_bound=lp_bound)


def _proved(objective: float, bound: float, maximize: bool, rel_gap: float, abs_gap: float) -> bool:
    diff = (bound - objective) if maximize else (objective - bound)
    return diff <= abs_gap or diff <= rel_gap * max(1.0, abs(objective))


def _best(plan: Solution | None, lp_bound: float | None, maximize: bool, termination: str,
          clock: _Clock) -> Solution:
    """The plan found so far with the LP's safe bound: `optimal` only when proved
    within OPTIMAL_GAP (termination "optimal"), else `feasible` (or `no_solution`)."""
    proved_by = None if lp_bound is None else "lp_bound"
    if plan is None:
        return Solution("no_solution", termination, None, lp_bound, None, None, clock.elapsed,
                        proved_by=proved_by)
    gap = relative_gap(plan.objective, lp_bound, maximize) if lp_bound is not None else None
    status = "feasible"
    if termination == "optimal":
        if gap is not None and (gap <= OPTIMAL_GAP or abs(lp_bound - plan.objective) <= ABS_GAP):
            status = "optimal"
        else:
            termination = "gap_limit"
    return Solution(status, termination, plan.objective, lp_bound, gap, plan.values, clock.elapsed,
                    nodes=plan.nodes, start=plan.start, proved_by=proved_by)


def _hand_over(compiled: Compiled, options: SolveOptions, clock: _Clock, steps: list[Step],
               start: Solution | None, lp_bound: float | None) -> Outcome:
    """HiGHS on the whole model, from the plan `start` when there is one; its bound
    combined with the LP's safe bound."""
    maximize = compiled.maximize
    opts = _with(options, MIP_OPTIONS if start is not None else {}, clock.left())
    h = make_highs(compiled, opts)
    if start is not None:
        h.setSolution(start.start)
    sol = run_highs(h, compiled.integer)
    steps.append(Step("mip", sol.seconds, sol.status, sol.objective, sol.bound))
    if start is not None and sol.status not in ("infeasible", "unbounded", "error") and (
            sol.values is None or (start.objective > sol.objective if maximize else start.objective < sol.objective)):
        # a limit before HiGHS took up the start (or HiGHS did not take it): the start is the best plan
        sol = replace(sol, status="feasible" if sol.status != "optimal" else sol.status,
                      objective=start.objective, values=start.values, start=start.start)
    sol.proved_by = "mip" if sol.bound is not None else None
    if lp_bound is not None and sol.status not in ("infeasible", "unbounded", "error"):
        tighter = sol.bound is None or (lp_bound < sol.bound if maximize else lp_bound > sol.bound)
        if tighter:
            sol.bound, sol.proved_by = lp_bound, "lp_bound"
    if lp_bound is not None and sol.values is not None:
        sol.gap = relative_gap(sol.objective, sol.bound, maximize)
        if sol.status == "feasible" and sol.termination not in ("time_limit", "interrupted") and \
                sol.gap <= OPTIMAL_GAP:
            sol.status, sol.termination = "optimal", "optimal"
    sol.seconds = clock.elapsed
    return Outcome(sol, steps)


def structural_fractional(compiled: Compiled, f: Formulation, x: np.ndarray) -> int:
    """Integer columns outside the parcels' uses and rezoning periods (projects,
    start periods, sources opened, recycling, relocations) fractional in `x`."""
    mask = compiled.integrality.astype(bool).copy()
    for name in PARCEL_GROUPS:
        if name in f.groups:
            mask[f.col(name)] = False
    v = x[mask]
    return int(np.sum(np.abs(v - np.round(v)) > 1e-6))


def worth_a_plan(compiled: Compiled, f: Formulation, x: np.ndarray) -> bool:
    """Whether the LP-guided plan is worth its time. On a small model (fewer than
    SMALL_MODEL integer columns) whose LP relaxation is fractional on a project,
    start period or source: the gap left there (about 1e-3 at 1,000 parcels) is a
    knapsack of projects and sources that the LP bound cannot close, HiGHS alone
    solves the model in seconds and a start plan did not make it faster."""
    return int(compiled.integrality.sum()) >= SMALL_MODEL or structural_fractional(compiled, f, x) == 0


def restricted_budget(compiled: Compiled, lp_seconds: float, left: float | None) -> float:
    """Seconds for the restricted MIP: a few times the LP's, at least 2 s, at most
    60 s, and never more than half the time left."""
    budget = min(60.0, max(2.0, 4.0 * lp_seconds))
    return budget if left is None else max(0.0, min(budget, left / 2))


def restricted_bounds(compiled: Compiled, f: Formulation, d: ModelData, x: np.ndarray,
                      rc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds of the restricted MIP: the parcels fixed to their LP use (and
    rezoning period), except the fractional ones and the FREE_SHARE closest calls."""
    lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
    use = f.col("v_use")
    xu = x[use]
    n_par = len(d.parcels)
    par = d.parcel_of_option
    # a parcel is integral when its largest option is (nearly) 1
    top = np.zeros(n_par)
    np.maximum.at(top, par, xu)
    integral = top >= 1.0 - 1e-6
    # the closest call of a parcel: its chosen column's reduced cost minus the best of
    # its other columns' (the parcel's row dual cancels out): what a switch would cost
    margin = _margin(par, xu, rc[use], n_par)
    ph = d.phasing
    rez = None
    if ph is not None and "v_rez" in f.groups:
        rez = f.col("v_rez")
        xr = x[rez]
        rpar = par[ph.rez]
        rtop = np.zeros(n_par)
        np.maximum.at(rtop, rpar, xr)
        # a parcel rezoned in the LP must be rezoned in one period
        rezoned = np.zeros(n_par, dtype=bool)
        rezoned[par[(xu > 0.5) & d.rezoning]] = True
        integral &= ~rezoned | (rtop >= 1.0 - 1e-6)
        margin = np.minimum(margin, np.where(rezoned, _margin(rpar, xr, rc[rez], n_par), np.inf))
    free = ~integral
    candidates = np.flatnonzero(integral)
    k = int(np.ceil(FREE_SHARE * len(candidates)))
    if k:
        closest = candidates[np.argsort(margin[candidates], kind="stable")[:k]]
        free[closest] = True
    fixed_opt = ~free[par]
    value = np.round(xu[fixed_opt])
    lower[use[fixed_opt]] = np.maximum(lower[use[fixed_opt]], value)
    upper[use[fixed_opt]] = np.minimum(upper[use[fixed_opt]], value)
    if rez is not None:
        fixed_rez = ~free[par[ph.rez]]
        value = np.round(x[rez][fixed_rez])
        lower[rez[fixed_rez]] = np.maximum(lower[rez[fixed_rez]], value)
        upper[rez[fixed_rez]] = np.minimum(upper[rez[fixed_rez]], value)
    return lower, np.maximum(upper, lower)


def _margin(parcel: np.ndarray, x: np.ndarray, rc: np.ndarray, n_par: int) -> np.ndarray:
    """Per parcel: the reduced cost of its largest column in `x` minus the largest
    reduced cost of its other columns (inf when it has no other)."""
    order = np.lexsort((-x, parcel))  # by parcel, largest value first
    first = np.ones(len(order), dtype=bool)
    first[1:] = parcel[order][1:] != parcel[order][:-1]
    chosen = np.full(n_par, -np.inf)
    chosen[parcel[order][first]] = rc[order][first]
    best_other = np.full(n_par, -np.inf)
    np.maximum.at(best_other, parcel[order][~first], rc[order][~first])
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(best_other), chosen - best_other, np.inf)


def solve_with(strategy: str, compiled: Compiled, f: Formulation, d: ModelData,
               options: SolveOptions) -> Outcome:
    """Solve `compiled` (the model of `f`, `d`) with the named strategy."""
    if strategy == "plain":
        return solve_plain(compiled, options)
    if strategy == "lp-guided":
        return solve_lp_guided(compiled, f, d, options)
    raise ValueError(f"unknown strategy {strategy!r} ({' or '.join(STRATEGIES)})")


__all__ = ["STRATEGIES", "DEFAULT_STRATEGY", "Outcome", "Step", "solve_with", "solve_plain",
           "solve_lp_guided", "restricted_bounds", "relative_gap"]
