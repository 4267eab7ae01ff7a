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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .formulation import INF, Expr, Formulation


def has_periods(inst) -> bool:
    return len(getattr(inst, "periods", ())) > 0


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


def prepare_phasing(d) -> PhaseData:
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
    schedule[:, 0] = proj["cost"].astype(float).to_numpy()
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
    spos = pd.Index(src.index).get_indexer(d.pairs["source"])
    dk = np.repeat(np.arange(len(d.pairs)), n)
    dt = np.tile(np.arange(n), len(d.pairs))
    dok = (dt >= s_from[spos[dk]]) & (dt <= s_until[spos[dk]])

    recyclable = proj["recyclable"].astype(bool).to_numpy() if "recyclable" in proj else np.zeros(len(pids), bool)
    rfrom = _pos(T, proj["recycle_from"].tolist(), 0) if "recycle_from" in proj else np.zeros(len(pids), int)
    rj = np.repeat(np.flatnonzero(recyclable), n)
    rt = np.tile(np.arange(n), int(recyclable.sum()))
    rok = (rt >= rfrom[rj]) & (rt >= 1)

    service = np.zeros((len(src), n))
    beyond = np.zeros((len(src), n))
    for k, (sid, row) in enumerate(src.iterrows()):
        args = (float(row["rate"]), int(row.get("tenor", 0) or 0), int(row.get("grace", 0) or 0),
                float(row.get("exit_share", 0.0) or 0.0), str(row["kind"]))
        service[k] = service_schedule(*args, horizon=n - 1)
        total = service_total(*args)
        for tau in range(n):  # payments after the last period for a unit drawn in tau
            service_in = service[k, 1:n - tau].sum() if n - tau > 1 else 0.0
            beyond[k, tau] = total - service_in
    return PhaseData(periods=T, disc=disc, rez=o[keep], rez_t=t[keep], start_j=sj[ok], start_t=st[ok],
                     schedule=schedule, duration=duration, draw_k=dk[dok], draw_t=dt[dok],
                     rec_j=rj[rok], rec_t=rt[rok], service=service, beyond=beyond)


