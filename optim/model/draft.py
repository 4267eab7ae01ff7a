"""A planner's draft on the model (docs/model.md, "A draft plan").

- `fix_draft`: what the draft decides, as column bounds: the parcels' uses
  (v_use[i, d_i] >= 1), the projects it builds or leaves out (v_build fixed)
  and the periods it gives (v_rez, v_start of the other periods fixed to 0).
  Only bounds change, so the model keeps the instance's decisions (a draft is
  judged on the instance's scenarios by its first stage, optim/studies/stochastic.py).
  What the draft says of its sources is part of its instance
  (`optim.inputs.draft.draft_instance`: locks, min_draw, max_draw).
- `define_draft_changes`: the row `draft_changes_le` a study adds to bound how
  many parcels a plan changes from the draft,
  `sum_i (1 - v_use[i, d_i]) <= K`, stated as `-sum_i v_use[i, d_i] <= K - n`
  (n the number of parcels); its bound moves in place for each K
  (optim/analysis/changes.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .data import ModelData
from .families import FamilySpec
from .formulation import INF, Expr, Formulation

DRAFT_CHANGES = FamilySpec(
    "draft_changes_le", "parcels changed from the draft", "parcels changed from the draft", noun="parcel",
    structural=True, kind="study", checked_by="draft_changes_le",
    math="sum_i (1 - v_use[i, d_i]) <= K (d_i: the draft's use of parcel i)")


def draft_options(d: ModelData, uses: pd.Series) -> np.ndarray:
    """The option (position in `d.options`) of each parcel's draft use, in the
    order of `d.parcels`; -1 where the draft's use is not an option."""
    key = pd.MultiIndex.from_arrays([d.options["parcel"].astype(object), d.options["use"].astype(object)])
    want = pd.MultiIndex.from_arrays([pd.Index(d.parcels, dtype=object),
                                      pd.Index(uses.reindex(d.parcels).to_numpy(dtype=object), dtype=object)])
    return key.get_indexer(want)


def fix_draft(f: Formulation, d: ModelData, uses: pd.Series, periods: pd.Series | None = None,
              projects: pd.DataFrame | None = None) -> None:
    """Fix the draft's decisions by column bounds: v_use[i, d_i] >= 1 for each
    parcel (with parcel_use_eq, its other options are 0); v_build[p] fixed to
    the draft's build (0 or 1); with periods, v_rez[i, d_i, t] <= 0 for the
    periods t other than the draft's, and v_start[p, t] <= 0 likewise."""
    opt = draft_options(d, uses)
    use = f.groups["v_use"]
    use.lower[opt[opt >= 0]] = 1.0
    if projects is not None and len(projects):
        build = f.groups["v_build"]
        at = pd.Index(build.labels, dtype=object).get_indexer(pd.Index(projects.index, dtype=object))
        flag = projects["build"].to_numpy(dtype=bool)
        build.lower[at[at >= 0]] = flag[at >= 0].astype(float)
        build.upper[at[at >= 0]] = flag[at >= 0].astype(float)
    if periods is not None and len(periods) and "v_rez" in f.groups:
        rez = f.groups["v_rez"]
        parcel = rez.labels.get_level_values(0).to_numpy(dtype=object)
        period = rez.labels.get_level_values(2).to_numpy(dtype=object)
        want = pd.Series(periods.to_numpy(dtype=object), index=pd.Index(periods.index, dtype=object))
        given = want.reindex(parcel).to_numpy(dtype=object)
        other = ~pd.isna(given) & (given != period)
        rez.upper[other] = 0.0
    if projects is not None and len(projects) and "v_start" in f.groups:
        start = f.groups["v_start"]
        project = start.labels.get_level_values(0).to_numpy(dtype=object)
        period = start.labels.get_level_values(1).to_numpy(dtype=object)
        want = projects["period"].dropna()
        given = pd.Series(want.to_numpy(dtype=object), index=pd.Index(want.index, dtype=object)).reindex(
            project).to_numpy(dtype=object)
        other = ~pd.isna(given) & (given != period)
        start.upper[other] = 0.0


def unreachable_periods(f: Formulation, projects: pd.DataFrame) -> list[Any]:
    """Projects whose draft period is not a period they may start in (before their
    `earliest`, or too late to be complete within the periods): none of their
    start decisions is left."""
    if "v_start" not in f.groups or not len(projects):
        return []
    start = f.groups["v_start"]
    labels = pd.MultiIndex.from_arrays([start.labels.get_level_values(0).astype(object),
                                        start.labels.get_level_values(1).astype(object)])
    out = []
    for p, row in projects.iterrows():
        if row["build"] and row["period"] is not None and not pd.isna(row["period"]) \
                and (p, row["period"]) not in labels:
            out.append(p)
    return out


def define_draft_changes(f: Formulation, d: ModelData, uses: pd.Series, most: float | None = None) -> int:
    """draft_changes_le: -sum_i v_use[i, d_i] <= K - n, i.e. at most K parcels take
    another use than the draft's (`most` None: no bound yet). Returns the row."""
    opt = draft_options(d, uses)
    n = int((opt >= 0).sum())
    expr = Expr.of(f.col("v_use", opt[opt >= 0]), -1.0)
    fam = f.add_row(DRAFT_CHANGES, expr, lower=-INF, upper=INF if most is None else float(most) - n)
    return int(fam.start)


def changes_bound(f: Formulation, d: ModelData, uses: pd.Series, most: float | None) -> float:
    """The row's upper bound for at most `most` changes (infinite for None)."""
    n = int((draft_options(d, uses) >= 0).sum())
    return INF if most is None else float(most) - n


def changes_expr(f: Formulation, d: ModelData, uses: pd.Series) -> Expr:
    """sum_i v_use[i, d_i]: the parcels that keep the draft's use (n minus the changes)."""
    opt = draft_options(d, uses)
    return Expr.of(f.col("v_use", opt[opt >= 0]), 1.0)


__all__ = ["DRAFT_CHANGES", "fix_draft", "define_draft_changes", "changes_bound", "changes_expr",
           "draft_options", "unreachable_periods"]
