"""What each parcel of a plan is worth: replacement importance and bid prices.

For each parcel of a plan (the optimum, or a planner's draft) the objective
lost if its chosen use were forbidden, and for a parcel the plan keeps at its
current use, how much more output per mu would make rezoning it worthwhile.

    >>> table = optim.importance(inst)                  # the optimum's parcels, the 10 most important exactly
    >>> table.head(10)[["rank", "parcel", "use", "importance", "kind"]]
    >>> optim.importance(inst, plan="draft_plan.csv")   # a draft: each parcel changed alone
    >>> table.attrs["importance"]                       # objective, what was solved, whether the top is proven

Definitions (z maximised, in yuan; P the plan, z_P its objective, o_i the
option (parcel i, its use in P)):

- **importance** (replacement cost, Cabeza and Moilanen 2006) I_i = z_P - z_i,
  with z_i the best objective once o_i is forbidden (`v_use[o_i]` fixed to 0).
  Two readings of "best", `others`:

  ``free`` (default for the optimum): every other decision is re-optimised,
  other parcels included; the re-solve is the whole model, warm-started from
  the plan with parcel i changed. I_i >= 0 when P is the optimum.

  ``keep`` (default for a draft; prioritizr's `eval_replacement_importance`
  keeps the other selected units locked in likewise): every other parcel keeps
  its use in P; its projects, sources, draws and own funds are re-optimised.
  What the draft loses if this one parcel cannot be used as drawn; negative
  when changing this parcel alone would gain (the parcel costs the draft).

  No plan at all without o_i: the parcel is **required** (importance inf).

- **bid price** of a parcel P keeps at its current use: the smallest increase
  of output per mu of its best other option (`bid_use`) at which the plan
  would take that option, in yuan/year per mu: I_i / (w_Y a_i), with w_Y the
  weight of industrial output and a_i the area. Why: raising the output of
  option (i, u) by d per mu adds w_Y d a_i to the objective of exactly the
  plans that take (i, u), so the best plan with (i, u) gains w_Y d a_i and
  every other plan is unchanged; the best plan with (i, u) is the re-solve's
  plan (it avoids the current use), so (i, u) is taken as soon as
  w_Y d a_i > z_P - z_i, and every other option needs at least as much. This
  holds when output enters the objective alone (no periods: there output also
  feeds the cash balance and is discounted; no target on industrial output);
  otherwise no bid price is given and `attrs` says why.

The screen (``free``, without `exact`): a full re-solve per parcel costs about
one solve each, so only the `top` most promising parcels are re-solved; the
others get two bounds that hold without one:

- lower bound, from the LP relaxation: z_i <= zLP_i (the relaxation of the
  re-solve, o_i fixed to 0, allows every plan the re-solve allows and more),
  so I_i >= z_P - zLP_i; for the optimum also I_i >= z_P - B, B the MIP bound
  of the first solve (z_i <= z* <= B). An infeasible relaxation proves the
  parcel required. zLP_i comes from the LP relaxation kept alive and re-solved
  from its optimal basis with one column bound changed (a few dual simplex
  iterations).
- upper bound, from a plan: any plan that avoids o_i has z <= z_i, so
  I_i <= z_P - z. The repair plan keeps every other integer decision of P
  (uses, projects, opened sources, periods) and gives parcel i each other
  allowed use in turn (each rezoning period in turn), the draws and own funds
  re-optimised: an LP, certified by the independent checker. Every plan of a
  re-solve that changes parcel i's use too tightens its bound.

The LP relaxation bounds the loss from below only: it cannot show that a
plan without o_i is good, which an upper bound needs. So the screen re-solves
first the `top` parcels with the largest upper bounds (ties: the larger LP
drop), then, for up to `ROUNDS` more rounds of `top`, the bound rows whose upper
bound still exceeds the `top`-th largest lower bound of the re-solved rows, and
reports the rest as labelled bounds (`kind` = ``bound``: `importance` is then
the upper bound, `importance_low` the lower one). The `top` are proven the most
important (`top_proven`) when the smallest of their lower bounds is at least
every bound row's upper bound; when the rounds run out first, the summary says
how many bound rows could still rank higher.

Every re-solve, repair and bound runs on a live HiGHS model per worker
(column bounds changed and restored), over `optim.studies.parallel.run_tasks`:
a local process pool or a Dask cluster. Every plan a figure comes from passes
the independent checker (`certified`); a re-solve stopped by a limit gives an
interval from its incumbent and its bound and is labelled ``bound``, never
``exact``. An ``exact`` re-solve is proven within the solver's gap (`--gap`):
`importance_low`/`importance_high` give the interval it leaves.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd

from ..api import Model
from ..atomic import check_out_dir, instance_files, replace_dir
from ..check.certificate import certify
from ..errors import InstanceError, Problem
from ..export import write_csv
from ..highs import SolveOptions, compile_model, make_highs, run_highs
from ..inputs.draft import Draft, draft_instance, read_draft
from ..inputs.instance import Instance
from ..inputs.limits import show
from ..inputs.reader import load
from ..model.draft import fix_draft, unreachable_periods
from ..model.kpis import kpis
from ..results import decide, plan_decisions
from ..studies.parallel import run_tasks, state
from ..text import json_number

OTHERS = ("free", "keep")
WHICH = ("all", "rezoned", "kept")
KINDS = ("exact", "bound", "required", "fixed")
DEFAULT_TOP = 10
ROUNDS = 3  # rounds of `top` re-solves after the first, to prove the top (the screen's bounds decide the rest)
COLUMNS = ["rank", "parcel", "current_use", "use", "rezoned", "area", "importance", "importance_low",
           "importance_high", "kind", "alternative_use", "parcels_changed", "bid_price", "bid_use",
           "screen_low", "screen_high", "status", "gap", "certified", "solve_seconds"]
INF = float("inf")


# ---- the plan -----------------------------------------------------------------------------------
def plan_draft(plan: Any, inst: Instance, *, sheet: str | None = None, layer: str | None = None,
               encoding: str | None = None) -> Draft:
    """A plan as a checked `Draft`: a draft file (CSV in UTF-8 or GBK, a workbook
    sheet, a GIS layer with a use column, a YAML draft with projects and sources;
    read by `optim.inputs.draft.read_draft`, which refuses unknown parcels and
    uses, uses not allowed on a parcel and duplicate rows with the row and the
    fix), a `Draft`, a `Result`, a Series (parcel -> use), a mapping or a
    DataFrame of parcel and use. Parcels it does not list keep their current use."""
    if isinstance(plan, Draft):
        return plan
    if hasattr(plan, "parcels") and isinstance(getattr(plan, "parcels"), pd.DataFrame):  # a Result
        plan = plan.parcels["use"]
    if isinstance(plan, pd.Series):
        plan = {str(k): str(v) for k, v in plan.items()}
    if not isinstance(plan, (str, Path, dict, list, pd.DataFrame)):
        raise TypeError(f"a plan is a draft file, a Draft, a Result, a Series or a DataFrame of parcel and use, "
                        f"not {type(plan).__name__}")
    return read_draft(inst, plan, sheet=sheet, layer=layer, encoding=encoding)


def _draft_notes(draft: Draft, inst: Instance) -> list[str]:
    notes = list(draft.notes)
    if draft.kept:
        notes.append(f"{draft.name}: {len(draft.kept)} parcel(s) not in the draft keep their current use")
    if draft.fixes_more_than_uses:
        notes.append(f"{draft.name}: the projects, sources and periods it fixes stay fixed in every re-solve")
    return notes


def _model(inst: Instance, periods: pd.Series | None, projects: pd.DataFrame | None) -> Model:
    """The instance's model, with a draft's projects and periods fixed by column
    bounds (its parcels' uses are fixed, and freed, by the study itself)."""
    model = Model(inst)
    if (periods is not None and len(periods)) or (projects is not None and len(projects)):
        f, d = model.formulation, model.data
        fix_draft(f, d, pd.Series(dtype=object), periods, projects)
        late = unreachable_periods(f, projects if projects is not None else pd.DataFrame())
        if late:
            raise InstanceError([Problem("plan, projects", f"project {p!r} cannot start in the draft's period "
                                                           "(before its `earliest`, or too late)") for p in late])
        model.compiled = compile_model(f)
    return model


# ---- one worker's live models -------------------------------------------------------------------
class _Live:
    """The instance's model in three live HiGHS objects, made when first needed:
    its LP relaxation (lower bounds), the LP with every integer decision fixed to
    the plan (repair plans: upper bounds), and the MIP (re-solves, a `Resolver`;
    with `keep`, every parcel's use fixed to the plan). Each bound changed for a
    parcel is restored afterwards."""

    DIVE_STEPS = 60  # LP re-solves of a dive at most
    INTEGRAL = 1e-6  # an integer column within this of an integer is integral

    def __init__(self, inst: Instance, x: np.ndarray, chosen: np.ndarray, objective: float,
                 options: SolveOptions, keep: bool, fixed: tuple = (None, None), model: Model | None = None):
        self.model = model if model is not None else _model(inst, *fixed)
        f, d = self.model.formulation, self.model.data
        self.f, self.d = f, d
        self.unit = f.objective_unit
        self.x = np.asarray(x, dtype=float)
        self.chosen = np.asarray(chosen, dtype=np.int64)
        self.z = float(objective)
        self.options = options
        self.keep = keep
        c = self.model.compiled
        self.lower, self.upper = c.col_lower.copy(), c.col_upper.copy()
        self.ints = np.flatnonzero(c.integrality).astype(np.int32)
        self.xi = np.zeros(len(self.x))
        self.xi[self.ints] = np.round(self.x[self.ints])
        self.use = f.col("v_use").astype(np.int32)
        order = np.argsort(d.parcel_of_option, kind="stable")
        bounds = np.searchsorted(d.parcel_of_option[order], np.arange(len(d.parcels) + 1))
        self.options_of = [order[bounds[k]:bounds[k + 1]] for k in range(len(d.parcels))]
        self.rez_cols: dict[int, np.ndarray] = {}
        if d.phasing is not None and "v_rez" in f.groups:
            cols = f.col("v_rez")
            for o in np.unique(d.phasing.rez):
                self.rez_cols[int(o)] = cols[d.phasing.rez == o].astype(np.int32)
        self._lp = self._rep = self._mip = None

    # -- helpers ----------------------------------------------------------------------------
    def alternatives(self, p: int) -> np.ndarray:
        """The options parcel p may take instead of its use in the plan."""
        o = self.chosen[p]
        opts = self.options_of[p]
        return opts[(opts != o) & (self.upper[self.use[opts]] > 0.5)]

    def _uses_of(self, values: np.ndarray) -> np.ndarray:
        taken = np.flatnonzero(np.round(values[self.use]) > 0.5)
        out = np.full(len(self.d.parcels), -1, dtype=np.int64)
        out[self.d.parcel_of_option[taken]] = taken
        return out

    def _certify(self, values: np.ndarray, objective: float) -> pd.DataFrame:
        dec = decide(self.f, self.d, values)
        figures = {k: v for k, (v, _) in kpis(self.f, self.d, dec.x).items()}
        return certify(self.model.instance, plan_decisions(self.d, dec, objective, figures))

    @staticmethod
    def _set(h: highspy.Highs, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        if len(cols):
            h.changeColsBounds(len(cols), np.asarray(cols, dtype=np.int32), np.asarray(lower, dtype=float),
                               np.asarray(upper, dtype=float))

    def _relaxed(self) -> Any:
        return replace(self.model.compiled, integrality=np.zeros_like(self.model.compiled.integrality))

    # -- lower bound: the LP relaxation ------------------------------------------------------
    def lp(self) -> highspy.Highs:
        """The LP relaxation, solved once (later solves start from its basis)."""
        if self._lp is None:
            self._lp = make_highs(self._relaxed(), self.options)
            run_highs(self._lp, False, interruptible=False)
        return self._lp

    def lp_bound(self, p: int, dive: bool = True) -> tuple[str, float | None, float | None, np.ndarray | None]:
        """The LP relaxation with o_p fixed to 0: (status, zLP_p in yuan), and with
        `dive`, a plan found by diving from its solution: (objective in yuan,
        values), or None. The dive fixes, one at a time, the fractional integer
        column nearest to an integer at that integer (the other one if the LP
        then has no solution) and re-solves from the basis, until the solution is
        integral: a plan of the instance without o_p."""
        h = self.lp()
        col = int(self.use[self.chosen[p]])
        h.changeColBounds(col, 0.0, 0.0)
        changed: list[int] = []
        try:
            s = run_highs(h, False, interruptible=False)
            if s.status != "optimal":
                return s.status, None, None, None
            z_lp = s.objective * self.unit
            if not dive:
                return s.status, z_lp, None, None
            v = s.values
            for _ in range(self.DIVE_STEPS):
                frac = np.abs(v[self.ints] - np.round(v[self.ints]))
                if not (frac > self.INTEGRAL).any():
                    return "optimal", z_lp, s.objective * self.unit, v.copy()
                k = np.flatnonzero(frac > self.INTEGRAL)
                c = int(self.ints[k[np.argmin(frac[k])]])
                changed.append(c)
                for value in (float(np.round(v[c])), 1.0 - float(np.round(v[c]))):
                    if not self.lower[c] <= value <= self.upper[c]:
                        continue
                    h.changeColBounds(c, value, value)
                    s = run_highs(h, False, interruptible=False)
                    if s.status == "optimal":
                        break
                if s.status != "optimal":
                    break
                v = s.values
            return "optimal", z_lp, None, None
        finally:
            for c in [col, *changed]:
                h.changeColBounds(c, float(self.lower[c]), float(self.upper[c]))

    # -- upper bound: the repair plan ----------------------------------------------------------
    def rep(self) -> highspy.Highs:
        """The LP with every integer decision fixed to the plan."""
        if self._rep is None:
            self._rep = make_highs(self._relaxed(), self.options)
            self._set(self._rep, self.ints, self.xi[self.ints], self.xi[self.ints])
        return self._rep

    def repair(self, p: int) -> tuple[float | None, np.ndarray | None, int]:
        """The best plan that keeps every other integer decision of the plan and
        gives parcel p another allowed use (each rezoning period in turn): an LP
        per choice. Returns (objective in yuan, values, option), or (None, None, -1)."""
        h = self.rep()
        o = int(self.chosen[p])
        own = np.concatenate([[self.use[o]], self.rez_cols.get(o, np.zeros(0, np.int32))]).astype(np.int32)
        self._set(h, own, np.zeros(len(own)), np.zeros(len(own)))
        best: tuple[float | None, np.ndarray | None, int] = (None, None, -1)
        try:
            for a in self.alternatives(p):
                col = self.use[a]
                periods = self.rez_cols.get(int(a), np.zeros(0, np.int32))
                choices = [None] if not len(periods) else list(periods)
                for t_col in choices:
                    cols = np.concatenate([[col], periods]).astype(np.int32)
                    values = np.zeros(len(cols))
                    values[0] = 1.0
                    if t_col is not None:
                        values[1:][periods == t_col] = 1.0
                    self._set(h, cols, values, values)
                    s = run_highs(h, False, interruptible=False)
                    if s.values is not None and s.status == "optimal":
                        z = s.objective * self.unit
                        if best[0] is None or z > best[0]:
                            best = (z, s.values.copy(), int(a))
                    self._set(h, cols, self.xi[cols], self.xi[cols])
        finally:
            self._set(h, own, self.xi[own], self.xi[own])
        return best

    def screen(self, p: int) -> dict[str, Any]:
        """The bounds of parcel p: the LP relaxation and the repair plan (certified)."""
        start = time.perf_counter()
        lp_status, lp_obj, dive_obj, dive_values = self.lp_bound(p)
        out: dict[str, Any] = {"pos": p, "lp_status": lp_status, "lp": lp_obj, "repair": None,
                               "repair_use": -1, "repair_certified": None, "repair_failed": []}
        if lp_status != "infeasible":
            plans = [self.repair(p)]
            if dive_obj is not None:
                plans.append((dive_obj, dive_values, int(self._uses_of(dive_values)[p])))
            # the best plan the independent checker accepts bounds the loss; one it rejects (a tolerance
            # of the LP) is left out and said, never used
            for z, values, a in sorted((q for q in plans if q[0] is not None), key=lambda q: -q[0]):
                report = self._certify(values, z)
                if bool(report["ok"].all()):
                    out.update(repair=z, repair_use=a, repair_certified=True)
                    break
                out["repair_failed"] = sorted(set(out["repair_failed"]) | set(report.index[~report["ok"]]))
        out["seconds"] = time.perf_counter() - start
        return out

    # -- the re-solve ------------------------------------------------------------------------
    def mip(self) -> Any:
        if self._mip is None:
            r = self.model.resolver(self.options)
            r.interruptible = False  # a study: Ctrl-C stops it
            if self.keep:
                self._set(r.highs, self.use, self.xi[self.use], self.xi[self.use])
            self._mip = r
        return self._mip

    def resolve(self, p: int) -> dict[str, Any]:
        """Re-solve with o_p forbidden (warm-started from the repair plan when there
        is one); the plan found is certified."""
        r = self.mip()
        o = int(self.chosen[p])
        cols = self.use[self.options_of[p]]
        _, warm, _ = self.repair(p)
        if self.keep:
            self._set(r.highs, cols, self.lower[cols], self.upper[cols])
        r.highs.changeColBounds(int(self.use[o]), 0.0, 0.0)
        try:
            if warm is not None:
                start = highspy.HighsSolution()
                start.col_value = warm
                start.value_valid = True
                r.highs.setSolution(start)
            sol = r.solve(warm_start=False)
        finally:
            if self.keep:
                self._set(r.highs, cols, self.xi[cols], self.xi[cols])
            else:
                r.highs.changeColBounds(int(self.use[o]), float(self.lower[self.use[o]]),
                                        float(self.upper[self.use[o]]))
        if sol.status == "error":
            raise RuntimeError(f"the solver failed re-solving parcel {self.d.parcels[p]} ({sol.termination})")
        report = sol.certificate
        return {"pos": p, "status": sol.status, "termination": sol.termination, "objective": sol.objective,
                "bound": sol.bound, "gap": sol.gap, "certified": sol.certified,
                "failed": [] if report is None else list(report.index[~report["ok"]]),
                "uses": None if sol.values is None else self._uses_of(sol.values), "seconds": sol.seconds}


def _init(inst: Instance, x: np.ndarray, chosen: np.ndarray, objective: float, options: SolveOptions,
          keep: bool, fixed: tuple) -> None:
    state()["importance"] = _Live(inst, x, chosen, objective, options, keep, fixed)


def _use(live: _Live) -> None:
    state()["importance"] = live


def _screen_task(positions: list[int]) -> list[dict[str, Any]]:
    live: _Live = state()["importance"]
    return [live.screen(p) for p in positions]


def _resolve_task(positions: list[int]) -> list[dict[str, Any]]:
    live: _Live = state()["importance"]
    return [live.resolve(p) for p in positions]


def _chunks(items: list[int], workers: int) -> list[list[int]]:
    """Tasks of a few parcels each: small enough to spread over the workers,
    large enough that sending them costs little."""
    if not items:
        return []
    size = max(1, min(50, math.ceil(len(items) / (4 * max(workers, 1)))))
    return [items[k:k + size] for k in range(0, len(items), size)]


# ---- the study ------------------------------------------------------------------------------------
def importance(source: Instance | str | Path, plan: Any = None, *, top: int = DEFAULT_TOP, exact: bool = False,
               others: str | None = None, parcels: Any = "all", workers: int = 1, scheduler: Any = None,
               progress: bool | None = None, options: SolveOptions | None = None, sheet: str | None = None,
               layer: str | None = None, encoding: str | None = None, **solve_kwargs: Any) -> pd.DataFrame:
    """The importance of every parcel of a plan (see the module docstring), one
    row per parcel, most important first (COLUMNS); `table.attrs["importance"]`
    holds what was solved (`summary` keys: objective, others, top_proven, ...).

    plan: None (the optimum), a draft (`plan_draft`: a CSV, workbook sheet, GIS
    layer or YAML draft file; sheet, layer, encoding say how to read it; a
    `Draft`, a `Result`, or a Series/DataFrame of parcel and use). others: ``free`` or ``keep``
    (default: free for the optimum, keep for a given plan). parcels: ``all``,
    ``rezoned``, ``kept`` or a list of parcel ids. top: parcels re-solved
    exactly by the screen (``free``); exact: every parcel re-solved. workers,
    scheduler: a local process pool or a Dask scheduler address. Keyword options
    (time_limit, mip_rel_gap, threads, seed) apply to the first solve and to each
    re-solve. A plan without a feasible completion gives an empty table whose
    summary says so (`status`)."""
    start = time.perf_counter()
    inst = load(source) if isinstance(source, (str, Path)) else source
    problems = []
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        problems.append(Problem("--top", f"must be an integer >= 1, not {top!r}"))
    if others is not None and others not in OTHERS:
        problems.append(Problem("--others", f"must be one of {', '.join(OTHERS)}, not {others!r}"))
    if isinstance(parcels, str) and parcels not in WHICH:
        problems.append(Problem("--parcels", f"must be one of {', '.join(WHICH)} (or a list of parcel ids), "
                                             f"not {parcels!r}"))
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        problems.append(Problem("--workers", f"must be >= 1, not {workers!r}"))
    if problems:
        raise InstanceError(problems)
    draft = None if plan is None else plan_draft(plan, inst, sheet=sheet, layer=layer, encoding=encoding)
    uses = None if draft is None else draft.uses
    notes = [] if draft is None else _draft_notes(draft, inst)
    fixed_by_draft = (None, None) if draft is None else (draft.periods, draft.projects)
    if draft is not None:
        inst = draft_instance(inst, draft)  # what the draft fixes of its sources
    others = others or ("free" if uses is None else "keep")
    keep = others == "keep"
    opts = options if options is not None else SolveOptions.merged(inst.solver, **solve_kwargs)
    model = _model(inst, *fixed_by_draft)
    f, d = model.formulation, model.data
    ids = pd.Index(d.parcels)
    if not isinstance(parcels, str):
        wanted = [str(p) for p in parcels]
        unknown = [p for p in wanted if p not in set(map(str, ids))]
        if unknown:
            raise InstanceError([Problem("--parcels", f"unknown parcel {show(p)}") for p in unknown])
    summary: dict[str, Any] = {
        "instance": inst.name, "instance_file": _instance_file(inst),
        "scenarios": list(getattr(inst, "applied_scenarios", []) or []),
        "plan": "optimum" if uses is None else (str(plan) if isinstance(plan, (str, Path)) else draft.name),
        "others": others, "top": int(top), "exact": bool(exact or keep), "workers": int(workers),
        "notes": list(notes)}

    # the plan and its objective
    use_cols = f.col("v_use").astype(np.int32)
    r = model.resolver(opts)
    if uses is not None:
        key = pd.MultiIndex.from_arrays([d.options["parcel"].astype(str), d.options["use"].astype(str)])
        taken = key.isin(list(zip(uses.index, uses.to_numpy()))).astype(float)
        r.highs.changeColsBounds(len(use_cols), use_cols, taken, taken)
    base = r.solve()
    summary.update(status=base.status, termination=base.termination, objective=base.objective,
                   bound=base.bound, gap=base.gap, certified=base.certified, solve_seconds=base.seconds)
    if base.values is None or base.certified is False:
        summary["message"] = (("the plan has no feasible completion (draws, own funds, projects): "
                               "`optim evaluate INSTANCE --plan FILE` says which limits it breaks")
                              if uses is not None else
                              f"no plan ({base.status})") if base.values is None else \
            "the plan failed its certificate: " + ", ".join(base.certificate.index[~base.certificate["ok"]])
        summary["seconds"] = time.perf_counter() - start
        table = pd.DataFrame(columns=COLUMNS)
        table.attrs["importance"] = summary
        return table
    x = base.values
    z = float(base.objective)
    taken = np.flatnonzero(np.round(x[use_cols]) > 0.5)
    chosen = np.full(len(ids), -1, dtype=np.int64)
    chosen[d.parcel_of_option[taken]] = taken
    live = _Live(inst, x, chosen, z, opts, keep, fixed_by_draft, model=model)  # here: the index sets only, no HiGHS object

    # the parcels to evaluate
    rezoned = d.rezoning[chosen]
    if isinstance(parcels, str):
        mask = {"all": np.ones(len(ids), bool), "rezoned": rezoned, "kept": ~rezoned}[parcels]
        positions = [int(p) for p in np.flatnonzero(mask)]
    else:
        positions = [int(p) for p in ids.get_indexer(pd.Index(wanted).unique())]
    lower_col = live.lower[use_cols[chosen]]
    fixed = {p for p in positions if not len(live.alternatives(p)) or lower_col[p] >= 0.5}
    rows: dict[int, dict[str, Any]] = {p: _row(d, chosen, p) for p in positions}
    for p in fixed:  # nothing to decide: no other use is allowed (or the instance locks the parcel)
        rows[p].update(kind="fixed", status="no_other_use" if lower_col[p] < 0.5 else "locked")
    todo = [p for p in positions if p not in fixed]
    runner = _Runner(workers, scheduler, progress, (inst, x, chosen, z, opts, keep, fixed_by_draft), live)

    # the screen: bounds for every parcel (free, not exact)
    screen_seconds = 0.0
    resolved: list[int] = []
    pool: list[tuple[float, np.ndarray]] = []
    t_resolve = 0.0

    def resolve(batch: list[int]) -> None:
        nonlocal t_resolve
        t0 = time.perf_counter()
        for s in runner.run(_resolve_task, batch, "importance"):
            _resolved(rows[s["pos"]], s, z, d, chosen)
            if s["uses"] is not None and s["certified"]:
                pool.append((s["objective"], s["uses"]))
        resolved.extend(batch)
        _tighten(rows, pool, z, chosen, d)
        t_resolve += time.perf_counter() - t0

    if not keep and not exact and todo:
        t0 = time.perf_counter()
        screened = runner.run(_screen_task, todo, "importance screen")
        screen_seconds = time.perf_counter() - t0
        rejected: list[str] = []
        floor = z - base.bound if (uses is None and base.bound is not None) else -INF  # I_i >= z_P - B
        for s in screened:
            row = rows[s["pos"]]
            if s["lp_status"] == "infeasible":
                row.update(kind="required", importance=INF, importance_low=INF, importance_high=INF,
                           screen_low=INF, screen_high=INF, status="infeasible_relaxation")
                continue
            low = max(z - s["lp"], floor) if s["lp"] is not None else floor
            high = INF if s["repair"] is None else z - s["repair"]
            if s["repair_failed"]:
                rejected.append(f"{row['parcel']} ({', '.join(s['repair_failed'])})")
            row.update(kind="bound", screen_low=low, screen_high=max(high, low), importance_low=low,
                       importance_high=max(high, low), importance=max(high, low), status="screened",
                       alternative_use=None if s["repair_use"] < 0 else str(d.options["use"].iat[s["repair_use"]]),
                       solve_seconds=s["seconds"])
        if rejected:
            summary["notes"].append(f"{len(rejected)} screen plan(s) the independent checker rejected were not used "
                                    f"as bounds: {', '.join(rejected[:5])}" + (" ..." if len(rejected) > 5 else ""))
        k = int(top)
        # first round: the parcels whose plans lose most (upper bound), ties by the LP relaxation's drop
        first = _candidates(rows, todo, -INF)[:max(0, k - sum(rows[p]["kind"] == "required" for p in todo))]
        if first:
            resolve(first)
        # further rounds: the bound rows that could still rank in the top k, the largest bounds first, until
        # the top k are proven or ROUNDS more rounds of k re-solves are spent (the summary says which)
        for _ in range(ROUNDS):
            more = _candidates(rows, todo, _kth_low(rows, k))[:k]
            if not more:
                break
            resolve(more)
    elif todo:
        resolve(list(todo))
    resolve_seconds = t_resolve
    table = _table(rows, inst, d)
    _bid_prices(table, inst, summary)
    exact_rows = table["kind"].isin(("exact", "required"))
    bound_rows = table["kind"] == "bound"
    top_proven = None
    if not keep and not exact:
        lows = np.sort(table.loc[exact_rows, "importance_low"].to_numpy(dtype=float))[::-1]
        kth = lows[min(int(top), len(lows)) - 1] if len(lows) else -INF
        highest_bound = float(table.loc[bound_rows, "importance_high"].max()) if bound_rows.any() else -INF
        top_proven = bool(not bound_rows.any() or (len(lows) >= min(int(top), len(table)) and kth >= highest_bound))
        summary["could_rank_higher"] = int((table.loc[bound_rows, "importance_high"] > kth).sum())
    widths = (table.loc[table["kind"] == "exact", "importance_high"]
              - table.loc[table["kind"] == "exact", "importance_low"])
    summary.update(
        parcels=len(table), exact_rows=int((table["kind"] == "exact").sum()), bound_rows=int(bound_rows.sum()),
        required_rows=int((table["kind"] == "required").sum()), fixed_rows=int((table["kind"] == "fixed").sum()),
        top_proven=top_proven, resolved=len(resolved), precision=float(widths.max()) if len(widths) else 0.0,
        all_certified=bool(table["certified"].fillna(True).astype(bool).all()),
        screen_seconds=screen_seconds, resolve_seconds=resolve_seconds, seconds=time.perf_counter() - start)
    table.attrs["importance"] = summary
    return table


class _Runner:
    """Runs tasks of parcels: in this process on one live model kept for every
    round (one worker, no scheduler), else over `run_tasks` (a process pool or
    Dask; each worker sets its live model up once per round)."""

    def __init__(self, workers: int, scheduler: Any, progress: bool | None, initargs: tuple, local: _Live):
        self.workers, self.scheduler, self.progress, self.initargs = workers, scheduler, progress, initargs
        self.local = local

    def run(self, fn: Any, positions: list[int], label: str) -> list[dict[str, Any]]:
        if not positions:
            return []
        if self.workers <= 1 and self.scheduler is None:
            return [out for chunk in run_tasks(fn, _chunks(positions, 1), progress=self.progress, label=label,
                                               initializer=_use, initargs=(self.local,)) for out in chunk]
        return [out for chunk in run_tasks(fn, _chunks(positions, self.workers), workers=self.workers,
                                           scheduler=self.scheduler, progress=self.progress, label=label,
                                           initializer=_init, initargs=self.initargs) for out in chunk]


def _kth_low(rows: dict[int, dict[str, Any]], k: int) -> float:
    """The k-th largest lower bound among the exact and required rows (-inf if fewer)."""
    lows = sorted((r["importance_low"] for r in rows.values() if r["kind"] in ("exact", "required")), reverse=True)
    return lows[k - 1] if len(lows) >= k else -INF


def _candidates(rows: dict[int, dict[str, Any]], todo: list[int], above: float) -> list[int]:
    """Bound rows whose upper bound exceeds `above`, the largest first (ties: the
    larger LP relaxation drop, i.e. lower bound; then parcel order)."""
    out = [p for p in todo if rows[p]["kind"] == "bound" and rows[p]["importance_high"] > above]
    return sorted(out, key=lambda p: (-rows[p]["importance_high"], -rows[p]["importance_low"], p))


def _tighten(rows: dict[int, dict[str, Any]], pool: list[tuple[float, np.ndarray]], z: float,
             chosen: np.ndarray, d) -> None:
    """Every certified plan of a re-solve avoids the use it forbade and perhaps
    others: it bounds the importance of each parcel whose use it changes."""
    for p, row in rows.items():
        if row["kind"] != "bound":
            continue
        for obj, uses in pool:
            if uses[p] != chosen[p] and z - obj < row["importance_high"]:
                row["importance_high"] = max(z - obj, row["importance_low"])
                row["importance"] = row["importance_high"]
                row["alternative_use"] = str(d.options["use"].iat[uses[p]])


def _instance_file(inst: Instance) -> str | None:
    path = getattr(inst, "path", None)
    return str(Path(path).resolve()) if path is not None and Path(path).is_file() else None


def _row(d, chosen: np.ndarray, p: int) -> dict[str, Any]:
    o = chosen[p]
    return {"parcel": str(d.parcels[p]), "current_use": str(d.inst.parcels["current_use"].iat[p]),
            "use": str(d.options["use"].iat[o]), "rezoned": bool(d.rezoning[o]), "area": float(d.area[o]),
            "importance": np.nan, "importance_low": np.nan, "importance_high": np.nan, "kind": None,
            "alternative_use": None, "parcels_changed": np.nan, "screen_low": np.nan, "screen_high": np.nan,
            "status": None, "gap": np.nan, "certified": None, "solve_seconds": 0.0, "failed": []}


def _resolved(row: dict[str, Any], s: dict[str, Any], z: float, d, chosen: np.ndarray) -> None:
    """A row from its re-solve: exact when proven optimal, an interval when a limit
    stopped it (its incumbent and its bound), required when no plan exists."""
    p = s["pos"]
    low_screen = row["screen_low"] if not np.isnan(row["screen_low"]) else -INF
    high_screen = row["screen_high"] if not np.isnan(row["screen_high"]) else INF
    row.update(status=s["status"], gap=np.nan if s["gap"] is None else s["gap"], certified=s["certified"],
               solve_seconds=row["solve_seconds"] + s["seconds"], failed=s["failed"])
    if s["status"] == "infeasible":
        row.update(kind="required", importance=INF, importance_low=INF, importance_high=INF)
        return
    low = -INF if s["bound"] is None else z - s["bound"]
    if s["uses"] is not None:
        new = s["uses"]
        row["alternative_use"] = str(d.options["use"].iat[new[p]])
        row["parcels_changed"] = int(((new != chosen) & (np.arange(len(chosen)) != p)).sum())
        high = z - s["objective"]
    else:
        high = INF
    if s["status"] == "optimal":
        row.update(kind="exact", importance=high, importance_low=min(low, high), importance_high=high)
    else:  # a limit stopped the re-solve: an interval, with the screen's bounds when tighter
        low, high = max(low, low_screen), min(high, high_screen)
        row.update(kind="bound", importance=max(high, low), importance_low=low, importance_high=max(high, low))


def _table(rows: dict[int, dict[str, Any]], inst: Instance, d) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows.values()))
    if not len(frame):
        return pd.DataFrame(columns=COLUMNS)
    frame["bid_price"] = np.nan
    frame["bid_use"] = None
    order = pd.Index(map(str, d.parcels))
    frame["_order"] = order.get_indexer(frame["parcel"])
    frame["_kind"] = frame["kind"].map({"required": 0, "exact": 0, "bound": 1, "fixed": 2})
    frame["_importance"] = frame["importance"].astype(float).fillna(-INF)  # fixed parcels: nothing to rank, last
    frame = frame.sort_values(["_importance", "_kind", "importance_low", "_order"],
                              ascending=[False, True, False, True], kind="stable")
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame = frame.drop(columns=["_order", "_kind", "_importance"]).reset_index(drop=True)
    return frame[COLUMNS + [c for c in frame.columns if c not in COLUMNS and c != "lp_drop"]]


