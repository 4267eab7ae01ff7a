"""`optim validate PATH`: check an instance file (exit 0 valid, 2 not).

The same verdict as `optim solve` and `optim stochastic`: the file is read and
checked, its scenarios applied and checked, its uncertainty section checked
(optim/inputs/uncertainty.py), and the model built to check what the solver
accepts."""

from __future__ import annotations

import argparse

from ..errors import InstanceError
from .common import EXIT_OK


def add_parser(sub) -> None:
    v = sub.add_parser("validate", help="check an instance file; exit 0 if valid, 2 if not")
    v.add_argument("path")


def run(args: argparse.Namespace) -> int:
    from ..api import Model
    from ..inputs.reader import load
    from ..inputs.scenarios import check_scenarios
    from ..inputs.uncertainty import check_uncertainty

    inst = load(args.path)
    problems = check_scenarios(inst) + check_uncertainty(inst)
    if problems:
        raise InstanceError(problems)
    Model(inst)  # what the solver accepts (optim/model/size.py): raises InstanceError
    print(f"{args.path}: valid ({len(inst.parcels)} parcels, {len(inst.options)} options, "
          f"{len(inst.projects)} projects, {len(inst.sources)} sources)")
    return EXIT_OK
