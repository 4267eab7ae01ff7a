"""The checker's view of a draft plan: what the draft fixes is kept, and a plan
near the draft changes at most as many parcels as it may.

Both are recomputed from the plan's tables alone (the use and period of each
parcel, the projects built, the draws, the sources used), like every family of
optim/check/plan.py, and reported in the same form:

- ``draft_decisions``: each parcel takes the draft's use (a parcel the draft
  leaves out, its current use) and the period the draft gives; each project the
  draft lists is built or not, in its period; each source it lists draws
  nothing (`draw: false`) or its amount. One count per decision not kept.
- ``draft_changes_le``: the parcels whose use differs from the draft's are at
  most K (the plans of `optim evaluate --max-changes K`, and each point of the
  changes front).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model.draft import DRAFT_CHANGES
from ..model.families import FamilySpec
from .plan import PlanDecisions
from .report import Report

DRAFT_DECISIONS = FamilySpec(
    "draft_decisions", "the draft's decisions kept", "{0}", noun="decision", kind="check",
    math="each parcel takes the draft's use (and period), each project and source the draft lists is "
         "as it says")


def _decisions(plan: Any) -> PlanDecisions:
    return plan if isinstance(plan, PlanDecisions) else PlanDecisions.from_result(plan)


def _uses(plan: PlanDecisions) -> pd.Series:
    par = plan.parcels
    return pd.Series(par["use"].to_numpy(dtype=object), index=pd.Index([str(p) for p in par.index], dtype=object))


def check_draft(plan: Any, uses: pd.Series, periods: pd.Series | None = None, projects: pd.DataFrame | None = None,
                sources: pd.DataFrame | None = None, inst: Any = None, tol: float = 1e-6) -> pd.DataFrame:
    """The report of family `draft_decisions` for `plan` (a `Result` or `PlanDecisions`):
    one row `kept = 1` per decision the draft fixes."""
    plan = _decisions(plan)
    r = Report()
    r.family(DRAFT_DECISIONS.name)
    taken = _uses(plan)
    want = pd.Series(uses.to_numpy(dtype=object), index=pd.Index([str(p) for p in uses.index], dtype=object))
    got = taken.reindex(want.index).to_numpy(dtype=object)
    kept = np.array([g == w for g, w in zip(got, want.to_numpy(dtype=object))], dtype=float)
    r.add(DRAFT_DECISIONS.name, [f"use of {p}" for p in want.index], kept, 1.0, "ge")
    if periods is not None and len(periods):
        when = plan.parcels["period"] if "period" in plan.parcels.columns else pd.Series(dtype=object)
        when = pd.Series(when.to_numpy(dtype=object), index=pd.Index([str(p) for p in when.index], dtype=object))
        got = when.reindex([str(p) for p in periods.index]).to_numpy(dtype=object)
        ok = np.array([str(g) == str(w) for g, w in zip(got, periods.to_numpy(dtype=object))], dtype=float)
        r.add(DRAFT_DECISIONS.name, [f"period of {p}" for p in periods.index], ok, 1.0, "ge")
    if projects is not None and len(projects):
        built = plan.projects["built"].astype(str).str.lower().isin(["true", "1", "1.0", "yes"])
        built.index = [str(p) for p in built.index]
        got = built.reindex([str(p) for p in projects.index], fill_value=False).to_numpy(dtype=bool)
        ok = (got == projects["build"].to_numpy(dtype=bool)).astype(float)
        r.add(DRAFT_DECISIONS.name, [f"project {p} built" for p in projects.index], ok, 1.0, "ge")
        timed = projects["period"].dropna()
        if len(timed):
            when = plan.projects["period"] if "period" in plan.projects.columns else pd.Series(dtype=object)
            when.index = [str(p) for p in when.index]
            got = when.reindex([str(p) for p in timed.index]).to_numpy(dtype=object)
            ok = np.array([str(g) == str(w) for g, w in zip(got, timed.to_numpy(dtype=object))], dtype=float)
            r.add(DRAFT_DECISIONS.name, [f"start of project {p}" for p in timed.index], ok, 1.0, "ge")
    if sources is not None and len(sources):
        dr = plan.draws
        drawn = pd.to_numeric(dr["amount"], errors="coerce").groupby(dr["source"].astype(str).to_numpy()).sum()
        for s, row in sources.iterrows():
            amount = float(drawn.get(str(s), 0.0))
            if not row["draw"]:
                r.add(DRAFT_DECISIONS.name, f"source {s} not drawn", amount, 0.0, "le")
            elif not pd.isna(row["amount"]):
                r.add(DRAFT_DECISIONS.name, f"source {s} draws its amount", amount, float(row["amount"]), "eq")
            else:  # a switched source drawn: used
                used = plan.sources["used"] if "used" in plan.sources.columns else pd.Series(dtype=object)
                flag = used.get(s, amount > 0)
                on = str(flag).lower() in ("true", "1", "1.0", "yes")
                r.add(DRAFT_DECISIONS.name, f"source {s} drawn", float(on), 1.0, "ge")
    return r.frame(tol, inst)


def changed_parcels(plan: Any, uses: pd.Series) -> list[str]:
    """The parcels whose use in `plan` is not the draft's use `uses`."""
    taken = _uses(_decisions(plan))
    want = pd.Series(uses.to_numpy(dtype=object), index=pd.Index([str(p) for p in uses.index], dtype=object))
    got = taken.reindex(want.index).to_numpy(dtype=object)
    return [p for p, g, w in zip(want.index, got, want.to_numpy(dtype=object)) if g != w]


def check_changes(plan: Any, uses: pd.Series, most: int, inst: Any = None, tol: float = 1e-6) -> pd.DataFrame:
    """The report of family `draft_changes_le` for `plan`: the parcels whose use is
    not the draft's, counted from the plan's uses, at most `most`."""
    r = Report()
    changed = changed_parcels(plan, uses)
    r.add(DRAFT_CHANGES.name, "parcels changed", float(len(changed)), float(most), "le")
    return r.frame(tol, inst)


__all__ = ["DRAFT_DECISIONS", "check_draft", "check_changes", "changed_parcels"]
