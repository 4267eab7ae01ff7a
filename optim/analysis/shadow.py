"""Shadow prices of a solved plan: what relaxing each constraint by one unit is worth.

A mixed-integer model has no duals. The usual way to price its constraints
(and the one used here) is to take the plan, FIX every integer decision at its
value in the plan (the use of every parcel, the projects built, which switched
sources are opened, the periods, the relocations) and solve the remaining
linear program over the continuous decisions (the draws, the own funds, the
cash balances) with HiGHS. Its row duals are the prices, converted to planner
terms with the unit of each constraint family (`Family.unit`) and of the
objective (`Formulation.objective_unit`).

    >>> sp = optim.shadow.shadow_prices(inst)       # solves the MIP, then the fixed-plan LP
    >>> sp.table                                     # one row per constraint row
    >>> sp.binding()                                 # the rows that hold the plan back

Sign convention. `price` is the value of RELAXING the constraint by one
planner unit (`unit`): in yuan of objective (the objective is maximised), per
yuan of a source's cap (cap raised), per yuan of a minimum ticket (lowered),
per 0.01 of the coverage target (lowered), per unit of a resource cap
(raised), per mu of an industrial-area bound (the bound moved outwards), per
yuan of own-funds budget (raised). A binding limit therefore has a price >= 0.
Equality rows have a direction of their own (`category_funding_eq`: one yuan
less to pay into the category; `cash_balance_eq`: one more yuan of own funds
in the period; other equalities: the right-hand side raised by one).

What the prices mean, and what they do not:

- They are CONDITIONAL ON THE FIXED PLAN: "with these parcels rezoned, these
  projects built and these sources opened, one more yuan of the CDB cap is
  worth X". A larger change may make another plan better; the price does not
  see that (re-solve the MIP with a scenario to find out).
- A row whose columns are all fixed by the plan (a resource cap, the
  industrial-area bounds, the forgone-income cap, parcel_use_eq, ...) has price
  0: with the plan fixed, relaxing it changes nothing (and tightening it past
  the plan's own use would make the plan infeasible). Such a row is still
  marked `binding` when the plan uses it fully (slack 0), and `fixed_by_plan`.
- A switched source that the plan does not open keeps price 0 on its cap and
  ticket: more cap is worth nothing while the source stays closed.
- Rows that link or define decisions rather than state a limit (families
  declared `structural`: parcel_use_eq, the period links, the adjacency
  penalty rows, ...) count as binding only when they have a price; e.g. a priced `compat_penalty_ge` row is
  the penalty the plan pays for that pair of neighbours.
- A price holds while the limit stays within [`valid_from`, `valid_to`] (HiGHS
  ranging of the fixed-plan LP, in the same planner units as `limit`); beyond
  that another constraint takes over. When the optimum of the fixed-plan LP is
  degenerate, HiGHS reports one of several valid prices: the range then ends
  at the current limit on one side.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd

from ..api import Model, as_model
from ..export import CSV_ENCODING
from ..inputs.instance import Instance
from ..model.families import FamilySpec, Price, PriceRows, member, spec_of
from ..results import Result, extract
from ..highs import Compiled, Solution, SolveOptions, compile_model, make_highs, run_highs
from ..text import json_number

NOTE = ("Shadow prices are conditional on the fixed plan: every integer decision (parcel uses, "
        "projects built, sources opened, periods, relocations) is held at its value in the plan and "
        "only the continuous decisions (draws, own funds, cash) are re-optimised. A price is the gain "
        "in objective (yuan) from relaxing the constraint by one unit while the plan stays as it is; "
        "it holds between valid_from and valid_to. Constraints made only of plan decisions (resource "
        "caps, area bounds) have price 0 here: only a different plan could use more of them.")

COLUMNS = ["family", "member", "price", "unit", "binding", "limit", "slack", "valid_from", "valid_to",
           "fixed_by_plan", "meaning"]

_INF = 1e20  # HiGHS reports +-1e30 (kHighsInf) for an unbounded range


@dataclass
class ShadowPrices:
    """Shadow prices of a plan. `table` has one row per constraint row (COLUMNS);
    `note` says how to read them; `result` is the plan they are conditional on."""

    table: pd.DataFrame
    note: str
    result: "Result"
    status: str  # status of the fixed-plan LP
    objective: float | None  # objective of the fixed-plan LP, yuan (>= the plan's objective)
    seconds: dict[str, float] = field(default_factory=dict)

    def binding(self, structural: bool = False) -> pd.DataFrame:
        """The rows that bind (nonzero price, or an inequality with no slack); the
        priced rows of structural families (links, adjacency penalties) only if asked."""
        keep = self.table["binding"].astype(bool).to_numpy()
        if not structural:
            keep = keep & ~_structural(self.table)
        return self.table.loc[keep].reset_index(drop=True)

    def structural_priced(self) -> dict[str, int]:
        """Number of priced rows per structural family (e.g. the penalised neighbour pairs)."""
        t = self.table
        hit = t[_structural(t) & (t["price"] != 0)]
        return {str(k): int(v) for k, v in hit.groupby("family", sort=True).size().items()}

    def price(self, family: str, member: Any = "") -> float:
        """The price of one row, e.g. `price("source_cap_le", "cdb_loan")`."""
        t = self.table
        hit = t[(t["family"] == family) & (t["member"] == _member(member))]
        if not len(hit):
            raise KeyError(f"no row {family}[{member}]")
        return float(hit["price"].iat[0])

    def to_dict(self, all_rows: bool = False) -> dict[str, Any]:
        """JSON-ready: the plan's status and objective, the note, and the binding rows
        (every row with `all_rows`)."""
        rows = self.table if all_rows else self.binding()
        return {
            "instance": self.result.instance,
            "status": self.result.status,
            "objective": json_number(self.result.objective),
            "fixed_plan_status": self.status,
            "fixed_plan_objective": json_number(self.objective),
            "note": self.note,
            "rows": len(self.table),
            "binding": len(self.binding()),
            "structural_priced": self.structural_priced(),
            "prices": [{k: (json_number(v) if isinstance(v, (float, np.floating)) else
                            bool(v) if isinstance(v, (bool, np.bool_)) else v) for k, v in r.items()}
                       for r in rows.to_dict("records")],
        }

    def write(self, out_dir: str | Path) -> Path:
        """Write `shadow_prices.csv` (every row) into `out_dir`."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "shadow_prices.csv", index=False, encoding=CSV_ENCODING)
        return out / "shadow_prices.csv"

    def summary(self, all_rows: bool = False) -> str:
        r = self.result
        lines = [f"instance     {r.instance}",
                 f"plan         {r.status}, objective {r.objective:,.2f}" if r.objective is not None
                 else f"plan         {r.status}",
                 f"fixed plan   {self.status}, objective {self.objective:,.2f}" if self.objective is not None
                 else f"fixed plan   {self.status}", ""]
        rows = self.table if all_rows else self.binding()
        lines.append(f"{'binding' if not all_rows else 'all'} constraints ({len(rows)} of {len(self.table)} rows); "
                     "price = objective gained (yuan) by relaxing one unit")
        for x in rows.itertuples():
            name = f"{x.family}[{x.member}]" if x.member != "" else x.family
            line = f"  {name:<40} {x.price:>14,.6g}  per {x.unit}"
            if np.isfinite(x.valid_from) or np.isfinite(x.valid_to):
                line += (f"   (holds for limit {_fmt(x.valid_from)} .. {_fmt(x.valid_to)}; "
                         f"now {_fmt(x.limit)})")
            elif x.fixed_by_plan:
                line += "   (fixed by the plan)"
            lines.append(line)
        extra = self.structural_priced()
        if extra and not all_rows:
            lines.append("  plus priced model rows (links, penalties): "
                         + ", ".join(f"{k} {v}" for k, v in extra.items()) + " (see --all or shadow_prices.csv)")
        lines += ["", "NOTE: " + self.note]
        return "\n".join(lines)


