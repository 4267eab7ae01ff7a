"""Enterprise relocation (optim/relocation.py), worked by hand.

The instance (`doc()`, money in million yuan, areas in mu): three commercial
parcels A (10 mu, land income 10), B (20 mu, 30), C (22 mu, 40), each may turn
industrial (no income, no output). One source `fund` (cap 100, rate 1.0: every
yuan drawn costs a yuan of financing cost); own funds 0 and no land income to own
funds, so the park's need is drawn from `fund` and the objective is

    land income + output of relocated enterprises - relocation costs.

Enterprises (industrial land): E1 8 mu, cost 5; E2 15 mu, cost 6 (both
required); E3 5 mu, optional, cost 1, output 4. Relocation costs per pair:
E1 on B 1, E1 on C 2, E2 on C 3, E3 on C 0.5. Eligible pairs (area): E1 on A, B,
C; E2 on B, C; E3 on A, B, C.

By the set R of parcels rezoned (E1 and E2 must be placed):
- R = {C}: E1 + E2 = 23 mu > 22: infeasible; R = {B}: 23 > 20: infeasible;
  R = {A}: E2 does not fit;
- R = {A, B}: income 40; E1 on A (5), E2 on B (6); E3 fits on B (20 - 15 = 5 mu
  free): + 4 - 1. Objective 40 - 11 + 3 = **32**;
- R = {A, C}: income 30; E1 on A (5), E2 on C (3), E3 on C (0.5): 30 - 8 + 3.5 = 25.5;
- R = {B, C}: income 10: at most 10 - 4 + 3.5 = 9.5.
Optimum 32: E1 -> A, E2 -> B, E3 -> B, relocation cost 12, drawn 12.

Without the capacity rows, both on C (income 40, cost 5) would score 35; with C
at 23 mu that plan is allowed: 35 (E3 does not fit beside them: 28 > 23).

With A locked `out` (keeps commercial): R = {B, C}: E1 on B (1), E2 on C (3), E3
on C (0.5; C holds 15 + 5 = 20 <= 22): 10 - 4.5 + 4 = **9.5** (E3 on B instead
costs 1: 9; E1 on C and E2 on B: 10 - 8 - 0.5 + 4 = 5.5).
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import optim
from optim.check import PlanDecisions, check_plan
from matrix import row  # noqa: E402  (tests/matrix.py)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks/` lives at the repo root
    sys.path.insert(0, str(ROOT))

from benchmarks import highspy_model as hm

M = 1e6
TINY = ROOT / "instances" / "tiny" / "instance.yaml"

DOC = {
    "name": "relocation",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True},
             {"id": "green"}],
    "categories": [{"id": "park"}, {"id": "relocation"}],
    "parcels": [{"id": "A", "area": 10, "current_use": "commercial"},
                {"id": "B", "area": 20, "current_use": "commercial"},
                {"id": "C", "area": 22, "current_use": "commercial"}],
    "options": [{"parcel": "A", "use": "commercial", "land_income": 10 * M},
                {"parcel": "B", "use": "commercial", "land_income": 30 * M},
                {"parcel": "C", "use": "commercial", "land_income": 40 * M},
                {"parcel": "A", "use": "industrial"},
                {"parcel": "B", "use": "industrial"},
                {"parcel": "C", "use": "industrial"}],
    "sources": [{"id": "fund", "kind": "other", "cap": 100 * M, "rate": 1.0}],
    "enterprises": [{"id": "E1", "area": 8, "use": "industrial", "cost": 5 * M},
                    {"id": "E2", "area": 15, "use": "industrial", "cost": 6 * M},
                    {"id": "E3", "area": 5, "use": "industrial", "cost": 1 * M, "required": False,
                     "output": 4 * M}],
    "relocation_costs": [{"enterprise": "E1", "parcel": "B", "cost": 1 * M},
                         {"enterprise": "E1", "parcel": "C", "cost": 2 * M},
                         {"enterprise": "E2", "parcel": "C", "cost": 3 * M},
                         {"enterprise": "E3", "parcel": "C", "cost": 0.5 * M}],
    "policy": {"own_funds_budget": 0, "land_income_to_own_funds": 0},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1, "financing_cost": 1}},
}


def doc() -> dict:
    return copy.deepcopy(DOC)


def from_doc(d: dict) -> optim.Instance:
    return optim.from_frames(d.pop("name"), **d)


@pytest.fixture
def inst() -> optim.Instance:
    return from_doc(doc())


def placed(result) -> dict[str, str]:
    return dict(zip(result.relocations["enterprise"], result.relocations["parcel"]))


# ---- the optimum --------------------------------------------------------------------
def test_optimum_worked_by_hand(inst, solve_and_check):
    res = solve_and_check(inst)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(32 * M)
    assert placed(res) == {"E1": "A", "E2": "B", "E3": "B"}
    assert res.parcels["use"].to_dict() == {"A": "industrial", "B": "industrial", "C": "commercial"}
    assert res.relocations["cost"].tolist() == pytest.approx([5 * M, 6 * M, 1 * M])
    assert res.relocations["area"].tolist() == pytest.approx([8, 15, 5])
    assert res.kpi("relocation_cost") == pytest.approx(12 * M)
    assert res.kpi("industrial_output") == pytest.approx(4 * M)  # E3's output
    assert res.kpi("total_investment") == pytest.approx(12 * M)  # the relocations only
    assert res.categories.loc["park", "need"] == pytest.approx(12 * M)  # default category
    assert res.draws["amount"].sum() == pytest.approx(12 * M)
    assert res.objective_terms["contribution"].sum() == pytest.approx(res.objective)


def test_capacity_rows_decide(inst, solve_and_check):
    # C at 23 mu holds E1 + E2 (23 mu): keep A and B (income 40), cost 2 + 3: 35.
    inst.parcels.loc["C", "area"] = 23.0
    res = solve_and_check(inst)
    assert res.objective == pytest.approx(35 * M)
    assert placed(res) == {"E1": "C", "E2": "C"}


def test_locked_out_parcel_moves_the_enterprises(solve_and_check):
    d = doc()
    d["parcels"][0]["lock"] = "out"
    res = solve_and_check(from_doc(d))
    assert res.objective == pytest.approx(9.5 * M)
    assert placed(res) == {"E1": "B", "E2": "C", "E3": "C"}
    assert res.kpi("relocation_cost") == pytest.approx(4.5 * M)


def test_category_and_scope_of_relocation_costs(solve_and_check):
    # E2's cost goes to its own category `relocation`, out of the coverage scope
    # (park only); the plan does not change (the objective does not see categories).
    d = doc()
    d["enterprises"][1]["category"] = "relocation"
    d["policy"]["coverage_scope"] = ["park"]
    inst = from_doc(d)
    res = solve_and_check(inst)
    assert res.objective == pytest.approx(32 * M)
    assert res.categories["need"].to_dict() == pytest.approx({"park": 6 * M, "relocation": 6 * M})
    assert res.kpi("covered_investment") == pytest.approx(6 * M)
    assert res.kpi("total_investment") == pytest.approx(12 * M)


def test_optional_enterprise_stays_out_when_it_does_not_pay(inst, solve_and_check):
    # E3's output 0.5 < its cost 1 (and 0.5 on C, which is not rezoned): not relocated.
    inst.enterprises.loc["E3", "output"] = 0.5 * M
    res = solve_and_check(inst)
    assert res.objective == pytest.approx(29 * M)  # 40 - 11
    assert placed(res) == {"E1": "A", "E2": "B"}


def test_highspy_formulation_agrees():
    for lock, expected in (("", 32), ("out", 9.5)):
        d = doc()
        d["parcels"][0]["lock"] = lock
        inst = from_doc(d)
        ref = optim.solve(inst, mip_rel_gap=1e-9)
        alt = hm.solve_instance(inst, mip_rel_gap=1e-9)
        assert ref.objective == pytest.approx(expected * M)
        assert alt["objective"] == pytest.approx(expected * M)
        assert alt["plan"]["kpis"]["relocation_cost"] == pytest.approx(ref.kpi("relocation_cost"))
        got = alt["plan"]["relocations"]
        assert dict(zip(got["enterprise"], got["parcel"])) == placed(ref)


def test_perturbed_copies_agree_with_the_highspy_formulation():
    rng = np.random.default_rng(7)
    for _ in range(12):
        d = doc()
        for p, row in zip(d["parcels"], rng.uniform(8, 30, 3)):
            p["area"] = float(round(row))
        for o in d["options"]:
            o["land_income"] = float(rng.uniform(0, 40)) * M if o["use"] == "commercial" else 0.0
            o["output"] = float(rng.uniform(0, 20)) * M if o["use"] == "industrial" else 0.0
        for e in d["enterprises"]:
            e["area"] = float(round(rng.uniform(3, 12)))
            e["required"] = bool(rng.random() < 0.6)
            e["output"] = float(rng.uniform(0, 10)) * M
        inst = from_doc(d)
        ref = optim.solve(inst, mip_rel_gap=1e-9)
        alt = hm.solve_instance(inst, mip_rel_gap=1e-9)
        assert alt["status"] == ref.status
        if ref.has_plan:
            assert alt["objective"] == pytest.approx(ref.objective, rel=1e-6)
            assert check_plan(inst, ref)["ok"].all()


# ---- the compiled rows ----------------------------------------------------------------


def test_compiled_rows(inst):
    model = optim.build(inst)
    f = model.formulation
    assert list(f.groups["v_reloc"].labels) == [("E1", "A"), ("E1", "B"), ("E1", "C"), ("E2", "B"),
                                                ("E2", "C"), ("E3", "A"), ("E3", "B"), ("E3", "C")]
    R = "v_reloc"
    coefs, lo, hi = row(model, "relocation_assign_eq", "E1")
    assert coefs == {(R, ("E1", "A")): 1, (R, ("E1", "B")): 1, (R, ("E1", "C")): 1}
    assert lo == hi == 1.0
    assert list(f.families["relocation_assign_eq"].labels) == ["E1", "E2"]
    coefs, lo, hi = row(model, "relocation_assign_le", "E3")
    assert coefs == {(R, ("E3", "A")): 1, (R, ("E3", "B")): 1, (R, ("E3", "C")): 1}
    assert np.isneginf(lo) and hi == 1.0
    # sum_e area_e v_reloc[e,B] - 20 v_use[B,industrial] <= 0
    coefs, lo, hi = row(model, "relocation_capacity_le", ("B", "industrial"))
    assert coefs == {(R, ("E1", "B")): 8, (R, ("E2", "B")): 15, (R, ("E3", "B")): 5,
                     ("v_use", ("B", "industrial")): -20}
    assert np.isneginf(lo) and hi == 0.0
    assert len(f.families["relocation_capacity_le"].labels) == 3
    # park need: the relocation cost of every pair (the override where given)
    coefs, lo, hi = row(model, "category_funding_eq", "park")
    assert coefs == {("v_draw", ("fund", "park")): 1, ("v_own", "park"): 1,
                     (R, ("E1", "A")): -5 * M, (R, ("E1", "B")): -1 * M, (R, ("E1", "C")): -2 * M,
                     (R, ("E2", "B")): -6 * M, (R, ("E2", "C")): -3 * M,
                     (R, ("E3", "A")): -1 * M, (R, ("E3", "B")): -1 * M, (R, ("E3", "C")): -0.5 * M}
    assert lo == hi == 0.0
    # objective: E3's output (weight 1) on its pairs, nothing on the others
    cost = f.cost() * f.objective_unit
    assert cost[f.col(R)].tolist() == pytest.approx([0, 0, 0, 0, 0, 4 * M, 4 * M, 4 * M])
    assert model.size["integer_variables"] == 6 + 8


def test_pyomo_view_of_relocation(inst):
    model = optim.build(inst)
    m = model.pyomo
    assert m.v_reloc["E2", "C"].is_binary()
    assert ("B", "industrial") in m.relocation_capacity_le
    assert model.solve(backend="pyomo").objective == pytest.approx(32 * M)


def test_enterprise_without_eligible_optional_pairs_has_no_row():
    d = doc()
    d["enterprises"][2]["area"] = 50  # E3 fits nowhere; optional: no variable, no row
    model = optim.build(from_doc(d))
    assert "relocation_assign_le" not in model.formulation.families
    assert [e for e, _ in model.formulation.groups["v_reloc"].labels].count("E3") == 0


# ---- results ---------------------------------------------------------------------------
def test_written_results_round_trip(inst, tmp_path):
    res = optim.solve(inst)
    res.write(tmp_path)
    table = pd.read_csv(tmp_path / "relocations.csv")
    assert list(table.columns) == ["enterprise", "parcel", "use", "area", "cost", "category", "output"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["kpis"]["relocation_cost"] == pytest.approx(12 * M)
    assert summary["relocations"][0] == {"enterprise": "E1", "parcel": "A", "area": 8.0, "cost": 5 * M}
    plan = PlanDecisions.from_dir(tmp_path)
    assert plan.relocations["enterprise"].tolist() == ["E1", "E2", "E3"]
    assert check_plan(inst, plan)["ok"].all()
    assert "relocated enterprises: 3" in res.summary()


def test_instance_without_enterprises_has_no_relocation_outputs(tmp_path):
    res = optim.solve(optim.load(TINY))
    assert res.relocations is None
    assert "relocation_cost" not in res.kpis.index
    assert "relocations" not in res.tables() and "relocations" not in res.to_dict()
    res.write(tmp_path)
    assert not (tmp_path / "relocations.csv").exists()


# ---- the checker ---------------------------------------------------------------------------
@pytest.fixture
def solved(inst):
    res = optim.solve(inst)
    assert res.objective == pytest.approx(32 * M)
    return res


def flagged(report):
    bad = report[~report["ok"]]
    return {fam: float(v) for fam, v in bad["max_violation"].items()}


def test_checker_families_pass(inst, solved):
    report = check_plan(inst, solved)
    assert report["ok"].all()
    assert {"relocation_assign_eq", "relocation_assign_le", "relocation_eligibility",
            "relocation_capacity_le"} <= set(report.index)


def test_checker_catches_broken_capacity(inst, solved):
    # E1 moved from A to B: B holds 8 + 15 + 5 = 28 mu > 20 (violation 8). The move
    # also changes E1's cost from 5 to 1 (override on B): the park's need becomes
    # 8 while 12 is drawn (funding off by 4), and the reported relocation_cost and
    # total_investment KPIs are off by 4. A stays industrial without an enterprise:
    # allowed. The objective (no relocation cost in it) is unchanged.
    plan = PlanDecisions.from_result(solved)
    plan.relocations.loc[plan.relocations["enterprise"] == "E1", "parcel"] = "B"
    report = check_plan(inst, plan)
    got = flagged(report)
    assert set(got) == {"relocation_capacity_le", "category_funding_eq", "kpis"}
    assert got["relocation_capacity_le"] == pytest.approx(8)
    assert report.loc["relocation_capacity_le", "worst"] == "B/industrial"
    assert got["category_funding_eq"] == pytest.approx(4 * M)
    assert got["kpis"] == pytest.approx(4 * M)


def test_checker_catches_enterprise_on_land_of_another_use(inst, solved):
    # A made commercial again (income +10 M): E1 sits on commercial land, capacity
    # of (A, industrial) is 0 (violation 8 mu); plus the land-income effects.
    plan = PlanDecisions.from_result(solved)
    plan.parcels.loc["A", "use"] = "commercial"
    got = flagged(check_plan(inst, plan))
    assert got["relocation_capacity_le"] == pytest.approx(8)
    assert "relocation_eligibility" not in got


def test_checker_catches_missing_and_ineligible_relocations(inst, solved):
    plan = PlanDecisions.from_result(solved)
    rel = plan.relocations
    # E2 dropped (required: 0 = 1), E3 twice (optional: 2 <= 1), E9 unknown,
    # E1 on A kept; add E2 on A where it does not fit (15 > 10 mu)
    plan.relocations = pd.concat([
        rel[rel["enterprise"] == "E1"],
        pd.DataFrame({"enterprise": ["E3", "E3", "E9"], "parcel": ["B", "B", "B"]})],
        ignore_index=True)
    got = flagged(check_plan(inst, plan))
    assert got["relocation_assign_eq"] == pytest.approx(1)
    assert got["relocation_assign_le"] == pytest.approx(1)
    plan.relocations = pd.concat([plan.relocations,
                                  pd.DataFrame({"enterprise": ["E2"], "parcel": ["A"]})], ignore_index=True)
    report = check_plan(inst, plan)
    assert flagged(report)["relocation_eligibility"] == pytest.approx(1)
    assert report.loc["relocation_eligibility", "worst"] == "E2->A"


def test_checker_without_relocations_table_counts_none(inst, solved):
    plan = PlanDecisions.from_result(solved)
    plan.relocations = None
    got = flagged(check_plan(inst, plan))
    assert got["relocation_assign_eq"] == pytest.approx(1)


# ---- invalid input: exact messages --------------------------------------------------------
def problems(tmp_path: Path, d: dict, files: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    try:
        optim.load(path)
    except optim.InstanceError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_valid_instance_loads(tmp_path):
    assert problems(tmp_path, doc()) == []


@pytest.mark.parametrize("change,message", [
    (lambda d: d["enterprises"][0].update(use="commercial"),
     "instance.yaml: enterprises[0], use: enterprise 'E1' needs industrial land, "
     "but use 'commercial' is not industrial"),
    (lambda d: d["enterprises"][1].update(area=30),
     "instance.yaml: enterprises[1]: enterprise 'E2' needs 30 mu of 'industrial' land: "
     "no parcel can host it"),
    (lambda d: d["enterprises"][0].update(use="farm"),
     "instance.yaml: enterprises[0], use: unknown use 'farm'"),
    (lambda d: d["enterprises"][0].update(category="roads"),
     "instance.yaml: enterprises[0], category: unknown category 'roads'"),
    (lambda d: d["enterprises"][0].update(area=0),
     "instance.yaml: enterprises[0], area: must be > 0, not 0"),
    (lambda d: d["enterprises"][0].update(cost=-1),
     "instance.yaml: enterprises[0], cost: must be >= 0, not -1"),
    (lambda d: d["enterprises"][0].update(required="maybe"),
     "instance.yaml: enterprises[0], required: must be true or false, not 'maybe'"),
    (lambda d: d["enterprises"][0].update(colour="red"),
     "instance.yaml: enterprises[0]: unknown key 'colour' (known: id, area, use, cost, required, "
     "output, category, by_period, description)"),
    (lambda d: (d["enterprises"][2].update(id="E1"), d["relocation_costs"].pop()),
     "instance.yaml: enterprises[2]: duplicate id 'E1'"),
    (lambda d: d["relocation_costs"][0].update(enterprise="E9"),
     "instance.yaml: relocation_costs[0], enterprise: unknown enterprise 'E9'"),
    (lambda d: d["relocation_costs"][0].update(parcel="Z"),
     "instance.yaml: relocation_costs[0], parcel: unknown parcel 'Z'"),
    (lambda d: d["relocation_costs"].append({"enterprise": "E1", "parcel": "B", "cost": 9}),
     "instance.yaml: relocation_costs[4]: duplicate relocation cost ('E1', 'B')"),
    (lambda d: d["relocation_costs"][0].pop("cost"),
     "instance.yaml: relocation_costs[0], cost: required value is missing"),
])
def test_invalid_enterprises(tmp_path, change, message):
    d = doc()
    change(d)
    got = problems(tmp_path, d)
    assert got == [message]


def test_optional_enterprise_without_host_is_valid(tmp_path):
    d = doc()
    d["enterprises"][2]["area"] = 50  # optional: simply never relocated
    assert problems(tmp_path, d) == []


def test_relocation_cost_needs_a_category(tmp_path):
    d = doc()
    d["categories"] = [{"id": "roads"}]  # no `park`, no conversion category
    assert problems(tmp_path, d) == [
        f"instance.yaml: enterprises[{k}], category: enterprise '{e}' has a relocation cost but no "
        "category pays for it: set its category, policy.conversion_category or define a 'park' category"
        for k, e in enumerate(["E1", "E2", "E3"])]
    d["policy"]["conversion_category"] = "roads"
    assert problems(tmp_path, d) == []


def test_by_period_is_checked_only_with_periods(tmp_path):
    d = doc()
    d["enterprises"][0]["by_period"] = "p9"
    assert problems(tmp_path, d) == []  # no periods: stored, not checked
    inst = from_doc(doc())
    assert list(inst.enterprises["by_period"]) == ["", "", ""]
    d["periods"] = [{"id": "p1"}, {"id": "p2"}]
    assert "instance.yaml: enterprises[0], by_period: unknown period 'p9'" in problems(tmp_path, d)


def test_enterprises_in_csv_files(tmp_path):
    d = doc()
    d["enterprises"] = {"file": "enterprises.csv"}
    d["relocation_costs"] = {"file": "relocation_costs.csv"}
    enterprises = ("id,area,use,cost,required,output\n"
                   "E1,8,industrial,5000000,,\n"
                   "E2,15,commercial,6000000,true,\n"
                   "E3,5,industrial,1000000,false,4000000\n")
    costs = "enterprise,parcel,cost\nE1,B,1000000\nE1,X,2000000\nE1,B,3\n"
    got = problems(tmp_path, d, {"enterprises.csv": enterprises, "relocation_costs.csv": costs})
    assert got == [
        "enterprises.csv row 3, use: enterprise 'E2' needs industrial land, but use 'commercial' is not industrial",
        "relocation_costs.csv row 3, parcel: unknown parcel 'X'",
        "relocation_costs.csv row 4: duplicate relocation cost ('E1', 'B')",
    ]
    enterprises = enterprises.replace("commercial", "industrial")
    costs = "enterprise,parcel,cost\nE1,B,1000000\nE1,C,2000000\nE2,C,3000000\nE3,C,500000\n"
    (tmp_path / "enterprises.csv").write_text(enterprises)
    (tmp_path / "relocation_costs.csv").write_text(costs)
    res = optim.solve(optim.load(tmp_path / "instance.yaml"))
    assert res.objective == pytest.approx(32 * M)


def test_cli_reports_and_exits_2(tmp_path):
    import subprocess

    d = doc()
    d["enterprises"][1]["area"] = 30
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "validate", str(path)], check=False,
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "enterprise 'E2' needs 30 mu of 'industrial' land: no parcel can host it" in proc.stderr
    assert "Traceback" not in proc.stderr
