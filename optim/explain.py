"""Why an instance has no plan: the smallest relaxation of its targets and limits.

`explain(inst)` builds the model (`optim.model.create_model`) and an ELASTIC
copy of it: every row of a family the planner sets (a target or a limit: the
coverage target, the own-funds and EOD balances, resource caps, land bounds,
source minimums and draw bounds, capital rules, relocation, the cash balance
per period, ...; see `RELAXABLE`) gets a nonnegative slack column on the side
that can be violated, while the accounting identities (`parcel_use_eq`,
`category_funding_eq`, `period_funding_eq`, the period links) and the
physical limits of the sources (`source_cap_le`) stay exact. The elastic model
has no objective of its own but

    minimise  sum_r  s_r / scale_r

where `scale_r` is the row's own size (the largest of |rhs| and its largest
|coefficient|), so each slack counts as a fraction of its row: relaxing a
32,000 tce energy quota by 320 tce weighs as much as relaxing a 100 million
yuan own-funds balance by 1 million. One weighted sum (not a lexicographic
order of families) is used: it is one MIP solve and it finds the relaxation
that is smallest relative to the figures involved. Each nonzero slack is then
converted back to the row's real unit (yuan, mu, the resource's unit, ...) and
reported in the planner's words, largest relative shortfall first.

Where HiGHS can give an irreducible infeasible subset (`Highs.getIis`, LPs
only), it is computed on the LP RELAXATION of the model (yes/no decisions taken
fractionally) and its rows and bounds are named in domain terms. When the LP
relaxation has a plan, the conflict lies in the yes/no decisions and there is
no subset to report; the explanation says so.

`optim explain PATH [--scenario NAME] [--json]` prints the report (exit 1 when
the instance has no plan, 0 when it has one, 2 on bad input); `optim solve`
prints it after "no plan".
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd

from .formulation import Family, Formulation
from .instance import Instance
from .model import ModelData, create_model
from .solve import Compiled, SolveOptions, _compiled, _run_direct, compile_model, make_highs, run_highs

# Families of planner targets and limits, relaxed by the elastic model, and the
# side of each row that may give: "lower" (row + s >= lower) or "upper"
# (row - s <= upper). `target_<term>_ge/_le` are relaxed too (see `relax_side`).
RELAXABLE = {
    "coverage_ge": "lower",
    "own_funds_le": "upper",
    "eod_balance_le": "upper",
    "resource_cap_le": "upper",
    "industrial_need_ge": "lower",
    "industrial_area_ge": "lower",
    "industrial_area_le": "upper",
    "forgone_income_le": "upper",
    "source_min_ge": "lower",
    "source_min_draw_ge": "lower",
    "source_max_draw_le": "upper",
    "capital_share_ge": "lower",
    "debt_to_capital_le": "upper",
    "relocation_assign_eq": "lower",  # an enterprise left without a site
    "relocation_capacity_le": "upper",
    "relocation_by_period_le": "upper",
    "compat_forbid_le": "upper",
    # with periods
    "cash_balance_eq": "upper",  # cash may go below zero: money injected in the period
    "dscr_ge": "lower",
    "industrial_need_period_ge": "lower",
    "period_cap_le": "upper",
    "draw_min_ge": "lower",
    "draw_max_le": "upper",
}

MONEY_FAMILIES = {"coverage_ge", "own_funds_le", "eod_balance_le", "forgone_income_le", "source_min_ge",
                  "source_min_draw_ge", "source_max_draw_le", "capital_share_ge", "debt_to_capital_le",
                  "cash_balance_eq", "dscr_ge", "draw_min_ge", "draw_max_le"}
AREA_FAMILIES = {"industrial_need_ge", "industrial_area_ge", "industrial_area_le", "relocation_capacity_le",
                 "industrial_need_period_ge"}

# slacks below this (in the row's own units) are solver noise
SLACK_TOL = 1e-6
DEFAULT_TIME_LIMIT = 60.0
IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyIrreducible)
LOWER, UPPER, BOXED = (int(highspy.IisBoundStatus.kIisBoundStatusLower),
                       int(highspy.IisBoundStatus.kIisBoundStatusUpper),
                       int(highspy.IisBoundStatus.kIisBoundStatusBoxed))
SHOWN = 25  # rows of a list shown in the text report

TERM_WORDS = {"land_income": "land income", "industrial_output": "industrial output",
              "coverage": "external financing in scope", "financing_cost": "financing cost"}


def relax_side(family: str) -> str | None:
    """The side of `family`'s rows the elastic model relaxes, or None (kept exact)."""
    if family in RELAXABLE:
        return RELAXABLE[family]
    if family.startswith("target_"):
        return "lower" if family.endswith("_ge") else "upper"
    return None


