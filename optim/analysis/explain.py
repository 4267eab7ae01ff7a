"""Why an instance has no plan: the smallest relaxation of its targets and limits.

`explain(inst)` builds the model (`optim.build`) and an ELASTIC copy of it:
every row of a family the planner sets (a target or a limit: the coverage
target, the own-funds and EOD balances, resource caps, land bounds, source
minimums and draw bounds, capital rules, relocation, the cash balance per
period, ...: each family whose declaration names a side to relax,
`FamilySpec.relax` in optim/model/families.py) gets a nonnegative slack
column on that side, while the accounting identities (`parcel_use_eq`,
`category_funding_eq`, `period_funding_eq`, the period links) and the
physical limits of the sources (`source_cap_le`) stay exact. The elastic model
has no objective of its own but minimises the sum of slacks, each over the one
scale of its quantity (`quantity_scales`: money rows share the park's money, area
rows the total area, each resource its cap), so relaxations of one quantity
weigh by their amounts. The search runs in stages (`explain`): the rows made by
figures a scenario changed first; then the smallest weighted sum; then, of the
relaxations as small, the one relaxing changed rows, planner-level targets
(`FamilySpec.planner`) and only then technical bounds; and the alternatives just
as small. Each nonzero slack is converted back to the row's real unit (yuan, mu,
the resource's unit, ...) and reported in the planner's words
(`FamilySpec.shortfall`), largest relative shortfall first (docs/reliability.md).

Where HiGHS can give an irreducible infeasible subset (`Highs.getIis`, LPs
only), it is computed on the LP RELAXATION of the model (yes/no decisions taken
fractionally) and its rows and bounds are named in domain terms. When the LP
relaxation has a plan, the conflict lies in the yes/no decisions and there is
no subset to report; the explanation says so.

`optim explain PATH [--scenario NAME] [--json]` prints the report (exit 1 when
the instance has no plan, 0 when it has one, 2 on bad input; optim/cli/explain.py);
`optim solve` prints it after "no plan".
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd

from ..api import Model
from ..inputs.instance import Instance
from ..model.data import ModelData
from ..model.families import Row, member, parts
from ..model.formulation import Formulation
from ..highs import Compiled, SolveOptions, compile_model, make_highs, run_direct, run_highs
from ..inputs.scenarios import same_figures
from ..text import json_number
from .prechecks import precheck

# slacks below this (in the row's own units) are solver noise
SLACK_TOL = 1e-6
DEFAULT_TIME_LIMIT = 60.0
IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyIrreducible)
LOWER, UPPER, BOXED = (int(highspy.IisBoundStatus.kIisBoundStatusLower),
                       int(highspy.IisBoundStatus.kIisBoundStatusUpper),
                       int(highspy.IisBoundStatus.kIisBoundStatusBoxed))
SHOWN = 25  # rows of a list shown in the text report
SHORTFALL_COLUMNS = ["constraint", "member", "amount", "unit", "relative", "message", "limit"]
INF_H = highspy.kHighsInf

@dataclass
class Explanation:
    """What `explain` found.

    feasible: the instance has a plan (no slack needed).
    shortfalls: one row per relaxed target or limit, largest relative shortfall
        first: constraint (family), member (row label, "" for single rows),
        amount (in `unit`), unit, relative (amount / the row's scale), message,
        limit (the row's bound on the relaxed side, in `unit`: for a report
        that words the shortfall itself, as optim/reporting does in Chinese).
    status: ``optimal`` when the smallest relaxation is proven, ``feasible`` when a
        limit stopped the elastic solve (a relaxation, maybe not the smallest),
        ``no_relaxation`` when even the relaxed model has no plan (the conflict is
        among fixed decisions: locks, mandatory projects, one use per parcel).
    iis: the irreducible infeasible subset of the LP relaxation in domain terms
        (empty if none); iis_note says what it is or why there is none;
        iis_items the same rows and bounds as data (`IisItems`), for a report
        that words them itself.
    prechecks: findings of `optim.prechecks.precheck`.
    """

    instance: str
    feasible: bool
    shortfalls: pd.DataFrame
    status: str = "optimal"
    iis: list[str] = field(default_factory=list)
    iis_note: str = ""
    iis_items: "IisItems | None" = None
    prechecks: list[Any] = field(default_factory=list)
    seconds: float = 0.0
    alternatives: list[pd.DataFrame] = field(default_factory=list)  # relaxations just as small
    preferred: list[str] = field(default_factory=list)  # the changed figures whose rows were relaxed first

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
            "shortfalls": _records(self.shortfalls),
            "alternatives": [_records(alt) for alt in self.alternatives],
            "changed": list(self.preferred),
            "iis": {"model": "lp_relaxation", "constraints": list(self.iis), "note": self.iis_note,
                    **(self.iis_items.to_dict() if self.iis_items is not None else {})},
            "prechecks": [f.to_dict() for f in self.prechecks],
            "method": self.method,
        }

    def solve_keys(self) -> dict[str, Any]:
        """The keys `optim solve --json` adds for an infeasible instance."""
        d = self.to_dict()
        return {"shortfalls": d["shortfalls"], "alternatives": d["alternatives"], "iis": d["iis"],
                "relaxation": d["relaxation"]}

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
                for alt in self.alternatives:
                    lines.append(f"  or, just as small: {'; '.join(alt['message'])}")
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
    weight: np.ndarray  # per unit of slack (model units): 1 / the scale of its quantity (real units)
    family: list[str]  # family of each slack
    position: np.ndarray  # row position within its family
    planner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # a planner-level target


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


def quantity_scales(f: Formulation, d: ModelData | None, c: Compiled) -> dict[Any, float]:
    """One scale per quantity, in real units, so that relaxations of the same
    quantity weigh by their amounts: money by the park's money (the largest of
    its money bounds, the projects' total cost and the sources' total cap), area
    by the parcels' total area, each resource by its largest cap, counts by 1."""
    own = row_scales(c)
    out: dict[Any, float] = {"money": 0.0, "area": 0.0, "count": 1.0, "ratio": 1.0}
    for fam in f.families.values():
        spec = fam.spec
        if spec.relax is None or fam.size == 0:
            continue
        bound = fam.lower if spec.relax == "lower" else fam.upper
        finite = np.abs(bound[np.isfinite(bound)]) * fam.unit
        if spec.quantity == "resource":
            for k, label in enumerate(fam.labels):
                rid = ("resource", parts(label)[0] if parts(label) else None)
                real = abs(bound[k]) * fam.unit if np.isfinite(bound[k]) else own[fam.start + k] * fam.unit
                out[rid] = max(out.get(rid, 0.0), real)
        elif spec.quantity in ("money", "area") and len(finite):
            out[spec.quantity] = max(out[spec.quantity], float(finite.max()))
    if d is not None:
        out["money"] = max(out["money"], float(np.abs(d.projects["cost"].to_numpy(dtype=float)).sum()),
                           float(np.abs(d.sources["cap"].to_numpy(dtype=float)).sum()))
        out["area"] = max(out["area"], float(d.inst.parcels["area"].to_numpy(dtype=float).sum()))
    return {k: (v if v > 0 else 1.0) for k, v in out.items()}


