"""Land-use compatibility and compact industrial clusters (math: docs/model.md,
section "Adjacency").

An optional part of an instance (docs/instance-format.md):

- `adjacency` rows (parcel_a, parcel_b, length): parcels that share a boundary
  of that length; the pair is unordered;
- `compatibility` rules (use_a, use_b, rule, penalty) on unordered use pairs:
  `forbid` forbids the two uses on adjacent parcels, `penalty` costs `penalty`
  yuan per unit of shared boundary length;
- `objective.boundary_penalty`: yuan per unit of boundary length between an
  industrial parcel and a non-industrial neighbour (compact industrial
  clusters, the boundary-length idea of Marxan / prioritizr).

All of it acts on the final use of each parcel (`v_use`). The index sets come
from joins of the adjacency table with the options table (pandas merges on
integer codes), never from a loop over parcels. Without an adjacency table
nothing here adds a row or a column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .data import ModelData
from .families import FamilySpec, Price
from .formulation import INF, Expr, Formulation

PENALTY_EXPRS = ("compatibility_penalty", "boundary_penalty")  # subtracted in the objective
CONFLICT_COLUMNS = ["parcel_a", "parcel_b", "use_a", "use_b", "length", "penalty"]

COMPAT_FORBID = FamilySpec(
    "compat_forbid_le", "forbidden neighbouring uses", "parcel {0} as {2} beside parcel {1} as {3} is forbidden",
    noun="pair", relax="upper", structural=True,
    shortfall=lambda r: f"forbidden neighbours needed: {r.spec.row_name(r.label)}",
    math="v_use[a,u] + v_use[b,w] <= 1 for adjacent (a,b) and a forbidden {u,w}")
COMPAT_PENALTY = FamilySpec(
    "compat_penalty_ge", "penalised neighbouring uses", "penalised pair {0}-{1} ({2}/{3})", noun="pair",
    structural=True, checked_by="objective",
    price=Price("one penalised pair {m} less (its compatibility penalty)", unit="pair"),
    math="v_conflict[a,b,u,w] - v_use[a,u] - v_use[b,w] >= -1")
BOUNDARY = FamilySpec(
    "boundary_ge", "industrial boundary", "industrial boundary between parcels {0} and {1}", noun="length",
    structural=True, checked_by="objective",
    price=Price("one unit less of industrial boundary on {m}", unit="unit of boundary"),
    math="v_edge[a,b] >= ind_a - ind_b and >= ind_b - ind_a")


# ---- index sets ----------------------------------------------------------------------
@dataclass
class Edges:
    """The adjacency index sets of a model, found once (kept on `ModelData.adjacency`):
    parcel positions `a`, `b` and shared `length` of each adjacency row, and the
    option pairs of each compatibility rule (`option_pairs`)."""

    a: np.ndarray
    b: np.ndarray
    length: np.ndarray
    pairs: dict[str, pd.DataFrame] = field(default_factory=dict)


def _edges(d: ModelData) -> Edges:
    if d.adjacency is None:
        adj = d.inst.adjacency
        d.adjacency = Edges(d.parcels.get_indexer(adj["parcel_a"]), d.parcels.get_indexer(adj["parcel_b"]),
                            adj["length"].to_numpy(dtype=float))
    return d.adjacency


def edges(d: ModelData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parcel positions (a, b) and shared length of each adjacency row."""
    e = _edges(d)
    return e.a, e.b, e.length


def option_pairs(d: ModelData, rule: str) -> pd.DataFrame:
    """The option pairs to which `rule` rules apply (found once per model; see `_option_pairs`)."""
    cache = _edges(d).pairs
    if rule not in cache:
        cache[rule] = _option_pairs(d, rule)
    return cache[rule]


