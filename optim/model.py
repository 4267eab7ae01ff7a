"""The land-and-capital model in Pyomo (math: docs/model.md).

`create_model` reads like a table of contents: it computes the index sets
from the instance (`ModelData`), then calls one `define_*` function per
variable group, constraint family and the objective. Nothing is solved here.

Index sets are positional: option `o` is row `o` of `ModelData.options` (only
allowed parcel-use pairs exist), pair `q` is row `q` of `ModelData.pairs`
(only eligible source-category pairs exist). Long rows are built as one
`LinearExpression` from coefficient and variable lists, with Python's garbage
collector paused, so that the build scales to large cadastres.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import LinearExpression

from .instance import Instance


@dataclass
class ModelData:
    """Index sets and coefficient arrays computed from an instance."""

    inst: Instance
    options: pd.DataFrame  # whole-parcel figures, positional index
    parcels: list[str]
    parcel_of_option: np.ndarray  # parcel position of each option
    options_by_parcel: list[np.ndarray]
    rezoning: np.ndarray  # bool per option: use != current use
    industrial: np.ndarray  # bool per option
    commercial_on_route: np.ndarray  # bool per option
    area: np.ndarray  # area of the option's parcel
    forgone: np.ndarray  # forgone income per option
    categories: list[str]
    projects: pd.DataFrame
    sources: pd.DataFrame  # with resolved flags
    pairs: pd.DataFrame  # eligible (source, category)
    switched: list[str]  # sources with an on/off decision
    conversion_category: str | None
    scope: list[str]
    ecology: list[str]
    resources: pd.DataFrame
    locked: list[int] = field(default_factory=list)  # option positions fixed to 1


def prepare(inst: Instance) -> ModelData:
    """Compute the model's index sets and coefficient arrays from `inst`."""
    opts = inst.option_totals().reset_index(drop=True)
    for col in ["land_income", "output", "conversion_cost", *inst.resource_ids]:
        opts[col] = opts[col].astype(float)
    parcels = list(inst.parcels.index)
    ppos = pd.Series(np.arange(len(parcels)), index=parcels)
    parcel_of_option = ppos.reindex(opts["parcel"]).to_numpy()
    order = np.argsort(parcel_of_option, kind="stable")
    bounds = np.searchsorted(parcel_of_option[order], np.arange(len(parcels) + 1))
    by_parcel = [order[bounds[k]:bounds[k + 1]] for k in range(len(parcels))]

    current = inst.parcels["current_use"].reindex(opts["parcel"]).to_numpy()
    rezoning = opts["use"].to_numpy() != current
    uses = inst.uses
    industrial = uses["industrial"].astype(bool).reindex(opts["use"]).to_numpy()
    commercial = uses["commercial"].astype(bool).reindex(opts["use"]).to_numpy()
    route = inst.parcels["route"].astype(bool).reindex(opts["parcel"]).to_numpy()
    area = inst.parcels["area"].astype(float).reindex(opts["parcel"]).to_numpy()

    # forgone income: income of the current-use option minus this option's
    key = pd.MultiIndex.from_arrays([opts["parcel"], opts["use"]])
    position = pd.Series(np.arange(len(opts)), index=key)
    base_pos = position.reindex(pd.MultiIndex.from_arrays([opts["parcel"], current])).to_numpy()
    income = opts["land_income"].to_numpy()
    base = np.where(np.isnan(base_pos), 0.0, income[np.nan_to_num(base_pos).astype(int)])
    forgone = np.where(rezoning, np.maximum(0.0, base - income), 0.0)

    sources = inst.source_flags()
    pairs = inst.eligible_pairs()
    switched = [s for s, r in sources.iterrows() if r["min_ticket"] > 0 or r["fixed_cost"] > 0]
    locked_pos = [int(position[(parcel, use)]) for parcel, use in inst.policy.locked_uses.items()]
    cats = inst.categories
    return ModelData(
        inst=inst,
        options=opts,
        parcels=parcels,
        parcel_of_option=parcel_of_option,
        options_by_parcel=by_parcel,
        rezoning=rezoning,
        industrial=industrial,
        commercial_on_route=commercial & route,
        area=area,
        forgone=forgone,
        categories=list(cats.index),
        projects=inst.projects,
        sources=sources,
        pairs=pairs,
        switched=switched,
        conversion_category=inst.conversion_category(),
        scope=inst.coverage_scope(),
        ecology=[c for c in cats.index if bool(cats.loc[c, "ecology"])],
        resources=inst.resources,
        locked=locked_pos,
    )


