"""Reading instances: YAML with CSV tables beside it -> validated `Instance`.

Stages: read the YAML document, read each table (inline rows or a CSV file),
coerce every value against the schema (`optim.schema`), then run the named
cross-checks of `optim.validate`. Every problem is collected; `InstanceError`
is raised once with all of them.

Inline YAML rows are coerced row by row. CSV tables (which may hold a million
rows) are coerced column by column with numpy/pandas: masks find the cells
that are missing or fail a type or range test, and only those cells go through
the row-by-row coercion, so both paths report the same messages.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .errors import InstanceError, Problem
from .instance import Eod, Instance, Objective, Origin, Policy
from .limits import (MAX_NUMBER, csv_columns_problem, csv_path_problem, csv_size_problem, node_problem,
                     number_problem, show, yaml_size_problem)
from .schema import (
    ID_TABLES,
    MAPPINGS,
    PERIOD_TABLES,
    ADJACENCY_TABLES,
    RELOCATION_TABLES,
    OPTION_BASES,
    REQUIRED,
    REQUIRED_TOP,
    TABLES,
    TERMS,
    TOP_LEVEL,
    Field,
)

TABLE_ORDER = ("assumptions", "uses", "categories", "resources", "parcels",
               "options", "projects", "sources", *PERIOD_TABLES, *ADJACENCY_TABLES,
               *RELOCATION_TABLES)
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
_BOOL_WORDS = {**{w: True for w in _TRUE}, **{w: False for w in _FALSE}}


def load(path: str | Path) -> Instance:
    """Load and validate the instance at `path` (YAML, CSV tables beside it).

    Raises `optim.InstanceError` listing every problem found.
    """
    path = Path(path)
    doc, problems = _read_yaml(path)
    return instance_from_document(doc, path, problems)


# ---- the YAML document ---------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """Safe YAML loader that notes duplicate keys instead of silently keeping the last."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                self.duplicates.append((key_node.start_mark.line + 1, key))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_document(path: Path) -> dict[str, Any]:
    """The YAML document at `path` as a mapping (safe loader only)."""
    doc, problems = _read_yaml(path)
    if problems:
        raise InstanceError(problems)
    return doc