@dataclass
class Explanation:
    """What `explain` found.

    feasible: the instance has a plan (no slack needed).
    shortfalls: one row per relaxed target or limit, largest relative shortfall
        first: constraint (family), member (row label, "" for single rows),
        amount (in `unit`), unit, relative (amount / the row's scale), message.
    status: ``optimal`` when the smallest relaxation is proven, ``feasible`` when a
        limit stopped the elastic solve (a relaxation, maybe not the smallest),
        ``no_relaxation`` when even the relaxed model has no plan (the conflict is
        among fixed decisions: locks, mandatory projects, one use per parcel).
    iis: the irreducible infeasible subset of the LP relaxation in domain terms
        (empty if none); iis_note says what it is or why there is none.
    prechecks: findings of `optim.prechecks.precheck`.
    """

    instance: str
    feasible: bool
    shortfalls: pd.DataFrame
    status: str = "optimal"
    iis: list[str] = field(default_factory=list)
    iis_note: str = ""
    prechecks: list[Any] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def method(self) -> str:
        return ("elastic model: one nonnegative slack per row of each planner target and limit, "
                "minimising the sum of slacks each divided by its row's scale (max of |rhs| and "
                "|coefficients|); accounting identities and source caps kept exact")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: feasible, status, shortfalls [{constraint, member, amount, unit,
        relative, message}], iis {model, constraints, note}, prechecks, method."""
        return {
            "instance": self.instance,
            "feasible": self.feasible,
            "status": "feasible" if self.feasible else "infeasible",
            "relaxation": self.status,
            "shortfalls": [{"constraint": r.constraint, "member": r.member, "amount": _num(r.amount),
                            "unit": r.unit, "relative": _num(r.relative), "message": r.message}
                           for r in self.shortfalls.itertuples()],
            "iis": {"model": "lp_relaxation", "constraints": list(self.iis), "note": self.iis_note},
            "prechecks": [f.to_dict() for f in self.prechecks],
            "method": self.method,
        }

    def solve_keys(self) -> dict[str, Any]:
        """The keys `optim solve --json` adds for an infeasible instance."""
        d = self.to_dict()
        return {"shortfalls": d["shortfalls"], "iis": d["iis"], "relaxation": d["relaxation"]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def summary(self) -> str:
        """The report in words."""
        if self.feasible:
            lines = [f"{self.instance}: feasible: a plan meets every target and limit (nothing to explain)"]
        else:
            lines = [f"{self.instance}: no feasible plan"]
            if self.status == "no_relaxation":
                lines.append("no relaxation of the targets and limits gives a plan: the conflict is among "
                             "fixed decisions (locks, mandatory projects, one use per parcel)")
            elif self.status not in ("optimal", "feasible"):
                lines.append(f"the search for the smallest relaxation stopped ({self.status}) before it "
                             "found one")
            elif len(self.shortfalls):
                head = "the smallest relaxation of the targets and limits that gives a plan:"
                if self.status != "optimal":
                    head = "a relaxation of the targets and limits that gives a plan (a limit stopped the " \
                           "search: not proven the smallest):"
                lines.append(head)
                lines += [f"  - {m}" for m in self.shortfalls["message"][:SHOWN]]
                if len(self.shortfalls) > SHOWN:
                    lines.append(f"  ... and {len(self.shortfalls) - SHOWN} more (all of them with --json)")
            if self.iis:
                lines.append(f"irreducible infeasible subset {self.iis_note}:")
                lines += [f"  - {c}" for c in self.iis[:SHOWN]]
                if len(self.iis) > SHOWN:
                    lines.append(f"  ... and {len(self.iis) - SHOWN} more (all of them with --json)")
            elif self.iis_note:
                lines.append(self.iis_note)
        errors = [f for f in self.prechecks if f.severity == "error"]
        warnings = [f for f in self.prechecks if f.severity != "error"]
        if errors or warnings:
            lines.append("presolve checks:")
            lines += [f"  {f}" for f in errors + warnings]
        return "\n".join(lines)


# ---- the elastic model ---------------------------------------------------------------
@dataclass
class Elastic:
    """The compiled model with slack columns appended (after the model's n columns)."""

    compiled: Compiled
    n: int  # columns of the original model
    rows: np.ndarray  # global row of each slack
    sign: np.ndarray  # +1 lower side, -1 upper side
    weight: np.ndarray  # 1 / scale of the row
    family: list[str]  # family of each slack
    position: np.ndarray  # row position within its family


def row_scales(c: Compiled) -> np.ndarray:
    """Scale of each row: the largest of |finite bounds| and |coefficients| (1 if all 0)."""
    m = len(c.row_lower)
    scale = np.zeros(m)
    if len(c.value):
        np.maximum.at(scale, c.index.astype(np.int64), np.abs(c.value))
    for b in (c.row_lower, c.row_upper):
        finite = np.isfinite(b)
        scale[finite] = np.maximum(scale[finite], np.abs(b[finite]))
    scale[scale == 0] = 1.0
    return scale


def elastic(f: Formulation, c: Compiled | None = None) -> Elastic:
    """Slack columns on the relaxable rows of `f`; the objective becomes the
    weighted sum of slacks (minimised); the model's own objective is dropped."""
    c = c if c is not None else compile_model(f)
    n = len(c.cost)
    scale = row_scales(c)
    rows, sign, family, position = [], [], [], []
    for fam in f.families.values():
        side = relax_side(fam.name)
        if side is None or fam.size == 0:
            continue
        k = np.arange(fam.size)
        finite = np.isfinite(fam.lower if side == "lower" else fam.upper)
        k = k[finite]
        rows.append(fam.start + k)
        sign.append(np.full(len(k), 1.0 if side == "lower" else -1.0))
        family += [fam.name] * len(k)
        position.append(k)
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dtype=dt))
    rows, sign, position = cat(rows, np.int64), cat(sign, float), cat(position, np.int64)
    k = len(rows)
    weight = 1.0 / scale[rows] if k else np.zeros(0)
    ec = _compiled(
        cost=np.concatenate([np.zeros(n), weight]), offset=0.0, maximize=False,
        col_lower=np.concatenate([c.col_lower, np.zeros(k)]),
        col_upper=np.concatenate([c.col_upper, np.full(k, np.inf)]),
        integer=np.concatenate([c.integrality, np.zeros(k, dtype=np.int32)]),
        row_lower=c.row_lower, row_upper=c.row_upper,
        start=np.concatenate([c.start, c.start[-1] + np.arange(1, k + 1)]),
        index=np.concatenate([c.index, rows]), value=np.concatenate([c.value, sign]))
    return Elastic(ec, n, rows, sign, weight, family, position)


