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

`create_model` calls `define_relocation` right after the named expressions (the
variables and the terms added to `need:<c>`, `total_investment`,
`scope_investment`, `industrial_output`) and `define_relocation_rows` after the
other families. Without enterprises neither adds anything. `by_period` is read
and kept in `RelocationData.pairs` but not used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .formulation import INF, Expr, Formulation

if TYPE_CHECKING:  # pragma: no cover
    from .model import ModelData


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


def has_relocation(inst: Any) -> bool:
    ent = getattr(inst, "enterprises", None)
    return ent is not None and len(ent) > 0


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
    if not has_relocation(d.inst):
        return
    r = relocation_pairs(d)
    d.relocation = r
    pairs = r.pairs
    f.add_vars("v_reloc", pd.MultiIndex.from_arrays([pairs["enterprise"], pairs["parcel"]]),
               upper=1.0, integer=True)
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
    r = getattr(d, "relocation", None)
    if r is None:
        return
    pairs = r.pairs
    col = f.col("v_reloc")
    ent = r.enterprises
    required = ent["required"].to_numpy(dtype=object) != False
    ids = ent.index
    pair_ent = ids.get_indexer(pairs["enterprise"])
    for name, members, lo in (("relocation_assign_eq", ids[required], 1.0),
                              ("relocation_assign_le", ids[~required], -INF)):
        if name == "relocation_assign_le":
            members = members[members.isin(pairs["enterprise"])]
        if not len(members):
            continue
        row_of = pd.Index(members).get_indexer(ids)  # row of each enterprise, -1 if not a member
        k = row_of[pair_ent]
        keep = k >= 0
        f.add_family(name, list(members), k[keep], col[keep], 1.0, lo, 1.0)

    if not len(pairs):
        return
    option = pairs["option"].to_numpy()
    groups, first = np.unique(option, return_index=True)  # one row per option (parcel, use)
    row_of_pair = np.searchsorted(groups, option)
    labels = pd.MultiIndex.from_arrays([pairs["parcel"].to_numpy()[first], pairs["use"].to_numpy()[first]])
    n = len(groups)
    rows = np.concatenate([row_of_pair, np.arange(n)])
    cols = np.concatenate([col, f.col("v_use", groups)])
    coefs = np.concatenate([pairs["area"].to_numpy(dtype=float), -d.area[groups]])
    f.add_family("relocation_capacity_le", labels, rows, cols, coefs, -INF, 0.0)


@dataclass
class RelocationResult:
    """The relocations of a solution: the table, and what they add to the plan."""

    table: pd.DataFrame  # enterprise, parcel, use, area, cost, category, output
    need: pd.Series  # relocation cost per category (all categories), yuan
    cost: float  # total relocation cost, yuan
    output: float  # annual output of the relocated enterprises, yuan/year


def extract_relocations(f: Formulation, d: ModelData, x: np.ndarray) -> RelocationResult | None:
    """The relocations chosen in the column vector `x`; None without enterprises."""
    r = getattr(d, "relocation", None)
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
