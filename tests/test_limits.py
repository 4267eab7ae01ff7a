"""A solve stopped by a limit is reported as such, with its gap, never as optimal."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import optim
from orlib import parse_mknap1, to_instance_files

ROOT = Path(__file__).resolve().parent.parent
OPTIMUM = 16537  # mknap1 problem 7 (50 items, 5 constraints), OR-Library


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    problem = parse_mknap1()[6]
    assert problem.optimum == OPTIMUM
    return to_instance_files(problem, tmp_path_factory.mktemp("mknap1-7"))


def test_solution_limit_gives_a_feasible_plan_with_its_gap(hard):
    # stop at the first improving plan: HiGHS has a plan but no proof
    res = optim.solve(optim.load(hard), mip_rel_gap=0, highs={"mip_max_improving_sols": 1})
    assert res.status == "feasible"
    assert res.termination == "solution_limit"
    assert res.has_plan
    assert res.objective < OPTIMUM  # a worse plan than the known optimum ...
    assert res.bound >= OPTIMUM - 1e-6  # ... under a valid bound
    # HiGHS reports the relative gap against the plan: (bound - plan) / plan
    assert res.gap == pytest.approx((res.bound - res.objective) / abs(res.objective), rel=1e-3)
    assert "not proven optimal" in res.summary()


def test_time_limit_is_never_reported_as_optimal(hard):
    res = optim.solve(optim.load(hard), mip_rel_gap=0, time_limit=1e-4)
    assert res.termination == "time_limit"
    assert res.status in ("feasible", "no_solution")
    if res.status == "no_solution":
        assert res.objective is None and res.parcels.empty


def test_cli_time_limit_exit_status_matches_the_plan(hard):
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "solve", str(hard), "--json",
                           "--gap", "0", "--time-limit", "0.0001"],
                          capture_output=True, text=True, cwd=ROOT)
    out = json.loads(proc.stdout)
    assert out["termination"] == "time_limit"
    assert out["status"] != "optimal"
    assert proc.returncode == (0 if out["status"] == "feasible" else 1)
