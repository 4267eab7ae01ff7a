"""The scenarios of a stochastic study as models: one instance and one model each.

A scenario's instance is the base instance with the emergency credit line
added and the scenario's figures applied as overrides
(`optim.inputs.uncertainty.scenario_instance`); its model is `optim.api.Model`
of that instance with a money unit shared by every scenario, plus the named
expression of what it draws from the credit line (`emergency_borrowing`).
Both the extensive form (optim/studies/stochastic.py) and the decomposition
(optim/studies/decomposition.py) build their scenarios here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..api import Model
from ..errors import InstanceError, Problem
from ..inputs.instance import Instance
from ..inputs.uncertainty import Draw, Uncertainty, scenario_instance, with_recourse
from ..model.formulation import Expr
from ..model.stochastic import Block, first_stage_mismatch

EMERGENCY = "emergency_borrowing"  # the named expression and KPI of the credit line's draws


@dataclass
class Scenarios:
    """The scenarios' instances and models, with a money unit shared by all."""

    draws: list[Draw]
    instances: list[Instance]
    models: list[Model]
    money: float
    recourse: str | None

    @property
    def probabilities(self) -> np.ndarray:
        return np.array([d.probability for d in self.draws], dtype=float)

    def blocks(self) -> list[Block]:
        return [Block(d.name, d.probability, m.formulation) for d, m in zip(self.draws, self.models)]


def recourse_of(spec: Uncertainty) -> str | None:
    """The emergency credit line's source id (None without recourse)."""
    return spec.recourse.source if spec.recourse.enabled else None


def build_scenarios(inst: Instance, spec: Uncertainty, scenario_draws: list[Draw], money: float) -> Scenarios:
    """Each scenario's instance (base + credit line + its figures) and model;
    `InstanceError` naming the scenario when one changes which decisions exist."""
    instances, models = [], []
    base = with_recourse(inst, spec.recourse)
    for d in scenario_draws:
        si = scenario_instance(inst, d, spec.recourse, spec.where, base=base)
        m = scenario_model(si, money, recourse_of(spec))
        if models and (why := first_stage_mismatch(models[0].formulation, m.formulation)):
            raise structure_problem(spec, d.name, why)
        instances.append(si)
        models.append(m)
    return Scenarios(scenario_draws, instances, models, money, recourse_of(spec))


def scenario_model(inst: Instance, money: float, recourse: str | None) -> Model:
    """The model of a scenario's instance, with the named expression of what it
    draws from the emergency credit line."""
    m = Model(inst, money)
    f, d = m.formulation, m.data
    if recourse is not None and recourse in set(d.pairs["source"]):
        f.exprs[EMERGENCY] = Expr.of(f.col("v_draw", np.flatnonzero(d.pairs["source"].to_numpy() == recourse)), 1.0)
    else:
        f.exprs[EMERGENCY] = Expr()
    f.units[EMERGENCY] = m.data.money
    return m


def structure_problem(spec: Uncertainty, name: str, why: str) -> InstanceError:
    """The error of a scenario whose figures change which decisions the model has."""
    return InstanceError([Problem(f"{spec.where}: scenario {name}",
                                  f"{why}: an uncertain figure may change figures of the park, not which decisions "
                                  "exist (a min_ticket or fixed_cost from 0, a period, an eligibility); "
                                  "keep such figures fixed or make them positive in every scenario")])


__all__ = ["Scenarios", "build_scenarios", "scenario_model", "structure_problem", "recourse_of", "EMERGENCY"]
