"""The KPIs of a plan: the one place they are computed.

`kpis(f, d, x)` reads every KPI of the plan `x` (the formulation's column
values) from the model's named expressions and the optional parts' own KPI
functions. `optim.results.extract` puts them in `Result.kpis`; a study reads
them straight from a live model (`Resolver.kpis`) without the result tables.
The independent checker recomputes the same KPIs from the plan's decisions
alone (`optim.check`) and compares.
"""

from __future__ import annotations

import numpy as np

from .adjacency import adjacency_kpis
from .data import MONEY_NOISE, ModelData
from .formulation import Formulation
from .phasing import period_kpis
from .relocation import relocation_kpis

# KPI -> (the model expression it reads, its unit); the order of the KPI table
EXPRESSION_KPIS = {
    "land_income": ("land_income", "yuan"),
    "forgone_land_income": ("forgone_income", "yuan"),
    "industrial_output": ("industrial_output", "yuan/year"),
    "total_investment": ("total_investment", "yuan"),
    "covered_investment": ("scope_investment", "yuan"),
    "external_financing": ("coverage", "yuan"),
}
KPI_UNITS = {
    **{k: unit for k, (_, unit) in EXPRESSION_KPIS.items()},
    "coverage": "ratio",
    "financing_cost": "yuan",
    "own_funds_used": "yuan",
    "own_funds_available": "yuan",
    "industrial_area": "mu",
    "rezoned_area": "mu",
    "value": "yuan",
    # optional parts
    "relocation_cost": "yuan",
    "debt_service": "yuan", "debt_service_beyond_horizon": "yuan", "recycling_proceeds": "yuan",
    "land_income_pv": "yuan", "industrial_output_pv": "yuan",
    "compatibility_penalty": "yuan", "industrial_boundary": "length",
}


def as_taken(f: Formulation, x: np.ndarray) -> np.ndarray:
    """The plan's decisions as taken and reported: `x` with its integer columns
    rounded, and its money columns rounded to the fen (solver noise, below
    MONEY_NOISE of the money unit, taken as 0), as the result tables show them."""
    x = np.array(x, dtype=float)
    for g in f.groups.values():
        v = x[g.start:g.start + g.size]
        if g.integer:
            x[g.start:g.start + g.size] = np.round(v)
        elif g.unit != 1.0:
            real = v * g.unit
            real = np.where(np.abs(real) < MONEY_NOISE * max(g.unit, 1.0), 0.0, np.round(real, 2))
            x[g.start:g.start + g.size] = real / g.unit
    return x


def kpis(f: Formulation, d: ModelData, x: np.ndarray) -> dict[str, tuple[float, str]]:
    """Every KPI of plan `x` as taken (`as_taken`): name -> (value, unit), money in
    yuan. Values are kept to 12 significant digits, which drops the floating-point
    noise of the model's scaling (a yuan figure divided by the money unit and
    multiplied back) and nothing else; ratios are taken of those values."""
    x = as_taken(f, x)

    def real(name: str) -> float:
        return f.exprs[name].value(x) * f.units.get(name, 1.0)

    out: dict[str, tuple[float, str]] = {k: (real(e), u) for k, (e, u) in EXPRESSION_KPIS.items()}
    out["coverage"] = (float("nan"), "ratio")  # of the figures as kept, below
    out["financing_cost"] = (real("financing_cost"), "yuan")
    out["own_funds_used"] = (real("own_funds"), "yuan")
    out["own_funds_available"] = (float("nan"), "yuan")  # below, unless the periods give it
    out["industrial_area"] = (real("industrial_area"), "mu")
    out["rezoned_area"] = (real("rezoned_area"), "mu")
    if d.inst.has_values:  # the signed term, when the instance uses it
        out["value"] = (real("value"), "yuan")
    out.update(relocation_kpis(f, d, x))
    out.update(adjacency_kpis(d, x[f.col("v_use")] > 0.5))
    out = {k: (_kept(v), unit) for k, (v, unit) in out.items()}
    covered, external = out["covered_investment"][0], out["external_financing"][0]
    out["coverage"] = (external / covered if covered > 0 else float("nan"), "ratio")
    pol = d.inst.policy
    out["own_funds_available"] = (_kept(pol.own_funds_budget + pol.land_income_to_own_funds
                                        * out["land_income"][0]), "yuan")
    for k, (v, unit) in period_kpis(f, d, x).items():  # with periods: budgets and income of every period
        out[k] = (_kept(v), unit)
    return out


def _kept(value: float) -> float:
    """A figure to 12 significant digits (the model's scaling noise is at the 16th)."""
    value = float(value)
    return float(f"{value:.12g}") + 0.0 if np.isfinite(value) else value
