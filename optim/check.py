"""Independent plan checker: recompute every constraint of an instance from a plan.

`check_plan(inst, plan)` takes a solved plan (a `Result`, or `PlanDecisions` read
from a result directory) and recomputes each constraint family of docs/model.md
from the plan's decisions alone: the use of each parcel, the draws, the projects
built, the own funds per category and the on/off state of switched sources. It
does not build or read the optimisation model, and it trusts none of the derived
figures of the result (KPIs, needs, drawn totals): those are recomputed and the
reported ones are compared against them (families `objective` and `kpis`).

The report has one row per family with the largest violation in absolute units
(yuan, mu, resource units, or a count for binary decisions), the largest
violation relative to its right-hand side, `violation / max(1, |rhs|)`, and
`ok` = relative violation <= tol.

Families (one row each). Those tied to an optional setting (coverage target,
EOD, policy bounds, capital rules, targets, a reported objective or KPIs)
appear only when the setting is present; the others always appear:

- ``parcel_use_eq``: every parcel of the instance takes exactly one of its
  allowed options (a missing use, a use that is not an option of the parcel,
  two rows for one parcel, or a parcel unknown to the instance is a violation of 1).
- ``locked_uses``: each locked parcel takes its locked use.
- ``mandatory_projects``: each mandatory project is built.
- ``category_funding_eq``: per category, all draws into it plus its own funds
  equal its need (cost of built projects, plus the conversion costs of the chosen
  options for the conversion category).
- ``source_cap_le``: per source, drawn <= cap, and <= cap x used for a switched
  source (min_ticket > 0 or fixed_cost > 0): a switched source that is not used
  draws nothing.
- ``source_min_ge``: a used switched source with a minimum ticket draws at least it.
- ``eligibility``: draws only on eligible (source, category) pairs; any amount on
  another pair (or naming an unknown source or category) is a violation. Such
  draws still count as paid into their category (funding, coverage), so the
  break shows in this family alone.
- ``coverage_ge``: external draws into the coverage scope >= target x need of the
  scope (when a coverage target is set).
- ``own_funds_le``: own funds spent plus fixed costs of used switched sources
  <= own-funds budget + land_income_to_own_funds x land income.
- ``eod_balance_le``: own funds of ecology categories <= income_share x (park
  commercial income + land income of commercial uses on route parcels).
- ``resource_cap_le``: per resource, consumption of the chosen options <= cap.
- ``industrial_need_ge``: industrial area >= industrial area needed by built projects.
- ``industrial_area_ge`` / ``industrial_area_le``: policy bounds on the industrial area.
- ``forgone_income_le``: forgone land income <= policy maximum.
- ``capital_share_ge``: own funds + capital sources' draws >= share x total investment.
- ``debt_to_capital_le``: debt sources' draws <= multiple x project capital.
- ``target_<term>_ge`` / ``target_<term>_le``: objective targets (coverage bounds
  are ratios of the need in scope).
- ``nonnegativity``: draws and own funds are >= 0.
- ``objective``: the reported objective equals the one recomputed from the plan.
- ``kpis``: every reported KPI that the checker knows equals its recomputed value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .instance import Instance

COLUMNS = ["max_violation", "relative", "ok", "worst"]

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


# ---- the decisions ---------------------------------------------------------------
@dataclass
class PlanDecisions:
    """The decisions of a plan, as the tables of a `Result` hold them.

    parcels: index ``parcel``, column ``use``.
    draws: columns ``source``, ``category``, ``amount`` (absent pairs draw 0).
    projects: index ``project``, column ``built``.
    categories: index ``category``, column ``own_funds``.
    sources: index ``source``, column ``used`` (the on/off decision of switched
    sources; a switched source absent here counts as used if it draws anything),
    and optionally ``drawn`` (informative only: drawn totals are recomputed).
    objective, kpis: reported values to compare with the recomputed ones; None
    skips the comparison. kpis has index ``kpi`` and column ``value``.
    """

    parcels: pd.DataFrame
    draws: pd.DataFrame
    projects: pd.DataFrame
    categories: pd.DataFrame
    sources: pd.DataFrame
    objective: float | None = None
    kpis: pd.DataFrame | None = None

    @classmethod
    def from_result(cls, result: Any) -> "PlanDecisions":
        """The decision tables of a solved `optim.Result` (copies)."""
        if not result.has_plan:
            raise ValueError(f"the result has no plan (status {result.status!r})")
        return cls(
            parcels=result.parcels[["use"]].copy(),
            draws=result.draws[["source", "category", "amount"]].copy(),
            projects=result.projects[["built"]].copy(),
            categories=result.categories[["own_funds"]].copy(),
            sources=result.sources[[c for c in ("used", "drawn") if c in result.sources]].copy(),
            objective=None if result.objective is None else float(result.objective),
            kpis=result.kpis[["value"]].copy(),
        )

    @classmethod
    def from_dir(cls, path: str | Path) -> "PlanDecisions":
        """Read a directory written by `Result.write`: parcels.csv, draws.csv,
        projects.csv, categories.csv, sources.csv, and summary.json if present
        (reported objective and KPIs)."""
        d = Path(path)
        parcels = _read_csv(d / "parcels.csv", "parcel", ["use"], {"use": str})
        draws = _read_csv(d / "draws.csv", None, ["source", "category", "amount"],
                          {"source": str, "category": str})
        projects = _read_csv(d / "projects.csv", "project", ["built"], {})
        categories = _read_csv(d / "categories.csv", "category", ["own_funds"], {})
        sources = _read_csv(d / "sources.csv", "source", [], {})
        objective, kpis = None, None
        summary = d / "summary.json"
        if summary.exists():
            doc = json.loads(summary.read_text(encoding="utf-8"))
            if doc.get("objective") is not None:
                objective = float(doc["objective"])
            if doc.get("kpis") is not None:
                values = {k: (np.nan if v is None else float(v)) for k, v in doc["kpis"].items()}
                kpis = pd.DataFrame({"value": pd.Series(values, dtype=float)})
                kpis.index.name = "kpi"
        return cls(
            parcels=parcels[["use"]],
            draws=draws[["source", "category", "amount"]],
            projects=projects[["built"]],
            categories=categories[["own_funds"]],
            sources=sources[[c for c in ("used", "drawn") if c in sources]],
            objective=objective,
            kpis=kpis,
        )


def _read_csv(path: Path, index: str | None, required: list[str],
              dtypes: dict[str, Any]) -> pd.DataFrame:
    """A CSV with ids kept as text (only empty cells are missing values)."""
    if index is not None:
        dtypes = {index: str, **dtypes}
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    absent = [c for c in ([index] if index else []) + required if c not in frame]
    if absent:
        raise ValueError(f"{path}: missing column(s) {', '.join(absent)}")
    return frame.set_index(index) if index is not None else frame


# ---- reading the decisions against the instance ----------------------------------
def _as_bool(value: Any, what: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    if isinstance(value, (float, np.floating)) and value in (0.0, 1.0):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{what}: {value!r} is not true/false")


def _as_float(values: Any, what: str) -> np.ndarray:
    out = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    if np.isnan(out).any():
        raise ValueError(f"{what}: missing or non-numeric amounts")
    return out


@dataclass
class _Plan:
    """The decisions, put on the instance's ids."""

    chosen: pd.DataFrame  # one row per plan row that names an allowed option, whole-parcel figures
    plan_parcels: pd.DataFrame  # columns parcel, use (as given)
    built: pd.Series  # bool per instance project
    draws: pd.DataFrame  # source, category, amount (summed per pair)
    own: pd.Series  # own funds per category (instance categories first, then unknown ones)
    used: pd.Series  # bool per switched source


