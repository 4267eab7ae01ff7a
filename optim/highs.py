"""Solving: the formulation's arrays to HiGHS in one call, the outcome read back.

`compile_model` turns a `Formulation` into the arrays HiGHS takes (`Compiled`:
costs, bounds, a column-wise matrix) and `make_highs` passes them to a
`highspy.Highs` in one call, which is much faster than a per-constraint
interface for large models. `run_highs` classifies the outcome honestly: a
limit is never reported as optimal.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np

from .model.formulation import Formulation

DEFAULT_GAP = 1e-4
STRATEGIES = ("lp-guided", "plain")  # how Model.solve solves (optim/strategy.py); the first is the default


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
    strategy: str = STRATEGIES[0]  # how Model.solve solves: "lp-guided" or "plain" (optim/strategy.py)

    @classmethod
    def merged(cls, instance_solver: dict[str, Any], **overrides: Any) -> "SolveOptions":
        """Options from an instance's `solver:` mapping, overridden by non-None kwargs."""
        opts = cls()
        given = {key: value for key, value in overrides.items() if value is not None}
        for key, value in {**instance_solver, **given}.items():  # an override of None keeps the instance's
            if value is not None:
                setattr(opts, key, value)
        return opts


@dataclass
class Compiled:
    """The model as the arrays HiGHS takes (columns in the formulation's order,
    matrix column-wise), passed to a `highspy.Highs` in one call."""

    cost: np.ndarray
    offset: float
    maximize: bool
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    integrality: np.ndarray  # int32: 1 integer, 0 continuous

    @classmethod
    def of(cls, cost, offset, maximize, col_lower, col_upper, integer, row_lower, row_upper,
           start, index, value) -> "Compiled":
        """The arrays in the dtypes and memory layout HiGHS takes."""
        return cls(
            cost=np.ascontiguousarray(cost, dtype=np.float64), offset=float(offset), maximize=bool(maximize),
            col_lower=np.ascontiguousarray(col_lower, dtype=np.float64),
            col_upper=np.ascontiguousarray(col_upper, dtype=np.float64),
            row_lower=np.ascontiguousarray(row_lower, dtype=np.float64),
            row_upper=np.ascontiguousarray(row_upper, dtype=np.float64),
            start=np.ascontiguousarray(start, dtype=np.int32), index=np.ascontiguousarray(index, dtype=np.int32),
            value=np.ascontiguousarray(value, dtype=np.float64),
            integrality=np.ascontiguousarray(integer, dtype=np.int32))

    @property
    def integer(self) -> bool:
        return bool(self.integrality.any())

    @property
    def size(self) -> dict[str, int]:
        return {"variables": len(self.cost), "integer_variables": int(self.integrality.sum()),
                "constraints": len(self.row_lower), "nonzeros": len(self.value)}

    def pass_to(self, h: highspy.Highs) -> None:
        inf = highspy.kHighsInf
        status = h.passModel(
            len(self.cost), len(self.row_lower), len(self.value), 1,  # 1 = column-wise
            -1 if self.maximize else 1, float(self.offset),
            self.cost, _inf(self.col_lower, inf), _inf(self.col_upper, inf),
            _inf(self.row_lower, inf), _inf(self.row_upper, inf),
            self.start, self.index, self.value, self.integrality)
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")


def _inf(x: np.ndarray, inf: float) -> np.ndarray:
    return np.clip(x, -inf, inf)


def compile_model(f: Formulation, implied: bool = True) -> Compiled:
    """The formulation's arrays as one `HighsLp` (no Python loop over rows), with
    the column bounds the rows imply (optim/model/bounds.py) unless `implied` is
    False (the models that relax rows or read their duals: explain, shadow prices)."""
    lower, upper, integer = f.bounds(implied=implied)
    row_lower, row_upper = f.row_bounds()
    start, index, value = f.csc()
    return Compiled.of(f.cost(), f.objective_offset, f.maximize, lower, upper, integer, row_lower, row_upper,
                       start, index, value)


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
    start: Any = field(default=None, repr=False, compare=False)  # HiGHS's own copy, a MIP start
    certificate: Any = field(default=None, repr=False, compare=False)  # the checker's report, when checked
    proved_by: str | None = None  # what proved the bound: "mip" (HiGHS's search) or "lp_bound" (optim.strategy)

    @property
    def certified(self) -> bool | None:
        """True when the independent checker held every family of the plan, False when
        it did not, None when the plan was not checked (or there is none)."""
        return None if self.certificate is None else bool(self.certificate["ok"].all())


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
    apply_options(h, options, n_cols=len(compiled.cost))
    compiled.pass_to(h)
    return h


