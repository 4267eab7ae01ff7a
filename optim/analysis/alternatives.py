"""Alternative plans: up to K distinct plans within PCT % of the optimum.

A planner rarely wants one answer. `alternatives` returns the optimum and up
to K-1 other plans whose objective is within PCT % of it, each different in
its rezoning, and per parcel the share of the plans that rezone it (the
selection frequency that Marxan reports: a parcel rezoned in every plan is
core to any good plan, one rezoned in a few is a matter of choice).

    >>> alt = optim.alternatives(inst, count=5, within=1.0)
    >>> alt.summary        # plan, objective, gap_pct, rezoned_area, parcels_changed, status
    >>> alt.frequency      # parcel, current_use, rezoned_share, use, use_share
    >>> alt.plans[2]       # a Result (plan 0 is the optimum)

Method. With z* the optimal objective (maximised, in the model's money unit)
and c x the objective:

1. Near-optimality row: c x >= z* - PCT/100 |z*| (|z*|, so that a negative
   optimum gives a looser, not a tighter, bound).
2. No-good cut for every plan k found, on the rezoning decisions (the
   `v_use[i,u]` of the options with u != current use of i; they determine
   every parcel's use): with R_k the rezoning options chosen in plan k,

       sum_{o in R_k} (1 - v_o) + sum_{o not in R_k} v_o >= 1

   i.e. -sum_{R_k} v_o + sum_{not R_k} v_o >= 1 - |R_k|: the next plan differs
   from plan k in at least one parcel's use (draws and own funds may differ
   too, but two plans with the same rezoning are the same plan here).
3. Re-solve, up to K plans or until no plan is left (infeasible: fewer than K
   distinct plans lie within PCT %, and `exhausted` says so).

Objective of steps 3 (`method`):

- ``next_best`` (default): the original objective. Each plan is the best one not
  yet found, so the plans are the K best distinct rezonings in order of
  objective (up to the MIP gap: set `mip_rel_gap=0` for an exact ranking), and
  `within=0` returns the optimum and its ties only.
- ``mga`` (modelling to generate alternatives, Hop-Skip-Jump style): maximise the
  summed Hamming distance to the plans found, sum_k |v - v^k| over the rezoning
  options = const + sum_o (K - 2 n_o) v_o, with n_o the number of plans that
  choose option o; the original objective, scaled to less than one unit of
  distance over the PCT band, breaks ties. It spreads the plans out rather than
  ranking them.

The cuts are added to one live HiGHS object (`h.addRow`) and the solves are
sequential: each depends on the plans before it, so `workers` is accepted for
the command line's sake and ignored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd

from ..api import Model, as_model
from ..export import CSV_ENCODING
from ..inputs.instance import Instance
from ..results import Result, extract
from ..highs import Solution, SolveOptions, make_highs, run_highs
from ..text import json_number

METHODS = ("next_best", "mga")
SUMMARY_COLUMNS = ["plan", "objective", "gap_pct", "rezoned_area", "rezoned_parcels", "parcels_changed",
                   "status", "solve_seconds"]
FREQUENCY_COLUMNS = ["parcel", "current_use", "rezoned_share", "use", "use_share"]


@dataclass
class Alternatives:
    """Plans within `within` % of the optimum (plan 0 is the optimum).

    summary: one row per plan (SUMMARY_COLUMNS); gap_pct = 100 (z* - z) / |z*|.
    frequency: one row per parcel (FREQUENCY_COLUMNS): the share of the plans that
    rezone it and the use most often chosen (with its share).
    exhausted: True when the search ran out of distinct plans within `within` %
    before reaching `count` (so the plans found are all there are); `stopped`
    says why the search ended (``count``, ``exhausted``, or the status of a solve
    that hit a limit).
    """

    plans: list[Result]
    summary: pd.DataFrame
    frequency: pd.DataFrame
    optimum: float | None
    method: str
    within: float
    count: int
    exhausted: bool
    stopped: str
    seconds: float = 0.0
    instance: str = ""
    rezoned: list[list[str]] = field(default_factory=list)  # rezoned parcel ids of each plan

    @property
    def found(self) -> int:
        return len(self.plans)

    def to_dict(self) -> dict[str, Any]:
        plans = []
        for row, rez in zip(self.summary.to_dict("records"), self.rezoned):
            plans.append({"plan": int(row["plan"]), "objective": json_number(row["objective"]),
                          "gap_pct": json_number(row["gap_pct"]), "rezoned_area": json_number(row["rezoned_area"]),
                          "parcels_changed": int(row["parcels_changed"]), "status": row["status"],
                          "rezoned": rez})
        return {
            "instance": self.instance, "method": self.method, "within": self.within,
            "requested": self.count, "found": self.found, "exhausted": self.exhausted,
            "stopped": self.stopped, "optimum": json_number(self.optimum), "seconds": round(self.seconds, 6),
            "plans": plans,
            "frequency": [{"parcel": p, "rezoned_share": json_number(s), "use": u, "use_share": json_number(us)}
                          for p, s, u, us in zip(self.frequency["parcel"], self.frequency["rezoned_share"],
                                                 self.frequency["use"], self.frequency["use_share"])],
        }

    def write(self, out_dir: str | Path) -> Path:
        """`plans/<k>/` (each plan as `Result.write` lays it out), `summary.csv`,
        `frequency.csv`."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for k, res in enumerate(self.plans):
            res.write(out / "plans" / str(k))
        self.summary.to_csv(out / "summary.csv", index=False, encoding=CSV_ENCODING)
        self.frequency.to_csv(out / "frequency.csv", index=False, encoding=CSV_ENCODING)
        return out

    def report(self) -> str:
        """A short human-readable report."""
        lines = [f"instance     {self.instance}",
                 f"method       {self.method}, within {self.within:g} % of the optimum"
                 + (f" ({self.optimum:,.2f})" if self.optimum is not None else ""),
                 f"plans        {self.found} of {self.count} requested"
                 + ("; no further distinct plan lies within the band" if self.exhausted else
                    f"; stopped: {self.stopped}" if self.stopped != "count" else ""), ""]
        lines.append(f"  {'plan':>4} {'objective':>20} {'gap %':>8} {'rezoned mu':>11} {'changed':>8}  status")
        for r in self.summary.itertuples():
            lines.append(f"  {r.plan:>4} {r.objective:>20,.2f} {r.gap_pct:>8.4f} {r.rezoned_area:>11,.1f} "
                         f"{r.parcels_changed:>8}  {r.status}")
        fr = self.frequency
        if len(fr) and self.found:
            always = int((fr["rezoned_share"] == 1).sum())
            never = int((fr["rezoned_share"] == 0).sum())
            mixed = fr[(fr["rezoned_share"] > 0) & (fr["rezoned_share"] < 1)]
            lines += ["", (f"selection frequency: {always} parcels rezoned in every plan, {never} in none, "
                           f"{len(mixed)} in some")]
            for r in mixed.sort_values("rezoned_share", ascending=False).head(30).itertuples():
                lines.append(f"  {r.parcel:<12} {r.rezoned_share:>6.0%}  most often {r.use} ({r.use_share:.0%})")
        return "\n".join(lines)


