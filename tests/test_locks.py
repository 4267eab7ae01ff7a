"""Locks and bounds per parcel and per source (optim/locks.py), worked by hand.

The instance (`doc()`, money in million yuan, areas in mu):

- P1 (10 mu, commercial): keep it (land income 30) or turn it industrial
  (output 25); P2 (20 mu, commercial): income 40 or output 50; P3 (10 mu,
  industrial): output 10, its only option. Weights: income 1, output 1,
  financing cost 1. Best land plan: keep P1, rezone P2: income 30 + output 60 = 90.
- One mandatory project of 50 in `park`, paid by `cheap` (bank loan, cap 60,
  2 %, not switched), `dear` (bond, cap 60, 5 %, minimum ticket 10 and fixed
  cost 0.5: switched) and own funds: budget 0.5, no land income to own funds.
  Own funds pay the fixed cost first.

Optimum: own funds 0.5 + cheap 49.5 (cost 0.99): **89.01**. Then, one change at a time:

- P2 locked `out` (keeps commercial): income 70 + output 10 - 0.99 = **79.01**;
- P1 locked `in` (must be rezoned): income 0 + output 85 - 0.99 = **84.01**;
- cheap locked `out`: dear must be drawn, its fixed cost takes the whole budget:
  dear 50 (2.5) + 0.5 = 3.0: **87.0**;
- dear locked `in`: fixed 0.5, dear at its ticket 10 (0.5) + cheap 40 (0.8): 1.8: **88.2**;
- dear min_draw 20: opened, dear 20 (1.0) + cheap 30 (0.6) + 0.5 = 2.1: **87.9**;
- cheap max_draw 35: 35 + 0.5 own < 50, so dear opens (own funds 0): cheap 35
  (0.7) + dear 15 (0.75) + 0.5 = 1.95: **88.05**;
- cheap locked `in` (not switched, no min_draw): no on/off decision, nothing
  changes: 89.01.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import optim
from optim.check import PlanDecisions, check_plan
from optim.highs import compile_model

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks/` lives at the repo root
    sys.path.insert(0, str(ROOT))

from benchmarks import highspy_model as hm

M = 1e6
TINY = ROOT / "instances" / "tiny" / "instance.yaml"

DOC = {
    "name": "locks",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True}],
    "categories": [{"id": "park"}],
    "parcels": [{"id": "P1", "area": 10, "current_use": "commercial"},
                {"id": "P2", "area": 20, "current_use": "commercial"},
                {"id": "P3", "area": 10, "current_use": "industrial"}],
    "options": [{"parcel": "P1", "use": "commercial", "land_income": 30 * M},
                {"parcel": "P1", "use": "industrial", "output": 25 * M},
                {"parcel": "P2", "use": "commercial", "land_income": 40 * M},
                {"parcel": "P2", "use": "industrial", "output": 50 * M},
                {"parcel": "P3", "use": "industrial", "output": 10 * M}],
    "projects": [{"id": "infra", "category": "park", "cost": 50 * M}],
    "sources": [{"id": "cheap", "kind": "bank_loan", "cap": 60 * M, "rate": 0.02},
                {"id": "dear", "kind": "bond", "cap": 60 * M, "rate": 0.05, "min_ticket": 10 * M,
                 "fixed_cost": 0.5 * M}],
    "policy": {"own_funds_budget": 0.5 * M, "land_income_to_own_funds": 0},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1, "financing_cost": 1}},
}

PARCEL = {"P1": 0, "P2": 1, "P3": 2}
SOURCE = {"cheap": 0, "dear": 1}


def doc(parcels: dict | None = None, sources: dict | None = None) -> dict:
    """The document with `parcels` = {id: {column: value}} and `sources` likewise set."""
    d = copy.deepcopy(DOC)
    for pid, cols in (parcels or {}).items():
        d["parcels"][PARCEL[pid]].update(cols)
    for sid, cols in (sources or {}).items():
        d["sources"][SOURCE[sid]].update(cols)
    return d


def make(parcels: dict | None = None, sources: dict | None = None) -> optim.Instance:
    d = doc(parcels, sources)
    return optim.from_frames(d.pop("name"), **d)


CASES = [  # (parcels, sources, objective in M, uses, draws in M)
    ({}, {}, 89.01, ["commercial", "industrial", "industrial"], {"cheap": 49.5}),
    ({"P2": {"lock": "out"}}, {}, 79.01, ["commercial", "commercial", "industrial"], {"cheap": 49.5}),
    ({"P1": {"lock": "in"}}, {}, 84.01, ["industrial", "industrial", "industrial"], {"cheap": 49.5}),
    ({}, {"cheap": {"lock": "out"}}, 87.0, None, {"dear": 50}),
    ({}, {"dear": {"lock": "in"}}, 88.2, None, {"cheap": 40, "dear": 10}),
    ({}, {"dear": {"min_draw": 20 * M}}, 87.9, None, {"cheap": 30, "dear": 20}),
    ({}, {"cheap": {"max_draw": 35 * M}}, 88.05, None, {"cheap": 35, "dear": 15}),
    ({}, {"cheap": {"lock": "in"}}, 89.01, None, {"cheap": 49.5}),
]


@pytest.mark.parametrize("parcels,sources,objective,uses,draws", CASES)
def test_optimum_worked_by_hand(solve_and_check, parcels, sources, objective, uses, draws):
    inst = make(parcels, sources)
    res = solve_and_check(inst)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(objective * M)
    if uses is not None:
        assert res.parcels["use"].tolist() == uses
    got = res.draws.groupby("source")["amount"].sum().to_dict()
    assert got == pytest.approx({s: v * M for s, v in draws.items()})
    # the independent highspy formulation agrees
    alt = hm.solve_instance(inst, mip_rel_gap=1e-9)
    assert alt["status"] == "optimal"
    assert alt["objective"] == pytest.approx(objective * M)


def test_lock_from_yaml_and_csv(tmp_path):
    # `lock: ""` in YAML and an empty CSV cell both mean "not locked"
    d = doc({"P1": {"lock": ""}, "P2": {"lock": "out"}}, {"cheap": {"lock": ""}})
    d["parcels"] = {"file": "parcels.csv"}
    (tmp_path / "parcels.csv").write_text("id,area,current_use,lock\nP1,10,commercial,\n"
                                          "P2,20,commercial,out\nP3,10,industrial,\n")
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    inst = optim.load(path)
    assert inst.parcels["lock"].tolist() == ["", "out", ""]
    assert optim.solve(inst).objective == pytest.approx(79.01 * M)


# ---- the compiled model: bounds and rows ------------------------------------------------
def bounds(model, group, label):
    g = model.formulation.groups[group]
    k = g.labels.get_loc(label)
    return g.lower[k], g.upper[k]


def test_parcel_locks_fix_bounds_only():
    base = optim.build(make())
    model = optim.build(make({"P1": {"lock": "in"}, "P2": {"lock": "out"}}))
    assert bounds(model, "v_use", ("P1", "commercial")) == (0.0, 0.0)  # in: not its current use
    assert bounds(model, "v_use", ("P1", "industrial")) == (0.0, 1.0)
    assert bounds(model, "v_use", ("P2", "commercial")) == (1.0, 1.0)  # out: its current use
    assert bounds(model, "v_use", ("P2", "industrial")) == (0.0, 0.0)
    assert bounds(model, "v_use", ("P3", "industrial")) == (0.0, 1.0)
    assert model.size == base.size  # no row, no column added
    a, b = base.compiled, model.compiled
    assert np.array_equal(a.start, b.start) and np.array_equal(a.index, b.index)


def test_source_locks_fix_bounds():
    model = optim.build(make(sources={"cheap": {"lock": "out"}, "dear": {"lock": "in"}}))
    assert bounds(model, "v_draw", ("cheap", "park")) == (0.0, 0.0)
    assert bounds(model, "v_open", "dear") == (1.0, 1.0)
    model = optim.build(make(sources={"dear": {"lock": "out"}}))
    assert bounds(model, "v_draw", ("dear", "park")) == (0.0, 0.0)
    assert bounds(model, "v_open", "dear") == (0.0, 0.0)
    assert model.size == optim.build(make()).size


def test_draw_bound_rows():
    model = optim.build(make(sources={"dear": {"min_draw": 20 * M}, "cheap": {"max_draw": 35 * M}}))
    f = model.formulation
    for family, label, lo, hi in (("source_min_draw_ge", "dear", 20 * M, np.inf),
                                  ("source_max_draw_le", "cheap", -np.inf, 35 * M)):
        fam = f.families[family]
        assert list(fam.labels) == [label]
        (r,) = f.rows_of(family, label)
        k = r - fam.start
        cols = fam.col[fam.row == k]
        g, pos = f.group_of(int(cols[0]))
        assert len(cols) == 1 and (g.name, g.labels[pos]) == ("v_draw", (label, "park"))
        assert fam.coef[fam.row == k].tolist() == [1.0]  # a v_draw column is in money units already
        assert fam.lower[k] * fam.unit == pytest.approx(lo)
        assert fam.upper[k] * fam.unit == pytest.approx(hi)
    assert model.size["constraints"] == optim.build(make()).size["constraints"] + 2


def test_instance_without_locks_builds_the_same_model():
    # The tiny instance as it is, and with every new column given as "nothing":
    # empty locks, min_draw 0, no max_draw, no enterprises: the same matrix.
    plain = optim.load(TINY)
    d = yaml.safe_load(TINY.read_text())
    for p in d["parcels"]:
        p["lock"] = ""
    for s in d["sources"]:
        s.update(lock="", min_draw=0)
    d["enterprises"] = []
    d["relocation_costs"] = []
    explicit = optim.from_frames(d.pop("name"), **{k: v for k, v in d.items()
                                                            if k != "description"})
    a, b = optim.build(plain), optim.build(explicit)
    assert {k: a.size[k] for k in ("variables", "integer_variables", "constraints")} == \
        {"variables": 13, "integer_variables": 8, "constraints": 14}
    assert a.size == b.size
    assert list(a.formulation.families) == list(b.formulation.families)
    assert list(a.formulation.groups) == list(b.formulation.groups) == \
        ["v_use", "v_build", "v_draw", "v_open", "v_own"]
    ca, cb = compile_model(a.formulation), compile_model(b.formulation)
    for name in ("cost", "col_lower", "col_upper", "row_lower", "row_upper", "start", "index", "value",
                 "integrality"):
        assert np.array_equal(getattr(ca, name), getattr(cb, name)), name
    res = optim.solve(plain)
    report = check_plan(plain, res)
    assert not {"parcel_locks", "source_locks", "source_min_draw_ge", "source_max_draw_le"} & set(report.index)


# ---- the checker ----------------------------------------------------------------------------
def flagged(report):
    bad = report[~report["ok"]]
    return {fam: float(v) for fam, v in bad["max_violation"].items()}


def test_checker_catches_a_broken_parcel_lock():
    inst = make({"P2": {"lock": "out"}, "P1": {"lock": "in"}})
    res = optim.solve(inst)  # P1 industrial, P2 commercial: 0 + 40 + (25 + 10) - 0.99
    assert res.objective == pytest.approx(74.01 * M)
    assert check_plan(inst, res)["ok"].all()
    plan = PlanDecisions.from_result(res)
    plan.parcels.loc["P2", "use"] = "industrial"  # P2 rezoned although locked out
    plan.parcels.loc["P1", "use"] = "commercial"  # P1 kept although locked in
    report = check_plan(inst, plan)
    got = flagged(report)
    assert got["parcel_locks"] == pytest.approx(1)
    plan.parcels.loc["P1", "use"] = "industrial"
    report = check_plan(inst, plan)
    assert report.loc["parcel_locks", "worst"] == "P2 (out)"


def test_checker_catches_a_broken_source_lock_and_draw_bounds():
    inst = make(sources={"cheap": {"lock": "out"}})
    res = optim.solve(inst)
    plan = PlanDecisions.from_result(res)
    assert check_plan(inst, plan)["ok"].all()
    # all 50 moved from dear to cheap, dear not used: cheap breaks its lock by 50
    plan.draws["source"] = "cheap"
    plan.sources.loc["dear", "used"] = False
    got = flagged(check_plan(inst, plan))
    assert got["source_locks"] == pytest.approx(50 * M)

    inst = make(sources={"dear": {"min_draw": 20 * M, "lock": "in"}, "cheap": {"max_draw": 35 * M}})
    res = optim.solve(inst)  # cheap 30, dear 20 (2.1): 87.9
    assert res.objective == pytest.approx(87.9 * M)
    plan = PlanDecisions.from_result(res)
    plan.draws.loc[plan.draws["source"] == "cheap", "amount"] = 40 * M  # 5 over max_draw
    plan.draws.loc[plan.draws["source"] == "dear", "amount"] = 10 * M  # 10 under min_draw
    report = check_plan(inst, plan)
    got = flagged(report)
    assert got["source_min_draw_ge"] == pytest.approx(10 * M)
    assert got["source_max_draw_le"] == pytest.approx(5 * M)
    assert "source_locks" not in got
    plan.sources.loc["dear", "used"] = False  # dear locked in but not used
    got = flagged(check_plan(inst, plan))
    assert got["source_locks"] == pytest.approx(1)


# ---- invalid input: exact messages ------------------------------------------------------------
def problems(tmp_path: Path, d: dict) -> list[str]:
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    try:
        optim.load(path)
    except optim.InstanceError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.mark.parametrize("parcels,sources,policy,message", [
    ({"P1": {"lock": "maybe"}}, {}, {},
     "instance.yaml: parcels[0], lock: 'maybe' is not one of in, out"),
    ({"P3": {"lock": "in"}}, {}, {},
     "instance.yaml: parcels[2], lock: parcel 'P3' is locked in (must be rezoned), but it has no "
     "option other than its current use 'industrial'"),
    ({"P1": {"lock": "out", "current_use": "industrial"}, "P3": {"current_use": "commercial"}}, {}, {},
     None),  # P1's current use industrial is an option: valid (P3 below)
    ({"P1": {"lock": "out"}}, {}, {"locked_uses": {"P1": "industrial"}},
     "instance.yaml: parcels[0], lock: parcel 'P1' is locked out (keeps its current use 'commercial'), "
     "but policy.locked_uses gives it 'industrial'"),
    ({"P2": {"lock": "in"}}, {}, {"locked_uses": {"P2": "commercial"}},
     "instance.yaml: parcels[1], lock: parcel 'P2' is locked in (must be rezoned), but "
     "policy.locked_uses keeps its current use 'commercial'"),
    ({}, {"cheap": {"lock": "sometimes"}}, {},
     "instance.yaml: sources[0], lock: 'sometimes' is not one of in, out"),
    ({}, {"cheap": {"min_draw": 70 * M}}, {},
     "instance.yaml: sources[0], min_draw: min_draw 7e+07 of source 'cheap' exceeds its cap 6e+07"),
    ({}, {"cheap": {"min_draw": 30 * M, "max_draw": 20 * M}}, {},
     "instance.yaml: sources[0], min_draw: min_draw 3e+07 of source 'cheap' is above its max_draw 2e+07"),
    ({}, {"cheap": {"lock": "in", "max_draw": 0}}, {},
     "instance.yaml: sources[0], lock: source 'cheap' is locked in, but its max_draw is 0"),
    ({}, {"dear": {"lock": "in", "max_draw": 5 * M}}, {},
     "instance.yaml: sources[1], lock: source 'dear' is locked in, so it draws at least its min_ticket "
     "1e+07, but its max_draw is 5e+06"),
    ({}, {"dear": {"lock": "out", "min_draw": 5 * M}}, {},
     "instance.yaml: sources[1], lock: source 'dear' is locked out, but its min_draw is 5e+06"),
    ({}, {"dear": {"min_draw": -1}}, {},
     "instance.yaml: sources[1], min_draw: must be >= 0, not -1"),
    ({}, {"dear": {"max_draw": "lots"}}, {},
     "instance.yaml: sources[1], max_draw: must be a number, not 'lots'"),
])
def test_invalid_locks(tmp_path, parcels, sources, policy, message):
    d = doc(parcels, sources)
    d["policy"].update(policy)
    got = problems(tmp_path, d)
    assert got == ([] if message is None else [message])


def test_locked_out_parcel_whose_current_use_is_not_an_option(tmp_path):
    d = doc({"P1": {"lock": "out"}})
    d["options"] = [o for o in d["options"] if (o["parcel"], o["use"]) != ("P1", "commercial")]
    assert problems(tmp_path, d) == [
        "instance.yaml: parcels[0], lock: parcel 'P1' is locked out (keeps its current use 'commercial'), "
        "but 'commercial' is not one of its options"]


def test_bad_lock_in_a_csv_cell(tmp_path):
    d = doc()
    d["parcels"] = {"file": "parcels.csv"}
    (tmp_path / "parcels.csv").write_text("id,area,current_use,lock\nP1,10,commercial,\n"
                                          "P2,20,commercial,OUT\nP3,10,industrial,in\n")
    assert problems(tmp_path, d) == [
        "parcels.csv row 3, lock: 'OUT' is not one of in, out",
        "parcels.csv row 4, lock: parcel 'P3' is locked in (must be rezoned), but it has no option "
        "other than its current use 'industrial'"]


def test_scenario_can_lock_and_unlock(tmp_path):
    from optim.inputs.scenarios import apply_overrides

    inst = make()
    apply_overrides(inst, {"set": {"parcels.P2.lock": "out", "sources.cheap.max_draw": 35 * M}}, "s")
    assert optim.solve(inst).objective == pytest.approx((80 - 1.95) * M)  # both changes at once
    apply_overrides(inst, {"set": {"parcels.P2.lock": ""}}, "s")
    assert inst.parcels.loc["P2", "lock"] == ""
