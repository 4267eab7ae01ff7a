"""The pipeline as plain stages: load -> validate -> build -> solve -> extract.

    >>> import optim
    >>> inst = optim.load("instances/baoji_qinganbao/instance.yaml")
    >>> model = optim.build(inst)          # Pyomo model, nothing solved
    >>> result = model.solve(time_limit=60)
    >>> result.kpis
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .instance import Instance
from .limits import check_model
from .io import load
from .model import create_model
from .results import Result, extract
from .solve import Compiled, SolveOptions, compile_model, compile_pyomo, make_highs, run_highs


class Model:
    """A built model of one instance: its index sets (`data`), its rows in array
    form (`formulation`) and the compiled HiGHS matrices. Build once, solve as
    often as needed; `pyomo` gives the same model as a Pyomo `ConcreteModel`."""

    def __init__(self, instance: Instance):
        self.instance = instance
        t0 = time.perf_counter()
        self.formulation, self.data = create_model(instance)
        t1 = time.perf_counter()
        self.compiled: Compiled = compile_model(self.formulation)
        check_model(self.formulation, self.compiled)  # what HiGHS accepts (optim/limits.py)
        t2 = time.perf_counter()
        self.timings = {"build": t1 - t0, "transfer": t2 - t1}
        self._pyomo = None

    @property
    def pyomo(self):
        """The model as a Pyomo `ConcreteModel` (built on first use)."""
        if self._pyomo is None:
            from .pyomo_model import to_pyomo

            self._pyomo = to_pyomo(self.formulation)
        return self._pyomo

    @property
    def size(self) -> dict[str, int]:
        return self.compiled.size

    def solve(self, options: SolveOptions | None = None, *, backend: str = "highs",
              **kwargs: Any) -> Result:
        """Solve with HiGHS. Keyword options (time_limit, mip_rel_gap, threads, seed,
        presolve, verbose) override the instance's `solver:` defaults.

        backend: ``highs`` passes the compiled arrays to HiGHS directly;
        ``pyomo`` compiles `self.pyomo` (with any constraints you added to it)
        through Pyomo's `LinearStandardFormCompiler`.
        """
        if options is None:
            options = SolveOptions.merged(self.instance.solver, **kwargs)
        if backend == "highs":
            solution = run_highs(make_highs(self.compiled, options), self.compiled.integer)
        elif backend == "pyomo":
            compiled, cols = compile_pyomo(self.pyomo)
            solution = run_highs(make_highs(compiled, options), compiled.integer)
            solution.values = self._from_pyomo_columns(solution.values, cols)
        else:
            raise ValueError(f"unknown backend {backend!r} (highs or pyomo)")
        return extract(self.formulation, self.data, solution)

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

    def resolver(self, options: SolveOptions | None = None, **kwargs: Any):
        """A live HiGHS copy of this model for fast re-solves (`optim.persistent.Resolver`)."""
        from .persistent import Resolver

        if options is None:
            options = SolveOptions.merged(self.instance.solver, **kwargs)
        return Resolver(self, options)


def build(instance: Instance) -> Model:
    """Build the model of `instance` (no solve)."""
    return Model(instance)


def solve(source: Instance | Model | str | Path, **options: Any) -> Result:
    """Load (if a path), build (if an instance) and solve; returns the `Result`."""
    if isinstance(source, (str, Path)):
        source = load(source)
    model = source if isinstance(source, Model) else build(source)
    return model.solve(**options)