def elastic(f: Formulation, c: Compiled | None = None, d: ModelData | None = None) -> Elastic:
    """Slack columns on the relaxable rows of `f`; the objective becomes the
    weighted sum of slacks (minimised); the model's own objective is dropped.
    Each slack weighs its amount in real units over the scale of its quantity
    (`quantity_scales`)."""
    c = c if c is not None else compile_model(f, implied=False)
    n = len(c.cost)
    scales = quantity_scales(f, d, c)
    rows, sign, family, position, weight, planner = [], [], [], [], [], []
    for fam in f.families.values():
        side = fam.spec.relax  # the side a planner may relax (optim/model/families.py)
        if side is None or fam.size == 0:
            continue
        k = np.arange(fam.size)
        finite = np.isfinite(fam.lower if side == "lower" else fam.upper)
        k = k[finite]
        rows.append(fam.start + k)
        sign.append(np.full(len(k), 1.0 if side == "lower" else -1.0))
        family += [fam.name] * len(k)
        position.append(k)
        q = fam.spec.quantity
        if q == "resource":
            per = [scales.get(("resource", parts(fam.labels[j])[0] if parts(fam.labels[j]) else None), 1.0)
                   for j in k]
        else:
            per = [scales.get(q, 1.0)] * len(k)
        weight.append(fam.unit / np.asarray(per, dtype=float))
        planner.append(np.full(len(k), fam.spec.planner))
    cat = (lambda parts_, dt: np.concatenate(parts_).astype(dt) if parts_ else np.zeros(0, dtype=dt))
    rows, sign, position = cat(rows, np.int64), cat(sign, float), cat(position, np.int64)
    weight, planner = cat(weight, float), cat(planner, bool)
    k = len(rows)
    ec = Compiled.of(
        cost=np.concatenate([np.zeros(n), weight]), offset=0.0, maximize=False,
        col_lower=np.concatenate([c.col_lower, np.zeros(k)]),
        col_upper=np.concatenate([c.col_upper, np.full(k, np.inf)]),
        integer=np.concatenate([c.integrality, np.zeros(k, dtype=np.int32)]),
        row_lower=c.row_lower, row_upper=c.row_upper,
        start=np.concatenate([c.start, c.start[-1] + np.arange(1, k + 1)]),
        index=np.concatenate([c.index, rows]), value=np.concatenate([c.value, sign]))
    return Elastic(ec, n, rows, sign, weight, family, position, planner)