def output_enters_objective_alone(inst: Instance) -> str | None:
    """None when an option's output enters the objective alone (bid prices are then
    exact); else why not."""
    if inst.has_periods:
        return ("with periods, output also feeds the cash balance and is counted from the period after "
                "the rezoning: no bid price is given")
    if "industrial_output" in inst.objective.targets:
        return "industrial output has a target (a constraint): no bid price is given"
    return None


def _bid_prices(table: pd.DataFrame, inst: Instance, summary: dict[str, Any]) -> None:
    """bid_price = max(importance, 0) / (w_Y x area) for the parcels kept at their
    current use (yuan/year per mu); an upper bound for a bound row, inf for a
    required parcel or when output has no weight."""
    if not len(table):
        return
    why = output_enters_objective_alone(inst)
    w = inst.objective.weight("industrial_output")
    kept = ~table["rezoned"].astype(bool)
    if why is not None:
        summary["bid_note"] = why
        return
    loss = table["importance"].astype(float).clip(lower=0.0)
    area = table["area"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        price = np.where(loss == 0, 0.0, loss / (w * area)) if w > 0 else np.where(loss == 0, 0.0, INF)
    price = np.where(area > 0, price, np.nan)
    table.loc[kept, "bid_price"] = price[kept.to_numpy()]
    table.loc[kept, "bid_use"] = table.loc[kept, "alternative_use"]
    if w <= 0:
        summary["bid_note"] = "industrial output has no weight in the objective: no output makes rezoning pay"


# ---- reading, writing, reporting --------------------------------------------------------------
def summary_of(table: pd.DataFrame) -> dict[str, Any]:
    """What `importance` solved (`table.attrs["importance"]`)."""
    return dict(table.attrs.get("importance", {}))


def to_dict(table: pd.DataFrame) -> dict[str, Any]:
    """JSON-ready: the summary and one object per row (inf as the text "inf")."""
    summary = {k: (json_number(v) if isinstance(v, float) else v) for k, v in summary_of(table).items()}

    def cell(c: str, v: Any) -> Any:
        if isinstance(v, (float, np.floating)):
            return "inf" if v == INF else json_number(v)
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (np.bool_,)):
            return bool(v)
        return v

    rows = [{c: cell(c, v) for c, v in row.items() if c in COLUMNS} for row in table.to_dict("records")]
    return {**summary, "rows": rows}


