"""Solution certificates: a plan checked by the independent checker (optim/check.py).

`certify(inst, plan)` runs `check_plan` and reports the largest violation per
constraint family; `failed(report)` names the families whose relative
violation exceeds the tolerance. `optim check-plan INSTANCE RESULT_DIR` reads a
result directory written by `Result.write` (or `optim solve --out`) and prints
the report; `optim solve` certifies every plan before it reports or writes it
(`PlanRejected` when a family fails).

The checker recomputes every family from the instance files and the plan's
decisions alone (uses, draws, projects built, own funds, switched sources, and
with periods the draws and schedules per period); it shares no code with the
model. A result directory that cannot be read is bad input: `InstanceError`
naming the file, never a traceback.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstanceError, Problem
from .plan import PlanDecisions, check_plan

DEFAULT_TOL = 1e-6  # relative violation: violation / max(1, |rhs|)

# files of a result directory that the checker reads (besides optional ones)
PLAN_FILES = ("parcels.csv", "draws.csv", "projects.csv", "categories.csv", "sources.csv")


class PlanRejected(Exception):
    """A solved plan failed its certificate; `report` is the checker's table."""

    def __init__(self, report: pd.DataFrame):
        self.report = report
        bad = failed(report)
        first = bad.iloc[0]
        where = f" ({first['worst']})" if first["worst"] else ""
        super().__init__(f"the plan failed its certificate: {bad.index[0]} violated by "
                         f"{first['max_violation']:.6g}{where}"
                         + (f"; also {', '.join(bad.index[1:])}" if len(bad) > 1 else ""))


def failed(report: pd.DataFrame) -> pd.DataFrame:
    """The rows of families that do not hold within the tolerance, worst first."""
    return report[~report["ok"]].sort_values("relative", ascending=False)


def certify(inst: Any, plan: Any, tol: float = DEFAULT_TOL) -> pd.DataFrame:
    """The checker's report for `plan` (a `Result` with a plan or `PlanDecisions`)."""
    return check_plan(inst, plan, tol)


def certify_result(inst: Any, result: Any, tol: float = DEFAULT_TOL) -> pd.DataFrame | None:
    """Certify a solve's result: None when it has no plan, else the report.

    Raises `PlanRejected` when a family is violated beyond `tol`.
    """
    if not result.has_plan:
        return None
    report = certify(inst, result, tol)
    if len(failed(report)):
        raise PlanRejected(report)
    return report


def read_plan(result_dir: str | Path):
    """The decisions of a result directory (`PlanDecisions`); `InstanceError`
    naming the file when the directory, a file or a column cannot be read."""
    d = Path(result_dir)
    if not d.exists():
        raise InstanceError([Problem(str(d), "result directory not found")])
    if not d.is_dir():
        raise InstanceError([Problem(str(d), "is not a directory (a result directory written by "
                                             "`optim solve --out DIR`)")])
    summary = d / "summary.json"
    if summary.is_file():
        try:
            doc = json.loads(summary.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InstanceError([Problem(str(summary), f"not valid JSON: {exc}")]) from None
        if not isinstance(doc, dict):
            raise InstanceError([Problem(str(summary), "must be a JSON object")])
        status = doc.get("status")
        if status is not None and status not in ("optimal", "feasible"):
            raise InstanceError([Problem(str(summary), f"the result has no plan to check (status {status!r})")])
        for key in ("objective",):
            if doc.get(key) is not None and not isinstance(doc[key], (int, float)):
                raise InstanceError([Problem(str(summary), f"{key} must be a number, not {doc[key]!r}")])
        kpis = doc.get("kpis")
        if kpis is not None and (not isinstance(kpis, dict) or not all(
                v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in kpis.values())):
            raise InstanceError([Problem(str(summary), "kpis must be an object of numbers")])
    missing = [name for name in PLAN_FILES if not (d / name).is_file()]
    if missing:
        raise InstanceError([Problem(str(d / name), "file not found") for name in missing])
    for name in (*PLAN_FILES, "relocations.csv", "period_draws.csv"):
        path = d / name
        if path.is_file():
            read_csv_text(path)
    try:
        return PlanDecisions.from_dir(d)
    except ValueError as exc:  # e.g. "DIR/draws.csv: missing column(s) amount"
        raise InstanceError([_problem(d, exc)]) from None
    except OSError as exc:
        raise InstanceError([Problem(str(getattr(exc, "filename", None) or d),
                                     f"cannot read: {exc.strerror or exc}")]) from None


def read_csv_text(path: Path, as_text: bool = True) -> pd.DataFrame:
    """A result table read as text cells (only empty cells missing), or with the
    types pandas infers (`as_text=False`); `InstanceError` naming the file when
    it is not UTF-8 CSV text with a header."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InstanceError([Problem(str(path), f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InstanceError([Problem(str(path), f"not UTF-8 text (bad byte at offset {exc.start})")]) from None
    if not text.strip():
        raise InstanceError([Problem(str(path), "empty file: a CSV header row is required")])
    if "\x00" in text:
        raise InstanceError([Problem(str(path), "not a CSV text file (it contains NUL bytes)")])
    try:
        if as_text:
            return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
        return pd.read_csv(StringIO(text), keep_default_na=True)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InstanceError([Problem(str(path), f"not valid CSV: {exc}")]) from None


def _problem(d: Path, exc: Exception) -> Problem:
    text = str(exc)
    for name in (*PLAN_FILES, "relocations.csv", "period_draws.csv", "summary.json"):
        prefix = f"{d / name}: "
        if text.startswith(prefix):
            return Problem(str(d / name), text[len(prefix):])
    return Problem(str(d), f"unreadable plan: {text}")


def check_result_dir(inst: Any, result_dir: str | Path, tol: float = DEFAULT_TOL) -> pd.DataFrame:
    """The checker's report for the plan written in `result_dir` against `inst`."""
    plan = read_plan(result_dir)
    try:
        return certify(inst, plan, tol)
    except (ValueError, KeyError, TypeError) as exc:
        # the plan's cells do not fit the instance (unknown project, a non-number amount, ...)
        raise InstanceError([Problem(str(result_dir), f"unreadable plan: {exc}")]) from None


def report_table(report: pd.DataFrame, tol: float) -> str:
    """The report as a fixed-width table, one family a line, failures marked."""
    lines = [f"{'family':<28} {'max violation':>16} {'unit':<14} {'relative':>12}  {'ok':<4} worst"]
    for fam, row in report.iterrows():
        lines.append(f"{fam:<28} {row['max_violation']:>16.6g} {row['unit']:<14} {row['relative']:>12.3g}  "
                     f"{'ok' if row['ok'] else 'FAIL':<4} {row['worst']}")
    bad = failed(report)
    lines.append("")
    if len(bad):
        lines.append(f"{len(bad)} of {len(report)} families violated beyond the tolerance {tol:g}: "
                     + ", ".join(bad.index))
    else:
        lines.append(f"all {len(report)} families hold within the tolerance {tol:g}")
    return "\n".join(lines)


def report_dict(report: pd.DataFrame, tol: float) -> dict[str, Any]:
    """The report as a JSON-ready object: ok, tol, families, failed."""
    def num(x: float) -> float | None:
        return float(x) if np.isfinite(x) else None

    return {
        "ok": bool(report["ok"].all()),
        "tol": tol,
        "failed": list(failed(report).index),
        "families": [{"family": fam, "title": row["title"], "max_violation": num(row["max_violation"]),
                      "unit": row["unit"], "relative": num(row["relative"]), "ok": bool(row["ok"]),
                      "worst": row["worst"]}
                     for fam, row in report.iterrows()],
    }
