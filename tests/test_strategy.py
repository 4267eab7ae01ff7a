"""The solve strategies (optim/strategy.py), the safe bound (optim/safe_bound.py),
the column bounds the rows imply (optim/model/bounds.py) and the model as a file.

- The safe bound is never below the optimum found by enumeration on small parks
  (every integer decision enumerated, the rest an LP), from HiGHS's duals and
  from perturbed duals; a column left without a bound whose reduced cost has the
  wrong sign makes it infinite, never wrong.
- `lp-guided` and `plain` reach the same objective within the gap, with a valid
  bound, on a panel of small generated and hand-made parks (phased, relocation,
  locks, adjacency, the reference park and its three-year campaign), also with
  the LP-guided plan forced on small models; a park whose LP is fractional and
  whose restricted MIP is infeasible falls back to HiGHS alone.
- Limits mid-strategy give `feasible` with the honest bound; an infeasible
  model gets the same explanation; an unbounded LP the same status.
- `write_model` writes the model HiGHS gets: HiGHS alone on the file reaches
  `model_objective`.
"""

from __future__ import annotations

import copy
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import highspy
import numpy as np
import pytest
import yaml

import optim
import optim.strategy as strategy
from optim import cli
from optim.generate import generate, write
from optim.highs import STRATEGIES, Compiled, SolveOptions, compile_model, make_highs, run_highs
from optim.safe_bound import safe_bound

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
THREE = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"
EVERY = ROOT / "tests" / "data" / "every_family" / "instance.yaml"
M = 1e6
GAP = 1e-4  # optim's default relative gap


# ---- small parks ---------------------------------------------------------------------------
def from_doc(doc: dict) -> optim.Instance:
    doc = copy.deepcopy(doc)
    return optim.from_frames(doc.pop("name"), **doc)


# three parcels beside each other, a penalty for industrial beside residential, a
# switched source with a minimum ticket, a locked parcel and a locked-in source
LOCKS = {
    "name": "locks_and_neighbours",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True},
             {"id": "residential"}],
    "categories": [{"id": "park"}],
    "parcels": [{"id": "P1", "area": 10, "current_use": "commercial", "lock": "in"},
                {"id": "P2", "area": 20, "current_use": "residential"},
                {"id": "P3", "area": 10, "current_use": "industrial"},
                {"id": "P4", "area": 15, "current_use": "residential", "lock": "out"}],
    "options": [{"parcel": "P1", "use": "commercial", "land_income": 30 * M},
                {"parcel": "P1", "use": "industrial", "output": 25 * M, "conversion_cost": 4 * M},
                {"parcel": "P2", "use": "residential", "land_income": 40 * M},
                {"parcel": "P2", "use": "industrial", "output": 50 * M, "conversion_cost": 9 * M},
                {"parcel": "P3", "use": "industrial", "output": 10 * M},
                {"parcel": "P3", "use": "commercial", "land_income": 12 * M},
                {"parcel": "P4", "use": "residential", "land_income": 20 * M},
                {"parcel": "P4", "use": "industrial", "output": 35 * M}],
    "projects": [{"id": "infra", "category": "park", "cost": 30 * M, "mandatory": True},
                 {"id": "hub", "category": "park", "cost": 12 * M, "output": 15 * M}],
    "sources": [{"id": "cheap", "kind": "bank_loan", "cap": 20 * M, "rate": 0.02},
                {"id": "dear", "kind": "bond", "cap": 60 * M, "rate": 0.05, "min_ticket": 10 * M,
                 "fixed_cost": 0.5 * M},
                {"id": "closed", "kind": "bond", "cap": 60 * M, "rate": 0.0, "lock": "out"}],
    "adjacency": [{"parcel_a": "P1", "parcel_b": "P2", "length": 2},
                  {"parcel_a": "P2", "parcel_b": "P3", "length": 1},
                  {"parcel_a": "P3", "parcel_b": "P4", "length": 1}],
    "compatibility": [{"use_a": "industrial", "use_b": "residential", "rule": "penalty", "penalty": 2 * M}],
    "policy": {"own_funds_budget": 15 * M, "land_income_to_own_funds": 0.2},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1, "financing_cost": 1},
                  "boundary_penalty": 0.5 * M},
}

