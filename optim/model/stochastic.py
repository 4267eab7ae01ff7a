"""The two-stage stochastic model as one extensive form (math: docs/model.md, "Under uncertainty").

`extensive_form(blocks)` stacks the models of the scenarios (each the model of its
own instance, `create_model`) into one model, a block per scenario:

- the **first-stage** columns (`FIRST_STAGE`: parcel uses, projects built, sources
  opened, rezoning and start periods, relocations, and the adjacency terms they
  define) are decided now: one column each, shared by every block (the
  non-anticipativity of the first stage is the sharing itself, no link rows);
- every other column (draws, own funds, cash, asset recycling: the recourse) is
  each block's own;
- every block keeps all its rows; a family of rows on first-stage columns alone
  that is the same in every block (one use per parcel, resource caps, ...) is
  stated once;
- the objective is `(1 - lambda) sum_s p_s z_s + lambda CVaR_alpha(z)`, the CVaR of
  the scenario objectives `z_s` (their worst `1 - alpha` share) in the
  Rockafellar-Uryasev form (`cvar_excess_ge`), and a bound on the CVaR of a named
  expression of every block (the emergency borrowing, `shortfall_cvar_le`) may be added.

With one scenario and no risk terms the extensive form is that scenario's model,
column for column and row for row. Nothing is solved here (optim/studies/stochastic.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .families import FamilySpec, Price
from .formulation import INF, Expr, Family, Formulation

# the decisions taken now, shared by every scenario (groups a model may lack are skipped)
FIRST_STAGE = ("v_use", "v_build", "v_open", "v_reloc", "v_rez", "v_start", "v_conflict", "v_edge")

CVAR_EXCESS = FamilySpec(
    "cvar_excess_ge", "scenario objectives below the value at risk", "objective of scenario {0} below the value at risk",
    quantity="money", structural=True, kind="study", checked_by="cvar_objective",
    math="u_s - eta + z_s >= 0 (z_s: the objective of scenario s; u_s >= 0)")
SHORTFALL_EXCESS = FamilySpec(
    "shortfall_excess_ge", "emergency borrowing above its value at risk",
    "emergency borrowing of scenario {0} above its value at risk", quantity="money", structural=True, kind="study",
    checked_by="shortfall_cvar_le", math="v_s - E_s + zeta >= 0 (E_s: emergency borrowing of scenario s; v_s >= 0)")
SHORTFALL_CVAR = FamilySpec(
    "shortfall_cvar_le", "CVaR bound on emergency borrowing", "CVaR of emergency borrowing", quantity="money",
    relax="upper", kind="study",
    shortfall=lambda r: (f"the emergency borrowing of the worst scenarios exceeds its bound of {r.money(r.upper)} "
                         f"by {r.money(r.amount)}"),
    price=Price("one more yuan of the bound on the CVaR of emergency borrowing"),
    math="zeta + 1/(1 - alpha) sum_s p_s v_s <= B")


@dataclass
class Block:
    """One scenario of the extensive form: its name, probability and model."""

    name: str
    probability: float
    formulation: Formulation


@dataclass
class Risk:
    """CVaR of the objective: weight `weight` (lambda, 0 = expected value only) on
    the CVaR at level `alpha` (the mean of the worst 1 - alpha share of the scenarios)."""

    weight: float = 0.0
    alpha: float = 0.95

    @property
    def active(self) -> bool:
        return self.weight > 0


@dataclass
class Shortfall:
    """A bound `limit` (real units) on the CVaR at level `alpha` of the named
    expression `expr` of every block (the emergency borrowing)."""

    expr: str
    alpha: float
    limit: float


@dataclass
class ExtensiveForm:
    """The extensive form: its `formulation`, and for each block the extensive
    form's column of each of the block's columns (`maps`), its objective on the
    extensive form's columns (`values`, objective units). `first` are the
    extensive form's first-stage columns, `first_local[s]` the same decisions in
    block s's own columns."""

    formulation: Formulation
    blocks: list[Block]
    maps: list[np.ndarray]
    first: np.ndarray
    first_local: list[np.ndarray]
    values: list[Expr]
    risk: Risk = field(default_factory=Risk)
    shortfall: Shortfall | None = None
    shared: list[str] = field(default_factory=list)  # families stated once for all blocks
    nonanticipative: bool = True

    @property
    def sign(self) -> float:
        """+1 when the objective is maximised, -1 when minimised."""
        return 1.0 if self.formulation.maximize else -1.0

    def split(self, x: np.ndarray) -> list[np.ndarray]:
        """A solution of the extensive form as one column vector per block."""
        return [x[m] for m in self.maps]

    def block_values(self, x: np.ndarray) -> np.ndarray:
        """Each block's objective at `x` (objective units), its constant included."""
        return np.array([v.value(x) + b.formulation.objective_offset for v, b in zip(self.values, self.blocks)])

    def fix_first_stage(self, values: np.ndarray) -> None:
        """Fix the first-stage columns at `values` (in the order of `first`): the
        model that evaluates a given first-stage plan."""
        lower, upper = _bounds_of(self.formulation)
        lower[self.first], upper[self.first] = values, values
        _set_bounds(self.formulation, lower, upper)


