"""The three-year variant of the reference instance
(instances/baoji_qinganbao/three_year.yaml): phased over 2023-2025, loans
serviced from each year's cash. Every figure below is recomputed from the
instance and the plan, not copied from a previous run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import optim
from optim.check import assert_plan_ok

ROOT = Path(__file__).resolve().parent.parent
THREE_YEAR = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"
SINGLE = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
YEARS = ["2023", "2024", "2025"]


@pytest.fixture(scope="module")
def inst() -> optim.Instance:
    return optim.load(THREE_YEAR)


@pytest.fixture(scope="module")
def result(inst) -> optim.Result:
    return optim.solve(inst)


def test_solves_to_optimality_and_passes_the_checker(inst, result):
    assert result.status == "optimal"
    report = assert_plan_ok(inst, result)
    assert {"cash_balance_ge", "period_funding_ge", "industrial_need_period_ge", "dscr_ge",
            "draw_max_le", "draw_period_eq", "rezone_period_eq"} <= set(report.index)


def test_the_per_year_table(inst, result):
    per = result.periods.set_index("period")
    assert list(per.index) == YEARS
    # the draws per year add up to the campaign's draws
    assert per["draws"].sum() == pytest.approx(result.draws["amount"].sum(), rel=1e-9)
    # the rezoning schedule adds up to the rezoned area
    assert per["rezoned_area"].sum() == pytest.approx(result.kpi("rezoned_area"))
    rez = result.parcels[result.parcels["rezoned"].astype(bool)]
    assert rez["period"].isin(YEARS).all()
    assert result.parcels.loc[~result.parcels["rezoned"].astype(bool), "period"].isna().all()
    by_year = rez.groupby("period")["area"].sum().reindex(YEARS, fill_value=0.0)
    assert by_year.tolist() == pytest.approx(per["rezoned_area"].tolist())
    # no CDB draw above its yearly limit; the policy finance only in 2023
    pd_ = result.period_draws
    cdb = pd_[pd_["source"] == "cdb_loan"].groupby("period")["amount"].sum()
    assert (cdb <= 450e6 + 1e-6).all()
    assert set(pd_.loc[pd_["source"] == "policy_finance", "period"]) == {"2023"}
    # debt service: nothing in the first year; interest only during the grace years
    assert per.loc["2023", "debt_service"] == 0
    drawn = pd_.groupby(["source", "period"])["amount"].sum()
    rate = inst.sources["rate"].astype(float)
    interest_2025 = sum(drawn.get((s, y), 0.0) * rate[s] for s in ("cdb_loan", "policy_finance")
                        for y in ("2023", "2024"))
    assert per.loc["2025", "debt_service"] == pytest.approx(interest_2025, rel=1e-6)
    # what is borrowed and not repaid by 2025 is reported, not dropped
    assert result.kpi("debt_service_beyond_horizon") > sum(drawn[s].sum() for s in ("cdb_loan",)) * 0.9
    assert (per["cash_balance"] >= -1e-6).all()


def test_projects_are_built_in_their_years(inst, result):
    built = result.projects[result.projects["built"].astype(bool)]
    assert built["period"].tolist() == inst.projects["period"].reindex(built.index).tolist()


def test_same_land_decision_as_the_single_period_instance(result):
    """The phasing changes when, not what: the annual-value objective and the same
    totals give the single-period plan's 495 mu (docs/reference-instance.md)."""
    single = optim.solve(optim.load(SINGLE))
    assert result.kpi("rezoned_area") == pytest.approx(single.kpi("rezoned_area"))
    assert result.kpi("coverage") == pytest.approx(single.kpi("coverage"), abs=1e-3)


def test_cli_json_has_periods():
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "solve", str(THREE_YEAR), "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [p["period"] for p in out["periods"]] == YEARS
    for row in out["periods"]:
        assert {"period", "draws", "debt_service", "cash_balance", "rezoned_area"} <= set(row)
    assert sum(p["draws"] for p in out["periods"]) == pytest.approx(
        sum(d["amount"] for d in out["draws"]), rel=1e-9)
