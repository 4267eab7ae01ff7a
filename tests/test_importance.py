"""What each parcel is worth (optim/analysis/importance.py): replacement importance
checked by hand and against brute force, the screen's bounds against the exact
values, bid prices, drafts, bad input, the CLI and the map.

The tiny park with room (`roomy`): instances/tiny/instance.yaml with the energy
cap raised to 100 and the river costing 15 M (the special fund pays it all, so
ecology needs no own funds and the EOD balance 0 <= 0.5 x route income holds
for any plan). P3 is industrial with no other use; the park needs 20 mu of
industrial land, so P1 or P2 must be rezoned (plan D, neither, is infeasible).

- B: P1 commercial, P2 industrial (tests/test_tiny.py): 30 + 2 x 40 - 2.82 = 107.18 M.
- A: P1 industrial, P2 residential: land income 40, output 20 + 10 = 30; park
  need 50 + 5 = 55, external 0.8 x 55 = 44 = policy 10 + cdb 34, financing
  cost 1 + 5 % x 34 = 2.7; own funds 11 + 1 <= 5 + 40. 40 + 60 - 2.7 = 97.3 M.
- C: both rezoned: park need 50 + 5 + 8 = 63, external 50.4 > policy 10 +
  cdb cap 40: infeasible.

The optimum is B. Forbidding P1 commercial leaves A (C is infeasible): the
importance of P1 is 107.18 - 97.3 = 9.88 M; forbidding P2 industrial leaves A
too: 9.88 M, with one other parcel (P1) changed. P1 is kept at its current
use: its bid price is 9.88 M / (weight 2 x 10 mu) = 494,000 yuan/year per mu of
industrial output on P1 (A gains 2 x 10 x d for d more output per mu and
overtakes B when 97.3 + 20 d > 107.18 M).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optim
from optim.analysis.importance import COLUMNS
from optim.api import Model
from optim.cli import main
from optim.generate import generate, write
from optim.highs import compile_model

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
M = 1e6
EXACT = {"mip_rel_gap": 1e-9}  # re-solves proven to 1e-9 of the objective


def roomy_instance():
    inst = optim.load(TINY)
    inst.resources.loc["energy", "cap"] = 100
    inst.projects.loc["river", "cost"] = 15 * M
    inst.parcels["x"], inst.parcels["y"] = [0.0, 0.2, 0.4], [0.0, 0.0, 0.0]  # for the map
    return inst


@pytest.fixture()
def roomy():
    return roomy_instance()


def rows(table: pd.DataFrame) -> dict[str, dict]:
    return table.set_index("parcel").to_dict("index")


# ---- by hand -----------------------------------------------------------------------------------
def test_importance_and_bid_price_worked_by_hand(roomy):
    table = optim.importance(roomy, exact=True, progress=False)
    s = table.attrs["importance"]
    assert s["objective"] == pytest.approx(107.18 * M)
    r = rows(table)
    assert r["P1"]["importance"] == pytest.approx(9.88 * M)
    assert r["P1"]["kind"] == "exact" and r["P1"]["alternative_use"] == "industrial"
    assert r["P1"]["parcels_changed"] == 1  # P2 goes back to residential
    assert r["P1"]["bid_price"] == pytest.approx(494_000)
    assert r["P1"]["bid_use"] == "industrial"
    assert r["P2"]["importance"] == pytest.approx(9.88 * M) and r["P2"]["alternative_use"] == "residential"
    assert np.isnan(r["P2"]["bid_price"])  # rezoned: no bid price
    assert r["P3"]["kind"] == "fixed" and r["P3"]["status"] == "no_other_use"
    assert list(table.columns[:len(COLUMNS)]) == COLUMNS
    assert table["rank"].tolist() == [1, 2, 3]
    assert s["all_certified"] is True


@pytest.mark.parametrize("factor,switches", [(1.01, True), (0.99, False)])
def test_the_bid_price_is_where_rezoning_starts_to_pay(roomy, factor, switches):
    """1 % above the bid price per mu of output, the optimum rezones P1; 1 % below, it does not."""
    bid = rows(optim.importance(roomy, exact=True, progress=False))["P1"]["bid_price"]
    opts = roomy.options
    at = opts.index[(opts["parcel"] == "P1") & (opts["use"] == "industrial")][0]
    opts.loc[at, "output"] = float(opts.loc[at, "output"]) + factor * bid * 10
    plan = optim.solve(roomy)
    assert plan.certified
    assert (plan.parcels.loc["P1", "use"] == "industrial") is switches


def test_the_tiny_parks_parcels_are_required(tmp_path):
    """On the tiny park itself (tests/test_tiny.py) plans A and C break the energy cap
    or the EOD balance: without P1's commercial or P2's industrial use there is no
    plan, so both are required and P1's bid price is infinite."""
    table = optim.importance(optim.load(TINY), progress=False)
    r = rows(table)
    assert r["P1"]["kind"] == r["P2"]["kind"] == "required"
    assert r["P1"]["importance"] == np.inf and r["P1"]["bid_price"] == np.inf
    assert r["P3"]["kind"] == "fixed"