def first_stage_columns(f: Formulation, groups: tuple[str, ...] = FIRST_STAGE) -> np.ndarray:
    """The columns of the first-stage groups of `f`, group by group."""
    return np.concatenate([f.col(g) for g in groups if g in f.groups] or [np.zeros(0, dtype=np.int64)])


def first_stage_mismatch(a: Formulation, b: Formulation, groups: tuple[str, ...] = FIRST_STAGE) -> str | None:
    """How the first-stage decisions of `b` differ from those of `a` (None: the same)."""
    for g in groups:
        ga, gb = a.groups.get(g), b.groups.get(g)
        if ga is None and gb is None:
            continue
        if ga is None or gb is None or not ga.labels.equals(gb.labels):
            na = 0 if ga is None else ga.size
            nb = 0 if gb is None else gb.size
            return f"its decisions {g} differ ({na} against {nb}, or other members)"
        if ga.integer != gb.integer:
            return f"its decisions {g} differ in kind"
    return None


def extensive_form(blocks: list[Block], risk: Risk | None = None, shortfall: Shortfall | None = None,
                   groups: tuple[str, ...] = FIRST_STAGE, nonanticipative: bool = True) -> ExtensiveForm:
    """Stack the blocks' models into one (see the module docstring). Raises
    ValueError when the blocks do not share their first-stage decisions or
    their sense. `nonanticipative=False` gives every block its own first stage
    (the wait-and-see model with the same risk terms)."""
    if not blocks:
        raise ValueError("the extensive form needs at least one scenario")
    risk = risk or Risk()
    f0 = blocks[0].formulation
    for b in blocks[1:]:
        f = b.formulation
        if f.maximize != f0.maximize:
            raise ValueError(f"scenario {b.name} is {'max' if f.maximize else 'min'}imised, "
                             f"scenario {blocks[0].name} not")
        if f.objective_unit != f0.objective_unit:
            raise ValueError(f"scenario {b.name} states its objective in another unit")
        why = first_stage_mismatch(f0, f, groups)
        if why:
            raise ValueError(f"scenario {b.name} changes which decisions exist: {why}")
    ef = Formulation(f"{f0.name} (extensive form, {len(blocks)} scenarios)")
    ef.maximize, ef.objective_unit = f0.maximize, f0.objective_unit
    first_groups = [g for g in groups if g in f0.groups]

    # columns: block 0's in its own order, then each further block's second stage
    maps: list[np.ndarray] = []
    for k, b in enumerate(blocks):
        f = b.formulation
        m = np.empty(f.n_cols, dtype=np.int64)
        for g in f.groups.values():
            shared = g.name in first_groups and nonanticipative
            if shared and k > 0:
                m[g.cols] = ef.col(g.name)
                continue
            name = g.name if shared else f"{g.name}@{b.name}"
            new = ef.add_vars(name, g.labels, lower=g.lower, upper=g.upper, integer=g.integer, label=g.label,
                              unit=g.unit)
            new.implied = None if g.implied is None else g.implied.copy()  # the block's rows imply them
            m[g.cols] = new.cols
        maps.append(m)
    if nonanticipative:  # a first-stage decision takes a value every scenario allows
        for b in blocks[1:]:
            for g in first_groups:
                e, own = ef.groups[g], b.formulation.groups[g]
                e.lower = np.maximum(e.lower, own.lower)
                e.upper = np.minimum(e.upper, own.upper)
                if own.implied is not None:  # every block's rows hold for the shared column
                    e.implied = own.implied.copy() if e.implied is None else np.minimum(e.implied, own.implied)
    first_local = [first_stage_columns(b.formulation, groups) for b in blocks]
    first = maps[0][first_local[0]]
    is_first = np.zeros(ef.n_cols, dtype=bool)
    if nonanticipative:
        is_first[first] = True

    # rows: every block's families, those on first-stage columns alone stated once when equal
    shared_names: list[str] = []
    for k, b in enumerate(blocks):
        for name, fam in b.formulation.families.items():
            cols = maps[k][fam.col]
            if k > 0 and name in shared_names and _same(ef.families[name], fam, cols):
                continue
            only_first = bool(len(cols)) and bool(is_first[cols].all())
            key = name if (k == 0 and only_first) else f"{name}@{b.name}"
            if k == 0 and only_first:
                shared_names.append(name)
            _add_family(ef, key, fam, cols)
    # (a first-stage family that a block states otherwise is kept as that block's too: the
    # first stage is shared, so every block's first-stage rows bind it)
    shared_names = [n for n in shared_names if not any(f"{n}@{b.name}" in ef.families for b in blocks[1:])]

    values = [Expr(maps[k][b.formulation.objective.cols], b.formulation.objective.coefs.copy())
              for k, b in enumerate(blocks)]
    for b, v in zip(blocks, values):
        ef.exprs[f"objective@{b.name}"] = v
        ef.units[f"objective@{b.name}"] = ef.objective_unit
    out = ExtensiveForm(formulation=ef, blocks=blocks, maps=maps, first=first, first_local=first_local,
                        values=values, risk=risk, shortfall=shortfall, shared=shared_names,
                        nonanticipative=nonanticipative)
    define_objective(out)
    define_cvar(out)
    define_shortfall(out)
    return out


