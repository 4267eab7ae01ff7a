"""A planner's draft against the optimum (`optim evaluate INSTANCE --plan FILE`).

`evaluate(inst, plan)` reads the draft (optim/inputs/draft.py: a table of
parcel and use, or a YAML file that may also fix projects and sources),
fixes what it decides on the instance's model (optim/model/draft.py: column
bounds; its sources through `draft_instance`) and optimises what it leaves
open (draws, own funds, phasing), as a planner would. Then:

- feasible or not: the draft's plan is solved and certified by the
  independent checker, which also recounts that every decision of the draft is
  kept (`draft_decisions`, optim/check/draft.py); a draft with no plan is
  explained by the elastic model of `optim.analysis.explain` on the model with
  the draft fixed: each target or limit it breaks, in the planner's words and
  with its amount, and the fewest parcels to change for a plan to exist;
- the draft's objective and KPIs beside the optimum's, what the draft gives
  up (optimum minus draft) split by the objective's terms (land income,
  industrial output, external financing, financing cost, ...), and the parcels
  whose use differs;
- optionally the best plan within K changes of the draft and the front of the
  gain against the number of parcels changed (optim/analysis/changes.py), and
  the draft judged on the scenarios of the uncertainty section beside the plan
  chosen for them (`optim.stochastic`, its `plans=`).

`DraftEvaluation.write(DIR)` writes a result folder atomically (money in
yuan, output in yuan/year, CSV in UTF-8 with a BOM):

- summary.json: `to_dict()`, with `"kind": "evaluation"` (a solve's folder has
  none), `feasible`, `objective` (the draft's), `optimum_objective`,
  `gives_up` (`total`, `share` of the optimum, `terms`), `objective_terms`,
  `kpis`, `changed_parcels`, `changed`; `violations`, `fewest_changes`,
  `repair` for a draft without a plan; `max_changes`, `changes_front`,
  `fewest_changes_for` (share of the gain -> K), `uncertainty` when asked;
- changed.csv: parcel, area, current_use, draft_use, optimum_use,
  draft_land_income, optimum_land_income, draft_output, optimum_output (the
  parcels whose use differs);
- kpis.csv: kpi, draft, optimum, difference (optimum - draft), unit;
- objective_terms.csv: term, draft, optimum, gives_up (a last row `total`);
- violations.csv (a draft without a plan): constraint, member, amount, unit,
  relative, message (the planner's sentence);
- changes_front.csv (`--changes-front`): changes (K), status, gap, objective,
  gain (over the draft, or the first point), changed, certified,
  rezoned_area, land_income, industrial_output, seconds, parcels (ids
  changed, `;`-separated), share (of the whole gap);
- plans/NAME/ as `optim solve --out` writes them (draft, optimum, repair,
  changes_K), each of which `optim check-plan` reads.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..api import Model
from ..atomic import replace_dir
from ..check.draft import check_draft
from ..errors import InstanceError, Problem
from ..export import write_csv
from ..highs import DEFAULT_GAP, SolveOptions, compile_model
from ..inputs.draft import Draft, draft_instance, read_draft
from ..inputs.instance import Instance
from ..inputs.reader import load
from ..model.draft import fix_draft, unreachable_periods
from ..results import Result
from ..text import json_number, money
from ..analysis.changes import FRONT_CAP, NearDraft, fewest_for, front
from ..analysis.explain import Explanation, explain
from .stochastic import stochastic

KIND = "evaluation"  # summary.json's "kind": a report tells an evaluation folder from a solve's


@dataclass
class DraftEvaluation:
    """What `evaluate` found (see the module docstring). `result` is the draft with
    what it leaves open optimised (no plan when the draft is infeasible),
    `optimum` the instance's optimum; money in yuan."""

    instance: Instance
    draft: Draft
    result: Result
    optimum: Result
    explanation: Explanation | None = None
    fewest_changes: int | None = None  # a draft without a plan: the fewest parcels to change for one
    repair: Result | None = None  # ... and the best plan with that many changes
    max_changes: int | None = None
    near: Result | None = None  # the best plan within max_changes of the draft
    front: pd.DataFrame | None = None  # the changes front: one row per K
    front_plans: dict[int, Result] = field(default_factory=dict)
    front_seconds: float | None = None
    uncertainty: Any = None  # optim.studies.stochastic.StochasticResult, with the draft judged as "draft"
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    # ---- the figures -----------------------------------------------------------------------
    @property
    def feasible(self) -> bool:
        return self.result.has_plan

    @property
    def objective(self) -> float | None:
        return self.result.objective if self.feasible else None

    @property
    def optimum_objective(self) -> float | None:
        return self.optimum.objective if self.optimum.has_plan else None

    @property
    def gives_up(self) -> float | None:
        """Optimum minus draft (yuan of objective); None without both plans."""
        if not self.feasible or self.optimum_objective is None:
            return None
        return float(self.optimum_objective - self.objective)

    @property
    def certified(self) -> bool | None:
        """Every plan of the evaluation holds against the checker (None: no plan)."""
        flags = [r.certified for r in [*self.plans().values(), *self.front_plans.values()]
                 if r is not None and r.has_plan]
        return None if not flags else all(bool(f) for f in flags)

    @property
    def rejected(self) -> list[str]:
        """The plans the independent checker rejects (by folder name, front points as
        `front_K`): none may be reported."""
        plans = {**self.plans(), **{f"front_{k}": r for k, r in self.front_plans.items()}}
        out = [name for name, r in plans.items() if r is not None and r.has_plan and r.certified is False]
        if self.uncertainty is not None:
            for name, e in (("stochastic", self.uncertainty.plan), *self.uncertainty.judged.items(),
                            ("base_plan", self.uncertainty.base_plan)):
                if e is not None and e.has_plan and e.certified is False:
                    out.append(f"uncertainty:{name}")
        return out

    def plans(self) -> dict[str, Result]:
        """The plans of the evaluation by folder name (see `write`)."""
        out = {"draft": self.result, "optimum": self.optimum}
        if self.repair is not None:
            out["repair"] = self.repair
        if self.near is not None and self.max_changes is not None:
            out[f"changes_{self.max_changes}"] = self.near
        return out

    def terms(self) -> pd.DataFrame:
        """Per objective term: the draft's and the optimum's contribution and what
        the draft gives up (optimum minus draft), with a row `total`."""
        d = self.result.objective_terms["contribution"] if self.feasible else pd.Series(dtype=float)
        o = self.optimum.objective_terms["contribution"] if self.optimum.has_plan else pd.Series(dtype=float)
        names = list(dict.fromkeys([*o.index, *d.index]))
        table = pd.DataFrame({"draft": d.reindex(names), "optimum": o.reindex(names)}, index=pd.Index(names,
                                                                                                      name="term"))
        table["gives_up"] = table["optimum"] - table["draft"]
        table.loc["total"] = [self.objective, self.optimum_objective, self.gives_up]
        return table.astype(float)

    def kpi_table(self) -> pd.DataFrame:
        """Per KPI: the draft's value, the optimum's, the difference (optimum - draft), its unit."""
        d = self.result.kpis if self.feasible else pd.DataFrame(columns=["value", "unit"])
        o = self.optimum.kpis if self.optimum.has_plan else pd.DataFrame(columns=["value", "unit"])
        names = list(dict.fromkeys([*o.index, *d.index]))
        table = pd.DataFrame({"draft": pd.to_numeric(d["value"], errors="coerce").reindex(names),
                              "optimum": pd.to_numeric(o["value"], errors="coerce").reindex(names)},
                             index=pd.Index(names, name="kpi"))
        table["difference"] = table["optimum"] - table["draft"]
        table["unit"] = pd.concat([o["unit"], d["unit"]]).groupby(level=0).first().reindex(names)
        return table

    def changed(self) -> pd.DataFrame:
        """The parcels whose use in the optimum differs from the draft's: area, current
        use, both uses, and the land income and output of each use (yuan, yuan/year)."""
        inst = self.instance
        cols = ["area", "current_use", "draft_use", "optimum_use", "draft_land_income", "optimum_land_income",
                "draft_output", "optimum_output"]
        if not self.optimum.has_plan:
            return pd.DataFrame(columns=cols, index=pd.Index([], name="parcel"))
        best = self.optimum.parcels["use"]
        draft = self.draft.uses.reindex(best.index)
        ids = [p for p, a, b in zip(best.index, draft.to_numpy(dtype=object), best.to_numpy(dtype=object)) if a != b]
        opts = inst.option_totals()
        figures = opts.set_index([opts["parcel"].astype(object), opts["use"].astype(object)])

        def figure(pairs: list[tuple[Any, Any]], column: str) -> np.ndarray:
            return figures[column].reindex(pd.MultiIndex.from_tuples(pairs)).to_numpy(dtype=float) \
                if pairs else np.zeros(0)

        dp = [(p, draft[p]) for p in ids]
        op = [(p, best[p]) for p in ids]
        par = inst.parcels
        table = pd.DataFrame({
            "area": par["area"].reindex(ids).to_numpy(dtype=float),
            "current_use": par["current_use"].reindex(ids).to_numpy(dtype=object),
            "draft_use": [u for _, u in dp], "optimum_use": [u for _, u in op],
            "draft_land_income": figure(dp, "land_income"), "optimum_land_income": figure(op, "land_income"),
            "draft_output": figure(dp, "output"), "optimum_output": figure(op, "output")},
            index=pd.Index(ids, name="parcel", dtype=object))
        return table

    def violations(self) -> pd.DataFrame:
        """The targets and limits the draft breaks (the smallest relaxation that gives it a plan)."""
        if self.explanation is None:
            return pd.DataFrame(columns=["constraint", "member", "amount", "unit", "relative", "message"])
        return self.explanation.shortfalls

    # ---- output -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: feasible, objective (the draft's), optimum_objective, gives_up
        (total, share, per term), changed_parcels, kpis, violations, the changes, ..."""
        terms = self.terms()
        kt = self.kpi_table()
        give = self.gives_up
        out: dict[str, Any] = {
            "kind": KIND,
            "instance": self.instance.name,
            "instance_file": self.optimum.instance_file,
            "scenarios": list(self.optimum.scenarios),
            "draft": self.draft.to_dict(self.instance),
            "feasible": self.feasible,
            "status": self.result.status,
            "termination": self.result.termination,
            "gap": json_number(self.result.gap),
            "certified": self.certified,
            "objective": json_number(self.objective),
            "optimum_status": self.optimum.status,
            "optimum_gap": json_number(self.optimum.gap),
            "optimum_objective": json_number(self.optimum_objective),
            "gives_up": None if give is None else {
                "total": json_number(give),
                "share": json_number(give / abs(self.optimum_objective)) if self.optimum_objective else None,
                "terms": {t: json_number(v) for t, v in terms["gives_up"].drop("total").items()}},
            "objective_terms": {t: {"draft": json_number(r["draft"]), "optimum": json_number(r["optimum"]),
                                    "gives_up": json_number(r["gives_up"])} for t, r in terms.iterrows()},
            "kpis": {k: {"draft": json_number(r["draft"]), "optimum": json_number(r["optimum"]),
                         "difference": json_number(r["difference"]), "unit": r["unit"]} for k, r in kt.iterrows()},
            "changed_parcels": [str(p) for p in self.changed().index],
            "changed": [{"parcel": str(p), **{k: (json_number(v) if isinstance(v, (float, int, np.number)) else v)
                                              for k, v in row.items()}}
                        for p, row in self.changed().iterrows()],
        }
        if self.explanation is not None:
            e = self.explanation.to_dict()
            out.update(violations=e["shortfalls"], relaxation=e["relaxation"], alternatives=e["alternatives"],
                       iis=e["iis"])
        if not self.feasible:
            out["fewest_changes"] = self.fewest_changes
            out["repair"] = None if self.repair is None else _plan_dict(self.repair, self.draft)
        if self.max_changes is not None:
            out["max_changes"] = {"k": self.max_changes, **(_plan_dict(self.near, self.draft, self.objective)
                                                            if self.near is not None else {})}
        if self.front is not None:
            base = self.objective if self.feasible else None
            out["changes_front"] = [
                {"changes": int(r.changes), "status": r.status, "gap": json_number(r.gap),
                 "objective": json_number(r.objective), "gain": json_number(r.gain), "share": json_number(r.share),
                 "changed": int(r.changed), "certified": None if pd.isna(r.certified) else bool(r.certified),
                 "rezoned_area": json_number(r.rezoned_area), "seconds": round(float(r.seconds), 4),
                 "parcels": [p for p in str(r.parcels).split(";") if p]}
                for r in self.front.itertuples()]
            out["fewest_changes_for"] = fewest_for(self.front)
            out["front_seconds"] = json_number(self.front_seconds)
            out["front_base"] = "draft" if base is not None else "first feasible point"
        if self.uncertainty is not None:
            out["uncertainty"] = uncertainty_dict(self.uncertainty)
        out["optimum_seconds"] = round(float(self.optimum.solve_seconds), 4)
        out["notes"] = list(self.notes)
        out["seconds"] = round(self.seconds, 3)
        return out

    def summary(self) -> str:
        """A readable report."""
        inst, unit = self.instance, (self.instance.units or {}).get("money", "yuan")
        d = self.draft
        rez = d.rezoned(inst)
        lines = [f"instance     {inst.name}",
                 f"draft        {d.name}: {len(d.listed)} parcel(s) listed, {len(d.kept)} kept as they are; "
                 f"{len(rez)} rezoned, {d.rezoned_area(inst):,.1f} mu"]
        if d.fixes_more_than_uses:
            parts = [f"{len(d.periods)} period(s)" if len(d.periods) else "",
                     f"{len(d.projects)} project(s)" if len(d.projects) else "",
                     f"{len(d.sources)} source(s)" if len(d.sources) else ""]
            lines.append(f"             also fixes {', '.join(p for p in parts if p)}")
        if not self.optimum.has_plan:
            lines.append(f"optimum      no plan ({self.optimum.status}): the instance itself has none, so no draft "
                         "can have one (`optim explain` says why)")
        if self.feasible:
            gap = "" if self.result.status == "optimal" else f" (not proven: gap {self.result.gap or 0:.4%})"
            lines.append(f"feasible     yes: the draft meets every target and limit, its draws and own funds "
                         f"optimised{gap}")
        else:
            lines.append(f"feasible     NO ({self.result.status}, {self.result.termination})")
            if self.explanation is not None:
                for line in self.explanation.summary().splitlines()[1:]:
                    lines.append(f"  {line}")
            if self.fewest_changes is not None:
                lines.append(f"fewest changes for a plan: {self.fewest_changes} parcel(s)"
                             + (f" ({', '.join(_changes(self.repair, d))})" if self.repair is not None
                                and self.repair.has_plan else ""))
        lines.append("")
        if self.optimum.has_plan:
            t = self.terms()
            lines.append(f"{'objective':<26}{'draft':>20}{'optimum':>20}{'gives up':>20}")
            for term, r in t.iterrows():
                if term != "total" and not (r.fillna(0) == 0).all():
                    lines.append(f"  {term:<24}{_f(r['draft']):>20}{_f(r['optimum']):>20}{_f(r['gives_up']):>20}")
            r = t.loc["total"]
            lines.append(f"  {'total':<24}{_f(r['draft']):>20}{_f(r['optimum']):>20}{_f(r['gives_up']):>20}")
            if self.gives_up is not None:
                if abs(self.gives_up) <= 1e-6 * max(1.0, abs(self.optimum_objective)):
                    lines.append("the draft is optimal: it gives up nothing against the optimum")
                else:
                    lines.append(f"the draft gives up {money(self.gives_up, unit)} "
                                 f"({self.gives_up / abs(self.optimum_objective):.2%} of the optimum)")
            lines.append("")
            kt = self.kpi_table()
            lines.append(f"{'KPI':<26}{'draft':>20}{'optimum':>20}{'difference':>20}  unit")
            for k, r in kt.iterrows():
                lines.append(f"  {k:<24}{_f(r['draft'], r['unit']):>20}{_f(r['optimum'], r['unit']):>20}"
                             f"{_f(r['difference'], r['unit']):>20}  {r['unit']}")
            ch = self.changed()
            lines += ["", f"parcels whose use differs from the optimum: {len(ch)}"]
            for p, r in ch.head(30).iterrows():
                lines.append(f"  {str(p):<12} draft {r['draft_use']:<14} optimum {r['optimum_use']:<14}"
                             f"{r['area']:>8,.1f} mu")
            if len(ch) > 30:
                lines.append(f"  ... and {len(ch) - 30} more")
        if self.max_changes is not None and self.near is not None:
            lines.append("")
            if self.near.has_plan:
                gain = (self.near.objective - self.objective) if self.feasible else None
                lines.append(f"within {self.max_changes} change(s): objective {_f(self.near.objective)}"
                             + (f", {money(gain, unit)} more than the draft" if gain is not None else "")
                             + f"; changes: {', '.join(_changes(self.near, d)) or 'none'}")
            else:
                lines.append(f"within {self.max_changes} change(s): no plan ({self.near.status})"
                             + (f": the draft needs at least {self.fewest_changes} change(s)"
                                if self.fewest_changes is not None else ""))
        if self.front is not None:
            lines += ["", "changes front (best plan within K changes of the draft)",
                      f"  {'K':>4}{'objective':>20}{'gain':>18}{'share':>9}{'rezoned mu':>12}  status     parcels"]
            for r in self.front.itertuples():
                share = f"{r.share:.1%}" if np.isfinite(r.share) else ""
                lines.append(f"  {r.changes:>4}{_f(r.objective):>20}{_f(r.gain):>18}{share:>9}"
                             f"{r.rezoned_area:>12,.1f}  {r.status:<10} {str(r.parcels).replace(';', ', ')}")
            few = fewest_for(self.front)
            lines.append("  fewest changes for " + ", ".join(
                f"{float(s):.0%} of the gain: {k if k is not None else 'beyond the front'}" for s, k in few.items()))
            lines.append(f"  {len(self.front)} solve(s) on one live model: {self.front_seconds:.2f} s "
                         f"(one solve of the optimum: {self.optimum.solve_seconds:.2f} s)")
        if self.uncertainty is not None:
            lines += ["", *uncertainty_lines(self.uncertainty, unit)]
        cert = self.certified
        lines += ["", "certificate  " + ("every plan holds against the independent checker, the draft's "
                                         "decisions kept" if cert else "no plan to check" if cert is None
                                         else "FAILED")]
        lines += [f"note         {n}" for n in self.notes]
        return "\n".join(lines)

    def write(self, out_dir: str | Path) -> Path:
        """The result folder, atomically (optim/atomic.py): summary.json (`kind`:
        evaluation), changed.csv, kpis.csv, objective_terms.csv, violations.csv,
        changes_front.csv, and plans/NAME/ for each plan (as `optim solve --out`)."""
        def fill(out: Path) -> None:
            (out / "summary.json").write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
            write_csv("changed", self.changed(), out / "changed.csv")
            write_csv("kpis", self.kpi_table(), out / "kpis.csv")
            write_csv("objective_terms", self.terms(), out / "objective_terms.csv")
            if self.explanation is not None:
                write_csv("violations", self.violations(), out / "violations.csv")
            if self.front is not None:
                write_csv("changes_front", self.front, out / "changes_front.csv")
            for name, r in self.plans().items():
                if r is not None and r.has_plan:
                    r.write(out / "plans" / name)

        return replace_dir(out_dir, fill)


def _f(x: Any, unit: str = "yuan") -> str:
    if x is None or not np.isfinite(float(x)):
        return "-"
    return f"{float(x):,.4f}" if unit == "ratio" else f"{float(x):,.0f}" if abs(float(x)) >= 100 else f"{x:,.2f}"


def _changes(result: Result | None, draft: Draft) -> list[str]:
    """'PARCEL: draft use -> use' for each parcel a plan changes from the draft."""
    if result is None or not result.has_plan:
        return []
    use = result.parcels["use"]
    return [f"{p}: {draft.uses[p]} -> {use[p]}" for p in use.index if use[p] != draft.uses.get(p)]


def _plan_dict(result: Result, draft: Draft, base: float | None = None) -> dict[str, Any]:
    out = {"status": result.status, "objective": json_number(result.objective), "gap": json_number(result.gap),
           "certified": result.certified}
    if result.has_plan:
        use = result.parcels["use"]
        out["changed_parcels"] = [str(p) for p in use.index if use[p] != draft.uses.get(p)]
        out["rezoned_area"] = json_number(result.kpi("rezoned_area"))
        if base is not None:
            out["gain"] = json_number(result.objective - base)
    return out


# ---- under uncertainty -------------------------------------------------------------------------
def _worst(column: pd.Series) -> Any:
    """One row per family from a checker's reports stacked: the worst of each column."""
    if column.name == "ok":
        return bool(column.all())
    if column.name in ("max_violation", "relative"):
        return float(column.max())
    return column.iloc[0] if column.name != "worst" else next((w for w in column if w), "")


