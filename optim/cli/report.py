"""`optim report RESULT_DIR --out report.html`: one self-contained HTML page of a result;
`optim report STUDY_DIR --out index.html`: the index page of a sweep or a Pareto front;
`optim report EVAL_DIR --out draft.html`: a planner's draft against the optimum
(the folder of `optim evaluate --out`); `--importance PATH` adds what each parcel
is worth (importance.csv of `optim importance --out`).

Exit 0 when the report is written (for a result with a plan or without one),
2 when the folder, its instance or the output path is bad input (the message
names the file)."""

from __future__ import annotations

import argparse
import time

from .common import EXIT_OK


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report of a result folder (or a study's index)",
                       description="Write one HTML file (no network needed to view it) with the key "
                                   "figures, the map, the draws, the plan per period, the binding limits "
                                   "and their shadow prices, or why there is no plan. For the folder of a "
                                   "sweep or a Pareto front: one page listing every run, linked to each "
                                   "run's report where one was written. For the folder of `optim evaluate "
                                   "--out`: the draft against the optimum (what it gives up, the parcels whose "
                                   "use differs, the changes front).")
    p.add_argument("result_dir", metavar="RESULT_DIR",
                   help="a folder written by `optim solve --out` (or by `optim sweep --out`, `optim pareto --out`, "
                        "`optim evaluate --out`)")
    p.add_argument("--out", required=True, metavar="FILE", help="the report to write (.html)")
    p.add_argument("--instance", metavar="PATH",
                   help="the instance file (default: the one the result records)")
    p.add_argument("--scenario", action="append", default=None, metavar="NAME",
                   help="scenarios applied to the instance (repeatable; default: the recorded ones)")
    p.add_argument("--lang", default=None, metavar="LANG",
                   help="language of the report: en or zh (default: the instance's `language:`, else en)")
    p.add_argument("--no-prices", action="store_true", help="leave out the shadow prices of the binding limits")
    p.add_argument("--importance", metavar="PATH",
                   help="importance.csv written by `optim importance --out DIR` (or DIR): adds what each parcel "
                        "is worth, with its map (default: importance.csv in RESULT_DIR, when there is one)")


def run(args: argparse.Namespace) -> int:
    from ..reporting import report

    t0 = time.perf_counter()
    path = report(args.result_dir, args.out, instance=args.instance, scenarios=args.scenario,
                  lang=args.lang, prices=not args.no_prices, importance=args.importance)
    print(f"report written to {path} ({time.perf_counter() - t0:.1f} s)")
    return EXIT_OK
