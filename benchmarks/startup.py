"""Benchmark: what a fresh `optim` process costs before and around the solve.

    python benchmarks/startup.py --runs 15

In fresh Python processes, interleaved, it times (wall clock, median of
`--runs`):

- `optim solve instances/baoji_qinganbao/instance.yaml --json` (the command
  line, end to end: start-up, reading and checking the files, the presolve
  checks, the model, HiGHS, the independent checker, the JSON);
- a baseline script that reads the same instance files with pyyaml and pandas
  alone (no validation) and solves the same model with highspy through the
  independent formulation (`benchmarks/highspy_model.py`), printing the plan
  as JSON (`python benchmarks/startup.py --baseline PATH`);
- `optim --help`.

It prints the medians, the ratio optim / baseline (target: at most 1.5) and
checks that both processes found the same objective.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"


# ---- the baseline: pyyaml + pandas + highspy ------------------------------------------------
def plain_load(path: Path):
    """The instance at `path` read with pyyaml (its libyaml parser when there is one)
    and pandas only: tables inline or in CSV files, missing columns filled with the
    format's defaults; nothing is checked."""
    import pandas as pd
    import yaml

    from optim.inputs.instance import Eod, Instance, Objective, Policy
    from optim.inputs.schema import REQUIRED, TABLES

    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    tables = {}
    for name, schema in TABLES.items():
        spec = doc.get(name)
        if isinstance(spec, dict):
            frame = pd.read_csv(path.parent / spec["file"], keep_default_na=False, na_values=[""])
        else:
            frame = pd.DataFrame(spec or [])
        columns = list(schema) + ([r["id"] for r in doc.get("resources", [])] if name == "options" else [])
        for column in columns:
            default = schema[column].default if column in schema else 0.0
            default = None if default is REQUIRED else default
            if column not in frame:
                frame[column] = default
            elif default is not None:  # a row without the key: the default
                frame[column] = frame[column].where(frame[column].notna(), default)
        if name == "sources":  # "a;b" lists in a cell, or YAML lists; None = every category
            frame["categories"] = [c.split(";") if isinstance(c, str) else c for c in frame["categories"]]
        tables[name] = frame.set_index("id") if "id" in schema else frame
    obj = doc.get("objective") or {}
    targets = {t: (b.get("min"), b.get("max")) for t, b in (obj.get("targets") or {}).items()}
    inst = Instance(name=doc.get("name", ""), policy=Policy(**(doc.get("policy") or {})),
                    eod=Eod(**doc["eod"]) if doc.get("eod") else None,
                    objective=Objective(weights=obj.get("weights", {"land_income": 1.0}), targets=targets,
                                        values=obj.get("values", "annual"),
                                        boundary_penalty=obj.get("boundary_penalty", 0.0)),
                    option_basis=doc.get("option_basis", "total"), solver=doc.get("solver") or {},
                    **{k: v for k, v in tables.items() if k in ("uses", "categories", "parcels", "options")})
    for name, frame in tables.items():
        setattr(inst, name, frame)
    return inst


def baseline(path: Path) -> None:
    """Read, solve and print the plan as JSON (the baseline process)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import highspy_model as hm

    inst = plain_load(path)
    base = hm.build(inst)
    h = hm.transfer(base, {"mip_rel_gap": 1e-4})
    info = hm.solve(h)
    out = hm.extract(base, h)
    print(json.dumps({"status": info["status"], "objective": info["objective"],
                      "kpis": {k: float(v) for k, v in out["kpis"].items()}}, default=str))


# ---- the benchmark ----------------------------------------------------------------------------
def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return seconds, proc.stdout


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=15, help="fresh processes per command (default 15)")
    p.add_argument("--instance", type=Path, default=REFERENCE)
    p.add_argument("--baseline", type=Path, help=argparse.SUPPRESS)  # run as the baseline process
    args = p.parse_args()
    if args.baseline is not None:
        baseline(args.baseline)
        return
    exe = shutil.which("optim")
    optim_cmd = [exe] if exe else [sys.executable, "-m", "optim.cli"]
    commands = {
        "optim solve --json": [*optim_cmd, "solve", str(args.instance), "--json"],
        "baseline (pyyaml, pandas, highspy)": [sys.executable, __file__, "--baseline", str(args.instance)],
        "optim --help": [*optim_cmd, "--help"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    outputs: dict[str, str] = {}
    timed(commands["optim solve --json"])  # warm the file cache and .pyc files once
    timed(commands["baseline (pyyaml, pandas, highspy)"])
    for _ in range(args.runs):
        for name, cmd in commands.items():  # interleaved: the machine's drift hits all alike
            seconds, out = timed(cmd)
            times[name].append(seconds)
            outputs[name] = out
    mine = json.loads(outputs["optim solve --json"])
    theirs = json.loads(outputs["baseline (pyyaml, pandas, highspy)"])
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{args.runs} fresh processes per command, interleaved")
    for name, values in times.items():
        print(f"  {name:<38} median {statistics.median(values):6.3f} s  "
              f"(min {min(values):.3f}, max {max(values):.3f})")
    ratio = statistics.median(times["optim solve --json"]) / statistics.median(
        times["baseline (pyyaml, pandas, highspy)"])
    print(f"  ratio optim solve / baseline: {ratio:.2f} (target <= 1.5); "
          f"optim --help {statistics.median(times['optim --help']):.3f} s (target < 0.4)")
    agree = abs(mine["objective"] - theirs["objective"]) <= 1e-4 * max(1.0, abs(theirs["objective"]))
    print(f"  objectives: optim {mine['objective']:,.2f} ({mine['status']}), baseline "
          f"{theirs['objective']:,.2f} ({theirs['status']}): {'the same' if agree else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