# Measured on generated instances (benchmarks/, README "Performance"): HiGHS's
# defaults are best up to ~10,000 parcels (30,000 columns: 12.6 s against 22.6 s
# with presolve off), but at 100,000 parcels (300,000 columns) its MIP presolve and
# the dual simplex at the root ran for more than 10 minutes, while presolve off and
# the interior-point solver (IPX) for the root LP solved to a 1e-4 gap in 69 s.
LARGE_MODEL_COLUMNS = 200_000
LARGE_MODEL_OPTIONS = {"presolve": "off", "mip_lp_solver": "ipx"}


def size_defaults(n_cols: int) -> dict[str, Any]:
    """HiGHS options optim sets by model size (unless the user sets them)."""
    return dict(LARGE_MODEL_OPTIONS) if n_cols > LARGE_MODEL_COLUMNS else {}


def _set_option(h: highspy.Highs, key: str, value: Any) -> None:
    """Set one HiGHS option; an option HiGHS rejects is an error, never ignored."""
    if h.setOptionValue(key, value) == highspy.HighsStatus.kError:
        raise ValueError(f"HiGHS rejected the option {key} = {value!r}")


def apply_options(h: highspy.Highs, options: SolveOptions, n_cols: int = 0) -> None:
    chosen = set(options.highs) | ({"presolve"} if options.presolve is not None else set())
    for key, value in size_defaults(n_cols).items():
        if key not in chosen:
            _set_option(h, key, value)
    if options.time_limit is not None:
        _set_option(h, "time_limit", float(options.time_limit))
    if options.mip_rel_gap is not None:
        _set_option(h, "mip_rel_gap", float(options.mip_rel_gap))
    if options.threads is not None:
        _set_option(h, "threads", int(options.threads))
    if options.seed is not None:
        _set_option(h, "random_seed", int(options.seed))
    if options.presolve is not None:
        _set_option(h, "presolve", options.presolve)
    for key, value in options.highs.items():
        _set_option(h, key, value)


# A plan is reported `optimal` only when proven within this relative gap (the
# default `mip_rel_gap`); a looser `--gap` that stops HiGHS earlier gives a
# `feasible` plan with termination `gap_limit`, its bound and its gap.
OPTIMAL_GAP = DEFAULT_GAP


_SCHEDULER = threading.local()  # the `threads` option this thread's HiGHS scheduler was started with


def run_direct(h: highspy.Highs) -> Any:
    """`h.run()` in the calling thread. HiGHS keeps one task scheduler per thread,
    sized by the `threads` option of the first run in that thread, and refuses a
    later run whose `threads` differs (a notebook that solves with `threads=1`
    after a default solve); the scheduler is restarted for the new size instead."""
    threads = h.getOptionValue("threads")[1]
    if getattr(_SCHEDULER, "threads", threads) != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _SCHEDULER.threads = threads
    return h.run()


def _run_interruptible(h: highspy.Highs) -> tuple[Any, bool]:
    """`h.run()`, stoppable by Ctrl-C (SIGINT): HiGHS runs in a worker thread
    while the main thread waits; a KeyboardInterrupt asks HiGHS to stop through
    its user-interrupt callback, and HiGHS returns its best plan so far (model
    status kInterrupt). Returns (run status, interrupted). Off the main thread
    (where Python delivers no signals) HiGHS runs directly."""
    if threading.current_thread() is not threading.main_thread():
        return run_direct(h), False
    interrupted = False
    h.HandleUserInterrupt = True
    try:
        h.startSolve()
        while True:
            try:
                done, status = h.wait(0.1)
                if done:
                    break
            except KeyboardInterrupt:
                interrupted = True
                h.cancelSolve()  # HiGHS stops at its next callback; keep waiting for it
    finally:
        h.HandleUserInterrupt = False
    if status is None:  # the worker thread ended without a status: HiGHS failed
        status = highspy.HighsStatus.kError
    return status, interrupted