# ---- expression helpers ----------------------------------------------------------
def lin(coefs, variables, constant: float = 0.0) -> LinearExpression:
    """One linear expression from parallel coefficient and variable lists."""
    coefs = [float(c) for c in coefs]
    return LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=list(variables))


def _nonzero(coefs: np.ndarray, variables: list) -> tuple[list[float], list]:
    idx = np.flatnonzero(coefs)
    return coefs[idx].tolist(), [variables[k] for k in idx]


@dataclass
class Terms:
    """Coefficient lists of the model's named linear expressions (see docs/model.md)."""

    coefs: dict[str, list[float]] = field(default_factory=dict)
    vars: dict[str, list] = field(default_factory=dict)

    def add(self, name: str, coefs, variables) -> None:
        self.coefs.setdefault(name, []).extend(float(c) for c in coefs)
        self.vars.setdefault(name, []).extend(variables)

    def expr(self, name: str, scale: float = 1.0) -> LinearExpression:
        return lin([scale * c for c in self.coefs.get(name, [])], self.vars.get(name, []))

    def combine(self, *parts: tuple[str, float]) -> LinearExpression:
        coefs, variables = [], []
        for name, scale in parts:
            coefs.extend(scale * c for c in self.coefs.get(name, []))
            variables.extend(self.vars.get(name, []))
        return lin(coefs, variables)


# ---- model -----------------------------------------------------------------------
def create_model(inst: Instance) -> tuple[pyo.ConcreteModel, ModelData]:
    """Build the Pyomo model of `inst` (no solve). Returns the model and its data."""
    data = prepare(inst)
    with PauseGC():
        m = pyo.ConcreteModel(name=inst.name or "optim")
        define_variables(m, data)
        t = define_expressions(m, data)
        define_parcel_use(m, data)
        define_category_funding(m, data, t)
        define_source_limits(m, data)
        define_coverage(m, data, t)
        define_own_funds(m, data, t)
        define_eod_balance(m, data)
        define_resource_caps(m, data)
        define_industrial_area(m, data, t)
        define_forgone_income(m, data, t)
        define_capital_rules(m, data, t)
        define_targets(m, data, t)
        define_objective(m, data, t)
    m._terms = t
    return m, data


def define_variables(m: pyo.ConcreteModel, d: ModelData) -> None:
    """v_use[o] in {0,1} per allowed option; v_build[p] in {0,1} (>= 1 if mandatory);
    v_draw[q] >= 0 per eligible pair; v_open[s] in {0,1} per switched source;
    v_own[c] >= 0 per category."""
    n_opt = len(d.options)
    m.O = pyo.RangeSet(0, n_opt - 1)
    m.v_use = pyo.Var(m.O, domain=pyo.Binary)
    m.v_build = pyo.Var(list(d.projects.index), domain=pyo.Binary)
    for p, mand in d.projects["mandatory"].items():
        if mand:
            m.v_build[p].setlb(1)
    m.P = pyo.RangeSet(0, len(d.pairs) - 1)
    m.v_draw = pyo.Var(m.P, domain=pyo.NonNegativeReals)
    m.v_open = pyo.Var(d.switched, domain=pyo.Binary)
    m.v_own = pyo.Var(d.categories, domain=pyo.NonNegativeReals)
    for o in d.locked:
        m.v_use[o].setlb(1)