def _option_pairs(d: ModelData, rule: str) -> pd.DataFrame:
    """The (adjacency row, option of parcel_a, option of parcel_b) triples to which
    a `rule` rule applies: columns `edge`, `opt_a`, `opt_b`, `penalty` (yuan per
    unit length), `length`, sorted by edge then options (then rules).

    A rule {u, w} applies to (a, u) with (b, w) and, when u != w, to (a, w) with
    (b, u): the rules are made directed (both orders, once if u == w) and joined
    with the options of each end of each adjacency row: by a table of the option
    of each (parcel, use), or by pandas merges when a parcel or use is unknown or
    a parcel has two options of one use (an instance that fails validation)."""
    inst = d.inst
    comp = inst.compatibility[(inst.compatibility["rule"] == rule).to_numpy(dtype=bool)]
    uses = inst.uses.index
    u = uses.get_indexer(comp["use_a"])
    w = uses.get_indexer(comp["use_b"])
    pen = comp["penalty"].to_numpy(dtype=float)
    if rule == "penalty":  # a penalty of 0 costs nothing: no variable for it
        u, w, pen = u[pen > 0], w[pen > 0], pen[pen > 0]
    use_a, use_b = np.concatenate([u, w[u != w]]), np.concatenate([w, u[u != w]])
    penalty = np.concatenate([pen, pen[u != w]])
    if not len(use_a):
        return _no_pairs()
    a, b, length = edges(d)
    option = np.full((len(d.parcels), len(uses)), -1, dtype=np.int64)  # the option of each (parcel, use)
    known = all((x >= 0).all() for x in (a, b, use_a, use_b, d.parcel_of_option, d.use_of_option))
    if known:
        option[d.parcel_of_option, d.use_of_option] = np.arange(len(d.use_of_option))
    if not known or (option >= 0).sum() < len(d.use_of_option):
        return _merged_pairs(d, use_a, use_b, penalty, a, b, length)
    r, e, opt_a, opt_b = [], [], [], []
    for k in range(len(use_a)):  # the edges with both options of directed rule k
        at_a, at_b = option[a, use_a[k]], option[b, use_b[k]]
        on = np.flatnonzero((at_a >= 0) & (at_b >= 0))
        r.append(np.full(len(on), k)), e.append(on), opt_a.append(at_a[on]), opt_b.append(at_b[on])
    r, e, opt_a, opt_b = (np.concatenate(x) for x in (r, e, opt_a, opt_b))
    if not len(r):
        return _no_pairs()
    order = np.lexsort((r, opt_b, opt_a, e))  # by edge, options, then rule (the merges' order)
    r, e = r[order], e[order]
    return pd.DataFrame({"edge": e, "opt_a": opt_a[order], "opt_b": opt_b[order], "penalty": penalty[r],
                         "length": length[e]})


def _no_pairs() -> pd.DataFrame:
    """The option pairs of a rule that applies nowhere."""
    empty = pd.DataFrame({c: np.zeros(0, dtype=np.int64) for c in ("edge", "opt_a", "opt_b")})
    empty["penalty"] = np.zeros(0)
    empty["length"] = np.zeros(0)
    return empty


def _merged_pairs(d: ModelData, use_a: np.ndarray, use_b: np.ndarray, penalty: np.ndarray, a: np.ndarray,
                  b: np.ndarray, length: np.ndarray) -> pd.DataFrame:
    """`_option_pairs` by merges of the adjacency rows, the options and the directed rules."""
    rules = pd.DataFrame({"use_a": use_a, "use_b": use_b, "penalty": penalty})
    opts = pd.DataFrame({"parcel": d.parcel_of_option, "use": d.use_of_option,
                         "opt": np.arange(len(d.use_of_option))})
    left = opts[opts["use"].isin(rules["use_a"]).to_numpy()]
    left = left.rename(columns={"parcel": "a", "use": "use_a", "opt": "opt_a"})
    right = opts[opts["use"].isin(rules["use_b"]).to_numpy()]
    right = right.rename(columns={"parcel": "b", "use": "use_b", "opt": "opt_b"})
    m = (pd.DataFrame({"edge": np.arange(len(a)), "a": a, "b": b})
         .merge(left, on="a").merge(rules, on="use_a").merge(right, on=["b", "use_b"]))
    if not len(m):
        return _no_pairs()
    m = m.sort_values(["edge", "opt_a", "opt_b"], kind="stable", ignore_index=True)
    m["length"] = length[m["edge"].to_numpy()]
    return m[["edge", "opt_a", "opt_b", "penalty", "length"]]


