"""The core of the land-and-capital model (math: docs/model.md).

Variables, named expressions, the core constraint families and the objective.
Each family's `FamilySpec` stands beside the `define_*` function that builds
its rows; the optional parts (locks, relocation, adjacency, periods) have
modules of their own. Nothing is solved here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..inputs.schema import TERMS
from ..text import number, pct
from .bounds import drawable, need_max
from .data import ModelData, column, positions
from .families import FamilySpec, Price, PriceRows, Row
from .formulation import INF, Expr, Formulation

# The objective's terms (optim.inputs.schema.TERMS), each maximised (+1) or minimised (-1),
# and their words.
TERM_SENSE = {"land_income": 1.0, "industrial_output": 1.0, "coverage": 1.0, "financing_cost": -1.0,
              "value": 1.0}
TERM_WORDS = {"land_income": "land income", "industrial_output": "industrial output",
              "coverage": "external financing in scope", "financing_cost": "financing cost",
              "value": "value"}
assert tuple(TERM_SENSE) == TERMS and tuple(TERM_WORDS) == TERMS


# ---- variables and expressions ---------------------------------------------------------
LOCKED_USES = FamilySpec(
    "locked_uses", "parcels locked to one use", "parcel {0} locked to its use", kind="bound",
    noun="parcel", math="v_use[i, lock_i] >= 1 (policy.locked_uses: a lower bound of 1)")
MANDATORY_PROJECTS = FamilySpec(
    "mandatory_projects", "mandatory projects built", "project {0} is mandatory", kind="bound",
    noun="project", math="v_build[p] >= 1 for p in M (a lower bound of 1)")
ELIGIBILITY = FamilySpec(
    "eligibility", "draws only on eligible source-category pairs", "draw of source {0} for {1}",
    quantity="money", kind="bound", math="v_draw[s,c] exists only for (s,c) in P")
NONNEGATIVITY = FamilySpec(
    "nonnegativity", "draws and own funds not negative", "{0}", quantity="money", kind="bound",
    math="v_draw >= 0, v_own >= 0")


def define_variables(f: Formulation, d: ModelData) -> None:
    """v_use[i,u] in {0,1} per allowed option (>= 1 if locked);
    v_build[p] in {0,1} (>= 1 if mandatory); v_draw[s,c] >= 0 per eligible pair;
    v_open[s] in {0,1} per switched source; v_own[c] >= 0 per category."""
    n_opt = len(d.options)
    lower = np.zeros(n_opt)
    lower[d.locked] = 1.0
    uses = pd.Index(d.inst.uses.index, dtype=object)
    f.add_vars("v_use", pd.MultiIndex(levels=[pd.Index(d.parcels, dtype=object), uses],  # built from codes
                                      codes=[d.parcel_of_option, d.use_of_option], verify_integrity=False),
               lower=lower, upper=1.0, integer=True, label="use {1} of parcel {0}")
    f.add_vars("v_build", d.projects.index.tolist(), lower=column(d.projects, "mandatory", bool).astype(float),
               upper=1.0, integer=True, label="project {0}")
    sources, cats = pd.Index(d.sources.index, dtype=object), pd.Index(d.categories, dtype=object)
    f.add_vars("v_draw", pd.MultiIndex(levels=[sources, cats], codes=[d.pair_source, d.pair_category],
                                       verify_integrity=False),
               label="draw of source {0} for {1}", unit=d.money)
    f.add_vars("v_open", d.switched, upper=1.0, integer=True, label="source {0} drawn at all")
    f.add_vars("v_own", cats, label="own funds for {0}", unit=d.money)


def define_expressions(f: Formulation, d: ModelData) -> None:
    """Named expressions of docs/model.md: need:c (N_c), total_investment (T),
    scope_investment (T_S), land_income (LI), forgone_income (FI),
    industrial_output (IO), coverage (EF), financing_cost (FC), fixed_costs,
    own_funds (OF), capital (KC), debt (DB), industrial_area (IA),
    industrial_need, rezoned_area (RA), route_commercial_income, value (V: the signed
    `value` of the options taken and the projects built)."""
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
        Expr.of(build, column(proj, "output") / S)
    e["industrial_need"] = Expr.of(build, column(proj, "industrial_area"))
    e["value"] = Expr.of(use, opts["value"].to_numpy() / S) + \
        Expr.of(build, column(proj, "value") / S)
    cat_of_project = proj["category"].to_numpy()
    cost = proj["cost"].to_numpy(dtype=float) / S
    for c in d.categories:
        need = Expr.of(build, np.where(cat_of_project == c, cost, 0.0))
        if c == d.conversion_category:
            need = need + Expr.of(use, opts["conversion_cost"].to_numpy() / S)
        e[f"need:{c}"] = need
    e["total_investment"] = Expr.sum(e[f"need:{c}"] for c in d.categories)
    e["scope_investment"] = Expr.sum(e[f"need:{c}"] for c in d.scope)

    src = d.pair_source  # the source of each pair

    def per_pair(column: str, dtype: type = float) -> np.ndarray:
        return d.sources[column].to_numpy(dtype=dtype)[src]

    draw = f.col("v_draw")
    scope = set(d.scope)
    in_scope = np.array([c in scope for c in d.pairs["category"].tolist()], dtype=bool)
    e["coverage"] = Expr.of(draw, (per_pair("external", bool) & in_scope).astype(float))
    e["capital"] = Expr.of(draw, per_pair("capital")) + Expr.of(f.col("v_own"), 1.0)
    e["debt"] = Expr.of(draw, per_pair("debt"))
    fixed = d.sources["fixed_cost"].to_numpy(dtype=float)[positions(d.sources.index, d.switched)]
    e["fixed_costs"] = Expr.of(f.col("v_open"), fixed / S)
    e["financing_cost"] = Expr.of(draw, per_pair("rate")) + e["fixed_costs"]
    e["own_funds"] = Expr.of(f.col("v_own"), 1.0)
    for name in list(e):
        if name not in ("industrial_area", "rezoned_area", "industrial_need"):
            f.units[name] = S


# ---- land ------------------------------------------------------------------------------------
PARCEL_USE = FamilySpec(
    "parcel_use_eq", "one use per parcel", "one use for parcel {0}", noun="parcel", structural=True,
    price=Price("parcel {m} taking one use", unit="parcel"),
    math="sum_u v_use[i,u] = 1")


def define_parcel_use(f: Formulation, d: ModelData) -> None:
    """parcel_use_eq[i]: sum_u v_use[i,u] = 1 (each parcel takes exactly one use)."""
    f.add_family(PARCEL_USE, d.parcels, d.parcel_of_option, f.col("v_use"), 1.0, 1.0, 1.0)


# ---- funding ---------------------------------------------------------------------------------
def _need_fixed_by_plan(rows: PriceRows) -> np.ndarray:
    """Draws + own funds - need = b: the payments due are need + b (yuan)."""
    fam = rows.family
    bound = np.where(np.isfinite(fam.upper), fam.upper, fam.lower)
    return (-rows.plan_part + bound) * fam.unit


CATEGORY_FUNDING = FamilySpec(
    "category_funding_eq", "every category's need paid", "funding of category {0}", quantity="money",
    price=Price("one yuan less to pay into category {m}", direction=-1.0, limit=_need_fixed_by_plan),
    math="sum_{s:(s,c) in P} v_draw[s,c] + v_own[c] = N_c")


def define_category_funding(f: Formulation, d: ModelData) -> None:
    """category_funding_eq[c]: sum_{s:(s,c) eligible} v_draw[s,c] + v_own[c] - N_c = 0
    (every category's need is paid exactly, by eligible sources or own funds)."""
    nc = len(d.categories)
    needs = [f.exprs[f"need:{c}"] for c in d.categories]
    paid = d.pair_category >= 0  # the pairs of the categories (all of them in a valid instance)
    # row c: the draws for c (in pair order), v_own[c], then -N_c
    row = np.concatenate([d.pair_category[paid], np.arange(nc), np.repeat(np.arange(nc), [len(e.cols) for e in needs])])
    col = np.concatenate([f.col("v_draw")[paid], f.col("v_own"), *(e.cols for e in needs)])
    coef = np.concatenate([np.ones(int(paid.sum())), np.ones(nc), *(e.coefs * -1.0 for e in needs)])
    order = np.argsort(row, kind="stable")
    f.add_family(CATEGORY_FUNDING, d.categories, row[order], col[order], coef[order], 0.0, 0.0, unit=d.money)


def _source_column(column: str):
    def limit(rows: PriceRows) -> np.ndarray:
        return rows.data.sources.reindex(list(rows.family.labels))[column].astype(float).to_numpy()
    return limit


def _not_opened(rows: PriceRows) -> np.ndarray:
    """Rows of switched sources that the plan does not open."""
    switched = {s: k for k, s in enumerate(rows.data.switched)}
    col = rows.formulation.col("v_open")
    return np.array([s in switched and not rows.plan[col[switched[s]]] > 0.5 for s in rows.family.labels],
                    dtype=bool)


def _min_ticket_short(r: Row) -> str:
    ticket = float(r.data.sources.at[r.label, "min_ticket"])
    return (f"source {r.label} cannot reach its minimum ticket of {r.money(ticket)}: "
            f"the categories it may pay for leave it short by {r.money(r.amount)}")


SOURCE_CAP = FamilySpec(
    "source_cap_le", "source caps", "cap of source {0}", quantity="money",
    price=Price("one more yuan of {m}'s cap", limit=_source_column("cap"), closed=_not_opened),
    bound="sources.{0}.cap",  # for a source without an on/off decision (else the cap is a coefficient)
    math="d_s <= U_s v_open[s] (<= U_s if not switched)")
SOURCE_MIN = FamilySpec(
    "source_min_ge", "minimum tickets", "minimum ticket of source {0}", quantity="money", relax="lower",
    shortfall=_min_ticket_short, settings=("sources.{0}.min_ticket",),
    price=Price("one yuan less of {m}'s minimum ticket", limit=_source_column("min_ticket"), closed=_not_opened),
    math="d_s >= m_s v_open[s] (switched sources with m_s > 0)")


def define_source_limits(f: Formulation, d: ModelData) -> None:
    """source_cap_le[s]: d_s - U'_s v_open[s] <= 0 for switched sources, with the
    big-M U'_s = min(U_s, the most s can draw: the largest needs of its eligible
    categories, optim/model/bounds.py); d_s <= U_s otherwise; source_min_ge[s]:
    d_s - m_s v_open[s] >= 0 for switched sources with m_s > 0 (d_s = sum_c v_draw[s,c])."""
    src = d.sources
    ids = src.index.tolist()
    draw = f.col("v_draw")
    drawn = [Expr.of(draw[d.pair_source == k], 1.0) for k in range(len(ids))]
    at = {s: k for k, s in enumerate(ids)}
    open_pos = {s: k for k, s in enumerate(d.switched)}
    caps, tickets = src["cap"].to_numpy(dtype=float), src["min_ticket"].to_numpy()
    d.need_max = need_max(f, d)
    most = drawable(d, d.need_max)
    d.source_bound = np.full(len(src), np.inf)
    labels, rows, upper = [], [], []
    for k, s in enumerate(ids):
        if not len(drawn[k].cols):
            continue
        cap = float(caps[k]) / d.money
        if s in open_pos:
            cap = min(cap, float(most[k]))  # a big-M no larger than what the source can draw
            d.source_bound[k] = cap
            rows.append(drawn[k] - Expr.of(f.col("v_open", [open_pos[s]]), cap))
            upper.append(0.0)
        else:
            rows.append(drawn[k])
            upper.append(cap)
        labels.append(s)
    f.add_rows(SOURCE_CAP, labels, rows, -INF, np.array(upper), unit=d.money)
    mins = [s for s in d.switched if tickets[at[s]] > 0]
    f.add_rows(SOURCE_MIN, mins,
               [drawn[at[s]] - Expr.of(f.col("v_open", [open_pos[s]]), float(tickets[at[s]]) / d.money)
                for s in mins], 0.0, INF, unit=d.money)


def _coverage_short(target: str, what: str):
    def words(r: Row) -> str:
        t = r.inst.policy.coverage_target if target == "policy" else r.inst.objective.targets["coverage"][0]
        ef, ts = r.values("coverage"), r.values("scope_investment")
        reach = f"coverage reaches {pct(ef / ts, 1)} in the closest plan; " if ts > 0 else ""
        return f"{reach}the {pct(t)} {what} is short by {r.money(r.amount)} of external financing"
    return words


def _coverage_target(index: int | None):
    """The coverage target of the policy (index None) or of objective.targets (0 min, 1 max)."""
    def limit(rows: PriceRows) -> np.ndarray:
        inst = rows.data.inst
        t = inst.policy.coverage_target if index is None else inst.objective.targets["coverage"][index]
        return np.full(rows.family.size, float(t))
    return limit


COVERAGE = FamilySpec(
    "coverage_ge", "coverage target", "coverage target", quantity="money", relax="lower",
    shortfall=_coverage_short("policy", "target"), planner=True,
    settings=("policy.coverage_target", "policy.coverage_scope"),
    price=Price("one point (0.01) less of the coverage target", unit="point (0.01) of coverage", step=0.01,
                share_of="scope_investment", limit=_coverage_target(None)),
    math="EF >= t_cov T_S")


def define_coverage(f: Formulation, d: ModelData) -> None:
    """coverage_ge: EF - t_cov T_S >= 0 (external financing covers the target share
    of the investment in scope)."""
    t = d.inst.policy.coverage_target
    if t > 0:
        f.add_row(COVERAGE, f.exprs["coverage"] - f.exprs["scope_investment"] * t, lower=0.0, unit=d.money)


def _own_funds_short(r: Row) -> str:
    pol = r.inst.policy
    return (f"own funds are short by {r.money(r.amount)}: own-funded spending and arrangement fees exceed "
            f"the budget of {r.money(pol.own_funds_budget)} plus {pct(pol.land_income_to_own_funds)} "
            "of the land income of the parcels kept for sale")


OWN_FUNDS = FamilySpec(
    "own_funds_le", "own-funds balance", "own-funds balance", quantity="money", relax="upper",
    shortfall=_own_funds_short, price=Price("one more yuan of own-funds budget"), bound="policy.own_funds_budget",
    settings=("policy.land_income_to_own_funds",), planner=True,
    math="OF + sum_Sw F_s v_open[s] <= B_own + lambda LI")


def define_own_funds(f: Formulation, d: ModelData) -> None:
    """own_funds_le: OF + sum_s F_s v_open[s] - lambda LI <= B_own (own funds, topped
    up by the sale income of the land kept for sale, pay the gap and the
    arrangement costs). With periods, the cash balance per period replaces it."""
    if d.inst.has_periods:
        return
    pol = d.inst.policy
    e = f.exprs
    f.add_row(OWN_FUNDS, e["own_funds"] + e["fixed_costs"] - e["land_income"] * pol.land_income_to_own_funds,
              upper=pol.own_funds_budget / d.money, unit=d.money)


def _eod_short(r: Row) -> str:
    share = r.inst.eod.income_share if r.inst.eod is not None else 0.0
    return (f"the EOD balance is short by {r.money(r.amount)}: ecology spending left to own funds exceeds "
            f"{pct(share)} of the commercial income of the park and the river route")


EOD_BALANCE = FamilySpec(
    "eod_balance_le", "EOD balance", "EOD balance", quantity="money", relax="upper", shortfall=_eod_short,
    settings=("eod.income_share", "eod.park_commercial_income"), planner=True,
    price=Price("one more yuan of the EOD allowance (income share x park commercial income)"),
    math="sum_{c in E} v_own[c] <= sigma (H + sum_{O, i on route, u in C} L_iu v_use)")


def define_eod_balance(f: Formulation, d: ModelData) -> None:
    """eod_balance_le: sum_{c in E} v_own[c] - sigma * (commercial land income of the
    route parcels) <= sigma H (ecology costs not met by eligible sources are met by
    the dedicated share of commercial income)."""
    eod = d.inst.eod
    if eod is None or not d.ecology:
        return
    own = Expr.of(f.col("v_own", [d.categories.index(c) for c in d.ecology]), 1.0)
    f.add_row(EOD_BALANCE, own - f.exprs["route_commercial_income"] * eod.income_share,
              upper=eod.income_share * eod.park_commercial_income / d.money, unit=d.money)


# ---- resources and land ------------------------------------------------------------------------
def _resource_short(r: Row) -> str:
    return f"{r.label} needs {r.figure(r.amount)} more than its cap of {r.figure(r.upper)}"


RESOURCE_CAP = FamilySpec(
    "resource_cap_le", "resource caps", "resource cap of {0}", quantity="resource", relax="upper",
    shortfall=_resource_short, price=Price("one more unit of resource {m}'s cap"), bound="resources.{0}.cap",
    math="sum_O R_iuk v_use <= cap_k")


def define_resource_caps(f: Formulation, d: ModelData) -> None:
    """resource_cap_le[k]: sum_o R_ok v_use[o] <= cap_k."""
    ids = list(d.resources.index)
    if not ids:
        return
    use = f.col("v_use")
    amounts = np.column_stack([d.options[k].to_numpy(dtype=float) for k in ids])  # options x resources
    opt_pos, res_pos = np.nonzero(amounts)
    f.add_family(RESOURCE_CAP, ids, res_pos, use[opt_pos], amounts[opt_pos, res_pos],
                 -INF, column(d.resources, "cap"))


INDUSTRIAL_NEED = FamilySpec(
    "industrial_need_ge", "industrial land for the projects", "industrial land for projects", quantity="area",
    relax="lower",
    shortfall=lambda r: f"projects need {r.figure(r.amount)} more industrial land than the plan can provide",
    price=Price("one mu less of industrial land needed by the projects"),
    math="IA >= sum_p A_p v_build[p]")
INDUSTRIAL_AREA_MIN = FamilySpec(
    "industrial_area_ge", "minimum industrial area", "minimum industrial area", quantity="area", relax="lower",
    shortfall=lambda r: (f"industrial area falls short of the minimum of {r.figure(r.lower)} "
                         f"by {r.figure(r.amount)}"),
    price=Price("one mu less of minimum industrial area"), bound="policy.min_industrial_area", planner=True,
    math="IA >= IA_min")
INDUSTRIAL_AREA_MAX = FamilySpec(
    "industrial_area_le", "maximum industrial area", "maximum industrial area", quantity="area", relax="upper",
    shortfall=lambda r: f"industrial area exceeds the maximum of {r.figure(r.upper)} by {r.figure(r.amount)}",
    price=Price("one more mu of maximum industrial area"), bound="policy.max_industrial_area", planner=True,
    math="IA <= IA_max")


def define_industrial_area(f: Formulation, d: ModelData) -> None:
    """industrial_need_ge: IA - sum_p A_p v_build[p] >= 0 (projects get their land);
    industrial_area_ge / _le: IA_min <= IA <= IA_max (policy bounds)."""
    e = f.exprs
    if len(e["industrial_need"].cols):
        f.add_row(INDUSTRIAL_NEED, e["industrial_area"] - e["industrial_need"], lower=0.0)
    pol = d.inst.policy
    if pol.min_industrial_area is not None:
        f.add_row(INDUSTRIAL_AREA_MIN, e["industrial_area"], lower=pol.min_industrial_area)
    if pol.max_industrial_area is not None:
        f.add_row(INDUSTRIAL_AREA_MAX, e["industrial_area"], upper=pol.max_industrial_area)


FORGONE_INCOME = FamilySpec(
    "forgone_income_le", "cap on forgone land income", "cap on forgone land income", quantity="money",
    relax="upper",
    shortfall=lambda r: f"forgone land income exceeds its cap of {r.money(r.upper)} by {r.money(r.amount)}",
    price=Price("one more yuan of forgone land income allowed"), bound="policy.max_forgone_income", planner=True,
    math="FI <= FI_max")


def define_forgone_income(f: Formulation, d: ModelData) -> None:
    """forgone_income_le: FI <= FI_max."""
    cap = d.inst.policy.max_forgone_income
    if cap is not None:
        f.add_row(FORGONE_INCOME, f.exprs["forgone_income"], upper=cap / d.money, unit=d.money)


# ---- project capital ---------------------------------------------------------------------------
CAPITAL_SHARE = FamilySpec(
    "capital_share_ge", "project-capital share", "project-capital share", quantity="money", relax="lower",
    settings=("policy.min_capital_share",), planner=True,
    shortfall=lambda r: (f"project capital is short by {r.money(r.amount)} (the rule asks for "
                         f"{pct(r.inst.policy.min_capital_share)} of the investment)"),
    price=Price("one point (0.01) less of the minimum capital share", unit="point (0.01) of capital share",
                step=0.01, share_of="total_investment",
                limit=lambda rows: np.full(rows.family.size, float(rows.data.inst.policy.min_capital_share))),
    math="KC >= kappa T")
DEBT_TO_CAPITAL = FamilySpec(
    "debt_to_capital_le", "debt-to-capital limit", "debt-to-capital limit", quantity="money", relax="upper",
    settings=("policy.max_debt_to_capital",), planner=True,
    shortfall=lambda r: (f"debt exceeds {number(r.inst.policy.max_debt_to_capital)} times the project "
                         f"capital by {r.money(r.amount)}"),
    price=Price("one more yuan of debt allowed beyond the debt-to-capital limit"), math="DB <= mu KC")


def define_capital_rules(f: Formulation, d: ModelData) -> None:
    """capital_share_ge: KC - kappa T >= 0; debt_to_capital_le: DB - mu KC <= 0."""
    pol = d.inst.policy
    e = f.exprs
    if pol.min_capital_share is not None:
        f.add_row(CAPITAL_SHARE, e["capital"] - e["total_investment"] * pol.min_capital_share,
                  lower=0.0, unit=d.money)
    if pol.max_debt_to_capital is not None:
        f.add_row(DEBT_TO_CAPITAL, e["debt"] - e["capital"] * pol.max_debt_to_capital, upper=0.0,
                  unit=d.money)


# ---- targets -------------------------------------------------------------------------------------
def _target_spec(term: str, sense: str) -> FamilySpec:
    name = f"target_{term}_{sense}"
    words = TERM_WORDS[term]
    side = "minimum" if sense == "ge" else "maximum"
    if term == "coverage" and sense == "ge":
        shortfall = _coverage_short("objective", "minimum coverage target")
    elif term == "coverage":
        def shortfall(r: Row) -> str:
            return (f"external financing exceeds the maximum coverage of "
                    f"{pct(r.inst.objective.targets['coverage'][1])} by {r.money(r.amount)}")
    elif sense == "ge":
        def shortfall(r: Row) -> str:
            return f"{words} falls short of its minimum of {r.money(r.lower)} by {r.money(r.amount)}"
    else:
        def shortfall(r: Row) -> str:
            return f"{words} exceeds its maximum of {r.money(r.upper)} by {r.money(r.amount)}"
    if term == "coverage":
        price = Price("one point (0.01) less of the coverage target" if sense == "ge"
                      else "one point (0.01) more of the coverage maximum", unit="point (0.01) of coverage",
                      step=0.01, share_of="scope_investment", limit=_coverage_target(0 if sense == "ge" else 1))
        math = f"EF {'>=' if sense == 'ge' else '<='} {side[:3]} T_S"
    else:
        price = Price(f"one yuan less of the minimum {term}" if sense == "ge"
                      else f"one more yuan of the maximum {term}")
        math = f"{term} {'>=' if sense == 'ge' else '<='} {side[:3]}"
    bound = None if term == "coverage" else f"objective.targets.{term}.{side[:3]}"  # coverage: a coefficient
    return FamilySpec(name, f"{side} of {words} (objective.targets)", f"{side} of {words}", quantity="money",
                      relax="lower" if sense == "ge" else "upper", shortfall=shortfall, price=price, bound=bound,
                      settings=(f"objective.targets.{term}.{side[:3]}",) if bound is None else (), planner=True,
                      math=math)


TARGETS = {(term, sense): _target_spec(term, sense) for term in TERMS for sense in ("ge", "le")}


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
            f.add_row(TARGETS[(term, sense)], body, lower=rhs if sense == "ge" else -INF,
                      upper=rhs if sense == "le" else INF, unit=d.money)


# ---- objective -------------------------------------------------------------------------------------
def objective_expr(f: Formulation, weights: dict[str, float]) -> Expr:
    """sum_t sense_t w_t term_t over the objective terms (present values when
    the instance asks for them: `objective:<term>`)."""
    terms = {t: f.exprs.get(f"objective:{t}", f.exprs[t]) for t in TERMS}
    return Expr.sum(terms[t] * (TERM_SENSE[t] * weights.get(t, 0.0)) for t in TERMS)


def define_objective(f: Formulation, d: ModelData) -> None:
    """maximise w_L LI + w_Y IO + w_C EF - w_F FC + w_V V + offset (the optional
    parts subtract their penalties after: optim/model/adjacency.py)."""
    w = {t: d.inst.objective.weight(t) for t in TERMS}
    f.set_objective(objective_expr(f, w), maximize=True, offset=d.inst.objective.offset / d.money)
    f.objective_unit = d.money
