"""Parameter sweeps: full grid, one-at-a-time (tornado), Monte Carlo.

A sweep spec (YAML or a dict) names parameters by the paths of scenario
overrides (`optim.scenarios`) and gives their values::

    design: grid                 # grid | tornado | montecarlo
    samples: 50                  # montecarlo: number of runs
    seed: 1                      # montecarlo: random seed
    parameters:
      - path: policy.coverage_target
        values: [0.80, 0.88, 0.95]            # set these values
      - path: options[use=commercial].land_income
        scale: [0.8, 1.0, 1.2]                # multiply the column by these factors
      - path: resources.energy.cap
        range: [28000, 36000]                 # evenly spaced values ...
        steps: 3                              # ... this many
      - path: objective.weights.industrial_output
        distribution: {uniform: [0.5, 1.0]}   # montecarlo: uniform, normal, triangular, choice

Grid: every combination. Tornado: the base instance, then each parameter
alone at its lowest and highest value (two values per parameter). Monte Carlo:
`samples` runs, each parameter drawn from its distribution (or uniformly from
its values/range), with `seed`.

Every run is a row of one tidy DataFrame (`Study.runs`): run, design, varied,
level, one column per parameter, status, gap, objective, the KPIs, solve_seconds
(HiGHS's run) and seconds (the whole run).
Runs whose inputs are invalid or whose solve finds no plan are rows with their
status, never dropped. Each worker loads the instance and builds its model once;
a run changes the data in memory and patches the live HiGHS model
(`Resolver.update`: only changed coefficients, bounds and right-hand sides,
the previous plan as a MIP start) instead of rebuilding it. A run that changes
only objective weights or resource caps goes straight to the live model
(`Resolver.set_weights`, `Resolver.set_rhs`) and its KPIs are read from the
model's expressions (`Resolver.kpis`): no re-stated model, no result tables.

With `out`, the folder also holds `sweep.json`: the instance (name, file,
scenarios, language), the design and each parameter with its value in the base
instance, so that a study's index page (`optim report OUT`,
optim/reporting/index.py) can tell which settings of a run differ from the
base. With `write_runs`, every run that reached the solver is also written as a
result folder, `OUT/runs/<run>/`, as `optim solve --out` writes one (for "no
plan", with its explanation), its overrides in `run.yaml` recorded among the
scenarios, so that `optim report` and `optim check-plan` read it back against
the run's own figures.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..analysis.explain import explain_for_solve
from ..api import build
from ..errors import InstanceError, Problem
from ..export import CSV_ENCODING
from ..inputs.instance import Instance
from ..inputs.limits import number_problem, show
from ..inputs.reader import load
from ..inputs.scenarios import PathError, Target, apply_overrides, coerce_override, parse_path, read_value
from ..inputs.schema import Field
from ..inputs.validate import run_checks
from ..highs import SolveOptions
from .parallel import run_tasks, state

DESIGNS = ("grid", "tornado", "montecarlo")
DISTRIBUTIONS = {"uniform": 2, "normal": 2, "triangular": 3}
RUN_COLUMNS = ["run", "design", "varied", "level"]
RESULT_COLUMNS = ["status", "gap", "objective", "certified"]
RUNS_FOLDER = "runs"  # OUT/runs/<run>/: each run's result folder (write_runs)
RUN_OVERRIDES = "run.yaml"  # in it: the run's overrides, as a scenario file


@dataclass
class Parameter:
    path: str
    mode: str  # "set" or "scale"
    values: list[Any]  # grid / tornado values (sorted for tornado)
    distribution: tuple[str, list[float]] | None = None


@dataclass
class SweepSpec:
    design: str
    parameters: list[Parameter]
    samples: int = 0
    seed: int = 0
    where: str = "sweep spec"  # the spec's file name, to name the place of a problem


@dataclass
class Study:
    """The runs of a sweep: one row per run (see the module docstring)."""

    runs: pd.DataFrame
    spec: SweepSpec
    seconds: float = 0.0
    workers: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rows = self.runs.replace({np.nan: None}).to_dict("records")
        return {"design": self.spec.design, "runs": rows, "seconds": round(self.seconds, 3)}


# ---- the spec ----------------------------------------------------------------------------
def read_spec(source: str | Path | dict, where: str | None = None) -> SweepSpec:
    """A sweep spec from a YAML file or a mapping; every problem is reported at once."""
    if isinstance(source, (str, Path)):
        where = where or Path(source).name
        try:
            doc = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise InstanceError([Problem(where, f"cannot read the sweep spec: {exc.strerror or exc}")]) from None
        except yaml.YAMLError as exc:
            raise InstanceError([Problem(where, f"not valid YAML: {exc}")]) from None
    else:
        doc, where = source, where or "sweep spec"
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise InstanceError([Problem(where, "a sweep spec is a mapping with 'design' and 'parameters'")])
    for key in doc:
        if key not in ("design", "parameters", "samples", "seed", "description"):
            problems.append(Problem(f"{where}: {key}", "unknown key (known: design, parameters, samples, seed, description)"))
    design = doc.get("design", "grid")
    if design not in DESIGNS:
        problems.append(Problem(f"{where}: design", f"must be one of {', '.join(DESIGNS)}, not {design!r}"))
    samples, seed = doc.get("samples", 0), doc.get("seed", 0)
    for name, value in (("samples", samples), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem(f"{where}: {name}", f"must be an integer >= 0, not {value!r}"))
    if design == "montecarlo" and isinstance(samples, int) and samples < 1:
        problems.append(Problem(f"{where}: samples", "a montecarlo design needs samples >= 1"))
    raw = doc.get("parameters")
    params: list[Parameter] = []
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(f"{where}: parameters", "must be a non-empty list of parameters"))
        raw = []
    for k, p in enumerate(raw):
        at = f"{where}: parameters[{k}]"
        param, msgs = _parameter(p, design)
        problems += [Problem(at, m) for m in msgs]
        if param is not None:
            params.append(param)
    names = [p.path for p in params]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(Problem(f"{where}: parameters", f"parameter {name!r} is given twice"))
    if problems:
        raise InstanceError(problems)
    return SweepSpec(design=design, parameters=params, samples=int(samples), seed=int(seed), where=where)


def check_spec(inst: Instance, spec: SweepSpec) -> list[Problem]:
    """Problems of a spec's paths against the instance it sweeps, before any run:
    each path names figures of the instance, and a figure that is scaled or drawn
    from a distribution is a number. A value that does not fit its figure (a
    ratio of 1.5) makes only its runs invalid: they are rows of the study with
    the message, the other runs go on."""
    problems = []
    for k, p in enumerate(spec.parameters):
        at = f"{spec.where}: parameters[{k}].path"
        try:
            target = parse_path(inst, p.path)
        except PathError as exc:
            problems.append(Problem(at, f"{show(p.path)}: {exc}"))
            continue
        if (p.mode == "scale" or p.distribution is not None) and not target.numeric:
            how = "scaled" if p.mode == "scale" else "drawn from a distribution"
            problems.append(Problem(at, f"{show(p.path)} is not a number: it cannot be {how}"))
    return problems


def _parameter(p: Any, design: str) -> tuple[Parameter | None, list[str]]:
    if not isinstance(p, dict) or "path" not in p:
        return None, ["a parameter is a mapping with 'path' and one of values, scale, range, distribution"]
    unknown = set(p) - {"path", "values", "scale", "range", "steps", "distribution", "mode"}
    if unknown:
        return None, [f"unknown key(s) {', '.join(sorted(unknown))}"]
    given = [k for k in ("values", "scale", "range", "distribution") if k in p]
    if len(given) != 1:
        return None, ["give exactly one of values, scale, range, distribution"]
    path, how = str(p["path"]), given[0]
    mode = "scale" if how == "scale" else str(p.get("mode", "set"))
    if mode not in ("set", "scale"):
        return None, [f"mode must be 'set' or 'scale', not {mode!r}"]
    dist = None
    if how in ("values", "scale"):
        values = p[how]
        if not isinstance(values, list) or not values:
            return None, [f"{how} must be a non-empty list"]
    elif how == "range":
        r, steps = p["range"], p.get("steps", 3)
        if not (isinstance(r, list) and len(r) == 2 and all(_is_num(v) for v in r)):
            return None, ["range must be [low, high]"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            return None, [f"steps must be an integer >= 2, not {steps!r}"]
        values = [float(v) for v in np.linspace(float(r[0]), float(r[1]), steps)]
    else:
        d = p["distribution"]
        if not (isinstance(d, dict) and len(d) == 1):
            return None, ["distribution must be one of {uniform: [a, b]}, {normal: [mean, sd]}, "
                          "{triangular: [low, mode, high]}, {choice: [values]}"]
        (kind, args), = d.items()
        if kind == "choice":
            if not isinstance(args, list) or not args:
                return None, ["choice needs a non-empty list of values"]
            values = list(args)
        elif kind in DISTRIBUTIONS:
            if not (isinstance(args, list) and len(args) == DISTRIBUTIONS[kind] and all(_is_num(a) for a in args)):
                return None, [f"{kind} needs {DISTRIBUTIONS[kind]} numbers"]
            values = [float(min(args)), float(max(args))] if kind != "normal" else \
                [float(args[0]) - float(args[1]), float(args[0]) + float(args[1])]
            dist = (kind, [float(a) for a in args])
        else:
            return None, [f"unknown distribution {kind!r} (uniform, normal, triangular, choice)"]
        if design != "montecarlo":
            return None, ["a distribution needs design: montecarlo"]
    if design == "tornado" and how != "distribution":
        nums = [v for v in values if _is_num(v)]
        if len(nums) != len(values) or len(values) < 2:
            return None, ["a tornado needs at least two numeric values (its low and high)"]
        values = [min(values), max(values)]
    return Parameter(path=path, mode=mode, values=list(values), distribution=dist), []


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def design_runs(spec: SweepSpec) -> list[dict[str, Any]]:
    """The runs of a design: run, design, varied, level and the parameter values."""
    ps = spec.parameters
    runs: list[dict[str, Any]] = []
    if spec.design == "grid":
        for combo in itertools.product(*[p.values for p in ps]):
            runs.append({"varied": "", "level": "", "values": dict(zip([p.path for p in ps], combo))})
    elif spec.design == "tornado":
        runs.append({"varied": "base", "level": "base", "values": {}})
        for p in ps:
            for level, value in (("low", p.values[0]), ("high", p.values[-1])):
                runs.append({"varied": p.path, "level": level, "values": {p.path: value}})
    else:
        rng = np.random.default_rng(spec.seed)
        for _ in range(spec.samples):
            values = {}
            for p in ps:
                if p.distribution is None:
                    if all(_is_num(v) for v in p.values) and len(p.values) == 2:
                        values[p.path] = float(rng.uniform(p.values[0], p.values[1]))
                    else:
                        values[p.path] = p.values[int(rng.integers(len(p.values)))]
                else:
                    kind, a = p.distribution
                    if kind == "uniform":
                        values[p.path] = float(rng.uniform(a[0], a[1]))
                    elif kind == "normal":
                        values[p.path] = float(rng.normal(a[0], a[1]))
                    else:
                        values[p.path] = float(rng.triangular(a[0], a[1], a[2]))
            runs.append({"varied": "", "level": "", "values": values})
    for k, r in enumerate(runs):
        r["run"], r["design"] = k, spec.design
    return runs


def overrides(spec: SweepSpec, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The scenario mapping (`set`, `scale`) of one run."""
    mode = {p.path: p.mode for p in spec.parameters}
    out: dict[str, dict[str, Any]] = {"set": {}, "scale": {}}
    for path, value in values.items():
        out[mode[path]][path] = value
    return out


