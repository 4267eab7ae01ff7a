"""Pictures of studies and plans: Pareto front, tornado chart, parcel map, draws, importance map.

Each `plot_*` function takes DataFrames (or the object / output directory they
come from) and an output path ending in ``.png`` or ``.svg``, draws the picture
and returns the path; its `figure_*` twin returns the matplotlib `Figure`
instead (to show in a notebook, inspect in a test or adjust before saving).

matplotlib is an optional extra (``pip install 'optim[plot]'``). Figures are
drawn on matplotlib's Agg canvas without pyplot: no display is needed (servers,
CI) and a notebook's own backend is left alone.

Units: money in millions of yuan ("M yuan"), annual output in "M yuan/year",
area in mu; map coordinates in the unit the instance states
(`units.coordinates`: km, m or degrees), or eastings and northings in km of a
metric coordinate system for parcels with polygons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InstanceError
from .inputs.reader import load
from .model.kpis import KPI_UNITS
from .results import instance_of

MISSING_MATPLOTLIB = "optim plot needs matplotlib: pip install 'optim[plot]'"
FORMATS = (".png", ".svg")

# how a name's values are shown: unit in the data -> (divisor, unit on the axis)
_DISPLAY = {"yuan": (1e6, "M yuan"), "yuan/year": (1e6, "M yuan/year"), "mu": (1.0, "mu"),
            "ratio": (1.0, "ratio"), "km": (1.0, "km"), "length": (1.0, "km")}
# the objectives of a Pareto front, in the units of `Result.objective_terms`
_OBJECTIVES = {"land_income": ("land income", "yuan"),
               "industrial_output": ("industrial output", "yuan/year"),
               "coverage": ("external financing in scope", "yuan"),
               "financing_cost": ("financing cost", "yuan")}
# fixed colours for the usual uses; others take the next colour of the cycle
_USE_COLOURS = {"industrial": "#7b4ea3", "commercial": "#d62728", "residential": "#f2b701",
                "ecological": "#2ca02c", "green": "#2ca02c", "agricultural": "#bcbd22"}


# the words of the plan's pictures (map and draws), in English; `words=` gives them in another
# language (the report passes its catalogue's, optim/reporting/texts.py)
WORDS = {
    "map_title": "Chosen use per parcel", "map_title_named": "{name}: chosen use per parcel",
    "use_count": "{use} ({count} parcels)", "rezoned": "rezoned ({count} parcels, {area} mu)",
    "legend_use": "chosen use\n(marker area ~ parcel area, mu)", "legend_use_polygons": "chosen use",
    "x": "x ({unit})", "y": "y ({unit})", "lon": "longitude (degrees)", "lat": "latitude (degrees)",
    "easting": "easting (km, {crs})", "northing": "northing (km)",
    "no_unit": "unit not stated: set units.coordinates", "km": "km", "m": "m",
    "draws_title": "Draws by source and {by}", "by_category": "category", "by_period": "period",
    "source": "source", "amount": "amount drawn ({unit})", "nothing_drawn": "nothing drawn",
}


def _words(words: dict[str, str] | None) -> dict[str, str]:
    return {**WORDS, **(words or {})}


class PlotError(Exception):
    """Bad input for a plot (missing columns, no plan, no coordinates, ...)."""


# --------------------------------------------------------------------------- helpers

def new_figure(size: tuple[float, float]):
    """A Figure on the Agg canvas (no pyplot, no global backend change)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotError(MISSING_MATPLOTLIB) from exc
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _frame_km(ax: Any, shapes: Any) -> tuple[float, float]:
    """The axes fitted to the polygons `shapes` (metres) in km, equal aspect, with a
    3 % margin; returns the polygons' x extent (km)."""
    import shapely

    x0, y0, x1, y1 = shapely.total_bounds(shapes) / 1000.0
    pad = 0.03 * max(x1 - x0, y1 - y0, 1e-6)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    return x0, x1


def _check_out(out: str | Path) -> Path:
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise PlotError(f"{out}: the picture's file must end in .png or .svg")
    return out


def _save(fig, out: str | Path) -> Path:
    out = _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150)
    return out


def _unit_of(name: str) -> str | None:
    units = {**KPI_UNITS, "objective": "yuan", "boundary_length": "km",
             "compat_penalty": "yuan", "relocation_cost": "yuan"}
    return units.get(name)


def _display(name: str, unit: str | None) -> tuple[str, float, str]:
    """(label, divisor, axis unit) of a named quantity in `unit`."""
    label = name.replace("_", " ")
    if unit is None:
        return label, 1.0, ""
    div, shown = _DISPLAY.get(unit, (1.0, unit))
    return label, div, shown


def _objective_display(name: str, values: pd.Series) -> tuple[str, float, str]:
    """Display of a Pareto objective: yuan figures (coverage as external financing
    in scope), or the coverage ratio if the values are ratios."""
    if name == "coverage" and values.abs().max(skipna=True) <= 10:
        return "coverage", 1.0, "ratio"
    if name in _OBJECTIVES:
        label, unit = _OBJECTIVES[name]
        return (label,) + _display(name, unit)[1:]
    return _display(name, _unit_of(name))


def _axis_label(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def _read_csv(path: Path, what: str, hint: str) -> pd.DataFrame:
    if not path.is_file():
        raise PlotError(f"{path}: not found ({what}; {hint})")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PlotError(f"{path}: cannot be read as CSV ({exc})") from exc


def _table(obj: Any, attr: str, filename: str, hint: str) -> pd.DataFrame:
    """A DataFrame given as itself, as an object with `attr`, as a directory holding
    `filename`, or as a CSV file."""
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, (str, Path)):
        p = Path(obj)
        if p.is_dir():
            return _read_csv(p / filename, f"{p} has no {filename}", hint)
        if p.exists():
            return _read_csv(p, f"{filename}", hint)
        raise PlotError(f"{p}: no such file or directory ({hint})")
    table = getattr(obj, attr, None)
    if isinstance(table, pd.DataFrame):
        return table
    raise PlotError(f"expected a DataFrame, an object with .{attr}, or a directory with {filename}, "
                    f"not {type(obj).__name__}")


