"""The independent plan checker (optim/check.py).

A solved plan must pass every family. Each broken plan below must be flagged in
exactly the families the break touches, with the violation worked out by hand.

The tiny optimum (instances/tiny, figures in million yuan): P1 commercial, P2
industrial, P3 industrial (energy 0 + 6 + 3 = 9 of 10); draws policy->park 10,
cdb->park 36.4, special->ecology 15; own funds park 11.6, ecology 5; objective
30 + 2 x 40 - (1 + 0.05 x 36.4) = 107.18.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import optim
from optim.check import PlanDecisions, assert_plan_ok, check_plan, recompute_kpis

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny" / "instance.yaml"
M = 1_000_000


# ---- helpers ---------------------------------------------------------------------
def flagged(report: pd.DataFrame) -> dict[str, float]:
    """Violated families and their largest absolute violation."""
    bad = report[~report["ok"]]
    return {fam: float(v) for fam, v in bad["max_violation"].items()}


def set_draw(plan: PlanDecisions, source: str, category: str, amount: float) -> None:
    """Set the amount of one (source, category) draw, adding the row if absent."""
    d = plan.draws
    hit = (d["source"] == source) & (d["category"] == category)
    if hit.any():
        d.loc[hit, "amount"] = amount
    else:
        plan.draws = pd.concat(
            [d, pd.DataFrame({"source": [source], "category": [category], "amount": [amount]})],
            ignore_index=True)


def drop_draw(plan: PlanDecisions, source: str, category: str) -> None:
    d = plan.draws
    plan.draws = d[~((d["source"] == source) & (d["category"] == category))].reset_index(drop=True)


# ---- the tiny instance -------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny() -> optim.Instance:
    return optim.load(TINY)


@pytest.fixture(scope="module")
def tiny_result(tiny) -> optim.Result:
    result = optim.solve(tiny)
    assert result.status == "optimal"
    return result


@pytest.fixture
def plan(tiny_result) -> PlanDecisions:
    """A fresh copy of the tiny optimum's decisions, to break."""
    return PlanDecisions.from_result(tiny_result)


def test_tiny_optimum_passes(tiny, solve_and_check):
    result = solve_and_check(tiny)
    assert result.objective == pytest.approx(107.18 * M)
    report = check_plan(tiny, result)
    assert report["ok"].all()
    assert list(report.columns[:3]) == ["max_violation", "relative", "ok"]
    assert report.index.name == "family"
    expected = {"parcel_use_eq", "locked_uses", "mandatory_projects", "category_funding_eq",
                "source_cap_le", "source_min_ge", "eligibility", "coverage_ge", "own_funds_le",
                "eod_balance_le", "resource_cap_le", "industrial_need_ge", "nonnegativity",
                "objective", "kpis"}
    assert set(report.index) == expected
    assert (report["max_violation"] == 0).all()


def test_recomputed_kpis_match_hand_values(tiny, tiny_result):
    k = recompute_kpis(tiny, tiny_result)
    assert k["land_income"] == pytest.approx(30 * M)
    assert k["forgone_land_income"] == pytest.approx(40 * M)  # P2 leaves residential
    assert k["industrial_output"] == pytest.approx(40 * M)
    assert k["total_investment"] == pytest.approx(78 * M)  # 50 + 20 + conversion 8
    assert k["external_financing"] == pytest.approx(46.4 * M)
    assert k["coverage"] == pytest.approx(0.8)
    assert k["financing_cost"] == pytest.approx(2.82 * M)
    assert k["own_funds_available"] == pytest.approx(35 * M)


