"""`optim shadow PATH`: shadow prices of the optimal plan (conditional on the fixed plan).

Exit 0 with prices, 1 when there is no plan to price (or the plan fails the
independent checker: a plan it rejects is never priced)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (EXIT_NO_PLAN, EXIT_OK, add_instance, add_json, add_solver, check_solver_args,
                     load_instance, print_json, solver_options)


def add_parser(sub) -> None:
    p = sub.add_parser("shadow", help="shadow prices of the optimal plan (conditional on the fixed plan)")
    add_instance(p)
    add_solver(p, per=" for the MIP solve")
    p.add_argument("--all", action="store_true", help="list every constraint row, not only the binding ones")
    add_json(p)
    p.add_argument("--out", metavar="DIR", help="write shadow_prices.csv (every row)")


def run(args: argparse.Namespace) -> int:
    from ..analysis.shadow import shadow_prices

    check_solver_args(args)
    sp = shadow_prices(load_instance(args), **solver_options(args))
    if not sp.result.has_plan or sp.objective is None:
        print(f"optim shadow: no plan to price ({sp.result.status}, fixed plan {sp.status})", file=sys.stderr)
        return EXIT_NO_PLAN
    if sp.result.certified is False:  # never price a plan the independent checker rejects
        report = sp.result.certificate
        print("optim shadow: the plan failed the independent checker: "
              + ", ".join(report.index[~report["ok"]]), file=sys.stderr)
        return EXIT_NO_PLAN
    if args.out:
        sp.write(args.out)
    if args.json:
        print_json(sp.to_dict(args.all))
    else:
        print(sp.summary(args.all))
        if args.out:
            print(f"\nshadow prices written to {Path(args.out) / 'shadow_prices.csv'}")
    return EXIT_OK