def _structural(table: pd.DataFrame) -> np.ndarray:
    """Rows of families declared structural (links, penalties: not limits)."""
    return np.array([spec_of(name).structural for name in table["family"]], dtype=bool)


# ---- the plan's integer decisions -------------------------------------------------------
def plan_values(model: Model, plan: Result | Solution | np.ndarray) -> np.ndarray:
    """The formulation's column vector with the plan's integer decisions (continuous
    columns 0). `plan` is a column vector, a `Solution`, or a `Result` whose tables
    (parcels.use and .period, projects.built, .period and .recycled_in, sources.used,
    relocations) give every integer decision."""
    f = model.formulation
    if isinstance(plan, Solution):
        plan = plan.values
    if isinstance(plan, np.ndarray):
        if plan.shape != (f.n_cols,):
            raise ValueError(f"a plan vector must have {f.n_cols} values, not {plan.shape}")
        return np.asarray(plan, dtype=float)
    if not plan.has_plan:
        raise ValueError(f"the result has no plan ({plan.status})")
    x = np.zeros(f.n_cols)
    par, proj, src = plan.parcels, plan.projects, plan.sources
    for name, g in f.groups.items():
        if not g.integer or not g.size:
            continue
        lab = g.labels
        if name == "v_use":
            val = par["use"].reindex(lab.get_level_values(0)).to_numpy() == lab.get_level_values(1).to_numpy()
        elif name == "v_build":
            val = proj["built"].reindex(lab).fillna(False).to_numpy(dtype=bool)
        elif name == "v_open":
            val = src["used"].reindex(lab).fillna(False).to_numpy(dtype=bool)
        elif name == "v_rez":
            p = lab.get_level_values(0)
            val = ((par["use"].reindex(p).to_numpy() == lab.get_level_values(1).to_numpy())
                   & (par["period"].reindex(p).astype(object).to_numpy() == lab.get_level_values(2).to_numpy()))
        elif name == "v_start":
            j = lab.get_level_values(0)
            val = (proj["built"].reindex(j).fillna(False).to_numpy(dtype=bool)
                   & (proj["period"].reindex(j).astype(object).to_numpy() == lab.get_level_values(1).to_numpy()))
        elif name == "v_recycle":
            val = (proj["recycled_in"].reindex(lab.get_level_values(0)).astype(object).to_numpy()
                   == lab.get_level_values(1).to_numpy())
        elif name == "v_reloc":
            rel = plan.relocations if plan.relocations is not None else pd.DataFrame(columns=["enterprise", "parcel"])
            chosen = pd.MultiIndex.from_arrays([rel["enterprise"], rel["parcel"]])
            val = lab.isin(chosen)
        else:
            raise ValueError(f"cannot read the integer decisions {name} from a Result; pass the column vector")
        x[g.cols] = np.asarray(val, dtype=bool)
    return x


