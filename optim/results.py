"""Results: the solved plan as pandas DataFrames, plus status, KPIs and its certificate.

`extract` turns a HiGHS column vector into tables by array arithmetic on the
model's index sets (the optional parts extract their own tables:
optim/model/relocation.py, phasing.py, adjacency.py) and reads the KPIs from
the one place that computes them (optim/model/kpis.py); `Result` carries them
and writes CSV/JSON. `Result.certificate` is the independent checker's report
on the plan (optim/check), attached by `optim.api` before a plan leaves optim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .atomic import replace_dir
from .export import MISSING_GIS, MISSING_OPENPYXL, plan_frame, write_csv, write_geopackage, write_workbook
from .model.adjacency import extract_conflicts, settle_penalties
from .model.core import TERM_SENSE
from .model.data import ModelData
from .model.formulation import Formulation
from .check.plan import PlanDecisions
from .errors import InstanceError, Problem, require_extra
from .inputs.reader import load
from .inputs.scenarios import apply_scenarios
from .inputs.validate import input_warnings
from .model.kpis import KPI_UNITS, as_taken, kpis
from .model.phasing import extract_periods
from .model.relocation import extract_relocations
from .highs import Solution
from .text import json_number


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
    instance_file: str | None = None  # the instance file the plan was solved for (absolute path)
    scenarios: list[str] = field(default_factory=list)  # the scenarios applied to it, in order
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
    certificate: pd.DataFrame | None = None  # the independent checker's report (optim.check)
    warnings: list[str] = field(default_factory=list)  # what the model did that the instance does not say
    geometry: Any = field(default=None, repr=False)  # the parcels' polygons (instances read from GIS files)
    model_objective: float | None = None  # the objective of the model as written (model units, offset included)
    proved_by: str | None = None  # what proved the bound: "lp_bound" or "mip" (None: not proven)
    strategy: str | None = None  # how it was solved: "lp-guided" or "plain" (optim/strategy.py)
    steps: list = field(default_factory=list)  # the strategy's steps: step, seconds, status, objective, bound

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def certified(self) -> bool | None:
        """True when the independent checker holds every family of the plan, False
        when it does not, None when there is no plan (or it was not checked)."""
        if self.certificate is None:
            return None
        return bool(self.certificate["ok"].all())

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
            "instance_file": self.instance_file,
            "scenarios": list(self.scenarios),
            "status": self.status,
            "termination": self.termination,
            "objective": json_number(self.objective),
            "bound": json_number(self.bound),
            "gap": json_number(self.gap),
            "proved_by": self.proved_by,
            "model_objective": json_number(self.model_objective),
            "strategy": self.strategy,
            "steps": [{k: (json_number(v) if k in ("objective", "bound") else v) for k, v in step.items()}
                      for step in self.steps],
            "solve_seconds": round(self.solve_seconds, 6),
            "certified": self.certified,
            "warnings": list(self.warnings),
            "kpis": {k: json_number(v) for k, v in self.kpis["value"].items()},
            "objective_terms": {t: json_number(r["value"]) for t, r in self.objective_terms.iterrows()}
            if len(self.objective_terms) else {},
            "draws": [{"source": r.source, "category": r.category, "amount": json_number(r.amount)}
                      for r in self.draws.itertuples()],
            "parcels": [{"parcel": p, "use": u, "rezoned": bool(z)} for p, u, z in zip(
                self.parcels.index.tolist(), self.parcels["use"].tolist(), self.parcels["rezoned"].tolist())]
            if len(self.parcels) else [],
        }
        if self.conflicts is not None:  # only for instances with adjacency
            out["conflicts"] = [{k: (json_number(v) if k in ("length", "penalty") else v) for k, v in row.items()}
                                for row in self.conflicts.to_dict("records")]
        if self.relocations is not None:  # only for instances with enterprises
            out["relocations"] = [{"enterprise": e, "parcel": p, "area": json_number(a), "cost": json_number(c)}
                                  for e, p, a, c in zip(self.relocations["enterprise"], self.relocations["parcel"],
                                                        self.relocations["area"], self.relocations["cost"])]
        if self.periods is not None:  # only for instances with periods
            out["periods"] = [{k: (v if k == "period" else json_number(v)) for k, v in row.items()}
                              for row in self.periods.to_dict("records")]
        return out

    def write(self, out_dir: str | Path, excel: bool = False, extra: dict[str, Any] | None = None) -> Path:
        """Write every table as CSV and `summary.json` into `out_dir`, atomically:
        into a temporary folder beside it, then renamed into place as a whole
        (an earlier result folder there is replaced whole; any other non-empty
        folder is refused). See optim/atomic.py.

        CSV files are UTF-8 with a byte-order mark (Excel reads them right) and
        carry money rounded to the fen (optim/export.py). With a plan and parcel
        polygons, `plan.gpkg` holds the plan on the polygons (for QGIS); with
        `excel`, `plan.xlsx` holds every table (money in M yuan). `extra`: more
        keys of summary.json (`optim solve` records there why there is no plan:
        ``explanation``, ``prechecks``)."""
        if excel:
            require_extra("openpyxl", MISSING_OPENPYXL)  # before anything is written
        gpkg = self.has_plan and self.geometry is not None

        def fill(out: Path) -> None:
            for name, table in self.tables().items():
                write_csv(name, table, out / f"{name}.csv")
            (out / "summary.json").write_text(json.dumps({**self.to_dict(), **(extra or {})}, ensure_ascii=False),
                                              encoding="utf-8")
            if gpkg:
                write_geopackage(self.parcels, self.geometry.shapes, out / "plan.gpkg")
            if excel:
                write_workbook(self.workbook_summary(), self.tables(), out / "plan.xlsx")

        return replace_dir(out_dir, fill)

    def workbook_summary(self) -> dict[str, Any]:
        """The summary sheet of `plan.xlsx`: what was solved and how it ended."""
        out: dict[str, Any] = {"instance": self.instance, "instance file": self.instance_file or "",
                               "scenarios": ", ".join(self.scenarios), "status": self.status,
                               "termination": self.termination,
                               "objective (yuan)": self.objective, "bound (yuan)": self.bound,
                               "gap": self.gap, "certified by the checker": self.certified,
                               "solve seconds": round(self.solve_seconds, 3)}
        if self.status == "feasible":
            out["note"] = "stopped by a limit: this plan is not proven optimal"
        out["money"] = "in the other sheets: M yuan (million yuan), output in M yuan/year; areas in mu"
        return out

    def to_geodataframe(self) -> Any:
        """The plan's parcels with their polygons, as a geopandas GeoDataFrame in the
        coordinate system of the instance's file (the `gis` extra)."""
        if self.geometry is None:
            raise InstanceError([Problem(self.instance or "result", "the parcels have no polygons: a GeoDataFrame "
                                         "needs an instance whose parcels come from a GIS file "
                                         "(parcels: {file: parcels.gpkg})")])
        if not self.has_plan:
            raise InstanceError([Problem(self.instance or "result", f"the result has no plan (status {self.status})")])
        require_extra("geopandas", MISSING_GIS)
        return plan_frame(self.parcels, self.geometry.shapes)

    def summary(self) -> str:
        """A short human-readable report."""
        lines = [f"instance     {self.instance}",
                 f"status       {self.status} ({self.termination})"]
        if not self.has_plan:
            return "\n".join(lines + ["no plan"])
        lines.append(f"objective    {self.objective:,.2f}   bound {self.bound if self.bound is None else format(self.bound, ',.2f')}"
                     f"   gap {self.gap:.4%}" if self.gap is not None else f"objective    {self.objective:,.2f}")
        if self.proved_by is not None:
            how = {"lp_bound": "the LP relaxation's safe bound", "mip": "HiGHS's branch and bound"}
            lines.append(f"proved by    {how.get(self.proved_by, self.proved_by)} ({self.strategy} strategy)")
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


