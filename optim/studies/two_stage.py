"""The two-stage machinery on models alone: the recourse problem, a first stage
evaluated, wait and see, and from them the VSS and the EVPI.

It works on `Formulation`s whose first-stage variable groups are named
(`optim.model.stochastic.FIRST_STAGE` for optim's models), so that the same
code that serves optim's scenarios (optim/studies/stochastic.py) can be checked
on a published case (Birge and Louveaux's farmer problem, tests/test_stochastic.py):

- RP, the recourse problem: the extensive form (first stage shared) solved;
- EV, the mean-value problem: one model with every uncertain figure at its mean;
- EEV: the EV plan's first stage fixed, the best recourse in every scenario;
- WS, wait and see: every scenario solved with its own first stage;
- VSS = RP - EEV and EVPI = WS - RP for a maximised objective (the signs turn
  for a minimised one), both >= 0 at the optima.

Values are risk-adjusted, `(1 - lambda) E + lambda CVaR_alpha`, the expected value when
lambda = 0. Each scenario's recourse is solved on its own when nothing couples
the scenarios but the shared first stage (expected value and CVaR both grow with
every scenario's objective, so each scenario's best recourse is the best for all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..highs import Compiled, Solution, SolveOptions, compile_model, make_highs, run_highs
from ..model.formulation import Formulation
from ..model.stochastic import FIRST_STAGE, Block, ExtensiveForm, Risk, Shortfall, cvar, extensive_form, \
    first_stage_columns


def with_bounds(c: Compiled, cols: np.ndarray, values: np.ndarray) -> Compiled:
    """A copy of `c` with the columns `cols` fixed at `values`."""
    lower, upper = c.col_lower.copy(), c.col_upper.copy()
    lower[cols], upper[cols] = values, values
    return Compiled.of(c.cost, c.offset, c.maximize, lower, upper, c.integrality, c.row_lower, c.row_upper,
                       c.start, c.index, c.value)


def solve_compiled(c: Compiled, options: SolveOptions) -> Solution:
    return run_highs(make_highs(c, options), c.integer)


def risk_value(values: np.ndarray, probabilities: np.ndarray, risk: Risk, maximize: bool) -> float:
    """(1 - lambda) E + lambda CVaR_alpha of scenario values (the CVaR of the lowest
    values when maximised, of the highest when minimised)."""
    p = np.asarray(probabilities, dtype=float)
    expected = float(p @ np.asarray(values, dtype=float))
    if not risk.active:
        return expected
    return (1.0 - risk.weight) * expected + risk.weight * cvar(values, p, risk.alpha, lower=maximize)


def first_values(f: Formulation, x: np.ndarray, groups: tuple[str, ...] = FIRST_STAGE) -> np.ndarray:
    """The first-stage decisions of a solution `x` of `f` (integers rounded)."""
    cols = first_stage_columns(f, groups)
    _, _, integer = f.bounds()
    v = np.asarray(x, dtype=float)[cols]
    return np.where(integer[cols], np.round(v), v)


def solve_recourse(blocks: list[Block], options: SolveOptions, risk: Risk | None = None,
                   shortfall: Shortfall | None = None, groups: tuple[str, ...] = FIRST_STAGE,
                   nonanticipative: bool = True, first: np.ndarray | None = None,
                   ) -> tuple[ExtensiveForm, Solution]:
    """The extensive form of `blocks` solved (its first stage fixed at `first` when given)."""
    ef = extensive_form(blocks, risk, shortfall, groups=groups, nonanticipative=nonanticipative)
    c = compile_model(ef.formulation)
    if first is not None:
        c = with_bounds(c, ef.first, first)
    return ef, solve_compiled(c, options)


def solve_fixed(c: Compiled, f: Formulation, first: np.ndarray, options: SolveOptions,
                groups: tuple[str, ...] = FIRST_STAGE) -> Solution:
    """One scenario's model (`c`, compiled from `f`) with its first stage fixed at `first`."""
    return solve_compiled(with_bounds(c, first_stage_columns(f, groups), first), options)


@dataclass
class TwoStageValues:
    """RP, EV, EEV, WS (in the objective's units times its unit), VSS and EVPI,
    and the first stages of the recourse and the mean-value plans."""

    rp: float
    ev: float
    eev: float
    ws: float
    maximize: bool
    rp_first: np.ndarray
    ev_first: np.ndarray

    @property
    def vss(self) -> float:
        return (self.rp - self.eev) if self.maximize else (self.eev - self.rp)

    @property
    def evpi(self) -> float:
        return (self.ws - self.rp) if self.maximize else (self.rp - self.ws)


def two_stage_values(blocks: list[Block], mean: Formulation, options: SolveOptions | None = None,
                     risk: Risk | None = None, groups: tuple[str, ...] = FIRST_STAGE) -> TwoStageValues:
    """RP, EV, EEV, WS, VSS and EVPI of the scenarios `blocks` and the mean-value
    model `mean` (see the module docstring); ValueError when a solve finds no plan."""
    options = options or SolveOptions()
    risk = risk or Risk()
    p = np.array([b.probability for b in blocks], dtype=float)
    ef, sol = solve_recourse(blocks, options, risk, groups=groups)
    _need(sol, "the recourse problem")
    unit = ef.formulation.objective_unit
    maximize = ef.formulation.maximize
    rp = risk_value(ef.block_values(sol.values) * unit, p, risk, maximize)
    rp_first = first_values(blocks[0].formulation, sol.values[ef.maps[0]], groups)
    ev_sol = solve_compiled(compile_model(mean), options)
    _need(ev_sol, "the mean-value problem")
    ev_first = first_values(mean, ev_sol.values, groups)
    fixed = [solve_fixed(compile_model(b.formulation), b.formulation, ev_first, options, groups) for b in blocks]
    for b, s in zip(blocks, fixed):
        _need(s, f"scenario {b.name} with the mean-value plan's first stage")
    eev = risk_value(np.array([s.objective for s in fixed]) * unit, p, risk, maximize)
    alone = [solve_compiled(compile_model(b.formulation), options) for b in blocks]
    for b, s in zip(blocks, alone):
        _need(s, f"scenario {b.name} on its own")
    ws = risk_value(np.array([s.objective for s in alone]) * unit, p, risk, maximize)
    return TwoStageValues(rp=rp, ev=float(ev_sol.objective) * mean.objective_unit, eev=eev, ws=ws,
                          maximize=maximize, rp_first=rp_first, ev_first=ev_first)


def _need(sol: Solution, what: str) -> None:
    if sol.values is None:
        raise ValueError(f"{what} has no plan ({sol.status})")


__all__ = ["with_bounds", "solve_compiled", "risk_value", "first_values", "solve_recourse", "solve_fixed",
           "TwoStageValues", "two_stage_values"]
