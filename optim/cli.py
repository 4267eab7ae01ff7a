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
    c = sub.add_parser("check-plan", help="check a written result against its instance "
                       "(exit 0 every constraint holds, 1 one does not, 2 unreadable input)")
    c.add_argument("path", metavar="INSTANCE")
    c.add_argument("result_dir", metavar="RESULT_DIR")
    c.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="the scenarios the plan was solved under (repeatable)")
    c.add_argument("--json", action="store_true", help="print the report as one JSON object")
    c.add_argument("--tol", type=float, metavar="T", default=None,
                   help="relative tolerance, violation / max(1, |rhs|) (default 1e-6)")
    x = sub.add_parser("explain", help="say why an instance has no plan (exit 1) or that it has one (exit 0)")
    x.add_argument("path")
    x.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="apply a named scenario of the instance (repeatable)")
    x.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    g = sub.add_parser("generate", help="write a synthetic instance (feasible by construction)")
    g.add_argument("--parcels", type=int, required=True, metavar="N")
    g.add_argument("--uses", type=int, default=4, metavar="K")
    g.add_argument("--sources", type=int, default=6, metavar="S")
    g.add_argument("--periods", type=int, default=1, metavar="T")
    g.add_argument("--seed", type=int, default=0, metavar="X")
    g.add_argument("--out", required=True, metavar="DIR")
    from .plots import add_parser as add_plot_parser  # `optim plot` (optim/plots.py)

    add_plot_parser(sub)
    from .alternatives import add_parser as add_alternatives_parser  # optim/alternatives.py
    from .shadow import add_parser as add_shadow_parser  # `optim shadow` (optim/shadow.py)

    add_shadow_parser(sub)
    add_alternatives_parser(sub)
    from .study_cli import add_parsers as add_study_parsers  # `optim sweep`, `optim pareto`

    add_study_parsers(sub)
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
    from .certificate import PlanRejected, certify_result
    from .io import load
    from .scenarios import apply_scenarios

    inst = load(args.path)
    inst = apply_scenarios(inst, args.scenario)
    if args.gap is not None and not 0 <= args.gap <= 1:
        raise InstanceError([_usage_problem("--gap", f"must be in [0, 1], not {args.gap:g}")])
    if args.time_limit is not None and not 0 < args.time_limit < float("inf"):
        raise InstanceError([_usage_problem("--time-limit", f"must be > 0, not {args.time_limit:g}")])
    from .limits import MAX_SEED, MAX_THREADS

    if args.threads is not None and not 1 <= args.threads <= MAX_THREADS:
        raise InstanceError([_usage_problem("--threads", f"must be in [1, {MAX_THREADS}], not {args.threads}")])
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise InstanceError([_usage_problem("--seed", f"must be in [0, {MAX_SEED}], not {args.seed}")])
    if args.out:  # never write over an input file (optim/atomic.py)
        from .atomic import check_out_dir, instance_files

        check_out_dir(args.out, instance_files(inst))
    from .prechecks import run_for_solve  # presolve checks (optim/prechecks.py)

    model = api.build(inst)  # built once: for the matrix checks and for the solve
    if (code := run_for_solve(inst, args.json, formulation=model.formulation)) is not None:
        return code
    if args.verbose:
        _route_stdout_to_stderr()
    result = api.solve(model, time_limit=args.time_limit, mip_rel_gap=args.gap,
                       threads=args.threads, seed=args.seed, verbose=args.verbose)
    if result.status == "error":  # never swallowed: no plan, and the tool says why
        print(f"optim: the solver failed: HiGHS returned an error (termination {result.termination})",
              file=sys.stderr)
        return EXIT_INTERNAL
    if result.termination == "interrupted":
        print("interrupted: best plan so far, not proven optimal" if result.has_plan
              else "interrupted: no plan found before the interrupt", file=sys.stderr)
    try:  # the independent checker (optim/certificate.py): a failing plan is never reported
        certify_result(inst, result)
    except PlanRejected as exc:
        print(f"optim: {exc}", file=sys.stderr)
        return EXIT_NO_PLAN
    if args.out:
        result.write(Path(args.out))
    from .explain import explain_for_solve  # why there is no plan (optim/explain.py)

    why = explain_for_solve(inst, result)
    if args.json:
        print(json.dumps({**result.to_dict(), **(why.solve_keys() if why else {})}, indent=2))
    else:
        print(result.summary())
        if why is not None:
            print("\n" + why.summary())
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


def cmd_check_plan(args: argparse.Namespace) -> int:
    from .certificate import DEFAULT_TOL, check_result_dir, report_dict, report_table
    from .io import load
    from .scenarios import apply_scenarios

    tol = DEFAULT_TOL if args.tol is None else args.tol
    if not tol >= 0:
        raise InstanceError([_usage_problem("--tol", f"must be >= 0, not {tol:g}")])
    inst = apply_scenarios(load(args.path), args.scenario)
    report = check_result_dir(inst, args.result_dir, tol)
    if args.json:
        print(json.dumps(report_dict(report, tol), indent=2))
    else:
        print(report_table(report, tol))
    return EXIT_OK if bool(report["ok"].all()) else EXIT_NO_PLAN


_COMMANDS = {"validate": cmd_validate, "solve": cmd_solve, "generate": cmd_generate,
             "check-plan": cmd_check_plan}


def cmd_plot(args: argparse.Namespace) -> int:
    from .plots import cmd_plot as run_plot

    return run_plot(args)


_COMMANDS["plot"] = cmd_plot


def cmd_shadow(args: argparse.Namespace) -> int:
    from .shadow import run_cli

    return run_cli(args)


def cmd_alternatives(args: argparse.Namespace) -> int:
    from .alternatives import run_cli

    return run_cli(args)


_COMMANDS["shadow"] = cmd_shadow
_COMMANDS["alternatives"] = cmd_alternatives


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import run_cli

    return run_cli(args)


_COMMANDS["explain"] = cmd_explain


def cmd_sweep(args: argparse.Namespace) -> int:
    from .study_cli import cmd_sweep as run

    return run(args)


def cmd_pareto(args: argparse.Namespace) -> int:
    from .study_cli import cmd_pareto as run

    return run(args)


_COMMANDS["sweep"] = cmd_sweep
_COMMANDS["pareto"] = cmd_pareto


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

