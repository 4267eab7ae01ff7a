"""Scenario decomposition beyond one machine: progressive hedging with mpi-sppy.

When the extensive form is too large, `optim stochastic --engine ph` (run under
MPI: `mpiexec -n N python -m optim.cli stochastic PATH --engine ph`) solves the
scenarios apart with progressive hedging (PH) in mpi-sppy, on the Pyomo view
of each scenario's model (`optim.pyomo_view.to_pyomo`): the first-stage
columns (`optim.model.stochastic.FIRST_STAGE`) are the non-anticipative
variables, the rest is each scenario's own. mpi-sppy runs a hub and spokes
("cylinders") on the MPI processes:

- the PH hub (its proximal terms linearised, so that every subproblem stays a
  linear MIP for HiGHS, `appsi_highs`);
- an inner-bound spoke (`xhatshuffle`): first stages tried in every scenario,
  the best one kept (the plan);
- on a multiple of 3 processes, an outer-bound spoke (Lagrangian); on an even
  number of processes, the outer bound is PH's own iteration-0 bound (each
  scenario solved alone: the wait-and-see bound). The processes are shared
  equally among the cylinders, each cylinder's scenarios among its processes.

On binary first-stage decisions PH is a heuristic: the plan is reported with
the best bound and the gap between them, never as optimal without a bound
within the gap. The first MPI process then evaluates the plan itself (its
first stage fixed, the best recourse in every scenario, each scenario's plan
certified: optim/studies/stochastic.py); no collective MPI operation follows
the hub-and-spoke run there (the other processes have left).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from typing import Any

import numpy as np

from ..errors import InstanceError, Problem
from ..highs import SolveOptions
from ..inputs.instance import Instance
from ..inputs.uncertainty import Draw, Uncertainty, scenario_instance
from ..model.formulation import Formulation
from ..model.stochastic import Risk, first_stage_columns
from .scenario_models import recourse_of, scenario_model

SOLVER = "appsi_highs"


def mpi_size() -> int:
    """How many MPI processes run this program (1 without MPI)."""
    try:
        from mpi4py import MPI  # the `stochastic` extra
    except ImportError:
        return 1
    return MPI.COMM_WORLD.Get_size()


def mpi_rank() -> int:
    try:
        from mpi4py import MPI
    except ImportError:
        return 0
    return MPI.COMM_WORLD.Get_rank()


def available() -> str | None:
    """None when mpi-sppy, mpi4py and Pyomo's HiGHS interface can run; else what is missing."""
    try:
        import mpi4py  # noqa: F401
        with contextlib.redirect_stdout(open(os.devnull, "w")):  # mpi-sppy greets on import
            import mpisppy  # noqa: F401
        import pyomo.environ as pyo
    except ImportError as exc:
        return (f"progressive hedging needs mpi-sppy and mpi4py (pip install -e '.[stochastic]'): "
                f"{exc.name or exc} is not installed")
    if not pyo.SolverFactory(SOLVER).available(exception_flag=False):
        return f"Pyomo's {SOLVER} interface is not available (highspy)"
    return None


def pyomo_scenario(f: Formulation, probability: float):
    """The Pyomo view of a scenario's model, with its first-stage variables as the
    root node's non-anticipative variables and its probability."""
    import pyomo.environ as pyo
    from mpisppy.utils import sputils

    from ..pyomo_view import to_pyomo

    m = to_pyomo(f)
    columns = m._optim_columns
    first = [columns[c] for c in first_stage_columns(f)]
    obj = f.objective
    is_first = np.zeros(f.n_cols, dtype=bool)
    is_first[first_stage_columns(f)] = True
    keep = is_first[obj.cols]
    m.first_stage_value = pyo.Expression(expr=sum(float(c) * columns[k] for k, c in zip(obj.cols[keep], obj.coefs[keep])))
    sputils.attach_root_node(m, m.first_stage_value, first)
    m._mpisppy_probability = float(probability)
    return m


