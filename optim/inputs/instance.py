"""The in-memory instance: input tables as pandas DataFrames plus policy settings.

An `Instance` holds inputs only (results live in `optim.results.Result`). Build
one with `optim.load(path)` from YAML/CSV files, or with `optim.from_frames`
from DataFrames in a notebook; either way it is checked by the same validator.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .coerce import column_floats, is_missing
from .schema import CAPITAL_KINDS, DEBT_KINDS, TERMS


@dataclass
class Origin:
    """Where a table came from, to name the place of a problem in messages."""

    file: str
    key: str
    csv: bool = False

    def row(self, pos: int) -> str:
        """Location of the table's row number `pos` (0-based data row)."""
        if self.csv:
            return f"{self.file} row {pos + 2}"  # line 1 is the header
        return f"{self.file}: {self.key}[{pos}]"


@dataclass
class Policy:
    """Policy settings: see docs/instance-format.md, section `policy`."""

    coverage_target: float = 0.0
    coverage_scope: list[str] | None = None
    own_funds_budget: float = 0.0
    land_income_to_own_funds: float = 1.0
    conversion_category: str | None = None
    min_industrial_area: float | None = None
    max_industrial_area: float | None = None
    max_forgone_income: float | None = None
    min_capital_share: float | None = None
    max_debt_to_capital: float | None = None
    locked_uses: dict[str, str] = field(default_factory=dict)
    discount_rate: float = 0.0
    tax_share: float = 0.0
    carry_over: bool = True
    min_dscr: float | None = None


@dataclass
class Eod:
    """Ecology-oriented development balance settings."""

    income_share: float
    park_commercial_income: float = 0.0


@dataclass
class Objective:
    """Weights of the objective terms and targets that turn terms into constraints.

    `targets` maps a term to a `(min, max)` pair, either side None.
    """

    weights: dict[str, float] = field(default_factory=lambda: {"land_income": 1.0})
    targets: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    values: str = "annual"  # with periods: "annual" or "present" (discounted) values
    boundary_penalty: float = 0.0  # yuan per unit of industrial/non-industrial boundary length
    offset: float = 0.0  # a constant added to the objective (yuan; signed)

    def weight(self, term: str) -> float:
        return float(self.weights.get(term, 0.0))


