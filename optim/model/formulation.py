"""A linear model held as arrays: variable groups, named expressions, row families.

`optim.model` states the land-and-capital model with these building blocks;
from one statement come both the matrices passed to HiGHS
(`optim.highs.compile_model`) and a Pyomo model of the same rows
(`optim.model.pyomo.to_pyomo`). Everything is numpy: building a family of
100,000 rows costs a few array operations, not 100,000 Python expressions.

Every family of rows carries its `FamilySpec` (optim/model/families.py): what
its rows mean in planner terms, stated once where the family is defined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .families import FamilySpec

INF = float("inf")
_ONE_ROW = pd.Index([None], dtype=object)  # the labels of a family of one row (a new Index of it each time)


@dataclass
class VarGroup:
    """A block of consecutive columns: `size` variables labelled by `labels`."""

    name: str
    start: int
    labels: pd.Index
    lower: np.ndarray
    upper: np.ndarray
    integer: bool
    label: str = ""  # one variable in planner terms, formatted with its label parts ("use {1} of parcel {0}")
    unit: float = 1.0  # the variables are in units of `unit` (money: the model's money unit, in yuan)
    implied: np.ndarray | None = None  # upper bounds the rows imply (optim/model/bounds.py), or None

    @property
    def size(self) -> int:
        return len(self.labels)

    def bounded(self) -> np.ndarray:
        """The upper bounds with the implied ones: `min(upper, implied)`."""
        return self.upper if self.implied is None else np.minimum(self.upper, self.implied)

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size, dtype=np.int64)


@dataclass
class Expr:
    """A linear expression sum_k coefs[k] * x[cols[k]] (+ constant 0)."""

    cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    coefs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def of(cls, cols: Any, coefs: Any = 1.0) -> "Expr":
        """sum_k coefs[k] * x[cols[k]] (`coefs` one per column, or one for all), zero terms left out."""
        cols = np.asarray(cols, dtype=np.int64).ravel()
        coefs = np.asarray(coefs, dtype=float)
        if coefs.ndim == 0:  # one coefficient for every column
            return cls(cols.copy(), np.full(cols.shape, coefs)) if coefs != 0 else cls(cols[:0].copy(), np.zeros(0))
        if coefs.shape != cols.shape:
            coefs = np.broadcast_to(coefs, cols.shape)
        keep = coefs != 0
        return cls(cols[keep], coefs[keep])

    @classmethod
    def sum(cls, exprs: Any) -> "Expr":
        """The sum of `exprs`: their terms, in order, in one expression (as `+` gives them)."""
        exprs = list(exprs)
        if not exprs:
            return cls()
        return cls(np.concatenate([e.cols for e in exprs]), np.concatenate([e.coefs for e in exprs]))

    def __add__(self, other: "Expr") -> "Expr":
        return Expr(np.concatenate([self.cols, other.cols]), np.concatenate([self.coefs, other.coefs]))

    def __sub__(self, other: "Expr") -> "Expr":
        return self + other * -1.0

    def __mul__(self, scale: float) -> "Expr":
        if scale == 0:
            return Expr()
        return Expr(self.cols, self.coefs * float(scale))

    __rmul__ = __mul__

    def __neg__(self) -> "Expr":
        return self * -1.0

    def dense(self, n: int) -> np.ndarray:
        """As a dense vector of length n (duplicate columns summed)."""
        return np.bincount(self.cols, weights=self.coefs, minlength=n)

    def value(self, x: np.ndarray) -> float:
        return float(self.coefs @ x[self.cols]) if len(self.cols) else 0.0


@dataclass
class Family:
    """A family of rows `lower <= A x <= upper`, one row per label.

    Nonzeros are given in coordinate form: `row` (0-based within the family),
    `col`, `coef`. `sense` is ``eq``, ``le``, ``ge`` (or ``range``). `spec` says
    what the rows mean (optim/model/families.py).
    """

    spec: FamilySpec
    labels: pd.Index
    row: np.ndarray
    col: np.ndarray
    coef: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    sense: str
    start: int = 0  # first row in the whole model
    unit: float = 1.0  # the row is stated in units of `unit` (e.g. 1e6 yuan)
    derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # arrays computed from the above

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def size(self) -> int:
        return len(self.labels)


class Formulation:
    """Builder and holder of a linear (mixed-integer) model in array form."""

    def __init__(self, name: str = "model"):
        self.name = name
        self.groups: dict[str, VarGroup] = {}
        self.families: dict[str, Family] = {}
        self.exprs: dict[str, Expr] = {}
        self.n_cols = 0
        self.n_rows = 0
        self.objective = Expr()
        self.objective_offset = 0.0
        self.maximize = True
        self.units: dict[str, float] = {}  # unit of each named expression (default 1)
        self.objective_unit = 1.0

    # ---- variables ---------------------------------------------------------------
    def add_vars(self, name: str, labels: Sequence, *, lower: Any = 0.0, upper: Any = INF,
                 integer: bool = False, label: str = "", unit: float = 1.0) -> VarGroup:
        """Variables `name[label]`; `label` names one of them in planner terms; they
        are stated in units of `unit` (a value v of the variable is v * unit in real units)."""
        n = len(labels)
        g = VarGroup(name, self.n_cols, _labels(labels), _filled(lower, n), _filled(upper, n), integer, label, unit)
        self.groups[name] = g
        self.n_cols += n
        return g

    def col(self, name: str, positions: Any = None) -> np.ndarray:
        """Columns of variable group `name` (optionally at `positions` within it)."""
        g = self.groups[name]
        if positions is None:
            return g.cols
        return g.start + np.asarray(positions, dtype=np.int64)

    # ---- rows -----------------------------------------------------------------------
    def add_family(self, spec: FamilySpec, labels: Sequence, row: Any, col: Any, coef: Any,
                   lower: Any, upper: Any, unit: float = 1.0) -> Family:
        """Rows `lower <= sum coef x <= upper` of the family `spec`, given in
        coordinate form, stated in units of `unit` (a right-hand side of v in
        real units is v / unit)."""
        if not isinstance(spec, FamilySpec):
            raise TypeError(f"a family of rows needs its FamilySpec (optim/model/families.py), not {spec!r}")
        n = len(labels)
        lower, upper = _filled(lower, n), _filled(upper, n)
        col = np.asarray(col, dtype=np.int64).ravel()
        row = np.asarray(row, dtype=np.int64).ravel()
        coef = _filled(coef, len(col))
        if (lower == upper).all():
            sense = "eq"
        elif np.isinf(lower).all():
            sense = "le"
        elif np.isinf(upper).all():
            sense = "ge"
        else:
            sense = "range"
        if spec.name in self.families:
            raise ValueError(f"family {spec.name} is defined twice")
        f = Family(spec, _labels(labels), row, col, coef, lower, upper, sense,
                   start=self.n_rows, unit=unit)
        self.families[spec.name] = f
        self.n_rows += n
        return f

    def add_rows(self, spec: FamilySpec, labels: Sequence, exprs: Sequence[Expr], lower: Any, upper: Any,
                 unit: float = 1.0) -> Family:
        """A family from one `Expr` per row (for families of a few rows)."""
        rows = [np.full(len(e.cols), k, dtype=np.int64) for k, e in enumerate(exprs)]
        cat = (lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dtype=dt))
        return self.add_family(spec, labels, cat(rows, np.int64), cat([e.cols for e in exprs], np.int64),
                               cat([e.coefs for e in exprs], float), lower, upper, unit)

    def add_row(self, spec: FamilySpec, expr: Expr, lower: float = -INF, upper: float = INF,
                unit: float = 1.0) -> Family:
        """A family of a single row (label None)."""
        return self.add_rows(spec, _ONE_ROW[:], [expr], lower, upper, unit)

    def set_objective(self, expr: Expr, maximize: bool = True, offset: float = 0.0) -> None:
        """The objective: `expr` plus the constant `offset` (both in `objective_unit`)."""
        self.objective = expr
        self.maximize = maximize
        self.objective_offset = float(offset)

    # ---- assembly ---------------------------------------------------------------------
    def bounds(self, implied: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column lower bounds, upper bounds and integrality (bool). `implied`: the
        upper bounds include those the rows imply (`VarGroup.implied`), as HiGHS
        gets them; without, the columns' own bounds (their domain, locks, ...)."""
        gs = list(self.groups.values())
        if not gs:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
        return (np.concatenate([g.lower for g in gs]),
                np.concatenate([g.bounded() if implied else g.upper for g in gs]),
                np.repeat(np.array([g.integer for g in gs], dtype=bool), [g.size for g in gs]))

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        fs = list(self.families.values())
        if not fs:
            return np.zeros(0), np.zeros(0)
        return np.concatenate([f.lower for f in fs]), np.concatenate([f.upper for f in fs])

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All nonzeros as (global row, col, coef)."""
        fs = list(self.families.values())
        if not fs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        return (np.concatenate([f.row + f.start for f in fs]),
                np.concatenate([f.col for f in fs]),
                np.concatenate([f.coef for f in fs]))

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The constraint matrix in compressed-column form (start, index, value):
        entries sorted by column then row, duplicates summed, zeros dropped."""
        row, col, coef = self.coo()
        order = np.argsort(col * max(self.n_rows, 1) + row, kind="stable")  # duplicates in their order
        cols, index, value = col[order], row[order], coef[order]
        first = np.ones(len(cols), dtype=bool)
        first[1:] = (cols[1:] != cols[:-1]) | (index[1:] != index[:-1])
        if not first.all():  # duplicates: summed
            starts = np.flatnonzero(first)
            value = np.add.reduceat(value, starts)
            cols, index = cols[starts], index[starts]
        keep = value != 0
        if not keep.all():
            cols, index, value = cols[keep], index[keep], value[keep]
        start = np.zeros(self.n_cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=self.n_cols), out=start[1:])
        return start, index, value

    def cost(self) -> np.ndarray:
        return self.objective.dense(self.n_cols)

    # ---- lookups -------------------------------------------------------------------
    def rows_of(self, family: str, label: Any = None) -> np.ndarray:
        """Global rows of `family` (all, or the row labelled `label`)."""
        f = self.families[family]
        if label is None and f.size == 1:
            return np.array([f.start])
        if label is None:
            return np.arange(f.start, f.start + f.size)
        try:
            k = f.labels.get_loc(label)
        except KeyError:
            raise KeyError(f"no row {label!r} in {family}") from None
        return np.array([f.start + k])

    def group_of(self, col: int) -> tuple[VarGroup, int]:
        for g in self.groups.values():
            if g.start <= col < g.start + g.size:
                return g, col - g.start
        raise IndexError(col)


