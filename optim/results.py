"""Results: the solved plan as pandas DataFrames, plus status and KPIs.

`extract` turns a HiGHS column vector into tables by array arithmetic on the
model's index sets; `Result` carries them, and writes CSV/JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .adjacency import extract_adjacency, has_adjacency, industrial_boundary
from .formulation import Formulation
from .model import ModelData
from .phasing import KPI_UNITS as PERIOD_KPI_UNITS
from .phasing import extract_periods
from .relocation import extract_relocations
from .solve import Solution

KPI_UNITS = {
    "land_income": "yuan",
    "forgone_land_income": "yuan",
    "industrial_output": "yuan/year",
    "total_investment": "yuan",
    "covered_investment": "yuan",
    "external_financing": "yuan",
    "coverage": "ratio",
    "financing_cost": "yuan",
    "own_funds_used": "yuan",
    "own_funds_available": "yuan",
    "industrial_area": "mu",
    "rezoned_area": "mu",
}


@dataclass
class Result:
    """A solve's outcome. Tables are empty when there is no plan.

    status: ``optimal`` (proven within the gap), ``feasible`` (a plan, stopped by a
    limit: not proven optimal), ``infeasible``, ``unbounded``, ``no_solution`` (a
    limit hit before any plan) or ``error``.
    """

    status: str
    termination: str
    objective: float | None
    bound: float | None
    gap: float | None
    solve_seconds: float
    instance: str = ""
    parcels: pd.DataFrame = field(default_factory=pd.DataFrame)
    draws: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["source", "category", "amount"]))
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)
    projects: pd.DataFrame = field(default_factory=pd.DataFrame)
    resources: pd.DataFrame = field(default_factory=pd.DataFrame)
    kpis: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["value", "unit"]))
    objective_terms: pd.DataFrame = field(default_factory=pd.DataFrame)
    nodes: int = 0
    conflicts: pd.DataFrame | None = None  # penalised adjacent use pairs (instances with adjacency)
    relocations: pd.DataFrame | None = None  # enterprise, parcel, ... (instances with enterprises)
    periods: pd.DataFrame | None = None  # the plan per period (instances with periods)
    period_draws: pd.DataFrame | None = None  # source, category, period, amount
    debt_service: pd.DataFrame | None = None  # source, period (or 'after'), amount

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    def kpi(self, name: str) -> float:
        return float(self.kpis.loc[name, "value"])

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"parcels": self.parcels, "draws": self.draws, "sources": self.sources,
               "categories": self.categories, "projects": self.projects,
               "resources": self.resources, "kpis": self.kpis,
               "objective_terms": self.objective_terms}
        if self.conflicts is not None:  # only for instances with adjacency
            out["conflicts"] = self.conflicts
        if self.relocations is not None:  # only for instances with enterprises
            out["relocations"] = self.relocations
        if self.periods is not None:  # only for instances with periods
            out["periods"] = self.periods
            out["period_draws"] = self.period_draws
            out["debt_service"] = self.debt_service
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: status, objective, gap, KPIs, draws, parcels."""
        out: dict[str, Any] = {
            "instance": self.instance,
            "status": self.status,
            "termination": self.termination,
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "gap": _num(self.gap),
            "solve_seconds": round(self.solve_seconds, 6),
            "kpis": {k: _num(v) for k, v in self.kpis["value"].items()},
            "objective_terms": {t: _num(r["value"]) for t, r in self.objective_terms.iterrows()}
            if len(self.objective_terms) else {},
            "draws": [{"source": r.source, "category": r.category, "amount": _num(r.amount)}
                      for r in self.draws.itertuples()],
            "parcels": [{"parcel": p, "use": u, "rezoned": bool(z)} for p, u, z in zip(
                self.parcels.index.tolist(), self.parcels["use"].tolist(), self.parcels["rezoned"].tolist())]
            if len(self.parcels) else [],
        }
        if self.conflicts is not None:  # only for instances with adjacency
            out["conflicts"] = [{k: (_num(v) if k in ("length", "penalty") else v) for k, v in row.items()}
                                for row in self.conflicts.to_dict("records")]
        if self.relocations is not None:  # only for instances with enterprises
            out["relocations"] = [{"enterprise": e, "parcel": p, "area": _num(a), "cost": _num(c)}
                                  for e, p, a, c in zip(self.relocations["enterprise"], self.relocations["parcel"],
                                                        self.relocations["area"], self.relocations["cost"])]
        if self.periods is not None:  # only for instances with periods
            out["periods"] = [{k: (v if k == "period" else _num(v)) for k, v in row.items()}
                              for row in self.periods.to_dict("records")]
        return out

    def write(self, out_dir: str | Path) -> Path:
        """Write every table as CSV and `summary.json` into `out_dir`, atomically:
        into a temporary folder beside it, then renamed into place as a whole
        (an earlier result folder there is replaced whole; any other non-empty
        folder is refused). See optim/atomic.py."""
        from .atomic import replace_dir

        def fill(out: Path) -> None:
            for name, table in self.tables().items():
                table.to_csv(out / f"{name}.csv", index=table.index.name is not None)
            (out / "summary.json").write_text(json.dumps(self.to_dict()), encoding="utf-8")

        return replace_dir(out_dir, fill)

    def summary(self) -> str:
        """A short human-readable report."""
        lines = [f"instance     {self.instance}",
                 f"status       {self.status} ({self.termination})"]
        if not self.has_plan:
            return "\n".join(lines + ["no plan"])
        lines.append(f"objective    {self.objective:,.2f}   bound {self.bound if self.bound is None else format(self.bound, ',.2f')}"
                     f"   gap {self.gap:.4%}" if self.gap is not None else f"objective    {self.objective:,.2f}")
        if self.status != "optimal":
            lines.append("NOTE: stopped by a limit; this plan is not proven optimal")
        lines.append(f"solve time   {self.solve_seconds:.3f} s")
        lines.append("")
        lines.append("KPIs")
        for name, row in self.kpis.iterrows():
            value = row["value"]
            text = f"{value:.4f}" if row["unit"] == "ratio" else f"{value:,.2f}"
            lines.append(f"  {name:<22} {text:>22} {row['unit']}")
        if len(self.draws):
            lines.append("")
            lines.append("draws")
            for r in self.draws.itertuples():
                lines.append(f"  {r.source:<20} {r.category:<20} {r.amount:>20,.2f}")
        rez = self.parcels[self.parcels["rezoned"]] if len(self.parcels) else self.parcels
        lines.append("")
        if self.conflicts is not None:
            lines.append(f"penalised adjacent use pairs: {len(self.conflicts)}")
            lines.append("")
        if self.relocations is not None:
            lines.append(f"relocated enterprises: {len(self.relocations)}")
            for r in self.relocations.head(20).itertuples():
                lines.append(f"  {r.enterprise:<12} -> {r.parcel:<12} {r.area:,.1f} mu  {r.cost:,.2f}")
            lines.append("")
        if self.periods is not None:
            lines.append("by period")
            cols = ["draws", "own_funds", "debt_service", "cash_balance", "rezoned_area"]
            lines.append(f"  {'period':<10}" + "".join(f"{c:>18}" for c in cols))
            for r in self.periods.itertuples():
                lines.append(f"  {r.period:<10}" + "".join(f"{getattr(r, c):>18,.2f}" for c in cols))
            lines.append("")
        lines.append(f"rezoned parcels: {len(rez)} of {len(self.parcels)}")
        for p, r in rez.head(20).iterrows():
            lines.append(f"  {p:<12} {r['current_use']} -> {r['use']}  {r['area']:,.1f} mu")
        if len(rez) > 20:
            lines.append(f"  ... and {len(rez) - 20} more")
        return "\n".join(lines)


