"""`optim importance PATH`: what each parcel of a plan is worth (replacement importance, bid prices).

Exit 0 with the table, 1 when the plan has no feasible completion (or a plan
failed the independent checker: it is never reported), 2 on bad input."""

from __future__ import annotations

import argparse
import sys

from ..errors import InstanceError
from .common import (EXIT_NO_PLAN, EXIT_OK, add_instance, add_json, add_parallel, add_plan_file, add_solver,
                     check_solver_args, load_instance, print_json, solver_options, usage_problem)


def add_parser(sub) -> None:
    p = sub.add_parser("importance", help="what each parcel of the optimum (or of a draft plan) is worth: the "
                                          "objective lost without its use, and bid prices")
    add_instance(p)
    add_plan_file(p, "a planner's draft instead of the optimum",
                  note="; parcels it does not list keep their current use")
    p.add_argument("--top", type=int, default=10, metavar="K",
                   help="re-solve exactly the K most important parcels found by the screen (default 10)")
    p.add_argument("--exact", action="store_true", help="re-solve every parcel exactly (no screen)")
    p.add_argument("--others", choices=("free", "keep"), metavar="free|keep",
                   help="free: every other decision re-optimised (default for the optimum); keep: the other "
                        "parcels keep their use in the plan (default with --plan)")
    p.add_argument("--parcels", default="all", metavar="all|rezoned|kept",
                   help="the parcels to evaluate (default all)")
    add_parallel(p)
    p.add_argument("--out", metavar="DIR", help="write importance.csv and summary.json")
    add_json(p)
    add_solver(p, per=" per solve")


def run(args: argparse.Namespace) -> int:
    from ..analysis.importance import WHICH, importance, report, summary_of, to_dict, write_importance
    from ..atomic import check_out_dir, instance_files

    problems = []
    if args.top < 1:
        problems.append(usage_problem("--top", f"must be >= 1, not {args.top}"))
    if args.parcels not in WHICH:
        problems.append(usage_problem("--parcels", f"must be one of {', '.join(WHICH)}, not {args.parcels!r}"))
    for option in ("sheet", "layer", "encoding"):
        if getattr(args, option) is not None and args.plan is None:
            problems.append(usage_problem(f"--{option}", "says how to read the draft of --plan: give --plan"))
    if problems:
        raise InstanceError(problems)
    check_solver_args(args)
    inst = load_instance(args)
    if args.out:
        check_out_dir(args.out, instance_files(inst))  # before solving
    table = importance(inst, args.plan, top=args.top, exact=args.exact, others=args.others,
                       parcels=args.parcels, workers=args.workers, scheduler=args.scheduler,
                       progress=False if (args.json or args.no_progress) else None, sheet=args.sheet,
                       layer=args.layer, encoding=args.encoding, **solver_options(args))
    summary = summary_of(table)
    for note in summary.get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    if "message" in summary:
        print(f"optim importance: {summary['message']}", file=sys.stderr)
        return EXIT_NO_PLAN
    failed = table[table["certified"].eq(False)] if len(table) else table
    if len(failed):  # never report a figure from a plan the independent checker rejects
        row = failed.iloc[0]
        print(f"optim importance: the plan re-solved for parcel {row['parcel']} failed the independent checker: "
              + ", ".join(row.get("failed") or []), file=sys.stderr)
        return EXIT_NO_PLAN
    if args.out:
        write_importance(table, args.out, inst)
    if args.json:
        print_json(to_dict(table), indent=None)
        return EXIT_OK
    print(report(table))
    if args.out:
        print(f"\nwritten {args.out}/importance.csv, summary.json")
    return EXIT_OK
