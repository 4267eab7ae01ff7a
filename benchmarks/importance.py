"""Benchmark: what each parcel is worth (`optim importance`), timed against one solve.

    python benchmarks/importance.py --parcels 1000 --seed 1 --workers 2 --sample 10

Two parks: a generated one (`optim generate --parcels 1000 --seed 1`), every
parcel the optimum rezones; and the reference park
(instances/baoji_qinganbao/instance.yaml), every parcel. For each: the time of
one solve (`optim.solve`, median of 3), then `optim.importance` screened
(`--top 10`: the LP screen, 10+ exact re-solves, bounds for the rest) and
exactly (a warm-started re-solve per parcel), on each number of `--workers`.
On the generated park a re-solve costs about as much as a solve (MIP times
vary), so the exact run is timed on `--sample` of its rezoned parcels (the
first in the optimum's order) and the time for all of them is projected from
it (`projected_all`, labelled as such; 0 samples: every parcel). Reported:
the wall time, the ratio to one solve, the time per parcel, rows exact /
bound / required, whether the top 10 are proven, and for the screen, how far
its bounds are from the exact values (the largest width of a bound row's
interval, and whether every exact value lies inside its screened interval).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def one_solve(inst, opts) -> float:
    import optim

    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = optim.solve(inst, **opts)
        times.append(time.perf_counter() - t0)
        assert res.certified, "the plan failed the independent checker"
    return statistics.median(times)


def run(name: str, inst, parcels: str, workers: list[int], opts: dict, sample: int = 0,
        modes: tuple[str, ...] = ("exact", "screen")) -> list[dict]:
    import numpy as np

    import optim

    solve = one_solve(inst, opts)
    plan = optim.solve(inst, **opts).parcels
    chosen = plan.index[plan["rezoned"].astype(bool)] if parcels == "rezoned" else plan.index
    rows = []
    exact_table = None
    for w in workers:
        for mode in modes:
            which = list(map(str, chosen[:sample])) if (mode == "exact" and sample) else parcels
            t0 = time.perf_counter()
            table = optim.importance(inst, parcels=which, exact=mode == "exact", top=10, workers=w,
                                     progress=False, **opts)
            wall = time.perf_counter() - t0
            s = table.attrs["importance"]
            for note in s.get("notes", []):
                print(f"note: {note}", flush=True)
            bad = table[table["certified"].eq(False)]
            if len(bad):  # a re-solve's plan the checker rejects: said, never counted as exact
                print(f"REJECTED by the checker: {bad[['parcel', 'status']].to_dict('records')} "
                      f"{[r for r in bad['failed']]}", flush=True)
            row = {"park": name, "parcels": len(table), "mode": mode, "workers": w, "seconds": wall,
                   "one_solve": solve, "ratio": wall / solve, "per_parcel": wall / max(len(table), 1),
                   "exact": s["exact_rows"], "bound": s["bound_rows"], "required": s["required_rows"],
                   "fixed": s["fixed_rows"], "resolved": s["resolved"], "top_proven": s.get("top_proven"),
                   "rejected": int(table["certified"].eq(False).sum()),
                   "of_parcels": len(chosen)}
            if mode == "exact":
                row["projected_all"] = wall / max(len(table), 1) * len(chosen)
                row["median_resolve"] = float(table.loc[table["kind"] != "fixed", "solve_seconds"].median())
            if mode == "exact" and exact_table is None:
                exact_table = table.set_index("parcel")
            if mode == "screen" and exact_table is not None:
                t = table.set_index("parcel")
                value = exact_table["importance"].reindex(t.index).astype(float)
                tol = 1e-6 * abs(s["objective"]) + 2 * float(opts.get("mip_rel_gap", 1e-4)) * abs(s["objective"])
                live = t["kind"].isin(("exact", "bound")) & value.notna() & np.isfinite(value.fillna(0))
                inside = ((t.loc[live, "screen_low"].fillna(-np.inf) <= value[live] + tol)
                          & (value[live] <= t.loc[live, "screen_high"].fillna(np.inf) + tol))
                bound = t["kind"] == "bound"
                row["bracketed"] = f"{int(inside.sum())}/{int(live.sum())}"
                width = (t.loc[bound, "importance_high"] - t.loc[bound, "importance_low"]).astype(float)
                row["widest_bound_M"] = float(width.max()) / 1e6 if bound.any() else 0.0
                if len(exact_table) == len(t):  # the exact run covered every parcel: the same top 10?
                    exact_top = set(exact_table["importance"].astype(float).nlargest(10).index)
                    screen_top = set(t["importance"].astype(float).nlargest(10).index)
                    row["top10_same"] = len(exact_top & screen_top)
            rows.append(row)
            print(row, flush=True)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parcels", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", default="2", help="comma-separated numbers of worker processes")
    p.add_argument("--sample", type=int, default=10, help="generated park: rezoned parcels re-solved exactly "
                                                          "(0: all)")
    p.add_argument("--modes", default="exact,screen", help="generated park: exact, screen or both")
    p.add_argument("--gap", type=float, default=None, help="relative MIP gap (default: the instance's)")
    p.add_argument("--time-limit", type=float, default=None)
    args = p.parse_args()

    import pandas as pd

    import optim
    from optim.generate import generate, write

    opts = {k: v for k, v in (("mip_rel_gap", args.gap), ("time_limit", args.time_limit)) if v is not None}
    workers = [int(w) for w in args.workers.split(",")]
    out = Path(tempfile.mkdtemp()) / "park"
    generated = optim.load(write(generate(args.parcels, seed=args.seed), out))
    rows = run(f"generated {args.parcels} (seed {args.seed}), rezoned parcels", generated, "rezoned", workers, opts,
               args.sample, tuple(args.modes.split(",")))
    reference = optim.load(ROOT / "instances" / "baoji_qinganbao" / "instance.yaml")
    rows += run("reference park, all parcels", reference, "all", workers, opts)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))


if __name__ == "__main__":
    main()
