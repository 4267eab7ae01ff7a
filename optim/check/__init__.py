"""The independent checker: every plan that leaves optim is certified here.

`check_plan(inst, plan)` recomputes every constraint family of docs/model.md
from the instance and the plan's decisions alone (the use of each parcel, the
draws, the projects built, the own funds, the switched sources, and with
periods the schedules and draws per period); it does not build or read the
optimisation model and shares no arithmetic with it. Only the families'
declarations (their titles and units, optim/model/families.py) are shared, so
that its report speaks the same words.

- `plan`: the decisions (`PlanDecisions`) and the families; `PlanChecker` checks
  the plans of one instance (a study's re-solves), its ids read once;
- `periods`: the families of instances with periods;
- `report`: the report (one row per family);
- `certificate`: certify a result, read a result folder, print the report;
- `stochastic`: a plan under uncertainty (one first stage, every scenario's plan,
  the expected objective and its CVaR);
- `draft`: a planner's draft (its decisions kept, the parcels changed from it).
"""

from .draft import DRAFT_DECISIONS, changed_parcels, check_changes, check_draft
from .certificate import (DEFAULT_TOL, PlanRejected, certify, certify_result, check_result_dir, failed,
                          read_plan, report_dict, report_table)
from .plan import PlanChecker, PlanDecisions, assert_plan_ok, check_plan, recompute_kpis, recompute_objective
from .stochastic import ScenarioPlan, check_stochastic

__all__ = ["PlanChecker", "PlanDecisions", "check_plan", "assert_plan_ok", "recompute_kpis", "recompute_objective",
           "ScenarioPlan", "check_stochastic", "certify", "certify_result",
           "PlanRejected", "failed", "read_plan", "check_result_dir", "report_table", "report_dict", "DEFAULT_TOL",
           "check_draft", "check_changes", "changed_parcels", "DRAFT_DECISIONS"]
