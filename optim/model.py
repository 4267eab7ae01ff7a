"""The land-and-capital model (math: docs/model.md).

`create_model` reads like a table of contents: it computes the index sets from
the instance (`prepare` -> `ModelData`: only allowed parcel-use options and
eligible source-category pairs exist), then calls one `define_*` function per
variable group, named expression, constraint family and the objective. Each
states its math in its docstring and builds its rows as arrays on a
`Formulation`; `optim.pyomo_model.to_pyomo` turns the same rows into a Pyomo
model. Nothing is solved here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .formulation import INF, Expr, Formulation
from .adjacency import define_adjacency
from .locks import apply_locks, define_draw_bounds
from .relocation import define_relocation, define_relocation_rows
from .instance import Instance
from .phasing import define_phasing, has_periods


@dataclass
class ModelData:
    """Index sets and coefficient arrays computed from an instance."""

    inst: Instance
    options: pd.DataFrame  # allowed (parcel, use) pairs, whole-parcel figures, positional
    parcels: pd.Index
    parcel_of_option: np.ndarray  # parcel position of each option
    rezoning: np.ndarray  # bool per option: use != current use
    industrial: np.ndarray  # bool per option
    commercial_on_route: np.ndarray  # bool per option
    area: np.ndarray  # area of the option's parcel
    forgone: np.ndarray  # forgone income per option
    categories: list[str]
    projects: pd.DataFrame
    sources: pd.DataFrame  # with external/capital/debt resolved
    pairs: pd.DataFrame  # eligible (source, category)
    switched: list[str]  # sources with an on/off decision
    conversion_category: str | None
    scope: list[str]
    ecology: list[str]
    resources: pd.DataFrame
    money: float = 1.0  # money rows and money variables are in units of `money` yuan
    locked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    phasing: Any = None  # optim.phasing.PhaseData when the instance has periods
    relocation: Any = None  # optim.relocation.RelocationData, for instances with enterprises


def prepare(inst: Instance, money: float | None = None) -> ModelData:
    """Compute the model's index sets and coefficient arrays from `inst`."""
    opts = inst.option_totals().reset_index(drop=True)
    for col in ["land_income", "output", "conversion_cost", *inst.resource_ids]:
        opts[col] = opts[col].astype(float)
    parcels = inst.parcels.index
    parcel_of_option = parcels.get_indexer(opts["parcel"])
    par = inst.parcels
    current = par["current_use"].to_numpy()[parcel_of_option]
    use = opts["use"].to_numpy()
    rezoning = use != current
    industrial = inst.uses["industrial"].astype(bool).reindex(use).to_numpy()
    commercial = inst.uses["commercial"].astype(bool).reindex(use).to_numpy()
    route = par["route"].astype(bool).to_numpy()[parcel_of_option]
    area = par["area"].astype(float).to_numpy()[parcel_of_option]

    # forgone income: income of the parcel's current-use option minus this option's
    income = opts["land_income"].to_numpy()
    base = np.zeros(len(parcels))
    base[parcel_of_option[~rezoning]] = income[~rezoning]
    forgone = np.where(rezoning, np.maximum(0.0, base[parcel_of_option] - income), 0.0)
    locked = np.zeros(0, dtype=np.int64)
    if inst.policy.locked_uses:
        key = pd.MultiIndex.from_arrays([opts["parcel"], opts["use"]])
        locked = key.get_indexer(pd.MultiIndex.from_tuples(list(inst.policy.locked_uses.items())))

    sources = inst.source_flags()
    switched = [s for s, mt, fc in zip(sources.index, sources["min_ticket"], sources["fixed_cost"])
                if mt > 0 or fc > 0]
    cats = inst.categories
    return ModelData(
        inst=inst, options=opts, parcels=parcels, parcel_of_option=parcel_of_option,
        rezoning=rezoning, industrial=industrial, commercial_on_route=commercial & route,
        area=area, forgone=forgone, categories=list(cats.index), projects=inst.projects,
        sources=sources, pairs=inst.eligible_pairs(), switched=switched,
        conversion_category=inst.conversion_category(), scope=inst.coverage_scope(),
        ecology=[c for c in cats.index if bool(cats.loc[c, "ecology"])],
        resources=inst.resources, money=money if money is not None else money_unit(inst),
        locked=np.asarray(locked, dtype=np.int64),
    )


