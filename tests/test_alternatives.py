"""Alternative plans (optim/alternatives.py), enumerated by hand.

Instance "three": parcels A, B, C (10 mu each), all commercial with a land
income of 10 M; turned industrial they produce 13, 12 and 9 M a year; weights
1 and 1, no projects, no sources. Rezoning a parcel gains output - income:
A +3, B +2, C -1 M. The objective of a rezoning set is 30 M + its gains, so
the eight plans rank

    {A,B} 35 > {A,B,C} 34 > {A} 33 > {B} 32 = {A,C} 32 > {B,C} 31 > {} 30 > {C} 29   (M yuan)

- within 10 % (>= 31.5 M): {A,B}, {A,B,C}, {A}, {B}, {A,C}: 5 plans, so
  asking for 10 finds 5 and says the band is exhausted; A is rezoned in 4 of
  the 5 (0.8), B in 3 (0.6), C in 2 (0.4); the use most often chosen is
  industrial for A (0.8) and B (0.6), commercial for C (0.6). Parcels changed
  against the optimum: {A,B,C} 1 (C), {A} 1 (B), {B} 1 (A), {A,C} 2 (B, C).
- within 5 % (>= 33.25 M): {A,B} and {A,B,C}.
- count 3, within 10 %: the three best, 35, 34, 33 M, in that order.
- within 0: the optimum only; with C's output at 10 M (gain 0) {A,B,C} ties
  at 35 M and is returned too.

Instance "negative": the same parcels with incomes and outputs 100 times
smaller (income 0.1 M, outputs 0.13/0.12/0.09 M) and a mandatory 10 M project
paid by a loan at 10 % (own funds 0, no land income to own funds): financing
cost 1 M, so every objective is 0.3 M + gains - 1 M < 0: {A,B} -0.65,
{A,B,C} -0.66, {A} -0.67, {B} = {A,C} -0.68, {B,C} -0.69, {} -0.70, {C} -0.71 M.
Within 5 % of |-0.65| = 0.0325 (>= -0.6825 M): the same 5 plans as above. (A
band computed as z* - 5 % z* = -0.6175 would hold the optimum only.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import optim
from optim.analysis.alternatives import FREQUENCY_COLUMNS, SUMMARY_COLUMNS, alternatives
from optim.check import assert_plan_ok
from optim.cli import main

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
M = 1e6

THREE = """\
name: three
uses:
  - {{id: commercial, commercial: true}}
  - {{id: industrial, industrial: true}}
categories:
  - {{id: park}}
parcels:
  - {{id: A, area: 10, current_use: commercial}}
  - {{id: B, area: 10, current_use: commercial}}
  - {{id: C, area: 10, current_use: commercial}}
options:
  - {{parcel: A, use: commercial, land_income: {income}}}
  - {{parcel: A, use: industrial, output: {a}}}
  - {{parcel: B, use: commercial, land_income: {income}}}
  - {{parcel: B, use: industrial, output: {b}}}
  - {{parcel: C, use: commercial, land_income: {income}}}
  - {{parcel: C, use: industrial, output: {c}}}
{extra}objective:
  weights: {{land_income: 1, industrial_output: 1, financing_cost: 1}}
"""

LOAN = """\
projects:
  - {id: infra, category: park, cost: 10000000}
sources:
  - {id: loan, kind: bank_loan, cap: 20000000, rate: 0.1, categories: [park]}
policy:
  land_income_to_own_funds: 0
