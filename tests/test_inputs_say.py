"""Inputs mean what they say: no silent default that changes the plan.

Each case is either refused (exit 2, the place and what is wrong) when the plan
would be meaningless, or accepted with a warning that names the place and says
what the model will do: printed by `optim validate` and `optim solve` as
``warning: PLACE: MESSAGE`` on stderr, returned by `optim.input_warnings`, and
recorded in the result's summary ("warnings"). docs/reliability.md lists them.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

import optim
from test_validate import ROOT, TINY, assert_reports, run_main, tiny, write

REFERENCE = ROOT / "instances" / "baoji_qinganbao"


def warnings_of(path: Path) -> list[str]:
    return [str(w) for w in optim.input_warnings(optim.load(path))]


def assert_warns(path: Path, *expected: str) -> None:
    """`optim.input_warnings` gives exactly `expected`; validate and solve exit 0 and
    print each as a warning line on stderr."""
    assert warnings_of(path) == list(expected)
    for command in (("validate",), ("solve", "--json")):
        proc = run_main(*command, path)
        assert proc.returncode == 0, proc.stderr
        assert [line for line in proc.stderr.splitlines() if line.startswith("warning: ")] == \
            [f"warning: {w}" for w in expected]
        if command[0] == "solve":
            assert json.loads(proc.stdout)["warnings"] == list(expected)


# ---- a resource whose column is missing -----------------------------------------------
def test_a_capped_resource_without_its_column_is_refused(tmp_path):
    """Found: dropping construction_quota from the reference options made validate say
    valid and solve rezone 490 mu instead of 495 (every option then used none of it)."""
    park = tmp_path / "park"
    shutil.copytree(REFERENCE, park)
    with (park / "options.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    columns = [c for c in rows[0] if c != "construction_quota"]
    with (park / "options.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    assert_reports(park / "instance.yaml",
                   "options.csv: no column for resource 'construction_quota' (declared with a cap of 20): give "
                   "each option's use of it (0 where an option uses none), or drop the resource", only=True)
    assert run_main("solve", park / "instance.yaml").returncode == 2


def test_inline_options_need_the_column_in_some_row(tmp_path):
    doc = tiny()
    for row in doc["options"]:
        row.pop("energy", None)
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: options: no column for resource 'energy' (declared with a cap of 10): give "
                   "each option's use of it (0 where an option uses none), or drop the resource", only=True)


def test_a_column_given_in_one_inline_row_is_a_column():
    doc = tiny()
    for row in doc["options"][1:]:
        row.pop("energy", None)
    doc["options"][0]["energy"] = 0
    inst = optim.from_frames(doc.pop("name"), **doc)  # the others take 0, as an empty CSV cell would
    assert inst.options["energy"].tolist()[1:] == [0.0] * (len(inst.options) - 1)


# ---- a parcel whose current use is not an option --------------------------------------------
def test_current_use_not_among_the_options_warns_and_the_parcel_is_rezoned(tmp_path):
    doc = tiny()
    doc["options"] = [o for o in doc["options"] if not (o["parcel"] == "P2" and o["use"] == "residential")]
    assert {o["use"] for o in doc["options"] if o["parcel"] == "P2"} == {"industrial"}
    path = write(tmp_path, doc)
    assert_warns(path, "instance.yaml: parcels[1]: current use 'residential' of parcel 'P2' is not among its "
                       "options: the plan must change its use, and no land income counts as forgone by the change")
    res = optim.solve(optim.load(path))
    assert res.parcels.loc["P2", "use"] == "industrial" and res.parcels.loc["P2", "rezoned"]
    assert res.parcels.loc["P2", "forgone_income"] == 0
    assert any("current use 'residential' of parcel 'P2'" in w for w in res.warnings)


def test_many_such_parcels_are_counted_not_listed():
    n = 25
    inst = optim.from_frames(
        "many", uses=[{"id": "farm"}, {"id": "industrial", "industrial": True}],
        parcels=[{"id": f"P{k}", "area": 1, "current_use": "farm"} for k in range(n)],
        options=[{"parcel": f"P{k}", "use": "industrial", "output": 1} for k in range(n)],
        objective={"weights": {"industrial_output": 1}})
    found = [str(w) for w in optim.input_warnings(inst)]
    assert len(found) == 21 and found[-1] == "<frames>: parcels: 5 more parcels whose current use is not among " \
                                             "their options"
    assert found[0].startswith("<frames>: parcels[0]: current use 'farm' of parcel 'P0' is not among its options")


# ---- objective weights ----------------------------------------------------------------------
@pytest.mark.parametrize("weights, given", [({}, "none given"),
                                            ({"land_income": 0, "industrial_output": 0}, "land_income: 0, "
                                                                                         "industrial_output: 0")])
def test_no_positive_weight_is_refused(tmp_path, weights, given):
    doc = tiny()
    doc["objective"]["weights"] = weights
    assert_reports(write(tmp_path, doc),
                   f"instance.yaml: objective.weights: no term has a positive weight ({given}): every plan would "
                   "score the same and the plan returned would be arbitrary; weigh at least one of land_income, "
                   "industrial_output, coverage, financing_cost, value", only=True)


def test_a_scenario_that_zeroes_every_weight_is_refused_by_validate_and_solve(tmp_path):
    doc = tiny()
    doc["scenarios"] = {"nothing": {"set": {f"objective.weights.{t}": 0 for t in doc["objective"]["weights"]}}}
    path = write(tmp_path, doc)
    for command in ("validate", "solve"):
        proc = run_main(command, path, "--scenario", "nothing")
        assert proc.returncode == 2
        assert "objective.weights: no term has a positive weight" in proc.stderr


def test_omitted_weights_warn_that_land_income_alone_counts(tmp_path):
    doc = tiny()
    del doc["objective"]
    path = write(tmp_path, doc)
    assert_warns(path, "instance.yaml: objective.weights: not given: the plan maximises land income alone "
                       "(weight 1 on land_income, 0 on industrial_output, coverage, financing_cost, value); "
                       "give the weights you mean")
    # a scenario giving the land-income weight is the weight given
    doc["scenarios"] = {"li": {"set": {"objective.weights.land_income": 1}},
                        "io": {"set": {"objective.weights.industrial_output": 2}}}
    path = write(tmp_path, doc)
    inst = optim.load(path)
    assert optim.input_warnings(optim.apply_scenarios(inst, ["li"])) == []
    assert [w.where for w in optim.input_warnings(optim.apply_scenarios(inst, ["io"]))] == \
        ["instance.yaml: objective.weights.land_income"]


# ---- land income as own funds -------------------------------------------------------------
def test_land_income_to_own_funds_not_given_warns_when_land_income_could_pay(tmp_path):
    doc = tiny()
    del doc["policy"]["land_income_to_own_funds"]
    path = write(tmp_path, doc)
    assert_warns(path, "instance.yaml: policy.land_income_to_own_funds: not given: every yuan of land income the "
                       "plan keeps counts as own funds (the default 1) and pays for costs without any source being "
                       "drawn; give the share the zone may spend on the park (0 keeps land income out of the "
                       "funding)")
    doc["policy"]["land_income_to_own_funds"] = 1
    assert warnings_of(write(tmp_path, doc)) == []


def test_no_warning_when_there_is_no_land_income_to_count():
    doc = tiny()
    del doc["policy"]["land_income_to_own_funds"]
    for row in doc["options"]:
        row["land_income"] = 0
    assert optim.input_warnings(optim.from_frames(doc.pop("name"), **doc)) == []


# ---- ids -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, message", [
    ("", "an id cannot be empty or only spaces"),
    ("   ", "an id cannot be empty or only spaces"),
    ("P\x001", "an id cannot hold control characters (found U+0000)"),
    ("P\n1", "an id cannot hold control characters (found U+000A)"),
])
def test_bad_ids_in_yaml_are_refused_with_the_place(tmp_path, bad, message):
    doc = tiny()
    doc["categories"][0]["id"] = bad
    problems = [str(p) for p in optim.validate(write(tmp_path, doc))]
    assert f"instance.yaml: categories[0], id: {message}" in problems


def test_bad_ids_in_references_and_lists_are_refused(tmp_path):
    doc = tiny()
    doc["sources"][0]["categories"] = ["park", "\x07"]
    doc["projects"][0]["category"] = " "
    problems = [str(p) for p in optim.validate(write(tmp_path, doc))]
    assert "instance.yaml: sources[0], categories: an id cannot hold control characters (found U+0007)" in problems
    assert "instance.yaml: projects[0], category: an id cannot be empty or only spaces" in problems


def test_bad_ids_in_csv_are_refused_with_the_row(tmp_path):
    doc = tiny()
    doc["parcels"] = {"file": "parcels.csv"}
    text = "id,area,current_use\nP1,10,commercial\nP\x072,20,residential\nP3,30,industrial\n"
    problems = [str(p) for p in optim.validate(write(tmp_path, doc, {"parcels.csv": text}))]
    assert "parcels.csv row 3, id: an id cannot hold control characters (found U+0007)" in problems
    text = text.replace("\x07", "\x00")  # a NUL byte: the file is not text at all
    problems = [str(p) for p in optim.validate(write(tmp_path, doc, {"parcels.csv": text}))]
    assert problems == ["parcels.csv: not a CSV text file (it contains NUL bytes)"]


def test_ids_in_other_scripts_are_ids(tmp_path):
    """Found: a parcel renamed to a CJK id gave validate exit 2 while solve produced a plan."""
    doc = tiny()
    text = yaml.safe_dump(doc, allow_unicode=True).replace("P1", "青岗01")
    path = write(tmp_path, text=text)
    assert run_main("validate", path).returncode == 0
    res = optim.solve(optim.load(path))
    assert "青岗01" in res.parcels.index and res.certified


# ---- categories only when something is paid for -------------------------------------------
def test_no_categories_is_fine_without_projects_and_sources():
    doc = tiny()
    for key in ("categories", "projects", "sources", "eod"):
        doc.pop(key)
    doc["policy"] = {"land_income_to_own_funds": 0}
    for row in doc["options"]:
        row["conversion_cost"] = 0
    inst = optim.from_frames(doc.pop("name"), **doc)
    res = optim.solve(inst)
    assert res.status == "optimal" and res.certified
    assert res.kpi("total_investment") == 0


def test_no_categories_with_sources_is_refused(tmp_path):
    doc = tiny()
    doc.pop("categories")
    doc.pop("projects")
    doc.pop("eod")
    doc["policy"] = {"land_income_to_own_funds": 0}
    for row in doc["options"]:
        row["conversion_cost"] = 0
    for row in doc["sources"]:
        row.pop("categories")
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: categories: no categories, but the instance has sources: every project belongs "
                   "to a category and sources pay for categories; add the categories table", only=True)


# ---- one verdict ---------------------------------------------------------------------------
def test_validate_and_solve_refuse_the_same_model_limits(tmp_path):
    """Found: parcels.area = 1e15 and a weight of 1e14 passed validate and were refused by solve."""
    for change in (lambda d: d["parcels"][0].update(area=1e15),
                   lambda d: d["objective"]["weights"].update(industrial_output=1e14)):
        doc = tiny()
        change(doc)
        path = write(tmp_path, doc)
        v, s = run_main("validate", path), run_main("solve", path)
        assert (v.returncode, s.returncode) == (2, 2), (v.stderr, s.stderr)
        assert [line for line in v.stderr.splitlines() if line.startswith("error:")] == \
            [line for line in s.stderr.splitlines() if line.startswith("error:")]


def test_the_tiny_instance_says_everything(tmp_path):
    assert warnings_of(TINY) == []
