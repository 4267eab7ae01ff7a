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

import codecs
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstanceError, Problem
from .coerce import (check_value, coerce_column, constant_column, is_missing, type_name,
                     typed_column)
from .csvfile import CsvOrigin, CsvTable, read_csv_table, strip_thousands
from .document import read_yaml
from .excel import EXCEL_SUFFIXES, read_sheet
from .gis import (DEFAULT_TOLERANCE_M, GIS_SUFFIXES, MAX_TOLERANCE_M, adjacency_pairs, read_layer,
                  route_flags)
from .instance import Eod, Instance, Objective, Origin, Policy
from .limits import csv_path_problem, csv_size_problem, regular_file_problem, show
from .schema import (ADJACENCY_TABLES, ID_TABLES, MAPPINGS, OBJECTIVE_KEYS, OBJECTIVE_SCALARS, OPTION_BASES, PERIOD_TABLES, RELOCATION_TABLES,
                     LANGUAGE, REQUIRED_TOP, TABLES, TERMS, TOP_LEVEL, Field)
from .validate import run_checks

# what a table's file entry may say, by the kind of file (its name's ending)
FILE_KEYS = {"csv": ("file", "encoding", "thousands"),
             "excel": ("file", "sheet", "thousands"),
             "gis": ("file", "layer", "encoding", "crs")}
FILE_KINDS = {"csv": "CSV file", "excel": "workbook", "gis": "GIS file"}
FILE_WORDS = {"csv": "CSV files", "excel": "workbooks", "gis": "GIS files"}
ADJACENCY_KEYS = ("from_geometry", "tolerance_m")
ROUTE_KEYS = ("file", "layer", "crs", "buffer_m")
THOUSANDS = (",", ".", " ", "'", "\uff0c")  # thousands separators a table's `thousands` may name


def file_kind(name: Any) -> str:
    """`excel`, `gis` or `csv` (any other name) by the file name's ending."""
    suffix = Path(name).suffix.lower() if isinstance(name, str) else ""
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in GIS_SUFFIXES:
        return "gis"
    return "csv"


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


def read_table(path: Path, table: str, schema: dict[str, Field],
               spec: Any) -> tuple[pd.DataFrame, Origin, list[Problem], list[str], set[str]]:
    """One table that is not part of an instance (a planner's draft plan,
    optim/inputs/draft.py), read and coerced exactly as an instance's tables
    are: `spec` is a list of rows or a file entry ({file: NAME, encoding,
    sheet, layer, thousands}) relative to the folder of `path`, the file that
    names it. Returns the typed frame (columns of `schema`), where it came from
    (`Origin.row` names a row in messages), the problems found, the notes of
    what reading assumed (an encoding) and the columns the table gives."""
    reader = _Reader(path)
    frame, origin = reader.table(table, schema, spec, lenient=False)
    return (frame, origin, reader.problems, list(dict.fromkeys(reader.notes)),
            set(reader.given.get(origin.key, set())))