# ---- one run (in a worker) --------------------------------------------------------------
def _init(inst: Instance, options: dict[str, Any], reuse: bool) -> None:
    s = state()
    s["base"], s["options"], s["reuse"] = inst, options, reuse
    s["resolver"] = None
    s["live"] = None  # the direct changes the live model holds, None: not the base plus direct changes
    s["targets"] = {}  # path -> what it names in the base instance (None: nothing), see `_target`


def _target(base: Instance, path: str, targets: dict[str, Target | None]) -> Target | None:
    """What `path` names in `base` (None: nothing), parsed once per study: the runs of
    a sweep repeat its paths, and `targets` keeps the answers (runs change copies of
    the base instance, never the base itself)."""
    if path not in targets:
        try:
            targets[path] = parse_path(base, path)
        except PathError:
            targets[path] = None
    return targets[path]


_DIRECT_VALUE = Field("value", "num", None, check="nonneg")  # a weight, a cap, or a factor of caps


def _direct(base: Instance, overrides: dict[str, dict[str, Any]],
            targets: dict[str, Target | None]) -> dict[tuple[str, str], float] | None:
    """A run's changes as {("weight", term) | ("cap", resource): value} when each
    is one the live model takes in place, with no re-stated model: an objective
    weight (`set`) or resource caps (`set`, or `scale`, by any path of the
    grammar that names them), with a valid value. None otherwise (the run then
    re-states the model, and the general path reports any invalid value).
    `targets`: the paths parsed so far (`_target`)."""
    def number(v: Any) -> float | None:  # what the general path accepts for these figures
        v, msg = coerce_override(_DIRECT_VALUE, v)
        return None if msg or v is None or not math.isfinite(v) or number_problem(v) else float(v)

    out: dict[tuple[str, str], float] = {}
    for how in ("set", "scale"):
        for path, value in overrides.get(how, {}).items():
            target = _target(base, str(path), targets)
            if target is None:
                return None
            v = number(value)
            if v is None:
                return None
            if how == "set" and target.section == "objective.weights":
                out[("weight", target.key)] = v
            elif target.section == "resources" and target.key == "cap":
                caps = base.resources["cap"] if "cap" in base.resources else pd.Series(dtype=float)
                for rid in base.resources.index[target.rows]:
                    cap = v if how == "set" else number(float(caps[rid]) * v)
                    if cap is None or not math.isfinite(float(caps[rid])):
                        return None  # an invalid value, or an uncapped resource: re-stated
                    out[("cap", rid)] = cap
            else:
                return None
    if any(k == "cap" for k, _ in out) and base.has_periods:
        return None  # caps by period: re-stated
    return out