def _pair_labels(d: ModelData, pairs: pd.DataFrame) -> pd.MultiIndex:
    """(parcel_a, parcel_b, use of parcel_a, use of parcel_b) of each option pair."""
    oa, ob = pairs["opt_a"].to_numpy(), pairs["opt_b"].to_numpy()
    uses = pd.Index(d.inst.uses.index.to_numpy(dtype=object), dtype=object)
    use = d.use_of_option
    parcels = pd.Index(d.parcels.to_numpy(dtype=object), dtype=object)
    # built from codes: no factorising of 100,000s of ids
    return pd.MultiIndex(levels=[parcels, parcels, uses, uses],
                         codes=[d.parcel_of_option[oa], d.parcel_of_option[ob], use[oa], use[ob]],
                         names=["parcel_a", "parcel_b", "use_a", "use_b"], verify_integrity=False)


def _members(parcel_rows: np.ndarray, options: np.ndarray, parcel_of: np.ndarray,
             n_parcels: int) -> tuple[np.ndarray, np.ndarray]:
    """For each entry k of `parcel_rows` (a parcel position), every option of
    `options` on that parcel: (k repeated, option) pairs, by array arithmetic."""
    order = np.argsort(parcel_of, kind="stable")
    options, parcel_of = options[order], parcel_of[order]
    count = np.bincount(parcel_of, minlength=n_parcels)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    cnt = count[parcel_rows]
    k = np.repeat(np.arange(len(parcel_rows)), cnt)
    offset = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return k, options[start[parcel_rows][k] + offset]


# ---- the model -----------------------------------------------------------------------
def define_adjacency(f: Formulation, d: ModelData) -> None:
    """The adjacency families of an instance with an adjacency table (else nothing):
    compat_forbid_le, compat_penalty_ge, boundary_ge, and their penalties in the
    objective. Called after `define_objective`."""
    if not d.inst.has_adjacency:
        return
    define_compat_forbid(f, d)
    define_compat_penalty(f, d)
    define_boundary_penalty(f, d)
    define_adjacency_objective(f, d)


def define_compat_forbid(f: Formulation, d: ModelData) -> None:
    """compat_forbid_le[a,b,u,w]: v_use[a,u] + v_use[b,w] <= 1 for each adjacent pair
    (a,b) and each forbidden use pair {u,w}, in both orders ((a,u),(b,w) and
    (a,w),(b,u)), where both options exist."""
    pairs = option_pairs(d, "forbid")
    if not len(pairs):
        return
    n = len(pairs)
    use = f.col("v_use")
    cols = np.column_stack([use[pairs["opt_a"].to_numpy()], use[pairs["opt_b"].to_numpy()]])
    f.add_family(COMPAT_FORBID, _pair_labels(d, pairs), np.repeat(np.arange(n), 2),
                 cols.ravel(), 1.0, -INF, 1.0)


def define_compat_penalty(f: Formulation, d: ModelData) -> None:
    """v_conflict[a,b,u,w] in [0, 1] per adjacent pair and penalised use pair (both orders,
    where both options exist); compat_penalty_ge[a,b,u,w]:
    v_conflict - v_use[a,u] - v_use[b,w] >= -1 (v_conflict is 1 when both uses are
    taken); expression compatibility_penalty = sum pi_uw l_ab v_conflict (money)."""
    pairs = option_pairs(d, "penalty")
    if not len(pairs):
        return
    n = len(pairs)
    labels = _pair_labels(d, pairs)
    g = f.add_vars("v_conflict", labels, upper=1.0, label="penalised pair of parcels {0} and {1} ({2}/{3})")
    use = f.col("v_use")
    cols = np.column_stack([g.cols, use[pairs["opt_a"].to_numpy()], use[pairs["opt_b"].to_numpy()]])
    coefs = np.broadcast_to(np.array([1.0, -1.0, -1.0]), cols.shape)
    f.add_family(COMPAT_PENALTY, labels, np.repeat(np.arange(n), 3), cols.ravel(),
                 coefs.ravel(), -1.0, INF)
    money = (pairs["penalty"] * pairs["length"]).to_numpy() / d.money
    f.exprs["compatibility_penalty"] = Expr.of(g.cols, money)
    f.units["compatibility_penalty"] = d.money


