"""`optim plot KIND INPUT --out FILE`: draw a study or a plan (the plot extra: matplotlib)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import EXIT_BAD_INPUT, EXIT_OK

KINDS = ("front", "tornado", "map", "draws", "stochastic", "changes", "importance")


def add_parser(sub) -> None:
    p = sub.add_parser("plot", help="draw a Pareto front, tornado chart, parcel map, draws, the outcomes under "
                                    "uncertainty or the parcels' importance (PNG/SVG)",
                       description="Draw a picture of a study or a plan to a .png or .svg file.")
    p.add_argument("kind", choices=KINDS, metavar="KIND", help="front | tornado | map | draws | stochastic | changes | importance")
    p.add_argument("input", metavar="INPUT",
                   help="front: a Pareto output dir (points.csv); tornado: a sweep output dir (runs.csv); "
                        "map, draws: a result dir written by `optim solve --out`; "
                        "stochastic: a dir written by `optim stochastic --out` (scenarios.csv); "
                        "changes: a dir written by `optim evaluate --changes-front --out` (changes_front.csv); "
                        "importance: a dir written by `optim importance --out` (importance.csv)")
    p.add_argument("--out", required=True, metavar="FILE", help="picture to write (.png or .svg)")
    p.add_argument("--kpi", default="objective", metavar="NAME",
                   help="tornado, stochastic: the KPI (default: objective)")
    p.add_argument("--x", metavar="OBJ", help="front: objective on the x axis (default: from points.csv)")
    p.add_argument("--y", metavar="OBJ", help="front: objective on the y axis (default: from points.csv)")
    p.add_argument("--label", action="append", default=[], metavar="POINT",
                   help="front: label this point with its plan (repeatable; 'all' for every point)")
    p.add_argument("--instance", metavar="PATH",
                   help="map, importance: the instance file, for the parcels' x, y or polygons")
    p.add_argument("--by", choices=("category", "period"), default="category",
                   help="draws: stack by category (default) or by period")


def run(args: argparse.Namespace) -> int:
    """Bad input is reported in one line with exit status 2."""
    from ..plots import (PlotError, plot_changes, plot_draws, plot_front, plot_importance, plot_map, plot_outcomes,
                         plot_tornado)

    try:
        if args.kind == "front":
            labels: Any = "all" if "all" in args.label else [int(v) if v.isdigit() else v for v in args.label]
            path = plot_front(args.input, args.x, args.y, args.out, label_points=labels)
        elif args.kind == "tornado":
            path = plot_tornado(args.input, args.kpi, args.out)
        elif args.kind == "stochastic":
            path = plot_outcomes(args.input, args.out, metric=args.kpi)
        elif args.kind == "changes":
            path = plot_changes(args.input, args.out)
        elif args.kind == "importance":
            path = plot_importance(args.input, args.out, instance=args.instance)
        elif args.kind == "map":
            path = plot_map(args.input, args.out, instance=args.instance)
        else:
            path = plot_draws(args.input, args.out, by=args.by)
    except PlotError as exc:
        print(f"optim plot {args.kind}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"written {path}")
    return EXIT_OK