# pandas 3 copies a table's data on the first write to it or to any copy of it (copy-on-write,
# always on); pandas 2 only when its option `mode.copy_on_write` is set.
_PANDAS_COPIES_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def _copy_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table to change without touching `frame`: with copy-on-write a shallow copy
    is one (the data is copied when either is written to); without it, a deep copy.
    As with a deep copy, a cell that holds a list shares it (the list is replaced,
    never changed in place)."""
    lazy = _PANDAS_COPIES_ON_WRITE or pd.options.mode.copy_on_write is True
    return frame.copy(deep=not lazy)


def _empty(columns: list[str], index: str | None = "id") -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    if index:
        frame = frame.set_index(index)
    return frame


@dataclass
class Instance:
    """A land-and-capital allocation instance.

    Tables (pandas DataFrames) are indexed by `id`, except `options`, which has
    columns `parcel`, `use`, `land_income`, `output`, `conversion_cost` and one
    column per resource id. Option figures are whole-parcel figures when
    `option_basis == "total"`, per mu when `"per_area"`; `option_totals()`
    always returns whole-parcel figures.
    """

    name: str
    uses: pd.DataFrame
    categories: pd.DataFrame
    parcels: pd.DataFrame
    options: pd.DataFrame
    resources: pd.DataFrame = field(
        default_factory=lambda: _empty(["id", "cap", "unit", "description"])
    )
    projects: pd.DataFrame = field(
        default_factory=lambda: _empty(
            ["id", "category", "cost", "mandatory", "industrial_area", "output"]
        )
    )
    sources: pd.DataFrame = field(
        default_factory=lambda: _empty(
            ["id", "kind", "cap", "min_ticket", "fixed_cost", "rate", "categories",
             "external", "capital", "debt"]
        )
    )
    policy: Policy = field(default_factory=Policy)
    eod: Eod | None = None
    objective: Objective = field(default_factory=Objective)
    solver: dict[str, Any] = field(default_factory=dict)
    option_basis: str = "total"
    description: str = ""
    language: str = "en"  # the language of its reports (`language:`, schema.LANGUAGES)
    units: dict[str, str] = field(default_factory=lambda: {"money": "yuan", "area": "mu"})
    assumptions: pd.DataFrame = field(
        default_factory=lambda: _empty(["id", "text", "value", "unit", "source"])
    )
    periods: pd.DataFrame = field(default_factory=lambda: _empty(["id", "own_funds", "description"]))
    project_costs: pd.DataFrame = field(
        default_factory=lambda: _empty(["project", "offset", "cost"], index=None))
    period_caps: pd.DataFrame = field(
        default_factory=lambda: _empty(["resource", "period", "cap"], index=None))
    draw_limits: pd.DataFrame = field(
        default_factory=lambda: _empty(["source", "period", "min", "max"], index=None))
    # optional: parcel adjacency and use compatibility rules (optim/adjacency.py)
    adjacency: pd.DataFrame = field(
        default_factory=lambda: _empty(["parcel_a", "parcel_b", "length"], index=None))
    compatibility: pd.DataFrame = field(
        default_factory=lambda: _empty(["use_a", "use_b", "rule", "penalty"], index=None))
    # optional: enterprises to relocate into the park (optim/relocation.py)
    enterprises: pd.DataFrame = field(
        default_factory=lambda: _empty(["id", "area", "use", "cost", "required", "output",
                                        "category", "by_period", "description"]))
    relocation_costs: pd.DataFrame = field(
        default_factory=lambda: _empty(["enterprise", "parcel", "cost"], index=None))
    scenarios: dict[str, Any] = field(default_factory=dict)
    applied_scenarios: list[str] = field(default_factory=list)
    # settings left to a default that changes the plan (`policy.land_income_to_own_funds`,
    # `objective.weights.land_income`): named by `optim.input_warnings`
    defaults: set[str] = field(default_factory=set)
    # paths of the figures changed since the file was read (scenarios, overrides), in order
    changed: list[str] = field(default_factory=list)
    # optional: uncertain figures for `optim stochastic` (optim/inputs/uncertainty.py): the section as
    # read, and how messages name it ("instance.yaml: uncertainty", or its own file "uncertainty.yaml")
    uncertainty: dict[str, Any] | None = None
    uncertainty_where: str = "uncertainty"
    path: Path | None = None
    origins: dict[str, Origin] = field(default_factory=dict, repr=False)
    # optional: the parcels' polygons, when read from a GIS file (optim.inputs.gis.ParcelGeometry)
    geometry: Any = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)  # what reading assumed (encodings, coordinate systems)

    # ---- constructors -------------------------------------------------
    def copy(self) -> "Instance":
        """A deep copy, to change without touching the original: its tables by
        `_copy_table` (their data copied on first write), the rest by `copy.deepcopy`."""
        tables = {id(v): _copy_table(v) for v in vars(self).values() if type(v) is pd.DataFrame}
        return copy.deepcopy(self, tables)

    # ---- derived data --------------------------------------------------
    @property
    def has_periods(self) -> bool:
        """The instance is phased over periods (a `periods` table with rows)."""
        return len(self.periods) > 0

    @property
    def has_adjacency(self) -> bool:
        """The instance has an adjacency table (with at least one row)."""
        return len(self.adjacency) > 0

    @property
    def has_geometry(self) -> bool:
        """The parcels have polygons (read from a GIS file)."""
        return self.geometry is not None

    @property
    def has_enterprises(self) -> bool:
        """The instance has enterprises to relocate."""
        return self.enterprises is not None and len(self.enterprises) > 0

    @property
    def has_values(self) -> bool:
        """The instance uses the signed term `value`: an option or a project has one, or
        the objective weighs or bounds it (else the KPI `value` is left out)."""
        obj = self.objective
        if obj.weight("value") or "value" in obj.targets:
            return True
        for frame in (self.options, self.projects):
            if "value" in frame.columns:
                values = column_floats(frame["value"])
                if np.any((values != 0) & ~np.isnan(values)):  # a missing value counts as 0
                    return True
        return False

    @property
    def resource_ids(self) -> list[str]:
        return list(self.resources.index)

    def option_totals(self) -> pd.DataFrame:
        """Options with whole-parcel figures (per-mu figures times parcel area)."""
        if self.option_basis != "per_area":
            return _copy_table(self.options)
        opts = self.options
        area = self.parcels["area"].reindex(opts["parcel"]).to_numpy(dtype=float)
        scaled = {"land_income", "output", "conversion_cost", "value", *self.resources.index}
        return pd.DataFrame({c: opts[c].to_numpy(dtype=float) * area if c in scaled else opts[c].to_numpy(copy=True)
                             for c in opts.columns}, index=opts.index, copy=False)  # every column a new array

    def conversion_category(self) -> str | None:
        """The category that pays for conversion costs (policy, else `park`)."""
        if self.policy.conversion_category:
            return self.policy.conversion_category
        return "park" if "park" in self.categories.index else None

    def coverage_scope(self) -> list[str]:
        if self.policy.coverage_scope is None:
            return list(self.categories.index)
        return list(self.policy.coverage_scope)

    def source_flags(self) -> pd.DataFrame:
        """Sources with `external`, `capital`, `debt` resolved from their kind."""
        s = self.sources.copy(deep=False)  # new columns below; the instance's table is not touched
        for col, flags in self.source_roles().items():
            s[col] = flags
        return s

    def source_roles(self) -> dict[str, np.ndarray]:
        """`external`, `capital` and `debt` per source (bool arrays in the sources'
        order), each resolved from the source's kind where the table leaves it
        empty: the columns `source_flags` puts in the table."""
        s = self.sources
        kinds = s["kind"].to_numpy(dtype=object)
        defaults = {"external": kinds != "own_funds",
                    "capital": np.isin(kinds, list(CAPITAL_KINDS)),
                    "debt": np.isin(kinds, list(DEBT_KINDS))}
        out = {}
        for col, default in defaults.items():
            given = s[col].to_numpy(dtype=object)
            out[col] = np.where(pd.isna(given), default, given).astype(bool)
        return out

    def eligible_pairs(self) -> pd.DataFrame:
        """(source, category) pairs a source may pay for (earmarking)."""
        cats = list(self.categories.index)
        lists = [cats if allowed is None or is_missing(allowed) else list(allowed)
                 for allowed in self.sources["categories"]]
        return pd.DataFrame({"source": np.repeat(self.sources.index.to_numpy(dtype=object), [len(x) for x in lists]),
                             "category": np.array([c for x in lists for c in x], dtype=object)}, copy=False)


__all__ = ["Instance", "Policy", "Eod", "Objective", "Origin", "TERMS"]
