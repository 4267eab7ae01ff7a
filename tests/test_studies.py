"""Studies: sweeps (grid, tornado, Monte Carlo), resumption, Dask, Pareto fronts.

Ground truth is a separate solve: every sweep run equals a fresh solve of the
same overrides, and every Pareto point equals a fresh solve that maximises x
with y held at the point's epsilon (an objective target).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optim
from optim.errors import InstanceError
from optim.studies.pareto import _efficient, pareto
from optim.inputs.scenarios import apply_overrides
from optim.studies.sweep import design_runs, read_spec, sweep

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
GRID = {
    "design": "grid",
    "parameters": [
        {"path": "options[use=commercial].land_income", "scale": [0.8, 1.0, 1.2]},
        {"path": "objective.weights.industrial_output", "values": [0.5, 0.62, 0.8]},
    ],
}
SAME = ["run", "status", "objective", "rezoned_area", "coverage"]


@pytest.fixture(scope="module")
def ref() -> optim.Instance:
    return optim.load(REF)


@pytest.fixture(scope="module")
def grid(ref):
    return sweep(ref, GRID)


def test_grid_runs_equal_separate_solves(ref, grid):
    runs = grid.runs
    assert len(runs) == 9 and (runs["status"] == "optimal").all()
    assert runs["model"].tolist() == ["built"] + ["patched"] * 8  # the model is reused
    for row in runs.itertuples():
        inst = ref.copy()
        apply_overrides(inst, {"scale": {"options[use=commercial].land_income":
                                         getattr(row, "_5")},
                               "set": {"objective.weights.industrial_output": getattr(row, "_6")}}, "t")
        alone = optim.solve(inst)
        assert row.objective == pytest.approx(alone.objective, rel=1e-9)
        assert row.rezoned_area == pytest.approx(alone.kpi("rezoned_area"))


def test_rebuilding_gives_the_same_runs(ref, grid):
    rebuilt = sweep(ref, GRID, reuse=False).runs
    assert rebuilt["model"].eq("rebuilt").all()
    pd.testing.assert_frame_equal(rebuilt[SAME], grid.runs[SAME])


def test_weight_and_cap_runs_change_the_live_model_directly(ref, monkeypatch):
    # objective weights and resource caps go straight to the live HiGHS model (no
    # re-stated model); other changes re-state it. Mixed in one sweep, every run
    # still equals a separate solve, whichever path the run before it took.
    from optim.resolver import Resolver

    restated = []
    update = Resolver.update
    monkeypatch.setattr(Resolver, "update", lambda self, inst: restated.append(1) or update(self, inst))
    spec = {"design": "tornado", "parameters": [
        {"path": "resources.energy.cap", "values": [32000, 30000, 31000]},
        {"path": "policy.coverage_target", "values": [0.88, 0.85, 0.87]},
        {"path": "objective.weights.industrial_output", "values": [0.62, 0.4, 0.8]}]}
    runs = sweep(ref, spec).runs
    assert len(runs) == 7 and (runs["status"] == "optimal").all()
    # base built; energy low/high direct; coverage low/high re-stated; weight low re-stated
    # (the coverage change is undone by re-stating); weight high direct
    assert len(restated) == 3
    assert runs["model"].tolist() == ["built"] + ["patched"] * 6
    for _, row in runs.iterrows():
        inst = ref.copy()
        if row["varied"] != "base":
            apply_overrides(inst, {"set": {row["varied"]: row[row["varied"]]}}, "t")
        alone = optim.solve(inst)
        assert row["objective"] == pytest.approx(alone.objective, rel=1e-9), row["varied"]
        assert row["rezoned_area"] == pytest.approx(alone.kpi("rezoned_area")), row["varied"]
        assert row["coverage"] == pytest.approx(alone.kpi("coverage"), rel=1e-9), row["varied"]
    assert runs.loc[1, "objective"] < runs.loc[0, "objective"]  # a tighter energy cap costs


def test_scaled_caps_and_invalid_direct_values(ref):
    spec = {"design": "grid", "parameters": [
        {"path": "resources[id=energy].cap", "scale": [1.0, 0.95]},
        {"path": "objective.weights.industrial_output", "values": [0.62, -1.0]}]}
    runs = sweep(ref, spec).runs
    assert runs["status"].tolist() == ["optimal", "invalid", "optimal", "invalid"]
    assert runs.loc[1, "message"] == ("run 1.set.objective.weights.industrial_output: "
                                      "must be >= 0, not -1")
    inst = ref.copy()
    inst.resources.at["energy", "cap"] = 32000 * 0.95
    assert runs.loc[2, "objective"] == pytest.approx(optim.solve(inst).objective, rel=1e-9)


def test_tornado_and_montecarlo_designs(ref):
    spec = read_spec({"design": "tornado", "parameters": [
        {"path": "policy.coverage_target", "range": [0.80, 0.90], "steps": 3},
        {"path": "objective.weights.industrial_output", "values": [0.8, 0.5, 0.62]}]})
    runs = design_runs(spec)
    assert [(r["varied"], r["level"], r["values"]) for r in runs] == [
        ("base", "base", {}),
        ("policy.coverage_target", "low", {"policy.coverage_target": 0.80}),
        ("policy.coverage_target", "high", {"policy.coverage_target": 0.90}),
        ("objective.weights.industrial_output", "low", {"objective.weights.industrial_output": 0.5}),
        ("objective.weights.industrial_output", "high", {"objective.weights.industrial_output": 0.8}),
    ]
    mc = {"design": "montecarlo", "samples": 5, "seed": 3, "parameters": [
        {"path": "objective.weights.industrial_output", "distribution": {"uniform": [0.5, 0.9]}},
        {"path": "options[use=residential].land_income", "mode": "scale",
         "distribution": {"triangular": [0.8, 1.0, 1.1]}}]}
    a, b = design_runs(read_spec(mc)), design_runs(read_spec(mc))
    assert [r["values"] for r in a] == [r["values"] for r in b]  # the seed fixes the draws
    w = [r["values"]["objective.weights.industrial_output"] for r in a]
    assert all(0.5 <= v <= 0.9 for v in w) and len(set(w)) == 5
    study = sweep(ref, mc)
    assert len(study.runs) == 5 and (study.runs["status"] == "optimal").all()


def test_a_path_that_names_nothing_is_refused_before_any_run(ref, tmp_path, monkeypatch):
    """Both forms of a row path are accepted; a path naming nothing stops the sweep
    with the place before any run starts (a bad value only makes its runs invalid)."""
    sw = sys.modules["optim.studies.sweep"]
    ran = []
    monkeypatch.setattr(sw, "_run", lambda task: ran.append(task["run"]))
    spec = tmp_path / "spec.yaml"
    spec.write_text("design: grid\nparameters:\n"
                    "  - {path: resources.energy.cap, values: [30000]}\n"
                    "  - {path: 'resources[id=energy].unit', scale: [1.1]}\n"
                    "  - {path: 'sources[kind=bond].cap', values: [1]}\n"
                    "  - {path: options.QA01/industrial.colour, values: [1]}\n")
    with pytest.raises(optim.InstanceError) as err:
        sweep(ref, read_spec(spec))
    assert [str(p) for p in err.value.problems] == [
        "spec.yaml: parameters[1].path: 'resources[id=energy].unit' is not a number: it cannot be scaled",
        "spec.yaml: parameters[2].path: 'sources[kind=bond].cap': names nothing: no row of sources has "
        "kind = 'bond' (see \"Scenarios and paths\" in docs/instance-format.md)",
        "spec.yaml: parameters[3].path: 'options.QA01/industrial.colour': unknown column 'colour' of options"]
    assert ran == []


def test_invalid_and_infeasible_runs_are_rows(ref):
    spec = {"design": "grid", "parameters": [{"path": "policy.coverage_target", "values": [0.5, 1.5, 0.999]}]}
    runs = sweep(ref, spec).runs
    assert runs["status"].tolist() == ["optimal", "invalid", "infeasible"]
    assert "must be a ratio in [0, 1], not 1.5" in runs.loc[1, "message"]


def test_interrupted_sweep_resumes_to_the_same_runs(ref, grid, tmp_path, monkeypatch):
    sw = sys.modules["optim.studies.sweep"]  # the module (optim.sweep is also the function)

    real = sw._run

    def crash_at_5(task):
        if task["run"] == 5:
            raise RuntimeError("killed")
        return real(task)

    monkeypatch.setattr(sw, "_run", crash_at_5)
    with pytest.raises(RuntimeError):
        sweep(ref, GRID, out=tmp_path)
    partial = tmp_path / "runs.csv.partial"
    assert len(partial.read_text().splitlines()) == 5  # every finished run was kept
    monkeypatch.setattr(sw, "_run", real)
    calls = []
    monkeypatch.setattr(sw, "_run", lambda task: calls.append(task["run"]) or real(task))
    resumed = sweep(ref, GRID, out=tmp_path, resume=True)
    assert calls == [5, 6, 7, 8]
    pd.testing.assert_frame_equal(resumed.runs[SAME], grid.runs[SAME])
    on_disk = pd.read_csv(tmp_path / "runs.csv")
    assert on_disk["run"].tolist() == list(range(9)) and not partial.exists()


def test_two_workers_equal_the_serial_run(ref, grid):
    two = sweep(ref, GRID, workers=2)
    pd.testing.assert_frame_equal(two.runs[SAME], grid.runs[SAME])


def test_dask_run_equals_the_serial_run(ref, grid):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        study = sweep(ref, GRID, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(study.runs[SAME], grid.runs[SAME])


@pytest.mark.parametrize("spec,message", [
    ({"design": "square", "parameters": [{"path": "policy.coverage_target", "values": [1]}]},
     "sweep spec: design: must be one of grid, tornado, montecarlo, not 'square'"),
    ({"parameters": []}, "sweep spec: parameters: must be a non-empty list of parameters"),
    ({"parameters": [{"path": "policy.coverage_target"}]},
     "sweep spec: parameters[0]: give exactly one of values, scale, range, distribution"),
    ({"parameters": [{"path": "a", "range": [1, 2], "steps": 1}]},
     "sweep spec: parameters[0]: steps must be an integer >= 2, not 1"),
    ({"parameters": [{"path": "a", "distribution": {"uniform": [0, 1]}}]},
     "sweep spec: parameters[0]: a distribution needs design: montecarlo"),
    ({"design": "montecarlo", "parameters": [{"path": "a", "values": [1, 2]}]},
     "sweep spec: samples: a montecarlo design needs samples >= 1"),
    ({"design": "tornado", "parameters": [{"path": "a", "values": [1]}]},
     "sweep spec: parameters[0]: a tornado needs at least two numeric values (its low and high)"),
])
def test_bad_specs_are_named(spec, message):
    with pytest.raises(InstanceError) as err:
        read_spec(spec)
    assert message in [str(p) for p in err.value.problems]


# ---- Pareto fronts -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def front(ref):
    return pareto(ref, "land_income", "industrial_output", points=6)


def test_front_points_are_mutually_non_dominated(front):
    t = front.points[front.points["on_front"]]
    assert len(t) >= 4
    for i in t.index:
        for j in t.index:
            if i != j:
                better = (t.loc[j, "land_income"] >= t.loc[i, "land_income"]
                          and t.loc[j, "industrial_output"] >= t.loc[i, "industrial_output"])
                strictly = (t.loc[j, "land_income"] > t.loc[i, "land_income"] + 1
                            or t.loc[j, "industrial_output"] > t.loc[i, "industrial_output"] + 1)
                assert not (better and strictly), (i, j)
    # along the front, output rises and land income falls; mrs = land income given up per yuan
    assert t["industrial_output"].is_monotonic_increasing and t["land_income"].is_monotonic_decreasing
    d = t[["land_income", "industrial_output"]].diff()
    assert t["mrs"].iloc[1:].tolist() == pytest.approx((-d["land_income"] / d["industrial_output"]).iloc[1:].tolist())


def test_each_point_is_optimal_for_its_epsilon(ref, front):
    """A fresh solve: maximise land income alone with output >= the point's epsilon."""
    for row in front.points.itertuples():
        inst = ref.copy()
        inst.objective.weights = {"land_income": 1.0}
        inst.objective.targets = {"industrial_output": (row.epsilon * (1 - 1e-12), None)}
        alone = optim.solve(inst)
        assert alone.status == "optimal"
        assert row.land_income == pytest.approx(alone.objective, rel=1e-7)
        assert row.industrial_output >= row.epsilon * (1 - 1e-9)


