"""Enterprise relocation (docs/model.md, "Enterprise relocation").

Scattered enterprises (along the river, in the source case) are moved into the
park; each needs `area_e` mu of land of one industrial use `u_e`. Notation:
`E` enterprises, `R` the required ones; relocation cost `c_ep` (the
`relocation_costs` row of (e, p) if any, else the enterprise's `cost`), category
`cat_e` (its `category`, else the conversion category), annual output `Y_e`.

- eligible pairs `(e,p) in H`: parcel p has an option of use `u_e` and
  `a_p >= area_e`; variables `v_reloc[e,p]` in {0,1} for those pairs only;
- `relocation_assign_eq[e]`: `sum_p v_reloc[e,p] = 1` for e in R;
  `relocation_assign_le[e]`: `sum_p v_reloc[e,p] <= 1` for the others;
- `relocation_capacity_le[p,u]`: `sum_{e: u_e = u} area_e v_reloc[e,p] - a_p v_use[p,u] <= 0`
  (one row per parcel and use with eligible pairs: enterprises fit on the land
  the parcel gives to their use);
- need of a category: `N_c += sum_{(e,p) in H, cat_e = c} c_ep v_reloc[e,p]`
  (so the funding, coverage and capital rows see it);
- industrial output: `IO += sum_{(e,p) in H} Y_e v_reloc[e,p]` (a required
  enterprise's output is a constant, written on its assignment variables);
- named expression `relocation_cost = sum_H c_ep v_reloc[e,p]`.

With periods, `relocation_by_period_le[e,p]`: an enterprise due by a period
sits on a parcel rezoned to its use by then (`define_relocation_deadlines`).

`create_model` calls `define_relocation` right after the named expressions (the
variables and the terms added to `need:<c>`, `total_investment`,
`scope_investment`, `industrial_output`), `define_relocation_rows` after the
other families and `define_relocation_deadlines` after the periods. Without
enterprises none of them adds anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import ModelData
from .families import FamilySpec
from .formulation import INF, Expr, Formulation, multi_index

RELOCATION_ELIGIBILITY = FamilySpec(
    "relocation_eligibility", "relocations on eligible parcels", "enterprise {0} on parcel {1}", kind="bound",
    noun="relocation", math="v_reloc[e,p] exists only for (e,p) in H")
RELOCATION_ASSIGN = FamilySpec(
    "relocation_assign_eq", "required enterprises relocated", "relocation of enterprise {0}", noun="enterprise",
    relax="lower", structural=True,
    shortfall=lambda r: f"enterprise {r.label} cannot be relocated: no parcel can take it",
    math="sum_p v_reloc[e,p] = 1 for e in Rq")
RELOCATION_AT_MOST_ONCE = FamilySpec(
    "relocation_assign_le", "optional enterprises relocated at most once", "at most one site for enterprise {0}",
    noun="enterprise", structural=True, math="sum_p v_reloc[e,p] <= 1 for e not in Rq")
RELOCATION_CAPACITY = FamilySpec(
    "relocation_capacity_le", "room for relocated enterprises", "room for enterprises on parcel {0} ({1})",
    quantity="area", relax="upper", structural=True,
    shortfall=lambda r: (f"enterprises on parcel {r.parts[0]} need {r.figure(r.amount)} more {r.parts[1]} "
                         "land than it provides"),
    math="sum_{e: u_e = u} b_e v_reloc[e,p] - a_p v_use[p,u] <= 0")
RELOCATION_DEADLINE = FamilySpec(
    "relocation_by_period_le", "relocation deadlines", "deadline of enterprise {0} on parcel {1}",
    noun="enterprise", relax="upper", structural=True,
    shortfall=lambda r: f"enterprise {r.parts[0]} cannot move onto parcel {r.parts[1]} by its deadline",
    math="v_reloc[e,p] - sum_{t <= by_e} v_rez[p,u_e,t] <= 0")


@dataclass
class RelocationData:
    """The eligible (enterprise, parcel) pairs, in `v_reloc` column order.

    pairs: enterprise, parcel, use, option (position in `ModelData.options`),
    area (the enterprise's), parcel_area, cost (yuan), category, output
    (yuan/year), required, by_period.
    enterprises: the instance's enterprises table (index id).
    """

    pairs: pd.DataFrame
    enterprises: pd.DataFrame


def relocation_pairs(d: ModelData) -> RelocationData:
    """Eligible pairs: a parcel with an option of the enterprise's use and at least
    its area; cost from `relocation_costs` where given, else the enterprise's."""
    inst = d.inst
    ent = inst.enterprises
    conv = d.conversion_category
    category = ent["category"].to_numpy(dtype=object)
    category = np.where(pd.isna(category), conv, category)
    e = pd.DataFrame({
        "enterprise": ent.index.to_numpy(dtype=object),
        "e_pos": np.arange(len(ent)),
        "use": ent["use"].to_numpy(dtype=object),
        "area": pd.to_numeric(ent["area"]).to_numpy(dtype=float),
        "default_cost": pd.to_numeric(ent["cost"]).fillna(0.0).to_numpy(dtype=float),
        "category": category,
        "output": pd.to_numeric(ent["output"]).fillna(0.0).to_numpy(dtype=float),
        "required": ent["required"].to_numpy(dtype=object) != False,
        "by_period": ent["by_period"].to_numpy(dtype=object) if "by_period" in ent else "",
    })
    o = pd.DataFrame({"parcel": d.options["parcel"].to_numpy(dtype=object),
                      "use": d.options["use"].to_numpy(dtype=object),
                      "option": np.arange(len(d.options)),
                      "parcel_area": d.area})
    o = o[o["use"].isin(e["use"])]
    pairs = e.merge(o, on="use", how="inner")
    pairs = pairs[pairs["parcel_area"] >= pairs["area"]]
    pairs = pairs.sort_values(["e_pos", "option"], kind="stable").reset_index(drop=True)
    rc = inst.relocation_costs
    cost = pairs["default_cost"].to_numpy(dtype=float).copy()
    if len(rc) and len(pairs):
        rc = rc.drop_duplicates(["enterprise", "parcel"])  # duplicates are reported by validation
        key = pd.MultiIndex.from_arrays([rc["enterprise"].to_numpy(dtype=object),
                                         rc["parcel"].to_numpy(dtype=object)])
        at = key.get_indexer(pd.MultiIndex.from_arrays([pairs["enterprise"], pairs["parcel"]]))
        hit = at >= 0
        cost[hit] = pd.to_numeric(rc["cost"]).to_numpy(dtype=float)[at[hit]]
    pairs["cost"] = cost
    pairs = pairs[["enterprise", "parcel", "use", "option", "area", "parcel_area", "cost",
                   "category", "output", "required", "by_period"]]
    return RelocationData(pairs=pairs, enterprises=ent)


def define_relocation(f: Formulation, d: ModelData) -> None:
    """v_reloc[e,p] in {0,1} per eligible pair; adds sum c_ep v_reloc to `need:<cat_e>`
    (and so to `total_investment`, and to `scope_investment` for categories in
    scope), sum Y_e v_reloc to `industrial_output`; names `relocation_cost`."""
    if not d.inst.has_enterprises:
        return
    r = relocation_pairs(d)
    d.relocation = r
    pairs = r.pairs
    f.add_vars("v_reloc", multi_index([pairs["enterprise"], pairs["parcel"]]),
               upper=1.0, integer=True, label="enterprise {0} on parcel {1}")
    col = f.col("v_reloc")
    S = d.money
    e = f.exprs
    cost = pairs["cost"].to_numpy(dtype=float) / S
    cat = pairs["category"].to_numpy(dtype=object)
    for c in d.categories:
        mask = cat == c
        if not (mask & (cost != 0)).any():
            continue
        term = Expr.of(col[mask], cost[mask])
        e[f"need:{c}"] = e[f"need:{c}"] + term
        e["total_investment"] = e["total_investment"] + term
        if c in d.scope:
            e["scope_investment"] = e["scope_investment"] + term
    e["industrial_output"] = e["industrial_output"] + Expr.of(col, pairs["output"].to_numpy(dtype=float) / S)
    e["relocation_cost"] = Expr.of(col, cost)
    f.units["relocation_cost"] = S


def define_relocation_rows(f: Formulation, d: ModelData) -> None:
    """relocation_assign_eq[e]: sum_p v_reloc[e,p] = 1 (required e);
    relocation_assign_le[e]: sum_p v_reloc[e,p] <= 1 (optional e with eligible pairs);
    relocation_capacity_le[p,u]: sum_e area_e v_reloc[e,p] - a_p v_use[p,u] <= 0."""
    r = d.relocation
    if r is None:
        return
    pairs = r.pairs
    col = f.col("v_reloc")
    ent = r.enterprises
    required = ent["required"].to_numpy(dtype=object) != False
    ids = ent.index
    pair_ent = ids.get_indexer(pairs["enterprise"])
    for spec, members, lo in ((RELOCATION_ASSIGN, ids[required], 1.0),
                              (RELOCATION_AT_MOST_ONCE, ids[~required], -INF)):
        if spec is RELOCATION_AT_MOST_ONCE:
            members = members[members.isin(pairs["enterprise"])]
        if not len(members):
            continue
        row_of = pd.Index(members).get_indexer(ids)  # row of each enterprise, -1 if not a member
        k = row_of[pair_ent]
        keep = k >= 0
        f.add_family(spec, list(members), k[keep], col[keep], 1.0, lo, 1.0)

    if not len(pairs):
        return
    option = pairs["option"].to_numpy()
    groups, first = np.unique(option, return_index=True)  # one row per option (parcel, use)
    row_of_pair = np.searchsorted(groups, option)
    labels = multi_index([pairs["parcel"].to_numpy()[first], pairs["use"].to_numpy()[first]])
    n = len(groups)
    rows = np.concatenate([row_of_pair, np.arange(n)])
    cols = np.concatenate([col, f.col("v_use", groups)])
    coefs = np.concatenate([pairs["area"].to_numpy(dtype=float), -d.area[groups]])
    f.add_family(RELOCATION_CAPACITY, labels, rows, cols, coefs, -INF, 0.0)


def define_relocation_deadlines(f: Formulation, d: ModelData) -> None:
    """relocation_by_period_le[e,p]: v_reloc[e,p] - sum_{t <= by_e} v_rez[p,u_e,t] <= 0
    for the pairs of enterprises due by a period on parcels that must be rezoned to
    take them (instances with periods: the host parcel takes the enterprise's use
    by the deadline)."""
    r, ph = d.relocation, d.phasing
    if r is None or ph is None or not len(r.pairs):
        return
    pairs = r.pairs
    index = {p: k for k, p in enumerate(ph.periods)}
    deadline = np.array([index.get(v, -1) if isinstance(v, str) else -1 for v in pairs["by_period"]],
                        dtype=np.int64)
    option = pairs["option"].to_numpy()
    rez = f.col("v_rez")
    rows, labels = [], []
    for k in np.flatnonzero((deadline >= 0) & d.rezoning[option]):
        done = (ph.rez == option[k]) & (ph.rez_t <= deadline[k])
        rows.append(Expr.of(f.col("v_reloc", [k]), 1.0) - Expr.of(rez[done], 1.0))
        labels.append((pairs["enterprise"].iat[k], pairs["parcel"].iat[k]))
    if rows:
        f.add_rows(RELOCATION_DEADLINE, labels, rows, -INF, 0.0)


@dataclass
class RelocationResult:
    """The relocations of a solution: the table, and what they add to the plan."""

    table: pd.DataFrame  # enterprise, parcel, use, area, cost, category, output
    need: pd.Series  # relocation cost per category (all categories), yuan
    cost: float  # total relocation cost, yuan
    output: float  # annual output of the relocated enterprises, yuan/year


def extract_relocations(f: Formulation, d: ModelData, x: np.ndarray) -> RelocationResult | None:
    """The relocations chosen in the column vector `x`; None without enterprises."""
    r = d.relocation
    if r is None:
        return None
    chosen = np.round(x[f.col("v_reloc")]) > 0.5
    p = r.pairs[chosen]
    table = pd.DataFrame({
        "enterprise": p["enterprise"].to_numpy(dtype=object),
        "parcel": p["parcel"].to_numpy(dtype=object),
        "use": p["use"].to_numpy(dtype=object),
        "area": p["area"].to_numpy(dtype=float),
        "cost": p["cost"].to_numpy(dtype=float),
        "category": p["category"].to_numpy(dtype=object),
        "output": p["output"].to_numpy(dtype=float),
    })
    need = table.groupby("category")["cost"].sum().reindex(d.categories, fill_value=0.0)
    return RelocationResult(table=table, need=need, cost=float(table["cost"].sum()),
                            output=float(table["output"].sum()))


def relocation_kpis(f: Formulation, d: ModelData, x: np.ndarray) -> dict[str, tuple[float, str]]:
    """KPI relocation_cost (yuan) of the plan; none without enterprises."""
    if d.relocation is None:
        return {}
    return {"relocation_cost": (f.exprs["relocation_cost"].value(x) * d.money, "yuan")}
