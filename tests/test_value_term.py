"""Signed figures: the objective term `value` (options and projects) and the
objective's `offset`, tested three ways: the compiled objective, small solves
with answers worked out by hand or published (OR-Library knapsacks written with
negative values), and input that is refused.

`value` is the one signed figure of the format: a net present value or any
other worth of taking an option or building a project that may be negative.
Land income, output and costs stay non-negative amounts (docs/instance-format.md).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import optim
from benchmarks import highspy_model as hm
from optim.check import assert_plan_ok
from orlib import parse_mknap2, solution_vector, to_instance_files

WEING = {"WEING1": 141278, "WEING3": 95677, "WEING5": 98796}


# ---- a capital-budgeting case worked out by hand ------------------------------------
def budgeting(**objective) -> dict:
    """Three plots and two optional projects, nothing else paid for by sources.

    Plots A, B, C: keep (value 0) or develop, with values +5, -2 and +3 and an
    energy use of 2, 1 and 2 against a cap of 3. Project X (value -4) is optional,
    project Y (value +6) too; both are in the category `park` paid from own funds
    of 10, X costs 4 and Y costs 8: not both.
    """
    return {
        "name": "budgeting",
        "uses": [{"id": "keep"}, {"id": "develop", "industrial": True}],
        "categories": [{"id": "park"}],
        "resources": [{"id": "energy", "cap": 3}],
        "parcels": [{"id": p, "area": 1, "current_use": "keep"} for p in "ABC"],
        "options": [row for p, v, e in (("A", 5, 2), ("B", -2, 1), ("C", 3, 2))
                    for row in ({"parcel": p, "use": "keep", "energy": 0},
                                {"parcel": p, "use": "develop", "value": v, "energy": e})],
        "projects": [{"id": "X", "category": "park", "cost": 4, "mandatory": False, "value": -4},
                     {"id": "Y", "category": "park", "cost": 8, "mandatory": False, "value": 6}],
        "policy": {"own_funds_budget": 10, "land_income_to_own_funds": 0},
        "objective": {"weights": {"value": 1}, **objective},
    }


def solve(doc: dict, **kw) -> optim.Result:
    doc = copy.deepcopy(doc)
    res = optim.solve(optim.from_frames(doc.pop("name"), **doc), **kw)
    assert res.status == "optimal" and res.certified, res.certificate
    return res


def test_hand_case_takes_the_positive_values_within_the_caps():
    """By hand: energy 3 allows A (2) or C (2) or B with either; B's value is
    negative, so only A (+5) beats C (+3); Y (+6) fits the own funds, X (-4) is
    never worth it: value 5 + 6 = 11."""
    res = solve(budgeting())
    assert res.objective == pytest.approx(11)
    assert res.parcels.loc[["A", "B", "C"], "use"].tolist() == ["develop", "keep", "keep"]
    assert res.projects["built"].astype(bool).to_dict() == {"X": False, "Y": True}
    assert res.kpi("value") == pytest.approx(11)


def test_a_negative_value_is_taken_when_a_constraint_makes_it():
    """Project X made mandatory: its -4 is paid, Y no longer fits (4 + 8 > 10):
    value 5 - 4 = 1."""
    doc = budgeting()
    doc["projects"][0]["mandatory"] = True
    res = solve(doc)
    assert res.objective == pytest.approx(1)
    assert res.kpi("value") == pytest.approx(1)


def test_offset_is_added_and_the_terms_add_up_to_the_objective():
    res = solve(budgeting(offset=-20.5))
    assert res.objective == pytest.approx(11 - 20.5)
    terms = res.objective_terms
    assert terms.loc["value", "contribution"] == pytest.approx(11)
    assert terms.loc["offset", "contribution"] == pytest.approx(-20.5)
    assert terms["contribution"].sum() == pytest.approx(res.objective)
    assert res.to_dict()["objective_terms"]["offset"] == pytest.approx(-20.5)


def test_value_target_bounds_the_signed_term():
    """A maximum value of 9 (objective.targets.value.max). By hand, the plots that
    fit the energy cap are {}, A, B, C, AB, BC (AC uses 4 > 3), worth 0, 5, -2, 3,
    3, 1; the projects none, X or Y (not both), worth 0, -4, 6. At most 9: C + Y
    (or A, B + Y) = 9."""
    res = solve(budgeting(targets={"value": {"max": 9}}))
    assert res.objective == pytest.approx(9)
    assert res.kpi("value") == pytest.approx(9)


def test_per_area_values_are_scaled_by_the_parcel_area():
    doc = budgeting()
    doc["option_basis"] = "per_area"
    doc["parcels"][0]["area"] = 2  # A: 5 per mu x 2 mu = 10, and energy 2 x 2 = 4 > 3
    res = solve(doc)
    # A no longer fits; C (+3) with Y (+6) is best: 9
    assert res.objective == pytest.approx(9)


def test_compiled_objective_holds_the_value_coefficients_and_the_offset():
    inst = optim.from_frames(**{"name": "b", **{k: v for k, v in budgeting(offset=7).items() if k != "name"}})
    model = optim.build(inst)
    c = model.compiled
    S = model.formulation.objective_unit
    assert c.offset * S == pytest.approx(7)
    use = model.formulation.col("v_use")
    values = inst.options["value"].to_numpy(dtype=float)
    assert np.allclose(c.cost[use] * S, values)
    build = model.formulation.col("v_build")
    assert np.allclose(c.cost[build] * S, [-4, 6])


def test_pyomo_view_and_the_independent_highspy_model_agree():
    doc = budgeting(offset=3)
    inst = optim.from_frames("b", **{k: v for k, v in doc.items() if k != "name"})
    assert optim.solve(inst, backend="pyomo").objective == pytest.approx(14)
    assert hm.solve_instance(inst)["objective"] == pytest.approx(14)


def test_resolver_reweights_the_value_term_and_follows_an_offset_change():
    inst = optim.from_frames("b", **{k: v for k, v in budgeting().items() if k != "name"})
    r = optim.build(inst).resolver()
    assert r.solve().objective == pytest.approx(11)
    r.set_weights(value=2)
    sol = r.solve()
    assert sol.objective == pytest.approx(22) and sol.certified
    changed = inst.copy()
    changed.objective.offset = 100.0
    r.update(changed)
    sol = r.solve()
    assert sol.objective == pytest.approx(111) and sol.certified  # weight 1 again, from the instance


def test_the_checker_recomputes_the_value_of_the_plan():
    res = solve(budgeting())
    res.objective += 1.0  # a report that disagrees with its own plan
    report = optim.check_plan(optim.from_frames("b", **{k: v for k, v in budgeting().items() if k != "name"}),
                              res)
    assert list(report.index[~report["ok"]]) == ["objective"]
    assert report.loc["objective", "max_violation"] == pytest.approx(1.0)


# ---- published optima with negative values and an offset ---------------------------------
@pytest.mark.parametrize("name, optimum", sorted(WEING.items()))
def test_orlib_capital_budgeting_with_negative_values_and_an_offset(tmp_path, name, optimum):
    """Weingartner and Ness's capital-budgeting problems written with a value of
    -p_j/2 for leaving project j out and +p_j/2 for taking it, plus an offset of
    sum p_j / 2: the same optimum as published; no categories, projects or sources."""
    problem = parse_mknap2()[name]
    path = to_instance_files(problem, tmp_path, signed=True)
    inst = optim.load(path)
    assert len(inst.categories) == 0 and (inst.options["value"] < 0).sum() == problem.n
    assert optim.input_warnings(inst) == []
    res = optim.solve(inst, mip_rel_gap=0)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(optimum)
    x = solution_vector(problem, res.parcels)
    assert problem.violations(x) == [] and problem.objective(x) == pytest.approx(optimum)
    assert res.kpi("value") == pytest.approx(optimum - sum(problem.profits) / 2)
    assert res.objective_terms["contribution"].sum() == pytest.approx(optimum)
    assert_plan_ok(inst, res)


# ---- refused input -----------------------------------------------------------------------
@pytest.mark.parametrize("where, value, message", [
    ("options", "lots", "instance.yaml: options[1], value: must be a number, not 'lots'"),
    ("offset", "x", "instance.yaml: objective.offset: must be a number, not 'x'"),
    ("projects", float("inf"), "instance.yaml: projects[0], value: must be a finite number, not inf"),
])
def test_bad_values_are_refused_with_the_place(tmp_path, where, value, message):
    doc = budgeting()
    if where == "options":
        doc["options"][1]["value"] = value
    elif where == "offset":
        doc["objective"]["offset"] = value
    else:
        doc["projects"][0]["value"] = value
    import yaml
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    assert [str(p) for p in err.value.problems] == [message]


def test_land_income_stays_non_negative():
    doc = budgeting()
    doc["options"][1]["land_income"] = -5
    with pytest.raises(optim.InstanceError, match=r"options\[1\], land_income: must be >= 0, not -5"):
        optim.from_frames("b", **{k: v for k, v in doc.items() if k != "name"})


# ---- the offset in studies ------------------------------------------------------------------------
def test_an_offset_counts_in_every_scenario_of_a_stochastic_plan():
    """The two-parcel case of tests/test_stochastic.py (RP 120, EEV 114, WS 127.5, by
    hand) with an offset of 10: every objective is 10 more, VSS and EVPI unchanged."""
    from optim.inputs.scenarios import apply_overrides

    inst = optim.load(Path(__file__).parent / "data" / "stochastic" / "two_parcels.yaml")
    apply_overrides(inst, {"set": {"objective.offset": 10}}, "offset")
    r = optim.stochastic(inst, mip_rel_gap=0.0)
    assert r.certified
    assert (r.plan.objective, r.mean_value.objective, r.wait_and_see.objective) == \
        pytest.approx((130.0, 124.0, 137.5))
    assert (r.vss, r.evpi) == pytest.approx((6.0, 7.5))


def test_an_offset_counts_in_every_point_of_a_pareto_front():
    inst = optim.load(Path(__file__).parent.parent / "instances" / "tiny" / "instance.yaml")
    inst.objective.offset = 1e6
    front = optim.pareto(inst, "land_income", "industrial_output", points=3)
    plans = [res for res in front.results.values() if res is not None and res.has_plan]
    assert plans
    for res in plans:
        assert res.objective_terms["contribution"].sum() == pytest.approx(res.objective)
        assert res.certified
