"""Named scenarios: overrides of a base instance, and the one grammar of figure paths.

An instance file may hold a `scenarios:` mapping, name -> scenario::

    scenarios:
      cheap_land:
        description: land prices fall 20 %
        set:                                   # a value for each path
          policy.coverage_target: 0.9
          sources.cdb.cap: 800000000
          objective.weights.industrial_output: 5
        scale:                                 # a factor for each path (numbers only)
          options[use=commercial].land_income: 0.8
          sources.cap: 1.1

A path names figures of the instance (docs/instance-format.md, "Scenarios and
paths"); `set` and `scale` (and sweeps, and uncertain figures) read the same
grammar, `parse_path`:

- `policy.KEY`, `eod.KEY`, `solver.KEY`: one setting;
- `objective.weights.TERM`, `objective.targets.TERM.min|max`,
  `objective.boundary_penalty`, `objective.offset`;
- `TABLE.COLUMN`: the column on every row of a table;
- `TABLE.ID.COLUMN` or `TABLE[id=ID].COLUMN`: one row of a table keyed by id;
- `TABLE[COL=VALUE].COLUMN`, `TABLE[COL=VALUE,COL2=VALUE2].COLUMN`: the rows
  whose cells equal the values (as text);
- `options.PARCEL/USE.COLUMN`: one option (the same as
  `options[parcel=PARCEL,use=USE].COLUMN`).

A path that names nothing (an unknown table, column, id, or a filter no row
meets) is refused with the place and the grammar. Scenarios compose: each
applies to the result of the ones before it. Every changed value is checked
against the schema like a value read from a file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pandas.api.types import infer_dtype

from ..errors import InstanceError, Problem
from .coerce import COERCE, column_floats, range_problem, type_name
from .instance import Eod, Instance
from .limits import regular_file_problem, show
from .schema import ID_TABLES, MAPPINGS, OBJECTIVE_SCALARS, TABLES, TERMS, Field
from .validate import run_checks

SCENARIO_KEYS = {"description", "set", "scale"}
GRAMMAR = "see \"Scenarios and paths\" in docs/instance-format.md"
_FACTOR = Field("factor", "num", check="nonneg")  # a `scale` factor
_TABLE_PATH = re.compile(r"^(?P<table>[A-Za-z_]\w*)(?:\[(?P<filters>[^\]]*)\])?\.(?P<rest>.+)$")


class PathError(ValueError):
    """A path that names nothing, or is not in the grammar."""


@dataclass(frozen=True)
class Target:
    """What a path names: one setting (`table` None), or a column on some rows of a table."""

    path: str
    field: Field
    section: str  # policy, eod, solver, objective.weights, objective.targets.<term>, objective, or a table
    key: str  # the setting's key, "min"/"max", or the table's column
    rows: np.ndarray | None = None  # positions of the rows, for a table

    @property
    def numeric(self) -> bool:
        return self.field.kind in ("num", "int")


def parse_path(inst: Instance, path: str) -> Target:
    """What `path` names in `inst`; `PathError` saying why when it names nothing."""
    parts = path.split(".")
    head = parts[0]
    if head in ("policy", "eod", "solver"):
        if len(parts) != 2 or parts[1] not in MAPPINGS[head] or parts[1] == "locked_uses":
            raise PathError(f"unknown key of {head} (known: {', '.join(k for k in MAPPINGS[head] if k != 'locked_uses')})")
        return Target(path, MAPPINGS[head][parts[1]], head, parts[1])
    if head == "objective":
        if len(parts) == 2 and parts[1] in OBJECTIVE_SCALARS:
            return Target(path, OBJECTIVE_SCALARS[parts[1]], "objective", parts[1])
        if len(parts) == 3 and parts[1] == "weights":
            _term(parts[2])
            return Target(path, Field(parts[2], "num", check="nonneg"), "objective.weights", parts[2])
        if len(parts) == 4 and parts[1] == "targets" and parts[3] in ("min", "max"):
            _term(parts[2])
            return Target(path, Field(parts[3], "num", None, check="ratio" if parts[2] == "coverage" else None),
                          f"objective.targets.{parts[2]}", parts[3])
        raise PathError("expected objective.weights.TERM, objective.targets.TERM.min|max, "
                        "objective.boundary_penalty or objective.offset")
    m = _TABLE_PATH.match(path)
    if not m or m["table"] not in TABLES or m["table"] == "assumptions":
        raise PathError(f"unknown path ({GRAMMAR})")
    table = m["table"]
    frame: pd.DataFrame = getattr(inst, table)
    rest = m["rest"].split(".")
    column = rest[-1]
    mask = np.ones(len(frame), dtype=bool)
    filters = _filters(m["filters"]) if m["filters"] is not None else []
    if len(rest) > 1:  # TABLE.ID.COLUMN (options: PARCEL/USE)
        if m["filters"] is not None:
            raise PathError(f"give the row by id or by a filter, not both ({GRAMMAR})")
        ident = ".".join(rest[:-1])
        if table == "options":
            parcel, sep, use = ident.partition("/")
            if not sep:
                raise PathError(f"an option is named PARCEL/USE, not {show(ident)}")
            filters = [("parcel", parcel), ("use", use)]
        elif table in ID_TABLES:
            filters = [("id", ident)]
        else:
            raise PathError(f"the rows of {table} have no id: use {table}[COLUMN=VALUE].{column}")
    for col, value in filters:
        if col == "id" and table in ID_TABLES:
            cells = frame.index
        elif col in frame.columns:
            cells = frame[col]
        else:
            raise PathError(f"unknown column {show(col)} of {table} in the filter")
        mask &= _cells_are(cells, value)
    field = TABLES[table].get(column)
    if table == "options" and column in inst.resources.index:
        field = Field(column, "num", 0.0, check="nonneg")
    if field is None or column in ("id", "parcel", "use") and table == "options" or column == "id":
        raise PathError(f"unknown column {show(column)} of {table}")
    if not mask.any():
        if len(rest) > 1 and table == "options":
            raise PathError(f"no option {show(ident)} (write options.PARCEL/USE.COLUMN)")
        if len(rest) > 1 or filters == [("id", filters[0][1])] if filters else False:
            raise PathError(f"unknown {table} id {show(filters[0][1])}")
        what = " and ".join(f"{c} = {show(v)}" for c, v in filters)
        raise PathError(f"names nothing: no row of {table} has {what} ({GRAMMAR})" if filters
                        else f"{table} has no rows")
    return Target(path, field, table, column, np.flatnonzero(mask))


def _cells_are(cells: pd.Series | pd.Index, value: str) -> np.ndarray:
    """Mask of the cells whose text is `value` (`cells.astype(str) == value`),
    compared directly when every cell is text."""
    text = cells.to_numpy(dtype=object)
    if infer_dtype(text, skipna=False) == "string":  # text only, nothing missing: each cell is its own text
        return text == value
    if isinstance(cells, pd.Index):
        cells = cells.to_series()
    return (cells.astype(str) == value).to_numpy()


def _term(term: str) -> None:
    if term not in TERMS:
        raise PathError(f"unknown term {show(term)} (terms: {', '.join(TERMS)})")


def _filters(text: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split(","):
        col, sep, value = part.partition("=")
        if not sep or not col.strip():
            raise PathError(f"a filter is [COLUMN=VALUE], not [{show(text)}] ({GRAMMAR})")
        out.append((col.strip(), value.strip()))
    return out


def read_value(inst: Instance, path: str) -> Any:
    """The figure `path` names (the first row's, for a table path). `PathError` if
    it names nothing."""
    target = parse_path(inst, path)
    section, key = target.section, target.key
    if section in ("policy", "eod"):
        return getattr(getattr(inst, section), key, None)
    if section == "solver":
        return inst.solver.get(key)
    if section == "objective.weights":
        return inst.objective.weight(key)
    if section.startswith("objective.targets."):
        return inst.objective.targets.get(section.rsplit(".", 1)[1], (None, None))[key == "max"]
    if section == "objective":
        return getattr(inst.objective, key)
    return getattr(inst, section)[key].iat[int(target.rows[0])]


def same_figures(inst: Instance, a: str, b: str) -> bool:
    """Paths `a` and `b` name some figure in common (the same setting, or the same
    column on at least one common row); False if either names nothing."""
    try:
        ta, tb = parse_path(inst, a), parse_path(inst, b)
    except PathError:
        return False
    if (ta.section, ta.key) != (tb.section, tb.key):
        return False
    return ta.rows is None or tb.rows is None or bool(np.intersect1d(ta.rows, tb.rows).size)


def check_override(inst: Instance, path: str, value: Any, how: str = "set") -> str | None:
    """What is wrong with setting (or scaling by) `value` at `path`, or None; the
    instance is not changed."""
    try:
        target = parse_path(inst, path)
    except PathError as exc:
        return str(exc)
    if how == "scale":
        factor, msg = coerce_override(_FACTOR, value)
        if msg:
            return f"factor {msg}"
        if not target.numeric:
            return f"{show(target.key)} is not a number: it cannot be scaled"
        return None
    return coerce_override(target.field, value)[1]


def _assign(inst: Instance, target: Target, value: Any) -> None:
    section, key = target.section, target.key
    inst.defaults.discard(f"{section}.{key}")  # given now: no longer the default
    inst.changed.append(target.path)
    if section == "policy":
        setattr(inst.policy, key, value)
    elif section == "eod":
        if inst.eod is None:
            if key != "income_share":
                raise PathError("the instance has no eod section: set eod.income_share first")
            inst.eod = Eod(income_share=value)
        else:
            setattr(inst.eod, key, value)
    elif section == "solver":
        inst.solver[key] = value
    elif section == "objective.weights":
        inst.objective.weights[key] = value
    elif section.startswith("objective.targets."):
        term = section.rsplit(".", 1)[1]
        lo, hi = inst.objective.targets.get(term, (None, None))
        inst.objective.targets[term] = (value, hi) if key == "min" else (lo, value)
    elif section == "objective":
        setattr(inst.objective, key, value)
    else:
        frame = getattr(inst, section)
        values = frame[key].to_numpy(copy=True) if frame[key].dtype != object else frame[key].to_numpy(
            dtype=object, copy=True)
        if target.numeric and values.dtype != np.float64:
            values = values.astype(float)
        values[target.rows] = value
        frame[key] = values


def _set(inst: Instance, path: str, value: Any) -> str | None:
    try:
        target = parse_path(inst, path)
        value, msg = coerce_override(target.field, value)
        if msg:
            return msg
        _assign(inst, target, value)
    except PathError as exc:
        return str(exc)
    return None


def _scale(inst: Instance, path: str, factor: Any) -> str | None:
    factor, msg = coerce_override(_FACTOR, factor)
    if msg:
        return f"factor {msg}"
    try:
        target = parse_path(inst, path)
        if not target.numeric:
            return f"{show(target.key)} is not a number: it cannot be scaled"
        current = read_value(inst, path) if target.rows is None else None
        if target.rows is None:
            if current is None or (isinstance(current, float) and math.isnan(current)):
                return "is not given: there is nothing to scale (set it instead)"
            value, msg = coerce_override(target.field, float(current) * factor)
            if msg:
                return msg
            _assign(inst, target, value)
            return None
        frame = getattr(inst, target.section)
        values = column_floats(frame[target.key]).copy()
        values[target.rows] = values[target.rows] * factor
        frame[target.key] = values
        inst.changed.append(target.path)
    except PathError as exc:
        return str(exc)
    return None


def _is_file_ref(name: str) -> bool:
    base = name.rsplit(":", 1)[0] if ":" in name else name
    return base.endswith((".yaml", ".yml"))


def _from_file(ref: str) -> tuple[list[tuple[str, Any]], list[Problem]]:
    """Scenarios of an override file: `FILE.yaml` (a scenario mapping with set/scale,
    or a file with `scenarios:`, all applied in order) or `FILE.yaml:NAME` (one of them)."""
    path, name = (ref.rsplit(":", 1) + [None])[:2] if ref.rsplit(":", 1)[-1] and not \
        ref.endswith((".yaml", ".yml")) else (ref, None)
    where = f"--scenario {ref}"
    if bad := regular_file_problem(Path(path)):
        return [], [Problem(where, f"cannot read the override file: {bad}")]
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        return [], [Problem(where, f"cannot read the override file: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return [], [Problem(where, f"the override file is not UTF-8 text (bad byte at offset {exc.start})")]
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        return [], [Problem(where, f"the override file is not valid YAML: {show(str(exc))}")]
    if not isinstance(doc, dict):
        return [], [Problem(where, "an override file is a scenario mapping (set/scale) or has 'scenarios:'")]
    if "scenarios" in doc:
        table = doc["scenarios"]
        if not isinstance(table, dict):
            return [], [Problem(where, "'scenarios' must map names to scenarios")]
        if name is not None:
            if name not in table:
                return [], [Problem(where, f"unknown scenario {name!r} (known: {', '.join(table) or 'none'})")]
            return [(f"scenario {Path(path).name}:{name}", table[name])], []
        return [(f"scenario {Path(path).name}:{k}", v) for k, v in table.items()], []
    if name is not None:
        return [], [Problem(where, f"the file has no 'scenarios:' to pick {name!r} from")]
    return [(f"scenario {Path(path).name}", doc)], []


def _file(inst: Instance) -> str:
    return inst.path.name if inst.path is not None and inst.path.name else "<instance>"


def apply_scenarios(inst: Instance, names: list[str]) -> Instance:
    """A copy of `inst` with the named scenarios applied in order. A name may also
    be an override file, `FILE.yaml` or `FILE.yaml:NAME` (see `_from_file`)."""
    if not names:
        return inst
    specs: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for n in names:
        if n in inst.scenarios:
            specs.append((f"{_file(inst)}: scenario {n}", inst.scenarios[n]))
        elif _is_file_ref(n):
            found, bad = _from_file(n)
            specs += found
            problems += bad
        else:
            problems.append(Problem(f"--scenario {n}",
                                    f"unknown scenario (known: {', '.join(inst.scenarios) or 'none'})"))
    if problems:
        raise InstanceError(problems)
    out = inst.copy()
    for label, spec in specs:
        apply_overrides(out, spec, label)
    problems = run_checks(out)
    if problems:
        raise InstanceError(problems)
    out.applied_scenarios = [*inst.applied_scenarios, *names]
    return out


def apply_overrides(inst: Instance, spec: Any, label: str) -> None:
    """Apply one scenario mapping to `inst` in place; raise on any problem."""
    problems: list[Problem] = []
    if not isinstance(spec, dict):
        raise InstanceError([Problem(label, "a scenario must be a mapping with 'set' and/or 'scale'")])
    for key in spec:
        if key not in SCENARIO_KEYS:
            problems.append(Problem(f"{label}.{key}", "unknown key (known: description, set, scale)"))
    for part in ("set", "scale"):  # found by tests/test_hostile.py: `set: true` crashed
        if spec.get(part) is not None and not isinstance(spec[part], dict):
            problems.append(Problem(f"{label}.{part}", f"must be a mapping path -> "
                                    f"{'value' if part == 'set' else 'factor'}, not {type_name(spec[part])}"))
    for path, value in (spec.get("set") if isinstance(spec.get("set"), dict) else {}).items():
        msg = _set(inst, str(path), value)
        if msg:
            problems.append(Problem(f"{label}.set.{path}", msg))
    for path, factor in (spec.get("scale") if isinstance(spec.get("scale"), dict) else {}).items():
        msg = _scale(inst, str(path), factor)
        if msg:
            problems.append(Problem(f"{label}.scale.{path}", msg))
    if problems:
        raise InstanceError(problems)


def coerce_override(f: Field, value: Any) -> tuple[Any, str | None]:
    if value is None:  # empty: the field's default where it has one
        return None, None if f.default is not None and not f.required else "cannot be empty"
    try:
        value = COERCE[f.kind](value)
    except (TypeError, ValueError) as exc:
        return None, str(exc)
    if f.choices is not None and value not in f.choices and not (value == "" and f.default == ""):
        return None, f"{value!r} is not one of {', '.join(f.choices)}"
    if f.check:
        msg = range_problem(f.check, value)
        if msg:
            return None, msg
    return value, None


def check_scenarios(inst: Instance, applied: list[str] | tuple[str, ...] = ()) -> list[Problem]:
    """Problems of the instance's named scenarios: for each, that every path names
    figures of the instance and every value or factor fits them (the instance is
    not changed); the scenarios in `applied` are also applied in order and the
    instance they make is checked whole, as `optim solve --scenario` solves it."""
    problems: list[Problem] = []
    for name, spec in inst.scenarios.items():
        label = f"{_file(inst)}: scenario {name}"
        if not isinstance(spec, dict):
            continue  # reported while reading
        for how in ("set", "scale"):
            entries = spec.get(how)
            if not isinstance(entries, dict):
                continue  # reported by apply_overrides when applied; shape checked below
            for path, value in entries.items():
                if msg := check_override(inst, str(path), value, how):
                    problems.append(Problem(f"{label}.{how}.{path}", msg))
        for key in spec:
            if key not in SCENARIO_KEYS:
                problems.append(Problem(f"{label}.{key}", "unknown key (known: description, set, scale)"))
        for how in ("set", "scale"):
            if spec.get(how) is not None and not isinstance(spec[how], dict):
                problems.append(Problem(f"{label}.{how}", f"must be a mapping path -> "
                                        f"{'value' if how == 'set' else 'factor'}, not {type_name(spec[how])}"))
    if applied and not problems:
        try:
            apply_scenarios(inst, list(applied))
        except InstanceError as exc:
            problems.extend(exc.problems)
    return problems
