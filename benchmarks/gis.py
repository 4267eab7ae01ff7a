"""What parcels from polygons cost: reading a GeoPackage and computing adjacency.

For each size the same synthetic park is written twice by `optim generate`
(seed 1): with parcels.csv and adjacency.csv, and with `--geometry` (parcels.gpkg,
areas measured and adjacency computed from the polygons when loaded). Each load
runs in a fresh process (imports included, as a command pays them), and the
polygon stages are timed again on their own:

    python benchmarks/gis.py --sizes 10000,100000 [--solve 10000]

Columns: `load_csv` and `load_gpkg` (optim.load, seconds), `extra` (their
difference), `read_check` (reading the layer, checking every polygon and
every overlap, measuring areas: optim.inputs.gis.read_layer), `adjacency`
(snapping and intersecting the candidate pairs: adjacency_pairs), `pairs`
(neighbour pairs found), and with --solve the seconds of `optim.solve` on the
polygon instance, to put the extra in proportion.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import optim
inst = optim.load(sys.argv[1])
out = {"load": time.perf_counter() - t0, "parcels": len(inst.parcels), "pairs": len(inst.adjacency)}
if sys.argv[2] == "gpkg":
    from pathlib import Path
    from optim.inputs.gis import adjacency_pairs, read_layer
    from optim.inputs.schema import TABLES
    path = Path(sys.argv[1]).parent / "parcels.gpkg"
    t = time.perf_counter()
    tbl, label, problems, geo = read_layer(path, "parcels.gpkg", None, "parcels",
                                           frozenset({"area"}), known=tuple(TABLES["parcels"]))
    out["read_check"] = time.perf_counter() - t
    t = time.perf_counter()
    adjacency_pairs(geo)
    out["adjacency"] = time.perf_counter() - t
if sys.argv[3] == "solve":
    t = time.perf_counter()
    result = optim.solve(inst)
    out["solve"] = time.perf_counter() - t
    out["status"] = result.status
print(json.dumps(out))
"""


def run(instance: Path, kind: str, solve: bool) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(instance), kind, "solve" if solve else "-"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--solve", default="", help="sizes at which to time the solve too, e.g. 10000")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    solve_at = {int(s) for s in args.solve.split(",") if s}
    print("| parcels | load_csv | load_gpkg | extra | read_check | adjacency | pairs | solve |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            base = Path(tmp) / str(n)
            for kind, extra in (("csv", []), ("gpkg", ["--geometry"])):
                subprocess.run([sys.executable, "-m", "optim.cli", "generate", "--parcels", str(n), "--seed", "1",
                                "--out", str(base / kind), *extra], check=True, cwd=ROOT, capture_output=True)
            t = time.perf_counter()
            csv = run(base / "csv" / "instance.yaml", "csv", False)
            gpkg = run(base / "gpkg" / "instance.yaml", "gpkg", n in solve_at)
            solve = f"{gpkg['solve']:.1f} ({gpkg['status']})" if "solve" in gpkg else ""
            print(f"| {n:,} | {csv['load']:.2f} | {gpkg['load']:.2f} | {gpkg['load'] - csv['load']:.2f} | "
                  f"{gpkg['read_check']:.2f} | {gpkg['adjacency']:.2f} | {gpkg['pairs']:,} | {solve} |", flush=True)
            del t
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