def _apply_direct(resolver: Any, base: Instance, live: dict, direct: dict) -> None:
    """Move the live model from the base plus `live` changes to the base plus `direct` ones."""
    keys = set(live) | set(direct)
    weights = {t: direct.get(("weight", t), base.objective.weight(t)) for k, t in keys if k == "weight"}
    if weights:
        resolver.set_weights(**weights)
    for k, rid in sorted(keys):
        if k == "cap":
            value = direct.get(("cap", rid), float(base.resources.at[rid, "cap"]))
            if value != live.get(("cap", rid), float(base.resources.at[rid, "cap"])):
                resolver.set_rhs("resource_cap_le", rid, value)


def _run(task: dict[str, Any]) -> dict[str, Any]:
    s = state()
    row = {k: task[k] for k in RUN_COLUMNS}
    row.update(task["values"])
    start = time.perf_counter()
    folder = task.get("folder")  # write the run's result folder: the general path, with an instance of its own
    direct = _direct(s["base"], task["overrides"], s["targets"]) if s["reuse"] and folder is None else None
    if direct is not None and s["resolver"] is not None and s["live"] is not None:
        # an objective weight or a resource cap: changed in the live model, KPIs read directly
        _apply_direct(s["resolver"], s["base"], s["live"], direct)
        s["live"] = direct
        return _solved(row, s["resolver"], "patched", start)
    try:
        inst = s["base"].copy()
        apply_overrides(inst, task["overrides"], f"run {task['run']}")
        problems = run_checks(inst)
        if problems:
            raise InstanceError(problems)
        if folder is not None:  # the run's figures, recorded as a scenario file of its result folder
            inst.applied_scenarios = [*inst.applied_scenarios, str(Path(folder).resolve() / RUN_OVERRIDES)]
    except InstanceError as exc:
        row.update(status="invalid", gap=None, objective=None,
                   message="; ".join(str(p) for p in exc.problems[:3]),
                   seconds=time.perf_counter() - start)
        return row
    opts = SolveOptions.merged(inst.solver, **s["options"])
    if not s["reuse"]:
        result = build(inst).solve(opts)
        row.update(status=result.status, gap=result.gap, objective=result.objective, model="rebuilt",
                   certified=result.certified)
        if result.has_plan:
            row.update({k: float(v) for k, v in result.kpis["value"].items()})
        row["solve_seconds"] = result.solve_seconds
        if folder is not None:
            _write_run(inst, result, Path(folder), task["overrides"])
        row["seconds"] = time.perf_counter() - start
        return row
    if s["resolver"] is None:
        s["resolver"] = build(inst).resolver(opts)
        how = "built"
    else:
        how = s["resolver"].update(inst)
    s["live"] = direct  # the live model now holds the base plus these direct changes (or other ones)
    row = _solved(row, s["resolver"], how, start)
    if folder is not None:
        _write_run(inst, s["resolver"].result(), Path(folder), task["overrides"])
        row["seconds"] = time.perf_counter() - start
    return row