def alternatives(inst_or_model: Instance | Model | str | Path, count: int = 5, within: float = 1.0, *,
                 method: str = "next_best", workers: int = 1, options: SolveOptions | None = None,
                 **solve_kwargs: Any) -> Alternatives:
    """Up to `count` distinct plans (the optimum first) whose objective is within
    `within` % of the optimum; see the module docstring for the method. Keyword
    options (time_limit, mip_rel_gap, ...) apply to each solve. `workers` is
    accepted and ignored: the no-good cuts make the solves sequential. Every plan
    carries the independent checker's report (`Result.certified`)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    if int(count) < 1:
        raise ValueError(f"count must be >= 1, not {count}")
    if not within >= 0:
        raise ValueError(f"within must be >= 0 (a percentage), not {within}")
    del workers  # sequential by construction
    start = time.perf_counter()
    model = as_model(inst_or_model)
    f, d, c = model.formulation, model.data, model.compiled
    if options is None:
        options = SolveOptions.merged(model.instance.solver, **solve_kwargs)
    h = make_highs(c, options)
    first = run_highs(h, c.integer)
    found: list[Solution] = []
    stopped = first.status
    if first.values is not None:
        found.append(first)
        stopped = "count"
        z = float(c.cost @ first.values)  # model units; = first.objective
        scale = max(1.0, abs(z))
        threshold = z - within / 100.0 * abs(z) - 1e-9 * scale  # exact ties pass
        nz = np.flatnonzero(c.cost)
        h.addRow(threshold, highspy.kHighsInf, len(nz), nz.astype(np.int32), c.cost[nz])
        rez = f.col("v_use")[d.rezoning].astype(np.int32)
        chosen_count = np.zeros(len(rez))
        while len(found) < count:
            if not len(rez):  # nothing to rezone: the optimum is the only plan
                stopped = "exhausted"
                break
            chosen = np.round(found[-1].values[rez]) > 0.5
            chosen_count += chosen
            h.addRow(1.0 - float(chosen.sum()), highspy.kHighsInf, len(rez), rez,
                     np.where(chosen, -1.0, 1.0))
            if method == "mga":
                band = within / 100.0 * abs(z)
                eps = 0.5 / band if band > 0 else 0.0
                cost = eps * c.cost
                cost[rez] += len(found) - 2.0 * chosen_count
                h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
                h.changeObjectiveOffset(-eps * z)  # so that the MIP gap applies to the distance
            sol = run_highs(h, c.integer)
            if sol.values is None:
                stopped = "exhausted" if sol.status == "infeasible" else sol.status
                break
            found.append(sol)
    optimum = None if not found else float(c.cost @ found[0].values) * f.objective_unit
    plans = []
    for k, sol in enumerate(found):
        obj = float(c.cost @ sol.values)
        if k > 0 and method == "mga":
            sol = replace(sol, objective=obj, bound=None, gap=None)
        else:
            sol = replace(sol, objective=obj)
        plans.append(model.certify(extract(f, d, sol)))
    summary, frequency, rezoned = _tables(plans, optimum, d)
    return Alternatives(plans=plans, summary=summary, frequency=frequency, optimum=optimum,
                        method=method, within=float(within), count=int(count),
                        exhausted=stopped == "exhausted", stopped=stopped,
                        seconds=time.perf_counter() - start, instance=d.inst.name, rezoned=rezoned)


def _tables(plans: list[Result], optimum: float | None, d) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    parcels = d.parcels
    if not plans:
        return (pd.DataFrame(columns=SUMMARY_COLUMNS), pd.DataFrame(columns=FREQUENCY_COLUMNS), [])
    uses = pd.DataFrame({k: r.parcels["use"].reindex(parcels) for k, r in enumerate(plans)})
    rez = pd.DataFrame({k: r.parcels["rezoned"].reindex(parcels).astype(bool) for k, r in enumerate(plans)})
    base = uses[0]
    rows = []
    for k, r in enumerate(plans):
        gap = 0.0 if k == 0 or not optimum else 100.0 * (optimum - r.objective) / abs(optimum)
        rows.append({"plan": k, "objective": r.objective, "gap_pct": gap,
                     "rezoned_area": r.kpi("rezoned_area"), "rezoned_parcels": int(rez[k].sum()),
                     "parcels_changed": int((uses[k] != base).sum()), "status": r.status,
                     "solve_seconds": r.solve_seconds})
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    # the use most often chosen per parcel (ties: the one of the earliest plan)
    long = uses.stack().rename("use").reset_index()
    long.columns = ["parcel", "plan", "use"]
    counts = long.groupby(["parcel", "use"], sort=False).agg(n=("plan", "size"), first=("plan", "min"))
    counts = counts.reset_index().sort_values(["parcel", "n", "first"], ascending=[True, False, True])
    top = counts.drop_duplicates("parcel").set_index("parcel").reindex(parcels)
    frequency = pd.DataFrame({
        "parcel": np.asarray(parcels, dtype=object),
        "current_use": d.inst.parcels["current_use"].reindex(parcels).to_numpy(),
        "rezoned_share": rez.mean(axis=1).to_numpy(),
        "use": top["use"].to_numpy(),
        "use_share": (top["n"] / len(plans)).to_numpy(dtype=float),
    }, columns=FREQUENCY_COLUMNS)
    rezoned = [list(map(str, parcels[rez[k].to_numpy()])) for k in range(len(plans))]
    return summary, frequency, rezoned


__all__ = ["Alternatives", "alternatives", "METHODS", "SUMMARY_COLUMNS", "FREQUENCY_COLUMNS"]
