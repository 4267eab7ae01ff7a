"""Solving: compile the Pyomo model to matrices, pass them to HiGHS, read back.

The model is compiled once with Pyomo's `LinearStandardFormCompiler` (mixed
form: each row keeps its sense) and passed to a `highspy.Highs` object in one
call, which is much faster than a per-constraint interface for large models.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

DEFAULT_GAP = 1e-4


@dataclass
class SolveOptions:
    """Solver options. `None` keeps the HiGHS default."""

    time_limit: float | None = None
    mip_rel_gap: float | None = DEFAULT_GAP
    threads: int | None = None
    seed: int | None = 0
    presolve: str | None = None
    verbose: bool = False
    highs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def merged(cls, instance_solver: dict[str, Any], **overrides: Any) -> "SolveOptions":
        """Options from an instance's `solver:` mapping, overridden by non-None kwargs."""
        opts = cls()
        for key, value in {**instance_solver, **overrides}.items():
            if value is not None:
                setattr(opts, key, value)
        return opts


@dataclass
class Compiled:
    """The model as HiGHS matrices plus maps back to Pyomo components."""

    lp: highspy.HighsLp
    columns: list  # Pyomo VarData per HiGHS column
    rows: list  # (ConstraintData, sense) per HiGHS row
    col_of: dict[int, int]  # id(VarData) -> column
    offset: float
    integer: bool


def compile_model(model: pyo.ConcreteModel) -> Compiled:
    """Compile `model` (one maximise/minimise objective) to a `HighsLp`."""
    with PauseGC():
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        obj = info.objectives[0]
        lp = highspy.HighsLp()
        n_col = len(info.columns)
        n_row = len(info.rows)
        lp.num_col_ = n_col
        lp.num_row_ = n_row
        lp.sense_ = highspy.ObjSense.kMaximize if obj.sense == pyo.maximize else highspy.ObjSense.kMinimize
        lp.offset_ = float(info.c_offset[0]) if len(info.c_offset) else 0.0
        lp.col_cost_ = np.asarray(info.c.toarray()[0] if n_col else [], dtype=float)
        inf = highspy.kHighsInf
        lb = np.array([-inf if v.lb is None else v.lb for v in info.columns], dtype=float)
        ub = np.array([inf if v.ub is None else v.ub for v in info.columns], dtype=float)
        integer = np.array([v.is_integer() for v in info.columns], dtype=bool)
        lp.col_lower_ = lb
        lp.col_upper_ = ub
        sense = np.array([s for _, s in info.rows], dtype=int)
        rhs = np.asarray(info.rhs, dtype=float)
        lp.row_lower_ = np.where(sense >= 0, np.where(sense == 0, rhs, -inf), rhs)
        lp.row_upper_ = np.where(sense <= 0, np.where(sense == 0, rhs, inf), rhs)
        A = info.A.tocsc()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = n_col
        lp.a_matrix_.num_row_ = n_row
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        if integer.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in integer]
        col_of = {id(v): k for k, v in enumerate(info.columns)}
    return Compiled(lp=lp, columns=info.columns, rows=list(info.rows), col_of=col_of,
                    offset=lp.offset_, integer=bool(integer.any()))


@dataclass
class Solution:
    """What HiGHS returned: status, objective, bound, gap, column values."""

    status: str  # optimal | feasible | infeasible | unbounded | no_solution | error
    termination: str  # HiGHS model status, snake_case
    objective: float | None
    bound: float | None
    gap: float | None
    values: np.ndarray | None
    seconds: float
    nodes: int = 0


_TERMINATION = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kSolutionLimit: "solution_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
    highspy.HighsModelStatus.kHighsInterrupt: "interrupted",
    highspy.HighsModelStatus.kObjectiveBound: "objective_bound",
    highspy.HighsModelStatus.kObjectiveTarget: "objective_target",
    highspy.HighsModelStatus.kMemoryLimit: "memory_limit",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
}


_banner_done = False


def new_highs() -> highspy.Highs:
    """A fresh `highspy.Highs`, keeping HiGHS's one-time banner off stdout."""
    global _banner_done
    if _banner_done:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _banner_done = True
    return h


def make_highs(compiled: Compiled, options: SolveOptions) -> highspy.Highs:
    """A HiGHS object holding the compiled model, with `options` applied."""
    h = new_highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.verbose:  # the log goes to stderr so that stdout stays clean
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", "/dev/stderr")
    apply_options(h, options)
    status = h.passModel(compiled.lp)
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the compiled model")
    return h


def apply_options(h: highspy.Highs, options: SolveOptions) -> None:
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    if options.mip_rel_gap is not None:
        h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    if options.seed is not None:
        h.setOptionValue("random_seed", int(options.seed))
    if options.presolve is not None:
        h.setOptionValue("presolve", options.presolve)
    for key, value in options.highs.items():
        h.setOptionValue(key, value)


def run_highs(h: highspy.Highs, integer: bool) -> Solution:
    """Run HiGHS and classify the outcome; a limit is never reported as optimal."""
    start = time.perf_counter()
    run_status = h.run()
    seconds = time.perf_counter() - start
    model_status = h.getModelStatus()
    info = h.getInfo()
    termination = _TERMINATION.get(model_status, "error")
    has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if run_status == highspy.HighsStatus.kError and termination not in ("infeasible", "unbounded"):
        termination = "error" if termination in ("optimal",) else termination
    if termination == "optimal" and has_plan:
        status = "optimal"
    elif termination in ("infeasible", "unbounded", "infeasible_or_unbounded"):
        status = "unbounded" if termination == "unbounded" else "infeasible"
        has_plan = False
    elif has_plan and termination != "error":
        status = "feasible"
    elif termination == "error":
        status = "error"
    else:
        status = "no_solution"
    values = np.asarray(h.getSolution().col_value, dtype=float) if has_plan else None
    objective = float(info.objective_function_value) if has_plan else None
    if integer:
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        gap = float(info.mip_gap) if has_plan and np.isfinite(info.mip_gap) else None
    else:
        bound = objective
        gap = 0.0 if status == "optimal" else None
    if status == "optimal" and gap is None:
        gap = 0.0
    return Solution(status=status, termination=termination, objective=objective,
                    bound=bound, gap=gap, values=values, seconds=seconds,
                    nodes=int(info.mip_node_count) if integer else 0)