def progressive_hedging(inst: Instance, spec: Uncertainty, scenario_draws: list[Draw], money: float, risk: Risk,
                        options: SolveOptions, *, max_iterations: int = 50, rho: float = 1.0,
                        rel_gap: float = 1e-4, time_limit: float | None = None, verbose: bool = False,
                        ) -> tuple[np.ndarray, float | None, dict[str, Any]] | None:
    """Progressive hedging over the scenarios `scenario_draws` on this program's MPI
    processes. On the first process: (first-stage values in the order of
    `first_stage_columns`, the best outer bound in yuan or None, run figures);
    on the others: None. Each process builds only the scenarios it solves, in a
    working folder of its own (mpi-sppy writes its log files into the working
    folder; it is removed afterwards)."""
    why = available()
    if why:
        raise InstanceError([Problem("--engine ph", why)])
    here = os.getcwd()
    work = tempfile.mkdtemp(prefix="optim-ph-")
    try:
        with contextlib.ExitStack() as stack:
            sink = sys.stderr if verbose else stack.enter_context(open(os.devnull, "w"))
            stack.enter_context(contextlib.redirect_stdout(sink))
            os.chdir(work)
            stack.callback(os.chdir, here)
            return _spin(inst, spec, scenario_draws, money, risk, options, work, max_iterations=max_iterations,
                         rho=rho, rel_gap=rel_gap, time_limit=time_limit, verbose=verbose)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _spin(inst: Instance, spec: Uncertainty, scenario_draws: list[Draw], money: float, risk: Risk,
          options: SolveOptions, work: str, *, max_iterations: int, rho: float, rel_gap: float,
          time_limit: float | None, verbose: bool) -> tuple[np.ndarray, float | None, dict[str, Any]] | None:
    """The hub and spokes (see `progressive_hedging`), run in the working folder `work`."""
    import pyomo.environ as pyo
    import mpisppy.utils.cfg_vanilla as vanilla
    from mpisppy import MPI
    from mpisppy.spin_the_wheel import WheelSpinner
    from mpisppy.utils import config

    comm = MPI.COMM_WORLD
    ranks, rank = comm.Get_size(), comm.Get_rank()
    by_name = {d.name: d for d in scenario_draws}
    names = [d.name for d in scenario_draws]
    recourse = recourse_of(spec)

    def scenario_creator(name: str, **_: Any):
        d = by_name[name]  # the same model as the extensive form's block of the scenario
        m = scenario_model(scenario_instance(inst, d, spec.recourse, spec.where), money, recourse)
        s = pyomo_scenario(m.formulation, d.probability)
        if risk.active:
            from mpisppy.utils.cvar import add_cvar

            add_cvar(s, cvar_weight=risk.weight, cvar_alpha=min(max(risk.alpha, 1e-9), 1 - 1e-9),
                     cvar_mean_weight=1.0 - risk.weight)
        return s

    def scenario_denouement(rank: int, name: str, scenario: Any) -> None:
        pass

    cfg = config.Config()
    cfg.popular_args()
    cfg.ph_args()
    cfg.two_sided_args()
    cfg.xhatshuffle_args()
    cfg.lagrangian_args()
    cfg.mip_options()
    cfg.solver_name = SOLVER
    cfg.default_rho = float(rho)
    cfg.max_iterations = int(max_iterations)
    cfg.linearize_proximal_terms = True  # HiGHS takes no quadratic proximal term
    cfg.linearize_binary_proximal_terms = True
    cfg.rel_gap = float(rel_gap)
    cfg.abs_gap = 0.0
    cfg.max_stalled_iters = max(10, int(max_iterations))
    cfg.time_limit = time_limit
    cfg.verbose = False
    cfg.display_progress = verbose
    gap = options.mip_rel_gap if options.mip_rel_gap is not None else 1e-4
    cfg.iter0_mipgap = gap
    cfg.iterk_mipgap = gap
    cfg.max_solver_threads = 1
    kwargs: dict[str, Any] = {}
    start = time.perf_counter()
    hub = vanilla.ph_hub(cfg, scenario_creator, scenario_denouement, names, scenario_creator_kwargs=kwargs)
    spokes = [vanilla.xhatshuffle_spoke(cfg, scenario_creator, scenario_denouement, names,
                                        scenario_creator_kwargs=kwargs)]
    if ranks % 3 == 0:  # three cylinders: the Lagrangian bound too
        spokes.insert(0, vanilla.lagrangian_spoke(cfg, scenario_creator, scenario_denouement, names,
                                                  scenario_creator_kwargs=kwargs))
    elif ranks % 2:
        raise InstanceError([Problem("--engine ph", "runs 2 cylinders (PH hub, xhat search) on an even number "
                                                    "of MPI processes, or 3 (with a Lagrangian bound) on a "
                                                    f"multiple of 3: give such a number, not {ranks}")])
    cylinders = 1 + len(spokes)
    path = os.path.join(comm.bcast(work if rank == 0 else None, root=0), "xhat.json")  # the first process's

    def writer(file_name: str, scenario: Any, bundling: bool) -> None:
        root = scenario._mpisppy_node_list[0]
        with open(file_name, "w", encoding="utf-8") as fh:
            json.dump([pyo.value(v) for v in root.nonant_vardata_list], fh)

    wheel = WheelSpinner(hub, spokes)
    wheel.spin()
    inner, outer = wheel.BestInnerBound, wheel.BestOuterBound
    iterations = getattr(wheel.spcomm.opt, "_PHIter", None) if wheel.on_hub() else None
    try:
        wheel.write_first_stage_solution(path, writer)
        found = True
    except RuntimeError:  # no first stage was found by any cylinder
        found = False
    comm.Barrier()  # every process is here: the plan is on disk, in the first process's folder
    if rank != 0:
        return None
    seconds = time.perf_counter() - start
    values = None
    if found and os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            values = np.array(json.load(fh), dtype=float)
    info = {"ranks": ranks, "cylinders": cylinders, "iterations": iterations, "seconds": round(seconds, 3),
            "inner_bound": None if inner is None or not np.isfinite(inner) else float(inner) * money,
            "outer_bound": None if outer is None or not np.isfinite(outer) else float(outer) * money,
            "rho": rho, "max_iterations": max_iterations}
    if values is None:
        return np.zeros(0), info["outer_bound"], info
    return values, info["outer_bound"], info


__all__ = ["progressive_hedging", "pyomo_scenario", "available", "mpi_size", "mpi_rank"]
