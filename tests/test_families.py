"""One declaration per constraint family (optim/model/families.py), used everywhere.

A panel of instances that between them hold every family of the model (the
every-family instance with and without periods, the reference park, the tiny
instance) is built and solved; every family of every model must carry its
declaration, the checker must recompute it (its `checked_by` family is in the
checker's report), explain and shadow must speak of it from the declaration,
and docs/model.md must show the declarations as they are.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

import optim
import optim.check  # noqa: F401  (the checker's own families)
from optim.analysis.explain import explain
from optim.analysis.shadow import shadow_prices
from optim.check import check_plan
from optim.model import SPECS, FamilySpec, Formulation, spec_of
from optim.model.families import markdown_table

ROOT = Path(__file__).resolve().parent.parent
EVERY = ROOT / "tests" / "data" / "every_family" / "instance.yaml"
PANEL_FILES = [EVERY, ROOT / "instances" / "tiny" / "instance.yaml",
               ROOT / "instances" / "baoji_qinganbao" / "instance.yaml",
               ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"]


def without_periods(doc: dict) -> dict:
    """The every-family instance in one period (so that own_funds_le exists)."""
    d = copy.deepcopy(doc)
    for key in ("periods", "period_caps", "draw_limits"):
        d.pop(key)
    for e in d["enterprises"]:
        e.pop("by_period", None)
    for s in d["sources"]:
        for key in ("tenor", "grace", "exit_share"):
            s.pop(key, None)
    for key in ("tax_share", "min_dscr", "discount_rate"):
        d["policy"].pop(key)
    return d


@pytest.fixture(scope="module")
def panel(tmp_path_factory) -> list[optim.Instance]:
    folder = tmp_path_factory.mktemp("families")
    one_period = folder / "one_period.yaml"
    one_period.write_text(yaml.safe_dump(without_periods(yaml.safe_load(EVERY.read_text()))))
    return [optim.load(p) for p in [*PANEL_FILES, one_period]]


@pytest.fixture(scope="module")
def solved(panel):
    return [(inst, optim.build(inst), optim.solve(inst)) for inst in panel]


def test_every_family_of_the_model_is_built_by_the_panel(solved):
    """The panel holds every row family declared by the model: a declaration no
    model uses would be a family nobody tests."""
    built = set().union(*(set(m.formulation.families) for _, m, _ in solved))
    declared = {name for name, s in SPECS.items() if s.kind == "row"}
    assert declared - built == set()
    assert built - declared == set()


def test_each_family_carries_its_registered_declaration(solved):
    for _, model, _ in solved:
        for name, fam in model.formulation.families.items():
            assert isinstance(fam.spec, FamilySpec)
            assert fam.spec is SPECS[name] is spec_of(name)
            assert fam.spec.kind == "row"


def test_the_checker_recomputes_every_family(solved):
    """Each family's `checked_by` family is a row of the checker's report for that
    instance's plan, and every family the checker reports is declared."""
    for inst, model, result in solved:
        assert result.certified, inst.name
        report = check_plan(inst, result)
        for fam in model.formulation.families.values():
            assert fam.spec.checker_family in report.index, (inst.name, fam.name)
        for name in report.index:
            spec_of(name)  # raises KeyError naming the family when it has no declaration
        assert (report["title"] == [spec_of(n).title for n in report.index]).all()


def test_relaxable_families_say_their_shortfall_and_limits_have_a_price():
    for spec in SPECS.values():
        if spec.relax is not None:
            assert callable(spec.shortfall), spec.name
        if spec.kind == "row" and not spec.structural:
            assert spec.price is not None, f"{spec.name}: a limit needs its price wording"


def test_a_family_cannot_be_declared_without_what_it_needs():
    with pytest.raises(ValueError, match="needs its shortfall sentence"):
        FamilySpec("made_up_le", "made up", "made up", relax="upper")
    with pytest.raises(ValueError, match="quantity must be one of"):
        FamilySpec("made_up_le", "made up", "made up", quantity="apples")
    with pytest.raises(ValueError, match="declared twice"):
        FamilySpec("resource_cap_le", "another meaning", "x")
    assert "made_up_le" not in SPECS
    f = Formulation()
    with pytest.raises(TypeError, match="needs its FamilySpec"):
        f.add_family("resource_cap_le", ["a"], [0], [0], 1.0, 0.0, 1.0)


def test_shadow_prices_speak_from_the_declaration(panel):
    """Every row of the price table is worded by its family's price (no generic
    'relaxing NAME by one unit' for a declared limit)."""
    for inst in panel:
        sp = shadow_prices(inst)
        for fam, meaning in zip(sp.table["family"], sp.table["meaning"]):
            spec = spec_of(fam)
            assert "by one unit" not in meaning or spec.price is None, (fam, meaning)
            assert not spec.structural or spec.price is not None or "links or defines" in meaning


def test_every_relaxable_row_is_explained_in_its_own_words(tmp_path):
    """Break the every-family instance so that many targets cannot hold: each
    shortfall's message is the family's own sentence, never the generic one."""
    doc = yaml.safe_load(EVERY.read_text())
    doc["objective"]["targets"] = {"land_income": {"min": 1e4}, "industrial_output": {"max": 1},
                                   "coverage": {"min": 0.99}, "financing_cost": {"min": 1e3}}
    doc["policy"].update(min_industrial_area=45, max_forgone_income=1)
    doc["resources"][0]["cap"] = 1
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc))
    exp = explain(optim.load(path))
    assert not exp.feasible and len(exp.shortfalls) >= 4
    for row in exp.shortfalls.itertuples():
        assert spec_of(row.constraint).relax is not None
        assert "is violated by" not in row.message, row.message
        assert row.unit == spec_of(row.constraint).unit(optim.load(path), row.member)


def test_docs_show_the_declarations_as_they_are():
    """docs/model.md's table of families is the one the declarations give."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- families:start -->\n(.*?)\n<!-- families:end -->", text, re.S)
    assert found, "docs/model.md has no families table"
    expected = markdown_table([s for s in SPECS.values() if s.kind != "study"])
    assert found.group(1) == expected, "docs/model.md is out of step; the table should read:\n" + expected
    for name, spec in SPECS.items():
        if spec.kind == "row":
            assert f"`{name}" in text.split("<!-- families:start -->")[0], f"{name} has no math in docs/model.md"


def test_row_names_in_planner_terms():
    assert spec_of("resource_cap_le").row_name("energy") == "resource cap of energy"
    assert spec_of("compat_forbid_le").row_name(("A", "B", "industrial", "residential")) == \
        "parcel A as industrial beside parcel B as residential is forbidden"
    assert spec_of("coverage_ge").row_name(None) == "coverage target"
    assert spec_of("period_cap_le").unit(optim.load(EVERY), ("energy", "y1")) == "tce"