def _same(fam: Family, other: Family, cols: np.ndarray) -> bool:
    """`other` (a block's family, its columns mapped to `cols`) states the same rows as `fam`."""
    return (fam.size == other.size and fam.labels.equals(other.labels)
            and np.array_equal(fam.row, other.row) and np.array_equal(fam.col, cols)
            and np.array_equal(fam.coef, other.coef) and np.array_equal(fam.lower, other.lower)
            and np.array_equal(fam.upper, other.upper))


def _add_family(ef: Formulation, key: str, fam: Family, cols: np.ndarray) -> None:
    ef.families[key] = Family(fam.spec, fam.labels, fam.row, cols, fam.coef, fam.lower, fam.upper, fam.sense,
                              start=ef.n_rows, unit=fam.unit)
    ef.n_rows += fam.size


def define_objective(e: ExtensiveForm) -> None:
    """(1 - lambda) sum_s p_s z_s (+ the CVaR term of `define_cvar`); z_s includes its
    block's constant (objective.offset), carried as the objective's offset."""
    w = 1.0 - e.risk.weight if e.risk.active else 1.0
    obj = Expr()
    offset = 0.0
    for b, v in zip(e.blocks, e.values):
        obj = obj + v * (w * b.probability)
        offset += w * b.probability * b.formulation.objective_offset
    e.formulation.set_objective(obj, maximize=e.formulation.maximize, offset=offset)


def define_cvar(e: ExtensiveForm) -> None:
    """cvar_excess_ge[s]: u_s - eta + sigma z_s >= 0, u_s >= 0, eta free; the objective
    gains sigma lambda (eta - 1/(1 - alpha) sum_s p_s u_s), sigma = +1 when maximised
    (the CVaR of the lowest objectives), -1 when minimised (of the highest costs).
    At the optimum eta is the value at risk and the term is lambda CVaR_alpha."""
    if not e.risk.active:
        return
    f = e.formulation
    sigma, lam, alpha = e.sign, e.risk.weight, e.risk.alpha
    names = [b.name for b in e.blocks]
    eta = f.add_vars("v_eta", ["objective"], lower=-INF, upper=INF, label="value at risk of the objective",
                     unit=f.objective_unit)
    u = f.add_vars("v_excess", names, label="objective of scenario {0} below the value at risk",
                   unit=f.objective_unit)
    rows = [Expr.of(u.cols[[k]], 1.0) - Expr.of(eta.cols, 1.0) + v * sigma for k, v in enumerate(e.values)]
    offsets = np.array([b.formulation.objective_offset for b in e.blocks])  # z_s's constant: -sigma o_s on the right
    f.add_rows(CVAR_EXCESS, names, rows, -sigma * offsets, INF, unit=f.objective_unit)
    p = np.array([b.probability for b in e.blocks])
    f.objective = f.objective + Expr.of(eta.cols, sigma * lam) + Expr.of(u.cols, -sigma * lam * p / (1.0 - alpha))


