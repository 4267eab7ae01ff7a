"""Reading instances: YAML with CSV tables beside it -> validated `Instance`.

Stages: read the YAML document, read each table (inline rows or a CSV file),
coerce every value against the schema (`optim.schema`), then run the named
cross-checks of `optim.validate`. Every problem is collected; `InstanceError`
is raised once with all of them.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import InstanceError, Problem
from .instance import Eod, Instance, Objective, Origin, Policy
from .schema import (
    ID_TABLES,
    MAPPINGS,
    OPTION_BASES,
    REQUIRED,
    REQUIRED_TOP,
    TABLES,
    TERMS,
    TOP_LEVEL,
    Field,
)

TABLE_ORDER = ("assumptions", "uses", "categories", "resources", "parcels",
               "options", "projects", "sources")
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


def load(path: str | Path) -> Instance:
    """Load and validate the instance at `path` (YAML, CSV tables beside it).

    Raises `optim.InstanceError` listing every problem found.
    """
    path = Path(path)
    doc = read_document(path)
    return instance_from_document(doc, path)


def read_document(path: Path) -> dict[str, Any]:
    """The YAML document at `path` as a mapping (safe loader only)."""
    if not path.is_file():
        raise InstanceError([Problem(str(path), "file not found")])
    try:
        with path.open(encoding="utf-8-sig") as fh:
            doc = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path} line {mark.line + 1}" if mark else str(path)
        raise InstanceError([Problem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")])
    except UnicodeDecodeError:
        raise InstanceError([Problem(str(path), "not UTF-8 text")])
    if not isinstance(doc, dict):
        raise InstanceError([Problem(str(path), "the document must be a mapping of keys")])
    return doc


def instance_from_document(doc: dict[str, Any], path: Path) -> Instance:
    """Coerce and validate a YAML-like document into an `Instance`."""
    from .validate import run_checks

    reader = _Reader(path)
    inst = reader.read(doc)
    problems = reader.problems
    if not problems:
        problems = run_checks(inst)
    if problems:
        raise InstanceError(problems)
    return inst


class _Reader:
    """Collects problems while turning a document into typed tables."""

    def __init__(self, path: Path):
        self.path = path
        self.file = path.name if path.name else str(path)
        self.problems: list[Problem] = []

    def bad(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    # ---- top level -------------------------------------------------------
    def read(self, doc: dict[str, Any]) -> Instance:
        for key in doc:
            if key not in TOP_LEVEL:
                self.bad(f"{self.file}: {key}", f"unknown key (known keys: {', '.join(sorted(TOP_LEVEL))})")
        for key in REQUIRED_TOP:
            if key not in doc or doc[key] is None:
                self.bad(f"{self.file}: {key}", "required key is missing")
        name = self.value(Field("name", "str", ""), doc.get("name"), f"{self.file}: name")
        description = self.value(Field("description", "str", ""), doc.get("description"),
                                 f"{self.file}: description")
        basis = doc.get("option_basis", "total")
        if basis not in OPTION_BASES:
            self.bad(f"{self.file}: option_basis", f"must be one of {', '.join(OPTION_BASES)}, not {basis!r}")
            basis = "total"

        origins: dict[str, Origin] = {}
        frames: dict[str, pd.DataFrame] = {}
        for table in TABLE_ORDER:
            schema = dict(TABLES[table])
            if table == "options" and "resources" in frames:
                for rid in frames["resources"].index:
                    if rid in schema:
                        continue  # reported by the resource id check
                    schema[rid] = Field(rid, "num", 0.0, check="nonneg")
            rows, origin = self.table_rows(table, doc.get(table))
            origins[table] = origin
            frames[table] = self.coerce_table(table, schema, rows, origin)

        mappings = {k: self.mapping(k, doc.get(k)) for k in ("policy", "eod", "solver", "units")}
        policy_map = mappings["policy"] or {}
        policy = Policy(**{k: v for k, v in policy_map.items() if k != "locked_uses"},
                        locked_uses=self.locked_uses(policy_map.get("locked_uses")))
        eod = Eod(**mappings["eod"]) if mappings["eod"] is not None else None
        inst = Instance(
            name=name or "",
            description=description or "",
            uses=frames["uses"],
            categories=frames["categories"],
            resources=frames["resources"],
            parcels=frames["parcels"],
            options=frames["options"],
            projects=frames["projects"],
            sources=frames["sources"],
            assumptions=frames["assumptions"],
            policy=policy,
            eod=eod,
            objective=self.objective(doc.get("objective")),
            solver={k: v for k, v in (mappings["solver"] or {}).items() if v is not None},
            option_basis=basis,
            units=mappings["units"] or {"money": "yuan", "area": "mu"},
            path=self.path,
            origins=origins,
        )
        return inst

    # ---- tables ------------------------------------------------------------
    def table_rows(self, table: str, spec: Any) -> tuple[list[Any], Origin]:
        origin = Origin(self.file, table)
        if spec is None:
            return [], origin
        if isinstance(spec, list):
            return spec, origin
        if isinstance(spec, dict):
            extra = set(spec) - {"file"}
            if extra:
                self.bad(f"{self.file}: {table}", f"unknown key(s) {', '.join(sorted(map(str, extra)))}; a table is a list of rows or {{file: NAME.csv}}")
            if "file" not in spec:
                self.bad(f"{self.file}: {table}", "a table given as a mapping needs a 'file' key")
                return [], origin
            return self.read_csv(table, spec["file"])
        self.bad(f"{self.file}: {table}", "must be a list of rows or a mapping {file: NAME.csv}")
        return [], origin

    def read_csv(self, table: str, name: Any) -> tuple[list[Any], Origin]:
        origin = Origin(str(name), table, csv=True)
        if not isinstance(name, str) or not name:
            self.bad(f"{self.file}: {table}.file", "must be a file name")
            return [], origin
        csv_path = (self.path.parent / name)
        if not csv_path.is_file():
            self.bad(f"{self.file}: {table}.file", f"CSV file not found: {csv_path}")
            return [], origin
        try:
            with csv_path.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.reader(fh)
                header = next(reader, None)
                if header is None:
                    self.bad(str(name), "empty CSV file: a header row is required")
                    return [], origin
                header = [h.strip() for h in header]
                dupes = sorted({h for h in header if header.count(h) > 1})
                if dupes:
                    self.bad(f"{name} row 1", f"duplicate column(s) {', '.join(dupes)}")
                rows = []
                for lineno, rec in enumerate(reader, start=2):
                    if not any(cell.strip() for cell in rec):
                        continue
                    if len(rec) != len(header):
                        self.bad(f"{name} row {lineno}", f"has {len(rec)} cells, the header has {len(header)}")
                        rows.append(None)
                        continue
                    rows.append({h: (c.strip() if c.strip() != "" else None)
                                 for h, c in zip(header, rec)})
        except UnicodeDecodeError:
            self.bad(str(name), "not UTF-8 text")
            return [], origin
        except csv.Error as exc:
            self.bad(str(name), f"not valid CSV: {exc}")
            return [], origin
        return rows, origin

    def coerce_table(self, table: str, schema: dict[str, Field], rows: list[Any],
                     origin: Origin) -> pd.DataFrame:
        records = []
        for pos, row in enumerate(rows):
            where = origin.row(pos)
            if row is None:
                continue  # already reported
            if not isinstance(row, dict):
                self.bad(where, "a row must be a mapping of column: value")
                continue
            record = {}
            for key, value in row.items():
                if key not in schema:
                    what = "column" if origin.csv else "key"
                    self.bad(where, f"unknown {what} {key!r} (known: {', '.join(schema)})")
            for fname, fdef in schema.items():
                record[fname] = self.value(fdef, row.get(fname), f"{where}, {fname}")
            records.append(record)
        frame = pd.DataFrame.from_records(records, columns=list(schema))
        if table in ID_TABLES:
            ids = frame["id"]
            for pos, dup in enumerate(ids.duplicated()):
                if dup and ids.iloc[pos] is not None:
                    self.bad(origin.row(pos), f"duplicate id {ids.iloc[pos]!r}")
            frame = frame.set_index("id")
        return frame

    # ---- values -------------------------------------------------------------
    def value(self, f: Field, raw: Any, where: str) -> Any:
        """Coerce one raw value against its field; None if missing or wrong."""
        if raw is None:
            if f.default is REQUIRED:
                self.bad(where, "required value is missing")
                return None
            return f.default
        try:
            value = _COERCE[f.kind](raw)
        except (TypeError, ValueError) as exc:
            self.bad(where, str(exc))
            return None
        if f.choices is not None and value not in f.choices:
            self.bad(where, f"{value!r} is not one of {', '.join(f.choices)}")
            return None
        if f.check and value is not None:
            msg = _range_problem(f.check, value)
            if msg:
                self.bad(where, msg)
                return None
        return value

    def mapping(self, key: str, raw: Any) -> dict[str, Any] | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.bad(f"{self.file}: {key}", "must be a mapping")
            return None
        schema = MAPPINGS[key]
        for k in raw:
            if k not in schema:
                self.bad(f"{self.file}: {key}.{k}", f"unknown key (known: {', '.join(schema)})")
        return {name: self.value(f, raw.get(name), f"{self.file}: {key}.{name}")
                for name, f in schema.items()}

    def locked_uses(self, raw: Any) -> dict[str, str]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.bad(f"{self.file}: policy.locked_uses", "must be a mapping parcel id -> use id")
            return {}
        out = {}
        for parcel, use in raw.items():
            if not isinstance(use, str):
                self.bad(f"{self.file}: policy.locked_uses.{parcel}", "must be a use id (text)")
                continue
            out[str(parcel)] = use
        return out

    def objective(self, raw: Any) -> Objective:
        where = f"{self.file}: objective"
        if raw is None:
            return Objective()
        if not isinstance(raw, dict):
            self.bad(where, "must be a mapping with 'weights' and/or 'targets'")
            return Objective()
        for k in raw:
            if k not in ("weights", "targets"):
                self.bad(f"{where}.{k}", "unknown key (known: weights, targets)")
        weights = {}
        raw_w = raw.get("weights")
        if raw_w is not None and not isinstance(raw_w, dict):
            self.bad(f"{where}.weights", "must be a mapping term -> weight")
            raw_w = {}
        for term, w in (raw_w or {}).items():
            if term not in TERMS:
                self.bad(f"{where}.weights.{term}", f"unknown term (terms: {', '.join(TERMS)})")
                continue
            weights[term] = self.value(Field(term, "num", check="nonneg"), w, f"{where}.weights.{term}")
        targets = {}
        raw_t = raw.get("targets")
        if raw_t is not None and not isinstance(raw_t, dict):
            self.bad(f"{where}.targets", "must be a mapping term -> {min, max}")
            raw_t = {}
        for term, bounds in (raw_t or {}).items():
            tw = f"{where}.targets.{term}"
            if term not in TERMS:
                self.bad(tw, f"unknown term (terms: {', '.join(TERMS)})")
                continue
            if not isinstance(bounds, dict) or not set(bounds) <= {"min", "max"} or not bounds:
                self.bad(tw, "must be a mapping with 'min' and/or 'max'")
                continue
            check = "ratio" if term == "coverage" else None
            lo = self.value(Field("min", "num", None, check=check), bounds.get("min"), f"{tw}.min")
            hi = self.value(Field("max", "num", None, check=check), bounds.get("max"), f"{tw}.max")
            if lo is not None and hi is not None and lo > hi:
                self.bad(tw, f"min {lo} is above max {hi}")
            targets[term] = (lo, hi)
        if raw_w is None:
            weights = {"land_income": 1.0}
        return Objective(weights={k: v for k, v in weights.items() if v is not None},
                         targets=targets)


# ---- scalar coercion ---------------------------------------------------------
def _to_str(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise TypeError(f"must be text, not {_type_name(raw)}")
    return str(raw)


def _to_num(raw: Any) -> float:
    if isinstance(raw, bool):
        raise TypeError("must be a number, not true/false")
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.replace("_", ""))
        except ValueError:
            raise ValueError(f"must be a number, not {raw!r}") from None
    else:
        raise TypeError(f"must be a number, not {_type_name(raw)}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {raw!r}")
    return value


def _to_int(raw: Any) -> int:
    value = _to_num(raw)
    if value != int(value):
        raise ValueError(f"must be a whole number, not {raw!r}")
    return int(value)


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    raise TypeError(f"must be true or false, not {raw!r}")


def _to_list(raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        if raw.strip().lower() == "all":
            return None
        return [part.strip() for part in raw.split(";") if part.strip()]
    if isinstance(raw, list):
        out = []
        for item in raw:
            out.append(_to_str(item))
        return out
    raise TypeError(f"must be a list of ids or 'all', not {_type_name(raw)}")


def _type_name(raw: Any) -> str:
    return {dict: "a mapping", list: "a list", float: "a number", int: "a number",
            bool: "true/false"}.get(type(raw), type(raw).__name__)


_COERCE = {
    "str": _to_str,
    "num": _to_num,
    "int": _to_int,
    "bool": _to_bool,
    "list": _to_list,
    "any": lambda raw: raw,
}


def _range_problem(check: str, value: float) -> str | None:
    if check == "nonneg" and value < 0:
        return f"must be >= 0, not {value:g}"
    if check == "pos" and value <= 0:
        return f"must be > 0, not {value:g}"
    if check == "ratio" and not 0 <= value <= 1:
        return f"must be a ratio in [0, 1], not {value:g}"
    return None
