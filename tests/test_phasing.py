"""Phasing over periods: cash balance, debt service, present values, recycling.

Each instance is small enough that its optimum is worked out by hand in the test's
docstring; the plan is then recomputed by the independent checker.
"""

from __future__ import annotations

import copy

import pytest
import yaml

import optim
from optim.model.phasing import service_schedule

BASE = {
    "name": "phasing",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True}],
    "categories": [{"id": "park"}],
    "parcels": [{"id": "A", "area": 10, "current_use": "commercial"}],
    "options": [
        {"parcel": "A", "use": "commercial", "land_income": 50},
        {"parcel": "A", "use": "industrial", "output": 60, "conversion_cost": 100},
    ],
    "sources": [{"id": "loan", "kind": "bank_loan", "cap": 100, "rate": 0.1, "tenor": 2,
                 "categories": ["park"]}],
    "periods": [{"id": "y1"}, {"id": "y2", "own_funds": 40}, {"id": "y3", "own_funds": 35}],
    "policy": {"tax_share": 0.5, "land_income_to_own_funds": 1.0, "discount_rate": 0.1},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1}, "values": "present"},
}


def load(tmp_path, doc) -> optim.Instance:
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return optim.load(path)


def variant(**changes):
    doc = copy.deepcopy(BASE)
    for key, value in changes.items():
        doc[key] = value
    return doc


def test_loan_schedule():
    """Tenor 2, no grace, rate 10 %: one yuan drawn pays 0.1 + 0.5 one period later and
    0.05 + 0.5 two periods later; with one period of grace: 0.1, then 0.1 + 1.0."""
    assert service_schedule(0.1, 2, 0, 0.0, "bank_loan", 3) == pytest.approx([0, 0.6, 0.55, 0])
    assert service_schedule(0.1, 2, 1, 0.0, "bank_loan", 3) == pytest.approx([0, 0.1, 1.1, 0])
    assert service_schedule(0.1, 3, 0, 0.0, "bank_loan", 1) == pytest.approx([0, 0.1 + 1 / 3])
    assert service_schedule(0.0, 2, 0, 1.5, "equity", 3) == pytest.approx([0, 0, 1.5, 0])