def define_expressions(m: pyo.ConcreteModel, d: ModelData) -> Terms:
    """Coefficient lists of N_c (need per category), LI, FI, IO, EF, IA, RA, FC,
    OF, KC (capital) and DB (debt) as in docs/model.md."""
    t = Terms()
    use = [m.v_use[o] for o in range(len(d.options))]
    opts = d.options
    t.add("land_income", *_nonzero(opts["land_income"].to_numpy(), use))
    t.add("forgone_income", *_nonzero(d.forgone, use))
    t.add("industrial_output", *_nonzero(opts["output"].to_numpy(), use))
    t.add("industrial_area", *_nonzero(np.where(d.industrial, d.area, 0.0), use))
    t.add("rezoned_area", *_nonzero(np.where(d.rezoning, d.area, 0.0), use))
    t.add("route_commercial_income",
          *_nonzero(np.where(d.commercial_on_route, opts["land_income"].to_numpy(), 0.0), use))
    for p, row in d.projects.iterrows():
        t.add(f"need:{row['category']}", [row["cost"]], [m.v_build[p]])
        if row["output"]:
            t.add("industrial_output", [row["output"]], [m.v_build[p]])
        if row["industrial_area"]:
            t.add("industrial_need", [row["industrial_area"]], [m.v_build[p]])
    if d.conversion_category is not None:
        t.add(f"need:{d.conversion_category}", *_nonzero(opts["conversion_cost"].to_numpy(), use))
    for c in d.categories:
        t.add("total_investment", t.coefs.get(f"need:{c}", []), t.vars.get(f"need:{c}", []))
        if c in d.scope:
            t.add("scope_investment", t.coefs.get(f"need:{c}", []), t.vars.get(f"need:{c}", []))
    src = d.sources
    scope = set(d.scope)
    for q, (s, c) in enumerate(zip(d.pairs["source"], d.pairs["category"])):
        v = m.v_draw[q]
        row = src.loc[s]
        if row["external"] and c in scope:
            t.add("coverage", [1.0], [v])
        if row["rate"]:
            t.add("financing_cost", [row["rate"]], [v])
        if row["capital"]:
            t.add("capital", [1.0], [v])
        if row["debt"]:
            t.add("debt", [1.0], [v])
    for s in d.switched:
        if src.loc[s, "fixed_cost"]:
            t.add("financing_cost", [src.loc[s, "fixed_cost"]], [m.v_open[s]])
            t.add("fixed_costs", [src.loc[s, "fixed_cost"]], [m.v_open[s]])
    for c in d.categories:
        t.add("own_funds", [1.0], [m.v_own[c]])
        t.add("capital", [1.0], [m.v_own[c]])
    return t


def define_parcel_use(m: pyo.ConcreteModel, d: ModelData) -> None:
    """parcel_use_eq[i]: sum_u v_use[i,u] = 1 (each parcel takes exactly one use)."""
    groups = d.options_by_parcel

    def rule(_, k):
        return lin([1.0] * len(groups[k]), [m.v_use[o] for o in groups[k].tolist()]) == 1

    m.parcel_use_eq = pyo.Constraint(range(len(groups)), rule=rule)