def _read_yaml(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The YAML document at `path` and its duplicate keys (as problems).

    Any other problem stops the reading: it raises `InstanceError`.
    """
    where = str(path)
    try:
        if path.is_dir():
            raise InstanceError([Problem(where, "is a directory, not an instance file")])
        if not path.is_file():
            raise InstanceError([Problem(where, "file not found")])
        if too_big := yaml_size_problem(path.stat().st_size):  # limits: optim/limits.py
            raise InstanceError([Problem(where, too_big)])
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InstanceError([Problem(where, f"cannot read the file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InstanceError([Problem(where, f"not UTF-8 text (bad byte at offset {exc.start})")]) from None
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None and (too_big := node_problem(node)):  # aliases, depth: optim/limits.py
            raise InstanceError([Problem(where, f"not accepted: {too_big}")])
        doc = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{where} line {mark.line + 1}" if mark else where
        what = exc.problem or exc.context or "syntax error"
        raise InstanceError([Problem(at, f"not valid YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        raise InstanceError([Problem(f"{where} line {line}",
                                     f"not valid YAML: character #x{exc.character:04x} is not allowed")]) from None
    except yaml.YAMLError as exc:
        raise InstanceError([Problem(where, f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise InstanceError([Problem(where, "not valid YAML: nested too deeply")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if doc is None:
        raise InstanceError([Problem(where, "the file is empty: an instance is a mapping of keys "
                                            "(name, uses, categories, parcels, options, ...)")])
    if not isinstance(doc, dict):
        raise InstanceError([Problem(where, f"the document must be a mapping of keys, not {_type_name(doc)}")])
    problems = [Problem(f"{path.name} line {line}", f"duplicate key {key!r}")
                for line, key in loader.duplicates]
    return doc, problems


def instance_from_document(doc: dict[str, Any], path: Path,
                           problems: list[Problem] | None = None) -> Instance:
    """Coerce and validate a YAML-like document into an `Instance`.

    `problems` already found (e.g. duplicate YAML keys) are reported with the rest.
    """
    from .validate import run_checks

    reader = _Reader(path)
    inst = reader.read(doc)
    problems = [*(problems or []), *reader.problems, *run_checks(inst)]
    if problems:
        raise InstanceError(problems)
    return inst


# ---- CSV files ---------------------------------------------------------------------
@dataclass
class CsvOrigin(Origin):
    """Origin of a CSV table; `rows` holds the row number of each data row
    (row 1 is the header) when blank rows were skipped."""

    rows: np.ndarray | None = None

    def row(self, pos: int) -> str:
        if self.rows is None:
            return super().row(pos)
        return f"{self.file} row {int(self.rows[pos])}"


@dataclass
class _CsvTable:
    header: list[str]
    columns: dict[str, np.ndarray]  # column -> cells: stripped text ("" = empty), or floats (NaN = empty)
    rows: np.ndarray  # row number of each data row
    broken: np.ndarray  # bool per data row: wrong number of cells
    broken_rows: list[tuple[int, Problem]]  # (position, problem) of each such row


def read_csv_table(csv_path: Path, name: str,
                   numeric: frozenset[str] = frozenset()) -> tuple[_CsvTable | None, list[Problem]]:
    """Read a CSV file into columns of cells; blank rows are skipped.

    Columns named in `numeric` may come back already parsed as floats (when
    every cell of the file parses cleanly); other columns are stripped text.
    Returns the table (None if it cannot be read) and the problems of the
    file as a whole: unreadable file, no header, duplicate columns. Rows with
    a wrong number of cells are listed in the table (`broken_rows`).
    """
    try:
        data = csv_path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, f"cannot read the file: {exc.strerror or exc}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, f"not UTF-8 text (bad byte at offset {exc.start})")]
    if "\x00" in text:
        return None, [Problem(name, "not a CSV text file (it contains NUL bytes)")]
    if not text or text.isspace():
        return None, [Problem(name, "empty CSV file: a header row is required")]
    if too_wide := csv_columns_problem(text):  # limits: optim/limits.py
        return None, [Problem(name, too_wide)]
    try:
        header, cells, counts = _split_csv(data, text, numeric)
    except (csv.Error, ValueError) as exc:
        return None, [Problem(name, f"not valid CSV: {exc}")]

    header = [h.strip() for h in header]
    if not any(header):
        return None, [Problem(f"{name} row 1", "the first row must be the header (column names), it is empty")]
    problems = []
    seen: set[str] = set()
    for h in header:
        if h in seen:
            problems.append(Problem(name, f"duplicate column {h!r}"))
        seen.add(h)

    # white space can only surround a cell if the file has some besides its line ends
    if not text.isascii() or b'"' in data or any(c.encode() in data for c in _ASCII_SPACE[:-2]):
        cells = [col if col.dtype == np.float64 else _strip(col) for col in cells]
    n = len(counts)
    blank = _empty(cells[0])  # a blank row: every cell empty
    for col in cells[1:]:
        if not blank.any():
            break
        at = np.flatnonzero(blank)
        blank[at] = _empty(col[at])
    rows = np.arange(2, n + 2)
    if blank.any():
        keep = ~blank
        rows, counts = rows[keep], counts[keep]
        cells = [col[keep] for col in cells]
    broken = counts != len(header)
    broken_rows = [(int(pos), Problem(f"{name} row {rows[pos]}",
                                      f"has {counts[pos]} cells, the header has {len(header)}"))
                   for pos in np.flatnonzero(broken)]
    columns: dict[str, np.ndarray] = {}
    for h, col in zip(header, cells):
        columns.setdefault(h, col)
    return _CsvTable(header, columns, rows, broken, broken_rows), problems


def _empty(cells: np.ndarray) -> np.ndarray:
    """Mask of the empty cells of a column: "" in text, NaN in parsed numbers."""
    return np.isnan(cells) if cells.dtype == np.float64 else cells == ""


def _split_csv(data: bytes, text: str,
               numeric: frozenset[str]) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """The header cells, the cells of the data rows a column at a time (padded
    with "" or NaN), and the number of cells of each data row."""
    if b'"' not in data and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")):
        # one record per line: pandas' C parser, cells counted with numpy
        eol = text.find("\n")
        header = (text if eol < 0 else text[:eol]).removesuffix("\r").split(",")
        n_rows = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1
        if n_rows == 0:
            return header, [np.empty(0, dtype=object) for _ in header], np.empty(0, dtype=np.int64)
        typed = [k for k, h in enumerate(header) if h.strip() in numeric]
        # Cells are counted only when needed: when no row has more cells than the
        # header (pandas raises for such a row, except for the first, checked here)
        # and the commas add up, no row has fewer either.
        start = data.find(b"\n") + 1
        end = data.find(b"\n", start)
        first_row = data[start:] if end < 0 else data[start:end]
        counts = None
        if (data.count(b",") != (len(header) - 1) * (n_rows + 1)
                or first_row.count(b",") >= len(header)):
            counts = _count_cells(data)[1:]
        try:
            frame = _read_frame(data, header, counts, typed)
        except pd.errors.ParserError:
            if counts is not None:
                raise
            counts = _count_cells(data)[1:]  # some row has more cells than the header
            frame = _read_frame(data, header, counts, typed)
        if counts is None:  # no row has more cells, and the total leaves none with fewer
            counts = np.full(n_rows, len(header))
        if len(frame) == n_rows:
            cells = [frame[c].to_numpy() for c in frame.columns]
            for k, col in enumerate(cells):  # cells missing from short rows: "" as elsewhere
                if col.dtype == object and (missing := pd.isna(col)).any():
                    cells[k] = np.where(missing, "", col).astype(object)
            return header, cells, counts
    # quoted cells (or unusual line ends): the csv module, a record at a time
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, records = (records[0], records[1:]) if records else ([], [])
    counts = np.fromiter((len(r) for r in records), dtype=np.int64, count=len(records))
    width = max(len(header), int(counts.max()) if len(counts) else 0)
    cells = [np.array([r[k] if k < len(r) else "" for r in records], dtype=object) for k in range(width)]
    return header, cells, counts


def _read_frame(data: bytes, header: list[str], counts: np.ndarray | None,
                typed: list[int]) -> pd.DataFrame:
    """The data rows of a quote-free CSV file as a DataFrame (columns 0, 1, ...).

    Columns in `typed` are parsed as floats by the C parser when all their
    cells are empty or finite numbers; otherwise every column is text.
    """
    width = max(len(header), int(counts.max())) if counts is not None else len(header)
    common = dict(header=None, skiprows=1, names=range(width), skip_blank_lines=False,
                  encoding="utf-8-sig", quoting=csv.QUOTE_NONE, engine="c")
    if typed:
        dtype = {k: (np.float64 if k in typed else object) for k in range(width)}
        try:
            frame = pd.read_csv(io.BytesIO(data), dtype=dtype, na_filter=True, keep_default_na=False,
                                na_values={k: [""] for k in typed}, **common)
        except pd.errors.ParserError:  # a row with more cells than `width`: see the caller
            raise
        except (ValueError, OverflowError):
            frame = None  # a cell that is not a plain number: read as text, reported later
        if frame is not None and not any(np.isinf(frame[k].to_numpy()).any() for k in typed):
            return frame
    return pd.read_csv(io.BytesIO(data), dtype=object, na_filter=False, **common)


def _count_cells(data: bytes) -> np.ndarray:
    """Cells of each line of a quote-free CSV file: its commas plus one."""
    b = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero((b == 44) | (b == 10))  # commas and line ends, in order
    line_end = b[at] == 10
    line = np.cumsum(line_end)  # line of each comma
    n_lines = int(line[-1]) + (0 if b[-1] == 10 else 1) if len(at) else 1
    return np.bincount(line[~line_end], minlength=n_lines)[:n_lines] + 1


def _strip(col: np.ndarray) -> np.ndarray:
    """Cells without surrounding white space (only copied when some cell has it)."""
    if not len(col):
        return col
    joined = "".join(col)
    if joined.isascii() and not any(c in joined for c in _ASCII_SPACE):
        return col  # the common case, found with a few fast substring searches
    return np.array([s.strip() for s in col], dtype=object)


_ASCII_SPACE = " \t\x0b\x0c\x1c\x1d\x1e\x1f\n\r"  # what str.strip() removes, in ASCII (line ends last)


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
                                              f"not {_type_name(spec)}")
            self.unread.add(table)
        return self.frame(table, schema, columns, origin), origin

    def read_csv(self, table: str, name: Any,
                 numeric: frozenset[str] = frozenset()) -> tuple[_CsvTable | None, Origin]:
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
                self.bad(where, f"a row must be a mapping of column: value, not {_type_name(row)}")
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

    def coerce_csv(self, schema: dict[str, Field], tbl: _CsvTable, origin: Origin,
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
                columns[fname] = _constant(f, None if f.required else f.default, n)
                continue
            # a row with a wrong number of cells is reported as such, its cells are not
            # read; only its id is, so that what names it is not reported as well
            skip = tbl.broken if fname != "id" else np.zeros(n, dtype=bool)
            values, errors = _coerce_column(f, cells, skip)
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
        frame = pd.DataFrame({name: _typed(schema[name], values) for name, values in columns.items()},
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
        value, message = _check(f, raw)
        if message:
            self.bad(where, message)
        return value

    def mapping(self, key: str, raw: Any) -> dict[str, Any] | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.bad(f"{self.file}: {key}", f"must be a mapping, not {_type_name(raw)}")
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
                         f"must be a use id (text), not {_type_name(use)}")
                continue
            out[str(parcel)] = use
        return out

    def scenarios(self, raw: Any) -> dict[str, Any]:
        """Named scenarios, name -> mapping; their overrides are checked when applied."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.bad(f"{self.file}: scenarios", f"must be a mapping name -> scenario, not {_type_name(raw)}")
            return {}
        out = {}
        for name, spec in raw.items():
            if not isinstance(spec, dict):
                self.bad(f"{self.file}: scenarios.{name}",
                         f"a scenario must be a mapping with 'set' and/or 'scale', not {_type_name(spec)}")
                continue
            out[str(name)] = spec
        return out

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


# ---- one value -------------------------------------------------------------------------
def _check(f: Field, raw: Any) -> tuple[Any, str | None]:
    """Coerce one raw value against its field: (value, None) or (None, what is wrong).

    A missing value (None) takes the field's default; the message of every
    problem with a value, inline or in a CSV cell, comes from here.
    """
    if raw is None:
        if f.default is REQUIRED:
            return None, "required value is missing"
        return f.default, None
    try:
        value = _COERCE[f.kind](raw)
    except (TypeError, ValueError, OverflowError) as exc:
        return None, str(exc)
    if f.choices is not None and value not in f.choices:
        if value == "" and f.default == "":  # empty text = not given (as an empty CSV cell)
            return "", None
        return None, f"{show(value)} is not one of {', '.join(f.choices)}"
    if f.check and value is not None:
        msg = _range_problem(f.check, value)
        if msg:
            return None, msg
    return value, None


def _coerce_column(f: Field, cells: np.ndarray, skip: np.ndarray) -> tuple[Any, list[tuple[int, str]]]:
    """Coerce a CSV column at once: stripped text ("" = empty), or floats
    already parsed (NaN = empty) for a number column.

    Returns the values and (row position, message) for each bad cell. Masks
    pick the cells that are empty or fail a fast test; only those go through
    `_check`, which gives the messages. Rows in `skip` are left empty, unchecked.
    """
    n = len(cells)
    empty = _empty(cells)
    given = ~empty & ~skip
    errors: list[tuple[int, str]] = []
    if f.required:
        errors.extend((int(pos), "required value is missing") for pos in np.flatnonzero(empty & ~skip))
    idx = np.flatnonzero(given)
    sub = cells[idx]

    if f.kind == "num":
        out = np.full(n, np.nan if f.default is None or f.default is REQUIRED else float(f.default))
        try:
            parsed = sub.astype(np.float64)
        except (TypeError, ValueError, OverflowError):  # some cell is not a number
            parsed = _floats(sub)
        with np.errstate(invalid="ignore"):
            suspect = ~np.isfinite(parsed) | _range_mask(f.check, parsed) | (np.abs(parsed) > MAX_NUMBER)
        out[idx] = parsed
        fill = np.nan
    elif f.kind == "str":
        out = cells.copy()
        out[~given] = None if f.default is REQUIRED else f.default
        suspect = (~pd.Series(sub, dtype=object).isin(f.choices).to_numpy()
                   if f.choices is not None else np.zeros(len(idx), dtype=bool))
        fill = None
    elif f.kind == "bool":  # few distinct words: look each up once
        codes, words = pd.factorize(sub)
        mapped = [_BOOL_WORDS.get(w.lower()) for w in words]
        out = np.empty(n, dtype=object)
        out[:] = None if f.default is REQUIRED else f.default
        out[idx] = np.array([bool(m) for m in mapped], dtype=bool)[codes]
        suspect = np.array([m is None for m in mapped], dtype=bool)[codes]
        fill = None
    else:  # int, list, any: rare in CSV tables, cell by cell
        out = np.empty(n, dtype=object)
        out[:] = None if f.default is REQUIRED else f.default
        suspect = np.ones(len(idx), dtype=bool)
        fill = None
    for k in np.flatnonzero(suspect):
        value, message = _check(f, sub[k])
        if message is None:
            out[idx[k]] = value
        else:
            out[idx[k]] = fill
            errors.append((int(idx[k]), message))
    return out, errors


def _floats(cells: np.ndarray) -> np.ndarray:
    """float() of each cell, NaN where it fails (`_check` then says why)."""
    out = np.empty(len(cells))
    for k, text in enumerate(cells):
        try:
            out[k] = float(text)
        except (ValueError, OverflowError):
            out[k] = np.nan
    return out


def _range_mask(check: str | None, values: np.ndarray) -> np.ndarray:
    """Cells outside the field's range (the fast form of `_range_problem`)."""
    with np.errstate(invalid="ignore"):
        if check == "nonneg":
            return values < 0
        if check == "pos":
            return values <= 0
        if check == "ratio":
            return (values < 0) | (values > 1)
    return np.zeros(len(values), dtype=bool)


def _constant(f: Field, value: Any, n: int) -> np.ndarray:
    """A column of `n` times the same value."""
    if f.kind == "num":
        return np.full(n, np.nan if value is None else float(value))
    arr = np.empty(n, dtype=object)
    arr.fill(value)
    return arr


def _typed(f: Field, values: Any) -> np.ndarray:
    """A column of values (None = missing or invalid) in the dtype of its kind:
    float (NaN = missing) for numbers, bool for flags without missing values,
    objects otherwise (text, lists, flags with missing values)."""
    if f.kind == "num":
        if isinstance(values, np.ndarray) and values.dtype == np.float64:
            return values
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if isinstance(values, np.ndarray) and values.dtype == object:
        arr = values
    else:
        arr = np.empty(len(values), dtype=object)
        for k, v in enumerate(values):  # element by element: lists stay whole in their cells
            arr[k] = v
    if f.kind == "bool" and not pd.isna(arr).any():
        return arr.astype(bool)
    return arr


# ---- scalar coercion ---------------------------------------------------------
def _to_str(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise TypeError(f"must be text, not {_type_name(raw)}")
    return str(raw)


def _to_num(raw: Any) -> float:
    if isinstance(raw, bool):
        raise TypeError("must be a number, not true/false")
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:
            raise ValueError(f"must be a finite number, not {show(raw)}") from None
    elif isinstance(raw, str):
        try:
            value = float(raw.replace("_", ""))
        except ValueError:
            raise ValueError(f"must be a number, not {show(raw)}") from None
    else:
        raise TypeError(f"must be a number, not {_type_name(raw)}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {show(raw)}")
    if too_big := number_problem(value):  # the input limit: optim/limits.py
        raise ValueError(too_big)
    return value


def _to_int(raw: Any) -> int:
    value = _to_num(raw)
    if value != int(value):
        raise ValueError(f"must be a whole number, not {show(raw)}")
    return int(value)


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[raw.strip().lower()]
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    raise TypeError(f"must be true or false, not {show(raw)}")


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
            bool: "true/false", str: "text"}.get(type(raw), type(raw).__name__)


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