# ---- explain -------------------------------------------------------------------------
def explain(inst: Instance, *, time_limit: float | None = DEFAULT_TIME_LIMIT, iis: bool = True,
            prechecks: bool = True) -> Explanation:
    """Explain why `inst` has no plan (or say that it has one)."""
    f, d = create_model(inst)
    c = compile_model(f)
    e = elastic(f, c)
    options = SolveOptions(time_limit=time_limit, mip_rel_gap=1e-6, seed=0)
    sol = run_highs(make_highs(e.compiled, options), e.compiled.integer)
    findings = []
    if prechecks:
        from .prechecks import precheck

        findings = precheck(inst, formulation=f)
    name = inst.name or "instance"
    if sol.values is None:  # even the elastic model has no plan (or a limit before any)
        status = "no_relaxation" if sol.status == "infeasible" else sol.status
        exp = Explanation(name, False, _empty(), status=status, prechecks=findings, seconds=sol.seconds)
    else:
        x = sol.values[:e.n]
        s = sol.values[e.n:]
        hit = np.flatnonzero(s > SLACK_TOL)
        records = [_shortfall(f, d, e, j, float(s[j]), x) for j in hit]
        table = pd.DataFrame(records, columns=["constraint", "member", "amount", "unit", "relative", "message"])
        table = table.sort_values("relative", ascending=False, kind="stable").reset_index(drop=True)
        exp = Explanation(name, len(table) == 0, table, status=sol.status, prechecks=findings,
                          seconds=sol.seconds)
    if not exp.feasible and iis:
        exp.iis, exp.iis_note = irreducible_subset(f, c, time_limit=time_limit)
    return exp


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["constraint", "member", "amount", "unit", "relative", "message"])