def changed_rows(f: Formulation, inst: Instance, e: Elastic, changed: list[str]) -> np.ndarray:
    """Mask of the slacks whose rows are made by a figure in `changed` (paths of the
    scenario grammar: the figures a scenario or an override changed)."""
    out = np.zeros(len(e.rows), dtype=bool)
    if not changed:
        return out
    for j, name in enumerate(e.family):
        fam = f.families[name]
        label = fam.labels[int(e.position[j])]
        out[j] = any(same_figures(inst, mine, path) for mine in fam.spec.figures(label) for path in changed)
    return out


# ---- the search for the smallest relaxation ---------------------------------------------------
TIE = 1e-5  # relaxations within this share of the smallest count as equally small
MAX_ALTERNATIVES = 3


class _Search:
    """The elastic model in one HiGHS object, solved in stages: each stage keeps
    the figure the one before minimised (within `TIE`) and minimises another."""

    def __init__(self, e: Elastic, options: SolveOptions):
        self.e = e
        self.h = make_highs(e.compiled, options)
        # within HiGHS's default tolerance (1e-6 of a model unit) a tie is broken by
        # up to a hundred yuan the wrong way: relaxations are amounts to report
        self.h.setOptionValue("mip_feasibility_tolerance", 1e-8)
        self.cols = np.arange(e.n, e.n + len(e.rows), dtype=np.int32)

    def minimise(self, factor: np.ndarray) -> Any:
        """Minimise sum_j factor_j w_j s_j; the solution (values None if none)."""
        if len(self.cols):
            self.h.changeColsCost(len(self.cols), self.cols, factor * self.e.weight)
        return run_highs(self.h, self.e.compiled.integer)

    def keep(self, factor: np.ndarray, value: float) -> None:
        """Keep sum_j factor_j w_j s_j within `TIE` of `value` in later stages."""
        cost = factor * self.e.weight
        nz = np.flatnonzero(cost)
        self.h.addRow(-INF_H, value * (1 + TIE) + 1e-9, len(nz), self.cols[nz], cost[nz])

    def forbid(self, j: int, on: bool) -> None:
        self.h.changeColBounds(int(self.cols[j]), 0.0, 0.0 if on else INF_H)


def _relaxed(e: Elastic, values: np.ndarray) -> np.ndarray:
    return np.flatnonzero(values[e.n:] > SLACK_TOL)