RELOCATION = {
    "name": "relocation",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True}],
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
                         {"enterprise": "E2", "parcel": "C", "cost": 3 * M}],
    "policy": {"own_funds_budget": 0, "land_income_to_own_funds": 0},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1, "financing_cost": 1}},
}


def fallback_doc() -> dict:
    """A park whose LP relaxation takes P1 and P2 industrial whole and P3 at 0.6,
    while no plan has P1 and P2 both industrial: the project needs 20 mu of
    industrial land (P1 10, P2 8, P3 12 mu), the energy cap is 10 (P1 6, P2 1,
    P3 5). With P1 and P2 fixed as in the LP, P3 must be industrial too (energy
    12): the restricted MIP is infeasible. The one plan: P2 and P3 industrial.
    Thirty filler parcels (commercial 10.01 M against residential 10 M) are the
    closest calls, so the restricted MIP frees them, not P1 or P2."""
    fillers = [{"id": f"F{k:02d}", "area": 10, "current_use": "residential"} for k in range(1, 31)]
    options = []
    for p, out, energy in (("P1", 100, 6), ("P2", 50, 1), ("P3", 50, 5)):
        options += [{"parcel": p, "use": "residential", "land_income": 0},
                    {"parcel": p, "use": "industrial", "output": out * M, "energy": energy}]
    for f in fillers:
        options += [{"parcel": f["id"], "use": "residential", "land_income": 10 * M},
                    {"parcel": f["id"], "use": "commercial", "land_income": 10.01 * M}]
    return {"name": "fallback",
            "uses": [{"id": "residential"}, {"id": "commercial", "commercial": True},
                     {"id": "industrial", "industrial": True}],
            "categories": [{"id": "park"}], "resources": [{"id": "energy", "cap": 10}],
            "parcels": [{"id": "P1", "area": 10, "current_use": "residential"},
                        {"id": "P2", "area": 8, "current_use": "residential"},
                        {"id": "P3", "area": 12, "current_use": "residential"}] + fillers,
            "options": options,
            "projects": [{"id": "site", "category": "park", "cost": 0, "industrial_area": 20, "mandatory": True}],
            "objective": {"weights": {"land_income": 1, "industrial_output": 1}}}


def perturbed_tiny(seed: int) -> optim.Instance:
    """The tiny park with its figures scaled at random (seeded)."""
    rng = np.random.default_rng(seed)
    inst = optim.load(TINY).copy()
    o = inst.options
    for col in ("land_income", "output", "conversion_cost", "energy"):
        o[col] = o[col].astype(float) * rng.uniform(0.5, 1.5, len(o))
    inst.resources["cap"] = inst.resources["cap"].astype(float) * rng.uniform(0.7, 1.6)
    s = inst.sources
    s["cap"] = s["cap"].astype(float) * rng.uniform(0.6, 2.0, len(s))
    s["min_ticket"] = np.minimum(s["min_ticket"].astype(float), s["cap"])
    s["fixed_cost"] = s["fixed_cost"].astype(float) * rng.uniform(0, 2, len(s))
    inst.projects["cost"] = inst.projects["cost"].astype(float) * rng.uniform(0.7, 1.3, len(inst.projects))
    inst.policy.coverage_target = float(rng.uniform(0, 0.9))
    inst.policy.own_funds_budget = float(inst.policy.own_funds_budget * rng.uniform(0.8, 3))
    inst.objective.weights = {"land_income": 1.0, "industrial_output": float(rng.choice([0.5, 1, 2])),
                              "coverage": float(rng.choice([0, 0.1])), "financing_cost": 1.0}
    return inst


