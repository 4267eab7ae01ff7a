"""A planner's draft plan, read and checked against an instance.

A zone rarely plans from scratch: it amends the draft it has. A draft says
which use each parcel takes and may also say which projects are built and
which sources are drawn; `optim evaluate` (optim/studies/evaluate.py)
optimises whatever it leaves open (draws, own funds, phasing) and compares
it with the optimum. Forms (docs/instance-format.md, "Draft plans"):

- a table: a CSV file (UTF-8, or another `encoding` such as gb18030), a sheet
  of a workbook or a layer of a GIS file, read by the instance's own readers
  (optim/inputs/csvfile.py, excel.py, gis.py through `read_table`), so every
  cell goes through the same checks and messages. One row per parcel the
  draft decides: `parcel` (or `id`), `use`, and with periods optionally
  `period` (when a rezoned parcel is rezoned). The other columns of a parcels
  table (`area`, `current_use`, `zone`, `x`, `y`, `route`, `lock`) and `name`,
  `note`, `description` are read and ignored, so that a copy of the parcels
  table or layer with a `use` column is a draft; any other column is refused;
- a YAML file with `parcels` (that table: rows, or a file entry as in an
  instance), and optionally `projects` (`project`, `build`, `period`),
  `sources` (`source`, `draw`, `amount`) and `description`;
- in Python: a DataFrame, a mapping parcel -> use or a list of rows.

A parcel the draft does not list keeps its current use: a draft is written as
the list of what it changes (the reference park's draft is "these 495 mu turn
industrial"), and a park of thousands of parcels should not need a row for each
parcel left alone. What was left out is reported (`Draft.kept`), and a
parcel that cannot keep its current use (it is not one of its options, or the
instance locks it in) must be listed. Everything else that is wrong (an
unknown parcel or use, a use not allowed on the parcel, a parcel given twice,
a draft that contradicts the instance's locks) is refused with the row and the
fix, as `InstanceError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstanceError, Problem
from ..text import money
from .coerce import is_missing
from .document import read_yaml
from .excel import EXCEL_SUFFIXES
from .gis import GIS_SUFFIXES
from .instance import Instance, Origin
from .limits import show
from .reader import read_table
from .schema import Field

YAML_SUFFIXES = (".yaml", ".yml")
DRAFT_KEYS = ("description", "parcels", "projects", "sources")
# columns of a parcels table that a draft may carry along and that are ignored
IGNORED = ("area", "current_use", "zone", "x", "y", "route", "lock", "name", "note", "description")
LISTED = 8  # ids quoted in a message before "..."
# the fix the CSV reader gives for an encoding, worded for an instance's table entry
_ENTRY_ENCODING = re.compile(r"add `encoding: ([\w-]+)` to the table's entry in the instance \(\{file: .*?\}\)")


def _schema(*fields: Field, ignored: tuple[str, ...] = ()) -> dict[str, Field]:
    out = {f.name: f for f in fields}
    out.update({name: Field(name, "any", None) for name in ignored})
    return out


PARCEL_SCHEMA = _schema(Field("parcel", "str", None, check="id"), Field("id", "str", None, check="id"),
                        Field("use", "str", check="id"), Field("period", "str", None, check="id"),
                        ignored=IGNORED)
PROJECT_SCHEMA = _schema(Field("project", "str", None, check="id"), Field("id", "str", None, check="id"),
                         Field("build", "bool"), Field("period", "str", None, check="id"),
                         ignored=("name", "note", "description"))
SOURCE_SCHEMA = _schema(Field("source", "str", None, check="id"), Field("id", "str", None, check="id"),
                        Field("draw", "bool", None), Field("amount", "num", None, check="nonneg"),
                        ignored=("name", "note", "description"))


@dataclass
class Draft:
    """A draft checked against its instance.

    uses: the use of every parcel of the instance (listed, or kept by default);
    listed: the parcels the draft lists, in its order; kept: those it leaves
    out (they keep their current use); periods: the rezoning period of the
    parcels it phases; projects: index project, columns `build` (bool) and
    `period` (None: left to the model); sources: index source, columns `draw`
    (True, False or None) and `amount` (NaN: left to the model); places: where
    each row was read, `(table, id) -> place`, for messages."""

    name: str
    uses: pd.Series
    listed: list[str]
    kept: list[str]
    periods: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    projects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"build": pd.Series(dtype=bool), "period": pd.Series(dtype=object)}))
    sources: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"draw": pd.Series(dtype=object), "amount": pd.Series(dtype=float)}))
    description: str = ""
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    places: dict[tuple[str, str], str] = field(default_factory=dict)

    def rezoned(self, inst: Instance) -> pd.Index:
        """The parcels whose draft use is not their current use."""
        current = inst.parcels["current_use"].reindex(self.uses.index)
        return self.uses.index[(self.uses != current).to_numpy()]

    def rezoned_area(self, inst: Instance) -> float:
        return float(inst.parcels["area"].reindex(self.rezoned(inst)).sum())

    @property
    def fixes_more_than_uses(self) -> bool:
        """The draft fixes periods, projects or sources besides the parcels' uses."""
        return bool(len(self.periods) or len(self.projects) or len(self.sources))

    def to_dict(self, inst: Instance) -> dict[str, Any]:
        rez = self.rezoned(inst)
        return {"name": self.name, "file": None if self.path is None else str(self.path),
                "description": self.description, "parcels_listed": len(self.listed),
                "kept_by_default": len(self.kept), "rezoned": [str(p) for p in rez],
                "rezoned_area": self.rezoned_area(inst),
                "periods": {str(p): str(t) for p, t in self.periods.items()},
                "projects": {str(p): {"build": bool(r.build), "period": r.period}
                             for p, r in self.projects.iterrows()},
                "sources": {str(s): {"draw": None if r.draw is None else bool(r.draw),
                                     "amount": None if pd.isna(r.amount) else float(r.amount)}
                            for s, r in self.sources.iterrows()}}


