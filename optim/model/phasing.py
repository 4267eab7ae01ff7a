"""Phasing over periods: the multi-year campaign (math: docs/model.md, "Periods").

Optional: an instance with a `periods` table gets, on top of the single-period
model (whose variables become the campaign's totals), one decision per period:
when each parcel is rezoned, when each project is started, how much of each
source is drawn in each period; a cash balance per period that pays own-funded
spending, arrangement fees and debt service from the yearly own-funds budget,
land income, a tax share of industrial output, asset income and recycling
proceeds; and debt service computed from each source's rate, tenor and grace.
An instance without periods builds exactly the single-period model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..text import number
from .data import MONEY_NOISE, ModelData, column, positions
from .families import FamilySpec, Price, PriceRows
from .formulation import INF, Expr, Formulation, multi_index


def _pos(ids: list[str], values, default: int) -> np.ndarray:
    """Position of each period id in `ids`; `default` where none is given."""
    index = {p: k for k, p in enumerate(ids)}
    out = np.full(len(values), default, dtype=np.int64)
    for k, v in enumerate(values):
        if isinstance(v, str) and v in index:
            out[k] = index[v]
    return out


def service_schedule(rate: float, tenor: int, grace: int, exit_share: float,
                     kind: str, horizon: int) -> np.ndarray:
    """Payments due `k` periods after one unit is drawn, k = 0..horizon.

    A loan (tenor n > 0, grace g < n) pays interest r on the outstanding amount in
    each of periods 1..n after the draw and its principal in n - g equal parts in
    periods g+1..n. Equity with an exit share e pays e once, n periods after the
    draw. Without a tenor nothing is repaid within the model."""
    pay = np.zeros(horizon + 1)
    if tenor <= 0:
        return pay
    if kind == "equity" and exit_share > 0:
        if tenor <= horizon:
            pay[tenor] = exit_share
        return pay
    n, g = int(tenor), int(min(grace, tenor - 1))
    principal = np.zeros(n + 1)
    principal[g + 1:n + 1] = 1.0 / (n - g)
    outstanding = 1.0 - np.concatenate([[0.0], np.cumsum(principal)[:-1]])  # before paying
    due = np.zeros(n + 1)
    due[1:] = rate * outstanding[1:] + principal[1:]
    m = min(n, horizon)
    pay[1:m + 1] = due[1:m + 1]
    return pay


def service_total(rate: float, tenor: int, grace: int, exit_share: float, kind: str) -> float:
    """Everything one unit drawn costs to repay (interest and principal, or the exit)."""
    return float(service_schedule(rate, tenor, grace, exit_share, kind, max(tenor, 0)).sum())


@dataclass
class PhaseData:
    periods: list[str]
    disc: np.ndarray  # discount factor of each period: (1 + r)^-k
    rez: np.ndarray  # option of each v_rez column
    rez_t: np.ndarray  # period of each v_rez column
    start_j: np.ndarray  # project position of each v_start column
    start_t: np.ndarray
    schedule: np.ndarray  # projects x offsets: cost by offset after the start (yuan)
    duration: np.ndarray  # last offset per project
    draw_k: np.ndarray  # pair position of each v_pdraw column
    draw_t: np.ndarray
    rec_j: np.ndarray  # project of each v_recycle column
    rec_t: np.ndarray
    service: np.ndarray  # sources x (T) payments k periods after a unit drawn
    beyond: np.ndarray  # sources x T: payments falling after the horizon, per unit drawn in t
    # per-period expressions (define_period_expressions): one Expr per period
    LI: list = field(default_factory=list)  # land income
    IO: list = field(default_factory=list)  # industrial output
    IA: list = field(default_factory=list)  # industrial area
    AI: list = field(default_factory=list)  # asset income
    RP: list = field(default_factory=list)  # recycling proceeds
    DS: list = field(default_factory=list)  # debt service
    drawn: list = field(default_factory=list)  # per period, one Expr per source: what it draws


def prepare_phasing(d: ModelData) -> PhaseData:
    inst = d.inst
    T = list(inst.periods.index)
    n = len(T)
    r = inst.policy.discount_rate or 0.0
    disc = (1.0 + r) ** -np.arange(n, dtype=float)

    rez_opts = np.flatnonzero(d.rezoning)
    fixed = _pos(T, inst.parcels["period"].tolist(), -1) if "period" in inst.parcels else \
        np.full(len(d.parcels), -1)
    o = np.repeat(rez_opts, n)
    t = np.tile(np.arange(n), len(rez_opts))
    fx = fixed[d.parcel_of_option[o]]
    keep = (fx < 0) | (fx == t)

    proj = d.projects
    pids = list(proj.index)
    costs = inst.project_costs
    width = int(costs["offset"].max()) + 1 if len(costs) else 1
    schedule = np.zeros((len(pids), width))
    schedule[:, 0] = column(proj, "cost")
    duration = np.zeros(len(pids), dtype=np.int64)
    if len(costs):
        jpos = pd.Index(pids).get_indexer(costs["project"])
        scheduled = np.unique(jpos[jpos >= 0])
        schedule[scheduled, :] = 0.0
        for j, off, c in zip(jpos, costs["offset"].astype(int), costs["cost"].astype(float)):
            if j >= 0:
                schedule[j, off] += c
                duration[j] = max(duration[j], off)
    earliest = _pos(T, proj["earliest"].tolist(), 0) if "earliest" in proj else np.zeros(len(pids), int)
    pfixed = _pos(T, proj["period"].tolist(), -1) if "period" in proj else np.full(len(pids), -1)
    sj = np.repeat(np.arange(len(pids)), n)
    st = np.tile(np.arange(n), len(pids))
    ok = (st >= earliest[sj]) & ((pfixed[sj] < 0) | (pfixed[sj] == st)) & (st + duration[sj] <= n - 1)

    src = d.sources
    s_from = _pos(T, src["available_from"].tolist(), 0) if "available_from" in src else np.zeros(len(src), int)
    s_until = _pos(T, src["available_until"].tolist(), n - 1) if "available_until" in src else \
        np.full(len(src), n - 1)
    spos = d.pair_source
    dk = np.repeat(np.arange(len(d.pairs)), n)
    dt = np.tile(np.arange(n), len(d.pairs))
    dok = (dt >= s_from[spos[dk]]) & (dt <= s_until[spos[dk]])

    recyclable = column(proj, "recyclable", bool) if "recyclable" in proj else np.zeros(len(pids), bool)
    rfrom = _pos(T, proj["recycle_from"].tolist(), 0) if "recycle_from" in proj else np.zeros(len(pids), int)
    rj = np.repeat(np.flatnonzero(recyclable), n)
    rt = np.tile(np.arange(n), int(recyclable.sum()))
    rok = (rt >= rfrom[rj]) & (rt >= 1)

    service = np.zeros((len(src), n))
    beyond = np.zeros((len(src), n))
    def given(col: str, default: object) -> list:
        return src[col].tolist() if col in src else [default] * len(src)

    terms = zip(src["rate"].tolist(), given("tenor", 0), given("grace", 0), given("exit_share", 0.0),
                src["kind"].tolist())
    for k, (rate, tenor, grace, exit_share, kind) in enumerate(terms):
        args = (float(rate), int(tenor or 0), int(grace or 0), float(exit_share or 0.0), str(kind))
        service[k] = service_schedule(*args, horizon=n - 1)
        total = service_total(*args)
        for tau in range(n):  # payments after the last period for a unit drawn in tau
            service_in = service[k, 1:n - tau].sum() if n - tau > 1 else 0.0
            beyond[k, tau] = total - service_in
    return PhaseData(periods=T, disc=disc, rez=o[keep], rez_t=t[keep], start_j=sj[ok], start_t=st[ok],
                     schedule=schedule, duration=duration, draw_k=dk[dok], draw_t=dt[dok],
                     rec_j=rj[rok], rec_t=rt[rok], service=service, beyond=beyond)


# ---- the families' declarations -------------------------------------------------------------
def _period_need(rows: PriceRows) -> np.ndarray:
    fam = rows.family
    bound = np.where(np.isfinite(fam.upper), fam.upper, fam.lower)
    return (-rows.plan_part + bound) * fam.unit


REZONE_PERIOD = FamilySpec(
    "rezone_period_eq", "one rezoning period per rezoned parcel", "rezoning period of parcel {0} ({1})",
    noun="parcel", structural=True, math="sum_t v_rez[i,u,t] - v_use[i,u] = 0")
PROJECT_PERIOD = FamilySpec(
    "project_period_eq", "one start period per project built", "start period of project {0}", noun="project",
    structural=True, math="sum_t v_start[p,t] - v_build[p] = 0")
DRAW_PERIOD = FamilySpec(
    "draw_period_eq", "draws over the periods", "draws of source {0} for {1} over the periods",
    quantity="money", structural=True, math="sum_t v_pdraw[s,c,t] - v_draw[s,c] = 0")
OWN_PERIOD = FamilySpec(
    "own_period_eq", "own funds over the periods", "own funds for {0} over the periods", quantity="money",
    structural=True, math="sum_t v_pown[c,t] - v_own[c] = 0")
PERIOD_FUNDING = FamilySpec(
    "period_funding_eq", "every category's need paid in each period", "funding of category {0} in {1}",
    quantity="money", checked_by="period_funding_ge",
    price=Price("one yuan less to pay into category {m}", direction=-1.0, limit=_period_need),
    math="sum_s v_pdraw[s,c,t] + v_pown[c,t] - N_ct = 0")
CASH_BALANCE = FamilySpec(
    "cash_balance_eq", "cash balance per period", "cash balance in {0}", quantity="money", relax="upper",
    checked_by="cash_balance_ge", planner=True,
    settings=("periods.{0}.own_funds", "policy.own_funds_budget", "policy.land_income_to_own_funds",
              "policy.tax_share", "policy.carry_over"),
    shortfall=lambda r: f"cash in {r.label} is short by {r.money(r.amount)}",
    price=Price("one more yuan of own funds in period {m}"),
    math="v_cash[t] - k v_cash[t-1] - lambda LI_t - tau IO_t - AI_t - RP_t + sum_c v_pown[c,t] "
         "+ [t=0] fees + DS_t = B_t (+ B_own at t=0)")
DSCR = FamilySpec(
    "dscr_ge", "debt-service cover", "debt-service cover in {0}", quantity="money", relax="lower",
    settings=("policy.min_dscr",), planner=True,
    shortfall=lambda r: (f"debt-service cover in {r.label} is short by {r.money(r.amount)} of income "
                         f"(minimum cover {number(r.inst.policy.min_dscr)})"),
    price=Price("one yuan less of debt-service cover required in period {m}"),
    math="lambda LI_t + tau IO_t + AI_t - rho DS_t >= 0")
INDUSTRIAL_NEED_PERIOD = FamilySpec(
    "industrial_need_period_ge", "industrial land for the projects by each period",
    "industrial land for projects by {0}", quantity="area", relax="lower",
    shortfall=lambda r: (f"projects started by {r.label} need {r.figure(r.amount)} more industrial land "
                         "than can be rezoned by then"),
    price=Price("one mu less of industrial land needed by the projects by period {m}"),
    math="IA_t - sum_p A_p sum_{t' <= t} v_start[p,t'] >= 0")
PERIOD_CAP = FamilySpec(
    "period_cap_le", "resource caps per period", "cap of {0} in {1}", quantity="resource", relax="upper",
    settings=("period_caps[resource={0},period={1}].cap",),
    shortfall=lambda r: (f"{r.parts[0]} in {r.parts[1]} needs {r.figure(r.amount)} more than its cap of "
                         f"{r.figure(r.upper)}"),
    price=Price("one more unit of resource {m}'s cap"), math="resource use in place at t <= cap_kt")
DRAW_MIN = FamilySpec(
    "draw_min_ge", "minimum draws per period", "minimum draw of source {0} in {1}", quantity="money",
    relax="lower", settings=("draw_limits[source={0},period={1}].min",),
    shortfall=lambda r: (f"source {r.parts[0]} cannot reach its minimum draw of {r.money(r.lower)} in "
                         f"{r.parts[1]}: short by {r.money(r.amount)}"),
    price=Price("one yuan less of {m}'s minimum draw"), math="sum_c v_pdraw[s,c,t] >= min_st")
DRAW_MAX = FamilySpec(
    "draw_max_le", "maximum draws per period", "maximum draw of source {0} in {1}", quantity="money",
    relax="upper", settings=("draw_limits[source={0},period={1}].max",),
    shortfall=lambda r: (f"source {r.parts[0]} must draw {r.money(r.amount)} more than its maximum of "
                         f"{r.money(r.upper)} in {r.parts[1]}"),
    price=Price("one more yuan of {m}'s maximum draw"), math="sum_c v_pdraw[s,c,t] <= max_st")
RECYCLING = FamilySpec(
    "recycle_after_build_le", "assets recycled only once built", "recycling of project {0} in {1}",
    noun="project", structural=True,
    math="sum_{t' <= t} v_recycle[p,t'] - sum_{t' + dur_p < t} v_start[p,t'] <= 0")
SOURCE_WINDOW = FamilySpec(
    "source_window", "draws within each source's window", "draw of source {0} in {1}", quantity="money",
    kind="bound", math="v_pdraw[s,c,t] exists only for t in [available_from_s, available_until_s]")


# ---- variables ---------------------------------------------------------------------------------
def define_period_variables(f: Formulation, d: ModelData) -> None:
    """Periods t = 0..n-1 (docs/model.md, "Periods"): the index sets (`prepare_phasing`)
    and the variables v_rez[i,u,t] (rezoning option (i,u) done in t), v_start[p,t],
    v_pdraw[s,c,t] >= 0, v_pown[c,t] >= 0, v_cash[t] >= 0, v_recycle[p,t]."""
    if not d.inst.has_periods:
        return
    ph = prepare_phasing(d)
    d.phasing = ph
    T = ph.periods
    opts = d.options
    pids = np.asarray(list(d.projects.index), dtype=object)
    periods = np.asarray(T, dtype=object)
    f.add_vars("v_rez", multi_index(
        [opts["parcel"].to_numpy()[ph.rez], opts["use"].to_numpy()[ph.rez], periods[ph.rez_t]]),
        upper=1.0, integer=True, label="rezoning of parcel {0} to {1} in {2}")
    f.add_vars("v_start", multi_index([pids[ph.start_j], periods[ph.start_t]]),
               upper=1.0, integer=True, label="start of project {0} in {1}")
    f.add_vars("v_pdraw", multi_index(
        [d.pairs["source"].to_numpy()[ph.draw_k], d.pairs["category"].to_numpy()[ph.draw_k], periods[ph.draw_t]]),
        label="draw of source {0} for {1} in {2}", unit=d.money)
    f.add_vars("v_pown", _by_period(d.categories, T), label="own funds for {0} in {1}",
               unit=d.money)
    f.add_vars("v_cash", T, label="cash at the end of {0}", unit=d.money)
    f.add_vars("v_recycle", multi_index([pids[ph.rec_j], periods[ph.rec_t]]),
               upper=1.0, integer=True, label="recycling of project {0} in {1}")


# ---- linking rows: the single-period variables are the campaign's totals --------------------------
def define_period_links(f: Formulation, d: ModelData) -> None:
    """rezone_period_eq[i,u]: sum_t v_rez - v_use = 0 (rezoning options);
    project_period_eq[p]: sum_t v_start - v_build = 0;
    draw_period_eq[s,c]: sum_t v_pdraw - v_draw = 0;
    own_period_eq[c]: sum_t v_pown - v_own = 0."""
    ph = d.phasing
    if ph is None:
        return
    n = len(ph.periods)
    opts = d.options
    pids = list(d.projects.index)
    rez, start, pdraw, pown = f.col("v_rez"), f.col("v_start"), f.col("v_pdraw"), f.col("v_pown")
    rez_opts = np.flatnonzero(d.rezoning)
    rpos = np.full(len(opts), -1)
    rpos[rez_opts] = np.arange(len(rez_opts))
    labels = multi_index([opts["parcel"].to_numpy()[rez_opts], opts["use"].to_numpy()[rez_opts]])
    f.add_family(REZONE_PERIOD, labels,
                 np.concatenate([rpos[ph.rez], np.arange(len(rez_opts))]),
                 np.concatenate([rez, f.col("v_use")[rez_opts]]),
                 np.concatenate([np.ones(len(rez)), -np.ones(len(rez_opts))]), 0.0, 0.0)
    f.add_family(PROJECT_PERIOD, pids, np.concatenate([ph.start_j, np.arange(len(pids))]),
                 np.concatenate([start, f.col("v_build")]),
                 np.concatenate([np.ones(len(start)), -np.ones(len(pids))]), 0.0, 0.0)
    npairs = len(d.pairs)
    f.add_family(DRAW_PERIOD, multi_index([d.pairs["source"], d.pairs["category"]],
                                                        names=["source", "category"]),
                 np.concatenate([ph.draw_k, np.arange(npairs)]),
                 np.concatenate([pdraw, f.col("v_draw")]),
                 np.concatenate([np.ones(len(pdraw)), -np.ones(npairs)]), 0.0, 0.0, unit=d.money)
    nc = len(d.categories)
    f.add_family(OWN_PERIOD, d.categories, np.concatenate([np.repeat(np.arange(nc), n), np.arange(nc)]),
                 np.concatenate([pown, f.col("v_own")]),
                 np.concatenate([np.ones(nc * n), -np.ones(nc)]), 0.0, 0.0, unit=d.money)


# ---- per-period expressions ----------------------------------------------------------------------
def _at(cols: np.ndarray, coefs, mask: np.ndarray) -> Expr:
    """The terms of `cols` where `mask` holds (coefs: one per column, or a scalar)."""
    return Expr.of(cols[mask], np.broadcast_to(coefs, mask.shape)[mask] if np.ndim(coefs) else coefs)


def define_period_expressions(f: Formulation, d: ModelData) -> None:
    """Per period t: land income LI_t (current uses in the first period, rezonings
    when done), industrial output IO_t (of rezonings done before t and projects
    complete before t), industrial area IA_t, asset income AI_t, recycling
    proceeds RP_t, debt service DS_t (from each source's repayment schedule) and
    what each source draws in t; their present values; with
    `objective.values: present` the objective counts the present values."""
    ph = d.phasing
    if ph is None:
        return
    S, T, n = d.money, ph.periods, len(ph.periods)
    opts, proj = d.options, d.projects
    rez, start, pdraw, recycle = f.col("v_rez"), f.col("v_start"), f.col("v_pdraw"), f.col("v_recycle")
    use = f.col("v_use")
    cur = np.flatnonzero(~d.rezoning)
    income = opts["land_income"].to_numpy() / S
    output = opts["output"].to_numpy() / S
    proj_out = column(proj, "output") / S
    proj_inc = column(proj, "income") / S if "income" in proj else np.zeros(len(proj))
    proj_cost = column(proj, "cost") / S
    share = column(proj, "recycle_share") if "recycle_share" in proj else np.zeros(len(proj))
    ind = d.industrial
    done = ph.start_t + ph.duration[ph.start_j]  # period in which each start's project is complete
    # output terms added by other parts (relocation): counted from the second period
    extra_out = _other_terms(f, f.exprs["industrial_output"], ("v_use", "v_build"))
    pair_src = d.pair_source
    LI, IO, IA, AI, RP, DS, drawn = [], [], [], [], [], [], []
    for t in range(n):
        li = _at(rez, income[ph.rez], ph.rez_t == t)
        if t == 0:
            li = li + Expr.of(use[cur], income[cur])
        LI.append(li)
        io = Expr.of(use[cur], output[cur]) + _at(rez, output[ph.rez], ph.rez_t < t) \
            + _at(start, proj_out[ph.start_j], done < t)
        if t > 0:
            io = io + extra_out
        IO.append(io)
        IA.append(Expr.of(use[cur], np.where(ind[cur], d.area[cur], 0.0))
                  + _at(rez, np.where(ind[ph.rez], d.area[ph.rez], 0.0), ph.rez_t <= t))
        AI.append(_at(start, proj_inc[ph.start_j], done < t) - _at(recycle, proj_inc[ph.rec_j], ph.rec_t <= t))
        RP.append(_at(recycle, share[ph.rec_j] * proj_cost[ph.rec_j], ph.rec_t == t))
        drawn.append([_at(pdraw, 1.0, (ph.draw_t == t) & (pair_src[ph.draw_k] == k))
                      for k in range(len(d.sources))])
    for t in range(n):
        ds = Expr()
        for tau in range(t):
            coef = ph.service[:, t - tau]
            for k in np.flatnonzero(coef):
                ds = ds + drawn[tau][k] * float(coef[k])
        DS.append(ds)
    ph.LI, ph.IO, ph.IA, ph.AI, ph.RP, ph.DS, ph.drawn = LI, IO, IA, AI, RP, DS, drawn
    e = f.exprs
    for t, p in enumerate(T):
        e[f"land_income@{p}"], e[f"industrial_output@{p}"] = LI[t], IO[t]
        e[f"debt_service@{p}"], e[f"asset_income@{p}"], e[f"recycling@{p}"] = DS[t], AI[t], RP[t]
        for name in ("land_income", "industrial_output", "debt_service", "asset_income", "recycling"):
            f.units[f"{name}@{p}"] = S
        e[f"industrial_area@{p}"] = IA[t]
    e["land_income_pv"] = Expr.sum(LI[t] * float(ph.disc[t]) for t in range(n))
    e["industrial_output_pv"] = Expr.sum(IO[t] * float(ph.disc[t]) for t in range(n))
    f.units["land_income_pv"] = f.units["industrial_output_pv"] = S
    if d.inst.objective.values == "present":
        e["objective:land_income"] = e["land_income_pv"]
        e["objective:industrial_output"] = e["industrial_output_pv"]


# ---- funding and cash per period -------------------------------------------------------------------
def define_period_funding(f: Formulation, d: ModelData) -> None:
    """period_funding_eq[c,t]: sum_s v_pdraw[s,c,t] + v_pown[c,t] - N_ct = 0, with N_ct
    the project costs falling in t by each project's schedule, the conversion costs
    of the rezonings done in t (the current uses' in the first period) and, in the
    first period, what other parts add to the need (relocation)."""
    ph = d.phasing
    if ph is None:
        return
    S, T, n = d.money, ph.periods, len(ph.periods)
    cats = d.categories
    start, rez, pdraw, pown = f.col("v_start"), f.col("v_rez"), f.col("v_pdraw"), f.col("v_pown")
    use = f.col("v_use")
    cur = np.flatnonzero(~d.rezoning)
    conv = d.options["conversion_cost"].to_numpy() / S
    width = ph.schedule.shape[1]
    # the terms of row (c, t) (row k n + t for the k-th category), part by part in the order of
    # the row: its draws, v_pown[c,t], then -N_ct: each offset of the project costs, the
    # conversion costs of the rezonings, those of the current uses, what other parts add
    parts = []  # (row, part, col, coef)

    def part(row: np.ndarray, col: np.ndarray, coef: np.ndarray) -> None:
        parts.append((row, np.full(len(row), len(parts)), col, coef))

    pair_cat = d.pair_category[ph.draw_k]
    on = pair_cat >= 0
    part(pair_cat[on] * n + ph.draw_t[on], pdraw[on], np.ones(int(on.sum())))
    part(np.arange(len(cats) * n), pown, np.ones(len(cats) * n))
    cat_of = positions(pd.Index(cats, dtype=object), d.projects["category"].to_numpy())[ph.start_j]
    for off in range(width):
        t = ph.start_t + off
        cost = ph.schedule[ph.start_j, off] / S
        on = (cat_of >= 0) & (t < n) & (cost != 0)
        part(cat_of[on] * n + t[on], start[on], cost[on] * -1.0)
    k = cats.index(d.conversion_category) if d.conversion_category in cats else -1
    on = conv[ph.rez] != 0 if k >= 0 else np.zeros(len(rez), dtype=bool)
    part(k * n + ph.rez_t[on], rez[on], conv[ph.rez][on] * -1.0)
    on = conv[cur] != 0 if k >= 0 else np.zeros(len(cur), dtype=bool)
    part(np.full(int(on.sum()), k * n), use[cur][on], conv[cur][on] * -1.0)
    for k, c in enumerate(cats):
        extra = _other_terms(f, f.exprs[f"need:{c}"], ("v_use", "v_build"))
        part(np.full(len(extra.cols), k * n), extra.cols, extra.coefs * -1.0)
    row, rank, col, coef = (np.concatenate(x) for x in zip(*parts))
    order = np.argsort(row * len(parts) + rank, kind="stable")
    f.add_family(PERIOD_FUNDING, [(c, p) for c in cats for p in T], row[order], col[order], coef[order],
                 0.0, 0.0, unit=S)


def define_cash_balance(f: Formulation, d: ModelData) -> None:
    """cash_balance_eq[t]: v_cash[t] - k v_cash[t-1] - lambda LI_t - tau IO_t - AI_t - RP_t
    + sum_c v_pown[c,t] + [t=0] fees + DS_t = B_t (+ B_own at t=0): the yearly
    own funds, a share of land income, a tax share of output, asset income and
    recycling proceeds pay own-funded spending, fees and debt service (k = 1 when
    cash carries over)."""
    ph = d.phasing
    if ph is None:
        return
    S, T, n = d.money, ph.periods, len(ph.periods)
    pol = d.inst.policy
    nc = len(d.categories)
    cash, pown = f.col("v_cash"), f.col("v_pown")
    lam, tax = pol.land_income_to_own_funds, pol.tax_share
    budget = d.inst.periods["own_funds"].astype(float).to_numpy().copy()
    budget[0] += pol.own_funds_budget
    rows = []
    for t in range(n):
        row = Expr.of(cash[[t]], 1.0) - ph.LI[t] * lam - ph.IO[t] * tax - ph.AI[t] - ph.RP[t] + ph.DS[t] \
            + Expr.of(pown[np.arange(nc) * n + t], 1.0)
        if t > 0 and pol.carry_over:
            row = row - Expr.of(cash[[t - 1]], 1.0)
        if t == 0:
            row = row + f.exprs["fixed_costs"]
        rows.append(row)
    f.add_rows(CASH_BALANCE, T, rows, budget / S, budget / S, unit=S)


def define_debt_service_cover(f: Formulation, d: ModelData) -> None:
    """dscr_ge[t]: lambda LI_t + tau IO_t + AI_t - rho DS_t >= 0 in the periods with debt
    service (policy.min_dscr = rho)."""
    ph = d.phasing
    pol = d.inst.policy
    if ph is None or pol.min_dscr is None:
        return
    lam, tax = pol.land_income_to_own_funds, pol.tax_share
    ts = [t for t in range(1, len(ph.periods)) if len(ph.DS[t].cols)]
    f.add_rows(DSCR, [ph.periods[t] for t in ts],
               [ph.LI[t] * lam + ph.IO[t] * tax + ph.AI[t] - ph.DS[t] * pol.min_dscr for t in ts],
               0.0, INF, unit=d.money)


# ---- land and resources per period --------------------------------------------------------------
def define_period_land(f: Formulation, d: ModelData) -> None:
    """industrial_need_period_ge[t]: IA_t - sum_p A_p sum_{t' <= t} v_start[p,t'] >= 0 for
    every period but the last (there industrial_need_ge holds)."""
    ph = d.phasing
    if ph is None:
        return
    n = len(ph.periods)
    proj_area = column(d.projects, "industrial_area")
    if n <= 1 or not proj_area.any():
        return
    start = f.col("v_start")
    rows = [ph.IA[t] - _at(start, proj_area[ph.start_j], ph.start_t <= t) for t in range(n - 1)]
    f.add_rows(INDUSTRIAL_NEED_PERIOD, ph.periods[:-1], rows, 0.0, INF)


def define_period_caps(f: Formulation, d: ModelData) -> None:
    """period_cap_le[k,t]: resource use in place at t <= cap_kt, the use of each
    parcel's current use counting until the period it is rezoned."""
    ph = d.phasing
    caps = d.inst.period_caps
    if ph is None or not len(caps):
        return
    T = ph.periods
    use, rez = f.col("v_use"), f.col("v_rez")
    cur = np.flatnonzero(~d.rezoning)
    resources = list(d.resources.index)
    amounts = d.options[resources].to_numpy(dtype=float)
    cur_of_parcel = np.full(len(d.parcels), -1)
    cur_of_parcel[d.parcel_of_option[cur]] = cur
    cur_o = cur_of_parcel[d.parcel_of_option[ph.rez]]
    rows, labels, upper = [], [], []
    for rid, p, cap in zip(caps["resource"], caps["period"], caps["cap"].astype(float)):
        k, t = resources.index(rid), T.index(p)
        rows.append(Expr.of(use[cur], amounts[cur, k]) + _at(rez, amounts[ph.rez, k], ph.rez_t <= t)
                    + _pending(rez, ph, cur_o, amounts[:, k], t))
        labels.append((rid, p))
        upper.append(cap)
    f.add_rows(PERIOD_CAP, labels, rows, -INF, np.array(upper))


def define_period_draw_limits(f: Formulation, d: ModelData) -> None:
    """draw_min_ge[s,t] / draw_max_le[s,t]: min_st <= sum_c v_pdraw[s,c,t] <= max_st
    (the `draw_limits` table)."""
    ph = d.phasing
    lim = d.inst.draw_limits
    if ph is None or not len(lim):
        return
    S, T = d.money, ph.periods
    sources = list(d.sources.index)
    lo_rows, lo_lab, lo_rhs, hi_rows, hi_lab, hi_rhs = [], [], [], [], [], []
    for s, p, lo, hi in zip(lim["source"].tolist(), lim["period"].tolist(), lim["min"].tolist(), lim["max"].tolist()):
        body = ph.drawn[T.index(p)][sources.index(s)]
        if lo is not None and float(lo) > 0:
            lo_rows.append(body), lo_lab.append((s, p)), lo_rhs.append(float(lo) / S)
        if hi is not None and not pd.isna(hi):
            hi_rows.append(body), hi_lab.append((s, p)), hi_rhs.append(float(hi) / S)
    if lo_rows:
        f.add_rows(DRAW_MIN, lo_lab, lo_rows, np.array(lo_rhs), INF, unit=S)
    if hi_rows:
        f.add_rows(DRAW_MAX, hi_lab, hi_rows, -INF, np.array(hi_rhs), unit=S)


# ---- asset recycling --------------------------------------------------------------------------------
def define_recycling(f: Formulation, d: ModelData) -> None:
    """recycle_after_build_le[p,t]: sum_{t' <= t} v_recycle[p,t'] - sum_{t' + dur_p < t}
    v_start[p,t'] <= 0 (an asset is recycled only after it is complete)."""
    ph = d.phasing
    if ph is None:
        return
    recycle, start = f.col("v_recycle"), f.col("v_start")
    if not len(recycle):
        return
    pids = list(d.projects.index)
    done = ph.start_t + ph.duration[ph.start_j]
    rows, labels = [], []
    for j in np.unique(ph.rec_j):
        for t in sorted(set(ph.rec_t[ph.rec_j == j].tolist())):
            rows.append(_at(recycle, 1.0, (ph.rec_j == j) & (ph.rec_t <= t))
                        - _at(start, 1.0, (ph.start_j == j) & (done < t)))
            labels.append((pids[j], ph.periods[t]))
    f.add_rows(RECYCLING, labels, rows, -INF, 0.0)


def _by_period(ids: list, periods: list) -> pd.MultiIndex:
    """(id, period) for every id and period: `pd.MultiIndex.from_product([ids, periods])`."""
    if not len(ids) or not len(periods):
        return pd.MultiIndex.from_product([ids, periods])
    return multi_index([np.repeat(np.array(ids, dtype=object), len(periods)),
                        np.tile(np.array(periods, dtype=object), len(ids))])


def _pending(rez: np.ndarray, ph: PhaseData, cur_o: np.ndarray, amount: np.ndarray, t: int) -> Expr:
    """Resource use of current uses still in place at t is counted by v_use of the
    current-use option plus the rezonings done after t (the parcel still has its
    current use then)."""
    m = (ph.rez_t > t) & (cur_o >= 0)
    return Expr.of(rez[m], amount[np.maximum(cur_o, 0)][m])


def _other_terms(f: Formulation, expr: Expr, groups: tuple[str, ...]) -> Expr:
    """The part of `expr` on columns outside the given variable groups."""
    keep = np.ones(len(expr.cols), dtype=bool)
    for g in groups:
        grp = f.groups[g]
        keep &= ~((expr.cols >= grp.start) & (expr.cols < grp.start + grp.size))
    return Expr(expr.cols[keep], expr.coefs[keep])


# ---- results ------------------------------------------------------------------------
@dataclass
class PeriodResult:
    """The plan per period (instances with periods)."""

    periods: pd.DataFrame  # one row per period: draws, own funds, income, debt service, cash, ...
    period_draws: pd.DataFrame  # source, category, period, amount
    debt_service: pd.DataFrame  # source, period ('after' for what falls due beyond the horizon), amount
    parcel_period: pd.Series  # rezoning period of each rezoned parcel
    project_period: pd.Series  # start period of each project built
    recycled: pd.Series  # recycling period of each recycled project


def _yuan(v: float, S: float) -> float:
    """A money figure in yuan rounded to the fen; solver noise (below MONEY_NOISE of the unit) is 0."""
    return round(v, 2) + 0.0 if abs(v) > MONEY_NOISE * max(S, 1.0) else 0.0


def extract_periods(f: Formulation, d: ModelData, x: np.ndarray) -> PeriodResult | None:
    """The plan per period from a solution vector `x` (None without periods)."""
    ph = d.phasing
    if ph is None:
        return None
    S, T, n = d.money, ph.periods, len(ph.periods)
    e = f.exprs
    pdraw = x[f.col("v_pdraw")] * S
    pdraw = np.where(np.abs(pdraw) < MONEY_NOISE * max(S, 1.0), 0.0, np.round(pdraw, 2))
    draws = pd.DataFrame({"source": d.pairs["source"].to_numpy()[ph.draw_k],
                          "category": d.pairs["category"].to_numpy()[ph.draw_k],
                          "period": np.asarray(T, dtype=object)[ph.draw_t], "amount": pdraw})
    draws = draws[draws["amount"] > 0].reset_index(drop=True)
    own = np.round(x[f.col("v_pown")] * S, 2).reshape(len(d.categories), n)
    cash = np.round(x[f.col("v_cash")] * S, 2)
    rez = np.round(x[f.col("v_rez")]) > 0.5
    area_t = np.bincount(ph.rez_t[rez], weights=d.area[ph.rez[rez]], minlength=n)
    drawn_st = draws.groupby(["source", "period"])["amount"].sum()
    rows, service = [], []
    for t, p in enumerate(T):
        rows.append({
            "period": p,
            "draws": float(draws.loc[draws["period"] == p, "amount"].sum()),
            "own_funds": float(own[:, t].sum()),
            "land_income": _yuan(e[f"land_income@{p}"].value(x) * S, S),
            "industrial_output": _yuan(e[f"industrial_output@{p}"].value(x) * S, S),
            "debt_service": _yuan(e[f"debt_service@{p}"].value(x) * S, S),
            "asset_income": _yuan(e[f"asset_income@{p}"].value(x) * S, S),
            "recycling_proceeds": _yuan(e[f"recycling@{p}"].value(x) * S, S),
            "cash_balance": float(cash[t]),
            "rezoned_area": float(area_t[t]),
            "industrial_area": float(e[f"industrial_area@{p}"].value(x)),
        })
    for k, s in enumerate(d.sources.index):
        amounts = np.array([float(drawn_st.get((s, p), 0.0)) for p in T])
        if not amounts.any():
            continue
        for t, p in enumerate(T):
            due = float(sum(amounts[tau] * ph.service[k, t - tau] for tau in range(t)))
            if due:
                service.append({"source": s, "period": p, "amount": round(due, 2)})
        after = float(amounts @ ph.beyond[k])
        if after > 1e-9:
            service.append({"source": s, "period": "after", "amount": round(after, 2)})
    pids = np.asarray(list(d.projects.index), dtype=object)
    periods = np.asarray(T, dtype=object)
    start = np.round(x[f.col("v_start")]) > 0.5
    rec = np.round(x[f.col("v_recycle")]) > 0.5
    return PeriodResult(
        periods=pd.DataFrame(rows), period_draws=draws,
        debt_service=pd.DataFrame(service, columns=["source", "period", "amount"]),
        parcel_period=pd.Series(periods[ph.rez_t[rez]], index=d.options["parcel"].to_numpy()[ph.rez[rez]]),
        project_period=pd.Series(periods[ph.start_t[start]], index=pids[ph.start_j[start]]),
        recycled=pd.Series(periods[ph.rec_t[rec]], index=pids[ph.rec_j[rec]]))


def period_kpis(f: Formulation, d: ModelData, x: np.ndarray) -> dict[str, tuple[float, str]]:
    """The KPIs of the periods (none without periods): debt service within and beyond
    the horizon, recycling proceeds, present values, and the own funds available
    over all periods (budgets plus the income that flows into the cash balance)."""
    ph = d.phasing
    if ph is None:
        return {}
    S, n = d.money, len(ph.periods)
    pol = d.inst.policy
    li, io, ai, rp, ds = (np.array([ex.value(x) * S for ex in exprs])
                          for exprs in (ph.LI, ph.IO, ph.AI, ph.RP, ph.DS))
    drawn = np.array([[ph.drawn[t][k].value(x) * S for t in range(n)] for k in range(len(d.sources))])
    beyond = float((drawn * ph.beyond).sum()) if drawn.size else 0.0
    budget = float(d.inst.periods["own_funds"].astype(float).sum()) + pol.own_funds_budget
    inflow = pol.land_income_to_own_funds * li.sum() + pol.tax_share * io.sum() + ai.sum() + rp.sum()
    return {"debt_service": (float(ds.sum()), "yuan"),
            "debt_service_beyond_horizon": (beyond, "yuan"),
            "recycling_proceeds": (float(rp.sum()), "yuan"),
            "land_income_pv": (f.exprs["land_income_pv"].value(x) * S, "yuan"),
            "industrial_output_pv": (f.exprs["industrial_output_pv"].value(x) * S, "yuan"),
            "own_funds_available": (budget + float(inflow), "yuan")}
