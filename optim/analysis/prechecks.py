"""Presolve checks: cheap tests of a valid instance before it is solved.

`precheck(inst) -> list[Finding]`; each finding has a severity, the entity it
is about (`where`) and a message with the figures:

- ``error``: no plan can exist, proved by a simple bound (the CLI's `solve`
  then stops with exit 1, "no plan", without calling the solver);
- ``warning``: the instance can be solved but something is probably wrong
  (badly scaled figures, a source that can never be drawn, a category only own
  funds can pay).

The bounds are necessary conditions only: a finding of severity ``error`` is
always right, but an instance without errors may still have no plan (then
`optim explain` tells why). Every bound holds whatever the plan, with locks
taken into account:

- coverage: external financing into the scope is at most the sum of the caps
  (or `max_draw`s) of the external sources eligible for a category in scope,
  and the investment in scope is at least the mandatory projects' costs in
  scope plus, if the conversion category is in scope, each parcel's cheapest
  allowed conversion cost;
- resources: each parcel uses at least the least of its allowed options;
- industrial land: at most every parcel with an allowed industrial option is
  industrial; mandatory projects need their land;
- own funds (instances without periods): each category pays beyond its eligible
  sources' caps from own funds, which are at most the budget plus the share of
  the largest land income the parcels can give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from ..inputs.instance import Instance
from ..model import create_model
from ..model.families import resource_unit
from ..model.formulation import Formulation
from ..text import money, number, pct

# Money figures further apart than this (largest / smallest nonzero) make a badly scaled model.
MONEY_RATIO = 1e9
# A money figure below this fraction of the typical (median) one is suspicious (a millionth).
TINY_SHARE = 1e-6
# The matrix HiGHS sees: coefficient ratio above which a warning is given.
MATRIX_RATIO = 1e9
MAX_LISTED = 10  # findings of one kind listed one by one, then summed up
TOL = 1e-9


@dataclass(frozen=True)
class Finding:
    """One finding: `severity` ``error`` (no plan can exist) or ``warning``.
    `key` names the kind of message and `values` holds its figures (money in the
    instance's money unit, areas in its area unit) and ids, so that a report can
    word it in another language (optim/reporting/texts.py)."""

    severity: str
    where: str
    message: str
    check: str = ""
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "where": self.where, "message": self.message, "check": self.check,
                "key": self.key, "values": {k: _plain(v) for k, v in self.values.items()}}


def _plain(v: Any) -> Any:
    """A value of `Finding.values` as JSON has it (numbers as float, ids as text)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return str(v)


def precheck(inst: Instance, formulation: Formulation | None = None, *, matrix: bool = True) -> list[Finding]:
    """Every finding for `inst` (a valid instance), errors first. `formulation`:
    the built model, for the matrix check (built here if not given and `matrix`)."""
    ctx = _Context(inst)
    out: list[Finding] = []
    for check in (check_parcels_without_use, check_coverage_bound, check_resource_bounds,
                  check_industrial_land, check_own_funds_bound, check_unusable_sources,
                  check_categories_without_source, check_money_scale):
        out += list(check(ctx))
    if matrix:
        if formulation is None:
            formulation, _ = create_model(inst)
        out += list(check_matrix_scale(formulation))
    return sorted(out, key=lambda f: f.severity != "error")


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


class _Context:
    """Option table with whole-parcel figures and the options locks allow."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.cur = inst.units.get("money", "yuan") if inst.units else "yuan"
        self.area_unit = inst.units.get("area", "mu") if inst.units else "mu"
        opts = inst.option_totals().reset_index(drop=True)
        par = inst.parcels
        pos = par.index.get_indexer(opts["parcel"])
        keep = pos >= 0
        opts, pos = opts[keep].reset_index(drop=True), pos[keep]
        current = par["current_use"].to_numpy(dtype=object)[pos] == opts["use"].to_numpy(dtype=object)
        allowed = np.ones(len(opts), dtype=bool)
        lock = par["lock"].to_numpy(dtype=object) if "lock" in par.columns else np.full(len(par), "", dtype=object)
        lock = np.where(pd.isna(lock), "", lock)[pos]
        allowed &= ~((lock == "out") & ~current)
        allowed &= ~((lock == "in") & current)
        if inst.policy.locked_uses:  # a parcel locked to one use: only that option
            locked = opts["parcel"].astype(object).map(inst.policy.locked_uses).to_numpy(dtype=object)
            allowed &= pd.isna(locked) | (locked == opts["use"].to_numpy(dtype=object))
        self.options = opts
        self.parcel_pos = pos
        self.allowed = allowed
        self.industrial = inst.uses["industrial"].astype(bool).reindex(opts["use"]).fillna(False).to_numpy(dtype=bool)
        self.area = par["area"].astype(float).to_numpy()[pos]
        self.n_parcels = len(par)

    def per_parcel(self, values: np.ndarray, how: str) -> np.ndarray:
        """Least (`min`) or most (`max`) of `values` over each parcel's allowed
        options; parcels without an allowed option get 0."""
        fill = np.inf if how == "min" else -np.inf
        out = np.full(self.n_parcels, fill)
        pick = np.minimum if how == "min" else np.maximum
        pick.at(out, self.parcel_pos[self.allowed], np.asarray(values, dtype=float)[self.allowed])
        out[~np.isfinite(out)] = 0.0
        return out

    def mandatory_cost(self) -> pd.Series:
        """Least spending per category: mandatory project costs, plus the cheapest
        allowed conversion of each parcel in the conversion category."""
        proj = self.inst.projects
        cats = list(self.inst.categories.index)
        cost = pd.Series(0.0, index=cats)
        if len(proj):
            mand = proj[proj["mandatory"].astype(bool)]
            cost = cost.add(mand.groupby("category")["cost"].sum().astype(float), fill_value=0.0)
        conv = self.inst.conversion_category()
        if conv in cost.index and len(self.options):
            cost[conv] += float(self.per_parcel(self.options["conversion_cost"].to_numpy(dtype=float), "min").sum())
        return cost

    def source_caps(self) -> pd.Series:
        """Most each source can give: its cap, or its max_draw if lower; 0 if locked out."""
        src = self.inst.sources
        cap = src["cap"].astype(float)
        if "max_draw" in src.columns:
            md = pd.to_numeric(src["max_draw"], errors="coerce")
            cap = cap.where(md.isna() | (md >= cap), md)
        if "lock" in src.columns:
            cap = cap.where(src["lock"].fillna("").astype(object) != "out", 0.0)
        return cap

    def eligible(self) -> dict[str, list[str]]:
        pairs = self.inst.eligible_pairs()
        return {s: list(g["category"]) for s, g in pairs.groupby("source", sort=False)} if len(pairs) else {}


# ---- checks ----------------------------------------------------------------------------------
def check_parcels_without_use(ctx: _Context) -> Iterator[Finding]:
    """A parcel with no allowed use (validation reports the first case too)."""
    inst = ctx.inst
    has_option = np.bincount(ctx.parcel_pos, minlength=ctx.n_parcels) > 0
    has_allowed = np.bincount(ctx.parcel_pos[ctx.allowed], minlength=ctx.n_parcels) > 0
    ids = inst.parcels.index
    for k in np.flatnonzero(~has_allowed):
        pid = ids[k]
        if not has_option[k]:
            yield Finding("error", f"parcel {pid}", f"parcel {pid!r} has no allowed use in the options table",
                          "parcel_uses", "parcel_no_option", {"parcel": pid})
        else:
            yield Finding("error", f"parcel {pid}", f"parcel {pid!r} has no allowed use left once its lock "
                          "is applied", "parcel_uses", "parcel_locked_out", {"parcel": pid})


def check_coverage_bound(ctx: _Context) -> Iterator[Finding]:
    """Caps of the external sources eligible for the scope >= target x least investment in scope."""
    inst = ctx.inst
    t = inst.policy.coverage_target or 0.0
    where = "policy.coverage_target"
    lo = inst.objective.targets.get("coverage", (None, None))[0]
    if lo is not None and lo > t:
        t, where = lo, "objective.targets.coverage.min"
    if t <= 0:
        return
    scope = set(inst.coverage_scope())
    least = float(ctx.mandatory_cost().reindex(list(scope)).fillna(0.0).sum())
    if least <= 0:
        return
    flags = inst.source_flags()
    caps = ctx.source_caps()
    elig = ctx.eligible()
    most = float(sum(caps[s] for s in flags.index if bool(flags.at[s, "external"])
                     and scope.intersection(elig.get(s, []))))
    needed = t * least
    if most < needed * (1 - TOL) - TOL:
        M = lambda v: money(v, ctx.cur)  # noqa: E731
        yield Finding("error", where, (
            f"the coverage target of {pct(t)} cannot be met: the investment in scope is at least "
            f"{M(least)}, so at least {M(needed)} of external financing is needed, but the external "
            f"sources eligible for the scope can give at most {M(most)} (short by at least "
            f"{M(needed - most)})"), "coverage_bound", "coverage_bound",
            {"target": t, "least": least, "needed": needed, "most": most, "short": needed - most})


def check_resource_bounds(ctx: _Context) -> Iterator[Finding]:
    """The least use of each resource (each parcel at its least-using allowed option) <= cap."""
    inst = ctx.inst
    for rid, cap in inst.resources["cap"].astype(float).items():
        if rid not in ctx.options.columns:
            continue
        least = float(ctx.per_parcel(ctx.options[rid].to_numpy(dtype=float), "min").sum())
        if least > cap * (1 + TOL) + TOL:
            u = resource_unit(inst, rid)
            yield Finding("error", f"resource {rid}", (
                f"every plan needs at least {number(least)} {u} of {rid} (each parcel at its least-using "
                f"allowed use), more than its cap of {number(cap)} {u} (short by at least {number(least - cap)} {u})"),
                "resource_bound", "resource_bound",
                {"resource": rid, "least": least, "cap": cap, "short": least - cap, "unit": u})


def check_industrial_land(ctx: _Context) -> Iterator[Finding]:
    """Industrial land: mandatory projects' need and the policy bounds against the most
    (and least) industrial area the parcels allow."""
    inst, a = ctx.inst, ctx.area_unit
    ind_area = np.where(ctx.industrial, ctx.area, 0.0)
    most = float(ctx.per_parcel(ind_area, "max").sum())
    least = float(ctx.per_parcel(ind_area, "min").sum())
    proj = inst.projects
    need = 0.0
    if len(proj):
        need = float(proj.loc[proj["mandatory"].astype(bool), "industrial_area"].astype(float).sum())
    if need > most * (1 + TOL) + TOL:
        yield Finding("error", "projects", (
            f"mandatory projects need {number(need)} {a} of industrial land, but at most {number(most)} {a} "
            f"can be industrial (short by at least {number(need - most)} {a})"), "industrial_land",
            "industrial_need", {"need": need, "most": most, "short": need - most})
    pol = inst.policy
    if pol.min_industrial_area is not None and pol.min_industrial_area > most * (1 + TOL) + TOL:
        yield Finding("error", "policy.min_industrial_area", (
            f"the minimum industrial area of {number(pol.min_industrial_area)} {a} cannot be reached: at most "
            f"{number(most)} {a} can be industrial"), "industrial_land", "industrial_min",
            {"min": pol.min_industrial_area, "most": most})
    if pol.max_industrial_area is not None:
        floor = max(least, need)
        if floor > pol.max_industrial_area * (1 + TOL) + TOL:
            why = "mandatory projects need" if need >= least else "the parcels' allowed uses give"
            yield Finding("error", "policy.max_industrial_area", (
                f"the maximum industrial area of {number(pol.max_industrial_area)} {a} is too small: {why} "
                f"at least {number(floor)} {a}"), "industrial_land",
                "industrial_max_projects" if need >= least else "industrial_max_uses",
                {"max": pol.max_industrial_area, "floor": floor})


def check_own_funds_bound(ctx: _Context) -> Iterator[Finding]:
    """Without periods: own funds needed beyond the eligible sources' caps, summed over
    categories, <= budget + share x the largest land income."""
    inst = ctx.inst
    if inst.has_periods:
        return  # the cash balance per period has more inflows than this bound knows
    cost = ctx.mandatory_cost()
    caps = ctx.source_caps()
    elig = ctx.eligible()
    short = {}
    for c, q in cost.items():
        given = float(sum(caps[s] for s, cats in elig.items() if c in cats))
        if q > given * (1 + TOL) + TOL:
            short[c] = q - given
    if not short:
        return
    pol = inst.policy
    income = float(ctx.per_parcel(ctx.options["land_income"].to_numpy(dtype=float), "max").sum())
    most = pol.own_funds_budget + pol.land_income_to_own_funds * income
    need = sum(short.values())
    if need > most * (1 + TOL) + TOL:
        M = lambda v: money(v, ctx.cur)  # noqa: E731
        parts = ", ".join(f"{c} {M(v)}" for c, v in short.items())
        yield Finding("error", "policy.own_funds_budget", (
            f"own funds cannot pay for the mandatory spending: beyond what their eligible sources can give, "
            f"the categories need at least {M(need)} of own funds ({parts}), but own funds are at most "
            f"{M(most)} (the budget of {M(pol.own_funds_budget)} plus {pct(pol.land_income_to_own_funds)} of "
            f"the largest land income, {M(income)}; short by at least {M(need - most)})"), "own_funds_bound",
            "own_funds_bound", {"need": need, "most": most, "budget": pol.own_funds_budget,
                                "share": pol.land_income_to_own_funds, "income": income, "short": need - most})


def _spending_categories(inst: Instance) -> set[str]:
    """Categories that can have any spending: projects with a cost, conversion costs,
    relocated enterprises."""
    cats = set()
    proj = inst.projects
    if len(proj):
        cats |= set(proj.loc[proj["cost"].astype(float) > 0, "category"])
    conv = inst.conversion_category()
    if conv is not None and len(inst.options) and (inst.options["conversion_cost"].astype(float) > 0).any():
        cats.add(conv)
    ent = getattr(inst, "enterprises", None)
    if ent is not None and len(ent):
        cat = ent["category"].to_numpy(dtype=object)
        cats |= {conv if pd.isna(c) else c for c in cat} - {None}
    return cats


def check_unusable_sources(ctx: _Context) -> Iterator[Finding]:
    """A source no category may use: an empty categories list, or categories that
    never spend anything. An error if the source must draw (min_draw, lock in with a ticket)."""
    inst = ctx.inst
    spending = _spending_categories(inst)
    src = inst.sources
    for s, cats in src["categories"].items():
        if cats is None or (isinstance(cats, float) and np.isnan(cats)):
            cats = list(inst.categories.index)
        cats = list(cats)
        if cats and spending.intersection(cats):
            continue
        why = ("may pay for no category (its categories list is empty)" if not cats else
               f"may pay only for {', '.join(map(str, cats))}, where nothing is ever spent (no project cost, "
               "no conversion or relocation cost)")
        must = 0.0
        if "min_draw" in src.columns and not pd.isna(src.at[s, "min_draw"]):
            must = float(src.at[s, "min_draw"])
        locked_in = "lock" in src.columns and src.at[s, "lock"] == "in"
        if locked_in and float(src.at[s, "min_ticket"]) > 0:
            must = max(must, float(src.at[s, "min_ticket"]))
        values = {"source": s, "categories": [str(c) for c in cats], "must": must}
        key = "source_no_category" if not cats else "source_no_spending"
        if must > 0:
            yield Finding("error", f"source {s}", f"{why}, but it must draw at least {money(must, ctx.cur)}",
                          "unusable_source", f"{key}_must", values)
        else:
            yield Finding("warning", f"source {s}", f"{why}: it is never drawn", "unusable_source", key, values)


def check_categories_without_source(ctx: _Context) -> Iterator[Finding]:
    """Mandatory spending in a category that no source may pay for: own funds pay all of it."""
    cost = ctx.mandatory_cost()
    elig = ctx.eligible()
    caps = ctx.source_caps()
    for c, q in cost.items():
        if q <= 0:
            continue
        payers = [s for s, cats in elig.items() if c in cats and caps[s] > 0]
        if not payers:
            yield Finding("warning", f"category {c}", (
                f"mandatory spending of {money(q, ctx.cur)} but no source may pay for it: own funds must "
                "pay all of it"), "category_without_source", "category_without_source",
                {"category": c, "spending": q})


class _MoneyFigures:
    """Every nonzero money figure of the instance (`values`) and, for a position,
    the entity it belongs to (`where(k)`); names are made only for what is reported."""

    def __init__(self, inst: Instance, opts: pd.DataFrame | None = None):
        blocks: list[tuple[np.ndarray, Callable[[int], str]]] = []
        opts = inst.option_totals() if opts is None else opts
        parcel, use = opts["parcel"].to_numpy(dtype=object), opts["use"].to_numpy(dtype=object)
        for col in ("land_income", "output", "conversion_cost"):
            blocks.append((opts[col].to_numpy(dtype=float),
                           lambda k, col=col: f"option {parcel[k]}/{use[k]} {col}"))
        for table, frame, cols in (("project", inst.projects, ("cost", "output")),
                                   ("source", inst.sources, ("cap", "min_ticket", "fixed_cost", "min_draw",
                                                             "max_draw"))):
            ids = frame.index.to_numpy(dtype=object)
            for col in cols:
                if col in frame.columns:
                    blocks.append((pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float),
                                   lambda k, table=table, ids=ids, col=col: f"{table} {ids[k]} {col}"))
        pol = inst.policy
        single = [("policy.own_funds_budget", pol.own_funds_budget),
                  ("policy.max_forgone_income", pol.max_forgone_income)]
        if inst.eod is not None:
            single.append(("eod.park_commercial_income", inst.eod.park_commercial_income))
        if len(getattr(inst, "periods", ())):
            single += [(f"period {p} own_funds", v) for p, v in inst.periods["own_funds"].items()]
        names = [w for w, _ in single]
        blocks.append((np.array([np.nan if v is None else float(v) for _, v in single], dtype=float),
                       lambda k: names[k]))
        values = np.abs(np.concatenate([v for v, _ in blocks]))
        block = np.repeat(np.arange(len(blocks)), [len(v) for v, _ in blocks])
        offset = np.concatenate([[0], np.cumsum([len(v) for v, _ in blocks])])
        keep = np.isfinite(values) & (values > 0)
        self.values = values[keep]
        self._at = np.flatnonzero(keep)
        self._block, self._offset, self._names = block, offset, [n for _, n in blocks]

    def where(self, k: int) -> str:
        g = int(self._at[k])
        b = int(self._block[g])
        return self._names[b](g - int(self._offset[b]))


def check_money_scale(ctx: _Context) -> Iterator[Finding]:
    """Money figures too far apart (largest / smallest > 1e9), or one below 1e-6 of the
    typical (median) figure: probably in another unit."""
    figures = _MoneyFigures(ctx.inst, ctx.options)
    values = figures.values
    if not len(values):
        return
    cur = ctx.cur
    typical = float(np.median(values))
    lo, hi = int(np.argmin(values)), int(np.argmax(values))
    if values[hi] > MONEY_RATIO * values[lo]:
        yield Finding("warning", figures.where(lo), (
            f"money figures range from {values[lo]:.3g} {cur} ({figures.where(lo)}) to {values[hi]:.3g} "
            f"{cur} ({figures.where(hi)}), a ratio of {values[hi] / values[lo]:.1e}: the model is badly "
            f"scaled; money is stated in {cur}: check that no figure is in another unit "
            f"(for example million {cur})"), "money_scale", "money_range",
            {"low": values[lo], "high": values[hi], "low_where": figures.where(lo),
             "high_where": figures.where(hi), "ratio": values[hi] / values[lo]})
    tiny = np.flatnonzero(values < TINY_SHARE * typical)
    for k in tiny[:MAX_LISTED]:
        yield Finding("warning", figures.where(k), (
            f"{values[k]:.3g} {cur} is less than a millionth of the typical money figure ({typical:.3g} {cur}): "
            f"is it in another unit (million {cur}?)"), "money_scale", "money_tiny",
            {"value": values[k], "typical": typical})
    if len(tiny) > MAX_LISTED:
        yield Finding("warning", "money figures", f"{len(tiny) - MAX_LISTED} more figures less than a "
                      "millionth of the typical money figure", "money_scale", "money_tiny_more",
                      {"count": len(tiny) - MAX_LISTED})


def coefficient_ranges(f: Formulation) -> pd.DataFrame:
    """Per family of the built model: rows, nonzeros, smallest and largest |coefficient|
    and |finite right-hand side| (in the rows' own units: money rows in units of the
    instance's money unit)."""
    records = []
    for fam in f.families.values():
        coef = np.abs(fam.coef[fam.coef != 0])
        rhs = np.abs(np.concatenate([fam.lower[np.isfinite(fam.lower)], fam.upper[np.isfinite(fam.upper)]]))
        rhs = rhs[rhs > 0]
        records.append({"family": fam.name, "rows": fam.size, "nonzeros": len(coef),
                        "min_coef": float(coef.min()) if len(coef) else np.nan,
                        "max_coef": float(coef.max()) if len(coef) else np.nan,
                        "min_rhs": float(rhs.min()) if len(rhs) else np.nan,
                        "max_rhs": float(rhs.max()) if len(rhs) else np.nan,
                        "unit": fam.unit})
    return pd.DataFrame(records, columns=["family", "rows", "nonzeros", "min_coef", "max_coef",
                                          "min_rhs", "max_rhs", "unit"]).set_index("family")


def check_matrix_scale(f: Formulation) -> Iterator[Finding]:
    """The matrix HiGHS sees: coefficients further apart than 1e9 (largest / smallest)."""
    ranges = coefficient_ranges(f).dropna(subset=["min_coef"])
    if not len(ranges):
        return
    lo_fam, hi_fam = ranges["min_coef"].idxmin(), ranges["max_coef"].idxmax()
    lo, hi = float(ranges.at[lo_fam, "min_coef"]), float(ranges.at[hi_fam, "max_coef"])
    if hi > MATRIX_RATIO * lo:
        per = "; ".join(f"{fam} [{r.min_coef:.1e}, {r.max_coef:.1e}]" for fam, r in ranges.iterrows()
                        if r.max_coef > 1e4 * r.min_coef or fam in (lo_fam, hi_fam))
        own = (ranges["max_coef"] / ranges["min_coef"]).loc[[lo_fam, hi_fam]]
        yield Finding("warning", f"family {own.idxmax()}", (
            f"matrix coefficients range from {lo:.1e} ({lo_fam}) to {hi:.1e} ({hi_fam}), a ratio of "
            f"{hi / lo:.1e}: the model is badly scaled; restate the figures behind these rows in a larger "
            f"or smaller unit (a resource in 10^4 t rather than kg, areas in mu) ({per})"), "matrix_scale",
            "matrix_range", {"low": lo, "high": hi, "low_family": lo_fam, "high_family": hi_fam, "ratio": hi / lo})
