"""The land-and-capital model (math: docs/model.md).

`create_model` reads like a table of contents: it computes the index sets from
the instance (`prepare` -> `ModelData`: only allowed parcel-use options and
eligible source-category pairs exist), then calls one `define_*` function per
variable group, named expression, constraint family and the objective. Each
states its math in its docstring, builds its rows as arrays on a
`Formulation` and carries the `FamilySpec` declared beside it. The optional
parts (locks, relocation, adjacency, periods) each have one module that
defines their rows and extracts their results; without their data they add
nothing. Nothing is solved here.

Layout: `formulation` (arrays: variables, expressions, row families),
`families` (the declaration of a family), `data` (index sets), `core`,
`locks`, `relocation`, `adjacency`, `phasing` (the families), `bounds` (the
column bounds the rows imply), `kpis` (the KPIs of a plan), `size` (what the
solver accepts).
"""

from __future__ import annotations

from .adjacency import define_adjacency
from .bounds import define_column_bounds
from .core import (TERM_SENSE, TERMS, define_capital_rules, define_category_funding, define_coverage,
                   define_eod_balance, define_expressions, define_forgone_income, define_industrial_area,
                   define_objective, define_own_funds, define_parcel_use, define_resource_caps,
                   define_source_limits, define_targets, define_variables, objective_expr)
from .data import ModelData, money_unit, prepare
from .families import SPECS, FamilySpec, spec_of
from .formulation import Expr, Family, Formulation
from .locks import apply_locks, define_draw_bounds
from .phasing import (define_cash_balance, define_debt_service_cover, define_period_caps,
                      define_period_draw_limits, define_period_expressions, define_period_funding,
                      define_period_land, define_period_links, define_period_variables, define_recycling)
from .relocation import define_relocation, define_relocation_deadlines, define_relocation_rows
from ..inputs.instance import Instance


def create_model(inst: Instance, money: float | None = None) -> tuple[Formulation, ModelData]:
    """State the model of `inst` (no solve). Returns the formulation and its data.
    `money` fixes the money unit (default: `money_unit(inst)`), e.g. so that the
    runs of a study share one scaling."""
    d = prepare(inst, money)
    f = Formulation(inst.name or "optim")
    # decisions and what they add up to
    define_variables(f, d)
    apply_locks(f, d)  # locks: column bounds of locked parcels and sources
    define_expressions(f, d)
    define_relocation(f, d)  # relocation: v_reloc, its costs in the categories' needs
    # land and funding
    define_parcel_use(f, d)
    define_category_funding(f, d)
    define_source_limits(f, d)
    define_draw_bounds(f, d)  # locks: minimum and maximum draws per source
    define_coverage(f, d)
    define_own_funds(f, d)
    define_eod_balance(f, d)
    define_resource_caps(f, d)
    define_industrial_area(f, d)
    define_forgone_income(f, d)
    define_capital_rules(f, d)
    define_targets(f, d)
    define_relocation_rows(f, d)
    # periods (instances with a periods table)
    define_period_variables(f, d)
    define_period_links(f, d)
    define_period_expressions(f, d)
    define_period_funding(f, d)
    define_cash_balance(f, d)
    define_debt_service_cover(f, d)
    define_period_land(f, d)
    define_period_caps(f, d)
    define_period_draw_limits(f, d)
    define_relocation_deadlines(f, d)
    define_recycling(f, d)
    # what is maximised
    define_objective(f, d)
    define_adjacency(f, d)  # adjacency: compatibility and cluster rows, penalties in the objective
    # the bounds the rows imply on the money columns (draws, own funds, cash)
    define_column_bounds(f, d)
    return f, d


__all__ = ["create_model", "prepare", "money_unit", "ModelData", "Formulation", "Family", "Expr", "FamilySpec",
           "SPECS", "spec_of", "TERMS", "TERM_SENSE", "objective_expr"]