# ---- enumeration ---------------------------------------------------------------------------
ONE_OF = {"parcel_use_eq": True, "relocation_assign_eq": True, "relocation_assign_le": False}


def brute_force(model: optim.Model) -> float:
    """The optimum of a small single-period model by enumeration: every choice of
    one use per parcel, one site (or none, if optional) per enterprise, and every
    0/1 value of the other integer columns; the continuous columns by an LP."""
    c, f = model.compiled, model.formulation
    integer = np.flatnonzero(c.integrality > 0)
    grouped: set[int] = set()
    choices = []  # per group: the assignments ((column, value), ...) it can take
    for name, exactly in ONE_OF.items():
        fam = f.families.get(name)
        if fam is None:
            continue
        for k in range(fam.size):
            cols = fam.col[fam.row == k]
            cols = cols[c.col_upper[cols] > 0]
            grouped.update(cols.tolist())
            group = [tuple((j, float(j == one)) for j in cols) for one in cols]
            if not exactly:
                group.append(tuple((j, 0.0) for j in cols))
            choices.append(group)
    rest = [j for j in integer if j not in grouped]
    for j in rest:
        choices.append([((j, float(v)),) for v in range(int(c.col_lower[j]), int(c.col_upper[j]) + 1)])
    assert np.prod([len(ch) for ch in choices]) <= 5000, "too many plans to enumerate"
    lp = replace(c, integrality=np.zeros_like(c.integrality))
    best = -np.inf
    for combo in itertools.product(*choices):
        lo, hi = lp.col_lower.copy(), lp.col_upper.copy()
        for part in combo:
            for j, v in part:
                lo[j] = hi[j] = v
        if (lo > c.col_upper).any() or (hi < c.col_lower).any():
            continue
        sol = run_highs(make_highs(replace(lp, col_lower=lo, col_upper=hi),
                                   SolveOptions(mip_rel_gap=None, presolve="off")), False)
        if sol.status == "optimal":
            best = max(best, sol.objective)
    return best


def lp_duals(compiled: Compiled) -> np.ndarray:
    lp = replace(compiled, integrality=np.zeros_like(compiled.integrality))
    sol = run_highs(make_highs(lp, SolveOptions(mip_rel_gap=None)), False)
    assert sol.status == "optimal"
    return np.asarray(sol.start.row_dual, dtype=float)


ENUMERATED = [("tiny", lambda: optim.load(TINY)), ("locks", lambda: from_doc(LOCKS)),
              ("relocation", lambda: from_doc(RELOCATION))] + \
    [(f"tiny_{s}", lambda s=s: perturbed_tiny(s)) for s in (1, 2, 3, 4, 5, 6)]  # seeds 0 and 7: no plan


@pytest.fixture(scope="module", params=ENUMERATED, ids=[name for name, _ in ENUMERATED])
def enumerated(request):
    model = optim.build(request.param[1]())
    return model, brute_force(model)


def test_safe_bound_is_never_below_the_enumerated_optimum(enumerated):
    model, best = enumerated
    assert np.isfinite(best)
    bound = safe_bound(model.compiled, lp_duals(model.compiled))
    assert bound.finite and bound.unbounded_columns == 0
    assert bound.value >= best
    # the LP bound is that of the LP: close to HiGHS's LP value, not merely valid
    lp = replace(model.compiled, integrality=np.zeros_like(model.compiled.integrality))
    value = run_highs(make_highs(lp, SolveOptions(mip_rel_gap=None)), False).objective
    assert bound.value == pytest.approx(value, rel=1e-9, abs=1e-9)


