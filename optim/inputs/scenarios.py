"""Named scenarios: overrides of a base instance.

An instance file may hold a `scenarios:` mapping, name -> scenario::

    scenarios:
      cheap_land:
        description: land prices fall 20 %
        set:                                   # any scalar or one entity's field
          policy.coverage_target: 0.9
          sources.cdb.cap: 800000000
          objective.weights.industrial_output: 5
        scale:                                 # a column of a table, optionally filtered
          options[use=commercial].land_income: 0.8
          sources.cap: 1.1

Paths of `set`: `policy.KEY`, `eod.KEY`, `solver.KEY`,
`objective.weights.TERM`, `objective.targets.TERM.min|max`, `TABLE.ID.COLUMN`
for a table keyed by id (uses, categories, resources, parcels, projects,
sources), `options.PARCEL/USE.COLUMN` for one option. Paths of `scale`:
`TABLE.COLUMN` or `TABLE[COLUMN=VALUE].COLUMN` on a numeric column.
Scenarios compose: each applies to the result of the ones before it. Every
changed value is checked against the schema like a value read from a file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import InstanceError, Problem
from .coerce import COERCE, range_problem, type_name
from .instance import Eod, Instance
from .schema import ID_TABLES, MAPPINGS, TABLES, TERMS, Field
from .validate import run_checks

SCENARIO_KEYS = {"description", "set", "scale"}
SCALE_PATH = re.compile(r"^(?P<table>\w+)(\[(?P<col>\w+)=(?P<val>[^\]]+)\])?\.(?P<column>\w+)$")


def _is_file_ref(name: str) -> bool:
    base = name.rsplit(":", 1)[0] if ":" in name else name
    return base.endswith((".yaml", ".yml"))


def _from_file(ref: str) -> tuple[list[tuple[str, Any]], list[Problem]]:
    """Scenarios of an override file: `FILE.yaml` (a scenario mapping with set/scale,
    or a file with `scenarios:`, all applied in order) or `FILE.yaml:NAME` (one of them)."""
    path, name = (ref.rsplit(":", 1) + [None])[:2] if ref.rsplit(":", 1)[-1] and not \
        ref.endswith((".yaml", ".yml")) else (ref, None)
    where = f"--scenario {ref}"
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        return [], [Problem(where, f"cannot read the override file: {exc.strerror or exc}")]
    except yaml.YAMLError as exc:
        return [], [Problem(where, f"the override file is not valid YAML: {exc}")]
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


def apply_scenarios(inst: Instance, names: list[str]) -> Instance:
    """A copy of `inst` with the named scenarios applied in order. A name may also
    be an override file, `FILE.yaml` or `FILE.yaml:NAME` (see `_from_file`)."""
    if not names:
        return inst
    specs: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for n in names:
        if n in inst.scenarios:
            specs.append((f"scenario {n}", inst.scenarios[n]))
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
    if value is None:
        return None, None if f.default is not None else "cannot be empty"
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


def read_value(inst: Instance, path: str) -> Any:
    """The figure at a `set` path (`policy.KEY`, `eod.KEY`, `objective.weights.TERM`,
    `objective.targets.TERM.min|max`, `TABLE.ID.COLUMN`, `options.PARCEL/USE.COLUMN`);
    KeyError if it names nothing."""
    parts = path.split(".")
    head = parts[0]
    if head in ("policy", "eod") and len(parts) == 2 and parts[1] in MAPPINGS[head]:
        return getattr(getattr(inst, head), parts[1], None)
    if head == "objective" and len(parts) == 3 and parts[1] == "weights" and parts[2] in TERMS:
        return inst.objective.weight(parts[2])
    if head == "objective" and len(parts) == 4 and parts[1] == "targets" and parts[3] in ("min", "max"):
        return inst.objective.targets.get(parts[2], (None, None))[parts[3] == "max"]
    if head in ID_TABLES and len(parts) == 3:
        frame = getattr(inst, head)
        if parts[1] in frame.index and parts[2] in frame.columns:
            return frame.at[parts[1], parts[2]]
    if head == "options" and len(parts) == 3:
        parcel, _, use = parts[1].partition("/")
        mask = ((inst.options["parcel"] == parcel) & (inst.options["use"] == use)).to_numpy()
        if mask.any() and parts[2] in inst.options.columns and parts[2] not in ("parcel", "use"):
            return inst.options.loc[mask, parts[2]].iloc[0]
    raise KeyError(f"{path!r} names no figure of the instance")


def _set(inst: Instance, path: str, value: Any) -> str | None:
    parts = path.split(".")
    head = parts[0]
    if head in ("policy", "eod", "solver") and len(parts) == 2:
        key = parts[1]
        if key not in MAPPINGS[head] or key == "locked_uses":
            return f"unknown key {key!r} of {head}"
        value, msg = coerce_override(MAPPINGS[head][key], value)
        if msg:
            return msg
        if head == "policy":
            setattr(inst.policy, key, value)
        elif head == "eod":
            if inst.eod is None:
                if key != "income_share":
                    return "the instance has no eod section: set eod.income_share first"
                inst.eod = Eod(income_share=value)
            else:
                setattr(inst.eod, key, value)
        else:
            inst.solver[key] = value
        return None
    if head == "objective" and len(parts) >= 3:
        term = parts[2]
        if term not in TERMS:
            return f"unknown term {term!r} (terms: {', '.join(TERMS)})"
        if parts[1] == "weights" and len(parts) == 3:
            value, msg = coerce_override(Field(term, "num", check="nonneg"), value)
            if msg:
                return msg
            inst.objective.weights[term] = value
            return None
        if parts[1] == "targets" and len(parts) == 4 and parts[3] in ("min", "max"):
            value, msg = coerce_override(Field(parts[3], "num", None,
                                       check="ratio" if term == "coverage" else None), value)
            if msg:
                return msg
            lo, hi = inst.objective.targets.get(term, (None, None))
            inst.objective.targets[term] = (value, hi) if parts[3] == "min" else (lo, value)
            return None
        return "expected objective.weights.TERM or objective.targets.TERM.min|max"
    if head in ID_TABLES and len(parts) == 3:
        table, ident, column = parts
        frame = getattr(inst, table)
        if ident not in frame.index:
            return f"unknown {table} id {ident!r}"
        f = TABLES[table].get(column)
        if f is None or column == "id":
            return f"unknown column {column!r} of {table}"
        value, msg = coerce_override(f, value)
        if msg:
            return msg
        frame.at[ident, column] = value
        return None
    if head == "options" and len(parts) == 3:
        parcel, _, use = parts[1].partition("/")
        mask = (inst.options["parcel"] == parcel) & (inst.options["use"] == use)
        if not mask.any():
            return f"no option {parts[1]!r} (write options.PARCEL/USE.COLUMN)"
        f = TABLES["options"].get(parts[2]) or (
            Field(parts[2], "num", 0.0, check="nonneg") if parts[2] in inst.resource_ids else None)
        if f is None or parts[2] in ("parcel", "use"):
            return f"unknown column {parts[2]!r} of options"
        value, msg = coerce_override(f, value)
        if msg:
            return msg
        inst.options.loc[mask, parts[2]] = value
        return None
    return "unknown path (see the scenario format in docs/instance-format.md)"


def _scale(inst: Instance, path: str, factor: Any) -> str | None:
    factor, msg = coerce_override(Field("factor", "num", check="nonneg"), factor)
    if msg:
        return f"factor {msg}"
    m = SCALE_PATH.match(path)
    if not m or m["table"] not in TABLES or m["table"] == "assumptions":
        return "expected TABLE.COLUMN or TABLE[COLUMN=VALUE].COLUMN"
    table, column = m["table"], m["column"]
    frame = getattr(inst, table)
    schema = TABLES[table]
    is_resource = table == "options" and column in inst.resource_ids
    if not is_resource and (column not in schema or schema[column].kind != "num"):
        return f"{column!r} is not a numeric column of {table}"
    mask = slice(None)
    if m["col"]:
        col = m["col"]
        values = frame.index.to_series() if col == "id" and table in ID_TABLES else frame.get(col)
        if values is None:
            return f"unknown column {col!r} of {table}"
        mask = (values.astype(str) == m["val"]).to_numpy()
        if not mask.any():
            return f"no row of {table} has {col} = {m['val']!r}"
    frame.loc[mask, column] = frame.loc[mask, column].astype(float) * factor
    return None


def check_scenarios(inst: Instance) -> list[Problem]:
    """Problems of each named scenario, found by applying it to a copy."""
    problems: list[Problem] = []
    for name in inst.scenarios:
        try:
            apply_scenarios(inst, [name])
        except InstanceError as exc:
            problems.extend(exc.problems)
    return problems
