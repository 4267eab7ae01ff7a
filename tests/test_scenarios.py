"""Named scenarios: overrides of an instance, applied and composed."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import optim
from optim.inputs.scenarios import apply_scenarios

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
M = 1e6


GOOD = {
    "output_cheap": {"description": "output weight 1", "set": {"objective.weights.industrial_output": 1}},
    "more_special": {"set": {"sources.special.cap": 20 * M}},
    "cheap_commercial": {"scale": {"options[use=commercial].land_income": 0.5}},
}


def with_scenarios(tmp_path, scenarios: dict) -> Path:
    doc = yaml.safe_load(TINY.read_text())
    doc["scenarios"] = scenarios
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture()
def tiny_with_scenarios(tmp_path):
    """Good scenarios and a bad one (a path that names nothing, a value out of range)."""
    return with_scenarios(tmp_path, {**GOOD, "bad": {"set": {"sources.nowhere.cap": 1, "policy.coverage_target": 8}}})


@pytest.fixture()
def tiny_with_good_scenarios(tmp_path):
    return with_scenarios(tmp_path, GOOD)


def test_set_and_scale_change_only_what_they_name(tiny_with_scenarios):
    inst = optim.load(tiny_with_scenarios)
    out = apply_scenarios(inst, ["more_special", "cheap_commercial"])
    assert out.sources.at["special", "cap"] == 20 * M
    incomes = out.options.set_index(["parcel", "use"])["land_income"]
    assert incomes[("P1", "commercial")] == 15 * M  # 30 M x 0.5
    assert incomes[("P2", "residential")] == 40 * M  # not commercial: unchanged
    assert inst.sources.at["special", "cap"] == 15 * M  # the base instance is untouched
    assert out.applied_scenarios == ["more_special", "cheap_commercial"]


def test_scenarios_compose_to_the_hand_worked_plan(tiny_with_scenarios):
    # test_tiny: output weight 1 and special funds covering ecology -> plan A, 67.3 M
    inst = optim.load(tiny_with_scenarios)
    res = optim.solve(apply_scenarios(inst, ["output_cheap", "more_special"]))
    assert res.objective == pytest.approx(67.3 * M)
    # either alone keeps plan B (67.18 M with output weight 1; 107.18 M + nothing else)
    assert optim.solve(apply_scenarios(inst, ["output_cheap"])).objective == pytest.approx(67.18 * M)


def test_bad_overrides_name_the_scenario_and_path(tiny_with_scenarios):
    inst = optim.load(tiny_with_scenarios)
    with pytest.raises(optim.InstanceError) as err:
        apply_scenarios(inst, ["bad"])
    messages = [str(p) for p in err.value.problems]
    assert "instance.yaml: scenario bad.set.sources.nowhere.cap: unknown sources id 'nowhere'" in messages
    assert "instance.yaml: scenario bad.set.policy.coverage_target: must be a ratio in [0, 1], not 8" in messages


def test_an_empty_weight_is_refused_not_solved():
    """An objective weight set to nothing (YAML `~`) is an error naming the path;
    it used to reach the solve and stop it with a TypeError."""
    from optim.inputs.scenarios import apply_overrides

    inst = optim.load(ROOT / "instances" / "baoji_qinganbao" / "instance.yaml")
    with pytest.raises(optim.InstanceError) as err:
        apply_overrides(inst, {"set": {"objective.weights.industrial_output": None}}, "scenario x")
    assert [str(p) for p in err.value.problems] == [
        "scenario x.set.objective.weights.industrial_output: cannot be empty"]
    assert inst.objective.weight("industrial_output") == 0.62  # unchanged


def cli(*args):
    return subprocess.run([sys.executable, "-m", "optim.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_cli_scenario_flags_compose(tiny_with_good_scenarios):
    proc = cli("solve", tiny_with_good_scenarios, "--scenario", "output_cheap", "--scenario", "more_special", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objective"] == pytest.approx(67.3 * M)


def test_cli_unknown_scenario_exits_2(tiny_with_good_scenarios):
    proc = cli("solve", tiny_with_good_scenarios, "--scenario", "nope")
    assert proc.returncode == 2
    assert "--scenario nope: unknown scenario" in proc.stderr


def test_validate_and_solve_check_every_scenario(tiny_with_scenarios):
    """One verdict: a scenario of the file whose path names nothing is an error of the
    file, for `validate` and for `solve` alike, whichever scenarios are applied."""
    for args in (("validate",), ("solve",), ("solve", "--scenario", "output_cheap")):
        proc = cli(*args[:1], tiny_with_scenarios, *args[1:])
        assert proc.returncode == 2, args
        assert "scenario bad.set.sources.nowhere.cap: unknown sources id 'nowhere'" in proc.stderr
        assert "scenario bad.set.policy.coverage_target: must be a ratio in [0, 1], not 8" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_validate_with_a_scenario_checks_the_instance_it_makes(tiny_with_good_scenarios, tmp_path):
    """`validate --scenario NAME` checks the instance as that scenario makes it: a
    minimum ticket raised above the cap is refused there, as `solve --scenario` refuses it."""
    doc = yaml.safe_load(tiny_with_good_scenarios.read_text())
    doc["scenarios"]["ticket_above_cap"] = {"set": {"sources.cdb.min_ticket": 50 * M}}
    path = tmp_path / "more.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert cli("validate", path).returncode == 0
    for command in ("validate", "solve"):
        proc = cli(command, path, "--scenario", "ticket_above_cap")
        assert proc.returncode == 2
        assert "minimum ticket 5e+07 of source 'cdb' exceeds its cap 4e+07" in proc.stderr


# ---- scenarios in separate override files ------------------------------------------------
def test_override_files(tmp_path):
    """`--scenario FILE.yaml:NAME` picks one scenario of an override file, `FILE.yaml`
    applies all of them in order (or the file itself when it is one scenario); the
    result equals the same overrides written inside the instance."""
    from optim.inputs.scenarios import apply_overrides, apply_scenarios

    ref = optim.load(Path(__file__).resolve().parent.parent / "instances" / "baoji_qinganbao" / "instance.yaml")
    path = tmp_path / "overrides.yaml"
    path.write_text("scenarios:\n  cheap_land:\n    scale:\n      options[use=commercial].land_income: 0.8\n"
                    "  high_target:\n    set: {policy.coverage_target: 0.9}\n")
    one = apply_scenarios(ref, [f"{path}:cheap_land"])
    both = apply_scenarios(ref, [str(path)])
    expected = ref.copy()
    apply_overrides(expected, {"scale": {"options[use=commercial].land_income": 0.8}}, "t")
    assert one.options["land_income"].tolist() == expected.options["land_income"].tolist()
    assert one.policy.coverage_target == 0.88 and both.policy.coverage_target == 0.9
    single = tmp_path / "single.yaml"
    single.write_text("set: {objective.weights.industrial_output: 0.5}\n")
    assert apply_scenarios(ref, [str(single)]).objective.weight("industrial_output") == 0.5
    with pytest.raises(optim.InstanceError) as err:
        apply_scenarios(ref, [f"{path}:nope"])
    assert str(err.value.problems[0]) == (f"--scenario {path}:nope: unknown scenario 'nope' "
                                          "(known: cheap_land, high_target)")
    with pytest.raises(optim.InstanceError) as err:
        apply_scenarios(ref, [str(tmp_path / "missing.yaml")])
    assert "cannot read the override file" in str(err.value.problems[0])


# ---- copies ----------------------------------------------------------------------------------
def _same_instance(a: optim.Instance, b: optim.Instance) -> None:
    """Every field of `a` equals that of `b` (tables cell by cell, with their index names)."""
    import dataclasses

    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, obj=f.name)
            assert x.index.name == y.index.name, f.name
        else:
            assert x == y, f.name


def _change_everything(inst: optim.Instance) -> None:
    """Change every part of `inst` in place, as code or a notebook might."""
    parcel, source = inst.parcels.index[0], inst.sources.index[0]
    inst.parcels.loc[parcel, "area"] = 1.0
    inst.parcels.at[parcel, "current_use"] = "residential"
    inst.parcels.index.name = "parcel"
    inst.options.iloc[0, inst.options.columns.get_loc("land_income")] = 1.0
    inst.options["output"] = 0.0
    inst.sources.at[source, "cap"] = 1.0
    inst.resources.loc["new"] = [1.0, "t", ""]
    inst.uses["extra"] = 1
    inst.periods.loc["y1"] = [0.0, ""]
    inst.policy.coverage_target = 0.1
    inst.policy.coverage_scope.append("ecology")
    inst.policy.locked_uses[parcel] = "industrial"
    inst.eod.income_share = 0.5
    inst.objective.weights["value"] = 3.0
    inst.objective.targets["coverage"] = (0.5, None)
    inst.solver["threads"] = 2
    inst.units["money"] = "wan yuan"
    next(iter(inst.scenarios.values()))["description"] = "changed"
    inst.scenarios["new"] = {"set": {}}
    inst.uncertainty["parameters"][0]["distribution"]["uniform"][0] = 0.0
    inst.uncertainty["samples"] = 1
    inst.applied_scenarios.append("new")
    inst.defaults.add("policy.discount_rate")
    inst.changed.append("policy.coverage_target")
    inst.notes.append("a note")
    inst.origins["parcels"].file = "elsewhere.csv"
    del inst.origins["uses"]


def test_a_copy_shares_nothing_with_the_original():
    """Changing a copy in place, in any part, leaves the original as it was; and
    changing the original leaves the copy as it was."""
    from optim.inputs.scenarios import apply_overrides

    path = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
    fresh = optim.load(path)
    base = optim.load(path)
    changed = base.copy()
    _same_instance(changed, fresh)
    _change_everything(changed)
    apply_overrides(changed, {"scale": {"options[use=commercial].land_income": 2, "sources.cap": 2},
                              "set": {"policy.own_funds_budget": 1, "parcels.zone": "Z"}}, "t")
    _same_instance(base, fresh)
    copy = base.copy()
    _change_everything(base)
    _same_instance(copy, fresh)
