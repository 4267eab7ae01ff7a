"""`optim generate --parcels N --out DIR`: write a synthetic instance (feasible by construction)."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_BAD_INPUT, EXIT_OK


def add_parser(sub) -> None:
    g = sub.add_parser("generate", help="write a synthetic instance (feasible by construction)")
    g.add_argument("--parcels", type=int, required=True, metavar="N")
    g.add_argument("--uses", type=int, default=4, metavar="K")
    g.add_argument("--sources", type=int, default=6, metavar="S")
    g.add_argument("--periods", type=int, default=1, metavar="T")
    g.add_argument("--seed", type=int, default=0, metavar="X")
    g.add_argument("--geometry", action="store_true",
                   help="parcels as polygons in parcels.gpkg, adjacency from them (the gis extra)")
    g.add_argument("--out", required=True, metavar="DIR")


def run(args: argparse.Namespace) -> int:
    from ..errors import require_extra
    from ..generate import generate, write

    if args.geometry:
        require_extra("geopandas", "optim generate --geometry needs the gis extra: pip install 'optim[gis]'")
    try:
        doc = generate(args.parcels, uses=args.uses, sources=args.sources, periods=args.periods, seed=args.seed,
                       geometry=args.geometry)
    except ValueError as exc:
        print(f"optim generate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"written {write(doc, args.out)}")
    return EXIT_OK