def _read_plan(inst: Instance, plan: PlanDecisions) -> _Plan:
    opts = inst.option_totals().reset_index(drop=True)
    for col in ["land_income", "output", "conversion_cost", *inst.resource_ids]:
        opts[col] = opts[col].astype(float)
    opts["parcel"] = opts["parcel"].astype(str)
    opts["use"] = opts["use"].astype(str)

    pp = plan.parcels.reset_index()
    pp = pd.DataFrame({"parcel": pp.iloc[:, 0].astype(object).to_numpy(),
                       "use": pp["use"].astype(object).to_numpy()})
    pp["parcel"] = [str(p) for p in pp["parcel"]]
    pp["use"] = [None if pd.isna(u) else str(u) for u in pp["use"]]
    chosen = pp.dropna(subset=["use"]).merge(opts, on=["parcel", "use"], how="inner")

    projects = plan.projects
    unknown = [p for p in projects.index if p not in inst.projects.index]
    if unknown:
        raise ValueError(f"the plan names projects the instance does not have: {unknown}")
    built = pd.Series(False, index=inst.projects.index, dtype=bool)
    for p, value in projects["built"].items():
        built[p] = _as_bool(value, f"project {p!r} built")

    dr = plan.draws
    if len(dr):
        draws = pd.DataFrame({"source": [str(s) for s in dr["source"]],
                              "category": [str(c) for c in dr["category"]],
                              "amount": _as_float(dr["amount"].to_numpy(), "draws")})
        draws = draws.groupby(["source", "category"], as_index=False, sort=False)["amount"].sum()
    else:
        draws = pd.DataFrame({"source": pd.Series(dtype=object),
                              "category": pd.Series(dtype=object),
                              "amount": pd.Series(dtype=float)})

    own_in = pd.Series(_as_float(plan.categories["own_funds"].to_numpy(), "own funds"),
                       index=[str(c) for c in plan.categories.index])
    own_in = own_in.groupby(level=0, sort=False).sum()
    cats = list(inst.categories.index)
    own = own_in.reindex(cats + [c for c in own_in.index if c not in cats], fill_value=0.0)

    drawn = draws.groupby("source")["amount"].sum()
    used = {}
    for s in _switched(inst):
        if s in plan.sources.index and "used" in plan.sources:
            used[s] = _as_bool(plan.sources.loc[s, "used"], f"source {s!r} used")
        else:
            used[s] = bool(drawn.get(s, 0.0) != 0.0)
    return _Plan(chosen=chosen, plan_parcels=pp, built=built, draws=draws, own=own,
                 used=pd.Series(used, index=list(used), dtype=bool))


