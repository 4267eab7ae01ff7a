"""Finite bounds on every column, implied by the rows (math: docs/model.md,
section "Column bounds").

Draws, own funds and cash have no bound of their own: the rows bound them (a
category's draws and own funds add up to its need, a source draws at most its
cap, the cash of a period is what came in minus what went out). A column
without a finite bound leaves a bound computed from an LP's duals infinite as
soon as its reduced cost has the wrong sign by a rounding error
(optim/safe_bound.py), so each gets the bound its rows imply:

- need_max[c]: the most category c can ever need: its need expression at its
  largest over the columns' bounds, each parcel's options (and each rezoning's
  periods) counted once, since a parcel takes one use, and each enterprise's
  sites once;
- v_draw[s,c] <= min(need_max[c], U'_s) (U'_s the cap of a switched source as
  clipped in source_cap_le: the most it can draw), v_own[c] <= need_max[c];
- with periods: v_pdraw[s,c,t] <= the bound of v_draw[s,c], v_pown[c,t] <=
  need_max[c], and v_cash[t] <= what can come in by t (the cash balance rows,
  each income at its largest and each spending at its least).

These bounds exclude no plan (the rows imply them), so they are kept apart from
the columns' own bounds (`VarGroup.implied`): the model handed to HiGHS has
them, the models built for explaining "no plan" and for shadow prices (which
relax rows, or read the rows' duals) do not.
"""

from __future__ import annotations

import numpy as np

from .data import ModelData
from .formulation import Expr, Formulation


def choice_groups(f: Formulation, d: ModelData) -> np.ndarray:
    """For each column, a group of columns at most one of which is nonzero and
    whose values add up to at most 1 (-1: a column on its own): a parcel's kept
    use with its rezonings by period, a parcel's rezoning options, a project's
    start periods, a project's recycling periods, an enterprise's sites."""
    group = np.full(f.n_cols, -1, dtype=np.int64)
    n_par = len(d.parcels)
    if "v_use" in f.groups:
        # kept use (group 2i) and rezoning options (group 2i + 1) of parcel i
        group[f.col("v_use")] = 2 * d.parcel_of_option + d.rezoning.astype(np.int64)
    base = 2 * n_par
    ph = d.phasing
    if ph is not None and "v_rez" in f.groups:
        # v_use[i,cur] + sum_{u,t} v_rez[i,u,t] = 1: the kept use and the rezonings of i
        group[f.col("v_rez")] = 2 * d.parcel_of_option[ph.rez]
    if ph is not None and "v_start" in f.groups:
        group[f.col("v_start")] = base + ph.start_j
        base += len(d.projects)
        group[f.col("v_recycle")] = base + ph.rec_j
        base += len(d.projects)
    if d.relocation is not None and "v_reloc" in f.groups:
        ent = d.relocation.enterprises.index.get_indexer(d.relocation.pairs["enterprise"])
        group[f.col("v_reloc")] = base + ent
    return group


def largest(cols: np.ndarray, coefs: np.ndarray, lower: np.ndarray, upper: np.ndarray,
            group: np.ndarray) -> float:
    """The largest value of sum coefs x[cols] over the columns' bounds, the columns
    of one choice group (`choice_groups`) taking at most one nonzero value."""
    if not len(cols):
        return 0.0
    if not (cols[1:] > cols[:-1]).all():  # in column order, each column once
        order = np.argsort(cols, kind="stable")
        if (cols[order[1:]] != cols[order[:-1]]).all():  # each column once
            cols, coefs = cols[order], coefs[order]
        else:  # the coefficients of each column added up
            cols, inv = np.unique(cols, return_inverse=True)
            coefs = np.bincount(inv, weights=coefs, minlength=len(cols))
    lo, hi = lower[cols], upper[cols]
    with np.errstate(invalid="ignore"):
        best = np.maximum(coefs * lo, coefs * hi)
    best[coefs == 0] = 0.0
    g = group[cols]
    alone = g < 0
    if alone.all():
        return float(best.sum())
    total = float(best[alone].sum())
    if (~alone).any():  # a group: its best member, or none of them (all at 0)
        gs, at = np.unique(g[~alone], return_inverse=True)
        most = np.zeros(len(gs))
        np.maximum.at(most, at, best[~alone])
        total += float(most.sum())
    return total