def _write_run(inst: Instance, result: Any, folder: Path, overrides: dict[str, dict[str, Any]]) -> None:
    """One run as a result folder (as `optim solve --out` writes it: for "no plan",
    with its explanation) and its overrides as the scenario file it records.
    A plan the checker rejects is not written (the row says so: certified False)."""
    if result.certified is False:
        return
    result.instance, result.scenarios = inst.name, list(inst.applied_scenarios)
    why = explain_for_solve(inst, result)
    result.write(folder, extra={"explanation": why.to_dict()} if why is not None else None)
    doc = {"description": f"the figures of run {folder.name} of a sweep",
           **{k: {p: _plain_value(v) for p, v in m.items()} for k, m in overrides.items() if m}}
    (folder / RUN_OVERRIDES).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _plain_value(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _solved(row: dict[str, Any], resolver: Any, how: str, start: float) -> dict[str, Any]:
    """Solve the live model and fill the run's row: status, objective, the checker's
    verdict and the KPIs (read from the model's expressions: no result tables)."""
    sol = resolver.solve()
    row.update(status=sol.status, gap=sol.gap, objective=sol.objective, model=how, certified=sol.certified)
    if sol.values is not None:
        row.update(resolver.kpis())
    row["solve_seconds"] = sol.seconds
    row["seconds"] = time.perf_counter() - start
    return row


# ---- the sweep ------------------------------------------------------------------------------
def sweep(source: Instance | str | Path, spec: SweepSpec | dict | str | Path, *, workers: int = 1,
          scheduler: str | None = None, out: str | Path | None = None, resume: bool = False,
          reuse: bool = True, progress: bool | None = None, write_runs: bool = False,
          **solve_options: Any) -> Study:
    """Run a sweep over `source` (an instance or its file). `out`: a directory where
    `runs.csv` is written (row by row as runs finish, so an interrupted sweep keeps
    them; `resume=True` skips the runs already there) with `sweep.json` (the
    instance, the design, each parameter's base value). `write_runs`: also write
    each run's result folder, `out/runs/<run>/` (see the module docstring).
    `reuse=False` rebuilds the model for every run (for comparison). Keyword
    options (time_limit, mip_rel_gap, threads, seed) go to HiGHS."""
    inst = load(source) if isinstance(source, (str, Path)) else source
    spec = spec if isinstance(spec, SweepSpec) else read_spec(spec)
    if problems := check_spec(inst, spec):  # before any run starts
        raise InstanceError(problems)
    if write_runs and out is None:
        raise InstanceError([Problem("write_runs", "writes each run's result folder into the sweep's folder: "
                                                   "give out (--out DIR)")])
    runs = design_runs(spec)
    for r in runs:
        r["overrides"] = overrides(spec, r["values"])
        if write_runs:
            r["folder"] = str(Path(out) / RUNS_FOLDER / str(r["run"]))
    names = [p.path for p in spec.parameters]
    done: dict[int, dict[str, Any]] = {}
    path = Path(out) / "runs.csv" if out is not None else None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_json(describe(inst, spec), path.with_name(STUDY_FILE))
        if resume and (path.exists() or path.with_name(path.name + ".partial").exists()):
            done = _read_done(path, runs, names)
            if write_runs:  # a run done before without its folder is run again to write it
                done = {k: v for k, v in done.items()
                        if v.get("status") == "invalid" or (Path(out) / RUNS_FOLDER / str(k) / "summary.json").is_file()}
    todo = [r for r in runs if r["run"] not in done]
    log = _RunLog(path, names) if path is not None else None
    if log is not None:
        log.start(list(done.values()))
    options = {k: v for k, v in solve_options.items() if v is not None}
    start = time.perf_counter()
    try:
        rows = run_tasks(_run, todo, workers=workers, scheduler=scheduler, progress=progress,
                         label="sweep", initializer=_init, initargs=(inst, options, reuse),
                         on_result=(lambda i, row: log.add(row)) if log is not None else None)
    finally:
        if log is not None:
            log.close()
    seconds = time.perf_counter() - start
    frame = _frame([*done.values(), *rows], names)
    if path is not None:
        _write_atomic(frame, path)
    return Study(runs=frame, spec=spec, seconds=seconds, workers=workers)


STUDY_FILE = "sweep.json"


def describe(inst: Instance, spec: SweepSpec) -> dict[str, Any]:
    """What `sweep.json` records: the instance (name, file, scenarios, language), the
    design and each parameter with its value in the base instance (`base`: the figure
    for `set`, None when the rows it names differ; 1 for `scale`)."""
    path = getattr(inst, "path", None)
    return {
        "instance": inst.name,
        "instance_file": str(Path(path).resolve()) if path is not None and Path(path).is_file() else None,
        "scenarios": list(inst.applied_scenarios),
        "language": getattr(inst, "language", "en"),
        "design": spec.design, "samples": spec.samples, "seed": spec.seed, "spec": spec.where,
        "parameters": [{"path": p.path, "mode": p.mode, "values": [_plain_value(v) for v in p.values],
                        "distribution": list(p.distribution) if p.distribution is not None else None,
                        "base": 1.0 if p.mode == "scale" else base_value(inst, p.path)}
                       for p in spec.parameters],
    }


def base_value(inst: Instance, path: str) -> Any:
    """The value `path` names in `inst`: the setting, or the column's value when every row
    it names has the same; None when they differ (or the path names nothing)."""
    try:
        target = parse_path(inst, path)
        if target.rows is None:
            return _plain_value(read_value(inst, path))
        values = getattr(inst, target.section)[target.key].iloc[target.rows]
    except (PathError, KeyError, IndexError):
        return None
    unique = pd.unique(values.astype(object))
    return _plain_value(unique[0]) if len(unique) == 1 else None


def _write_json(doc: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=_plain), encoding="utf-8")
    tmp.replace(path)