def _shortfall(f: Formulation, d: ModelData, e: Elastic, j: int, slack: float, x: np.ndarray) -> dict:
    fam = f.families[e.family[j]]
    k = int(e.position[j])
    label = fam.labels[k]
    amount = slack * fam.unit
    unit, message = describe(fam, k, label, amount, d, f, x)
    member = "" if label is None or (isinstance(label, float) and math.isnan(label)) else \
        (", ".join(map(str, label)) if isinstance(label, tuple) else str(label))
    return {"constraint": fam.name, "member": member, "amount": amount, "unit": unit,
            "relative": slack * float(e.weight[j]), "message": message}


# ---- messages in the planner's words ------------------------------------------------------
def _fmt(x: float) -> str:
    """1234.5 -> '1,234', 2.5 -> '2.5', 0.0123 -> '0.0123'."""
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def money(x: float, unit: str = "yuan") -> str:
    """62e6 -> '62.0 million yuan'; below a million in full."""
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.1f} million {unit}"
    return f"{_fmt(x)} {unit}"


def pct(r: float, digits: int | None = None) -> str:
    """0.814 -> '81.4 %' (digits=1); 0.88 -> '88 %' (digits None: as few as needed)."""
    if digits is None:
        return f"{round(100 * r, 6):g} %"
    return f"{100 * r:.{digits}f} %"


def _resource_unit(inst: Instance, rid: str) -> str:
    res = inst.resources
    if rid in res.index and "unit" in res.columns:
        u = res.at[rid, "unit"]
        if isinstance(u, str) and u.strip():
            return u.strip()
    return "units"


