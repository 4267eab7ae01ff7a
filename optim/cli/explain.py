"""`optim explain PATH`: why an instance has no plan (exit 1) or that it has one (exit 0)."""

from __future__ import annotations

import argparse

from .common import EXIT_NO_PLAN, EXIT_OK, add_instance, add_json, load_instance


def add_parser(sub) -> None:
    x = sub.add_parser("explain", help="say why an instance has no plan (exit 1) or that it has one (exit 0)")
    add_instance(x)
    add_json(x)


def run(args: argparse.Namespace) -> int:
    from ..analysis.explain import explain

    exp = explain(load_instance(args))
    print(exp.to_json() if args.json else exp.summary())
    return EXIT_OK if exp.feasible else EXIT_NO_PLAN