def define_shortfall(e: ExtensiveForm) -> None:
    """shortfall_excess_ge[s]: v_s - E_s + zeta >= 0, v_s >= 0, zeta free;
    shortfall_cvar_le: zeta + 1/(1 - alpha) sum_s p_s v_s <= B (the CVaR of E at level
    alpha is at most B; a conservative form of P(E > B) <= 1 - alpha)."""
    s = e.shortfall
    if s is None:
        return
    f = e.formulation
    unit = e.blocks[0].formulation.units.get(s.expr, 1.0)
    names = [b.name for b in e.blocks]
    exprs = []
    for k, b in enumerate(e.blocks):
        ex = b.formulation.exprs.get(s.expr)
        if ex is None:
            raise ValueError(f"scenario {b.name} has no expression {s.expr!r}")
        exprs.append(Expr(e.maps[k][ex.cols], ex.coefs.copy()))
    zeta = f.add_vars("v_zeta", ["shortfall"], lower=-INF, upper=INF,
                      label="value at risk of the emergency borrowing", unit=unit)
    v = f.add_vars("v_over", names, label="emergency borrowing of scenario {0} above its value at risk", unit=unit)
    f.add_rows(SHORTFALL_EXCESS, names,
               [Expr.of(v.cols[[k]], 1.0) - ex + Expr.of(zeta.cols, 1.0) for k, ex in enumerate(exprs)],
               0.0, INF, unit=unit)
    p = np.array([b.probability for b in e.blocks])
    f.add_row(SHORTFALL_CVAR, Expr.of(zeta.cols, 1.0) + Expr.of(v.cols, p / (1.0 - s.alpha)),
              upper=s.limit / unit, unit=unit)
    for k, (b, ex) in enumerate(zip(e.blocks, exprs)):
        f.exprs[f"{s.expr}@{b.name}"] = ex
        f.units[f"{s.expr}@{b.name}"] = unit


def _bounds_of(f: Formulation) -> tuple[np.ndarray, np.ndarray]:
    lower, upper, _ = f.bounds()
    return lower.copy(), upper.copy()


def _set_bounds(f: Formulation, lower: np.ndarray, upper: np.ndarray) -> None:
    for g in f.groups.values():
        g.lower = lower[g.start:g.start + g.size].copy()
        g.upper = upper[g.start:g.start + g.size].copy()


def cvar(values: np.ndarray, probabilities: np.ndarray, alpha: float, lower: bool = True) -> float:
    """The CVaR at level `alpha` of a discrete distribution: the mean of its worst
    `1 - alpha` share (the lowest values when `lower`, else the highest), the
    outcome at the boundary counted in part."""
    v = np.asarray(values, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    p = p / p.sum()
    order = np.argsort(v if lower else -v, kind="stable")
    v, p = v[order], p[order]
    tail = 1.0 - alpha
    if tail <= 0:
        return float(v[0])
    before = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    take = np.clip(tail - before, 0.0, p)
    return float((take * v).sum() / tail)


def describe(e: ExtensiveForm) -> str:
    """One line on the extensive form's size."""
    f = e.formulation
    lower, upper, integer = f.bounds()
    return (f"{len(e.blocks)} scenarios, {f.n_cols:,} columns ({int(integer.sum()):,} integer, "
            f"{len(e.first):,} first-stage), {f.n_rows:,} rows ({len(e.shared)} families stated once)")


__all__ = ["FIRST_STAGE", "Block", "Risk", "Shortfall", "ExtensiveForm", "extensive_form", "first_stage_columns",
           "first_stage_mismatch", "cvar", "describe", "CVAR_EXCESS", "SHORTFALL_EXCESS", "SHORTFALL_CVAR"]