# KPI name -> the model expression it reads (see KpiReader)
KPI_EXPRS = {"land_income": "land_income", "forgone_land_income": "forgone_income",
             "industrial_output": "industrial_output", "total_investment": "total_investment",
             "covered_investment": "scope_investment", "external_financing": "coverage",
             "financing_cost": "financing_cost", "own_funds_used": "own_funds",
             "industrial_area": "industrial_area", "rezoned_area": "rezoned_area"}


@dataclass
class KpiReader:
    """The KPIs of a plan read straight from the model's expressions: what a study
    needs from each of its runs, without the result tables (`extract`). Made once
    per model; `read(x)` is a few sparse dot products. `covers` is False for the
    parts it does not compute (periods, relocation): use `extract` there."""

    f: Formulation
    data: ModelData
    integer: np.ndarray
    covers: bool
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # opt_a, opt_b, penalty * length

    @classmethod
    def of(cls, f: Formulation, data: ModelData) -> "KpiReader":
        from .adjacency import option_pairs
        from .phasing import has_periods
        from .relocation import has_relocation

        inst = data.inst
        reader = cls(f, data, f.bounds()[2], covers=not (has_periods(inst) or has_relocation(inst)))
        if reader.covers and has_adjacency(inst):
            pairs = option_pairs(data, "penalty")
            reader.pairs = (pairs["opt_a"].to_numpy(), pairs["opt_b"].to_numpy(),
                            (pairs["penalty"] * pairs["length"]).to_numpy(dtype=float))
        return reader

    def read(self, x: np.ndarray) -> dict[str, float]:
        """The KPIs of plan `x` (the formulation's column values), as `extract` gives them."""
        f, pol = self.f, self.data.inst.policy
        x = np.where(self.integer, np.round(x), x)
        out = {k: f.exprs[e].value(x) * f.units.get(e, 1.0) for k, e in KPI_EXPRS.items()}
        covered = out["covered_investment"]
        out["coverage"] = out["external_financing"] / covered if covered > 0 else float("nan")
        out["own_funds_available"] = pol.own_funds_budget + pol.land_income_to_own_funds * out["land_income"]
        out = {k: out[k] for k in KPI_UNITS}  # the order of the kpis table
        if self.pairs is not None:
            use = x[f.col("v_use")] > 0.5
            a, b, weight = self.pairs
            out["compatibility_penalty"] = float(weight[use[a] & use[b]].sum())
            out["industrial_boundary"] = industrial_boundary(self.data, use)
        return out