@dataclass
class Decisions:
    """The decisions of a plan as taken (`optim.model.kpis.as_taken`): integer
    columns rounded, money to the fen. Both the result tables and the plan the
    checker is given are read from here."""

    x: np.ndarray  # the column values as taken
    use: np.ndarray  # bool per option: taken
    build: np.ndarray  # bool per project
    draw: np.ndarray  # yuan per eligible (source, category) pair
    opened: np.ndarray  # bool per switched source
    own: np.ndarray  # yuan of own funds per category
    relocations: Any = None  # optim.model.relocation.RelocationResult, with enterprises
    periods: Any = None  # optim.model.phasing.PeriodResult, with periods


def decide(f: Formulation, data: ModelData, values: np.ndarray) -> Decisions:
    """The decisions of the column vector `values`."""
    x = as_taken(f, values)
    return Decisions(x=x, use=x[f.col("v_use")] > 0.5, build=x[f.col("v_build")] > 0.5,
                     draw=x[f.col("v_draw")] * data.money, opened=x[f.col("v_open")] > 0.5,
                     own=x[f.col("v_own")] * data.money,
                     relocations=extract_relocations(f, data, x), periods=extract_periods(f, data, x))


def plan_decisions(data: ModelData, dec: Decisions, objective: float | None,
                   kpis: dict[str, float]) -> PlanDecisions:
    """The plan as the independent checker reads it (`optim.check.PlanDecisions`),
    straight from the decisions, without the result tables."""
    opts = data.options
    parcels = pd.DataFrame({"use": opts["use"].array[dec.use]},  # the ids' own dtype: no inference
                           index=pd.Index(opts["parcel"].array[dec.use], name="parcel"))
    projects = pd.DataFrame({"built": dec.build}, index=pd.Index(data.projects.index, name="project"))
    if dec.periods is not None:
        parcels["period"] = dec.periods.parcel_period.reindex(parcels.index)
        projects["period"] = dec.periods.project_period.reindex(projects.index)
        projects["recycled_in"] = dec.periods.recycled.reindex(projects.index)
    drawn = dec.draw > 0
    return PlanDecisions(
        parcels=parcels,
        draws=pd.DataFrame({"source": data.pairs["source"].to_numpy()[drawn],
                            "category": data.pairs["category"].to_numpy()[drawn], "amount": dec.draw[drawn]}),
        projects=projects,
        categories=pd.DataFrame({"own_funds": dec.own}, index=pd.Index(data.categories, name="category")),
        sources=pd.DataFrame({"used": dec.opened}, index=pd.Index(data.switched, name="source", dtype=object)),
        objective=objective,
        kpis=pd.DataFrame({"value": pd.Series(kpis, dtype=float)}),
        relocations=None if dec.relocations is None else dec.relocations.table,
        period_draws=None if dec.periods is None else dec.periods.period_draws)