def test_safe_bound_stays_valid_with_perturbed_duals(enumerated):
    model, best = enumerated
    y = lp_duals(model.compiled)
    rng = np.random.default_rng(7)
    scale = max(1.0, float(np.abs(y).max()))
    for k in range(40):
        noise = rng.normal(0.0, [1e-9, 1e-4, 1e-1, 1.0][k % 4] * scale, len(y))
        z = y + noise if k % 5 else -y + noise  # some with every sign wrong
        z[rng.random(len(y)) < 0.2] = 0.0
        bound = safe_bound(model.compiled, z)
        assert bound.value >= best  # finite or not: never below the optimum


def test_strategies_reach_the_enumerated_optimum(enumerated):
    model, best = enumerated
    for name in STRATEGIES:
        res = model.solve(strategy=name, mip_rel_gap=1e-9)
        assert res.certified and res.status == "optimal", name
        assert res.model_objective == pytest.approx(best, rel=1e-7, abs=1e-7)
        assert res.bound / model.formulation.objective_unit >= best - 1e-9 * max(1.0, abs(best))


def test_a_column_without_a_bound_and_a_wrong_signed_reduced_cost_makes_the_bound_infinite():
    model = optim.build(optim.load(TINY))
    c, f = model.compiled, model.formulation
    y = lp_duals(c)
    best = brute_force(model)
    j = int(f.col("v_draw")[0])  # a draw: bounded by the rows, and by its implied bound
    free = replace(c, col_upper=np.where(np.arange(len(c.cost)) == j, np.inf, c.col_upper))
    # push its reduced cost c_j - a_j'y above 0 (wrong for a column that may grow without bound)
    rows = c.index[c.start[j]:c.start[j + 1]]
    vals = c.value[c.start[j]:c.start[j + 1]]
    z = y.copy()
    d = c.cost[j] - vals @ z[rows]
    z[rows[0]] -= (1.0 - d) / vals[0]  # now d_j = 1
    assert c.cost[j] - vals @ z[rows] == pytest.approx(1.0)
    bound = safe_bound(free, z)
    assert not bound.finite and bound.value == np.inf and bound.unbounded_columns >= 1
    assert safe_bound(c, z).value >= best  # with its bound: finite or not, valid
    # a reduced cost of 3e-18 against an infinite bound: infinite, never a number
    tiny_rc = y.copy()
    d = c.cost[j] - vals @ tiny_rc[rows]
    tiny_rc[rows[0]] -= (3e-18 - d) / vals[0]
    assert not safe_bound(free, tiny_rc).finite
    # a minimisation: the bound is a lower bound (the same model, costs negated)
    flipped = replace(c, cost=-c.cost, maximize=False)
    assert safe_bound(flipped, -y).value <= -best


# ---- the column bounds the rows imply -----------------------------------------------------
def panel_instances(tmp_path_factory) -> dict[str, optim.Instance]:
    folder = tmp_path_factory.mktemp("panel")
    out = {"tiny": optim.load(TINY), "reference": optim.load(REF), "three_year": optim.load(THREE),
           "every_family": optim.load(EVERY), "locks": from_doc(LOCKS), "relocation": from_doc(RELOCATION),
           "fallback": from_doc(fallback_doc())}
    one = yaml.safe_load(EVERY.read_text())
    for key in ("periods", "period_caps", "draw_limits"):
        one.pop(key)
    for e in one["enterprises"]:
        e.pop("by_period", None)
    for s in one["sources"]:
        for key in ("tenor", "grace", "exit_share"):
            s.pop(key, None)
    for key in ("tax_share", "min_dscr", "discount_rate"):
        one["policy"].pop(key)
    (folder / "one.yaml").write_text(yaml.safe_dump(one))
    out["every_family_one_period"] = optim.load(folder / "one.yaml")
    for n, seed, periods in ((20, 2, 1), (30, 2, 1), (20, 1, 3), (30, 2, 3)):
        path = write(generate(n, seed=seed, periods=periods), folder / f"g{n}_{seed}_{periods}")
        out[f"generated_{n}_s{seed}_p{periods}"] = optim.load(path)
    return out


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    return panel_instances(tmp_path_factory)