def _filled(values: Any, n: int) -> np.ndarray:
    """`values` (one value, or n values) as a new float array of n values."""
    values = np.asarray(values, dtype=float)
    if values.shape == (n,):
        return values.copy()
    return np.full(n, values) if values.ndim == 0 else np.broadcast_to(values, (n,)).copy()


def _labels(labels: Any) -> pd.Index:
    """Row or column labels as a pandas Index (a MultiIndex for tuples)."""
    if isinstance(labels, pd.Index):
        return labels
    labels = list(labels)
    if labels and isinstance(labels[0], tuple):
        width = len(labels[0])
        if width and all(type(x) is tuple and len(x) == width for x in labels):
            parts = [np.fromiter((x[k] for x in labels), dtype=object, count=len(labels)) for k in range(width)]
            return multi_index(parts)  # as pd.MultiIndex.from_tuples(labels)
        return pd.MultiIndex.from_tuples(labels)
    return pd.Index(labels, dtype=object)


def multi_index(arrays: Sequence[Any], names: Sequence[Any] | None = None) -> pd.MultiIndex:
    """`pd.MultiIndex.from_arrays(arrays, names=names)`, with the levels and codes
    made by `pd.factorize` (sorted), as from_arrays makes them, without the
    Categorical it makes of each array (a tenth of a millisecond each). Arrays
    whose values factorize cannot sort, or whose levels hold other than text or
    numbers (empty levels aside), go to from_arrays itself. Without `names`, the
    arrays' own names."""
    if names is None:
        names = [getattr(values, "name", None) for values in arrays]
    levels, codes = [], []
    for values in arrays:
        if not isinstance(values, (np.ndarray, pd.Series, pd.Index)):
            return pd.MultiIndex.from_arrays(arrays, names=names)
        try:
            code, uniques = pd.factorize(values, sort=True)
        except TypeError:
            return pd.MultiIndex.from_arrays(arrays, names=names)
        level = pd.Index(uniques)
        if level.dtype == object and len(level):
            return pd.MultiIndex.from_arrays(arrays, names=names)
        levels.append(level)
        codes.append(code)
    return pd.MultiIndex(levels=levels, codes=codes, names=names, verify_integrity=False)
