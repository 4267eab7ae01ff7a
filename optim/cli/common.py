"""What every command shares: exit codes, the shared options (declared once), and
reading the instance a command works on.

Kept light: nothing here imports pandas, numpy or the solver at module level,
so that `optim --help` starts at once; a command imports what it needs when it
runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import InstanceError, Problem
from ..inputs.limits import MAX_SEED, MAX_THREADS

EXIT_OK, EXIT_NO_PLAN, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
STRATEGIES = ("lp-guided", "plain")  # how `solve` solves (optim/strategy.py), named here to keep --help light
MODEL_FORMATS = (".mps", ".lp")  # what --write-model writes (optim.highs.write_model)


class Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with a message, like bad input."""

    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        print(f"optim: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


# ---- shared options --------------------------------------------------------------------------
def add_instance(p: argparse.ArgumentParser, scenario_help: str = "apply a named scenario of the instance "
                                                                   "(repeatable)") -> None:
    """PATH and --scenario NAME (repeatable)."""
    p.add_argument("path")
    p.add_argument("--scenario", action="append", default=[], metavar="NAME", help=scenario_help)


def add_plan_file(p: argparse.ArgumentParser, what: str, required: bool = False, note: str = "") -> None:
    """--plan FILE (a planner's draft, read by optim/inputs/draft.py) and the
    options that say how to read it: --sheet, --layer, --encoding."""
    p.add_argument("--plan", required=required, metavar="FILE",
                   help=f"{what}: a CSV file (parcel,use[,period]), a workbook (FILE.xlsx or FILE.xlsx:SHEET), "
                        "a GIS layer with a use column (FILE.gpkg or FILE.gpkg:LAYER) or a YAML draft "
                        f"(parcels, projects, sources){note}")
    p.add_argument("--sheet", metavar="NAME", help="the plan's workbook sheet (default: 'draft', else the only sheet)")
    p.add_argument("--layer", metavar="NAME", help="the plan's GIS layer (default: the only layer)")
    p.add_argument("--encoding", metavar="NAME", help="the plan's CSV encoding (default UTF-8; e.g. gb18030 for a "
                                                      "file saved by Excel on Chinese Windows)")


def add_solver(p: argparse.ArgumentParser, per: str = "", threads: bool = False) -> None:
    """--time-limit S and --gap G (and --threads N, --seed X)."""
    p.add_argument("--time-limit", type=float, metavar="S", help=f"seconds{per}")
    p.add_argument("--gap", type=float, metavar="G", help=f"relative MIP gap{per}, e.g. 0.001")
    if threads:
        p.add_argument("--threads", type=int)
        p.add_argument("--seed", type=int)


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def add_workers(p: argparse.ArgumentParser, help: str = "local worker processes (default 1)") -> None:
    p.add_argument("--workers", type=int, default=1, metavar="N", help=help)


def add_parallel(p: argparse.ArgumentParser) -> None:
    """How a study's solves run: --workers N, --scheduler ADDR (Dask), --no-progress."""
    add_workers(p)
    p.add_argument("--scheduler", metavar="ADDR", help="run on a Dask cluster (tcp://host:port); needs optim[dask]")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


# ---- checks and reading ------------------------------------------------------------------------
def usage_problem(option: str, message: str) -> Problem:
    return Problem(option, message)


def check_solver_args(args: argparse.Namespace) -> None:
    """Refuse solver options out of range (exit 2), naming the option."""
    problems = []
    gap, limit = getattr(args, "gap", None), getattr(args, "time_limit", None)
    if gap is not None and not 0 <= gap <= 1:
        problems.append(usage_problem("--gap", f"must be in [0, 1], not {gap:g}"))
    if limit is not None and not 0 < limit < float("inf"):
        problems.append(usage_problem("--time-limit", f"must be > 0, not {limit:g}"))
    threads, seed = getattr(args, "threads", None), getattr(args, "seed", None)
    if threads is not None and not 1 <= threads <= MAX_THREADS:
        problems.append(usage_problem("--threads", f"must be in [1, {MAX_THREADS}], not {threads}"))
    if seed is not None and not 0 <= seed <= MAX_SEED:
        problems.append(usage_problem("--seed", f"must be in [0, {MAX_SEED}], not {seed}"))
    model_file = getattr(args, "write_model", None)
    if model_file is not None and not any(model_file.lower().endswith(x) for x in MODEL_FORMATS):
        problems.append(usage_problem("--write-model", f"must end in {' or '.join(MODEL_FORMATS)}, "
                                                       f"not {model_file!r}"))
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        problems.append(usage_problem("--workers", f"must be >= 1, not {workers}"))
    if problems:
        raise InstanceError(problems)


def solver_options(args: argparse.Namespace) -> dict[str, Any]:
    """The solver keyword options a command passes on (None: the instance's default)."""
    out = {"time_limit": args.time_limit, "mip_rel_gap": args.gap}
    for key in ("threads", "seed", "strategy"):
        if hasattr(args, key):
            out[key] = getattr(args, key)
    return out


def load_instance(args: argparse.Namespace):
    """The instance at args.path with the --scenario overrides applied. Every named
    scenario of the file is checked too (its paths name figures of the instance and
    its values fit them), and its uncertainty section, as `optim validate` checks
    them: one verdict. What reading
    assumed (an encoding, a coordinate system) is printed on stderr as ``note: ...``
    lines, and what the model will do that the file does not say as ``warning:
    PLACE: MESSAGE`` lines (`optim.input_warnings`)."""
    from ..inputs.reader import load
    from ..inputs.scenarios import apply_scenarios, check_scenarios
    from ..inputs.uncertainty import check_uncertainty
    from ..inputs.validate import input_warnings

    inst = load(args.path)
    if problems := check_scenarios(inst) + check_uncertainty(inst):
        raise InstanceError(problems)
    inst = apply_scenarios(inst, getattr(args, "scenario", []) or [])
    print_notes(inst)
    for warning in input_warnings(inst):
        print(f"warning: {warning}", file=sys.stderr)
    return inst


def print_notes(inst: Any) -> None:
    """What reading the instance assumed (an encoding, a coordinate system), on stderr."""
    for note in getattr(inst, "notes", None) or []:
        print(f"note: {note}", file=sys.stderr)


def print_json(obj: Any, indent: int | None = 2) -> None:
    print(json.dumps(obj, indent=indent, default=plain))


def plain(x: Any) -> Any:
    """A value JSON can take: numbers as float (None if not finite), the rest as text."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return v if v == v and abs(v) != float("inf") else None