def _frame(rows: list[dict[str, Any]], names: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if not len(frame):
        return pd.DataFrame(columns=[*RUN_COLUMNS, *names, *RESULT_COLUMNS])
    frame = frame.sort_values("run").reset_index(drop=True)
    first = [*RUN_COLUMNS, *names, *RESULT_COLUMNS]
    for c in first:
        if c not in frame:
            frame[c] = None
    rest = [c for c in frame.columns if c not in first]
    return frame[first + rest]


class _RunLog:
    """runs.csv grown one row at a time (flushed), so that a crash keeps every finished run."""

    def __init__(self, path: Path, names: list[str]):
        self.path, self.names, self.fh = path, names, None
        self.partial = path.with_name(path.name + ".partial")

    def start(self, previous: list[dict[str, Any]]) -> None:
        self.fh = open(self.partial, "w", encoding="utf-8")
        for row in previous:
            self.add(row)

    def add(self, row: dict[str, Any]) -> None:
        self.fh.write(json.dumps(row, default=_plain) + "\n")
        self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def _plain(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    return str(x)


def _read_done(path: Path, runs: list[dict[str, Any]], names: list[str]) -> dict[int, dict[str, Any]]:
    """Runs already in `runs.csv` (or its `.partial` log) whose parameter values match
    this sweep's runs."""
    rows: list[dict[str, Any]] = []
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        for line in partial.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                break  # a line cut by a crash: that run is done again
    elif path.exists():
        rows = pd.read_csv(path).replace({np.nan: None}).to_dict("records")
    by_run = {int(r["run"]): r for r in rows if r.get("run") is not None}
    done = {}
    for r in runs:
        old = by_run.get(r["run"])
        if old is None:
            continue
        same = all(_same(old.get(n), v) for n, v in r["values"].items())
        if same and old.get("status") not in (None, "error"):
            done[r["run"]] = old
    return done


def _same(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    frame.to_csv(tmp, index=False, encoding=CSV_ENCODING)  # Excel reads UTF-8 with the mark
    tmp.replace(path)
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        partial.unlink()
