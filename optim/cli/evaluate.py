"""`optim evaluate PATH --plan FILE`: a planner's draft against the optimum.

Reads the draft (a CSV, a workbook sheet, a GIS layer with a use column, or a
YAML draft that may also fix projects and sources; docs/instance-format.md,
"Draft plans"), optimises what it leaves open and reports: feasible or not
(each target or limit it breaks, with its amount), its objective and KPIs
beside the optimum's, what it gives up by objective term, the parcels whose
use differs; with `--max-changes K` the best plan within K changes of the
draft, with `--changes-front` the gain against the number of parcels changed,
with `--uncertainty` the draft on the scenarios of the uncertainty section.

Exit 0 when the draft has a plan, 1 when it has none (or a plan fails the
independent checker: it is never reported), 2 on bad input (a bad draft row
names the file, the row and the fix; nothing is written), 3 when the solver
failed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (EXIT_INTERNAL, EXIT_NO_PLAN, EXIT_OK, add_instance, add_json, add_plan_file, add_solver,
                     check_solver_args, load_instance, print_json, solver_options, usage_problem)


def add_parser(sub) -> None:
    s = sub.add_parser("evaluate", help="a draft plan against the optimum: feasible or not, what it gives up, "
                                        "the fewest changes that recover the gain",
                       description="Evaluate a planner's draft (parcel -> use, optionally projects and sources): "
                                   "what it leaves open is optimised; the draft is compared with the optimum.")
    add_instance(s)
    add_plan_file(s, "the draft", required=True)
    s.add_argument("--max-changes", type=int, metavar="K",
                   help="also the best plan that differs from the draft on at most K parcels")
    s.add_argument("--changes-front", action="store_true",
                   help="the best objective for 0, 1, 2, ... parcels changed, up to the optimum (at most "
                        "--max-changes, else 50 values); changes_front.csv with --out, `optim plot changes DIR`")
    s.add_argument("--front-cap", type=int, metavar="N", help="most values of K on the front")
    s.add_argument("--uncertainty", nargs="?", const=True, default=None, metavar="FILE",
                   help="also judge the draft on the scenarios of the uncertainty section (the instance's own, "
                        "or FILE) beside the stochastic plan and the plan of the base figures")
    s.add_argument("--samples", type=int, metavar="N", help="with --uncertainty: scenarios to draw")
    s.add_argument("--seed", type=int, metavar="X", help="with --uncertainty: seed of the draws")
    add_solver(s, per=" per solve")
    s.add_argument("--out", metavar="DIR", help="write summary.json (kind: evaluation), changed.csv, kpis.csv, "
                                                "objective_terms.csv, changes_front.csv and plans/NAME/ for each "
                                                "plan (draft, optimum, ...)")
    add_json(s)


def run(args: argparse.Namespace) -> int:
    from ..atomic import check_out_dir, instance_files
    from ..errors import InstanceError
    from ..studies.evaluate import evaluate

    inst = load_instance(args)
    check_solver_args(args)
    problems = []
    if (args.samples is not None or args.seed is not None) and args.uncertainty is None:
        problems.append(usage_problem("--samples" if args.samples is not None else "--seed",
                                      "draws the scenarios of --uncertainty: give --uncertainty"))
    if args.front_cap is not None and not args.changes_front:
        problems.append(usage_problem("--front-cap", "caps the front of --changes-front: give --changes-front"))
    if problems:
        raise InstanceError(problems)
    if args.out:  # never write over an input file, the draft's included (optim/atomic.py)
        check_out_dir(args.out, [*instance_files(inst), Path(args.plan).resolve()])
    options = solver_options(args)
    options.pop("seed", None)  # --seed draws the scenarios of --uncertainty; HiGHS keeps the instance's seed
    ev = evaluate(inst, args.plan, sheet=args.sheet, layer=args.layer, encoding=args.encoding,
                  max_changes=args.max_changes, changes_front=args.changes_front, front_cap=args.front_cap,
                  uncertainty=args.uncertainty, samples=args.samples, seed=args.seed, **options)
    for note in ev.draft.notes:
        print(f"note: {note}", file=sys.stderr)
    if ev.result.status == "error" or ev.optimum.status == "error":
        print("optim: the solver failed: HiGHS returned an error", file=sys.stderr)
        return EXIT_INTERNAL
    if ev.rejected:  # never reported: a plan the independent checker rejects
        print(f"optim: the plan(s) {', '.join(ev.rejected)} failed their certificate", file=sys.stderr)
        return EXIT_NO_PLAN
    if args.out:
        ev.write(Path(args.out))
    if args.json:
        print_json(ev.to_dict())
    else:
        print(ev.summary())
        if args.out:
            print(f"\nresults written to {args.out}"
                  + (f" (optim plot changes {args.out} --out front.png)" if ev.front is not None else ""))
    return EXIT_OK if ev.feasible else EXIT_NO_PLAN
