"""Reading instances: a YAML document with tables beside it -> validated `Instance`.

Stages: read the YAML document (`optim.inputs.document`), read each table
(inline rows, or a CSV file: `optim.inputs.csvfile`), coerce every value
against the schema (`optim.inputs.schema`, `optim.inputs.coerce`), then run the
named cross-checks of `optim.inputs.validate`. Every problem is collected;
`InstanceError` is raised once with all of them.

Inline YAML rows are coerced row by row. CSV tables (which may hold a million
rows) are coerced column by column with numpy/pandas: masks find the cells
that are missing or fail a type or range test, and only those cells go through
the row-by-row coercion, so both paths report the same messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstanceError, Problem
from .coerce import (check_value, coerce_column, constant_column, is_missing, type_name,
                     typed_column)
from .csvfile import CsvOrigin, CsvTable, read_csv_table
from .document import read_yaml
from .instance import Eod, Instance, Objective, Origin, Policy
from .limits import csv_path_problem, csv_size_problem, show
from .schema import (ADJACENCY_TABLES, ID_TABLES, MAPPINGS, OPTION_BASES, PERIOD_TABLES, RELOCATION_TABLES,
                     REQUIRED_TOP, TABLES, TERMS, TOP_LEVEL, Field)
from .validate import run_checks

TABLE_ORDER = ("assumptions", "uses", "categories", "resources", "parcels",
               "options", "projects", "sources", *PERIOD_TABLES, *ADJACENCY_TABLES,
               *RELOCATION_TABLES)


def load(path: str | Path) -> Instance:
    """Load and validate the instance at `path` (YAML, CSV tables beside it).

    Raises `optim.InstanceError` listing every problem found.
    """
    path = Path(path)
    doc, problems = read_yaml(path)
    return instance_from_document(doc, path, problems)


def instance_from_document(doc: dict[str, Any], path: Path,
                           problems: list[Problem] | None = None) -> Instance:
    """Coerce and validate a YAML-like document into an `Instance`.

    `problems` already found (e.g. duplicate YAML keys) are reported with the rest.
    """
    reader = _Reader(path)
    inst = reader.read(doc)
    problems = [*(problems or []), *reader.problems, *run_checks(inst)]
    if problems:
        raise InstanceError(problems)
    return inst


def from_frames(name: str, **tables: Any) -> Instance:
    """Build and validate an instance from DataFrames (or lists of dicts).

    Keyword arguments are the tables of the format (`uses`, `categories`,
    `parcels`, `options`, `resources`, `projects`, `sources`, ...), and
    `policy`, `eod`, `objective`, `solver` as mappings in the file format.
    Raises `optim.InstanceError` listing every problem found.
    """
    doc: dict[str, Any] = {"name": name}
    for key, value in tables.items():
        if isinstance(value, pd.DataFrame):
            frame = value.reset_index() if value.index.name else value
            value = [{k: (None if is_missing(v) else v) for k, v in row.items()}
                     for row in frame.to_dict("records")]
        doc[key] = value
    return instance_from_document(doc, Path("<frames>"))


# ---- reading and coercing ------------------------------------------------------------
class _Reader:
    """Collects problems while turning a document into typed tables."""

    def __init__(self, path: Path):
        self.path = path
        self.file = path.name if path.name else str(path)
        self.problems: list[Problem] = []
        self.unread: set[str] = set()  # tables that could not be read (problem reported)

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
                if key in TABLES:
                    self.unread.add(key)
        name = self.value(Field("name", "str", ""), doc.get("name"), f"{self.file}: name")
        description = self.value(Field("description", "str", ""), doc.get("description"),
                                 f"{self.file}: description")
        basis = doc.get("option_basis")
        if basis is None:
            basis = "total"
        elif not isinstance(basis, str) or basis not in OPTION_BASES:
            self.bad(f"{self.file}: option_basis", f"must be one of {', '.join(OPTION_BASES)}, not {show(basis)}")
            basis = "total"

        origins: dict[str, Origin] = {}
        frames: dict[str, pd.DataFrame] = {}
        for table in TABLE_ORDER:
            schema = dict(TABLES[table])
            if table == "options":
                for rid in frames["resources"].index:
                    if not isinstance(rid, str) or rid in schema:
                        continue  # missing id, or reported by the resource id check
                    schema[rid] = Field(rid, "num", 0.0, check="nonneg")
            # without the resources table, resource columns of options cannot be told
            # from unknown ones: do not report them
            lenient = table == "options" and "resources" in self.unread
            frame, origin = self.table(table, schema, doc.get(table), lenient)
            frames[table] = frame
            if table not in self.unread:
                origins[table] = origin

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
            scenarios=self.scenarios(doc.get("scenarios")),
        )
        inst.uncertainty, inst.uncertainty_where = self.uncertainty(doc.get("uncertainty"))
        for table in PERIOD_TABLES:
            setattr(inst, table, frames[table])
        for table in ADJACENCY_TABLES:
            setattr(inst, table, frames[table])
        for table in RELOCATION_TABLES:
            setattr(inst, table, frames[table])
        inst.objective.boundary_penalty = self.boundary_penalty(doc.get("objective"))
        return inst

    # ---- tables ------------------------------------------------------------
    def table(self, table: str, schema: dict[str, Field], spec: Any,
              lenient: bool) -> tuple[pd.DataFrame, Origin]:
        """The typed frame of one table and where it came from."""
        origin: Origin = Origin(self.file, table)
        columns: dict[str, Any] | None = None
        if spec is None:
            columns = None
        elif isinstance(spec, list):
            columns = self.coerce_rows(schema, spec, origin)
        elif isinstance(spec, dict):
            extra = set(spec) - {"file"}
            if extra:
                self.bad(f"{self.file}: {table}", f"unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                                                  "a table is a list of rows or {file: NAME.csv}")
            if "file" not in spec:
                self.bad(f"{self.file}: {table}", "a table given as a mapping needs a 'file' key")
                self.unread.add(table)
            else:
                numeric = frozenset(n for n, f in schema.items() if f.kind == "num")
                tbl, origin = self.read_csv(table, spec["file"], numeric)
                if tbl is None:
                    self.unread.add(table)
                else:
                    columns = self.coerce_csv(schema, tbl, origin, lenient)
        else:
            self.bad(f"{self.file}: {table}", "must be a list of rows or a mapping {file: NAME.csv}, "
                                              f"not {type_name(spec)}")
            self.unread.add(table)
        return self.frame(table, schema, columns, origin), origin

    def read_csv(self, table: str, name: Any,
                 numeric: frozenset[str] = frozenset()) -> tuple[CsvTable | None, Origin]:
        where = f"{self.file}: {table}.file"
        if not isinstance(name, str) or not name.strip():
            self.bad(where, f"must be a file name, not {show(name)}")
            return None, Origin(self.file, table)
        origin = CsvOrigin(name, table, csv=True)
        if outside := csv_path_problem(self.path.parent, name):  # limits: optim/limits.py
            self.bad(where, outside)
            return None, origin
        csv_path = self.path.parent / name
        try:
            if csv_path.is_dir():
                self.bad(where, f"{name} is a directory, not a CSV file")
                return None, origin
            if not csv_path.is_file():
                self.bad(where, f"CSV file not found: {csv_path}")
                return None, origin
            if too_big := csv_size_problem(csv_path.stat().st_size):
                self.bad(name, too_big)
                return None, origin
        except OSError as exc:
            self.bad(where, f"cannot read {name}: {exc.strerror or exc}")
            return None, origin
        tbl, problems = read_csv_table(csv_path, name, numeric)
        self.problems.extend(problems)
        if tbl is not None:
            origin.rows = None if np.array_equal(tbl.rows, np.arange(2, len(tbl.rows) + 2)) else tbl.rows
        return tbl, origin

    def coerce_rows(self, schema: dict[str, Field], rows: list[Any],
                    origin: Origin) -> dict[str, list]:
        """Inline rows, one at a time: column name -> list of values."""
        columns: dict[str, list] = {name: [] for name in schema}
        for pos, row in enumerate(rows):
            where = origin.row(pos)
            if not isinstance(row, dict):
                self.bad(where, f"a row must be a mapping of column: value, not {type_name(row)}")
                row = None  # keep a blank row so that positions stay row numbers
            else:
                for key in row:
                    if key not in schema:
                        self.bad(where, f"unknown key {key!r} (known: {', '.join(schema)})")
            for fname, fdef in schema.items():
                if row is None:
                    columns[fname].append(None)
                else:
                    columns[fname].append(self.value(fdef, row.get(fname), f"{where}, {fname}"))
        return columns

    def coerce_csv(self, schema: dict[str, Field], tbl: CsvTable, origin: Origin,
                   lenient: bool) -> dict[str, Any]:
        """A CSV table, a column at a time: column name -> array of values."""
        name = origin.file
        if not lenient:
            for h in dict.fromkeys(tbl.header):
                if h not in schema:
                    self.bad(name, f"unknown column {h!r} (known: {', '.join(schema)})")
        n = len(tbl.rows)
        found = [(pos, -1, problem) for pos, problem in tbl.broken_rows]
        columns: dict[str, Any] = {}
        for k, (fname, f) in enumerate(schema.items()):
            cells = tbl.columns.get(fname)
            if cells is None:
                if f.required:
                    self.bad(name, f"missing required column {fname!r}")
                columns[fname] = constant_column(f, None if f.required else f.default, n)
                continue
            # a row with a wrong number of cells is reported as such, its cells are not
            # read; only its id is, so that what names it is not reported as well
            skip = tbl.broken if fname != "id" else np.zeros(n, dtype=bool)
            values, errors = coerce_column(f, cells, skip)
            columns[fname] = values
            found.extend((pos, k, Problem(f"{origin.row(pos)}, {fname}", msg)) for pos, msg in errors)
        found.sort(key=lambda item: (item[0], item[1]))
        self.problems.extend(p for _, _, p in found)
        return columns

    def frame(self, table: str, schema: dict[str, Field], columns: dict[str, Any] | None,
              origin: Origin) -> pd.DataFrame:
        """The typed DataFrame of a table; duplicate ids are reported here."""
        if columns is None:
            columns = {name: [] for name in schema}
        frame = pd.DataFrame({name: typed_column(schema[name], values) for name, values in columns.items()},
                             columns=list(schema))
        if table in ID_TABLES:
            ids = frame["id"]
            dup = ids.duplicated() & ids.notna()
            for pos in np.flatnonzero(dup.to_numpy()):
                self.bad(origin.row(pos), f"duplicate id {ids.iloc[pos]!r}")
            frame = frame.set_index("id")
        return frame

    # ---- values -------------------------------------------------------------
    def value(self, f: Field, raw: Any, where: str) -> Any:
        """Coerce one raw value against its field; None if missing or wrong."""
        value, message = check_value(f, raw)
        if message:
            self.bad(where, message)
        return value

    def mapping(self, key: str, raw: Any) -> dict[str, Any] | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.bad(f"{self.file}: {key}", f"must be a mapping, not {type_name(raw)}")
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
                self.bad(f"{self.file}: policy.locked_uses.{parcel}",
                         f"must be a use id (text), not {type_name(use)}")
                continue
            out[str(parcel)] = use
        return out

    def scenarios(self, raw: Any) -> dict[str, Any]:
        """Named scenarios, name -> mapping; their overrides are checked when applied."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.bad(f"{self.file}: scenarios", f"must be a mapping name -> scenario, not {type_name(raw)}")
            return {}
        out = {}
        for name, spec in raw.items():
            if not isinstance(spec, dict):
                self.bad(f"{self.file}: scenarios.{name}",
                         f"a scenario must be a mapping with 'set' and/or 'scale', not {type_name(spec)}")
                continue
            out[str(name)] = spec
        return out

    def uncertainty(self, raw: Any) -> tuple[dict[str, Any] | None, str]:
        """The `uncertainty:` section as written (a mapping), inline or in a YAML file
        of its own (`{file: NAME.yaml}`, inside the instance's folder), and how
        messages name it. Its content is checked by `optim.inputs.uncertainty`
        (`optim validate`, `optim stochastic`)."""
        where = f"{self.file}: uncertainty"
        if raw is None:
            return None, where
        if isinstance(raw, dict) and set(raw) == {"file"}:
            name = raw["file"]
            if not isinstance(name, str) or not name.strip():
                self.bad(f"{where}.file", f"must be a file name, not {show(name)}")
                return None, where
            if outside := csv_path_problem(self.path.parent, name, "files"):
                self.bad(f"{where}.file", outside)
                return None, where
            try:
                doc, problems = read_yaml(self.path.parent / name)
            except InstanceError as exc:
                self.problems.extend(exc.problems)
                return None, where
            self.problems.extend(problems)
            if set(doc) == {"uncertainty"}:  # a file that holds the section under its own key
                return doc["uncertainty"], f"{name}: uncertainty"
            return doc, name
        if not isinstance(raw, dict):
            self.bad(where, f"must be a mapping (the section) or {{file: NAME.yaml}}, not {type_name(raw)}")
            return None, where
        return raw, where

    def boundary_penalty(self, raw: Any) -> float:
        """objective.boundary_penalty: yuan per unit of boundary length between an
        industrial parcel and a non-industrial neighbour (optim/adjacency.py)."""
        if not isinstance(raw, dict):
            return 0.0  # a bad objective is reported by `objective`
        value = self.value(Field("boundary_penalty", "num", 0.0, check="nonneg"),
                           raw.get("boundary_penalty"), f"{self.file}: objective.boundary_penalty")
        return 0.0 if value is None else float(value)

    def objective(self, raw: Any) -> Objective:
        where = f"{self.file}: objective"
        if raw is None:
            return Objective()
        if not isinstance(raw, dict):
            self.bad(where, "must be a mapping with 'weights' and/or 'targets'")
            return Objective()
        for k in raw:
            if k not in ("weights", "targets", "values", "boundary_penalty"):
                self.bad(f"{where}.{k}", "unknown key (known: weights, targets, values, boundary_penalty)")
        values = raw.get("values", "annual")
        if values not in ("annual", "present"):
            self.bad(f"{where}.values", f"must be 'annual' or 'present', not {show(values)}")
            values = "annual"
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
                self.bad(tw, f"min {lo:g} is above max {hi:g}")
            targets[term] = (lo, hi)
        if raw_w is None:
            weights = {"land_income": 1.0}
        return Objective(weights={k: v for k, v in weights.items() if v is not None},
                         targets=targets, values=values)