def _require(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise PlotError(f"{what}: missing column(s) {', '.join(missing)} "
                        f"(columns present: {', '.join(map(str, df.columns)) or 'none'})")


def _as_bool(s: pd.Series) -> pd.Series:
    if s.dtype == bool:
        return s
    return s.map(lambda v: str(v).strip().lower() in ("true", "1", "yes")).astype(bool)


def _fmt(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return str(v)
    return f"{f:,.0f}" if abs(f) >= 1e4 else f"{f:.4g}"


# --------------------------------------------------------------------------- Pareto front

def figure_front(points: Any, x: str | None = None, y: str | None = None,
                 label_points: Sequence[int] | str | None = None):
    """The Pareto front as a matplotlib Figure.

    points: the `points` table of a Pareto study (columns `<x>`, `<y>`, `status`,
    `on_front`, `point`, optionally `rezoned_area`, `x_name`, `y_name`), a `Front`,
    or a Pareto output directory holding points.csv. x, y: the objectives (default:
    the table's `x_name`, `y_name`). Points on the front are joined by a line; a
    point not proven optimal (status other than ``optimal``) is drawn hollow and
    never joined; a dominated point is grey. label_points: point numbers to label
    with their plan ("P3: 495 mu rezoned"), or ``"all"``.
    """
    pts = _table(points, "points", "points.csv", "expected the output directory of `optim pareto --out`")
    if x is None or y is None:
        _require(pts, ["x_name", "y_name"], "Pareto points (give x and y, or the columns x_name, y_name)")
        if not len(pts):
            raise PlotError("Pareto points: the table is empty")
        x = x or str(pts["x_name"].iloc[0])
        y = y or str(pts["y_name"].iloc[0])
    _require(pts, [x, y], "Pareto points")
    pts = pts.copy()
    if "point" not in pts.columns:
        pts["point"] = range(1, len(pts) + 1)
    status = pts["status"].fillna("unknown").astype(str) if "status" in pts.columns \
        else pd.Series("optimal", index=pts.index)
    on_front = _as_bool(pts["on_front"]) if "on_front" in pts.columns else pd.Series(True, index=pts.index)
    xs = pd.to_numeric(pts[x], errors="coerce")
    ys = pd.to_numeric(pts[y], errors="coerce")
    xlabel, xdiv, xunit = _objective_display(x, xs)
    ylabel, ydiv, yunit = _objective_display(y, ys)
    xs, ys = xs / xdiv, ys / ydiv
    valid = xs.notna() & ys.notna()
    optimal = status == "optimal"

    fig, ax = new_figure((7.5, 5.5))
    front = valid & on_front & optimal
    order = xs[front].sort_values().index
    if len(order):
        ax.plot(xs[order], ys[order], "-", color="C0", linewidth=1.5, zorder=1, label="Pareto front")
        ax.scatter(xs[order], ys[order], s=45, color="C0", edgecolors="C0", zorder=3,
                   label="front point (optimal)")
    dominated = valid & ~on_front & optimal
    if dominated.any():
        ax.scatter(xs[dominated], ys[dominated], s=35, color="0.6", edgecolors="0.6", marker="s", zorder=2,
                   label="dominated (not on the front)")
    hollow = valid & ~optimal
    if hollow.any():
        ax.scatter(xs[hollow], ys[hollow], s=60, facecolors="none", edgecolors="C3", linewidths=1.5,
                   zorder=4, label="not proven optimal")
    if (~valid).any():
        missing = ", ".join(f"P{p} ({s})" for p, s in zip(pts.loc[~valid, "point"], status[~valid]))
        ax.plot([], [], " ", label=f"no plan: {missing}")

    if isinstance(label_points, str) and label_points == "all":
        label_points = pts.loc[valid, "point"].tolist()
    for p in label_points or []:
        rows = pts.index[pts["point"].astype(str) == str(p)]
        if not len(rows):
            raise PlotError(f"label_points: no point {p} in the Pareto points "
                            f"(points: {', '.join(map(str, pts['point']))})")
        i = rows[0]
        if not valid[i]:
            continue
        text = f"P{pts.at[i, 'point']}"
        if "rezoned_area" in pts.columns and pd.notna(pts.at[i, "rezoned_area"]):
            text += f": {float(pts.at[i, 'rezoned_area']):,.0f} mu rezoned"
        ax.annotate(text, (xs[i], ys[i]), xytext=(8, 8), textcoords="offset points", fontsize=8,
                    arrowprops={"arrowstyle": "-", "color": "0.4", "linewidth": 0.8})
    ax.margins(x=0.1, y=0.08)  # room for the labels
    ax.set_xlabel(_axis_label(xlabel, xunit))
    ax.set_ylabel(_axis_label(ylabel, yunit))
    ax.set_title(f"Pareto front: {xlabel} vs {ylabel}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def plot_front(points: Any, x: str | None, y: str | None, out: str | Path,
               label_points: Sequence[int] | str | None = None) -> Path:
    """Draw the Pareto front (see `figure_front`) to `out` (.png or .svg); return the path."""
    _check_out(out)
    return _save(figure_front(points, x, y, label_points), out)


# --------------------------------------------------------------------------- tornado

def figure_tornado(runs: Any, kpi: str):
    """A tornado chart of a one-at-a-time sweep as a matplotlib Figure.

    runs: the `runs` table of a sweep (columns `varied`, `level`, the parameter
    columns, the KPI columns, optionally `status`), a `Study`, or a sweep output
    directory with runs.csv. For each parameter, horizontal bars give the KPI's
    change from the base run at the parameter's low and high values; the
    parameter with the largest swing is on top. A run without a value (no plan)
    is named under its row ("high: infeasible"); a run not proven optimal is hatched.
    """
    df = _table(runs, "runs", "runs.csv", "expected the output directory of `optim sweep --out`")
    _require(df, ["varied", "level"], "sweep runs (a tornado needs a one-at-a-time sweep)")
    kpis = [c for c in df.columns if c not in ("run", "design", "varied", "level", "status", "gap",
                                                "model", "message", "seconds")]
    if kpi not in df.columns:
        raise PlotError(f"sweep runs: no KPI column {kpi!r} (columns: {', '.join(kpis)})")
    varied = df["varied"].astype(str)
    level = df["level"].astype(str)
    status = df["status"].fillna("unknown").astype(str) if "status" in df.columns \
        else pd.Series("optimal", index=df.index)
    values = pd.to_numeric(df[kpi], errors="coerce")
    base_rows = df.index[varied == "base"]
    if not len(base_rows):
        raise PlotError("sweep runs: no base run (varied == 'base'); a tornado needs a one-at-a-time sweep")
    base = values[base_rows[0]]
    if not np.isfinite(base):
        raise PlotError(f"sweep runs: the base run has no value of {kpi!r} "
                        f"(status {status[base_rows[0]]})")
    label, div, unit = _display(kpi, _unit_of(kpi))

    rows = []  # (parameter, {level: (delta, status, value of the parameter)})
    for p in pd.unique(varied[varied != "base"]):
        levels = {}
        for lv in ("low", "high"):
            idx = df.index[(varied == p) & (level == lv)]
            if len(idx):
                i = idx[0]
                param = df.at[i, p] if p in df.columns else None
                levels[lv] = ((values[i] - base) / div, status[i], param)
        deltas = [d for d, _, _ in levels.values() if np.isfinite(d)]
        swing = (max(deltas + [0.0]) - min(deltas + [0.0])) if deltas else 0.0
        rows.append((p, levels, swing))
    if not rows:
        raise PlotError("sweep runs: no parameter was varied (only the base run)")
    rows.sort(key=lambda r: r[2])  # largest swing last = on top

    fig, ax = new_figure((8.0, 1.4 + 0.75 * len(rows)))
    colours = {"low": "C0", "high": "C1"}
    drawn_not_optimal = False
    offset = {"low": -0.19, "high": 0.19}  # low below, high above: bars on one side stay visible
    for lv in ("low", "high"):
        ys, widths, hatches = [], [], []
        for j, (p, levels, _) in enumerate(rows):
            if lv not in levels or not np.isfinite(levels[lv][0]):
                continue
            d, st, _ = levels[lv]
            ys.append(j + offset[lv])
            widths.append(d)
            hatches.append("//" if st != "optimal" else "")
        if ys:
            bars = ax.barh(ys, widths, height=0.36, color=colours[lv], alpha=0.85, label=f"{lv} value")
            for bar, h in zip(bars, hatches):
                if h:
                    bar.set_hatch(h)
                    drawn_not_optimal = True
    if drawn_not_optimal:
        from matplotlib.patches import Patch

        ax.legend(handles=[*ax.get_legend_handles_labels()[0],
                           Patch(facecolor="white", edgecolor="0.3", hatch="//", label="not proven optimal")],
                  loc="best", fontsize=8)
    else:
        ax.legend(loc="best", fontsize=8)
    ticks = []
    for p, levels, _ in rows:
        lo = _fmt(levels["low"][2]) if "low" in levels and levels["low"][2] is not None else "?"
        hi = _fmt(levels["high"][2]) if "high" in levels and levels["high"][2] is not None else "?"
        no_value = [f"{lv}: {levels[lv][1]}" for lv in ("low", "high")
                    if lv in levels and not np.isfinite(levels[lv][0])]
        ticks.append(f"{p}\n{lo} / {hi}" + "".join(f"\n{t}" for t in no_value))
    ax.set_yticks(range(len(rows)), ticks, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    lo, hi = ax.get_xlim()
    pad = 0.06 * (hi - lo) or 1.0  # keep the base line off the frame
    ax.set_xlim(min(lo, -pad), max(hi, pad))
    ax.set_xlabel(_axis_label(f"change in {label} from the base run", unit))
    ax.set_ylabel("parameter (low / high value)")
    ax.set_title(f"Tornado: {label} (base {base / div:,.4g} {unit})".replace(" )", ")"))
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def plot_tornado(runs: Any, kpi: str, out: str | Path) -> Path:
    """Draw the tornado chart (see `figure_tornado`) to `out` (.png or .svg); return the path."""
    _check_out(out)
    return _save(figure_tornado(runs, kpi), out)


# --------------------------------------------------------------------------- parcel map

def _plan_tables(result: Any) -> tuple[dict[str, pd.DataFrame], str]:
    """Tables of a solved plan given as a Result or a directory written by Result.write."""
    if isinstance(result, (str, Path)):
        d = Path(result)
        if not d.is_dir():
            raise PlotError(f"{d}: not a directory (expected a result directory written by `optim solve --out`)")
        tables = {p.stem: p for p in d.glob("*.csv")}
        name = d.name
        summary = d / "summary.json"
        if summary.is_file():
            try:
                name = json.loads(summary.read_text(encoding="utf-8")).get("instance") or name
            except ValueError:
                pass
        return tables, name
    if hasattr(result, "tables"):
        return result.tables(), getattr(result, "instance", "")
    raise PlotError(f"expected a Result, a result directory or a DataFrame, not {type(result).__name__}")


def _load_table(tables: dict, name: str, where: str) -> pd.DataFrame:
    t = tables.get(name)
    if t is None:
        raise PlotError(f"{where}: no {name} table ({name}.csv)")
    if isinstance(t, pd.DataFrame):
        return t
    return _read_csv(t, name, where)


def _instance_parcels(instance: Any) -> tuple[pd.DataFrame, list[str], str]:
    """(parcels table, uses in order, name) of an Instance, an instance path, or a
    parcels DataFrame."""
    if instance is None:
        return pd.DataFrame(), [], ""
    if isinstance(instance, pd.DataFrame):
        return instance, [], ""
    if isinstance(instance, (str, Path)):
        instance = load(instance)
    parcels = getattr(instance, "parcels", None)
    if not isinstance(parcels, pd.DataFrame):
        raise PlotError(f"instance: expected an Instance, an instance path or a parcels DataFrame, "
                        f"not {type(instance).__name__}")
    uses = getattr(instance, "uses", None)
    return parcels, (list(uses.index) if isinstance(uses, pd.DataFrame) else []), str(getattr(instance, "name", ""))


def _map_instance(parcels: Any, instance: Any) -> Any:
    """The instance of a map: as given; else, for a result folder, the one its
    summary.json records (`optim.results.instance_of`), when it records one."""
    if instance is not None:
        return load(instance) if isinstance(instance, (str, Path)) else instance
    if isinstance(parcels, (str, Path)) and (Path(parcels) / "summary.json").is_file():
        try:
            summary = json.loads((Path(parcels) / "summary.json").read_text(encoding="utf-8"))
        except ValueError:
            return None
        if isinstance(summary, dict) and summary.get("instance_file"):
            try:
                return instance_of(parcels)
            except InstanceError as exc:
                raise PlotError(f"{parcels}: the instance it was solved for cannot be loaded ({exc.problems[0]}): "
                                "give it with instance=... / --instance PATH") from None
    if hasattr(parcels, "geometry") and getattr(parcels, "geometry", None) is not None \
            and not isinstance(parcels, pd.DataFrame):
        return parcels  # a Result with polygons draws them itself
    return None


def _chosen_uses(parcels: Any) -> tuple[pd.DataFrame, str]:
    """The plan's parcels table indexed by parcel id (text), and the instance's name
    if the result records it; `PlotError` when the result has no plan."""
    name = ""
    if isinstance(parcels, pd.DataFrame):
        df = parcels
    else:
        tables, name = _plan_tables(parcels)
        df = _load_table(tables, "parcels", str(parcels) if isinstance(parcels, (str, Path)) else "result")
    if not len(df) or "use" not in df.columns or df["use"].isna().all():
        raise PlotError("the plan has no parcels with a chosen use: the result has no plan")
    df = df.copy()
    if "parcel" in df.columns:
        df = df.set_index("parcel")
    df.index = df.index.astype(str)
    return df, name


def map_parcels(parcels: Any, instance: Any = None) -> tuple[pd.DataFrame, list[str], str]:
    """The plan's parcels with x, y (taken from the instance when the plan lacks
    them): (table indexed by parcel, uses in order, instance name)."""
    df, name = _chosen_uses(parcels)
    inst_parcels, uses, inst_name = _instance_parcels(instance)
    name = name or inst_name
    if not {"x", "y"} <= set(df.columns) or df[["x", "y"]].isna().all().all():
        if {"x", "y"} <= set(inst_parcels.columns) and not inst_parcels[["x", "y"]].isna().all().all():
            ip = inst_parcels.copy()
            if "id" in ip.columns:
                ip = ip.set_index("id")
            ip.index = ip.index.astype(str)
            df = df.drop(columns=[c for c in ("x", "y") if c in df.columns]).join(ip[["x", "y"]], how="left")
        else:
            hint = ("the instance's parcels have no x, y columns" if instance is not None
                    else "give the instance (instance=... / --instance PATH) whose parcels table has x, y")
            raise PlotError(f"the parcels have no coordinates (x, y): {hint}")
    xy = df[["x", "y"]].apply(pd.to_numeric, errors="coerce")
    lacking = df.index[xy.isna().any(axis=1)]
    if len(lacking):
        more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
        raise PlotError(f"{len(lacking)} parcel(s) have no coordinates (x, y): "
                        f"{', '.join(lacking[:5])}{more}")
    df[["x", "y"]] = xy
    return df, uses, name


def figure_map(parcels: Any, instance: Any = None, coord_unit: str | None = None,
               words: dict[str, str] | None = None):
    """The parcel map as a matplotlib Figure, coloured by each parcel's chosen use,
    rezoned parcels outlined in black, with a scale bar when distances are known.

    With parcel polygons (an instance read from a GIS file) the polygons are drawn
    in the metric coordinate system of the instance (eastings and northings in km),
    each labelled with its id where the label fits. Otherwise one marker per
    parcel at (x, y), its area proportional to the parcel's area (mu), in the unit
    of the instance's `units.coordinates` (km, m or degrees of longitude and
    latitude), or `coord_unit`; when neither says, the axes say the unit is not stated.

    parcels: `Result.parcels` (index parcel; columns use, rezoned, area, and x, y
    if present), a Result, or a result directory written by `Result.write`.
    instance: an Instance, an instance path or its parcels DataFrame; for a result
    directory, the instance its summary.json records is used when none is given.
    words: the picture's words in another language (keys of `WORDS`).
    """
    w = _words(words)
    inst = _map_instance(parcels, instance)
    geometry = getattr(inst, "geometry", None) if inst is not None else None
    if geometry is not None:
        return _polygon_map(parcels, inst, geometry, w)
    df, uses, name = map_parcels(parcels, inst)
    if coord_unit is None and inst is not None and not isinstance(inst, pd.DataFrame):
        coord_unit = (getattr(inst, "units", None) or {}).get("coordinates")
    rezoned = _as_bool(df["rezoned"]) if "rezoned" in df.columns else pd.Series(False, index=df.index)
    area = pd.to_numeric(df["area"], errors="coerce").fillna(0.0) if "area" in df.columns \
        else pd.Series(1.0, index=df.index)
    top = float(area.max()) if float(area.max()) > 0 else 1.0
    biggest = 300 * min(1.0, math.sqrt(100 / len(df)))  # markers shrink on large parks
    size = biggest * (0.08 + 0.92 * area / top)
    chosen = df["use"].fillna("none").astype(str)
    order = [u for u in uses if u in set(chosen)] + sorted(set(chosen) - set(uses))

    fig, ax = new_figure((9.0, 6.0))
    colours = _use_colours(order)
    for use in order:
        m = chosen == use
        ax.scatter(df.loc[m, "x"], df.loc[m, "y"], s=size[m], color=colours[use], edgecolors="white",
                   linewidths=0.5, alpha=0.9, zorder=2, label=w["use_count"].format(use=use, count=int(m.sum())))
    if rezoned.any():
        ax.scatter(df.loc[rezoned, "x"], df.loc[rezoned, "y"], s=size[rezoned] * 1.15, facecolors="none",
                   edgecolors="black", linewidths=1.8, zorder=3,
                   label=w["rezoned"].format(count=int(rezoned.sum()), area=f"{float(area[rezoned].sum()):,.0f}"))
    if coord_unit == "degrees":
        lat = float(df["y"].mean())
        ax.set_aspect(1.0 / max(math.cos(math.radians(lat)), 0.01), adjustable="datalim")
        ax.set_xlabel(w["lon"])
        ax.set_ylabel(w["lat"])
        metres_per_unit = 111_320.0 * math.cos(math.radians(lat))  # east-west, at the park's latitude
    else:
        ax.set_aspect("equal", adjustable="datalim")
        shown = w.get(coord_unit or "", coord_unit) if coord_unit else w["no_unit"]
        ax.set_xlabel(w["x"].format(unit=shown))
        ax.set_ylabel(w["y"].format(unit=shown))
        metres_per_unit = {"km": 1000.0, "m": 1.0}.get(coord_unit or "", None)
    ax.set_title(w["map_title_named"].format(name=name) if name else w["map_title"])
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, title_fontsize=8,
              title=w["legend_use"], markerscale=0.6)
    if metres_per_unit is not None:
        _scale_bar(ax, metres_per_unit, float(df["x"].max() - df["x"].min()), w)
    return fig


def _use_colours(order: list[str]) -> dict[str, Any]:
    spare = iter(f"C{i}" for i in range(10))
    return {use: _USE_COLOURS.get(use) or next(spare, "0.5") for use in order}


def _nice_length(metres: float) -> float:
    """A round length (1, 2 or 5 x 10^k metres) of about `metres`."""
    if metres <= 0:
        return 1.0
    k = math.floor(math.log10(metres))
    for m in (5, 2, 1):
        if m * 10 ** k <= metres:
            return float(m * 10 ** k)
    return float(10 ** k)


def _scale_bar(ax: Any, metres_per_unit: float, extent: float, w: dict[str, str] = WORDS) -> None:
    """A scale bar in the lower left corner: a round length of about a fifth of
    the map's width, labelled in m or km."""
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    metres = _nice_length(max(extent, 1e-9) * metres_per_unit / 5)
    label = f"{metres / 1000:g} {w['km']}" if metres >= 1000 else f"{metres:g} {w['m']}"
    bar = AnchoredSizeBar(ax.transData, metres / metres_per_unit, label, "lower left", pad=0.6, borderpad=0.5,
                          sep=4, frameon=True, size_vertical=0, fontproperties=FontProperties(size=8))
    bar.set_label("scale bar")
    ax.add_artist(bar)


def _polygon_map(parcels: Any, inst: Any, geometry: Any, w: dict[str, str] = WORDS):
    """The map of a plan on the parcels' polygons (see `figure_map`)."""
    import shapely
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    df, name = _chosen_uses(parcels)
    name = name or str(getattr(inst, "name", ""))
    ids = pd.Index(geometry.shapes.index.astype(str))
    lacking = df.index.difference(ids)
    if len(lacking):
        raise PlotError(f"{len(lacking)} parcel(s) of the plan have no polygon in the instance: "
                        f"{', '.join(lacking[:5])}: is it the instance the plan was solved for?")
    pos = ids.get_indexer(df.index)
    shapes = geometry.metric[pos]
    rings = [np.asarray(shapely.get_coordinates(shapely.get_exterior_ring(g))) / 1000.0 for g in shapes]
    uses = list(getattr(inst, "uses", pd.DataFrame()).index)
    chosen = df["use"].fillna("none").astype(str)
    order = [u for u in uses if u in set(chosen)] + sorted(set(chosen) - set(uses))
    colours = _use_colours(order)
    rezoned = _as_bool(df["rezoned"]) if "rezoned" in df.columns else pd.Series(False, index=df.index)
    area = pd.to_numeric(df["area"], errors="coerce").fillna(0.0) if "area" in df.columns \
        else pd.Series(shapely.area(shapes) / 666.6667, index=df.index)

    fig, ax = new_figure((10.0, 7.5))
    faces = [colours[u] for u in chosen]
    ax.add_collection(PolyCollection(rings, facecolors=faces, edgecolors="white", linewidths=0.3, zorder=2))
    handles = [Patch(facecolor=colours[u], edgecolor="white",
                     label=w["use_count"].format(use=u, count=int((chosen == u).sum()))) for u in order]
    if rezoned.any():
        at = np.flatnonzero(rezoned.to_numpy())
        ax.add_collection(PolyCollection([rings[k] for k in at], facecolors="none", edgecolors="black",
                                         linewidths=1.4, zorder=3))
        handles.append(Patch(facecolor="none", edgecolor="black", linewidth=1.4,
                             label=w["rezoned"].format(count=len(at), area=f"{float(area[rezoned].sum()):,.0f}")))
    x0, x1 = _frame_km(ax, shapes)
    crs = geometry.metric_crs
    code = crs.to_epsg() if hasattr(crs, "to_epsg") else None
    ax.set_xlabel(w["easting"].format(crs='EPSG:%d' % code if code else crs))
    ax.set_ylabel(w["northing"])
    ax.set_title(w["map_title_named"].format(name=name) if name else w["map_title"])
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, title_fontsize=8,
              title=w["legend_use_polygons"])
    _scale_bar(ax, 1000.0, x1 - x0, w)
    _label_parcels(fig, ax, df.index, shapes)
    return fig


def _label_parcels(fig: Any, ax: Any, ids: pd.Index, shapes: np.ndarray, most: int = 400) -> int:
    """Write each parcel's id inside its polygon where it fits at the drawn scale
    (and at most `most` labels); return how many were written."""
    import shapely

    width_in = fig.get_size_inches()[0] * 0.75  # about the axes' share of the figure
    x0, x1 = ax.get_xlim()
    points_per_km = width_in * 72.0 / max(x1 - x0, 1e-9)
    fontsize = 5.0
    area_km2 = shapely.area(shapes) / 1e6
    side_pt = np.sqrt(area_km2) * points_per_km  # the side of a square of the parcel's area, in points
    text_pt = np.array([len(str(i)) for i in ids]) * fontsize * 0.62
    fits = np.flatnonzero((side_pt >= text_pt * 1.2) & (side_pt >= fontsize * 2.5))
    if len(fits) > most:
        fits = fits[np.argsort(-area_km2[fits], kind="stable")[:most]]
    points = shapely.point_on_surface(shapes[fits])
    xy = shapely.get_coordinates(points) / 1000.0
    for (x, y), k in zip(xy, fits):  # larger parcels, larger labels (5 to 9 points)
        size = float(np.clip(fontsize * side_pt[k] / (text_pt[k] * 1.2) / 2.0, fontsize, 9.0))
        ax.text(x, y, str(ids[k]), fontsize=size, ha="center", va="center", color="black", zorder=4,
                gid="parcel-label")
    return len(fits)


def plot_map(parcels: Any, out: str | Path, instance: Any = None, coord_unit: str | None = None) -> Path:
    """Draw the parcel map (see `figure_map`) to `out` (.png or .svg); return the path."""
    _check_out(out)
    return _save(figure_map(parcels, instance, coord_unit), out)


# --------------------------------------------------------------------------- importance

IMPORTANCE_HINT = "a table written by `optim importance --out DIR` (importance.csv)"


def _importance_table(importance: Any) -> tuple[pd.DataFrame, Any]:
    """(importance table indexed by parcel, what to take the instance from)."""
    df = _table(importance, "importance", "importance.csv", IMPORTANCE_HINT)
    _require(df, ("parcel", "use", "importance", "kind"), "importance table")
    if not len(df):
        raise PlotError("the importance table has no rows: the plan had no feasible completion")
    df = df.copy()
    df["parcel"] = df["parcel"].astype(str)
    df["importance"] = pd.to_numeric(df["importance"], errors="coerce")
    df["kind"] = df["kind"].astype(str)
    return df.set_index("parcel", drop=False), importance


def figure_importance(importance: Any, instance: Any = None, coord_unit: str | None = None):
    """The parcels coloured by their importance (`optim.importance`): the objective
    lost without each parcel's use, in M yuan, on a sequential scale (diverging
    around 0 when some parcel's change would gain, as on a draft); a parcel
    without which the plan has no feasible completion (``required``) in black; a
    parcel with no other use (``fixed``) in light grey; a row that is a bound
    (``bound``: its upper bound is coloured) hatched. Drawn on the parcels'
    polygons when the instance has them, else one marker per parcel at (x, y).

    importance: the DataFrame `optim.importance` returns, or a folder (or its
    importance.csv) written by `write_importance`; instance: as for `figure_map`
    (for a folder, the instance its summary.json records)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize, TwoSlopeNorm
    from matplotlib.patches import Patch

    df, source = _importance_table(importance)
    inst = _map_instance(source, instance) if isinstance(source, (str, Path)) and Path(source).is_dir() \
        else (load(instance) if isinstance(instance, (str, Path)) else instance)
    value = df["importance"].where(np.isfinite(df["importance"])) / 1e6
    finite = value.dropna()
    required = df["kind"].eq("required")
    bound = df["kind"].eq("bound")
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if lo < 0 < hi:
        norm, cmap = TwoSlopeNorm(0.0, lo, hi), colormaps["RdBu_r"]
    else:
        norm, cmap = Normalize(min(lo, 0.0) if lo >= 0 else lo, hi if hi > lo else lo + 1.0), colormaps["YlOrRd"]
    faces = [("black" if r else (cmap(norm(v)) if not pd.isna(v) else "0.85")) for v, r in zip(value, required)]
    handles = [Patch(facecolor="black", label=f"required ({int(required.sum())} parcels: no plan without its use)")]
    if df["kind"].eq("fixed").any():
        handles.append(Patch(facecolor="0.85", label=f"no other use ({int(df['kind'].eq('fixed').sum())} parcels)"))
    if bound.any():
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="////",
                             label=f"bound: at most the colour shown ({int(bound.sum())} parcels)"))
    geometry = getattr(inst, "geometry", None) if inst is not None and not isinstance(inst, pd.DataFrame) else None
    name = str(getattr(inst, "name", "") or "") if inst is not None and not isinstance(inst, pd.DataFrame) else ""
    if geometry is not None:
        import shapely
        from matplotlib.collections import PolyCollection

        ids = pd.Index(geometry.shapes.index.astype(str))
        lacking = df.index.difference(ids)
        if len(lacking):
            raise PlotError(f"{len(lacking)} parcel(s) of the importance table have no polygon in the instance: "
                            f"{', '.join(lacking[:5])}: is it the instance the table was made for?")
        shapes = geometry.metric[ids.get_indexer(df.index)]
        rings = [np.asarray(shapely.get_coordinates(shapely.get_exterior_ring(g))) / 1000.0 for g in shapes]
        fig, ax = new_figure((10.0, 7.5))
        ax.add_collection(PolyCollection(rings, facecolors=faces, edgecolors="white", linewidths=0.3, zorder=2))
        at = np.flatnonzero(bound.to_numpy())
        if len(at):
            ax.add_collection(PolyCollection([rings[k] for k in at], facecolors="none", edgecolors="0.3",
                                             hatch="////", linewidths=0.0, zorder=3))
        x0, x1 = _frame_km(ax, shapes)
        ax.set_xlabel("easting (km)")
        ax.set_ylabel("northing (km)")
        _scale_bar(ax, 1000.0, x1 - x0)
        _label_parcels(fig, ax, df.index, shapes)
    else:
        xy, _, inst_name = map_parcels(df.drop(columns=[c for c in ("x", "y") if c in df.columns]).set_index("parcel"),
                                       inst)
        name = name or inst_name
        if coord_unit is None and inst is not None and not isinstance(inst, pd.DataFrame):
            coord_unit = (getattr(inst, "units", None) or {}).get("coordinates")
        area = pd.to_numeric(df["area"], errors="coerce").fillna(0.0) if "area" in df.columns \
            else pd.Series(1.0, index=df.index)
        top = float(area.max()) if float(area.max()) > 0 else 1.0
        size = 300 * min(1.0, math.sqrt(100 / len(df))) * (0.08 + 0.92 * area / top)
        fig, ax = new_figure((9.0, 6.0))
        ax.scatter(xy["x"], xy["y"], s=size, c=faces, edgecolors="white", linewidths=0.5, zorder=2)
        if bound.any():
            ax.scatter(xy.loc[bound.to_numpy(), "x"], xy.loc[bound.to_numpy(), "y"], s=size[bound] * 1.15,
                       facecolors="none", edgecolors="0.3", hatch="////", linewidths=0.8, zorder=3)
        ax.set_aspect("equal", adjustable="datalim")
        shown = coord_unit or "unit not stated: set units.coordinates"
        ax.set_xlabel(f"x ({shown})")
        ax.set_ylabel(f"y ({shown})")
        ax.grid(True, alpha=0.3)
        metres = {"km": 1000.0, "m": 1.0}.get(coord_unit or "")
        if metres is not None:
            _scale_bar(ax, metres, float(xy["x"].max() - xy["x"].min()))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7, pad=0.02)
    bar.set_label("importance: objective lost without the parcel's use (M yuan)")
    title = "Importance of each parcel's use"
    ax.set_title(f"{name}: {title.lower()}" if name else title)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.1), fontsize=8, ncol=1, frameon=False)
    return fig


def plot_importance(importance: Any, out: str | Path, instance: Any = None, coord_unit: str | None = None) -> Path:
    """Draw the importance map (see `figure_importance`) to `out` (.png or .svg)."""
    _check_out(out)
    return _save(figure_importance(importance, instance, coord_unit), out)


# --------------------------------------------------------------------------- draws

def _period_order(values: Sequence[Any]) -> list[Any]:
    """Periods in order: numerically if they all are numbers, else as given."""
    vals = list(pd.unique(pd.Series(list(values))))
    try:
        return sorted(vals, key=float)
    except (TypeError, ValueError):
        return vals


def figure_draws(draws: Any, sources: Sequence[str] | None = None, by: str | None = None, *,
                 words: dict[str, str] | None = None, money: tuple[float, str, int] = (1e6, "M yuan", 1)):
    """Draws by source as a stacked bar chart (a matplotlib Figure).

    draws: a table with columns source, category, amount (`Result.draws`) or with
    a `period` column (`Result.period_draws`), a Result, or a result directory.
    by: what the bars are stacked by: ``category`` or ``period`` (default: period
    when the table has a period column). sources: the sources to show, in order
    (undrawn ones as empty bars); default: those in the table, in order, or all the
    Result's sources. words: the picture's words in another language (keys of
    `WORDS`); money: (divisor, unit, decimals) of the amounts (default M yuan).
    """
    w = _words(words)
    divisor, money_unit, decimals = money
    if by not in (None, "category", "period"):
        raise PlotError(f"by: expected category or period, not {by!r}")
    if isinstance(draws, pd.DataFrame):
        df = draws
    else:
        tables, _ = _plan_tables(draws)
        where = str(draws) if isinstance(draws, (str, Path)) else "result"
        name = "period_draws" if by == "period" else "draws"
        if by == "period" and tables.get("period_draws") is None:
            raise PlotError(f"{where}: no draws by period (the instance has no periods)")
        df = _load_table(tables, name, where)
        if sources is None and tables.get("sources") is not None:
            src = _load_table(tables, "sources", where)
            sources = list(src["source"] if "source" in src.columns else src.index)
    if by is None:
        by = "period" if "period" in df.columns else "category"
    _require(df, ["source", by, "amount"], "draws")
    df = df.assign(amount=pd.to_numeric(df["amount"], errors="coerce").fillna(0.0) / divisor)
    df = df.assign(source=df["source"].astype(str), **{by: df[by].astype(str)})
    if sources is None:
        sources = list(pd.unique(df["source"]))
    sources = [str(s) for s in sources]
    stacks = _period_order(df[by]) if by == "period" else list(pd.unique(df[by]))
    table = df.pivot_table(index="source", columns=by, values="amount", aggfunc="sum", fill_value=0.0)
    table = table.reindex(index=sources, columns=stacks, fill_value=0.0)

    fig, ax = new_figure((max(6.0, 1.3 * len(sources) + 3), 5.0))
    pos = np.arange(len(sources))
    bottom = np.zeros(len(sources))
    for k, col in enumerate(stacks):
        vals = table[col].to_numpy(dtype=float)
        nz = vals > 0
        if nz.any():
            ax.bar(pos[nz], vals[nz], bottom=bottom[nz], width=0.65, color=f"C{k % 10}",
                   edgecolor="white", linewidth=0.5, label=str(col))
        bottom += np.where(nz, vals, 0.0)
    for p, total in zip(pos, bottom):
        if total > 0:
            ax.annotate(f"{total:,.{decimals}f}", (p, total), xytext=(0, 3), textcoords="offset points",
                        ha="center", fontsize=8)
    ax.set_xticks(pos, sources, rotation=20 if len(sources) > 4 else 0, ha="right" if len(sources) > 4 else "center")
    ax.set_xlabel(w["source"])
    ax.set_ylabel(w["amount"].format(unit=money_unit))
    ax.set_title(w["draws_title"].format(by=w[f"by_{by}"]))
    ax.grid(True, axis="y", alpha=0.3)
    if len(ax.patches):
        ax.legend(title=w[f"by_{by}"], fontsize=8, title_fontsize=8, loc="best")
    else:
        ax.plot([], [], " ", label=w["nothing_drawn"])
        ax.legend(fontsize=8)
    return fig


def plot_draws(draws: Any, out: str | Path, sources: Sequence[str] | None = None,
               by: str | None = None) -> Path:
    """Draw the draws by source (see `figure_draws`) to `out` (.png or .svg); return the path."""
    _check_out(out)
    return _save(figure_draws(draws, sources, by), out)


# --------------------------------------------------------------------------- outcomes under uncertainty

# --------------------------------------------------------------------------- changes front

def figure_changes(front: Any):
    """The gain over a draft against the number of parcels changed (a matplotlib Figure).

    front: the changes front of `optim evaluate --changes-front` (columns `changes`,
    `gain`, `status`, optionally `share`), a `DraftEvaluation`, or its output
    directory holding changes_front.csv. A step line joins the best plan within K
    changes for each K; a plan not proven optimal is drawn hollow; a dashed line
    marks the whole gain of the optimum, and each point is labelled with the share
    of it recovered.
    """
    pts = _table(front, "front", "changes_front.csv", "expected the output directory of "
                                                      "`optim evaluate --changes-front --out`")
    _require(pts, ["changes", "gain", "status"], "changes front")
    if not len(pts):
        raise PlotError("changes front: the table is empty")
    k = pd.to_numeric(pts["changes"], errors="coerce")
    gain = pd.to_numeric(pts["gain"], errors="coerce") / 1e6
    share = pd.to_numeric(pts["share"], errors="coerce") if "share" in pts.columns else pd.Series(np.nan,
                                                                                                  index=pts.index)
    status = pts["status"].fillna("unknown").astype(str)
    valid = k.notna() & gain.notna()
    optimal = valid & (status == "optimal")
    fig, ax = new_figure((7.5, 5.0))
    if valid.any():
        ax.step(k[valid], gain[valid], where="post", color="C0", linewidth=1.5, zorder=1,
                label="best plan within K changes")
    ax.scatter(k[optimal], gain[optimal], s=40, color="C0", zorder=3, label="proven optimal")
    hollow = valid & ~optimal
    if hollow.any():
        ax.scatter(k[hollow], gain[hollow], s=55, facecolors="none", edgecolors="C3", linewidths=1.5, zorder=4,
                   label="not proven optimal")
    whole = (gain / share)[valid & (share > 0.05)]
    if len(whole):
        ax.axhline(float(whole.median()), color="0.4", linestyle="--", linewidth=1,
                   label=f"the optimum: +{float(whole.median()):,.1f} M yuan")
    for i in pts.index[valid & share.notna()]:
        ax.annotate(f"{share[i]:.0%}", (k[i], gain[i]), xytext=(4, -12), textcoords="offset points", fontsize=8)
    if (~valid).any():
        ax.plot([], [], " ", label="no plan at K = " + ", ".join(f"{v:g}" for v in k[~valid].dropna()))
    ax.set_xlabel("parcels changed from the draft (K)")
    ax.set_ylabel(_axis_label("gain over the draft", "M yuan of objective"))
    ax.set_title("What changing K parcels of the draft gains")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.margins(x=0.09, y=0.1)  # room for the last point's share label
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def plot_changes(front: Any, out: str | Path) -> Path:
    """Draw the changes front (see `figure_changes`) to `out` (.png or .svg); return the path."""
    _check_out(out)
    return _save(figure_changes(front), out)


_PLAN_WORDS = {"stochastic": "stochastic plan", "mean_value": "mean-value plan", "wait_and_see": "wait and see"}


def figure_outcomes(scenarios: Any, metric: str = "objective", alpha: float | None = None):
    """The distribution of a figure over the scenarios for the stochastic plan and
    the mean-value plan, side by side, as a matplotlib Figure.

    scenarios: the per-scenario table of `optim stochastic` (columns `plan`,
    `scenario`, `probability` and the figures), a `StochasticResult`, or its
    output directory (scenarios.csv). Each panel is a histogram of the figure
    weighted by the scenarios' probabilities (the same bins in both), with the
    mean (solid), the 5 % and 95 % quantiles (dashed) and the CVaR (dotted: the
    mean of the worst 1 - alpha share; alpha from summary.json, else 0.95).
    """
    if hasattr(scenarios, "scenario_table"):
        alpha = scenarios.alpha if alpha is None else alpha
        df = scenarios.scenario_table()
    else:
        df = _table(scenarios, "scenarios", "scenarios.csv",
                    "expected the output directory of `optim stochastic --out`")
        if alpha is None and isinstance(scenarios, (str, Path)) and (Path(scenarios) / "summary.json").is_file():
            try:
                alpha = float(json.loads((Path(scenarios) / "summary.json").read_text(encoding="utf-8"))["alpha"])
            except (ValueError, KeyError, TypeError):
                alpha = None
    alpha = 0.95 if alpha is None else alpha
    _require(df, ["plan", "scenario", "probability", metric], "per-scenario table")
    plans = [p for p in ("stochastic", "mean_value") if (df["plan"] == p).any()]
    if not plans:
        raise PlotError("per-scenario table: no rows of the stochastic or the mean-value plan")
    values = pd.to_numeric(df[metric], errors="coerce")
    label, div, unit = _display(metric, _unit_of(metric) or ("yuan" if metric in ("objective", "emergency_borrowing")
                                                               else None))
    shown = values / div
    finite = shown[np.isfinite(shown)]
    if not len(finite):
        raise PlotError(f"per-scenario table: no values of {metric}")
    low, high = float(finite.min()), float(finite.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    bins = np.linspace(low, high, 21)
    cost = metric in ("emergency_borrowing", "financing_cost", "forgone_land_income", "own_funds_used",
                      "debt_service")
    fig, _ = new_figure((11.0, 4.5))
    fig.clf()
    axes = fig.subplots(1, len(plans), sharex=True, sharey=True, squeeze=False)[0]
    for ax, plan in zip(axes, plans):
        rows = (df["plan"] == plan).to_numpy() & np.isfinite(shown.to_numpy())
        v = shown.to_numpy()[rows]
        p = pd.to_numeric(df["probability"], errors="coerce").to_numpy()[rows]
        p = p / p.sum()
        ax.hist(v, bins=bins, weights=p, color="C0" if plan == "stochastic" else "C1", alpha=0.8,
                edgecolor="white", label="probability")
        order = np.argsort(v)
        cum = np.cumsum(p[order])
        q05 = v[order][min(int(np.searchsorted(cum, 0.05 - 1e-12)), len(v) - 1)]
        q95 = v[order][min(int(np.searchsorted(cum, 0.95 - 1e-12)), len(v) - 1)]
        tail_order = np.argsort(-v if cost else v)
        before = np.concatenate([[0.0], np.cumsum(p[tail_order])[:-1]])
        take = np.clip((1.0 - alpha) - before, 0.0, p[tail_order])
        tail = float((take * v[tail_order]).sum() / max(1.0 - alpha, 1e-12)) if alpha < 1 else float(v.min())
        mean = float(p @ v)
        ax.axvline(mean, color="k", linewidth=1.5, label=f"mean {_fmt(mean)}")
        ax.axvline(q05, color="0.3", linestyle="--", linewidth=1, label=f"5 % quantile {_fmt(q05)}")
        ax.axvline(q95, color="0.3", linestyle="--", linewidth=1, label=f"95 % quantile {_fmt(q95)}")
        ax.axvline(tail, color="C3", linestyle=":", linewidth=1.5,
                   label=f"CVaR, worst {1 - alpha:.0%}: {_fmt(tail)}")
        ax.set_title(f"{_PLAN_WORDS.get(plan, plan)} ({len(v)} scenarios)")
        ax.set_xlabel(_axis_label(label, unit))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    axes[0].set_ylabel("probability")
    fig.suptitle(f"{label} over the scenarios: stochastic plan against the plan of the mean figures")
    return fig


def plot_outcomes(scenarios: Any, out: str | Path, metric: str = "objective", alpha: float | None = None) -> Path:
    """Draw the distribution of a figure for both plans (see `figure_outcomes`) to `out`; return the path."""
    _check_out(out)
    return _save(figure_outcomes(scenarios, metric, alpha), out)