@pytest.fixture(scope="module")
def plain_results(panel):
    return {name: optim.solve(inst, strategy="plain") for name, inst in panel.items()}


def test_every_column_has_a_finite_bound(panel):
    for name, inst in panel.items():
        c = optim.build(inst).compiled
        assert np.isfinite(c.col_lower).all() and np.isfinite(c.col_upper).all(), name


def test_implied_bounds_cut_off_no_plan(panel, plain_results):
    """The model without the implied bounds (and so with only the rows to bound the
    money columns) has the same optimum, and its plan keeps within them."""
    for name, inst in panel.items():
        model = optim.build(inst)
        f = model.formulation
        loose = compile_model(f, implied=False)
        sol = run_highs(make_highs(loose, SolveOptions(mip_rel_gap=1e-9)), True)
        tight = run_highs(make_highs(model.compiled, SolveOptions(mip_rel_gap=1e-9)), True)
        assert sol.status == tight.status == "optimal", name
        assert sol.objective == pytest.approx(tight.objective, rel=1e-7, abs=1e-7), name
        _, upper, _ = f.bounds(implied=True)
        assert (sol.values <= upper + 1e-6 * np.maximum(1.0, np.abs(upper))).all(), name


def test_big_m_is_clipped_to_what_a_source_can_draw(tmp_path):
    # the generated 1,000-parcel park: a switched source with a cap of 858 M can
    # draw at most 417 M (the largest needs of the categories it may pay for)
    model = optim.build(optim.load(write(generate(1000, seed=1), tmp_path / "park")))
    d, f = model.data, model.formulation
    fam = f.families["source_cap_le"]
    labels = list(fam.labels)
    clipped = 0
    for k, s in enumerate(d.sources.index):
        if s not in d.switched:
            assert np.isinf(d.source_bound[k])
            continue
        cap = float(d.sources.at[s, "cap"]) / d.money
        row = labels.index(s)
        coef = -fam.coef[(fam.row == row) & np.isin(fam.col, f.col("v_open"))]
        assert coef[0] == pytest.approx(d.source_bound[k]) and d.source_bound[k] <= cap
        categories = d.pairs.loc[d.pairs["source"] == s, "category"]
        drawable = sum(d.need_max[d.categories.index(c)] for c in categories)
        assert d.source_bound[k] == pytest.approx(min(cap, drawable))
        clipped += d.source_bound[k] < cap
    assert clipped >= 1
    k = list(d.sources.index).index("special_bond")
    assert d.sources.at["special_bond", "cap"] / d.money == pytest.approx(858.25)
    assert d.source_bound[k] == pytest.approx(417.36)


# ---- the strategies agree -------------------------------------------------------------------
def agree(name: str, a: optim.Result, b: optim.Result, gap: float = GAP) -> None:
    """Two results of one model: both certified plans, objectives within the gap,
    each bound at least the other's objective."""
    assert a.has_plan and b.has_plan, name
    assert a.certified and b.certified, name
    scale = max(1.0, abs(b.objective))
    assert abs(a.objective - b.objective) <= 2 * gap * scale, (name, a.objective, b.objective)
    tol = 1e-9 * scale
    assert a.bound >= b.objective - tol and b.bound >= a.objective - tol, name
    assert a.gap <= gap + 1e-12 and a.status == "optimal", name


def test_lp_guided_agrees_with_plain(panel, plain_results):
    for name, inst in panel.items():
        res = optim.solve(inst)  # the default strategy
        assert res.strategy == "lp-guided" and res.proved_by in ("lp_bound", "mip")
        agree(name, res, plain_results[name])


