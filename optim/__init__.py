"""optim: which land parcels to rezone and which funding sources to draw.

A mixed-integer model of an industrial park's land and capital, solved with
HiGHS (and available as a Pyomo model). Typical use::

    import optim
    inst = optim.load("instances/baoji_qinganbao/instance.yaml")
    result = optim.solve(inst)
    result.kpis, result.parcels, result.draws, result.certified

The package is layered (docs/architecture.md): `optim.inputs` (what an instance
is, reading and checking it), `optim.model` (the model, one declaration per
constraint family), `optim.highs` (HiGHS), `optim.results`, `optim.check` (the
independent checker), `optim.api` (the pipeline), `optim.analysis` and
`optim.studies`, and `optim.cli`. `import optim` itself imports nothing heavy:
each name below is imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it (imported on first use)
_EXPORTS = {
    "Instance": "optim.inputs.instance", "Policy": "optim.inputs.instance", "Eod": "optim.inputs.instance",
    "Objective": "optim.inputs.instance",
    "InstanceError": "optim.errors", "Problem": "optim.errors",
    "load": "optim.inputs.reader", "from_frames": "optim.inputs.reader",
    "apply_scenarios": "optim.inputs.scenarios", "input_warnings": "optim.inputs.validate",
    "Model": "optim.api", "build": "optim.api", "solve": "optim.api", "validate": "optim.api",
    "Result": "optim.results", "SolveOptions": "optim.highs", "Resolver": "optim.resolver",
    "shadow_prices": "optim.analysis.shadow", "alternatives": "optim.analysis.alternatives",
    "explain": "optim.analysis.explain", "precheck": "optim.analysis.prechecks",
    "check_plan": "optim.check.plan",
    "sweep": "optim.studies.sweep", "pareto": "optim.studies.pareto",
    "report": "optim.reporting",
    "stochastic": "optim.studies.stochastic",
    "evaluate": "optim.studies.evaluate", "read_draft": "optim.inputs.draft",
    "importance": "optim.analysis.importance",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'optim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .analysis.alternatives import alternatives
    from .analysis.explain import explain
    from .analysis.importance import importance
    from .analysis.prechecks import precheck
    from .analysis.shadow import shadow_prices
    from .api import Model, build, solve, validate
    from .check.plan import check_plan
    from .errors import InstanceError, Problem
    from .inputs.instance import Eod, Instance, Objective, Policy
    from .inputs.reader import from_frames, load
    from .inputs.scenarios import apply_scenarios
    from .inputs.validate import input_warnings
    from .resolver import Resolver
    from .results import Result
    from .highs import SolveOptions
    from .reporting import report
    from .studies.pareto import pareto
    from .studies.stochastic import stochastic
    from .studies.evaluate import evaluate
    from .inputs.draft import read_draft
    from .studies.sweep import sweep
