"""The tiny instance, solved by hand.

instances/tiny/instance.yaml: three parcels, two mandatory projects
(park_infra 50 M needing 20 mu of industrial land, river 20 M in ecology),
three sources, energy cap 10, coverage 80 % of the park category, own funds
5 M plus land income, EOD share 0.5 of the commercial income along the route.

P3 is industrial already (10 mu, energy 3); the park needs 20 mu, so P1 or P2
must be rezoned, and energy (3 + 4 + 6 = 13 > 10) forbids both.

Plan A, rezone P1 (keep P2 residential): park need 50 + 5 = 55 M. But P1 is
the only commercial parcel on the route, so the EOD income becomes 0 while
ecology still needs 20 - 15 (special fund cap) = 5 M of own funds: 5 <= 0
fails. Plan A is infeasible.

Plan B, rezone P2 (keep P1 commercial): land income 30 M, output 30 (P2)
+ 10 (P3) = 40 M. Park need
50 + 8 = 58 M; coverage needs 0.8 x 58 = 46.4 M external in the park:
policy 10 M (free) + cdb 36.4 M (>= 20 M ticket). Financing cost
1 M + 5 % x 36.4 M = 2.82 M. Own funds: park 11.6 + ecology 5 + fixed 1 =
17.6 M <= 5 + 30 M. EOD: 5 <= 0.5 x 30 M.
Objective = 30 + 2 x 40 - 2.82 = 107.18 M.
"""

from pathlib import Path

import pytest

import optim
from optim.check import assert_plan_ok

TINY = Path(__file__).resolve().parent.parent / "instances" / "tiny" / "instance.yaml"
M = 1e6


@pytest.fixture()
def tiny():
    return optim.load(TINY)


def solve(inst):
    """Solve and check the plan with the independent checker."""
    res = optim.solve(inst)
    if res.has_plan:
        assert_plan_ok(inst, res)
    return res


def _uses(result):
    return result.parcels["use"].to_dict()


def test_tiny_optimum_worked_by_hand(tiny):
    res = solve(tiny)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(107.18 * M)
    assert _uses(res) == {"P1": "commercial", "P2": "industrial", "P3": "industrial"}
    draws = {(r.source, r.category): r.amount for r in res.draws.itertuples()}
    assert draws == pytest.approx({("policy", "park"): 10 * M, ("cdb", "park"): 36.4 * M,
                                   ("special", "ecology"): 15 * M})
    assert res.kpi("coverage") == pytest.approx(0.8)
    assert res.kpi("financing_cost") == pytest.approx(2.82 * M)
    assert res.kpi("own_funds_used") == pytest.approx(16.6 * M)
    assert res.kpi("forgone_land_income") == pytest.approx(40 * M)
    assert res.kpi("rezoned_area") == pytest.approx(20)
    assert res.kpi("industrial_area") == pytest.approx(30)
    terms = res.objective_terms["contribution"]
    assert terms.sum() == pytest.approx(res.objective)


def test_eod_balance_decides_even_when_output_is_worth_less(tiny):
    # With output weight 1, plan A would score 40 + 30 - 2.7 = 67.3 M against
    # plan B's 30 + 40 - 2.82 = 67.18 M, but plan A breaks the EOD balance.
    tiny.objective.weights["industrial_output"] = 1.0
    res = solve(tiny)
    assert res.objective == pytest.approx(67.18 * M)
    assert _uses(res)["P1"] == "commercial"


def test_without_eod_pressure_the_plan_switches(tiny):
    # Special funds now cover all 20 M of ecology: plan A (67.3 M) wins.
    tiny.objective.weights["industrial_output"] = 1.0
    tiny.sources.at["special", "cap"] = 20 * M
    res = solve(tiny)
    assert res.objective == pytest.approx(67.3 * M)
    assert _uses(res) == {"P1": "industrial", "P2": "residential", "P3": "industrial"}
    assert res.kpi("coverage") == pytest.approx(0.8)
    assert res.kpi("financing_cost") == pytest.approx(2.7 * M)


def test_no_eod_income_makes_it_infeasible(tiny):
    # Ecology needs 5 M of own funds in every plan; with no income share it cannot.
    tiny.eod.income_share = 0.0
    res = solve(tiny)
    assert res.status == "infeasible"
    assert not res.has_plan
    assert res.parcels.empty