def run_highs(h: highspy.Highs, integer: bool, interruptible: bool = True) -> Solution:
    """Run HiGHS and classify the outcome; a limit is never reported as optimal.
    `interruptible=False` runs HiGHS directly, without the thread that turns
    Ctrl-C into a stop with the best plan (the re-solves of a study, where an
    interrupt stops the study, which resumes from the runs it kept)."""
    start = time.perf_counter()
    run_status, interrupted = _run_interruptible(h) if interruptible else (run_direct(h), False)
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
    hsol = h.getSolution() if has_plan else None  # read once: the values, and a MIP start to reuse
    values = np.asarray(hsol.col_value, dtype=float) if has_plan else None
    objective = float(info.objective_function_value) if has_plan else None
    if integer:
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        gap = float(info.mip_gap) if has_plan and np.isfinite(info.mip_gap) else None
    else:
        bound = objective
        gap = 0.0 if status == "optimal" else None
    if status == "optimal" and gap is None:
        gap = 0.0
    if (status == "optimal" and integer and gap is not None and gap > OPTIMAL_GAP
            and bound is not None and abs(bound - objective) > 1e-6):
        status, termination = "feasible", "gap_limit"  # within a looser gap than OPTIMAL_GAP
    if interrupted and status in ("feasible", "no_solution"):
        termination = "interrupted"
    return Solution(status=status, termination=termination, objective=objective,
                    bound=bound, gap=gap, values=values, seconds=seconds,
                    nodes=int(info.mip_node_count) if integer else 0, start=hsol)


# ---- the model as a file ---------------------------------------------------------------
_NAME_KEEP = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,()")
MODEL_FORMATS = (".mps", ".lp")


def _name(text: str) -> str:
    """A name both MPS and LP files take: no spaces, no operators."""
    return "".join(ch if ch in _NAME_KEEP else "_" for ch in text)


def _names(prefixes: list[tuple[str, Any]], n: int) -> list[str]:
    """`name(part,part)` per member of each (name, labels) block; made unique with
    the position where sanitising made two alike."""
    out: list[str] = []
    for name, labels in prefixes:
        for label in labels:
            parts = label if isinstance(label, tuple) else (() if label is None else (label,))
            out.append(_name(f"{name}({','.join(map(str, parts))})" if parts else name))
    if len(set(out)) != len(out):
        seen: set[str] = set()
        for k, text in enumerate(out):
            if text in seen:
                out[k] = f"{text}_{k}"
            seen.add(out[k])
    assert len(out) == n
    return out


def write_model(compiled: Compiled, f: Formulation, path: Any) -> Any:
    """Write `compiled` (the model of `f` as HiGHS gets it) to `path` with HiGHS's
    own writer, the format by the suffix (.mps free MPS, .lp CPLEX LP), columns
    and rows named after the model. Returns the path."""
    path = Path(path)
    if path.suffix.lower() not in MODEL_FORMATS:
        raise ValueError(f"cannot write a model as {path.suffix or 'a file without a suffix'!r}: "
                         f"use {' or '.join(MODEL_FORMATS)}")
    h = new_highs()
    h.setOptionValue("output_flag", False)
    compiled.pass_to(h)
    lp = h.getLp()
    lp.col_names_ = _names([(g.name, g.labels) for g in f.groups.values()], len(compiled.cost))
    lp.row_names_ = _names([(fam.name, fam.labels) for fam in f.families.values()], len(compiled.row_lower))
    if h.passModel(lp) == highspy.HighsStatus.kError or \
            h.writeModel(str(path)) == highspy.HighsStatus.kError:
        raise OSError(f"HiGHS could not write the model to {path}")
    return path