def describe(fam: Family, k: int, label: Any, amount: float, d: ModelData, f: Formulation,
             x: np.ndarray) -> tuple[str, str]:
    """(unit, message) for a shortfall of `amount` (real units) on row `k` of `fam`."""
    inst = d.inst
    cur = inst.units.get("money", "yuan") if inst.units else "yuan"
    area = inst.units.get("area", "mu") if inst.units else "mu"
    name = fam.name
    pol = inst.policy
    M = lambda v: money(v, cur)  # noqa: E731
    rhs_lo, rhs_hi = fam.lower[k] * fam.unit, fam.upper[k] * fam.unit

    if name == "coverage_ge" or name == "target_coverage_ge":
        t = pol.coverage_target if name == "coverage_ge" else inst.objective.targets["coverage"][0]
        ef, ts = f.exprs["coverage"].value(x), f.exprs["scope_investment"].value(x)
        reach = f"coverage reaches {pct(ef / ts, 1)} in the closest plan; " if ts > 0 else ""
        what = "target" if name == "coverage_ge" else "minimum coverage target"
        return cur, f"{reach}the {pct(t)} {what} is short by {M(amount)} of external financing"
    if name == "target_coverage_le":
        t = inst.objective.targets["coverage"][1]
        return cur, f"external financing exceeds the maximum coverage of {pct(t)} by {M(amount)}"
    if name.startswith("target_"):
        term = name[len("target_"):-3]
        words = TERM_WORDS.get(term, term.replace("_", " "))
        if name.endswith("_ge"):
            return cur, f"{words} falls short of its minimum of {M(rhs_lo)} by {M(amount)}"
        return cur, f"{words} exceeds its maximum of {M(rhs_hi)} by {M(amount)}"
    if name == "own_funds_le":
        return cur, (f"own funds are short by {M(amount)}: own-funded spending and arrangement fees exceed "
                     f"the budget of {M(pol.own_funds_budget)} plus {pct(pol.land_income_to_own_funds)} "
                     "of the land income of the parcels kept for sale")
    if name == "eod_balance_le":
        share = inst.eod.income_share if inst.eod is not None else 0.0
        return cur, (f"the EOD balance is short by {M(amount)}: ecology spending left to own funds exceeds "
                     f"{pct(share)} of the commercial income of the park and the river route")
    if name == "resource_cap_le":
        u = _resource_unit(inst, label)
        return u, f"{label} needs {_fmt(amount)} {u} more than its cap of {_fmt(rhs_hi)} {u}"
    if name == "period_cap_le":
        rid, period = label
        u = _resource_unit(inst, rid)
        return u, f"{rid} in {period} needs {_fmt(amount)} {u} more than its cap of {_fmt(rhs_hi)} {u}"
    if name == "industrial_need_ge":
        return area, f"projects need {_fmt(amount)} {area} more industrial land than the plan can provide"
    if name == "industrial_need_period_ge":
        return area, (f"projects started by {label} need {_fmt(amount)} {area} more industrial land than "
                      "can be rezoned by then")
    if name == "industrial_area_ge":
        return area, (f"industrial area falls short of the minimum of {_fmt(rhs_lo)} {area} "
                      f"by {_fmt(amount)} {area}")
    if name == "industrial_area_le":
        return area, f"industrial area exceeds the maximum of {_fmt(rhs_hi)} {area} by {_fmt(amount)} {area}"
    if name == "forgone_income_le":
        return cur, f"forgone land income exceeds its cap of {M(rhs_hi)} by {M(amount)}"
    if name == "source_min_ge":
        ticket = float(d.sources.at[label, "min_ticket"])
        return cur, (f"source {label} cannot reach its minimum ticket of {M(ticket)}: "
                     f"the categories it may pay for leave it short by {M(amount)}")
    if name == "source_min_draw_ge":
        return cur, f"source {label} cannot reach its minimum draw of {M(rhs_lo)}: short by {M(amount)}"
    if name == "source_max_draw_le":
        return cur, f"source {label} must draw {M(amount)} more than its maximum draw of {M(rhs_hi)}"
    if name == "draw_min_ge":
        s, period = label
        return cur, f"source {s} cannot reach its minimum draw of {M(rhs_lo)} in {period}: short by {M(amount)}"
    if name == "draw_max_le":
        s, period = label
        return cur, f"source {s} must draw {M(amount)} more than its maximum of {M(rhs_hi)} in {period}"
    if name == "capital_share_ge":
        return cur, (f"project capital is short by {M(amount)} (the rule asks for "
                     f"{pct(pol.min_capital_share)} of the investment)")
    if name == "debt_to_capital_le":
        return cur, f"debt exceeds {_fmt(pol.max_debt_to_capital)} times the project capital by {M(amount)}"
    if name == "cash_balance_eq":
        return cur, f"cash in {label} is short by {M(amount)}"
    if name == "dscr_ge":
        return cur, (f"debt-service cover in {label} is short by {M(amount)} of income "
                     f"(minimum cover {_fmt(pol.min_dscr)})")
    if name == "relocation_assign_eq":
        return "enterprise", f"enterprise {label} cannot be relocated: no parcel can take it"
    if name == "relocation_capacity_le":
        p, u = label
        return area, f"enterprises on parcel {p} need {_fmt(amount)} {area} more {u} land than it provides"
    if name == "relocation_by_period_le":
        ent, p = label
        return "enterprise", f"enterprise {ent} cannot move onto parcel {p} by its deadline"
    if name == "compat_forbid_le":
        return "pair", f"forbidden neighbours needed: {_row_name(name, label)}"
    return "", f"{_row_name(name, label)} is violated by {_fmt(amount)}"


