"""Benchmark: the extensive form against scenario decomposition (progressive hedging).

    python benchmarks/stochastic.py --parcels 1000 --scenarios 10,50,200 --ranks 2 --out bench_stochastic.csv

It generates a park (`optim.generate`, seed 1) and gives it uncertain figures
(land prices and output realisation, correlated; a bank loan's rate; an
earmarked fund granted or refused; the emergency credit line as recourse), then
for each number of scenarios (drawn with seed 1) runs, each in fresh processes:

- ``ef``: `optim.stochastic(..., engine="ef")`, the extensive form solved by HiGHS
  (time limit `--time-limit`);
- ``ph``: the same under `mpiexec -n RANKS` with `engine="ph"` (mpi-sppy: PH hub
  and xhat spoke, plus a Lagrangian spoke on a multiple of 3 processes; `--ph-time-limit`,
  `--ph-iterations`).

Both report the plan they commit to (its first stage evaluated in every
scenario with the best recourse and certified), its objective and the best
bound, the wall time of the whole run, and the peak memory (the largest
process, and for PH the sum over its processes). A PH run whose memory,
extrapolated from a smaller run (per-scenario growth), would exceed
`--memory-budget` GB is not started: the table says so with the estimate. VSS,
EVPI and out-of-sample figures are not computed here.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

UNCERTAINTY = """\
# uncertain figures of the generated park (benchmarks/stochastic.py)
seed: 1
parameters:
  - name: land_price
    path:
      - options[use=commercial].land_income
      - options[use=residential].land_income
    distribution: {uniform: [0.6, 1.1]}
  - name: output
    path: options[use=industrial].output
    distribution: {uniform: [0.6, 1.1]}
  - name: bank_rate
    path: sources.bank_loan_a.rate
    distribution: {triangular: [0.035, 0.0423, 0.055]}
  - name: eco_fund
    path: sources.eco_special_fund.cap
    distribution:
      discrete: {values: [FUND, 0], probabilities: [0.75, 0.25]}
correlation:
  - [land_price, output, 0.5]
recourse: {source: emergency, rate: 0.12}
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _extrapolate(seen: list[tuple[float, float]], held: float) -> float:
    """A process's peak MB holding `held` scenarios, on the line through the runs
    seen (one run: through it and 200 MB for a process holding none)."""
    pts = sorted(seen)
    (x0, y0), (x1, y1) = ((0.0, 200.0), pts[0]) if len(pts) == 1 else (pts[0], pts[-1])
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    return y1 + slope * (held - x1)


# ---- the runs (in child processes) ----------------------------------------------------------------------
def child(args: argparse.Namespace) -> None:
    """One run: write the report (and, under MPI, every process's peak memory)."""
    sys.path.insert(0, str(ROOT))
    import atexit

    rank = 0
    if args.child == "ph":
        from mpi4py import MPI

        rank = MPI.COMM_WORLD.Get_rank()
    atexit.register(lambda: Path(f"{args.report}.mem{rank}").write_text(json.dumps({"peak_mb": _peak_mb()})))
    from optim.studies.stochastic import stochastic

    start = time.perf_counter()
    r = stochastic(args.instance, args.uncertainty, samples=args.samples, engine=args.child, mean_value=False,
                   wait_and_see=False, base_plan=False, time_limit=args.time_limit if args.child == "ef" else None,
                   ph={"max_iterations": args.ph_iterations, "time_limit": args.time_limit})
    if r is None:  # a process of the decomposition other than the first
        return
    seconds = time.perf_counter() - start
    d = r.to_dict()
    report = {"status": d["status"], "termination": d["termination"], "objective": d["objective"],
              "bound": d["bound"], "gap": d["gap"], "certified": d["certified"], "model": d["model"],
              "seconds": seconds, "solve_seconds": r.plan.seconds, "rezoned_area": d["first_stage"]["rezoned_area"],
              "ph": d.get("ph")}
    Path(args.report).write_text(json.dumps(report))