def test_parcel_move_exceeds_resource_cap(tiny, plan):
    # P1 commercial -> industrial: energy 4 + 6 + 3 = 13 > 10. The move also
    # costs P1's land income (30) and adds its conversion cost (5) to park,
    # with every other decision unchanged:
    #   park need 63, funded 10 + 36.4 + 11.6 = 58          -> funding short 5
    #   coverage 46.4 < 0.8 x 63 = 50.4                      -> 4
    #   own funds 16.6 + fixed 1 = 17.6 > 5 + 0              -> 12.6
    #   EOD: ecology own 5 > 0.5 x (0 route commercial)      -> 5
    #   objective 0 + 2 x 60 - 2.82 = 117.18 vs 107.18       -> 10
    #   KPIs: land income, forgone income, own funds available all off by 30
    plan.parcels.loc["P1", "use"] = "industrial"
    report = check_plan(tiny, plan)
    got = flagged(report)
    assert set(got) == {"resource_cap_le", "category_funding_eq", "coverage_ge", "own_funds_le",
                        "eod_balance_le", "objective", "kpis"}
    assert got["resource_cap_le"] == pytest.approx(3)
    assert report.loc["resource_cap_le", "relative"] == pytest.approx(0.3)
    assert report.loc["resource_cap_le", "worst"] == "energy"
    assert got["category_funding_eq"] == pytest.approx(5 * M)
    assert report.loc["category_funding_eq", "worst"] == "park"
    assert got["coverage_ge"] == pytest.approx(4 * M)
    assert got["own_funds_le"] == pytest.approx(12.6 * M)
    assert got["eod_balance_le"] == pytest.approx(5 * M)
    assert got["objective"] == pytest.approx(10 * M)
    assert got["kpis"] == pytest.approx(30 * M)


def test_a_checker_reads_the_figures_at_each_check(tiny, tiny_result):
    """`PlanChecker` (the checker a study keeps between re-solves) reads the ids
    once and the figures at each check: a cap lowered in place is seen. The tiny
    optimum uses energy 9 of 10: with the cap at 7 it is 2 over (relative 2/7),
    and the same report as `check_plan` of the changed instance."""
    from optim.check import PlanChecker

    inst = tiny.copy()
    checker = PlanChecker(inst)
    plan = PlanDecisions.from_result(tiny_result)
    assert checker.check(plan)["ok"].all()
    inst.resources.loc["energy", "cap"] = 7.0
    report = checker.check(plan)
    assert flagged(report) == {"resource_cap_le": pytest.approx(2.0)}
    assert report.loc["resource_cap_le", "relative"] == pytest.approx(2 / 7)
    pd.testing.assert_frame_equal(report, check_plan(inst, plan))


def test_parcel_move_alone_flags_only_the_resource_cap(tiny, plan):
    # The same move against a variant of tiny where P1's industrial option keeps
    # its commercial land income, has no conversion cost, and P1 stays on the
    # EOD balance through the park's own commercial income (0.5 x 30 = 15):
    # only energy (13 > 10) breaks; reported objective and KPIs are left out.
    inst = tiny.copy()
    opts = inst.options
    row = (opts["parcel"] == "P1") & (opts["use"] == "industrial")
    opts.loc[row, ["land_income", "output", "conversion_cost"]] = [30 * M, 0.0, 0.0]
    inst.eod.park_commercial_income = 30 * M
    plan.parcels.loc["P1", "use"] = "industrial"
    plan.objective, plan.kpis = None, None
    report = check_plan(inst, plan)
    assert flagged(report) == {"resource_cap_le": pytest.approx(3)}
    assert "objective" not in report.index and "kpis" not in report.index


def test_special_fund_on_ineligible_category(tiny, plan):
    # 5 of the special fund (ecology only) moved to park; own funds shift so that
    # both categories stay funded: park 10 + 36.4 + 5 + 6.6 = 58, ecology 10 + 10 = 20.
    # EOD 10 <= 0.5 x 30; own funds total unchanged; objective unchanged
    # (coverage weight 0). External financing in scope rises by 5.
    set_draw(plan, "special", "ecology", 10 * M)
    set_draw(plan, "special", "park", 5 * M)
    plan.categories.loc["park", "own_funds"] = 6.6 * M
    plan.categories.loc["ecology", "own_funds"] = 10 * M
    report = check_plan(tiny, plan)
    got = flagged(report)
    assert set(got) == {"eligibility", "kpis"}
    assert got["eligibility"] == pytest.approx(5 * M)
    assert report.loc["eligibility", "worst"] == "special->park"
    assert got["kpis"] == pytest.approx(5 * M)
    assert report.loc["kpis", "worst"] == "external_financing"


