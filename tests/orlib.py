"""OR-Library multidimensional knapsack problems: parsers and a converter to the
instance format (docs/instance-format.md).

A problem is: maximise sum_j p_j x_j subject to sum_j r_ij x_j <= b_i for each
constraint i, x_j in {0, 1}. `to_instance_files` writes it as an instance in
which every item is a parcel that is either kept or rezoned to an industrial
use ("select") bringing output p_j and consuming r_ij of resource `r{i}`, so
that the project's optimum equals the knapsack optimum.

The data files are in tests/data/orlib (see PROVENANCE.md there).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "orlib"
MKNAP1 = DATA / "mknap1.txt"
MKNAP2 = DATA / "mknap2.txt"

_PROBLEM_LINE = re.compile(r"^\s*problem\s+(\S+?)(?:\.DAT)?\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*\++\s*$")


@dataclass(frozen=True)
class KnapsackProblem:
    """One multidimensional 0/1 knapsack problem with its known optimum."""

    name: str
    profits: tuple[float, ...]  # p_j, n of them
    weights: tuple[tuple[float, ...], ...]  # r_ij, m rows of n
    capacities: tuple[float, ...]  # b_i, m of them
    optimum: float

    @property
    def n(self) -> int:
        return len(self.profits)

    @property
    def m(self) -> int:
        return len(self.capacities)

    def objective(self, x) -> float:
        """sum_j p_j x_j for a 0/1 vector `x`."""
        return sum(p * xj for p, xj in zip(self.profits, x))

    def violations(self, x, tol: float = 1e-9) -> list[str]:
        """Constraints that the 0/1 vector `x` breaks (empty if it is feasible)."""
        out = []
        for i, (row, cap) in enumerate(zip(self.weights, self.capacities)):
            used = sum(r * xj for r, xj in zip(row, x))
            if used > cap + tol:
                out.append(f"constraint {i}: {used:g} > {cap:g}")
        return out


def _number(token: str, where: str) -> float:
    try:
        return int(token)
    except ValueError:
        pass
    try:
        return float(token)
    except ValueError:
        raise ValueError(f"{where}: {token!r} is not a number") from None


def _take(tokens: list, pos: int, count: int, where: str) -> tuple[list, int]:
    if pos + count > len(tokens):
        raise ValueError(f"{where}: data ends early (wanted {count} more numbers "
                         f"at position {pos}, only {len(tokens) - pos} left)")
    return tokens[pos:pos + count], pos + count


def _count(value: float, what: str, where: str) -> int:
    if value != int(value) or value <= 0:
        raise ValueError(f"{where}: {what} must be a positive whole number, not {value!r}")
    return int(value)


# ---- mknap1 ----------------------------------------------------------------------
def parse_mknap1(path: str | Path = MKNAP1) -> list[KnapsackProblem]:
    """Problems of an mknap1-format file: K; then per problem n, m, optimum; the n
    profits; the m x n matrix row by row; the m capacities. Named mknap1-1..K."""
    path = Path(path)
    tokens = [_number(t, path.name) for t in path.read_text(encoding="ascii").split()]
    if not tokens:
        raise ValueError(f"{path.name}: empty file")
    k = _count(tokens[0], "the number of problems", path.name)
    pos = 1
    problems = []
    for number in range(1, k + 1):
        name = f"mknap1-{number}"
        head, pos = _take(tokens, pos, 3, name)
        n = _count(head[0], "n", name)
        m = _count(head[1], "m", name)
        profits, pos = _take(tokens, pos, n, name)
        weights = []
        for _ in range(m):
            row, pos = _take(tokens, pos, n, name)
            weights.append(tuple(row))
        capacities, pos = _take(tokens, pos, m, name)
        problems.append(KnapsackProblem(name, tuple(profits), tuple(weights),
                                        tuple(capacities), head[2]))
    if pos != len(tokens):
        raise ValueError(f"{path.name}: {len(tokens) - pos} numbers left after {k} problems")
    return problems


# ---- mknap2 ----------------------------------------------------------------------
def parse_mknap2(path: str | Path = MKNAP2) -> dict[str, KnapsackProblem]:
    """Problems of an mknap2-format file, by name (e.g. ``WEING1``).

    Only the data after a ``problem NAME.DAT`` line counts; the header before the
    first such line (which includes a commented copy of WEING1) is skipped. In
    a problem: m n (constraints first), the n profits, the m capacities, the
    m x n matrix row by row, the optimum last. ``//`` starts a comment; lines of
    ``+`` separate blocks. Any other text inside a problem is an error, as is a
    count of numbers that does not match m and n.
    """
    path = Path(path)
    blocks: list[tuple[str, int, list]] = []  # name, line number, tokens
    for lineno, raw in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        line = raw.split("//", 1)[0]
        match = _PROBLEM_LINE.match(line)
        if match:
            blocks.append((match.group(1).upper(), lineno, []))
            continue
        if not blocks or _SEPARATOR.match(line) or not line.strip():
            continue
        name, _, tokens = blocks[-1]
        tokens.extend(_number(t, f"{path.name} line {lineno} ({name})") for t in line.split())

    problems: dict[str, KnapsackProblem] = {}
    for name, lineno, tokens in blocks:
        where = f"{path.name} line {lineno} ({name})"
        if name in problems:
            raise ValueError(f"{where}: problem {name} appears twice")
        head, pos = _take(tokens, 0, 2, where)
        m = _count(head[0], "m", where)
        n = _count(head[1], "n", where)
        expected = 2 + n + m + m * n + 1
        if len(tokens) != expected:
            raise ValueError(f"{where}: {len(tokens)} numbers, expected {expected} "
                             f"for m={m}, n={n}")
        profits, pos = _take(tokens, pos, n, where)
        capacities, pos = _take(tokens, pos, m, where)
        weights = []
        for _ in range(m):
            row, pos = _take(tokens, pos, n, where)
            weights.append(tuple(row))
        (optimum,), pos = _take(tokens, pos, 1, where)
        problems[name] = KnapsackProblem(name, tuple(profits), tuple(weights),
                                         tuple(capacities), optimum)
    return problems


# ---- conversion to the instance format -------------------------------------------
KEEP, SELECT = "keep", "select"


def parcel_id(j: int) -> str:
    """Parcel id of item j (0-based)."""
    return f"item{j:03d}"


def resource_id(i: int) -> str:
    """Resource id of constraint i (0-based)."""
    return f"r{i}"


def _cell(value: float) -> str:
    """A number as CSV text that reads back to the same float."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def to_instance_files(problem: KnapsackProblem, out_dir: str | Path, signed: bool = False) -> Path:
    """Write `problem` as an instance (YAML plus parcels/options/resources CSV) into
    `out_dir`; returns the YAML path.

    Item j -> parcel ``item{j}`` of area 1, current use ``keep``, with options
    ``keep`` (no figures) and ``select`` (industrial use, output p_j, r_ij of each
    resource ``r{i}``). Resource ``r{i}`` has cap b_i. Objective: industrial
    output only. No projects and no sources.

    ``signed``: the profits as signed values instead, the way a net present value
    is given: ``keep`` has value -p_j/2 and ``select`` +p_j/2, the objective is the
    term ``value`` plus the offset sum_j p_j/2, so that its optimum is the same;
    no categories (nothing is paid for).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res_ids = [resource_id(i) for i in range(problem.m)]

    _write_csv(out / "parcels.csv", ["id", "area", "current_use"],
               [[parcel_id(j), 1, KEEP] for j in range(problem.n)])
    rows = []
    for j in range(problem.n):
        half = problem.profits[j] / 2
        rows.append([parcel_id(j), KEEP, _cell(-half) if signed else ""] + ["0"] * problem.m)
        rows.append([parcel_id(j), SELECT, _cell(half if signed else problem.profits[j])]
                    + [_cell(problem.weights[i][j]) for i in range(problem.m)])
    _write_csv(out / "options.csv", ["parcel", "use", "value" if signed else "output", *res_ids], rows)
    _write_csv(out / "resources.csv", ["id", "cap"],
               [[rid, _cell(cap)] for rid, cap in zip(res_ids, problem.capacities)])

    doc = {
        "name": f"orlib-{problem.name}",
        "description": (f"OR-Library multidimensional knapsack problem {problem.name} "
                        f"({problem.n} items, {problem.m} constraints, known optimum "
                        f"{_cell(problem.optimum)}): item j is a parcel that may be "
                        f"rezoned to 'select' for output p_j using r_ij of resource r_i."),
        "option_basis": "total",
        "uses": [
            {"id": KEEP, "description": "item not chosen"},
            {"id": SELECT, "industrial": True, "description": "item chosen"},
        ],
        "categories": [{"id": "park"}],
        "resources": {"file": "resources.csv"},
        "parcels": {"file": "parcels.csv"},
        "options": {"file": "options.csv"},
    }
    doc["objective"] = {"weights": {"industrial_output": 1}}
    if signed:
        del doc["categories"]
        doc["objective"] = {"weights": {"value": 1}, "offset": sum(problem.profits) / 2}
    yaml_path = out / "instance.yaml"
    yaml_path.write_text(yaml.safe_dump(doc, sort_keys=False, width=100), encoding="utf-8")
    return yaml_path


def solution_vector(problem: KnapsackProblem, parcels) -> list[int]:
    """The 0/1 item vector of a result's parcels table (index parcel, column use)."""
    uses = parcels["use"]
    x = []
    for j in range(problem.n):
        use = uses[parcel_id(j)]
        if use not in (KEEP, SELECT):
            raise ValueError(f"parcel {parcel_id(j)} has use {use!r}")
        x.append(1 if use == SELECT else 0)
    return x
