"""Shadow prices (optim/shadow.py): worked by hand on the tiny instance and
checked against finite differences.

The tiny instance (tests/test_tiny.py) rezones P2 and keeps P1 commercial:
park need 50 + 8 = 58 M, coverage 0.8 x 58 = 46.4 M of external money in the
park = policy 10 M (free, at its cap) + cdb 36.4 M (5 % interest, ticket 20 M,
cap 40 M). With the plan fixed, only the draws and own funds move:

- policy cap: one more yuan of policy money replaces one yuan of cdb, saving
  5 % interest at weight 1: price 0.05 yuan per yuan. It holds while cdb stays
  between its ticket and its cap: policy cap from 46.4 - 40 = 6.4 M to
  46.4 - 20 = 26.4 M.
- coverage target: one point (0.01) less of the target needs 0.01 x 58 M =
  580,000 yuan less of cdb, saving 5 % of it: 29,000 yuan per point. It holds
  while cdb = 0.8 x 58 - 10 stays in [20, 40] M: target from 30/58 = 0.5172
  to 50/58 = 0.8621.
- cdb cap: drawn 36.4 of 40 M: not binding, price 0 (slack 3.6 M).
- special funds: drawn to the 15 M cap, but the 5 M rest of ecology is paid
  by free own funds: at its limit, price 0.
- energy: 3 + 6 = 9 of 10, made only of parcel decisions: fixed by the plan,
  price 0.
- own funds: 17.6 M used of 5 + 30 = 35 M: price 0.

Variant with own funds binding (own_funds_budget 0, coverage target 0.5):
coverage needs only 29 M of external money, below policy 10 + the 20 M cdb
ticket, so cdb is drawn to free own funds: own funds available 0 + 30 M (land
income), needed (58 - 10 - cdb) + 5 (ecology) + 1 (cdb fee) <= 30, so
cdb = 24 M. One more yuan of own-funds budget saves one yuan of cdb: price
0.05; one yuan less to pay into the park category frees one yuan of own
funds: price 0.05 as well; the coverage target (34 M external >= 29 M) is
not binding: price 0. Objective 30 + 2 x 40 - (1 + 0.05 x 24) = 107.8 M.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import optim
from optim.check import assert_plan_ok
from optim.cli import main
from optim.analysis.shadow import COLUMNS, fix_plan, plan_values, shadow_prices
from optim.highs import SolveOptions, make_highs, run_highs

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
THREE_YEAR = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"
M = 1e6


@pytest.fixture()
def tiny():
    return optim.load(TINY)


def fixed_plan_objective(inst: optim.Instance, plan: optim.Result) -> tuple[str, float | None]:
    """Objective (yuan) of `inst` with every integer decision fixed as in `plan`:
    the LP the shadow prices come from, re-solved on changed data."""
    model = optim.build(inst)
    lp = fix_plan(model.compiled, plan_values(model, plan))
    sol = run_highs(make_highs(lp, SolveOptions()), False)
    obj = None if sol.objective is None else sol.objective * model.formulation.objective_unit
    return sol.status, obj


def mip_objective(inst: optim.Instance, plan: optim.Result) -> float:
    """The MIP's optimum on changed data, asserting that the plan did not change
    (a shadow price only predicts changes that keep the plan)."""
    res = optim.solve(inst, mip_rel_gap=0)
    assert_plan_ok(inst, res)
    assert res.parcels["use"].to_dict() == plan.parcels["use"].to_dict()
    return res.objective


def own_funds_variant(inst: optim.Instance) -> optim.Instance:
    inst.policy.own_funds_budget = 0.0
    inst.policy.coverage_target = 0.5
    return inst


# ---- worked by hand ------------------------------------------------------------------------
def test_tiny_prices_worked_by_hand(tiny):
    sp = shadow_prices(tiny)
    assert sp.result.status == "optimal" and sp.status == "optimal"
    assert sp.objective == pytest.approx(107.18 * M)
    assert list(sp.table.columns) == COLUMNS
    t = sp.table.set_index(["family", "member"])
    pol = t.loc[("source_cap_le", "policy")]
    assert pol["price"] == pytest.approx(0.05)
    assert pol["unit"] == "yuan" and bool(pol["binding"])
    assert pol["limit"] == pytest.approx(10 * M)
    assert (pol["valid_from"], pol["valid_to"]) == pytest.approx((6.4 * M, 26.4 * M))
    cov = t.loc[("coverage_ge", "")]
    assert cov["price"] == pytest.approx(29_000)
    assert cov["unit"] == "point (0.01) of coverage" and bool(cov["binding"])
    assert (cov["valid_from"], cov["valid_to"]) == pytest.approx((30 / 58, 50 / 58))
    cdb = t.loc[("source_cap_le", "cdb")]
    assert cdb["price"] == 0 and not cdb["binding"] and cdb["slack"] == pytest.approx(3.6 * M)
    special = t.loc[("source_cap_le", "special")]
    assert special["price"] == 0 and bool(special["binding"]) and special["slack"] == 0
    energy = t.loc[("resource_cap_le", "energy")]
    assert energy["price"] == 0 and bool(energy["fixed_by_plan"]) and not energy["binding"]
    assert energy["slack"] == pytest.approx(1.0) and energy["unit"] == "kt coal eq."
    own = t.loc[("own_funds_le", "")]
    assert own["price"] == 0 and own["slack"] == pytest.approx(17.4 * M)
    assert set(sp.binding()["member"]) == {"policy", "special", ""}
    assert "conditional on the fixed plan" in sp.note
    assert "worth 0.05 yuan" in pol["meaning"]
    assert sp.price("coverage_ge") == pytest.approx(29_000)


def test_own_funds_price_worked_by_hand(tiny):
    inst = own_funds_variant(tiny)
    sp = shadow_prices(inst)
    assert sp.objective == pytest.approx(107.8 * M)
    assert sp.price("own_funds_le") == pytest.approx(0.05)
    assert sp.price("category_funding_eq", "park") == pytest.approx(0.05)
    park = sp.table.set_index(["family", "member"]).loc[("category_funding_eq", "park")]
    assert park["limit"] == pytest.approx(58 * M) and park["unit"] == "yuan"  # the park's need
    assert sp.price("coverage_ge") == 0
    assert sp.price("source_cap_le", "policy") == pytest.approx(0.05)


# ---- finite differences ----------------------------------------------------------------------
@pytest.mark.parametrize("delta", [1 * M, -1 * M])
def test_source_cap_price_matches_finite_differences(tiny, delta):
    sp = shadow_prices(tiny)
    price = sp.price("source_cap_le", "policy")
    base = sp.result.objective
    moved = tiny.copy()
    moved.sources.at["policy", "cap"] = 10 * M + delta
    status, obj = fixed_plan_objective(moved, sp.result)
    assert status == "optimal"
    assert (obj - base) / delta == pytest.approx(price, rel=1e-6)
    assert (mip_objective(moved, sp.result) - base) / delta == pytest.approx(price, rel=1e-6)


@pytest.mark.parametrize("delta", [0.01, -0.01])
def test_coverage_price_matches_finite_differences(tiny, delta):
    # relaxing = lowering the target: price per point = gain / (delta / 0.01)
    sp = shadow_prices(tiny)
    price = sp.price("coverage_ge")
    base = sp.result.objective
    moved = tiny.copy()
    moved.policy.coverage_target = 0.8 - delta
    _, obj = fixed_plan_objective(moved, sp.result)
    assert (obj - base) / (delta / 0.01) == pytest.approx(price, rel=1e-6)
    assert (mip_objective(moved, sp.result) - base) / (delta / 0.01) == pytest.approx(price, rel=1e-6)


def test_non_binding_cap_has_price_zero_and_no_effect(tiny):
    sp = shadow_prices(tiny)
    assert sp.price("source_cap_le", "cdb") == 0
    moved = tiny.copy()
    moved.sources.at["cdb", "cap"] = 41 * M
    _, obj = fixed_plan_objective(moved, sp.result)
    assert obj == pytest.approx(sp.result.objective, rel=1e-12)
    assert mip_objective(moved, sp.result) == pytest.approx(sp.result.objective, rel=1e-12)


def test_binding_resource_cap_is_priced_zero_given_the_plan(tiny):
    # Energy cap 9 = the plan's use (P2 6 + P3 3): binding, but made only of parcel
    # decisions. Relaxing it changes nothing for the fixed plan (and the MIP keeps the
    # plan); tightening it makes the fixed plan infeasible: the price is one-sided, 0.
    tiny.resources.at["energy", "cap"] = 9.0
    sp = shadow_prices(tiny)
    row = sp.table.set_index(["family", "member"]).loc[("resource_cap_le", "energy")]
    assert bool(row["binding"]) and bool(row["fixed_by_plan"]) and row["price"] == 0
    assert row["slack"] == 0
    assert "made only of plan decisions" in row["meaning"]
    relaxed = tiny.copy()
    relaxed.resources.at["energy", "cap"] = 9.5
    _, obj = fixed_plan_objective(relaxed, sp.result)
    assert obj == pytest.approx(sp.result.objective, rel=1e-12)
    assert mip_objective(relaxed, sp.result) == pytest.approx(sp.result.objective, rel=1e-12)
    tightened = tiny.copy()
    tightened.resources.at["energy", "cap"] = 8.5
    assert fixed_plan_objective(tightened, sp.result)[0] == "infeasible"


def test_own_funds_and_category_prices_match_finite_differences(tiny):
    inst = own_funds_variant(tiny)
    sp = shadow_prices(inst)
    base = sp.result.objective
    more = inst.copy()
    more.policy.own_funds_budget = 1 * M
    _, obj = fixed_plan_objective(more, sp.result)
    assert (obj - base) / M == pytest.approx(sp.price("own_funds_le"), rel=1e-6)
    assert (mip_objective(more, sp.result) - base) / M == pytest.approx(0.05, rel=1e-6)
    # one yuan less to pay into the park: park_infra costs 1 M less (coverage does not bind)
    cheaper = inst.copy()
    cheaper.projects.at["park_infra", "cost"] = 49 * M
    _, obj = fixed_plan_objective(cheaper, sp.result)
    assert (obj - base) / M == pytest.approx(sp.price("category_funding_eq", "park"), rel=1e-6)
    # the non-binding coverage target: lowering it changes nothing
    lower = inst.copy()
    lower.policy.coverage_target = 0.49
    _, obj = fixed_plan_objective(lower, sp.result)
    assert obj == pytest.approx(base, rel=1e-12)


def test_periods_cap_price_matches_finite_differences():
    # three-year campaign: cdb's cap is worth 0.519 - 10.38 x 3.8 % = 0.12456 per yuan
    inst = optim.load(THREE_YEAR)
    sp = shadow_prices(inst)
    price = sp.price("source_cap_le", "cdb_loan")
    assert price == pytest.approx(0.519 - 10.38 * 0.038)
    moved = inst.copy()
    moved.sources.at["cdb_loan", "cap"] = float(inst.sources.at["cdb_loan", "cap"]) + 1 * M
    _, obj = fixed_plan_objective(moved, sp.result)
    assert (obj - sp.result.objective) / M == pytest.approx(price, rel=1e-6)


@pytest.mark.parametrize("path", [TINY, THREE_YEAR])
def test_a_given_result_gives_the_same_prices(path):
    # the plan read back from the Result tables (uses, periods, projects, sources)
    inst = optim.load(path)
    res = optim.solve(inst)
    given = shadow_prices(inst, res)
    own = shadow_prices(inst)
    assert given.objective == pytest.approx(own.objective, rel=1e-9)
    assert given.table["price"].to_numpy() == pytest.approx(own.table["price"].to_numpy(), abs=1e-9)
    assert (given.table["binding"] == own.table["binding"]).all()


def test_a_column_vector_as_the_plan(tiny):
    # the plan as the MIP's column vector (e.g. Resolver.last.values): same prices; the
    # Result is rebuilt from the fixed-plan LP
    model = optim.build(tiny)
    sol = run_highs(make_highs(model.compiled, SolveOptions()), True)
    sp = shadow_prices(model, sol.values)
    assert sp.result.has_plan and sp.result.objective == pytest.approx(107.18 * M)
    assert sp.price("source_cap_le", "policy") == pytest.approx(0.05)
    with pytest.raises(ValueError, match="a plan vector must have"):
        shadow_prices(model, sol.values[:-1])


def test_no_plan_gives_no_prices(tiny):
    tiny.eod.income_share = 0.0  # infeasible (tests/test_tiny.py)
    sp = shadow_prices(tiny)
    assert not sp.result.has_plan and sp.objective is None and sp.table.empty


# ---- command line --------------------------------------------------------------------------
def test_cli_json_keys_and_csv(tmp_path, capsys):
    code = main(["shadow", str(TINY), "--json", "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) == {"instance", "status", "objective", "fixed_plan_status", "fixed_plan_objective",
                        "note", "rows", "binding", "structural_priced", "prices"}
    assert out["rows"] == 14 and out["binding"] == 3
    assert set(out["prices"][0]) == set(COLUMNS)
    prices = {(p["family"], p["member"]): p["price"] for p in out["prices"]}
    assert prices[("source_cap_le", "policy")] == pytest.approx(0.05)
    assert prices[("coverage_ge", "")] == pytest.approx(29_000)
    import pandas as pd

    csv = pd.read_csv(tmp_path / "shadow_prices.csv", keep_default_na=False)
    assert list(csv.columns) == COLUMNS and len(csv) == 14


def test_cli_all_rows_and_text(capsys):
    assert main(["shadow", str(TINY), "--json", "--all"]) == 0
    assert len(json.loads(capsys.readouterr().out)["prices"]) == 14
    assert main(["shadow", str(TINY)]) == 0
    text = capsys.readouterr().out
    assert "source_cap_le[policy]" in text and "conditional on the fixed plan" in text


def test_cli_bad_gap_and_no_plan(tmp_path, capsys):
    assert main(["shadow", str(TINY), "--gap", "2"]) == 2
    assert "--gap: must be in [0, 1], not 2" in capsys.readouterr().err
    text = TINY.read_text().replace("income_share: 0.5", "income_share: 0")
    bad = tmp_path / "instance.yaml"
    bad.write_text(text)
    assert main(["shadow", str(bad)]) == 1
    assert "no plan to price" in capsys.readouterr().err


# ---- structural rows -----------------------------------------------------------------------
def row_instance() -> optim.Instance:
    """Three parcels in a row (tests/test_adjacency.py, ROW): residential income 30,
    20, 10 M, industrial output 10, 25, 40 M; boundaries P1|P2 of length 2, P2|P3 of
    1; industrial beside residential costs 8 M per unit length. Optimum 82 M:
    P1, P2 residential, P3 industrial, one conflict P2|P3 paying 8 M."""
    values = [(30, 10), (20, 25), (10, 40)]
    parcels = [{"id": f"P{k}", "area": 10, "current_use": "residential"} for k in (1, 2, 3)]
    options = []
    for k, (income, output) in enumerate(values, start=1):
        options += [{"parcel": f"P{k}", "use": "residential", "land_income": income * M},
                    {"parcel": f"P{k}", "use": "industrial", "output": output * M}]
    return optim.from_frames(
        "row", uses=[{"id": "residential"}, {"id": "industrial", "industrial": True}],
        categories=[{"id": "park"}], parcels=parcels, options=options,
        adjacency=[{"parcel_a": "P1", "parcel_b": "P2", "length": 2},
                   {"parcel_a": "P2", "parcel_b": "P3", "length": 1}],
        compatibility=[{"use_a": "industrial", "use_b": "residential", "rule": "penalty", "penalty": 8 * M}],
        objective={"weights": {"land_income": 1, "industrial_output": 1}})


def test_penalty_rows_bind_only_where_the_plan_pays_a_penalty():
    # Of the compat_penalty_ge rows (v_conflict - v_use[a,u] - v_use[b,w] >= -1), those of
    # P1|P2 with both parcels residential are not tight; P2|P3's (residential, industrial)
    # row is tight and priced: one penalised pair less saves its 8 M x 1. The other
    # order's row (P2 industrial, P3 residential) is tight too (0 - 0 - 1 = -1) but
    # structural and unpriced, so not reported as binding.
    inst = row_instance()
    sp = shadow_prices(inst)
    assert sp.result.objective == pytest.approx(82 * M)
    rows = sp.table[sp.table["family"] == "compat_penalty_ge"]
    priced = rows[rows["price"] != 0]
    assert len(priced) == 1 and priced["price"].iat[0] == pytest.approx(8 * M)
    assert set(priced["member"].iat[0].split("/")) == {"P2", "P3", "residential", "industrial"}
    assert rows["binding"].sum() == 1
    assert sp.structural_priced() == {"compat_penalty_ge": 1}
    assert "compat_penalty_ge" not in set(sp.binding()["family"])
    assert "compat_penalty_ge" in set(sp.binding(structural=True)["family"])
    assert not sp.table.loc[sp.table["family"] == "parcel_use_eq", "binding"].any()