def write_importance(table: pd.DataFrame, out_dir: str | Path, inst: Instance | None = None) -> Path:
    """`importance.csv` (COLUMNS; inf for a required parcel) and `summary.json`
    (what was solved, the instance file and scenarios, for `optim plot importance`),
    written atomically into `out_dir` (an earlier result folder there is replaced
    whole; a folder holding an input file of the instance is refused)."""
    if inst is not None:
        check_out_dir(out_dir, instance_files(inst))
    summary = to_dict(table)
    rows = summary.pop("rows")
    del rows

    def fill(out: Path) -> None:
        write_csv("importance", table[COLUMNS], out / "importance.csv")
        (out / "summary.json").write_text(json.dumps({**summary, "kind": "importance"}, ensure_ascii=False,
                                                     indent=1), encoding="utf-8")

    return replace_dir(out_dir, fill)


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def report(table: pd.DataFrame, rows: int = 20) -> str:
    """A short human-readable report: what was solved and the most important parcels."""
    s = summary_of(table)
    lines = [f"instance     {s.get('instance', '')}",
             f"plan         {s.get('plan')}: objective {s.get('objective') or 0:,.2f} yuan ({s.get('status')})",
             f"re-solves    others {'keep their use' if s.get('others') == 'keep' else 're-optimised'}; "
             f"{s.get('resolved', 0)} re-solved, {s.get('exact_rows', 0)} exact, {s.get('bound_rows', 0)} bounds, "
             f"{s.get('required_rows', 0)} required"]
    if s.get("top_proven") is not None:
        lines.append(f"top {s.get('top')}       " + ("proven the most important by the bounds" if s["top_proven"] else
                                                     f"not proven: {s.get('could_rank_higher', 0)} bound row(s) "
                                                     "could rank higher (raise --top or use --exact)"))
    if s.get("bid_note"):
        lines.append(f"bid prices   {s['bid_note']}")
    lines.append(f"time         {s.get('seconds', 0):.1f} s ({s.get('solve_seconds', 0):.2f} s for the plan's solve)")
    lines.append("")
    lines.append(f"  {'rank':>4}  {'parcel':<12} {'use':<12} {'mu':>7} {'importance (M yuan)':>20}  {'kind':<8} "
                 f"{'instead':<12} {'bid (yuan/yr/mu)':>16}")
    for r in table.head(rows).itertuples():
        imp = {"required": "required", "fixed": "no other use"}.get(r.kind) or f"{r.importance / 1e6:,.2f}"
        if r.kind == "bound":
            imp = f"<= {imp}" if math.isfinite(r.importance) else "unknown"
        bid = "" if pd.isna(r.bid_price) else ("inf" if r.bid_price == INF else f"{r.bid_price:,.0f}")
        lines.append(f"  {r.rank:>4}  {r.parcel:<12} {r.use:<12} {r.area:>7,.1f} {imp:>20}  {r.kind:<8} "
                     f"{_text(r.alternative_use):<12} {bid:>16}")
    if len(table) > rows:
        lines.append(f"  ... and {len(table) - rows} more")
    return "\n".join(lines)


__all__ = ["importance", "plan_draft", "write_importance", "report", "to_dict", "summary_of",
           "output_enters_objective_alone", "COLUMNS", "OTHERS", "WHICH", "KINDS", "DEFAULT_TOP"]