# ---- brute force -------------------------------------------------------------------------------
def small_park(tmp_path: Path, seed: int, parcels: int = 8):
    out = tmp_path / f"park{seed}"
    write(generate(parcels, seed=seed), out)
    return optim.load(out / "instance.yaml")


def brute_force(inst) -> dict[str, float | None]:
    """For each parcel, its use in the optimum forbidden on a fresh model (the
    column's upper bound set to 0) and the whole model solved again: z* - z_i
    (None when no plan is left)."""
    base = optim.solve(inst, **EXACT)
    out: dict[str, float | None] = {}
    for parcel, use in base.parcels["use"].items():
        model = Model(inst)
        group = model.formulation.groups["v_use"]
        at = list(group.labels).index((parcel, use))
        if sum(1 for label in group.labels if label[0] == parcel) == 1:
            continue  # no other use: nothing to forbid
        group.upper[at] = 0.0
        model.compiled = compile_model(model.formulation)
        res = model.solve(**EXACT)
        assert res.status in ("optimal", "infeasible"), res.status
        if res.has_plan:
            assert res.certified
        out[str(parcel)] = None if not res.has_plan else base.objective - res.objective
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_exact_importance_equals_brute_force(tmp_path, seed):
    inst = small_park(tmp_path, seed)
    table = optim.importance(inst, exact=True, progress=False, **EXACT)
    expected = brute_force(inst)
    r = rows(table)
    assert set(expected) == {p for p, row in r.items() if row["kind"] != "fixed"}
    scale = abs(table.attrs["importance"]["objective"])
    for parcel, loss in expected.items():
        if loss is None:
            assert r[parcel]["kind"] == "required", parcel
        else:
            assert r[parcel]["kind"] == "exact", parcel
            assert r[parcel]["importance"] == pytest.approx(loss, abs=1e-6 * scale), parcel
            assert r[parcel]["importance"] >= -1e-6 * scale  # the optimum: nothing gains
    imp = table["importance"].astype(float).fillna(-np.inf).to_numpy()
    assert (np.diff(imp) <= 0).all()  # most important first


@pytest.mark.parametrize("seed", [1, 2])
def test_screened_bounds_bracket_the_exact_values(tmp_path, seed):
    inst = small_park(tmp_path, seed)
    exact = rows(optim.importance(inst, exact=True, progress=False, **EXACT))
    screened = optim.importance(inst, top=2, progress=False, **EXACT)
    s = screened.attrs["importance"]
    tol = 1e-6 * abs(s["objective"])
    assert s["exact_rows"] >= 2 and s["bound_rows"] >= 1  # the screen left some parcels as bounds
    for row in screened.to_dict("records"):
        want = exact[row["parcel"]]
        if row["kind"] == "fixed":
            continue
        if want["kind"] == "required":
            assert row["kind"] == "required"
            continue
        value = want["importance"]
        assert row["screen_low"] <= value + tol, row["parcel"]
        assert value <= row["screen_high"] + tol, row["parcel"]
        assert row["importance_low"] <= value + tol and value <= row["importance_high"] + tol, row["parcel"]
        if row["kind"] == "exact":
            assert row["importance"] == pytest.approx(value, abs=tol)
    if s["top_proven"]:  # the two most important are the exact table's two most important
        top = sorted((r for r in exact.values() if r["kind"] == "exact"), key=lambda r: -r["importance"])[:2]
        lows = screened.loc[screened["kind"] == "exact", "importance"].nlargest(2)
        assert lows.to_numpy() == pytest.approx([r["importance"] for r in top], abs=tol)


