"""Ground truth for the multi-period structure: the WEING problems of OR-Library's
mknap2 are two-period capital-budgeting problems (Weingartner and Ness, 1967).

Each is expressed the way a planner would state it with periods: every candidate
is an optional project started in the first year, whose cost falls in two years
(`project_costs`: offset 0 is year 1's outlay, offset 1 year 2's); each year has
its own-funds budget (`periods.own_funds`), unspent money is not carried over
(`policy.carry_over: false`); the objective is the projects' annual output (the
published profit). The cash balance per period then is exactly the knapsack row
of that year, and the optimum must be the published one.
"""

from __future__ import annotations

import pytest
import yaml

import optim
from optim.check import assert_plan_ok
from orlib import KnapsackProblem, parse_mknap2

WEING_OPTIMA = {
    "WEING1": 141278, "WEING2": 130883, "WEING3": 95677, "WEING4": 119337,
    "WEING5": 98796, "WEING6": 130623, "WEING7": 1095445, "WEING8": 624319,
}


@pytest.fixture(scope="module")
def problems() -> dict[str, KnapsackProblem]:
    return parse_mknap2()


def two_period_instance(problem: KnapsackProblem) -> dict:
    assert problem.m == 2  # two periods: the WEING problems have two constraints
    projects, costs = [], []
    for j in range(problem.n):
        pid = f"J{j + 1:03d}"
        a1, a2 = problem.weights[0][j], problem.weights[1][j]
        projects.append({"id": pid, "category": "capital", "cost": a1 + a2, "mandatory": False,
                         "output": problem.profits[j], "period": "year1"})
        costs += [{"project": pid, "offset": 0, "cost": a1}, {"project": pid, "offset": 1, "cost": a2}]
    return {
        "name": f"{problem.name}-two-period",
        "uses": [{"id": "none"}],
        "categories": [{"id": "capital"}],
        "parcels": [{"id": "site", "area": 1, "current_use": "none"}],
        "options": [{"parcel": "site", "use": "none"}],
        "projects": projects,
        "project_costs": costs,
        "periods": [{"id": "year1", "own_funds": problem.capacities[0]},
                    {"id": "year2", "own_funds": problem.capacities[1]}],
        "policy": {"carry_over": False, "land_income_to_own_funds": 0.0},
        "objective": {"weights": {"industrial_output": 1}},
    }


@pytest.mark.parametrize("name,optimum", list(WEING_OPTIMA.items()))
def test_weing_as_two_period_capital_budgeting(problems, name, optimum, tmp_path):
    problem = problems[name]
    assert problem.optimum == optimum
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(two_period_instance(problem), sort_keys=False))
    inst = optim.load(path)
    result = optim.solve(inst, mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, abs=1e-6)
    # the chosen projects, checked against the original data
    x = [int(result.projects.loc[f"J{j + 1:03d}", "built"]) for j in range(problem.n)]
    assert problem.objective(x) == pytest.approx(optimum)
    assert problem.violations(x) == []
    # spending per year is the knapsack row, within its budget
    per = result.periods.set_index("period")
    for i, year in enumerate(("year1", "year2")):
        spent = sum(w * xj for w, xj in zip(problem.weights[i], x))
        assert per.loc[year, "own_funds"] == pytest.approx(spent, abs=1e-6)
        assert per.loc[year, "cash_balance"] == pytest.approx(problem.capacities[i] - spent, abs=1e-6)
    assert_plan_ok(inst, result)


def test_carry_over_relaxes_the_second_year(problems, tmp_path):
    """With carry-over, year 1's unspent budget pays year 2: the optimum can only
    grow, and the plan may break the second knapsack row, never the first nor the
    sum of both."""
    problem = problems["WEING1"]
    doc = two_period_instance(problem)
    doc["policy"]["carry_over"] = True
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = optim.solve(optim.load(path), mip_rel_gap=0)
    assert result.objective >= WEING_OPTIMA["WEING1"]
    x = [int(result.projects.loc[f"J{j + 1:03d}", "built"]) for j in range(problem.n)]
    w1 = sum(w * xj for w, xj in zip(problem.weights[0], x))
    w2 = sum(w * xj for w, xj in zip(problem.weights[1], x))
    assert w1 <= problem.capacities[0] + 1e-6
    assert w1 + w2 <= sum(problem.capacities) + 1e-6
