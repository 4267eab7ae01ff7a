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

from .instance import Instance
from .io import load
from .model import ModelData, create_model
from .results import Result, extract
from .solve import Compiled, SolveOptions, compile_model, make_highs, run_highs


class Model:
    """A built model of one instance: the Pyomo model, its index sets and its
    compiled matrices. Build once, solve as often as needed."""

    def __init__(self, instance: Instance):
        self.instance = instance
        t0 = time.perf_counter()
        self.pyomo, self.data = create_model(instance)
        t1 = time.perf_counter()
        self.compiled: Compiled = compile_model(self.pyomo)
        t2 = time.perf_counter()
        self.timings = {"build": t1 - t0, "transfer": t2 - t1}

    @property
    def size(self) -> dict[str, int]:
        lp = self.compiled.lp
        n_int = sum(1 for v in self.compiled.columns if v.is_integer())
        return {"variables": lp.num_col_, "integer_variables": n_int,
                "constraints": lp.num_row_, "nonzeros": len(lp.a_matrix_.value_)}

    def solve(self, options: SolveOptions | None = None, **kwargs: Any) -> Result:
        """Solve with HiGHS. Keyword options (time_limit, mip_rel_gap, threads, seed,
        presolve, verbose) override the instance's `solver:` defaults."""
        if options is None:
            options = SolveOptions.merged(self.instance.solver, **kwargs)
        h = make_highs(self.compiled, options)
        solution = run_highs(h, self.compiled.integer)
        return extract(self.pyomo, self.data, self.compiled, solution)


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