# ---- reading ------------------------------------------------------------------------------------
def read_draft(inst: Instance, plan: Any, *, projects: Any = None, sources: Any = None, sheet: str | None = None,
               layer: str | None = None, encoding: str | None = None) -> Draft:
    """The draft `plan` checked against `inst` (see the module docstring).

    plan: a file (CSV, workbook, GIS file or YAML; ``draft.xlsx:SHEET`` and
    ``draft.gpkg:LAYER`` name a sheet or a layer), a DataFrame, a mapping
    parcel -> use, or a list of rows. projects, sources: the draft's projects
    and sources (DataFrame, list of rows, or a mapping project -> build,
    source -> amount), when `plan` is not a YAML file that gives them.
    sheet, layer, encoding: how to read a table file. Raises `InstanceError`
    with every problem found."""
    reading = _Reading(inst)
    doc: dict[str, Any] = {}
    if isinstance(plan, (str, Path)):
        path, sheet, layer = _split_place(Path(plan), sheet, layer)
        reading.path = path.resolve() if path.exists() else path
        reading.name = path.name
        if path.suffix.lower() in YAML_SUFFIXES:
            for option, value in (("sheet", sheet), ("layer", layer), ("encoding", encoding)):
                if value is not None:
                    reading.bad(f"--{option}", f"applies to a table file; a YAML draft names its files' {option}s "
                                        f"in its entries ({{file: NAME, {option}: ...}})")
            doc = reading.document(path)
        else:
            doc = {"parcels": reading.entry(path, sheet, layer, encoding)}
    else:
        for option, value in (("sheet", sheet), ("layer", layer), ("encoding", encoding)):
            if value is not None:
                reading.bad(f"--{option}", "applies to a draft read from a file")
        doc = {"parcels": _rows(plan, "parcel", "use")}
    for key, given in (("projects", projects), ("sources", sources)):
        if given is None:
            continue
        if key in doc:
            reading.bad(key, f"given twice: in {reading.name} and as an argument")
        else:
            doc[key] = _rows(given, key[:-1], "build" if key == "projects" else "amount")
    reading.problems_so_far()
    draft = reading.draft(doc)
    return draft


