"""Command line: `optim validate PATH`, `optim solve PATH [...]`.

Exit status: 0 a plan was found (or the instance is valid), 1 no plan
(infeasible, unbounded, or a limit hit before any plan), 2 bad input or usage,
3 an internal error of the tool (reported in one line; OPTIM_DEBUG=1 shows the
traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import InstanceError

EXIT_OK, EXIT_NO_PLAN, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with a message
        self.print_usage(sys.stderr)
        print(f"optim: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="optim", description="Rezone parcels and draw funding sources for an industrial park.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="check an instance file; exit 0 if valid, 2 if not")
    v.add_argument("path")

    s = sub.add_parser("solve", help="solve an instance file")
    s.add_argument("path")
    s.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="apply a named scenario of the instance (repeatable)")
    s.add_argument("--time-limit", type=float, metavar="S", help="seconds")
    s.add_argument("--gap", type=float, metavar="G", help="relative MIP gap, e.g. 0.001")
    s.add_argument("--threads", type=int)
    s.add_argument("--seed", type=int)
    s.add_argument("--out", metavar="DIR", help="write every result table as CSV plus summary.json")
    s.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    s.add_argument("--verbose", action="store_true", help="show the HiGHS log on stderr")
    g = sub.add_parser("generate", help="write a synthetic instance (feasible by construction)")
    g.add_argument("--parcels", type=int, required=True, metavar="N")
    g.add_argument("--uses", type=int, default=4, metavar="K")
    g.add_argument("--sources", type=int, default=6, metavar="S")
    g.add_argument("--periods", type=int, default=1, metavar="T")
    g.add_argument("--seed", type=int, default=0, metavar="X")
    g.add_argument("--out", required=True, metavar="DIR")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except InstanceError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `optim solve ... --json | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a fault of the tool, not of the input: say so, briefly
        if os.environ.get("OPTIM_DEBUG"):
            raise
        print(f"optim: internal error: {type(exc).__name__}: {exc} "
              "(set OPTIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def cmd_validate(args: argparse.Namespace) -> int:
    from .io import load
    from .scenarios import check_scenarios

    inst = load(args.path)
    problems = check_scenarios(inst)
    if problems:
        raise InstanceError(problems)
    print(f"{args.path}: valid ({len(inst.parcels)} parcels, {len(inst.options)} options, "
          f"{len(inst.projects)} projects, {len(inst.sources)} sources)")
    return EXIT_OK


def cmd_solve(args: argparse.Namespace) -> int:
    from . import api
    from .io import load
    from .scenarios import apply_scenarios

    inst = load(args.path)
    inst = apply_scenarios(inst, args.scenario)
    if args.gap is not None and not 0 <= args.gap <= 1:
        raise InstanceError([_usage_problem("--gap", f"must be in [0, 1], not {args.gap:g}")])
    if args.time_limit is not None and args.time_limit <= 0:
        raise InstanceError([_usage_problem("--time-limit", f"must be > 0, not {args.time_limit:g}")])
    if args.verbose:
        _route_stdout_to_stderr()
    result = api.solve(inst, time_limit=args.time_limit, mip_rel_gap=args.gap,
                       threads=args.threads, seed=args.seed, verbose=args.verbose)
    if args.out:
        result.write(Path(args.out))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.summary())
        if args.out:
            print(f"\nresults written to {args.out}")
    return EXIT_OK if result.has_plan else EXIT_NO_PLAN


def _usage_problem(option: str, message: str):
    from .errors import Problem

    return Problem(option, message)


def _route_stdout_to_stderr() -> None:
    """HiGHS logs to stdout; keep stdout clean for --json."""
    sys.stdout.flush()


def cmd_generate(args: argparse.Namespace) -> int:
    from .generate import generate, write

    try:
        doc = generate(args.parcels, uses=args.uses, sources=args.sources,
                       periods=args.periods, seed=args.seed)
    except ValueError as exc:
        print(f"optim generate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    path = write(doc, args.out)
    print(f"written {path}")
    return EXIT_OK


_COMMANDS = {"validate": cmd_validate, "solve": cmd_solve, "generate": cmd_generate}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