# ---- reading and coercing ------------------------------------------------------------
class _Reader:
    """Collects problems while turning a document into typed tables."""

    def __init__(self, path: Path):
        self.path = path
        self.file = path.name if path.name else str(path)
        self.problems: list[Problem] = []
        self.unread: set[str] = set()  # tables that could not be read (problem reported)
        self.given: dict[str, set[str]] = {}  # the columns each table gives (a CSV header, the keys of its rows)
        self.defaults: set[str] = set()  # settings left to their default that change the plan
        self.notes: list[str] = []  # what was assumed while reading (encodings, coordinate systems)
        self.geometry: Any = None  # the parcels' polygons (optim.inputs.gis.ParcelGeometry)
        self.geometry_failed = False  # the parcels' layer was read but its polygons were refused
        self.tolerance = DEFAULT_TOLERANCE_M  # metres, for adjacency and overlaps
        self.parcel_ids = np.empty(0, dtype=object)

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
        language = self.value(LANGUAGE, doc.get("language"), f"{self.file}: language")
        basis = doc.get("option_basis")
        if basis is None:
            basis = "total"
        elif not isinstance(basis, str) or basis not in OPTION_BASES:
            self.bad(f"{self.file}: option_basis", f"must be one of {', '.join(OPTION_BASES)}, not {show(basis)}")
            basis = "total"

        origins: dict[str, Origin] = {}
        frames: dict[str, pd.DataFrame] = {}
        self.tolerance = self.tolerance_of(doc)
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
            if table == "parcels":
                self.parcel_ids = frame.index.to_numpy(dtype=object)
                if self.geometry is not None:
                    if len(self.geometry.shapes) == len(frame):
                        self.geometry.shapes.index = pd.Index(self.parcel_ids, name="parcel")
                    else:  # the table was not read whole: its problems are reported
                        self.geometry = None
                self.route(doc.get("route"), frame)
            frames[table] = frame
            if table not in self.unread:
                origins[table] = origin
        self.resource_columns(frames["resources"], origins.get("options"))

        mappings = {k: self.mapping(k, doc.get(k)) for k in ("policy", "eod", "solver", "units")}
        policy_map = mappings["policy"] or {}
        if not isinstance(doc.get("policy"), dict) or doc["policy"].get("land_income_to_own_funds") is None:
            self.defaults.add("policy.land_income_to_own_funds")
        policy = Policy(**{k: v for k, v in policy_map.items() if k != "locked_uses"},
                        locked_uses=self.locked_uses(policy_map.get("locked_uses")))
        eod = Eod(**mappings["eod"]) if mappings["eod"] is not None else None
        inst = Instance(
            name=name or "",
            description=description or "",
            language=language or "en",
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
            defaults=self.defaults,
            geometry=self.geometry,
            notes=list(dict.fromkeys(self.notes)),
        )
        inst.uncertainty, inst.uncertainty_where = self.uncertainty(doc.get("uncertainty"))
        for table in PERIOD_TABLES:
            setattr(inst, table, frames[table])
        for table in ADJACENCY_TABLES:
            setattr(inst, table, frames[table])
        for table in RELOCATION_TABLES:
            setattr(inst, table, frames[table])
        return inst

    def resource_columns(self, resources: pd.DataFrame, origin: Origin | None) -> None:
        """Each resource with a cap needs its column in the options table: without it
        every option would silently use none of it and the cap would bind nothing."""
        if origin is None or "options" not in self.given:
            return  # the options could not be read (reported)
        where = origin.file if isinstance(origin, CsvOrigin) else f"{self.file}: options"
        for rid, cap in zip(resources.index, resources["cap"]):
            if isinstance(rid, str) and rid not in self.given["options"]:
                self.bad(where, f"no column for resource {show(rid)} (declared with a cap of {cap:g}): give each "
                                "option's use of it (0 where an option uses none), or drop the resource")

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
        elif isinstance(spec, dict) and table == "adjacency" and "from_geometry" in spec:
            columns, origin = self.adjacency_from_geometry(spec)
        elif isinstance(spec, dict):
            if "file" not in spec:
                extra = set(spec) - {"file"}
                if extra:
                    self.bad(f"{self.file}: {table}", f"unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                                                      "a table is a list of rows or {file: NAME.csv}")
                self.bad(f"{self.file}: {table}", "a table given as a mapping needs a 'file' key")
                self.unread.add(table)
            else:
                numeric = frozenset(n for n, f in schema.items() if f.kind == "num")
                tbl, origin = self.read_file(table, spec, numeric, tuple(schema))
                if tbl is None:
                    self.unread.add(table)
                else:
                    thousands = spec.get("thousands")
                    if isinstance(thousands, str) and thousands:
                        for fname in numeric & set(tbl.columns):
                            tbl.columns[fname] = strip_thousands(tbl.columns[fname], thousands)
                    columns = self.coerce_csv(schema, tbl, origin, lenient)
        else:
            self.bad(f"{self.file}: {table}", "must be a list of rows or a mapping {file: NAME.csv}, "
                                              f"not {type_name(spec)}")
            self.unread.add(table)
        return self.frame(table, schema, columns, origin), origin

    def file_path(self, where: str, name: Any, kind: str) -> Path | None:
        """The path of a file named in the instance, or None (problem reported)."""
        if not isinstance(name, str) or not name.strip():
            self.bad(where, f"must be a file name, not {show(name)}")
            return None
        if outside := csv_path_problem(self.path.parent, name, FILE_WORDS[kind]):  # limits: optim/limits.py
            self.bad(where, outside)
            return None
        path = self.path.parent / name
        if bad := regular_file_problem(path):  # a FIFO or a device would be read forever
            self.bad(where, f"{FILE_KINDS[kind]} not found: {path}" if bad == "file not found" else
                     f"{name} is a directory, not a {FILE_KINDS[kind]}" if bad.startswith("is a directory") else
                     f"cannot read {show(name)}: {bad.removeprefix('cannot read the file: ')}"
                     if bad.startswith("cannot read") else f"{name} {bad}")
            return None
        try:
            if too_big := csv_size_problem(path.stat().st_size):
                self.bad(name, too_big)
                return None
        except OSError as exc:
            self.bad(where, f"cannot read {name}: {exc.strerror or exc}")
            return None
        return path

    def entry_keys(self, where: str, spec: dict[str, Any], kind: str) -> dict[str, Any] | None:
        """The options of a table's file entry, checked: None when one is wrong (reported)."""
        allowed = FILE_KEYS[kind]
        extra = [k for k in spec if k not in allowed]
        if extra:
            self.bad(where, f"unknown key(s) {', '.join(sorted(map(str, extra)))}; a table read from a "
                            f"{FILE_KINDS[kind]} may have {', '.join(allowed)}")
            return None
        ok = True
        out: dict[str, Any] = {}
        for key in allowed[1:]:
            value = spec.get(key)
            if value is None:
                out[key] = None
                continue
            if key == "encoding":
                if not isinstance(value, str) or not value.strip():
                    self.bad(f"{where}.encoding", f"must be the name of an encoding, not {show(value)}")
                    ok = False
                    continue
                try:
                    out[key] = codecs.lookup(value.strip()).name
                except LookupError:
                    self.bad(f"{where}.encoding", f"unknown encoding {show(value)} (e.g. utf-8, gbk, gb18030, "
                                                  "utf-16)")
                    ok = False
            elif key == "thousands":
                if value not in THOUSANDS:
                    self.bad(f"{where}.thousands", "must be the thousands separator (\",\", \".\", \" \" or \"'\"), "
                                                   f"not {show(value)}")
                    ok = False
                out[key] = value
            else:  # sheet, layer, crs: a name
                if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
                    self.bad(f"{where}.{key}", f"must be a name, not {show(value)}")
                    ok = False
                out[key] = str(value)
        return out if ok else None

    def read_file(self, table: str, spec: dict[str, Any], numeric: frozenset[str] = frozenset(),
                  known: tuple[str, ...] = ()) -> tuple[CsvTable | None, Origin]:
        """A table read from the file of its entry: CSV, a workbook's sheet or a GIS layer
        (`known`: its columns, for a shapefile's field names cut to 10 characters)."""
        name = spec.get("file")
        kind = file_kind(name)
        where = f"{self.file}: {table}"
        origin: Origin = Origin(self.file, table)
        keys = self.entry_keys(where, spec, kind)
        path = self.file_path(f"{where}.file", name, kind)
        if keys is None or path is None:
            return None, origin
        if kind == "excel":
            tbl, label, problems = read_sheet(path, name, keys["sheet"], table, numeric)
            origin = CsvOrigin(label, table, csv=True, path=name)
        elif kind == "gis":
            if keys["encoding"] and path.suffix.lower() != ".shp":
                self.bad(f"{where}.encoding", "applies to shapefiles only: GeoPackage and GeoJSON text is UTF-8")
                return None, origin
            tbl, label, problems, geo = read_layer(path, name, keys["layer"], table, numeric, keys["encoding"],
                                                   keys["crs"], self.tolerance, known or tuple(TABLES[table]))
            origin = CsvOrigin(label, table, csv=True, path=name, place="feature")
            if geo is not None:
                self.geometry = geo
                self.notes.extend(geo.notes)
            elif table == "parcels":
                self.geometry_failed = True
        else:
            tbl, problems = read_csv_table(path, name, numeric, keys["encoding"])
            origin = CsvOrigin(name, table, csv=True)
            if keys["encoding"] and tbl is not None and keys["encoding"] not in ("utf-8", "utf-8-sig"):
                self.notes.append(f"{name}: read as {keys['encoding']} (the table's `encoding`)")
        self.problems.extend(problems)
        if tbl is not None:
            consecutive = np.array_equal(tbl.rows, np.arange(2, len(tbl.rows) + 2))
            origin.rows = None if consecutive and kind != "gis" else tbl.rows
        return tbl, origin

    def adjacency_from_geometry(self, spec: dict[str, Any]) -> tuple[dict[str, Any] | None, Origin]:
        """`adjacency: {from_geometry: true, tolerance_m: 1}`: the neighbours of the
        parcels' polygons and the length of their shared boundary, in km."""
        where = f"{self.file}: adjacency"
        origin = Origin(self.file, "adjacency")
        extra = [k for k in spec if k not in ADJACENCY_KEYS]
        if extra:
            self.bad(where, f"unknown key(s) {', '.join(sorted(map(str, extra)))}; adjacency from the parcels' "
                            f"polygons may have {', '.join(ADJACENCY_KEYS)}")
        flag = self.value(Field("from_geometry", "bool", False), spec.get("from_geometry"),
                          f"{where}.from_geometry")
        if not flag:
            return None, origin
        if self.geometry is None:
            if not self.geometry_failed and "parcels" not in self.unread:
                self.bad(f"{where}.from_geometry", "the parcels have no polygons: read the parcels from a GIS "
                                                   "file ({file: parcels.gpkg}) or give the adjacency table")
            self.unread.add("adjacency")
            return None, origin
        a, b, length = adjacency_pairs(self.geometry)
        ids = self.parcel_ids
        origin = Origin(f"{self.geometry.source} (adjacency from the polygons)", "adjacency")
        return {"parcel_a": ids[a], "parcel_b": ids[b], "length": np.round(length / 1000.0, 6)}, origin

    def tolerance_of(self, doc: dict[str, Any]) -> float:
        """adjacency.tolerance_m (metres), checked; the default when not given."""
        spec = doc.get("adjacency")
        if not isinstance(spec, dict) or "tolerance_m" not in spec:
            return DEFAULT_TOLERANCE_M
        value = self.value(Field("tolerance_m", "num", DEFAULT_TOLERANCE_M, check="nonneg"),
                           spec.get("tolerance_m"), f"{self.file}: adjacency.tolerance_m")
        if value is None:
            return DEFAULT_TOLERANCE_M
        if value > MAX_TOLERANCE_M:
            self.bad(f"{self.file}: adjacency.tolerance_m", f"must be at most {MAX_TOLERANCE_M:g} m, not {value:g}: "
                                                            "a wider gap is a road or a strip of land, not a sliver")
            return DEFAULT_TOLERANCE_M
        return float(value)

    def route(self, raw: Any, parcels: pd.DataFrame) -> None:
        """`route: {file, layer, buffer_m}`: parcels within buffer_m metres of a line or
        polygon layer are on the EOD route (besides those whose `route` column says so)."""
        where = f"{self.file}: route"
        if raw is None:
            return
        if not isinstance(raw, dict):
            self.bad(where, f"must be a mapping {{file, layer, buffer_m}}, not {type_name(raw)}")
            return
        extra = [k for k in raw if k not in ROUTE_KEYS]
        if extra:
            self.bad(where, f"unknown key(s) {', '.join(sorted(map(str, extra)))} (known: {', '.join(ROUTE_KEYS)})")
            return
        buffer_m = self.value(Field("buffer_m", "num", 0.0, check="nonneg"), raw.get("buffer_m"), f"{where}.buffer_m")
        if "file" not in raw:
            self.bad(where, "needs a 'file' key: the GIS file of the river (a line or polygon layer)")
            return
        name = raw["file"]
        if file_kind(name) != "gis":
            self.bad(f"{where}.file", f"must be a GIS file ({', '.join(GIS_SUFFIXES)}), not {show(name)}")
            return
        path = self.file_path(f"{where}.file", name, "gis")
        layer, crs = raw.get("layer"), raw.get("crs")
        for key, value in (("layer", layer), ("crs", crs)):
            if value is not None and (not isinstance(value, (str, int)) or isinstance(value, bool)):
                self.bad(f"{where}.{key}", f"must be a name, not {show(value)}")
                return
        if path is None or buffer_m is None:
            return
        if self.geometry is None:
            if not self.geometry_failed and "parcels" not in self.unread:
                self.bad(where, "the parcels have no polygons: read the parcels from a GIS file "
                                "({file: parcels.gpkg}) or give their `route` column")
            return
        flags, problems, notes = route_flags(self.geometry, path, name, None if layer is None else str(layer),
                                             float(buffer_m), None if crs is None else str(crs))
        self.problems.extend(problems)
        self.notes.extend(notes)
        if flags is not None and len(flags) == len(parcels):
            given = parcels["route"].to_numpy(dtype=object)
            parcels["route"] = np.array([bool(f) or g is True or g == True for f, g in zip(flags, given)],  # noqa: E712
                                        dtype=bool)

    def coerce_rows(self, schema: dict[str, Field], rows: list[Any],
                    origin: Origin) -> dict[str, list]:
        """Inline rows, one at a time: column name -> list of values."""
        columns: dict[str, list] = {name: [] for name in schema}
        self.given[origin.key] = {k for row in rows if isinstance(row, dict) for k in row}
        for pos, row in enumerate(rows):
            where = origin.row(pos)
            if not isinstance(row, dict):
                self.bad(where, f"a row must be a mapping of column: value, not {type_name(row)}")
                row = None  # keep a blank row so that positions stay row numbers
            else:
                for key in row:
                    if key not in schema:
                        self.bad(where, f"unknown key {show(key)} (known: {', '.join(schema)})")
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
        self.given[origin.key] = set(tbl.header)
        if not lenient:
            for h in dict.fromkeys(tbl.header):
                if h not in schema:
                    self.bad(name, f"unknown column {show(h)} (known: {', '.join(schema)})")
        n = len(tbl.rows)
        found = [(pos, -1, problem) for pos, problem in tbl.broken_rows]
        columns: dict[str, Any] = {}
        for k, (fname, f) in enumerate(schema.items()):
            cells = tbl.columns.get(fname)
            if cells is None:
                if f.required:
                    self.bad(name, f"missing required column {show(fname)}")
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
                self.bad(origin.row(pos), f"duplicate id {show(ids.iloc[pos])}")
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

    def objective(self, raw: Any) -> Objective:
        where = f"{self.file}: objective"
        if raw is None or not isinstance(raw, dict):
            if raw is not None:
                self.bad(where, "must be a mapping with 'weights' and/or 'targets'")
            self.defaults.add("objective.weights.land_income")
            return Objective()
        for k in raw:
            if k not in OBJECTIVE_KEYS:
                self.bad(f"{where}.{k}", f"unknown key (known: {', '.join(OBJECTIVE_KEYS)})")
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
        if raw_w is None:  # not given: land income alone, which `input_warnings` says
            weights = {"land_income": 1.0}
            self.defaults.add("objective.weights.land_income")
        scalars = {k: self.value(f, raw.get(k), f"{where}.{k}") for k, f in OBJECTIVE_SCALARS.items()}
        return Objective(weights={k: v for k, v in weights.items() if v is not None},
                         targets=targets, values=values,
                         **{k: float(f.default if v is None else v) for (k, v), f in
                            zip(scalars.items(), OBJECTIVE_SCALARS.values())})


