"""`optim sweep PATH SPEC` and `optim pareto PATH --x OBJ --y OBJ`: the study commands."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import InstanceError
from .common import (EXIT_OK, add_instance, add_json, add_parallel, add_solver, check_solver_args, load_instance,
                     print_json, solver_options, usage_problem)


def _common(p: argparse.ArgumentParser) -> None:
    add_instance(p, scenario_help="apply a named scenario of the instance first (repeatable)")
    add_parallel(p)
    p.add_argument("--out", metavar="DIR", help="directory for the tables")
    add_json(p)
    add_solver(p, per=" per solve")
    p.add_argument("--reports", action="store_true",
                   help="with --out: also write each run's result folder and report, and the study's index.html")
    p.add_argument("--lang", default=None, metavar="LANG",
                   help="language of the reports: en or zh (default: the instance's `language:`, else en)")


def add_parser(sub) -> None:
    s = sub.add_parser("sweep", help="a parameter sweep (grid, tornado, Monte Carlo) from a YAML spec")
    _common(s)
    s.add_argument("spec", metavar="SPEC", help="sweep spec (YAML): design and parameters")
    s.add_argument("--resume", action="store_true", help="skip the runs already in OUT/runs.csv")
    s.add_argument("--rebuild", action="store_true", help="rebuild the model for every run (for comparison)")
    p = sub.add_parser("pareto", help="the Pareto front between two objective terms (epsilon-constraint)")
    _common(p)
    p.add_argument("--x", required=True, metavar="OBJ",
                   help="land_income, industrial_output, coverage or financing_cost")
    p.add_argument("--y", required=True, metavar="OBJ")
    p.add_argument("--points", type=int, default=10, metavar="K", help="epsilon values (default 10)")


def _progress(args: argparse.Namespace) -> bool | None:
    return False if (args.json or args.no_progress) else None


def run_sweep(args: argparse.Namespace) -> int:
    from ..studies.sweep import read_spec, sweep

    check_solver_args(args)
    inst = load_instance(args)
    spec = read_spec(args.spec)
    if args.resume and not args.out:
        raise InstanceError([usage_problem("--resume", "needs --out (the directory of the sweep to resume)")])
    _check_reports(args)
    study = sweep(inst, spec, workers=args.workers, scheduler=args.scheduler, out=args.out,
                  resume=args.resume, reuse=not args.rebuild, progress=_progress(args), write_runs=args.reports,
                  **solver_options(args))
    runs = study.runs
    if args.reports:
        _reports(args)
    if args.json:
        print_json(study.to_dict(), indent=None)
        return EXIT_OK
    counts = runs["status"].value_counts().to_dict()
    print(f"{len(runs)} runs ({', '.join(f'{v} {k}' for k, v in counts.items())}) in {study.seconds:.1f} s")
    cols = [c for c in ["run", *[p.path for p in spec.parameters], "status", "objective", "rezoned_area",
                        "coverage"] if c in runs]
    print(runs[cols].to_string(index=False, max_rows=40))
    if args.out:
        print(f"written {args.out}/runs.csv")
        if spec.design == "tornado":
            _picture("plot_tornado", runs, "objective", f"{args.out}/tornado.png")
    return EXIT_OK


def _check_reports(args: argparse.Namespace) -> None:
    """--reports needs --out; --lang needs --reports and a language the reports have."""
    if args.reports and not args.out:
        raise InstanceError([usage_problem("--reports", "writes each run's report into the study's folder: "
                                                        "give --out DIR")])
    if args.lang is not None:
        from ..reporting.texts import texts_for

        if not args.reports:
            raise InstanceError([usage_problem("--lang", "is the language of the reports: give --reports")])
        texts_for(args.lang)


def _reports(args: argparse.Namespace) -> None:
    """Each run's (or point's) report and the study's index page (optim/reporting)."""
    from ..reporting import write_reports

    paths = write_reports(args.out, lang=args.lang, workers=args.workers, scheduler=args.scheduler,
                          progress=_progress(args))
    if not args.json:
        print(f"written {len(paths)} reports and {args.out}/index.html")


def run_pareto(args: argparse.Namespace) -> int:
    from ..studies.pareto import pareto

    check_solver_args(args)
    _check_reports(args)
    front = pareto(load_instance(args), args.x, args.y, points=args.points, workers=args.workers,
                   scheduler=args.scheduler, progress=_progress(args), **solver_options(args))
    if args.out:
        front.write(args.out)
        if not args.json:
            _picture("plot_front", front.points, args.x, args.y, f"{args.out}/front.png")
        if args.reports:
            _reports(args)
    if args.json:
        print_json(front.to_dict(), indent=None)
        return EXIT_OK
    t = front.points
    print(f"Pareto front {args.x} vs {args.y}: {int(t['on_front'].sum())} of {len(t)} points on the front "
          f"({front.seconds:.1f} s)")
    print(front.payoff.to_string())
    print(t[["point", args.x, args.y, "status", "gap", "on_front", "mrs", "rezoned_area"]].to_string(index=False))
    if (t["status"] != "optimal").any():
        print("points not proven optimal (a limit was hit) are not on the front", file=sys.stderr)
    if args.out:
        print(f"written {args.out}/points.csv, payoff.csv, points/<k>/")
    return EXIT_OK


def _picture(name: str, *args: Any) -> None:
    """Draw a study's picture into its output folder when matplotlib is installed."""
    from .. import plots

    try:
        path = getattr(plots, name)(*args)
        print(f"written {path}")
    except ImportError:
        print("no picture: optim plot needs matplotlib (pip install 'optim[plot]')", file=sys.stderr)