def _switched(inst: Instance) -> list[str]:
    src = inst.sources
    return [s for s in src.index
            if float(src.loc[s, "min_ticket"]) > 0 or float(src.loc[s, "fixed_cost"]) > 0]


# ---- recomputed quantities -------------------------------------------------------
@dataclass
class _Figures:
    """The expressions of docs/model.md, recomputed from the plan."""

    need: pd.Series  # N_c per instance category
    land_income: float  # LI
    forgone_income: float  # FI
    industrial_output: float  # IO
    industrial_area: float  # IA
    rezoned_area: float  # RA
    route_commercial_income: float
    drawn: pd.Series  # d_s per instance source
    fixed_costs: float  # sum of F_s over used switched sources
    financing_cost: float  # FC
    external_in_scope: float  # EF
    own_funds: float  # OF (all own funds of the plan)
    capital: float  # KC
    debt: float  # DB
    total_investment: float  # T
    scope_investment: float  # T_S
    industrial_need: float  # sum_p A_p built


def _figures(inst: Instance, plan: _Plan) -> _Figures:
    ch = plan.chosen
    parcels = inst.parcels
    uses = inst.uses
    current = parcels["current_use"].astype(str).reindex(ch["parcel"]).to_numpy()
    rezoned = ch["use"].to_numpy() != current
    area = parcels["area"].astype(float).reindex(ch["parcel"]).to_numpy()
    industrial = uses["industrial"].astype(bool).reindex(ch["use"]).to_numpy()
    commercial = uses["commercial"].astype(bool).reindex(ch["use"]).to_numpy()
    route = parcels["route"].astype(bool).reindex(ch["parcel"]).to_numpy()
    income = ch["land_income"].to_numpy()

    # forgone income: land income of the current-use option (0 if none) minus the chosen one's
    opts = inst.option_totals()
    cur_income = {(str(p), str(u)): float(v)
                  for p, u, v in zip(opts["parcel"], opts["use"], opts["land_income"])}
    base = np.array([cur_income.get((p, c), 0.0) for p, c in zip(ch["parcel"], current)])
    forgone = np.where(rezoned, np.maximum(0.0, base - income), 0.0)

    proj = inst.projects
    built = plan.built.reindex(proj.index).to_numpy(dtype=bool)
    cost = proj["cost"].astype(float).to_numpy()
    cats = list(inst.categories.index)
    need = pd.Series(0.0, index=cats)
    for c, q in zip(proj["category"].to_numpy()[built], cost[built]):
        need[c] += q
    conv = inst.conversion_category()
    if conv is not None:
        need[conv] += float(ch["conversion_cost"].sum())
    scope = inst.coverage_scope()

    flags = inst.source_flags()
    dr = plan.draws
    drawn = dr.groupby("source")["amount"].sum().reindex(flags.index, fill_value=0.0)
    fixed = sum(float(flags.loc[s, "fixed_cost"]) for s, u in plan.used.items() if u)
    rates = flags["rate"].astype(float)
    known = dr["source"].isin(flags.index).to_numpy()
    external = np.zeros(len(dr), dtype=bool)
    external[known] = flags["external"].reindex(dr["source"][known]).to_numpy(dtype=bool)
    in_scope = dr["category"].isin(scope).to_numpy()
    own_total = float(plan.own.sum())
    capital_src = flags.index[flags["capital"].to_numpy(dtype=bool)]
    debt_src = flags.index[flags["debt"].to_numpy(dtype=bool)]

    A = proj["industrial_area"].astype(float).to_numpy()
    Y = proj["output"].astype(float).to_numpy()
    return _Figures(
        need=need,
        land_income=float(income.sum()),
        forgone_income=float(forgone.sum()),
        industrial_output=float(ch["output"].sum()) + float(Y[built].sum()),
        industrial_area=float(area[industrial].sum()),
        rezoned_area=float(area[rezoned].sum()),
        route_commercial_income=float(income[commercial & route].sum()),
        drawn=drawn,
        fixed_costs=fixed,
        financing_cost=fixed + float((rates * drawn).sum()),
        external_in_scope=float(dr["amount"].to_numpy()[external & in_scope].sum()),
        own_funds=own_total,
        capital=own_total + float(drawn[capital_src].sum()),
        debt=float(drawn[debt_src].sum()),
        total_investment=float(need.sum()),
        scope_investment=float(need[[c for c in cats if c in scope]].sum()),
        industrial_need=float(A[built].sum()),
    )


