"""Pictures (optim/plots.py): each plot is drawn to PNG and SVG, and its matplotlib
Figure is inspected: title, axis labels with units, legend entries, the number of
bars/points and their values, hollow markers exactly for the points not proven
optimal. The tables are built by hand in the layout of the study outputs
(points.csv of a Pareto front, runs.csv of a sweep), independent of the code that
writes them; the map and the draws use the reference instance's solved plan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optim
from optim import plots
from optim.cli import main
from optim.plots import PlotError

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
THREE_YEAR = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"


# --------------------------------------------------------------------------- helpers

def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def scatters(ax):
    from matplotlib.collections import PathCollection

    return [c for c in ax.collections if isinstance(c, PathCollection)]


def is_hollow(collection) -> bool:
    faces = collection.get_facecolors()
    return len(faces) == 0 or bool(np.all(faces[:, 3] == 0))


def bar_rects(ax):
    return [r for container in ax.containers for r in container.patches]


def assert_written(path: Path, out: Path) -> None:
    assert Path(path) == out
    assert out.is_file()
    assert out.stat().st_size > 5000  # a real picture, not an empty canvas
    head = out.read_bytes()[:200]
    if out.suffix == ".png":
        assert head.startswith(b"\x89PNG")
    else:
        assert b"<svg" in out.read_bytes()[:2000] or b"<?xml" in head


# --------------------------------------------------------------------------- Pareto front

def front_points() -> pd.DataFrame:
    """Seven points in the points.csv layout: P1, P2, P3, P5 optimal and on the front,
    P4 stopped by a limit (feasible, not on the front), P6 optimal but dominated,
    P7 infeasible (no values)."""
    return pd.DataFrame({
        "point": [1, 2, 3, 4, 5, 6, 7],
        "x_name": "land_income", "y_name": "industrial_output",
        "land_income": [2.0e9, 2.3e9, 2.5387e9, 2.8e9, 3.0e9, 2.2e9, np.nan],
        "industrial_output": [5.0e9, 4.8e9, 4.2231e9, 3.1e9, 2.0e9, 4.0e9, np.nan],
        "status": ["optimal", "optimal", "optimal", "feasible", "optimal", "optimal", "infeasible"],
        "gap": [0.0, 0.0, 0.0, 0.02, 0.0, 0.0, np.nan],
        "on_front": [True, True, True, False, True, False, False],
        "mrs": [np.nan, 0.67, 2.43, np.nan, 2.11, np.nan, np.nan],
        "rezoned_area": [700.0, 610.0, 495.0, 300.0, 120.0, 650.0, np.nan],
    })


def test_front_figure_has_title_units_legend_and_hollow_non_optimal_points():
    fig = plots.figure_front(front_points(), "land_income", "industrial_output", label_points=[3, 4])
    ax = fig.axes[0]
    assert ax.get_title() == "Pareto front: land income vs industrial output"
    assert ax.get_xlabel() == "land income (M yuan)"
    assert ax.get_ylabel() == "industrial output (M yuan/year)"
    assert legend_texts(ax) == ["Pareto front", "front point (optimal)", "dominated (not on the front)",
                                "not proven optimal", "no plan: P7 (infeasible)"]
    # the front line joins P1, P2, P3, P5 in order of x, in M yuan
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "Pareto front"]
    assert list(line.get_xdata()) == pytest.approx([2000.0, 2300.0, 2538.7, 3000.0])
    assert list(line.get_ydata()) == pytest.approx([5000.0, 4800.0, 4223.1, 2000.0])
    # 6 points have values (P7 has none); hollow markers are exactly P4, the one not proven optimal
    cols = scatters(ax)
    assert sum(len(c.get_offsets()) for c in cols) == 6
    hollow = [c for c in cols if is_hollow(c)]
    assert len(hollow) == 1
    assert np.asarray(hollow[0].get_offsets()).ravel().tolist() == pytest.approx([2800.0, 3100.0])
    assert sum(len(c.get_offsets()) for c in cols if not is_hollow(c)) == 5
    # the chosen points are labelled with their plan
    notes = sorted(t.get_text() for t in ax.texts)
    assert notes == ["P3: 495 mu rezoned", "P4: 300 mu rezoned"]


def test_front_all_optimal_has_no_hollow_marker_and_reads_names_from_the_table():
    pts = front_points().iloc[[0, 1, 2, 4]]
    fig = plots.figure_front(pts)  # x, y from x_name, y_name
    ax = fig.axes[0]
    assert not any(is_hollow(c) for c in scatters(ax))
    assert "not proven optimal" not in legend_texts(ax)
    assert ax.get_xlabel() == "land income (M yuan)"


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_front_is_written_from_a_pareto_directory(tmp_path, suffix):
    d = tmp_path / "pareto"
    d.mkdir()
    front_points().to_csv(d / "points.csv", index=False)
    out = tmp_path / f"front{suffix}"
    assert_written(plots.plot_front(d, None, None, out, label_points=[3]), out)


def test_front_errors_are_clear(tmp_path):
    with pytest.raises(PlotError, match=r"missing column\(s\) coverage"):
        plots.figure_front(front_points(), "land_income", "coverage")
    with pytest.raises(PlotError, match="no point 9 in the Pareto points"):
        plots.figure_front(front_points(), label_points=[9])
    with pytest.raises(PlotError, match="has no points.csv"):
        plots.figure_front(tmp_path)
    with pytest.raises(PlotError, match=r"must end in \.png or \.svg"):
        plots.plot_front(front_points(), None, None, tmp_path / "front.jpg")


# --------------------------------------------------------------------------- tornado

def tornado_runs() -> pd.DataFrame:
    """A one-at-a-time sweep in the runs.csv layout. Base land income 2,500 M yuan.
    commercial price: low -400 M, high +400 M (swing 800);
    coverage target: low +100 M, high infeasible (swing 100, one bar);
    output weight: low +50 M, high -250 M, stopped by a limit (swing 300, hatched)."""
    price = "options[use=commercial].land_income"
    cov = "policy.coverage_target"
    w = "objective.weights.industrial_output"
    return pd.DataFrame({
        "run": range(7), "design": "tornado",
        "varied": ["base", price, price, cov, cov, w, w],
        "level": ["base", "low", "high", "low", "high", "low", "high"],
        price: [3.5e6, 2.8e6, 4.2e6, 3.5e6, 3.5e6, 3.5e6, 3.5e6],
        cov: [0.88, 0.88, 0.88, 0.80, 0.95, 0.88, 0.88],
        w: [0.62, 0.62, 0.62, 0.62, 0.62, 0.5, 0.8],
        "status": ["optimal", "optimal", "optimal", "optimal", "infeasible", "optimal", "feasible"],
        "gap": [0, 0, 0, 0, np.nan, 0, 0.01],
        "objective": [5.0e9, 4.9e9, 5.1e9, 5.0e9, np.nan, 4.8e9, 5.3e9],
        "land_income": [2.5e9, 2.1e9, 2.9e9, 2.6e9, np.nan, 2.55e9, 2.25e9],
        "rezoned_area": [495.0, 600.0, 400.0, 480.0, np.nan, 470.0, 560.0],
    })


def test_tornado_bars_are_the_changes_from_base_sorted_by_swing():
    fig = plots.figure_tornado(tornado_runs(), "land_income")
    ax = fig.axes[0]
    assert ax.get_title() == "Tornado: land income (base 2,500 M yuan)"
    assert ax.get_xlabel() == "change in land income from the base run (M yuan)"
    assert ax.get_ylabel() == "parameter (low / high value)"
    assert legend_texts(ax) == ["low value", "high value", "not proven optimal"]
    # rows bottom to top by swing: coverage (100), weight (300), price (800) on top
    ticks = [t.get_text().split("\n") for t in ax.get_yticklabels()]
    assert [t[0] for t in ticks] == ["policy.coverage_target", "objective.weights.industrial_output",
                                     "options[use=commercial].land_income"]
    assert ticks[2][1:] == ["2,800,000 / 4,200,000"]
    assert ticks[0][1:] == ["0.8 / 0.95", "high: infeasible"]  # the run without a value is named
    rects = bar_rects(ax)
    assert len(rects) == 5  # 3 parameters x 2 levels, less the infeasible run
    # (row, low below / high above its tick, change in M yuan)
    bars = sorted((round(r.get_y() + r.get_height() / 2), r.get_y() + r.get_height() / 2 > round(r.get_y()),
                   round(r.get_width(), 6)) for r in rects)
    assert bars == [(0, False, 100.0), (1, False, 50.0), (1, True, -250.0), (2, False, -400.0), (2, True, 400.0)]
    hatched = [r for r in rects if r.get_hatch()]
    assert [(round(r.get_y() + r.get_height() / 2), r.get_width()) for r in hatched] == [(1, pytest.approx(-250.0))]


def test_tornado_in_mu_and_written_as_png_and_svg(tmp_path):
    ax = plots.figure_tornado(tornado_runs(), "rezoned_area").axes[0]
    assert ax.get_xlabel() == "change in rezoned area from the base run (mu)"
    assert sorted(round(r.get_width()) for r in bar_rects(ax)) == [-95, -25, -15, 65, 105]
    d = tmp_path / "sweep"
    d.mkdir()
    tornado_runs().to_csv(d / "runs.csv", index=False)
    for suffix in (".png", ".svg"):
        out = tmp_path / "t" / f"tornado{suffix}"  # parent directories are made
        assert_written(plots.plot_tornado(d, "land_income", out), out)


def test_tornado_errors_are_clear():
    runs = tornado_runs()
    with pytest.raises(PlotError, match="no base run"):
        plots.figure_tornado(runs[runs["varied"] != "base"], "land_income")
    with pytest.raises(PlotError, match="no KPI column 'coverage'"):
        plots.figure_tornado(runs, "coverage")
    with pytest.raises(PlotError, match=r"missing column\(s\) varied, level"):
        plots.figure_tornado(runs.drop(columns=["varied", "level"]), "land_income")


# --------------------------------------------------------------------------- map and draws

@pytest.fixture(scope="module")
def reference():
    inst = optim.load(REF)
    result = optim.solve(inst)
    assert result.status == "optimal"
    return inst, result


def test_map_of_the_reference_plan(reference, tmp_path):
    inst, result = reference
    assert "x" not in result.parcels.columns  # coordinates come from the instance
    ax = plots.figure_map(result.parcels, instance=inst).axes[0]
    assert ax.get_title() == "baoji_qinganbao: chosen use per parcel"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (km)", "y (km)")
    rezoned = result.parcels[result.parcels["rezoned"]]
    n_rez = len(rezoned)
    assert n_rez == 13 and rezoned["area"].sum() == pytest.approx(495.0)
    cols = scatters(ax)
    filled = [c for c in cols if not is_hollow(c)]
    rings = [c for c in cols if is_hollow(c)]
    assert sum(len(c.get_offsets()) for c in filled) == 40  # one marker per parcel
    assert len(rings) == 1 and len(rings[0].get_offsets()) == n_rez  # rezoned parcels marked
    xy = inst.parcels.loc[rezoned.index, ["x", "y"]].to_numpy()
    assert sorted(map(tuple, rings[0].get_offsets().tolist())) == sorted(map(tuple, xy.tolist()))
    counts = result.parcels["use"].value_counts()
    assert legend_texts(ax) == [f"{u} ({counts[u]} parcels)" for u in inst.uses.index if u in counts] + [
        "rezoned (13 parcels, 495 mu)"]
    assert ax.get_legend().get_title().get_text() == "chosen use\n(marker area ~ parcel area, mu)"
    # marker area grows with parcel area
    sizes = pd.concat([pd.Series(c.get_sizes(), index=result.parcels.index[result.parcels["use"] == u])
                       for c, u in zip(filled, [u for u in inst.uses.index if u in counts])])
    area = result.parcels["area"].reindex(sizes.index)
    assert sizes[area.idxmax()] == sizes.max() and sizes[area.idxmin()] == sizes.min()
    for suffix in (".png", ".svg"):
        out = tmp_path / f"map{suffix}"
        assert_written(plots.plot_map(result, out, instance=inst), out)


def test_map_from_a_result_directory_needs_coordinates(reference, tmp_path):
    inst, result = reference
    d = result.write(tmp_path / "res")
    # the folder records the instance it was solved for: the map finds its x, y there
    ax = plots.figure_map(d).axes[0]
    assert sum(len(c.get_offsets()) for c in scatters(ax) if not is_hollow(c)) == 40
    assert ax.get_xlabel() == "x (km)"
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    (d / "summary.json").write_text(json.dumps({**summary, "instance_file": None}), encoding="utf-8")
    with pytest.raises(PlotError, match=r"the parcels have no coordinates \(x, y\): give the instance"):
        plots.figure_map(d)
    ax = plots.figure_map(d, instance=REF).axes[0]  # an instance path is loaded
    assert sum(len(c.get_offsets()) for c in scatters(ax) if not is_hollow(c)) == 40
    (d / "summary.json").write_text(json.dumps({**summary, "instance_file": str(tmp_path / "moved.yaml")}),
                                    encoding="utf-8")
    with pytest.raises(PlotError, match=r"the instance it was solved for cannot be loaded .*: give it with"):
        plots.figure_map(d)
    # a parcels table that carries x, y itself needs no instance (Pareto point directories)
    with_xy = result.parcels.join(inst.parcels[["x", "y"]])
    assert len(scatters(plots.figure_map(with_xy).axes[0])) == 5
    partial = with_xy.copy()
    partial.loc[["QA01", "QA02"], "x"] = np.nan
    with pytest.raises(PlotError, match=r"2 parcel\(s\) have no coordinates \(x, y\): QA01, QA02"):
        plots.figure_map(partial)
    no_plan = optim.Result(status="infeasible", termination="infeasible", objective=None, bound=None,
                           gap=None, solve_seconds=0.0)
    with pytest.raises(PlotError, match="the result has no plan"):
        plots.figure_map(no_plan, instance=inst)


def test_draws_stacked_by_category(reference, tmp_path):
    _, result = reference
    ax = plots.figure_draws(result.draws, sources=["policy_finance", "cdb_loan", "special_funds", "bonds"]).axes[0]
    assert ax.get_title() == "Draws by source and category"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("source", "amount drawn (M yuan)")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["policy_finance", "cdb_loan", "special_funds", "bonds"]
    assert legend_texts(ax) == list(pd.unique(result.draws["category"]))
    rects = bar_rects(ax)
    assert len(rects) == len(result.draws) == 7  # one segment per (source, category) drawn
    tops = {}
    for r in rects:
        x = round(r.get_x() + r.get_width() / 2)
        tops[x] = max(tops.get(x, 0.0), r.get_y() + r.get_height())
    assert tops == {0: pytest.approx(92.0), 1: pytest.approx(750.0), 2: pytest.approx(230.0)}  # caps, M yuan
    assert sorted(t.get_text() for t in ax.texts) == ["230.0", "750.0", "92.0"]
    for suffix in (".png", ".svg"):
        out = tmp_path / f"draws{suffix}"
        assert_written(plots.plot_draws(result, out), out)


def test_draws_stacked_by_period():
    draws = pd.DataFrame({"source": ["loan", "loan", "loan", "grant"],
                          "category": ["a", "a", "b", "a"],
                          "period": ["2024", "2023", "2024", "2025"],
                          "amount": [30e6, 10e6, 5e6, 7e6]})
    ax = plots.figure_draws(draws).axes[0]
    assert ax.get_title() == "Draws by source and period"
    assert ax.get_legend().get_title().get_text() == "period"
    assert legend_texts(ax) == ["2023", "2024", "2025"]
    heights = sorted(round(r.get_height(), 6) for r in bar_rects(ax))
    assert heights == [7.0, 10.0, 35.0]  # loan 2024 = 30 + 5 M over both categories
    assert plots.figure_draws(draws, by="category").axes[0].get_title() == "Draws by source and category"


def test_draws_by_period_of_the_three_year_plan(tmp_path):
    result = optim.solve(THREE_YEAR)
    ax = plots.figure_draws(result, by="period").axes[0]
    assert legend_texts(ax) == ["2023", "2024", "2025"]
    total = result.period_draws["amount"].sum() / 1e6
    assert sum(r.get_height() for r in bar_rects(ax)) == pytest.approx(total)
    with pytest.raises(PlotError, match="no draws by period"):
        plots.figure_draws(optim.solve(ROOT / "instances" / "tiny" / "instance.yaml"), by="period")


def test_missing_matplotlib_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(PlotError) as err:
        plots.figure_draws(pd.DataFrame({"source": ["s"], "category": ["c"], "amount": [1.0]}))
    assert str(err.value) == "optim plot needs matplotlib: pip install 'optim[plot]'"


# --------------------------------------------------------------------------- outcomes under uncertainty

def outcome_table() -> pd.DataFrame:
    """Per-scenario table in the layout of scenarios.csv (`optim stochastic --out`): the
    hand case of tests/test_stochastic.py, the stochastic plan 120 in both scenarios,
    the mean-value plan 130 (granted) and 98 (refused)."""
    return pd.DataFrame({"plan": ["stochastic", "stochastic", "mean_value", "mean_value"],
                         "scenario": ["granted", "refused"] * 2, "probability": [0.5] * 4,
                         "objective": [120.0e6, 120.0e6, 130.0e6, 98.0e6],
                         "emergency_borrowing": [0.0, 0.0, 0.0, 40.0e6]})


def test_outcomes_side_by_side_with_mean_quantiles_and_cvar(tmp_path):
    fig = plots.figure_outcomes(outcome_table(), alpha=0.5)
    stochastic, mean_value = fig.axes
    assert stochastic.get_title() == "stochastic plan (2 scenarios)"
    assert mean_value.get_title() == "mean-value plan (2 scenarios)"
    assert stochastic.get_xlabel() == mean_value.get_xlabel() == "objective (M yuan)"
    assert stochastic.get_ylabel() == "probability"
    # mean 114 M, 5 % quantile 98 M, 95 % quantile 130 M, CVaR of the worst half: 98 M
    assert legend_texts(mean_value) == ["probability", "mean 114", "5 % quantile 98", "95 % quantile 130",
                                        "CVaR, worst 50%: 98"]
    assert legend_texts(stochastic)[1] == "mean 120"
    heights = [p.get_height() for p in mean_value.patches]
    assert sum(heights) == pytest.approx(1.0) and max(heights) == pytest.approx(0.5)
    # a cost: its CVaR is the mean of the highest outcomes
    fig = plots.figure_outcomes(outcome_table(), metric="emergency_borrowing", alpha=0.5)
    assert "CVaR, worst 50%: 40" in legend_texts(fig.axes[1])
    for suffix in (".png", ".svg"):
        assert plots.plot_outcomes(outcome_table(), tmp_path / f"o{suffix}").stat().st_size > 5000


def test_outcomes_errors_are_clear(tmp_path):
    with pytest.raises(PlotError, match="has no scenarios.csv"):
        plots.figure_outcomes(tmp_path)
    with pytest.raises(PlotError, match="missing column"):
        plots.figure_outcomes(outcome_table().drop(columns="probability"))
    with pytest.raises(PlotError, match="no rows of the stochastic or the mean-value plan"):
        plots.figure_outcomes(outcome_table().assign(plan="other"))


# --------------------------------------------------------------------------- command line

def test_cli_plots_each_kind(reference, tmp_path, capsys):
    pareto, sweep = tmp_path / "pareto", tmp_path / "sweep"
    pareto.mkdir()
    sweep.mkdir()
    front_points().to_csv(pareto / "points.csv", index=False)
    tornado_runs().to_csv(sweep / "runs.csv", index=False)
    res = tmp_path / "res"
    assert main(["solve", str(REF), "--out", str(res)]) == 0
    cases = [["front", pareto, "--label", "3"], ["tornado", sweep, "--kpi", "land_income"],
             ["map", res, "--instance", REF], ["draws", res]]
    for kind, inp, *rest in cases:
        out = tmp_path / f"{kind}.png"
        capsys.readouterr()
        assert main(["plot", kind, str(inp), "--out", str(out), *map(str, rest)]) == 0
        assert capsys.readouterr().out.strip() == f"written {out}"
        assert out.is_file() and out.stat().st_size > 5000


def test_cli_bad_input_exits_2_without_traceback(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["plot", "front", str(empty), "--out", str(tmp_path / "f.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optim plot front: ") and "has no points.csv" in err
    assert "Traceback" not in err
    assert main(["plot", "tornado", str(tmp_path / "nowhere"), "--out", str(tmp_path / "t.png")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["plot", "map", str(empty), "--out", str(tmp_path / "m.gif")]) == 2
    assert "m.gif: the picture's file must end in .png or .svg" in capsys.readouterr().err
    assert main(["plot", "map", str(empty), "--out", str(tmp_path / "m.png")]) == 2
    assert "no parcels table (parcels.csv)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # argparse: unknown kind
        main(["plot", "pie", str(empty), "--out", str(tmp_path / "p.png")])
    assert usage.value.code == 2
    assert "invalid choice: 'pie'" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.png"))


def test_cli_entry_point_missing_points_csv(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "plot", "front", str(tmp_path),
                           "--out", str(tmp_path / "f.svg")], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    assert proc.returncode == 2
    assert "points.csv" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "f.svg").exists()


def test_map_says_what_the_coordinates_are(reference):
    """The reference instance states km: the axes say km and the scale bar is 500 m
    (x spans -0.5 .. 2.5 km: a fifth is 600 m, rounded down to 500 m). The same park
    in longitude/latitude (x = 107.18 + km / (111.32 cos 34.37)) keeps its 500 m bar;
    coordinates whose unit is not stated get no bar and axes that say so."""
    inst, result = reference

    def bar_of(ax):
        bars = [a for a in ax.artists if a.get_label() == "scale bar"]
        return bars[0].txt_label.get_text() if bars else None

    ax = plots.figure_map(result.parcels, instance=inst).axes[0]
    assert bar_of(ax) == "500 m"
    with_xy = result.parcels.join(inst.parcels[["x", "y"]])
    ax = plots.figure_map(with_xy).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (unit not stated: set units.coordinates)",
                                                  "y (unit not stated: set units.coordinates)")
    assert bar_of(ax) is None
    lonlat = inst.copy()
    lonlat.units = {**inst.units, "coordinates": "degrees"}
    cos = np.cos(np.radians(34.37))
    lonlat.parcels["x"] = 107.18 + inst.parcels["x"] / (111.32 * cos)
    lonlat.parcels["y"] = 34.37 + inst.parcels["y"] / 111.32
    ax = plots.figure_map(result.parcels, instance=lonlat).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("longitude (degrees)", "latitude (degrees)")
    assert bar_of(ax) == "500 m"
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(lonlat.parcels["y"].mean())))