def define_boundary_penalty(f: Formulation, d: ModelData) -> None:
    """With ind_p = sum of v_use over the industrial options of parcel p: v_edge[a,b]
    in [0, 1] per adjacent pair with an industrial option on either side; boundary_ge
    rows v_edge - ind_a + ind_b >= 0 (label (a, b, a)) and v_edge - ind_b + ind_a
    >= 0 (label (a, b, b)): v_edge >= |ind_a - ind_b|; expression boundary_penalty
    = sum beta l_ab v_edge (money), beta = objective.boundary_penalty."""
    beta = float(d.inst.objective.boundary_penalty)
    if beta <= 0:
        return
    a, b, length = edges(d)
    n_par = len(d.parcels)
    ind_opts = np.flatnonzero(d.industrial)
    ind_par = d.parcel_of_option[ind_opts]
    has_ind = np.bincount(ind_par, minlength=n_par) > 0
    keep = np.flatnonzero(has_ind[a] | has_ind[b])
    if not len(keep):
        return
    a, b, length = a[keep], b[keep], length[keep]
    par = pd.Index(d.parcels.to_numpy(dtype=object), dtype=object)
    g = f.add_vars("v_edge", pd.MultiIndex(levels=[par, par], codes=[a, b], names=["parcel_a", "parcel_b"],
                                           verify_integrity=False), upper=1.0)
    n = len(keep)
    use = f.col("v_use")
    ka, oa = _members(a, ind_opts, ind_par, n_par)  # industrial options of each parcel_a
    kb, ob = _members(b, ind_opts, ind_par, n_par)
    # row 2k: v_edge - ind_a + ind_b >= 0; row 2k + 1: v_edge - ind_b + ind_a >= 0
    row = np.concatenate([2 * np.arange(n), 2 * np.arange(n) + 1, 2 * ka, 2 * ka + 1, 2 * kb, 2 * kb + 1])
    col = np.concatenate([g.cols, g.cols, use[oa], use[oa], use[ob], use[ob]])
    coef = np.concatenate([np.ones(2 * n), -np.ones(len(oa)), np.ones(len(oa)),
                           np.ones(len(ob)), -np.ones(len(ob))])
    labels = pd.MultiIndex(levels=[par, par, par],
                           codes=[np.repeat(a, 2), np.repeat(b, 2), np.column_stack([a, b]).ravel()],
                           names=["parcel_a", "parcel_b", "industrial_side"], verify_integrity=False)
    f.add_family(BOUNDARY, labels, row, col, coef, 0.0, INF)
    f.exprs["boundary_penalty"] = Expr.of(g.cols, beta * length / d.money)
    f.units["boundary_penalty"] = d.money


def objective_penalties(f: Formulation) -> Expr:
    """compatibility_penalty + boundary_penalty (those the model has): the part of
    the objective that no weight scales, subtracted from the weighted terms."""
    return Expr.sum(f.exprs[name] for name in PENALTY_EXPRS if name in f.exprs)


def define_adjacency_objective(f: Formulation, d: ModelData) -> None:
    """maximise (weighted terms) - compatibility_penalty - boundary_penalty."""
    penalties = objective_penalties(f)
    if len(penalties.cols):
        f.set_objective(f.objective - penalties, maximize=f.maximize)


# ---- results -------------------------------------------------------------------------
def industrial_boundary(d: ModelData, use: np.ndarray) -> float:
    """Length of the boundary between industrial and other parcels, for `use` (bool per option, taken)."""
    a, b, length = edges(d)
    industrial = np.zeros(len(d.parcels), dtype=bool)
    industrial[d.parcel_of_option[use & d.industrial]] = True
    return float(length[industrial[a] != industrial[b]].sum())


