"""What the solver accepts: the built model's coefficients, bounds and costs.

The input limits (optim/inputs/limits.py) bound every figure of an instance;
the model built from them must still stay within what HiGHS accepts and
solves reliably (a product of two large figures, or money figures far apart,
could exceed it). `check_model` is run on every model built (`optim.build`),
so `validate` and `solve` give the same verdict.
"""

from __future__ import annotations

import numpy as np

from ..errors import InstanceError, Problem
from .formulation import Family, Formulation

# What HiGHS accepts: matrix values below `large_matrix_value`, costs and bounds
# below `infinite_cost` / `infinite_bound` (beyond, a bound silently means "none").
SOLVER_MAX_COEF = 1e15
SOLVER_INF = 1e20
# What HiGHS solves reliably: its tolerances are absolute (1e-7 on a row), and with
# a matrix value or cost of 5e10 in the model's units a plan's rows could no longer
# be met to double precision (HiGHS stops with a solve error; found by
# tests/test_hostile.py, a 1e13 output beside money figures of 50 to 100 yuan).
SOLVER_RELIABLE = 1e10
# What HiGHS can tell from 0: a row holds to its feasibility tolerance (1e-7 in the
# model's units), so a right-hand side smaller than that, or a yes/no decision's
# coefficient that small in a row it must meet (>= or =), is lost: a minimum ticket of
# 0.5 yuan in a model in units of 1e8 yuan, and the solver draws 0 and calls the row
# met (found by tests/test_hostile.py). In a <= row such a coefficient is a cost the
# solver may overlook by less than its tolerance, which the plan's check allows.
SOLVER_RESOLVES = 1e-7
FIX = ("check the figures behind it (too large, or too far apart from the others), "
       "or state them in another unit")


def check_model(f: Formulation) -> None:
    """Raise `InstanceError` if the built model has a coefficient, right-hand side
    or objective cost that HiGHS would refuse or take for infinity, naming the row."""
    if _within(f):  # the common case, told from all the rows at once
        return
    problems = []
    _, _, integer = f.bounds()
    for fam in f.families.values():
        coef = np.abs(np.asarray(fam.coef, dtype=float))
        bad = _too_large(coef)
        if bad.any():
            k = _largest(coef, bad)
            limit = (f"beyond what the solver accepts ({SOLVER_MAX_COEF:g})" if not coef[k] < SOLVER_MAX_COEF
                     else f"too large for a reliable solve (at most {SOLVER_RELIABLE:g})")
            problems.append(Problem(_row(fam, fam.row[k]),
                                    f"a coefficient of {fam.coef[k]:.3g}{_unit(fam.unit)} is {limit}: {FIX}"))
        must_meet = np.isfinite(fam.lower)[np.asarray(fam.row, dtype=np.int64)] if len(fam.row) else np.zeros(0, bool)
        tiny = _tiny(coef) & integer[np.asarray(fam.col, dtype=np.int64)] & must_meet
        if tiny.any():
            k = int(np.flatnonzero(tiny)[np.argmin(coef[tiny])])
            problems.append(Problem(_row(fam, fam.row[k]),
                                    f"a coefficient of {fam.coef[k]:.3g}{_unit(fam.unit)} is below what the solver "
                                    f"can tell from 0 ({SOLVER_RESOLVES:g}): {FIX}"))
        lower, upper = np.asarray(fam.lower, dtype=float), np.asarray(fam.upper, dtype=float)
        for side, forcing in zip((lower, upper), _forcing(lower, upper)):
            beyond, too_large, tiny = _side_problems(side, forcing)
            if beyond.any():
                k = int(np.flatnonzero(beyond)[0])
                problems.append(Problem(_row(fam, k),
                                        f"a right-hand side of {side[k]:.3g}{_unit(fam.unit)} is beyond "
                                        f"what the solver accepts ({SOLVER_INF:g}): {FIX}"))
                break
            # a bound the plan must reach (an equation, a minimum above 0) as large as this
            # cannot be met to the solver's absolute tolerance (a cash balance of 1e13 in
            # the model's units made HiGHS stop with an error; found by tests/test_hostile.py)
            if too_large.any():
                k = _largest(np.abs(side), too_large)
                problems.append(Problem(_row(fam, k),
                                        f"a right-hand side of {side[k]:.3g}{_unit(fam.unit)} is too large for a "
                                        f"reliable solve (at most {SOLVER_RELIABLE:g}): {FIX}"))
                break
            if tiny.any():
                k = int(np.flatnonzero(tiny)[0])
                problems.append(Problem(_row(fam, k),
                                        f"a right-hand side of {side[k]:.3g}{_unit(fam.unit)} is below what the "
                                        f"solver can tell from 0 ({SOLVER_RESOLVES:g}): {FIX}"))
                break
    cost = f.cost()
    size = np.abs(cost)
    bad = _too_large(size)
    if bad.any():
        k = _largest(size, bad)
        limit = (f"beyond what the solver accepts ({SOLVER_INF:g})" if not size[k] < SOLVER_INF
                 else f"too large for a reliable solve (at most {SOLVER_RELIABLE:g})")
        problems.append(Problem("model objective", f"an objective coefficient of {cost[k]:.3g} is "
                                                   f"{limit}: {FIX}"))
    if problems:
        raise InstanceError(problems)


