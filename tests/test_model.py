"""The compiled model: rows of the tiny instance read off the matrix, and the
Pyomo view of the same model (compiled by Pyomo) agreeing with the direct path."""

from pathlib import Path

import numpy as np
import pytest

import optim
from optim.pyomo_view import to_pyomo
from optim.pyomo_view import compile_pyomo
from matrix import row  # noqa: E402  (tests/matrix.py)

TINY = Path(__file__).resolve().parent.parent / "instances" / "tiny" / "instance.yaml"
M = 1e6


@pytest.fixture(scope="module")
def model():
    return optim.build(optim.load(TINY))




def test_money_is_stated_in_a_unit_near_the_typical_figure(model):
    # tiny's money figures run from 5e6 to 5e7 yuan, median 2e7: unit 1e7 yuan
    assert model.data.money == 1e7
    assert model.formulation.families["own_funds_le"].unit == 1e7
    assert model.formulation.families["resource_cap_le"].unit == 1.0


def test_index_sets_hold_only_allowed_pairs(model):
    f = model.formulation
    assert list(f.groups["v_use"].labels) == [
        ("P1", "commercial"), ("P1", "industrial"), ("P2", "residential"),
        ("P2", "industrial"), ("P3", "industrial")]
    assert list(f.groups["v_draw"].labels) == [("policy", "park"), ("cdb", "park"),
                                               ("special", "ecology")]
    assert list(f.groups["v_open"].labels) == ["cdb"]  # the only source with a ticket or fee
    # 5 use + 2 build + 3 draw + 1 open + 2 own columns; rows: 3 parcel_use, 2
    # category_funding, 3 source_cap, 1 source_min, coverage, own_funds, eod,
    # 1 resource, industrial_need
    assert {k: model.size[k] for k in ("variables", "integer_variables", "constraints")} == \
        {"variables": 13, "integer_variables": 8, "constraints": 14}


def test_parcel_use_row(model):
    coefs, lo, hi = row(model, "parcel_use_eq", "P2")
    assert coefs == {("v_use", ("P2", "residential")): 1.0, ("v_use", ("P2", "industrial")): 1.0}
    assert lo == hi == 1.0


def test_category_funding_row(model):
    # policy + cdb + own(park) - 50 M build(park_infra) - 5 M use(P1,ind) - 8 M use(P2,ind) = 0
    coefs, lo, hi = row(model, "category_funding_eq", "park")
    assert coefs == {("v_draw", ("policy", "park")): 1.0, ("v_draw", ("cdb", "park")): 1.0,
                     ("v_own", "park"): 1.0, ("v_build", "park_infra"): -50 * M,
                     ("v_use", ("P1", "industrial")): -5 * M, ("v_use", ("P2", "industrial")): -8 * M}
    assert lo == hi == 0.0


def test_source_rows(model):
    coefs, lo, hi = row(model, "source_cap_le", "cdb")
    assert coefs == {("v_draw", ("cdb", "park")): 1.0, ("v_open", "cdb"): -40 * M}
    assert hi == 0.0 and np.isneginf(lo)
    coefs, lo, hi = row(model, "source_min_ge", "cdb")
    assert coefs == {("v_draw", ("cdb", "park")): 1.0, ("v_open", "cdb"): -20 * M}
    assert lo == 0.0 and np.isposinf(hi)
    coefs, lo, hi = row(model, "source_cap_le", "special")
    assert coefs == {("v_draw", ("special", "ecology")): 1.0}
    assert hi == pytest.approx(15 * M)


def test_coverage_row(model):
    # external draws into park - 0.8 x (50 M build + conversion costs) >= 0
    coefs, lo, hi = row(model, "coverage_ge")
    assert coefs == {("v_draw", ("policy", "park")): 1.0, ("v_draw", ("cdb", "park")): 1.0,
                     ("v_build", "park_infra"): -40 * M,
                     ("v_use", ("P1", "industrial")): -4 * M,
                     ("v_use", ("P2", "industrial")): -6.4 * M}
    assert lo == 0.0