def recompute_kpis(inst: Instance, plan: PlanDecisions | Any) -> pd.Series:
    """The KPIs of the plan (same names as `Result.kpis`), recomputed from its decisions."""
    if not isinstance(plan, PlanDecisions):
        plan = PlanDecisions.from_result(plan)
    return _kpis(inst, _figures(inst, _read_plan(inst, plan)))


def _kpis(inst: Instance, f: _Figures) -> pd.Series:
    pol = inst.policy
    return pd.Series({
        "land_income": f.land_income,
        "forgone_land_income": f.forgone_income,
        "industrial_output": f.industrial_output,
        "total_investment": f.total_investment,
        "covered_investment": f.scope_investment,
        "external_financing": f.external_in_scope,
        "coverage": (f.external_in_scope / f.scope_investment
                     if f.scope_investment > 0 else float("nan")),
        "financing_cost": f.financing_cost,
        "own_funds_used": f.own_funds,
        "own_funds_available": pol.own_funds_budget + pol.land_income_to_own_funds * f.land_income,
        "industrial_area": f.industrial_area,
        "rezoned_area": f.rezoned_area,
    }, dtype=float)


def _objective(inst: Instance, f: _Figures) -> float:
    w = inst.objective
    return (w.weight("land_income") * f.land_income
            + w.weight("industrial_output") * f.industrial_output
            + w.weight("coverage") * f.external_in_scope
            - w.weight("financing_cost") * f.financing_cost)


