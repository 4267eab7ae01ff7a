"""The two-stage stochastic model: figures worked out by hand, a published case, the
reference park, risk aversion, the checker of a plan under uncertainty, sampling.

The hand case (tests/data/stochastic/two_parcels.yaml): parcels A and B are
commercial land selling for 60 each; turned industrial, A brings 70 of output
value and B 65 (weights 1). The hall (100) is paid by a grant of 100, granted or
refused with probability 1/2 each (mean-value: a grant of 50). What the grant
does not pay comes from the land income of the parcels kept for sale (budget 0,
all of the land income counts), else from the emergency credit line at a rate
of 0.8: each yuan borrowed costs 0.8 of objective (financing-cost weight 1).

Per first stage (rezone both / A / B / none), the objective in each scenario:

| plan | granted | refused (borrow) | mean figures (grant 50) | expected |
|---|---|---|---|---|
| both | 135 | 135 - 0.8 x 100 = 55 | 135 - 0.8 x 50 = 95 | 95 |
| A | 130 | 130 - 0.8 x 40 = 98 | 130 (own funds 60 >= 50) | 114 |
| B | 125 | 125 - 0.8 x 40 = 93 | 125 | 109 |
| none | 120 | 120 | 120 | 120 |

So RP = 120 (keep both), the mean-value plan rezones A (EV = 130) and is worth
EEV = 114 on the scenarios: VSS = 6. Wait and see: 135 granted, 120 refused,
WS = 127.5: EVPI = 7.5.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import optim
from optim.check.plan import PlanDecisions
from optim.check.stochastic import ScenarioPlan, check_stochastic
from optim.cli import main
from optim.highs import SolveOptions, compile_model
from optim.inputs.uncertainty import draws, mean_draw, sample, uncertainty_of
from optim.model.families import FamilySpec
from optim.model.formulation import INF, Expr, Formulation
from optim.model.stochastic import Block, Risk, cvar, extensive_form
from optim.model.data import money_unit
from optim.studies.scenario_models import build_scenarios
from optim.studies.stochastic import borrowed, stochastic
from optim.studies.two_stage import two_stage_values

ROOT = Path(__file__).resolve().parent.parent
HAND = ROOT / "tests" / "data" / "stochastic" / "two_parcels.yaml"
REFERENCE = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
EXACT = {"mip_rel_gap": 0.0}


def rezoned_of(plan) -> list[str]:
    return sorted(map(str, plan.parcels.index[plan.parcels["rezoned"].astype(bool)]))


def rezoned(result) -> list[str]:
    fs = result.first_stage()
    return sorted(map(str, fs.index[fs["rezoned"].astype(bool)]))


# ---- the hand case -------------------------------------------------------------------------------
def test_hand_case_vss_and_evpi_as_worked_by_hand():
    r = stochastic(HAND, **EXACT)
    assert r.status == "optimal" and r.certified
    assert rezoned(r) == []  # the stochastic plan keeps both parcels for sale
    assert r.plan.objective == pytest.approx(120.0)
    assert r.ev.objective == pytest.approx(130.0)  # the mean-value problem on its own figures
    assert sorted(map(str, r.ev.parcels.index[r.ev.parcels["rezoned"]])) == ["A"]  # it rezones A
    assert r.mean_value.objective == pytest.approx(114.0)  # EEV
    assert r.vss == pytest.approx(6.0)
    assert r.wait_and_see.objective == pytest.approx(127.5)
    assert r.evpi == pytest.approx(7.5)
    # the plan of the base figures (grant of 100) rezones both: 95 on the scenarios
    assert rezoned_of(r.base_plan.results[0]) == ["A", "B"]
    assert r.base_plan.objective == pytest.approx(95.0) and r.vs_base_plan == pytest.approx(25.0)
    assert r.base_plan.certified
    # the mean-value plan draws 40 from the credit line when the grant is refused
    assert list(r.mean_value.emergency()) == pytest.approx([0.0, 40.0])
    assert list(r.plan.emergency()) == pytest.approx([0.0, 0.0])
    assert r.mean_value.certified and r.wait_and_see.certified
    # wait and see decides each scenario's first stage knowing its figures: no one first stage to check
    assert "nonanticipativity" in r.mean_value.certificate.index
    assert "nonanticipativity" not in r.wait_and_see.certificate.index
    assert [rezoned_of(x) for x in r.wait_and_see.results] == [["A", "B"], []]


def test_hand_case_per_scenario_plans_are_certified_against_their_own_figures():
    r = stochastic(HAND, mean_value=False, wait_and_see=False)
    granted, refused = r.plan.results
    assert granted.certified and refused.certified
    # the refused scenario's instance has no grant: the plan pays the hall from land income
    assert float(refused.categories.loc["park", "own_funds"]) == pytest.approx(100.0)
    assert float(granted.draws.query("source == 'grant'")["amount"].sum()) == pytest.approx(100.0)
    assert "grant" not in set(refused.draws["source"])
    assert list(r.plan.certificate.index) == ["nonanticipativity", "scenario_plans", "expected_objective",
                                              "cvar_objective"]


RISKY = {"recourse": {"source": "emergency", "rate": 0.3},
         "scenarios": {"granted": {"probability": 0.5},
                       "refused": {"probability": 0.5, "set": {"sources.grant.cap": 0}}}}


def test_cvar_weight_turns_the_hand_case_to_the_safe_plan():
    """With the credit line at 0.3: expected values both 120, A 124, B 119, none 120;
    worst case (CVaR at alpha = 0.5: the refused scenario) both 105, A 118, B 113,
    none 120. (1 - l) 124 + l 118 >= 120 until l = 2/3: A up to there, then none."""
    found = []
    for lam in (0.0, 0.25, 0.5, 0.75, 1.0):
        r = stochastic(HAND, RISKY, cvar=(0.5, lam), mean_value=False, wait_and_see=False, **EXACT)
        assert r.certified
        found.append((rezoned(r), min(r.plan.values), r.plan.expected))
    assert [f[0] for f in found] == [["A"], ["A"], ["A"], [], []]
    assert [f[1] for f in found] == pytest.approx([118, 118, 118, 120, 120])
    assert [f[2] for f in found] == pytest.approx([124, 124, 124, 120, 120])
    # the same from the section's own risk settings (--cvar overrides them)
    r = stochastic(HAND, {**RISKY, "risk": {"cvar": {"alpha": 0.5, "weight": 0.75}}}, mean_value=False,
                   wait_and_see=False, **EXACT)
    assert (r.alpha, r.weight) == (0.5, 0.75) and rezoned(r) == []
    r = stochastic(HAND, {**RISKY, "risk": {"cvar": {"alpha": 0.5, "weight": 0.75}}}, cvar=(0.5, 0.25),
                   mean_value=False, wait_and_see=False, **EXACT)
    assert r.weight == 0.25 and rezoned(r) == ["A"]


def test_cvar_weight_growing_never_lowers_the_worst_case_on_the_reference_park():
    """Three scenarios (boom 0.3, base 0.4, slump without special funds 0.3); CVaR at
    alpha 0.7 is the slump alone. As lambda grows the worst-case objective never
    falls and the expected one never rises, and the plan does change."""
    spec = {"scenarios": {
        "boom": {"probability": 0.3, "scale": {"options[use=commercial].land_income": 1.1,
                                               "options[use=residential].land_income": 1.1,
                                               "options[use=industrial].output": 1.1}},
        "base": {"probability": 0.4},
        "slump": {"probability": 0.3, "set": {"sources.special_funds.cap": 0},
                  "scale": {"options[use=commercial].land_income": 0.6,
                            "options[use=residential].land_income": 0.6, "options[use=industrial].output": 0.6}}}}
    worst, expected, areas = [], [], []
    for lam in (0.0, 0.5, 0.75, 1.0):
        r = stochastic(REFERENCE, spec, cvar=(0.7, lam), mean_value=False, wait_and_see=False, **EXACT)
        assert r.status == "optimal" and r.certified
        worst.append(min(r.plan.values))
        expected.append(r.plan.expected)
        areas.append(float(r.first_stage().query("rezoned")["area"].sum()))
    assert all(b >= a - 1e-6 * abs(a) for a, b in zip(worst, worst[1:])), worst
    assert all(b <= a + 1e-6 * abs(a) for a, b in zip(expected, expected[1:])), expected
    assert len(set(areas)) > 1, areas  # risk aversion changes what is rezoned
    assert areas[-1] < areas[0]


# ---- one scenario: the deterministic model -----------------------------------------------------------
def test_one_scenario_is_the_deterministic_model_exactly():
    """One scenario (commercial land 20 % cheaper): the extensive form is the model of
    the scenario's instance array for array, and its plan is that model's optimum;
    without recourse, that instance is the base instance with the override alone."""
    inst = optim.load(REFERENCE)
    only = {"probability": 1.0, "scale": {"options[use=commercial].land_income": 0.8}}
    for recourse in ("none", {"source": "emergency", "rate": 0.12}):
        spec = {"recourse": recourse, "scenarios": {"only": only}}
        r = stochastic(inst, spec, mean_value=False, wait_and_see=False, **EXACT)
        u = uncertainty_of(inst, spec, "uncertainty")
        sc = build_scenarios(inst, u, draws(u), money_unit(inst))
        det = optim.solve(sc.instances[0], **EXACT)
        assert r.status == det.status == "optimal"
        assert r.plan.objective == pytest.approx(det.objective, rel=1e-12)
        assert rezoned(r) == sorted(map(str, det.parcels.index[det.parcels["rezoned"]]))
        a, b = compile_model(extensive_form(sc.blocks()).formulation), sc.models[0].compiled
        for name in ("cost", "col_lower", "col_upper", "row_lower", "row_upper", "start", "index", "value",
                     "integrality"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        if recourse == "none":  # the base instance with the override, nothing added
            plain = optim.solve(_scaled(inst, 0.8), **EXACT)
            assert r.plan.objective == pytest.approx(plain.objective, rel=1e-12)
            assert list(sc.instances[0].sources.index) == list(inst.sources.index)
        else:  # the credit line is one more source of the scenario's instance, drawn when it pays
            assert "emergency" in sc.instances[0].sources.index
            assert r.plan.emergency()[0] == pytest.approx(borrowed(det, "emergency"))


def _scaled(inst, factor):
    out = inst.copy()
    mask = out.options["use"] == "commercial"
    out.options.loc[mask, "land_income"] = out.options.loc[mask, "land_income"] * factor
    return out


# ---- a published case: Birge and Louveaux's farmer ---------------------------------------------
FARM_LAND = FamilySpec("farm_land_le", "farmer's land", "land", kind="study", math="sum x <= 500")
FARM_FEED = FamilySpec("farm_feed_ge", "farmer's feed", "feed of {0}", kind="study", math="Y x + buy - sell >= need")
FARM_BEETS = FamilySpec("farm_beets_le", "farmer's beets", "beets", kind="study",
                        math="sell_fav + sell_excess - Y x <= 0")


def farmer(scale: float) -> Formulation:
    """Birge and Louveaux (1997), 1.1: 500 acres of wheat, corn and sugar beets
    (planting 150, 230, 260 per acre; yields 2.5, 3, 20 t/acre times `scale`);
    200 t of wheat and 240 t of corn are needed (bought at 238, 210; sold at 170,
    150); beets sell at 36 up to 6,000 t, at 10 beyond. Cost is minimised."""
    f = Formulation("farmer")
    x = f.add_vars("x", ["wheat", "corn", "beets"])  # acres: the first stage
    buy = f.add_vars("buy", ["wheat", "corn"])
    sell = f.add_vars("sell", ["wheat", "corn", "beets", "beets_excess"], upper=[INF, INF, 6000.0, INF])
    y = np.array([2.5, 3.0, 20.0]) * scale
    f.add_row(FARM_LAND, Expr.of(x.cols, 1.0), upper=500.0)
    f.add_rows(FARM_FEED, ["wheat", "corn"],
               [Expr.of([x.cols[k], buy.cols[k], sell.cols[k]], [y[k], 1.0, -1.0]) for k in range(2)],
               [200.0, 240.0], INF)
    f.add_row(FARM_BEETS, Expr.of([sell.cols[2], sell.cols[3], x.cols[2]], [1.0, 1.0, -y[2]]), upper=0.0)
    f.set_objective(Expr.of(np.concatenate([x.cols, buy.cols, sell.cols]),
                            [150, 230, 260, 238, 210, -170, -150, -36, -10]), maximize=False)
    return f


def test_farmer_problem_gives_the_published_vss_and_evpi():
    """Published (cost minimised): RP = -108,390, EEV = -107,240 (VSS 1,150),
    WS = -115,406 (EVPI 7,016); the recourse plan plants 170 / 80 / 250 acres."""
    blocks = [Block(name, 1 / 3, farmer(s)) for name, s in (("above", 1.2), ("average", 1.0), ("below", 0.8))]
    v = two_stage_values(blocks, farmer(1.0), SolveOptions(), groups=("x",))
    assert v.rp == pytest.approx(-108_390, abs=1.0)
    assert v.eev == pytest.approx(-107_240, abs=1.0)
    assert v.ws == pytest.approx(-115_406, abs=1.0)
    assert v.vss == pytest.approx(1_150, abs=1.0)
    assert v.evpi == pytest.approx(7_016, abs=1.0)
    assert v.rp_first == pytest.approx([170, 80, 250], abs=1e-6)
    assert v.ev_first == pytest.approx([120, 80, 300], abs=1e-6)  # the mean-value plan


def test_cvar_of_a_minimised_cost_is_the_mean_of_the_highest_costs():
    """The farmer's cost with half the weight on the CVaR of the worst third (the
    below-average yields alone): at the optimum the extensive form's objective is
    0.5 E[cost] + 0.5 (cost of the worst scenario), recomputed from the scenarios;
    that plan's worst cost is no higher than the risk-neutral plan's."""
    from optim.studies.two_stage import risk_value, solve_recourse

    blocks = [Block(name, 1 / 3, farmer(s)) for name, s in (("above", 1.2), ("average", 1.0), ("below", 0.8))]
    p = np.full(3, 1 / 3)
    risk = Risk(weight=0.5, alpha=2 / 3)
    ef, sol = solve_recourse(blocks, SolveOptions(), risk, groups=("x",))
    costs = ef.block_values(sol.values)
    assert sol.objective == pytest.approx(0.5 * costs.mean() + 0.5 * costs.max(), rel=1e-9)
    assert sol.objective == pytest.approx(risk_value(costs, p, risk, maximize=False), rel=1e-9)
    neutral, sol0 = solve_recourse(blocks, SolveOptions(), groups=("x",))
    assert costs.max() <= neutral.block_values(sol0.values).max() + 1e-6
    assert costs.mean() >= neutral.block_values(sol0.values).mean() - 1e-6


def test_extensive_form_states_first_stage_rows_once():
    blocks = [Block(name, 1 / 3, farmer(s)) for name, s in (("above", 1.2), ("average", 1.0), ("below", 0.8))]
    ef = extensive_form(blocks, groups=("x",))
    assert ef.shared == ["farm_land_le"]  # the land row binds only the first stage
    assert ef.formulation.n_rows == 1 + 3 * 3
    assert ef.formulation.n_cols == 3 + 3 * 6


def test_cvar_of_a_discrete_distribution():
    """Worst 25 % of (10, 20, 30, 40) equally likely: 10; worst 30 %: (0.25 x 10 + 0.05 x 20) / 0.3."""
    v, p = np.array([30.0, 10.0, 40.0, 20.0]), np.full(4, 0.25)
    assert cvar(v, p, 0.75) == pytest.approx(10.0)
    assert cvar(v, p, 0.70) == pytest.approx((2.5 + 1.0) / 0.3)
    assert cvar(v, p, 0.75, lower=False) == pytest.approx(40.0)
    assert cvar(v, p, 0.0) == pytest.approx(25.0)


# ---- the independent checker of a plan under uncertainty ------------------------------------------
def test_checker_refuses_two_first_stages_and_a_wrong_expected_objective():
    inst = optim.load(HAND)
    u = uncertainty_of(inst)
    sc = build_scenarios(inst, u, draws(u), money_unit(inst))
    r = stochastic(inst, mean_value=False, wait_and_see=False)
    plans = [ScenarioPlan(n, float(p), i, PlanDecisions.from_result(res), res.certificate)
             for n, p, i, res in zip(r.plan.scenarios, r.plan.probabilities, sc.instances, r.plan.results)]
    args = dict(expected=r.plan.expected, risk_adjusted=r.plan.objective, cvar=r.plan.cvar, alpha=0.95,
                weight=0.0, recourse="emergency")
    assert check_stochastic(plans, **args)["ok"].all()
    bad = copy.deepcopy(plans)
    bad[1].plan.parcels.loc["A", "use"] = "industrial"  # scenario refused rezones A: another first stage
    report = check_stochastic(bad, **args)
    assert not report.loc["nonanticipativity", "ok"]
    assert "use of parcel A in scenario refused" in report.loc["nonanticipativity", "worst"]
    report = check_stochastic(plans, **{**args, "expected": r.plan.expected + 5.0})
    assert not report.loc["expected_objective", "ok"]
    report = check_stochastic(plans, **{**args, "cvar": r.plan.cvar - 1.0})
    assert not report.loc["cvar_objective", "ok"]


def test_shortfall_bound_limits_the_emergency_borrowing():
    """With the credit line at 0.1 the best plan rezones both and borrows 100 when the
    grant is refused (expected (135 + 125) / 2 = 130); a CVaR bound of 50 on the
    borrowing of the worst half leaves A alone rezoned (borrow 40: (130 + 126) / 2 = 128)."""
    cheap = {**RISKY, "recourse": {"source": "emergency", "rate": 0.1}}
    free = stochastic(HAND, cheap, mean_value=False, wait_and_see=False, **EXACT)
    assert rezoned(free) == ["A", "B"] and free.plan.objective == pytest.approx(130.0)
    bound = stochastic(HAND, cheap, shortfall=(0.5, 50.0), mean_value=False, wait_and_see=False, **EXACT)
    assert rezoned(bound) == ["A"] and bound.plan.objective == pytest.approx(128.0)
    assert list(bound.plan.emergency()) == pytest.approx([0.0, 40.0])
    assert bound.plan.certificate.loc["shortfall_cvar_le", "ok"]
    assert bound.certified


# ---- sampling --------------------------------------------------------------------------------------
SAMPLED = {"samples": 8, "seed": 11, "parameters": [
    {"name": "land", "path": ["options[use=commercial].land_income"], "distribution": {"uniform": [0.6, 1.1]}},
    {"name": "grant", "path": "sources.grant.cap", "distribution": {"discrete": {"values": [100, 0],
                                                                                "probabilities": [0.7, 0.3]}}},
    {"name": "rate", "path": "sources.emergency.rate", "distribution": {"triangular": [0.3, 0.5, 0.9]}},
    {"name": "out", "path": "options[use=industrial].output", "distribution": {"normal": [1.0, 0.1]},
     "clip": [0.5, 1.5]}],
    "correlation": [["land", "out", 0.6]]}


def test_sampling_is_reproducible_and_follows_the_distributions():
    inst = optim.load(HAND)
    u = uncertainty_of(inst, SAMPLED, "uncertainty")
    a, b = sample(u, 4000, 11), sample(u, 4000, 11)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, sample(u, 4000, 12))
    land, grant, rate, out = a.T
    assert land.min() >= 0.6 and land.max() <= 1.1 and abs(land.mean() - 0.85) < 0.01
    assert abs((grant == 0).mean() - 0.3) < 0.03 and set(np.unique(grant)) == {0.0, 100.0}
    assert rate.min() >= 0.3 and rate.max() <= 0.9 and abs(rate.mean() - (0.3 + 0.5 + 0.9) / 3) < 0.01
    assert out.min() >= 0.5 and abs(out.std() - 0.1) < 0.01
    rank = lambda x: np.argsort(np.argsort(x))  # noqa: E731  (rank correlation: the copula's)
    assert abs(np.corrcoef(rank(land), rank(out))[0, 1] - 0.6) < 0.05
    assert abs(np.corrcoef(rank(land), rank(grant))[0, 1]) < 0.05
    ds = draws(u)
    assert [d.name for d in ds] == [f"s{k}" for k in range(1, 9)] and sum(d.probability for d in ds) == pytest.approx(1)
    mean = mean_draw(inst, ds, u.recourse)
    assert mean.overrides["set"]["sources.emergency.rate"] == pytest.approx(np.mean([d.values["rate"] for d in ds]))
    assert mean.overrides["set"]["sources.grant.cap"] == pytest.approx(np.mean([d.values["grant"] for d in ds]))
    assert mean.overrides["scale"]["options[use=commercial].land_income"] == \
        pytest.approx(np.mean([d.values["land"] for d in ds]))


def test_sampled_study_with_out_of_sample_and_saa():
    r = stochastic(HAND, SAMPLED, out_of_sample=15, saa=[2, 8], replications=2)
    assert r.certified and r.mean_value.certified
    assert r.vss >= -1e-6 and r.evpi >= -1e-6
    oos = r.out_of_sample_summary()
    assert oos["samples"] == 15 and set(oos) >= {"stochastic", "mean_value", "difference"}
    assert oos["stochastic"]["low"] <= oos["stochastic"]["mean"] <= oos["stochastic"]["high"]
    assert (r.out_of_sample["certified"] == True).all()  # noqa: E712
    table = r.saa_summary()
    assert list(table["samples"]) == [2, 8] and (table["replications"] == 2).all()
    # each scenario's drawn figures are in its instance: the refused grant draws nothing
    for name, res, d in zip(r.plan.scenarios, r.plan.results, r.scenarios):
        assert name == d.name
        if d.values["grant"] == 0:
            assert "grant" not in set(res.draws["source"])


# ---- bad uncertainty sections ------------------------------------------------------------------------
BAD = {
    "probabilities not summing to 1": (
        {"scenarios": {"a": {"probability": 0.5}, "b": {"probability": 0.4}}},
        "uncertainty.scenarios: the probabilities add up to 0.9, not 1: change them so that they sum to 1"),
    "negative variance": (
        {"parameters": [{"name": "g", "path": "sources.grant.cap", "distribution": {"normal": [50, -3]}}]},
        "uncertainty.parameters[0].distribution: normal: the standard deviation must be >= 0, not -3"),
    "a path that names nothing": (
        {"parameters": [{"name": "g", "path": "sources.grnt.cap", "distribution": {"uniform": [0, 100]}}]},
        "uncertainty.parameters[0].path: 'sources.grnt.cap' names no figure of the instance: unknown sources "
        "id 'grnt'"),
    "a scenario path that names nothing": (
        {"scenarios": {"a": {"probability": 1, "scale": {"options[use=comercial].land_income": 0.8}}}},
        "uncertainty.scenarios.a.scale.options[use=comercial].land_income: names nothing: no row of options has use = 'comercial' (see \"Scenarios and paths\" in docs/instance-format.md)"),
    "correlations that cannot hold together": (
        {"parameters": [
            {"name": "a", "path": "sources.grant.cap", "distribution": {"uniform": [0, 100]}},
            {"name": "b", "path": "options[use=commercial].land_income", "distribution": {"uniform": [0.5, 1]}},
            {"name": "c", "path": "options[use=industrial].output", "distribution": {"uniform": [0.5, 1]}}],
         "correlation": [["a", "b", 0.9], ["a", "c", 0.9], ["b", "c", -0.9]]},
        "uncertainty.correlation: the correlation matrix is not positive semi-definite"),
    "a value out of range": (
        {"parameters": [{"name": "r", "path": "sources.grant.rate", "distribution": {"uniform": [0.5, 1.5]}}]},
        "uncertainty.parameters[0].distribution: sources.grant.rate must be a ratio in [0, 1], not 1.5 (at its "
        "high 1.5): clip the distribution"),
    "an unknown distribution": (
        {"parameters": [{"name": "r", "path": "sources.grant.rate", "distribution": {"beta": [1, 2]}}]},
        "uncertainty.parameters[0].distribution: unknown distribution 'beta'"),
    "discrete probabilities": (
        {"parameters": [{"path": "sources.grant.cap",
                         "distribution": {"discrete": {"values": [0, 100], "probabilities": [0.3, 0.6]}}}]},
        "uncertainty.parameters[0].distribution.discrete.probabilities: add up to 0.9, not 1"),
    "an unpriced credit line": (
        {"recourse": {"rate": 0.2}, "scenarios": {"a": {"probability": 1}}},
        None),  # filled in below: the instance's financing-cost weight is set to 0
    "a credit line named like a source": (
        {"recourse": {"source": "grant"}, "scenarios": {"a": {"probability": 1}}},
        "uncertainty.recourse.source: 'grant' is already a source of the instance"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_uncertainty_is_refused_with_place_and_fix(case, tmp_path, capsys):
    section, expected = BAD[case]
    doc = yaml.safe_load(HAND.read_text())
    doc["uncertainty"] = section
    if expected is None:
        doc["objective"]["weights"]["financing_cost"] = 0
        expected = ("uncertainty.recourse: the emergency credit line is priced by objective.weights.financing_cost, "
                    "which is 0: give financing_cost a weight, or set recourse: none")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    for argv in (["validate", str(path)], ["stochastic", str(path)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"error: bad.yaml: {expected}" in err, err
        assert "Traceback" not in err


def test_uncertainty_in_a_file_of_its_own(tmp_path, capsys):
    doc = yaml.safe_load(HAND.read_text())
    section = doc.pop("uncertainty")
    doc["uncertainty"] = {"file": "risks.yaml"}
    (tmp_path / "park.yaml").write_text(yaml.safe_dump(doc))
    (tmp_path / "risks.yaml").write_text(yaml.safe_dump({**section, "scenarios": {
        "granted": {"probability": 0.5}, "refused": {"probability": 0.6, "set": {"sources.grant.cap": 0}}}}))
    assert main(["validate", str(tmp_path / "park.yaml")]) == 2
    (tmp_path / "risks.yaml").write_text(yaml.safe_dump(section))
    r = stochastic(tmp_path / "park.yaml")
    assert r.vss == pytest.approx(6.0)
    # an instance without the section: given on the command line, or refused with the way out
    bare = {k: v for k, v in doc.items() if k != "uncertainty"}
    (tmp_path / "bare.yaml").write_text(yaml.safe_dump(bare))
    (tmp_path / "elsewhere.yaml").write_text(yaml.safe_dump({"uncertainty": section}))
    assert main(["stochastic", str(tmp_path / "bare.yaml"), "--uncertainty", str(tmp_path / "elsewhere.yaml"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["vss"] == pytest.approx(6.0)
    assert main(["stochastic", str(tmp_path / "bare.yaml")]) == 2
    assert "bare.yaml: uncertainty: the instance has no uncertainty section" in capsys.readouterr().err
    (tmp_path / "outside.yaml").write_text(yaml.safe_dump(doc | {"uncertainty": {"file": "../x.yaml"}}))
    with pytest.raises(optim.InstanceError, match="points outside the instance's folder"):
        optim.load(tmp_path / "outside.yaml")


def test_cli_argument_problems_exit_2(capsys):
    assert main(["stochastic", str(HAND), "--cvar", "0.9"]) == 2
    assert "--cvar: must be ALPHA,LAMBDA" in capsys.readouterr().err
    assert main(["stochastic", str(HAND), "--cvar", "1.2,0.5"]) == 2
    assert "alpha must be in [0, 1)" in capsys.readouterr().err
    assert main(["stochastic", str(HAND), "--samples", "10"]) == 2
    assert "finite scenario set: there is nothing to sample" in capsys.readouterr().err


# ---- the command line ------------------------------------------------------------------------------------
def test_cli_json_and_out(tmp_path, capsys):
    out = tmp_path / "plan"
    assert main(["stochastic", str(HAND), "--json", "--out", str(out)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "optimal" and d["certified"] is True
    assert d["vss"] == pytest.approx(6.0) and d["evpi"] == pytest.approx(7.5)
    assert d["first_stage"]["rezoned_area"] == 0.0 and d["mean_value"]["rezoned_area"] == 10.0
    assert {"scenarios.csv", "distribution.csv", "parcels.csv", "certificate.csv", "summary.json"} <= \
        {p.name for p in out.iterdir()}
    assert (out / "plans" / "refused" / "draws.csv").is_file()
    assert main(["stochastic", str(HAND), "--out", str(out), "--no-evpi"]) == 0  # an earlier result is replaced
    assert (out / "plans" / "granted" / "summary.json").is_file()
    capsys.readouterr()
    dist = {(row["plan"], row["metric"]): row for row in d["distribution"]}
    assert dist[("mean_value", "objective")]["mean"] == pytest.approx(114.0)
    assert dist[("mean_value", "objective")]["cvar"] == pytest.approx(98.0)  # the worst 5 %: refused
    assert dist[("mean_value", "emergency_borrowing")]["q95"] == pytest.approx(40.0)
    pytest.importorskip("matplotlib")
    assert main(["plot", "stochastic", str(out), "--out", str(tmp_path / "o.png")]) == 0
    assert (tmp_path / "o.png").stat().st_size > 1000


# ---- beyond one machine: progressive hedging on 2 MPI processes -----------------------------------------
def _mpi_ready() -> str | None:
    if shutil.which("mpiexec") is None:
        return "mpiexec not found (pip install mpich)"
    from optim.studies.decomposition import available

    return available()


@pytest.mark.skipif(_mpi_ready() is not None, reason=str(_mpi_ready()))
def test_progressive_hedging_on_two_processes_reaches_the_extensive_form_plan(tmp_path):
    """PH (hub and xhat spoke, one process each) on the hand case: the plan it
    finds keeps both parcels (120, the extensive form's optimum); its bound is PH's
    wait-and-see bound 127.5, so the plan is reported feasible, not optimal. On
    one process PH cannot run its two cylinders: exit 2, saying so."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(["mpiexec", "-n", "2", sys.executable, "-m", "optim.cli", "stochastic", str(HAND),
                          "--engine", "ph", "--ph-iterations", "5", "--json", "--no-vss", "--no-evpi"],
                         capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert list(tmp_path.iterdir()) == []  # mpi-sppy's log files stay in the run's own folders
    d = json.loads(run.stdout)
    assert d["engine"] == "ph" and d["ph"]["ranks"] == 2
    assert d["objective"] == pytest.approx(120.0)
    assert d["bound"] == pytest.approx(127.5) and d["bound"] >= d["objective"]
    assert d["status"] == "feasible" and d["termination"] == "ph_heuristic"
    assert d["gap"] == pytest.approx(7.5 / 120.0)
    assert d["certified"] is True and d["first_stage"]["rezoned"] == []
    one = subprocess.run([sys.executable, "-m", "optim.cli", "stochastic", str(HAND), "--engine", "ph"],
                         capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert one.returncode == 2 and "give such a number, not 1" in one.stderr
    assert "Traceback" not in one.stderr and one.stdout == ""


# ---- any section, however broken, is answered with problems, never a crash ----------------------------
def test_any_uncertainty_section_gives_problems_not_a_crash():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from optim.inputs.uncertainty import check_uncertainty

    inst = optim.load(HAND)
    scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-2, 2), st.just(float("nan")), st.just(float("inf")),
                       st.sampled_from(["sources.grant.cap", "options[use=commercial].land_income", "uniform",
                                        "normal", "discrete", "a", "b", "scale", "set", "none"]))
    values = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.sampled_from(
                                                              ["scenarios", "parameters", "correlation", "name",
                                                               "path", "distribution", "probability", "set",
                                                               "scale", "uniform", "normal", "discrete", "values",
                                                               "probabilities", "clip", "mode", "recourse", "rate",
                                                               "risk", "cvar", "alpha", "weight", "samples", "seed",
                                                               "a", "b"]), inner, max_size=4)), max_leaves=12)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(section=values)
    def run(section):
        inst.uncertainty, inst.uncertainty_where = section, "x.yaml: uncertainty"
        problems = check_uncertainty(inst)
        assert all(isinstance(p.where, str) and p.message for p in problems)

    run()