# ---- irreducible infeasible subset ---------------------------------------------------------
ROW_NAMES = {
    "parcel_use_eq": "one use for parcel {}",
    "category_funding_eq": "funding of category {}",
    "source_cap_le": "cap of source {}",
    "source_min_ge": "minimum ticket of source {}",
    "source_min_draw_ge": "minimum draw of source {}",
    "source_max_draw_le": "maximum draw of source {}",
    "coverage_ge": "coverage target",
    "own_funds_le": "own-funds balance",
    "eod_balance_le": "EOD balance",
    "resource_cap_le": "resource cap of {}",
    "industrial_need_ge": "industrial land for projects",
    "industrial_area_ge": "minimum industrial area",
    "industrial_area_le": "maximum industrial area",
    "forgone_income_le": "cap on forgone land income",
    "capital_share_ge": "project-capital share",
    "debt_to_capital_le": "debt-to-capital limit",
    "relocation_assign_eq": "relocation of enterprise {}",
    "relocation_assign_le": "at most one site for enterprise {}",
    "relocation_capacity_le": "room for enterprises on parcel {} ({})",
    "relocation_by_period_le": "deadline of enterprise {} on parcel {}",
    "period_funding_eq": "funding of category {} in {}",
    "cash_balance_eq": "cash balance in {}",
    "dscr_ge": "debt-service cover in {}",
    "industrial_need_period_ge": "industrial land for projects by {}",
    "period_cap_le": "cap of {} in {}",
    "draw_min_ge": "minimum draw of source {} in {}",
    "draw_max_le": "maximum draw of source {} in {}",
    "rezone_period_eq": "rezoning period of parcel {} ({})",
    "project_period_eq": "start period of project {}",
    "draw_period_eq": "draws of source {} for {} over the periods",
    "own_period_eq": "own funds for {} over the periods",
    "recycle_after_build_le": "recycling of project {} in {}",
}
COL_NAMES = {
    "v_use": "use {1} of parcel {0}",
    "v_build": "project {}",
    "v_draw": "draw of source {0} for {1}",
    "v_open": "source {} drawn at all",
    "v_own": "own funds for {}",
    "v_cash": "cash at the end of {}",
    "v_reloc": "enterprise {0} on parcel {1}",
}


def _fill(template: str, label: Any) -> str | None:
    parts = list(label) if isinstance(label, tuple) else [label]
    try:
        if "{}" in template and template.count("{}") == 1 and len(parts) > 1:
            return template.format(", ".join(map(str, parts)))
        return template.format(*parts)
    except (IndexError, KeyError):
        return None


def _row_name(family: str, label: Any) -> str:
    """A row in domain terms: 'resource cap of energy', 'funding of category park', ..."""
    if family.startswith("target_"):
        term = family[len("target_"):-3]
        return f"{'minimum' if family.endswith('_ge') else 'maximum'} of {TERM_WORDS.get(term, term)}"
    if family == "compat_forbid_le" and isinstance(label, tuple) and len(label) == 4:
        a, b, u, w = label
        return f"parcel {a} as {u} beside parcel {b} as {w} is forbidden"
    template = ROW_NAMES.get(family)
    text = _fill(template, label) if template else None
    if text is None:
        member = "" if label is None else f"[{', '.join(map(str, label)) if isinstance(label, tuple) else label}]"
        return f"{family}{member}"
    return text


