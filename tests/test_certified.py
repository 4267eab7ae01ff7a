"""Every plan that leaves optim is checked by the independent checker.

The Python API (`optim.solve`, `Model.solve`), a `Resolver`, a sweep's runs, a
Pareto front's points and the alternative plans all carry the checker's report;
a plan it rejects is marked (`certified` False), never passed off as checked.
Every model, including the ones a `Resolver` re-states, is built with the
model-size checks. And `import optim` stays light.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import optim
import optim.api as api
import optim.resolver as resolver_module
from optim.inputs.scenarios import apply_overrides

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"


def tamper(make):
    """`make` (an `extract`, or what builds the plan the checker is given) with the
    plan drawing 12 M from `policy` (cap 10 M) for the park."""
    def broken(*args, **kwargs):
        plan = make(*args, **kwargs)
        if getattr(plan, "has_plan", True):
            at = (plan.draws["source"] == "policy") & (plan.draws["category"] == "park")
            plan.draws.loc[at, "amount"] = 12e6
        return plan
    return broken


def test_api_results_are_certified():
    res = optim.solve(optim.load(TINY))
    assert res.certified is True
    assert res.certificate["ok"].all() and "source_cap_le" in res.certificate.index
    assert res.to_dict()["certified"] is True
    infeasible = optim.load(TINY)
    infeasible.policy.coverage_target = 1.0  # more than the external caps can give
    res = optim.solve(infeasible)
    assert not res.has_plan and res.certified is None and res.to_dict()["certified"] is None


def test_a_plan_the_checker_rejects_is_marked(monkeypatch):
    monkeypatch.setattr(api, "extract", tamper(api.extract))
    res = optim.solve(optim.load(TINY))
    assert res.has_plan and res.certified is False
    bad = res.certificate[~res.certificate["ok"]]
    assert "source_cap_le" in bad.index and bad.loc["source_cap_le", "worst"] == "policy"
    assert bad.loc["source_cap_le", "max_violation"] == pytest.approx(2e6)
    assert bad.loc["category_funding_eq", "max_violation"] == pytest.approx(2e6)  # 2 M paid twice


def test_resolver_solves_are_certified(monkeypatch):
    model = optim.build(optim.load(TINY))
    r = model.resolver()
    assert r.solve().certified is True
    # with no weight on output, the re-solved plan is checked again and is the plan a
    # fresh solve of that instance gives
    r.set_weights(industrial_output=0.0)
    sol = r.solve()
    assert sol.status == "optimal" and sol.certified is True
    fresh = optim.load(TINY)
    fresh.objective.weights["industrial_output"] = 0.0
    expected = optim.solve(fresh)
    assert sol.objective == pytest.approx(expected.objective)
    assert r.result().parcels["use"].to_dict() == expected.parcels["use"].to_dict()
    monkeypatch.setattr(resolver_module, "plan_decisions", tamper(resolver_module.plan_decisions))
    r.set_rhs("resource_cap_le", "energy", 100.0)
    assert r.solve().certified is False


def test_resolver_update_builds_with_the_model_checks():
    """A re-stated model goes through the same checks as any other: with money
    figures of a few yuan, an output of 1e12 yuan a year is beyond what the solver
    solves reliably, and `update` refuses it as `optim.build` does."""
    inst = optim.load(TINY)
    small = {f"{table}.{col}": 1e-6 for table, col in [("options", "land_income"), ("options", "output"),
                                                        ("options", "conversion_cost"), ("projects", "cost"),
                                                        ("sources", "cap"), ("sources", "min_ticket")]}
    apply_overrides(inst, {"scale": small}, "test")
    r = optim.build(inst).resolver()
    r.solve()
    big = inst.copy()
    apply_overrides(big, {"set": {f"options.{inst.options['parcel'].iat[0]}/{inst.options['use'].iat[0]}.output":
                                  1e12}}, "test")
    with pytest.raises(optim.InstanceError) as exc:
        optim.build(big)
    with pytest.raises(optim.InstanceError) as exc_update:
        r.update(big)
    assert [str(p) for p in exc_update.value.problems] == [str(p) for p in exc.value.problems]
    assert all(p.where.startswith("model ") for p in exc.value.problems)


def test_sweep_runs_are_certified(monkeypatch):
    inst = optim.load(REF)
    spec = {"design": "grid", "parameters": [
        {"path": "objective.weights.industrial_output", "values": [0.5, 0.62]},  # straight to the live model
        {"path": "options[use=commercial].land_income", "scale": [0.9, 1.0]}]}  # re-stated
    runs = optim.sweep(inst, spec, progress=False).runs
    assert runs["certified"].tolist() == [True] * 4
    monkeypatch.setattr(resolver_module, "plan_decisions", tamper(resolver_module.plan_decisions))
    tiny = optim.load(TINY)
    runs = optim.sweep(tiny, {"design": "grid", "parameters": [
        {"path": "objective.weights.industrial_output", "values": [0.1, 0.2]}]}, progress=False).runs
    assert runs["certified"].tolist() == [False, False]
    assert (runs["status"] == "optimal").all()  # the plan is kept, and marked


def test_pareto_points_are_certified():
    front = optim.pareto(optim.load(TINY), "land_income", "industrial_output", points=3)
    pts = front.points
    assert pts["certified"].tolist() == [True] * len(pts)
    for k, res in front.results.items():
        assert res.certified is True
        # the point's objective is the instance's own, recomputed by the checker
        assert res.certificate.loc["objective", "ok"]


def test_alternative_plans_are_certified():
    alt = optim.alternatives(optim.load(REF), count=3, within=1.0)
    assert alt.found == 3
    assert [p.certified for p in alt.plans] == [True, True, True]


def run_python(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


HEAVY = "[m for m in sys.modules if m == 'pyomo' or m.startswith(('pyomo.', 'scipy.stats', 'matplotlib'))]"


def test_import_optim_is_light():
    assert run_python(f"import sys, optim; print({HEAVY})") == "[]"
    # the CLI's parser (what `optim --help` builds) imports neither pandas nor the solver
    assert run_python("import sys; from optim.cli import parser; parser(); "
                      "print([m for m in sys.modules if m.split('.')[0] in ('pandas', 'highspy', 'numpy')])") == "[]"


def test_validate_and_solve_import_neither_pyomo_nor_scipy_stats():
    out = run_python(f"import sys, contextlib, io\nfrom optim.cli import main\n"
                     f"with contextlib.redirect_stdout(io.StringIO()):\n"
                     f"    assert main(['validate', {str(REF)!r}]) == 0\n"
                     f"    assert main(['solve', {str(REF)!r}, '--json']) == 0\n"
                     f"print({HEAVY})")
    assert out == "[]"


def test_the_pyomo_view_is_there_when_asked_for():
    model = optim.build(optim.load(TINY))
    assert "parcel_use_eq" in {c.name for c in model.pyomo.component_objects()}
    assert "pyomo.environ" in sys.modules


def test_changes_in_place_are_changes_of_the_instance():
    """A `Resolver`'s changes in place are made to the instance it stands for, so
    its plans are checked (and reported) with the figures they were solved for."""
    tiny = optim.load(TINY)
    r = optim.build(tiny).resolver()
    r.set_weights(industrial_output=3.0)
    r.set_rhs("resource_cap_le", "energy", 12.0)
    assert r.instance.objective.weight("industrial_output") == 3.0
    assert r.instance.resources.at["energy", "cap"] == 12.0
    # the model's own instance is not touched
    assert tiny.objective.weight("industrial_output") == 2.0 and tiny.resources.at["energy", "cap"] == 10.0
    sol = r.solve()
    assert sol.certified is True
    terms = r.result().objective_terms
    assert terms.loc["industrial_output", "weight"] == 3.0
    assert terms["contribution"].sum() == pytest.approx(sol.objective)
    with pytest.raises(ValueError, match=r"source_cap_le\[cdb\] is not one figure"):
        r.set_rhs("source_cap_le", "cdb", 50e6)  # cdb has a minimum ticket: its cap is a coefficient
    with pytest.raises(ValueError, match="parcel_use_eq"):
        r.set_rhs("parcel_use_eq", "P1", 2.0)


def test_sweep_runs_straight_on_the_live_model_are_certified():
    runs = optim.sweep(optim.load(REF), {"design": "grid", "parameters": [
        {"path": "objective.weights.industrial_output", "values": [0.5, 0.62, 0.8]},
        {"path": "resources[id=energy].cap", "scale": [0.9, 1.0]}]}, progress=False).runs
    assert (runs["model"] == "patched").sum() >= 4  # after the first run, straight to the live model
    assert runs["certified"].tolist() == [True] * 6
