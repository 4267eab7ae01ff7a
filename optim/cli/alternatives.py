"""`optim alternatives PATH`: up to K distinct plans within PCT % of the optimum.

Exit 0 with at least the optimum, 1 when there is no plan (or a plan fails the
independent checker: it is never reported)."""

from __future__ import annotations

import argparse
import sys

from ..errors import InstanceError
from .common import (EXIT_NO_PLAN, EXIT_OK, add_instance, add_json, add_solver, add_workers,
                     check_solver_args, load_instance, print_json, solver_options, usage_problem)



def add_parser(sub) -> None:
    p = sub.add_parser("alternatives", help="up to K distinct plans within PCT %% of the optimum, "
                       "and each parcel's selection frequency")
    add_instance(p)
    p.add_argument("--count", type=int, default=5, metavar="K", help="plans wanted, the optimum included (default 5)")
    p.add_argument("--within", type=float, default=1.0, metavar="PCT",
                   help="percent of the optimum's objective a plan may give up (default 1)")
    p.add_argument("--method", default="next_best", metavar="METHOD",
                   help="next_best: the K best distinct plans (default); mga: push away from the plans found")
    add_solver(p, per=" per solve")
    add_workers(p, help="accepted for consistency; the no-good cuts make the solves sequential")
    add_json(p)
    p.add_argument("--out", metavar="DIR", help="write plans/<k>/, summary.csv and frequency.csv")


def run(args: argparse.Namespace) -> int:
    from ..analysis.alternatives import METHODS, alternatives

    problems = []
    if args.method not in METHODS:
        problems.append(usage_problem("--method", f"must be one of {', '.join(METHODS)}, not {args.method!r}"))
    if args.count < 1:
        problems.append(usage_problem("--count", f"must be >= 1, not {args.count}"))
    if not args.within >= 0:
        problems.append(usage_problem("--within", f"must be >= 0 (a percentage), not {args.within:g}"))
    if problems:
        raise InstanceError(problems)
    check_solver_args(args)
    alt = alternatives(load_instance(args), count=args.count, within=args.within, method=args.method,
                       workers=args.workers, **solver_options(args))
    if not alt.found:
        print(f"optim alternatives: no plan ({alt.stopped})", file=sys.stderr)
        return EXIT_NO_PLAN
    for k, plan in enumerate(alt.plans):  # never report a plan the independent checker rejects
        if plan.certified is False:
            report = plan.certificate
            print(f"optim alternatives: plan {k} failed the independent checker: "
                  + ", ".join(report.index[~report["ok"]]), file=sys.stderr)
            return EXIT_NO_PLAN
    if args.out:
        alt.write(args.out)
    if args.json:
        print_json(alt.to_dict())
    else:
        print(alt.report())
        if args.out:
            print(f"\nplans written to {args.out}")
    return EXIT_OK
