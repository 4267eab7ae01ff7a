"""The importance section of a report: what each parcel of the plan is worth.

    optim report RESULT_DIR --out report.html --importance IMPORTANCE_DIR
    optim report EVAL_DIR --out draft.html --importance IMPORTANCE_DIR

reads `importance.csv` (and the `summary.json` beside it) written by
`optim importance --out DIR` (optim/analysis/importance.py: one row per
parcel, `kind` exact, bound, required or fixed; `importance` inf for a
required parcel) and shows the parcels coloured by their importance on the
map, the most important parcels in a table (interval, the use instead, bid
price) and what was solved. A result folder that holds `importance.csv`
itself gets the section without the option.

The table is checked on reading: its columns, numbers, kinds and parcels
(each must be a parcel of the report's instance); bad input raises
`InstanceError` naming the file, the row and the column. When the table was
computed for another plan than the report's (a parcel has another use there),
the section says so and names them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.importance import COLUMNS, KINDS
from ..errors import InstanceError, Problem
from ..check.certificate import read_csv_text
from .numbers import Scale, figure, scale, with_unit
from .page import Cell, esc, picture_html, table
from .pictures import Picture
from .texts import Texts

TABLE = "importance.csv"
SHOWN = 30  # rows of the table shown (the rest: in importance.csv)
NUMBERS = ("rank", "area", "importance", "importance_low", "importance_high", "parcels_changed", "bid_price",
           "screen_low", "screen_high", "gap", "solve_seconds")
REQUIRED_COLUMNS = ("rank", "parcel", "use", "area", "importance", "importance_low", "importance_high", "kind")


@dataclass
class Importance:
    """importance.csv read and checked: `table` (numbers as floats, inf for a required
    parcel), `summary` (its summary.json, {} when absent), `file` (the table's path)."""

    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    file: str = ""


def find(source: Any) -> Path | None:
    """importance.csv inside a result folder, when it holds one."""
    if isinstance(source, (str, Path)) and (Path(source) / TABLE).is_file():
        return Path(source) / TABLE
    return None


def read_importance(path: str | Path, instance: Any = None) -> Importance:
    """importance.csv (or the folder holding it) checked against the column contract
    and, when given, the parcels of `instance`."""
    p = Path(path)
    if p.is_dir():
        p = p / TABLE
    if not p.is_file():
        raise InstanceError([Problem(str(p), "not found: give importance.csv or the folder written by "
                                             "`optim importance --out DIR`")])
    raw = read_csv_text(p)
    where = str(p)
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise InstanceError([Problem(where, f"missing column(s) {', '.join(missing)} (the columns of "
                                            f"`optim importance --out`: {', '.join(COLUMNS)})")])
    out = raw.copy()
    problems = []
    for col in (c for c in NUMBERS if c in out.columns):
        text = out[col].astype(str).str.strip()
        nums = pd.to_numeric(text.replace({"": "nan"}), errors="coerce")
        bad = nums.isna() & ~text.str.lower().isin(["", "nan", "none"])
        for i in np.flatnonzero(bad.to_numpy())[:3]:
            problems.append(Problem(where, f"row {i + 2}, column {col}: {text.iloc[i]!r} is not a number"))
        out[col] = nums.astype(float)
    kinds = out["kind"].astype(str).str.strip()
    for i in np.flatnonzero(~kinds.isin(KINDS).to_numpy())[:3]:
        problems.append(Problem(where, f"row {i + 2}, column kind: {kinds.iloc[i]!r} is not one of "
                                       f"{', '.join(KINDS)}"))
    out["kind"] = kinds
    out["parcel"] = out["parcel"].astype(str).str.strip()
    dup = out["parcel"].duplicated()
    for i in np.flatnonzero(dup.to_numpy())[:3]:
        problems.append(Problem(where, f"row {i + 2}, column parcel: {out['parcel'].iloc[i]!r} is listed twice"))
    if instance is not None:
        known = set(map(str, instance.parcels.index))
        for i, pid in enumerate(out["parcel"]):
            if pid not in known:
                problems.append(Problem(where, f"row {i + 2}, column parcel: {pid!r} is not a parcel of the "
                                               f"instance {instance.name}: is it the importance of this instance?"))
                if len(problems) >= 5:
                    break
    if problems:
        raise InstanceError(problems)
    summary: dict[str, Any] = {}
    side = p.parent / "summary.json"
    if side.is_file():
        try:
            doc = json.loads(side.read_bytes().decode("utf-8-sig"))
        except (OSError, ValueError):
            doc = None
        if isinstance(doc, dict) and doc.get("kind") == "importance":
            summary = doc
    out = out.sort_values("rank", kind="stable", na_position="last").reset_index(drop=True)
    return Importance(out, summary, str(p))


def mismatched(imp: Importance, uses: pd.Series) -> list[str]:
    """The parcels whose use in the importance table differs from `uses` (the plan of the page)."""
    plan = uses.copy()
    plan.index = plan.index.astype(str)
    rows = imp.table.set_index("parcel")["use"].astype(str)
    common = rows.index.intersection(plan.index)
    return [p for p in common if rows[p] != str(plan[p])]


def section(imp: Importance, texts: Texts, picture: Picture | None, uses: pd.Series | None) -> str:
    """The section's HTML (its heading is the page's)."""
    t, tb, s = texts, imp.table, imp.summary
    out = []
    others = s.get("others") or ("keep" if str(s.get("plan", "optimum")) != "optimum" else "free")
    out.append(f"<p>{esc(t('imp_intro_keep' if others == 'keep' else 'imp_intro_free'))}</p>")
    if s:
        plan = str(s.get("plan") or "optimum")
        plan_words = t("imp_plan_optimum") if plan == "optimum" else t("imp_plan_draft", name=plan)
        out.append(f'<p class="note">{esc(t("imp_source", file=imp.file, plan=plan_words, objective=with_unit(s.get("objective"), "yuan", t)))}</p>')
    counts = tb["kind"].value_counts()
    out.append(f'<p data-counts="1">{esc(t("imp_counts", parcels=len(tb), exact=int(counts.get("exact", 0)), bound=int(counts.get("bound", 0)), required=int(counts.get("required", 0)), fixed=int(counts.get("fixed", 0))))}</p>')
    if s.get("top_proven") is not None and counts.get("bound", 0):
        key = "imp_top_proven" if s["top_proven"] else "imp_top_not_proven"
        out.append(f'<p class="note">{esc(t(key, top=s.get("top")))}</p>')
    if uses is not None:
        differ = mismatched(imp, uses)
        if differ:
            out.append(f'<p class="caution" data-mismatch="{len(differ)}">'
                       f'{esc(t("imp_mismatch", count=len(differ), examples=t("list_sep").join(differ[:5])))}</p>')
    if picture is not None:
        out.append(picture_html(t, "importance", picture, t.catalogue["imp_caption"], "no_map"))
    shown = tb.head(SHOWN)
    finite = [v for v in [*shown["importance"], *shown["importance_low"], *shown["importance_high"]]
              if v is not None and np.isfinite(v)]
    money = scale("yuan", finite, t)
    area = scale("mu", shown["area"], t)
    has_bid = "bid_price" in shown.columns and np.isfinite(shown["bid_price"].to_numpy(dtype=float)).any()
    bids = scale("yuan/year", [v for v in shown.get("bid_price", []) if np.isfinite(v)], t) if has_bid else None
    kinds = t.catalogue["imp_kinds"]
    rows = []
    for r in shown.to_dict("records"):
        if r["kind"] == "required":
            value, interval = t("required_value"), ""
        else:
            value = figure(r["importance"], money, t)
            interval = "" if r["kind"] != "bound" else \
                f"{figure(r['importance_low'], money, t)} … {figure(r['importance_high'], money, t)}"
        row = [Cell(figure(r["rank"], Scale(), t), num=True), r["parcel"], str(r.get("use") or ""),
               Cell(figure(r["area"], area, t), num=True), Cell(value, num=True, attrs={"data-value": r["importance"]}),
               Cell(interval, num=True), kinds.get(r["kind"], r["kind"]),
               "" if pd.isna(r.get("alternative_use")) else str(r.get("alternative_use") or "")]
        if has_bid:
            bid = r.get("bid_price")
            row += [Cell(figure(bid, bids, t) if bid is not None and np.isfinite(bid) else "", num=True),
                    "" if pd.isna(r.get("bid_use")) else str(r.get("bid_use") or "")]
        rows.append(row)
    head = [Cell(t("rank"), num=True), t("parcel"), t("use_in_plan"), Cell(t.head(t("area"), area.unit), num=True),
            Cell(t.head(t("importance"), money.unit), num=True), Cell(t.head(t("importance_interval"), money.unit),
                                                                      num=True),
            t("imp_kind"), t("use_instead")]
    if has_bid:
        head += [Cell(t.head(t("bid_price"), t("per_mu", unit=bids.unit)), num=True), t("bid_use")]
    out.append(table(head, rows, cls="importance"))
    if len(tb) > SHOWN:
        out.append(f'<p class="note">{esc(t("imp_shown", shown=SHOWN, count=len(tb), file=TABLE))}</p>')
    if has_bid:
        out.append(f'<p class="note">{esc(t("bid_note"))}</p>')
    return "".join(out)


__all__ = ["Importance", "read_importance", "find", "section", "mismatched", "TABLE"]
