"""The plan checker's part for instances with periods (see optim/check.py).

Recomputes, from the instance and the plan's tables alone (the rezoning period
of each parcel, the start and recycling period of each project, the draws per
period), every per-period family of docs/model.md, "Periods": schedules,
funding per period, debt service, cash balance, cover ratio, industrial land
and resource caps per period, draw limits, and the present values. It shares
no code with the model (optim/phasing.py): the repayment schedule is written
again here, period by period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.instance import Instance
from ..model.families import FamilySpec
from .report import Report

PERIOD_FUNDING_GE = FamilySpec(
    "period_funding_ge", "own funds per category and period not negative", "own funds for {0} in {1}",
    quantity="money", kind="check",
    math="need_ct - sum_s draws_sct >= 0 (what draws leave to own funds, per category and period)")
CASH_BALANCE_GE = FamilySpec(
    "cash_balance_ge", "cash never negative", "cash at the end of {0}", quantity="money", kind="check",
    math="cash_t = k cash_{t-1} + B_t + lambda LI_t + tau IO_t + AI_t + RP_t - own_t - DS_t - [t=0] fees >= 0")


@dataclass
class PeriodFigures:
    periods: list[str]
    land_income: np.ndarray
    industrial_output: np.ndarray
    debt_service: np.ndarray
    own: np.ndarray
    cash: np.ndarray
    beyond: float
    li_pv: float
    io_pv: float
    kpis: dict[str, float] = field(default_factory=dict)


def _given(v: Any) -> bool:
    return isinstance(v, str) and v != "" and v.lower() != "nan"


def _repayments(rate: float, tenor: int, grace: int, exit_share: float, kind: str) -> list[float]:
    """What one unit drawn pays 1, 2, ..., tenor periods later."""
    if tenor <= 0:
        return []
    if kind == "equity" and exit_share > 0:
        return [0.0] * (tenor - 1) + [exit_share]
    grace = min(grace, tenor - 1)
    part = 1.0 / (tenor - grace)
    out, outstanding = [], 1.0
    for k in range(1, tenor + 1):
        pay = part if k > grace else 0.0
        out.append(rate * outstanding + pay)
        outstanding -= pay
    return out


def check_periods(r: Report, inst: Instance, decisions: Any, plan: Any, f: Any) -> PeriodFigures | None:
    """Add the per-period families to the report `r`; return the per-period figures."""
    if not len(getattr(inst, "periods", ())):
        return None
    T = list(inst.periods.index)
    n = len(T)
    pos = {p: k for k, p in enumerate(T)}
    pol = inst.policy

    # ---- parcels: period of each rezoning ------------------------------------------
    ch = pd.DataFrame(plan.chosen).set_index("parcel")
    par = inst.parcels
    current = par["current_use"].astype(str).reindex(ch.index)
    rezoned = (ch["use"].astype(str) != current).to_numpy()
    given = decisions.parcels["period"] if "period" in decisions.parcels else pd.Series(dtype=object)
    period = given.reindex(ch.index)
    tpos = np.array([pos.get(p, -1) if _given(p) else -1 for p in period], dtype=int)
    fixed = par["period"].reindex(ch.index) if "period" in par else pd.Series(None, index=ch.index)
    bad = np.where(rezoned, (tpos < 0) | np.array([_given(x) and x != p for x, p in zip(fixed, period)]),
                   tpos >= 0)
    r.add("rezone_period_eq", list(ch.index), bad.astype(float), 0.0, "eq")

    # ---- projects: start, completion, recycling ---------------------------------------
    proj = inst.projects
    built = plan.built
    pp = decisions.projects
    start = np.array([pos.get(p, -1) if _given(p) else -1
                      for p in (pp["period"].reindex(proj.index) if "period" in pp else [None] * len(proj))])
    rec = np.array([pos.get(p, -1) if _given(p) else -1
                    for p in (pp["recycled_in"].reindex(proj.index) if "recycled_in" in pp else [None] * len(proj))])
    costs = inst.project_costs
    schedule: dict[str, dict[int, float]] = {}
    for j, off, c in zip(costs["project"], costs["offset"].astype(int), costs["cost"].astype(float)):
        schedule.setdefault(j, {})
        schedule[j][off] = schedule[j].get(off, 0.0) + c
    dur = np.array([max(schedule[j]) if j in schedule else 0 for j in proj.index], dtype=int)
    earliest = np.array([pos.get(p, 0) if _given(p) else 0 for p in proj.get("earliest", [None] * len(proj))])
    pfixed = np.array([pos.get(p, -1) if _given(p) else -1 for p in proj.get("period", [None] * len(proj))])
    ok = np.where(built, (start >= earliest) & ((pfixed < 0) | (pfixed == start)) & (start >= 0)
                  & (start + dur <= n - 1), start < 0)
    r.add("project_period_eq", list(proj.index), (~ok).astype(float), 0.0, "eq")
    recyclable = proj.get("recyclable", pd.Series(False, index=proj.index)).astype(bool).to_numpy()
    rfrom = np.array([pos.get(p, 0) if _given(p) else 0 for p in proj.get("recycle_from", [None] * len(proj))])
    rec_ok = (rec < 0) | (built & recyclable & (rec >= rfrom) & (rec > start + dur) & (rec >= 1))
    r.add("recycle_after_build_le", list(proj.index), (~rec_ok).astype(float), 0.0, "eq")

    # ---- draws per period -------------------------------------------------------------
    pdr = decisions.period_draws if decisions.period_draws is not None else \
        pd.DataFrame(columns=["source", "category", "period", "amount"])
    pdr = pdr.assign(amount=pd.to_numeric(pdr["amount"], errors="coerce"))
    totals = pdr.groupby(["source", "category"])["amount"].sum()
    dr = pd.DataFrame(plan.draws).groupby(["source", "category"])["amount"].sum()
    keys = totals.index.union(dr.index)
    r.add("draw_period_eq", [f"{s}/{c}" for s, c in keys], totals.reindex(keys, fill_value=0.0).to_numpy(),
          dr.reindex(keys, fill_value=0.0).to_numpy(), "eq")
    src = inst.sources
    frm = {s: pos.get(v, 0) if _given(v) else 0 for s, v in src.get("available_from", pd.Series(dtype=object)).items()}
    until = {s: pos.get(v, n - 1) if _given(v) else n - 1
             for s, v in src.get("available_until", pd.Series(dtype=object)).items()}
    tp = np.array([pos.get(p, -1) for p in pdr["period"]], dtype=int)
    outside = np.array([t < frm.get(s, 0) or t > until.get(s, n - 1) or t < 0
                        for s, t in zip(pdr["source"], tp)], dtype=bool)
    r.add("source_window", [f"{s}/{p}" for s, p in zip(pdr["source"], pdr["period"])],
          np.where(outside, pdr["amount"].to_numpy(dtype=float), 0.0), 0.0, "eq")
    drawn = np.zeros((len(src), n))  # source x period
    spos = {s: k for k, s in enumerate(src.index)}
    for s, t, a in zip(pdr["source"], tp, pdr["amount"]):
        if s in spos and t >= 0:
            drawn[spos[s], t] += a

    # ---- need and own funds per category and period ----------------------------------------
    cats = list(inst.categories.index)
    cpos = {c: k for k, c in enumerate(cats)}
    need = np.zeros((len(cats), n))
    for j, (pid, row) in enumerate(proj.iterrows()):
        if built[j] and start[j] >= 0:
            for off, c in (schedule[pid].items() if pid in schedule else [(0, float(row["cost"]))]):
                if start[j] + off < n:
                    need[cpos[row["category"]], start[j] + off] += c
    conv = inst.conversion_category()
    conv_cost = ch["conversion_cost"].to_numpy(dtype=float)
    if conv is not None:
        for t, c in zip(np.where(rezoned, tpos, 0), conv_cost):
            if t >= 0:
                need[cpos[conv], t] += c
    if f.relocation is not None:  # relocation costs fall in the first period
        for c, v in f.relocation.need.items():
            need[cpos[c], 0] += float(v)
    by_ct = np.zeros((len(cats), n))
    for c, t, a in zip(pdr["category"], tp, pdr["amount"]):
        if c in cpos and t >= 0:
            by_ct[cpos[c], t] += a
    own = need - by_ct
    # relative to the category's need in the period: draws rounded to the fen may leave own funds a
    # few fen below 0 where draws pay all of it
    r.add("period_funding_ge", [f"{c}/{p}" for c in cats for p in T], own.ravel(), 0.0, "ge", scale=need.ravel())
    r.add("own_period_eq", cats, own.sum(axis=1), np.array([plan.own.get(c, 0.0) for c in cats], dtype=float), "eq")

    # ---- income and output per period ------------------------------------------------------------
    income = ch["land_income"].to_numpy(dtype=float)
    output = ch["output"].to_numpy(dtype=float)
    li = np.zeros(n)
    io = np.zeros(n)
    for t in range(n):
        li[t] = income[np.where(rezoned, tpos == t, t == 0)].sum()
        io[t] = output[np.where(rezoned, (tpos >= 0) & (tpos < t), True)].sum()
    Y = proj["output"].astype(float).to_numpy()
    inc = proj.get("income", pd.Series(0.0, index=proj.index)).astype(float).to_numpy()
    share = proj.get("recycle_share", pd.Series(0.0, index=proj.index)).astype(float).to_numpy()
    cost = proj["cost"].astype(float).to_numpy()
    ai = np.zeros(n)
    rp = np.zeros(n)
    for j in np.flatnonzero(built & (start >= 0)):
        for t in range(n):
            if start[j] + dur[j] < t:
                io[t] += Y[j]
                if rec[j] < 0 or t < rec[j]:
                    ai[t] += inc[j]
        if rec[j] >= 0:
            rp[rec[j]] += share[j] * cost[j]
    if f.relocation is not None:
        io[1:] += f.relocation.output

    # ---- debt service ----------------------------------------------------------------------------
    ds = np.zeros(n)
    beyond = 0.0
    for k, (sid, row) in enumerate(src.iterrows()):
        pays = _repayments(float(row["rate"]), int(row.get("tenor", 0) or 0), int(row.get("grace", 0) or 0),
                           float(row.get("exit_share", 0.0) or 0.0), str(row["kind"]))
        for tau in range(n):
            for lag, pay in enumerate(pays, start=1):
                if tau + lag < n:
                    ds[tau + lag] += drawn[k, tau] * pay
                else:
                    beyond += drawn[k, tau] * pay

    # ---- cash balance and cover ratio --------------------------------------------------------------
    lam, tax = pol.land_income_to_own_funds, pol.tax_share
    budget = inst.periods["own_funds"].astype(float).to_numpy().copy()
    budget[0] += pol.own_funds_budget
    cash = np.zeros(n)
    flows = np.zeros(n)  # the money through each period's balance: the scale of its rounding
    prev = 0.0
    for t in range(n):
        earned = lam * li[t] + tax * io[t] + ai[t] + rp[t]
        cash[t] = (prev if pol.carry_over else 0.0) + budget[t] + earned - own[:, t].sum() - ds[t] \
            - (f.fixed_costs if t == 0 else 0.0)
        flows[t] = abs(prev) + budget[t] + earned + abs(own[:, t]).sum() + ds[t] + (f.fixed_costs if t == 0 else 0.0)
        prev = cash[t]
    r.add("cash_balance_ge", T, cash, 0.0, "ge", scale=flows)
    if pol.min_dscr is not None:
        ts = [t for t in range(1, n) if ds[t] > 0]
        r.add("dscr_ge", [T[t] for t in ts], [lam * li[t] + tax * io[t] + ai[t] for t in ts],
              [pol.min_dscr * ds[t] for t in ts], "ge")

    # ---- land and resources per period ----------------------------------------------------------------
    area = par["area"].astype(float).reindex(ch.index).to_numpy()
    industrial = inst.uses["industrial"].astype(bool).reindex(ch["use"]).to_numpy()
    A = proj["industrial_area"].astype(float).to_numpy()
    for t in range(n - 1):
        ia = area[industrial & np.where(rezoned, (tpos >= 0) & (tpos <= t), True)].sum()
        req = A[built & (start >= 0) & (start <= t)].sum()
        r.add("industrial_need_period_ge", T[t], ia, req, "ge")
    caps = inst.period_caps
    if len(caps):
        opts = inst.option_totals()
        key = pd.MultiIndex.from_arrays([opts["parcel"].astype(str), opts["use"].astype(str)])
        for rid, p, cap in zip(caps["resource"], caps["period"], caps["cap"].astype(float)):
            t = pos[p]
            amount = pd.Series(opts[rid].to_numpy(dtype=float), index=key)
            new = ch[rid].to_numpy(dtype=float)
            old = amount.reindex(pd.MultiIndex.from_arrays([ch.index.astype(str), current.astype(str)]),
                                 fill_value=0.0).to_numpy()
            in_place = np.where(rezoned & ((tpos > t) | (tpos < 0)), old, new)
            r.add("period_cap_le", f"{rid}/{p}", in_place.sum(), cap, "le")
    lim = inst.draw_limits
    for s, p, lo, hi in zip(lim["source"], lim["period"], lim["min"], lim["max"]):
        value = drawn[spos[s], pos[p]]
        if lo is not None and not pd.isna(lo) and float(lo) > 0:
            r.add("draw_min_ge", f"{s}/{p}", value, float(lo), "ge")
        if hi is not None and not pd.isna(hi):
            r.add("draw_max_le", f"{s}/{p}", value, float(hi), "le")

    ent = getattr(inst, "enterprises", None)
    if f.relocation is not None and ent is not None and "by_period" in ent:
        # an enterprise due by a period sits on a parcel that has its use by then
        rows = f.relocation.rows
        when = pd.Series(tpos, index=ch.index)
        keep = pd.Series(~rezoned, index=ch.index)
        for e, p in zip(rows["enterprise"], rows["parcel"]):
            due = ent["by_period"].get(e) if e in ent.index else None
            if _given(due) and due in pos and p in when.index:
                late = not keep[p] and not (0 <= when[p] <= pos[due])
                r.add("relocation_by_period_le", f"{e}/{p}", float(late), 0.0, "eq")

    disc = (1.0 + (pol.discount_rate or 0.0)) ** -np.arange(n, dtype=float)
    out = PeriodFigures(periods=T, land_income=li, industrial_output=io, debt_service=ds,
                        own=own, cash=cash, beyond=beyond,
                        li_pv=float(li @ disc), io_pv=float(io @ disc))
    out.kpis = {"debt_service": float(ds.sum()), "debt_service_beyond_horizon": beyond,
                "recycling_proceeds": float(rp.sum()), "land_income_pv": out.li_pv,
                "industrial_output_pv": out.io_pv,
                "own_funds_available": float(budget.sum() + lam * li.sum() + tax * io.sum() + ai.sum()
                                             + rp.sum())}
    return out
