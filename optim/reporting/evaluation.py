"""The page of a draft against the optimum: `optim report EVAL_DIR --out draft.html`.

EVAL_DIR is the folder `optim evaluate INSTANCE --plan FILE --out DIR` writes
(optim/studies/evaluate.py): summary.json with ``"kind": "evaluation"``,
changed.csv, kpis.csv, objective_terms.csv, violations.csv, changes_front.csv
(with --changes-front) and plans/NAME/ (draft, optimum, repair, changes_K) as
`optim solve --out` writes them.

Sections (ids for links and tests): ``summary`` (the draft, both objectives,
what the draft gives up and the verdict in one sentence), ``violations`` (a
draft without a plan: each target or limit it breaks, with its amount, and the
fewest parcels to change for a plan), ``gain`` (what the draft gives up, split
by objective term: land income, output, financing, ...), ``changed`` (the map
of the parcels whose use differs, coloured by the change, and their table),
``front`` (the gain of the best plan within K changes of the draft for each K,
its chart and the fewest changes for half, 90 % and all of the gain), ``kpis``
(the key figures of both plans and their difference), and
``importance`` when an importance table is given (optim/reporting/importance.py).

The plans of the folder are checked again by the independent checker
(`optim.check.check_result_dir`) before anything is shown; a plan it rejects
is named in an alert. Every word comes from the page's catalogue
(optim/reporting/texts.py), every figure from `numbers.figure`: the same page
in English or in Chinese.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..check.certificate import check_result_dir, read_csv_text
from ..errors import InstanceError, Problem
from ..inputs.instance import Instance
from .gather import resolve_instance
from .importance import Importance, find, read_importance, section
from .numbers import Scale, figure, join, scale, with_unit
from .page import CSP, CSS, MAX_ROWS, Cell, esc, picture_html, table
from .pictures import differences_picture, gain_picture, importance_picture
from .texts import Texts, texts_for

KIND = "evaluation"  # summary.json's "kind" of a folder written by `optim evaluate --out`
TABLES = {"changed": ("parcel", "draft_use", "optimum_use", "area"), "kpis": ("kpi", "draft", "optimum", "unit"),
          "objective_terms": ("term", "draft", "optimum", "gives_up")}
OPTIONAL = {"violations": ("constraint", "amount", "unit"), "changes_front": ("changes", "status", "gain")}
TEXT_COLUMNS = {"parcel", "draft_use", "optimum_use", "current_use", "kpi", "unit", "term", "constraint", "member",
                "message", "status", "parcels"}
PLANS = ("draft", "optimum", "repair")


def is_evaluation(source: Any) -> bool:
    """`source` is a folder written by `optim evaluate --out` (its summary.json says so)."""
    if not isinstance(source, (str, Path)):
        return False
    path = Path(source) / "summary.json"
    if not path.is_file():
        return False
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("kind") == KIND


@dataclass
class EvaluationData:
    """What the page shows: the folder's summary and tables (numbers as floats), the
    instance, the independent check of each plan written (`checked`: plan -> ok) and
    the importance table when one is given."""

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    instance: Instance
    checked: dict[str, bool] = field(default_factory=dict)
    importance: Importance | None = None

    @property
    def feasible(self) -> bool:
        return bool(self.summary.get("feasible"))


def _table(folder: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    raw = read_csv_text(path)
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise InstanceError([Problem(str(path), f"missing column(s) {', '.join(missing)}: not a table written by "
                                                "`optim evaluate --out`")])
    out = raw.copy()
    for col in out.columns:
        if col in TEXT_COLUMNS or col.endswith("_use"):
            continue
        text = out[col].astype(str).str.strip()
        if col in ("certified",):
            out[col] = text.str.lower().isin(["true", "1", "yes"])
            continue
        nums = pd.to_numeric(text.replace({"": "nan"}), errors="coerce")
        bad = nums.isna() & ~text.str.lower().isin(["", "nan", "none"])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InstanceError([Problem(str(path), f"row {i + 2}, column {col}: {text.iloc[i]!r} is not a number")])
        out[col] = nums.astype(float)
    return out


def gather_evaluation(folder: str | Path, instance: Any = None, scenarios: list[str] | None = None,
                      importance: str | Path | None = None) -> EvaluationData:
    """Read and check an evaluation folder (see the module docstring)."""
    folder = Path(folder)
    path = folder / "summary.json"
    try:
        summary = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise InstanceError([Problem(str(path), f"cannot read the evaluation's summary: {exc}")]) from None
    if not isinstance(summary, dict) or summary.get("kind") != KIND:
        raise InstanceError([Problem(str(path), "not the summary of an evaluation (`optim evaluate --out`)")])
    tables = {}
    for name, cols in TABLES.items():
        if not (folder / f"{name}.csv").is_file():
            raise InstanceError([Problem(str(folder / f"{name}.csv"), "file not found (`optim evaluate --out` "
                                                                        "writes it)")])
        tables[name] = _table(folder, name, cols)
    for name, cols in OPTIONAL.items():
        if (folder / f"{name}.csv").is_file():
            tables[name] = _table(folder, name, cols)
    inst = resolve_instance(summary, str(path), instance, scenarios)
    data = EvaluationData(folder, summary, tables, inst)
    for plan in PLANS:
        sub = folder / "plans" / plan
        if (sub / "summary.json").is_file() and (sub / "parcels.csv").is_file():
            data.checked[plan] = bool(check_result_dir(inst, sub)["ok"].all())
    source = importance if importance is not None else find(folder)
    if source is not None:
        data.importance = read_importance(source, inst)
    return data


class EvaluationPage:
    """Builds the page's sections from the data, in one language."""

    def __init__(self, data: EvaluationData, texts: Texts, pictures: bool = True):
        self.d, self.t, self.draw = data, texts, pictures

    def money(self, values: Any) -> Scale:
        return scale("yuan", list(values), self.t)

    def html(self) -> str:
        t, d = self.t, self.d
        sections = [("summary", t("h_draft_summary"), self.summary())]
        if not d.feasible and "violations" in d.tables and len(d.tables["violations"]):
            sections.append(("violations", t("h_violations"), self.violations()))
        if d.summary.get("optimum_objective") is not None:
            sections += [("gain", t("h_gain"), self.gain()), ("changed", t("h_changed"), self.changed())]
        if "changes_front" in d.tables and len(d.tables["changes_front"]):
            sections.append(("front", t("h_front"), self.front()))
        if d.summary.get("optimum_objective") is not None:
            sections.append(("kpis", t("h_eval_kpis"), self.kpis()))
        if d.importance is not None:
            uses = pd.Series({str(k): v for k, v in self.draft_uses().items()})
            pic = importance_picture(d.importance.table, d.instance, t) if self.draw else None
            sections.append(("importance", t("h_importance"), section(d.importance, t, pic, uses)))
        nav = "".join(f'<a href="#{sid}">{esc(title)}</a>' for sid, title, _ in sections)
        body = "".join(f'<section id="{sid}"><h2>{esc(title)}</h2>{content}</section>'
                       for sid, title, content in sections)
        title = t("eval_title", instance=d.summary.get("instance") or d.instance.name)
        return (f'<!DOCTYPE html>\n<html lang="{esc(t.catalogue["html_lang"])}"><head><meta charset="utf-8">'
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"
                f"<header><h1>{esc(title)}</h1>"
                f'<p class="meta">{esc(t("generated", version=__version__, source=d.folder))}</p>'
                f'<nav aria-label="{esc(t("nav"))}">{nav}</nav></header>{body}</main></body></html>\n')

    def draft_uses(self) -> dict[str, str]:
        """Each parcel's use in the draft: as its plan folder has it, else the current use
        but where the draft's recorded changes and the changed parcels say otherwise."""
        uses = {str(p): str(u) for p, u in self.d.instance.parcels["current_use"].items()}
        sub = self.d.folder / "plans" / "draft" / "parcels.csv"
        if sub.is_file():
            par = read_csv_text(sub)
            if {"parcel", "use"} <= set(par.columns):
                uses.update(dict(zip(par["parcel"].astype(str), par["use"].astype(str))))
                return uses
        for p in (self.d.summary.get("draft") or {}).get("rezoned") or []:
            uses.pop(str(p), None)  # rezoned by the draft to a use the folder may not record
        ch = self.d.tables["changed"]
        uses.update(dict(zip(ch["parcel"].astype(str), ch["draft_use"].astype(str))))
        return uses

    # sections ----------------------------------------------------------------------------------
    def summary(self) -> str:
        t, d, s = self.t, self.d, self.d.summary
        draft = s.get("draft") or {}
        objectives = [s.get("objective"), s.get("optimum_objective"), gives_up(s)]
        money = self.money(objectives)
        area = with_unit(draft.get("rezoned_area"), "mu", t)
        rows = [(t("instance"), s.get("instance") or d.instance.name),
                (t("instance_file"), s.get("instance_file") or ""),
                (t("scenarios"), ", ".join(map(str, s.get("scenarios") or [])) or t("none")),
                (t("draft"), str(draft.get("name") or "")), (t("draft_file"), str(draft.get("file") or "")),
                (t("draft_parcels"), t("draft_parcels_value", listed=draft.get("parcels_listed", 0),
                                       kept=draft.get("kept_by_default", 0))),
                (t("draft_rezoned"), t("draft_rezoned_value", count=len(draft.get("rezoned") or []), area=area)),
                (t("status"), t.status(str(s.get("status")), str(s.get("termination") or "")))]
        if d.feasible:
            rows.append((t("draft_objective"), join(figure(s.get("objective"), money, t), money.unit, t)))
        if s.get("optimum_objective") is not None:
            rows.append((t("optimum_objective"), join(figure(s.get("optimum_objective"), money, t), money.unit, t)))
        if gives_up(s) is not None:
            rows.append((t("gives_up"), join(figure(gives_up(s), money, t), money.unit, t)))
        rejected = [p for p, ok in d.checked.items() if not ok]
        ok = not rejected and s.get("certified") is not False
        rows.append((t("certificate"), t("eval_certified") if ok else t("eval_not_certified")))
        out = '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows) + "</dl>"
        if not ok:
            out += f'<p class="alert">{esc(t("eval_not_certified"))}: {esc(", ".join(rejected))}</p>'
        out += f'<p class="verdict">{esc(self.verdict())}</p>'
        return out

    def verdict(self) -> str:
        t, s = self.t, self.d.summary
        if s.get("optimum_objective") is None:
            return t("verdict_no_optimum")
        if not self.d.feasible:
            words = t("verdict_infeasible")
            if s.get("fewest_changes") is not None and (s.get("repair") or {}).get("objective") is not None:
                words += " " + t("verdict_repair", count=int(s["fewest_changes"]),
                                 objective=with_unit(s["repair"]["objective"], "yuan", t))
            return words
        gives = float(gives_up(s) or 0.0)
        changed = len(self.d.tables["changed"])
        if changed == 0 and abs(gives) <= 1e-6 * max(1.0, abs(float(s["optimum_objective"]))):
            return t("verdict_optimal")
        if gives < 0:
            return t("verdict_gains", amount=with_unit(-gives, "yuan", t))
        share = gives / abs(float(s["optimum_objective"])) if s["optimum_objective"] else None
        return t("verdict_gives_up", amount=with_unit(gives, "yuan", t), share=with_unit(share, "ratio", t),
                 count=changed)

    def violations(self) -> str:
        t = self.t
        rows = []
        for r in self.d.tables["violations"].to_dict("records"):
            parts = tuple(p for p in str(r.get("member") or "").split(", ") if p)
            unit = str(r.get("unit") or "")
            amount = exact_enough(r.get("amount"), unit, t)
            limit = r.get("limit")
            limit = with_unit(limit, unit, t) if limit is not None and np.isfinite(limit) else None
            rows.append([t.limit_name(str(r.get("constraint")), parts), Cell(amount, num=True),
                         t.shortfall(str(r.get("constraint")), parts, str(r.get("message") or ""), amount, limit)])
        out = f"<p>{esc(t('violations_intro'))}</p>"
        return out + table([t("constraint"), Cell(t("shortfall"), num=True), t("in_words")], rows,
                           cls="violations")

    def gain(self) -> str:
        t = self.t
        terms = self.d.tables["objective_terms"]
        body = terms[terms["term"] != "total"]
        body = body[~(body[["draft", "optimum"]].fillna(0.0).abs() < 1e-9).all(axis=1)]
        total = terms[terms["term"] == "total"]
        money = self.money(terms[["draft", "optimum", "gives_up"]].to_numpy().ravel())
        head = [t("term"), Cell(t.head(t("draft"), money.unit), num=True),
                Cell(t.head(t("optimum"), money.unit), num=True), Cell(t.head(t("gives_up"), money.unit), num=True)]
        rows = [[Cell(t.named("term_names", r["term"]), attrs={"data-term": r["term"]}),
                 *[Cell(figure(r[c], money, t), num=True, attrs={"data-value": r[c]})
                   for c in ("draft", "optimum", "gives_up")]] for r in body.to_dict("records")]
        tot = None
        if len(total):
            r = total.iloc[0]
            tot = [Cell(t("total"), attrs={"data-term": "total"}),
                   *[Cell(figure(r[c], money, t), num=True, attrs={"data-value": r[c]})
                     for c in ("draft", "optimum", "gives_up")]]
        return table(head, rows, tot, cls="gain") + f'<p class="note">{esc(t("gain_note"))}</p>'

    def kpis(self) -> str:
        t = self.t
        rows = []
        for r in self.d.tables["kpis"].to_dict("records"):
            sc = scale(str(r["unit"]), [r["draft"], r["optimum"], r["difference"]], t)
            rows.append([Cell(t.named("kpi_names", r["kpi"]), attrs={"data-kpi": r["kpi"]}),
                         *[Cell(figure(r[c], sc, t), num=True, attrs={"data-value": r[c]})
                           for c in ("draft", "optimum", "difference")], sc.unit])
        head = [t("kpi"), Cell(t("draft"), num=True), Cell(t("optimum"), num=True), Cell(t("difference"), num=True),
                t("unit")]
        return table(head, rows, cls="eval-kpis")

    def changed(self) -> str:
        t, ch = self.t, self.d.tables["changed"]
        if not len(ch):
            return f"<p>{esc(t('no_changed'))}</p>"
        out = []
        if self.draw:
            out.append(picture_html(t, "changed", differences_picture(ch, self.d.instance, t),
                                    t.catalogue["changed_caption"], "no_map"))
        area = scale("mu", ch["area"], t)
        cols = [c for c in ("draft_land_income", "optimum_land_income") if c in ch.columns]
        outs = [c for c in ("draft_output", "optimum_output") if c in ch.columns]
        income = self.money(ch[cols].to_numpy().ravel()) if cols else None
        output = scale("yuan/year", ch[outs].to_numpy().ravel(), t) if outs else None
        head = [t("parcel"), Cell(t.head(t("area"), area.unit), num=True), t("current_use"), t("draft_use"),
                t("optimum_use"), *[Cell(t.head(t(c), income.unit), num=True) for c in cols],
                *[Cell(t.head(t(c), output.unit), num=True) for c in outs]]
        shown = ch.head(MAX_ROWS)
        rows = [[r["parcel"], Cell(figure(r["area"], area, t), num=True), str(r.get("current_use") or ""),
                 r["draft_use"], r["optimum_use"], *[Cell(figure(r[c], income, t), num=True) for c in cols],
                 *[Cell(figure(r[c], output, t), num=True) for c in outs]] for r in shown.to_dict("records")]
        total = [t("total"), Cell(figure(ch["area"].sum(), area, t), num=True), "", "", "",
                 *[Cell(figure(ch[c].sum(), income, t), num=True) for c in cols],
                 *[Cell(figure(ch[c].sum(), output, t), num=True) for c in outs]]
        out.append(table(head, rows, total, cls="changed"))
        if len(ch) > MAX_ROWS:
            out.append(f'<p class="note">{esc(t("more_rows", count=len(ch) - MAX_ROWS, file="changed.csv"))}</p>')
        return "".join(out)

    def front(self) -> str:
        t, s = self.t, self.d.summary
        fr = self.d.tables["changes_front"]
        out = []
        if self.draw:
            out.append(picture_html(t, "front", gain_picture(fr, t), t.catalogue["front_caption"], "no_picture"))
        money = self.money(fr[["objective", "gain"]].to_numpy().ravel())
        area = scale("mu", fr["rezoned_area"] if "rezoned_area" in fr.columns else [], t)
        words = t.catalogue["plan_status_words"]
        head = [Cell(t("changes"), num=True), Cell(t.head(t("objective"), money.unit), num=True),
                Cell(t.head(t("gain"), money.unit), num=True), Cell(t.head(t("share_of_gain"), "%"), num=True),
                Cell(t.head(t.named("kpi_names", "rezoned_area"), area.unit), num=True), t("plan_status"),
                t("changed_parcels")]
        rows = []
        for r in fr.to_dict("records"):
            parcels = str(r.get("parcels") or "")
            parcels = t("list_sep").join(p for p in parcels.split(";") if p) if parcels != "nan" else ""
            rows.append([Cell(figure(r["changes"], Scale(), t), num=True, attrs={"data-k": r["changes"]}),
                         Cell(figure(r.get("objective"), money, t), num=True),
                         Cell(figure(r.get("gain"), money, t), num=True, attrs={"data-value": r.get("gain")}),
                         Cell(figure(r.get("share"), Scale(0.01, "%", 1), t), num=True),
                         Cell(figure(r.get("rezoned_area"), area, t), num=True),
                         words.get(str(r["status"]), str(r["status"])), parcels])
        out.append(table(head, rows, cls="front"))
        if not self.d.feasible:  # no draft to count from: the gains start at the front's first plan
            first = figure(fr["changes"].min(), Scale(), t)
            out.append(f'<p class="note">{esc(t("front_from_first", k=first))}</p>')
        else:
            out.append(f'<p class="note">{esc(t("front_from_draft"))}</p>')
        fewest = s.get("fewest_changes_for") or {}
        items = []
        for share, count in fewest.items():
            try:
                items.append(t("fewest_for", share=with_unit(float(share), "ratio", t), count=int(count)))
            except (TypeError, ValueError):
                continue
        if items:
            out.append('<ul class="plain fewest">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
        return "".join(out)


def gives_up(summary: dict[str, Any]) -> float | None:
    """What the draft gives up (optimum minus draft) as summary.json records it: a number,
    or {"total": ..., "share": ..., "terms": {...}}; None without both plans."""
    value = summary.get("gives_up")
    if isinstance(value, dict):
        value = value.get("total")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def exact_enough(value: Any, unit: str, t: Texts) -> str:
    """A figure with its unit on its own scale, with 4 significant digits when the scale's
    decimals would show a shortfall that is not zero as 0 (0.01 mu, not 0.0 mu)."""
    sc = scale(unit, [value], t)
    text = figure(value, sc, t)
    if sc.decimals is not None and value is not None and np.isfinite(value) and value != 0 \
            and text.lstrip("-").strip("0.,") == "":
        text = figure(value, Scale(sc.divisor, sc.unit, None), t)
    return join(text, sc.unit, t)


def evaluation_html(folder: str | Path, instance: Any = None, scenarios: list[str] | None = None, *,
                    lang: str | None = None, pictures: bool = True, importance: str | Path | None = None) -> str:
    """The page of an evaluation folder as one HTML string (language: `lang`, else the
    instance's `language:`, else English)."""
    data = gather_evaluation(folder, instance, scenarios, importance)
    texts = texts_for(lang or getattr(data.instance, "language", None) or "en")
    return EvaluationPage(data, texts, pictures).html()


__all__ = ["is_evaluation", "gather_evaluation", "evaluation_html", "EvaluationData", "EvaluationPage", "KIND"]
