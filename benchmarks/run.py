"""Benchmark: optim's own path against the pure-highspy baseline, stage by stage.

    python benchmarks/run.py --sizes 1000,10000,100000 --repeat 3 --out bench.csv

For each size it generates an instance (`optim.generate`, fixed seed), then
runs each path in a fresh Python process per repetition (so that peak memory
is that path's own), timing the stages `load`, `build`, `transfer`, `solve`,
`extract`, `check` (optim's independent checker, which every plan optim
returns passes; the baseline has none: 0), `write` and their `total`, with the
same HiGHS options on both paths. It prints a table of medians, the ratios optim/highspy, the fitted
exponent of non-solve time against size, and writes the CSV with columns
`size,path,stage,median_s,min_s,max_s,peak_mb`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("load", "build", "transfer", "solve", "extract", "check", "write")


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_optim(path: str, options: dict, out_dir: str) -> dict:
    """optim's own path, stage by stage."""
    import optim
    from optim.check.certificate import certify
    from optim.highs import SolveOptions, compile_model, make_highs, run_highs
    from optim.model import create_model
    from optim.model.size import check_model
    from optim.results import extract

    t = _Stages()
    s = time.perf_counter()
    inst = optim.load(path)
    t["load"] = time.perf_counter() - s
    s = time.perf_counter()
    formulation, data = create_model(inst)
    check_model(formulation)  # what the solver accepts, as `optim.build` checks it
    t["build"] = time.perf_counter() - s
    s = time.perf_counter()
    compiled = compile_model(formulation)
    h = make_highs(compiled, SolveOptions(**options))
    t["transfer"] = time.perf_counter() - s
    s = time.perf_counter()
    sol = run_highs(h, compiled.integer)
    t["solve"] = time.perf_counter() - s
    s = time.perf_counter()
    res = extract(formulation, data, sol)
    t["extract"] = time.perf_counter() - s
    s = time.perf_counter()
    res.certificate = certify(inst, res)  # the independent checker, as on every plan optim returns
    assert res.certified, "the plan failed the independent checker"
    t["check"] = time.perf_counter() - s
    s = time.perf_counter()
    res.write(out_dir)
    t["write"] = time.perf_counter() - s
    return {"stages": t, "objective": res.objective, "status": sol.status, "gap": sol.gap}