def test_no_plan_for_every_scenario_says_which_scenario(tmp_path, capsys):
    """Without recourse and with only half of the land income as own funds, the
    refused grant leaves at most 60 for the hall of 100: that scenario has no plan
    even alone, so no first stage serves both (exit 1, the scenario named)."""
    doc = yaml.safe_load(HAND.read_text())
    doc["policy"]["land_income_to_own_funds"] = 0.5
    doc["uncertainty"]["recourse"] = "none"
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(doc))
    r = stochastic(path)
    assert r.status == "infeasible" and not r.has_plan and r.vss is None
    assert any("scenario refused has no plan even on its own" in n for n in r.notes)
    assert main(["stochastic", str(path)]) == 1
    assert "scenario refused has no plan even on its own" in capsys.readouterr().out


def test_a_cash_balance_run_down_to_zero_is_certified(tmp_path):
    """The three-year park planned for its base figures (probability 0.9) meets cheap
    land and weak output (a sampled scenario of the reference set, 0.1): that
    scenario spends its 2024 cash to the last yuan; draws rounded to the fen
    leave the recomputed balance a few fen below 0, which the checker measures
    against the money through that balance (budget, income, spending, debt
    service), not against 1 yuan. A real deficit of 1,000 yuan still fails."""
    only = {"probability": 0.1, "set": {"sources.cdb_loan.rate": 0.033569229499072026},
            "scale": {"options[use=commercial].land_income": 0.6425194510002848,
                      "options[use=residential].land_income": 0.6425194510002848,
                      "options[use=industrial].output": 0.6419690388915346}}
    spec = {"scenarios": {"base": {"probability": 0.9}, "s042": only}}
    r = stochastic(ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml", spec, mean_value=False,
                   wait_and_see=False)
    plan = r.plan.results[1]
    assert plan.periods.set_index("period").loc["2024", "cash_balance"] == 0.0
    assert plan.certified and r.certified
    from optim.check.report import Report

    rep = Report()
    rep.add("cash_balance_ge", ["2024"], -0.004, 0.0, "ge", scale=2.5e8)
    rep.add("cash_balance_ge", ["2025"], -1000.0, 0.0, "ge", scale=2.5e8)
    frame = rep.frame(1e-6)
    assert not frame.loc["cash_balance_ge", "ok"] and frame.loc["cash_balance_ge", "worst"] == "2025"
    assert frame.loc["cash_balance_ge", "relative"] == pytest.approx(1000 / 2.5e8)