def uncertainty_dict(st: Any) -> dict[str, Any]:
    """The draft on the scenarios beside the stochastic plan and the base plan."""
    d = st.to_dict()
    draft = st.judged.get("draft")
    dist = st.distribution()
    out = {"scenarios": d["scenarios"], "sampled": d["sampled"], "seed": d["seed"], "alpha": d["alpha"],
           "weight": d["weight"], "stochastic": d["stochastic"], "base_plan": d["base_plan"],
           "draft": d["judged"].get("draft"),
           "judged": d["judged"],
           "stochastic_gains_over_draft": json_number(st.vs_judged("draft")),
           "gains_over_draft": {name: json_number(e.objective - draft.objective)
                                for name, e in st.judged.items() if name != "draft" and e.has_plan
                                and draft is not None and draft.has_plan},
           "stochastic_gains_over_base_plan": d["vs_base_plan"],
           "draft_vs_base_plan": json_number(draft.objective - st.base_plan.objective)
           if draft is not None and draft.has_plan and st.base_plan is not None and st.base_plan.has_plan else None,
           "first_stage": {"rezoned": d["first_stage"]["rezoned"], "rezoned_area": d["first_stage"]["rezoned_area"]},
           "distribution": [r for r in d["distribution"] if r["metric"] in ("objective", "emergency_borrowing",
                                                                            "land_income", "industrial_output")],
           "notes": d["notes"], "seconds": d["seconds"]}
    if len(dist) and draft is not None and draft.has_plan:
        table = st.scenario_table()
        wide = table.pivot(index="scenario", columns="plan", values="objective")
        if {"draft", "stochastic"} <= set(wide.columns):
            out["draft_beats_stochastic_share"] = json_number(float((wide["draft"] > wide["stochastic"] + 1e-6).mean()))
        if {"draft", "base_plan"} <= set(wide.columns):
            out["draft_beats_base_plan_share"] = json_number(float((wide["draft"] > wide["base_plan"] + 1e-6).mean()))
    return out