def run_highspy(path: str, options: dict, out_dir: str) -> dict:
    """The pure-highspy baseline on the same instance and options."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import highspy_model as hm

    t = _Stages()
    s = time.perf_counter()
    inst = hm.load(path)
    t["load"] = time.perf_counter() - s
    s = time.perf_counter()
    base = hm.build(inst)
    t["build"] = time.perf_counter() - s
    s = time.perf_counter()
    # the same HiGHS options as optim's path, including the ones optim sets by model size
    from optim.highs import size_defaults

    opts = _highs_options(options)
    opts.update({k: v for k, v in size_defaults(base.num_col).items() if k not in opts})
    h = hm.transfer(base, opts)
    t["transfer"] = time.perf_counter() - s
    s = time.perf_counter()
    out = hm.solve(h)
    t["solve"] = time.perf_counter() - s
    s = time.perf_counter()
    ext = hm.extract(base, h)
    t["extract"] = time.perf_counter() - s
    s = time.perf_counter()
    hm.write(ext, out_dir)
    t["write"] = time.perf_counter() - s
    return {"stages": t, "objective": out["objective"], "status": out["status"], "gap": out.get("gap")}


def _highs_options(options: dict) -> dict:
    """SolveOptions names -> HiGHS option names."""
    names = {"time_limit": "time_limit", "mip_rel_gap": "mip_rel_gap", "threads": "threads",
             "seed": "random_seed", "presolve": "presolve"}
    return {names[k]: v for k, v in options.items() if v is not None and k in names}


class _Stages(dict):
    """Stage timings that report each stage on stderr as it ends (long runs show progress)."""

    def __setitem__(self, stage: str, seconds: float) -> None:
        super().__setitem__(stage, seconds)
        print(f"    {stage} {seconds:.3f} s, peak {_peak_mb():.0f} MB", file=sys.stderr, flush=True)


def child(args: argparse.Namespace) -> None:
    options = json.loads(args.options)
    with tempfile.TemporaryDirectory() as out_dir:
        fn = run_optim if args.child == "optim" else run_highspy
        out = fn(args.instance, options, out_dir)
    out["stages"]["total"] = sum(out["stages"].values())
    out["peak_mb"] = _peak_mb()
    print(json.dumps(out))


def instance_for(size: int, cache: Path, seed: int) -> Path:
    from optim.generate import generate, write

    target = cache / f"gen_{size}_s{seed}"
    yaml_path = target / "instance.yaml"
    if not yaml_path.exists():
        write(generate(size, seed=seed), target)
    return yaml_path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--out", default="benchmarks/results.csv")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--time-limit", type=float, default=600.0)
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--presolve", default=None, help="HiGHS presolve for both paths (default: optim's default)")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "optim-bench"))
    p.add_argument("--child", choices=["optim", "highspy"], help=argparse.SUPPRESS)
    p.add_argument("--instance", help=argparse.SUPPRESS)
    p.add_argument("--options", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return

    from optim.highs import SolveOptions

    defaults = SolveOptions()
    options = {"time_limit": args.time_limit, "mip_rel_gap": args.gap, "seed": 0,
               "presolve": args.presolve or defaults.presolve, "threads": defaults.threads}
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    totals: dict[tuple[int, str], float] = {}
    nonsolve: dict[tuple[int, str], float] = {}
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, options {options}", flush=True)
    for size in sizes:
        path = instance_for(size, cache, args.seed)
        runs: dict[str, list[dict]] = {"optim": [], "highspy": []}
        for _ in range(args.repeat):
            for which in ("highspy", "optim"):
                cmd = [sys.executable, __file__, "--child", which, "--instance", str(path),
                       "--options", json.dumps(options)]
                # the child's stderr (its progress lines) goes straight to ours
                proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
                if proc.returncode != 0:
                    sys.exit(f"{which} at {size} failed with exit code {proc.returncode}")
                run = json.loads(proc.stdout.strip().splitlines()[-1])
                runs[which].append(run)
                print(f"  {which} {size}: " + ", ".join(f"{k} {v:.3f}" for k, v in run["stages"].items())
                      + f", peak {run['peak_mb']:.0f} MB, {run['status']}", flush=True)
        objs = {w: runs[w][0]["objective"] for w in runs}
        for which, rs in runs.items():
            peak = statistics.median(r["peak_mb"] for r in rs)
            for stage in (*STAGES, "total"):
                vals = [r["stages"].get(stage, 0.0) for r in rs]
                rows.append({"size": size, "path": which, "stage": stage,
                             "median_s": statistics.median(vals), "min_s": min(vals),
                             "max_s": max(vals), "peak_mb": peak})
            totals[(size, which)] = statistics.median(r["stages"]["total"] for r in rs)
            nonsolve[(size, which)] = statistics.median(
                r["stages"]["total"] - r["stages"]["solve"] for r in rs)
        print(f"size {size}: objective optim {objs['optim']} highspy {objs['highspy']} "
              f"status {runs['optim'][0]['status']}/{runs['highspy'][0]['status']}", flush=True)

    import pandas as pd

    table = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.6g")
    wide = table.pivot_table(index=["size", "stage"], columns="path", values="median_s", sort=False)
    wide["ratio"] = wide["optim"] / wide["highspy"]
    with pd.option_context("display.float_format", "{:.4f}".format, "display.width", 120):
        print(wide.to_string())
    print()
    for size in sizes:
        peak = {w: table[(table["size"] == size) & (table["path"] == w)]["peak_mb"].iloc[0] for w in ("optim", "highspy")}
        print(f"size {size}: end-to-end ratio {totals[(size, 'optim')] / totals[(size, 'highspy')]:.3f}, "
              f"non-solve optim {nonsolve[(size, 'optim')]:.3f} s vs highspy {nonsolve[(size, 'highspy')]:.3f} s, "
              f"peak memory optim {peak['optim']:.0f} MB vs highspy {peak['highspy']:.0f} MB "
              f"(ratio {peak['optim'] / peak['highspy']:.2f})")
    if len(sizes) >= 2:
        import numpy as np

        for which in ("optim", "highspy"):
            x = np.log([s for s in sizes])
            y = np.log([max(nonsolve[(s, which)], 1e-9) for s in sizes])
            slope = np.polyfit(x, y, 1)[0]
            print(f"fitted exponent of non-solve time vs parcels ({which}): {slope:.3f}")
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