def fix_plan(compiled: Compiled, values: np.ndarray) -> Compiled:
    """The compiled model with every integer column fixed at its (rounded) value in
    `values` and integrality dropped: a linear program over the continuous columns."""
    integer = compiled.integrality.astype(bool)
    lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
    fixed = np.round(values[integer])
    lower[integer] = fixed
    upper[integer] = fixed
    return replace(compiled, col_lower=lower, col_upper=upper,
                   integrality=np.zeros_like(compiled.integrality))


# ---- the prices --------------------------------------------------------------------------
def shadow_prices(inst_or_model: Instance | Model | str | Path, result: Any = None, *,
                  options: SolveOptions | None = None, **solve_kwargs: Any) -> ShadowPrices:
    """Shadow prices of the optimal plan of `inst_or_model` (an Instance, a built
    Model or a path), or of the given plan (`result`: a Result, a Solution or a
    column vector), conditional on that plan. Keyword options (time_limit,
    mip_rel_gap, ...) apply to the MIP solve. See the module docstring for the
    sign convention. The plan priced is the one the independent checker holds
    (a plan it rejects is refused with `PlanRejected`)."""
    model = as_model(inst_or_model)
    f, c = model.formulation, model.compiled
    if options is None:
        options = SolveOptions.merged(model.instance.solver, **solve_kwargs)
    seconds: dict[str, float] = {}
    if result is None:
        t0 = time.perf_counter()
        sol = run_highs(make_highs(c, options), c.integer)
        seconds["mip"] = time.perf_counter() - t0
        result = model.certify(extract(f, model.data, sol))
        if sol.values is None:
            return ShadowPrices(pd.DataFrame(columns=COLUMNS), NOTE, result, "no_plan", None, seconds)
        values = sol.values
    else:
        values = plan_values(model, result)
    t0 = time.perf_counter()
    # without the bounds the rows imply (optim/model/bounds.py): a row's dual stays on the row
    lp = fix_plan(compile_model(f, implied=False), values)
    # presolve removes the fixed columns at once (even where optim turns it off for large MIPs)
    h = make_highs(lp, replace(options, presolve=options.presolve or "on"))
    sol = run_highs(h, False)
    seconds["lp"] = time.perf_counter() - t0
    if not hasattr(result, "parcels"):  # a Solution or a vector: the plan with the LP's draws
        given = None if sol.values is None else replace(sol, status="feasible", termination="given")
        result = model.certify(extract(f, model.data, given or sol))
    if sol.values is None:
        return ShadowPrices(pd.DataFrame(columns=COLUMNS), NOTE, result, sol.status, None, seconds)
    t0 = time.perf_counter()
    table = _table(model, h, values)
    seconds["table"] = time.perf_counter() - t0
    return ShadowPrices(table, NOTE, result, sol.status, sol.objective * f.objective_unit, seconds)