def uncertainty_lines(st: Any, unit: str) -> list[str]:
    u = uncertainty_dict(st)
    lines = [f"under uncertainty ({u['scenarios']} scenarios"
             + (f", sampled with seed {u['seed']}" if u["sampled"] else "") + "): expected objective on the "
             "same scenarios, each plan's first stage fixed and its draws re-optimised per scenario"]
    rows = [("stochastic", "the stochastic plan"), ("base_plan", "the plan of the base figures"), ("draft", "the draft"),
            *((name, f"the plan within {name.removeprefix('changes_')} change(s)") for name in u["judged"]
              if name != "draft")]
    for key, words in rows:
        e = u.get(key, u["judged"].get(key))
        if e and e.get("objective") is not None:
            lines.append(f"  {words:<30}{_f(e['objective']):>20}   rezoned {e['rezoned_area'] or 0:,.1f} mu, "
                         f"CVaR {_f(e['cvar'])}")
        elif e:
            lines.append(f"  {words:<30} no plan ({e['status']})")
    if u["stochastic_gains_over_draft"] is not None:
        lines.append(f"  the stochastic plan gains {money(u['stochastic_gains_over_draft'], unit)} over the draft")
    for name, gain in u["gains_over_draft"].items():
        lines.append(f"  the plan within {name.removeprefix('changes_')} change(s) gains {money(gain, unit)} over "
                     "the draft")
    if u["draft_vs_base_plan"] is not None:
        lines.append(f"  the draft against the plan of the base figures: {money(u['draft_vs_base_plan'], unit)}")
    lines += [f"  note: {n}" for n in u["notes"]]
    return lines


