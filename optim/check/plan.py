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
violation relative to its right-hand side, `violation / max(1, |rhs|)` (for the
balances of the periods, to the money they balance: optim/check/report.py), and
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
- ``compat_forbid_le``: no two adjacent parcels take a forbidden use pair
  (instances with an adjacency table and a `forbid` rule); compatibility
  penalties and the industrial boundary term, recomputed from the uses, enter
  the objective and the KPIs `compatibility_penalty`, `industrial_boundary`.
- ``parcel_locks``: a parcel locked ``out`` keeps its current use, one locked
  ``in`` does not (parcels table, column ``lock``).
- ``source_locks``: a source locked ``out`` draws nothing and is not used; a
  switched source locked ``in`` is used.
- ``source_min_draw_ge`` / ``source_max_draw_le``: min_draw <= drawn <= max_draw.
- ``relocation_assign_eq`` / ``relocation_assign_le``: each required enterprise
  is relocated exactly once, an optional one at most once (plan table
  ``relocations``: enterprise, parcel; an unknown enterprise is a violation of 1).
- ``relocation_eligibility``: each relocation is on a known parcel with an option
  of the enterprise's use and at least its area (a violation of 1 per row).
- ``relocation_capacity_le``: per parcel and use, the area of the enterprises
  relocated there <= the parcel's area if the plan gives it that use, else 0.
  Relocation costs (the `relocation_costs` row of the pair, else the
  enterprise's cost) count in their category's need, the output of relocated
  enterprises in the industrial output; KPI ``relocation_cost``.
- ``nonnegativity``: draws and own funds are >= 0.
- ``objective``: the reported objective equals the one recomputed from the plan.
- ``kpis``: every reported KPI that the checker knows equals its recomputed value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.instance import Instance
from ..model.families import FamilySpec
from .periods import check_periods
from .report import Report

OBJECTIVE = FamilySpec(
    "objective", "the reported objective", "objective", quantity="money", kind="check",
    math="reported objective = the one recomputed from the plan's decisions")
KPIS = FamilySpec("kpis", "the reported KPIs", "KPI {0}", kind="check",
                  math="each reported KPI = its value recomputed from the plan's decisions")

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
    relocations: columns ``enterprise``, ``parcel`` (instances with enterprises;
    None = no relocation).
    """

    parcels: pd.DataFrame
    draws: pd.DataFrame
    projects: pd.DataFrame
    categories: pd.DataFrame
    sources: pd.DataFrame
    objective: float | None = None
    kpis: pd.DataFrame | None = None
    relocations: pd.DataFrame | None = None
    period_draws: pd.DataFrame | None = None  # source, category, period, amount (with periods)

    @property
    def has_plan(self) -> bool:
        """Always True: the decisions are a plan (read like a `Result` that has one)."""
        return True

    @classmethod
    def from_result(cls, result: Any) -> "PlanDecisions":
        """The decision tables of a solved `optim.Result` (copies)."""
        if not result.has_plan:
            raise ValueError(f"the result has no plan (status {result.status!r})")
        return cls(
            parcels=result.parcels[[c for c in ("use", "period") if c in result.parcels]].copy(),
            draws=result.draws[["source", "category", "amount"]].copy(),
            projects=result.projects[[c for c in ("built", "period", "recycled_in")
                                      if c in result.projects]].copy(),
            categories=result.categories[["own_funds"]].copy(),
            sources=result.sources[[c for c in ("used", "drawn") if c in result.sources]].copy(),
            objective=None if result.objective is None else float(result.objective),
            kpis=result.kpis[["value"]].copy(),
            relocations=(None if getattr(result, "relocations", None) is None
                         else result.relocations[["enterprise", "parcel"]].copy()),
            period_draws=(None if getattr(result, "period_draws", None) is None
                          else result.period_draws.copy()),
        )

    @classmethod
    def from_dir(cls, path: str | Path) -> "PlanDecisions":
        """Read a directory written by `Result.write`: parcels.csv, draws.csv,
        projects.csv, categories.csv, sources.csv, and summary.json if present
        (reported objective and KPIs), relocations.csv if present."""
        d = Path(path)
        parcels = _read_csv(d / "parcels.csv", "parcel", ["use"], {"use": str, "period": str})
        draws = _read_csv(d / "draws.csv", None, ["source", "category", "amount"],
                          {"source": str, "category": str})
        projects = _read_csv(d / "projects.csv", "project", ["built"], {"period": str, "recycled_in": str})
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
            parcels=parcels[[c for c in ("use", "period") if c in parcels]],
            draws=draws[["source", "category", "amount"]],
            projects=projects[[c for c in ("built", "period", "recycled_in") if c in projects]],
            categories=categories[["own_funds"]],
            sources=sources[[c for c in ("used", "drawn") if c in sources]],
            objective=objective,
            kpis=kpis,
            relocations=(_read_csv(d / "relocations.csv", None, ["enterprise", "parcel"],
                                   {"enterprise": str, "parcel": str})[["enterprise", "parcel"]]
                         if (d / "relocations.csv").exists() else None),
            period_draws=(_read_csv(d / "period_draws.csv", None, ["source", "category", "period", "amount"],
                                    {"source": str, "category": str, "period": str})
                          if (d / "period_draws.csv").exists() else None),
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
    values = np.asarray(values)
    if values.dtype.kind in "fiub":
        out = values.astype(float)
    else:
        out = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    if np.isnan(out).any():
        raise ValueError(f"{what}: missing or non-numeric amounts")
    return out


def _bools(ids: Any, values: Any, what: str) -> dict[Any, bool]:
    """{id: decision} of a true/false column (`_as_bool` per value unless already bool)."""
    values = np.asarray(values)
    if values.dtype == bool:
        return dict(zip(ids, values.tolist()))
    return {i: _as_bool(v, what.format(i)) for i, v in zip(ids, values.tolist())}


def _is_text(values: Any) -> bool:
    """A column or index of text without missing values."""
    return (isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.StringDtype)
            and not values.hasnans)


def _text(values: Any) -> np.ndarray:
    """Ids as text (None where missing)."""
    if _is_text(values):
        return values.to_numpy(dtype=object)
    values = np.asarray(values, dtype=object)
    missing = pd.isna(values)
    return np.array([None if m else str(v) for v, m in zip(values.tolist(), missing.tolist())], dtype=object)


def _as_text(values: Any) -> np.ndarray:
    """Ids as `str` writes each (a missing one as nan or None)."""
    if _is_text(values):
        return values.to_numpy(dtype=object)
    return np.array([str(v) for v in np.asarray(values, dtype=object).tolist()], dtype=object)


def _index_of(ids: Any) -> dict[Any, int]:
    """The position of each id of an index (the instance's ids are unique)."""
    keys = ids.tolist() if hasattr(ids, "tolist") else list(ids)
    return dict(zip(keys, range(len(keys))))


def _positions(at: dict[Any, int], values: Any) -> np.ndarray:
    """Positions of `values` by `at` (`_index_of`), -1 where unknown."""
    keys = values.tolist() if hasattr(values, "tolist") else list(values)
    return np.fromiter(map(at.get, keys, repeat(-1)), dtype=np.int64, count=len(keys))


@dataclass
class _Plan:
    """The decisions, put on the instance's ids (positions by integer codes and
    plain arrays, so that reading a plan costs a few array operations, not a join
    per figure)."""

    chosen: dict[str, np.ndarray]  # per plan row naming an allowed option: parcel, use, whole-parcel figures
    plan_parcel: np.ndarray  # the parcel of each plan row (as given, text)
    plan_use: np.ndarray  # the use of each plan row (as given, text; None where missing)
    built: np.ndarray  # bool per instance project, in the instance's order
    draws: dict[str, np.ndarray]  # source, category, amount (summed per pair, in order of appearance)
    own: dict[str, float]  # own funds per category (instance categories first, then unknown ones)
    used: dict[str, bool]  # the on/off decision per switched source
    relocations: pd.DataFrame | None = None  # enterprise, parcel (as given); None = none
    options: dict[str, np.ndarray] | None = None  # the instance's options: parcel, use, whole-parcel figures
    parcel_of: np.ndarray | None = None  # instance parcel position of each chosen row
    plan_parcel_of: np.ndarray | None = None  # instance parcel position of each plan row (-1: unknown)
    use_of: np.ndarray | None = None  # instance use position of each chosen row
    roles: dict[str, np.ndarray] | None = None  # external/capital/debt per instance source (`source_roles`)

    def use_by_parcel(self) -> dict[Any, Any]:
        """The first use the plan gives each parcel (rows without a use skipped)."""
        out: dict[Any, Any] = {}
        for p, u in zip(self.plan_parcel, self.plan_use):
            if u is not None and p not in out:
                out[p] = u
        return out


FIGURES = ("land_income", "output", "conversion_cost", "value")  # per option, whole-parcel in `_Plan`


@dataclass
class _Ids:
    """What the checker reads of an instance's ids, once per `PlanChecker`: the
    position of each id, each option's (parcel, use) as an integer code, the
    parcels of each adjacent pair and the use pair of each compatibility rule.
    The instance's figures (prices, caps, areas, flags, references such as a
    parcel's current use) are read at each check."""

    parcel_at: dict[Any, int]  # instance parcel -> position
    use_at: dict[Any, int]  # instance use -> position
    option_parcel: np.ndarray  # each option's parcel (text)
    option_use: np.ndarray  # each option's use (text)
    option_parcel_of: np.ndarray  # each option's parcel position (-1: unknown)
    option_slot: np.ndarray  # option row of each (parcel, use) code p x (uses + 1) + u, -1 where none
    source_at: dict[Any, int]  # instance source -> position
    categories: list[Any]  # instance categories, in order
    projects: list[Any]  # instance projects, in order
    edge_a: np.ndarray | None = None  # each adjacent pair's parcels (text), None without adjacency
    edge_b: np.ndarray | None = None
    edge_pa: np.ndarray | None = None  # their parcel positions (-1: unknown)
    edge_pb: np.ndarray | None = None
    rule_key: np.ndarray | None = None  # each compatibility rule's unordered use pair code (-1: unknown use)

    @property
    def n_uses(self) -> int:
        return len(self.use_at)

    def code(self, parcel: np.ndarray, use: np.ndarray) -> np.ndarray:
        """The (parcel, use) code of position pairs, -1 where either is unknown."""
        return np.where((parcel >= 0) & (use >= 0), parcel * (self.n_uses + 1) + use, -1)

    def pair_code(self, u: np.ndarray, w: np.ndarray) -> np.ndarray:
        """One code per unordered pair of use positions, -1 where either is unknown."""
        return np.where((u >= 0) & (w >= 0), np.minimum(u, w) * (self.n_uses + 1) + np.maximum(u, w), -1)


def _read_ids(inst: Instance) -> _Ids:
    parcel_at, use_at = _index_of(inst.parcels.index), _index_of(inst.uses.index)
    opts = inst.options
    option_parcel, option_use = _text(opts["parcel"]), _text(opts["use"])
    opos = _positions(parcel_at, option_parcel)
    ids = _Ids(parcel_at=parcel_at, use_at=use_at, option_parcel=option_parcel, option_use=option_use,
               option_parcel_of=opos, option_slot=np.zeros(0, dtype=np.int64),
               source_at=_index_of(inst.sources.index), categories=inst.categories.index.tolist(),
               projects=inst.projects.index.tolist())
    okey = ids.code(opos, _positions(use_at, option_use))
    ids.option_slot = np.full(len(parcel_at) * (ids.n_uses + 1), -1, dtype=np.int64)
    ids.option_slot[okey[okey >= 0]] = np.flatnonzero(okey >= 0)
    adj = inst.adjacency
    if len(adj):
        ids.edge_a, ids.edge_b = _text(adj["parcel_a"]), _text(adj["parcel_b"])
        ids.edge_pa, ids.edge_pb = _positions(parcel_at, ids.edge_a), _positions(parcel_at, ids.edge_b)
        comp = inst.compatibility
        ids.rule_key = ids.pair_code(_positions(use_at, [str(u) for u in comp["use_a"].tolist()]),
                                     _positions(use_at, [str(w) for w in comp["use_b"].tolist()]))
    return ids


def _read_plan(inst: Instance, plan: PlanDecisions, ids: _Ids) -> _Plan:
    raw = inst.options
    figures = [*FIGURES, *inst.resource_ids]
    values = {c: raw[c].to_numpy(dtype=float) for c in figures}
    if inst.option_basis == "per_area":  # whole-parcel figures
        opos = ids.option_parcel_of
        area = np.where(opos >= 0, inst.parcels["area"].to_numpy(dtype=float)[np.maximum(opos, 0)], np.nan)
        values = {c: v * area for c, v in values.items()}
    opts = {"parcel": ids.option_parcel, "use": ids.option_use, **values}

    # the plan's rows that name an allowed option, in the plan's order, with the option's figures
    pp = plan.parcels
    plan_parcel = _as_text(pp.index)
    plan_use = _text(pp["use"])
    p_of, u_of = _positions(ids.parcel_at, plan_parcel), _positions(ids.use_at, plan_use)
    key = ids.code(p_of, u_of)
    at = np.where(key >= 0, ids.option_slot[np.maximum(key, 0)], -1)
    hit = at >= 0
    chosen = {c: v[at[hit]] for c, v in opts.items()}

    projects = plan.projects
    known = set(ids.projects)
    unknown = [p for p in projects.index if p not in known]
    if unknown:
        raise ValueError(f"the plan names projects the instance does not have: {unknown}")
    flags = _bools(projects.index.tolist(), projects["built"].to_numpy(), "project {!r} built")
    built = np.array([flags.get(p, False) for p in ids.projects], dtype=bool)

    dr = plan.draws
    source = _as_text(dr["source"])
    category = _as_text(dr["category"])
    amount = _as_float(dr["amount"].to_numpy(), "draws")
    pairs = list(zip(source.tolist(), category.tolist()))
    if len(set(pairs)) < len(pairs):  # one row per pair, amounts summed, in order of appearance
        total: dict[tuple[Any, Any], float] = {}
        for pair, a in zip(pairs, amount.tolist()):
            total[pair] = total.get(pair, 0.0) + a
        source = np.array([s for s, _ in total], dtype=object)
        category = np.array([c for _, c in total], dtype=object)
        amount = np.array(list(total.values()), dtype=float)
    draws = {"source": source, "category": category, "amount": amount}

    own_in: dict[str, float] = {}
    for c, v in zip(_as_text(plan.categories.index).tolist(),
                    _as_float(plan.categories["own_funds"].to_numpy(), "own funds").tolist()):
        own_in[c] = own_in.get(c, 0.0) + v
    listed = set(ids.categories)
    order = ids.categories + [c for c in own_in if c not in listed]
    own = {c: own_in.get(c, 0.0) for c in order}

    spos = _positions(ids.source_at, source)
    drawn = np.bincount(spos[spos >= 0], weights=amount[spos >= 0], minlength=len(ids.source_at)).astype(float)
    ps = plan.sources
    given = {} if "used" not in ps else (
        {s: ps.loc[s, "used"] for s in dict.fromkeys(ps.index)} if ps.index.has_duplicates
        else dict(zip(ps.index, ps["used"].to_numpy(dtype=object))))
    used = {}
    for s in _switched(inst):
        if s in given:
            used[s] = _as_bool(given[s], f"source {s!r} used")
        else:
            used[s] = bool(drawn[ids.source_at[s]] != 0.0)
    return _Plan(chosen=chosen, plan_parcel=plan_parcel, plan_use=plan_use, built=built, draws=draws, own=own,
                 used=used, relocations=_plan_relocations(plan), options=opts,
                 parcel_of=p_of[hit], plan_parcel_of=p_of, use_of=u_of[hit], roles=inst.source_roles())


def _switched(inst: Instance) -> list[str]:
    src = inst.sources
    return [s for s, m, f in zip(src.index.tolist(), src["min_ticket"].to_numpy(dtype=float),
                                 src["fixed_cost"].to_numpy(dtype=float)) if m > 0 or f > 0]


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
    value: float  # V: the signed value of the options taken and the projects built
    adjacency: "_Adjacency | None" = None  # adjacent pairs' uses, when the instance has adjacency
    relocation: "_Relocation | None" = None  # relocations, when the instance has enterprises
    periods: Any = None  # optim.check_periods.PeriodFigures, when the instance has periods


def _figures(inst: Instance, plan: _Plan, ids: _Ids) -> _Figures:
    ch = plan.chosen
    parcels, uses = inst.parcels, inst.uses
    par, use = plan.parcel_of, plan.use_of
    current_use = _positions(ids.use_at, _text(parcels["current_use"]))[par]
    rezoned = use != current_use
    area = parcels["area"].to_numpy(dtype=float)[par]
    industrial = uses["industrial"].to_numpy(dtype=bool)[use]
    commercial = uses["commercial"].to_numpy(dtype=bool)[use]
    route = parcels["route"].to_numpy(dtype=bool)[par]
    income = ch["land_income"]

    # forgone income: land income of the current-use option (0 if none) minus the chosen one's
    at = np.where(current_use >= 0, ids.option_slot[ids.code(par, np.maximum(current_use, 0))], -1)
    base = np.where(at >= 0, plan.options["land_income"][np.maximum(at, 0)], 0.0)
    forgone = np.where(rezoned, np.maximum(0.0, base - income), 0.0)

    proj = inst.projects
    built = plan.built
    cost = proj["cost"].to_numpy(dtype=float)
    cats = ids.categories
    cat_at = _index_of(cats)
    cat_of = _positions(cat_at, _text(proj["category"]))
    take = built & (cat_of >= 0)
    need = np.bincount(cat_of[take], weights=cost[take], minlength=len(cats)).astype(float)
    conv = inst.conversion_category()
    if conv is not None:
        need[cat_at[conv]] += float(ch["conversion_cost"].sum())
    reloc = _relocation(inst, plan)  # None without enterprises
    if reloc is not None:  # relocation costs are part of their categories' need
        need = need + reloc.need.reindex(cats, fill_value=0.0).to_numpy(dtype=float)
    scope = set(inst.coverage_scope())

    src, roles = inst.sources, plan.roles
    dr = plan.draws
    amount = dr["amount"]
    spos = _positions(ids.source_at, dr["source"])
    known = spos >= 0
    drawn = np.bincount(spos[known], weights=amount[known], minlength=len(src)).astype(float)
    used = np.array([plan.used.get(s, False) for s in ids.source_at], dtype=bool)
    fixed = float(src["fixed_cost"].to_numpy(dtype=float)[used].sum())
    rates = src["rate"].to_numpy(dtype=float)
    external = np.zeros(len(amount), dtype=bool)
    external[known] = roles["external"][spos[known]]
    in_scope = np.array([c in scope for c in dr["category"]], dtype=bool)
    own_total = float(np.sum(list(plan.own.values())))
    capital_src, debt_src = roles["capital"], roles["debt"]

    A = proj["industrial_area"].to_numpy(dtype=float)
    Y = proj["output"].to_numpy(dtype=float)
    return _Figures(
        need=pd.Series(need, index=cats),
        land_income=float(income.sum()),
        forgone_income=float(forgone.sum()),
        industrial_output=float(ch["output"].sum()) + float(Y[built].sum())
        + (reloc.output if reloc is not None else 0.0),
        industrial_area=float(area[industrial].sum()),
        rezoned_area=float(area[rezoned].sum()),
        route_commercial_income=float(income[commercial & route].sum()),
        drawn=pd.Series(drawn, index=src.index),
        fixed_costs=fixed,
        financing_cost=fixed + float((rates * drawn).sum()),
        external_in_scope=float(amount[external & in_scope].sum()),
        own_funds=own_total,
        capital=own_total + float(drawn[capital_src].sum()),
        debt=float(drawn[debt_src].sum()),
        total_investment=float(need.sum()),
        scope_investment=float(need[np.array([c in scope for c in cats], dtype=bool)].sum()),
        industrial_need=float(A[built].sum()),
        value=float(ch["value"].sum()) + float(proj["value"].to_numpy(dtype=float)[built].sum()),
        adjacency=_adjacency(inst, plan, ids),
        relocation=reloc,
    )


def recompute_kpis(inst: Instance, plan: PlanDecisions | Any) -> pd.Series:
    """The KPIs of the plan (same names as `Result.kpis`), recomputed from its decisions."""
    if not isinstance(plan, PlanDecisions):
        plan = PlanDecisions.from_result(plan)
    ids = _read_ids(inst)
    return _kpis(inst, _figures(inst, _read_plan(inst, plan, ids), ids))


def recompute_objective(inst: Instance, plan: PlanDecisions | Any) -> float:
    """The objective of the plan (as `Result.objective` reports it), recomputed from its decisions."""
    decisions = plan if isinstance(plan, PlanDecisions) else PlanDecisions.from_result(plan)
    ids = _read_ids(inst)
    p = _read_plan(inst, decisions, ids)
    f = _figures(inst, p, ids)
    f.periods = check_periods(Report(), inst, decisions, p, f)  # the present values, with periods
    return _objective(inst, f)


def _kpis(inst: Instance, f: _Figures) -> pd.Series:
    return pd.Series(_kpi_values(inst, f), dtype=float)


def _kpi_values(inst: Instance, f: _Figures) -> dict[str, float]:
    """The KPIs of `_kpis`, by name, in its order."""
    pol = inst.policy
    out = {
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
        **({"value": f.value} if inst.has_values else {}),
    }
    if f.adjacency is not None:
        out.update(compatibility_penalty=f.adjacency.penalty, industrial_boundary=f.adjacency.boundary)
    if f.relocation is not None:
        out["relocation_cost"] = f.relocation.cost
    if f.periods is not None:
        out.update(f.periods.kpis)
    return {k: float(v) for k, v in out.items()}


def _objective(inst: Instance, f: _Figures) -> float:
    w = inst.objective
    li, io = f.land_income, f.industrial_output
    if f.periods is not None and w.values == "present":
        li, io = f.periods.li_pv, f.periods.io_pv
    return (w.weight("land_income") * li
            + w.weight("industrial_output") * io
            + w.weight("coverage") * f.external_in_scope
            - w.weight("financing_cost") * f.financing_cost
            + w.weight("value") * f.value + w.offset
            - (f.adjacency.cost if f.adjacency is not None else 0.0))


# ---- the families ----------------------------------------------------------------
def _check_parcels(r: Report, inst: Instance, plan: _Plan) -> None:
    """parcel_use_eq: sum over the parcel's options of v_use = 1, for every parcel
    (plan rows naming no allowed option count 0; parcels unknown to the instance
    are rows `count = 0`); locked_uses: the locked option is taken."""
    parcels = inst.parcels.index.tolist()
    counts = np.bincount(plan.parcel_of, minlength=len(parcels)).astype(float)
    r.add("parcel_use_eq", parcels, counts, 1.0, "eq")
    unknown = plan.plan_parcel[plan.plan_parcel_of < 0]
    if len(unknown):
        r.add("parcel_use_eq", [f"{p} (not in the instance)" for p in unknown], 1.0, 0.0, "eq")
    locks = inst.policy.locked_uses
    r.family("locked_uses")
    if locks:
        taken = set(zip(plan.chosen["parcel"], plan.chosen["use"]))
        members = [f"{p}={u}" for p, u in locks.items()]
        lhs = [1.0 if (p, u) in taken else 0.0 for p, u in locks.items()]
        r.add("locked_uses", members, lhs, 1.0, "ge")


def _check_projects(r: Report, inst: Instance, plan: _Plan) -> None:
    """mandatory_projects: v_build[p] >= 1 for mandatory projects."""
    r.family("mandatory_projects")
    mandatory = inst.projects["mandatory"].to_numpy(dtype=bool)
    if mandatory.any():
        r.add("mandatory_projects", list(inst.projects.index[mandatory]),
              plan.built[mandatory].astype(float), 1.0, "ge")


def _check_funding(r: Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """category_funding_eq: draws into c + own funds of c = N_c, for every category
    (draws and own funds naming an unknown category must be 0)."""
    dr = plan.draws
    at = _index_of(plan.own)
    for c in dr["category"]:
        at.setdefault(c, len(at))
    cats = list(at)
    lhs = np.bincount(_positions(at, dr["category"]), weights=dr["amount"], minlength=len(cats)).astype(float)
    lhs[:len(plan.own)] += np.array(list(plan.own.values()), dtype=float)
    need = dict(zip(f.need.index, f.need.to_numpy(dtype=float).tolist()))
    rhs = np.array([need.get(c, 0.0) for c in cats], dtype=float)
    members = [c if c in need else f"{c} (not in the instance)" for c in cats]
    r.add("category_funding_eq", members, lhs, rhs, "eq")


def _check_sources(r: Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """source_cap_le: d_s <= U_s (x used, for switched sources); source_min_ge:
    d_s >= m_s x used for switched sources with a minimum ticket; eligibility:
    draws on pairs that are not eligible are 0."""
    src = inst.sources
    ids = src.index.tolist()
    cap = src["cap"].to_numpy(dtype=float)
    open_ = np.array([float(plan.used.get(s, True)) for s in ids])
    drawn = f.drawn.to_numpy()
    r.add("source_cap_le", ids, drawn, cap * open_, "le")
    r.family("source_min_ge")
    at = _index_of(ids)
    ticket = src["min_ticket"].to_numpy(dtype=float)
    mins = [s for s in plan.used if ticket[at[s]] > 0]
    if mins:
        rhs = [float(ticket[at[s]]) * float(plan.used[s]) for s in mins]
        r.add("source_min_ge", mins, drawn[[at[s] for s in mins]], rhs, "ge")

    r.family("eligibility")
    pairs = inst.eligible_pairs()
    eligible = set(zip(pairs["source"], pairs["category"]))
    dr = plan.draws
    pairs_drawn = zip(dr["source"], dr["category"])
    bad = [k for k, pair in enumerate(pairs_drawn) if pair not in eligible]
    if bad:
        members = [f"{dr['source'][k]}->{dr['category'][k]}" for k in bad]
        r.add("eligibility", members, dr["amount"][bad], 0.0, "eq")


def _check_balances(r: Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """coverage_ge: EF >= t_cov T_S; own_funds_le: OF + fixed costs <= B_own +
    lambda LI; eod_balance_le: own funds of ecology categories <= sigma (H +
    commercial land income on route parcels)."""
    pol = inst.policy
    if pol.coverage_target > 0:
        r.add("coverage_ge", "coverage", f.external_in_scope,
              pol.coverage_target * f.scope_investment, "ge")
    if not len(inst.periods):  # with periods: cash_balance_ge per period (check_periods)
        r.add("own_funds_le", "own_funds", f.own_funds + f.fixed_costs,
              pol.own_funds_budget + pol.land_income_to_own_funds * f.land_income, "le")
    cats = inst.categories
    ecology = [c for c, e in zip(cats.index, cats["ecology"].to_numpy(dtype=bool)) if e]
    if inst.eod is not None and ecology:
        eod = inst.eod
        eco = set(ecology)
        r.add("eod_balance_le", "eod", float(np.sum([v for c, v in plan.own.items() if c in eco])),
              eod.income_share * (eod.park_commercial_income + f.route_commercial_income), "le")


def _check_land(r: Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """resource_cap_le: consumption of chosen options <= cap, per resource;
    industrial_need_ge: IA >= sum A_p built; industrial_area_ge/le: policy bounds
    on IA; forgone_income_le: FI <= FI_max."""
    r.family("resource_cap_le")
    rids = inst.resource_ids
    if rids:
        used = [float(plan.chosen[k].sum()) for k in rids]
        r.add("resource_cap_le", rids, used, inst.resources["cap"].to_numpy(dtype=float), "le")
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


def _check_capital(r: Report, inst: Instance, f: _Figures) -> None:
    """capital_share_ge: KC >= kappa T; debt_to_capital_le: DB <= mu KC."""
    pol = inst.policy
    if pol.min_capital_share is not None:
        r.add("capital_share_ge", "capital", f.capital,
              pol.min_capital_share * f.total_investment, "ge")
    if pol.max_debt_to_capital is not None:
        r.add("debt_to_capital_le", "debt", f.debt, pol.max_debt_to_capital * f.capital, "le")


def _check_targets(r: Report, inst: Instance, f: _Figures) -> None:
    """target_<term>_ge / _le: term >= min, term <= max; coverage bounds are
    ratios: EF >= min T_S, EF <= max T_S."""
    values = {"land_income": f.land_income, "industrial_output": f.industrial_output,
              "coverage": f.external_in_scope, "financing_cost": f.financing_cost, "value": f.value}
    for term, (lo, hi) in inst.objective.targets.items():
        for bound, sense in ((lo, "ge"), (hi, "le")):
            if bound is None:
                continue
            rhs = bound * f.scope_investment if term == "coverage" else bound
            r.add(f"target_{term}_{sense}", term, values[term], rhs, sense)


def _check_signs(r: Report, plan: _Plan) -> None:
    """nonnegativity: v_draw >= 0 and v_own >= 0."""
    r.family("nonnegativity")
    dr = plan.draws
    if len(dr["amount"]):
        members = [f"draw {s}->{c}" for s, c in zip(dr["source"], dr["category"])]
        r.add("nonnegativity", members, dr["amount"], 0.0, "ge")
    if len(plan.own):
        r.add("nonnegativity", [f"own funds {c}" for c in plan.own],
              list(plan.own.values()), 0.0, "ge")


def _check_reported(r: Report, inst: Instance, decisions: PlanDecisions, f: _Figures) -> None:
    """objective: reported objective = recomputed; kpis: each reported KPI the
    checker knows = its recomputed value (both missing counts as equal)."""
    if decisions.objective is not None:
        r.add("objective", "objective", float(decisions.objective), _objective(inst, f), "eq")
    if decisions.kpis is not None:
        r.family("kpis")
        mine = _kpi_values(inst, f)
        values = decisions.kpis["value"].to_numpy()
        if values.dtype.kind not in "fiub":
            values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
        known = np.array([k in mine for k in decisions.kpis.index], dtype=bool)
        names = [k for k in decisions.kpis.index if k in mine]
        if names:
            lhs = values.astype(float)[known]
            rhs = np.array([mine[k] for k in names], dtype=float)
            both_nan = np.isnan(lhs) & np.isnan(rhs)
            lhs = np.where(both_nan, 0.0, lhs)
            rhs = np.where(both_nan, 0.0, rhs)
            r.add("kpis", names, lhs, rhs, "eq")


# ---- adjacency: compatibility rules and industrial boundary (optional) -----------
@dataclass
class _Adjacency:
    """The plan's uses on each adjacent pair of an instance with an adjacency table."""

    forbidden: dict[str, np.ndarray]  # parcel_a, parcel_b, use_a, use_b of the pairs under a `forbid` rule
    penalty: float  # sum of penalty x length over the pairs under a `penalty` rule, yuan
    boundary: float  # boundary length between industrial and non-industrial parcels
    cost: float  # penalty + objective.boundary_penalty x boundary: subtracted in the objective


def _adjacency(inst: Instance, plan: _Plan, ids: _Ids) -> _Adjacency | None:
    """Recompute, from the plan's parcel uses alone (its chosen options), the use
    pair of every adjacent pair with the compatibility rule of that unordered pair,
    the penalty, and the industrial boundary length. A parcel the plan lists twice
    enters each of its edges once per use it is given (as a join of the edges with
    the plan's rows would count it)."""
    if ids.edge_a is None:
        return None
    length = inst.adjacency["length"].to_numpy(dtype=float)
    pa, pb = ids.edge_pa, ids.edge_pb
    rules: dict[int, list[int]] = {}
    for k, key in enumerate(ids.rule_key.tolist()):
        rules.setdefault(key, []).append(k)

    # the pair rows: (edge, chosen row of its first parcel, chosen row of its second, rule row or -1)
    par, use = plan.parcel_of, plan.use_of
    if (not len(par) or np.bincount(par).max() <= 1) and all(len(v) == 1 for v in rules.values()):
        row_of = np.full(len(ids.parcel_at), -1, dtype=np.int64)
        row_of[par] = np.arange(len(par))
        ra = np.where(pa >= 0, row_of[np.maximum(pa, 0)], -1)
        rb = np.where(pb >= 0, row_of[np.maximum(pb, 0)], -1)
        edge = np.flatnonzero((ra >= 0) & (rb >= 0))
        ra, rb = ra[edge], rb[edge]
        rule_of = np.full((ids.n_uses + 1) ** 2, -1, dtype=np.int64)  # by use pair code
        known = ids.rule_key >= 0
        rule_of[ids.rule_key[known]] = np.flatnonzero(known)
        rule = rule_of[ids.pair_code(use[ra], use[rb])]
    else:  # a parcel listed twice, or two rules of one pair: every combination, in order
        rows_of: dict[int, list[int]] = {}
        for k, p in enumerate(par.tolist()):
            rows_of.setdefault(p, []).append(k)
        found = [(e, i, j, k) for e, (x, y) in enumerate(zip(pa.tolist(), pb.tolist()))
                 for i in rows_of.get(x, ()) for j in rows_of.get(y, ())
                 for k in rules.get(int(ids.pair_code(use[[i]], use[[j]])[0]), [-1])]
        edge, ra, rb, rule = (np.array(c, dtype=np.int64) for c in zip(*found)) if found else \
            (np.zeros(0, dtype=np.int64),) * 4
    comp = inst.compatibility
    kind = comp["rule"].to_numpy(dtype=object)  # per rule
    rate = np.where(kind == "penalty", comp["penalty"].to_numpy(dtype=float), 0.0)
    ruled = rule >= 0
    penalty = np.zeros(len(rule))
    penalty[ruled] = rate[rule[ruled]] * length[edge[ruled]]
    forbidden = np.flatnonzero(ruled)[(kind == "forbid")[rule[ruled]]] if len(kind) else np.zeros(0, dtype=np.int64)
    pairs = {"parcel_a": ids.edge_a[edge[forbidden]], "parcel_b": ids.edge_b[edge[forbidden]],
             "use_a": plan.chosen["use"][ra[forbidden]], "use_b": plan.chosen["use"][rb[forbidden]]}

    industrial = np.zeros(len(ids.parcel_at), dtype=bool)  # a parcel is industrial if any use the plan gives it is
    industrial[par[inst.uses["industrial"].to_numpy(dtype=bool)[use]]] = True
    ind_a = np.where(pa >= 0, industrial[np.maximum(pa, 0)], False)
    ind_b = np.where(pb >= 0, industrial[np.maximum(pb, 0)], False)
    boundary = float(length[ind_a != ind_b].sum())
    total = float(penalty.sum())
    return _Adjacency(forbidden=pairs, penalty=total, boundary=boundary,
                      cost=total + float(inst.objective.boundary_penalty) * boundary)


def _check_adjacency(r: Report, inst: Instance, f: _Figures) -> None:
    """compat_forbid_le: no adjacent pair of parcels takes a forbidden use pair
    (v_use[a,u] + v_use[b,w] <= 1; each such pair is a violation of 1). The
    penalties and the boundary term enter the objective (`_objective`) and the
    KPIs compatibility_penalty and industrial_boundary (`_kpis`)."""
    if f.adjacency is None:
        return
    if (inst.compatibility["rule"] == "forbid").any():
        r.family("compat_forbid_le")
    hit = f.adjacency.forbidden
    if len(hit["parcel_a"]):
        members = [f"{a}-{b} ({u}/{w})" for a, b, u, w in
                   zip(*(hit[c] for c in ("parcel_a", "parcel_b", "use_a", "use_b")))]
        r.add("compat_forbid_le", members, 2.0, 1.0, "le")


# ---- locks and bounds (optional; optim/locks.py) -----------------------------------
def _column(frame: pd.DataFrame, column: str, default: Any) -> np.ndarray:
    """A column of an instance table (objects), `default` where missing or if absent."""
    if column not in frame.columns:
        return np.full(len(frame), default, dtype=object)
    values = frame[column].to_numpy(dtype=object)
    return np.where(pd.isna(values), default, values).astype(object)


def _check_locks(r: Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """parcel_locks: a parcel locked `out` takes its current use (>= 1), one locked
    `in` does not (<= 0); source_locks: a source locked `out` draws 0 and is not
    used, a switched source locked `in` is used; source_min_draw_ge: drawn >=
    min_draw; source_max_draw_le: drawn <= max_draw."""
    par = inst.parcels
    lock = par["lock"].to_numpy(dtype=object) if "lock" in par.columns else np.zeros(0, dtype=object)
    sel = (lock != "") & ~pd.isna(lock)
    if sel.any():
        r.family("parcel_locks")
        use = plan.use_by_parcel()
        ids = [str(i) for i in par.index[sel]]
        current = [str(c) for c in par["current_use"].to_numpy(dtype=object)[sel]]
        keeps = np.array([use.get(i) == c for i, c in zip(ids, current)], dtype=float)
        how = lock[sel]
        for kind, sense, rhs in (("out", "ge", 1.0), ("in", "le", 0.0)):
            at = how == kind
            if at.any():
                r.add("parcel_locks", [f"{i} ({kind})" for i in np.asarray(ids, dtype=object)[at]],
                      keeps[at], rhs, sense)
    src = inst.sources
    slock = _column(src, "lock", "") if "lock" in src.columns else np.zeros(0, dtype=object)
    if (slock != "").any():
        r.family("source_locks")
        out = slock == "out"
        if out.any():
            r.add("source_locks", [f"{s} (out) drawn" for s in src.index[out]], f.drawn.to_numpy()[out], 0.0, "le")
        for s, how in zip(src.index, slock):
            if how != "" and s in plan.used:  # switched: its on/off decision
                want = how == "in"
                r.add("source_locks", f"{s} ({how}) used", float(plan.used[s]), 1.0 if want else 0.0,
                      "ge" if want else "le")
    n = len(src)
    lo = np.nan_to_num(src["min_draw"].to_numpy(dtype=float) if "min_draw" in src else np.zeros(n), nan=0.0)
    hi = src["max_draw"].to_numpy(dtype=float) if "max_draw" in src else np.full(n, np.nan)
    drawn = f.drawn.to_numpy()  # per instance source, in the sources' order
    if (lo > 0).any():
        r.add("source_min_draw_ge", list(src.index[lo > 0]), drawn[lo > 0], lo[lo > 0], "ge")
    if (~np.isnan(hi)).any():
        r.add("source_max_draw_le", list(src.index[~np.isnan(hi)]), drawn[~np.isnan(hi)], hi[~np.isnan(hi)], "le")


# ---- enterprise relocation (optional; optim/relocation.py) -------------------------
@dataclass
class _Relocation:
    """The plan's relocations with the instance's figures of each."""

    rows: pd.DataFrame  # enterprise, parcel, known, use, area, cost, category, output, parcel_area, eligible
    need: pd.Series  # relocation cost per category
    cost: float  # total relocation cost, yuan
    output: float  # annual output of the relocated enterprises


def _plan_relocations(plan: PlanDecisions) -> pd.DataFrame | None:
    rel = plan.relocations
    if rel is None:
        return None
    if not len(rel):
        return pd.DataFrame({"enterprise": pd.Series(dtype=object), "parcel": pd.Series(dtype=object)})
    return pd.DataFrame({"enterprise": [str(e) for e in rel["enterprise"]],
                         "parcel": [None if pd.isna(p) else str(p) for p in rel["parcel"]]})


def _relocation(inst: Instance, plan: _Plan) -> _Relocation | None:
    """Recompute, from the plan's (enterprise, parcel) rows and the instance alone,
    each relocation's cost (relocation_costs row of the pair, else the enterprise's
    cost), category (the enterprise's, else the conversion category), output, and
    whether the pair is eligible (an option of the enterprise's use on a parcel at
    least as large)."""
    ent = inst.enterprises
    if not len(ent):
        return None
    rel = plan.relocations
    if rel is None:
        rel = pd.DataFrame({"enterprise": pd.Series(dtype=object), "parcel": pd.Series(dtype=object)})
    ids = pd.Index([str(e) for e in ent.index])
    at = ids.get_indexer(rel["enterprise"])
    known = at >= 0
    pick = np.where(known, at, 0)

    def attr(column: str, default: Any) -> np.ndarray:
        values = _column(ent, column, default)
        return np.where(known, values[pick] if len(values) else default, default)

    rows = rel.copy()
    rows["known"] = known
    rows["use"] = attr("use", None)
    rows["area"] = attr("area", np.nan).astype(float)
    cost = attr("cost", 0.0).astype(float)
    rc = inst.relocation_costs
    if len(rc) and len(rows):
        over = pd.Series(pd.to_numeric(rc["cost"]).to_numpy(dtype=float),
                         index=pd.MultiIndex.from_arrays([rc["enterprise"].astype(str), rc["parcel"].astype(str)]))
        over = over[~over.index.duplicated()]
        hit = over.reindex(pd.MultiIndex.from_arrays([rows["enterprise"], rows["parcel"].astype(str)]))
        cost = np.where(hit.notna().to_numpy(), hit.to_numpy(dtype=float), cost)
    rows["cost"] = np.where(known, cost, 0.0)
    category = attr("category", None)
    rows["category"] = np.where(pd.isna(category), inst.conversion_category(), category)
    rows["output"] = np.where(known, attr("output", 0.0).astype(float), 0.0)
    area = inst.parcels["area"].astype(float)
    area.index = [str(p) for p in area.index]
    rows["parcel_area"] = area.reindex(rows["parcel"]).to_numpy(dtype=float)
    opts = inst.options
    allowed = pd.MultiIndex.from_arrays([opts["parcel"].astype(str), opts["use"].astype(str)])
    has_option = pd.MultiIndex.from_arrays([rows["parcel"].astype(str), rows["use"].astype(str)]).isin(allowed)
    with np.errstate(invalid="ignore"):
        rows["eligible"] = known & has_option & (rows["parcel_area"].to_numpy() >= rows["area"].to_numpy())
    need = rows.groupby("category")["cost"].sum() if len(rows) else pd.Series(dtype=float)
    return _Relocation(rows=rows, need=need, cost=float(rows["cost"].sum()),
                       output=float(rows["output"].sum()))


def _check_relocations(r: Report, inst: Instance, plan: _Plan, f: _Figures) -> None:
    """relocation_assign_eq / _le: relocations per required enterprise = 1, per
    optional one <= 1 (an unknown enterprise: 1 = 0); relocation_eligibility: each
    relocation is on an eligible pair; relocation_capacity_le[p,u]: sum of the areas
    of the enterprises of use u relocated onto p <= a_p x [plan use of p = u]."""
    reloc = f.relocation
    if reloc is None:
        return
    rows = reloc.rows
    ent = inst.enterprises
    ids = pd.Index([str(e) for e in ent.index])
    required = (_column(ent, "required", True) != False)  # noqa: E712
    counts = rows[rows["known"]].groupby("enterprise").size().reindex(ids, fill_value=0).to_numpy(dtype=float)
    r.family("relocation_assign_eq")
    if required.any():
        r.add("relocation_assign_eq", list(ids[required]), counts[required], 1.0, "eq")
    if (~required).any():
        r.add("relocation_assign_le", list(ids[~required]), counts[~required], 1.0, "le")
    unknown = rows.loc[~rows["known"], "enterprise"]
    if len(unknown):
        r.add("relocation_assign_eq", [f"{e} (not in the instance)" for e in unknown], 1.0, 0.0, "eq")
    r.family("relocation_eligibility")
    bad = rows[rows["known"] & ~rows["eligible"]]
    if len(bad):
        r.add("relocation_eligibility", [f"{e}->{p}" for e, p in zip(bad["enterprise"], bad["parcel"])],
              1.0, 0.0, "eq")
    r.family("relocation_capacity_le")
    placed = rows[rows["known"] & rows["parcel"].notna()]
    if len(placed):
        load = placed.groupby(["parcel", "use"], sort=False)["area"].sum()
        plan_use = plan.use_by_parcel()
        parcels = load.index.get_level_values(0)
        uses = load.index.get_level_values(1)
        takes = np.array([plan_use.get(p) for p in parcels], dtype=object) == uses.to_numpy(dtype=object)
        area = reloc.rows.drop_duplicates("parcel").set_index("parcel")["parcel_area"].reindex(parcels)
        rhs = np.where(takes, np.nan_to_num(area.to_numpy(dtype=float)), 0.0)
        r.add("relocation_capacity_le", [f"{p}/{u}" for p, u in load.index], load.to_numpy(dtype=float),
              rhs, "le")


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
    return PlanChecker(inst).check(plan, tol)


class PlanChecker:
    """`check_plan` for the plans of one instance, such as the re-solves of a study.

    The instance's ids (parcels, uses, options, sources, categories, projects,
    adjacent pairs, compatibility rules) are read once, when the checker is made;
    its figures (prices, caps, areas, budgets, weights, a parcel's current use)
    at each check, so a figure changed in place between two checks is seen. An
    instance whose ids change needs a new checker.
    """

    def __init__(self, inst: Instance):
        self.inst = inst
        self.ids = _read_ids(inst)

    def check(self, plan: PlanDecisions | Any, tol: float = 1e-6) -> pd.DataFrame:
        """The report of `check_plan` for `plan`."""
        inst = self.inst
        decisions = plan if isinstance(plan, PlanDecisions) else PlanDecisions.from_result(plan)
        p = _read_plan(inst, decisions, self.ids)
        f = _figures(inst, p, self.ids)
        return _report(inst, decisions, p, f, tol)


def _report(inst: Instance, decisions: PlanDecisions, p: _Plan, f: _Figures, tol: float) -> pd.DataFrame:
    """Every family of the plan `p` with its figures `f`, as `check_plan` reports them."""
    r = Report()
    _check_parcels(r, inst, p)
    _check_projects(r, inst, p)
    _check_funding(r, inst, p, f)
    _check_sources(r, inst, p, f)
    _check_balances(r, inst, p, f)
    _check_land(r, inst, p, f)
    _check_capital(r, inst, f)
    _check_targets(r, inst, f)
    _check_signs(r, p)
    f.periods = check_periods(r, inst, decisions, p, f)  # None without periods
    _check_reported(r, inst, decisions, f)
    _check_adjacency(r, inst, f)
    _check_locks(r, inst, p, f)
    _check_relocations(r, inst, p, f)
    return r.frame(tol, inst)


def assert_plan_ok(inst: Instance, plan: PlanDecisions | Any, tol: float = 1e-6) -> pd.DataFrame:
    """`check_plan`, raising AssertionError that lists every violated family."""
    report = check_plan(inst, plan, tol)
    bad = report[~report["ok"]]
    if len(bad):
        lines = [f"  {fam}: max violation {row.max_violation:.6g}, relative "
                 f"{row.relative:.3g} (worst: {row.worst})" for fam, row in bad.iterrows()]
        raise AssertionError("plan violates " + ", ".join(bad.index) + "\n" + "\n".join(lines))
    return report


__all__ = ["PlanDecisions", "PlanChecker", "check_plan", "assert_plan_ok", "recompute_kpis", "recompute_objective"]
