"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

import optim
from optim.check import assert_plan_ok


def _solve_and_check(inst: optim.Instance | str | Path, **opts: Any) -> optim.Result:
    """Solve `inst` (an instance or a path) with solver options `opts`, assert that
    there is a plan and that the independent checker finds it feasible (objective
    and KPIs included); return the Result."""
    if not isinstance(inst, optim.Instance):
        inst = optim.load(inst)
    result = optim.solve(inst, **opts)
    assert result.has_plan, f"no plan: {result.status} ({result.termination})"
    assert_plan_ok(inst, result)
    return result


@pytest.fixture
def solve_and_check() -> Callable[..., optim.Result]:
    """`solve_and_check(inst, **opts) -> Result`: solve, then assert_plan_ok."""
    return _solve_and_check