def money_unit(inst: Instance) -> float:
    """A power of ten near the typical money figure of the instance.

    Money rows and variables are stated in this unit so that the matrix HiGHS
    sees has coefficients near 1 (yuan figures of 1e9 next to 0/1 decisions
    make a badly scaled model)."""
    figures = [inst.options[c].to_numpy(dtype=float) for c in ("land_income", "output", "conversion_cost")]
    if inst.option_basis == "per_area":
        area = inst.parcels["area"].astype(float).reindex(inst.options["parcel"]).to_numpy()
        figures = [x * area for x in figures]
    figures += [inst.projects["cost"].to_numpy(dtype=float), inst.sources["cap"].to_numpy(dtype=float)]
    values = np.abs(np.concatenate(figures)) if figures else np.zeros(0)
    values = values[values > 0]
    if not len(values):
        return 1.0
    return float(10.0 ** np.round(np.log10(np.median(values))))


# ---- the model -----------------------------------------------------------------------
def create_model(inst: Instance, money: float | None = None) -> tuple[Formulation, ModelData]:
    """State the model of `inst` (no solve). Returns the formulation and its data.
    `money` fixes the money unit (default: `money_unit(inst)`), e.g. so that the
    runs of a study share one scaling."""
    d = prepare(inst, money)
    f = Formulation(inst.name or "optim")
    define_variables(f, d)
    apply_locks(f, d)  # optional: parcel and source locks fix column bounds (optim/locks.py)
    define_expressions(f, d)
    define_relocation(f, d)  # optional: v_reloc, relocation costs in need:<c> (optim/relocation.py)
    define_parcel_use(f, d)
    define_category_funding(f, d)
    define_source_limits(f, d)
    define_draw_bounds(f, d)  # optional: min_draw / max_draw per source (optim/locks.py)
    define_coverage(f, d)
    define_own_funds(f, d)
    define_eod_balance(f, d)
    define_resource_caps(f, d)
    define_industrial_area(f, d)
    define_forgone_income(f, d)
    define_capital_rules(f, d)
    define_targets(f, d)
    define_relocation_rows(f, d)  # optional: assignment and capacity rows (optim/relocation.py)
    define_phasing(f, d)  # optional: periods, cash balance, debt service (optim/phasing.py)
    define_objective(f, d)
    define_adjacency(f, d)  # optional: optim/adjacency.py (after the objective)
    return f, d


def define_variables(f: Formulation, d: ModelData) -> None:
    """v_use[i,u] in {0,1} per allowed option (>= 1 if locked);
    v_build[p] in {0,1} (>= 1 if mandatory); v_draw[s,c] >= 0 per eligible pair;
    v_open[s] in {0,1} per switched source; v_own[c] >= 0 per category."""
    n_opt = len(d.options)
    lower = np.zeros(n_opt)
    lower[d.locked] = 1.0
    f.add_vars("v_use", pd.MultiIndex.from_arrays([d.options["parcel"], d.options["use"]]),
               lower=lower, upper=1.0, integer=True)
    f.add_vars("v_build", list(d.projects.index),
               lower=d.projects["mandatory"].astype(bool).to_numpy(dtype=float), upper=1.0, integer=True)
    f.add_vars("v_draw", pd.MultiIndex.from_arrays([d.pairs["source"], d.pairs["category"]]))
    f.add_vars("v_open", d.switched, upper=1.0, integer=True)
    f.add_vars("v_own", d.categories)


def define_expressions(f: Formulation, d: ModelData) -> None:
    """Named expressions of docs/model.md: need:c (N_c), total_investment (T),
    scope_investment (T_S), land_income (LI), forgone_income (FI),
    industrial_output (IO), coverage (EF), financing_cost (FC), fixed_costs,
    own_funds (OF), capital (KC), debt (DB), industrial_area (IA),
    industrial_need, rezoned_area (RA), route_commercial_income."""
    use = f.col("v_use")
    opts = d.options
    e = f.exprs
    S = d.money  # money coefficients are in units of S yuan
    income = opts["land_income"].to_numpy() / S
    e["land_income"] = Expr.of(use, income)
    e["forgone_income"] = Expr.of(use, d.forgone / S)
    e["industrial_area"] = Expr.of(use, np.where(d.industrial, d.area, 0.0))
    e["rezoned_area"] = Expr.of(use, np.where(d.rezoning, d.area, 0.0))
    e["route_commercial_income"] = Expr.of(use, np.where(d.commercial_on_route, income, 0.0))
    proj = d.projects
    build = f.col("v_build")
    e["industrial_output"] = Expr.of(use, opts["output"].to_numpy() / S) + \
        Expr.of(build, proj["output"].astype(float).to_numpy() / S)
    e["industrial_need"] = Expr.of(build, proj["industrial_area"].astype(float).to_numpy())
    cat_of_project = proj["category"].to_numpy()
    for c in d.categories:
        need = Expr.of(build, np.where(cat_of_project == c, proj["cost"].astype(float).to_numpy(), 0.0) / S)
        if c == d.conversion_category:
            need = need + Expr.of(use, opts["conversion_cost"].to_numpy() / S)
        e[f"need:{c}"] = need
    e["total_investment"] = sum((e[f"need:{c}"] for c in d.categories), Expr())
    e["scope_investment"] = sum((e[f"need:{c}"] for c in d.scope), Expr())

    src = d.sources.reindex(d.pairs["source"])
    draw = f.col("v_draw")
    in_scope = d.pairs["category"].isin(d.scope).to_numpy()
    e["coverage"] = Expr.of(draw, (src["external"].to_numpy(dtype=bool) & in_scope).astype(float))
    e["capital"] = Expr.of(draw, src["capital"].to_numpy(dtype=float)) + Expr.of(f.col("v_own"), 1.0)
    e["debt"] = Expr.of(draw, src["debt"].to_numpy(dtype=float))
    sw = d.sources.reindex(d.switched)
    e["fixed_costs"] = Expr.of(f.col("v_open"), sw["fixed_cost"].astype(float).to_numpy() / S)
    e["financing_cost"] = Expr.of(draw, src["rate"].astype(float).to_numpy()) + e["fixed_costs"]
    e["own_funds"] = Expr.of(f.col("v_own"), 1.0)
    for name in list(e):
        if name not in ("industrial_area", "rezoned_area", "industrial_need"):
            f.units[name] = S


