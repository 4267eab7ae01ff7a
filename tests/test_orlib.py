"""Ground truth: OR-Library multidimensional knapsack problems with known optima,
written in the instance format, loaded and solved by the project.

Each item is a parcel that may be rezoned ("select", an industrial use) for
output p_j, consuming r_ij of resource r_i with cap b_i; maximising industrial
output is then exactly the knapsack problem (see tests/orlib.py). The optima
below are the published ones; the parser must read the same values from the
files, the solver must reach them with a zero gap, and the plan is checked
against the original data here, independently of the project's own tables.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import optim
from optim.check import assert_plan_ok
from orlib import (
    KnapsackProblem,
    parcel_id,
    parse_mknap1,
    parse_mknap2,
    resource_id,
    solution_vector,
    to_instance_files,
)

MKNAP1_OPTIMA = [3800, 8706.1, 4015, 6120, 12400, 10618, 16537]
WEING_OPTIMA = {
    "WEING1": 141278, "WEING2": 130883, "WEING3": 95677, "WEING4": 119337,
    "WEING5": 98796, "WEING6": 130623, "WEING7": 1095445, "WEING8": 624319,
}
CASES = [(f"mknap1-{k}", opt) for k, opt in enumerate(MKNAP1_OPTIMA, start=1)] \
    + list(WEING_OPTIMA.items())

TOL = 1e-6

@pytest.fixture(scope="module")
def problems() -> dict[str, KnapsackProblem]:
    out = {p.name: p for p in parse_mknap1()}
    out.update(parse_mknap2())
    return out


def assert_plan_solves_problem(problem: KnapsackProblem, x: list[int]) -> None:
    """The 0/1 vector `x` is feasible for `problem` and reaches its optimum,
    recomputed from the original data."""
    assert set(x) <= {0, 1}
    assert problem.violations(x) == []
    assert problem.objective(x) == pytest.approx(problem.optimum, abs=TOL)


# ---- parsers ---------------------------------------------------------------------
def test_mknap1_parser_reads_known_optima():
    probs = parse_mknap1()
    assert [p.optimum for p in probs] == MKNAP1_OPTIMA
    assert [(p.n, p.m) for p in probs] == [(6, 10), (10, 10), (15, 10), (20, 10),
                                           (28, 10), (39, 5), (50, 5)]
    assert probs[1].profits[0] == 600.1  # mknap1 problem 2 has decimal profits


def test_mknap2_parser_reads_known_optima():
    probs = parse_mknap2()
    assert len(probs) == 48  # as the file header says; the commented WEING1 copy is not one
    assert list(probs)[:3] == ["SENTO1", "SENTO2", "WEING1"]
    assert {name: probs[name].optimum for name in WEING_OPTIMA} == WEING_OPTIMA
    assert [(probs[n].m, probs[n].n) for n in WEING_OPTIMA] == [(2, 28)] * 6 + [(2, 105)] * 2
    w1 = probs["WEING1"]
    assert w1.capacities == (600, 600)
    assert w1.profits[:3] == (1898, 440, 22507) and w1.profits[-1] == 10500
    assert w1.weights[0][:3] == (45, 0, 85) and w1.weights[1][-1] == 150


def test_mknap2_parser_skips_header_strips_comments_and_checks_counts(tmp_path):
    header = "A header with numbers 2 28 // and a comment\n +++++\n 2 3 // example\n 1 2 3\n"
    block = ("\n +++++\n\n problem TOY.DAT\n\n +++++\n 1 3 // m n\n 5 4 3\n 6\n"
             " 2 3 4 // row\n\n 9 // optimum\n")
    path = tmp_path / "toy.txt"
    path.write_text(header + block, encoding="ascii")
    toy = parse_mknap2(path)["TOY"]
    assert (toy.profits, toy.capacities, toy.weights, toy.optimum) == \
        ((5, 4, 3), (6,), ((2, 3, 4),), 9)
    path.write_text(header + block.replace(" 9 // optimum", " 9 1"), encoding="ascii")
    with pytest.raises(ValueError, match="expected 10"):
        parse_mknap2(path)
    path.write_text(header + block.replace("5 4 3", "5 four 3"), encoding="ascii")
    with pytest.raises(ValueError, match="not a number"):
        parse_mknap2(path)


def test_converted_instance_reads_back_exactly(problems, tmp_path):
    """The files written by the converter load into the same numbers."""
    problem = problems["mknap1-2"]
    inst = optim.load(to_instance_files(problem, tmp_path))
    assert len(inst.parcels) == problem.n and (inst.parcels["area"] == 1).all()
    assert len(inst.options) == 2 * problem.n
    assert list(inst.resources.index) == [resource_id(i) for i in range(problem.m)]
    assert inst.resources["cap"].tolist() == list(problem.capacities)
    sel = inst.options[inst.options["use"] == "select"].set_index("parcel")
    keep = inst.options[inst.options["use"] == "keep"].set_index("parcel")
    for j in range(problem.n):
        pid = parcel_id(j)
        assert sel.loc[pid, "output"] == problem.profits[j]
        assert [sel.loc[pid, resource_id(i)] for i in range(problem.m)] == \
            [problem.weights[i][j] for i in range(problem.m)]
        assert keep.loc[pid, ["output", "land_income", "conversion_cost"]].tolist() == [0, 0, 0]
        assert [keep.loc[pid, resource_id(i)] for i in range(problem.m)] == [0] * problem.m
    assert inst.objective.weights == {"industrial_output": 1}


# ---- solving -------------------------------------------------------------------
@pytest.mark.parametrize("name, optimum", CASES, ids=[c[0] for c in CASES])
def test_orlib_optimum(problems, name, optimum, tmp_path):
    problem = problems[name]
    assert problem.optimum == optimum  # the file holds the published optimum
    inst = optim.load(to_instance_files(problem, tmp_path))
    result = optim.solve(inst, mip_rel_gap=0)

    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, abs=TOL)

    # the plan, checked against the original data
    x = solution_vector(problem, result.parcels)
    assert_plan_solves_problem(problem, x)
    # the project's own figures agree with the recomputed ones
    assert result.kpi("industrial_output") == pytest.approx(optimum, abs=TOL)
    assert result.parcels["rezoned"].astype(bool).tolist() == [bool(v) for v in x]
    for i in range(problem.m):
        used = sum(r * xj for r, xj in zip(problem.weights[i], x))
        assert result.resources.loc[resource_id(i), "used"] == pytest.approx(used, abs=TOL)

    # the project's own plan checker agrees
    report = assert_plan_ok(inst, result)
    assert {"parcel_use_eq", "resource_cap_le", "objective", "kpis"} <= set(report.index)


def test_orlib_through_cli(problems, tmp_path):
    """`python -m optim.cli solve PATH --json` on a converted problem."""
    problem = problems["mknap1-2"]  # decimal optimum 8706.1
    path = to_instance_files(problem, tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "optim.cli", "solve", str(path), "--json", "--gap", "0"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)  # stdout holds the JSON object and nothing else
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(problem.optimum, abs=TOL)
    uses = {row["parcel"]: row["use"] for row in out["parcels"]}
    x = [1 if uses[parcel_id(j)] == "select" else 0 for j in range(problem.n)]
    assert_plan_solves_problem(problem, x)


def test_instance_without_sources_solves(problems, tmp_path):
    """The format allows an empty sources table; such an instance must solve."""
    problem = problems["WEING1"]
    path = to_instance_files(problem, tmp_path)
    inst = optim.load(path)  # the validator accepts it
    assert len(inst.sources) == 0
    result = optim.solve(inst, mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(problem.optimum, abs=TOL)
    assert_plan_solves_problem(problem, solution_vector(problem, result.parcels))
    assert_plan_ok(inst, result)
