"""Benchmark: the cost of a re-solve in a study, outside HiGHS's own work.

    python benchmarks/resolve.py --parcels 10000 --runs 20

A sweep changes one figure (here the cap of a resource) and solves again.
For each of `--runs` values, it times the whole re-solve and the HiGHS run
inside it, and reports the overhead (whole minus HiGHS run), median over the
runs, for: optim's `Resolver` (one live HiGHS model, changed in place,
previous plan as MIP start), `optim.sweep` over the same values (the whole run:
change, solve, KPIs, the run's row), the pure-highspy baseline's `change_rhs`
(the same change made directly on its own HiGHS object), and a rebuild of the
model for every run (`optim.build` + solve).
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parcels", type=int, default=10000)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--time-limit", type=float, default=120.0)
    p.add_argument("--rebuild-runs", type=int, default=5, help="runs of the rebuild variant (slow)")
    args = p.parse_args()

    import optim
    from benchmarks import highspy_model as hm
    from optim.generate import generate, write

    out = Path(tempfile.mkdtemp()) / "inst"
    inst = optim.load(write(generate(args.parcels, seed=args.seed), out))
    resource = inst.resources.index[0]
    base_cap = float(inst.resources.at[resource, "cap"])
    caps = [base_cap * (0.90 + 0.2 * k / max(args.runs - 1, 1)) for k in range(args.runs)]
    opts = dict(mip_rel_gap=args.gap, time_limit=args.time_limit)

    # optim: Resolver
    model = optim.build(inst)
    r = model.resolver(**opts)
    r.solve()
    o_over, o_objs = [], []
    for cap in caps:
        t0 = time.perf_counter()
        r.set_rhs("resource_cap_le", resource, cap)
        sol = r.solve()
        land = r.value("land_income")
        wall = time.perf_counter() - t0
        o_over.append(wall - sol.seconds)
        o_objs.append(sol.objective)

    # baseline: change_rhs on its own HiGHS object
    b = hm.build(inst)
    h = hm.transfer(b, {"mip_rel_gap": args.gap, "time_limit": args.time_limit})
    hm.solve(h)
    b_over, b_objs = [], []
    for cap in caps:
        t0 = time.perf_counter()
        res = hm.change_rhs(h, b, "resource_cap_le", resource, cap)
        x = h.getSolution().col_value  # read back the plan's values, as optim does
        wall = time.perf_counter() - t0
        b_over.append(wall - res["seconds"])
        b_objs.append(res["objective"])

    # optim's own sweep over the same caps: the whole run (change, solve, KPIs, row) minus HiGHS
    spec = {"design": "grid", "parameters": [{"path": f"resources.{resource}.cap",
                                              "values": [base_cap, *caps]}]}
    study = optim.sweep(inst, spec, progress=False, **opts)
    runs = study.runs.iloc[1:]  # the first run builds the model
    s_over = (runs["seconds"] - runs["solve_seconds"]).tolist()
    s_objs = runs["objective"].tolist()

    # rebuild every run
    rb_over = []
    for cap in caps[: args.rebuild_runs]:
        t0 = time.perf_counter()
        changed = inst.copy()
        changed.resources.at[resource, "cap"] = cap
        res = optim.build(changed).solve(**opts)
        wall = time.perf_counter() - t0
        rb_over.append(wall - res.solve_seconds)

    med = statistics.median
    print(f"{args.parcels} parcels, {args.runs} re-solves changing the cap of {resource!r}")
    print(f"  optim Resolver      overhead median {med(o_over) * 1e3:8.2f} ms")
    print(f"  highspy change_rhs  overhead median {med(b_over) * 1e3:8.2f} ms")
    print(f"  optim sweep run     overhead median {med(s_over) * 1e3:8.2f} ms (optim.sweep, per run)")
    print(f"  rebuild per run     overhead median {med(rb_over) * 1e3:8.2f} ms ({len(rb_over)} runs)")
    print(f"  ratio optim / highspy: Resolver {med(o_over) / med(b_over):.2f}, "
          f"sweep {med(s_over) / med(b_over):.2f}")
    worst = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip([*o_objs, *s_objs], [*b_objs, *b_objs]) if a and b)
    print(f"  largest relative difference of objectives: {worst:.2e} (gap {args.gap})")


if __name__ == "__main__":
    main()