def test_lp_guided_plan_forced_on_small_models_agrees_with_plain(panel, plain_results, monkeypatch):
    """With the size rule off, every park goes through the LP-guided plan."""
    monkeypatch.setattr(strategy, "SMALL_MODEL", 0)
    steps_seen = set()
    for name, inst in panel.items():
        res = optim.solve(inst)
        agree(name, res, plain_results[name])
        steps = {s["step"]: s["status"] for s in res.steps}
        assert steps["lp"] == "optimal" and steps["guided_plan"] != "skipped", name
        steps_seen.add(res.proved_by)
    assert steps_seen == {"lp_bound", "mip"}  # both ways of proving happen on the panel


def test_the_lp_bound_proves_a_plan_without_the_whole_mip(panel, plain_results, monkeypatch):
    # the every-family park (phased, relocation, locks, adjacency) and its one-period
    # version: the LP relaxation is within the gap of the LP-guided plan (with the
    # size rule off: these small models' LP solution may be fractional on a project,
    # which sends them straight to HiGHS by default)
    monkeypatch.setattr(strategy, "SMALL_MODEL", 0)
    for name in ("every_family", "every_family_one_period"):
        res = optim.solve(panel[name])
        assert res.proved_by == "lp_bound" and res.status == "optimal", name
        assert [s["step"] for s in res.steps] == ["lp", "safe_bound", "guided_plan"]
        agree(name, res, plain_results[name])
        assert (res.bound - res.objective) / abs(res.objective) <= GAP
        model = optim.build(panel[name])
        assert res.bound / model.formulation.objective_unit == pytest.approx(
            safe_bound(model.compiled, lp_duals(model.compiled)).value, rel=1e-12)


def test_restricted_mip_infeasible_falls_back_to_highs_alone(panel, plain_results):
    res = optim.solve(panel["fallback"])
    steps = [(s["step"], s["status"]) for s in res.steps]
    assert steps == [("lp", "optimal"), ("safe_bound", "finite"), ("guided_plan", "infeasible"),
                     ("mip", "optimal")]
    assert res.parcels.loc[["P1", "P2", "P3"], "use"].tolist() == ["residential", "industrial", "industrial"]
    assert res.objective == pytest.approx(30 * 10.01 * M + 100 * M)
    agree("fallback", res, plain_results["fallback"])
    # its LP relaxation was fractional: P3 at 0.6
    model = optim.build(panel["fallback"])
    x = run_highs(make_highs(replace(model.compiled, integrality=np.zeros_like(model.compiled.integrality)),
                             SolveOptions(mip_rel_gap=None)), False).values
    use = model.formulation.col("v_use")
    labels = list(model.formulation.groups["v_use"].labels)
    assert x[use[labels.index(("P3", "industrial"))]] == pytest.approx(0.6)
    assert x[use[labels.index(("P1", "industrial"))]] == pytest.approx(1.0)


def test_small_model_with_a_fractional_project_goes_to_highs_alone(panel):
    res = optim.solve(panel["generated_20_s2_p1"])
    steps = [(s["step"], s["status"]) for s in res.steps]
    assert steps[2] == ("guided_plan", "skipped") and steps[3][0] == "mip"


def test_gap_zero_still_means_exact(panel, plain_results):
    inst = panel["every_family"]
    exact = optim.solve(inst, strategy="plain", mip_rel_gap=0.0)
    res = optim.solve(inst, mip_rel_gap=0.0)
    unit = optim.build(inst).formulation.objective_unit
    assert res.status == "optimal" and res.certified
    assert abs(res.objective - exact.objective) / unit <= 1e-6  # HiGHS's exact: 1e-6 absolute
    assert (res.bound - res.objective) / unit <= 1e-6
    # at the default gap the LP bound proved a plan; at gap 0 it may only if it meets it
    assert res.proved_by == "mip" or (res.bound - res.objective) / unit <= 1e-6


# ---- limits, infeasibility, unboundedness ----------------------------------------------------
class FakeClock:
    """time.perf_counter for optim.strategy: real time plus `offset`."""

    def __init__(self):
        import time

        self.real = time.perf_counter
        self.offset = 0.0

    def __call__(self) -> float:
        return self.real() + self.offset


