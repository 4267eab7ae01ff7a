"""What a report shows, gathered from a result folder (or a `Result`) and its instance.

`gather(source, instance=None, scenarios=None)` reads the result (the folder
`optim solve --out` wrote, or a `Result` in memory), loads the instance it
was solved for (the file and scenarios summary.json records, unless
`instance` is given), and adds what the folder does not hold:

- the independent checker's verdict on the plan against that instance
  (`optim.check`), so that a report never presents a plan that no longer
  fits its instance as if it did;
- the shadow prices of the binding limits, conditional on THIS plan: the
  plan's decisions are read back from the folder with the checker's reader
  (`optim.check.read_plan`), turned into the model's column values
  (`optim.analysis.shadow.plan_values`) and priced on the fixed-plan LP. The
  MIP is not solved again: a re-solve could pick another plan among equals;
- for "no plan": the explanation recorded by `optim solve` in summary.json, or
  else one computed now (`optim.explain`).

A folder that is missing, is not a result folder or cannot be read is refused
with `InstanceError`, naming the file and what is wrong.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.explain import explain
from ..analysis.shadow import ShadowPrices, plan_values, shadow_prices
from ..api import Model
from ..check.certificate import certify, check_result_dir, failed, read_plan
from ..errors import InstanceError, Problem
from ..inputs.instance import Instance
from ..inputs.reader import load
from ..inputs.scenarios import apply_scenarios
from ..results import Result

STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "no_solution", "error")

# table -> {column: kind}; "text", "number" or "bool"; a trailing "?" marks an optional column
SCHEMAS: dict[str, dict[str, str]] = {
    "kpis": {"kpi": "text", "value": "number", "unit": "text"},
    "draws": {"source": "text", "category": "text", "amount": "number"},
    "sources": {"source": "text", "kind": "text?", "external": "bool?", "cap": "number", "drawn": "number",
                "used": "bool?", "fixed_cost": "number?", "interest": "number?"},
    "categories": {"category": "text", "need": "number", "external": "number", "other_sources": "number?",
                   "own_funds": "number", "in_scope": "bool?"},
    "parcels": {"parcel": "text", "use": "text", "current_use": "text?", "rezoned": "bool", "area": "number",
                "forgone_income": "number?", "output": "number?", "period": "text?"},
    "projects": {"project": "text", "built": "bool"},
    "objective_terms": {"term": "text", "weight": "number", "sense": "text", "value": "number",
                        "contribution": "number"},
    "periods": {"period": "text"},  # every other column is a number
    "period_draws": {"source": "text", "category": "text", "period": "text", "amount": "number"},
    "debt_service": {"source": "text", "period": "text", "amount": "number"},
}
REQUIRED = ("kpis", "draws", "sources", "categories", "parcels", "projects")
OPTIONAL = ("objective_terms", "periods", "period_draws", "debt_service")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


@dataclass
class ReportData:
    """Everything the page shows. `tables` hold the result's tables with their keys
    as columns (no index); `shadow` is None when not computed (`shadow_skipped`:
    why, as a catalogue key and its values); `explanation` is the JSON form of an
    `optim.analysis.explain.Explanation` (`origin`: recorded or computed)."""

    source: str
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    instance: Instance | None = None
    certificate: pd.DataFrame | None = None
    shadow: ShadowPrices | None = None
    shadow_skipped: tuple[str, dict[str, Any]] | None = None
    explanation: dict[str, Any] | None = None
    explanation_origin: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.summary.get("status"))

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def phased(self) -> bool:
        return "periods" in self.tables

    @property
    def certified(self) -> bool | None:
        return None if self.certificate is None else bool(self.certificate["ok"].all())


# ---- reading a result folder -----------------------------------------------------------------
def read_summary(folder: Path) -> dict[str, Any]:
    """summary.json of a result folder; `InstanceError` naming the file when the
    folder is missing, is not a result folder or the summary is not readable."""
    if not folder.exists():
        raise InstanceError([Problem(str(folder), "result folder not found")])
    if not folder.is_dir():
        raise InstanceError([Problem(str(folder), "is not a folder: give a result folder written by "
                                                  "`optim solve --out DIR`")])
    path = folder / "summary.json"
    if not path.is_file():
        raise InstanceError([Problem(str(path), "not found: not a result folder (written by "
                                                "`optim solve --out DIR`)")])
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InstanceError([Problem(str(path), f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InstanceError([Problem(str(path), f"not UTF-8 text (bad byte at offset {exc.start})")]) from None
    except ValueError as exc:
        raise InstanceError([Problem(str(path), f"not valid JSON: {exc}")]) from None
    if not isinstance(doc, dict):
        raise InstanceError([Problem(str(path), "must be a JSON object (the summary of a result)")])
    if doc.get("status") not in STATUSES:
        raise InstanceError([Problem(str(path), f"status must be one of {', '.join(STATUSES)}, "
                                                f"not {doc.get('status')!r}: not a result summary")])
    for key in ("objective", "bound", "gap", "solve_seconds"):
        v = doc.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise InstanceError([Problem(str(path), f"{key} must be a number, not {v!r}")])
    return doc


def read_text_csv(path: Path) -> pd.DataFrame:
    """A CSV table as text cells (only empty cells missing); `InstanceError` naming the file."""
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
        return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InstanceError([Problem(str(path), f"not valid CSV: {exc}")]) from None


def _typed(table: pd.DataFrame, name: str, where: str) -> pd.DataFrame:
    """The table with the columns of its schema checked and typed (text kept as text)."""
    schema = SCHEMAS[name]
    missing = [c for c, kind in schema.items() if not kind.endswith("?") and c not in table.columns]
    if missing:
        raise InstanceError([Problem(where, f"missing column(s) {', '.join(missing)}")])
    out = table.copy()
    kinds = dict(schema)
    if name == "periods":
        kinds.update({c: "number" for c in table.columns if c != "period"})
    for col, kind in kinds.items():
        if col not in out.columns:
            continue
        kind = kind.rstrip("?")
        values = out[col]
        if kind == "text":
            out[col] = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
        elif kind == "number":
            nums = pd.to_numeric(values, errors="coerce")
            bad = nums.isna() & values.map(lambda v: v is not None and str(v).strip().lower() not in
                                           ("", "nan", "none"))
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InstanceError([Problem(where, f"column {col}, row {i + 2}: {values.iloc[i]!r} "
                                                    "is not a number")])
            out[col] = nums.astype(float)
        else:
            flags = values.map(lambda v: v if isinstance(v, (bool, np.bool_)) else str(v).strip().lower())
            bad = ~flags.map(lambda v: isinstance(v, (bool, np.bool_)) or v in _TRUE | _FALSE)
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InstanceError([Problem(where, f"column {col}, row {i + 2}: {values.iloc[i]!r} "
                                                    "is not true/false")])
            out[col] = flags.map(lambda v: bool(v) if isinstance(v, (bool, np.bool_)) else v in _TRUE)
    return out


def read_tables(folder: Path, has_plan: bool) -> dict[str, pd.DataFrame]:
    """The result tables of a folder (none for a result without a plan)."""
    if not has_plan:
        return {}
    missing = [name for name in REQUIRED if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise InstanceError([Problem(str(folder / f"{name}.csv"), "file not found (a result folder with a "
                                     "plan holds it)") for name in missing])
    out = {}
    for name in (*REQUIRED, *OPTIONAL):
        path = folder / f"{name}.csv"
        if path.is_file():
            out[name] = _typed(read_text_csv(path), name, str(path))
    return out


def result_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The tables of a `Result` in memory, in the layout of its folder."""
    if not result.has_plan:
        return {}
    out = {}
    for name, table in result.tables().items():
        if name in SCHEMAS:
            flat = table.reset_index() if table.index.name is not None else table.reset_index(drop=True)
            out[name] = _typed(flat, name, f"result table {name}")
    return out


