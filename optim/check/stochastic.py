"""The independent checker's part for a plan under uncertainty (optim/studies/stochastic.py).

Each scenario's plan (the first-stage decisions with that scenario's draws, own
funds, cash, debt service and recycling) is certified by `check_plan` against
the scenario's own instance (the base instance with its figures applied as
overrides). `check_stochastic` then recomputes, from those plans, their
instances and the probabilities alone (never from the extensive form):

- ``nonanticipativity``: every scenario's plan takes the first scenario's
  first-stage decisions: the use (and rezoning period) of every parcel, every
  project built (and its start period), every source opened, every relocation
  (a differing decision is a violation of 1);
- ``scenario_plans``: each scenario's certificate holds (its largest relative violation);
- ``expected_objective``: the reported expected objective = `sum_s p_s z_s`, with
  `z_s` each plan's objective recomputed by the checker;
- ``cvar_objective``: the reported CVaR of the objective and the risk-adjusted
  objective `(1 - lambda) E + lambda CVaR` = those of the recomputed `z_s` (the
  mean of their worst `1 - alpha` share, the boundary outcome in part);
- ``shortfall_cvar_le``: the CVaR of the emergency borrowing, recomputed from each
  plan's draws of the credit line, is at most its bound (when one is set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.instance import Instance
from ..model.families import FamilySpec
from .plan import PlanDecisions, recompute_objective
from .report import Report

NONANTICIPATIVITY = FamilySpec(
    "nonanticipativity", "one first-stage plan for every scenario", "first-stage decision {0}", noun="decision",
    kind="check", math="every scenario's plan takes the same uses, rezoning and start periods, projects, "
                       "opened sources and relocations")
SCENARIO_PLANS = FamilySpec(
    "scenario_plans", "every scenario's plan certified against its own figures", "plan of scenario {0}",
    quantity="ratio", kind="check", math="the largest relative violation of each scenario's certificate <= tol")
EXPECTED_OBJECTIVE = FamilySpec(
    "expected_objective", "the reported expected objective", "expected objective", quantity="money", kind="check",
    math="reported = sum_s p_s z_s (z_s recomputed from scenario s's plan)")
CVAR_OBJECTIVE = FamilySpec(
    "cvar_objective", "the reported CVaR and risk-adjusted objective", "{0}", quantity="money", kind="check",
    math="reported = CVaR_alpha(z) and (1 - lambda) E z + lambda CVaR_alpha(z), z recomputed")


@dataclass
class ScenarioPlan:
    """One scenario's plan as the checker reads it: the scenario's instance, its
    probability, the plan's decisions and the plan's own certificate."""

    name: str
    probability: float
    instance: Instance
    plan: PlanDecisions
    certificate: pd.DataFrame | None = None


def tail_mean(values: np.ndarray, probabilities: np.ndarray, alpha: float, lower: bool = True) -> float:
    """The mean of the worst `1 - alpha` share of a discrete distribution (the lowest
    values when `lower`), the outcome at the boundary counted in part. Written here
    again, apart from the model's, so that the check is independent."""
    v = np.asarray(values, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    p = p / p.sum()
    order = np.argsort(v if lower else -v, kind="stable")
    tail, acc, total = 1.0 - alpha, 0.0, 0.0
    if tail <= 0:
        return float(v[order[0]])
    for k in order:
        part = min(p[k], tail - acc)
        if part <= 0:
            break
        total += part * v[k]
        acc += part
    return total / tail


def switched(inst: Instance) -> list[str]:
    """The sources with an on/off decision (a minimum ticket or a fixed cost)."""
    src = inst.sources
    on = (pd.to_numeric(src["min_ticket"]).to_numpy(dtype=float) > 0) | \
        (pd.to_numeric(src["fixed_cost"]).to_numpy(dtype=float) > 0)
    return [str(s) for s in src.index[on]]


def first_stage_of(plan: PlanDecisions, inst: Instance) -> dict[str, str]:
    """The first-stage decisions of a plan of `inst`, decision -> value as text."""
    out: dict[str, str] = {}
    parcels = plan.parcels
    for p, row in parcels.iterrows():
        out[f"use of parcel {p}"] = str(row["use"])
        if "period" in parcels and isinstance(row["period"], str) and row["period"]:
            out[f"rezoning period of parcel {p}"] = row["period"]
    projects = plan.projects
    for j, row in projects.iterrows():
        out[f"project {j} built"] = str(bool(row["built"]) if not isinstance(row["built"], str) else row["built"])
        if "period" in projects and isinstance(row["period"], str) and row["period"]:
            out[f"start period of project {j}"] = row["period"]
    if "used" in plan.sources:
        on = set(switched(inst))
        for s, used in plan.sources["used"].items():
            if str(s) in on:
                out[f"source {s} opened"] = str(bool(used))
    if plan.relocations is not None:
        for e, p in zip(plan.relocations["enterprise"], plan.relocations["parcel"]):
            out[f"relocation of {e}"] = str(p)
    return out


def borrowed(plan: PlanDecisions, source: str) -> float:
    """What the plan draws from `source` (the emergency credit line), yuan."""
    dr = plan.draws
    return float(pd.to_numeric(dr.loc[dr["source"].astype(str) == source, "amount"]).sum())


def check_stochastic(scenarios: list[ScenarioPlan], *, expected: float, risk_adjusted: float, cvar: float,
                     alpha: float, weight: float, maximize: bool = True, recourse: str | None = None,
                     shortfall: tuple[float, float] | None = None, tol: float = 1e-6, inst: Any = None,
                     nonanticipative: bool = True) -> pd.DataFrame:
    """The checker's report on a plan under uncertainty (see the module docstring).
    `expected`, `cvar`, `risk_adjusted`: the reported figures; `shortfall`: (alpha,
    bound) of the CVaR bound on the emergency borrowing from source `recourse`;
    `nonanticipative=False` for plans that may differ in their first stage (wait
    and see: each scenario decided knowing its figures)."""
    r = Report()
    first = first_stage_of(scenarios[0].plan, scenarios[0].instance)
    if nonanticipative:
        r.family("nonanticipativity")
    for s in (scenarios[1:] if nonanticipative else []):
        mine = first_stage_of(s.plan, s.instance)
        keys = list(dict.fromkeys([*first, *mine]))
        differ = [k for k in keys if first.get(k) != mine.get(k)]
        if differ:
            r.add("nonanticipativity", [f"{k} in scenario {s.name}" for k in differ], 1.0, 0.0, "eq")
    worst = [float(s.certificate["relative"].max()) if s.certificate is not None and len(s.certificate)
             else np.inf for s in scenarios]
    r.add("scenario_plans", [s.name for s in scenarios], worst, 0.0, "le")
    z = np.array([recompute_objective(s.instance, s.plan) for s in scenarios])
    p = np.array([s.probability for s in scenarios])
    r.add("expected_objective", "expected objective", expected, float(p @ z), "eq")
    tail = tail_mean(z, p, alpha, lower=maximize)
    r.add("cvar_objective", ["CVaR of the objective", "risk-adjusted objective"], [cvar, risk_adjusted],
          [tail, (1.0 - weight) * float(p @ z) + weight * tail], "eq")
    if shortfall is not None and recourse is not None:
        e = np.array([borrowed(s.plan, recourse) for s in scenarios])
        r.add("shortfall_cvar_le", "CVaR of emergency borrowing", tail_mean(e, p, shortfall[0], lower=False),
              shortfall[1], "le")
    return r.frame(tol, inst)


__all__ = ["ScenarioPlan", "check_stochastic", "tail_mean", "first_stage_of", "borrowed", "switched"]