# ---- the report ------------------------------------------------------------------
class _Report:
    """Rows `lhs (sense) rhs` grouped by family; sense is ``le``, ``ge`` or ``eq``."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}

    def family(self, name: str) -> None:
        """Declare a family that applies, even if it has no rows."""
        self.rows.setdefault(name, [])

    def add(self, family: str, members: Any, lhs: Any, rhs: Any, sense: str) -> None:
        members = np.atleast_1d(np.asarray(members, dtype=object))
        lhs = np.broadcast_to(np.asarray(lhs, dtype=float), members.shape)
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float), members.shape)
        with np.errstate(invalid="ignore"):
            if sense == "le":
                viol = np.maximum(0.0, lhs - rhs)
            elif sense == "ge":
                viol = np.maximum(0.0, rhs - lhs)
            else:
                viol = np.abs(lhs - rhs)
        viol = np.where(np.isnan(viol), np.inf, viol)
        rel = viol / np.maximum(1.0, np.abs(np.where(np.isfinite(rhs), rhs, 0.0)))
        self.rows.setdefault(family, []).append((members, viol, rel))

    def frame(self, tol: float) -> pd.DataFrame:
        out = []
        for name, parts in self.rows.items():
            if parts:
                members = np.concatenate([p[0] for p in parts])
                viol = np.concatenate([p[1] for p in parts])
                rel = np.concatenate([p[2] for p in parts])
            else:
                members, viol, rel = np.array([], dtype=object), np.zeros(0), np.zeros(0)
            if len(viol) and rel.max() > 0:
                k = int(np.argmax(rel))
                worst, max_rel = str(members[k]), float(rel[k])
            else:
                worst, max_rel = "", 0.0
            max_viol = float(viol.max()) if len(viol) else 0.0
            out.append((name, max_viol, max_rel, bool(max_rel <= tol), worst))
        frame = pd.DataFrame(out, columns=["family", *COLUMNS]).set_index("family")
        return frame.astype({"max_violation": float, "relative": float, "ok": bool})


# ---- the families ----------------------------------------------------------------
def _check_parcels(r: _Report, inst: Instance, plan: _Plan) -> None:
    """parcel_use_eq: sum over the parcel's options of v_use = 1, for every parcel
    (plan rows naming no allowed option count 0; parcels unknown to the instance
    are rows `count = 0`); locked_uses: the locked option is taken."""
    parcels = list(inst.parcels.index)
    counts = plan.chosen.groupby("parcel").size().reindex(parcels, fill_value=0)
    r.add("parcel_use_eq", parcels, counts.to_numpy(dtype=float), 1.0, "eq")
    unknown = plan.plan_parcels.loc[~plan.plan_parcels["parcel"].isin(parcels), "parcel"]
    if len(unknown):
        r.add("parcel_use_eq", [f"{p} (not in the instance)" for p in unknown], 1.0, 0.0, "eq")
    locks = inst.policy.locked_uses
    r.family("locked_uses")
    if locks:
        taken = set(zip(plan.chosen["parcel"], plan.chosen["use"]))
        members = [f"{p}={u}" for p, u in locks.items()]
        lhs = [1.0 if (p, u) in taken else 0.0 for p, u in locks.items()]
        r.add("locked_uses", members, lhs, 1.0, "ge")


def _check_projects(r: _Report, inst: Instance, plan: _Plan) -> None:
    """mandatory_projects: v_build[p] >= 1 for mandatory projects."""
    r.family("mandatory_projects")
    mand = inst.projects.index[inst.projects["mandatory"].astype(bool).to_numpy()]
    if len(mand):
        r.add("mandatory_projects", list(mand),
              plan.built.reindex(mand).to_numpy(dtype=float), 1.0, "ge")


def _check_funding(r: _Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """category_funding_eq: draws into c + own funds of c = N_c, for every category
    (draws and own funds naming an unknown category must be 0)."""
    into = plan.draws.groupby("category")["amount"].sum()
    cats = list(plan.own.index) + [c for c in into.index if c not in plan.own.index]
    lhs = into.reindex(cats, fill_value=0.0) + plan.own.reindex(cats, fill_value=0.0)
    rhs = f.need.reindex(cats, fill_value=0.0)
    members = [c if c in f.need.index else f"{c} (not in the instance)" for c in cats]
    r.add("category_funding_eq", members, lhs.to_numpy(), rhs.to_numpy(), "eq")


def _check_sources(r: _Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """source_cap_le: d_s <= U_s (x used, for switched sources); source_min_ge:
    d_s >= m_s x used for switched sources with a minimum ticket; eligibility:
    draws on pairs that are not eligible are 0."""
    src = inst.sources
    cap = src["cap"].astype(float)
    open_ = np.array([float(plan.used.get(s, True)) for s in src.index])
    r.add("source_cap_le", list(src.index), f.drawn.to_numpy(), cap.to_numpy() * open_, "le")
    r.family("source_min_ge")
    mins = [s for s in plan.used.index if float(src.loc[s, "min_ticket"]) > 0]
    if mins:
        rhs = [float(src.loc[s, "min_ticket"]) * float(plan.used[s]) for s in mins]
        r.add("source_min_ge", mins, f.drawn[mins].to_numpy(), rhs, "ge")

    r.family("eligibility")
    pairs = inst.eligible_pairs()
    eligible = set(zip(pairs["source"], pairs["category"]))
    dr = plan.draws
    pairs_drawn = zip(dr["source"], dr["category"])
    bad = [k for k, pair in enumerate(pairs_drawn) if pair not in eligible]
    if bad:
        members = [f"{dr['source'].iloc[k]}->{dr['category'].iloc[k]}" for k in bad]
        r.add("eligibility", members, dr["amount"].to_numpy()[bad], 0.0, "eq")


def _check_balances(r: _Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """coverage_ge: EF >= t_cov T_S; own_funds_le: OF + fixed costs <= B_own +
    lambda LI; eod_balance_le: own funds of ecology categories <= sigma (H +
    commercial land income on route parcels)."""
    pol = inst.policy
    if pol.coverage_target > 0:
        r.add("coverage_ge", "coverage", f.external_in_scope,
              pol.coverage_target * f.scope_investment, "ge")
    r.add("own_funds_le", "own_funds", f.own_funds + f.fixed_costs,
          pol.own_funds_budget + pol.land_income_to_own_funds * f.land_income, "le")
    ecology = [c for c in inst.categories.index if bool(inst.categories.loc[c, "ecology"])]
    if inst.eod is not None and ecology:
        eod = inst.eod
        r.add("eod_balance_le", "eod", float(plan.own.reindex(ecology).sum()),
              eod.income_share * (eod.park_commercial_income + f.route_commercial_income), "le")


def _check_land(r: _Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """resource_cap_le: consumption of chosen options <= cap, per resource;
    industrial_need_ge: IA >= sum A_p built; industrial_area_ge/le: policy bounds
    on IA; forgone_income_le: FI <= FI_max."""
    r.family("resource_cap_le")
    rids = inst.resource_ids
    if rids:
        used = [float(plan.chosen[k].sum()) for k in rids]
        r.add("resource_cap_le", rids, used, inst.resources["cap"].astype(float).to_numpy(), "le")
    r.add("industrial_need_ge", "industrial_area", f.industrial_area, f.industrial_need, "ge")
    pol = inst.policy
    if pol.min_industrial_area is not None:
        r.add("industrial_area_ge", "industrial_area", f.industrial_area,
              pol.min_industrial_area, "ge")
    if pol.max_industrial_area is not None:
        r.add("industrial_area_le", "industrial_area", f.industrial_area,
              pol.max_industrial_area, "le")
    if pol.max_forgone_income is not None:
        r.add("forgone_income_le", "forgone_income", f.forgone_income,
              pol.max_forgone_income, "le")


def _check_capital(r: _Report, inst: Instance, f: _Figures) -> None:
    """capital_share_ge: KC >= kappa T; debt_to_capital_le: DB <= mu KC."""
    pol = inst.policy
    if pol.min_capital_share is not None:
        r.add("capital_share_ge", "capital", f.capital,
              pol.min_capital_share * f.total_investment, "ge")
    if pol.max_debt_to_capital is not None:
        r.add("debt_to_capital_le", "debt", f.debt, pol.max_debt_to_capital * f.capital, "le")


def _check_targets(r: _Report, inst: Instance, f: _Figures) -> None:
    """target_<term>_ge / _le: term >= min, term <= max; coverage bounds are
    ratios: EF >= min T_S, EF <= max T_S."""
    values = {"land_income": f.land_income, "industrial_output": f.industrial_output,
              "coverage": f.external_in_scope, "financing_cost": f.financing_cost}
    for term, (lo, hi) in inst.objective.targets.items():
        for bound, sense in ((lo, "ge"), (hi, "le")):
            if bound is None:
                continue
            rhs = bound * f.scope_investment if term == "coverage" else bound
            r.add(f"target_{term}_{sense}", term, values[term], rhs, sense)


def _check_signs(r: _Report, plan: _Plan) -> None:
    """nonnegativity: v_draw >= 0 and v_own >= 0."""
    r.family("nonnegativity")
    dr = plan.draws
    if len(dr):
        members = [f"draw {s}->{c}" for s, c in zip(dr["source"], dr["category"])]
        r.add("nonnegativity", members, dr["amount"].to_numpy(), 0.0, "ge")
    if len(plan.own):
        r.add("nonnegativity", [f"own funds {c}" for c in plan.own.index],
              plan.own.to_numpy(), 0.0, "ge")


def _check_reported(r: _Report, inst: Instance, decisions: PlanDecisions, f: _Figures) -> None:
    """objective: reported objective = recomputed; kpis: each reported KPI the
    checker knows = its recomputed value (both missing counts as equal)."""
    if decisions.objective is not None:
        r.add("objective", "objective", float(decisions.objective), _objective(inst, f), "eq")
    if decisions.kpis is not None:
        r.family("kpis")
        mine = _kpis(inst, f)
        theirs = pd.to_numeric(decisions.kpis["value"], errors="coerce")
        names = [k for k in theirs.index if k in mine.index]
        if names:
            lhs = theirs[names].to_numpy(dtype=float)
            rhs = mine[names].to_numpy(dtype=float)
            both_nan = np.isnan(lhs) & np.isnan(rhs)
            lhs = np.where(both_nan, 0.0, lhs)
            rhs = np.where(both_nan, 0.0, rhs)
            r.add("kpis", names, lhs, rhs, "eq")


# ---- entry points ----------------------------------------------------------------
def check_plan(inst: Instance, plan: PlanDecisions | Any, tol: float = 1e-6) -> pd.DataFrame:
    """Recompute every constraint family of `inst` from the plan's decisions.

    `plan` is a `PlanDecisions` or a `Result` with a plan. Returns a DataFrame
    indexed by ``family`` with columns ``max_violation`` (largest violation, in
    the constraint's own units, >= 0), ``relative`` (largest violation /
    max(1, |rhs|)), ``ok`` (relative <= tol) and ``worst`` (the member — parcel,
    category, source, resource, KPI — with the largest relative violation, or "").
    Raises ValueError if the plan is unreadable (no plan, unknown project ids,
    non-numeric amounts, non-boolean decisions).
    """
    decisions = plan if isinstance(plan, PlanDecisions) else PlanDecisions.from_result(plan)
    p = _read_plan(inst, decisions)
    f = _figures(inst, p)
    r = _Report()
    _check_parcels(r, inst, p)
    _check_projects(r, inst, p)
    _check_funding(r, inst, p, f)
    _check_sources(r, inst, p, f)
    _check_balances(r, inst, p, f)
    _check_land(r, inst, p, f)
    _check_capital(r, inst, f)
    _check_targets(r, inst, f)
    _check_signs(r, p)
    _check_reported(r, inst, decisions, f)
    return r.frame(tol)


def assert_plan_ok(inst: Instance, plan: PlanDecisions | Any, tol: float = 1e-6) -> pd.DataFrame:
    """`check_plan`, raising AssertionError that lists every violated family."""
    report = check_plan(inst, plan, tol)
    bad = report[~report["ok"]]
    if len(bad):
        lines = [f"  {fam}: max violation {row.max_violation:.6g}, relative "
                 f"{row.relative:.3g} (worst: {row.worst})" for fam, row in bad.iterrows()]
        raise AssertionError("plan violates " + ", ".join(bad.index) + "\n" + "\n".join(lines))
    return report


__all__ = ["PlanDecisions", "check_plan", "assert_plan_ok", "recompute_kpis"]