def test_draw_above_cap(tiny, plan):
    # policy finance (cap 10, rate 0) raised to 12, own funds of park cut by 2.
    set_draw(plan, "policy", "park", 12 * M)
    plan.categories.loc["park", "own_funds"] = 9.6 * M
    plan.objective, plan.kpis = None, None
    report = check_plan(tiny, plan)
    assert flagged(report) == {"source_cap_le": pytest.approx(2 * M)}
    assert report.loc["source_cap_le", "relative"] == pytest.approx(0.2)
    assert report.loc["source_cap_le", "worst"] == "policy"


def test_switched_source_drawn_while_not_used(tiny, plan):
    # cdb (min ticket, fixed cost 1) marked not used: its cap becomes 0, so the
    # whole 36.4 violates; and its fixed cost is no longer due, so the
    # recomputed objective and financing cost are 1 higher / lower.
    plan.sources.loc["cdb", "used"] = False
    got = flagged(check_plan(tiny, plan))
    assert set(got) == {"source_cap_le", "objective", "kpis"}
    assert got["source_cap_le"] == pytest.approx(36.4 * M)
    assert got["objective"] == pytest.approx(1 * M)
    assert got["kpis"] == pytest.approx(1 * M)


def test_draw_below_min_ticket(tiny, plan):
    # the plan against tiny with cdb's minimum ticket raised to its cap, 40:
    # cdb draws 36.4, short by 3.6.
    inst = tiny.copy()
    inst.sources.loc["cdb", "min_ticket"] = 40 * M
    got = flagged(check_plan(inst, plan))
    assert got == {"source_min_ge": pytest.approx(3.6 * M)}


def test_dropped_draw_leaves_category_unfunded(tiny, plan):
    # special->ecology (15) dropped: ecology gets own funds 5 of its need 20.
    # The special fund is outside the coverage scope and costs nothing, so the
    # objective and KPIs are unchanged.
    drop_draw(plan, "special", "ecology")
    report = check_plan(tiny, plan)
    assert flagged(report) == {"category_funding_eq": pytest.approx(15 * M)}
    assert report.loc["category_funding_eq", "relative"] == pytest.approx(0.75)
    assert report.loc["category_funding_eq", "worst"] == "ecology"


def test_negative_own_funds(tiny, plan):
    # against tiny with the special fund's cap raised to 25: special draws 21
    # into ecology and ecology's own funds go to -1, so ecology is still paid 20.
    inst = tiny.copy()
    inst.sources.loc["special", "cap"] = 25 * M
    set_draw(plan, "special", "ecology", 21 * M)
    plan.categories.loc["ecology", "own_funds"] = -1 * M
    report = check_plan(inst, plan)
    got = flagged(report)
    assert set(got) == {"nonnegativity", "kpis"}
    assert got["nonnegativity"] == pytest.approx(1 * M)
    assert report.loc["nonnegativity", "worst"] == "own funds ecology"
    assert got["kpis"] == pytest.approx(6 * M)  # own funds used 16.6 -> 10.6


def test_use_that_is_not_an_option(tiny, plan):
    # P3 has only the industrial option. Commercial there is no allowed use, so
    # P3 takes no option at all: parcel_use_eq is off by 1, and P3's output (10,
    # weight 2) and industrial area (10) drop out: objective and KPIs differ.
    plan.parcels.loc["P3", "use"] = "commercial"
    report = check_plan(tiny, plan)
    got = flagged(report)
    assert set(got) == {"parcel_use_eq", "objective", "kpis"}
    assert got["parcel_use_eq"] == pytest.approx(1)
    assert report.loc["parcel_use_eq", "worst"] == "P3"
    assert got["objective"] == pytest.approx(20 * M)


