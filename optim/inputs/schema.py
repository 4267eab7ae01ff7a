"""Declarative schema of the instance format (see docs/instance-format.md).

One `Field` per column or key: its type, default and range. The loader, the
validator and the DataFrame constructor all read this one table, so the format
is described once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUIRED = object()  # sentinel default: the field must be given

SOURCE_KINDS = (
    "policy_finance",
    "bank_loan",
    "special_fund",
    "bond",
    "abs",
    "reit",
    "equity",
    "own_funds",
    "other",
)
COMPATIBILITY_RULES = ("forbid", "penalty")  # rule of a compatibility row
COORDINATE_UNITS = ("km", "m", "degrees")  # units.coordinates: what the parcels' x, y are
# `language`: the language of the reports written for the instance (`optim report`); the report
# has a catalogue of words for each (optim/reporting/texts.py; a test checks the two agree)
LANGUAGES = ("en", "zh")
LOCKS = ("in", "out")  # `lock` of a parcel or a source ("" = not locked); see optim/locks.py
CAPITAL_KINDS = {"policy_finance", "equity", "own_funds"}
DEBT_KINDS = {"bank_loan", "bond"}

# The objective's terms (docs/model.md, "Objective"). All but `value` are non-negative
# amounts (income, output, money drawn, interest); `value` is the one signed term: a
# figure of the options and projects that may be negative, such as a net present value.
TERMS = ("land_income", "industrial_output", "coverage", "financing_cost", "value")


@dataclass(frozen=True)
class Field:
    """One column of a table or one key of a mapping.

    kind: ``str``, ``num``, ``int``, ``bool``, ``list`` (of strings) or ``any``.
    check: ``nonneg`` (>= 0), ``pos`` (> 0), ``ratio`` (in [0, 1]), ``id`` (text that
    names a row: not empty or only spaces, no control characters; each item of a
    list) or None.
    ref: name of the table whose ids this field must name.
    choices: allowed values for a string field.
    """

    name: str
    kind: str
    default: Any = REQUIRED
    check: str | None = None
    ref: str | None = None
    choices: tuple | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def _fields(*fields: Field) -> dict[str, Field]:
    return {f.name: f for f in fields}


TABLES: dict[str, dict[str, Field]] = {
    "uses": _fields(
        Field("id", "str", check="id"),
        Field("industrial", "bool", False),
        Field("commercial", "bool", False),
        Field("description", "str", ""),
    ),
    "categories": _fields(
        Field("id", "str", check="id"),
        Field("ecology", "bool", False),
        Field("description", "str", ""),
    ),
    "resources": _fields(
        Field("id", "str", check="id"),
        Field("cap", "num", check="nonneg"),
        Field("unit", "str", ""),
        Field("description", "str", ""),
    ),
    "parcels": _fields(
        Field("id", "str", check="id"),
        Field("area", "num", check="pos"),
        Field("current_use", "str", check="id", ref="uses"),
        Field("zone", "str", ""),
        Field("x", "num", None),
        Field("y", "num", None),
        Field("route", "bool", False),
        Field("period", "str", None, check="id"),  # with periods: rezoned in this period, if at all
        Field("lock", "str", "", choices=LOCKS),  # in: must be rezoned; out: keeps its current use
    ),
    # resource columns are added per instance (one per resource id)
    "options": _fields(
        Field("parcel", "str", check="id", ref="parcels"),
        Field("use", "str", check="id", ref="uses"),
        Field("land_income", "num", 0.0, check="nonneg"),
        Field("output", "num", 0.0, check="nonneg"),
        Field("conversion_cost", "num", 0.0, check="nonneg"),
        Field("value", "num", 0.0),  # signed: the objective term `value` (e.g. a net present value)
    ),
    "projects": _fields(
        Field("id", "str", check="id"),
        Field("category", "str", check="id", ref="categories"),
        Field("cost", "num", check="nonneg"),
        Field("mandatory", "bool", True),
        Field("industrial_area", "num", 0.0, check="nonneg"),
        Field("output", "num", 0.0, check="nonneg"),
        Field("value", "num", 0.0),  # signed: the objective term `value` (e.g. a net present value)
        Field("description", "str", ""),
        # with periods (see `periods`): when it may be built, what it earns, recycling
        Field("period", "str", None, check="id"),
        Field("earliest", "str", None, check="id"),
        Field("income", "num", 0.0, check="nonneg"),
        Field("recyclable", "bool", False),
        Field("recycle_share", "num", 0.0, check="ratio"),
        Field("recycle_from", "str", None, check="id"),
    ),
    "sources": _fields(
        Field("id", "str", check="id"),
        Field("kind", "str", choices=SOURCE_KINDS),
        Field("cap", "num", check="nonneg"),
        Field("min_ticket", "num", 0.0, check="nonneg"),
        Field("fixed_cost", "num", 0.0, check="nonneg"),
        Field("rate", "num", 0.0, check="ratio"),
        Field("categories", "list", None, check="id", ref="categories"),  # None = all
        Field("external", "bool", None),  # None = by kind
        Field("capital", "bool", None),
        Field("debt", "bool", None),
        Field("description", "str", ""),
        # with periods: availability window, repayment terms
        Field("available_from", "str", None, check="id"),
        Field("available_until", "str", None, check="id"),
        Field("tenor", "int", 0, check="nonneg"),
        Field("grace", "int", 0, check="nonneg"),
        Field("exit_share", "num", 0.0, check="nonneg"),
        # locks and bounds on the total drawn (optim/locks.py)
        Field("lock", "str", "", choices=LOCKS),  # in: must be used; out: draws nothing
        Field("min_draw", "num", 0.0, check="nonneg"),
        Field("max_draw", "num", None, check="nonneg"),
    ),
    # ---- enterprise relocation (optional; optim/relocation.py) ----
    "enterprises": _fields(
        Field("id", "str", check="id"),
        Field("area", "num", check="pos"),
        Field("use", "str", check="id", ref="uses"),
        Field("cost", "num", 0.0, check="nonneg"),
        Field("required", "bool", True),
        Field("output", "num", 0.0, check="nonneg"),
        Field("category", "str", None, check="id", ref="categories"),  # None = policy's conversion category
        Field("by_period", "str", "", check="id"),
        Field("description", "str", ""),
    ),
    "relocation_costs": _fields(
        Field("enterprise", "str", check="id", ref="enterprises"),
        Field("parcel", "str", check="id", ref="parcels"),
        Field("cost", "num", check="nonneg"),
    ),
    # ---- phasing over periods (optional; see docs/model.md, "Periods") ----
    "periods": _fields(
        Field("id", "str", check="id"),
        Field("own_funds", "num", 0.0, check="nonneg"),
        Field("description", "str", ""),
    ),
    "project_costs": _fields(
        Field("project", "str", check="id"),
        Field("offset", "int", check="nonneg"),
        Field("cost", "num", check="nonneg"),
    ),
    "period_caps": _fields(
        Field("resource", "str", check="id"),
        Field("period", "str", check="id"),
        Field("cap", "num", check="nonneg"),
    ),
    "draw_limits": _fields(
        Field("source", "str", check="id"),
        Field("period", "str", check="id"),
        Field("min", "num", 0.0, check="nonneg"),
        Field("max", "num", None, check="nonneg"),
    ),
    # ---- land-use compatibility and compact clusters (optional; optim/adjacency.py) ----
    "adjacency": _fields(
        Field("parcel_a", "str", check="id", ref="parcels"),
        Field("parcel_b", "str", check="id", ref="parcels"),
        Field("length", "num", 1.0, check="pos"),
    ),
    "compatibility": _fields(
        Field("use_a", "str", check="id", ref="uses"),
        Field("use_b", "str", check="id", ref="uses"),
        Field("rule", "str", choices=COMPATIBILITY_RULES),
        Field("penalty", "num", 0.0, check="nonneg"),
    ),
    "assumptions": _fields(
        Field("id", "str", check="id"),
        Field("text", "str"),
        Field("value", "any", None),
        Field("unit", "str", ""),
        Field("source", "str", ""),
    ),
}

# Tables keyed by an `id` column (options are keyed by (parcel, use)).
ID_TABLES = ("uses", "categories", "resources", "parcels", "projects", "sources", "periods",
             "enterprises")
PERIOD_TABLES = ("periods", "project_costs", "period_caps", "draw_limits")
ADJACENCY_TABLES = ("adjacency", "compatibility")  # optional, see optim/adjacency.py
RELOCATION_TABLES = ("enterprises", "relocation_costs")  # optional, see optim/relocation.py

MAPPINGS: dict[str, dict[str, Field]] = {
    "policy": _fields(
        Field("coverage_target", "num", 0.0, check="ratio"),
        Field("coverage_scope", "list", None, check="id", ref="categories"),
        Field("own_funds_budget", "num", 0.0, check="nonneg"),
        Field("land_income_to_own_funds", "num", 1.0, check="ratio"),
        Field("conversion_category", "str", None, check="id", ref="categories"),
        Field("min_industrial_area", "num", None, check="nonneg"),
        Field("max_industrial_area", "num", None, check="nonneg"),
        Field("max_forgone_income", "num", None, check="nonneg"),
        Field("min_capital_share", "num", None, check="ratio"),
        Field("max_debt_to_capital", "num", None, check="nonneg"),
        Field("locked_uses", "any", None),
        # with periods
        Field("discount_rate", "num", 0.0, check="ratio"),
        Field("tax_share", "num", 0.0, check="ratio"),
        Field("carry_over", "bool", True),
        Field("min_dscr", "num", None, check="nonneg"),
    ),
    "eod": _fields(
        Field("income_share", "num", check="ratio"),
        Field("park_commercial_income", "num", 0.0, check="nonneg"),
    ),
    "solver": _fields(
        Field("time_limit", "num", None, check="pos"),
        Field("mip_rel_gap", "num", None, check="ratio"),
        Field("threads", "int", None, check="pos"),
        Field("seed", "int", None, check="nonneg"),
        Field("presolve", "str", None, choices=("on", "off", "choose")),
        Field("strategy", "str", None, choices=("lp-guided", "plain")),
    ),
    "units": _fields(
        Field("money", "str", "yuan"),
        Field("area", "str", "mu"),
        Field("coordinates", "str", None, choices=COORDINATE_UNITS),
    ),
}
LANGUAGE = Field("language", "str", "en", choices=LANGUAGES)

TOP_LEVEL = {
    "name",
    "description",
    "language",
    "units",
    "assumptions",
    "uses",
    "categories",
    "resources",
    "parcels",
    "options",
    "option_basis",
    "projects",
    "sources",
    "policy",
    "eod",
    "objective",
    "solver",
    "scenarios",
    "route",
    "uncertainty",
    *PERIOD_TABLES,
    *ADJACENCY_TABLES,
    *RELOCATION_TABLES,
}
# `categories` may be left out when nothing is paid for: no projects, sources or
# conversion costs (validate.check_categories_needed)
REQUIRED_TOP = ("name", "uses", "parcels", "options")
OPTION_BASES = ("total", "per_area")

# objective: weights and targets per term, and these figures
OBJECTIVE_SCALARS = {
    "boundary_penalty": Field("boundary_penalty", "num", 0.0, check="nonneg"),  # optim/model/adjacency.py
    "offset": Field("offset", "num", 0.0),  # a constant added to the objective (signed)
}
OBJECTIVE_KEYS = ("weights", "targets", "values", *OBJECTIVE_SCALARS)