def _split_place(path: Path, sheet: str | None, layer: str | None) -> tuple[Path, str | None, str | None]:
    """`draft.xlsx:SHEET` or `draft.gpkg:LAYER` (when no such file exists): the file and the sheet or layer."""
    if path.exists() or ":" not in path.name:
        return path, sheet, layer
    name, _, part = path.name.rpartition(":")
    head = path.with_name(name)
    suffix = head.suffix.lower()
    if not head.exists() or not part:
        return path, sheet, layer
    if suffix in EXCEL_SUFFIXES and sheet is None:
        return head, part, layer
    if suffix in GIS_SUFFIXES and layer is None:
        return head, sheet, part
    return path, sheet, layer


def _rows(given: Any, key: str, value: str) -> list[Any] | Any:
    """A DataFrame, a mapping id -> value or a list of rows as inline rows."""
    if isinstance(given, pd.DataFrame):
        frame = given.reset_index() if given.index.name else given
        return [{str(k): (None if is_missing(v) else _plain(v)) for k, v in row.items()}
                for row in frame.to_dict("records")]
    if isinstance(given, pd.Series):
        given = given.to_dict()
    if isinstance(given, dict):
        return [{key: _plain(k), value: _plain(v)} for k, v in given.items()]
    return given


def _plain(v: Any) -> Any:
    """numpy scalars as Python values (the readers take Python values)."""
    return v.item() if isinstance(v, np.generic) else v


