"""The smallest change to a draft that gets most of the gain.

A zone amends the draft it has rather than adopt a plan from scratch. With
`d_i` the draft's use of parcel i, the row `draft_changes_le`
(optim/model/draft.py)

    sum_i (1 - v_use[i, d_i]) <= K

keeps a plan within K parcels of the draft. `NearDraft` holds the instance's
model with that row in one live HiGHS model (`optim.resolver.Resolver`) and
moves the row's bound in place for each K: the model is built, checked and
passed to HiGHS once for the whole front. (No MIP start is passed: HiGHS 1.16
given the previous plan as a start returned it with the objective of another
plan; see `NearDraft.best`.)

- `best(K)`: the best plan within K changes of the draft (`optim evaluate
  --max-changes K`);
- `fewest()`: the fewest changes that give a plan at all, for a draft that has
  none: the same model maximising sum_i v_use[i, d_i] (the parcels kept),
  proven to the unit (`mip_abs_gap` below 1);
- `front(...)`: the best objective for K = k0, k0 + 1, ... (k0 = 0 for a
  draft with a plan, else the fewest changes that give one) until the
  optimum's value is reached, or at most `cap` values of K.

Only the parcels' uses count as changes: what the draft fixes besides them
(projects, sources, periods) is left to the optimiser along the front, whose
first point is the draft's uses at their best and whose last is the optimum.
Every plan is certified (the Resolver's checker) and its changes recounted
from its uses (`optim.check.draft.check_changes`).
"""

from __future__ import annotations

import time
import highspy
import numpy as np
import pandas as pd

from ..api import Model
from ..check.draft import changed_parcels, check_changes
from ..highs import SolveOptions, compile_model, run_highs
from ..inputs.instance import Instance
from ..model.draft import changes_bound, changes_expr, define_draft_changes
from ..resolver import Resolver
from ..results import Result

FRONT_CAP = 50  # values of K on a front unless --max-changes gives another
SHARES = (0.5, 0.9, 1.0)  # shares of the gain for which the fewest changes are reported
INF_H = highspy.kHighsInf


class NearDraft:
    """The instance's model with the row `draft_changes_le` in a live HiGHS model."""

    def __init__(self, inst: Instance, uses: pd.Series, options: SolveOptions):
        model = Model(inst)
        f, d = model.formulation, model.data
        self.row = define_draft_changes(f, d, uses)
        model.compiled = compile_model(f)  # the instance's model with the row (a bound of +inf for now)
        self.model, self.f, self.d = model, f, d
        self.inst = inst
        self.uses = uses
        self.options = options
        self.resolver = Resolver(model, options)
        self.kept = changes_expr(f, d, uses)
        self.n = len(self.kept.cols)
        self.solves = 0

    def bound(self, most: int | None) -> None:
        upper = changes_bound(self.f, self.d, self.uses, most)
        self.resolver.highs.changeRowBounds(self.row, -INF_H, INF_H if not np.isfinite(upper) else upper)

    def best(self, most: int | None) -> Result:
        """The best plan within `most` changes of the draft (None: no bound), certified;
        its changes recounted from its uses."""
        self.bound(most)
        # HiGHS 1.16 given a MIP start (the previous plan, or its own kept from the last run) can
        # report the objective of a plan it does not return: on the reference park at K = 1 it
        # reported 5,181.4 M yuan and returned the K = 0 plan, worth 5,167.1 M (the checker refused
        # it). So each K is solved without a start, its solver state cleared; the model stays live.
        self.resolver.highs.clearSolver()
        self.resolver.solve(warm_start=False)
        self.solves += 1
        result = self.resolver.result()
        if result.has_plan and most is not None:
            result.certificate = pd.concat([result.certificate, check_changes(result, self.uses, most, self.inst)])
        return result

    def fewest(self) -> tuple[int | None, str]:
        """The fewest parcels to change for a plan to exist (None when no plan exists
        at all), and the solve's status."""
        h = self.resolver.highs
        n_cols = self.f.n_cols
        cost = np.zeros(n_cols)
        cost[self.kept.cols] = 1.0  # maximise the parcels that keep the draft's use
        all_cols = np.arange(n_cols, dtype=np.int32)
        h.changeColsCost(n_cols, all_cols, cost)
        saved = {k: h.getOptionValue(k)[1] for k in ("mip_rel_gap", "mip_abs_gap")}
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.5)  # the count is an integer: proven to the unit
        self.bound(None)
        h.clearSolver()  # no start (see `best`)
        try:
            sol = run_highs(h, self.model.compiled.integer, interruptible=False)
        finally:
            h.changeColsCost(n_cols, all_cols, self.resolver.cost)
            for k, v in saved.items():
                h.setOptionValue(k, v)
        self.solves += 1
        if sol.values is None:
            return None, sol.status
        kept = int(round(self.kept.value(sol.values)))
        return self.n - kept, sol.status


def front(near: NearDraft, start: int, base: float | None, optimum: float, reach: int, cap: int,
          tol: float) -> tuple[pd.DataFrame, dict[int, Result], float]:
    """The best objective for K = start, start + 1, ... until it reaches `optimum`
    (within `tol`), K reaches `reach` (the changes of the optimum's own plan, where
    the optimum is surely reached) or `cap` values of K are done. `base`: the
    objective the gains are measured from (the draft's, else the first point's).
    Returns one row per K, the plans, and the seconds taken."""
    t0 = time.perf_counter()
    rows, plans = [], {}
    first = None
    for k in range(start, start + max(cap, 1)):
        t = time.perf_counter()
        res = near.best(k)
        seconds = time.perf_counter() - t
        plans[k] = res
        obj = res.objective if res.has_plan else np.nan
        if first is None and res.has_plan:
            first = obj
        ref = base if base is not None else first
        changed = changed_parcels(res, near.uses) if res.has_plan else []
        rows.append({"changes": k, "status": res.status, "gap": res.gap, "objective": obj,
                     "gain": obj - ref if ref is not None else np.nan,
                     "changed": len(changed), "certified": res.certified,
                     "rezoned_area": res.kpi("rezoned_area") if res.has_plan else np.nan,
                     "land_income": res.kpi("land_income") if res.has_plan else np.nan,
                     "industrial_output": res.kpi("industrial_output") if res.has_plan else np.nan,
                     "seconds": seconds, "parcels": ";".join(changed)})
        if not res.has_plan or obj >= optimum - tol or k >= reach:
            break
    table = pd.DataFrame(rows)
    ref = base if base is not None else first
    whole = optimum - ref if ref is not None else np.nan
    table["share"] = (table["gain"] / whole) if whole and whole > tol else np.where(table["gain"].notna(), 1.0, np.nan)
    return table, plans, time.perf_counter() - t0


def fewest_for(table: pd.DataFrame, shares: tuple[float, ...] = SHARES, tol: float = 1e-9) -> dict[str, int | None]:
    """The fewest changes on a front that recover each share of the gain (None: not
    within the front)."""
    out: dict[str, int | None] = {}
    ok = table[table["status"].isin(["optimal", "feasible"])]
    for share in shares:
        hit = ok[ok["share"] >= share - 1e-6]
        out[f"{share:g}"] = int(hit["changes"].min()) if len(hit) else None
    return out


__all__ = ["NearDraft", "front", "fewest_for", "FRONT_CAP", "SHARES"]