# ---- explain -------------------------------------------------------------------------
def explain(inst: Instance, *, time_limit: float | None = DEFAULT_TIME_LIMIT, iis: bool = True,
            prechecks: bool = True, prefer: list[str] | None = None,
            model: Model | None = None) -> Explanation:
    """Explain why `inst` has no plan (or say that it has one).

    The smallest relaxation is found in stages on one elastic model: (1) when
    figures were changed (`prefer`, by default the paths the instance's scenarios
    changed: `Instance.changed`), the rows those figures make are relaxed first,
    the others only as far as needed; (2) the weighted sum of the relaxations is
    minimised; (3) of the relaxations as small as that (within `TIE`), the one
    that relaxes the rows a scenario changed, then planner-level targets
    (`FamilySpec.planner`), rather than technical bounds; (4) for each row so
    relaxed, a relaxation just as small without it, if there is one, is listed
    as an alternative. `model`: the built model of `inst` to explain when some of
    its decisions are fixed by column bounds (a planner's draft,
    optim/model/draft.py); built here by default."""
    model = model if model is not None else Model(inst)
    f, d = model.formulation, model.data
    c = compile_model(f, implied=False)  # the rows relaxed may be the ones that imply the money bounds
    e = elastic(f, c, d)
    changed = list(inst.changed if prefer is None else prefer)
    mine = changed_rows(f, inst, e, changed)
    options = SolveOptions(time_limit=time_limit, mip_rel_gap=1e-6, seed=0)
    findings = precheck(inst, formulation=f) if prechecks else []
    name = inst.name or "instance"
    search = _Search(e, options)
    ones = np.ones(len(e.rows))
    seconds = 0.0
    if mine.any():  # (1) the changed rows first
        sol = search.minimise((~mine).astype(float))
        seconds += sol.seconds
        if sol.values is not None:
            search.keep((~mine).astype(float), float(sol.objective))
    sol = search.minimise(ones)  # (2)
    seconds += sol.seconds
    if sol.values is None:  # even the elastic model has no plan (or a limit before any)
        status = "no_relaxation" if sol.status == "infeasible" else sol.status
        exp = Explanation(name, False, _empty(), status=status, prechecks=findings, seconds=seconds,
                          preferred=changed)
    else:
        status = sol.status
        tie = np.where(mine, 1.0, np.where(e.planner, 2.0, 4.0))  # (3): changed, planner-level, technical
        hit = _relaxed(e, sol.values)
        search.keep(ones, float(sol.objective))  # from here on: relaxations as small as this one
        if len(hit) and tie[hit].max() > (1.0 if mine.any() else 2.0):  # a preferable one may tie
            tied = search.minimise(tie)
            seconds += tied.seconds
            if tied.values is not None:
                sol = tied
        table = _table(f, d, e, sol.values)
        others: list[pd.DataFrame] = []
        hit = _relaxed(e, sol.values)
        if len(table) and len(hit) <= MAX_ALTERNATIVES:  # (4)
            seen = {tuple(hit)}
            for j in hit:
                search.forbid(j, True)
                alt = search.minimise(tie)
                search.forbid(j, False)
                seconds += alt.seconds
                if alt.values is not None and tuple(_relaxed(e, alt.values)) not in seen:
                    seen.add(tuple(_relaxed(e, alt.values)))
                    others.append(_table(f, d, e, alt.values))
        exp = Explanation(name, len(table) == 0, table, status=status, prechecks=findings,
                          seconds=seconds, alternatives=others, preferred=changed)
    if not exp.feasible and iis:
        exp.iis_items = IisItems()
        exp.iis, exp.iis_note = irreducible_subset(f, c, time_limit=time_limit, items=exp.iis_items)
    return exp


def _table(f: Formulation, d: ModelData, e: Elastic, values: np.ndarray) -> pd.DataFrame:
    """The relaxed rows of a solution of the elastic model, largest relative first."""
    x, s = values[:e.n], values[e.n:]
    records = [_shortfall(f, d, e, j, float(s[j]), x) for j in np.flatnonzero(s > SLACK_TOL)]
    table = pd.DataFrame(records, columns=SHORTFALL_COLUMNS)
    return table.sort_values("relative", ascending=False, kind="stable").reset_index(drop=True)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"constraint": r.constraint, "member": r.member, "amount": json_number(r.amount),
             "unit": r.unit, "relative": json_number(r.relative), "message": r.message,
             "limit": json_number(r.limit)}
            for r in table.itertuples()]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=SHORTFALL_COLUMNS)


def _shortfall(f: Formulation, d: ModelData, e: Elastic, j: int, slack: float, x: np.ndarray) -> dict:
    """One relaxed row in the planner's words, from its family's declaration."""
    fam = f.families[e.family[j]]
    k = int(e.position[j])
    label = fam.labels[k]
    amount = slack * fam.unit
    row = Row(fam.spec, d.inst, label, amount, float(fam.lower[k] * fam.unit), float(fam.upper[k] * fam.unit),
              values=lambda name: f.exprs[name].value(x) * f.units.get(name, 1.0), data=d)
    limit = row.upper if fam.spec.relax == "upper" else row.lower
    return {"constraint": fam.name, "member": member(label), "amount": amount, "unit": row.unit,
            "relative": slack * float(e.weight[j]), "message": fam.spec.shortfall(row),
            "limit": limit if np.isfinite(limit) else None}


