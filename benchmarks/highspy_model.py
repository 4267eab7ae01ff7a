"""The land-and-capital model (docs/model.md) written directly against highspy.

An independent second formulation of `optim.model`: no Pyomo. `build` turns an
`Instance` into numpy arrays (costs, bounds, integrality, a CSC matrix, row
bounds) with vectorised index arithmetic, `transfer` hands them to HiGHS in one
`passModel(HighsLp)` call (or, with `via="arrays"`, the buffer overload of
`passModel`). It is the baseline of the performance benchmark and a cross-check
of `optim`'s own model; it uses only `optim.load` and the `Instance` accessors.

Stages (timed separately by the benchmark)::

    inst = load(path)                       # shared loader (optim.load)
    base = build(inst)                      # numpy arrays + index maps
    h = transfer(base, {"mip_rel_gap": 1e-4})
    info = solve(h)                         # status, objective, bound, gap, seconds
    out = extract(base, h)                  # parcels, draws, kpis
    write(out, "out/")

Re-solves for studies change only what a study changes and restart from the
previous plan (MIP start)::

    change_rhs(h, base, "resource_cap_le", "energy", 12.0)
    change_cost(h, base, {"industrial_output": 1.0})

Column layout: ``[v_use (options) | v_build (projects) | v_draw (eligible pairs)
| v_open (switched sources) | v_own (categories)]``. Row layout: the
``parcel_use_eq`` rows first (row i = parcel i), then the other families in the
order of docs/model.md. ``Baseline.rows[family]`` gives the row indices of a
family and ``Baseline.row_keys[family]`` their keys.
With an adjacency table, the v_conflict and v_edge columns come after all the
others and the adjacency rows below all the others (`_with_adjacency`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd

import optim
from optim.inputs.instance import Instance

INF = highspy.kHighsInf
TERMS = ("land_income", "industrial_output", "coverage", "financing_cost", "value")
TERM_SIGN = {"land_income": 1.0, "industrial_output": 1.0, "coverage": 1.0, "financing_cost": -1.0, "value": 1.0}
DEFAULT_OPTIONS = {"output_flag": False, "mip_rel_gap": 1e-4, "random_seed": 0}


# ---- loading -----------------------------------------------------------------------
def load(path: str | Path) -> Instance:
    """Load and validate an instance (the shared loader, `optim.load`)."""
    return optim.load(path)


# ---- linear forms over the two column blocks ------------------------------------------
class Lin:
    """A linear form: coefficients over the option columns (`o`, length n_opt or
    None for all zero) and over the other, few, columns (`s`, dense)."""

    __slots__ = ("o", "s")

    def __init__(self, o: np.ndarray | None, s: np.ndarray):
        self.o = o
        self.s = s

    def __add__(self, other: "Lin") -> "Lin":
        if self.o is None:
            o = other.o
        elif other.o is None:
            o = self.o
        else:
            o = self.o + other.o
        return Lin(o, self.s + other.s)

    def __mul__(self, k: float) -> "Lin":
        k = float(k)
        return Lin(None if self.o is None else self.o * k, self.s * k)

    __rmul__ = __mul__

    def __neg__(self) -> "Lin":
        return self * -1.0

    def __sub__(self, other: "Lin") -> "Lin":
        return self + (-other)

    def dot(self, x: np.ndarray, n_opt: int) -> float:
        """Value at the column vector `x`."""
        v = float(self.s @ x[n_opt:n_opt + len(self.s)])
        return v if self.o is None else v + float(self.o @ x[:n_opt])

    def full(self, n_opt: int) -> np.ndarray:
        o = np.zeros(n_opt) if self.o is None else self.o
        return np.concatenate([o, self.s])


@dataclass
class Baseline:
    """The model as numpy arrays plus the maps back to the instance."""

    name: str
    # model arrays
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray  # uint8, 1 = integer
    a_start: np.ndarray  # CSC, int32
    a_index: np.ndarray
    a_value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    # column blocks: first column of each variable group
    col_use: int
    col_build: int
    col_draw: int
    col_open: int
    col_own: int
    # index maps
    parcels: pd.Index
    option_parcel: np.ndarray  # parcel id of each option (object array)
    option_use: np.ndarray  # use id of each option
    option_current: np.ndarray  # current use of the option's parcel
    option_rezoned: np.ndarray  # bool: use != current use
    parcel_of_option: np.ndarray  # parcel position of each option
    projects: pd.Index
    pairs: pd.DataFrame  # source, category (positional, as v_draw)
    pair_source: np.ndarray  # source position of each pair
    sources: pd.Index
    switched: pd.Index  # sources with a v_open column, in column order
    open_of_source: np.ndarray  # v_open column of each source, -1 if not switched
    categories: pd.Index
    rows: dict[str, np.ndarray]  # family -> row indices
    row_keys: dict[str, list]  # family -> keys of those rows
    # linear forms of the objective terms and KPIs
    terms: dict[str, Lin]
    weights: dict[str, float]
    # parameters of the families whose bound is a matrix coefficient
    ratio_rows: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    # adjacency (docs/model.md): v_conflict and v_edge columns from col_adj on, and the fixed
    # part of the objective: penalty name -> (columns, money per unit of the column)
    col_adj: int = -1
    penalties: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)  # the instance's solver defaults
    eod_share: float = 0.0  # sigma, to turn a new H into the eod_balance_le bound
    money: float = 1.0  # money rows and columns are in units of `money` yuan
    offset: float = 0.0  # objective.offset, in units of `money` yuan
    # enterprise relocation (instances with enterprises): v_reloc columns from col_reloc on
    col_reloc: int = -1
    reloc: pd.DataFrame | None = None  # enterprise, parcel, area, cost (yuan) per v_reloc column

    @property
    def num_col(self) -> int:
        return len(self.col_cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    @property
    def size(self) -> dict[str, int]:
        return {"variables": self.num_col, "integer_variables": int(self.integrality.sum()),
                "constraints": self.num_row, "nonzeros": len(self.a_value)}

    def position(self, family: str, index: Any = None) -> int:
        """Position within `family` of key `index` (a key, a position, or None for
        a single-row family)."""
        if family not in self.rows:
            raise KeyError(f"the model has no {family} rows")
        n = len(self.rows[family])
        if index is None:
            if n != 1:
                raise KeyError(f"{family} has {n} rows: give an index")
            return 0
        keys = pd.Index(self.row_keys[family])
        if index in keys:
            return int(keys.get_loc(index))
        if isinstance(index, (int, np.integer)) and 0 <= index < n:
            return int(index)
        raise KeyError(f"{family} has no row {index!r}")

    def row(self, family: str, index: Any = None) -> int:
        """Row of `family` for key `index` (see `position`)."""
        return int(self.rows[family][self.position(family, index)])


# ---- build -------------------------------------------------------------------------
def build(inst: Instance) -> Baseline:
    """Build the model arrays of `inst` (docs/model.md), vectorised."""
    # options, whole-parcel figures
    opts = inst.option_totals()
    n_opt = len(opts)
    parcels = inst.parcels.index
    n_par = len(parcels)
    p_of_o = parcels.get_indexer(opts["parcel"]).astype(np.int32)
    use_ids = opts["use"].to_numpy()
    # money in units of MU yuan: a power of ten near the median money figure, so
    # that the matrix has coefficients near 1 (same rule as optim's model)
    MU = _money_unit(inst, opts)
    L = opts["land_income"].to_numpy(dtype=float) / MU
    Y = opts["output"].to_numpy(dtype=float) / MU
    K = opts["conversion_cost"].to_numpy(dtype=float) / MU
    area = inst.parcels["area"].to_numpy(dtype=float)[p_of_o]
    cur = inst.parcels["current_use"].to_numpy()[p_of_o]
    rezoned = use_ids != cur
    u_idx = inst.uses.index.get_indexer(use_ids)
    industrial = inst.uses["industrial"].to_numpy(dtype=bool)[u_idx]
    commercial = inst.uses["commercial"].to_numpy(dtype=bool)[u_idx]
    route = inst.parcels["route"].to_numpy(dtype=bool)[p_of_o]
    # forgone income: income of the parcel's current-use option (0 if none) minus this one
    base_income = np.zeros(n_par)
    base_income[p_of_o[~rezoned]] = L[~rezoned]
    G = np.where(rezoned, np.maximum(0.0, base_income[p_of_o] - L), 0.0)

    # projects
    proj = inst.projects
    n_proj = len(proj)
    cats = inst.categories.index
    n_cat = len(cats)
    p_cat = cats.get_indexer(proj["category"]) if n_proj else np.zeros(0, dtype=int)
    Q = proj["cost"].to_numpy(dtype=float) / MU
    A = proj["industrial_area"].to_numpy(dtype=float)
    Yp = proj["output"].to_numpy(dtype=float) / MU
    mandatory = proj["mandatory"].to_numpy(dtype=bool)

    # sources, pairs, switched sources
    src = inst.source_flags()
    n_src = len(src)
    U = src["cap"].to_numpy(dtype=float) / MU
    m = src["min_ticket"].to_numpy(dtype=float) / MU
    F = src["fixed_cost"].to_numpy(dtype=float) / MU
    r = src["rate"].to_numpy(dtype=float)
    external = src["external"].to_numpy(dtype=bool)
    capital = src["capital"].to_numpy(dtype=bool)
    debt = src["debt"].to_numpy(dtype=bool)
    pairs = inst.eligible_pairs()
    n_pair = len(pairs)
    q_src = src.index.get_indexer(pairs["source"]) if n_pair else np.zeros(0, dtype=int)
    q_cat = cats.get_indexer(pairs["category"]) if n_pair else np.zeros(0, dtype=int)
    is_sw = (m > 0) | (F > 0)
    sw = np.flatnonzero(is_sw)
    n_sw = len(sw)

    # enterprise relocation: eligible (enterprise, option) pairs, one v_reloc column each
    rel = _relocation_pairs(inst, opts, area, cats, inst.conversion_category())
    n_rel = 0 if rel is None else len(rel)

    # columns: [use | build | draw | open | own | reloc]; the small block starts at c_build
    c_build = n_opt
    c_draw = c_build + n_proj
    c_open = c_draw + n_pair
    c_own = c_open + n_sw
    c_rel = c_own + n_cat
    n_col = c_rel + n_rel
    n_small = n_col - n_opt
    b0, d0, o0, w0 = 0, n_proj, n_proj + n_pair, n_proj + n_pair + n_sw  # small-block offsets
    r0 = w0 + n_cat
    open_of_source = np.full(n_src, -1, dtype=np.int64)
    open_of_source[sw] = c_open + np.arange(n_sw)

    def small(pos: np.ndarray | slice, values) -> np.ndarray:
        s = np.zeros(n_small)
        s[pos] = values
        return s

    conv = inst.conversion_category()
    scope = inst.coverage_scope()
    in_scope = cats.isin(scope)
    conv_idx = cats.get_loc(conv) if conv is not None else -1

    # ---- expressions (docs/model.md, "Expressions")
    LI = Lin(L, np.zeros(n_small))
    FI = Lin(G, np.zeros(n_small))
    IO = Lin(Y, small(slice(b0, b0 + n_proj), Yp))
    V = Lin(opts["value"].to_numpy(dtype=float) / MU,
            small(slice(b0, b0 + n_proj), proj["value"].to_numpy(dtype=float) / MU))
    # relocation: cost (in its category's need) and output of each eligible pair
    rel_cost = np.zeros(0) if rel is None else rel["cost"].to_numpy(dtype=float) / MU
    rel_cat = np.zeros(0, dtype=int) if rel is None else rel["cat"].to_numpy(dtype=int)
    RCOST = Lin(None, small(slice(r0, r0 + n_rel), rel_cost))
    if n_rel:
        IO = IO + Lin(None, small(slice(r0, r0 + n_rel), rel["output"].to_numpy(dtype=float) / MU))
    EF = Lin(None, small(d0 + np.flatnonzero(external[q_src] & in_scope[q_cat]), 1.0))
    fin = np.zeros(n_small)
    fin[d0:d0 + n_pair] = r[q_src]
    fin[o0:o0 + n_sw] = F[sw]
    FC = Lin(None, fin)
    OF = Lin(None, small(slice(w0, w0 + n_cat), 1.0))
    FIX = Lin(None, small(slice(o0, o0 + n_sw), F[sw]))  # arrangement costs
    IA = Lin(np.where(industrial, area, 0.0), np.zeros(n_small))
    RA = Lin(np.where(rezoned, area, 0.0), np.zeros(n_small))
    RC = Lin(np.where(commercial & route, L, 0.0), np.zeros(n_small))  # route commercial income
    KC = OF + Lin(None, small(d0 + np.flatnonzero(capital[q_src]), 1.0))
    DB = Lin(None, small(d0 + np.flatnonzero(debt[q_src]), 1.0))
    NEED_IA = Lin(None, small(slice(b0, b0 + n_proj), A))
    # investment: total and in scope
    T = Lin(K if conv is not None else None, small(slice(b0, b0 + n_proj), Q))
    scope_proj = in_scope[p_cat] if n_proj else np.zeros(0, dtype=bool)
    TS = Lin(K if (conv is not None and in_scope[conv_idx]) else None,
             small(slice(b0, b0 + n_proj), np.where(scope_proj, Q, 0.0)))
    if n_rel:
        has_cat = rel_cat >= 0
        T = T + Lin(None, small(slice(r0, r0 + n_rel), np.where(has_cat, rel_cost, 0.0)))
        rel_scope = has_cat & in_scope[np.maximum(rel_cat, 0)]
        TS = TS + Lin(None, small(slice(r0, r0 + n_rel), np.where(rel_scope, rel_cost, 0.0)))

    # ---- rows other than parcel_use_eq: (family, key, lower, upper, Lin)
    spec: list[tuple[str, Any, float, float, Lin]] = []

    def add(family, key, lo, hi, form):
        spec.append((family, key, float(lo), float(hi), form))

    # category_funding_eq[c]: draws + own - N_c = 0
    fund = np.zeros((n_cat, n_small))
    fund[q_cat, d0 + np.arange(n_pair)] = 1.0
    fund[np.arange(n_cat), w0 + np.arange(n_cat)] = 1.0
    if n_proj:
        fund[p_cat, b0 + np.arange(n_proj)] = -Q
    if n_rel:
        k = np.flatnonzero(rel_cat >= 0)
        fund[rel_cat[k], r0 + k] = -rel_cost[k]
    for c in range(n_cat):
        add("category_funding_eq", cats[c], 0.0, 0.0,
            Lin(-K if c == conv_idx else None, fund[c]))
    # source_cap_le[s] and source_min_ge[s]
    draw_of = np.zeros((n_src, n_small))
    draw_of[q_src, d0 + np.arange(n_pair)] = 1.0
    for s in range(n_src):
        if is_sw[s]:
            row = draw_of[s].copy()
            row[open_of_source[s] - n_opt] = -U[s]
            add("source_cap_le", src.index[s], -INF, 0.0, Lin(None, row))
        else:
            add("source_cap_le", src.index[s], -INF, U[s], Lin(None, draw_of[s]))
    for s in np.flatnonzero(is_sw & (m > 0)):
        row = draw_of[s].copy()
        row[open_of_source[s] - n_opt] = -m[s]
        add("source_min_ge", src.index[s], 0.0, INF, Lin(None, row))
    # source_min_draw_ge[s]: d_s >= min_draw; source_max_draw_le[s]: d_s <= max_draw
    lo_draw = (src["min_draw"].astype(float).fillna(0.0).to_numpy() if "min_draw" in src
               else np.zeros(n_src)) / MU
    hi_draw = (src["max_draw"].astype(float).to_numpy() if "max_draw" in src
               else np.full(n_src, np.nan)) / MU
    for s in np.flatnonzero(lo_draw > 0):
        add("source_min_draw_ge", src.index[s], lo_draw[s], INF, Lin(None, draw_of[s]))
    for s in np.flatnonzero(~np.isnan(hi_draw) & draw_of.any(axis=1)):
        add("source_max_draw_le", src.index[s], -INF, hi_draw[s], Lin(None, draw_of[s]))
    pol = inst.policy
    ratio_forms: dict[str, tuple[Lin, Lin]] = {}  # family -> (fixed part, part times ratio)
    if pol.coverage_target > 0:
        add("coverage_ge", None, 0.0, INF, EF - pol.coverage_target * TS)
        ratio_forms["coverage_ge"] = (EF, -TS)
    lam = float(pol.land_income_to_own_funds)
    add("own_funds_le", None, -INF, pol.own_funds_budget / MU, OF + FIX - lam * LI)
    ecology = np.flatnonzero(inst.categories["ecology"].to_numpy(dtype=bool))
    sigma = 0.0
    if inst.eod is not None and len(ecology):
        sigma = float(inst.eod.income_share)
        own_e = Lin(None, small(w0 + ecology, 1.0))
        add("eod_balance_le", None, -INF, sigma * inst.eod.park_commercial_income / MU, own_e - sigma * RC)
    for k in inst.resource_ids:
        add("resource_cap_le", k, -INF, inst.resources.loc[k, "cap"],
            Lin(opts[k].to_numpy(dtype=float), np.zeros(n_small)))
    if (A > 0).any():
        add("industrial_need_ge", None, 0.0, INF, IA - NEED_IA)
    if pol.min_industrial_area is not None:
        add("industrial_area_ge", None, pol.min_industrial_area, INF, IA)
    if pol.max_industrial_area is not None:
        add("industrial_area_le", None, -INF, pol.max_industrial_area, IA)
    if pol.max_forgone_income is not None:
        add("forgone_income_le", None, -INF, pol.max_forgone_income / MU, FI)
    if pol.min_capital_share is not None:
        add("capital_share_ge", None, 0.0, INF, KC - pol.min_capital_share * T)
        ratio_forms["capital_share_ge"] = (KC, -T)
    if pol.max_debt_to_capital is not None:
        add("debt_to_capital_le", None, -INF, 0.0, DB - pol.max_debt_to_capital * KC)
        ratio_forms["debt_to_capital_le"] = (DB, -KC)
    term_form = {"land_income": LI, "industrial_output": IO, "coverage": EF, "financing_cost": FC, "value": V}
    for term, (lo, hi) in inst.objective.targets.items():
        for bound, sense in ((lo, "ge"), (hi, "le")):
            if bound is None:
                continue
            fam = f"target_{term}_{sense}"
            if term == "coverage":
                form, rhs = EF - bound * TS, 0.0
                ratio_forms[fam] = (EF, -TS)
            else:
                form, rhs = term_form[term], bound / MU
            if sense == "ge":
                add(fam, None, rhs, INF, form)
            else:
                add(fam, None, -INF, rhs, form)

    # ---- row bounds and index maps
    n_other = len(spec)
    n_row = n_par + n_other
    row_lower = np.empty(n_row)
    row_upper = np.empty(n_row)
    row_lower[:n_par] = 1.0
    row_upper[:n_par] = 1.0
    rows: dict[str, Any] = {"parcel_use_eq": np.arange(n_par, dtype=np.int64)}
    keys: dict[str, Any] = {"parcel_use_eq": parcels}
    for j, (fam, key, lo, hi, _) in enumerate(spec):
        row_lower[n_par + j] = lo
        row_upper[n_par + j] = hi
        rows.setdefault(fam, []).append(n_par + j)
        keys.setdefault(fam, []).append(key)
    rows = {f: np.asarray(v, dtype=np.int64) for f, v in rows.items()}

    # ---- CSC matrix. Option columns: the parcel row, then the other rows that hold
    # option coefficients (in increasing row order). Dense block, masked, row-major
    # flattening = column-major order of the matrix.
    opt_rows = [j for j, sp in enumerate(spec) if sp[4].o is not None]
    blk = np.empty((n_opt, 1 + len(opt_rows)))
    blk[:, 0] = 1.0
    idx = np.empty((n_opt, 1 + len(opt_rows)), dtype=np.int32)
    idx[:, 0] = p_of_o
    for k, j in enumerate(opt_rows):
        blk[:, 1 + k] = spec[j][4].o
        idx[:, 1 + k] = n_par + j
    mask = blk != 0.0
    cnt_o = mask.sum(axis=1)
    val_o = blk[mask]
    ind_o = idx[mask]
    # small columns: dense (n_small x n_other) block
    S = np.empty((n_small, n_other))
    for j, sp in enumerate(spec):
        S[:, j] = sp[4].s
    smask = S != 0.0
    cnt_s = smask.sum(axis=1)
    val_s = S[smask]
    ind_s = (n_par + np.nonzero(smask)[1]).astype(np.int32)
    start = np.zeros(n_col + 1, dtype=np.int32)
    np.cumsum(np.concatenate([cnt_o, cnt_s]), out=start[1:])
    a_index = np.concatenate([ind_o, ind_s])
    a_value = np.concatenate([val_o, val_s])

    # ---- relocation rows, appended below the others (sparse):
    # relocation_assign_eq[e] (required) / _le[e] (optional, with pairs): sum_p v_reloc[e,p] = / <= 1;
    # relocation_capacity_le[p,u]: sum_e area_e v_reloc[e,p] - a_p v_use[p,u] <= 0
    if rel is not None:
        ent = inst.enterprises
        required = ent["required"].to_numpy(dtype=object) != False  # noqa: E712
        e_of = rel["e"].to_numpy(dtype=int)
        xr, xc, xv, xlo, xhi = [], [], [], [], []
        fam_keys: list[tuple[str, Any]] = []
        n_x = 0
        for e in range(len(ent)):
            mine = np.flatnonzero(e_of == e)
            if not required[e] and not len(mine):
                continue
            xr.append(np.full(len(mine), n_x)), xc.append(c_rel + mine), xv.append(np.ones(len(mine)))
            xlo.append(1.0 if required[e] else -INF), xhi.append(1.0)
            fam_keys.append(("relocation_assign_eq" if required[e] else "relocation_assign_le", ent.index[e]))
            n_x += 1
        opt_of = rel["option"].to_numpy(dtype=int)
        groups, inv = np.unique(opt_of, return_inverse=True)  # one capacity row per option
        n_g = len(groups)
        xr += [n_x + inv, n_x + np.arange(n_g)]
        xc += [c_rel + np.arange(n_rel), groups]
        xv += [rel["area"].to_numpy(dtype=float), -area[groups]]
        xlo += [-INF] * n_g
        xhi += [0.0] * n_g
        fam_keys += [("relocation_capacity_le", key)
                     for key in zip(opts["parcel"].to_numpy()[groups], use_ids[groups])]
        n_x += n_g
        from scipy import sparse

        cat0 = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dtype=dt))
        top = sparse.csc_array((a_value, a_index, start), shape=(n_row, n_col))
        extra = sparse.coo_array((cat0(xv, float), (cat0(xr, np.int64), cat0(xc, np.int64))),
                                 shape=(n_x, n_col))
        A_all = sparse.vstack([top, extra], format="csc")
        A_all.sort_indices()
        start = A_all.indptr.astype(np.int32)
        a_index = A_all.indices.astype(np.int32)
        a_value = A_all.data.astype(float)
        row_lower = np.concatenate([row_lower, xlo])
        row_upper = np.concatenate([row_upper, xhi])
        fam_of = np.array([fam for fam, _ in fam_keys], dtype=object)
        for fam in dict.fromkeys(fam_of):
            at = np.flatnonzero(fam_of == fam)
            rows[fam] = n_row + at
            keys[fam] = [fam_keys[j][1] for j in at]
        n_row += n_x

    # ---- columns
    col_lower = np.zeros(n_col)
    col_upper = np.full(n_col, INF)
    col_upper[:c_draw] = 1.0  # v_use, v_build
    col_upper[c_open:c_own] = 1.0  # v_open
    col_lower[c_build:c_draw] = mandatory.astype(float)
    if pol.locked_uses:
        lock_key = pd.MultiIndex.from_arrays([opts["parcel"].to_numpy(), use_ids])
        locked = lock_key.get_indexer(pd.MultiIndex.from_tuples(list(pol.locked_uses.items())))
        if (locked < 0).any():
            raise ValueError("a locked use is not an option of its parcel")
        col_lower[locked] = 1.0
    # parcel locks: `out` keeps the current use (that option 1, the others 0), `in`
    # must be rezoned (the current-use option 0)
    if "lock" in inst.parcels:
        plock = inst.parcels["lock"].fillna("").to_numpy(dtype=object)[p_of_o]
        col_lower[np.flatnonzero((plock == "out") & ~rezoned)] = 1.0
        col_upper[np.flatnonzero(((plock == "out") & rezoned) | ((plock == "in") & ~rezoned))] = 0.0
    # source locks: `out` draws nothing (and is not opened); a switched source `in` is opened
    if "lock" in src:
        slock = src["lock"].fillna("").to_numpy(dtype=object)
        col_upper[c_draw + np.flatnonzero(slock[q_src] == "out")] = 0.0
        col_upper[open_of_source[(slock == "out") & is_sw]] = 0.0
        col_lower[open_of_source[(slock == "in") & is_sw]] = 1.0
    integrality = np.zeros(n_col, dtype=np.uint8)
    integrality[:c_draw] = 1
    integrality[c_open:c_own] = 1
    col_upper[c_rel:] = 1.0  # v_reloc
    integrality[c_rel:] = 1

    w = {t: inst.objective.weight(t) for t in TERMS}
    obj = (w["land_income"] * LI + w["industrial_output"] * IO + w["coverage"] * EF
           - w["financing_cost"] * FC + w["value"] * V)
    col_cost = obj.full(n_opt)

    terms = {"land_income": LI, "industrial_output": IO, "coverage": EF, "financing_cost": FC, "value": V,
             "forgone_income": FI, "total_investment": T, "scope_investment": TS,
             "own_funds": OF, "industrial_area": IA, "rezoned_area": RA,
             "relocation_cost": RCOST}
    ratio_rows = {}
    for fam, (fixed, varying) in ratio_forms.items():
        co = np.zeros(0, dtype=np.int64) if varying.o is None else np.flatnonzero(varying.o)
        cs = np.flatnonzero(varying.s)
        fo = np.zeros(len(co)) if fixed.o is None else fixed.o[co]
        ratio_rows[fam] = (np.concatenate([co, n_opt + cs]).astype(np.int32),
                           np.concatenate([fo, fixed.s[cs]]),
                           np.concatenate([varying.o[co] if len(co) else np.zeros(0),
                                           varying.s[cs]]))

    return _with_adjacency(Baseline(
        name=inst.name, col_cost=col_cost, col_lower=col_lower, col_upper=col_upper,
        integrality=integrality, a_start=start, a_index=a_index, a_value=a_value,
        row_lower=row_lower, row_upper=row_upper,
        col_use=0, col_build=c_build, col_draw=c_draw, col_open=c_open, col_own=c_own,
        parcels=parcels, option_parcel=opts["parcel"].to_numpy(), option_use=use_ids,
        option_current=cur, option_rezoned=rezoned, parcel_of_option=p_of_o,
        projects=proj.index, pairs=pairs.reset_index(drop=True), pair_source=q_src,
        sources=src.index, switched=src.index[sw], open_of_source=open_of_source,
        categories=cats, rows=rows, row_keys=keys, terms=terms, weights=w,
        ratio_rows=ratio_rows, solver=dict(inst.solver), eod_share=sigma, money=MU,
        offset=float(inst.objective.offset) / MU,
        col_reloc=c_rel if rel is not None else -1,
        reloc=None if rel is None else rel[["enterprise", "parcel", "area", "cost"]].reset_index(drop=True)), inst)


def _relocation_pairs(inst: Instance, opts: pd.DataFrame, area: np.ndarray, cats: pd.Index,
                      conv: str | None) -> pd.DataFrame | None:
    """Eligible relocation pairs, one row per v_reloc column: for each enterprise e
    (in table order) the options of its use on parcels at least as large (in option
    order). Columns e (position), enterprise, option (position), parcel, area (the
    enterprise's), cost (yuan: relocation_costs of the pair, else the enterprise's
    cost), cat (category position: its category, else the conversion category;
    -1 if none), output (yuan/year). None if the instance has no enterprises."""
    ent = getattr(inst, "enterprises", None)
    if ent is None or not len(ent):
        return None
    override = {}
    rc = inst.relocation_costs
    for e, p, c in zip(rc["enterprise"], rc["parcel"], rc["cost"]):
        override.setdefault((e, p), float(c))
    use_ids = opts["use"].to_numpy()
    parcel_ids = opts["parcel"].to_numpy()
    parts = []
    for k, (eid, row) in enumerate(ent.iterrows()):  # few enterprises; vectorised over options
        fit = np.flatnonzero((use_ids == row["use"]) & (area >= float(row["area"])))
        cat = row["category"] if isinstance(row["category"], str) else conv
        cost = 0.0 if pd.isna(row["cost"]) else float(row["cost"])
        parts.append(pd.DataFrame({
            "e": k, "enterprise": eid, "option": fit, "parcel": parcel_ids[fit],
            "area": float(row["area"]),
            "cost": [override.get((eid, p), cost) for p in parcel_ids[fit]],
            "cat": cats.get_loc(cat) if cat is not None else -1,
            "output": 0.0 if pd.isna(row["output"]) else float(row["output"])}))
    return pd.concat(parts, ignore_index=True)


def _with_adjacency(b: Baseline, inst: Instance) -> Baseline:
    """Append the adjacency part of docs/model.md ("Adjacency") to `b`, in place:
    columns v_conflict (one per adjacent pair and penalised directed use pair
    whose two options exist) and v_edge (one per adjacent pair with an industrial
    option on either side) after all the others, and the rows
    compat_forbid_le (x_au + x_bw <= 1), compat_penalty_ge (c - x_au - x_bw >= -1)
    and boundary_ge (e - I_a + I_b >= 0, e - I_b + I_a >= 0) below all the others.
    Their costs (-pi l c and -beta l e) are a fixed part of the objective,
    kept in `b.penalties`. Options are found through a dense (parcel x use) table
    of option positions. Nothing changes without an adjacency table."""
    adj = inst.adjacency
    if not len(adj):
        return b
    n_opt, n_par = b.col_build, len(b.parcels)
    a = b.parcels.get_indexer(adj["parcel_a"])
    c = b.parcels.get_indexer(adj["parcel_b"])
    length = adj["length"].to_numpy(dtype=float)
    uses = inst.uses.index
    opt_at = np.full((n_par, len(uses)), -1, dtype=np.int64)  # option of (parcel, use), -1 if none
    opt_at[b.parcel_of_option, uses.get_indexer(b.option_use)] = np.arange(n_opt)
    par_ids = b.parcels.to_numpy()

    n0 = b.num_col
    new_cost: list[np.ndarray] = []  # cost of each new column, in money units
    n_new = 0
    rr, rc, rv, lo, hi = [], [], [], [], []  # new rows: entries and bounds
    fam_rows: dict[str, list[int]] = {}
    fam_keys: dict[str, list[np.ndarray]] = {}
    n_x = 0

    def rows_block(family, count, keys, lower, upper):
        nonlocal n_x
        first = n_x
        lo.append(np.full(count, lower)), hi.append(np.full(count, upper))
        fam_rows.setdefault(family, []).append(b.num_row + first + np.arange(count))
        fam_keys.setdefault(family, []).append(keys)
        n_x += count
        return first

    penalty_cols, penalty_coef = [], []
    comp = inst.compatibility
    for u, w, rule, pen in zip(comp["use_a"], comp["use_b"], comp["rule"], comp["penalty"]):
        pen = float(pen)
        if rule == "penalty" and pen <= 0:
            continue
        ui, wi = uses.get_loc(u), uses.get_loc(w)
        for x, y in ([(ui, wi)] if ui == wi else [(ui, wi), (wi, ui)]):
            oa, ob = opt_at[a, x], opt_at[c, y]
            e = np.flatnonzero((oa >= 0) & (ob >= 0))
            k = len(e)
            keys = np.column_stack([par_ids[a[e]], par_ids[c[e]],
                                    np.full(k, uses[x], dtype=object), np.full(k, uses[y], dtype=object)])
            if rule == "forbid":
                first = rows_block("compat_forbid_le", k, keys, -INF, 1.0)
                rr += [first + np.arange(k)] * 2
                rc += [oa[e], ob[e]]
                rv += [np.ones(k), np.ones(k)]
            else:
                first = rows_block("compat_penalty_ge", k, keys, -1.0, INF)
                cols = n0 + n_new + np.arange(k)
                n_new += k
                rr += [first + np.arange(k)] * 3
                rc += [cols, oa[e], ob[e]]
                rv += [np.ones(k), -np.ones(k), -np.ones(k)]
                coef = pen * length[e] / b.money
                new_cost.append(-coef)
                penalty_cols.append(cols), penalty_coef.append(coef)
    if penalty_cols:
        b.penalties["compatibility_penalty"] = (np.concatenate(penalty_cols), np.concatenate(penalty_coef))

    beta = float(inst.objective.boundary_penalty)
    ind_uses = np.flatnonzero(inst.uses["industrial"].to_numpy(dtype=bool))
    ind_at = opt_at[:, ind_uses]  # industrial options of each parcel (-1: none)
    has_ind = (ind_at >= 0).any(axis=1)
    e = np.flatnonzero(has_ind[a] | has_ind[c]) if beta > 0 else np.zeros(0, dtype=np.int64)
    if len(e):
        k = len(e)
        cols = n0 + n_new + np.arange(k)
        n_new += k
        keys = np.column_stack([np.repeat(par_ids[a[e]], 2), np.repeat(par_ids[c[e]], 2),
                                np.column_stack([par_ids[a[e]], par_ids[c[e]]]).ravel()])
        first = rows_block("boundary_ge", 2 * k, keys, 0.0, INF)
        up, down = first + 2 * np.arange(k), first + 2 * np.arange(k) + 1  # e - I_a + I_b, e - I_b + I_a
        rr += [up, down]
        rc += [cols, cols]
        rv += [np.ones(k), np.ones(k)]
        for j in range(len(ind_uses)):
            for side, sign in ((a, -1.0), (c, 1.0)):
                o = ind_at[side[e], j]
                m = o >= 0
                rr += [up[m], down[m]]
                rc += [o[m], o[m]]
                rv += [np.full(m.sum(), sign), np.full(m.sum(), -sign)]
        coef = beta * length[e] / b.money
        new_cost.append(-coef)
        b.penalties["boundary_penalty"] = (cols, coef)
    if not n_x:
        return b

    from scipy import sparse

    n_col = n0 + n_new
    top = sparse.csc_array((b.a_value, b.a_index, b.a_start), shape=(b.num_row, n0))
    top = sparse.hstack([top, sparse.csc_array((b.num_row, n_new))], format="csc")
    extra = sparse.coo_array((np.concatenate(rv), (np.concatenate(rr), np.concatenate(rc))),
                             shape=(n_x, n_col))
    A = sparse.vstack([top, extra], format="csc")
    A.sort_indices()
    b.a_start = A.indptr.astype(np.int32)
    b.a_index = A.indices.astype(np.int32)
    b.a_value = A.data.astype(float)
    b.row_lower = np.concatenate([b.row_lower, *lo])
    b.row_upper = np.concatenate([b.row_upper, *hi])
    for fam, parts in fam_rows.items():
        b.rows[fam] = np.concatenate(parts).astype(np.int64)
        k = np.concatenate(fam_keys[fam])
        b.row_keys[fam] = pd.MultiIndex.from_arrays([k[:, j] for j in range(k.shape[1])])
    b.col_adj = n0
    b.col_cost = np.concatenate([b.col_cost, *new_cost])
    b.col_lower = np.concatenate([b.col_lower, np.zeros(n_new)])
    b.col_upper = np.concatenate([b.col_upper, np.full(n_new, INF)])
    b.integrality = np.concatenate([b.integrality, np.zeros(n_new, dtype=b.integrality.dtype)])
    return b


def _money_unit(inst: Instance, opts: pd.DataFrame) -> float:
    """10 ** round(log10(median of the nonzero money figures)), 1 if there are none."""
    values = np.concatenate([
        opts["land_income"].to_numpy(dtype=float), opts["output"].to_numpy(dtype=float),
        opts["conversion_cost"].to_numpy(dtype=float), opts["value"].to_numpy(dtype=float),
        inst.projects["cost"].to_numpy(dtype=float), inst.projects["value"].to_numpy(dtype=float),
        inst.sources["cap"].to_numpy(dtype=float)])
    values = np.abs(values[values != 0])
    return float(10.0 ** np.round(np.log10(np.median(values)))) if len(values) else 1.0


# ---- transfer ----------------------------------------------------------------------
_banner_done = False
_VAR_TYPES = np.array([highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger],
                      dtype=object)


def _new_highs() -> highspy.Highs:
    """A fresh Highs; the one-time HiGHS banner is kept off stdout."""
    global _banner_done
    if _banner_done:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _banner_done = True
    return h


def highs_options(baseline: Baseline, options: dict[str, Any] | None) -> dict[str, Any]:
    """HiGHS options: defaults < the instance's `solver:` < `options`. `seed` is an
    alias of `random_seed`; None values are ignored."""
    merged: dict[str, Any] = dict(DEFAULT_OPTIONS)
    for source in (baseline.solver, options or {}):
        for key, value in source.items():
            if value is None:
                continue
            key = {"seed": "random_seed", "verbose": "output_flag"}.get(key, key)
            merged[key] = value
    for key in ("time_limit", "mip_rel_gap"):
        if key in merged:
            merged[key] = float(merged[key])
    for key in ("threads", "random_seed"):
        if key in merged:
            merged[key] = int(merged[key])
    if "output_flag" in merged:
        merged["output_flag"] = bool(merged["output_flag"])
    return merged


def transfer(baseline: Baseline, options: dict[str, Any] | None = None, *,
             via: str = "arrays") -> highspy.Highs:
    """A Highs holding the model, options applied.

    via="arrays" (default): one `passModel(HighsLp)` call with via="lp"; via="arrays": one
    `passModel(num_col, num_row, ..., integrality)` call with the numpy arrays
    themselves (the buffer-typed overload; no per-element conversion, several
    times faster on large models). Both give HiGHS the same model.
    """
    b = baseline
    h = _new_highs()
    for key, value in highs_options(b, options).items():
        if h.setOptionValue(key, value) == highspy.HighsStatus.kError:
            raise ValueError(f"HiGHS rejected option {key}={value!r}")
    if via == "arrays":
        status = h.passModel(
            b.num_col, b.num_row, len(b.a_value), int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMaximize), b.offset, b.col_cost, b.col_lower, b.col_upper,
            b.row_lower, b.row_upper, b.a_start, b.a_index, b.a_value,
            b.integrality.astype(np.int32))
    elif via == "lp":
        status = h.passModel(_highs_lp(b))
    else:
        raise ValueError(f"via must be 'lp' or 'arrays', not {via!r}")
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")
    h._optim_money = b.money
    h._optim_cost = b.col_cost.copy()  # current objective, for change_cost
    h._optim_weights = dict(b.weights)
    h._optim_has_plan = False
    return h


def _highs_lp(b: Baseline) -> highspy.HighsLp:
    """The model as a `HighsLp`. The long vectors go in as Python lists: pybind11
    converts a list to std::vector faster than it walks a numpy array."""
    lp = highspy.HighsLp()
    lp.num_col_ = b.num_col
    lp.num_row_ = b.num_row
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.offset_ = b.offset
    lp.col_cost_ = b.col_cost
    lp.col_lower_ = b.col_lower
    lp.col_upper_ = b.col_upper
    lp.row_lower_ = b.row_lower
    lp.row_upper_ = b.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = b.num_col
    lp.a_matrix_.num_row_ = b.num_row
    mat = lp.a_matrix_
    mat.start_ = b.a_start.tolist()
    mat.index_ = b.a_index.tolist()
    mat.value_ = b.a_value.tolist()
    lp.integrality_ = _VAR_TYPES[b.integrality].tolist()
    return lp


# ---- solve -------------------------------------------------------------------------
def solve(h: highspy.Highs) -> dict[str, Any]:
    """Run HiGHS. status: optimal | feasible (stopped by a limit with a plan) |
    infeasible | unbounded | no_solution | error."""
    t0 = time.perf_counter()
    run_status = h.run()
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    has_plan = info.primal_solution_status == 2
    S = highspy.HighsModelStatus
    if ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status, has_plan = "infeasible", False
    elif ms == S.kUnbounded:
        status, has_plan = "unbounded", False
    elif ms in (S.kOptimal, S.kModelEmpty) and has_plan and run_status != highspy.HighsStatus.kError:
        status = "optimal"
    elif has_plan and run_status != highspy.HighsStatus.kError:
        status = "feasible"
    elif run_status == highspy.HighsStatus.kError:
        status = "error"
    else:
        status = "no_solution"
    money = getattr(h, "_optim_money", 1.0)  # objective in yuan
    objective = float(info.objective_function_value) * money if has_plan else None
    bound = float(info.mip_dual_bound) * money if np.isfinite(info.mip_dual_bound) else None
    gap = float(info.mip_gap) if has_plan and np.isfinite(info.mip_gap) else None
    if status == "optimal" and gap is None:
        gap = 0.0
    h._optim_has_plan = has_plan
    return {"status": status, "objective": objective, "bound": bound, "gap": gap,
            "seconds": seconds, "nodes": int(info.mip_node_count)}


# ---- extract / write ---------------------------------------------------------------
def extract(baseline: Baseline, h: highspy.Highs) -> dict[str, Any]:
    """The plan: chosen use per parcel, draws per pair, built projects, opened
    sources, own funds per category, and KPIs. Empty tables if there is no plan."""
    b = baseline
    if not getattr(h, "_optim_has_plan", False):
        return {"status": "no_plan", "parcels": pd.DataFrame(columns=["parcel", "use", "current_use", "rezoned"]),
                "draws": pd.DataFrame(columns=["source", "category", "amount"]), "kpis": {}}
    x = np.asarray(h.getSolution().col_value, dtype=float)
    n_opt = b.col_build
    x[:b.col_draw] = np.round(x[:b.col_draw])  # binaries
    x[b.col_open:b.col_own] = np.round(x[b.col_open:b.col_own])
    n_cat = len(b.categories)
    x[b.col_own + n_cat:] = np.round(x[b.col_own + n_cat:])  # v_reloc, if any
    chosen = np.flatnonzero(x[:n_opt] > 0.5)
    parcels = pd.DataFrame({"parcel": b.option_parcel[chosen], "use": b.option_use[chosen],
                            "current_use": b.option_current[chosen],
                            "rezoned": b.option_rezoned[chosen]})
    draw = x[b.col_draw:b.col_open] * b.money
    draw = np.where(np.abs(draw) < 1e-6 * b.money, 0.0, draw)
    nz = draw > 0
    draws = b.pairs[nz].assign(amount=draw[nz]).reset_index(drop=True)
    own = x[b.col_own:b.col_own + n_cat] * b.money
    own = np.where(np.abs(own) < 1e-6 * b.money, 0.0, own)
    t = b.terms
    kpis = {name: t[name].dot(x, n_opt) for name in (
        "land_income", "industrial_output", "financing_cost", "value", "forgone_income",
        "total_investment", "scope_investment", "own_funds", "industrial_area", "rezoned_area")}
    kpis["external_financing"] = t["coverage"].dot(x, n_opt)
    for name in kpis:
        if name not in ("industrial_area", "rezoned_area"):
            kpis[name] *= b.money
    kpis["coverage"] = (kpis["external_financing"] / kpis["scope_investment"]
                        if kpis["scope_investment"] > 0 else float("nan"))
    kpis["objective"] = (float(h._optim_cost @ x) + b.offset) * b.money
    for name, (cols, coef) in b.penalties.items():  # adjacency penalties, yuan
        kpis[name] = float(coef @ x[cols]) * b.money
    relocations = None
    if b.reloc is not None:
        relocations = b.reloc[x[b.col_reloc:b.col_reloc + len(b.reloc)] > 0.5].reset_index(drop=True)
        kpis["relocation_cost"] = float(relocations["cost"].sum())
    return {
        "status": "plan",
        "use": x[:n_opt] > 0.5,  # per option
        "parcels": parcels,
        "draws": draws,
        "built": pd.Series(x[b.col_build:b.col_draw] > 0.5, index=b.projects, name="built"),
        "opened": pd.Series(x[b.col_open:b.col_own] > 0.5, index=b.switched, name="opened"),
        "own_funds": pd.Series(own, index=b.categories, name="own_funds"),
        "kpis": kpis,
        **({"relocations": relocations} if relocations is not None else {}),
    }


def write(extracted: dict[str, Any], out_dir: str | Path) -> Path:
    """Write `parcels.csv` (chosen uses), `draws.csv` and `kpis.json` into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    extracted["parcels"].to_csv(out / "parcels.csv", index=False)
    extracted["draws"].to_csv(out / "draws.csv", index=False)
    kpis = {k: (v if np.isfinite(v) else None) for k, v in extracted["kpis"].items()}
    (out / "kpis.json").write_text(json.dumps(kpis, indent=2), encoding="utf-8")
    return out


