"""Benchmark: the default solve strategy (lp-guided) against HiGHS alone (--strategy plain).

    python benchmarks/solve_speed.py --sizes 1000,5000,10000,30000 --seeds 1,2,3 --periods 1,3

For every size, seed and number of periods it generates a park (`optim generate`,
adjacency on as generated), then times `optim solve PATH --json --strategy S` end
to end, each run in a fresh process, the two strategies interleaved (their order
alternating from one instance to the next, so that a change of the machine's
load falls on both). Each run is one row of the CSV (written as runs finish;
`--resume` skips the rows already there): size, seed, periods, strategy, seconds
(the whole command), solve_seconds, status, termination, objective, bound, gap,
proved_by, model_objective.

At the end it prints, per size and number of periods, the median ratio
lp-guided / plain with its range, how many lp-guided runs the LP bound proved,
and how far the two objectives lie apart (relative to the plain one: both are
within the gap of the optimum, so up to about twice the gap), as a markdown
table for the README, with the machine, the HiGHS version and the load
average before and after.
"""

from __future__ import annotations

import argparse
import csv
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
STRATEGIES = ("plain", "lp-guided")
FIELDS = ["size", "seed", "periods", "strategy", "seconds", "solve_seconds", "status", "termination",
          "objective", "bound", "gap", "proved_by", "model_objective"]


def instance(size: int, seed: int, periods: int, cache: Path) -> Path:
    """The generated park (made once, kept in `cache`)."""
    target = cache / f"park_{size}_s{seed}_p{periods}"
    path = target / "instance.yaml"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "optim.cli", "generate", "--parcels", str(size), "--seed", str(seed),
                        "--periods", str(periods), "--out", str(target)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    return path


def run(path: Path, strategy: str, args: argparse.Namespace) -> dict:
    """`optim solve` in a fresh process, timed end to end."""
    cmd = [sys.executable, "-m", "optim.cli", "solve", str(path), "--json", "--strategy", strategy]
    if args.time_limit:
        cmd += ["--time-limit", str(args.time_limit)]
    if args.gap is not None:
        cmd += ["--gap", str(args.gap)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"optim solve {path} --strategy {strategy} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    doc = json.loads(proc.stdout)
    return {"seconds": round(seconds, 3), "solve_seconds": doc.get("solve_seconds"), "status": doc.get("status"),
            "termination": doc.get("termination"), "objective": doc.get("objective"), "bound": doc.get("bound"),
            "gap": doc.get("gap"), "proved_by": doc.get("proved_by"), "model_objective": doc.get("model_objective")}


def done_rows(out: Path) -> list[dict]:
    if not out.exists():
        return []
    with out.open(newline="") as fh:
        return list(csv.DictReader(fh))


def summary(rows: list[dict]) -> list[str]:
    """The README table: per size and periods, median ratio [range], LP-bound proofs, agreement."""
    by: dict[tuple, dict] = {}
    for r in rows:
        key = (int(r["size"]), int(r["periods"]), int(r["seed"]))
        by.setdefault(key, {})[r["strategy"]] = r
    lines = ["| parcels | periods | runs | plain s (median) | lp-guided s (median) | ratio median [min, max] "
             "| proved by LP bound | objectives apart (max, relative) |",
             "|---|---|---|---|---|---|---|---|"]
    groups: dict[tuple, list] = {}
    for (size, periods, seed), pair in sorted(by.items()):
        if set(pair) >= set(STRATEGIES):
            groups.setdefault((size, periods), []).append(pair)
    for (size, periods), pairs in sorted(groups.items()):
        plain = [float(p["plain"]["seconds"]) for p in pairs]
        guided = [float(p["lp-guided"]["seconds"]) for p in pairs]
        ratios = [g / p for g, p in zip(guided, plain)]
        proved = sum(p["lp-guided"]["proved_by"] == "lp_bound" for p in pairs)
        apart = []
        for p in pairs:
            a, b = p["lp-guided"]["objective"], p["plain"]["objective"]
            if a not in ("", None) and b not in ("", None):
                apart.append(abs(float(a) - float(b)) / max(1.0, abs(float(b))))
        censored = sum(p["plain"]["termination"] == "time_limit" for p in pairs)
        note = f" ({censored} plain at the time limit)" if censored else ""
        agree = f"{max(apart):.1e}" if apart else "n/a"
        lines.append(f"| {size:,} | {periods} | {len(pairs)} | {statistics.median(plain):.1f}{note} | "
                     f"{statistics.median(guided):.1f} | {statistics.median(ratios):.2f} "
                     f"[{min(ratios):.2f}, {max(ratios):.2f}] | {proved} of {len(pairs)} | {agree} |")
    for size in sorted({s for s, _ in groups}):
        pairs = [p for (s, _), ps in groups.items() if s == size for p in ps]
        ratios = [float(p["lp-guided"]["seconds"]) / float(p["plain"]["seconds"]) for p in pairs]
        lines.append(f"\nsize {size:,}: median ratio {statistics.median(ratios):.2f} over {len(pairs)} runs "
                     f"[{min(ratios):.2f}, {max(ratios):.2f}]")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,5000,10000,30000")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--periods", default="1,3")
    p.add_argument("--time-limit", type=float, default=3600.0, help="seconds per run (both strategies)")
    p.add_argument("--gap", type=float, default=None, help="relative gap (default: optim's, 1e-4)")
    p.add_argument("--out", default="benchmarks/solve_speed.csv")
    p.add_argument("--resume", action="store_true", help="keep the rows of --out and run only the others")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "optim-bench"))
    p.add_argument("--summary", action="store_true", help="only print the table of the rows in --out")
    args = p.parse_args()
    out = Path(args.out)
    if args.summary:
        print("\n".join(summary(done_rows(out))))
        return
    import highspy

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    rows = done_rows(out) if args.resume else []
    done = {(int(r["size"]), int(r["seed"]), int(r["periods"]), r["strategy"]) for r in rows}
    version = highspy.Highs().version()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, HiGHS {version}, load average {os.getloadavg()[0]:.2f}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (args.resume and out.exists())
    with out.open("w" if fresh else "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        if fresh:
            writer.writeheader()
        k = 0
        for size in (int(s) for s in args.sizes.split(",")):
            for periods in (int(t) for t in args.periods.split(",")):
                for seed in (int(s) for s in args.seeds.split(",")):
                    path = instance(size, seed, periods, cache)
                    order = STRATEGIES if k % 2 == 0 else STRATEGIES[::-1]
                    k += 1
                    for strategy in order:
                        if (size, seed, periods, strategy) in done:
                            continue
                        row = {"size": size, "seed": seed, "periods": periods, "strategy": strategy,
                               **run(path, strategy, args)}
                        writer.writerow(row)
                        fh.flush()
                        rows.append({k: str(v) if v is not None else "" for k, v in row.items()})
                        print(f"{size} s{seed} p{periods} {strategy:<9} {row['seconds']:>9.2f} s  {row['status']}"
                              f" ({row['termination']}) objective {row['objective']} proved_by {row['proved_by']}",
                              flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("\n".join(summary(rows)))
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