class _Reading:
    """Collects the problems of one draft while it is read and checked."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.path: Path | None = None
        self.name = "plan"
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.places: dict[tuple[str, str], str] = {}

    def bad(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def problems_so_far(self) -> None:
        if self.problems:
            raise InstanceError(self.problems)

    # ---- files ---------------------------------------------------------------------------
    def entry(self, path: Path, sheet: str | None, layer: str | None, encoding: str | None) -> dict[str, Any]:
        """The file entry of a table file given on its own."""
        suffix = path.suffix.lower()
        entry: dict[str, Any] = {"file": path.name}
        if sheet is not None:
            if suffix not in EXCEL_SUFFIXES:
                self.bad("--sheet", f"applies to a workbook ({', '.join(EXCEL_SUFFIXES[:2])}), not {path.name}")
            entry["sheet"] = sheet
        if layer is not None:
            if suffix not in GIS_SUFFIXES:
                self.bad("--layer", f"applies to a GIS file ({', '.join(GIS_SUFFIXES)}), not {path.name}")
            entry["layer"] = layer
        if encoding is not None:
            if suffix in EXCEL_SUFFIXES or (suffix in GIS_SUFFIXES and suffix != ".shp"):
                self.bad("--encoding", f"applies to a CSV file or a shapefile, not {path.name}")
            entry["encoding"] = encoding
        if not path.exists():
            self.bad(str(path), "draft file not found")
        elif not path.is_file():
            self.bad(str(path), "is not a file: give the draft's table (CSV, workbook, GIS file) or YAML file")
        return entry

    def document(self, path: Path) -> dict[str, Any]:
        if not path.is_file():
            self.bad(str(path), "draft file not found" if not path.exists() else "is not a file")
            return {}
        doc, problems = read_yaml(path)
        self.problems.extend(problems)
        if not isinstance(doc, dict):
            self.bad(path.name, "a YAML draft is a mapping with `parcels` (and optionally `projects`, `sources`, "
                                "`description`)")
            return {}
        for key in doc:
            if key not in DRAFT_KEYS:
                self.bad(f"{path.name}: {key}", f"unknown key (known: {', '.join(DRAFT_KEYS)})")
        if doc.get("parcels") is None:
            self.bad(f"{path.name}: parcels", "required key is missing: the draft's parcels and their uses")
        return doc

    def table(self, key: str, schema: dict[str, Field], spec: Any) -> tuple[pd.DataFrame, Origin, set[str]]:
        """One table of the draft, read like an instance's table."""
        base = self.path if self.path is not None else Path(self.name)
        on_its_own = self.path is not None and self.path.suffix.lower() not in YAML_SUFFIXES
        # a table file on its own is the table "draft" (its sheet or layer by default); and a GIS
        # layer read as the table "parcels" would be taken for the instance's polygons
        gis = isinstance(spec, dict) and isinstance(spec.get("file"), str) and \
            Path(spec["file"]).suffix.lower() in GIS_SUFFIXES
        table = "draft" if key == "parcels" and (on_its_own or gis) else key
        frame, origin, problems, notes, given = read_table(base, table, schema, spec)
        for p in problems:  # a file on its own: the command line's options say what an entry would
            message = p.message
            if on_its_own:
                message = message.replace("say which with `sheet:`", "say which with --sheet NAME (or FILE:NAME)")
                message = message.replace("say which with `layer:`", "say which with --layer NAME (or FILE:NAME)")
                message = _ENTRY_ENCODING.sub(r"give --encoding \1 (in Python: encoding='\1')", message)
            else:
                message = message.replace("the table's entry in the instance", "the table's entry in the draft")
            where = p.where
            if on_its_own and where.startswith(f"{self.name}: draft."):  # an option, not an entry's key
                where = "--" + where.removeprefix(f"{self.name}: draft.")
            self.problems.append(Problem(where, message))
        self.notes.extend(notes)
        return frame, origin, given

    # ---- the draft -----------------------------------------------------------------------
    def draft(self, doc: dict[str, Any]) -> Draft:
        inst = self.inst
        description = doc.get("description") or ""
        if not isinstance(description, str):
            self.bad(f"{self.name}: description", f"must be text, not {show(description)}")
            description = ""
        read = self.table("parcels", PARCEL_SCHEMA, doc.get("parcels"))
        projects = self.table("projects", PROJECT_SCHEMA, doc["projects"]) if doc.get("projects") is not None \
            else None
        sources = self.table("sources", SOURCE_SCHEMA, doc["sources"]) if doc.get("sources") is not None else None
        self.problems_so_far()  # cells that could not be read: their rows are not checked further
        uses, periods = self.parcels(*read)
        built = self.projects(*projects) if projects is not None else None
        drawn = self.sources(*sources) if sources is not None else None
        self.problems_so_far()
        listed = list(uses.index)
        kept = [p for p in inst.parcels.index if p not in uses.index]
        full = pd.concat([uses, inst.parcels["current_use"].reindex(kept).astype(object)]).reindex(inst.parcels.index)
        self.kept_parcels(kept)
        self.problems_so_far()
        draft = Draft(name=self.name, uses=full.astype(object), listed=listed, kept=kept, periods=periods,
                      description=description, notes=list(dict.fromkeys(self.notes)), path=self.path,
                      places=self.places)
        if built is not None:
            draft.projects = built
        if drawn is not None:
            draft.sources = drawn
        return draft

    def ids(self, frame: pd.DataFrame, origin: Origin, given: set[str], key: str, what: str) -> np.ndarray:
        """The id of each row: the `key` column or the `id` column (one of them)."""
        where = origin.file if getattr(origin, "csv", False) else f"{origin.file}: {origin.key}"
        if key in given and "id" in given:
            self.bad(where, f"give the {what}'s id in one column, {key!r} or 'id', not both")
            return np.full(len(frame), None, dtype=object)
        column = key if key in given or "id" not in given else "id"
        if column not in given and len(frame):
            self.bad(where, f"missing required column {key!r} (the {what}'s id; 'id' is read as well)")
            return np.full(len(frame), None, dtype=object)
        ids = frame[column].to_numpy(dtype=object)
        for pos in np.flatnonzero(pd.isna(ids)):
            self.bad(f"{origin.row(pos)}, {column}", f"required value is missing: give the {what}'s id")
        return ids

    def parcels(self, frame: pd.DataFrame, origin: Origin, given: set[str]) -> tuple[pd.Series, pd.Series]:
        inst = self.inst
        par, opts = inst.parcels, inst.options
        where_file = origin.file if getattr(origin, "csv", False) else f"{origin.file}: {origin.key}"
        ids = self.ids(frame, origin, given, "parcel", "parcel")
        if not len(frame):
            self.bad(where_file, "the draft has no rows: list the parcels it rezones (a parcel left out keeps "
                                 "its current use)")
        allowed = opts.groupby("parcel", sort=False)["use"].agg(list).to_dict()
        known_uses = list(inst.uses.index)
        periods = list(inst.periods.index)
        fixed_period = par["period"] if "period" in par.columns else pd.Series(None, index=par.index, dtype=object)
        lock = par["lock"] if "lock" in par.columns else pd.Series("", index=par.index, dtype=object)
        locked_uses = inst.policy.locked_uses
        seen: dict[str, int] = {}
        uses: dict[str, str] = {}
        phased: dict[str, str] = {}
        col = "parcel" if "parcel" in given or "id" not in given else "id"
        for pos, (pid, use) in enumerate(zip(ids, frame["use"].to_numpy(dtype=object))):
            where = origin.row(pos)
            if pid is None or (isinstance(pid, float) and np.isnan(pid)) or use is None:
                continue
            pid, use = str(pid), str(use)
            if pid in seen:
                self.bad(f"{where}, {col}", f"parcel {show(pid)} is given twice (also {origin.row(seen[pid])}): "
                                            "keep one row per parcel")
                continue
            seen[pid] = pos
            if pid not in par.index:
                self.bad(f"{where}, {col}", f"unknown parcel {show(pid)}: the instance has no such parcel (check the "
                                            f"id against its parcels: {_some(par.index)})")
                continue
            if use not in inst.uses.index:
                self.bad(f"{where}, use", f"unknown use {show(use)} (uses: {', '.join(map(str, known_uses))})")
                continue
            options = allowed.get(pid, [])
            if use not in options:
                self.bad(f"{where}, use", f"{show(use)} is not allowed on parcel {show(pid)} (its options: "
                                          f"{', '.join(map(str, options))}): give one of them, or add the option to "
                                          "the instance's options table")
                continue
            current = str(par.at[pid, "current_use"])
            how = str(lock.get(pid, "") or "")
            if how == "out" and use != current:
                self.bad(f"{where}, use", f"the instance locks parcel {show(pid)} out (lock: out, it keeps its "
                                          f"current use {show(current)}): give it {show(current)} or drop the row")
                continue
            if how == "in" and use == current:
                self.bad(f"{where}, use", f"parcel {show(pid)} keeps its current use {show(current)}, but the "
                                          "instance locks it in (lock: in: it must be rezoned): give it another use")
                continue
            if pid in locked_uses and locked_uses[pid] != use:
                self.bad(f"{where}, use", f"the instance locks parcel {show(pid)} to {show(locked_uses[pid])} "
                                          f"(policy.locked_uses): give it {show(locked_uses[pid])} or drop the row")
                continue
            uses[pid] = use
            self.places[("parcels", pid)] = where
            period = frame["period"].iloc[pos] if "period" in frame.columns else None
            if period is None or (isinstance(period, float) and np.isnan(period)):
                continue
            period = str(period)
            if not periods:
                self.bad(f"{where}, period", "the instance has no periods: leave the column empty")
            elif period not in periods:
                self.bad(f"{where}, period", f"unknown period {show(period)} (periods: {', '.join(periods)})")
            elif use == current:
                self.bad(f"{where}, period", f"parcel {show(pid)} keeps its current use: a period is for a rezoned "
                                             "parcel (leave it empty)")
            elif not is_missing(fixed_period.get(pid)) and str(fixed_period.get(pid)) != period:
                self.bad(f"{where}, period", f"the instance rezones parcel {show(pid)} in "
                                             f"{show(str(fixed_period.get(pid)))} (its `period`): give that period or "
                                             "leave it empty")
            else:
                phased[pid] = period
        return pd.Series(uses, dtype=object), pd.Series(phased, dtype=object)

    def kept_parcels(self, kept: list[str]) -> None:
        """A parcel left out keeps its current use: it must be able to."""
        inst = self.inst
        par = inst.parcels
        allowed = inst.options.groupby("parcel", sort=False)["use"].agg(list).to_dict()
        lock = par["lock"] if "lock" in par.columns else pd.Series("", index=par.index, dtype=object)
        locked_uses = inst.policy.locked_uses
        for pid in kept:
            current = str(par.at[pid, "current_use"])
            options = allowed.get(pid, [])
            head = f"parcel {show(pid)} is not in the draft, so it keeps its current use {show(current)}"
            if current not in options:
                self.bad(self.name, f"{head}, which is not one of its options ({', '.join(map(str, options))}): "
                                    "add a row for it with its use")
            elif str(lock.get(pid, "") or "") == "in":
                self.bad(self.name, f"{head}, but the instance locks it in (lock: in: it must be rezoned): add a "
                                    "row for it with its new use")
            elif pid in locked_uses and locked_uses[pid] != current:
                self.bad(self.name, f"{head}, but the instance locks it to {show(locked_uses[pid])} "
                                    "(policy.locked_uses): add a row for it")

    def projects(self, frame: pd.DataFrame, origin: Origin, given: set[str]) -> pd.DataFrame:
        inst = self.inst
        proj = inst.projects
        periods = list(inst.periods.index)
        ids = self.ids(frame, origin, given, "project", "project")
        col = "project" if "project" in given or "id" not in given else "id"
        seen: dict[str, int] = {}
        rows: dict[str, tuple[bool, Any]] = {}
        for pos, (pid, build) in enumerate(zip(ids, frame["build"].to_numpy(dtype=object))):
            where = origin.row(pos)
            if pid is None or build is None:
                continue
            pid = str(pid)
            if pid in seen:
                self.bad(f"{where}, {col}", f"project {show(pid)} is given twice (also {origin.row(seen[pid])}): "
                                            "keep one row per project")
                continue
            seen[pid] = pos
            if pid not in proj.index:
                self.bad(f"{where}, {col}", f"unknown project {show(pid)} (projects: {_some(proj.index)})")
                continue
            build = bool(build)
            if not build and bool(proj.at[pid, "mandatory"]):
                self.bad(f"{where}, build", f"project {show(pid)} is mandatory in the instance: the draft cannot "
                                            "leave it unbuilt (give build: true, or drop the row)")
                continue
            period = frame["period"].iloc[pos] if "period" in frame.columns else None
            period = None if is_missing(period) else str(period)
            fixed = proj.at[pid, "period"] if "period" in proj.columns else None
            if period is not None:
                if not periods:
                    self.bad(f"{where}, period", "the instance has no periods: leave the column empty")
                    continue
                if period not in periods:
                    self.bad(f"{where}, period", f"unknown period {show(period)} (periods: {', '.join(periods)})")
                    continue
                if not build:
                    self.bad(f"{where}, period", f"project {show(pid)} is not built (build: false): a period is for "
                                                 "a project built (leave it empty)")
                    continue
                if not is_missing(fixed) and str(fixed) != period:
                    self.bad(f"{where}, period", f"the instance starts project {show(pid)} in {show(str(fixed))} "
                                                 "(its `period`): give that period or leave it empty")
                    continue
            rows[pid] = (build, period)
            self.places[("projects", pid)] = where
        return pd.DataFrame({"build": pd.Series({p: b for p, (b, _) in rows.items()}, dtype=bool),
                             "period": pd.Series({p: t for p, (_, t) in rows.items()}, dtype=object)})

    def sources(self, frame: pd.DataFrame, origin: Origin, given: set[str]) -> pd.DataFrame:
        inst = self.inst
        src = inst.sources
        ids = self.ids(frame, origin, given, "source", "source")
        col = "source" if "source" in given or "id" not in given else "id"
        seen: dict[str, int] = {}
        rows: dict[str, tuple[Any, float]] = {}
        unit = (inst.units or {}).get("money", "yuan")
        lock = src["lock"] if "lock" in src.columns else pd.Series("", index=src.index, dtype=object)
        for pos, (sid, draw, amount) in enumerate(zip(ids, frame["draw"].to_numpy(dtype=object),
                                                      frame["amount"].to_numpy(dtype=float))):
            where = origin.row(pos)
            if sid is None:
                continue
            sid = str(sid)
            if sid in seen:
                self.bad(f"{where}, {col}", f"source {show(sid)} is given twice (also {origin.row(seen[sid])}): "
                                            "keep one row per source")
                continue
            seen[sid] = pos
            if sid not in src.index:
                self.bad(f"{where}, {col}", f"unknown source {show(sid)} (sources: {_some(src.index)})")
                continue
            if draw is None and np.isnan(amount):
                self.bad(where, f"source {show(sid)}: give `draw` (true or false) or the `amount` it draws")
                continue
            if draw is not None and not draw and not np.isnan(amount) and amount > 0:
                self.bad(f"{where}, amount", f"source {show(sid)} is not drawn (draw: false) but has an amount: "
                                             "drop one of them")
                continue
            drawn = (amount > 0) if draw is None else bool(draw)
            if draw is not None and bool(draw) and not np.isnan(amount) and amount == 0:
                self.bad(f"{where}, amount", f"source {show(sid)} is drawn (draw: true) but its amount is 0: "
                                             "drop one of them")
                continue
            cap = float(src.at[sid, "cap"])
            ticket = float(src.at[sid, "min_ticket"])
            switched = ticket > 0 or float(src.at[sid, "fixed_cost"]) > 0
            how = str(lock.get(sid, "") or "")
            if how == "out" and drawn:
                self.bad(where, f"the instance locks source {show(sid)} out (lock: out: it draws nothing): give "
                                "draw: false or drop the row")
                continue
            if how == "in" and not drawn:
                self.bad(where, f"the instance locks source {show(sid)} in (lock: in: it must be drawn): give "
                                "draw: true or drop the row")
                continue
            if not np.isnan(amount):
                lo = src.at[sid, "min_draw"] if "min_draw" in src.columns else np.nan
                hi = src.at[sid, "max_draw"] if "max_draw" in src.columns else np.nan
                problem = None
                if amount > cap:
                    problem = f"{money(amount, unit)} is above the source's cap of {money(cap, unit)}"
                elif 0 < amount < ticket:
                    problem = f"{money(amount, unit)} is below the source's minimum ticket of {money(ticket, unit)}"
                elif not is_missing(lo) and amount < float(lo):
                    problem = f"{money(amount, unit)} is below the source's min_draw of {money(float(lo), unit)}"
                elif not is_missing(hi) and amount > float(hi):
                    problem = f"{money(amount, unit)} is above the source's max_draw of {money(float(hi), unit)}"
                if problem:
                    self.bad(f"{where}, amount", f"source {show(sid)}: {problem}")
                    continue
            elif drawn and not switched:
                self.bad(f"{where}, draw", f"source {show(sid)} has no minimum ticket or fixed cost, so there is no "
                                           "yes/no decision to fix: give the `amount` it draws, or drop the row and "
                                           "leave its draws to the model")
                continue
            rows[sid] = (drawn, amount)
            self.places[("sources", sid)] = where
        return pd.DataFrame({"draw": pd.Series({s: d for s, (d, _) in rows.items()}, dtype=object),
                             "amount": pd.Series({s: a for s, (_, a) in rows.items()}, dtype=float)})