def test_a_time_limit_after_the_guided_plan_returns_it_as_feasible(monkeypatch):
    inst = from_doc(fallback_doc())
    real = strategy.run_highs
    clock = FakeClock()
    runs = []

    def counted(h, integer, **kw):
        sol = real(h, integer, **kw)
        runs.append(sol.status)
        if len(runs) == 2:
            clock.offset = 1e6  # the time limit passes during the restricted MIP
        return sol

    monkeypatch.setattr(strategy, "run_highs", counted)
    monkeypatch.setattr(strategy.time, "perf_counter", clock)
    monkeypatch.setattr(strategy, "restricted_bounds",
                        lambda c, f, d, x, rc: (c.col_lower.copy(), c.col_upper.copy()))  # a feasible plan
    res = optim.solve(inst, time_limit=100.0, mip_rel_gap=1e-9)
    assert len(runs) == 2  # the whole MIP never ran
    assert res.status == "feasible" and res.termination == "time_limit"
    assert res.proved_by == "lp_bound" and res.certified
    assert res.bound >= res.objective and res.gap is not None


def test_a_time_limit_in_the_mip_keeps_the_guided_plan_and_the_lp_bound(monkeypatch):
    inst = from_doc(LOCKS)
    real = strategy.run_highs
    calls = []

    def limited(h, integer, **kw):
        calls.append(integer)
        if len(calls) == 3:  # the whole MIP: stopped before it found anything of its own
            return strategy.Solution("no_solution", "time_limit", None, None, None, None, 1.0)
        return real(h, integer, **kw)

    monkeypatch.setattr(strategy, "run_highs", limited)
    monkeypatch.setattr(strategy, "SMALL_MODEL", 0)
    monkeypatch.setattr(strategy, "_proved", lambda *a: False)  # never proved by the LP bound here
    res = optim.solve(inst, time_limit=60.0)
    assert calls == [False, True, True]
    assert res.status == "feasible" and res.termination == "time_limit"
    assert res.certified and res.proved_by == "lp_bound"
    exact = optim.solve(inst, strategy="plain", mip_rel_gap=1e-9)
    assert res.bound >= exact.objective >= res.objective


def infeasible_docs() -> dict[str, dict]:
    tiny = yaml.safe_load(TINY.read_text())
    lp_infeasible = copy.deepcopy(tiny)
    lp_infeasible["policy"]["min_capital_share"] = 0.5  # capital (own funds, policy finance) cannot reach it
    integer_only = copy.deepcopy(fallback_doc())
    integer_only["projects"][0]["industrial_area"] = 21  # P2 + P3 give 20, P1 + P3 need 11 of energy
    integer_only["resources"][0]["cap"] = 10.5
    return {"lp_infeasible": lp_infeasible, "integer_infeasible": integer_only}


@pytest.mark.parametrize("case", ["lp_infeasible", "integer_infeasible"])
def test_no_plan_is_explained_as_on_the_plain_path(tmp_path, capsys, case):
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(infeasible_docs()[case]))
    out = {}
    for name in STRATEGIES:
        code = cli.main(["solve", str(path), "--json", "--strategy", name])
        out[name] = (code, json.loads(capsys.readouterr().out))
    (code_a, a), (code_b, b) = out["lp-guided"], out["plain"]
    assert code_a == code_b == 1
    assert a["status"] == b["status"] == "infeasible"
    assert a["shortfalls"] == b["shortfalls"] and a["iis"] == b["iis"]
    assert a["shortfalls"], a
    steps = [(s["step"], s["status"]) for s in a["steps"]]
    if case == "lp_infeasible":  # HiGHS alone says so after the LP
        assert steps == [("lp", "infeasible"), ("mip", "infeasible")]
    else:  # the LP has a plan, the restricted MIP and HiGHS none
        assert steps[0] == ("lp", "optimal") and steps[-1] == ("mip", "infeasible")