def solve_instance(inst: Instance | str | Path, **options: Any) -> dict[str, Any]:
    """load (if a path) -> build -> transfer -> solve -> extract, with stage timings.
    Returns the solve dict plus `plan` (the extract dict), `baseline`, `highs` and
    `timings`."""
    timings = {}
    t0 = time.perf_counter()
    if isinstance(inst, (str, Path)):
        inst = load(inst)
    t1 = time.perf_counter()
    base = build(inst)
    t2 = time.perf_counter()
    h = transfer(base, options)
    t3 = time.perf_counter()
    result = solve(h)
    t4 = time.perf_counter()
    plan = extract(base, h)
    t5 = time.perf_counter()
    timings.update(load=t1 - t0, build=t2 - t1, transfer=t3 - t2, solve=t4 - t3, extract=t5 - t4)
    return {**result, "plan": plan, "baseline": base, "highs": h, "timings": timings}


# ---- re-solves for studies -----------------------------------------------------------
def _previous_plan(h: highspy.Highs):
    return h.getSolution() if getattr(h, "_optim_has_plan", False) else None


def _resolve(h: highspy.Highs, start) -> dict[str, Any]:
    if start is not None:
        h.setSolution(start)
    return solve(h)


_AREA_FAMILIES = {"industrial_area_ge", "industrial_area_le", "industrial_need_ge"}

