"""Input size limits and safe reading of untrusted instance files.

The loader (optim/io.py) reads YAML with PyYAML's safe loader only (no tag
constructs a Python object) and enforces, before building anything:

- ``MAX_YAML_BYTES``: the size of the YAML file (long tables belong in CSV files);
- ``MAX_CSV_BYTES``: the size of each CSV file;
- ``MAX_CSV_COLUMNS``: the columns of each CSV file (checked on the header line,
  before the rows are parsed);
- ``MAX_DEPTH``: how deeply YAML collections nest;
- ``MAX_ALIAS_NODES``: how many nodes aliases (``*name``) may stand for in
  total, counting each use of an alias as a copy of what it names: this stops
  "billion laughs" documents, whose few lines expand to billions of nodes;
  an alias to a node that contains it (a recursive structure) is refused;
- ``MAX_NUMBER``: every number, in absolute value (1e15 yuan is a hundred times a
  large country's yearly output; HiGHS refuses matrix values from 1e15 and takes
  1e20 for infinity), and the model built from the figures must stay within
  what HiGHS accepts (`check_model`: a product of two large figures, or money
  figures far apart, could still exceed it);
- ``MAX_THREADS``, ``MAX_SEED``: `solver.threads` and `solver.seed` (and the
  command line's `--threads`, `--seed`);
- CSV ``file:`` paths must name a file inside the instance's folder (after
  resolving ``..`` and symbolic links), unless the environment variable
  ``OPTIM_ALLOW_EXTERNAL_FILES=1`` allows files elsewhere (absolute paths too).

Messages quote at most ``SHOW_CHARS`` characters of an offending value.
See docs/instance-format.md, "Limits".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

MAX_NUMBER = 1e15  # every number of an instance, in absolute value
MAX_LISTED_PER_COLUMN = 20  # numbers over the limit reported per column by `optim.validate`
MAX_THREADS = 256  # solver.threads (HiGHS starts that many threads)
MAX_SEED = 2**31 - 1  # solver.seed (HiGHS's random_seed is a 32-bit integer)
MAX_YAML_BYTES = 8 * 2**20  # 8 MiB
MAX_CSV_BYTES = 2**30  # 1 GiB
MAX_CSV_COLUMNS = 1000  # columns of a CSV header (a table has a dozen, options one more per resource)
MAX_DEPTH = 32
MAX_ALIAS_NODES = 1_000_000
SHOW_CHARS = 500
ALLOW_EXTERNAL_ENV = "OPTIM_ALLOW_EXTERNAL_FILES"


def show(value: Any) -> str:
    """repr() of a value for a message, cut to SHOW_CHARS characters; a
    collection is named by its kind and size, never printed whole."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key(s)"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value)} item(s)"
    text = repr(value)
    if len(text) > SHOW_CHARS:
        text = f"{text[:SHOW_CHARS - 20]}...{text[-12:]} ({len(str(value)):,} characters)"
    return text


def yaml_size_problem(size: int) -> str | None:
    if size > MAX_YAML_BYTES:
        return (f"the file has {size:,} bytes, more than the limit of {MAX_YAML_BYTES:,}: "
                "put long tables in CSV files")
    return None


def csv_size_problem(size: int) -> str | None:
    if size > MAX_CSV_BYTES:
        return f"the file has {size:,} bytes, more than the limit of {MAX_CSV_BYTES:,}"
    return None