def _add_periods(res: Result, data: ModelData, phased: dict) -> None:
    """Per-period tables, rezoning and building periods, and phasing KPIs."""
    inst = data.inst
    res.periods, res.period_draws = phased["periods"], phased["period_draws"]
    res.debt_service = phased["debt_service"]
    res.parcels["period"] = phased["parcel_period"].reindex(res.parcels.index)
    res.projects["period"] = phased["project_period"].reindex(res.projects.index)
    res.projects["recycled_in"] = phased["recycled"].reindex(res.projects.index)
    for name, value in phased["kpis"].items():
        res.kpis.loc[name] = [value, PERIOD_KPI_UNITS[name]]
    pol, per = inst.policy, res.periods
    budget = float(inst.periods["own_funds"].astype(float).sum()) + pol.own_funds_budget
    inflow = (pol.land_income_to_own_funds * per["land_income"].sum() + pol.tax_share * per["industrial_output"].sum()
              + per["asset_income"].sum() + per["recycling_proceeds"].sum())
    res.kpis.loc["own_funds_available"] = [budget + float(inflow), "yuan"]  # budgets and income, all years
    if inst.objective.values == "present":  # the objective counts present values
        for term, kpi in (("land_income", "land_income_pv"), ("industrial_output", "industrial_output_pv")):
            value = phased["kpis"][kpi]
            res.objective_terms.loc[term, "value"] = value
            res.objective_terms.loc[term, "contribution"] = value * inst.objective.weight(term)


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def extract(f: Formulation, data: ModelData, solution: Solution) -> Result:
    """Turn a solution (values in the formulation's column order) into the
    `Result` tables; empty tables if there is no plan."""
    unit = f.objective_unit
    res = Result(status=solution.status, termination=solution.termination,
                 objective=None if solution.objective is None else solution.objective * unit,
                 bound=None if solution.bound is None else solution.bound * unit, gap=solution.gap,
                 solve_seconds=solution.seconds, instance=data.inst.name, nodes=solution.nodes)
    if solution.values is None:
        return res
    inst = data.inst
    opts = data.options
    x = solution.values

    def values(group: str, integer: bool = False, scale: float = 1.0) -> np.ndarray:
        v = x[f.col(group)]
        if integer:
            return np.round(v)
        v = v * scale  # money variables are in units of `data.money` yuan
        v = np.where(np.abs(v) < 1e-6 * max(scale, 1.0), 0.0, v)
        return np.round(v, 2) if scale > 1 else v  # yuan to the fen

    chosen = np.flatnonzero(values("v_use", True) > 0.5)
    build = values("v_build", True)
    draw = values("v_draw", scale=data.money)
    opened = values("v_open", True)
    own = values("v_own", scale=data.money)
    reloc = extract_relocations(f, data, x)  # None without enterprises (optim/relocation.py)

    # parcels
    ch = opts.iloc[chosen]
    parcels = pd.DataFrame({
        "parcel": ch["parcel"].to_numpy(),
        "use": ch["use"].to_numpy(),
        "current_use": inst.parcels["current_use"].reindex(ch["parcel"]).to_numpy(),
        "rezoned": data.rezoning[chosen],
        "area": data.area[chosen],
        "industrial": data.industrial[chosen],
        "land_income": ch["land_income"].to_numpy(),
        "forgone_income": data.forgone[chosen],
        "output": ch["output"].to_numpy(),
        "conversion_cost": ch["conversion_cost"].to_numpy(),
    })
    for rid in inst.resource_ids:
        parcels[rid] = ch[rid].to_numpy()
    parcels = parcels.set_index("parcel").reindex(data.parcels)
    parcels.index.name = "parcel"
    res.parcels = parcels

    # draws, sources
    pairs = data.pairs.assign(amount=draw)
    res.draws = pairs[pairs["amount"] > 0].reset_index(drop=True)
    src = data.sources
    drawn = pairs.groupby("source")["amount"].sum().reindex(src.index, fill_value=0.0)
    open_map = dict(zip(data.switched, opened))
    is_open = np.array([bool(open_map.get(s, drawn[s] > 0)) for s in src.index], dtype=bool)
    switched = np.array([s in open_map for s in src.index], dtype=bool)
    fixed = np.where(is_open & switched, src["fixed_cost"].astype(float), 0.0)
    res.sources = pd.DataFrame({
        "kind": src["kind"], "external": src["external"], "cap": src["cap"].astype(float),
        "min_ticket": src["min_ticket"].astype(float), "drawn": drawn.to_numpy(),
        "used": is_open, "fixed_cost": fixed,
        "interest": drawn.to_numpy() * src["rate"].astype(float).to_numpy(),
    }, index=pd.Index(src.index, name="source"))

    # projects
    proj = data.projects
    res.projects = pd.DataFrame({
        "category": proj["category"], "cost": proj["cost"].astype(float),
        "mandatory": proj["mandatory"].astype(bool), "built": build.astype(bool),
        "industrial_area": proj["industrial_area"].astype(float),
        "output": proj["output"].astype(float),
    }, index=pd.Index(proj.index, name="project"))

    # categories
    need = res.projects[res.projects["built"]].groupby("category")["cost"].sum()
    need = need.reindex(data.categories, fill_value=0.0)
    conv_total = float(ch["conversion_cost"].sum())
    if data.conversion_category is not None:
        need[data.conversion_category] += conv_total
    if reloc is not None:  # relocation costs are part of their categories' need
        need = need + reloc.need.reindex(need.index, fill_value=0.0)
    ext = pairs.merge(src[["external"]], left_on="source", right_index=True)
    by_cat_ext = ext[ext["external"].astype(bool)].groupby("category")["amount"].sum().reindex(data.categories, fill_value=0.0)
    by_cat_all = pairs.groupby("category")["amount"].sum().reindex(data.categories, fill_value=0.0)
    res.categories = pd.DataFrame({
        "need": need.to_numpy(), "external": by_cat_ext.to_numpy(),
        "other_sources": (by_cat_all - by_cat_ext).to_numpy(), "own_funds": own,
        "in_scope": [c in data.scope for c in data.categories],
        "ecology": [c in data.ecology for c in data.categories],
    }, index=pd.Index(data.categories, name="category"))

    # resources
    res.resources = pd.DataFrame({
        "used": [float(ch[r].sum()) for r in inst.resource_ids],
        "cap": inst.resources["cap"].astype(float).to_numpy() if len(inst.resources) else [],
    }, index=pd.Index(inst.resource_ids, name="resource"))

    # KPIs
    land_income = float(ch["land_income"].sum())
    total = float(need.sum())
    covered = float(need[data.scope].sum())
    external = float(by_cat_ext[data.scope].sum())
    output = float(ch["output"].sum()) + float((res.projects["output"] * res.projects["built"]).sum())
    if reloc is not None:  # output of the relocated enterprises
        output += reloc.output
    fin_cost = float(res.sources["fixed_cost"].sum() + res.sources["interest"].sum())
    pol = inst.policy
    kpis = {
        "land_income": land_income,
        "forgone_land_income": float(data.forgone[chosen].sum()),
        "industrial_output": output,
        "total_investment": total,
        "covered_investment": covered,
        "external_financing": external,
        "coverage": external / covered if covered > 0 else float("nan"),
        "financing_cost": fin_cost,
        "own_funds_used": float(own.sum()),
        "own_funds_available": pol.own_funds_budget + pol.land_income_to_own_funds * land_income,
        "industrial_area": float(data.area[chosen][data.industrial[chosen]].sum()),
        "rezoned_area": float(data.area[chosen][data.rezoning[chosen]].sum()),
    }
    res.kpis = pd.DataFrame({"value": kpis, "unit": KPI_UNITS})
    res.kpis.index.name = "kpi"
    if reloc is not None:
        res.kpis.loc["relocation_cost"] = [reloc.cost, "yuan"]
        res.relocations = reloc.table
    term_values = {"land_income": land_income, "industrial_output": output,
                   "coverage": external, "financing_cost": fin_cost}
    sense = {"land_income": 1, "industrial_output": 1, "coverage": 1, "financing_cost": -1}
    res.objective_terms = pd.DataFrame({
        "weight": [inst.objective.weight(t) for t in term_values],
        "sense": ["max" if sense[t] > 0 else "min" for t in term_values],
        "value": list(term_values.values()),
        "contribution": [sense[t] * inst.objective.weight(t) * v for t, v in term_values.items()],
    }, index=pd.Index(list(term_values), name="term"))
    phased = extract_periods(f, data, x)  # None without periods (optim/phasing.py)
    if phased is not None:
        _add_periods(res, data, phased)
    if has_adjacency(inst):  # optional: KPIs, conflicts table and penalty terms (optim/adjacency.py)
        extract_adjacency(res, data, values("v_use", True) > 0.5)
    return res