def instance_of(result_dir: str | Path):
    """The instance a result folder was solved for: the file and the scenarios its
    summary.json records, loaded and applied again. `InstanceError` naming the
    folder when it records none (a result of an instance built in memory)."""
    summary = Path(result_dir) / "summary.json"
    try:
        doc = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InstanceError([Problem(str(summary), f"cannot read the result's summary: {exc}")]) from None
    path = doc.get("instance_file") if isinstance(doc, dict) else None
    if not isinstance(path, str):
        raise InstanceError([Problem(str(summary), "the result records no instance file: give the instance")])
    scenarios = doc.get("scenarios") or []
    return apply_scenarios(load(path), [str(s) for s in scenarios])


def no_plan(inst: Any, status: str, termination: str) -> Result:
    """A result without a plan for `inst` (e.g. stopped by the presolve checks),
    recording the instance file and scenarios as a solved result does."""
    return Result(status=status, termination=termination, objective=None, bound=None, gap=None,
                  solve_seconds=0.0, **_recorded(inst))


def _recorded(inst: Any) -> dict[str, Any]:
    """What a result records of its instance: name, file (absolute), scenarios, the
    parcels' polygons, and the warnings about its input (`input_warnings`)."""
    path = getattr(inst, "path", None)
    return {"instance": inst.name,
            "instance_file": str(Path(path).resolve()) if path is not None and Path(path).is_file() else None,
            "scenarios": list(getattr(inst, "applied_scenarios", []) or []),
            "geometry": getattr(inst, "geometry", None),
            "warnings": [str(w) for w in input_warnings(inst)]}


def settled(f: Formulation, solution: Solution) -> Solution:
    """The solution with its penalty columns at the least its decisions allow
    (`settle_penalties`), its objective (model units) and gap recomputed; the
    same solution when none moves."""
    if solution.values is None or solution.objective is None:
        return solution
    values = settle_penalties(f, solution.values)
    if values is None:
        return solution
    objective = solution.objective + float(f.cost() @ (values - solution.values))
    gap = solution.gap
    if gap is not None and solution.bound is not None and np.isfinite(solution.bound) and objective != 0:
        gap = min(gap, abs(solution.bound - objective) / abs(objective))
    return replace(solution, values=values, objective=objective, gap=gap)


