"""`optim validate PATH [--scenario NAME]...`: check an instance file (exit 0 valid, 2 not).

The same verdict as `optim solve` and `optim stochastic` with the same arguments:
the file is read and checked, every named scenario's paths and values are
checked, its uncertainty section is checked (optim/inputs/uncertainty.py), the
scenarios given are applied, and the model is built to check what the solver
accepts."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_instance, load_instance


def add_parser(sub) -> None:
    v = sub.add_parser("validate", help="check an instance file; exit 0 if valid, 2 if not")
    add_instance(v, scenario_help="also check the instance as this scenario makes it (repeatable)")


def run(args: argparse.Namespace) -> int:
    from ..api import Model

    inst = load_instance(args)
    Model(inst)  # what the solver accepts (optim/model/size.py): raises InstanceError
    print(f"{args.path}: valid ({len(inst.parcels)} parcels, {len(inst.options)} options, "
          f"{len(inst.projects)} projects, {len(inst.sources)} sources)")
    return EXIT_OK
