"""Command line: `optim COMMAND ...`, one module per command (or group) in this package.

Each command module has `add_parser(sub)` and `run(args) -> int`; the options
several commands share (--scenario, --time-limit, --gap, --json, --workers)
are declared once in `optim.cli.common`. Command modules import the heavy
parts (pandas, HiGHS, the model) only when they run, so `optim --help` starts
at once.

Exit status: 0 a plan was found (or the instance is valid), 1 no plan
(infeasible, unbounded, or a limit hit before any plan), 2 bad input or
usage, 3 an internal error of the tool (reported in one line; OPTIM_DEBUG=1
shows the traceback), 130 interrupted.
"""

from __future__ import annotations

import os
import sys

from ..errors import InstanceError, MissingExtra
from ..interrupt import caused_by_ctrl_c
from . import (alternatives, check_plan, evaluate, explain, generate, importance, plot, report, shadow, solve,
               stochastic, studies, validate)
from .common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_NO_PLAN, EXIT_OK, Parser

# command -> its run function, in the order `optim --help` lists them
COMMANDS = {
    "validate": validate.run,
    "solve": solve.run,
    "check-plan": check_plan.run,
    "explain": explain.run,
    "generate": generate.run,
    "plot": plot.run,
    "report": report.run,
    "shadow": shadow.run,
    "alternatives": alternatives.run,
    "importance": importance.run,
    "sweep": studies.run_sweep,
    "pareto": studies.run_pareto,
    "stochastic": stochastic.run,
    "evaluate": evaluate.run,
}


def parser() -> Parser:
    p = Parser(prog="optim", description="Rezone parcels and draw funding sources for an industrial park.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in (validate, solve, check_plan, explain, generate, plot, report, shadow, alternatives, importance,
                   studies, stochastic, evaluate):
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except InstanceError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MissingExtra as exc:  # an optional dependency is not installed: say which extra
        print(f"optim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `optim solve ... --json | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a fault of the tool, not of the input: say so, briefly
        if caused_by_ctrl_c(exc):  # e.g. a compiled module's import cut short by Ctrl-C
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        if os.environ.get("OPTIM_DEBUG"):
            raise
        print(f"optim: internal error: {type(exc).__name__}: {exc} "
              "(set OPTIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


__all__ = ["main", "parser", "COMMANDS", "EXIT_OK", "EXIT_NO_PLAN", "EXIT_BAD_INPUT", "EXIT_INTERNAL"]
