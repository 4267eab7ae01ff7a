"""Deciding under uncertainty: the two-stage stochastic plan, its value and its risk.

`stochastic(inst)` reads the instance's `uncertainty:` section
(optim/inputs/uncertainty.py), makes one instance per scenario (the base
instance with the emergency credit line added and the scenario's figures
applied as overrides), builds each scenario's model, stacks them into the
extensive form (optim/model/stochastic.py: the first stage shared, the recourse
per scenario) and solves it with HiGHS. Then, on the same scenarios:

- the plan: its first stage (what is decided now) and, per scenario, the
  certified plan of the second stage and its KPIs; the distribution of the
  objective and of every KPI (mean, 5 % and 95 % quantiles, CVaR);
- the value of the stochastic solution (VSS): the plan of the mean figures
  (every uncertain figure at its mean), its first stage fixed, its recourse
  optimised in every scenario, against the stochastic plan;
- the expected value of perfect information (EVPI): each scenario solved on its
  own (wait and see), against the stochastic plan;
- out of sample: both plans evaluated on fresh samples (a confidence interval
  of their expected objective and of their difference), and the sample
  average approximation as the number of samples grows (`saa`).

Every plan that leaves is certified: each scenario's plan against its own
instance, and the whole by `optim.check.stochastic` (one first stage, the
expected objective and the CVaR recomputed). `engine="ph"` decomposes by
scenario with progressive hedging instead (optim/studies/decomposition.py,
mpi-sppy, under MPI).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..api import Model
from ..atomic import replace_dir
from ..check.plan import PlanDecisions
from ..check.stochastic import ScenarioPlan, check_stochastic
from ..errors import InstanceError, Problem
from ..highs import OPTIMAL_GAP, Solution, SolveOptions, compile_model
from ..inputs.document import read_yaml
from ..inputs.instance import Instance
from ..inputs.reader import load
from ..inputs.uncertainty import Draw, Uncertainty, draws, mean_draw, scenario_instance, uncertainty_of
from ..model.data import money_unit
from ..model.size import check_model
from ..model.stochastic import (ExtensiveForm, Risk, Shortfall, cvar, describe, extensive_form,
                                first_stage_columns, first_stage_mismatch)
from ..results import Result, extract
from ..text import json_number, money
from .decomposition import progressive_hedging
from .two_stage import first_values, risk_value, solve_compiled, solve_fixed, solve_recourse
from .scenario_models import EMERGENCY, Scenarios, build_scenarios, scenario_model, structure_problem

# KPIs where more is worse: their CVaR is the mean of the highest outcomes
COSTS = {"forgone_land_income", "financing_cost", "own_funds_used", "total_investment", "debt_service",
         "debt_service_beyond_horizon", "relocation_cost", "compatibility_penalty", EMERGENCY}


# ---- results -------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """A first-stage plan with its recourse in every scenario: one certified
    `Result` per scenario, the objective of each, and their expected value, CVaR
    and risk-adjusted value `(1 - weight) E + weight CVaR`."""

    name: str  # stochastic | mean_value | wait_and_see
    scenarios: list[str]
    probabilities: np.ndarray
    results: list[Result]
    status: str
    termination: str
    gap: float | None = None
    bound: float | None = None  # of the solve that chose the plan (risk-adjusted, yuan)
    seconds: float = 0.0
    alpha: float = 0.95
    weight: float = 0.0
    maximize: bool = True
    recourse: str | None = None  # the emergency credit line's source id
    certificate: pd.DataFrame | None = None  # the stochastic checker's report

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def values(self) -> np.ndarray:
        return np.array([r.objective if r.objective is not None else np.nan for r in self.results], dtype=float)

    @property
    def expected(self) -> float:
        return float(self.probabilities @ self.values)

    @property
    def cvar(self) -> float:
        return cvar(self.values, self.probabilities, self.alpha, lower=self.maximize)

    @property
    def objective(self) -> float:
        """The risk-adjusted objective (the expected value when weight is 0)."""
        return (1.0 - self.weight) * self.expected + self.weight * self.cvar

    @property
    def certified(self) -> bool | None:
        if self.certificate is None:
            return None
        return bool(self.certificate["ok"].all())

    def kpi_table(self) -> pd.DataFrame:
        """One row per scenario: probability, objective, emergency borrowing, every KPI."""
        rows = []
        for name, p, r in zip(self.scenarios, self.probabilities, self.results):
            row = {"plan": self.name, "scenario": name, "probability": float(p), "status": r.status,
                   "certified": r.certified, "objective": r.objective}
            if r.has_plan:
                row[EMERGENCY] = borrowed(r, self.recourse)
                row.update({k: float(v) for k, v in r.kpis["value"].items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def emergency(self) -> np.ndarray:
        """What each scenario draws from the emergency credit line, yuan."""
        return np.array([borrowed(r, self.recourse) if r.has_plan else np.nan for r in self.results])


@dataclass
class StochasticResult:
    """The outcome of `stochastic` (see the module docstring). `plan` is the
    stochastic plan; `mean_value` the plan of the mean figures evaluated on the
    same scenarios (EEV), `ev` its own solve on the mean figures; `wait_and_see`
    each scenario solved alone; `vss` and `evpi` in yuan of the objective."""

    instance: str
    engine: str
    scenarios: list[Draw]
    plan: Evaluation
    sampled: bool
    seed: int | None
    alpha: float
    weight: float
    shortfall: tuple[float, float] | None
    recourse: str | None
    model_size: str = ""
    mean_value: Evaluation | None = None
    ev: Result | None = None
    base_plan: Evaluation | None = None  # the plan of the instance's own figures (`optim solve`), on the scenarios
    wait_and_see: Evaluation | None = None
    judged: dict[str, Evaluation] = field(default_factory=dict)  # other plans on the same scenarios (`plans=`)
    out_of_sample: pd.DataFrame | None = None  # one row per fresh sample and plan
    saa: pd.DataFrame | None = None  # one row per sample size and replication
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- the figures ------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.plan.status

    @property
    def has_plan(self) -> bool:
        return self.plan.has_plan

    @property
    def objective(self) -> float | None:
        return self.plan.objective if self.has_plan else None

    @property
    def certified(self) -> bool | None:
        return self.plan.certified

    @property
    def sign(self) -> float:
        return 1.0 if self.plan.maximize else -1.0

    @property
    def vss(self) -> float | None:
        """Value of the stochastic solution: what the stochastic plan gains over the
        mean-value plan, both on the same scenarios (>= 0 at the optimum)."""
        if not self.has_plan or self.mean_value is None or not self.mean_value.has_plan:
            return None
        return round(self.sign * (self.plan.objective - self.mean_value.objective), 2) + 0.0  # to the fen

    @property
    def evpi(self) -> float | None:
        """Expected value of perfect information: what knowing the scenario before
        deciding would gain over the stochastic plan (>= 0 at the optimum)."""
        if not self.has_plan or self.wait_and_see is None or not self.wait_and_see.has_plan:
            return None
        return round(self.sign * (self.wait_and_see.objective - self.plan.objective), 2) + 0.0  # to the fen

    @property
    def vs_base_plan(self) -> float | None:
        """What the stochastic plan gains over the plan of the instance's own figures
        (`optim solve` without uncertainty), both on the same scenarios."""
        if not self.has_plan or self.base_plan is None or not self.base_plan.has_plan:
            return None
        return round(self.sign * (self.plan.objective - self.base_plan.objective), 2) + 0.0

    def vs_judged(self, name: str) -> float | None:
        """What the stochastic plan gains over the plan judged as `name` (`plans=`),
        both on the same scenarios."""
        e = self.judged.get(name)
        if not self.has_plan or e is None or not e.has_plan:
            return None
        return round(self.sign * (self.plan.objective - e.objective), 2) + 0.0

    def first_stage(self) -> pd.DataFrame:
        """The decisions taken now: the use of every parcel (and its rezoning period)."""
        r = self.plan.results[0]
        cols = [c for c in ("use", "current_use", "rezoned", "area", "period") if c in r.parcels]
        return r.parcels[cols].copy()

    def projects(self) -> pd.DataFrame:
        r = self.plan.results[0]
        cols = [c for c in ("category", "cost", "mandatory", "built", "period") if c in r.projects]
        return r.projects[cols].copy()

    def sources_opened(self) -> pd.Series:
        """The on/off decision of every source that has one (a minimum ticket or a fixed cost)."""
        r = self.plan.results[0]
        on = (r.sources["min_ticket"] > 0) | (r.sources["fixed_cost"] > 0) if len(r.sources) else []
        return r.sources.loc[on, "used"].copy() if len(r.sources) else pd.Series(dtype=bool)

    def scenario_table(self) -> pd.DataFrame:
        """Per plan and scenario: probability, objective, emergency borrowing, KPIs."""
        parts = [e.kpi_table() for e in (self.plan, self.mean_value, self.base_plan, self.wait_and_see,
                                         *self.judged.values())
                 if e is not None and e.results]
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        draws_ = {d.name: d.values for d in self.scenarios}
        names = list(dict.fromkeys(k for d in self.scenarios for k in d.values))
        for n in names:
            table[f"draw:{n}"] = [draws_.get(s, {}).get(n, np.nan) for s in table["scenario"]]
        return table

    def distribution(self) -> pd.DataFrame:
        """Per plan and figure (the objective, the emergency borrowing, every KPI):
        mean, standard deviation, 5 % and 95 % quantiles, the CVaR (mean of the worst
        1 - alpha share: the lowest for what is maximised, the highest for costs),
        minimum and maximum, weighted by the scenarios' probabilities."""
        rows = []
        for e in (self.plan, self.mean_value, self.base_plan, *self.judged.values()):
            if e is None or not e.has_plan:
                continue
            table = e.kpi_table()
            p = table["probability"].to_numpy(dtype=float)
            for metric in [c for c in table.columns if c not in ("plan", "scenario", "probability", "status",
                                                                   "certified")]:
                v = pd.to_numeric(table[metric], errors="coerce").to_numpy(dtype=float)
                if not np.isfinite(v).all():
                    continue
                cost = metric in COSTS or (metric == "objective" and not e.maximize)
                rows.append({"plan": e.name, "metric": metric, **weighted_stats(v, p, self.alpha, cost)})
        return pd.DataFrame(rows)

    # ---- output ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: status, objective (risk-adjusted), expected, CVaR, bound,
        gap, VSS, EVPI, the first stage, the distribution, out-of-sample and SAA figures."""
        def evaluation(e: Evaluation | None) -> dict[str, Any] | None:
            if e is None:
                return None
            out = {"status": e.status, "termination": e.termination, "certified": e.certified,
                   "gap": json_number(e.gap), "bound": json_number(e.bound), "seconds": round(e.seconds, 3)}
            if e.has_plan:
                out.update(objective=json_number(e.objective), expected=json_number(e.expected),
                           cvar=json_number(e.cvar), rezoned_area=json_number(_kpi(e, "rezoned_area")),
                           emergency_borrowing=json_number(float(e.probabilities @ e.emergency())))
            return out

        fs = self.first_stage() if self.has_plan else pd.DataFrame()
        out: dict[str, Any] = {
            "instance": self.instance, "engine": self.engine, "status": self.status,
            "termination": self.plan.termination, "certified": self.certified,
            "objective": json_number(self.objective), "bound": json_number(self.plan.bound),
            "gap": json_number(self.plan.gap),
            "expected": json_number(self.plan.expected) if self.has_plan else None,
            "cvar": json_number(self.plan.cvar) if self.has_plan else None,
            "alpha": self.alpha, "weight": self.weight,
            "shortfall": None if self.shortfall is None else {"alpha": self.shortfall[0], "max": self.shortfall[1]},
            "scenarios": len(self.scenarios), "sampled": self.sampled, "seed": self.seed,
            "recourse": self.recourse, "model": self.model_size,
            "vss": json_number(self.vss), "evpi": json_number(self.evpi),
            "stochastic": evaluation(self.plan), "mean_value": evaluation(self.mean_value),
            "base_plan": evaluation(self.base_plan), "vs_base_plan": json_number(self.vs_base_plan),
            "wait_and_see": evaluation(self.wait_and_see),
            "judged": {name: evaluation(e) for name, e in self.judged.items()},
            "vs_judged": {name: json_number(self.vs_judged(name)) for name in self.judged},
            "ev_objective": json_number(self.ev.objective) if self.ev is not None else None,
            "first_stage": {
                "rezoned_area": json_number(float(fs.loc[fs["rezoned"].astype(bool), "area"].sum()))
                if len(fs) else None,
                "rezoned": [str(p) for p in fs.index[fs["rezoned"].astype(bool)]] if len(fs) else [],
                "parcels": [{"parcel": str(p), "use": r["use"], "rezoned": bool(r["rezoned"])}
                            for p, r in fs.iterrows()],
                "projects_built": [str(j) for j, b in self.projects()["built"].items() if b] if self.has_plan else [],
                "sources_opened": [str(s) for s, u in self.sources_opened().items() if u] if self.has_plan else [],
            },
            "distribution": _records(self.distribution()) if self.has_plan else [],
            "per_scenario": _records(self.scenario_table()[["plan", "scenario", "probability", "objective", EMERGENCY,
                                                            "rezoned_area", "certified"]])
            if self.has_plan and EMERGENCY in self.scenario_table() else [],
            "out_of_sample": self.out_of_sample_summary(),
            "saa": _records(self.saa_summary()) if self.saa is not None else None,
            "certificate": _records(self.plan.certificate.reset_index()) if self.plan.certificate is not None else None,
            "notes": list(self.notes), "seconds": round(self.seconds, 3),
        }
        out.update(self.extra)
        return out

    def out_of_sample_summary(self) -> dict[str, Any] | None:
        """The out-of-sample estimates: per plan the mean objective with its 95 %
        confidence interval, and the paired difference (the VSS out of sample)."""
        oos = self.out_of_sample
        if oos is None or not len(oos):
            return None
        out: dict[str, Any] = {"samples": int(oos["sample"].nunique())}
        wide = oos.pivot(index="sample", columns="plan", values="objective")
        for plan in wide.columns:
            out[plan] = _interval(wide[plan].to_numpy(dtype=float))
            sub = oos[oos["plan"] == plan]
            out[plan]["cvar"] = json_number(cvar(sub["objective"].to_numpy(dtype=float),
                                                 np.full(len(sub), 1.0 / len(sub)), self.alpha,
                                                 lower=self.plan.maximize))
        if {"stochastic", "mean_value"} <= set(wide.columns):
            out["difference"] = _interval(self.sign * (wide["stochastic"] - wide["mean_value"]).to_numpy(dtype=float))
        if {"stochastic", "base_plan"} <= set(wide.columns):
            out["difference_base_plan"] = _interval(self.sign * (wide["stochastic"] - wide["base_plan"]).to_numpy(
                dtype=float))
        return out

    def saa_summary(self) -> pd.DataFrame:
        """Per sample size: the in-sample optimum (mean over replications, with a 95 %
        interval when there are several: an estimate of the bound on the true
        optimum) and the out-of-sample value of its plans (the value they really reach)."""
        s = self.saa
        rows = []
        for n, g in s.groupby("samples", sort=True):
            ins = _interval(g["in_sample"].to_numpy(dtype=float))
            oos = g["out_of_sample"].to_numpy(dtype=float)
            best = float(np.nanmax(self.sign * oos) * self.sign) if np.isfinite(oos).any() else np.nan
            rows.append({"samples": int(n), "replications": len(g), "in_sample": ins["mean"],
                         "in_sample_low": ins["low"], "in_sample_high": ins["high"],
                         "out_of_sample": float(np.nanmean(oos)), "out_of_sample_best": best,
                         "out_of_sample_half_width": float(np.nanmean(g["out_of_sample_half_width"])),
                         "gap_estimate": self.sign * (ins["mean"] - best) if ins["mean"] is not None else None,
                         "rezoned_area": float(np.nanmean(g["rezoned_area"])),
                         "seconds": float(g["seconds"].sum())})
        return pd.DataFrame(rows)

    def write(self, out_dir: str | Path) -> Path:
        """Write summary.json, the first stage (parcels.csv, projects.csv), every
        scenario's KPIs for both plans (scenarios.csv), the distribution
        (distribution.csv), the checker's report (certificate.csv), the out-of-sample
        and SAA tables, and each scenario's plan (plans/SCENARIO/, as `optim solve
        --out` writes a plan), atomically (optim/atomic.py)."""
        def fill(out: Path) -> None:
            (out / "summary.json").write_text(json.dumps(self.to_dict(), default=str), encoding="utf-8")
            if not self.has_plan:
                return
            self.first_stage().to_csv(out / "parcels.csv")
            self.projects().to_csv(out / "projects.csv")
            self.scenario_table().to_csv(out / "scenarios.csv", index=False)
            self.distribution().to_csv(out / "distribution.csv", index=False)
            if self.plan.certificate is not None:
                self.plan.certificate.to_csv(out / "certificate.csv")
            if self.out_of_sample is not None:
                self.out_of_sample.to_csv(out / "out_of_sample.csv", index=False)
            if self.saa is not None:
                self.saa.to_csv(out / "saa.csv", index=False)
                self.saa_summary().to_csv(out / "saa_summary.csv", index=False)
            for name, r in zip(self.plan.scenarios, self.plan.results):
                folder = out / "plans" / name
                folder.mkdir(parents=True)
                for table, frame in r.tables().items():
                    frame.to_csv(folder / f"{table}.csv", index=frame.index.name is not None)
                (folder / "summary.json").write_text(json.dumps(r.to_dict()), encoding="utf-8")

        return replace_dir(out_dir, fill)

    def summary(self) -> str:
        """A readable report."""
        unit = "yuan"
        lines = [f"instance     {self.instance}",
                 f"scenarios    {len(self.scenarios)} ({'sampled, seed ' + str(self.seed) if self.sampled else 'finite set'})",
                 f"engine       {self.engine}: {self.model_size}",
                 f"status       {self.status} ({self.plan.termination})"]
        if not self.has_plan:
            what = "no plan keeps every scenario feasible" if self.status == "infeasible" else "no plan"
            return "\n".join(lines + [what] + [f"  {n}" for n in self.notes])
        e = self.plan
        gap = f"   gap {e.gap:.4%}" if e.gap is not None else ""
        bound = f"   bound {e.bound:,.0f}" if e.bound is not None else ""
        lines.append(f"objective    {e.objective:,.0f} {unit}{bound}{gap}")
        if self.weight > 0:
            lines.append(f"             = {1 - self.weight:g} x expected {e.expected:,.0f} + {self.weight:g} x "
                         f"CVaR {e.cvar:,.0f} (worst {1 - self.alpha:.0%})")
        else:
            lines.append(f"             expected value; CVaR of the worst {1 - self.alpha:.0%}: {e.cvar:,.0f}")
        if e.status != "optimal":
            lines.append("NOTE: not proven optimal" + (" (a heuristic plan with its bound)" if self.engine == "ph" else ""))
        fs = self.first_stage()
        rez = fs[fs["rezoned"].astype(bool)]
        lines += ["", f"first stage  {float(rez['area'].sum()):,.1f} mu rezoned ({len(rez)} of {len(fs)} parcels): "
                      + ", ".join(map(str, rez.index[:30])) + (" ..." if len(rez) > 30 else "")]
        opened = [str(s) for s, u in self.sources_opened().items() if u]
        if len(self.sources_opened()):
            lines.append(f"             sources opened: {', '.join(opened) or 'none'}")
        if self.mean_value is not None and self.mean_value.has_plan:
            mv = self.mean_value.results[0].parcels
            lines.append(f"mean-value   {float(mv.loc[mv['rezoned'].astype(bool), 'area'].sum()):,.1f} mu rezoned")
        lines.append("")
        if self.vss is not None:
            lines.append(f"VSS          {money(self.vss, unit)}  (stochastic {e.objective:,.0f} against the mean-value "
                         f"plan's {self.mean_value.objective:,.0f} on the same scenarios)")
        elif self.mean_value is not None:
            lines.append(f"VSS          not available: the mean-value plan has no recourse in every scenario "
                         f"({self.mean_value.status})")
        if self.evpi is not None:
            lines.append(f"EVPI         {money(self.evpi, unit)}  (wait and see {self.wait_and_see.objective:,.0f})")
        if self.vs_base_plan is not None:
            bp = self.base_plan.results[0].parcels
            lines.append(f"base plan    {float(bp.loc[bp['rezoned'].astype(bool), 'area'].sum()):,.1f} mu rezoned "
                         f"(the instance's own figures): {self.base_plan.objective:,.0f} on the scenarios, "
                         f"{money(self.vs_base_plan, unit)} below the stochastic plan")
        for name, j in self.judged.items():
            if j.has_plan:
                jp = j.results[0].parcels
                lines.append(f"{name:<12} {float(jp.loc[jp['rezoned'].astype(bool), 'area'].sum()):,.1f} mu rezoned: "
                             f"{j.objective:,.0f} on the scenarios, {money(self.vs_judged(name), unit)} below the "
                             "stochastic plan")
            else:
                lines.append(f"{name:<12} no recourse in every scenario ({j.status})")
        dist = self.distribution()
        if len(dist):
            lines += ["", f"{'distribution':<28}{'plan':<12}{'mean':>18}{'q05':>18}{'q95':>18}{'CVaR':>18}"]
            for metric in ["objective", EMERGENCY, "land_income", "industrial_output", "financing_cost",
                           "own_funds_used", "rezoned_area"]:
                for _, row in dist[dist["metric"] == metric].iterrows():
                    lines.append(f"  {metric:<26}{row['plan']:<12}{row['mean']:>18,.0f}{row['q05']:>18,.0f}"
                                 f"{row['q95']:>18,.0f}{row['cvar']:>18,.0f}")
        oos = self.out_of_sample_summary()
        if oos:
            lines += ["", f"out of sample ({oos['samples']} fresh samples, 95 % intervals)"]
            words = {"difference": "stochastic - mean_value", "difference_base_plan": "stochastic - base_plan"}
            for plan in ("stochastic", "mean_value", "base_plan", "difference", "difference_base_plan"):
                if plan in oos:
                    o = oos[plan]
                    lines.append(f"  {words.get(plan, plan):<24} {o['mean']:>18,.0f} +- {o['half_width']:,.0f}")
        if self.saa is not None:
            lines += ["", "sample average approximation (in sample: mean of the replications' optima, 95 % interval; "
                          "out of sample: their plans on the fresh samples)",
                      f"  {'samples':>8}{'in sample':>18}{'+-':>16}{'out of sample':>18}{'+-':>16}{'rezoned mu':>12}"]
            for _, row in self.saa_summary().iterrows():
                half = (row["in_sample_high"] - row["in_sample"]) if row["in_sample_high"] is not None \
                    and np.isfinite(row["in_sample_high"]) else np.nan
                lines.append(f"  {int(row['samples']):>8}{row['in_sample']:>18,.0f}{half:>16,.0f}"
                             f"{row['out_of_sample']:>18,.0f}{row['out_of_sample_half_width']:>16,.0f}"
                             f"{row['rezoned_area']:>12,.1f}")
        lines.append("")
        cert = self.plan.certificate
        if cert is not None:
            lines.append("certificate  " + ("every scenario's plan holds against its own figures, one first stage"
                                            if cert["ok"].all() else "FAILED: " + ", ".join(cert.index[~cert["ok"]])))
        lines += [f"note         {n}" for n in self.notes]
        return "\n".join(lines)


def weighted_stats(v: np.ndarray, p: np.ndarray, alpha: float, cost: bool) -> dict[str, float]:
    """mean, std, q05, q95, cvar (tail `1 - alpha`: the highest values for a cost,
    the lowest otherwise), tail, min, max of values `v` with probabilities `p`."""
    p = p / p.sum()
    mean = float(p @ v)
    return {"mean": mean, "std": float(np.sqrt(max(0.0, p @ (v - mean) ** 2))),
            "q05": weighted_quantile(v, p, 0.05), "q95": weighted_quantile(v, p, 0.95),
            "cvar": cvar(v, p, alpha, lower=not cost), "tail": "high" if cost else "low",
            "min": float(v.min()), "max": float(v.max())}


def weighted_quantile(v: np.ndarray, p: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative probability reaches `q`."""
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(p[order])
    k = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(v[order][min(k, len(v) - 1)])


def _interval(v: np.ndarray) -> dict[str, Any]:
    """The mean of `v` with its two-sided 95 % confidence interval (Student's t)."""
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return {"mean": None, "half_width": None, "low": None, "high": None, "n": 0}
    mean = float(v.mean())
    if n > 1:
        from scipy.stats import t  # scipy's statistics only for the intervals

        half = float(t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n))
    else:
        half = None
    return {"mean": mean, "half_width": half, "low": None if half is None else mean - half,
            "high": None if half is None else mean + half, "n": n}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else
                        json_number(v) if isinstance(v, (float, np.floating)) else v) for k, v in row.items()})
    return out


def borrowed(r: Result, recourse: str | None) -> float:
    """What a plan draws from the emergency credit line `recourse`, yuan (0 without one)."""
    if recourse is None or not len(r.draws):
        return 0.0
    return float(r.draws.loc[r.draws["source"].astype(str) == recourse, "amount"].sum())


def _kpi(e: Evaluation, name: str) -> float:
    values = _kpis(e, name)
    return float(e.probabilities @ values)


def _kpis(e: Evaluation, name: str) -> np.ndarray:
    return np.array([float(r.kpis["value"].get(name, np.nan)) if r.has_plan else np.nan for r in e.results])


# ---- solving ------------------------------------------------------------------------------------
def split_solution(ef: ExtensiveForm, sc: Scenarios, sol: Solution) -> list[Result]:
    """The extensive form's solution as one certified `Result` per scenario."""
    out = []
    xs = ef.split(sol.values) if sol.values is not None else [None] * len(ef.blocks)
    for k, (m, x) in enumerate(zip(sc.models, xs)):
        f = m.formulation
        part = Solution(status=sol.status, termination=sol.termination,
                        objective=None if x is None else f.objective.value(x) + f.objective_offset, bound=None, gap=sol.gap,
                        values=x, seconds=sol.seconds, nodes=sol.nodes)
        out.append(m.certify(extract(f, m.data, part)))
    return out


def solve_scenario(m: Model, options: SolveOptions, first: np.ndarray | None = None) -> Result:
    """A scenario's model solved (its first stage fixed at `first` when given: the
    best recourse of that plan), its plan certified against the scenario's instance."""
    sol = solve_compiled(m.compiled, options) if first is None else \
        solve_fixed(m.compiled, m.formulation, first, options)
    return m.certify(extract(m.formulation, m.data, sol))


def _combined(results: list[Result]) -> tuple[str, str]:
    """One status for a set of per-scenario solves: the worst of them."""
    order = ["error", "infeasible", "unbounded", "no_solution", "feasible", "optimal"]
    worst = min(results, key=lambda r: order.index(r.status) if r.status in order else 0)
    return worst.status, worst.termination


def evaluate(name: str, sc: Scenarios, first: np.ndarray, options: SolveOptions, risk: Risk,
             shortfall: Shortfall | None, maximize: bool) -> Evaluation:
    """A given first stage with its best recourse in every scenario. Without a
    shortfall bound the scenarios are solved one by one (the expected value and
    the CVaR both grow with each scenario's objective, so each scenario's best
    recourse is the best for the whole); with one, in one extensive form."""
    start = time.perf_counter()
    names = [d.name for d in sc.draws]
    if shortfall is None:
        results = [solve_scenario(m, options, first) for m in sc.models]
        status, termination = _combined(results)
        ev = Evaluation(name, names, sc.probabilities, results, status, termination, gap=0.0 if status == "optimal"
                        else None, alpha=risk.alpha, weight=risk.weight, maximize=maximize, recourse=sc.recourse)
    else:
        ef, sol = solve_recourse(sc.blocks(), options, risk, shortfall, first=first)
        ev = Evaluation(name, names, sc.probabilities, split_solution(ef, sc, sol), sol.status, sol.termination,
                        gap=sol.gap, alpha=risk.alpha, weight=risk.weight, maximize=maximize, recourse=sc.recourse)
    ev.seconds = time.perf_counter() - start
    return ev


def certify_evaluation(e: Evaluation, sc: Scenarios, shortfall: Shortfall | None, base: Instance) -> None:
    """The stochastic checker's report on an evaluation with a plan in every scenario
    (one first stage for all, except wait and see)."""
    if not e.has_plan or not all(r.has_plan for r in e.results):
        return
    plans = [ScenarioPlan(n, float(p), i, PlanDecisions.from_result(r), r.certificate)
             for n, p, i, r in zip(e.scenarios, e.probabilities, sc.instances, e.results)]
    e.certificate = check_stochastic(plans, expected=e.expected, risk_adjusted=e.objective, cvar=e.cvar,
                                     alpha=e.alpha, weight=e.weight, maximize=e.maximize, recourse=sc.recourse,
                                     shortfall=None if shortfall is None else (shortfall.alpha, shortfall.limit),
                                     inst=base, nonanticipative=e.name != "wait_and_see")


# ---- the study ------------------------------------------------------------------------------------
def stochastic(source: Instance | str | Path, uncertainty: Any = None, *, samples: int | None = None,
               seed: int | None = None, cvar: tuple[float, float] | None = None,
               shortfall: tuple[float, float] | None = None, engine: str = "ef", mean_value: bool = True,
               wait_and_see: bool = True, base_plan: bool = True, out_of_sample: int = 0,
               saa: list[int] | None = None, replications: int = 1, ph: dict[str, Any] | None = None,
               plans: dict[str, Model] | None = None, **solve_options: Any) -> StochasticResult:
    """The two-stage stochastic plan of `source` (an instance or its file) under the
    uncertainty of its `uncertainty:` section (or `uncertainty`: a section as a
    mapping, or a YAML file holding one).

    samples, seed: how many scenarios to draw (distributions) and with which seed;
    cvar: (alpha, weight): maximise (1 - weight) E + weight CVaR_alpha of the objective;
    shortfall: (alpha, max): the CVaR_alpha of the emergency borrowing at most max yuan;
    engine: ``ef`` (the extensive form, HiGHS) or ``ph`` (progressive hedging, mpi-sppy);
    mean_value, wait_and_see: compute the VSS and the EVPI;
    base_plan: evaluate the plan of the instance's own figures on the scenarios too;
    plans: other plans to judge on the same scenarios as the base plan is judged,
        name -> a built model of the instance with the plan's decisions fixed by
        column bounds (a planner's draft, optim/model/draft.py): its optimum's
        first stage with its best recourse in every scenario (`judged`);
    out_of_sample: fresh samples on which both plans are evaluated (distributions only);
    saa: sample sizes for the sample average approximation (with `replications`);
    solve options (time_limit, mip_rel_gap, threads, seed) go to HiGHS."""
    start = time.perf_counter()
    inst = load(source) if isinstance(source, (str, Path)) else source
    spec = _spec(inst, uncertainty)
    alpha, weight = (cvar if cvar is not None else (spec.risk.cvar_alpha, spec.risk.cvar_weight))
    if shortfall is None and spec.risk.shortfall_max is not None:
        shortfall = (spec.risk.shortfall_alpha, spec.risk.shortfall_max)
    _check_arguments(spec, alpha, weight, shortfall, engine, out_of_sample, saa, replications, samples)
    risk = Risk(weight=float(weight), alpha=float(alpha))
    short = None if shortfall is None else Shortfall(EMERGENCY, float(shortfall[0]), float(shortfall[1]))
    options = SolveOptions.merged(inst.solver, **{k: v for k, v in solve_options.items() if v is not None})
    money = money_unit(inst)
    the_seed = (spec.seed if seed is None else int(seed)) if spec.sampled else None
    scenario_draws = draws(spec, samples, the_seed)
    if engine == "ph":
        found = progressive_hedging(inst, spec, scenario_draws, money, risk, options, **(ph or {}))
        if found is None:  # a process of the MPI run other than the first: nothing to report
            return None
        values, bound, info = found
        sc = build_scenarios(inst, spec, scenario_draws, money)
        maximize = sc.models[0].formulation.maximize
        n_first = len(first_stage_columns(sc.models[0].formulation))
        if len(values) < n_first:
            raise RuntimeError("progressive hedging found no first stage (no cylinder reported a plan)")
        first = values[:n_first]  # (the value at risk follows when the CVaR is weighted)
        _, _, integer = sc.models[0].formulation.bounds()
        first = np.where(integer[first_stage_columns(sc.models[0].formulation)], np.round(first), first)
        plan = evaluate("stochastic", sc, first, options, risk, short, maximize)
        plan.bound = bound
        if plan.has_plan and bound is not None:
            plan.gap = abs(bound - plan.objective) / max(1e-9, abs(plan.objective))
            proven = plan.gap <= OPTIMAL_GAP
            plan.status = "optimal" if proven and plan.status == "optimal" else ("feasible" if plan.has_plan
                                                                                  else plan.status)
            plan.termination = "optimal" if plan.status == "optimal" else "ph_heuristic"
        elif plan.has_plan:
            plan.status, plan.termination, plan.gap = "feasible", "ph_heuristic", None
        model_size = f"progressive hedging on {info.get('ranks', 1)} MPI process(es), {len(sc.draws)} scenarios"
        extra = {"ph": info}
    else:
        sc = build_scenarios(inst, spec, scenario_draws, money)
        maximize = sc.models[0].formulation.maximize
        ef = extensive_form(sc.blocks(), risk, short)
        check_model(ef.formulation)
        sol = solve_compiled(compile_model(ef.formulation), options)
        plan = Evaluation("stochastic", [d.name for d in sc.draws], sc.probabilities, split_solution(ef, sc, sol),
                          sol.status, sol.termination, gap=sol.gap,
                          bound=None if sol.bound is None else sol.bound * ef.formulation.objective_unit,
                          seconds=sol.seconds, alpha=risk.alpha, weight=risk.weight, maximize=maximize,
                          recourse=sc.recourse)
        model_size = "extensive form, " + describe(ef)
        extra = {}
        first = first_values(sc.models[0].formulation, sol.values[ef.maps[0]]) if sol.values is not None else None
        if first is not None and risk.weight >= 1.0 and short is None:
            # the CVaR alone leaves the recourse of the scenarios outside the tail free: each
            # scenario's best recourse under the chosen first stage (the CVaR cannot fall)
            polished = evaluate("stochastic", sc, first, options, risk, short, maximize)
            if polished.has_plan:
                polished.bound, polished.gap, polished.seconds = plan.bound, plan.gap, plan.seconds + polished.seconds
                polished.status, polished.termination = plan.status, plan.termination
                plan = polished
    certify_evaluation(plan, sc, short, inst)
    result = StochasticResult(instance=inst.name, engine=engine, scenarios=scenario_draws, plan=plan,
                              sampled=spec.sampled, seed=the_seed, alpha=risk.alpha, weight=risk.weight,
                              shortfall=shortfall, recourse=sc.recourse, model_size=model_size, extra=extra)
    if not plan.has_plan:
        if plan.status == "infeasible":
            result.notes += infeasible_scenarios(sc, options)
        elif plan.status == "no_solution":
            result.notes.append(f"the search stopped ({plan.termination}) before any plan was found: "
                                "give more time (--time-limit) or fewer scenarios")
        result.seconds = time.perf_counter() - start
        return result
    ev_first = _mean_value(result, inst, spec, sc, options, risk, short, maximize) if mean_value else None
    base_first = _base_plan(result, inst, sc, options, risk, short, maximize) if base_plan else None
    judged_first = {}
    for name, m in (plans or {}).items():
        e, judged_first[name] = _judge(name, m, result, sc, options, risk, short, maximize, inst)
        if e is not None:
            result.judged[name] = e
    if wait_and_see:
        result.wait_and_see = _wait_and_see(sc, options, risk, short, maximize)
        certify_evaluation(result.wait_and_see, sc, short, inst)
    if out_of_sample:
        fresh = build_scenarios(inst, spec, draws(spec, out_of_sample, _fresh_seed(the_seed)), money)
        plans = {"stochastic": first}
        for name, values in (("mean_value", ev_first), ("base_plan", base_first), *judged_first.items()):
            if values is not None:
                plans[name] = values
        result.out_of_sample = out_of_sample_table(fresh, plans, options)
        if saa:
            result.saa = saa_table(inst, spec, saa, replications, the_seed, money, risk, short, options, fresh)
    result.seconds = time.perf_counter() - start
    return result


def _spec(inst: Instance, uncertainty: Any) -> Uncertainty:
    if uncertainty is None:
        return uncertainty_of(inst)
    if isinstance(uncertainty, (str, Path)):
        path = Path(uncertainty)
        doc, problems = read_yaml(path)
        if problems:
            raise InstanceError(problems)
        if set(doc) == {"uncertainty"}:
            return uncertainty_of(inst, doc["uncertainty"], f"{path.name}: uncertainty")
        return uncertainty_of(inst, doc, path.name)
    return uncertainty_of(inst, uncertainty, "uncertainty")


def _check_arguments(spec: Uncertainty, alpha: float, weight: float, shortfall: Any, engine: str,
                     out_of_sample: int, saa: Any, replications: int, samples: int | None) -> None:
    problems = []
    if not 0.0 <= alpha < 1.0:
        problems.append(Problem("--cvar", f"alpha must be in [0, 1) (0.95: the worst 5 % of the scenarios), "
                                          f"not {alpha:g}"))
    if not 0.0 <= weight <= 1.0:
        problems.append(Problem("--cvar", f"the weight lambda must be in [0, 1] (0: expected value, 1: CVaR "
                                          f"alone), not {weight:g}"))
    if shortfall is not None:
        a, b = shortfall
        if not 0.0 <= a < 1.0:
            problems.append(Problem("--shortfall", f"alpha must be in [0, 1), not {a:g}"))
        if b < 0:
            problems.append(Problem("--shortfall", f"the bound must be >= 0 yuan, not {b:g}"))
        if not spec.recourse.enabled:
            problems.append(Problem("--shortfall", "bounds the emergency borrowing, but the uncertainty section "
                                                   "has recourse: none"))
    if engine not in ("ef", "ph"):
        problems.append(Problem("--engine", f"must be ef (extensive form) or ph (progressive hedging), not {engine!r}"))
    if engine == "ph" and shortfall is not None:
        problems.append(Problem("--shortfall", "a bound on the CVaR of emergency borrowing couples the scenarios: "
                                               "it needs the extensive form (--engine ef)"))
    if samples is not None and not spec.sampled:
        problems.append(Problem("--samples", "the uncertainty section is a finite scenario set: there is nothing "
                                             "to sample (give 'parameters' with distributions to sample them)"))
    if samples is not None and not 1 <= samples <= 100_000:
        problems.append(Problem("--samples", f"must be between 1 and 100,000, not {samples}"))
    if (out_of_sample or saa) and not spec.sampled:
        problems.append(Problem("--out-of-sample" if out_of_sample else "--saa",
                                "fresh samples need distributions: a finite scenario set is the whole distribution"))
    if out_of_sample < 0 or out_of_sample > 100_000:
        problems.append(Problem("--out-of-sample", f"must be between 0 and 100,000, not {out_of_sample}"))
    if saa and (any(n < 1 for n in saa) or not out_of_sample):
        problems.append(Problem("--saa", "needs sample sizes >= 1 and --out-of-sample M > 0 (the fresh samples "
                                         "on which each SAA plan is evaluated)"))
    if replications < 1:
        problems.append(Problem("--replications", f"must be >= 1, not {replications}"))
    if problems:
        raise InstanceError(problems)


def _fresh_seed(seed: int | None) -> int:
    """The seed of the out-of-sample draws: apart from the in-sample seed and the
    SAA replications' seeds (seed, seed + 1, ...)."""
    return (int(seed or 0) + 1_000_003) % (2**31 - 1)


def _mean_value(result: StochasticResult, inst: Instance, spec: Uncertainty, sc: Scenarios, options: SolveOptions,
                risk: Risk, short: Shortfall | None, maximize: bool) -> np.ndarray | None:
    """The plan of the mean figures (EV, certified), and its first stage evaluated on
    the scenarios (EEV). Returns that first stage (None without a plan)."""
    mean = mean_draw(inst, sc.draws, spec.recourse)
    ev_inst = scenario_instance(inst, mean, spec.recourse, spec.where)
    m = scenario_model(ev_inst, sc.money, sc.recourse)
    why = first_stage_mismatch(sc.models[0].formulation, m.formulation)
    if why:
        raise structure_problem(spec, "mean", why)
    sol = solve_compiled(m.compiled, options)
    result.ev = m.certify(extract(m.formulation, m.data, sol))
    if not result.ev.has_plan:
        result.notes.append(f"the mean-value problem has no plan ({result.ev.status}): no VSS")
        return None
    first = first_values(m.formulation, sol.values)
    e = evaluate("mean_value", sc, first, options, risk, short, maximize)
    certify_evaluation(e, sc, short, inst)
    result.mean_value = e
    if not e.has_plan:
        result.notes.append(f"the mean-value plan has no recourse in every scenario ({e.status}): no VSS")
    return first


def _base_plan(result: StochasticResult, inst: Instance, sc: Scenarios, options: SolveOptions, risk: Risk,
               short: Shortfall | None, maximize: bool) -> np.ndarray | None:
    """The plan of the instance's own figures (what `optim solve` gives, without the
    uncertainty), its first stage evaluated on the scenarios. Returns that first stage."""
    e, first = _judge("base_plan", Model(inst, sc.money), result, sc, options, risk, short, maximize, inst)
    if e is not None:
        result.base_plan = e
    return first


def _judge(name: str, m: Model, result: StochasticResult, sc: Scenarios, options: SolveOptions, risk: Risk,
           short: Shortfall | None, maximize: bool, inst: Instance) -> tuple[Evaluation | None, np.ndarray | None]:
    """A plan given as a model of the instance (its decisions fixed by bounds, or the
    instance's own figures): its optimum's first stage with its best recourse in
    every scenario, certified. (None, None) with a note when it has no plan."""
    if why := first_stage_mismatch(sc.models[0].formulation, m.formulation):
        if name != "base_plan":  # (the base plan is the instance's own: it fits unless the scenarios refuse it)
            result.notes.append(f"the plan {name} does not fit the scenarios' decisions ({why}): not judged")
        return None, None
    sol = solve_compiled(m.compiled, options)
    if sol.values is None:
        what = "the instance's own figures have" if name == "base_plan" else f"the plan {name} has"
        result.notes.append(f"{what} no plan ({sol.status}): no {name.replace('_', ' ')} to compare")
        return None, None
    first = first_values(m.formulation, sol.values)
    e = evaluate(name, sc, first, options, risk, short, maximize)
    certify_evaluation(e, sc, short, inst)
    return e, first


def _wait_and_see(sc: Scenarios, options: SolveOptions, risk: Risk, short: Shortfall | None,
                  maximize: bool) -> Evaluation:
    """Each scenario with its own first stage (perfect information). Without a
    shortfall bound each scenario is solved alone; with one, the extensive form
    without shared first stage (the bound couples the scenarios)."""
    start = time.perf_counter()
    names = [d.name for d in sc.draws]
    if short is None:
        results = [solve_scenario(m, options) for m in sc.models]
        status, termination = _combined(results)
        e = Evaluation("wait_and_see", names, sc.probabilities, results, status, termination, alpha=risk.alpha,
                       weight=risk.weight, maximize=maximize, recourse=sc.recourse)
    else:
        ef, sol = solve_recourse(sc.blocks(), options, risk, short, nonanticipative=False)
        e = Evaluation("wait_and_see", names, sc.probabilities, split_solution(ef, sc, sol), sol.status,
                       sol.termination, gap=sol.gap, alpha=risk.alpha, weight=risk.weight, maximize=maximize,
                       recourse=sc.recourse)
    e.seconds = time.perf_counter() - start
    return e


def infeasible_scenarios(sc: Scenarios, options: SolveOptions, most: int = 20) -> list[str]:
    """Which scenarios have no plan even on their own (the first `most`)."""
    notes = []
    for d, m in list(zip(sc.draws, sc.models))[:most]:
        r = solve_scenario(m, options)
        if not r.has_plan:
            notes.append(f"scenario {d.name} has no plan even on its own ({r.status}): `optim explain` on its "
                         "figures says why")
    if not notes:
        notes.append("every scenario has a plan on its own, but no first stage serves them all: the scenarios "
                     "ask for incompatible first-stage decisions (a recourse credit line keeps funding feasible, "
                     "not land or quota limits)")
    return notes


def out_of_sample_table(fresh: Scenarios, plans: dict[str, np.ndarray], options: SolveOptions) -> pd.DataFrame:
    """Each plan's first stage with its best recourse on every fresh sample: one row
    per sample and plan (objective, emergency borrowing, status, certified)."""
    rows = []
    for k, (d, m) in enumerate(zip(fresh.draws, fresh.models)):
        for name, first in plans.items():
            r = solve_scenario(m, options, first)
            rows.append({"sample": d.name, "plan": name, "status": r.status, "certified": r.certified,
                         "objective": r.objective if r.has_plan else np.nan,
                         EMERGENCY: borrowed(r, fresh.recourse) if r.has_plan else np.nan,
                         "rezoned_area": float(r.kpis["value"]["rezoned_area"]) if r.has_plan else np.nan,
                         **{f"draw:{n}": v for n, v in d.values.items()}})
    return pd.DataFrame(rows)


def saa_table(inst: Instance, spec: Uncertainty, sizes: list[int], replications: int, seed: int | None,
              money: float, risk: Risk, short: Shortfall | None, options: SolveOptions,
              fresh: Scenarios) -> pd.DataFrame:
    """The sample average approximation as the sample grows: for each size N and
    replication r, the extensive form on N samples (seed + r), its optimum (in
    sample) and the value of its plan on the fresh samples (out of sample, with a
    95 % interval)."""
    rows = []
    for n in sizes:
        for r in range(replications):
            start = time.perf_counter()
            sc = build_scenarios(inst, spec, draws(spec, n, int(seed or 0) + r), money)
            ef, sol = solve_recourse(sc.blocks(), options, risk, short)
            row: dict[str, Any] = {"samples": n, "replication": r, "status": sol.status, "gap": sol.gap}
            if sol.values is not None:
                values = ef.block_values(sol.values) * ef.formulation.objective_unit
                p = sc.probabilities
                row["in_sample"] = risk_value(values, p, risk, ef.formulation.maximize)
                first = first_values(sc.models[0].formulation, sol.values[ef.maps[0]])
                oos = out_of_sample_table(fresh, {"saa": first}, options)["objective"].to_numpy(dtype=float)
                iv = _interval(oos)
                row.update(out_of_sample=iv["mean"], out_of_sample_half_width=iv["half_width"],
                           rezoned_area=float(first_stage_area(sc.models[0], first)))
            row["seconds"] = time.perf_counter() - start
            rows.append(row)
    return pd.DataFrame(rows)


def first_stage_area(m: Model, first: np.ndarray) -> float:
    """The area a first stage rezones."""
    f = m.formulation
    x = np.zeros(f.n_cols)
    x[first_stage_columns(f)] = first
    return f.exprs["rezoned_area"].value(x)


__all__ = ["stochastic", "StochasticResult", "Evaluation", "Scenarios", "build_scenarios", "evaluate",
           "weighted_quantile", "weighted_stats", "EMERGENCY"]
