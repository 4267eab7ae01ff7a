"""`optim solve PATH`: solve an instance file and report (or write) the certified plan.

Exit 0 with a plan (optimal, or feasible when a limit stopped the search), 1
without one (infeasible, the presolve checks, a limit before any plan, or a plan
that failed its certificate), 3 when the solver failed. `--out DIR` writes the
outcome whenever the input is valid: the plan's tables, or for "no plan" the
status with its explanation (`explanation`, or the presolve checks'
`prechecks`) in summary.json; never a plan the checker rejects."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InstanceError, Problem
from .common import (EXIT_INTERNAL, EXIT_NO_PLAN, EXIT_OK, STRATEGIES, add_instance, add_json, add_solver,
                     check_solver_args, load_instance, print_json, solver_options)


def add_parser(sub) -> None:
    s = sub.add_parser("solve", help="solve an instance file")
    add_instance(s)
    add_solver(s, threads=True)
    s.add_argument("--strategy", choices=STRATEGIES, default=None,
                   help="lp-guided (default): the LP relaxation first, its safe bound proves an LP-guided "
                        "plan where it can, else HiGHS from that plan; plain: HiGHS alone")
    s.add_argument("--write-model", metavar="FILE",
                   help="write the model as handed to HiGHS (.mps or .lp), before any strategy; then solve")
    s.add_argument("--out", metavar="DIR", help="write every result table as CSV plus summary.json (and plan.gpkg "
                                                "when the parcels have polygons)")
    s.add_argument("--excel", action="store_true", help="with --out: also write plan.xlsx, every table as a sheet "
                                                        "(money in M yuan; the excel extra)")
    add_json(s)
    s.add_argument("--verbose", action="store_true", help="show the HiGHS log on stderr")


def run(args: argparse.Namespace) -> int:
    from ..analysis.explain import explain_for_solve
    from ..analysis.prechecks import errors, precheck
    from ..api import build
    from ..atomic import check_out_dir, instance_files
    from ..check.certificate import PlanRejected
    from ..results import no_plan

    from ..errors import require_extra
    from ..export import MISSING_OPENPYXL

    inst = load_instance(args)
    check_solver_args(args)
    if args.excel:
        if not args.out:
            raise InstanceError([Problem("--excel", "writes plan.xlsx into the result folder: give --out DIR")])
        require_extra("openpyxl", MISSING_OPENPYXL)
    if args.out:  # never write over an input file (optim/atomic.py)
        check_out_dir(args.out, instance_files(inst))
    model = build(inst)  # built once: for the matrix checks and for the solve
    if args.write_model:  # the model as HiGHS gets it, whatever happens next
        model.write_model(args.write_model)
    findings = precheck(inst, formulation=model.formulation)
    for f in findings:
        if f.severity != "error":
            print(f, file=sys.stderr)
    if bad := errors(findings):  # no plan can exist, proved by a simple bound
        for f in bad:
            print(f, file=sys.stderr)
        if args.out:  # the folder says what happened, and why (`optim report` reads it)
            no_plan(inst, "infeasible", "precheck").write(
                Path(args.out), extra={"prechecks": [f.to_dict() for f in findings]})
        if args.json:
            print_json({"instance": inst.name, "status": "infeasible", "termination": "precheck",
                        "prechecks": [f.to_dict() for f in findings]})
        else:
            print(f"instance     {inst.name}\nstatus       infeasible (presolve checks)\nno plan")
            for f in bad:
                print(f"  {f}")
            if args.out:
                print(f"\nresult written to {args.out}")
        return EXIT_NO_PLAN
    if args.verbose:
        sys.stdout.flush()  # HiGHS logs to stderr (optim.highs.make_highs): stdout stays clean for --json
    result = model.solve(verbose=args.verbose, **solver_options(args))
    if result.status == "error":  # never swallowed: no plan, and the tool says why
        print(f"optim: the solver failed: HiGHS returned an error (termination {result.termination})",
              file=sys.stderr)
        return EXIT_INTERNAL
    if result.termination == "interrupted":
        print("interrupted: best plan so far, not proven optimal" if result.has_plan
              else "interrupted: no plan found before the interrupt", file=sys.stderr)
    if result.certified is False:  # the independent checker rejects it: never reported
        print(f"optim: {PlanRejected(result.certificate)}", file=sys.stderr)
        return EXIT_NO_PLAN
    why = explain_for_solve(inst, result)  # why there is no plan (optim/analysis/explain.py)
    if args.out:  # a plan, or no plan with its explanation in summary.json
        result.write(Path(args.out), excel=args.excel, extra={"explanation": why.to_dict()} if why else None)
    if args.json:
        print_json({**result.to_dict(), **(why.solve_keys() if why else {})})
    else:
        print(result.summary())
        if why is not None:
            print("\n" + why.summary())
        if args.out:
            print(f"\nresults written to {args.out}")
    return EXIT_OK if result.has_plan else EXIT_NO_PLAN