def define_parcel_use(f: Formulation, d: ModelData) -> None:
    """parcel_use_eq[i]: sum_u v_use[i,u] = 1 (each parcel takes exactly one use)."""
    f.add_family("parcel_use_eq", d.parcels, d.parcel_of_option, f.col("v_use"), 1.0, 1.0, 1.0)


def define_category_funding(f: Formulation, d: ModelData) -> None:
    """category_funding_eq[c]: sum_{s:(s,c) eligible} v_draw[s,c] + v_own[c] - N_c = 0
    (every category's need is paid exactly, by eligible sources or own funds)."""
    cats = pd.Index(d.categories)
    rows = [Expr.of(f.col("v_draw", np.flatnonzero(d.pairs["category"].to_numpy() == c)), 1.0)
            + Expr.of(f.col("v_own", [k]), 1.0) - f.exprs[f"need:{c}"]
            for k, c in enumerate(cats)]
    f.add_rows("category_funding_eq", list(cats), rows, 0.0, 0.0, unit=d.money)


def define_source_limits(f: Formulation, d: ModelData) -> None:
    """source_cap_le[s]: d_s - U_s v_open[s] <= 0 for switched sources, d_s <= U_s
    otherwise; source_min_ge[s]: d_s - m_s v_open[s] >= 0 for switched sources
    with m_s > 0 (d_s = sum_c v_draw[s,c])."""
    src = d.sources
    pair_src = d.pairs["source"].to_numpy()
    drawn = {s: Expr.of(f.col("v_draw", np.flatnonzero(pair_src == s)), 1.0) for s in src.index}
    open_pos = {s: k for k, s in enumerate(d.switched)}
    labels, rows, upper = [], [], []
    for s in src.index:
        if not len(drawn[s].cols):
            continue
        cap = float(src.at[s, "cap"]) / d.money
        if s in open_pos:
            rows.append(drawn[s] - Expr.of(f.col("v_open", [open_pos[s]]), cap))
            upper.append(0.0)
        else:
            rows.append(drawn[s])
            upper.append(cap)
        labels.append(s)
    f.add_rows("source_cap_le", labels, rows, -INF, np.array(upper), unit=d.money)
    mins = [s for s in d.switched if src.at[s, "min_ticket"] > 0]
    f.add_rows("source_min_ge", mins,
               [drawn[s] - Expr.of(f.col("v_open", [open_pos[s]]), float(src.at[s, "min_ticket"]) / d.money)
                for s in mins], 0.0, INF, unit=d.money)


def define_coverage(f: Formulation, d: ModelData) -> None:
    """coverage_ge: EF - t_cov T_S >= 0 (external financing covers the target share
    of the investment in scope)."""
    t = d.inst.policy.coverage_target
    if t > 0:
        f.add_row("coverage_ge", f.exprs["coverage"] - f.exprs["scope_investment"] * t, lower=0.0,
                  unit=d.money)


def define_own_funds(f: Formulation, d: ModelData) -> None:
    """own_funds_le: OF + sum_s F_s v_open[s] - lambda LI <= B_own (own funds, topped
    up by the sale income of the land kept for sale, pay the gap and the
    arrangement costs). With periods, the cash balance per period replaces it."""
    if has_periods(d.inst):
        return
    pol = d.inst.policy
    e = f.exprs
    f.add_row("own_funds_le", e["own_funds"] + e["fixed_costs"] - e["land_income"] * pol.land_income_to_own_funds,
              upper=pol.own_funds_budget / d.money, unit=d.money)