def extract_conflicts(d: ModelData, use: np.ndarray) -> pd.DataFrame | None:
    """The penalised adjacent use pairs of a plan (`use`: bool per option, taken),
    CONFLICT_COLUMNS, the penalty in yuan; None without an adjacency table."""
    if not d.inst.has_adjacency:
        return None
    pairs = option_pairs(d, "penalty")
    hit = pairs[use[pairs["opt_a"].to_numpy()] & use[pairs["opt_b"].to_numpy()]]
    conflicts = _pair_labels(d, hit).to_frame(index=False)
    conflicts["length"] = hit["length"].to_numpy()
    conflicts["penalty"] = (hit["penalty"] * hit["length"]).to_numpy()
    return conflicts[CONFLICT_COLUMNS]


def adjacency_kpis(d: ModelData, use: np.ndarray) -> dict[str, tuple[float, str]]:
    """KPIs of the plan's neighbours (none without an adjacency table):
    compatibility_penalty (yuan) and industrial_boundary (boundary length
    between industrial and non-industrial parcels), from the parcels' uses."""
    if not d.inst.has_adjacency:
        return {}
    pairs = option_pairs(d, "penalty")
    hit = use[pairs["opt_a"].to_numpy()] & use[pairs["opt_b"].to_numpy()]
    penalty = float((pairs["penalty"] * pairs["length"]).to_numpy()[hit].sum())
    return {"compatibility_penalty": (penalty, "yuan"),
            "industrial_boundary": (industrial_boundary(d, use), "length")}


def _penalty_terms(fam: Any, start: int, size: int) -> tuple[np.ndarray, ...]:
    """The nonzeros of a penalty family split into the other columns' (row, col,
    coef) and the penalty columns' (row, col within the group, the row's lower
    bound, coef), with the order that groups the latter by column and where each
    column's run starts: fixed for a model, so kept on the family."""
    key = ("penalty terms", start, size)
    if key not in fam.derived:
        mine = (fam.col >= start) & (fam.col < start + size)
        row, col = fam.row[mine], fam.col[mine] - start
        order = np.argsort(col, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(col[order]) != 0]) if len(order) else np.zeros(0, dtype=np.int64)
        fam.derived[key] = (fam.row[~mine], fam.col[~mine], fam.coef[~mine], row, col, fam.lower[row],
                            fam.coef[mine], order, starts)
    return fam.derived[key]


def settle_penalties(f: Formulation, values: np.ndarray) -> np.ndarray | None:
    """The penalty columns (`v_conflict`, `v_edge`) at the least their rows allow
    given the other columns: `v >= max over its rows of (lower - rest) / coef`,
    and never above the value found. A plan within the gap may leave a penalty
    column above that least value, paying a penalty its uses do not incur; the
    columns enter no other row, so settling them keeps every row and only raises
    the objective (the independent checker prices penalties from the uses).
    Returns the settled values, or None when no column moves."""
    out = None
    for group, spec in (("v_conflict", COMPAT_PENALTY), ("v_edge", BOUNDARY)):
        fam = f.families.get(spec.name)
        if group not in f.groups or fam is None:
            continue
        g = f.groups[group]
        rest_row, rest_col, rest_coef, row, col, lower, coef, order, starts = _penalty_terms(fam, g.start, g.size)
        rest = np.bincount(rest_row, weights=rest_coef * values[rest_col], minlength=len(fam.labels))
        need = (lower - rest[row]) / coef  # every penalty coef is +1
        least = np.full(g.size, -INF)
        if len(order):
            least[col[order[starts]]] = np.maximum.reduceat(need[order], starts)
        current = values[g.start:g.start + g.size]
        settled = np.minimum(current, np.clip(least, g.lower, g.upper))
        if np.any(settled < current - 1e-9):
            out = values.copy() if out is None else out
            out[g.start:g.start + g.size] = settled
    return out
