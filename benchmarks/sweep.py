"""Benchmark: a sweep's cost per run outside HiGHS; re-use against rebuilding; 1 vs 2 workers.

    python benchmarks/sweep.py --runs 100 [--instance PATH] [--workers 2]

Runs the same sweep (a grid over the output weight and the commercial land
price of the instance, `--runs` runs in all) three ways and prints the wall
time of each and the ratios: re-using the built model (one live HiGHS model
per worker, patched in place) against rebuilding it for every run, and 1
against `--workers` worker processes (both re-using). The three must give the
same objectives, and every run's plan must pass the independent checker.

For the re-using sweep it also prints, per run, HiGHS's own time
(`solve_seconds`) and everything else the run costs (`seconds -
solve_seconds`: applying the run's changes to the instance, checking it,
re-stating the model and patching the live copy, reading the KPIs, checking
the plan), as means (the study's wall time divided by its runs) and medians.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--instance", default=str(ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"))
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()

    import numpy as np

    import optim

    inst = optim.load(args.instance)
    side = int(math.ceil(math.sqrt(args.runs)))
    other = int(math.ceil(args.runs / side))
    spec = {"design": "grid", "parameters": [
        {"path": "objective.weights.industrial_output",
         "values": [round(float(v), 6) for v in np.linspace(0.4, 1.0, side)]},
        {"path": "options[use=commercial].land_income",
         "scale": [round(float(v), 6) for v in np.linspace(0.8, 1.2, other)]}]}
    timings, objectives = {}, {}
    for name, kwargs in (("reuse, 1 worker", dict(reuse=True, workers=1)),
                         ("rebuild, 1 worker", dict(reuse=False, workers=1)),
                         (f"reuse, {args.workers} workers", dict(reuse=True, workers=args.workers))):
        start = time.perf_counter()
        study = optim.sweep(inst, spec, progress=False, **kwargs)
        timings[name] = time.perf_counter() - start
        objectives[name] = study.runs["objective"].to_numpy(dtype=float)
        assert study.runs["certified"].all(), f"{name}: a plan failed the independent checker"
        print(f"{name:<22} {len(study.runs)} runs  {timings[name]:8.2f} s  "
              f"({timings[name] / len(study.runs) * 1000:.1f} ms/run)", flush=True)
        if name == "reuse, 1 worker":
            runs = study.runs.iloc[1:]  # after the first run, which builds the model
            highs, other = runs["solve_seconds"], runs["seconds"] - runs["solve_seconds"]
            print(f"  per run: HiGHS {highs.mean() * 1e3:.1f} ms mean, {highs.median() * 1e3:.1f} ms median; "
                  f"outside HiGHS {other.mean() * 1e3:.1f} ms mean, {other.median() * 1e3:.1f} ms median "
                  f"(ratio {other.mean() / highs.mean():.2f} of the means, "
                  f"{other.median() / highs.median():.2f} of the medians)", flush=True)
    names = list(timings)
    for n in names[1:]:
        assert np.allclose(objectives[n], objectives[names[0]], rtol=1e-9), n
    print(f"rebuild / reuse: {timings[names[1]] / timings[names[0]]:.2f}")
    print(f"1 worker / {args.workers} workers: {timings[names[0]] / timings[names[2]]:.2f}")


if __name__ == "__main__":
    main()