# ---- the instance ------------------------------------------------------------------------------
def resolve_instance(summary: dict[str, Any], where: str, instance: Any = None,
                     scenarios: list[str] | None = None) -> Instance:
    """The instance of the result: `instance` (an Instance or a path) if given,
    else the file summary.json records; with `scenarios` if given, else the
    recorded ones."""
    if isinstance(instance, Instance):
        return apply_scenarios(instance, scenarios) if scenarios else instance
    recorded = summary.get("scenarios") or []
    scen = list(scenarios) if scenarios is not None else [str(s) for s in recorded]
    if instance is None:
        path = summary.get("instance_file")
        if not isinstance(path, str) or not path:
            raise InstanceError([Problem(where, "the result records no instance file (its instance was "
                                                "built in memory): give the instance (--instance PATH, "
                                                "or instance= in Python)")])
        if not Path(path).is_file():
            raise InstanceError([Problem(where, f"the instance the result records, {path}, is not found: "
                                                "give it with --instance PATH")])
        instance = path
    return apply_scenarios(load(instance), scen)


# ---- gathering -----------------------------------------------------------------------------------
def gather(source: str | Path | Result, instance: Any = None, scenarios: list[str] | None = None, *,
           prices: bool = True, explanation: bool = True) -> ReportData:
    """Everything a report shows (see the module docstring). `prices`: compute the
    shadow prices of the binding limits; `explanation`: compute the explanation of
    "no plan" when the result does not record one."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(source, Result):
        summary = source.to_dict()
        tables = result_tables(source)
        where, folder = "the result", None
        label = f"the result of {source.instance}" if source.instance else "a result"
    else:
        folder = Path(source)
        summary = read_summary(folder)
        tables = read_tables(folder, summary["status"] in ("optimal", "feasible"))
        where, label = str(folder / "summary.json"), str(folder)
    inst = resolve_instance(summary, where, instance, scenarios)
    data = ReportData(label, summary, tables, inst, seconds=seconds)
    seconds["read"] = time.perf_counter() - t0

    if data.has_plan:
        t0 = time.perf_counter()
        if folder is not None:
            data.certificate = check_result_dir(inst, folder)
        else:
            data.certificate = source.certificate if source.certificate is not None else certify(inst, source)
        seconds["check"] = time.perf_counter() - t0
        if not data.certified:
            data.shadow_skipped = ("limits_rejected", {})
        elif prices:
            t0 = time.perf_counter()
            data.shadow, data.shadow_skipped = _prices(inst, folder if folder is not None else source)
            seconds["shadow"] = time.perf_counter() - t0
        else:
            data.shadow_skipped = ("limits_not_asked", {})
    elif data.status == "infeasible":
        if isinstance(summary.get("explanation"), dict):
            data.explanation, data.explanation_origin = summary["explanation"], "recorded"
        elif explanation:
            t0 = time.perf_counter()
            data.explanation, data.explanation_origin = explain(inst).to_dict(), "computed"
            seconds["explain"] = time.perf_counter() - t0
        if data.explanation is not None and not data.explanation.get("prechecks") and summary.get("prechecks"):
            data.explanation = {**data.explanation, "prechecks": summary["prechecks"]}
    return data


def _prices(inst: Instance, plan_source: Path | Result) -> tuple[ShadowPrices | None, tuple | None]:
    """The shadow prices of the plan in `plan_source` (a folder or a Result), or why not."""
    model = Model(inst)
    plan = read_plan(plan_source) if isinstance(plan_source, Path) else plan_source
    try:
        values = plan_values(model, plan)
    except (ValueError, KeyError) as exc:
        return None, ("limits_reason", {"reason": str(exc)})
    sp = shadow_prices(model, values)
    if sp.objective is None:
        return None, ("limits_no_lp", {"status": sp.status})
    return sp, None


def failed_families(data: ReportData) -> list[str]:
    return [] if data.certificate is None else list(failed(data.certificate).index)


__all__ = ["ReportData", "gather", "read_summary", "read_tables", "result_tables", "resolve_instance",
           "SCHEMAS", "STATUSES", "failed_families"]