def need_max(f: Formulation, d: ModelData) -> np.ndarray:
    """need_max[c] per category of `d.categories` (model units)."""
    lower, upper, _ = f.bounds()
    group = choice_groups(f, d)
    return np.array([largest(f.exprs[f"need:{c}"].cols, f.exprs[f"need:{c}"].coefs, lower, upper, group)
                     for c in d.categories])


def drawable(d: ModelData, need: np.ndarray) -> np.ndarray:
    """The most each source of `d.sources` can ever draw: the needs of the
    categories it may pay for (model units)."""
    cat = {c: k for k, c in enumerate(d.categories)}
    out = np.zeros(len(d.sources))
    src = {s: k for k, s in enumerate(d.sources.index)}
    for s, c in zip(d.pairs["source"].tolist(), d.pairs["category"].tolist()):
        out[src[s]] += need[cat[c]]
    return out


def define_column_bounds(f: Formulation, d: ModelData) -> None:
    """The implied upper bounds of the money columns (`VarGroup.implied`); called
    once every row is stated."""
    need = d.need_max if d.need_max is not None else need_max(f, d)
    cats = {c: k for k, c in enumerate(d.categories)}
    pair_cat = np.array([cats[c] for c in d.pairs["category"].tolist()], dtype=np.int64)
    src = d.pair_source
    draw_cap = need[pair_cat] if len(pair_cat) else np.zeros(0)
    if d.source_bound is not None:
        draw_cap = np.minimum(draw_cap, d.source_bound[src])
    _imply(f, "v_draw", draw_cap)
    _imply(f, "v_own", need)
    ph = d.phasing
    if ph is None:
        return
    _imply(f, "v_pdraw", f.groups["v_draw"].bounded()[ph.draw_k])
    _imply(f, "v_pown", np.repeat(need, len(ph.periods)))
    _imply(f, "v_cash", cash_max(f, d))


def cash_max(f: Formulation, d: ModelData) -> np.ndarray:
    """v_cash[t] <= the largest the cash balance row of t allows: v_cash[t] = rhs_t
    - (the row's other terms), those terms at their least (v_cash[t-1] at its
    bound found before)."""
    fam = f.families.get("cash_balance_eq")
    cash = f.col("v_cash")
    out = np.full(len(cash), np.inf)
    if fam is None:
        return out
    lower, upper, _ = f.bounds()
    upper = np.minimum(upper, np.concatenate([g.bounded() for g in f.groups.values()]))
    group = choice_groups(f, d)
    for t in range(fam.size):  # in period order: v_cash[t-1] is bounded before v_cash[t]
        at = fam.row == t
        cols, coefs = fam.col[at], fam.coef[at]
        own = cols == cash[t]
        k = float(coefs[own].sum())
        if k <= 0:
            continue
        rest = largest(cols[~own], -coefs[~own], lower, upper, group)  # -(other terms) at its largest
        out[t] = (fam.upper[t] + rest) / k
        upper[cash[t]] = out[t]
    return out


def _imply(f: Formulation, name: str, bound: np.ndarray) -> None:
    g = f.groups.get(name)
    if g is None or not g.size:
        return
    g.implied = np.minimum(g.upper, np.asarray(bound, dtype=float))


def expr_largest(f: Formulation, d: ModelData, expr: Expr) -> float:
    """The largest value of `expr` over the columns' bounds (implied bounds included)."""
    lower, upper, _ = f.bounds(implied=True)
    return largest(expr.cols, expr.coefs, lower, upper, choice_groups(f, d))