# family -> which bound of its row `value` replaces
_RHS_SIDE = {"_le": "upper", "_ge": "lower", "_eq": "both"}


def change_rhs(h: highspy.Highs, baseline: Baseline, family: str, index: Any,
               value: float) -> dict[str, Any]:
    """Set the instance figure behind one row of `family` to `value` and re-solve,
    starting from the previous plan.

    `value` is the figure as in the instance: a cap (`resource_cap_le`,
    `source_cap_le`), a minimum ticket (`source_min_ge`), a budget
    (`own_funds_le`), the park's commercial income H (`eod_balance_le`), an area
    or income bound (`industrial_area_ge/le`, `forgone_income_le`), a target
    (`target_<term>_ge/le`), or a ratio (`coverage_ge`, `capital_share_ge`,
    `debt_to_capital_le`, `target_coverage_ge/le`). Caps of switched sources,
    minimum tickets and ratios are matrix coefficients; every other figure is a
    row bound. `index` is the row's key (resource or source id), its position,
    or None for single-row families.
    """
    b = baseline
    value = float(value)
    if family not in b.ratio_rows and family not in _AREA_FAMILIES and family != "resource_cap_le":
        value /= b.money  # a money figure, in the model's money unit
    start = _previous_plan(h)
    row = b.row(family, index)
    if family in b.ratio_rows:
        cols, fixed, varying = b.ratio_rows[family]
        coefs = fixed + value * varying
        for c, v in zip(cols.tolist(), coefs.tolist()):
            h.changeCoeff(row, c, v)
    elif family in ("source_cap_le", "source_min_ge"):
        s = b.sources.get_loc(b.row_keys[family][b.position(family, index)])
        col = int(b.open_of_source[s])
        if col >= 0:
            h.changeCoeff(row, col, -value)
        elif family == "source_cap_le":
            h.changeRowBounds(row, -INF, value)
    else:
        lo, hi = float(b.row_lower[row]), float(b.row_upper[row])
        if family == "eod_balance_le":
            value = b.eod_share * value
        side = _RHS_SIDE[family[-3:]]
        if side == "upper":
            hi = value
        elif side == "lower":
            lo = value
        else:
            lo = hi = value
        h.changeRowBounds(row, lo, hi)
    return _resolve(h, start)


def change_cost(h: highspy.Highs, baseline: Baseline, term_weights: dict[str, float]) -> dict[str, Any]:
    """Set the objective weights of the given terms (others keep theirs) and re-solve,
    starting from the previous plan. Only the costs that change are passed."""
    b = baseline
    unknown = set(term_weights) - set(TERMS)
    if unknown:
        raise KeyError(f"unknown objective terms: {sorted(unknown)}")
    start = _previous_plan(h)
    weights = {**h._optim_weights, **{k: float(v) for k, v in term_weights.items()}}
    n_opt = b.col_build
    cost = np.zeros(b.num_col)
    for cols, coef in b.penalties.values():  # adjacency penalties: fixed, no weight
        cost[cols] -= coef
    for t in TERMS:
        if weights[t]:
            form = b.terms[t]
            k = TERM_SIGN[t] * weights[t]
            if form.o is not None:
                cost[:n_opt] += k * form.o
            cost[n_opt:n_opt + len(form.s)] += k * form.s
    changed = np.flatnonzero(cost != h._optim_cost).astype(np.int32)
    if len(changed):
        h.changeColsCost(len(changed), changed, cost[changed])
    h._optim_cost = cost
    h._optim_weights = weights
    return _resolve(h, start)