def test_an_unbounded_lp_is_classified_as_on_the_plain_path():
    # max x + y, x - y <= 1, x >= 0 integer, y >= 0: unbounded
    c = Compiled.of(cost=[1.0, 1.0], offset=0.0, maximize=True, col_lower=[0.0, 0.0],
                    col_upper=[np.inf, np.inf], integer=[1, 0], row_lower=[-np.inf], row_upper=[1.0],
                    start=[0, 1, 2], index=[0, 0], value=[1.0, -1.0])
    plain = strategy.solve_plain(c, SolveOptions()).solution
    guided = strategy.solve_lp_guided(c, None, None, SolveOptions())
    assert plain.status == guided.solution.status
    assert guided.solution.status in ("unbounded", "infeasible") and guided.solution.values is None
    assert [s.name for s in guided.steps] == ["lp", "mip"]


# ---- the model as a file ----------------------------------------------------------------------
def highs_alone(path: Path, gap: float = 1e-9) -> float:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", gap)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


@pytest.mark.parametrize("name", ["tiny", "three_year", "locks", "generated_20_s1_p3"])
@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_written_model_round_trips(panel, plain_results, tmp_path, name, suffix):
    model = optim.build(panel[name])
    path = model.write_model(tmp_path / f"model{suffix}")
    res = model.solve()
    best = highs_alone(path)
    assert res.model_objective == pytest.approx(res.objective / model.formulation.objective_unit, rel=1e-9)
    assert res.model_objective <= best + 1e-6 * max(1.0, abs(best))
    assert res.model_objective >= best - GAP * max(1.0, abs(best))
    text = path.read_text()
    assert "parcel_use_eq" in text and "v_use(" in text  # named after the model


def test_cli_write_model_writes_then_solves(tmp_path, capsys):
    path = tmp_path / "tiny.lp"
    code = cli.main(["solve", str(TINY), "--write-model", str(path), "--json", "--out", str(tmp_path / "res")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and path.exists()
    summary = json.loads((tmp_path / "res" / "summary.json").read_text())
    for doc in (out, summary):
        assert doc["model_objective"] == pytest.approx(highs_alone(path), rel=1e-9)
        assert doc["proved_by"] in ("lp_bound", "mip") and doc["strategy"] == "lp-guided"
        assert doc["bound"] >= doc["objective"] and doc["gap"] <= GAP
    code = cli.main(["solve", str(TINY), "--write-model", str(tmp_path / "tiny.txt")])
    assert code == 2 and "--write-model: must end in .mps or .lp" in capsys.readouterr().err


def test_cli_strategy_plain_is_highs_alone(capsys):
    assert cli.main(["solve", str(TINY), "--json", "--strategy", "plain"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["strategy"] == "plain" and [s["step"] for s in out["steps"]] == ["mip"]
    assert out["proved_by"] == "mip"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["solve", str(TINY), "--strategy", "fast"])
    assert exit_.value.code == 2


def test_the_command_line_names_the_strategies_of_the_solver():
    from optim.cli.common import STRATEGIES as CLI_STRATEGIES

    assert CLI_STRATEGIES == STRATEGIES == strategy.STRATEGIES
    assert sys.modules["optim.strategy"] is strategy


def test_the_instance_may_choose_the_strategy(tmp_path):
    doc = yaml.safe_load(TINY.read_text())
    doc["solver"] = {"strategy": "plain"}
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc))
    inst = optim.load(path)
    assert optim.solve(inst).strategy == "plain"
    assert optim.solve(inst, strategy="lp-guided").strategy == "lp-guided"  # the call's choice wins
    doc["solver"] = {"strategy": "fastest"}
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(optim.InstanceError, match="solver.strategy"):
        optim.load(path)
    with pytest.raises(ValueError, match="unknown strategy 'fastest'"):
        optim.solve(optim.load(TINY), strategy="fastest")