def node_problem(root: yaml.Node) -> str | None:
    """What makes a composed YAML document too big or recursive, or None.

    Walks the node graph once (aliases share their node), computing for each
    node its depth and its size with every alias expanded.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    unique = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, close = stack.pop()
        k = id(node)
        if close:
            kids = _children(node)
            size[k] = 1 + sum(size[id(c)] for c in kids)
            depth[k] = 1 + max((depth[id(c)] for c in kids), default=0)
            state[k] = 2
            if depth[k] > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep (the limit)"
            if size[k] - unique > MAX_ALIAS_NODES:
                return (f"aliases expand the document to {size[k]:,} nodes; they may add at most "
                        f"{MAX_ALIAS_NODES:,}")
            continue
        if state.get(k) == 2:
            continue
        if state.get(k) == 1:
            line = node.start_mark.line + 1 if node.start_mark else "?"
            return f"an alias refers to a node that contains it (line {line}): recursive structures are not allowed"
        state[k] = 1
        unique += 1
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if state.get(id(c)) != 2)
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def external_allowed() -> bool:
    return os.environ.get(ALLOW_EXTERNAL_ENV, "").strip().lower() in ("1", "true", "yes")


def csv_path_problem(folder: Path, name: str) -> str | None:
    """Why the CSV file `name` of an instance in `folder` may not be read, or None."""
    if "\x00" in name:
        return "a file name cannot contain a NUL character"
    if external_allowed():
        return None
    if Path(name).is_absolute():
        return (f"{show(name)} is an absolute path: CSV files must be inside the instance's folder "
                f"(set {ALLOW_EXTERNAL_ENV}=1 to allow files elsewhere)")
    try:
        base = folder.resolve()
        real = (folder / name).resolve()
    except (OSError, RuntimeError) as exc:  # e.g. a symbolic-link loop
        return f"cannot resolve {show(name)}: {exc}"
    if real != base and base not in real.parents:
        return (f"{show(name)} points outside the instance's folder: CSV files must be inside it "
                f"(set {ALLOW_EXTERNAL_ENV}=1 to allow files elsewhere)")
    return None


def number_problem(value: float) -> str | None:
    if abs(value) > MAX_NUMBER:
        return f"must be between -{MAX_NUMBER:g} and {MAX_NUMBER:g} (the input limit), not {value:g}"
    return None


# What HiGHS accepts: matrix values below `large_matrix_value`, costs and bounds
# below `infinite_cost` / `infinite_bound` (beyond, a bound silently means "none").
SOLVER_MAX_COEF = 1e15
SOLVER_INF = 1e20
# What HiGHS solves reliably: its tolerances are absolute (1e-7 on a row), and with
# a matrix value or cost of 5e10 in the model's units a plan's rows could no longer
# be met to double precision (HiGHS stops with a solve error; found by
# tests/test_hostile.py, a 1e13 output beside money figures of 50 to 100 yuan).
SOLVER_RELIABLE = 1e10


def check_model(f, compiled) -> None:
    """Raise `InstanceError` if the built model has a coefficient, right-hand side
    or objective cost that HiGHS would refuse or take for infinity, naming the row."""
    import numpy as np

    from .errors import InstanceError, Problem

    problems = []
    fix = ("check the figures behind it (too large, or too far apart from the others), "
           "or state them in another unit")

    def unit(u: float) -> str:
        return f" (in units of {u:g} yuan)" if u != 1 else ""

    for fam in f.families.values():
        coef = np.abs(np.asarray(fam.coef, dtype=float))
        bad = ~np.isfinite(coef) | (coef >= SOLVER_RELIABLE)
        if bad.any():
            k = _largest(coef, bad)
            limit = (f"beyond what the solver accepts ({SOLVER_MAX_COEF:g})" if not coef[k] < SOLVER_MAX_COEF
                     else f"too large for a reliable solve (at most {SOLVER_RELIABLE:g})")
            problems.append(Problem(_row(fam, fam.row[k]),
                                    f"a coefficient of {fam.coef[k]:.3g}{unit(fam.unit)} is {limit}: {fix}"))
        for side in (fam.lower, fam.upper):
            side = np.asarray(side, dtype=float)
            bad = np.isnan(side) | (np.isfinite(side) & (np.abs(side) >= SOLVER_INF))
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                problems.append(Problem(_row(fam, k),
                                        f"a right-hand side of {side[k]:.3g}{unit(fam.unit)} is beyond "
                                        f"what the solver accepts ({SOLVER_INF:g}): {fix}"))
                break
    cost = np.abs(np.asarray(compiled.cost, dtype=float))
    bad = ~np.isfinite(cost) | (cost >= SOLVER_RELIABLE)
    if bad.any():
        k = _largest(cost, bad)
        limit = (f"beyond what the solver accepts ({SOLVER_INF:g})" if not cost[k] < SOLVER_INF
                 else f"too large for a reliable solve (at most {SOLVER_RELIABLE:g})")
        problems.append(Problem("model objective", f"an objective coefficient of {compiled.cost[k]:.3g} is "
                                                   f"{limit}: {fix}"))
    if problems:
        raise InstanceError(problems)


def _largest(values, bad) -> int:
    """Position of the largest of `values[bad]` (a non-finite one first)."""
    import numpy as np

    at = np.flatnonzero(bad)
    return int(at[np.argmax(np.where(np.isfinite(values[at]), values[at], np.inf))])


def csv_columns_problem(text: str) -> str | None:
    """Too many columns on the header line (counted before any parsing)."""
    eol = text.find("\n")
    header = text if eol < 0 else text[:eol]
    n = header.count(",") + 1
    if n > MAX_CSV_COLUMNS:
        return f"the header has {n:,} columns, more than the limit of {MAX_CSV_COLUMNS:,}"
    return None


def _row(fam, k: int) -> str:
    label = fam.labels[int(k)]
    return f"model row {fam.name}" + ("" if label is None else f"[{label}]")