def extract(f: Formulation, data: ModelData, solution: Solution) -> Result:
    """Turn a solution (values in the formulation's column order) into the
    `Result` tables; empty tables if there is no plan. Penalty columns are
    settled first (`settled`)."""
    solution = settled(f, solution)
    unit = f.objective_unit
    res = Result(status=solution.status, termination=solution.termination,
                 objective=None if solution.objective is None else solution.objective * unit,
                 bound=None if solution.bound is None else solution.bound * unit, gap=solution.gap,
                 solve_seconds=solution.seconds, nodes=solution.nodes, **_recorded(data.inst))
    if solution.values is None:
        return res
    inst = data.inst
    opts = data.options
    dec = decide(f, data, solution.values)
    chosen = np.flatnonzero(dec.use)
    build, draw, own, reloc = dec.build, dec.draw, dec.own, dec.relocations
    opened = dec.opened

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
        "value": ch["value"].to_numpy(),
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
    if data.conversion_category is not None:
        need[data.conversion_category] += float(ch["conversion_cost"].sum())
    if reloc is not None:  # relocation costs are part of their categories' need
        need = need + reloc.need.reindex(need.index, fill_value=0.0)
    ext = pairs.merge(src[["external"]], left_on="source", right_index=True)
    by_cat_ext = ext[ext["external"].astype(bool)].groupby("category")["amount"].sum().reindex(
        data.categories, fill_value=0.0)
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

    # KPIs and the objective's terms
    found = kpis(f, data, dec.x)
    res.kpis = pd.DataFrame({"value": {k: v for k, (v, _) in found.items()},
                             "unit": {k: u for k, (_, u) in found.items()}})
    res.kpis.index.name = "kpi"
    res.objective_terms = objective_terms(inst, {k: v for k, (v, _) in found.items()})
    if reloc is not None:
        res.relocations = reloc.table
    phased = dec.periods  # None without periods
    if phased is not None:
        res.periods, res.period_draws, res.debt_service = phased.periods, phased.period_draws, phased.debt_service
        res.parcels["period"] = phased.parcel_period.reindex(res.parcels.index)
        res.projects["period"] = phased.project_period.reindex(res.projects.index)
        res.projects["recycled_in"] = phased.recycled.reindex(res.projects.index)
    res.conflicts = extract_conflicts(data, dec.use)  # None without an adjacency table
    return res


# the KPI each objective term reads (present values when the objective counts them)
TERM_KPIS = {"land_income": "land_income", "industrial_output": "industrial_output",
             "coverage": "external_financing", "financing_cost": "financing_cost", "value": "value"}


def objective_terms(inst: Any, values: dict[str, float]) -> pd.DataFrame:
    """The objective's terms of a plan with KPI `values`: weight, sense, value and
    contribution of each term, the penalties of the adjacency part and the
    objective's offset; the contributions add up to the objective."""
    obj = inst.objective
    present = obj.values == "present" and "land_income_pv" in values
    term_values = {t: values.get(f"{k}_pv" if present and t in ("land_income", "industrial_output") else k, 0.0)
                   for t, k in TERM_KPIS.items()}
    rows = {t: (obj.weight(t), "max" if TERM_SENSE[t] > 0 else "min", v, TERM_SENSE[t] * obj.weight(t) * v)
            for t, v in term_values.items()}
    if "compatibility_penalty" in values:
        penalty, boundary = values["compatibility_penalty"], values["industrial_boundary"]
        beta = float(obj.boundary_penalty)
        rows["compatibility_penalty"] = (1.0, "min", penalty, -penalty)
        rows["boundary_penalty"] = (beta, "min", boundary, -beta * boundary)
    if obj.offset:
        rows["offset"] = (1.0, "max", obj.offset, obj.offset)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["weight", "sense", "value", "contribution"])
    frame.index.name = "term"
    return frame


__all__ = ["Result", "extract", "no_plan", "instance_of", "objective_terms", "KPI_UNITS"]