def _some(ids: Any) -> str:
    ids = [str(i) for i in ids]
    head = ", ".join(ids[:LISTED])
    return head + (f", ... ({len(ids)} in all)" if len(ids) > LISTED else "")


# ---- the draft on an instance ----------------------------------------------------------------------
def draft_instance(inst: Instance, draft: Draft) -> Instance:
    """The instance with what the draft fixes of its sources: a source not drawn is
    locked out, a switched source drawn is locked in, an amount is its min_draw
    and max_draw (the checker then certifies them). Parcel uses, periods and
    projects are fixed on the model (optim/model/draft.py), which keeps the
    model's decisions the same as the instance's (a plan under uncertainty is
    judged on the instance's scenarios by its decisions)."""
    if not len(draft.sources):
        return inst
    out = inst.copy()
    src = out.sources
    if "lock" not in src.columns:
        src["lock"] = ""
    for column in ("min_draw", "max_draw"):
        if column not in src.columns:
            src[column] = np.nan
        src[column] = src[column].astype(float)
    src["lock"] = src["lock"].astype(object)
    for sid, row in draft.sources.iterrows():
        switched = float(src.at[sid, "min_ticket"]) > 0 or float(src.at[sid, "fixed_cost"]) > 0
        if not row["draw"]:
            src.at[sid, "lock"] = "out"
            src.at[sid, "min_draw"] = np.nan
        elif switched:
            src.at[sid, "lock"] = "in"
        if not np.isnan(row["amount"]) and row["draw"]:
            src.at[sid, "min_draw"] = float(row["amount"])
            src.at[sid, "max_draw"] = float(row["amount"])
    return out


__all__ = ["Draft", "read_draft", "draft_instance", "PARCEL_SCHEMA", "PROJECT_SCHEMA", "SOURCE_SCHEMA"]