def test_edited_draws_csv(tiny, tiny_result, tmp_path):
    out = tiny_result.write(tmp_path / "result")
    report = check_plan(tiny, PlanDecisions.from_dir(out))
    assert report["ok"].all()
    assert {"objective", "kpis"} <= set(report.index)

    # 5 moved from cdb to policy finance within park: park stays funded, policy
    # exceeds its cap of 10 by 5, and cdb's interest falls by 0.05 x 5 = 0.25,
    # so the reported objective (107.18) and financing cost (2.82) are off by 0.25.
    draws = pd.read_csv(out / "draws.csv")
    draws.loc[draws["source"] == "policy", "amount"] = 15 * M
    draws.loc[draws["source"] == "cdb", "amount"] = 31.4 * M
    draws.to_csv(out / "draws.csv", index=False)
    report = check_plan(tiny, PlanDecisions.from_dir(out))
    got = flagged(report)
    assert set(got) == {"source_cap_le", "objective", "kpis"}
    assert got["source_cap_le"] == pytest.approx(5 * M)
    assert report.loc["source_cap_le", "worst"] == "policy"
    assert got["objective"] == pytest.approx(0.25 * M)
    assert got["kpis"] == pytest.approx(0.25 * M)
    assert report.loc["kpis", "worst"] == "financing_cost"


def test_assert_plan_ok_lists_violated_families(tiny, plan):
    assert_plan_ok(tiny, plan)
    drop_draw(plan, "special", "ecology")
    with pytest.raises(AssertionError, match="category_funding_eq"):
        assert_plan_ok(tiny, plan)


def test_result_without_plan_is_refused(tiny):
    inst = tiny.copy()
    inst.resources.loc["energy", "cap"] = 0.0  # P3 can only be industrial (energy 3)
    result = optim.solve(inst)
    assert not result.has_plan
    with pytest.raises(ValueError, match="no plan"):
        check_plan(inst, result)


# ---- an instance with every optional family ----------------------------------------
def rich_instance() -> optim.Instance:
    """Per-mu option figures, a lock, an optional project, capital rules, bounds on
    industrial area and forgone income, EOD with park income, and targets."""
    return optim.from_frames(
        "rich",
        option_basis="per_area",
        uses=[{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True},
              {"id": "green"}],
        categories=[{"id": "park"}, {"id": "ecology", "ecology": True}, {"id": "services"}],
        resources=[{"id": "water", "cap": 100}],
        parcels=[{"id": "A", "area": 10, "current_use": "commercial", "route": True},
                 {"id": "B", "area": 20, "current_use": "industrial"},
                 {"id": "C", "area": 5, "current_use": "green", "route": True}],
        options=[
            {"parcel": "A", "use": "commercial", "land_income": 2 * M, "water": 1},
            {"parcel": "A", "use": "industrial", "output": 3 * M, "conversion_cost": 0.5 * M,
             "water": 2},
            {"parcel": "B", "use": "industrial", "output": 2 * M, "water": 2},
            {"parcel": "B", "use": "commercial", "land_income": 1.5 * M,
             "conversion_cost": 0.2 * M, "water": 1},
            {"parcel": "C", "use": "green"},
            {"parcel": "C", "use": "commercial", "land_income": 1 * M, "water": 0.5},
        ],
        projects=[
            {"id": "infra", "category": "park", "cost": 30 * M, "industrial_area": 15},
            {"id": "plant", "category": "park", "cost": 10 * M, "mandatory": False,
             "output": 25 * M, "industrial_area": 5},
            {"id": "wetland", "category": "ecology", "cost": 8 * M},
            {"id": "school", "category": "services", "cost": 6 * M},
        ],
        sources=[
            {"id": "pf", "kind": "policy_finance", "cap": 15 * M, "categories": ["park"]},
            {"id": "loan", "kind": "bank_loan", "cap": 30 * M, "min_ticket": 5 * M,
             "fixed_cost": 0.2 * M, "rate": 0.04, "categories": ["park", "services"]},
            {"id": "eco", "kind": "special_fund", "cap": 5 * M, "categories": ["ecology"]},
            {"id": "bond", "kind": "bond", "cap": 10 * M, "fixed_cost": 0.1 * M, "rate": 0.03},
            {"id": "eq", "kind": "equity", "cap": 5 * M, "rate": 0.08},
        ],
        policy={"coverage_target": 0.6, "coverage_scope": ["park", "services"],
                "own_funds_budget": 10 * M, "land_income_to_own_funds": 0.5,
                "min_industrial_area": 10, "max_industrial_area": 40,
                "max_forgone_income": 25 * M, "min_capital_share": 0.3,
                "max_debt_to_capital": 2, "locked_uses": {"C": "green"}},
        eod={"income_share": 0.4, "park_commercial_income": 2 * M},
        objective={"weights": {"land_income": 1, "industrial_output": 1, "coverage": 0.1,
                               "financing_cost": 1},
                   "targets": {"coverage": {"min": 0.6, "max": 0.95},
                               "financing_cost": {"max": 3 * M}, "land_income": {"min": 0}}},
    )