def define_category_funding(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """category_funding_eq[c]: sum_{s:(s,c) eligible} v_draw[s,c] + v_own[c] - N_c = 0
    (every category's need is paid exactly, by eligible sources or own funds)."""
    draws_of = d.pairs.groupby("category").indices

    def rule(_, c):
        qs = draws_of.get(c, [])
        coefs = [1.0] * len(qs) + [1.0] + [-x for x in t.coefs.get(f"need:{c}", [])]
        variables = [m.v_draw[q] for q in qs] + [m.v_own[c]] + t.vars.get(f"need:{c}", [])
        return lin(coefs, variables) == 0

    m.category_funding_eq = pyo.Constraint(d.categories, rule=rule)


def define_source_limits(m: pyo.ConcreteModel, d: ModelData) -> None:
    """source_cap_le[s]: d_s - U_s v_open[s] <= 0 (or d_s <= U_s if not switched);
    source_min_ge[s]: d_s - m_s v_open[s] >= 0 for switched sources with m_s > 0."""
    draws_of = d.pairs.groupby("source").indices
    src = d.sources
    switched = set(d.switched)

    def drawn(s):
        qs = draws_of.get(s, [])
        return [1.0] * len(qs), [m.v_draw[q] for q in qs]

    def cap_rule(_, s):
        coefs, variables = drawn(s)
        if not variables:
            return pyo.Constraint.Skip
        if s in switched:
            return lin(coefs + [-src.loc[s, "cap"]], variables + [m.v_open[s]]) <= 0
        return lin(coefs, variables) <= src.loc[s, "cap"]

    def min_rule(_, s):
        coefs, variables = drawn(s)
        return lin(coefs + [-src.loc[s, "min_ticket"]], variables + [m.v_open[s]]) >= 0

    m.source_cap_le = pyo.Constraint(list(src.index), rule=cap_rule)
    m.source_min_ge = pyo.Constraint(
        [s for s in d.switched if src.loc[s, "min_ticket"] > 0], rule=min_rule)


def define_coverage(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """coverage_ge: EF - t_cov T_S >= 0 (external financing covers the target share
    of the investment in scope)."""
    target = d.inst.policy.coverage_target
    if target > 0:
        m.coverage_ge = pyo.Constraint(
            expr=t.combine(("coverage", 1.0), ("scope_investment", -target)) >= 0)


def define_own_funds(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """own_funds_le: OF + sum_s F_s v_open[s] - lambda LI <= B_own (own funds, topped
    up by the kept land's sale income, pay the gap and the arrangement costs)."""
    pol = d.inst.policy
    m.own_funds_le = pyo.Constraint(expr=t.combine(
        ("own_funds", 1.0), ("fixed_costs", 1.0),
        ("land_income", -pol.land_income_to_own_funds)) <= pol.own_funds_budget)


def define_eod_balance(m: pyo.ConcreteModel, d: ModelData) -> None:
    """eod_balance_le: sum_{c in E} v_own[c] - sigma * (commercial income of route
    parcels) <= sigma H (ecology costs not met by eligible sources are met by the
    dedicated share of commercial income)."""
    eod = d.inst.eod
    if eod is None or not d.ecology:
        return
    income = d.options["land_income"].to_numpy()
    coefs, variables = _nonzero(np.where(d.commercial_on_route, income, 0.0),
                                [m.v_use[o] for o in range(len(d.options))])
    own = [m.v_own[c] for c in d.ecology]
    m.eod_balance_le = pyo.Constraint(expr=lin(
        [1.0] * len(own) + [-eod.income_share * c for c in coefs], own + variables)
        <= eod.income_share * eod.park_commercial_income)


def define_resource_caps(m: pyo.ConcreteModel, d: ModelData) -> None:
    """resource_cap_le[k]: sum_o R_ok v_use[o] <= cap_k."""
    use = [m.v_use[o] for o in range(len(d.options))]

    def rule(_, k):
        coefs, variables = _nonzero(d.options[k].to_numpy(), use)
        if not variables:
            return pyo.Constraint.Skip
        return lin(coefs, variables) <= float(d.resources.loc[k, "cap"])

    m.resource_cap_le = pyo.Constraint(list(d.resources.index), rule=rule)


def define_industrial_area(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """industrial_need_ge: IA - sum_p A_p v_build[p] >= 0 (projects get their land);
    industrial_area_ge / _le: IA_min <= IA <= IA_max (policy bounds)."""
    if t.vars.get("industrial_need"):
        m.industrial_need_ge = pyo.Constraint(expr=t.combine(
            ("industrial_area", 1.0), ("industrial_need", -1.0)) >= 0)
    pol = d.inst.policy
    if pol.min_industrial_area is not None:
        m.industrial_area_ge = pyo.Constraint(expr=t.expr("industrial_area") >= pol.min_industrial_area)
    if pol.max_industrial_area is not None:
        m.industrial_area_le = pyo.Constraint(expr=t.expr("industrial_area") <= pol.max_industrial_area)


def define_forgone_income(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """forgone_income_le: FI <= FI_max."""
    cap = d.inst.policy.max_forgone_income
    if cap is not None:
        m.forgone_income_le = pyo.Constraint(expr=t.expr("forgone_income") <= cap)


def define_capital_rules(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """capital_share_ge: KC - kappa T >= 0; debt_to_capital_le: DB - mu KC <= 0."""
    pol = d.inst.policy
    if pol.min_capital_share is not None:
        m.capital_share_ge = pyo.Constraint(expr=t.combine(
            ("capital", 1.0), ("total_investment", -pol.min_capital_share)) >= 0)
    if pol.max_debt_to_capital is not None:
        m.debt_to_capital_le = pyo.Constraint(expr=t.combine(
            ("debt", 1.0), ("capital", -pol.max_debt_to_capital)) <= 0)


TERM_EXPR = {
    "land_income": "land_income",
    "industrial_output": "industrial_output",
    "coverage": "coverage",
    "financing_cost": "financing_cost",
}


def define_targets(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """target_<term>_ge / _le: term >= min, term <= max; for coverage the bounds are
    ratios of the investment in scope: EF - min T_S >= 0, EF - max T_S <= 0."""
    for term, (lo, hi) in d.inst.objective.targets.items():
        for bound, sense in ((lo, "ge"), (hi, "le")):
            if bound is None:
                continue
            if term == "coverage":
                body, rhs = t.combine(("coverage", 1.0), ("scope_investment", -bound)), 0.0
            else:
                body, rhs = t.expr(TERM_EXPR[term]), bound
            con = pyo.Constraint(expr=(body >= rhs) if sense == "ge" else (body <= rhs))
            m.add_component(f"target_{term}_{sense}", con)


def define_objective(m: pyo.ConcreteModel, d: ModelData, t: Terms) -> None:
    """maximise w_L LI + w_Y IO + w_C EF - w_F FC."""
    w = d.inst.objective
    m.objective = pyo.Objective(expr=t.combine(
        ("land_income", w.weight("land_income")),
        ("industrial_output", w.weight("industrial_output")),
        ("coverage", w.weight("coverage")),
        ("financing_cost", -w.weight("financing_cost")),
    ), sense=pyo.maximize)
