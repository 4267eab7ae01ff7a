"""Constraint families: one declaration each, stated where the family is defined.

A family is a set of rows, one per member (a parcel, a source, a period, ...),
built by one `define_*` function. Its `FamilySpec`, declared beside that
function, says what the rows mean in planner terms; every part of the tool that
speaks of a family reads it from there and from nowhere else:

- the explanation of "no plan" (`optim.analysis.explain`): which side of a row
  is a policy limit that may be relaxed (`relax`), the row in words (`label`),
  the sentence for a shortfall (`shortfall`) and its unit (`quantity`);
- shadow prices (`optim.analysis.shadow`): how a price is worded, per which
  planner unit and step (`price`), and whether the row is a limit at all
  (`structural`);
- the independent checker's report (`optim.check`): the family's title and
  unit, and which of the checker's families recomputes it (`checked_by`);
- docs/model.md: the table of families (`markdown_table`, kept in step by a test).

`Formulation.add_family` takes the spec, so a row cannot exist without one.
The checker also has families that are not rows of the model: column bounds
the model sets (`kind="bound"`: locks, mandatory projects, eligible pairs) and
figures it compares (`kind="check"`: the objective, the KPIs); they are
declared with the same class, where the model sets the bound or in the checker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..inputs.instance import Instance
from ..text import money, number

QUANTITIES = ("money", "area", "resource", "ratio", "count")
SIDES = ("lower", "upper")
KINDS = ("row", "bound", "check", "study")

SPECS: dict[str, "FamilySpec"] = {}  # every declared family, by name


@dataclass(frozen=True)
class Price:
    """How the shadow price of a family's rows is read (optim/analysis/shadow.py).

    what: one step of relaxation in words, ``{m}`` standing for the member;
    unit: the planner unit priced (None: the family's unit, see `FamilySpec.unit`);
    step: planner units per step (0.01 for one point of a ratio);
    direction: +1 if relaxing raises the row's bound, -1 if it lowers it (None:
        by the sense of the row: -1 for ``ge`` rows, +1 otherwise);
    share_of: the bound is a share of this named expression (coverage of the
        investment in scope, capital of the total investment): the price is per
        point of the share;
    limit: the limit in planner units, one per row, `limit(rows)` with a
        `PriceRows` (None: the row's bound times its unit);
    closed: mask of the rows of a decision the plan did not take (a source not
        opened), priced 0, `closed(rows)` (None: none).
    """

    what: str
    unit: str | None = None
    step: float = 1.0
    direction: float | None = None
    share_of: str | None = None
    limit: Callable[["PriceRows"], np.ndarray] | None = None
    closed: Callable[["PriceRows"], np.ndarray] | None = None


@dataclass(frozen=True)
class FamilySpec:
    """The declaration of one constraint family (see the module docstring).

    name: the family's name, ``<what>_<sense>`` (``resource_cap_le``).
    title: the family in planner terms, plural ("resource caps").
    label: one row in planner terms, formatted with the row label's parts
        (``{0}``, ``{1}``, ...): "resource cap of {0}".
    quantity: what a row measures: ``money`` (the instance's money unit),
        ``area`` (its area unit), ``resource`` (the unit of the resource named
        by the label's first part), ``ratio`` or ``count`` (of `noun`).
    noun: the unit of a ``count`` ("enterprise", "pair").
    relax: the side of each row that is a policy limit a planner may relax
        (``lower`` or ``upper``); None for identities and physical limits.
    shortfall: the sentence for a relaxation of the row (`Row` -> str);
        required for every relaxable family.
    price: how the shadow price reads (None: a generic wording).
    structural: the rows link or define decisions rather than state a limit.
    checked_by: the checker's family that recomputes these rows (default: the
        same name).
    bound: when each row's bound is one figure of the instance, that figure's
        path in the scenario grammar (``{0}``: the label's first part), e.g.
        ``resources.{0}.cap``: a re-solve that moves the bound changes it
        (`optim.resolver.Resolver.set_rhs`).
    settings: paths of the other figures of the instance that make the row (its
        coefficients: ``policy.min_dscr``), in the same grammar: with `bound`,
        what a planner changes to move the row (`figures`); an explanation of no
        plan names first the rows whose figures a scenario changed.
    planner: the rows are a planner-level target (coverage, cash, cover ratio,
        own funds, capital rules, objective targets), not a technical bound of
        one source or resource: of two equally small relaxations, an explanation
        names the planner-level one.
    kind: ``row`` (rows of the model), ``bound`` (column bounds of the model that
        the checker checks as a family), ``check`` (a family of the checker alone)
        or ``study`` (rows a study adds to the model, e.g. a Pareto front's
        epsilon row).
    math: the rows in the notation of docs/model.md.
    """

    name: str
    title: str
    label: str
    quantity: str = "count"
    noun: str = ""
    relax: str | None = None
    shortfall: Callable[["Row"], str] | None = field(default=None, compare=False)
    price: Price | None = field(default=None, compare=False)
    structural: bool = False
    checked_by: str | None = None
    bound: str | None = None
    settings: tuple[str, ...] = ()
    planner: bool = False
    kind: str = "row"
    math: str = ""

    def __post_init__(self) -> None:
        if self.quantity not in QUANTITIES:
            raise ValueError(f"{self.name}: quantity must be one of {QUANTITIES}, not {self.quantity!r}")
        if self.relax is not None and self.relax not in SIDES:
            raise ValueError(f"{self.name}: relax must be one of {SIDES} or None, not {self.relax!r}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.relax is not None and self.shortfall is None:
            raise ValueError(f"{self.name}: a relaxable family needs its shortfall sentence")
        known = SPECS.get(self.name)
        if known is not None and known != self:
            raise ValueError(f"family {self.name} is declared twice, differently")
        SPECS[self.name] = self

    @property
    def checker_family(self) -> str:
        return self.checked_by or self.name

    def figures(self, label: Any) -> list[str]:
        """Paths of the instance's figures that make row `label` (its bound, then
        `settings`), with the label's parts put in."""
        out = []
        for template in ((self.bound,) if self.bound else ()) + self.settings:
            try:
                out.append(template.format(*parts(label)))
            except (IndexError, KeyError):
                continue
        return out

    def unit(self, inst: Instance | None, label: Any = None, fallback: str = "units") -> str:
        """The unit a row is measured in, for the instance's units and the row's label."""
        units = (inst.units if inst is not None and inst.units else {}) or {}
        if self.quantity == "money":
            return units.get("money", "yuan")
        if self.quantity == "area":
            return units.get("area", "mu")
        if self.quantity == "resource":
            rid = parts(label)[0] if parts(label) else None
            return resource_unit(inst, rid, fallback)
        if self.quantity == "ratio":
            return "ratio"
        return self.noun

    def row_name(self, label: Any) -> str:
        """One row in planner terms: "resource cap of energy"."""
        try:
            return self.label.format(*parts(label))
        except (IndexError, KeyError):
            return f"{self.name}[{member(label)}]" if member(label) else self.name


def spec_of(name: str) -> FamilySpec:
    """The spec of a declared family (KeyError names the family when there is none)."""
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"family {name!r} has no FamilySpec: declare one where the family is defined "
                       "(optim/model/families.py)") from None


def parts(label: Any) -> tuple:
    """The parts of a row label: () for a one-row family, a tuple for a composite label."""
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return ()
    return tuple(label) if isinstance(label, tuple) else (label,)


def member(label: Any, sep: str = ", ") -> str:
    """A row label as text: "" for a one-row family, "a, b" for a composite label."""
    return sep.join(map(str, parts(label)))


def resource_unit(inst: Instance | None, rid: Any, fallback: str = "units") -> str:
    """The unit of resource `rid` as the instance states it, else `fallback`."""
    res = inst.resources if inst is not None else None
    if res is not None and rid in res.index and "unit" in res.columns:
        u = res.at[rid, "unit"]
        if isinstance(u, str) and u.strip():
            return u.strip()
    return fallback


@dataclass
class Row:
    """One row of a family with a relaxation of `amount` (in the row's real units),
    for the words of a shortfall. `x` is the plan closest to feasible (column
    values), `values` the named expressions at `x` in real units."""

    spec: FamilySpec
    inst: Instance
    label: Any
    amount: float
    lower: float  # the row's bounds in real units
    upper: float
    values: Callable[[str], float] = field(repr=False, default=lambda name: float("nan"))
    data: Any = field(repr=False, default=None)  # the ModelData of the model

    @property
    def parts(self) -> tuple:
        return parts(self.label)

    @property
    def unit(self) -> str:
        return self.spec.unit(self.inst, self.label)

    def money(self, value: float) -> str:
        """A money figure in words, in the instance's money unit: '5.0 million yuan'."""
        return money(value, (self.inst.units or {}).get("money", "yuan"))

    def figure(self, value: float) -> str:
        """A figure in the row's own unit: '3 tce/year', '30 mu', '5.0 million yuan'."""
        if self.spec.quantity == "money":
            return self.money(value)
        return f"{number(value)} {self.unit}".rstrip()


@dataclass
class PriceRows:
    """The rows of one family as the shadow-price table reads them: the built
    model (`formulation`, `data`), the family, the plan's column values and the
    part of each row fixed by the plan (model units)."""

    formulation: Any
    data: Any
    family: Any
    plan: np.ndarray
    plan_part: np.ndarray

    def value(self, expr: str) -> float:
        """A named expression at the plan, in model units."""
        return self.formulation.exprs[expr].value(self.plan)


def markdown_table(specs: list[FamilySpec]) -> str:
    """The table of `specs` for docs/model.md: name, kind, meaning, unit, relaxable
    side, the checker's family; ordered by kind, then name."""
    specs = sorted(specs, key=lambda s: (KINDS.index(s.kind), s.name))
    lines = ["| family | kind | in planner terms | measured in | may be relaxed | checked by |",
             "|---|---|---|---|---|---|"]
    for s in specs:
        unit = {"money": "money", "area": "area", "resource": "resource unit", "ratio": "ratio"}.get(
            s.quantity, s.noun or "count")
        relax = {"lower": "its minimum", "upper": "its maximum"}.get(s.relax or "", "no")
        lines.append(f"| `{s.name}` | {s.kind} | {s.title} | {unit} | {relax} | `{s.checker_family}` |")
    return "\n".join(lines)
