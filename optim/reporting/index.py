"""The index page of a study: one page listing every run of a sweep, or every point of a Pareto front.

    optim report SWEEP_DIR --out index.html        # a folder written by `optim sweep --out`
    optim report FRONT_DIR --out index.html        # a folder written by `optim pareto --out`

A sweep's folder holds `runs.csv` (one row per run) and `sweep.json` (the
instance, the design, each parameter's value in the base instance; a folder
written before `sweep.json` existed is read from `runs.csv` alone); with
`optim sweep --reports`, `runs/<run>/` holds each run's result folder and its
report. A front's folder holds `points.csv`, `front.json` and `points/<k>/`.

The page: what was studied (instance, design, parameters with their base
values and the values swept, how the runs ended), the spread of the objective
and of each key figure that changes (least, median, most over the runs with a
plan), and one compact table with a row per run: the parameter values (those
that differ from the base in bold), how it ended (for a run without a plan,
why, when its result folder records the explanation; for invalid input, the
message), the objective and the key figures that differ between runs, and a
link to the run's report when one was written. Hundreds of runs stay one
table: numbers formatted like the result report's (one scale per column), the
header fixed while the table scrolls, no script, nothing fetched (the same
Content-Security-Policy as the result report). Every word comes from the
catalogue of the page's language (optim/reporting/texts.py).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from .. import __version__
from ..check.certificate import read_csv_text
from ..errors import InstanceError, Problem
from ..model.kpis import KPI_UNITS
from .numbers import Scale, figure, scale, with_unit
from .page import CSP, CSS, Cell, esc, table
from .texts import Texts, texts_for

SWEEP_TABLE, SWEEP_FILE, RUNS_FOLDER = "runs.csv", "sweep.json", "runs"
FRONT_TABLE, FRONT_FILE, POINTS_FOLDER = "points.csv", "front.json", "points"
REPORT = "report.html"  # a run's (or point's) report in its result folder
MAX_RUNS = 5000  # rows of the runs table shown (then "... and N more (see runs.csv)")
SHORTFALLS_SHOWN = 3  # shortfalls of a run's explanation shown in its row
OBJECTIVE_UNITS = {"land_income": "yuan", "industrial_output": "yuan/year", "coverage": "yuan",
                   "financing_cost": "yuan"}

INDEX_CSS = """
.tall { max-height: 78vh; overflow: auto; border: 1px solid var(--line); }
table.runs { font-size: 0.84em; margin: 0; }
table.runs th { position: sticky; top: 0; z-index: 1; box-shadow: 0 1px 0 var(--line); }
table.runs td, table.runs th { padding: 2px 8px; }
table.runs td.same { color: var(--muted); }
table.runs td.changed { font-weight: 600; }
table.runs tr.noplan td { background: #fbf3f2; }
table.runs td.why { min-width: 18em; white-space: normal; }
th .how { display: block; font-weight: 400; color: var(--muted); font-size: 0.9em; }
"""


def is_study(source: Any) -> bool:
    """`source` is the folder of a study (a sweep's runs.csv or a front's points.csv,
    and no summary.json of a single result)."""
    if not isinstance(source, (str, Path)):
        return False
    p = Path(source)
    return p.is_dir() and not (p / "summary.json").is_file() and \
        ((p / SWEEP_TABLE).is_file() or (p / FRONT_TABLE).is_file())


@dataclass
class StudyData:
    """What the index page shows: `kind` (``sweep`` or ``front``), the folder, what
    the study records of itself (`about`: sweep.json or front.json, {} if absent),
    its table (runs.csv or points.csv), and per row (by run or point number) the
    explanation its result folder records and the report written for it."""

    kind: str
    folder: Path
    about: dict[str, Any]
    table: pd.DataFrame
    parameters: list[dict[str, Any]] = field(default_factory=list)
    explanations: dict[int, dict[str, Any]] = field(default_factory=dict)
    reports: dict[int, Path] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return "run" if self.kind == "sweep" else "point"

    @property
    def has_plan(self) -> pd.Series:
        return self.table["status"].isin(["optimal", "feasible"])


# ---- reading a study's folder ---------------------------------------------------------------------
def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    frame = read_csv_text(path, as_text=False)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InstanceError([Problem(str(path), f"missing column(s) {', '.join(missing)}: not a study's table")])
    key = required[0]
    numbers = pd.to_numeric(frame[key], errors="coerce")
    if numbers.isna().any() or (numbers != numbers.round()).any():
        i = int(np.flatnonzero((numbers.isna() | (numbers != numbers.round())).to_numpy())[0])
        raise InstanceError([Problem(str(path), f"column {key}, row {i + 2}: {frame[key].iloc[i]!r} "
                                                "is not a whole number")])
    frame[key] = numbers.astype(int)
    frame["status"] = frame["status"].fillna("").astype(str)
    return frame


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InstanceError([Problem(str(path), f"cannot be read as JSON: {exc}")]) from None
    if not isinstance(doc, dict):
        raise InstanceError([Problem(str(path), "must be a JSON object")])
    return doc


def gather_study(folder: str | Path) -> StudyData:
    """What the index page of the study in `folder` shows (see the module docstring)."""
    folder = Path(folder)
    if (folder / SWEEP_TABLE).is_file():
        kind, sub = "sweep", RUNS_FOLDER
        table = _read_csv(folder / SWEEP_TABLE, ("run", "status"))
        about = _read_json(folder / SWEEP_FILE)
    else:
        kind, sub = "front", POINTS_FOLDER
        table = _read_csv(folder / FRONT_TABLE, ("point", "status", "x_name", "y_name"))
        about = _read_json(folder / FRONT_FILE)
    data = StudyData(kind, folder, about, table.sort_values(table.columns[0]).reset_index(drop=True))
    if kind == "sweep":
        data.parameters = _parameters(table, about)
    for k in data.table[data.key]:
        run_dir = folder / sub / str(int(k))
        if (run_dir / REPORT).is_file():
            data.reports[int(k)] = run_dir / REPORT
        summary = run_dir / "summary.json"
        if summary.is_file():
            try:
                doc = json.loads(summary.read_bytes().decode("utf-8-sig"))
            except (OSError, UnicodeDecodeError, ValueError):
                continue
            if isinstance(doc, dict) and isinstance(doc.get("explanation"), dict):
                data.explanations[int(k)] = doc["explanation"]
    return data


def _parameters(table: pd.DataFrame, about: dict[str, Any]) -> list[dict[str, Any]]:
    """The swept parameters: as sweep.json records them, else the columns of runs.csv
    between `level` and `status` (with no base value known)."""
    recorded = about.get("parameters")
    if isinstance(recorded, list) and all(isinstance(p, dict) and "path" in p for p in recorded):
        return [p for p in recorded if p["path"] in table.columns]
    cols = list(table.columns)
    start = cols.index("level") + 1 if "level" in cols else 1
    return [{"path": c, "mode": "set", "base": None, "unknown_base": True}
            for c in cols[start:cols.index("status")]]


# ---- the page -------------------------------------------------------------------------------------------
def _finite(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _same(a: Any, b: Any) -> bool:
    fa, fb = _finite(a), _finite(b)
    if fa is not None and fb is not None:
        return math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-12)
    return str(a) == str(b)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


class IndexPage:
    """The index page of a study, in one language."""

    def __init__(self, data: StudyData, texts: Texts, out: Path | None):
        self.d, self.t = data, texts
        self.base = Path(os.path.realpath(out.parent if out is not None else data.folder))

    def link(self, path: Path) -> str:
        """A relative address of `path` from the page's folder (forward slashes, quoted)."""
        rel = os.path.relpath(os.path.realpath(path), self.base)
        return quote(Path(rel).as_posix())

    def fig(self, value: Any, sc: Scale, attrs: dict[str, Any] | None = None) -> Cell:
        return Cell(figure(value, sc, self.t), num=True, attrs=attrs)

    # the table's columns ------------------------------------------------------------------
    def figures(self) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        """The figures of the runs table, (column, unit) in order, and the ones that are the
        same in every run with a plan (column -> value): the objective first, then the KPIs."""
        tb = self.d.table
        plan = tb[self.d.has_plan]
        cols = [("objective", "yuan")] if "objective" in tb.columns else []
        cols += [(k, u) for k, u in KPI_UNITS.items() if k in tb.columns]
        shown, same = [], {}
        for col, unit in cols:
            values = [v for v in (_finite(x) for x in plan[col]) if v is not None]
            if len(values) > 1 and any(not _same(values[0], v) for v in values[1:]):
                shown.append((col, unit))
            elif values:
                same[col] = values[0]
        if not len(plan):
            shown = cols[:1]
        return shown, same

    def name(self, col: str) -> str:
        return self.t("objective") if col == "objective" else self.t.named("kpi_names", col)

    # sections -----------------------------------------------------------------------------
    def study(self) -> str:
        t, d = self.t, self.d
        a = d.about
        rows = [(t("instance"), a.get("instance") or "–"), (t("instance_file"), a.get("instance_file") or "–")]
        if a.get("scenarios") is not None:
            rows.append((t("scenarios"), ", ".join(map(str, a.get("scenarios") or [])) or t("none")))
        if d.kind == "sweep":
            design = a.get("design") or (d.table["design"].iloc[0] if "design" in d.table.columns and len(d.table)
                                         else "")
            rows.append((t("design"), t.word("designs", design) if design else "–"))
        rows.append((t("runs_count"), str(len(d.table))))
        counts = d.table["status"].value_counts()
        rows.append((t("outcomes"), t("list_sep").join(t("outcome_count", count=int(n), status=t.word("run_status", s))
                                               for s, n in counts.items()) or "–"))
        out = '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows) + "</dl>"
        if d.kind == "sweep" and d.parameters:
            body = []
            for p in d.parameters:
                how = t("how_scale") if p.get("mode") == "scale" else t("how_set")
                base = t("varies_by_row") if p.get("base") is None and not p.get("unknown_base") else \
                    ("–" if p.get("unknown_base") else self.value(p["base"]))
                values = p.get("values")
                if not isinstance(values, list):
                    values = list(pd.unique(d.table[p["path"]].dropna()))
                shown = ", ".join(self.value(v) for v in values[:12]) + (" …" if len(values) > 12 else "")
                body.append([p["path"], how, Cell(base, num=True), shown])
            out += table([t("parameter"), t("how"), Cell(t("base_value"), num=True), t("values_swept")], body,
                         cls="parameters")
        return out

    def value(self, v: Any) -> str:
        """A parameter's value: a number formatted like the report's other figures, else as written."""
        if isinstance(v, bool):
            return self.t("yes") if v else self.t("no")
        x = _finite(v)
        return figure(x, Scale(), self.t) if x is not None else ("" if _missing(v) else str(v))

    def spread(self) -> str:
        t, d = self.t, self.d
        plan = d.table[d.has_plan]
        cols, _ = self.figures()
        if not len(plan) or not cols:
            return ""
        rows = []
        for col, unit in cols:
            values = pd.to_numeric(plan[col], errors="coerce").dropna()
            sc = scale(unit, values, t)
            rows.append([t.head(self.name(col), sc.unit), self.fig(values.min(), sc), self.fig(values.median(), sc),
                         self.fig(values.max(), sc)])
        head = [t("figure"), Cell(t("least"), num=True), Cell(t("median"), num=True), Cell(t("most"), num=True)]
        note = f'<p class="note">{esc(t("runs_with_plan", count=len(plan), total=len(d.table)))}</p>'
        return note + table(head, rows, cls="spread")

    def runs(self) -> str:
        t, d = self.t, self.d
        tb = d.table
        if not len(tb):
            return f"<p>{esc(t('no_runs'))}</p>"
        cols, same = self.figures()
        scales = {c: scale(u, tb[c], t) for c, u in cols}
        front = d.kind == "front"
        head = [f'<th class="num">{esc(t(d.key))}</th>']
        if front:
            x, y = str(tb["x_name"].iloc[0]), str(tb["y_name"].iloc[0])
            axes = [(x, OBJECTIVE_UNITS.get(x, "yuan"), "front_x"), (y, OBJECTIVE_UNITS.get(y, "yuan"), "front_y")]
            axis_scales = {c: scale(u, tb[c] if c in tb.columns else [], t) for c, u, _ in axes}
            cols = [(c, u) for c, u in cols if c not in (x, y)]
            for c, _, key in axes:
                label = t(key, name=t.word("objective_names", c))
                head.append(f'<th class="num">{esc(t.head(label, axis_scales[c].unit))}</th>')
            head.append(f'<th>{esc(t("on_front"))}</th><th class="num">{esc(t("mrs"))}</th>')
        else:
            if "level" in tb.columns and (tb.get("design") == "tornado").any():
                head.append(f"<th>{esc(t('level'))}</th>")
            for p in d.parameters:
                how = t("how_scale") if p.get("mode") == "scale" else t("how_set")
                base = "" if p.get("unknown_base") else \
                    f" · {t('base_value')} {t('varies_by_row') if p.get('base') is None else self.value(p['base'])}"
                head.append(f'<th class="num">{esc(p["path"])}<span class="how">{esc(how + base)}</span></th>')
        head.append(f"<th>{esc(t('status'))}</th>")
        head += [f'<th class="num" data-col="{esc(c)}">{esc(t.head(self.name(c), scales[c].unit))}</th>'
                 for c, _ in cols]
        head.append(f"<th>{esc(t('report'))}</th>")
        body = []
        for r in tb.head(MAX_RUNS).to_dict("records"):
            k = int(r[d.key])
            plan = r["status"] in ("optimal", "feasible")
            cells = [Cell(str(k), num=True).html()]
            if front:
                for c, _, _ in axes:
                    cells.append(self.fig(r.get(c), axis_scales[c], {"data-col": c}).html())
                cells.append(Cell(self.t("yes") if str(r.get("on_front")).lower() == "true" else self.t("no")).html())
                cells.append(self.fig(r.get("mrs"), Scale()).html())
            else:
                if "level" in tb.columns and (tb.get("design") == "tornado").any():
                    cells.append(Cell(t.word("levels", r.get("level") or "")).html())
                for p in d.parameters:
                    v = r.get(p["path"])
                    changed = not _missing(v) and (p.get("base") is None or not _same(v, p["base"]))
                    cls = "num" if p.get("unknown_base") else "num changed" if changed else "num same"
                    cells.append(f'<td class="{cls}" data-param="{esc(p["path"])}">{esc(self.value(v))}</td>')
            cells.append(f'<td class="why" data-status="{esc(r["status"])}">{self.outcome(k, r)}</td>')
            cells += [self.fig(r.get(c), scales[c], {"data-col": c, "data-value": r.get(c)}).html() for c, _ in cols]
            report = d.reports.get(k)
            cells.append(f'<td><a href="{esc(self.link(report))}">{esc(t("report_link"))}</a></td>' if report
                         else "<td></td>")
            body.append(f'<tr data-{d.key}="{k}" class="{"plan" if plan else "noplan"}">{"".join(cells)}</tr>')
        out = []
        if not front:
            out.append(f'<p class="note">{esc(t("settings_note", file=d.about.get("instance_file") or "–"))}</p>')
        else:
            out.append(f'<p class="note">{esc(t("mrs_note", x=t.word("objective_names", x), y=t.word("objective_names", y)))}</p>')
        if same:
            items = t("list_sep").join(f"{self.name(c)} {with_unit(v, u, t)}" for c, u in
                              [(c, u) for c, u in ([("objective", "yuan")] + list(KPI_UNITS.items())) if c in same]
                              for v in [same[c]])
            out.append(f'<p class="note">{esc(t("same_in_all", items=items))}</p>')
        out.append(f'<div class="tall"><table class="runs"><thead><tr>{"".join(head)}</tr></thead>'
                   f'<tbody>{"".join(body)}</tbody></table></div>')
        if len(tb) > MAX_RUNS:
            out.append(f'<p class="note">{esc(t("more_runs", count=len(tb) - MAX_RUNS, file=SWEEP_TABLE))}</p>')
        return "".join(out)

    def outcome(self, k: int, r: dict[str, Any]) -> str:
        """How a run ended, in words (HTML): its status; for no plan, why (the shortfalls its
        result folder records); for invalid input, the message (in the checks' words)."""
        t = self.t
        status = str(r.get("status") or "")
        text = esc(t.word("run_status", status))
        if str(r.get("certified")).lower() == "false" and status in ("optimal", "feasible"):
            text += esc(t("list_sep") + t("run_not_certified"))
        exp = self.d.explanations.get(k)
        if exp is not None and status not in ("optimal", "feasible"):
            words = []
            for s in (exp.get("shortfalls") or [])[:SHORTFALLS_SHOWN]:
                parts = tuple(p for p in str(s.get("member") or "").split(", ") if p)
                unit = str(s.get("unit") or "")
                amount = with_unit(s.get("amount"), unit, t)
                limit = with_unit(s["limit"], unit, t) if s.get("limit") is not None else None
                words.append(t.shortfall(str(s.get("constraint")), parts, str(s.get("message") or ""), amount, limit))
            more = len(exp.get("shortfalls") or []) - SHORTFALLS_SHOWN
            if words:
                text += esc(t("then") + t("list_sep").join(words)) + (" …" if more > 0 else "")
        elif status == "invalid" and not _missing(r.get("message")):
            lang = ' lang="en"' if t.lang != "en" else ""  # the input checks speak English
            text += f'{esc(t("then"))}<span{lang}>{esc(r["message"])}</span>'
        return text

    def html(self) -> str:
        t, d = self.t, self.d
        name = d.about.get("instance") or d.folder.name
        title = t("index_title" if d.kind == "sweep" else "pareto_title", instance=name)
        sections = [("study", t("h_study"), self.study())]
        spread = self.spread()
        if spread:
            sections.append(("spread", t("h_spread"), spread))
        sections.append(("runs", t("h_runs") if d.kind == "sweep" else t("h_points"), self.runs()))
        nav = "".join(f'<a href="#{sid}">{esc(head)}</a>' for sid, head, _ in sections)
        body = "".join(f'<section id="{sid}"><h2>{esc(head)}</h2>{content}</section>'
                       for sid, head, content in sections)
        return (f'<!DOCTYPE html>\n<html lang="{esc(t.catalogue["html_lang"])}"><head><meta charset="utf-8">'
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{esc(title)}</title><style>{CSS}{INDEX_CSS}</style></head><body><main>"
                f"<header><h1>{esc(title)}</h1>"
                f'<p class="meta">{esc(t("generated", version=__version__, source=str(d.folder)))}</p>'
                f'<nav aria-label="{esc(t("nav"))}">{nav}</nav></header>{body}</main></body></html>\n')


def study_html(source: str | Path, lang: str | None = None, out: str | Path | None = None) -> str:
    """The index page of the study in folder `source` (see the module docstring), in
    `lang` (default: the language its instance states, else English); links are
    relative to `out`'s folder (default: the study's folder)."""
    data = gather_study(source)
    texts = texts_for(lang or str(data.about.get("language") or "en"))
    return IndexPage(data, texts, Path(out) if out is not None else None).html()


__all__ = ["is_study", "gather_study", "study_html", "StudyData", "IndexPage", "MAX_RUNS", "REPORT"]