"""


def write(tmp_path: Path, name: str = "three", c: float = 9 * M, scale: float = 1.0, extra: str = "") -> Path:
    path = tmp_path / name / "instance.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(THREE.format(income=10 * M * scale, a=13 * M * scale, b=12 * M * scale, c=c * scale,
                                 extra=extra))
    return path


def rezoned_sets(alt) -> list[frozenset]:
    return [frozenset(r.parcels.index[r.parcels["rezoned"]]) for r in alt.plans]


def check_plans(inst, alt, within: float) -> None:
    """Every plan passes the independent checker (which recomputes its objective from
    the uses and draws), is distinct, and lies within `within` % of the optimum."""
    for res in alt.plans:
        assert_plan_ok(inst, res)
    sets = rezoned_sets(alt)
    assert len(set(sets)) == len(sets)
    z = alt.plans[0].objective
    for res in alt.plans:
        assert res.objective >= z - within / 100 * abs(z) - 1e-6 * max(1, abs(z))


# ---- worked by hand ---------------------------------------------------------------------------
def test_all_plans_within_ten_percent(tmp_path):
    inst = optim.load(write(tmp_path))
    alt = alternatives(inst, count=10, within=10, mip_rel_gap=0)
    check_plans(inst, alt, 10)
    assert alt.found == 5 and alt.exhausted and alt.stopped == "exhausted"
    assert [r.objective for r in alt.plans] == pytest.approx([35 * M, 34 * M, 33 * M, 32 * M, 32 * M])
    sets = rezoned_sets(alt)
    assert sets[:3] == [frozenset("AB"), frozenset("ABC"), frozenset("A")]
    assert set(sets[3:]) == {frozenset("B"), frozenset("AC")}
    s = alt.summary
    assert list(s.columns) == SUMMARY_COLUMNS and list(s["plan"]) == [0, 1, 2, 3, 4]
    assert list(s["gap_pct"]) == pytest.approx([0, 100 / 35, 200 / 35, 300 / 35, 300 / 35])
    assert list(s["rezoned_area"][:3]) == [20, 30, 10]
    changed = {sets[k]: int(s["parcels_changed"][k]) for k in range(5)}
    assert changed == {frozenset("AB"): 0, frozenset("ABC"): 1, frozenset("A"): 1, frozenset("B"): 1,
                       frozenset("AC"): 2}
    fr = alt.frequency.set_index("parcel")
    assert list(alt.frequency.columns) == FREQUENCY_COLUMNS
    assert fr["rezoned_share"].to_dict() == pytest.approx({"A": 0.8, "B": 0.6, "C": 0.4})
    assert fr["use"].to_dict() == {"A": "industrial", "B": "industrial", "C": "commercial"}
    assert fr["use_share"].to_dict() == pytest.approx({"A": 0.8, "B": 0.6, "C": 0.6})


def test_five_percent_and_count_limit(tmp_path):
    inst = optim.load(write(tmp_path))
    alt = alternatives(inst, count=10, within=5, mip_rel_gap=0)
    check_plans(inst, alt, 5)
    assert rezoned_sets(alt) == [frozenset("AB"), frozenset("ABC")] and alt.exhausted
    alt = alternatives(inst, count=3, within=10, mip_rel_gap=0)
    assert [r.objective for r in alt.plans] == pytest.approx([35 * M, 34 * M, 33 * M])
    assert not alt.exhausted and alt.stopped == "count"


def test_within_zero_gives_the_optimum_and_its_ties(tmp_path):
    inst = optim.load(write(tmp_path))
    alt = alternatives(inst, count=5, within=0, mip_rel_gap=0)
    assert rezoned_sets(alt) == [frozenset("AB")] and alt.exhausted
    tie = optim.load(write(tmp_path, "tie", c=10 * M))  # C's gain is 0: {A,B,C} ties at 35 M
    alt = alternatives(tie, count=5, within=0, mip_rel_gap=0)
    check_plans(tie, alt, 0)
    assert set(rezoned_sets(alt)) == {frozenset("AB"), frozenset("ABC")} and alt.exhausted
    assert [r.objective for r in alt.plans] == pytest.approx([35 * M, 35 * M])


def test_negative_optimum_uses_its_absolute_value(tmp_path):
    inst = optim.load(write(tmp_path, "negative", scale=0.01, extra=LOAN))
    alt = alternatives(inst, count=10, within=5, mip_rel_gap=0)
    check_plans(inst, alt, 5)
    assert alt.optimum == pytest.approx(-0.65 * M)
    assert [r.objective for r in alt.plans] == pytest.approx([-0.65 * M, -0.66 * M, -0.67 * M, -0.68 * M,
                                                              -0.68 * M])
    assert set(rezoned_sets(alt)) == {frozenset("AB"), frozenset("ABC"), frozenset("A"), frozenset("B"),
                                      frozenset("AC")}


def test_mga_finds_the_same_plans_when_it_exhausts_the_band(tmp_path):
    inst = optim.load(write(tmp_path))
    alt = alternatives(inst, count=10, within=10, method="mga", mip_rel_gap=0)
    check_plans(inst, alt, 10)
    assert rezoned_sets(alt)[0] == frozenset("AB") and alt.exhausted
    assert set(rezoned_sets(alt)) == {frozenset("AB"), frozenset("ABC"), frozenset("A"), frozenset("B"),
                                      frozenset("AC")}
    # the first MGA step goes as far from {A,B} as the band allows: {B} and {A,B,C}
    # differ by one parcel, {A,C} by two
    assert rezoned_sets(alt)[1] == frozenset("AC")


def test_bad_arguments(tmp_path):
    inst = optim.load(write(tmp_path))
    with pytest.raises(ValueError, match="unknown method 'random'"):
        alternatives(inst, method="random")
    with pytest.raises(ValueError, match="count must be >= 1"):
        alternatives(inst, count=0)
    with pytest.raises(ValueError, match="within must be >= 0"):
        alternatives(inst, within=-1)


# ---- the reference instance ------------------------------------------------------------------
def test_reference_five_plans_within_one_percent():
    inst = optim.load(REFERENCE)
    alt = alternatives(inst, count=5, within=1)
    assert alt.found == 5 and alt.stopped == "count"
    check_plans(inst, alt, 1)
    assert (alt.summary["gap_pct"] <= 1 + 1e-9).all()
    objectives = alt.summary["objective"].to_numpy()
    assert (objectives[1:] <= objectives[:-1] + 1e-6 * abs(objectives[0])).all()  # next best, in order
    assert alt.plans[0].kpi("rezoned_area") == pytest.approx(495)
    assert (alt.summary["parcels_changed"][1:] > 0).all()
    share = alt.frequency.set_index("parcel")["rezoned_share"]
    assert share.between(0, 1).all() and (share * 5).round(9).mod(1).eq(0).all()


# ---- command line ------------------------------------------------------------------------------
def test_cli_json_and_out(tmp_path, capsys):
    path = write(tmp_path)
    out_dir = tmp_path / "alt"
    code = main(["alternatives", str(path), "--count", "10", "--within", "10", "--gap", "0", "--json",
                 "--out", str(out_dir), "--workers", "2"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"plans", "frequency", "found", "requested", "exhausted", "method", "within"} <= set(out)
    assert out["found"] == 5 and out["requested"] == 10 and out["exhausted"] is True
    assert set(out["plans"][0]) >= {"plan", "objective", "gap_pct", "rezoned_area", "rezoned"}
    assert out["plans"][0]["rezoned"] == ["A", "B"] and out["plans"][1]["rezoned"] == ["A", "B", "C"]
    assert {f["parcel"]: f["rezoned_share"] for f in out["frequency"]} == pytest.approx(
        {"A": 0.8, "B": 0.6, "C": 0.4})
    assert set(out["frequency"][0]) >= {"parcel", "rezoned_share"}
    summary = pd.read_csv(out_dir / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS and len(summary) == 5
    assert list(pd.read_csv(out_dir / "frequency.csv").columns) == FREQUENCY_COLUMNS
    for k in range(5):
        parcels = pd.read_csv(out_dir / "plans" / str(k) / "parcels.csv")
        assert {"parcel", "use", "rezoned"} <= set(parcels.columns)


def test_cli_text_and_bad_input(tmp_path, capsys):
    path = write(tmp_path)
    assert main(["alternatives", str(path), "--count", "2", "--within", "10"]) == 0
    text = capsys.readouterr().out
    assert "plans        2 of 2 requested" in text
    assert main(["alternatives", str(path), "--count", "0"]) == 2
    assert "error: --count: must be >= 1, not 0" in capsys.readouterr().err
    assert main(["alternatives", str(path), "--within", "-1"]) == 2
    assert "error: --within: must be >= 0 (a percentage), not -1" in capsys.readouterr().err


def test_objective_with_adjacency_penalties(tmp_path):
    # tests/test_adjacency.py ROW with industrial beside residential at 8 M per unit length:
    # RRI 82, RII 95 - 2 x 8 = 79, III 75, RRR 60, ... (M). Within 10 % (>= 73.8 M):
    # RRI, RII, III, in that order; the penalties are part of the objective row.
    parcels = [{"id": f"P{k}", "area": 10, "current_use": "residential"} for k in (1, 2, 3)]
    options = []
    for k, (income, output) in enumerate([(30, 10), (20, 25), (10, 40)], start=1):
        options += [{"parcel": f"P{k}", "use": "residential", "land_income": income * M},
                    {"parcel": f"P{k}", "use": "industrial", "output": output * M}]
    inst = optim.from_frames(
        "row", uses=[{"id": "residential"}, {"id": "industrial", "industrial": True}],
        categories=[{"id": "park"}], parcels=parcels, options=options,
        adjacency=[{"parcel_a": "P1", "parcel_b": "P2", "length": 2},
                   {"parcel_a": "P2", "parcel_b": "P3", "length": 1}],
        compatibility=[{"use_a": "industrial", "use_b": "residential", "rule": "penalty", "penalty": 8 * M}],
        objective={"weights": {"land_income": 1, "industrial_output": 1}})
    alt = alternatives(inst, count=10, within=10, mip_rel_gap=0)
    check_plans(inst, alt, 10)
    assert [r.objective for r in alt.plans] == pytest.approx([82 * M, 79 * M, 75 * M]) and alt.exhausted
    assert rezoned_sets(alt) == [frozenset({"P3"}), frozenset({"P2", "P3"}), frozenset({"P1", "P2", "P3"})]