# ---- irreducible infeasible subset ---------------------------------------------------------
@dataclass
class IisItems:
    """The irreducible infeasible subset as data, beside its English words: `rows`
    ({constraint, member}: a row of a family), `bounds` ({variable, member, bound:
    lower, upper, fixed or range, value, upper_value}: a bound of a variable group,
    ``mandatory`` for a mandatory project), and why there is none (`reason`:
    ``subset``, ``lp_feasible``, ``lp_status`` with `lp_status`, ``failed`` or
    ``none``), with `trivial` bounds of the variables' own domain left out."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    bounds: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    lp_status: str = ""
    trivial: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "bounds": self.bounds, "reason": self.reason, "lp_status": self.lp_status,
                "trivial": self.trivial}


def _col_item(f: Formulation, col: int, bound: int) -> dict[str, Any]:
    """A column bound as data (see `IisItems`)."""
    g, k = f.group_of(int(col))
    lo, hi = float(g.lower[k]), float(g.upper[k])
    kind = ("mandatory" if g.name == "v_build" and lo >= 1 and bound == LOWER else
            "lower" if bound == LOWER else "upper" if bound == UPPER else "fixed" if lo == hi else "range")
    return {"variable": g.name, "member": member(g.labels[k]), "bound": kind,
            "value": json_number(hi if bound == UPPER else lo), "upper_value": json_number(hi)}


def _col_name(f: Formulation, col: int, bound: int) -> str:
    """A column bound in domain terms, from the variable group's label."""
    g, k = f.group_of(int(col))
    label = g.labels[k]
    try:
        text = g.label.format(*(label if isinstance(label, tuple) else (label,)))
    except (IndexError, KeyError):
        text = ""
    if not text:
        text = f"{g.name}[{member(label)}]"
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
                       time_limit: float | None = DEFAULT_TIME_LIMIT,
                       items: IisItems | None = None) -> tuple[list[str], str]:
    """HiGHS's irreducible infeasible subset of the LP relaxation of `f`, named in
    domain terms: (rows then column bounds, note). Empty with a note saying why
    when the LP relaxation has a plan or HiGHS gives none. `items`, if given, is
    filled with the same as data."""
    items = items if items is not None else IisItems()
    c = c if c is not None else compile_model(f, implied=False)
    lp = dataclasses.replace(c, integrality=np.zeros_like(c.integrality))
    h = make_highs(lp, SolveOptions(time_limit=time_limit, mip_rel_gap=None, seed=0))
    h.setOptionValue("iis_strategy", IIS_STRATEGY)
    run_direct(h)
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kInfeasible:
        if status == highspy.HighsModelStatus.kOptimal:
            items.reason = "lp_feasible"
            return [], ("the LP relaxation (parcels, projects and source decisions taken fractionally) has a "
                        "plan: the conflict lies in the yes/no decisions, for which HiGHS gives no "
                        "irreducible infeasible subset")
        items.reason, items.lp_status = "lp_status", status.name
        return [], f"no irreducible infeasible subset: the LP relaxation ended with {status.name}"
    try:
        run_status, iis = h.getIis()
    except Exception as exc:  # pragma: no cover - depends on the HiGHS build
        items.reason = "failed"
        return [], f"no irreducible infeasible subset: HiGHS getIis failed ({exc})"
    rows = list(iis.row_index_)
    cols = list(iis.col_index_)
    if run_status == highspy.HighsStatus.kError or not iis.valid_ or not (rows or cols):
        items.reason = "none"
        return [], "no irreducible infeasible subset: HiGHS found none for the LP relaxation"
    starts = np.array([fam.start for fam in f.families.values()])
    fams = list(f.families.values())
    names = []
    for r in rows:
        fam = fams[int(np.searchsorted(starts, r, side="right")) - 1]
        names.append(fam.spec.row_name(fam.labels[int(r) - fam.start]))
        items.rows.append({"constraint": fam.name, "member": member(fam.labels[int(r) - fam.start])})
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
        items.bounds.append(_col_item(f, col, b))
    note = ("of the LP relaxation (yes/no decisions taken fractionally), from HiGHS getIis: these "
            "constraints and bounds cannot all hold")
    items.reason, items.trivial = "subset", trivial
    if trivial:
        note += f"; {trivial} variable(s) at the bounds of their domain (>= 0, yes/no <= 1) not listed"
    return names, note


def explain_for_solve(inst: Instance, result: Any) -> Explanation | None:
    """The explanation `optim solve` prints after "no plan": only when HiGHS proved
    the instance infeasible (not after a limit). The presolve checks have run already."""
    if getattr(result, "status", None) != "infeasible":
        return None
    return explain(inst, prechecks=False)
