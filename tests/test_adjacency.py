"""Land-use compatibility and compact industrial clusters (optim/adjacency.py).

The hand-worked instances: parcels in a row, each either residential (land
income) or industrial (output), weights 1 and 1, no projects or sources, so
the objective is land income + output - penalties. Money in million yuan (M).

ROW (three parcels, P1 - P2 - P3; boundary P1|P2 of length 2, P2|P3 of 1):

    parcel  residential  industrial
    P1      30           10
    P2      20           25
    P3      10           40

    Without rules each parcel takes its better use: P1 residential, P2 and P3
    industrial: 30 + 25 + 40 = 95, industrial P2 beside residential P1.

    forbid {industrial, residential}: the two boundaries must join equal uses,
    so all three parcels share one use: all residential 60, all industrial
    10 + 25 + 40 = 75. Optimum 75, all industrial.

    penalty {industrial, residential} of 8 M per unit length: the eight plans
    (RRR 60, RRI 90 - 8 x 1 = 82, RIR 65 - 8 x 3 = 41, RII 95 - 8 x 2 = 79,
    IRR 40 - 16 = 24, IRI 70 - 24 = 46, IIR 45 - 8 = 37, III 75): optimum 82,
    P1 and P2 residential, P3 industrial; the one conflict is P2|P3
    (residential beside industrial), length 1, penalty 8 M.

STRIP (four parcels P1 - P2 - P3 - P4, boundaries of length 1, 10 mu each,
industrial area at most 20 mu, i.e. two industrial parcels; residential
income 10 each; industrial output 40, 30, 35, 10): all residential is 40,
an industrial parcel adds output - 10: 30, 20, 25, 0.

    boundary_penalty 0: best two, P1 and P3 (scattered): 40 + 55 = 95;
    industrial/non-industrial boundary P1|P2, P2|P3, P3|P4 = 3.
    boundary_penalty 4 M per unit length: P1+P3 95 - 12 = 83; P1+P2 (a compact
    cluster) 90 - 4 x 1 = 86; P2+P3 85 - 8 = 77; P1+P4 70 - 8 = 62; P3+P4
    65 - 4 = 61; P2+P4 60 - 12 = 48; P1 alone 70 - 4 = 66. Optimum 86, P1 and P2
    industrial, boundary 1.
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
from optim.check import PlanDecisions, assert_plan_ok, check_plan, recompute_kpis

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks/` lives at the repo root
    sys.path.insert(0, str(ROOT))

from benchmarks import highspy_model as hm  # noqa: E402
from matrix import row  # noqa: E402  (tests/matrix.py)

TINY = ROOT / "instances" / "tiny" / "instance.yaml"
M = 1e6
GAP = 1e-9


# ---- the hand-worked instances ------------------------------------------------------
def _doc(values, adjacency, *, rules=(), boundary_penalty=None, max_industrial_area=None) -> dict:
    """A document: parcels P1.. (10 mu, residential now), each with a residential
    option (income) and an industrial one (output), M yuan."""
    parcels, options = [], []
    for k, (income, output) in enumerate(values, start=1):
        parcels.append({"id": f"P{k}", "area": 10, "current_use": "residential"})
        options += [{"parcel": f"P{k}", "use": "residential", "land_income": income * M},
                    {"parcel": f"P{k}", "use": "industrial", "output": output * M}]
    doc = {
        "name": "row",
        "uses": [{"id": "residential"}, {"id": "industrial", "industrial": True},
                 {"id": "commercial", "commercial": True}],
        "categories": [{"id": "park"}],
        "parcels": parcels,
        "options": options,
        "objective": {"weights": {"land_income": 1, "industrial_output": 1}},
    }
    if adjacency is not None:
        doc["adjacency"] = [dict(zip(("parcel_a", "parcel_b", "length"), row)) for row in adjacency]
    if rules:
        doc["compatibility"] = [dict(zip(("use_a", "use_b", "rule", "penalty"), r)) for r in rules]
    if boundary_penalty is not None:
        doc["objective"]["boundary_penalty"] = boundary_penalty
    if max_industrial_area is not None:
        doc["policy"] = {"max_industrial_area": max_industrial_area}
    return doc


ROW_VALUES = [(30, 10), (20, 25), (10, 40)]
ROW_ADJ = [("P1", "P2", 2), ("P2", "P3", 1)]
STRIP_VALUES = [(10, 40), (10, 30), (10, 35), (10, 10)]
STRIP_ADJ = [("P1", "P2", 1), ("P2", "P3", 1), ("P3", "P4", 1)]


def row_doc(*rules) -> dict:
    return _doc(ROW_VALUES, ROW_ADJ, rules=rules)


def strip_doc(boundary_penalty=None) -> dict:
    return _doc(STRIP_VALUES, STRIP_ADJ, boundary_penalty=boundary_penalty, max_industrial_area=20)


def instance(doc: dict) -> optim.Instance:
    doc = copy.deepcopy(doc)
    return optim.from_frames(doc.pop("name"), **doc)


def solve(doc: dict, solve_and_check) -> optim.Result:
    """Solve with the checker, and check both other paths (the Pyomo view and the
    independent highspy formulation) reach the same optimum."""
    inst = instance(doc)
    res = solve_and_check(inst, mip_rel_gap=GAP)
    assert res.status == "optimal"
    assert optim.solve(inst, mip_rel_gap=GAP, backend="pyomo").objective == pytest.approx(res.objective)
    alt = hm.solve_instance(inst, mip_rel_gap=GAP)
    assert alt["objective"] == pytest.approx(res.objective)
    for name in ("compatibility_penalty", "boundary_penalty"):
        assert alt["plan"]["kpis"].get(name, 0.0) == pytest.approx(
            -res.objective_terms["contribution"].get(name, 0.0), abs=1e-6)
    assert res.objective_terms["contribution"].sum() == pytest.approx(res.objective)
    return res


def uses(res: optim.Result) -> list[str]:
    return res.parcels["use"].tolist()


# ---- (1) hand-worked optima --------------------------------------------------------------
def test_without_rules_industrial_sits_beside_residential(solve_and_check):
    res = solve(row_doc(), solve_and_check)
    assert res.objective == pytest.approx(95 * M)
    assert uses(res) == ["residential", "industrial", "industrial"]
    assert res.kpi("compatibility_penalty") == 0.0
    assert res.kpi("industrial_boundary") == pytest.approx(2.0)  # P1|P2
    assert res.conflicts is not None and len(res.conflicts) == 0


def test_forbid_changes_the_optimum(solve_and_check):
    res = solve(row_doc(("industrial", "residential", "forbid")), solve_and_check)
    assert res.objective == pytest.approx(75 * M)
    assert uses(res) == ["industrial"] * 3
    assert res.kpi("industrial_boundary") == 0.0


def test_forbid_written_the_other_way_round_is_the_same_rule(solve_and_check):
    res = solve(row_doc(("residential", "industrial", "forbid")), solve_and_check)
    assert res.objective == pytest.approx(75 * M)


def test_penalty_optimum_and_its_conflict(solve_and_check):
    res = solve(row_doc(("industrial", "residential", "penalty", 8 * M)), solve_and_check)
    assert res.objective == pytest.approx(82 * M)
    assert uses(res) == ["residential", "residential", "industrial"]
    assert res.conflicts.to_dict("records") == [
        {"parcel_a": "P2", "parcel_b": "P3", "use_a": "residential", "use_b": "industrial",
         "length": 1.0, "penalty": 8 * M}]
    assert res.kpi("compatibility_penalty") == pytest.approx(8 * M)
    assert res.objective_terms.loc["compatibility_penalty", "contribution"] == pytest.approx(-8 * M)


def test_small_penalty_is_paid_rather_than_avoided(solve_and_check):
    # 3 M per unit length: RII 95 - 3 x 2 = 89 beats RRI 90 - 3 = 87 and III 75
    res = solve(row_doc(("industrial", "residential", "penalty", 3 * M)), solve_and_check)
    assert res.objective == pytest.approx(89 * M)
    assert res.conflicts[["parcel_a", "parcel_b", "length", "penalty"]].to_dict("records") == [
        {"parcel_a": "P1", "parcel_b": "P2", "length": 2.0, "penalty": 6 * M}]


def test_penalty_on_a_use_beside_itself(solve_and_check):
    # {industrial, industrial} 20 M per unit: III 75 - 20 x 3 = 15; RII 95 - 20 = 75;
    # RRI 90 and RIR 65 have no industrial pair: optimum RRI 90
    res = solve(row_doc(("industrial", "industrial", "penalty", 20 * M)), solve_and_check)
    assert res.objective == pytest.approx(90 * M)
    assert uses(res) == ["residential", "residential", "industrial"]
    assert len(res.conflicts) == 0


def test_scattered_industry_without_boundary_penalty(solve_and_check):
    res = solve(strip_doc(), solve_and_check)
    assert res.objective == pytest.approx(95 * M)
    assert uses(res) == ["industrial", "residential", "industrial", "residential"]
    assert res.kpi("industrial_boundary") == pytest.approx(3.0)


def test_boundary_penalty_chooses_a_compact_cluster(solve_and_check):
    res = solve(strip_doc(boundary_penalty=4 * M), solve_and_check)
    assert res.objective == pytest.approx(86 * M)
    assert uses(res) == ["industrial", "industrial", "residential", "residential"]
    assert res.kpi("industrial_boundary") == pytest.approx(1.0)
    terms = res.objective_terms
    assert terms.loc["boundary_penalty", "weight"] == 4 * M
    assert terms.loc["boundary_penalty", "contribution"] == pytest.approx(-4 * M)


def test_reweighting_keeps_the_penalties():
    """A live re-solve with a new output weight keeps the penalty in the objective.
    Output weight 1.1 (industrial 11, 27.5, 44): RRI 30 + 20 + 44 - 8 = 86, RII
    30 + 27.5 + 44 - 16 = 85.5, III 82.5; without the penalty RII would give 101.5."""
    inst = instance(row_doc(("industrial", "residential", "penalty", 8 * M)))
    r = optim.build(inst).resolver(mip_rel_gap=GAP)
    assert r.solve().objective == pytest.approx(82 * M)
    r.set_weights(industrial_output=1.1)
    assert r.solve().objective == pytest.approx(86 * M)
    assert r.value("compatibility_penalty") == pytest.approx(8 * M)
    fresh = inst.copy()
    fresh.objective.weights["industrial_output"] = 1.1
    assert optim.solve(fresh, mip_rel_gap=GAP).objective == pytest.approx(86 * M)
    base = hm.build(inst)  # the array formulation's re-solve too
    h = hm.transfer(base, {"mip_rel_gap": GAP})
    hm.solve(h)
    assert hm.change_cost(h, base, {"industrial_output": 1.1})["objective"] == pytest.approx(86 * M)


def test_study_kpis_include_the_penalty_and_the_boundary():
    # a study reads its KPIs from the expressions: here 8 M for the one conflict
    # (RRI after re-weighting) and a boundary of 1 between P2 and P3, as the tables say
    inst = instance(row_doc(("industrial", "residential", "penalty", 8 * M)))
    r = optim.build(inst).resolver(mip_rel_gap=GAP)
    r.set_weights(industrial_output=1.1)
    r.solve()
    fast, full = r.kpis(), r.result().kpis["value"].to_dict()
    assert fast["compatibility_penalty"] == pytest.approx(8 * M)
    assert list(fast) == list(full) and fast == pytest.approx(full, rel=1e-12, nan_ok=True)


# ---- (2) the compiled rows ---------------------------------------------------------------
def read_row(model, family, label):
    """{(group, label): coefficient}, lower, upper of one row (rows here are not money rows)."""
    return row(model, family, label, in_yuan=False)

def test_forbid_rows_read_off_the_matrix():
    model = optim.build(instance(row_doc(("industrial", "residential", "forbid"))))
    fam = model.formulation.families["compat_forbid_le"]
    # each boundary, each order of the rule: 2 x 2 rows
    assert list(fam.labels) == [("P1", "P2", "residential", "industrial"),
                                ("P1", "P2", "industrial", "residential"),
                                ("P2", "P3", "residential", "industrial"),
                                ("P2", "P3", "industrial", "residential")]
    assert fam.sense == "le"
    for a, b, u, w in fam.labels:
        coefs, lo, hi = read_row(model, "compat_forbid_le", (a, b, u, w))
        assert coefs == {("v_use", (a, u)): 1.0, ("v_use", (b, w)): 1.0}
        assert np.isneginf(lo) and hi == 1.0
    # the same columns as without the rule; 4 more rows, 8 more nonzeros
    plain = optim.build(instance(row_doc())).size
    assert model.size == {**plain, "constraints": plain["constraints"] + 4,
                          "nonzeros": plain["nonzeros"] + 8}


def test_penalty_rows_and_objective_coefficients():
    model = optim.build(instance(row_doc(("industrial", "residential", "penalty", 8 * M))))
    f = model.formulation
    labels = list(f.groups["v_conflict"].labels)
    assert labels == list(f.families["compat_penalty_ge"].labels)
    assert len(labels) == 4
    coefs, lo, hi = read_row(model, "compat_penalty_ge", ("P1", "P2", "industrial", "residential"))
    assert coefs == {("v_conflict", ("P1", "P2", "industrial", "residential")): 1.0,
                     ("v_use", ("P1", "industrial")): -1.0, ("v_use", ("P2", "residential")): -1.0}
    assert lo == -1.0 and np.isposinf(hi)
    cost = f.cost() * f.objective_unit  # yuan
    conflict = dict(zip(labels, cost[f.col("v_conflict")]))
    # 8 M per unit length: P1|P2 is 2 long, P2|P3 1
    assert conflict == pytest.approx({("P1", "P2", "residential", "industrial"): -16 * M,
                                      ("P1", "P2", "industrial", "residential"): -16 * M,
                                      ("P2", "P3", "residential", "industrial"): -8 * M,
                                      ("P2", "P3", "industrial", "residential"): -8 * M})
    assert f.units["compatibility_penalty"] == model.data.money
    g = f.groups["v_conflict"]
    assert (g.lower == 0).all() and (g.upper == 1).all() and not g.integer


def test_boundary_rows():
    model = optim.build(instance(strip_doc(boundary_penalty=4 * M)))
    f = model.formulation
    assert list(f.groups["v_edge"].labels) == [("P1", "P2"), ("P2", "P3"), ("P3", "P4")]
    coefs, lo, hi = read_row(model, "boundary_ge", ("P2", "P3", "P2"))  # v_edge >= ind_P2 - ind_P3
    assert coefs == {("v_edge", ("P2", "P3")): 1.0, ("v_use", ("P2", "industrial")): -1.0,
                     ("v_use", ("P3", "industrial")): 1.0}
    assert lo == 0.0 and np.isposinf(hi)
    coefs, _, _ = read_row(model, "boundary_ge", ("P2", "P3", "P3"))  # v_edge >= ind_P3 - ind_P2
    assert coefs == {("v_edge", ("P2", "P3")): 1.0, ("v_use", ("P2", "industrial")): 1.0,
                     ("v_use", ("P3", "industrial")): -1.0}
    cost = f.cost() * f.objective_unit
    assert cost[f.col("v_edge")].tolist() == pytest.approx([-4 * M] * 3)
    assert (f.groups["v_edge"].upper == 1).all()


# ---- (3) invalid input ---------------------------------------------------------------------
def problems_of(tmp_path: Path, doc: dict, files: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    return [str(p) for p in err.value.problems]


def test_invalid_adjacency_rows(tmp_path):
    doc = _doc(ROW_VALUES, [("P1", "P9", 1), ("P2", "P2", 1), ("P1", "P2", 1), ("P3", "P2", 1),
                            ("P2", "P1", 2), ("P2", "P3", 0)])
    assert problems_of(tmp_path, doc) == [
        "instance.yaml: adjacency[5], length: must be > 0, not 0",
        "instance.yaml: adjacency[0], parcel_b: unknown parcel 'P9'",
        "instance.yaml: adjacency[1]: parcel 'P2' is adjacent to itself",
        "instance.yaml: adjacency[4]: duplicate pair ('P2', 'P1'), already listed as ('P1', 'P2')",
        "instance.yaml: adjacency[5]: duplicate pair ('P2', 'P3'), already listed as ('P3', 'P2')",
    ]


def test_invalid_adjacency_csv(tmp_path):
    doc = _doc(ROW_VALUES, None)
    doc["adjacency"] = {"file": "adjacency.csv"}
    text = "parcel_a,parcel_b,length\nP1,P2,1\nP0,P3,1\n\nP2,P1,\nP3,P3,2\n"
    assert problems_of(tmp_path, doc, {"adjacency.csv": text}) == [
        "adjacency.csv row 3, parcel_a: unknown parcel 'P0'",
        "adjacency.csv row 6: parcel 'P3' is adjacent to itself",
        "adjacency.csv row 5: duplicate pair ('P2', 'P1'), already listed as ('P1', 'P2')",
    ]


def test_invalid_compatibility_rules(tmp_path):
    doc = row_doc(("industrial", "farm", "forbid"),
                  ("industrial", "residential", "penalty"),
                  ("residential", "industrial", "forbid"),
                  ("commercial", "commercial", "ban"),
                  ("commercial", "residential", "penalty", -1))
    doc["objective"]["boundary_penalty"] = -2
    assert problems_of(tmp_path, doc) == [
        "instance.yaml: compatibility[3], rule: 'ban' is not one of forbid, penalty",
        "instance.yaml: compatibility[4], penalty: must be >= 0, not -1",
        "instance.yaml: objective.boundary_penalty: must be >= 0, not -2",
        "instance.yaml: compatibility[0], use_b: unknown use 'farm'",
        "instance.yaml: compatibility[1], penalty: rule 'penalty' needs a penalty > 0",
        ("instance.yaml: compatibility[2]: duplicate rule for the uses ('residential', 'industrial'), "
         "already given as ('industrial', 'residential')"),
    ]


def test_unknown_objective_key_names_boundary_penalty(tmp_path):
    doc = row_doc()
    doc["objective"]["boundary"] = 1
    problems = problems_of(tmp_path, doc)
    assert len(problems) == 1 and problems[0].startswith("instance.yaml: objective.boundary: unknown key")
    assert "boundary_penalty" in problems[0]


def test_cli_reports_bad_adjacency_with_exit_2(tmp_path):
    import contextlib
    import io

    import optim.cli

    doc = _doc(ROW_VALUES, [("P1", "P1", 1)])
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc))
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = optim.cli.main(["validate", str(path)])
    assert code == 2
    assert "error: instance.yaml: adjacency[0]: parcel 'P1' is adjacent to itself" in err.getvalue()


# ---- (4) the checker ------------------------------------------------------------------------
def test_checker_flags_forbidden_uses_side_by_side():
    inst = instance(row_doc(("industrial", "residential", "forbid")))
    res = optim.solve(inst)
    assert check_plan(inst, res).loc["compat_forbid_le", "ok"]
    plan = PlanDecisions.from_result(res)
    plan.parcels.loc["P1", "use"] = "residential"  # residential beside industrial P2
    plan.objective = None  # the edit changes the objective: only the rule is at stake here
    plan.kpis = None
    report = check_plan(inst, plan)
    bad = report[~report["ok"]]
    assert list(bad.index) == ["compat_forbid_le"]
    assert bad.loc["compat_forbid_le", "max_violation"] == 1.0
    assert bad.loc["compat_forbid_le", "worst"] == "P1-P2 (residential/industrial)"


def test_checker_recomputes_the_penalties_in_the_objective():
    inst = instance(row_doc(("industrial", "residential", "penalty", 8 * M)))
    res = optim.solve(inst)
    assert_plan_ok(inst, res)
    kpis = recompute_kpis(inst, res)
    assert kpis["compatibility_penalty"] == pytest.approx(8 * M)
    assert kpis["industrial_boundary"] == pytest.approx(1.0)
    plan = PlanDecisions.from_result(res)
    plan.objective += 8 * M  # as if the penalty had been left out
    report = check_plan(inst, plan)
    assert list(report.index[~report["ok"]]) == ["objective"]
    assert report.loc["objective", "max_violation"] == pytest.approx(8 * M)
    # RII (the plan without the rule) scores 95 - 8 x 2 = 79 with it
    plan = PlanDecisions.from_result(res)
    plan.parcels["use"] = ["residential", "industrial", "industrial"]
    plan.objective, plan.kpis = 79 * M, None
    assert check_plan(inst, plan).loc["objective", "ok"]


def test_checker_recomputes_the_boundary_term():
    inst = instance(strip_doc(boundary_penalty=4 * M))
    plan = PlanDecisions.from_result(optim.solve(inst))
    plan.parcels["use"] = ["industrial", "residential", "industrial", "residential"]
    plan.objective, plan.kpis = 95 * M - 3 * 4 * M, None  # scattered: 95 - 4 x 3 = 83
    report = check_plan(inst, plan)
    assert report["ok"].all(), report
    plan.objective = 95 * M
    assert not check_plan(inst, plan).loc["objective", "ok"]


# ---- (5) instances without adjacency -------------------------------------------------------
def _arrays(model):
    c = model.compiled
    return [c.cost, c.col_lower, c.col_upper, c.row_lower, c.row_upper, c.start, c.index, c.value,
            c.integrality]


def test_without_adjacency_the_model_is_unchanged():
    tiny = optim.load(TINY)
    model = optim.build(tiny)
    assert {k: model.size[k] for k in ("variables", "integer_variables", "constraints")} == \
        {"variables": 13, "integer_variables": 8, "constraints": 14}  # as in test_model.py
    f = model.formulation
    assert not {"v_conflict", "v_edge"} & set(f.groups)
    assert not {"compat_forbid_le", "compat_penalty_ge", "boundary_ge"} & set(f.families)
    res = optim.solve(tiny)
    assert res.conflicts is None and "conflicts" not in res.tables() and "conflicts" not in res.to_dict()
    assert "compatibility_penalty" not in res.kpis.index
    assert list(res.objective_terms.index) == ["land_income", "industrial_output", "coverage",
                                               "financing_cost", "value"]


def test_adjacency_without_rules_or_penalty_adds_nothing():
    plain = optim.build(instance(_doc(ROW_VALUES, None)))
    adjacent = optim.build(instance(_doc(ROW_VALUES, ROW_ADJ)))
    for x, y in zip(_arrays(plain), _arrays(adjacent)):
        assert np.array_equal(x, y)


# ---- outputs -------------------------------------------------------------------------------------
def test_conflicts_are_written_only_with_adjacency(tmp_path):
    inst = instance(row_doc(("industrial", "residential", "penalty", 8 * M)))
    res = optim.solve(inst)
    res.write(tmp_path / "adj")
    table = pd.read_csv(tmp_path / "adj" / "conflicts.csv")
    assert list(table.columns) == ["parcel_a", "parcel_b", "use_a", "use_b", "length", "penalty"]
    assert table.values.tolist() == [["P2", "P3", "residential", "industrial", 1.0, 8 * M]]
    summary = json.loads((tmp_path / "adj" / "summary.json").read_text())
    assert summary["conflicts"] == [{"parcel_a": "P2", "parcel_b": "P3", "use_a": "residential",
                                     "use_b": "industrial", "length": 1.0, "penalty": 8 * M}]
    assert summary["kpis"]["compatibility_penalty"] == 8 * M
    assert "penalised adjacent use pairs: 1" in res.summary()
    optim.solve(optim.load(TINY)).write(tmp_path / "tiny")
    assert not (tmp_path / "tiny" / "conflicts.csv").exists()
    assert "conflicts" not in json.loads((tmp_path / "tiny" / "summary.json").read_text())


# ---- the generator -------------------------------------------------------------------------------
def test_generator_writes_grid_neighbours(tmp_path):
    from optim import generate as gen

    # 7 parcels on a 3-column grid:  P1 P2 P3 / P4 P5 P6 / P7
    path = gen.write(gen.generate(7, seed=1), tmp_path)
    assert (tmp_path / "adjacency.csv").read_text().splitlines() == [
        "parcel_a,parcel_b,length",
        "P0001,P0002,0.12", "P0001,P0004,0.12", "P0002,P0003,0.12", "P0002,P0005,0.12",
        "P0003,P0006,0.12", "P0004,P0005,0.12", "P0004,P0007,0.12", "P0005,P0006,0.12"]
    inst = optim.load(path)
    assert inst.compatibility.to_dict("records") == [
        {"use_a": "industrial", "use_b": "residential", "rule": "penalty", "penalty": gen.COMPAT_PENALTY}]
    n = 20_000  # a 142 x 141 grid: 2n - rows - cols neighbour pairs
    doc = gen.generate(n, seed=1)
    assert len(doc["adjacency"]) == 2 * n - 142 - 141


# ---- a plan within the gap that pays a penalty its uses do not incur ----------------------
def test_penalty_columns_above_what_the_uses_incur_are_settled():
    """RRI with the {industrial, residential} penalty of 8 M per unit (optimum 82 M,
    one conflict P2-P3) and the boundary penalty of 4 M per unit: a solution that
    sets every conflict and edge column to 1 is feasible for the rows (penalty
    columns only have lower limits) but pays 48 M its uses do not incur. The plan reported from it is settled: each penalty column at the
    least its rows allow, the objective the checker recomputes from the uses."""
    from optim.highs import Solution, SolveOptions, make_highs, run_highs
    from optim.results import extract, settled

    doc = _doc(ROW_VALUES, ROW_ADJ, rules=[("industrial", "residential", "penalty", 8 * M)], boundary_penalty=4 * M)
    model = optim.build(instance(doc))
    best = model.solve(mip_rel_gap=GAP)
    assert best.certified and best.objective == pytest.approx((90 - 8 - 4) * M)  # RRI: 1 conflict, 1 edge
    f = model.formulation
    sol = run_highs(make_highs(model.compiled, SolveOptions(mip_rel_gap=GAP)), model.compiled.integer)
    values = sol.values.copy()
    conflict, edge = f.col("v_conflict"), f.col("v_edge")
    assert values[conflict].round().tolist().count(1.0) == 1 and values[edge].round().tolist().count(1.0) == 1
    values[conflict], values[edge] = 1.0, 1.0  # every penalty paid
    cost = model.compiled.cost
    padded = Solution(sol.status, sol.termination, float(cost @ values + model.compiled.offset), sol.bound,
                      sol.gap, values, sol.seconds)
    assert padded.objective * f.objective_unit == pytest.approx(best.objective - 48 * M)
    # it pays what its uses do not incur: P1-P2 (length 2) in both orders 2 x 16 M, P2-P3 in
    # the other order 8 M, the P1-P2 edge 4 M x 2
    fixed = settled(f, padded)
    assert fixed.values[conflict].round().tolist().count(1.0) == 1  # P2-P3 only
    assert fixed.values[edge].round().tolist().count(1.0) == 1
    assert fixed.objective * f.objective_unit == pytest.approx(best.objective)
    assert fixed.gap <= padded.gap
    res = model.certify(extract(f, model.data, padded))
    assert res.certified and res.objective == pytest.approx(best.objective)
    assert settled(f, fixed) is fixed  # nothing more to settle