@pytest.fixture(scope="module")
def rich() -> tuple[optim.Instance, optim.Result]:
    inst = rich_instance()
    result = optim.solve(inst)
    assert result.status == "optimal"
    return inst, result


def test_rich_optimum_passes_every_family(rich):
    inst, result = rich
    report = assert_plan_ok(inst, result)
    assert {"industrial_area_ge", "industrial_area_le", "forgone_income_le", "capital_share_ge",
            "debt_to_capital_le", "target_coverage_ge", "target_coverage_le",
            "target_financing_cost_le", "target_land_income_ge", "eod_balance_le",
            "locked_uses"} <= set(report.index)


def test_rich_optimum_figures(rich):
    # A and B industrial, C green (locked); plant built; per-mu figures x area.
    inst, result = rich
    assert result.parcels["use"].to_dict() == {"A": "industrial", "B": "industrial", "C": "green"}
    assert bool(result.projects.loc["plant", "built"])
    k = recompute_kpis(inst, result)
    assert k["industrial_output"] == pytest.approx(95 * M)  # 30 + 40 + plant 25
    assert k["forgone_land_income"] == pytest.approx(20 * M)  # A loses 2 x 10 mu
    assert k["total_investment"] == pytest.approx(59 * M)  # 30 + 10 + 8 + 6 + conversion 5
    assert k["industrial_area"] == pytest.approx(30)


# Policy tightened below the rich optimum, plan unchanged: exactly one family
# breaks. Figures of the optimum: industrial area 30 mu, forgone income 20,
# capital 18.35 (own 3.35 + policy finance 15), total investment 59, debt 35.65
# (loan 25.65 + bond 10), external financing in scope 48.45 of 51, financing
# cost 1.626, land income 0, output 95.
def _policy(**kw):
    def apply(inst):
        for key, value in kw.items():
            setattr(inst.policy, key, value)
    return apply


def _target(term, lo=None, hi=None):
    def apply(inst):
        inst.objective.targets[term] = (lo, hi)
    return apply


@pytest.mark.parametrize("change, family, violation", [
    (_policy(max_forgone_income=15 * M), "forgone_income_le", 5 * M),
    (_policy(max_industrial_area=25), "industrial_area_le", 5),
    (_policy(min_industrial_area=36), "industrial_area_ge", 6),
    (_policy(min_capital_share=0.4), "capital_share_ge", 0.4 * 59 * M - 18.35 * M),
    (_policy(max_debt_to_capital=1.5), "debt_to_capital_le", 35.65 * M - 1.5 * 18.35 * M),
    (_policy(coverage_target=0.98), "coverage_ge", 0.98 * 51 * M - 48.45 * M),
    (_policy(locked_uses={"C": "green", "B": "commercial"}), "locked_uses", 1),
    (_target("coverage", lo=0.98), "target_coverage_ge", 0.98 * 51 * M - 48.45 * M),
    (_target("coverage", hi=0.9), "target_coverage_le", 48.45 * M - 0.9 * 51 * M),
    (_target("financing_cost", hi=1.5 * M), "target_financing_cost_le", 0.126 * M),
    (_target("land_income", lo=1 * M), "target_land_income_ge", 1 * M),
    (_target("industrial_output", hi=90 * M), "target_industrial_output_le", 5 * M),
])
def test_rich_tightened_policy(rich, change, family, violation):
    inst, result = rich
    tight = inst.copy()
    change(tight)
    assert flagged(check_plan(tight, result)) == {family: pytest.approx(violation)}