def test_payoff_table_bounds_the_front(front):
    p = front.payoff
    t = front.points
    assert t["land_income"].max() == pytest.approx(p.loc["best land_income", "land_income"])
    assert t["industrial_output"].max() == pytest.approx(p.loc["best industrial_output", "industrial_output"])


def test_a_point_stopped_by_a_limit_is_never_on_the_front():
    t = pd.DataFrame({"a": [1.0, 2.0, 3.0, 3.0], "b": [3.0, 2.0, 1.0, 1.0],
                      "status": ["optimal", "feasible", "optimal", "optimal"]})
    assert _efficient(t, "a", "b", 1, 1).tolist() == [True, False, True, False]  # limit; duplicate


def test_pareto_cli_json_and_tables(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "pareto", str(REF), "--x", "land_income",
                           "--y", "industrial_output", "--points", "4", "--json", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert len(out["points"]) == 4
    for p in out["points"]:
        assert {"land_income", "industrial_output", "status", "gap"} <= set(p)
    points = pd.read_csv(tmp_path / "points.csv")
    assert {"point", "land_income", "industrial_output", "on_front", "mrs"} <= set(points.columns)
    assert (tmp_path / "payoff.csv").is_file() and (tmp_path / "points" / "0" / "parcels.csv").is_file()
    bad = subprocess.run([sys.executable, "-m", "optim.cli", "pareto", str(REF), "--x", "profit",
                          "--y", "coverage"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "unknown objective 'profit'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_sweep_cli(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("design: grid\nparameters:\n  - path: policy.coverage_target\n    values: [0.85, 0.88]\n")
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "sweep", str(REF), str(spec), "--out",
                           str(tmp_path / "out"), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert [r["status"] for r in json.loads(proc.stdout)["runs"]] == ["optimal", "optimal"]
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert runs["policy.coverage_target"].tolist() == [0.85, 0.88]
    assert np.isfinite(runs["objective"]).all()