def run(engine: str, instance: Path, uncertainty: Path, samples: int, ranks: int, time_limit: float,
        ph_iterations: int, folder: Path) -> dict:
    report = folder / f"{engine}_{samples}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--instance", str(instance),
           "--uncertainty", str(uncertainty), "--samples", str(samples), "--time-limit", str(time_limit),
           "--ph-iterations", str(ph_iterations), "--report", str(report)]
    if engine == "ph":
        cmd = ["mpiexec", "-n", str(ranks), *cmd]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    wall = time.perf_counter() - start
    if proc.returncode != 0 or not report.exists():
        return {"engine": engine, "scenarios": samples, "status": "error", "wall_s": wall,
                "note": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no report"]}
    out = json.loads(report.read_text())
    mems = [json.loads(Path(p).read_text())["peak_mb"] for p in glob.glob(f"{report}.mem*")]
    out.update(engine=engine, scenarios=samples, wall_s=wall, peak_mb=max(mems, default=float("nan")),
               total_mb=sum(mems), processes=len(mems))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--parcels", type=int, default=1000)
    p.add_argument("--scenarios", default="10,50,200")
    p.add_argument("--ranks", type=int, default=2, help="MPI processes of the decomposition")
    p.add_argument("--time-limit", type=float, default=1800.0, help="seconds for the extensive form's solve")
    p.add_argument("--ph-time-limit", type=float, default=1200.0, help="seconds of PH iterations")
    p.add_argument("--ph-iterations", type=int, default=50)
    p.add_argument("--engines", default="ef,ph")
    p.add_argument("--memory-budget", type=float, default=8.0, help="GB a PH run may be expected to take")
    p.add_argument("--out", default=None, help="CSV of the results")
    # a child run
    p.add_argument("--child", choices=("ef", "ph"))
    p.add_argument("--instance")
    p.add_argument("--uncertainty")
    p.add_argument("--samples", type=int)
    p.add_argument("--report")
    args = p.parse_args()
    if args.child:
        child(args)
        return

    sys.path.insert(0, str(ROOT))
    from optim.generate import generate, write

    folder = Path(tempfile.mkdtemp(prefix="optim-stochastic-bench-"))
    doc = generate(args.parcels, seed=1)
    path = write(doc, folder / "park")
    fund = int(next(s["cap"] for s in doc["sources"] if s["id"] == "eco_special_fund"))
    (folder / "park" / "uncertainty.yaml").write_text(UNCERTAINTY.replace("FUND", str(fund)))
    print(f"# {args.parcels:,} parcels ({path}); {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    rows = []
    cylinders = 3 if args.ranks % 3 == 0 else 2  # as optim.studies.decomposition chooses
    per_cylinder = max(1, args.ranks // cylinders)  # processes of each cylinder: each holds S / this scenarios
    ph_seen: list[tuple[float, float]] = []  # (scenarios held by a process, its peak MB)
    for s in [int(v) for v in args.scenarios.split(",")]:
        for engine in args.engines.split(","):
            if engine == "ph" and ph_seen:
                estimate = args.ranks * _extrapolate(ph_seen, s / per_cylinder)
                if estimate > args.memory_budget * 1024:
                    row = {"engine": "ph", "scenarios": s, "status": "not run", "estimated_mb": estimate,
                           "note": f"estimated {estimate / 1024:.1f} GB over {args.ranks} processes "
                                   f"(> budget {args.memory_budget:g} GB)"}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                    continue
            limit = args.time_limit if engine == "ef" else args.ph_time_limit
            row = run(engine, path, folder / "park" / "uncertainty.yaml", s, args.ranks, limit, args.ph_iterations,
                      folder)
            rows.append(row)
            print(json.dumps(row), flush=True)
            if engine == "ph" and row.get("processes"):
                ph_seen.append((s / per_cylinder, row["total_mb"] / row["processes"]))
    print()
    print("| scenarios | engine | status | objective | bound | gap | wall s | peak MB (largest) | MB (all) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        def num(k: str, f: str = ",.0f") -> str:
            v = r.get(k)
            return format(v, f) if isinstance(v, (int, float)) else "-"
        print(f"| {r['scenarios']} | {r['engine']} | {r.get('status')} ({r.get('termination', '')}) | "
              f"{num('objective')} | {num('bound')} | {num('gap', '.2e')} | {num('wall_s', '.1f')} | "
              f"{num('peak_mb')} | {num('total_mb')} |" + (f" {r['note']}" if r.get("note") else ""))
    if args.out:
        import csv

        keys = sorted({k for r in rows for k in r})
        with open(args.out, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=keys)
            w.writeheader()
            for r in rows:
                w.writerow({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in r.items()})


if __name__ == "__main__":
    main()