def test_locked_use_is_respected(tiny):
    # Locking P1 to industrial forces plan A, which the EOD balance forbids,
    # unless the special fund covers ecology: then plan A at 2 x 30 + 40 - 2.7.
    tiny.policy.locked_uses = {"P1": "industrial"}
    tiny.sources.at["special", "cap"] = 20 * M
    res = solve(tiny)
    assert _uses(res)["P1"] == "industrial"
    assert res.objective == pytest.approx((40 + 2 * 30 - 2.7) * M)


def test_weighted_coverage_draws_more_external_money(tiny):
    # Coverage weight 0.1 per yuan: drawing the cdb to its 40 M cap costs 5 % interest
    # and earns 10 %, so the park's external financing rises to 50 M (policy 10 + cdb 40).
    tiny.objective.weights["coverage"] = 0.1
    res = solve(tiny)
    assert res.kpi("external_financing") == pytest.approx(50 * M)
    assert res.objective == pytest.approx((30 + 80 - (1 + 0.05 * 40) + 0.1 * 50) * M)


def test_resolver_matches_rebuilds(tiny):
    model = optim.build(tiny)
    r = model.resolver()
    assert r.solve().objective == pytest.approx(107.18 * M)
    r.set_weights(industrial_output=1.0)
    assert r.solve().objective == pytest.approx(67.18 * M)
    r.set_rhs("source_cap_le", "special", 20 * M)  # not switched: the row is d <= cap
    assert r.solve().objective == pytest.approx(67.3 * M)
    r.set_coverage_target(0.0)
    # No coverage target: plan A pays the park's 55 M with the free policy money
    # (10 M) and own funds (5 M budget + 40 M land income = 45 M), no cdb:
    # 40 + 30 = 70 M. Plan B would need the cdb (own funds only 35 M): 70 - 2 M.
    assert r.solve().objective == pytest.approx(70 * M)
    assert r.value("financing_cost") == pytest.approx(0.0)


def test_resolver_update_undoes_its_own_direct_changes(tiny):
    # update(instance) compares the new model with what the live copy holds, so
    # a cap, a weight or a coverage row changed in place is set back to the instance's
    model = optim.build(tiny)
    r = model.resolver()
    r.set_weights(industrial_output=1.0)
    r.set_rhs("source_cap_le", "special", 20 * M)
    assert r.solve().objective == pytest.approx(67.3 * M)
    assert r.update(tiny.copy()) == "patched"
    assert r.solve().objective == pytest.approx(107.18 * M)
    r.set_coverage_target(0.0)
    assert r.update(tiny.copy()) == "replaced"  # a coefficient changed: the model is passed whole
    assert r.solve().objective == pytest.approx(107.18 * M)


def test_kpis_read_from_the_expressions_equal_the_result_tables(tiny):
    r = optim.build(tiny).resolver()
    assert r.kpis() is None  # no plan yet
    for weight in (2.0, 1.0):
        r.set_weights(industrial_output=weight)
        r.solve()
        fast, full = r.kpis(), r.result().kpis["value"].to_dict()
        assert list(fast) == list(full)
        assert fast == pytest.approx(full, rel=1e-12, nan_ok=True)


def test_instance_built_from_dataframes_solves_the_same(tiny):
    # the notebook path: tables as DataFrames, settings as mappings
    frames = optim.from_frames(
        "tiny-frames", uses=tiny.uses, categories=tiny.categories, parcels=tiny.parcels,
        options=tiny.options, resources=tiny.resources, projects=tiny.projects,
        sources=tiny.sources,
        policy={"coverage_target": 0.8, "coverage_scope": ["park"], "own_funds_budget": 5 * M},
        eod={"income_share": 0.5},
        objective={"weights": {"land_income": 1, "industrial_output": 2, "financing_cost": 1}})
    assert solve(frames).objective == pytest.approx(107.18 * M)
    bad = tiny.parcels.assign(area=-1.0)
    with pytest.raises(optim.InstanceError, match="must be > 0"):
        optim.from_frames("bad", uses=tiny.uses, categories=tiny.categories,
                                   parcels=bad, options=tiny.options)