# ---- evaluate ------------------------------------------------------------------------------------
def draft_model(inst: Instance, draft: Draft) -> tuple[Instance, Model]:
    """The draft's instance (its sources) and model (its uses, periods and projects
    fixed by column bounds)."""
    inst_d = draft_instance(inst, draft)
    model = Model(inst_d)
    f, d = model.formulation, model.data
    fix_draft(f, d, draft.uses, draft.periods, draft.projects)
    late = unreachable_periods(f, draft.projects)
    if late:
        raise InstanceError([Problem(f"{draft.places.get(('projects', p), draft.name)}, period",
                                     f"project {p!r} cannot start in {draft.projects.at[p, 'period']!r} (before its "
                                     "`earliest`, or too late to be complete within the periods): give another "
                                     "period or leave it empty") for p in late])
    model.compiled = compile_model(f)
    return inst_d, model


def evaluate(source: Instance | str | Path, plan: Any, *, projects: Any = None, sources: Any = None,
             sheet: str | None = None, layer: str | None = None, encoding: str | None = None,
             max_changes: int | None = None, changes_front: bool = False, front_cap: int | None = None,
             uncertainty: Any = None, samples: int | None = None, seed: int | None = None,
             explain_time_limit: float | None = 60.0, **solve_options: Any) -> DraftEvaluation:
    """Evaluate the draft `plan` on the instance `source` (see the module docstring).

    plan: a table file, a YAML draft, a DataFrame (`parcel`, `use`[, `period`]), a
    mapping parcel -> use or a list of rows (optim/inputs/draft.py); projects,
    sources: what the draft fixes of them (when `plan` is not a YAML draft that
    says it); sheet, layer, encoding: how to read a table file;
    max_changes: the best plan within K changes of the draft;
    changes_front: the front of the gain against K (up to the optimum, at most
    `front_cap` values of K: default `max_changes` + 1 when given, else 50);
    uncertainty: True to judge the draft on the instance's uncertainty section
    (or a section as a mapping, or a YAML file), with `samples`, `seed`;
    solve options (time_limit, mip_rel_gap, threads, seed of HiGHS as `highs_seed`)
    go to HiGHS. Raises `InstanceError` for a bad draft or argument."""
    start = time.perf_counter()
    problems = []
    if max_changes is not None and (isinstance(max_changes, bool) or not isinstance(max_changes, (int, np.integer))
                                    or max_changes < 0):
        problems.append(Problem("--max-changes", f"must be a whole number of parcels >= 0, not {max_changes!r}"))
    if front_cap is not None and (isinstance(front_cap, bool) or not isinstance(front_cap, (int, np.integer))
                                  or front_cap < 1):
        problems.append(Problem("--front-cap", f"must be a whole number >= 1, not {front_cap!r}"))
    if problems:
        raise InstanceError(problems)
    inst = load(source) if isinstance(source, (str, Path)) else source
    draft = read_draft(inst, plan, projects=projects, sources=sources, sheet=sheet, layer=layer, encoding=encoding)
    options = SolveOptions.merged(inst.solver, **{k: v for k, v in solve_options.items() if v is not None})
    inst_d, model_d = draft_model(inst, draft)
    optimum = Model(inst).solve(options)
    result = model_d.solve(options)
    if result.has_plan:
        result.certificate = pd.concat([result.certificate, check_draft(
            result, draft.uses, draft.periods, draft.projects, draft.sources, inst_d)])
    ev = DraftEvaluation(instance=inst, draft=draft, result=result, optimum=optimum, max_changes=max_changes,
                         notes=list(draft.notes))
    if draft.kept:
        ev.notes.append(f"{len(draft.kept)} parcel(s) not in the draft keep their current use")
    if not result.has_plan and result.status == "infeasible":
        ev.explanation = explain(inst_d, model=model_d, prechecks=False, iis=False, time_limit=explain_time_limit)
    elif not result.has_plan:
        ev.notes.append(f"the draft's solve stopped without a plan ({result.termination}): give more time "
                        "(--time-limit) to tell whether it has one")
    near = None
    if optimum.has_plan and (not result.has_plan or max_changes is not None or changes_front):
        near = NearDraft(inst, draft.uses, options)
        k0 = 0
        if not result.has_plan:
            k0, _ = near.fewest()
            ev.fewest_changes = k0
            if k0 is not None:
                ev.repair = near.best(k0)
        if max_changes is not None:
            ev.near = near.best(max_changes) if k0 is not None and max_changes >= k0 else None
            if ev.near is None:
                ev.notes.append(f"no plan within {max_changes} change(s) of the draft: it needs at least {k0}"
                                if k0 is not None else "no plan within any number of changes")
        if changes_front and k0 is not None:
            reach = len(ev.changed())
            cap = front_cap if front_cap is not None else (max_changes - k0 + 1 if max_changes is not None
                                                           and max_changes >= k0 else FRONT_CAP)
            gap = options.mip_rel_gap if options.mip_rel_gap is not None else DEFAULT_GAP
            tol = max(float(gap), 1e-7) * max(1.0, abs(optimum.objective))
            base = result.objective if result.has_plan else None
            ev.front, ev.front_plans, ev.front_seconds = front(near, k0, base, optimum.objective, max(reach, k0),
                                                                cap, tol)
            last = ev.front.iloc[-1]
            if last["objective"] < optimum.objective - tol:
                ev.notes.append(f"the front stops at {int(last['changes'])} change(s) (its cap), "
                                f"{money(optimum.objective - last['objective'])} below the optimum")
    elif not optimum.has_plan:
        ev.notes.append("the instance has no plan: there is no optimum to compare the draft with")
    if uncertainty is not None and uncertainty is not False:
        if not result.has_plan:
            ev.notes.append("the draft has no plan: it is not judged under uncertainty")
        else:
            plans = {"draft": model_d}
            uses = {"draft": draft.uses}
            if ev.near is not None and ev.near.has_plan:  # the plan within K changes, judged likewise
                name = f"changes_{max_changes}"
                uses[name] = ev.near.parcels["use"].astype(object)
                plans[name] = Model(inst)
                fix_draft(plans[name].formulation, plans[name].data, uses[name])
                plans[name].compiled = compile_model(plans[name].formulation)
            st = stochastic(inst, None if uncertainty is True else uncertainty, samples=samples, seed=seed,
                            mean_value=False, wait_and_see=False, plans=plans,
                            **{k: v for k, v in solve_options.items() if k in ("time_limit", "mip_rel_gap", "threads")})
            for name, judged in st.judged.items():  # each scenario's plan takes the plan's uses
                if judged.has_plan and judged.certificate is not None:
                    judged.certificate = pd.concat([judged.certificate, *(
                        check_draft(r, uses[name]) for r in judged.results)]).groupby(level=0, sort=False).agg(
                        _worst)
            ev.uncertainty = st
    ev.seconds = time.perf_counter() - start
    return ev


__all__ = ["evaluate", "DraftEvaluation", "draft_model", "KIND"]