def _within(f: Formulation) -> bool:
    """True when `check_model` finds nothing: its tests on all the coefficients, row
    bounds and costs at once (the loop over the families words what it finds)."""
    fams = list(f.families.values())
    coef = np.abs(np.concatenate([fam.coef for fam in fams])) if fams else np.zeros(0)
    if _too_large(coef).any():
        return False
    lower, upper = f.row_bounds()
    tiny = _tiny(coef)
    if tiny.any():  # named only on an integer column in a row it must meet
        _, _, integer = f.bounds()
        col = np.concatenate([fam.col for fam in fams])[tiny]
        row = np.concatenate([fam.row + fam.start for fam in fams])[tiny]
        if (integer[col] & np.isfinite(lower)[row]).any():
            return False
    for side, forcing in zip((lower, upper), _forcing(lower, upper)):
        if any(bad.any() for bad in _side_problems(side, forcing)):
            return False
    return not _too_large(np.abs(f.cost())).any()


def _too_large(size: np.ndarray) -> np.ndarray:
    """Coefficients or costs (absolute) the solver refuses or does not solve reliably."""
    return ~np.isfinite(size) | (size >= SOLVER_RELIABLE)


def _tiny(size: np.ndarray) -> np.ndarray:
    """Coefficients (absolute) the solver cannot tell from 0."""
    return (size > 0) & (size < SOLVER_RESOLVES)


def _forcing(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose lower (upper) bound the plan must reach: a minimum above 0 (a
    maximum below 0) or an equation."""
    return (lower > 0) | (lower == upper), (upper < 0) | (lower == upper)


def _side_problems(side: np.ndarray, forcing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right-hand sides beyond what the solver accepts, too large to reach reliably
    (where `forcing`), and below what it can tell from 0."""
    size, finite = np.abs(side), np.isfinite(side)
    return (np.isnan(side) | (finite & (size >= SOLVER_INF)), finite & (size >= SOLVER_RELIABLE) & forcing,
            (side != 0) & (size < SOLVER_RESOLVES))


def _unit(u: float) -> str:
    return f" (in units of {u:g} yuan)" if u != 1 else ""


def _largest(values: np.ndarray, bad: np.ndarray) -> int:
    """Position of the largest of `values[bad]` (a non-finite one first)."""
    at = np.flatnonzero(bad)
    return int(at[np.argmax(np.where(np.isfinite(values[at]), values[at], np.inf))])


def _row(fam: Family, k: int) -> str:
    label = fam.labels[int(k)]
    return f"model row {fam.name}" + ("" if label is None else f"[{label}]")