def test_two_workers_equal_the_serial_run(tmp_path):
    """The same figures per parcel (the order of tied rows and the dives' bounds may
    differ: each worker's LP starts from its own basis)."""
    inst = small_park(tmp_path, 1)
    one = optim.importance(inst, top=2, progress=False, **EXACT).set_index("parcel").sort_index()
    two = optim.importance(inst, top=2, workers=2, progress=False, **EXACT).set_index("parcel").sort_index()
    assert two["importance"].to_numpy() == pytest.approx(one["importance"].to_numpy(),
                                                          abs=1e-6 * abs(one.attrs["importance"]["objective"]))
    assert two.attrs["importance"]["workers"] == 2
    assert two.attrs["importance"]["top_proven"] == one.attrs["importance"]["top_proven"]


def test_dask_run_equals_the_serial_run(roomy):
    distributed = pytest.importorskip("distributed")
    serial = optim.importance(roomy, exact=True, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        dask = optim.importance(roomy, exact=True, scheduler=cluster.scheduler_address, progress=False)
    pd.testing.assert_frame_equal(dask[["parcel", "kind", "importance", "bid_price"]],
                                  serial[["parcel", "kind", "importance", "bid_price"]])


# ---- a draft -----------------------------------------------------------------------------------
def test_a_draft_with_the_others_kept_or_re_optimised(roomy, tmp_path):
    """The draft is plan A (97.3 M). Others kept: P1 without industrial is plan D,
    P2 without residential is plan C, both infeasible: both required. Others
    re-optimised: either change leads to B, which gains 9.88 M (importance
    -9.88 M), and P2, kept at its current use, needs no more output (bid 0)."""
    draft = tmp_path / "draft.csv"
    draft.write_text("parcel,use\nP1,industrial\n", encoding="utf-8")
    keep = optim.importance(roomy, draft, progress=False)
    s = keep.attrs["importance"]
    assert s["objective"] == pytest.approx(97.3 * M) and s["others"] == "keep"
    assert s["notes"] == ["draft.csv: 2 parcel(s) not in the draft keep their current use"]
    r = rows(keep)
    assert r["P1"]["use"] == "industrial" and r["P1"]["kind"] == "required"
    assert r["P2"]["use"] == "residential" and r["P2"]["kind"] == "required"
    free = rows(optim.importance(roomy, draft, others="free", exact=True, progress=False))
    assert free["P1"]["importance"] == pytest.approx(-9.88 * M)
    assert free["P2"]["importance"] == pytest.approx(-9.88 * M)
    assert free["P2"]["bid_price"] == 0 and free["P2"]["bid_use"] == "industrial"


def test_a_draft_in_gbk_is_read_by_the_draft_reader(roomy, tmp_path):
    draft = tmp_path / "draft.csv"
    draft.write_bytes("parcel,use,note\nP1,industrial,草案\n".encode("gbk"))
    table = optim.importance(roomy, draft, others="free", exact=True, progress=False, encoding="gb18030")
    assert table.attrs["importance"]["objective"] == pytest.approx(97.3 * M)


# ---- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("argv,messages", [
    (["--top", "0"], ["error: --top: must be >= 1, not 0"]),
    (["--parcels", "some"], ["error: --parcels: must be one of all, rezoned, kept, not 'some'"]),
    (["--sheet", "x"], ["error: --sheet: says how to read the draft of --plan: give --plan"]),
    (["--plan", "{tmp}/bad.csv"], [
        "error: bad.csv row 3, parcel: unknown parcel 'P9': the instance has no such parcel (check the id against "
        "its parcels: P1, P2, P3)",
        "error: bad.csv row 4, use: unknown use 'farm' (uses: commercial, residential, industrial)",
        "error: bad.csv row 5, parcel: parcel 'P1' is given twice (also bad.csv row 2): keep one row per parcel"]),
    (["--plan", "{tmp}/missing.csv"], ["error: {tmp}/missing.csv: draft file not found"]),
])
def test_bad_input_exits_2_with_the_row_and_the_fix(tmp_path, capsys, argv, messages):
    (tmp_path / "bad.csv").write_text("parcel,use\nP1,industrial\nP9,industrial\nP2,farm\nP1,commercial\n",
                                      encoding="utf-8")
    out = tmp_path / "out"
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["importance", str(TINY), *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    for message in messages:
        assert message.replace("{tmp}", str(tmp_path)) in err
    assert "Traceback" not in err and not out.exists()


def test_a_use_not_allowed_on_the_parcel_is_refused(tmp_path, capsys):
    (tmp_path / "draft.csv").write_text("parcel,use\nP3,commercial\n", encoding="utf-8")
    assert main(["importance", str(TINY), "--plan", str(tmp_path / "draft.csv")]) == 2
    err = capsys.readouterr().err
    assert "draft.csv row 2, use: " in err and "'commercial'" in err and "P3" in err


def test_out_into_the_instance_folder_is_refused(capsys):
    assert main(["importance", str(TINY), "--out", str(TINY.parent)]) == 2
    assert ("would overwrite the input file" in capsys.readouterr().err)


# ---- the CLI and the map -------------------------------------------------------------------------
def test_cli_json_and_out(tmp_path, capsys):
    out = tmp_path / "imp"
    assert main(["importance", str(TINY), "--json", "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["objective"] == pytest.approx(107.18 * M) and doc["plan"] == "optimum"
    by = {r["parcel"]: r for r in doc["rows"]}
    assert by["P1"]["importance"] == "inf" and by["P1"]["kind"] == "required"
    assert by["P3"]["kind"] == "fixed"
    csv = pd.read_csv(out / "importance.csv")
    assert list(csv.columns) == COLUMNS
    assert csv.set_index("parcel").loc["P1", "kind"] == "required"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "importance" and summary["instance_file"] == str(TINY.resolve())


def test_cli_text_report(capsys):
    assert main(["importance", str(TINY), "--exact"]) == 0
    text = capsys.readouterr().out
    assert "objective 107,180,000.00 yuan (optimal)" in text
    assert "P3" in text and "no other use" in text


def test_plot_importance_written_from_the_folder(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    write(generate(8, seed=1), tmp_path / "park")
    out = tmp_path / "imp"
    assert main(["importance", str(tmp_path / "park" / "instance.yaml"), "--out", str(out), "--no-progress"]) == 0
    picture = tmp_path / "importance.png"
    assert main(["plot", "importance", str(out), "--out", str(picture)]) == 0  # x, y from the recorded instance
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    assert main(["plot", "importance", str(tmp_path / "none"), "--out", str(picture)]) == 2
    assert "importance.csv" in capsys.readouterr().err


def test_importance_map_colours_by_importance(roomy):
    pytest.importorskip("matplotlib")
    from optim.plots import figure_importance

    table = optim.importance(roomy, exact=True, progress=False)
    fig = figure_importance(table, roomy)
    ax = fig.axes[0]
    colours = ax.collections[0].get_facecolors()
    order = table["parcel"].tolist()
    # P1 and P2 lose the same (the top of the scale), P3 has no other use (light grey)
    assert np.allclose(colours[order.index("P1")], colours[order.index("P2")])
    assert np.allclose(colours[order.index("P3")][:3], [0.85] * 3)
    assert "importance" in fig.axes[-1].get_ylabel()


def test_importance_map_draws_polygons(tmp_path):
    pytest.importorskip("geopandas")
    pytest.importorskip("matplotlib")
    from matplotlib.collections import PolyCollection

    from optim.plots import figure_importance

    write(generate(6, seed=3, geometry=True), tmp_path / "geo")
    inst = optim.load(tmp_path / "geo" / "instance.yaml")
    table = optim.importance(inst, progress=False)
    fig = figure_importance(table, inst)
    polys = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(polys[0].get_paths()) == len(inst.parcels)