def define_phasing(f: Formulation, d) -> None:
    """Periods t = 0..n-1 (docs/model.md, "Periods").

    Variables: v_rez[i,u,t] (rezoning option (i,u) done in t), v_start[p,t],
    v_pdraw[s,c,t] >= 0, v_pown[c,t] >= 0, v_cash[t] >= 0, v_recycle[p,t].
    Linking (the single-period variables are the campaign totals):
      rezone_period_eq[i,u]: sum_t v_rez - v_use = 0 (rezoning options)
      project_period_eq[p]:  sum_t v_start - v_build = 0
      draw_period_eq[s,c]:   sum_t v_pdraw - v_draw = 0
      own_period_eq[c]:      sum_t v_pown - v_own = 0
    Per period:
      period_funding_eq[c,t]: sum_s v_pdraw[s,c,t] + v_pown[c,t] - N_ct = 0
      cash_balance_eq[t]: v_cash[t] - k v_cash[t-1] - lambda LI_t - tau IO_t - AI_t - RP_t
                          + sum_c v_pown[c,t] + [t=0] fees + DS_t = B_t (+ B_own at t=0)
      industrial_need_period_ge[t]: IA_t - sum_p A_p sum_{t'<=t} v_start[p,t'] >= 0
      period_cap_le[k,t]: resource use in place at t <= cap_kt
      draw_min_ge / draw_max_le[s,t]: bounds on sum_c v_pdraw[s,c,t]
      recycle_after_build_le[p,t]: sum_{t'<=t} v_recycle - sum_{t'+dur_p<t} v_start <= 0
      dscr_ge[t]: lambda LI_t + tau IO_t + AI_t - rho DS_t >= 0
    """
    if not has_periods(d.inst):
        return
    inst, S = d.inst, d.money
    pol = inst.policy
    ph = prepare_phasing(d)
    d.phasing = ph
    T, n = ph.periods, len(ph.periods)
    opts = d.options
    proj = d.projects
    pids = list(proj.index)

    # ---- variables --------------------------------------------------------------
    f.add_vars("v_rez", pd.MultiIndex.from_arrays(
        [opts["parcel"].to_numpy()[ph.rez], opts["use"].to_numpy()[ph.rez],
         np.asarray(T, dtype=object)[ph.rez_t]]), upper=1.0, integer=True)
    f.add_vars("v_start", pd.MultiIndex.from_arrays(
        [np.asarray(pids, dtype=object)[ph.start_j], np.asarray(T, dtype=object)[ph.start_t]]),
        upper=1.0, integer=True)
    f.add_vars("v_pdraw", pd.MultiIndex.from_arrays(
        [d.pairs["source"].to_numpy()[ph.draw_k], d.pairs["category"].to_numpy()[ph.draw_k],
         np.asarray(T, dtype=object)[ph.draw_t]]))
    cats = d.categories
    f.add_vars("v_pown", pd.MultiIndex.from_product([cats, T]))
    f.add_vars("v_cash", T)
    f.add_vars("v_recycle", pd.MultiIndex.from_arrays(
        [np.asarray(pids, dtype=object)[ph.rec_j], np.asarray(T, dtype=object)[ph.rec_t]]),
        upper=1.0, integer=True)
    rez, start, pdraw = f.col("v_rez"), f.col("v_start"), f.col("v_pdraw")
    pown, cash, recycle = f.col("v_pown"), f.col("v_cash"), f.col("v_recycle")
    use = f.col("v_use")

    # ---- linking rows ---------------------------------------------------------------
    rez_opts = np.flatnonzero(d.rezoning)
    rpos = np.full(len(opts), -1)
    rpos[rez_opts] = np.arange(len(rez_opts))
    labels = pd.MultiIndex.from_arrays([opts["parcel"].to_numpy()[rez_opts], opts["use"].to_numpy()[rez_opts]])
    f.add_family("rezone_period_eq", labels,
                 np.concatenate([rpos[ph.rez], np.arange(len(rez_opts))]),
                 np.concatenate([rez, use[rez_opts]]),
                 np.concatenate([np.ones(len(rez)), -np.ones(len(rez_opts))]), 0.0, 0.0)
    f.add_family("project_period_eq", pids, np.concatenate([ph.start_j, np.arange(len(pids))]),
                 np.concatenate([start, f.col("v_build")]),
                 np.concatenate([np.ones(len(start)), -np.ones(len(pids))]), 0.0, 0.0)
    npairs = len(d.pairs)
    f.add_family("draw_period_eq", pd.MultiIndex.from_frame(d.pairs[["source", "category"]]),
                 np.concatenate([ph.draw_k, np.arange(npairs)]),
                 np.concatenate([pdraw, f.col("v_draw")]),
                 np.concatenate([np.ones(len(pdraw)), -np.ones(npairs)]), 0.0, 0.0, unit=S)
    nc = len(cats)
    f.add_family("own_period_eq", cats, np.concatenate([np.repeat(np.arange(nc), n), np.arange(nc)]),
                 np.concatenate([pown, f.col("v_own")]),
                 np.concatenate([np.ones(nc * n), -np.ones(nc)]), 0.0, 0.0, unit=S)

    # ---- per-period expressions -----------------------------------------------------
    cur = np.flatnonzero(~d.rezoning)
    first = np.arange(n) == 0
    income = opts["land_income"].to_numpy() / S
    output = opts["output"].to_numpy() / S
    conv = opts["conversion_cost"].to_numpy() / S

    def at(cols, coefs, mask) -> Expr:  # the terms of `cols` where `mask` holds
        return Expr.of(cols[mask], np.broadcast_to(coefs, mask.shape)[mask] if np.ndim(coefs) else coefs)

    LI, IO, IA, AI, RP, DS, drawn_t = [], [], [], [], [], [], []
    proj_out = proj["output"].astype(float).to_numpy() / S
    proj_inc = proj["income"].astype(float).to_numpy() / S if "income" in proj else np.zeros(len(pids))
    proj_area = proj["industrial_area"].astype(float).to_numpy()
    proj_cost = proj["cost"].astype(float).to_numpy() / S
    share = proj["recycle_share"].astype(float).to_numpy() if "recycle_share" in proj else np.zeros(len(pids))
    ind = d.industrial
    done = ph.start_t + ph.duration[ph.start_j]  # period in which each start's project is complete
    # output/need terms added by other parts (relocation): counted from the second period / first
    extra_out = _other_terms(f, f.exprs["industrial_output"], ("v_use", "v_build"))
    pair_src = pd.Index(d.sources.index).get_indexer(d.pairs["source"])
    for t in range(n):
        li = at(rez, income[ph.rez], ph.rez_t == t)
        if t == 0:
            li = li + Expr.of(use[cur], income[cur])
        LI.append(li)
        io = Expr.of(use[cur], output[cur]) + at(rez, output[ph.rez], ph.rez_t < t) \
            + at(start, proj_out[ph.start_j], done < t)
        if t > 0:
            io = io + extra_out
        IO.append(io)
        IA.append(Expr.of(use[cur], np.where(ind[cur], d.area[cur], 0.0))
                  + at(rez, np.where(ind[ph.rez], d.area[ph.rez], 0.0), ph.rez_t <= t))
        ai = at(start, proj_inc[ph.start_j], done < t) - at(recycle, proj_inc[ph.rec_j], ph.rec_t <= t)
        AI.append(ai)
        RP.append(at(recycle, share[ph.rec_j] * proj_cost[ph.rec_j], ph.rec_t == t))
        drawn_t.append([at(pdraw, 1.0, (ph.draw_t == t) & (pair_src[ph.draw_k] == k))
                        for k in range(len(d.sources))])
    for t in range(n):
        ds = Expr()
        for tau in range(t):
            coef = ph.service[:, t - tau]
            for k in np.flatnonzero(coef):
                ds = ds + drawn_t[tau][k] * float(coef[k])
        DS.append(ds)
    e = f.exprs
    for t, p in enumerate(T):
        e[f"land_income@{p}"], e[f"industrial_output@{p}"] = LI[t], IO[t]
        e[f"debt_service@{p}"], e[f"asset_income@{p}"], e[f"recycling@{p}"] = DS[t], AI[t], RP[t]
        for name in ("land_income", "industrial_output", "debt_service", "asset_income", "recycling"):
            f.units[f"{name}@{p}"] = S
        e[f"industrial_area@{p}"] = IA[t]
    e["land_income_pv"] = sum((LI[t] * float(ph.disc[t]) for t in range(n)), Expr())
    e["industrial_output_pv"] = sum((IO[t] * float(ph.disc[t]) for t in range(n)), Expr())
    f.units["land_income_pv"] = f.units["industrial_output_pv"] = S
    if inst.objective.values == "present":
        e["objective:land_income"] = e["land_income_pv"]
        e["objective:industrial_output"] = e["industrial_output_pv"]

    # ---- period funding -------------------------------------------------------------
    conv_cat = d.conversion_category
    cat_of = proj["category"].to_numpy()
    extra_need = {c: _other_terms(f, e[f"need:{c}"], ("v_use", "v_build")) for c in cats}
    rows, labels = [], []
    for c in cats:
        for t, p in enumerate(T):
            need = Expr()
            js = cat_of[ph.start_j] == c
            for off in range(ph.schedule.shape[1]):
                m = js & (ph.start_t + off == t)
                need = need + Expr.of(start[m], ph.schedule[ph.start_j[m], off] / S)
            if c == conv_cat:
                need = need + at(rez, conv[ph.rez], ph.rez_t == t)
                if t == 0:
                    need = need + Expr.of(use[cur], conv[cur])
            if t == 0:
                need = need + extra_need[c]
            k = cats.index(c)
            rows.append(at(pdraw, 1.0, (ph.draw_t == t) & (d.pairs["category"].to_numpy()[ph.draw_k] == c))
                        + Expr.of(pown[[k * n + t]], 1.0) - need)
            labels.append((c, p))
    f.add_rows("period_funding_eq", labels, rows, 0.0, 0.0, unit=S)

    # ---- cash balance ------------------------------------------------------------------
    lam, tax = pol.land_income_to_own_funds, pol.tax_share
    budget = inst.periods["own_funds"].astype(float).to_numpy().copy()
    budget[0] += pol.own_funds_budget
    rows = []
    for t in range(n):
        row = Expr.of(cash[[t]], 1.0) - LI[t] * lam - IO[t] * tax - AI[t] - RP[t] + DS[t] \
            + Expr.of(pown[np.arange(nc) * n + t], 1.0)
        if t > 0 and pol.carry_over:
            row = row - Expr.of(cash[[t - 1]], 1.0)
        if t == 0:
            row = row + e["fixed_costs"]
        rows.append(row)
    f.add_rows("cash_balance_eq", T, rows, budget / S, budget / S, unit=S)
    if pol.min_dscr is not None:
        ts = [t for t in range(1, n) if len(DS[t].cols)]
        f.add_rows("dscr_ge", [T[t] for t in ts],
                   [LI[t] * lam + IO[t] * tax + AI[t] - DS[t] * pol.min_dscr for t in ts], 0.0, INF, unit=S)

    # ---- land and resources per period ------------------------------------------------
    need_rows = []
    for t in range(n - 1):  # the last period is industrial_need_ge
        need_rows.append(IA[t] - at(start, proj_area[ph.start_j], ph.start_t <= t))
    if n > 1 and proj_area.any():
        f.add_rows("industrial_need_period_ge", T[:-1], need_rows, 0.0, INF)
    caps = inst.period_caps
    if len(caps):
        amounts = opts[list(d.resources.index)].to_numpy(dtype=float)
        cur_of_parcel = np.full(len(d.parcels), -1)
        cur_of_parcel[d.parcel_of_option[cur]] = cur
        cur_o = cur_of_parcel[d.parcel_of_option[ph.rez]]
        rows, labels, upper = [], [], []
        for rid, p, cap in zip(caps["resource"], caps["period"], caps["cap"].astype(float)):
            k, t = list(d.resources.index).index(rid), T.index(p)
            rows.append(Expr.of(use[cur], amounts[cur, k]) + at(rez, amounts[ph.rez, k], ph.rez_t <= t)
                        + _pending(rez, ph, cur_o, amounts[:, k], t))
            labels.append((rid, p))
            upper.append(cap)
        f.add_rows("period_cap_le", labels, rows, -INF, np.array(upper))
    lim = inst.draw_limits
    if len(lim):
        lo_rows, lo_lab, lo_rhs, hi_rows, hi_lab, hi_rhs = [], [], [], [], [], []
        for s, p, lo, hi in zip(lim["source"], lim["period"], lim["min"], lim["max"]):
            k, t = list(d.sources.index).index(s), T.index(p)
            body = drawn_t[t][k]
            if lo is not None and float(lo) > 0:
                lo_rows.append(body), lo_lab.append((s, p)), lo_rhs.append(float(lo) / S)
            if hi is not None and not pd.isna(hi):
                hi_rows.append(body), hi_lab.append((s, p)), hi_rhs.append(float(hi) / S)
        if lo_rows:
            f.add_rows("draw_min_ge", lo_lab, lo_rows, np.array(lo_rhs), INF, unit=S)
        if hi_rows:
            f.add_rows("draw_max_le", hi_lab, hi_rows, -INF, np.array(hi_rhs), unit=S)

    # ---- relocation deadlines ------------------------------------------------------------
    rel = getattr(d, "relocation", None)
    if rel is not None and len(rel.pairs) and "v_reloc" in f.groups:
        pairs = rel.pairs
        deadline = _pos(T, pairs["by_period"].tolist(), -1)
        option = pairs["option"].to_numpy()
        rows, labels = [], []
        for k in np.flatnonzero((deadline >= 0) & d.rezoning[option]):
            # the host parcel takes the enterprise's use by the deadline
            rows.append(Expr.of(f.col("v_reloc", [k]), 1.0)
                        - at(rez, 1.0, (ph.rez == option[k]) & (ph.rez_t <= deadline[k])))
            labels.append((pairs["enterprise"].iat[k], pairs["parcel"].iat[k]))
        if rows:
            f.add_rows("relocation_by_period_le", labels, rows, -INF, 0.0)

    # ---- asset recycling ------------------------------------------------------------------
    if len(recycle):
        rows, labels = [], []
        for j in np.unique(ph.rec_j):
            for t in sorted(set(ph.rec_t[ph.rec_j == j].tolist())):
                body = at(recycle, 1.0, (ph.rec_j == j) & (ph.rec_t <= t)) \
                    - at(start, 1.0, (ph.start_j == j) & (done < t))
                rows.append(body)
                labels.append((pids[j], T[t]))
        f.add_rows("recycle_after_build_le", labels, rows, -INF, 0.0)


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
def extract_periods(f: Formulation, d, x: np.ndarray) -> dict | None:
    """The plan per period, from a solution vector `x` (None without periods):
    `periods` (one row per period), `period_draws` (source, category, period,
    amount), `debt_service` (source, period, amount; period `after` for what falls
    due beyond the horizon), the rezoning period of each parcel, the start and
    recycling period of each project, and KPIs."""
    ph = getattr(d, "phasing", None)
    if ph is None:
        return None
    S, T, n = d.money, ph.periods, len(ph.periods)
    e = f.exprs

    def money(expr: Expr) -> float:
        v = expr.value(x) * S
        return round(v, 2) if abs(v) > 1e-6 * max(S, 1.0) else 0.0

    pdraw = x[f.col("v_pdraw")] * S
    pdraw = np.where(np.abs(pdraw) < 1e-6 * max(S, 1.0), 0.0, np.round(pdraw, 2))
    draws = pd.DataFrame({"source": d.pairs["source"].to_numpy()[ph.draw_k],
                          "category": d.pairs["category"].to_numpy()[ph.draw_k],
                          "period": np.asarray(T, dtype=object)[ph.draw_t], "amount": pdraw})
    draws = draws[draws["amount"] > 0].reset_index(drop=True)
    own = np.round(x[f.col("v_pown")] * S, 2).reshape(len(d.categories), n)
    cash = np.round(x[f.col("v_cash")] * S, 2)
    rez = np.round(x[f.col("v_rez")]) > 0.5
    area_t = np.bincount(ph.rez_t[rez], weights=d.area[ph.rez[rez]], minlength=n)
    drawn_st = draws.groupby(["source", "period"])["amount"].sum()
    src = d.sources
    rows, service = [], []
    for t, p in enumerate(T):
        rows.append({
            "period": p,
            "draws": float(draws.loc[draws["period"] == p, "amount"].sum()),
            "own_funds": float(own[:, t].sum()),
            "land_income": money(e[f"land_income@{p}"]),
            "industrial_output": money(e[f"industrial_output@{p}"]),
            "debt_service": money(e[f"debt_service@{p}"]),
            "asset_income": money(e[f"asset_income@{p}"]),
            "recycling_proceeds": money(e[f"recycling@{p}"]),
            "cash_balance": float(cash[t]),
            "rezoned_area": float(area_t[t]),
            "industrial_area": float(e[f"industrial_area@{p}"].value(x)),
        })
    beyond_total = 0.0
    for k, s in enumerate(src.index):
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
            beyond_total += after
    table = pd.DataFrame(rows)
    parcel_period = pd.Series(np.asarray(T, dtype=object)[ph.rez_t[rez]],
                              index=d.options["parcel"].to_numpy()[ph.rez[rez]])
    start = np.round(x[f.col("v_start")]) > 0.5
    project_period = pd.Series(np.asarray(T, dtype=object)[ph.start_t[start]],
                               index=np.asarray(list(d.projects.index), dtype=object)[ph.start_j[start]])
    rec = np.round(x[f.col("v_recycle")]) > 0.5
    recycled = pd.Series(np.asarray(T, dtype=object)[ph.rec_t[rec]],
                         index=np.asarray(list(d.projects.index), dtype=object)[ph.rec_j[rec]])
    kpis = {
        "debt_service": float(table["debt_service"].sum()),
        "debt_service_beyond_horizon": round(beyond_total, 2),
        "recycling_proceeds": float(table["recycling_proceeds"].sum()),
        "land_income_pv": e["land_income_pv"].value(x) * S,  # not rounded: the objective's terms
        "industrial_output_pv": e["industrial_output_pv"].value(x) * S,
    }
    return {"periods": table, "period_draws": draws,
            "debt_service": pd.DataFrame(service, columns=["source", "period", "amount"]),
            "parcel_period": parcel_period, "project_period": project_period,
            "recycled": recycled, "kpis": kpis}


KPI_UNITS = {"debt_service": "yuan", "debt_service_beyond_horizon": "yuan",
             "recycling_proceeds": "yuan", "land_income_pv": "yuan", "industrial_output_pv": "yuan"}