def define_eod_balance(f: Formulation, d: ModelData) -> None:
    """eod_balance_le: sum_{c in E} v_own[c] - sigma * (commercial land income of the
    route parcels) <= sigma H (ecology costs not met by eligible sources are met by
    the dedicated share of commercial income)."""
    eod = d.inst.eod
    if eod is None or not d.ecology:
        return
    own = Expr.of(f.col("v_own", [d.categories.index(c) for c in d.ecology]), 1.0)
    f.add_row("eod_balance_le", own - f.exprs["route_commercial_income"] * eod.income_share,
              upper=eod.income_share * eod.park_commercial_income / d.money, unit=d.money)


def define_resource_caps(f: Formulation, d: ModelData) -> None:
    """resource_cap_le[k]: sum_o R_ok v_use[o] <= cap_k."""
    ids = list(d.resources.index)
    if not ids:
        return
    use = f.col("v_use")
    amounts = d.options[ids].to_numpy(dtype=float)  # options x resources
    opt_pos, res_pos = np.nonzero(amounts)
    f.add_family("resource_cap_le", ids, res_pos, use[opt_pos], amounts[opt_pos, res_pos],
                 -INF, d.resources["cap"].astype(float).to_numpy())


def define_industrial_area(f: Formulation, d: ModelData) -> None:
    """industrial_need_ge: IA - sum_p A_p v_build[p] >= 0 (projects get their land);
    industrial_area_ge / _le: IA_min <= IA <= IA_max (policy bounds)."""
    e = f.exprs
    if len(e["industrial_need"].cols):
        f.add_row("industrial_need_ge", e["industrial_area"] - e["industrial_need"], lower=0.0)
    pol = d.inst.policy
    if pol.min_industrial_area is not None:
        f.add_row("industrial_area_ge", e["industrial_area"], lower=pol.min_industrial_area)
    if pol.max_industrial_area is not None:
        f.add_row("industrial_area_le", e["industrial_area"], upper=pol.max_industrial_area)


def define_forgone_income(f: Formulation, d: ModelData) -> None:
    """forgone_income_le: FI <= FI_max."""
    cap = d.inst.policy.max_forgone_income
    if cap is not None:
        f.add_row("forgone_income_le", f.exprs["forgone_income"], upper=cap / d.money, unit=d.money)


def define_capital_rules(f: Formulation, d: ModelData) -> None:
    """capital_share_ge: KC - kappa T >= 0; debt_to_capital_le: DB - mu KC <= 0."""
    pol = d.inst.policy
    e = f.exprs
    if pol.min_capital_share is not None:
        f.add_row("capital_share_ge", e["capital"] - e["total_investment"] * pol.min_capital_share,
                  lower=0.0, unit=d.money)
    if pol.max_debt_to_capital is not None:
        f.add_row("debt_to_capital_le", e["debt"] - e["capital"] * pol.max_debt_to_capital, upper=0.0,
                  unit=d.money)


def define_targets(f: Formulation, d: ModelData) -> None:
    """target_<term>_ge / _le: term >= min, term <= max; for coverage the bounds are
    ratios of the investment in scope: EF - min T_S >= 0, EF - max T_S <= 0."""
    e = f.exprs
    for term, (lo, hi) in d.inst.objective.targets.items():
        for bound, sense in ((lo, "ge"), (hi, "le")):
            if bound is None:
                continue
            if term == "coverage":
                body, rhs = e["coverage"] - e["scope_investment"] * bound, 0.0
            else:
                body, rhs = e[term], bound / d.money
            f.add_row(f"target_{term}_{sense}", body, lower=rhs if sense == "ge" else -INF,
                      upper=rhs if sense == "le" else INF, unit=d.money)


TERM_SENSE = {"land_income": 1.0, "industrial_output": 1.0, "coverage": 1.0, "financing_cost": -1.0}


def objective_expr(f: Formulation, weights: dict[str, float]) -> Expr:
    """sum_t sense_t w_t term_t for the four objective terms."""
    terms = {t: f.exprs.get(f"objective:{t}", f.exprs[t]) for t in TERM_SENSE}  # present values
    return sum((terms[t] * (TERM_SENSE[t] * weights.get(t, 0.0)) for t in TERM_SENSE), Expr())


def define_objective(f: Formulation, d: ModelData) -> None:
    """maximise w_L LI + w_Y IO + w_C EF - w_F FC."""
    w = {t: d.inst.objective.weight(t) for t in TERM_SENSE}
    f.set_objective(objective_expr(f, w), maximize=True)
    f.objective_unit = d.money
