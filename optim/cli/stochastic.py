"""`optim stochastic PATH`: the plan to commit to now, before the uncertain figures are known.

Reads the instance's `uncertainty:` section (or `--uncertainty FILE`), solves the
two-stage stochastic model (the extensive form, or progressive hedging with
`--engine ph` under MPI) and reports the first stage, the VSS and the EVPI, the
distribution of the objective and of every KPI, and out of sample how both
plans do. Exit 0 with a plan (certified: every scenario's plan against its own
figures), 1 without one, 2 on bad input (a bad uncertainty section names the
file, the key and the fix), 3 when the solver failed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InstanceError
from .common import (EXIT_INTERNAL, EXIT_NO_PLAN, EXIT_OK, add_instance, add_json, add_solver, check_solver_args,
                     load_instance, print_json, solver_options, usage_problem)


def _pair(text: str, option: str, names: tuple[str, str]) -> tuple[float, float]:
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise InstanceError([usage_problem(option, f"must be {names[0]},{names[1]} (two numbers), "
                                                   f"not {text!r}")]) from None


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InstanceError([usage_problem("--saa", f"must be sample sizes N1,N2,... not {text!r}")]) from None
    if not sizes:
        raise InstanceError([usage_problem("--saa", "give at least one sample size")])
    return sizes


def add_parser(sub) -> None:
    s = sub.add_parser("stochastic", help="the plan to commit to now under uncertain figures (two-stage "
                                          "stochastic: VSS, EVPI, risk)",
                       description="Two-stage stochastic plan: rezoning, projects and sources decided now, draws, "
                                   "own funds and cash per scenario of the instance's uncertainty section.")
    add_instance(s, scenario_help="apply a named scenario of the instance first (repeatable)")
    s.add_argument("--uncertainty", metavar="FILE", help="the uncertainty section from this YAML file "
                                                         "(default: the instance's own)")
    s.add_argument("--samples", type=int, metavar="N", help="scenarios to draw from the distributions "
                                                            "(default: the section's samples)")
    s.add_argument("--seed", type=int, metavar="X", help="seed of the draws (default: the section's seed)")
    s.add_argument("--cvar", metavar="ALPHA,LAMBDA",
                   help="maximise (1 - LAMBDA) x expected + LAMBDA x CVaR of the worst 1 - ALPHA share, "
                        "e.g. 0.9,0.5")
    s.add_argument("--shortfall", metavar="ALPHA,MAX",
                   help="CVaR of the emergency borrowing (worst 1 - ALPHA share) at most MAX yuan")
    s.add_argument("--engine", choices=("ef", "ph"), default="ef",
                   help="ef: the extensive form with HiGHS (default); ph: progressive hedging with mpi-sppy "
                        "(run under mpiexec -n N: N even, or a multiple of 3 for a Lagrangian bound)")
    s.add_argument("--out-of-sample", type=int, default=0, metavar="M",
                   help="evaluate both plans on M fresh samples (distributions only)")
    s.add_argument("--saa", metavar="N1,N2,...", help="sample average approximation at these sample sizes "
                                                      "(evaluated on the --out-of-sample samples)")
    s.add_argument("--replications", type=int, default=1, metavar="R", help="SAA replications per size (default 1)")
    s.add_argument("--no-vss", action="store_true", help="skip the mean-value plan (no VSS)")
    s.add_argument("--no-evpi", action="store_true", help="skip the wait-and-see solves (no EVPI)")
    s.add_argument("--no-base", action="store_true", help="skip the plan of the instance's own figures on the "
                                                          "scenarios")
    s.add_argument("--ph-iterations", type=int, default=50, metavar="K", help="ph: most PH iterations (default 50)")
    s.add_argument("--ph-rho", type=float, default=1.0, metavar="RHO", help="ph: the proximal weight (default 1)")
    add_solver(s)
    s.add_argument("--threads", type=int, help="HiGHS threads")
    s.add_argument("--out", metavar="DIR", help="write the first stage, per-scenario tables, the distribution "
                                                "and each scenario's plan")
    add_json(s)
    s.add_argument("--verbose", action="store_true", help="show the decomposition's log on stderr")


def run(args: argparse.Namespace) -> int:
    from ..atomic import check_out_dir, instance_files
    from ..studies.stochastic import stochastic

    inst = load_instance(args)
    check_solver_args(args)
    cvar = _pair(args.cvar, "--cvar", ("ALPHA", "LAMBDA")) if args.cvar else None
    shortfall = _pair(args.shortfall, "--shortfall", ("ALPHA", "MAX")) if args.shortfall else None
    saa = _sizes(args.saa) if args.saa else None
    if args.out:
        check_out_dir(args.out, instance_files(inst))
    options = solver_options(args)
    seed = options.pop("seed", None)  # --seed draws the scenarios; HiGHS keeps the instance's seed
    result = stochastic(inst, args.uncertainty, samples=args.samples, seed=seed, cvar=cvar, shortfall=shortfall,
                        engine=args.engine, mean_value=not args.no_vss, wait_and_see=not args.no_evpi,
                        base_plan=not args.no_base,
                        out_of_sample=args.out_of_sample, saa=saa, replications=args.replications,
                        ph={"max_iterations": args.ph_iterations, "rho": args.ph_rho, "verbose": args.verbose,
                            "time_limit": args.time_limit},
                        **options)
    if result is None:  # another process of an MPI run: the first one reports
        return EXIT_OK
    if result.status == "error":
        print(f"optim: the solver failed (termination {result.plan.termination})", file=sys.stderr)
        return EXIT_INTERNAL
    if result.has_plan and result.certified is False:
        bad = result.plan.certificate
        print("optim: the plan failed its certificate: " + ", ".join(bad.index[~bad["ok"]]), file=sys.stderr)
        return EXIT_NO_PLAN
    if args.out:
        result.write(Path(args.out))
    if args.json:
        print_json(result.to_dict(), indent=None)
    else:
        print(result.summary())
        if args.out:
            print(f"\nresults written to {args.out} (optim plot stochastic {args.out} --out outcomes.png)")
    return EXIT_OK if result.has_plan else EXIT_NO_PLAN
