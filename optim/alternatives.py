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

import json
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import pandas as pd

from .solve import Solution, SolveOptions, make_highs, run_highs

if TYPE_CHECKING:  # pragma: no cover
    from .api import Model
    from .instance import Instance
    from .results import Result

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

    plans: list["Result"]
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
            plans.append({"plan": int(row["plan"]), "objective": _num(row["objective"]),
                          "gap_pct": _num(row["gap_pct"]), "rezoned_area": _num(row["rezoned_area"]),
                          "parcels_changed": int(row["parcels_changed"]), "status": row["status"],
                          "rezoned": rez})
        return {
            "instance": self.instance, "method": self.method, "within": self.within,
            "requested": self.count, "found": self.found, "exhausted": self.exhausted,
            "stopped": self.stopped, "optimum": _num(self.optimum), "seconds": round(self.seconds, 6),
            "plans": plans,
            "frequency": [{"parcel": p, "rezoned_share": _num(s), "use": u, "use_share": _num(us)}
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
        self.summary.to_csv(out / "summary.csv", index=False)
        self.frequency.to_csv(out / "frequency.csv", index=False)
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


def alternatives(inst_or_model: "Instance | Model | str | Path", count: int = 5, within: float = 1.0, *,
                 method: str = "next_best", workers: int = 1, options: SolveOptions | None = None,
                 **solve_kwargs: Any) -> Alternatives:
    """Up to `count` distinct plans (the optimum first) whose objective is within
    `within` % of the optimum; see the module docstring for the method. Keyword
    options (time_limit, mip_rel_gap, ...) apply to each solve. `workers` is
    accepted and ignored: the no-good cuts make the solves sequential."""
    from .results import extract
    from .shadow import _model

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    if int(count) < 1:
        raise ValueError(f"count must be >= 1, not {count}")
    if not within >= 0:
        raise ValueError(f"within must be >= 0 (a percentage), not {within}")
    del workers  # sequential by construction
    start = time.perf_counter()
    model = _model(inst_or_model)
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
        plans.append(extract(f, d, sol))
    summary, frequency, rezoned = _tables(plans, optimum, d)
    return Alternatives(plans=plans, summary=summary, frequency=frequency, optimum=optimum,
                        method=method, within=float(within), count=int(count),
                        exhausted=stopped == "exhausted", stopped=stopped,
                        seconds=time.perf_counter() - start, instance=d.inst.name, rezoned=rezoned)


def _tables(plans: list["Result"], optimum: float | None, d) -> tuple[pd.DataFrame, pd.DataFrame, list]:
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


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


# ---- command line: `optim alternatives PATH` (hooked into optim/cli.py) -----------------------
def add_parser(sub: Any) -> None:
    p = sub.add_parser("alternatives", help="up to K distinct plans within PCT %% of the optimum, "
                       "and each parcel's selection frequency")
    p.add_argument("path")
    p.add_argument("--count", type=int, default=5, metavar="K", help="plans wanted, the optimum included (default 5)")
    p.add_argument("--within", type=float, default=1.0, metavar="PCT",
                   help="percent of the optimum's objective a plan may give up (default 1)")
    p.add_argument("--method", choices=METHODS, default="next_best",
                   help="next_best: the K best distinct plans (default); mga: push away from the plans found")
    p.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="apply a named scenario of the instance (repeatable)")
    p.add_argument("--time-limit", type=float, metavar="S", help="seconds per solve")
    p.add_argument("--gap", type=float, metavar="G", help="relative MIP gap per solve, e.g. 0.001")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="accepted for consistency; the no-good cuts make the solves sequential")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", metavar="DIR", help="write plans/<k>/, summary.csv and frequency.csv")


def run_cli(args: Any) -> int:
    """`optim alternatives`: exit 0 with at least the optimum, 1 when there is no plan."""
    from .check import check_plan
    from .cli import EXIT_NO_PLAN, EXIT_OK, _usage_problem
    from .errors import InstanceError
    from .io import load
    from .scenarios import apply_scenarios
    from .shadow import _check_solver_args

    problems = []
    if args.count < 1:
        problems.append(_usage_problem("--count", f"must be >= 1, not {args.count}"))
    if not args.within >= 0:
        problems.append(_usage_problem("--within", f"must be >= 0 (a percentage), not {args.within:g}"))
    if args.workers < 1:
        problems.append(_usage_problem("--workers", f"must be >= 1, not {args.workers}"))
    if problems:
        raise InstanceError(problems)
    _check_solver_args(args, _usage_problem, InstanceError)
    inst = apply_scenarios(load(args.path), args.scenario)
    alt = alternatives(inst, count=args.count, within=args.within, method=args.method,
                       workers=args.workers, time_limit=args.time_limit, mip_rel_gap=args.gap)
    if not alt.found:
        print(f"optim alternatives: no plan ({alt.stopped})", file=sys.stderr)
        return EXIT_NO_PLAN
    for k, plan in enumerate(alt.plans):  # never report a plan the independent checker rejects
        report = check_plan(inst, plan)
        if not bool(report["ok"].all()):
            print(f"optim alternatives: plan {k} failed the independent checker: "
                  + ", ".join(report.index[~report["ok"]]), file=sys.stderr)
            return EXIT_NO_PLAN
    if args.out:
        alt.write(args.out)
    if args.json:
        print(json.dumps(alt.to_dict(), indent=2))
    else:
        print(alt.report())
        if args.out:
            print(f"\nplans written to {args.out}")
    return EXIT_OK


__all__ = ["Alternatives", "alternatives", "METHODS"]
