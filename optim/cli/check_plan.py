"""`optim check-plan PATH RESULT_DIR`: check a written result against its instance
(exit 0 every family holds, 1 one does not, 2 unreadable input)."""

from __future__ import annotations

import argparse

from ..errors import InstanceError
from .common import EXIT_NO_PLAN, EXIT_OK, add_json, load_instance, print_json, usage_problem


def add_parser(sub) -> None:
    c = sub.add_parser("check-plan", help="check a written result against its instance "
                       "(exit 0 every constraint holds, 1 one does not, 2 unreadable input)")
    c.add_argument("path", metavar="INSTANCE")
    c.add_argument("result_dir", metavar="RESULT_DIR")
    c.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="the scenarios the plan was solved under (repeatable)")
    add_json(c)
    c.add_argument("--tol", type=float, metavar="T", default=None,
                   help="relative tolerance, violation / max(1, |rhs|) (default 1e-6)")


def run(args: argparse.Namespace) -> int:
    from ..check.certificate import DEFAULT_TOL, check_result_dir, report_dict, report_table

    tol = DEFAULT_TOL if args.tol is None else args.tol
    if not tol >= 0:
        raise InstanceError([usage_problem("--tol", f"must be >= 0, not {tol:g}")])
    report = check_result_dir(load_instance(args), args.result_dir, tol)
    if args.json:
        print_json(report_dict(report, tol))
    else:
        print(report_table(report, tol))
    return EXIT_OK if bool(report["ok"].all()) else EXIT_NO_PLAN