def _member(label: Any) -> str:
    return member(label, sep="/")


def _table(model: Model, h: highspy.Highs, plan: np.ndarray) -> pd.DataFrame:
    f = model.formulation
    hs = h.getSolution()
    dual = np.asarray(hs.row_dual, dtype=float)
    act = np.asarray(hs.row_value, dtype=float)
    b_up = b_dn = None
    status, rng = h.getRanging()
    if status == highspy.HighsStatus.kOk and rng.valid:
        b_up = np.asarray(rng.row_bound_up.value_, dtype=float)
        b_dn = np.asarray(rng.row_bound_dn.value_, dtype=float)
    # rows with at least one continuous column: only those can have a price
    row, col, coef = f.coo()
    _, _, integer = f.bounds()
    free_row = np.zeros(f.n_rows, dtype=bool)
    free_row[row[(coef != 0) & ~integer[col]]] = True
    on_plan = integer[col]  # the part of each row fixed by the plan (e.g. a category's need)
    plan_part = np.bincount(row[on_plan], weights=coef[on_plan] * plan[col[on_plan]], minlength=f.n_rows)
    unit_obj = f.objective_unit
    parts = []
    for fam in f.families.values():
        if not fam.size:
            continue
        rows = np.arange(fam.start, fam.start + fam.size)
        spec = _reading(fam, model, plan, plan_part[rows])
        sense = fam.sense
        if sense == "le":
            bound = fam.upper
        elif sense == "ge":
            bound = fam.lower
        else:  # eq (range rows are priced on their upper side)
            bound = np.where(np.isfinite(fam.upper), fam.upper, fam.lower)
        relax = spec["direction"] * dual[rows]  # objective gained per model unit of relaxation
        k = spec["k"]  # planner units per model unit of the bound
        price = relax * unit_obj * spec["step"] / k
        fixed = ~free_row[rows] | spec["closed"]
        price = np.where(fixed, 0.0, price)
        price = np.where(np.abs(price) < 1e-9 * max(1.0, unit_obj), 0.0, price) + 0.0  # no -0.0
        if sense == "eq":
            slack_m = np.zeros(fam.size)
        else:
            slack_m = bound - act[rows] if sense in ("le", "range") else act[rows] - bound
        tight = np.abs(slack_m) <= 1e-7 * np.maximum(1.0, np.abs(bound))
        # a structural row (linking, linearisation) binds only when it has a price
        binding = (price != 0) | (tight & (sense != "eq") & ~spec["closed"] & (not fam.spec.structural))
        limit = spec["q0"]
        valid_from = np.full(fam.size, np.nan)
        valid_to = np.full(fam.size, np.nan)
        if b_up is not None:
            has = price != 0
            lo = np.where(np.abs(b_dn[rows]) >= _INF, -np.inf, b_dn[rows])
            hi = np.where(np.abs(b_up[rows]) >= _INF, np.inf, b_up[rows])
            with np.errstate(invalid="ignore"):
                q_lo = limit + k * (lo - bound)
                q_hi = limit + k * (hi - bound)
            valid_from = np.where(has, np.minimum(q_lo, q_hi), np.nan)
            valid_to = np.where(has, np.maximum(q_lo, q_hi), np.nan)
        slack = np.abs(slack_m) * k
        slack = np.where(slack < 1e-9 * np.maximum(1.0, np.abs(limit)), 0.0, slack)
        members = [_member(v) for v in fam.labels]
        meaning = [_meaning(spec, m, p, fx, cl, bd)
                   for m, p, fx, cl, bd in zip(members, price, fixed, spec["closed"], binding)]
        parts.append(pd.DataFrame({
            "family": fam.name, "member": members, "price": price, "unit": spec["unit"],
            "binding": binding, "limit": limit, "slack": slack, "valid_from": valid_from,
            "valid_to": valid_to, "fixed_by_plan": fixed, "meaning": meaning}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def _meaning(spec: dict, member: str, price: float, fixed: bool, closed: bool, binding: bool) -> str:
    what = spec["what"].format(m=member)
    if closed:
        return f"{what}: the source is not opened in this plan; more is worth nothing while it stays closed"
    if fixed:
        state = "used up by the plan" if binding else "not binding"
        return f"{what}: made only of plan decisions ({state}); with the plan fixed, relaxing it is worth 0"
    if price == 0:
        return f"{what} is worth 0 (not binding)" if not binding else \
            f"{what} is worth 0 (at its limit, but nothing gains from more)"
    return f"{what} is worth {price:.6g} yuan of objective"


def _price(spec: FamilySpec) -> Price:
    """The family's price wording, or the generic one (structural rows: links)."""
    if spec.price is not None:
        return spec.price
    if spec.structural:
        return Price(f"model row {spec.name}[{{m}}] (links or defines decisions)", unit="unit of the row")
    return Price(f"relaxing {spec.name}[{{m}}] by one unit")


def _reading(fam, model: Model, plan: np.ndarray, plan_part: np.ndarray) -> dict[str, Any]:
    """How to read the rows of one family in planner terms, from its declaration.

    k: planner units per model unit of the row's bound (q = limit + k (b - b0));
    step: the planner unit priced (1 yuan, 1 mu, 0.01 of a ratio); direction: +1
    if relaxing means raising the bound, -1 if lowering it; q0 (limit): the
    limit in planner units; closed: rows of a decision the plan did not take."""
    spec, n = fam.spec, fam.size
    price = _price(spec)
    rows = PriceRows(model.formulation, model.data, fam, plan, plan_part)
    bound = fam.upper if fam.sense == "le" else fam.lower if fam.sense == "ge" else \
        np.where(np.isfinite(fam.upper), fam.upper, fam.lower)
    k = np.full(n, float(fam.unit))
    if price.share_of is not None:  # EF - t T_S >= b: the share moves by b / T_S per model unit
        total = rows.value(price.share_of)
        k = np.full(n, 1.0 / total if total > 0 else np.inf)
    if price.unit is not None:
        unit = np.full(n, price.unit, dtype=object)
    else:
        unit = np.array([spec.unit(model.instance, label, fallback="unit of the resource") or "unit"
                         for label in fam.labels], dtype=object)
    return {"k": k, "step": price.step, "what": price.what,
            "direction": price.direction if price.direction is not None else (-1.0 if fam.sense == "ge" else 1.0),
            "q0": price.limit(rows) if price.limit is not None else bound * fam.unit,
            "closed": price.closed(rows) if price.closed is not None else np.zeros(n, dtype=bool),
            "unit": unit}


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if np.isfinite(v) and abs(v) >= 1000 else f"{v:.6g}"


__all__ = ["ShadowPrices", "shadow_prices", "plan_values", "fix_plan", "NOTE", "COLUMNS"]
