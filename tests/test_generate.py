"""The synthetic instance generator (`optim.generate`).

Its promises: the same arguments give the same files; every shape it accepts is
a valid instance; the reference plan it plants is feasible (checked by the
independent plan checker, not by a solve); HiGHS must branch on some runs; bad
arguments get a clear message.
"""

from __future__ import annotations

import numpy as np
import pytest

import optim
from optim import generate as gen
from optim.check import PlanDecisions, assert_plan_ok, check_plan

FILES = ("instance.yaml", "parcels.csv", "options.csv")


def _files(path) -> dict[str, bytes]:
    return {name: (path / name).read_bytes() for name in FILES}


def test_same_arguments_give_the_same_files(tmp_path):
    gen.write(gen.generate(300, uses=5, sources=7, seed=11), tmp_path / "a")
    gen.write(gen.generate(300, uses=5, sources=7, seed=11), tmp_path / "b")
    gen.write(gen.generate(300, uses=5, sources=7, seed=12), tmp_path / "c")
    a, b, c = (_files(tmp_path / d) for d in "abc")
    assert a == b
    assert a["parcels.csv"] != c["parcels.csv"]
    assert a["options.csv"] != c["options.csv"]


SHAPES = [(1, 3, 3, 0), (7, 3, 3, 1), (60, 8, 3, 2), (250, 4, 12, 3), (500, 6, 6, 4),
          (2000, 5, 9, 5)]  # (parcels, uses, sources, seed)


@pytest.mark.parametrize("parcels,uses,sources,seed", SHAPES)
def test_every_shape_is_valid_and_its_reference_plan_feasible(tmp_path, parcels, uses,
                                                              sources, seed):
    doc, plan = gen._build(parcels, uses=uses, sources=sources, periods=1, seed=seed)
    inst = optim.load(gen.write(doc, tmp_path))
    assert optim.validate(inst) == []
    assert len(inst.parcels) == parcels
    assert len(inst.uses) == uses
    assert len(inst.sources) == sources
    decisions = PlanDecisions(parcels=plan["parcels"], draws=plan["draws"],
                              projects=plan["projects"], categories=plan["categories"],
                              sources=plan["sources"])
    assert_plan_ok(inst, decisions)
    # the planted plan rezones something: the instance is not trivial
    rezoned = plan["parcels"]["use"] != inst.parcels["current_use"].reindex(plan["parcels"].index)
    assert parcels < 60 or rezoned.any()


def test_the_checker_would_catch_a_broken_reference_plan(tmp_path):
    """The feasibility test above can fail: shrink one cap below the plan's use."""
    doc, plan = gen._build(200, uses=4, sources=6, periods=1, seed=3)
    inst = optim.load(gen.write(doc, tmp_path))
    decisions = PlanDecisions(parcels=plan["parcels"], draws=plan["draws"],
                              projects=plan["projects"], categories=plan["categories"],
                              sources=plan["sources"])
    drawn = plan["draws"].groupby("source")["amount"].sum()
    source = drawn.idxmax()
    inst.sources.loc[source, "cap"] = float(drawn[source]) * 0.5
    report = check_plan(inst, decisions)
    assert not report.loc["source_cap_le", "ok"], report
    assert report.loc["source_cap_le", "worst"] == source


def test_a_realistic_park(tmp_path):
    """Zones, grid coordinates, an EOD route, several resources, earmarked
    sources with caps and tickets, ecology projects: what the generator promises."""
    inst = optim.load(gen.write(gen.generate(1000, uses=5, sources=8, seed=7), tmp_path))
    p = inst.parcels
    assert p["zone"].nunique() > 4
    assert p["x"].between(0, 100).all() and p["y"].between(0, 100).all()
    assert 0 < p["route"].astype(bool).sum() < len(p)
    assert len(inst.resources) >= 3
    options_per_parcel = inst.options.groupby("parcel").size()
    assert options_per_parcel.min() >= 1 and 2.0 <= options_per_parcel.mean() <= 4.0
    src = inst.sources
    assert (src["min_ticket"] > 0).any() and (src["cap"] > src["min_ticket"]).all()
    earmarked = src[src["kind"] == "special_fund"]
    assert len(earmarked) and all(list(c) == ["ecology"] for c in earmarked["categories"])
    eco = inst.categories.index[inst.categories["ecology"].astype(bool)]
    assert inst.projects["category"].isin(eco).sum() >= 2


def test_highs_has_to_branch_on_some_runs(tmp_path):
    """Not every generated instance closes at the root node."""
    nodes = []
    for seed in (0, 1):
        inst = optim.load(gen.write(gen.generate(100, seed=seed), tmp_path / str(seed)))
        result = optim.solve(inst)
        assert result.status == "optimal"
        nodes.append(result.nodes)
    assert max(nodes) > 1, nodes


@pytest.mark.parametrize("kwargs,message", [
    (dict(parcels=0), "parcels must be >= 1, not 0"),
    (dict(parcels=10, uses=2), "uses must be between 3 and 8, not 2"),
    (dict(parcels=10, uses=9), "uses must be between 3 and 8, not 9"),
    (dict(parcels=10, sources=2), "sources must be >= 3, not 2"),
    (dict(parcels=10, periods=0), "periods must be >= 1, not 0"),
    (dict(parcels=10, seed=-1), "seed must be >= 0, not -1"),
    (dict(parcels=1.5), "parcels must be an integer, not 1.5"),
    (dict(parcels=True), "parcels must be an integer, not True"),
])
def test_bad_arguments_are_named(kwargs, message):
    parcels = kwargs.pop("parcels")
    with pytest.raises((ValueError, TypeError)) as err:
        gen.generate(parcels, **kwargs)
    assert str(err.value) == message


def test_large_instances_are_drawn_by_array_operations():
    """50,000 parcels in well under the time a loop over parcels would take."""
    import time

    t = time.perf_counter()
    doc = gen.generate(50_000, seed=1)
    assert time.perf_counter() - t < 20
    assert len(doc["parcels"]) == 50_000
    assert np.isfinite(doc["options"]["land_income"].to_numpy(float)).all()


@pytest.mark.parametrize("parcels,periods,seed", [(40, 3, 0), (150, 2, 5)])
def test_multi_period_instances_are_feasible_and_checked(tmp_path, parcels, periods, seed):
    """With periods, the generated instance is phased (a periods table, loan terms)
    and still feasible: its optimum passes the checker's per-period families."""
    doc = gen.generate(parcels, periods=periods, seed=seed)
    assert [p["id"] for p in doc["periods"]] == [f"y{k + 1}" for k in range(periods)]
    inst = optim.load(gen.write(doc, tmp_path))
    assert optim.validate(inst) == []
    result = optim.solve(inst)
    assert result.status == "optimal"
    report = assert_plan_ok(inst, result)
    assert "cash_balance_ge" in report.index
    assert len(result.periods) == periods
