"""The pipeline as plain stages: load -> validate -> build -> solve -> extract -> certify.

    >>> import optim
    >>> inst = optim.load("instances/baoji_qinganbao/instance.yaml")
    >>> model = optim.build(inst)          # the model, nothing solved
    >>> result = model.solve(time_limit=60)
    >>> result.kpis, result.certified

Every model is built through `Model`, which checks what the solver accepts
(optim/model/size.py); every plan that `Model.solve` returns has been checked
by the independent checker (`Result.certificate`, optim/check).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .check.certificate import certify
from .errors import InstanceError, Problem
from .inputs.instance import Instance
from .inputs.reader import load
from .inputs.scenarios import check_scenarios
from .inputs.uncertainty import check_uncertainty
from .inputs.validate import run_checks
from .model import create_model
from .model.size import check_model
from .resolver import Resolver
from .results import Result, extract, settled
from .highs import Compiled, SolveOptions, compile_model, write_model
from .model.kpis import as_taken
from .strategy import solve_plain, solve_with


class Model:
    """A built model of one instance: its index sets (`data`), its rows in array
    form (`formulation`) and the compiled HiGHS matrices. Build once, solve as
    often as needed; `pyomo` gives the same model as a Pyomo `ConcreteModel`.

    `money` fixes the money unit of the rows (default: a power of ten near the
    instance's typical figure), e.g. so that the runs of a study share one scaling.
    Raises `InstanceError` when the model has a coefficient or bound the solver
    would refuse."""

    def __init__(self, instance: Instance, money: float | None = None):
        self.instance = instance
        self.formulation, self.data = create_model(instance, money)
        check_model(self.formulation)  # what HiGHS accepts (optim/model/size.py)
        self.compiled: Compiled = compile_model(self.formulation)
        self._pyomo = None

    @property
    def pyomo(self):
        """The model as a Pyomo `ConcreteModel` (built on first use; imports Pyomo)."""
        if self._pyomo is None:
            from .pyomo_view import to_pyomo  # Pyomo only when the Pyomo view is asked for

            self._pyomo = to_pyomo(self.formulation)
        return self._pyomo

    @property
    def size(self) -> dict[str, int]:
        return self.compiled.size

    def options(self, options: SolveOptions | None = None, **kwargs: Any) -> SolveOptions:
        """Solver options: `options`, else the instance's `solver:` defaults overridden by `kwargs`."""
        return options if options is not None else SolveOptions.merged(self.instance.solver, **kwargs)

    def solve(self, options: SolveOptions | None = None, *, backend: str = "highs",
              **kwargs: Any) -> Result:
        """Solve with HiGHS and certify the plan. Keyword options (time_limit,
        mip_rel_gap, threads, seed, presolve, verbose, strategy) override the
        instance's `solver:` defaults.

        strategy: ``lp-guided`` (the default) solves the LP relaxation first and
        stops when its safe bound proves an LP-guided plan within the gap, else
        hands the plan to HiGHS as a start; ``plain`` is HiGHS alone
        (optim/strategy.py). The result says what proved its bound (`proved_by`).

        backend: ``highs`` passes the compiled arrays to HiGHS directly;
        ``pyomo`` compiles `self.pyomo` (with any constraints you added to it)
        through Pyomo's `LinearStandardFormCompiler` and solves it with HiGHS
        alone (the `plain` strategy).
        """
        options = self.options(options, **kwargs)
        if backend == "highs":
            outcome = solve_with(options.strategy, self.compiled, self.formulation, self.data, options)
            solution, strategy = outcome.solution, options.strategy
        elif backend == "pyomo":
            from .pyomo_view import compile_pyomo  # Pyomo only for the Pyomo backend

            compiled, cols = compile_pyomo(self.pyomo)
            outcome = solve_plain(compiled, options)
            solution, strategy = outcome.solution, "plain"
            solution.values = self._from_pyomo_columns(solution.values, cols)
        else:
            raise ValueError(f"unknown backend {backend!r} (highs or pyomo)")
        solution = settled(self.formulation, solution)  # penalties at the least the plan's uses incur
        result = extract(self.formulation, self.data, solution)
        result.strategy, result.proved_by = strategy, solution.proved_by
        result.steps = [step.to_dict() for step in outcome.steps]
        if solution.values is not None:
            result.model_objective = self.model_objective(solution.values)
        return self.certify(result)

    def model_objective(self, values: np.ndarray) -> float:
        """The objective of the model as HiGHS gets it (and as `write_model` writes
        it: model units, offset included) at the plan `values` as taken (integer
        columns rounded, money to the fen): what HiGHS alone, or another solver,
        reports for that plan on the written file."""
        x = as_taken(self.formulation, values)
        return float(self.compiled.cost @ x + self.compiled.offset)

    def write_model(self, path: str | Path) -> Path:
        """Write the model exactly as it is handed to HiGHS (before any solve
        strategy) to `path`: ``.mps`` (free MPS) or ``.lp`` (CPLEX LP format), by
        HiGHS's own writer, with the columns and rows named after the model
        (``v_use(P1,industrial)``, ``parcel_use_eq(P1)``)."""
        return write_model(self.compiled, self.formulation, path)

    def certify(self, result: Result) -> Result:
        """Attach the independent checker's report to a result with a plan (see
        `Result.certified`); a result without a plan is returned as it is."""
        if result.has_plan:
            result.certificate = certify(self.instance, result)
        return result

    def _from_pyomo_columns(self, values, cols):
        """Pyomo-compiled column values back in formulation order; a variable the
        compiler dropped (it appears in no row) takes its bound nearest to 0."""
        if values is None:
            return None
        lower, upper, _ = self.formulation.bounds()
        x = np.clip(np.zeros(self.formulation.n_cols), lower, upper)
        known = cols >= 0
        x[cols[known]] = values[known]
        return x

    def resolver(self, options: SolveOptions | None = None, **kwargs: Any) -> Resolver:
        """A live HiGHS copy of this model for fast re-solves (`optim.resolver.Resolver`)."""
        return Resolver(self, self.options(options, **kwargs))


def build(instance: Instance, money: float | None = None) -> Model:
    """Build the model of `instance` (no solve)."""
    return Model(instance, money)


def as_model(source: Instance | Model | str | Path) -> Model:
    """A built model: `source` itself, or built from an instance or an instance file."""
    if isinstance(source, Model):
        return source
    if isinstance(source, (str, Path)):
        source = load(source)
    return build(source)


def solve(source: Instance | Model | str | Path, **options: Any) -> Result:
    """Load (if a path), build (if an instance) and solve; returns the certified `Result`."""
    return as_model(source).solve(**options)


def validate(source: Instance | str | Path) -> list[Problem]:
    """Problems of an instance or instance file; an empty list means valid.

    The same verdict as `solve` (and, for its uncertainty section, `stochastic`):
    the file is read and checked, and the model is built to check what the
    solver accepts."""
    try:
        inst = load(source) if isinstance(source, (str, Path)) else source
    except InstanceError as exc:
        return exc.problems
    problems = run_checks(inst) + check_scenarios(inst) + check_uncertainty(inst)
    if problems:
        return problems
    try:
        Model(inst)
    except InstanceError as exc:
        return exc.problems
    return []
