"""A planner's draft against the optimum (`optim evaluate`, optim/studies/evaluate.py).

Hand-worked cases on the tiny instance (instances/tiny, worked out by hand in
tests/test_tiny.py): plan B (rezone P2) is the optimum, 107.18 M yuan; plan A
(rezone P1) breaks the EOD balance by 5 M (ecology needs 20 - 15 = 5 M of own
funds, and with P1 rezoned the route's commercial income is 0). With 10 M of
the park's own commercial income in the EOD balance, plan A holds and is worth
40 (land) + 2 x 30 (output) - 2.7 (financing: 1 M fee + 5 % of 34 M) = 97.3 M.

The K-changes plans and the front are checked against every plan of a small
park enumerated by brute force (`BRUTE`: six parcels, 2 or 3 uses each, a
quota and land bounds; no money, so each plan's objective is a sum).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import optim
from optim.check import check_changes, check_result_dir
from optim.cli import main
from optim.errors import InstanceError
from optim.model import spec_of
from optim.studies.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
REFERENCE = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
M = 1e6


@pytest.fixture(scope="module")
def tiny() -> optim.Instance:
    return optim.load(TINY)


def tiny_with_park_income(tiny: optim.Instance) -> optim.Instance:
    """The tiny instance where plan A holds: 10 M of the park's own commercial income
    in the EOD balance (0.5 x 10 M = 5 M >= the 5 M of own funds ecology needs)."""
    inst = tiny.copy()
    inst.eod.park_commercial_income = 10 * M
    return inst


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def run(argv: list, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# ---- hand-worked cases --------------------------------------------------------------------------
def test_a_draft_that_is_the_optimum_gives_up_nothing(tiny):
    ev = evaluate(tiny, {"P2": "industrial"})
    assert ev.feasible and ev.result.certified
    assert ev.objective == pytest.approx(107.18 * M)
    assert ev.optimum_objective == pytest.approx(107.18 * M)
    assert ev.gives_up == pytest.approx(0.0, abs=1e-6)
    assert list(ev.changed().index) == []
    assert ev.draft.kept == ["P1", "P3"]  # left out: they keep their current use
    assert "the draft is optimal" in ev.summary()
    # what the draft leaves open (the draws) is optimised as for the optimum
    assert ev.result.draws["amount"].sum() == pytest.approx((10 + 36.4 + 15) * M)


def test_a_draft_gives_up_what_was_worked_out_by_hand(tiny):
    ev = evaluate(tiny_with_park_income(tiny), {"P1": "industrial"})
    assert ev.feasible
    assert ev.objective == pytest.approx(97.3 * M)
    assert ev.optimum_objective == pytest.approx(107.18 * M)
    terms = ev.terms()["gives_up"]
    # land: 30 - 40; output: 2 x (40 - 30); financing cost: -(2.82 - 2.7)
    assert terms["land_income"] == pytest.approx(-10 * M)
    assert terms["industrial_output"] == pytest.approx(20 * M)
    assert terms["financing_cost"] == pytest.approx(-0.12 * M)
    assert terms["total"] == pytest.approx(9.88 * M) == ev.gives_up
    assert terms.drop("total").sum() == pytest.approx(ev.gives_up)
    kpis = ev.kpi_table()
    assert kpis.loc["industrial_output", "difference"] == pytest.approx(10 * M)
    assert kpis.loc["external_financing", "draft"] == pytest.approx(44 * M)  # 0.8 x (50 + 5)
    changed = ev.changed()
    assert list(changed.index) == ["P1", "P2"]
    assert changed.loc["P1", ["draft_use", "optimum_use"]].tolist() == ["industrial", "commercial"]
    assert changed.loc["P2", "optimum_land_income"] == 0 and changed.loc["P2", "draft_land_income"] == 40 * M


def test_an_infeasible_draft_names_the_limit_and_its_amount(tiny):
    ev = evaluate(tiny, {"P1": "industrial"})
    assert not ev.feasible and ev.result.status == "infeasible"
    v = ev.violations()
    assert list(v["constraint"]) == ["eod_balance_le"]
    assert v["amount"].iloc[0] == pytest.approx(5 * M)
    assert v["message"].iloc[0] == ("the EOD balance is short by 5.0 million yuan: ecology spending left to own "
                                    "funds exceeds 50 % of the commercial income of the park and the river route")
    # one change cannot help (P1 kept: 10 mu of industrial land < 20; P2 too: energy 13 > 10): two can
    assert ev.fewest_changes == 2
    assert ev.repair.objective == pytest.approx(107.18 * M) and ev.repair.certified
    d = ev.to_dict()
    assert d["feasible"] is False and d["objective"] is None and d["gives_up"] is None
    assert d["violations"][0]["amount"] == pytest.approx(5 * M)


def test_a_draft_that_fixes_a_source_amount_pays_its_interest(tiny):
    # cdb drawn at 40 M instead of 36.4 M: 3.6 M more at 5 %, 0.18 M of objective
    ev = evaluate(tiny, {"P2": "industrial"}, sources={"cdb": 40 * M})
    assert ev.objective == pytest.approx(107.0 * M)
    assert ev.terms()["gives_up"]["financing_cost"] == pytest.approx(0.18 * M)
    assert ev.terms()["gives_up"]["total"] == pytest.approx(0.18 * M)
    cert = ev.result.certificate
    assert cert.loc["draft_decisions", "ok"] and cert.loc["source_min_draw_ge", "ok"]


def test_a_draft_without_a_source_breaks_coverage_and_own_funds(tiny):
    # no cdb: 10 M of external money against 0.8 x 58 = 46.4 M; own funds 48 + 5 against 5 + 30
    ev = evaluate(tiny, {"P2": "industrial"}, sources=[{"source": "cdb", "draw": False}])
    v = ev.violations().set_index("constraint")
    assert v.loc["coverage_ge", "amount"] == pytest.approx(36.4 * M)
    assert v.loc["own_funds_le", "amount"] == pytest.approx(18 * M)


def test_the_draft_decisions_are_recounted_by_the_checker(tiny):
    ev = evaluate(tiny, {"P2": "industrial"})
    from optim.check import check_draft
    ok = check_draft(ev.result, ev.draft.uses)
    assert ok.loc["draft_decisions", "ok"]
    other = ev.draft.uses.copy()
    other["P1"] = "industrial"
    bad = check_draft(ev.result, other)
    assert not bad.loc["draft_decisions", "ok"] and bad.loc["draft_decisions", "worst"] == "use of P1"


# ---- K changes and the front, against brute force ---------------------------------------------------
BRUTE_DOC = {
    "name": "brute",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "residential"}, {"id": "industrial", "industrial": True}],
    "resources": [{"id": "energy", "cap": 9, "unit": "tce"}],
    "parcels": [{"id": f"P{k}", "area": a, "current_use": u} for k, (a, u) in enumerate(
        [(10, "commercial"), (12, "residential"), (8, "commercial"), (15, "residential"), (9, "commercial"),
         (11, "residential")], start=1)],
    "options": [
        {"parcel": "P1", "use": "commercial", "land_income": 50}, {"parcel": "P1", "use": "industrial", "output": 130, "energy": 3},
        {"parcel": "P2", "use": "residential", "land_income": 40}, {"parcel": "P2", "use": "industrial", "output": 100, "energy": 4},
        {"parcel": "P2", "use": "commercial", "land_income": 46, "energy": 1},
        {"parcel": "P3", "use": "commercial", "land_income": 30}, {"parcel": "P3", "use": "industrial", "output": 90, "energy": 2},
        {"parcel": "P4", "use": "residential", "land_income": 70}, {"parcel": "P4", "use": "industrial", "output": 150, "energy": 5},
        {"parcel": "P5", "use": "commercial", "land_income": 20}, {"parcel": "P5", "use": "industrial", "output": 60, "energy": 2},
        {"parcel": "P5", "use": "residential", "land_income": 24},
        {"parcel": "P6", "use": "residential", "land_income": 35}, {"parcel": "P6", "use": "industrial", "output": 80, "energy": 3}],
    "policy": {"min_industrial_area": 20, "max_forgone_income": 110},
    "objective": {"weights": {"land_income": 1, "industrial_output": 0.5}},
    "solver": {"mip_rel_gap": 0},
}


def brute_plans(inst: optim.Instance) -> list[tuple[dict, float]]:
    """Every feasible plan of the brute-force park and its objective, by hand:
    energy <= cap, industrial area >= min, forgone income <= max."""
    opts = inst.options
    par = inst.parcels
    ind = set(inst.uses.index[inst.uses["industrial"]])
    choices = {p: list(opts.loc[opts["parcel"] == p, "use"]) for p in par.index}
    fig = {(r.parcel, r.use): r for r in opts.itertuples()}
    out = []
    for combo in itertools.product(*choices.values()):
        plan = dict(zip(choices, combo))
        energy = sum(fig[p, u].energy for p, u in plan.items())
        area = sum(par.at[p, "area"] for p, u in plan.items() if u in ind)
        forgone = sum(max(0.0, fig[p, par.at[p, "current_use"]].land_income - fig[p, u].land_income)
                      for p, u in plan.items() if u != par.at[p, "current_use"])
        if energy <= 9 and area >= 20 and forgone <= 110:
            value = sum(fig[p, u].land_income + 0.5 * fig[p, u].output for p, u in plan.items())
            out.append((plan, value))
    return out


def changes(plan: dict, draft: dict) -> int:
    return sum(plan[p] != draft[p] for p in plan)


@pytest.fixture(scope="module")
def brute(tmp_path_factory) -> optim.Instance:
    path = tmp_path_factory.mktemp("brute") / "brute.yaml"
    path.write_text(yaml.safe_dump(BRUTE_DOC, allow_unicode=True), encoding="utf-8")
    return optim.load(path)


@pytest.mark.parametrize("draft", [
    {"P1": "industrial", "P2": "industrial"},                      # feasible: 270 against 291
    {"P1": "industrial", "P4": "industrial"},                      # forgone income 50 + 70 > 110
    {"P1": "industrial", "P2": "industrial", "P4": "industrial"},  # energy 3 + 4 + 5 > 9
    {"P5": "industrial"},                                          # 9 mu of industry < 20
    {"P3": "industrial", "P5": "residential", "P6": "industrial"},  # 19 mu < 20; a third use on P5
])
def test_k_changes_and_the_front_match_brute_force(brute, draft):
    plans = brute_plans(brute)
    full = {p: draft.get(p, brute.parcels.at[p, "current_use"]) for p in brute.parcels.index}
    best = {k: max((v for plan, v in plans if changes(plan, full) <= k), default=None) for k in range(7)}
    optimum = max(v for _, v in plans)
    k0 = min(changes(plan, full) for plan, _ in plans)
    ev = evaluate(brute, draft, changes_front=True, front_cap=7, max_changes=3)
    assert optimum == 291 and len(plans) == 36  # (the enumeration itself, for the record)
    assert ev.optimum_objective == pytest.approx(optimum)
    assert ev.feasible == (k0 == 0)
    if not ev.feasible:
        assert ev.fewest_changes == k0
        assert ev.repair.objective == pytest.approx(best[k0])
    assert ev.near.objective == pytest.approx(best[3]) if best[3] is not None else ev.near is None
    front = ev.front
    assert front["changes"].iloc[0] == k0
    for row in front.itertuples():
        assert row.objective == pytest.approx(best[row.changes]), row.changes
        assert row.changed <= row.changes and row.certified
    # the front stops where the optimum is first reached
    reached = min(k for k in best if best[k] is not None and best[k] >= optimum - 1e-9)
    assert front["changes"].iloc[-1] == reached
    assert front["share"].iloc[-1] == pytest.approx(1.0)
    base = ev.objective if ev.feasible else best[k0]
    assert front["gain"].tolist() == pytest.approx([best[k] - base for k in front["changes"]])


def test_the_changes_row_is_a_study_family_the_checker_recounts(brute):
    spec = spec_of("draft_changes_le")
    assert spec.kind == "study" and spec.checker_family == "draft_changes_le"
    draft = {"P1": "industrial", "P2": "industrial"}
    ev = evaluate(brute, draft, max_changes=3)
    near = ev.near
    assert near.certificate.loc["draft_changes_le", "ok"]
    n_changed = len(ev.to_dict()["max_changes"]["changed_parcels"])
    assert n_changed == 3  # 291, the optimum, is 3 changes away (brute force, above)
    # the same plan against a bound one below its changes fails the checker
    report = check_changes(near, ev.draft.uses, n_changed - 1)
    assert not report.loc["draft_changes_le", "ok"]
    assert report.loc["draft_changes_le", "max_violation"] == pytest.approx(1.0)


def test_max_changes_below_the_fewest_has_no_plan(brute):
    ev = evaluate(brute, {"P5": "industrial"}, max_changes=0)
    assert ev.fewest_changes == 1 and ev.near is None
    assert "no plan within 0 change(s) of the draft: it needs at least 1" in ev.notes


# ---- the command line: JSON, the folder written and read back -----------------------------------
def test_json_carries_the_documented_keys(tmp_path, capsys):
    draft = write_csv(tmp_path / "draft.csv", "parcel,use\nP1,industrial\n")
    doc = yaml.safe_load(TINY.read_text())
    doc["eod"]["park_commercial_income"] = 10_000_000
    inst = tmp_path / "tiny.yaml"
    inst.write_text(yaml.safe_dump(doc))
    code, out, err = run(["evaluate", inst, "--plan", draft, "--json", "--max-changes", "2", "--changes-front"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["kind"] == "evaluation" and d["feasible"] is True
    assert d["objective"] == pytest.approx(97.3 * M)
    assert d["optimum_objective"] == pytest.approx(107.18 * M)
    assert d["gives_up"]["total"] == pytest.approx(9.88 * M)
    assert d["gives_up"]["terms"]["industrial_output"] == pytest.approx(20 * M)
    assert d["changed_parcels"] == ["P1", "P2"]
    assert d["kpis"]["coverage"]["draft"] == pytest.approx(0.8)
    # one change cannot help plan A (P1 kept commercial: 10 mu of industry; P2 industrial: energy 13): two can
    assert [p["changes"] for p in d["changes_front"]] == [0, 1, 2]
    assert [p["share"] for p in d["changes_front"]] == pytest.approx([0.0, 0.0, 1.0])
    assert d["max_changes"]["k"] == 2 and d["max_changes"]["gain"] == pytest.approx(9.88 * M)
    assert d["max_changes"]["changed_parcels"] == ["P1", "P2"]
    assert d["fewest_changes_for"] == {"0.5": 2, "0.9": 2, "1": 2}


def test_the_folder_is_written_whole_and_read_back(tmp_path, capsys):
    draft = write_csv(tmp_path / "draft.csv", "parcel,use\nP2,industrial\n")
    out = tmp_path / "evaluation"
    code, _, err = run(["evaluate", TINY, "--plan", draft, "--out", out, "--changes-front"], capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "evaluation" and summary["gives_up"]["total"] == pytest.approx(0.0, abs=1e-6)
    assert {p.name for p in out.iterdir()} == {"summary.json", "changed.csv", "kpis.csv", "objective_terms.csv",
                                              "changes_front.csv", "plans"}
    assert {p.name for p in (out / "plans").iterdir()} == {"draft", "optimum"}
    code, stdout, err = run(["check-plan", TINY, out / "plans" / "draft"], capsys)
    assert code == 0 and "all" in stdout and "hold within the tolerance" in stdout
    assert check_result_dir(optim.load(TINY), out / "plans" / "optimum")["ok"].all()
    kpis = pd.read_csv(out / "kpis.csv", index_col="kpi")
    assert kpis.loc["external_financing", "draft"] == pytest.approx(46.4 * M)
    # written again over itself: the folder is replaced whole
    code, _, err = run(["evaluate", TINY, "--plan", draft, "--out", out], capsys)
    assert code == 0, err
    assert not (out / "changes_front.csv").exists()


def test_an_infeasible_draft_exits_1_with_its_violation(tmp_path, capsys):
    draft = write_csv(tmp_path / "draft.csv", "parcel,use\nP1,industrial\n")
    code, out, _ = run(["evaluate", TINY, "--plan", draft, "--out", tmp_path / "ev"], capsys)
    assert code == 1
    assert "feasible     NO" in out
    assert "the EOD balance is short by 5.0 million yuan" in out
    assert "fewest changes for a plan: 2 parcel(s) (P1: industrial -> commercial, P2: residential -> industrial)" in out
    violations = pd.read_csv(tmp_path / "ev" / "violations.csv")
    assert violations["constraint"].tolist() == ["eod_balance_le"]
    assert {p.name for p in (tmp_path / "ev" / "plans").iterdir()} == {"optimum", "repair"}


# ---- bad input: refused with the row and the fix, exit 2, nothing written -----------------------
BAD = [
    ("parcel,use\nP9,industrial\n",
     "draft.csv row 2, parcel: unknown parcel 'P9': the instance has no such parcel (check the id against its "
     "parcels: P1, P2, P3)"),
    ("parcel,use\nP1,farm\n",
     "draft.csv row 2, use: unknown use 'farm' (uses: commercial, residential, industrial)"),
    ("parcel,use\nP3,commercial\n",
     "draft.csv row 2, use: 'commercial' is not allowed on parcel 'P3' (its options: industrial): give one of "
     "them, or add the option to the instance's options table"),
    ("parcel,use\nP2,industrial\n\nP2,residential\n",
     "draft.csv row 4, parcel: parcel 'P2' is given twice (also draft.csv row 2): keep one row per parcel"),
    ("parcel,use\nP2,\n", "draft.csv row 2, use: required value is missing"),
    ("id,use\n,industrial\n", "draft.csv row 2, id: required value is missing: give the parcel's id"),
    ("use\nindustrial\n", "draft.csv: missing required column 'parcel' (the parcel's id; 'id' is read as well)"),
    ("parcel,use,colour\nP2,industrial,red\n",
     "draft.csv: unknown column 'colour' (known: parcel, id, use, period, area, current_use, zone, x, y, route, "
     "lock, name, note, description)"),
    ("parcel,use\n", "draft.csv: the draft has no rows: list the parcels it rezones (a parcel left out keeps its "
                     "current use)"),
    ("parcel,use,period\nP2,industrial,2024\n", "draft.csv row 2, period: the instance has no periods: leave the "
                                                "column empty"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_a_bad_draft_is_refused_with_its_row_and_nothing_is_written(tmp_path, capsys, text, message):
    draft = write_csv(tmp_path / "draft.csv", text)
    out = tmp_path / "ev"
    code, stdout, err = run(["evaluate", TINY, "--plan", draft, "--out", out], capsys)
    assert code == 2
    assert f"error: {message}" in err.splitlines(), err
    assert "Traceback" not in err and stdout == ""
    assert not out.exists()


def test_a_parcel_left_out_must_be_able_to_keep_its_use(tmp_path, capsys):
    doc = yaml.safe_load(TINY.read_text())
    doc["parcels"][0]["lock"] = "in"  # P1 must be rezoned
    inst = tmp_path / "locked.yaml"
    inst.write_text(yaml.safe_dump(doc))
    draft = write_csv(tmp_path / "draft.csv", "parcel,use\nP2,industrial\n")
    code, _, err = run(["evaluate", inst, "--plan", draft], capsys)
    assert code == 2
    assert ("error: draft.csv: parcel 'P1' is not in the draft, so it keeps its current use 'commercial', but the "
            "instance locks it in (lock: in: it must be rezoned): add a row for it with its new use") in err
    draft = write_csv(tmp_path / "draft.csv", "parcel,use\nP1,commercial\n")
    code, _, err = run(["evaluate", inst, "--plan", draft], capsys)
    assert ("error: draft.csv row 2, use: parcel 'P1' keeps its current use 'commercial', but the instance locks "
            "it in (lock: in: it must be rezoned): give it another use") in err


def test_bad_projects_and_sources_of_a_yaml_draft(tmp_path, capsys):
    draft = tmp_path / "draft.yaml"
    draft.write_text(yaml.safe_dump({
        "parcels": [{"parcel": "P2", "use": "industrial"}],
        "projects": [{"project": "park_infra", "build": False}, {"project": "bridge", "build": True}],
        "sources": [{"source": "cdb", "amount": 50_000_000}, {"source": "policy", "draw": True}]}))
    code, _, err = run(["evaluate", TINY, "--plan", draft], capsys)
    assert code == 2
    assert err.splitlines()[:4] == [
        "error: draft.yaml: projects[0], build: project 'park_infra' is mandatory in the instance: the draft cannot "
        "leave it unbuilt (give build: true, or drop the row)",
        "error: draft.yaml: projects[1], project: unknown project 'bridge' (projects: park_infra, river)",
        "error: draft.yaml: sources[0], amount: source 'cdb': 50.0 million yuan is above the source's cap of 40.0 "
        "million yuan",
        "error: draft.yaml: sources[1], draw: source 'policy' has no minimum ticket or fixed cost, so there is no "
        "yes/no decision to fix: give the `amount` it draws, or drop the row and leave its draws to the model"]


def test_options_that_do_not_fit_the_file(tmp_path, capsys):
    draft = write_csv(tmp_path / "draft.csv", "parcel,use\nP2,industrial\n")
    code, _, err = run(["evaluate", TINY, "--plan", draft, "--sheet", "x"], capsys)
    assert code == 2 and "error: --sheet: applies to a workbook (.xlsx, .xlsm), not draft.csv" in err
    code, _, err = run(["evaluate", TINY, "--plan", tmp_path / "none.csv"], capsys)
    assert code == 2 and f"error: {tmp_path / 'none.csv'}: draft file not found" in err
    code, _, err = run(["evaluate", TINY, "--plan", draft, "--max-changes", "-1"], capsys)
    assert code == 2 and "error: --max-changes: must be a whole number of parcels >= 0, not -1" in err
    code, _, err = run(["evaluate", TINY, "--plan", draft, "--seed", "3"], capsys)
    assert code == 2 and "error: --seed: draws the scenarios of --uncertainty: give --uncertainty" in err


# ---- files from planners' desks: GBK, a workbook, a GIS layer -----------------------------------
def chinese_tiny(tmp_path: Path) -> Path:
    doc = yaml.safe_load(TINY.read_text())
    names = {"P1": "青岗01", "P2": "青岗02", "P3": "宝钛03"}
    for p in doc["parcels"]:
        p["id"] = names[p["id"]]
    for o in doc["options"]:
        o["parcel"] = names[o["parcel"]]
    path = tmp_path / "tiny_zh.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_a_gbk_draft_is_read_with_its_encoding(tmp_path, capsys):
    inst = chinese_tiny(tmp_path)
    draft = write_csv(tmp_path / "方案.csv", "parcel,use,note\n青岗02,industrial,青岗堡厂区\n", encoding="gb18030")
    code, _, err = run(["evaluate", inst, "--plan", draft], capsys)
    assert code == 2
    assert ("error: 方案.csv: not UTF-8 text (bad byte at offset 16): it reads as GB18030/GBK, the encoding of "
            "Chinese Windows (e.g. '青岗02,industrial,青岗堡厂区'): give --encoding gb18030 (in Python: "
            "encoding='gb18030'), or save the file from Excel as 'CSV UTF-8 (Comma delimited)'") in err
    code, out, err = run(["evaluate", inst, "--plan", draft, "--encoding", "gb18030", "--json"], capsys)
    assert code == 0, err
    assert "note: 方案.csv: read as gb18030 (the table's `encoding`)" in err
    d = json.loads(out)
    assert d["objective"] == pytest.approx(107.18 * M) and d["draft"]["rezoned"] == ["青岗02"]


def test_a_workbook_draft_by_sheet(tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl", reason="the excel extra (openpyxl) is not installed")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "notes"
    ws.append(["anything"])
    plan = wb.create_sheet("方案")
    plan.append(["parcel", "use"])
    plan.append(["P1", "industrial"])
    path = tmp_path / "draft.xlsx"
    wb.save(path)
    code, _, err = run(["evaluate", TINY, "--plan", path], capsys)
    assert code == 2 and ("error: draft.xlsx: the workbook has 2 sheets ('notes', '方案'): say which with --sheet "
                          "NAME (or FILE:NAME)") in err
    ev = evaluate(tiny_with_park_income(optim.load(TINY)), f"{path}:方案")
    assert ev.objective == pytest.approx(97.3 * M)
    code, out, err = run(["evaluate", TINY, "--plan", path, "--sheet", "方案"], capsys)
    assert code == 1 and "the EOD balance is short by 5.0 million yuan" in out  # plan A on the tiny instance


def test_a_gis_layer_with_a_use_column(tmp_path):
    gpd = pytest.importorskip("geopandas", reason="the gis extra is not installed")
    shapely = pytest.importorskip("shapely")
    frame = gpd.GeoDataFrame({"id": ["P1", "P2", "P3"], "current_use": ["commercial", "residential", "industrial"],
                              "use": ["commercial", "industrial", "industrial"]},
                             geometry=[shapely.box(k * 100, 0, k * 100 + 90, 90) for k in range(3)], crs="EPSG:4545")
    path = tmp_path / "draft.gpkg"
    frame.to_file(path, layer="plan")
    ev = evaluate(optim.load(TINY), path)
    assert ev.feasible and ev.gives_up == pytest.approx(0.0, abs=1e-6)
    assert ev.draft.listed == ["P1", "P2", "P3"] and ev.draft.kept == []


def test_python_takes_a_dataframe_and_says_what_is_wrong(tiny):
    ev = optim.evaluate(tiny, pd.DataFrame({"parcel": ["P2"], "use": ["industrial"]}))
    assert ev.objective == pytest.approx(107.18 * M)
    with pytest.raises(InstanceError) as err:
        optim.evaluate(tiny, pd.DataFrame({"parcel": ["P2", "P2"], "use": ["industrial", "residential"]}))
    assert [str(p) for p in err.value.problems] == [
        "plan: parcels[1], parcel: parcel 'P2' is given twice (also plan: parcels[0]): keep one row per parcel"]


# ---- the picture ------------------------------------------------------------------------------------
def test_the_changes_front_is_plotted(tmp_path, brute):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    from optim.plots import figure_changes, plot_changes

    ev = evaluate(brute, {"P1": "industrial", "P2": "industrial"}, changes_front=True)
    fig = figure_changes(ev)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "parcels changed from the draft (K)"
    assert ax.get_ylabel() == "gain over the draft (M yuan of objective)"
    texts = [t.get_text() for t in ax.texts]
    assert texts[-1] == "100%" and len(texts) == len(ev.front)
    assert plot_changes(ev.front, tmp_path / "front.png").stat().st_size > 1000


def test_optim_plot_changes_reads_the_folder(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    draft = write_csv(tmp_path / "draft.csv", "parcel,use\nP2,industrial\n")
    run(["evaluate", TINY, "--plan", draft, "--out", tmp_path / "without"], capsys)
    code, _, err = run(["plot", "changes", tmp_path / "without", "--out", tmp_path / "front.png"], capsys)
    assert code == 2 and "has no changes_front.csv; expected the output directory of `optim evaluate " \
                         "--changes-front --out`" in err and not (tmp_path / "front.png").exists()
    run(["evaluate", TINY, "--plan", draft, "--out", tmp_path / "with", "--changes-front"], capsys)
    code, out, err = run(["plot", "changes", tmp_path / "with", "--out", tmp_path / "front.png"], capsys)
    assert code == 0, err
    assert (tmp_path / "front.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- under uncertainty: the draft judged on the scenarios ------------------------------------------
def test_the_draft_is_judged_on_each_scenario_as_by_hand(tiny):
    # two scenarios: land prices as they are, or down 50 %; plan A (the draft, with park income)
    # keeps P2 residential: 40 M or 20 M of land income, the rest unchanged: 97.3 M or 77.3 M
    inst = tiny_with_park_income(tiny)
    section = {"scenarios": {"as_is": {"probability": 0.5},
                             "slump": {"probability": 0.5,
                                       "scale": {"options[use=residential].land_income": 0.5,
                                                 "options[use=commercial].land_income": 0.5}}},
               "recourse": "none"}
    ev = evaluate(inst, {"P1": "industrial"}, uncertainty=section)
    st = ev.uncertainty
    draft = st.judged["draft"]
    assert dict(zip(draft.scenarios, draft.values)) == pytest.approx({"as_is": 97.3 * M, "slump": 77.3 * M})
    assert draft.expected == pytest.approx(87.3 * M)
    assert draft.certified
    # plan B, the stochastic plan: 30 or 15 M of land, 80 M of output, 2.82 M of financing
    assert st.plan.expected == pytest.approx((107.18 + 92.18) / 2 * M)
    u = ev.to_dict()["uncertainty"]
    assert u["stochastic_gains_over_draft"] == pytest.approx((99.68 - 87.3) * M)
    assert "the stochastic plan gains 12.4 million yuan over the draft" in ev.summary()


def test_the_plan_within_k_changes_is_judged_beside_the_draft(tiny):
    # within 2 changes of plan A (P1 back to commercial, P2 to industrial) is plan B, the
    # stochastic plan of the two scenarios: 107.18 M as they are, 92.18 M in the slump
    # (15 M of land income lost), 99.68 M expected, 12.38 M above the draft's 87.3 M
    inst = tiny_with_park_income(tiny)
    section = {"scenarios": {"as_is": {"probability": 0.5},
                             "slump": {"probability": 0.5,
                                       "scale": {"options[use=residential].land_income": 0.5,
                                                 "options[use=commercial].land_income": 0.5}}},
               "recourse": "none"}
    ev = evaluate(inst, {"P1": "industrial"}, uncertainty=section, max_changes=2)
    near = ev.uncertainty.judged["changes_2"]
    assert dict(zip(near.scenarios, near.values)) == pytest.approx({"as_is": 107.18 * M, "slump": 92.18 * M})
    assert near.certified and "draft_decisions" in near.certificate.index
    u = ev.to_dict()["uncertainty"]
    assert u["gains_over_draft"] == {"changes_2": pytest.approx(12.38 * M)}
    assert "the plan within 2 change(s) gains 12.4 million yuan over the draft" in ev.summary()
    # a plan that breaks the uses it was given is not certified: the check recounts them
    from optim.check.draft import check_draft
    wrong = check_draft(near.results[1], pd.Series({"P1": "industrial", "P2": "residential", "P3": "residential"}))
    assert not bool(wrong["ok"].all())


# ---- the reference park's draft (instances/baoji_qinganbao/draft_plan.csv) ------------------------
def test_the_reference_draft_is_the_articles_495_mu_and_1750_m():
    # recomputed from the files: the draft's parcels, their areas, and the land income of their
    # current use less that of industrial land (options.csv prices are per mu)
    folder = REFERENCE.parent
    rows = pd.read_csv(folder / "draft_plan.csv")
    parcels = pd.read_csv(folder / "parcels.csv").set_index("id")
    options = pd.read_csv(folder / "options.csv").set_index(["parcel", "use"])["land_income"]
    assert set(rows["use"]) == {"industrial"} and rows["parcel"].is_unique
    area = parcels.loc[rows["parcel"], "area"]
    forgone = sum(a * (options[(p, parcels.at[p, "current_use"])] - options[(p, "industrial")])
                  for p, a in area.items())
    assert area.sum() == 495 and forgone == pytest.approx(1749.7 * M)
    ev = evaluate(REFERENCE, folder / "draft_plan.csv", max_changes=3)
    assert ev.feasible and ev.certified
    assert ev.result.kpi("rezoned_area") == pytest.approx(495)
    assert ev.result.kpi("forgone_land_income") == pytest.approx(forgone)
    # the draft is not the optimum: what it gives up adds up over the terms, and the plan within
    # 3 changes differs from it on 3 parcels at most and is no worse than it, no better than the optimum
    assert ev.gives_up > 0 and ev.terms()["gives_up"].drop("total").sum() == pytest.approx(ev.gives_up)
    changed = [p for p, u in ev.near.parcels["use"].items() if u != ev.draft.uses[p]]
    assert 0 < len(changed) <= 3
    assert ev.objective <= ev.near.objective <= ev.optimum_objective + 1e-6
