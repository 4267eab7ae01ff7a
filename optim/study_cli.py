"""`optim sweep` and `optim pareto` (the study commands; see optim/cli.py)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from .errors import InstanceError, Problem


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("path")
    p.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="apply a named scenario of the instance first (repeatable)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    p.add_argument("--scheduler", metavar="ADDR", help="run on a Dask cluster (tcp://host:port); needs optim[dask]")
    p.add_argument("--out", metavar="DIR", help="directory for the tables")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout (no progress bar)")
    p.add_argument("--time-limit", type=float, metavar="S", help="seconds per solve")
    p.add_argument("--gap", type=float, metavar="G", help="relative MIP gap per solve")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_parsers(sub: Any) -> None:
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


def _prepare(args: argparse.Namespace):
    from .io import load
    from .scenarios import apply_scenarios

    problems = []
    if args.workers < 1:
        problems.append(Problem("--workers", f"must be >= 1, not {args.workers}"))
    if args.gap is not None and not 0 <= args.gap <= 1:
        problems.append(Problem("--gap", f"must be in [0, 1], not {args.gap:g}"))
    if args.time_limit is not None and not args.time_limit > 0:
        problems.append(Problem("--time-limit", f"must be > 0, not {args.time_limit:g}"))
    if problems:
        raise InstanceError(problems)
    inst = apply_scenarios(load(args.path), args.scenario)
    progress = False if (args.json or args.no_progress) else None
    return inst, progress, {"time_limit": args.time_limit, "mip_rel_gap": args.gap}


def cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import read_spec, sweep

    inst, progress, options = _prepare(args)
    spec = read_spec(args.spec)
    if args.resume and not args.out:
        raise InstanceError([Problem("--resume", "needs --out (the directory of the sweep to resume)")])
    study = sweep(inst, spec, workers=args.workers, scheduler=args.scheduler, out=args.out,
                  resume=args.resume, reuse=not args.rebuild, progress=progress, **options)
    runs = study.runs
    if args.json:
        print(json.dumps(study.to_dict(), default=_plain))
        return 0
    counts = runs["status"].value_counts().to_dict()
    print(f"{len(runs)} runs ({', '.join(f'{v} {k}' for k, v in counts.items())}) in {study.seconds:.1f} s")
    cols = [c for c in ["run", *[p.path for p in spec.parameters], "status", "objective", "rezoned_area",
                        "coverage"] if c in runs]
    print(runs[cols].to_string(index=False, max_rows=40))
    if args.out:
        print(f"written {args.out}/runs.csv")
        if spec.design == "tornado":
            _picture("plot_tornado", runs, "objective", f"{args.out}/tornado.png")
    return 0


def _picture(name: str, *args: Any) -> None:
    """Draw a study's picture into its output folder when matplotlib is installed."""
    try:
        from . import plots

        path = getattr(plots, name)(*args)
        print(f"written {path}")
    except ImportError:
        print("no picture: optim plot needs matplotlib (pip install 'optim[plot]')", file=sys.stderr)


def cmd_pareto(args: argparse.Namespace) -> int:
    from .pareto import pareto

    inst, progress, options = _prepare(args)
    front = pareto(inst, args.x, args.y, points=args.points, workers=args.workers,
                   scheduler=args.scheduler, progress=progress, **options)
    if args.out:
        front.write(args.out)
        if not args.json:
            _picture("plot_front", front.points, args.x, args.y, f"{args.out}/front.png")
    if args.json:
        print(json.dumps(front.to_dict(), default=_plain))
        return 0
    t = front.points
    print(f"Pareto front {args.x} vs {args.y}: {int(t['on_front'].sum())} of {len(t)} points on the front "
          f"({front.seconds:.1f} s)")
    print(front.payoff.to_string())
    print(t[["point", args.x, args.y, "status", "gap", "on_front", "mrs", "rezoned_area"]].to_string(index=False))
    if (t["status"] != "optimal").any():
        print("points not proven optimal (a limit was hit) are not on the front", file=sys.stderr)
    if args.out:
        print(f"written {args.out}/points.csv, payoff.csv, points/<k>/")
    return 0


def _plain(x: Any) -> Any:
    try:
        v = float(x)
        return v if math.isfinite(v) else None
    except (TypeError, ValueError):
        return str(x)
