"""The report's layout: one self-contained HTML page from a `ReportData`.

Layout only: every word comes from a `Texts` catalogue (optim/reporting/texts.py)
and every figure from `optim.reporting.numbers.figure`, so another language is
another catalogue. The page loads nothing: the style is inline, the pictures
are inline SVG, no script, no font or image is fetched (a Content-Security-Policy
forbids any request), and every text taken from the inputs is escaped.

Sections (ids for links and tests): ``summary``, ``kpis``, ``map``, ``draws``,
``periods`` (phased plans), ``limits``, ``parcels``, ``objective``; for a
result without a plan ``summary`` and ``explanation``; ``importance`` when
an importance table is given (optim/reporting/importance.py).
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .gather import ReportData, failed_families
from .numbers import Scale, figure, join, scale, with_unit
from .pictures import Picture
from .texts import Texts

MAX_ROWS = 200  # rows of a long table shown (the rest: "... and N more (see FILE)")

CSS = """
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --band: #f4f6f9; --accent: #3b5b92;
        --bad: #a8281e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans",
             "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.05em; margin: 22px 0 8px; }
p.meta, .note, figcaption { color: var(--muted); font-size: 0.9em; }
nav { margin: 14px 0 0; font-size: 0.92em; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; white-space: nowrap; display: inline-block; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: var(--band); }
.kpi .label { color: var(--muted); font-size: 0.85em; }
.kpi .value { font-size: 1.35em; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi .unit { color: var(--muted); font-size: 0.85em; margin-left: 4px; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 0.92em; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
.scroll { overflow-x: auto; }
figure { margin: 10px 0; }
svg.picture { display: block; width: 100%; max-width: 960px; height: auto; }
.alert { border-left: 4px solid var(--bad); background: #fbeceb; padding: 8px 12px; margin: 10px 0; }
.caution { border-left: 4px solid var(--warn); background: #fdf5e6; padding: 8px 12px; margin: 10px 0; }
ul.plain { margin: 6px 0; padding-left: 20px; }
@media print { nav { display: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


# ---- small builders ----------------------------------------------------------------------------
def esc(x: Any) -> str:
    return escape(str(x), quote=True)


class Cell:
    """A table cell: its text (escaped when written), right-aligned if numeric, extra attributes."""

    def __init__(self, text: Any, num: bool = False, attrs: dict[str, Any] | None = None):
        self.text, self.num, self.attrs = str(text), num, attrs or {}

    def html(self, tag: str = "td") -> str:
        attrs = "".join(f' {k}="{esc(v)}"' for k, v in self.attrs.items())
        cls = ' class="num"' if self.num else ""
        return f"<{tag}{cls}{attrs}>{esc(self.text)}</{tag}>"


def table(head: Sequence[Cell | str], rows: Iterable[Sequence[Cell | str]], total: Sequence[Cell | str] | None = None,
          cls: str = "") -> str:
    def cell(c: Cell | str) -> Cell:
        return c if isinstance(c, Cell) else Cell(c)

    out = [f'<div class="scroll"><table{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}><thead><tr>']
    out += [cell(h).html("th") for h in head]
    out.append("</tr></thead><tbody>")
    for r in rows:
        out.append("<tr>" + "".join(cell(c).html() for c in r) + "</tr>")
    if total is not None:
        out.append('<tr class="total">' + "".join(cell(c).html() for c in total) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def head_with_unit(label: str, sc: Scale, t: Texts) -> Cell:
    return Cell(t.head(label, sc.unit), num=True)



def picture_html(t: Texts, key: str, pic: Any, caption: str, missing: str) -> str:
    """`<figure data-picture=KEY>` with the picture and its caption (a catalogue text;
    `{unit}`: the picture's money unit), or `<p data-missing=KEY>`: why it is missing,
    in the catalogue's words (`missing`: the catalogue key of that sentence)."""
    if pic is None or pic.svg is None:
        reason = pic.reason if pic is not None else ""
        reason = t.catalogue["picture_reasons"].get(reason, reason)
        return f'<p class="note" data-missing="{esc(key)}">{esc(t(missing, reason=reason))}</p>'
    caption = caption.format(unit=pic.unit)
    return f'<figure data-picture="{esc(key)}">{pic.svg}<figcaption>{esc(caption)}</figcaption></figure>'


class Page:
    """Builds the page's sections from the data, in one language."""

    def __init__(self, data: ReportData, texts: Texts, pictures: dict[str, Picture], version: str,
                 extra: Sequence[tuple[str, str, str]] = ()):
        self.d, self.t, self.pictures, self.version = data, texts, pictures, version
        self.extra = list(extra)  # further sections (id, title, html) after the plan's own

    # figures ---------------------------------------------------------------------------------
    def fig(self, value: Any, sc: Scale) -> Cell:
        return Cell(figure(value, sc, self.t), num=True)

    def sc(self, unit: str, values: Iterable[Any]) -> Scale:
        return scale(unit, list(values), self.t)

    def yes_no(self, v: Any) -> str:
        return self.t("yes") if bool(v) else self.t("no")

    # the page --------------------------------------------------------------------------------
    def html(self) -> str:
        t, d = self.t, self.d
        name = d.summary.get("instance") or (d.instance.name if d.instance is not None else "")
        sections = [("summary", t("h_summary"), self.summary())]
        if d.has_plan:
            sections += [("kpis", t("h_kpis"), self.kpis()), ("map", t("h_map"), self.map()),
                         ("draws", t("h_draws"), self.draws())]
            if d.phased:
                sections.append(("periods", t("h_periods"), self.periods()))
            sections += [("limits", t("h_limits"), self.limits()), ("parcels", t("h_parcels"), self.parcels())]
            if "objective_terms" in d.tables:
                sections.append(("objective", t("h_objective"), self.objective()))
        else:
            sections.append(("explanation", t("h_explanation"), self.explanation()))
        sections += self.extra
        nav = "".join(f'<a href="#{sid}">{esc(title)}</a>' for sid, title, _ in sections)
        body = "".join(f'<section id="{sid}"><h2>{esc(title)}</h2>{content}</section>'
                       for sid, title, content in sections)
        title = t("title", instance=name)
        return (f'<!DOCTYPE html>\n<html lang="{esc(t.catalogue["html_lang"])}"><head><meta charset="utf-8">'
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"
                f"<header><h1>{esc(title)}</h1>"
                f'<p class="meta">{esc(t("generated", version=self.version, source=d.source))}</p>'
                f'<nav aria-label="{esc(t("nav"))}">{nav}</nav></header>{body}</main></body></html>\n')

    # sections ----------------------------------------------------------------------------------
    def summary(self) -> str:
        t, d, s = self.t, self.d, self.d.summary
        money = self.sc("yuan", [s.get("objective"), s.get("bound")])
        rows = [(t("instance"), s.get("instance") or ""),
                (t("instance_file"), s.get("instance_file") or (d.instance.path if d.instance is not None
                                                                and d.instance.path else "")),
                (t("scenarios"), ", ".join(map(str, s.get("scenarios") or [])) or t("none")),
                (t("status"), t.status(d.status, str(s.get("termination", ""))))]
        if d.has_plan:
            rows.append((t("objective"), join(figure(s.get("objective"), money, t), money.unit, t)))
            if d.status != "optimal":
                rows += [(t("bound"), join(figure(s.get("bound"), money, t), money.unit, t)),
                         (t("gap"), with_unit(s.get("gap"), "gap", t))]
        if s.get("solve_seconds") is not None and (d.has_plan or s["solve_seconds"] > 0):
            rows.append((t("solve_time"), join(figure(s["solve_seconds"], Scale(decimals=2), t), t("seconds"), t)))
        if d.has_plan:
            if d.certified is None:
                verdict = t("not_checked")
            elif d.certified:
                verdict = t("certified", families=len(d.certificate))
            else:
                verdict = t("not_certified", families=self.failed())
            rows.append((t("certificate"), verdict))
        out = '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows) + "</dl>"
        if d.has_plan and d.certified is False:
            out += f'<p class="alert">{esc(t("not_certified", families=self.failed()))}</p>'
        if d.status == "feasible":
            out += f'<p class="caution">{esc(t("not_proven", gap=with_unit(s.get("gap"), "gap", t)))}</p>'
        return out

    def kpis(self) -> str:
        t = self.t
        cards = []
        for r in self.d.tables["kpis"].itertuples(index=False):
            sc = self.sc(r.unit, [r.value])
            cards.append(f'<div class="kpi" data-kpi="{esc(r.kpi)}"><div class="label">'
                         f'{esc(t.named("kpi_names", r.kpi))}</div><span class="value" data-value="{esc(r.value)}">'
                         f'{esc(figure(r.value, sc, t))}</span><span class="unit">{esc(sc.unit)}</span></div>')
        return f'<div class="kpis">{"".join(cards)}</div>'

    def failed(self) -> str:
        """The families the independent check finds violated, in words."""
        return "、".join(map(self.t.family_title, failed_families(self.d))) if self.t.own_words else \
            ", ".join(failed_families(self.d))

    def picture(self, key: str, caption: str, missing: str) -> str:
        """A picture with its caption (`{unit}`: the picture's money unit), or why it is missing."""
        return picture_html(self.t, key, self.pictures.get(key), caption, missing)

    def map(self) -> str:
        return self.picture("map", self.t.catalogue["map_caption"], "no_map")

    def draws(self) -> str:
        t, tb = self.t, self.d.tables
        draws, sources = tb["draws"], tb["sources"]
        out = []
        if len(draws):
            cats = list(pd.unique(draws["category"]))
            pivot = draws.pivot_table(index="source", columns="category", values="amount", aggfunc="sum",
                                      fill_value=0.0)
            order = [s for s in sources["source"] if s in pivot.index] + \
                [s for s in pivot.index if s not in set(sources["source"])]
            pivot = pivot.reindex(index=order, columns=cats, fill_value=0.0)
            sc = self.sc("yuan", [pivot.to_numpy().sum()])
            head = [t("source"), *[Cell(c, num=True) for c in cats], Cell(t.head(t("total"), sc.unit), num=True)]
            rows = [[src, *[self.fig(v, sc) if v else Cell("", num=True) for v in pivot.loc[src]],
                     self.fig(pivot.loc[src].sum(), sc)] for src in pivot.index]
            total = [t("total"), *[self.fig(pivot[c].sum(), sc) for c in cats], self.fig(pivot.to_numpy().sum(), sc)]
            out.append(f'<p class="note">{esc(sc.unit)}</p>' + table(head, rows, total, cls="draws"))
        else:
            out.append(f"<p>{esc(t('nothing_drawn'))}</p>")
        out.append(self.picture("draws", t.catalogue["draws_caption"], "no_picture"))

        sc = self.sc("yuan", [*sources["cap"], *sources["drawn"]])
        head = [t("source"), t("kind"), t("external"), head_with_unit(t("cap"), sc, t), head_with_unit(t("drawn"), sc, t),
                head_with_unit(t("share_of_cap"), self.sc("ratio", []), t)]
        extra = [c for c in ("interest", "fixed_cost") if c in sources.columns]
        head += [head_with_unit(t(c), sc, t) for c in extra]
        rows = []
        for r in sources.to_dict("records"):
            share = r["drawn"] / r["cap"] if r["cap"] and np.isfinite(r["cap"]) and r["cap"] > 0 else None
            rows.append([r["source"], t.word("source_kinds", r.get("kind", "")), self.yes_no(r.get("external", False)),
                         self.fig(r["cap"], sc), self.fig(r["drawn"], sc),
                         self.fig(share, self.sc("ratio", [share])),
                         *[self.fig(r[c], sc) for c in extra]])
        out.append(f"<h3>{esc(t('h_sources'))}</h3>" + table(head, rows, cls="sources"))

        cat = tb["categories"]
        cols = [c for c in ("need", "external", "other_sources", "own_funds") if c in cat.columns]
        sc = self.sc("yuan", cat[cols].to_numpy().ravel())
        names = {"need": t("need"), "external": t("external_paid"), "other_sources": t("other_sources"),
                 "own_funds": t("own_funds")}
        head = [t("category"), *[head_with_unit(names[c], sc, t) for c in cols]]
        if "in_scope" in cat.columns:
            head.append(t("in_scope"))
        rows = [[r["category"], *[self.fig(r[c], sc) for c in cols],
                 *([self.yes_no(r["in_scope"])] if "in_scope" in cat.columns else [])]
                for r in cat.to_dict("records")]
        total = [t("total"), *[self.fig(cat[c].sum(), sc) for c in cols], *([""] if "in_scope" in cat.columns else [])]
        out.append(f"<h3>{esc(t('h_categories'))}</h3>" + table(head, rows, total, cls="categories"))
        return "".join(out)

    def periods(self) -> str:
        t, tb = self.t, self.d.tables
        per = tb["periods"]
        order = list(per["period"])
        rows = []  # one row per figure, one column per period
        for c in (c for c in per.columns if c != "period"):
            sc = self.sc("mu" if c.endswith("_area") else "yuan", per[c])
            label = t.named("period_cols", c)
            rows.append([Cell(t.head(label, sc.unit), attrs={"data-row": c}),
                         *[self.fig(v, sc) for v in per[c]]])
        out = [table(["", *[Cell(p, num=True) for p in order]], rows, cls="periods")]
        if "period_draws" in tb:
            pd_ = tb["period_draws"]
            out.append(f"<h3>{esc(t('h_period_draws'))}</h3>" + self.by_period(pd_, order))
            out.append(self.picture("period_draws", t.catalogue["period_draws_caption"], "no_picture"))
        if "debt_service" in tb and len(tb["debt_service"]):
            out.append(f"<h3>{esc(t('h_debt'))}</h3>" + self.by_period(tb["debt_service"], order))
        return "".join(out)

    def by_period(self, frame: pd.DataFrame, order: list[str]) -> str:
        """Amounts per source (rows) and period (columns, 'after' last), with totals."""
        t = self.t
        periods = [p for p in order if p in set(frame["period"])] + \
            [p for p in pd.unique(frame["period"]) if p not in set(order)]
        pivot = frame.pivot_table(index="source", columns="period", values="amount", aggfunc="sum", fill_value=0.0)
        pivot = pivot.reindex(index=list(pd.unique(frame["source"])), columns=periods, fill_value=0.0)
        sc = self.sc("yuan", [pivot.to_numpy().sum()])
        label = {p: (t("after_horizon") if p == "after" else p) for p in periods}
        head = [t("source"), *[Cell(label[p], num=True) for p in periods], Cell(t.head(t("total"), sc.unit), num=True)]
        rows = [[s, *[self.fig(v, sc) if v else Cell("", num=True) for v in pivot.loc[s]],
                 self.fig(pivot.loc[s].sum(), sc)] for s in pivot.index]
        total = [t("total"), *[self.fig(pivot[p].sum(), sc) for p in periods], self.fig(pivot.to_numpy().sum(), sc)]
        return table(head, rows, total)

    def limits(self) -> str:
        t, d = self.t, self.d
        if d.shadow is None:
            key, values = d.shadow_skipped or ("limits_reason", {"reason": ""})
            return f'<p class="note">{esc(t("limits_skipped", reason=t(key, **values)))}</p>'
        rows = []
        words = t.catalogue["analysis_words"]  # the analysis's own sentence for each limit
        for r in d.shadow.binding().to_dict("records"):
            unit = str(r["unit"])
            ratio = unit.startswith("point (0.01)")  # a share: its limit reads as a percentage
            limit_sc = self.sc("ratio" if ratio else unit, [r["limit"], r["valid_from"], r["valid_to"]])
            price = figure(r["price"], Scale(), t)
            parts = tuple(str(r["member"]).split("/")) if r["member"] != "" else ()
            if np.isfinite(r["valid_from"]) or np.isfinite(r["valid_to"]):
                holds = f"{figure(r['valid_from'], limit_sc, t)} … {figure(r['valid_to'], limit_sc, t)}"
            else:
                holds = t("fixed_by_plan") if r["fixed_by_plan"] else ""
            rows.append([t.limit_name(r["family"], parts),
                         Cell(t("price_per", price=price, money=t.unit("yuan"), unit=t.unit(unit)), num=True),
                         Cell(join(figure(r["limit"], limit_sc, t), limit_sc.unit, t), num=True),
                         Cell(holds, num=True), *([r["meaning"]] if words else [])])
        head = [t("limit"), Cell(t("price"), num=True), Cell(t("current_limit"), num=True),
                Cell(t("holds_for"), num=True), *([t("meaning")] if words else [])]
        out = table(head, rows, cls="limits") if rows else f"<p>{esc(t('no_binding'))}</p>"
        written = d.summary.get("objective")
        out += (f'<p class="note">{esc(t("fixed_plan_objective", objective=with_unit(d.shadow.objective, "yuan", t), written=with_unit(written, "yuan", t)))}</p>'
                f'<p class="note">{esc(t("limits_note"))}</p>')
        return out

    def parcels(self) -> str:
        t, par = self.t, self.d.tables["parcels"]
        rez = par[par["rezoned"]]
        if not len(rez):
            return f"<p>{esc(t('no_parcels_rezoned')) }</p>"
        area = self.sc("mu", rez["area"])
        cols: list[tuple[str, str, str]] = [("area", t("area"), "mu")]
        if "forgone_income" in rez.columns:
            cols.append(("forgone_income", t("forgone_income"), "yuan"))
        if "output" in rez.columns:
            cols.append(("output", t("output"), "yuan/year"))
        scales = {c: (area if c == "area" else self.sc(u, rez[c])) for c, _, u in cols}
        phased = "period" in rez.columns
        head = [t("parcel"), t("current_use"), t("new_use"), *([t("period")] if phased else []),
                *[head_with_unit(label, scales[c], t) for c, label, _ in cols]]
        shown = rez.head(MAX_ROWS)
        rows = [[r["parcel"], r.get("current_use", ""), r["use"], *([r["period"]] if phased else []),
                 *[self.fig(r[c], scales[c]) for c, _, _ in cols]] for r in shown.to_dict("records")]
        total = [t("total"), "", "", *([""] if phased else []), *[self.fig(rez[c].sum(), scales[c]) for c, _, _ in cols]]
        out = table(head, rows, total, cls="parcels")
        if len(rez) > MAX_ROWS:
            out += f'<p class="note">{esc(t("more_rows", count=len(rez) - MAX_ROWS, file="parcels.csv"))}</p>'
        return out

    def objective(self) -> str:
        t, terms = self.t, self.d.tables["objective_terms"]
        rows = []
        for r in terms.to_dict("records"):
            unit = "yuan/year" if r["term"] == "industrial_output" else "yuan"
            sense = t("sense_max") if r["sense"] == "max" else t("sense_min")
            rows.append([t.named("term_names", r["term"]), sense, Cell(figure(r["weight"], Scale(), t), num=True),
                         Cell(with_unit(r["value"], unit, t), num=True),
                         Cell(with_unit(r["contribution"], "yuan", t), num=True)])
        total = [t("total"), "", "", "", Cell(with_unit(terms["contribution"].sum(), "yuan", t), num=True)]
        head = [t("term"), t("sense"), Cell(t("weight"), num=True), Cell(t("value"), num=True),
                Cell(t("contribution"), num=True)]
        return table(head, rows, total, cls="objective")

    def explanation(self) -> str:
        t, d = self.t, self.d
        exp = d.explanation
        if exp is None:
            reason = t.status(d.status, str(d.summary.get("termination", "")))
            return f'<p class="note">{esc(t("no_explanation", reason=reason))}</p>'
        out = []
        relaxation = exp.get("relaxation", "optimal")
        shortfalls = exp.get("shortfalls") or []
        if exp.get("feasible"):
            out.append(f"<p>{esc(t('explanation_feasible'))}</p>")
        elif relaxation == "no_relaxation":
            out.append(f'<p class="alert">{esc(t("no_relaxation"))}</p>')
        elif relaxation not in ("optimal", "feasible"):
            out.append(f'<p class="alert">{esc(t("relaxation_stopped", status=relaxation))}</p>')
        if shortfalls:
            out.append(f"<h3>{esc(t('h_shortfalls'))}</h3><p>{esc(t('explanation_intro'))}</p>")
            if relaxation == "feasible":
                out.append(f'<p class="caution">{esc(t("relaxation_not_smallest"))}</p>')
            rows = []
            for s in shortfalls:
                parts = tuple(p for p in str(s.get("member") or "").split(", ") if p)
                unit = str(s.get("unit") or "")
                amount = with_unit(s.get("amount"), unit, t)
                limit = with_unit(s["limit"], unit, t) if s.get("limit") is not None else None
                rows.append([t.limit_name(str(s.get("constraint")), parts), Cell(amount, num=True),
                             t.shortfall(str(s.get("constraint")), parts, str(s.get("message") or ""), amount,
                                         limit)])
            out.append(table([t("constraint"), Cell(t("shortfall"), num=True), t("in_words")], rows,
                             cls="shortfalls"))
        iis = exp.get("iis") or {}
        names, note = self.conflict(iis)
        if names:
            out.append(f"<h3>{esc(t('h_iis'))}</h3>")
            out.append('<ul class="plain iis">' + "".join(f"<li>{esc(c)}</li>" for c in names) + "</ul>")
            if note:
                out.append(f'<p class="note">{esc(t("iis_note", note=note))}</p>')
        elif note and not exp.get("feasible"):
            out.append(f'<p class="note">{esc(note)}</p>')
        checks = exp.get("prechecks") or []
        if checks:
            out.append(f"<h3>{esc(t('h_prechecks'))}</h3>")
            out.append(table([t("severity"), t("check"), t("where"), t("message")],
                             [[t.word("severities", c.get("severity", "")), t.word("checks", c.get("check", "")),
                               t.where(str(c.get("where", ""))), self.finding(c)] for c in checks],
                             cls="prechecks"))
        origin = t("origin_recorded") if d.explanation_origin == "recorded" else t("origin_computed")
        out.append(f'<p class="note">{esc(t("explanation_from", origin=origin))}</p>')
        return "".join(out)


    def conflict(self, iis: dict[str, Any]) -> tuple[list[str], str]:
        """The conflicting constraints and the note on them: the analysis's words, or,
        for a catalogue with words of its own, built from the rows and bounds it records."""
        t = self.t
        names, note = list(iis.get("constraints") or []), str(iis.get("note") or "")
        if not t.own_words or "rows" not in iis:
            return names, note
        names = [t.limit_name(str(r.get("constraint")), tuple(p for p in str(r.get("member") or "").split(", ")
                                                               if p)) for r in iis.get("rows") or []]
        for b in iis.get("bounds") or []:
            names.append(t.iis_bound(b, figure(b.get("value"), Scale(), t), figure(b.get("upper_value"), Scale(), t)))
        reasons = t.catalogue["iis_reasons"]
        reason = str(iis.get("reason") or "")
        note = reasons.get(reason, "").format(status=iis.get("lp_status", ""))
        if reason == "subset" and iis.get("trivial"):
            note += reasons["subset_trivial"].format(count=int(iis["trivial"]))
        return names, note

    def finding(self, c: dict[str, Any]) -> str:
        """A presolve finding in words: its message, or the catalogue's template for its
        kind with its figures (money and areas with their units, ratios as percentages)."""
        t = self.t
        template = t.catalogue["prechecks"].get(str(c.get("key") or ""))
        if not t.own_words or template is None:
            return str(c.get("message", ""))
        values = dict(c.get("values") or {})
        units = {"target": "ratio", "share": "ratio", "least": "yuan", "needed": "yuan", "most": "yuan",
                 "short": "yuan", "must": "yuan", "spending": "yuan", "budget": "yuan", "income": "yuan",
                 "need": "yuan", "value": "yuan", "typical": "yuan", "low": "yuan", "high": "yuan"}
        if c.get("check") == "industrial_land":
            units.update({k: "mu" for k in ("need", "most", "short", "min", "max", "floor")})
        if c.get("check") == "resource_bound":
            units.update({k: None for k in ("least", "cap", "short")})
        if c.get("check") == "matrix_scale":
            units.update(low=None, high=None)
        shown: dict[str, Any] = {}
        for k, v in values.items():
            if isinstance(v, list):
                shown[k] = "、".join(map(str, v))
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                if k == "ratio":
                    shown[k] = figure(v, Scale(decimals=None), t)
                elif k == "count":
                    shown[k] = str(int(v))
                elif units.get(k) is None:
                    shown[k] = join(figure(v, Scale(), t), str(values.get("unit") or ""), t) \
                        if c.get("check") == "resource_bound" else figure(v, Scale(), t)
                else:
                    shown[k] = with_unit(v, units[k], t)
            else:
                shown[k] = t.where(str(v)) if k.endswith("where") else str(v)
        try:
            return template.format(**shown)
        except (KeyError, IndexError):
            return str(c.get("message", ""))


def render(data: ReportData, texts: Texts, pictures: dict[str, Picture], version: str,
           extra: Sequence[tuple[str, str, str]] = ()) -> str:
    """The page as one HTML string; `extra`: further sections (id, title, html), such as
    the importance of the parcels (optim/reporting/importance.py)."""
    return Page(data, texts, pictures, version, extra).html()


__all__ = ["render", "Page", "CSS", "CSP", "MAX_ROWS"]
