"""Hostile and broken input, generated (hypothesis): every case ends in a valid plan
(status optimal, feasible or infeasible) or in `optim.InstanceError` with clear
messages (exit 2 through the CLI, no traceback) -- never another exception, a
hang or a crash.

Cases (2,460 generated per run, N_CASES below, plus a dozen fixed ones):

- generated small instances (a few parcels, uses, sources), solved and checked;
- mutations of valid documents (the tiny instance, a phased one, one with
  locks and adjacency, one with relocation): wrong types, missing fields, NaN
  and infinity, negative and huge numbers, unknown ids, duplicate ids, empty
  tables, unicode, very long strings, unknown keys, wrong containers;
- mutations of CSV tables: BOMs, CRLF and CR line ends, quotes, NUL bytes,
  bad UTF-8, blank lines, extra and missing cells, duplicate columns, odd numbers;
- raw YAML text: random text, alias bombs ("billion laughs"), recursive
  aliases, deep nesting, tags that would construct Python objects
  (`!!python/object/apply:os.system`), other tags, merge keys, several documents;
- CSV `file:` paths outside the instance folder (`../../etc/passwd`, absolute
  paths, symbolic links), NUL bytes, directories, FIFOs, very long names;
- single values against every field of the schema (the coercion all tables share);
- scenarios with hostile paths, values and scale factors, applied and solved;
- a sample through the command line (in this process, and a few in a subprocess);
- one verdict: `validate` and `solve` on the same mutated file give the same
  errors and warnings (exit 0 from validate means solve does not refuse it);
- silent defaults (a resource column left out, a current use that is not an
  option, weights empty or left out, land income as own funds by default): each
  refused or warned about, naming its place;
- hostile ids (empty, spaces, control characters, other scripts) in YAML and CSV;
- signed values and an objective offset: the terms add up to the objective;
- sweep specs whose paths name nothing: refused before any run starts.

In CI (environment variable CI set) the cases are derandomized: the same on
every run.

Sizes are small and most cases stop at validation; a case that runs for more
than HANG_SECONDS fails as a hang.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import optim
from optim import cli
from optim.check import check_plan
from optim.inputs.coerce import check_value as _check, coerce_column as _coerce_column
from optim.inputs.limits import ALLOW_EXTERNAL_ENV, MAX_ALIAS_NODES, MAX_DEPTH, show
from optim.inputs.schema import MAPPINGS, TABLES

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
M = 1_000_000

N_GENERATED = 80  # generated instances, each solved
N_MUTATIONS = 360  # mutated documents, through the YAML loader
N_CSV = 280  # mutated CSV tables
N_YAML = 360  # raw YAML text
N_PATHS = 100  # CSV file paths
N_VALUES = 850  # single values against every field
N_CLI = 30  # through cli.main
N_SCENARIOS = 100  # hostile scenarios, applied as `--scenario` applies them
N_VERDICT = 80  # mutated documents through `validate` and `solve`: one verdict
N_DEFAULTS = 60  # silent defaults: each one refused or warned about, with its place
N_IDS = 80  # hostile ids in YAML and CSV
N_SIGNED = 40  # signed values and an objective offset, solved
N_SWEEP = 40  # sweep specs with hostile paths, refused before any run
N_CASES = (N_GENERATED + N_MUTATIONS + N_CSV + N_YAML + N_PATHS + N_VALUES + N_CLI + N_SCENARIOS
           + N_VERDICT + N_DEFAULTS + N_IDS + N_SIGNED + N_SWEEP)  # 2,460
HANG_SECONDS = 30
SOLVE_SECONDS = 2.0

# In CI (the environment variable CI set, as .ci/run and CI services set it) the
# cases are the same on every run: derandomized, so a red build is reproducible.
# Elsewhere every run draws new cases, to find what the fixed ones miss.
COMMON = dict(deadline=None, database=None, print_blob=True, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])


class Hang(Exception):
    pass


@contextlib.contextmanager
def no_hang(seconds: float = HANG_SECONDS):
    """Fail a case that runs longer than `seconds` (SIGALRM; main thread only)."""
    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---- the valid documents that are mutated ----------------------------------------------
TINY_DOC = yaml.safe_load(TINY.read_text())

PHASED_DOC = {
    "name": "phasing",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True}],
    "categories": [{"id": "park"}],
    "parcels": [{"id": "A", "area": 10, "current_use": "commercial"}],
    "options": [{"parcel": "A", "use": "commercial", "land_income": 50},
                {"parcel": "A", "use": "industrial", "output": 60, "conversion_cost": 100}],
    "sources": [{"id": "loan", "kind": "bank_loan", "cap": 100, "rate": 0.1, "tenor": 2,
                 "categories": ["park"]}],
    "periods": [{"id": "y1"}, {"id": "y2", "own_funds": 40}, {"id": "y3", "own_funds": 35}],
    "policy": {"tax_share": 0.5, "land_income_to_own_funds": 1.0, "discount_rate": 0.1},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1}, "values": "present"},
}

LOCKS_DOC = {
    "name": "locks",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True},
             {"id": "residential"}],
    "categories": [{"id": "park"}],
    "parcels": [{"id": "P1", "area": 10, "current_use": "commercial", "lock": "in"},
                {"id": "P2", "area": 20, "current_use": "residential"},
                {"id": "P3", "area": 10, "current_use": "industrial"}],
    "options": [{"parcel": "P1", "use": "commercial", "land_income": 30 * M},
                {"parcel": "P1", "use": "industrial", "output": 25 * M},
                {"parcel": "P2", "use": "residential", "land_income": 40 * M},
                {"parcel": "P2", "use": "industrial", "output": 50 * M},
                {"parcel": "P3", "use": "industrial", "output": 10 * M}],
    "projects": [{"id": "infra", "category": "park", "cost": 50 * M}],
    "sources": [{"id": "cheap", "kind": "bank_loan", "cap": 60 * M, "rate": 0.02},
                {"id": "dear", "kind": "bond", "cap": 60 * M, "rate": 0.05, "min_ticket": 10 * M,
                 "fixed_cost": 0.5 * M, "lock": "in"}],
    "adjacency": [{"parcel_a": "P1", "parcel_b": "P2", "length": 2},
                  {"parcel_a": "P2", "parcel_b": "P3"}],
    "compatibility": [{"use_a": "industrial", "use_b": "residential", "rule": "penalty", "penalty": M}],
    "policy": {"own_funds_budget": 0.5 * M, "land_income_to_own_funds": 0},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1, "financing_cost": 1},
                  "boundary_penalty": 1000},
    "solver": {"threads": 1, "seed": 0, "presolve": "choose"},
}

RELOCATION_DOC = {
    "name": "relocation",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "industrial", "industrial": True}],
    "categories": [{"id": "park"}, {"id": "relocation"}],
    "parcels": [{"id": "A", "area": 10, "current_use": "commercial"},
                {"id": "B", "area": 20, "current_use": "commercial"}],
    "options": [{"parcel": "A", "use": "commercial", "land_income": 10 * M},
                {"parcel": "B", "use": "commercial", "land_income": 30 * M},
                {"parcel": "A", "use": "industrial"},
                {"parcel": "B", "use": "industrial"}],
    "sources": [{"id": "fund", "kind": "other", "cap": 100 * M, "rate": 1.0}],
    "enterprises": [{"id": "E1", "area": 8, "use": "industrial", "cost": 5 * M},
                    {"id": "E2", "area": 5, "use": "industrial", "cost": 1 * M, "required": False}],
    "relocation_costs": [{"enterprise": "E1", "parcel": "B", "cost": 1 * M}],
    "policy": {"own_funds_budget": 0, "land_income_to_own_funds": 0},
    "objective": {"weights": {"land_income": 1, "industrial_output": 1, "financing_cost": 1}},
}

BASES = {"tiny": TINY_DOC, "phased": PHASED_DOC, "locks": LOCKS_DOC, "relocation": RELOCATION_DOC}


# ---- what every case must end in ---------------------------------------------------------
def assert_clean_error(exc: optim.InstanceError) -> None:
    assert exc.problems, "an InstanceError without problems"
    for p in exc.problems:
        assert isinstance(p.where, str) and p.where.strip(), p
        assert isinstance(p.message, str) and p.message.strip(), p
        assert len(str(p)) <= 2000, f"a message of {len(str(p)):,} characters"
        assert "Traceback" not in p.message


def assert_valid_plan(inst: optim.Instance) -> str:
    """Solve a loaded instance: a plan the checker accepts, a clean 'no plan', or an
    `InstanceError` when the model built from valid figures is beyond what HiGHS
    accepts (optim/limits.py `check_model`)."""
    try:
        res = optim.solve(inst, time_limit=SOLVE_SECONDS)
    except optim.InstanceError as exc:
        assert_clean_error(exc)
        assert all(p.where.startswith("model ") for p in exc.problems), exc.problems
        return "invalid model"
    assert res.status in ("optimal", "feasible", "infeasible"), (res.status, res.termination)
    if res.has_plan:
        report = check_plan(inst, res, tol=1e-5)
        assert report["ok"].all(), report[~report["ok"]]
    return res.status


def outcome(path: Path, solve: bool = True) -> str:
    """Load (and, if valid and asked, solve) the instance at `path`."""
    with no_hang():
        try:
            inst = optim.load(path)
        except optim.InstanceError as exc:
            assert_clean_error(exc)
            return "invalid"
        if solve:
            return assert_valid_plan(inst)
        return "valid"


def dump(doc) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


# ---- 1. generated instances -----------------------------------------------------------------
USES = ["commercial", "residential", "industrial", "green"]
KINDS = ["policy_finance", "bank_loan", "special_fund", "bond", "equity", "other"]
money = st.integers(0, 200).map(lambda k: k * 0.5 * M)


@st.composite
def instances(draw) -> dict:
    """A small valid instance: 1-4 parcels, 2-4 uses, 1-3 sources, 0-2 projects."""
    uses = USES[:draw(st.integers(2, 4))]
    if "industrial" not in uses:
        uses = [*uses, "industrial"]
    cats = ["park"] + (["ecology"] if draw(st.booleans()) else [])
    n = draw(st.integers(1, 4))
    parcels, options = [], []
    for k in range(n):
        current = draw(st.sampled_from(uses))
        pid = f"P{k}"
        parcels.append({"id": pid, "area": draw(st.integers(1, 50)), "current_use": current,
                        "route": draw(st.booleans())})
        allowed = [current] + [u for u in uses if u != current and draw(st.booleans())]
        for u in allowed:
            options.append({"parcel": pid, "use": u, "land_income": draw(money), "output": draw(money),
                            "conversion_cost": 0 if u == current else draw(money),
                            "energy": draw(st.integers(0, 10))})
    projects = [{"id": f"J{k}", "category": draw(st.sampled_from(cats)), "cost": draw(money),
                 "mandatory": draw(st.booleans()), "industrial_area": draw(st.integers(0, 30))}
                for k in range(draw(st.integers(0, 2)))]
    sources = []
    for k in range(draw(st.integers(1, 3))):
        cap = draw(money)
        sources.append({"id": f"S{k}", "kind": draw(st.sampled_from(KINDS)), "cap": cap,
                        "min_ticket": draw(st.sampled_from([0.0, cap / 2])),
                        "fixed_cost": draw(st.sampled_from([0.0, 0.1 * M])),
                        "rate": draw(st.sampled_from([0.0, 0.02, 0.05])),
                        "categories": draw(st.lists(st.sampled_from(cats), min_size=1, unique=True))})
    doc = {"name": "generated",
           "uses": [{"id": u, "industrial": u == "industrial", "commercial": u == "commercial"} for u in uses],
           "categories": [{"id": c, "ecology": c == "ecology"} for c in cats],
           "resources": [{"id": "energy", "cap": draw(st.integers(0, 40))}],
           "parcels": parcels, "options": options, "projects": projects, "sources": sources,
           "policy": {"coverage_target": draw(st.sampled_from([0.0, 0.5, 0.9])),
                      "coverage_scope": ["park"], "own_funds_budget": draw(money)},
           "objective": {"weights": {"land_income": 1, "industrial_output": draw(st.sampled_from([0, 1, 3])),
                                     "financing_cost": 1}}}
    if "ecology" in cats:
        doc["eod"] = {"income_share": draw(st.sampled_from([0.0, 0.3, 1.0]))}
    scale = draw(st.sampled_from([1, 1, 1, 1e-6, 1e-3, 1e3, 1e6]))  # money in other magnitudes
    if scale != 1:
        for row in options:
            for k in ("land_income", "output", "conversion_cost"):
                row[k] *= scale
        for row in projects:
            row["cost"] *= scale
        for row in sources:
            for k in ("cap", "min_ticket", "fixed_cost"):
                row[k] *= scale
        doc["policy"]["own_funds_budget"] *= scale
    return doc


@settings(max_examples=N_GENERATED, **COMMON)
@given(doc=instances())
def test_generated_instances_end_in_a_plan_or_no_plan(folder, doc):
    path = folder / "generated.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    result = outcome(path)
    event(result)
    assert result in ("optimal", "feasible", "infeasible", "invalid")


# ---- 2. mutated documents ------------------------------------------------------------------
LONG = "x" * 100_000
hostile_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(-10**30, 10**30),
    st.sampled_from([10**400, -10**400, 2**63, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, -1e308, 5e-324, 1e300, 1e16, 1e-12]),
    st.text(max_size=12),
    st.sampled_from(["", " ", "all", "true", "no", "nan", "NaN", "inf", "-Infinity", "1e999", "0x10",
                     "1_000", "١٢٣", "\u202egnp.exe", "💥", "\x00", "P1\x00", "\ufeffP1", "P1\r\n",
                     LONG, "é" * 5000, "../../etc/passwd", "/etc/passwd", "2023-01-01", "~", "{a: 1}",
                     "null", "industrial ", " P1", "p1", "P1;P2", "park;ecology", "all;park"]),
)
hostile_values = st.one_of(
    hostile_scalars,
    st.lists(hostile_scalars, max_size=3),
    st.dictionaries(st.text(max_size=5), hostile_scalars, max_size=3),
    st.sampled_from([[], {}, [[]], [{}], {"file": "x.csv"}, {"min": 1}, [LONG], {LONG: 1}]),
)


def positions(doc, path=()):
    """Every (path, value) in a document: mappings, lists and scalars."""
    yield path, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from positions(v, (*path, k))
    elif isinstance(doc, list):
        for k, v in enumerate(doc):
            yield from positions(v, (*path, k))


def at(doc, path):
    for k in path:
        doc = doc[k]
    return doc


MUTATIONS = ["set", "set", "set", "delete", "duplicate_row", "empty", "unknown_id", "add_key",
             "swap_container", "set_many", "number", "number", "number"]
extreme_numbers = st.sampled_from([0, 0.0, -0.0, 1e15, 9.99e14, -1e15, 1e14, 1e12, 1e-12, 1e-300, 5e-324,
                                   10**15, 10**15 + 1, 1.0000001e15, 0.5, 1, 2, -1e-9])


@st.composite
def mutated(draw) -> tuple[str, dict, list[str]]:
    """A valid document with 1-3 mutations; returns (base, document, what was done)."""
    base = draw(st.sampled_from(sorted(BASES)))
    doc = copy.deepcopy(BASES[base])
    done = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(MUTATIONS))
        places = [p for p, _ in positions(doc) if p]
        if kind == "number":  # an extreme but well-formed number in a number's place
            places = [p for p, v in positions(doc) if p and isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent, key = at(doc, path[:-1]), path[-1]
        if kind in ("set", "set_many"):
            parent[key] = draw(hostile_values)
            if kind == "set_many" and isinstance(parent, list):
                for k in range(len(parent)):
                    parent[k] = draw(hostile_values)
        elif kind == "delete":
            del parent[key]
        elif kind == "duplicate_row":
            rows = [p for p in places if len(p) == 2 and isinstance(p[1], int)]
            if rows:
                t, k = draw(st.sampled_from(rows))
                doc[t].insert(k, copy.deepcopy(doc[t][k]))
        elif kind == "empty":
            top = path[0]
            doc[top] = draw(st.sampled_from([[], {}, None, "", [None]]))
        elif kind == "unknown_id":
            parent[key] = draw(st.sampled_from(["nowhere", "P9", "Industrial", ["nowhere"], "park;nowhere"]))
        elif kind == "add_key":
            target = parent if isinstance(parent, dict) else doc
            target[draw(st.one_of(st.text(max_size=8), st.sampled_from(["file", "id", "lock", LONG])))] = \
                draw(hostile_values)
        elif kind == "number":
            parent[key] = draw(extreme_numbers)
        elif kind == "swap_container":
            value = parent[key]
            parent[key] = [value] if not isinstance(value, list) else {"rows": value}
        done.append(f"{kind} {'.'.join(map(str, path))}")
    return base, doc, done


@settings(max_examples=N_MUTATIONS, **COMMON)
@given(case=mutated(), solve=st.integers(0, 4))
def test_mutated_documents_end_in_a_plan_or_a_message(folder, case, solve):
    base, doc, done = case
    path = folder / "mutated.yaml"
    try:
        text = dump(doc)
    except yaml.YAMLError:
        return  # not representable as YAML (cannot happen for these values)
    path.write_text(text, encoding="utf-8")
    # a valid case is solved if a number was changed, else one in five
    event(outcome(path, solve=solve == 0 or any(d.startswith("number") for d in done)))


# ---- 3. mutated CSV tables -------------------------------------------------------------------
def csv_of(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for r in rows for k in r))

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return ";".join(map(str, v))
        return str(v)

    return "\n".join([",".join(columns)] + [",".join(cell(r.get(c)) for c in columns) for r in rows]) + "\n"


CSV_EDITS = ["bom", "crlf", "cr", "quote", "unbalanced_quote", "nul", "bad_utf8", "blank_lines",
             "extra_cell", "missing_cell", "duplicate_column", "drop_column", "truncate", "insert_text",
             "replace_cell", "header_only", "empty", "whitespace", "long_cell", "unicode_header"]
odd_cells = st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "-1", "1_000", "1,000", "0x1F", "١",
                             "true", "TRUE", "yes", "maybe", '"', '""', "'", "\t", "P1", "💥", "a\nb",
                             "1e-400", "-0", "+5", ".5", "5.", "1e15", "1e308", "NaN", "None", "null",
                             "all", ";", "in", "out", "x" * 10_000])


@st.composite
def csv_cases(draw) -> tuple[dict, dict[str, bytes]]:
    base = draw(st.sampled_from(["tiny", "locks", "relocation"]))
    doc = copy.deepcopy(BASES[base])
    tables = [t for t in ("parcels", "options", "sources", "adjacency", "enterprises") if t in doc]
    moved = draw(st.lists(st.sampled_from(tables), min_size=1, max_size=3, unique=True))
    files = {}
    for t in moved:
        files[f"{t}.csv"] = csv_of(doc[t]).encode("utf-8")
        doc[t] = {"file": f"{t}.csv"}
    name = draw(st.sampled_from(sorted(files)))
    data = files[name]
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(CSV_EDITS))
        lines = data.split(b"\n")
        if edit == "bom":
            data = b"\xef\xbb\xbf" * draw(st.integers(1, 2)) + data
        elif edit == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif edit == "cr":
            data = data.replace(b"\n", b"\r")
        elif edit == "quote":
            k = draw(st.integers(0, len(lines) - 1))
            lines[k] = b'"' + lines[k].replace(b",", b'","') + b'"'
            data = b"\n".join(lines)
        elif edit == "unbalanced_quote":
            k = draw(st.integers(0, len(data)))
            data = data[:k] + b'"' + data[k:]
        elif edit == "nul":
            k = draw(st.integers(0, len(data)))
            data = data[:k] + b"\x00" + data[k:]
        elif edit == "bad_utf8":
            k = draw(st.integers(0, len(data)))
            data = data[:k] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"])) + data[k:]
        elif edit == "blank_lines":
            k = draw(st.integers(0, len(lines)))
            lines.insert(k, draw(st.sampled_from([b"", b",,,", b"  ", b"\t"])))
            data = b"\n".join(lines)
        elif edit in ("extra_cell", "missing_cell"):
            k = draw(st.integers(0, len(lines) - 1))
            lines[k] = lines[k] + b",x" if edit == "extra_cell" else lines[k].rsplit(b",", 1)[0]
            data = b"\n".join(lines)
        elif edit == "duplicate_column":
            head = lines[0].split(b",")
            lines[0] = b",".join(head + [draw(st.sampled_from(head))])
            data = b"\n".join(lines)
        elif edit == "drop_column":
            cells = [l.split(b",") for l in lines]
            k = draw(st.integers(0, max(0, len(cells[0]) - 1)))
            data = b"\n".join(b",".join(c[:k] + c[k + 1:]) for c in cells)
        elif edit == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif edit == "insert_text":
            k = draw(st.integers(0, len(data)))
            data = data[:k] + draw(st.text(max_size=6)).encode("utf-8") + data[k:]
        elif edit == "replace_cell":
            cells = [l.split(b",") for l in lines]
            r = draw(st.integers(0, len(cells) - 1))
            if cells[r]:
                c = draw(st.integers(0, len(cells[r]) - 1))
                cells[r][c] = draw(odd_cells).encode("utf-8")
            data = b"\n".join(b",".join(c) for c in cells)
        elif edit == "header_only":
            data = lines[0] + b"\n"
        elif edit == "empty":
            data = draw(st.sampled_from([b"", b"\n", b"\xef\xbb\xbf", b" \r\n"]))
        elif edit == "whitespace":
            data = data.replace(b",", b" , ")
        elif edit == "long_cell":
            data = data.replace(b",", b"," + b"9" * 5000, 1)
        elif edit == "unicode_header":
            data = "\u00e9\u4e2d,".encode("utf-8") + data
    files[name] = data
    return doc, files


@settings(max_examples=N_CSV, **COMMON)
@given(case=csv_cases(), solve=st.integers(0, 4))
def test_mutated_csv_tables_end_in_a_plan_or_a_message(folder, case, solve):
    doc, files = case
    d = folder / "csv"
    d.mkdir(exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    for name, data in files.items():
        (d / name).write_bytes(data)
    path = d / "instance.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    event(outcome(path, solve=solve == 0))


# ---- 4. raw YAML text ----------------------------------------------------------------------
def bomb(levels: int, width: int) -> str:
    """'Billion laughs': each level lists `width` aliases of the one before."""
    lines = ['a0: &a0 ["lol"]']
    for k in range(1, levels + 1):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * width)}]")
    lines.append(f"name: *a{levels}")
    return "\n".join(lines) + "\n"


TAGS = ["!!python/object/apply:os.system ['echo pwned > /tmp/optim-pwned']",
        "!!python/object/apply:subprocess.check_output [['id']]",
        "!!python/name:os.system", "!!python/object/new:dict {}", "!!python/module:os",
        "!!python/tuple [1, 2]", "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [{a: 1}]",
        "!!timestamp 2023-01-01", "!custom 1", "!<tag:yaml.org,2002:int> 3", "!!float nan",
        "!!int 0x1F", "!!str 1", "!!null ''", "!!bool yes", "!!map {a: 1}", "!!seq [1]"]
TINY_TEXT = TINY.read_text()


@st.composite
def yaml_texts(draw) -> str:
    kind = draw(st.sampled_from(["random", "bomb", "recursive", "deep", "tag", "tiny_edit", "merge",
                                 "documents", "bom_crlf", "long_line"]))
    if kind == "random":
        return draw(st.text(max_size=200))
    if kind == "bomb":
        return bomb(draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    if kind == "recursive":
        return draw(st.sampled_from(["a: &a [*a]\n", "a: &a {b: *a}\nname: *a\n",
                                     "uses: &u [{id: *u}]\nname: x\n", "&r [*r, *r]\n"]))
    if kind == "deep":
        depth = draw(st.integers(1, 3000))
        style = draw(st.sampled_from(["flow_list", "flow_map", "block"]))
        if style == "flow_list":
            return "name: " + "[" * depth + "]" * depth + "\n"
        if style == "flow_map":
            return "name: " + "{a: " * depth + "1" + "}" * depth + "\n"
        return "".join("  " * k + "a:\n" for k in range(min(depth, 400))) + "  " * min(depth, 400) + "b: 1\n"
    if kind == "tag":
        tag = draw(st.sampled_from(TAGS))
        where = draw(st.sampled_from(["name", "description", "uses", "policy", "solver", "top"]))
        if where == "top":
            return f"--- {tag}\n"
        return TINY_TEXT + f"\n{where}: {tag}\n" if where not in ("name", "description", "uses", "policy") \
            else TINY_TEXT.replace(f"\n{where}:", f"\n{where}: {tag}\nx_{where}:", 1)
    if kind == "tiny_edit":
        k = draw(st.integers(0, len(TINY_TEXT)))
        return TINY_TEXT[:k] + draw(st.text(max_size=5)) + TINY_TEXT[k + draw(st.integers(0, 5)):]
    if kind == "merge":
        return TINY_TEXT.replace("parcels:\n", "defaults: &d {area: 1, current_use: commercial}\nparcels:\n"
                                 "  - {<<: *d, id: P0}\n", 1)
    if kind == "documents":
        return TINY_TEXT + "\n---\n" + TINY_TEXT
    if kind == "bom_crlf":
        text = TINY_TEXT.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n"])))
        return draw(st.sampled_from(["", "\ufeff", "\ufeff\ufeff"])) + text
    return "name: " + "x" * draw(st.integers(1, 20_000)) + "\n" + TINY_TEXT.split("\n", 1)[1]


@settings(max_examples=N_YAML, **COMMON)
@given(text=yaml_texts(), encoding=st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"]))
def test_raw_yaml_text_ends_in_a_plan_or_a_message(folder, text, encoding):
    path = folder / "raw.yaml"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    event(outcome(path, solve=False))
    assert not Path("/tmp/optim-pwned").exists()  # no tag ever ran a command


def test_python_tags_are_refused_with_a_message(tmp_path):
    path = tmp_path / "instance.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo pwned > /tmp/optim-pwned']\n")
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    assert str(err.value.problems[0]).startswith(f"{path} line 1: not valid YAML: could not determine "
                                                 "a constructor for the tag 'tag:yaml.org,2002:python/object/apply")
    assert not Path("/tmp/optim-pwned").exists()


def test_billion_laughs_is_refused(tmp_path):
    """9 levels of 9 aliases: 9**9 = 387,420,489 copies of "lol" in 11 lines. A list
    a_k of nine aliases of a_(k-1) has 1 + 9 x size(a_(k-1)) nodes expanded, from
    size(a0) = 2 (the list and "lol"): 19, 172, 1,549, 13,942, 125,479, 1,129,312;
    a6 is the first over the limit of 1,000,000 added nodes (only ~20 are distinct)."""
    path = tmp_path / "instance.yaml"
    path.write_text(bomb(9, 9))
    with no_hang(10), pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}: not accepted: aliases expand the document to 1,129,312 nodes; "
        f"they may add at most {MAX_ALIAS_NODES:,}"]


def test_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "instance.yaml"
    path.write_text("name: x\nuses: &u [*u]\n")
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}: not accepted: an alias refers to a node that contains it (line 2): "
        "recursive structures are not allowed"]


def test_nesting_limit(tmp_path):
    path = tmp_path / "instance.yaml"
    path.write_text("name: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")  # MAX_DEPTH + 1 with the document
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}: not accepted: nested more than {MAX_DEPTH} levels deep (the limit)"]
    path.write_text("name: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")  # at the limit: read
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    assert "not accepted" not in str(err.value)


# ---- 5. CSV file paths ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def path_world(tmp_path_factory) -> dict:
    """An instance folder beside a folder holding a readable CSV file, a symbolic link
    from inside to outside, a FIFO and a directory inside."""
    world = tmp_path_factory.mktemp("paths")
    outside = world / "outside"
    outside.mkdir()
    inst = world / "inst"
    inst.mkdir()
    doc = copy.deepcopy(TINY_DOC)
    (outside / "parcels.csv").write_text(csv_of(doc["parcels"]))
    (inst / "parcels.csv").write_text(csv_of(doc["parcels"]))
    (inst / "link.csv").symlink_to(outside / "parcels.csv")
    (inst / "sub").mkdir()
    (inst / "sub" / "parcels.csv").write_text(csv_of(doc["parcels"]))
    os.mkfifo(inst / "fifo.csv")
    return {"world": world, "inst": inst, "outside": outside / "parcels.csv", "doc": doc}


def path_names(world: dict):
    return st.one_of(
        st.sampled_from(["../../etc/passwd", "/etc/passwd", "/etc/shadow", "/dev/zero", "/dev/stdin",
                         "/proc/self/environ", "../outside/parcels.csv", str(world["outside"]),
                         "link.csv", "fifo.csv", "sub", "sub/parcels.csv", "sub/../parcels.csv",
                         "sub/../../outside/parcels.csv", "./parcels.csv", ".", "..", "", " ",
                         "parcels.csv\x00.txt", "x" * 5000 + ".csv", "~/parcels.csv", "\\etc\\passwd",
                         "C:\\Windows\\win.ini", "file:///etc/passwd", "parcels.csv "]),
        st.text(max_size=30),
        st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2))


@settings(max_examples=N_PATHS, **COMMON)
@given(data=st.data())
def test_csv_paths_stay_inside_the_instance_folder(path_world, data):
    name = data.draw(path_names(path_world))
    doc = copy.deepcopy(path_world["doc"])
    doc["parcels"] = {"file": name}
    path = path_world["inst"] / "instance.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    result = outcome(path, solve=False)
    event(result)
    inside = name in ("./parcels.csv", "sub/parcels.csv", "sub/../parcels.csv")
    if result == "valid":
        assert inside, f"read {name!r} from outside the instance folder"


def test_paths_outside_the_folder_are_refused_with_a_message(path_world):
    inst, outside = path_world["inst"], path_world["outside"]
    doc = copy.deepcopy(path_world["doc"])
    path = inst / "instance.yaml"
    allow = f" (set {ALLOW_EXTERNAL_ENV}=1 to allow files elsewhere)"
    cases = {
        "../outside/parcels.csv": "'../outside/parcels.csv' points outside the instance's folder: "
                                  "CSV files must be inside it" + allow,
        "link.csv": "'link.csv' points outside the instance's folder: CSV files must be inside it" + allow,
        "sub/../../outside/parcels.csv": "'sub/../../outside/parcels.csv' points outside the instance's "
                                         "folder: CSV files must be inside it" + allow,
        str(outside): f"{show(str(outside))} is an absolute path: CSV files must be inside the "
                      "instance's folder" + allow,
        "/etc/passwd": "'/etc/passwd' is an absolute path: CSV files must be inside the instance's folder" + allow,
        "parcels.csv\x00.txt": "a file name cannot contain a NUL character",
    }
    for name, message in cases.items():
        doc["parcels"] = {"file": name}
        path.write_text(dump(doc))
        with pytest.raises(optim.InstanceError) as err:
            optim.load(path)
        assert [str(p) for p in err.value.problems] == [f"instance.yaml: parcels.file: {message}"]
    doc["parcels"] = {"file": "sub/parcels.csv"}  # inside: read
    path.write_text(dump(doc))
    assert list(optim.load(path).parcels.index) == ["P1", "P2", "P3"]


def test_external_files_can_be_allowed_explicitly(path_world, monkeypatch):
    doc = copy.deepcopy(path_world["doc"])
    doc["parcels"] = {"file": str(path_world["outside"])}
    path = path_world["inst"] / "instance.yaml"
    path.write_text(dump(doc))
    monkeypatch.setenv(ALLOW_EXTERNAL_ENV, "1")
    inst = optim.load(path)
    assert list(inst.parcels.index) == ["P1", "P2", "P3"]


# ---- 6. single values against every field ------------------------------------------------------
FIELDS = [f for table in (*TABLES.values(), *MAPPINGS.values()) for f in table.values()]


@settings(max_examples=N_VALUES, **COMMON)
@given(field=st.sampled_from(FIELDS), raw=hostile_values,
       cells=st.lists(odd_cells | st.text(max_size=8), min_size=1, max_size=6))
def test_every_field_coerces_a_value_or_says_why(field, raw, cells):
    value, message = _check(field, raw)
    if message is None:
        if field.kind == "num" and value is not None:
            assert math.isfinite(value)
    else:
        assert value is None and isinstance(message, str) and message
        assert len(message) <= 700, message
    # the same cells through the column-at-a-time CSV path: the same verdicts
    arr = np.array([c.strip() for c in cells], dtype=object)
    values, errors = _coerce_column(field, arr, np.zeros(len(arr), dtype=bool))
    bad = dict(errors)
    for k, cell in enumerate(arr):
        v, m = _check(field, None if cell == "" else cell)
        if m is None and cell == "" and field.required:
            continue
        assert (k in bad) == (m is not None), (cell, m, bad)


# ---- 7. scenarios ------------------------------------------------------------------------------
SCENARIO_PATHS = ["objective.weights.industrial_output", "eod.income_share", "policy.coverage_target",
                  "resources.energy.cap", "sources.cdb.cap", "sources.cdb.rate", "parcels.P1.area",
                  "options[use=commercial].land_income", "options[parcel=P2].output", "projects.river.cost",
                  "sources[kind=bank_loan].min_ticket", "policy.own_funds_budget", "sources.nowhere.cap",
                  "options[use=nowhere].output", "nowhere.x", "objective.weights.nowhere", "", "...", "[=]"]


@st.composite
def scenarios(draw) -> dict:
    spec = {}
    for part in draw(st.lists(st.sampled_from(["set", "scale", "description", "other"]), max_size=3, unique=True)):
        if part in ("set", "scale"):
            keys = st.one_of(st.sampled_from(SCENARIO_PATHS), st.text(max_size=12))
            values = hostile_values if part == "set" else st.one_of(extreme_numbers, hostile_scalars)
            spec[part] = draw(st.one_of(st.dictionaries(keys, values, max_size=3), hostile_scalars))
        else:
            spec[part] = draw(hostile_values)
    return spec


@settings(max_examples=N_SCENARIOS, **COMMON)
@given(spec=st.one_of(scenarios(), hostile_values))
def test_hostile_scenarios_end_in_a_plan_or_a_message(folder, spec):
    from optim.inputs.scenarios import apply_scenarios

    doc = copy.deepcopy(TINY_DOC)
    doc["scenarios"] = {"s": spec}
    path = folder / "scenarios.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    with no_hang():
        try:
            inst = apply_scenarios(optim.load(path), ["s"])
        except optim.InstanceError as exc:
            assert_clean_error(exc)
            event("invalid")
            return
        event(assert_valid_plan(inst))


# ---- 8. the command line ---------------------------------------------------------------------
@settings(max_examples=N_CLI, **COMMON)
@given(case=mutated(), command=st.sampled_from(["validate", "solve"]))
def test_cli_exit_status_is_2_for_bad_input(folder, case, command):
    _, doc, _ = case
    path = folder / "cli.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    args = [command, str(path)] + (["--time-limit", str(SOLVE_SECONDS), "--json"] if command == "solve" else [])
    import io

    err = io.StringIO()
    out = io.StringIO()
    with no_hang(), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(args)
    assert code in (0, 1, 2), (code, err.getvalue())
    assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue()
    if code == 2:
        assert err.getvalue().rstrip().endswith("problem(s) found"), err.getvalue()


# ---- 9. one verdict: validate and solve ---------------------------------------------------------
def run_cli(args: list[str]) -> tuple[int, list[str], list[str]]:
    """cli.main in this process: exit code, the error lines and the warning lines."""
    import io

    err, out = io.StringIO(), io.StringIO()
    with no_hang(), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(args)
    lines = err.getvalue().splitlines()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue(), err.getvalue()
    return code, [ln for ln in lines if ln.startswith("error: ")], [ln for ln in lines if ln.startswith("warning: ")]


@settings(max_examples=N_VERDICT, **COMMON)
@given(case=mutated())
def test_validate_and_solve_give_one_verdict(folder, case):
    """Found: a model-size limit checked only by solve, an id validate refused and solve
    took. `validate` exit 0 means `solve` does not refuse the input; exit 2 means
    `solve` refuses it with the same errors; both print the same warnings about the
    input (solve also prints its presolve checks' findings)."""
    _, doc, _ = case
    path = folder / "verdict.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    v_code, v_errors, v_warnings = run_cli(["validate", str(path)])
    s_code, s_errors, s_warnings = run_cli(["solve", str(path), "--time-limit", str(SOLVE_SECONDS)])
    assert v_code in (0, 2) and s_code in (0, 1, 2)
    if v_code == 2:
        assert (s_code, s_errors) == (2, v_errors)
        event("refused by both")
    else:  # a plan, or none (then the presolve checks' findings may be printed as errors)
        assert s_code in (0, 1) and (s_code == 1 or s_errors == []), s_errors
        event("accepted by both")
    mine = [w for w in v_warnings if w.startswith("warning: verdict.yaml")]  # solve's presolve checks may add more
    assert [w for w in s_warnings if w.startswith("warning: verdict.yaml")] == mine


# ---- 10. silent defaults: refused or warned about, never silent -----------------------------------
DEFAULTS = ["drop_resource_column", "current_use_not_an_option", "weights_empty", "weights_zero",
            "weights_left_out", "land_income_share_left_out"]


@st.composite
def defaults_cases(draw) -> tuple[dict, list[tuple[str, str]], dict]:
    """The tiny instance with 1-3 of the changes that once changed the plan silently;
    returns the document, the (place, words) each must be reported with, and CSV files."""
    doc = copy.deepcopy(TINY_DOC)
    expected, files = [], {}
    changes = draw(st.lists(st.sampled_from(DEFAULTS), min_size=1, max_size=3, unique=True))
    weights = [c for c in changes if c.startswith("weights")]
    changes = [c for c in changes if not c.startswith("weights") or c == weights[0]]  # one change of weights
    for change in changes:
        if change == "drop_resource_column":
            for row in doc["options"]:
                row.pop("energy", None)
            if draw(st.booleans()):
                files["options.csv"] = csv_of(doc["options"])
                doc["options"] = {"file": "options.csv"}
                expected.append(("options.csv", "no column for resource 'energy'"))
            else:
                expected.append(("instance.yaml: options", "no column for resource 'energy'"))
        elif change == "current_use_not_an_option" and isinstance(doc["options"], list):
            doc["options"] = [o for o in doc["options"] if not (o["parcel"] == "P2" and o["use"] == "residential")]
            expected.append(("instance.yaml: parcels[1]", "current use 'residential' of parcel 'P2' is not among"))
        elif change == "weights_empty":
            doc["objective"]["weights"] = {}
            expected.append(("instance.yaml: objective.weights", "no term has a positive weight"))
        elif change == "weights_zero":
            doc["objective"]["weights"] = {t: 0 for t in doc["objective"]["weights"]}
            expected.append(("instance.yaml: objective.weights", "no term has a positive weight"))
        elif change == "weights_left_out":
            doc.pop("objective")
            expected.append(("instance.yaml: objective.weights", "not given: the plan maximises land income alone"))
        elif change == "land_income_share_left_out":
            doc["policy"].pop("land_income_to_own_funds")
            expected.append(("instance.yaml: policy.land_income_to_own_funds", "not given: every yuan"))
    return doc, expected, files


@settings(max_examples=N_DEFAULTS, **COMMON)
@given(case=defaults_cases())
def test_silent_defaults_are_refused_or_warned_about(folder, case):
    doc, expected, files = case
    sub = folder / "defaults"
    sub.mkdir(exist_ok=True)
    for name, text in files.items():
        (sub / name).write_text(text, encoding="utf-8")
    path = sub / "instance.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    code, errors, warnings = run_cli(["validate", str(path)])

    def said(lines: list[str], place: str, words: str) -> bool:
        return any(line.split(": ", 1)[1].startswith(f"{place}: ") and words in line for line in lines)

    refusals = [e for e in expected if not e[1].startswith("not given") and "not among" not in e[1]]
    for place, words in refusals:  # each refusal is an error
        assert said(errors, place, words), (place, words, errors)
    if not refusals:  # accepted: each default is a warning (with errors, those come first)
        for place, words in expected:
            assert said(warnings, place, words), (place, words, warnings)
    assert code == (2 if refusals else 0) and bool(errors) == bool(refusals)
    event("refused" if errors else "warned")


# ---- 11. hostile ids ------------------------------------------------------------------------------
hostile_ids = st.one_of(
    st.sampled_from(["", " ", "\t", "\x00", "P\x001", "P\n1", "P\r", "\x1b[31mred", "\u2028", "\x7f",
                     "青岗01", "Ω", "P 1", " P1", "💥", "-", "0", "1e3", "a" * 300]),
    st.text(min_size=0, max_size=6),
)
ID_PLACES = [("parcels", 0, "id"), ("categories", 0, "id"), ("uses", 1, "id"), ("sources", 1, "id"),
             ("projects", 0, "category"), ("options", 2, "parcel"), ("resources", 0, "id")]


@settings(max_examples=N_IDS, **COMMON)
@given(place=st.sampled_from(ID_PLACES), ident=hostile_ids, csv=st.booleans())
def test_hostile_ids_are_refused_with_their_place_or_taken_whole(folder, place, ident, csv):
    from optim.inputs.coerce import id_problem

    table, row, column = place
    doc = copy.deepcopy(TINY_DOC)
    doc[table][row][column] = ident
    sub = folder / "ids"
    sub.mkdir(exist_ok=True)
    if csv and table in ("parcels", "sources", "options"):
        (sub / f"{table}.csv").write_bytes(csv_of(doc[table]).encode("utf-8", "surrogatepass"))
        doc[table] = {"file": f"{table}.csv"}
    path = sub / "instance.yaml"
    try:
        path.write_text(dump(doc), encoding="utf-8")
    except (yaml.YAMLError, UnicodeEncodeError):
        return  # not representable in the file
    with no_hang():
        try:
            inst = optim.load(path)
        except optim.InstanceError as exc:
            assert_clean_error(exc)
            event("refused")
            return
    # accepted: the id is one a reader can see and type (as read: CSV cells are stripped)
    stored = inst.parcels.index.tolist() + inst.categories.index.tolist() + inst.uses.index.tolist() + \
        inst.sources.index.tolist() + inst.resources.index.tolist()
    assert all(id_problem(str(i)) is None for i in stored), stored
    event("accepted")


# ---- 12. signed values and an objective offset --------------------------------------------------------
@settings(max_examples=N_SIGNED, **COMMON)
@given(doc=instances(), values=st.lists(st.integers(-100, 100), min_size=8, max_size=8),
       offset=st.integers(-10**6, 10**6), weight=st.sampled_from([0, 1, 2.5]))
def test_signed_values_add_up_to_the_objective(folder, doc, values, offset, weight):
    for k, row in enumerate(doc["options"]):
        row["value"] = values[k % len(values)] * 0.25 * M
    for k, row in enumerate(doc["projects"]):
        row["value"] = -values[(k + 3) % len(values)] * 0.5 * M
    doc["objective"]["weights"]["value"] = weight
    doc["objective"]["offset"] = offset
    path = folder / "signed.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    with no_hang():
        inst = optim.load(path)
        try:
            res = optim.solve(inst, time_limit=SOLVE_SECONDS)
        except optim.InstanceError as exc:
            assert_clean_error(exc)
            event("invalid model")
            return
    if not res.has_plan:
        event(res.status)
        return
    assert res.certified, res.certificate[~res.certificate["ok"]]
    terms = res.objective_terms
    assert terms["contribution"].sum() == pytest.approx(res.objective, rel=1e-9, abs=1e-3)
    built = res.projects.index[res.projects["built"].astype(bool)] if len(res.projects) else []
    by_hand = res.parcels["value"].sum() + inst.projects.loc[list(built), "value"].sum()
    shown = res.kpi("value") if "value" in res.kpis.index else 0.0  # the KPI only when the term is used
    assert "value" in res.kpis.index or not inst.has_values
    assert shown == pytest.approx(by_hand, abs=1e-6) == terms.loc["value", "value"]
    event(res.status)


# ---- 13. sweep specs: refused before any run ----------------------------------------------------------
sweep_paths = st.one_of(
    st.sampled_from(["policy.coverage_target", "resources.energy.cap", "resources[id=energy].cap",
                     "options[use=commercial].land_income", "sources.cdb.rate", "objective.weights.value",
                     "resources.nothing.cap", "resources[id=nothing].cap", "options[use=farm].output",
                     "sources.cdb.colour", "policy.nothing", "objective.weights.profit", "parcels.P1.area",
                     "options.P1/commercial.land_income", "options.P9/commercial.land_income",
                     "periods.own_funds", "assumptions.x.value", "solver.threads", "eod.income_share",
                     "sources[kind=bond].cap", "options[parcel=P1,use=industrial].energy", "", ".", "[]"]),
    st.text(max_size=20),
)


@settings(max_examples=N_SWEEP, **COMMON)
@given(path=sweep_paths, values=st.lists(st.one_of(st.floats(-2, 2), st.sampled_from([0, 0.5, 1, 1e20, "x"])),
                                         min_size=1, max_size=3),
       how=st.sampled_from(["values", "scale"]))
def test_sweep_paths_that_name_nothing_are_refused_before_any_run(folder, path, values, how):
    from optim.studies import sweep as sweep_module
    from optim.studies.sweep import check_spec, read_spec

    inst = optim.load(TINY)
    try:
        spec = read_spec({"design": "grid", "parameters": [{"path": path, how: values}]})
    except optim.InstanceError as exc:
        assert_clean_error(exc)
        event("spec refused")
        return
    problems = check_spec(inst, spec)
    ran = []
    with no_hang(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep_module, "run_tasks", lambda *a, **k: ran.append(1) or [])
        try:
            sweep_module.sweep(inst, spec)
        except optim.InstanceError as exc:
            assert_clean_error(exc)
            assert problems and [str(p) for p in exc.problems] == [str(p) for p in problems]
            assert ran == [], "a run started before the spec was refused"
            assert all(p.where == "sweep spec: parameters[0].path" for p in exc.problems)
            event("refused before any run")
            return
    assert problems == [] and ran == [1]
    event("ran")


SUBPROCESS_CASES = {  # (each costs a Python start-up; the rest go through cli.main above)
    "python_tag": "name: !!python/object/apply:os.system ['echo pwned > /tmp/optim-pwned']\n",
    "bomb": bomb(9, 9),
    "huge": TINY_TEXT.replace("area: 20,", "area: 1e15,", 1),  # passes the input limit, not the model's
    "outside": "\ufeff" + TINY_TEXT.replace("parcels:\n", "parcels: {file: ../../etc/passwd}\nx_parcels:\n",
                                             1).replace("\n", "\r\n"),
}


DRIVER = """
import contextlib, io, json, runpy, sys
runs = []
for args in json.loads(sys.argv[1]):
    sys.argv = ["optim", *args]
    err = io.StringIO()
    code = None
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            runpy.run_module("optim.cli", run_name="__main__")  # as `python -m optim.cli ARGS`
        except SystemExit as exc:
            code = exc.code
    runs.append({"args": args, "code": code, "stderr": err.getvalue()})
print(json.dumps(runs))
"""


def test_cli_subprocess_sample(tmp_path):
    """The real entry point on a few hostile files: `python -m optim.cli validate` in
    its own process for one, and `optim.cli` run as __main__ (as `python -m` runs it)
    for all of them in a second process: exit 2, the problem count last, no traceback."""
    import json

    calls = []
    for name, text in SUBPROCESS_CASES.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        calls.append(["solve" if name == "huge" else "validate", str(path)])
    real = subprocess.Popen([sys.executable, "-m", "optim.cli", *calls[0]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    driver = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(calls)], capture_output=True,
                            text=True, cwd=ROOT, timeout=300)
    out, err = real.communicate(timeout=300)
    assert real.returncode == 2 and "Traceback" not in err, err
    assert err.rstrip().endswith("1 problem(s) found")
    assert driver.returncode == 0 and "Traceback" not in driver.stderr, driver.stderr
    for run in json.loads(driver.stdout):
        assert run["code"] == 2, run
        assert "Traceback" not in run["stderr"] and run["stderr"].rstrip().endswith("problem(s) found"), run
    assert not Path("/tmp/optim-pwned").exists()


# ---- what the property tests found, fixed: exact messages ---------------------------------------
def write_tiny(tmp_path: Path, change=None, files: dict | None = None) -> Path:
    doc = copy.deepcopy(TINY_DOC)
    if change:
        change(doc)
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    path = tmp_path / "instance.yaml"
    path.write_text(dump(doc))
    return path


def problems_of(path: Path, solve: bool = False) -> list[str]:
    with pytest.raises(optim.InstanceError) as err:
        inst = optim.load(path)
        if solve:
            optim.solve(inst)
    return [str(p) for p in err.value.problems]


def test_found_a_huge_cash_balance_made_the_solver_fail(tmp_path):
    """Found (one verdict, above): own funds of 1e15 yuan in one period beside money
    figures of 50 to 100 yuan passed validate, and solve ended in a solver error
    (exit 3): the cash balance must hold as an equation at 1e13 in the model's units.
    A bound a plan must reach is now limited like a coefficient."""
    doc = copy.deepcopy(PHASED_DOC)
    doc["periods"][1]["own_funds"] = 1e15
    path = tmp_path / "instance.yaml"
    path.write_text(dump(doc))
    message = ("model row cash_balance_eq[y2]: a right-hand side of 1e+13 (in units of 100 yuan) is too large for "
               "a reliable solve (at most 1e+10): check the figures behind it (too large, or too far apart from "
               "the others), or state them in another unit")
    assert [str(p) for p in optim.validate(path)] == [message]
    assert problems_of(path, solve=True) == [message]


def test_found_huge_figures_crashed_the_solver(tmp_path):
    """Found: a land income of 1e300 passed validation and HiGHS refused the model
    (RuntimeError, exit 3). Now every number is within +-1e15 ..."""
    path = write_tiny(tmp_path, lambda d: d["options"][0].update(land_income=1e300))
    assert problems_of(path) == ["instance.yaml: options[0], land_income: must be between -1e+15 and 1e+15 "
                                 "(the input limit), not 1e+300"]
    parcels = csv_of(TINY_DOC["parcels"]).replace("P2,20,", "P2,2e15,")
    path = write_tiny(tmp_path, lambda d: d.update(parcels={"file": "parcels.csv"}), {"parcels.csv": parcels})
    assert problems_of(path) == ["parcels.csv row 3, area: must be between -1e+15 and 1e+15 (the input limit), "
                                 "not 2e+15"]


def test_found_figures_within_the_limit_can_still_exceed_the_solver(tmp_path, capsys):
    """... and the model built from them is checked too: P2's 1e15 mu enter
    industrial_need_ge with coefficient 1e15, HiGHS's largest matrix value."""
    path = write_tiny(tmp_path, lambda d: d["parcels"][1].update(area=1e15))
    expected = ("model row industrial_need_ge: a coefficient of 1e+15 is beyond what the solver accepts (1e+15): "
                "check the figures behind it (too large, or too far apart from the others), or state them in "
                "another unit")
    assert problems_of(path, solve=True) == [expected]
    assert cli.main(["solve", str(path)]) == 2
    assert f"error: {expected}" in capsys.readouterr().err


def test_found_a_huge_tenor_sized_the_repayment_schedule(tmp_path):
    """Found: a loan tenor of 1e15 periods made the model allocate a 1e15-long
    repayment schedule (numpy MemoryError). Tenors are now at most 100 periods."""
    doc = copy.deepcopy(PHASED_DOC)
    doc["sources"][0]["tenor"] = 1e15
    path = tmp_path / "instance.yaml"
    path.write_text(dump(doc))
    assert problems_of(path) == ["instance.yaml: sources[0], tenor: must be at most 100 periods, "
                                 "not 1,000,000,000,000,000"]


def test_found_far_apart_figures_made_the_solver_fail(tmp_path, capsys):
    """Found: an output of 1e15 yuan/year beside money figures of 50 to 100 yuan
    made HiGHS stop with a solve error (its tolerances are absolute). HiGHS fails
    from about 5e10 in the model's units (measured: an output of 1e13 fails, 1e12
    solves); the built model now refuses coefficients and costs from 1e10."""
    doc = copy.deepcopy(PHASED_DOC)
    doc["options"][1]["output"] = 1e13
    path = tmp_path / "instance.yaml"
    path.write_text(dump(doc))
    tail = ("is too large for a reliable solve (at most 1e+10): check the figures behind it "
            "(too large, or too far apart from the others), or state them in another unit")
    assert problems_of(path, solve=True) == [
        f"model row cash_balance_eq[y2]: a coefficient of -5e+10 (in units of 100 yuan) {tail}",
        f"model objective: an objective coefficient of 1.74e+11 {tail}"]
    assert cli.main(["solve", str(path)]) == 2
    doc["options"][1]["output"] = 1e9  # figures within reach solve
    path.write_text(dump(doc))
    assert optim.solve(optim.load(path)).status == "optimal"


def test_found_scaled_figures_are_checked_too(tmp_path):
    """A scenario scaling a cap beyond the limit, or a DataFrame edited in memory."""
    from optim.inputs.scenarios import apply_scenarios

    path = write_tiny(tmp_path, lambda d: d.update(scenarios={"big": {"scale": {"sources[id=cdb].cap": 1e8}}}))
    with pytest.raises(optim.InstanceError) as err:
        apply_scenarios(optim.load(path), ["big"])
    assert [str(p) for p in err.value.problems] == [
        "instance.yaml: sources[1], cap: must be between -1e+15 and 1e+15 (the input limit), not 4e+15"]
    inst = optim.load(TINY)
    inst.options.loc[0, "output"] = -3e15
    assert [str(p) for p in optim.validate(inst)] == [
        "instance.yaml: options[0], output: must be between -1e+15 and 1e+15 (the input limit), not -3e+15"]


def test_found_solver_options_out_of_range_crashed(tmp_path):
    """Found: `solver: {threads: 1e15}` reached HiGHS, which refused it (and before
    the option errors were checked, it was silently ignored)."""
    path = write_tiny(tmp_path, lambda d: d.update(solver={"threads": 10**15, "seed": 2**31}))
    assert problems_of(path) == ["instance.yaml: solver.threads: must be at most 256, not 1,000,000,000,000,000",
                                 "instance.yaml: solver.seed: must be at most 2,147,483,647, not 2,147,483,648"]


def test_found_scenario_set_that_is_not_a_mapping_crashed(tmp_path, capsys):
    """Found: `scenarios: {s: {set: true}}` raised AttributeError (exit 3)."""
    path = write_tiny(tmp_path, lambda d: d.update(scenarios={"s": {"set": True, "scale": [1]}}))
    assert cli.main(["solve", str(path), "--scenario", "s"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: instance.yaml: scenario s.set: must be a mapping path -> value, not true/false",
        "error: instance.yaml: scenario s.scale: must be a mapping path -> factor, not a list",
        "2 problem(s) found"]


def test_found_long_values_made_huge_messages(tmp_path):
    """Found: a 100,000-character value or key was quoted whole in the message."""
    path = write_tiny(tmp_path, lambda d: d["sources"][0].update(cap=LONG))
    (msg,) = problems_of(path)
    # a message quotes a few dozen characters of the value, never the whole of it
    assert msg == f"instance.yaml: sources[0], cap: must be a number, not '{'x' * 39}... (100,000 characters)"
    path = write_tiny(tmp_path, lambda d: d.update({LONG: 1}))
    (msg,) = problems_of(path)
    from optim.inputs.schema import TOP_LEVEL

    whole = f"instance.yaml: {LONG}: unknown key (known keys: {', '.join(sorted(TOP_LEVEL))})"
    assert len(msg) < 1000 and f"[{len(whole) - 900:,} characters cut]" in msg and msg.startswith("instance.yaml: xxx")


def test_yaml_size_limit(tmp_path):
    from optim.inputs.limits import MAX_YAML_BYTES

    path = tmp_path / "instance.yaml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_YAML_BYTES + 1)  # a sparse file: refused before it is read
    assert problems_of(path) == [f"{path}: the file has 8,388,609 bytes, more than the limit of 8,388,608: "
                                 "put long tables in CSV files"]


def test_csv_size_and_column_limits(tmp_path, monkeypatch):
    import optim.inputs.limits as limits

    parcels = csv_of(TINY_DOC["parcels"])
    path = write_tiny(tmp_path, lambda d: d.update(parcels={"file": "parcels.csv"}), {"parcels.csv": parcels})
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", 50)
    assert problems_of(path) == [f"parcels.csv: the file has {len(parcels):,} bytes, more than the limit of 50 "
                                 "(set OPTIM_MAX_TABLE_MB to a number of megabytes to read larger tables)"]
    monkeypatch.undo()
    wide = ",".join(["id", "area", "current_use"] + [f"c{k}" for k in range(998)]) + "\nP1,10,commercial\n"
    path = write_tiny(tmp_path, lambda d: d.update(parcels={"file": "parcels.csv"}), {"parcels.csv": wide})
    assert problems_of(path) == ["parcels.csv: the header has 1,001 columns, more than the limit of 1,000"]