def _col_name(f: Formulation, col: int, bound: int) -> str:
    g, k = f.group_of(int(col))
    label = g.labels[k]
    template = COL_NAMES.get(g.name)
    text = _fill(template, label) if template else None
    if text is None:
        text = f"{g.name}[{', '.join(map(str, label)) if isinstance(label, tuple) else label}]"
    lo, hi = g.lower[k], g.upper[k]
    if g.name == "v_build" and lo >= 1 and bound == LOWER:
        return f"project {label} is mandatory"
    if bound == LOWER:
        return f"{text} >= {lo:g}"
    if bound == UPPER:
        return f"{text} <= {hi:g}"
    if bound == BOXED:
        return f"{text} fixed to {lo:g}" if lo == hi else f"{lo:g} <= {text} <= {hi:g}"
    return text


def irreducible_subset(f: Formulation, c: Compiled | None = None,
                       time_limit: float | None = DEFAULT_TIME_LIMIT) -> tuple[list[str], str]:
    """HiGHS's irreducible infeasible subset of the LP relaxation of `f`, named in
    domain terms: (rows then column bounds, note). Empty with a note saying why
    when the LP relaxation has a plan or HiGHS gives none."""
    c = c if c is not None else compile_model(f)
    lp = dataclasses.replace(c, integrality=np.zeros_like(c.integrality))
    h = make_highs(lp, SolveOptions(time_limit=time_limit, mip_rel_gap=None, seed=0))
    h.setOptionValue("iis_strategy", IIS_STRATEGY)
    _run_direct(h)
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kInfeasible:
        if status == highspy.HighsModelStatus.kOptimal:
            return [], ("the LP relaxation (parcels, projects and source decisions taken fractionally) has a "
                        "plan: the conflict lies in the yes/no decisions, for which HiGHS gives no "
                        "irreducible infeasible subset")
        return [], f"no irreducible infeasible subset: the LP relaxation ended with {status.name}"
    try:
        run_status, iis = h.getIis()
    except Exception as exc:  # pragma: no cover - depends on the HiGHS build
        return [], f"no irreducible infeasible subset: HiGHS getIis failed ({exc})"
    rows = list(iis.row_index_)
    cols = list(iis.col_index_)
    if run_status == highspy.HighsStatus.kError or not iis.valid_ or not (rows or cols):
        return [], "no irreducible infeasible subset: HiGHS found none for the LP relaxation"
    starts = np.array([fam.start for fam in f.families.values()])
    fams = list(f.families.values())
    names = []
    for r in rows:
        fam = fams[int(np.searchsorted(starts, r, side="right")) - 1]
        names.append(_row_name(fam.name, fam.labels[int(r) - fam.start]))
    lower, upper, integer = f.bounds()
    trivial = 0
    for col, b in zip(cols, iis.col_bound_):
        b = int(b)
        if b not in (LOWER, UPPER, BOXED):
            continue  # the column is in the subset, its bounds are not
        if (b == LOWER and lower[col] == 0) or (b == UPPER and integer[col] and upper[col] == 1):
            trivial += 1  # the variable's own domain (>= 0, a yes/no <= 1): not a decision
            continue
        names.append(_col_name(f, col, b))
    note = ("of the LP relaxation (yes/no decisions taken fractionally), from HiGHS getIis: these "
            "constraints and bounds cannot all hold")
    if trivial:
        note += f"; {trivial} variable(s) at the bounds of their domain (>= 0, yes/no <= 1) not listed"
    return names, note


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def explain_for_solve(inst: Instance, result: Any) -> Explanation | None:
    """The explanation `optim solve` prints after "no plan": only when HiGHS proved
    the instance infeasible (not after a limit). The presolve checks have run already."""
    if getattr(result, "status", None) != "infeasible":
        return None
    return explain(inst, prechecks=False)


# ---- command line -------------------------------------------------------------------------------
def run_cli(args: Any) -> int:
    """`optim explain PATH [--scenario NAME]... [--json]`: 0 feasible, 1 no plan
    (bad input raises InstanceError: exit 2 in optim.cli)."""
    from .io import load
    from .scenarios import apply_scenarios

    inst = apply_scenarios(load(args.path), getattr(args, "scenario", []) or [])
    exp = explain(inst)
    print(exp.to_json() if args.json else exp.summary())
    return 0 if exp.feasible else 1
