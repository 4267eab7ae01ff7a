"""Presolve checks (optim/prechecks.py): each check fires, with its exact message and
figures worked out by hand, and the shipped instances raise no error.

The small instances come from tests/test_explain.py (their shortfalls are worked
out there); here each bound is recomputed by hand.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import optim
from optim.analysis.prechecks import Finding, coefficient_ranges, errors, precheck
from optim.model import create_model

from test_explain import COVERAGE, LAND, OWN_FUNDS, RESOURCE, M, load

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
REFERENCE = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
THREE_YEAR = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"


def texts(findings: list[Finding], check: str | None = None) -> list[str]:
    return [str(f) for f in findings if check is None or f.check == check]


@pytest.mark.parametrize("path", [REFERENCE, TINY, THREE_YEAR])
def test_shipped_instances_raise_no_error(path):
    findings = precheck(optim.load(path))
    assert errors(findings) == []
    assert findings == []  # not even a warning


def test_coverage_bound(tmp_path):
    """Least investment in scope: the mandatory 100 M project; 80 % of it is 80 M;
    the only external source, the loan, gives at most 60 M: short by at least 20 M."""
    inst = load(tmp_path, COVERAGE)
    assert texts(precheck(inst)) == [
        "error: policy.coverage_target: the coverage target of 80 % cannot be met: the investment in "
        "scope is at least 100.0 million yuan, so at least 80.0 million yuan of external financing is "
        "needed, but the external sources eligible for the scope can give at most 60.0 million yuan "
        "(short by at least 20.0 million yuan)"]
    # a max_draw lowers what the loan can give: 50 M, short by 30 M
    inst.sources["max_draw"] = [50 * M]
    assert "short by at least 30.0 million yuan" in texts(precheck(inst), "coverage_bound")[0]
    # with the cap raised to 80 M the bound holds exactly: no finding
    inst = load(tmp_path, COVERAGE)
    inst.sources.loc["loan", "cap"] = 80 * M
    assert errors(precheck(inst)) == []
    assert optim.solve(inst).has_plan


def test_coverage_bound_counts_the_cheapest_conversion(tmp_path):
    """P1 may turn industrial at a 20 M conversion cost (park is the conversion
    category), but need not: the least investment stays 100 M (no finding once the
    loan's cap is 80 M); locked in (must be rezoned) it becomes 120 M, 80 % = 96 M
    > 80 M: short by at least 16 M."""
    doc = copy.deepcopy(COVERAGE)
    doc["options"].append({"parcel": "P1", "use": "industrial", "conversion_cost": 20 * M})
    doc["sources"][0]["cap"] = 80 * M
    inst = load(tmp_path, doc)
    assert texts(precheck(inst), "coverage_bound") == []
    inst.parcels.loc["P1", "lock"] = "in"
    (msg,) = texts(precheck(inst), "coverage_bound")
    assert "at least 120.0 million yuan, so at least 96.0 million yuan" in msg
    assert msg.endswith("(short by at least 16.0 million yuan)")


def test_resource_bound(tmp_path):
    """A (industrial only) uses 5; B locked in must turn industrial: 8. Every plan
    needs 13 > 10: short by at least 3. Unlocked, B can stay residential (0): 5 <= 10."""
    inst = load(tmp_path, RESOURCE)
    assert texts(precheck(inst), "resource_bound") == []
    inst.parcels.loc["B", "lock"] = "in"
    assert texts(precheck(inst), "resource_bound") == [
        "error: resource energy: every plan needs at least 13 tce/year of energy (each parcel at its "
        "least-using allowed use), more than its cap of 10 tce/year (short by at least 3 tce/year)"]


def test_industrial_land(tmp_path):
    """Only A (10 mu) can be industrial; the plant needs 40 mu: short by at least 30."""
    inst = load(tmp_path, LAND)
    assert texts(precheck(inst)) == [
        "error: projects: mandatory projects need 40 mu of industrial land, but at most 10 mu can be "
        "industrial (short by at least 30 mu)"]
    inst.projects.loc["plant", "industrial_area"] = 0.0
    inst.policy.min_industrial_area = 50.0
    inst.policy.max_industrial_area = 5.0
    assert texts(precheck(inst), "industrial_land") == [
        "error: policy.min_industrial_area: the minimum industrial area of 50 mu cannot be reached: at "
        "most 10 mu can be industrial",
        "error: policy.max_industrial_area: the maximum industrial area of 5 mu is too small: the "
        "parcels' allowed uses give at least 10 mu"]


def test_own_funds_bound(tmp_path):
    """Park needs 100 M, the loan gives at most 70 M: own funds pay at least 30 M;
    they are at most 20 M + 100 % x 5 M (the largest land income) = 25 M."""
    inst = load(tmp_path, OWN_FUNDS)
    assert texts(precheck(inst)) == [
        "error: policy.own_funds_budget: own funds cannot pay for the mandatory spending: beyond what "
        "their eligible sources can give, the categories need at least 30.0 million yuan of own funds "
        "(park 30.0 million yuan), but own funds are at most 25.0 million yuan (the budget of 20.0 million "
        "yuan plus 100 % of the largest land income, 5.0 million yuan; short by at least 5.0 million yuan)"]
    inst.policy.own_funds_budget = 25 * M  # 25 + 5 >= 30: the bound holds
    assert precheck(inst) == []
    assert optim.solve(inst).has_plan


def test_parcels_without_use(tmp_path):
    inst = load(tmp_path, LAND)
    inst.projects.loc["plant", "industrial_area"] = 0.0
    inst.options = inst.options[inst.options["parcel"] != "B"].reset_index(drop=True)
    assert texts(precheck(inst, matrix=False), "parcel_uses") == [
        "error: parcel B: parcel 'B' has no allowed use in the options table"]
    # the same words as validation
    assert [p.message for p in optim.validate(inst) if "allowed use" in p.message] == [
        "parcel 'B' has no allowed use in the options table"]


def test_unusable_sources(tmp_path):
    """`empty` may pay for no category; `green` only for ecology, where nothing is
    spent; `bond` must draw (min_draw 1 M) but may pay only for ecology too."""
    doc = copy.deepcopy(OWN_FUNDS)
    doc["policy"]["own_funds_budget"] = 30 * M
    doc["categories"].append({"id": "ecology", "ecology": True})
    doc["sources"] += [{"id": "empty", "kind": "bond", "cap": 1 * M, "categories": []},
                       {"id": "green", "kind": "special_fund", "cap": 1 * M, "categories": ["ecology"]}]
    inst = load(tmp_path, doc)
    assert texts(precheck(inst), "unusable_source") == [
        "warning: source empty: may pay for no category (its categories list is empty): it is never drawn",
        "warning: source green: may pay only for ecology, where nothing is ever spent (no project cost, no "
        "conversion or relocation cost): it is never drawn"]
    inst.sources.loc["green", "min_draw"] = 1 * M
    findings = precheck(inst)
    assert texts(findings)[0] == (
        "error: source green: may pay only for ecology, where nothing is ever spent (no project cost, no "
        "conversion or relocation cost), but it must draw at least 1.0 million yuan")
    assert optim.solve(inst).status == "infeasible"  # the error is right


def test_category_without_source(tmp_path):
    """A mandatory 5 M ecology project and no source for ecology: own funds pay it all
    (a warning only: own funds need 30 M for park + 5 M for ecology = 35 M and can
    give 40 M of budget + 5 M of land income = 45 M, so the own-funds bound holds)."""
    doc = copy.deepcopy(OWN_FUNDS)
    doc["policy"]["own_funds_budget"] = 40 * M
    doc["categories"].append({"id": "ecology"})
    doc["projects"].append({"id": "river", "category": "ecology", "cost": 5 * M})
    inst = load(tmp_path, doc)
    assert texts(precheck(inst)) == [
        "warning: category ecology: mandatory spending of 5.0 million yuan but no source may pay for it: "
        "own funds must pay all of it"]
    assert optim.solve(inst).has_plan


def test_money_scale():
    """tiny's nonzero money figures after the change, in M: land income 30, 40; output
    20, 30, 10; conversion 5, 8; project costs 50, 20; caps 10, 40, 1e11 (special);
    cdb's ticket 20 and fixed cost 0.5 yuan; own-funds budget 5. Sorted, the 8th of 15
    (the median) is 20 M. 0.5 yuan < 20 M / 1e6 = 20 yuan; 1e17 / 0.5 = 2e17 > 1e9."""
    inst = optim.load(TINY)
    inst.sources.loc["cdb", "fixed_cost"] = 0.5
    inst.sources.loc["special", "cap"] = 1e17
    assert texts(precheck(inst), "money_scale") == [
        "warning: source cdb fixed_cost: money figures range from 0.5 yuan (source cdb fixed_cost) to 1e+17 "
        "yuan (source special cap), a ratio of 2.0e+17: the model is badly scaled; money is stated in yuan: "
        "check that no figure is in another unit (for example million yuan)",
        "warning: source cdb fixed_cost: 0.5 yuan is less than a millionth of the typical money figure "
        "(2e+07 yuan): is it in another unit (million yuan?)"]


def test_matrix_scale_and_ranges():
    """tiny's energy figures 4, 6, 3 and cap 10 give resource_cap_le coefficients in
    [3, 6]; an energy figure of 1e-10 on P3 makes the matrix range 1e-10 .. 20 (the
    20 mu of P2 in industrial_need_ge): ratio 2e11 > 1e9."""
    f, _ = create_model(optim.load(TINY))
    ranges = coefficient_ranges(f)
    assert ranges.loc["resource_cap_le", ["min_coef", "max_coef", "max_rhs"]].tolist() == [3.0, 6.0, 10.0]
    assert ranges.loc["industrial_need_ge", ["min_coef", "max_coef"]].tolist() == [10.0, 20.0]
    inst = optim.load(TINY)
    inst.options.loc[inst.options["parcel"] == "P3", "energy"] = 1e-10
    (msg,) = texts(precheck(inst), "matrix_scale")
    assert msg.startswith(
        "warning: family resource_cap_le: matrix coefficients range from 1.0e-10 (resource_cap_le) to "
        "2.0e+01 (industrial_need_ge), a ratio of 2.0e+11: the model is badly scaled")


# ---- command line -----------------------------------------------------------------------
def optim_cli(*args):
    return subprocess.run([sys.executable, "-m", "optim.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_solve_stops_on_a_precheck_error(tmp_path):
    path = tmp_path / "land.yaml"
    path.write_text(yaml.safe_dump(LAND))
    proc = optim_cli("solve", path)
    assert proc.returncode == 1
    assert "no plan" in proc.stdout
    assert "error: projects: mandatory projects need 40 mu of industrial land" in proc.stderr
    proc = optim_cli("solve", path, "--json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["status"] == "infeasible" and out["termination"] == "precheck"
    assert [p["check"] for p in out["prechecks"]] == ["industrial_land"]


def test_solve_prints_warnings_and_solves(tmp_path):
    doc = yaml.safe_load(TINY.read_text())
    doc["sources"][1]["fixed_cost"] = 0.5
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(doc))
    proc = optim_cli("solve", path, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"
    assert "warning: source cdb fixed_cost: 0.5 yuan is less than a millionth" in proc.stderr