def test_own_funds_and_eod_rows(model):
    coefs, lo, hi = row(model, "own_funds_le")
    assert coefs == {("v_own", "park"): 1.0, ("v_own", "ecology"): 1.0, ("v_open", "cdb"): 1 * M,
                     ("v_use", ("P1", "commercial")): -30 * M, ("v_use", ("P2", "residential")): -40 * M}
    assert hi == 5 * M
    coefs, lo, hi = row(model, "eod_balance_le")
    assert coefs == {("v_own", "ecology"): 1.0, ("v_use", ("P1", "commercial")): -15 * M}
    assert hi == 0.0


def test_resource_row(model):
    coefs, lo, hi = row(model, "resource_cap_le", "energy")
    assert coefs == {("v_use", ("P1", "industrial")): 4.0, ("v_use", ("P2", "industrial")): 6.0,
                     ("v_use", ("P3", "industrial")): 3.0}
    assert hi == 10.0


def test_objective_coefficients(model):
    f = model.formulation
    cost = f.cost() * f.objective_unit  # objective in yuan
    use = f.col("v_use")
    # land income (weight 1) and output (weight 2) per option
    assert cost[use].tolist() == pytest.approx([30 * M, 2 * 20 * M, 40 * M, 2 * 30 * M, 2 * 10 * M])
    assert cost[f.col("v_open")].tolist() == pytest.approx([-1 * M])  # cdb fee, weight 1
    # 5 % interest per yuan of cdb: a draw column is in units of 1e7 yuan
    assert (cost[f.col("v_draw")] / f.objective_unit).tolist() == pytest.approx([0.0, -0.05, 0.0])


def _row_signatures(start, index, value, lower, upper, col_map=None):
    """Rows as comparable tuples: (sorted nonzeros, lower, upper), with the sense
    normalised so that a '>=' row and its negated '<=' row compare equal."""
    n_rows = len(lower)
    rows = [[] for _ in range(n_rows)]
    for j in range(len(start) - 1):
        col = j if col_map is None else int(col_map[j])
        for k in range(start[j], start[j + 1]):
            rows[index[k]].append((col, round(float(value[k]), 6)))
    return sorted((tuple(sorted(r)), float(lo), float(hi)) for r, lo, hi in zip(rows, lower, upper))


def test_pyomo_view_compiles_to_the_same_matrix(model):
    direct = model.compiled
    compiled, cols = compile_pyomo(to_pyomo(model.formulation))
    assert (cols >= 0).all()
    assert _row_signatures(direct.start, direct.index, direct.value, direct.row_lower, direct.row_upper) == \
        _row_signatures(compiled.start, compiled.index, compiled.value, compiled.row_lower,
                        compiled.row_upper, col_map=cols)
    cost = np.zeros(len(direct.cost))
    cost[cols] = compiled.cost
    assert cost.tolist() == pytest.approx(direct.cost.tolist())
    assert compiled.integrality.tolist() == direct.integrality[cols].tolist()


def test_pyomo_backend_solves_to_the_same_plan(model):
    a = model.solve()
    b = model.solve(backend="pyomo")
    assert b.status == a.status == "optimal"
    assert b.objective == pytest.approx(a.objective)
    assert b.parcels["use"].tolist() == a.parcels["use"].tolist()


def test_pyomo_model_can_be_extended(model):
    # A user's own constraint on the Pyomo model: forbid rezoning P2.
    import pyomo.environ as pyo

    m = model.pyomo
    m.no_p2 = pyo.Constraint(expr=m.v_use["P2", "industrial"] == 0)
    try:
        res = model.solve(backend="pyomo")
        # Only plan A is left, and the EOD balance forbids it (see test_tiny).
        assert res.status == "infeasible"
    finally:
        m.del_component(m.no_p2)


def test_unknown_backend_is_an_error(model):
    with pytest.raises(ValueError, match="unknown backend 'cplex'"):
        model.solve(backend="cplex")