def test_rezone_early_when_cash_allows(tmp_path):
    """Keeping A commercial sells it for 50 in y1 (present value 50). Rezoning costs 100,
    paid by the loan (no own cash in y1); output 60 a year counts from the period after
    the rezoning. Rezoned in y1: debt service 0.6 * 100 = 60 in y2 and 55 in y3; cash
    y2 = 40 own + 0.5 * 60 tax - 60 = 10, y3 = 10 + 35 + 30 - 55 = 20 (>= 0, feasible);
    present value 60 / 1.1 + 60 / 1.21 = 104.13 > 50. Rezoning in y2 is worth only
    60 / 1.21 = 49.59."""
    result = optim.solve(load(tmp_path, BASE), mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(60 / 1.1 + 60 / 1.21)
    assert result.parcels.loc["A", "use"] == "industrial"
    assert result.parcels.loc["A", "period"] == "y1"
    per = result.periods.set_index("period")
    assert per["debt_service"].tolist() == pytest.approx([0, 60, 55])
    assert per["draws"].tolist() == pytest.approx([100, 0, 0])
    assert per["cash_balance"].tolist() == pytest.approx([0, 10, 20])
    assert per["rezoned_area"].tolist() == pytest.approx([10, 0, 0])
    assert result.kpis.loc["debt_service_beyond_horizon", "value"] == pytest.approx(0)
    optim.check.assert_plan_ok(load(tmp_path, BASE), result)


def test_short_cash_delays_or_cancels_rezoning(tmp_path):
    """With 20 of own funds in y2, rezoning in y1 leaves y2 short: 20 + 30 - 60 < 0.
    Rezoning in y2 is feasible (y3: 20 + 35 + 30 - 60 = 25) but worth 60 / 1.21 =
    49.59 < 50: the parcel is kept and sold, objective 50."""
    doc = variant(periods=[{"id": "y1"}, {"id": "y2", "own_funds": 20}, {"id": "y3", "own_funds": 35}])
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(50)
    assert result.parcels.loc["A", "use"] == "commercial"


def test_annual_values_and_repayment_beyond_the_horizon(tmp_path):
    """With annual values rezoning is worth 60 (annual output) whenever it happens,
    against 50. The loan is available in y2 only, so the rezoning happens then: drawn in y2,
    the loan costs 60 in y3 and 55 after the horizon, which is reported."""
    doc = variant(objective={"weights": {"land_income": 1, "industrial_output": 1}},
                  sources=[dict(BASE["sources"][0], available_from="y2", available_until="y2")])
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(60)
    assert result.parcels.loc["A", "period"] == "y2"
    per = result.periods.set_index("period")
    assert per["debt_service"].tolist() == pytest.approx([0, 0, 60])
    assert result.kpis.loc["debt_service_beyond_horizon", "value"] == pytest.approx(55)
    optim.check.assert_plan_ok(load(tmp_path, doc), result)


@pytest.mark.parametrize("dscr,rezoned", [(0.5, True), (0.6, False)])
def test_debt_service_cover_ratio(tmp_path, dscr, rezoned):
    """Rezoned in y1, income is the tax share 30 in y2 and y3 against debt service 60
    and 55: cover 0.5 in y2. A required ratio of 0.5 keeps the plan (104.13); 0.6 rules
    out y1, and y2 (30 against 60 in y3) too: the parcel is kept (50)."""
    doc = variant(policy=dict(BASE["policy"], min_dscr=dscr))
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(60 / 1.1 + 60 / 1.21 if rezoned else 50)


def test_asset_recycling(tmp_path):
    """A factory (cost 100, paid by the loan... here by own funds of 100 in y1) earns 30 a
    year from the period after it is built; put into a REIT from y2 it brings 80 % of
    its cost (80) and loses its income. Objective: land income (present value, the
    parcel is sold for 50 in y1) -- the factory does not change it, so the test pins the
    cash: with no own funds after y1, a mandatory payment of 90 of debt service in y3
    ... is met only by recycling."""
    doc = variant(
        options=[{"parcel": "A", "use": "commercial", "land_income": 50}],
        sources=[{"id": "loan", "kind": "bank_loan", "cap": 100, "rate": 0.0, "tenor": 1,
                  "grace": 0, "categories": ["park"]}],
        periods=[{"id": "y1"}, {"id": "y2"}, {"id": "y3"}],
        projects=[{"id": "factory", "category": "park", "cost": 100, "mandatory": True,
                   "income": 30, "recyclable": True, "recycle_share": 0.8, "recycle_from": "y2",
                   "period": "y1"}],
        policy={"land_income_to_own_funds": 0.0},
    )
    # Built in y1 with the loan (100); the loan is repaid in full in y2 (tenor 1, rate 0).
    # Cash y2 = income 30 - 100 < 0 unless the factory is recycled in y2: 80 + 0 (income
    # lost from y2 on) - 100 < 0 too; so no plan without own funds: infeasible.
    assert optim.solve(load(tmp_path, doc)).status == "infeasible"
    # With 20 own funds in y2: recycling in y2 gives 20 + 80 - 100 = 0 (income lost),
    # keeping it gives 20 + 30 - 100 < 0: the plan recycles in y2.
    doc["periods"][1]["own_funds"] = 20
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.projects.loc["factory", "recycled_in"] == "y2"
    per = result.periods.set_index("period")
    assert per["recycling_proceeds"].tolist() == pytest.approx([0, 80, 0])
    assert per["asset_income"].tolist() == pytest.approx([0, 0, 0])
    optim.check.assert_plan_ok(load(tmp_path, doc), result)


# ---- the compiled rows --------------------------------------------------------------
def test_cash_balance_rows_read_off_the_matrix(tmp_path):
    """cash_balance_eq[y2]: v_cash[y2] - v_cash[y1] - 0.5 * 60 (tax on output from the
    y1 rezoning) + 0.6 * (loan drawn in y1) + own funds of y2 = 40 (money in units
    of the model's money unit)."""
    from matrix import row  # tests/matrix.py

    model = optim.build(load(tmp_path, BASE))
    S = model.data.money
    coef, lower, upper = row(model, "cash_balance_eq", "y2", in_yuan=False)
    assert coef.pop(("v_cash", "y2")) == pytest.approx(1)
    assert coef.pop(("v_cash", "y1")) == pytest.approx(-1)
    assert coef.pop(("v_rez", ("A", "industrial", "y1"))) == pytest.approx(-0.5 * 60 / S)
    assert coef.pop(("v_pdraw", ("loan", "park", "y1"))) == pytest.approx(0.6)
    assert coef.pop(("v_pown", ("park", "y2"))) == pytest.approx(1)
    assert not coef
    assert lower == upper == pytest.approx(40 / S)


def test_without_periods_the_model_is_unchanged(tmp_path):
    """Dropping the periods table (and the tenor, which only matters with periods)
    gives the single-period model: no period families, and the single-period optimum
    (output 60 a year against land income 50: rezone, objective 60)."""
    doc = variant()
    del doc["periods"]
    doc["objective"] = {"weights": {"land_income": 1, "industrial_output": 1}}
    model = optim.build(load(tmp_path, doc))
    assert not [name for name in model.formulation.families if "period" in name or "cash" in name]
    assert set(model.formulation.groups) == {"v_use", "v_build", "v_draw", "v_open", "v_own"}
    result = model.solve(mip_rel_gap=0)
    assert result.objective == pytest.approx(60)
    assert result.periods is None


# ---- the checker ------------------------------------------------------------------------
def test_checker_catches_a_broken_cash_balance(tmp_path):
    """The optimal plan rezones in y1; the same plan with the rezoning moved to y2 but
    the loan still drawn in y1 breaks the funding of y2 (conversion cost 100 with no
    draw) and is reported; with y2 own funds of 20, rezoning in y1 leaves cash short."""
    from optim.check import PlanDecisions, check_plan

    inst = load(tmp_path, BASE)
    result = optim.solve(inst, mip_rel_gap=0)
    plan = PlanDecisions.from_result(result)
    plan.parcels.loc["A", "period"] = "y2"
    plan.objective, plan.kpis = None, None
    report = check_plan(inst, plan)
    assert not report.loc["period_funding_ge", "ok"]
    short = variant(periods=[{"id": "y1"}, {"id": "y2", "own_funds": 20}, {"id": "y3", "own_funds": 35}])
    plan = PlanDecisions.from_result(result)
    plan.objective, plan.kpis = None, None
    report = check_plan(load(tmp_path, short), plan)
    assert not report.loc["cash_balance_ge", "ok"]
    assert report.loc["cash_balance_ge", "worst"] == "y2"
    assert report.loc["cash_balance_ge", "max_violation"] == pytest.approx(10)


def test_checker_reads_a_written_result(tmp_path):
    from optim.check import PlanDecisions, assert_plan_ok

    inst = load(tmp_path, BASE)
    result = optim.solve(inst, mip_rel_gap=0)
    out = result.write(tmp_path / "out")
    assert (out / "periods.csv").is_file() and (out / "period_draws.csv").is_file()
    assert_plan_ok(inst, PlanDecisions.from_dir(out))


# ---- invalid input ----------------------------------------------------------------------
def problems(tmp_path, doc) -> list[str]:
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return [str(p) for p in optim.validate(path)]


@pytest.mark.parametrize("change,message", [
    (lambda d: d["parcels"][0].update(period="y9"),
     "instance.yaml: parcels[0], period: unknown period 'y9'"),
    (lambda d: d["sources"][0].update(tenor=0),
     "instance.yaml: sources[0], tenor: source 'loan' is a loan or bond: give its tenor (periods to repay it)"),
    (lambda d: d["sources"][0].update(grace=2),
     "instance.yaml: sources[0], grace: grace 2 must be shorter than tenor 2"),
    (lambda d: d["sources"][0].update(available_from="y3", available_until="y2"),
     "instance.yaml: sources[0], available_from: available_from 'y3' is after available_until 'y2'"),
    (lambda d: d.update(draw_limits=[{"source": "loan", "period": "y1", "min": 5, "max": 1}]),
     "instance.yaml: draw_limits[0]: min 5 is above max 1"),
    (lambda d: d.update(draw_limits=[{"source": "bank", "period": "y1", "max": 1}]),
     "instance.yaml: draw_limits[0], source: unknown source 'bank'"),
    (lambda d: d.update(projects=[{"id": "f", "category": "park", "cost": 10}],
                        project_costs=[{"project": "f", "offset": 0, "cost": 4},
                                       {"project": "f", "offset": 1, "cost": 4}]),
     "instance.yaml: projects[0], cost: project 'f' costs 10 but its project_costs add up to 8"),
    (lambda d: d.update(projects=[{"id": "f", "category": "park", "cost": 10, "period": "y3"}],
                        project_costs=[{"project": "f", "offset": 0, "cost": 4},
                                       {"project": "f", "offset": 1, "cost": 6}]),
     "instance.yaml: projects[0]: mandatory project 'f' cannot be completed within the 3 periods"),
    (lambda d: d.update(objective={"values": "discounted"}),
     "instance.yaml: objective.values: must be 'annual' or 'present', not 'discounted'"),
    (lambda d: (d.pop("periods"), d["sources"][0].update(available_from="y1")),
     "instance.yaml: sources[0], available_from: names a period, but the instance has no 'periods' table"),
])
def test_bad_period_input_is_named(tmp_path, change, message):
    doc = copy.deepcopy(BASE)
    change(doc)
    found = problems(tmp_path, doc)
    assert message in found, found


# ---- locks and bounds per period -------------------------------------------------------
ANNUAL = {"weights": {"land_income": 1, "industrial_output": 1}}  # rezoning worth 60 whenever done


def test_fixed_rezoning_period(tmp_path):
    """Fixed to y3 (annual values: 60 whenever it is done, against 50): rezoned in y3,
    the loan drawn in y3, so all of its 115 of repayments fall after the horizon."""
    doc = variant(objective=ANNUAL)
    doc["parcels"][0]["period"] = "y3"
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.objective == pytest.approx(60)
    assert result.parcels.loc["A", "period"] == "y3"
    assert result.kpis.loc["debt_service_beyond_horizon", "value"] == pytest.approx(115)
    optim.check.assert_plan_ok(load(tmp_path, doc), result)


def test_minimum_draw_in_a_period_sets_the_timing(tmp_path):
    """A minimum draw of 100 in y2: the only spending a draw can pay for is the
    conversion cost, so the parcel is rezoned in y2 (objective 60, annual values)."""
    doc = variant(objective=ANNUAL, draw_limits=[{"source": "loan", "period": "y2", "min": 100}])
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.objective == pytest.approx(60)
    assert result.parcels.loc["A", "period"] == "y2"
    assert result.periods.set_index("period")["draws"].tolist() == pytest.approx([0, 100, 0])
    optim.check.assert_plan_ok(load(tmp_path, doc), result)


def test_maximum_draw_in_a_period_forbids_early_rezoning(tmp_path):
    """At most 60 of the loan in y1, no own cash in y1: the 100 of conversion cannot be
    paid in y1. Present values: y2 is worth 49.59 < 50, so the parcel is kept (50)."""
    doc = variant(draw_limits=[{"source": "loan", "period": "y1", "max": 60}])
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.objective == pytest.approx(50)
    assert result.parcels.loc["A", "use"] == "commercial"


def test_yearly_resource_cap(tmp_path):
    """Energy: commercial 1, industrial 5, capped at 2 in y1 and y2: the industrial use
    may only be in place from y3, so the parcel is rezoned in y3 (annual values, 60)."""
    doc = variant(objective=ANNUAL,
                  resources=[{"id": "energy", "cap": 100}],
                  period_caps=[{"resource": "energy", "period": "y1", "cap": 2},
                               {"resource": "energy", "period": "y2", "cap": 2}])
    doc["options"][0]["energy"] = 1
    doc["options"][1]["energy"] = 5
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.objective == pytest.approx(60)
    assert result.parcels.loc["A", "period"] == "y3"
    optim.check.assert_plan_ok(load(tmp_path, doc), result)


def test_project_needs_its_land_by_its_year(tmp_path):
    """A mandatory project (cost 0) built in y2 needs 10 mu of industrial land by y2.
    With 20 of own funds in y2, rezoning in y1 is short of cash (see above), so the
    parcel is rezoned in y2: present value 60 / 1.21 = 49.59, below keeping it (50)
    but forced by the project."""
    doc = variant(periods=[{"id": "y1"}, {"id": "y2", "own_funds": 20}, {"id": "y3", "own_funds": 35}],
                  projects=[{"id": "plant", "category": "park", "cost": 0, "industrial_area": 10,
                             "period": "y2"}])
    result = optim.solve(load(tmp_path, doc), mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(60 / 1.21)
    assert result.parcels.loc["A", "period"] == "y2"
    assert result.projects.loc["plant", "period"] == "y2"
    optim.check.assert_plan_ok(load(tmp_path, doc), result)
    # and in y1 the project would find no land: fixing it to y1 makes it infeasible
    doc["projects"][0]["period"] = "y1"
    assert optim.solve(load(tmp_path, doc)).status == "infeasible"


def test_relocation_deadline(tmp_path):
    """An enterprise (5 mu of industrial land) must be relocated by y2: with 20 of own
    funds in y2 the parcel cannot be rezoned in y1 (cash), so it is rezoned in y2 and
    hosts the enterprise: present value 60 / 1.21 = 49.59 (keeping it would give 50, but
    the relocation is required). Due by y1, there is no plan."""
    doc = variant(periods=[{"id": "y1"}, {"id": "y2", "own_funds": 20}, {"id": "y3", "own_funds": 35}],
                  enterprises=[{"id": "E", "area": 5, "use": "industrial", "by_period": "y2"}])
    inst = load(tmp_path, doc)
    result = optim.solve(inst, mip_rel_gap=0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(60 / 1.21)
    assert result.parcels.loc["A", "period"] == "y2"
    assert result.relocations["parcel"].tolist() == ["A"]
    optim.check.assert_plan_ok(inst, result)
    # the checker flags the same plan against a deadline of y1
    from optim.check import PlanDecisions, check_plan

    doc["enterprises"][0]["by_period"] = "y1"
    early = load(tmp_path, doc)
    plan = PlanDecisions.from_result(result)
    plan.objective, plan.kpis = None, None
    assert not check_plan(early, plan).loc["relocation_by_period_le", "ok"]
    assert optim.solve(early).status == "infeasible"
