"""Uncertain figures of an instance: the `uncertainty:` section (docs/instance-format.md).

The section names figures of the instance by the paths of scenario overrides
(`optim.inputs.scenarios`: `set` paths such as `sources.cdb_loan.rate`, `scale`
paths such as `options[use=commercial].land_income`) and says how they vary,
either as a finite set of scenarios with probabilities::

    uncertainty:
      scenarios:
        slump:
          probability: 0.3
          scale:
            options[use=commercial].land_income: 0.6
        base: {probability: 0.7}

or as distributions, sampled reproducibly (`samples`, `seed`), with
correlations between them (a Gaussian copula)::

    uncertainty:
      samples: 50
      seed: 7
      parameters:
        - name: land_price
          path:
            - options[use=commercial].land_income
            - options[use=residential].land_income
          distribution: {uniform: [0.6, 1.1]}            # scale factors
        - name: cdb_rate
          path: sources.cdb_loan.rate
          distribution: {triangular: [0.032, 0.038, 0.045]}
      correlation:
        - [land_price, cdb_rate, -0.3]
      recourse: {source: emergency, rate: 0.12}

Each scenario of the stochastic model is a copy of the instance with the
emergency credit line of `recourse` added as a source and the scenario's
figures applied as overrides (`scenario_instance`), so that the independent
checker checks every scenario's plan against its own figures.

The section is checked by small named checks (`check_uncertainty`), the same
for `optim validate` and `optim stochastic`; every problem names the file,
the key and what to change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstanceError, Problem
from .coerce import check_value, type_name
from .instance import Instance
from .limits import MAX_NUMBER, MAX_SEED, show
from .scenarios import PathError, apply_overrides, parse_path, read_value
from .schema import TABLES, Field
from .validate import run_checks

SECTION_KEYS = ("description", "scenarios", "parameters", "correlation", "samples", "seed", "recourse", "risk")
PARAMETER_KEYS = ("name", "path", "mode", "distribution", "clip", "description")
SCENARIO_KEYS = ("probability", "description", "set", "scale")
# distribution -> the numbers it takes, in order
DISTRIBUTIONS = {"normal": ("mean", "sd"), "lognormal": ("mean", "sd"), "uniform": ("low", "high"),
                 "triangular": ("low", "mode", "high"), "discrete": ("values", "probabilities")}
PROBABILITY_TOL = 1e-9
DEFAULT_SAMPLES = 20
DEFAULT_RATE = 0.12  # the emergency credit line's rate when `recourse` does not give one
RECOURSE_SOURCE = "emergency"


@dataclass
class Parameter:
    """One uncertain figure (or several figures moved by one draw): `paths` changed in
    `mode` (``set`` or ``scale``) by a value drawn from `kind` with `args`, then clipped."""

    name: str
    paths: list[str]
    mode: str
    kind: str
    args: tuple
    where: str
    clip: tuple[float | None, float | None] = (None, None)
    description: str = ""

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The value at each probability level `u` in (0, 1) (inverse cumulative distribution), clipped."""
        from scipy.special import ndtri  # scipy only when figures are sampled

        u = np.clip(np.asarray(u, dtype=float), 1e-12, 1.0 - 1e-12)
        a = self.args
        if self.kind == "normal":
            x = a[0] + a[1] * ndtri(u)
        elif self.kind == "lognormal":
            s2 = math.log1p((a[1] / a[0]) ** 2)
            x = np.exp(math.log(a[0]) - s2 / 2 + math.sqrt(s2) * ndtri(u))
        elif self.kind == "uniform":
            x = a[0] + (a[1] - a[0]) * u
        elif self.kind == "triangular":
            low, mode, high = a
            width = high - low
            if width <= 0:
                x = np.full(u.shape, float(low))
            else:
                fc = (mode - low) / width
                x = np.where(u < fc, low + np.sqrt(u * width * (mode - low)),
                             high - np.sqrt((1.0 - u) * width * (high - mode)))
        else:  # discrete
            values, probs = np.asarray(a[0], dtype=float), np.asarray(a[1], dtype=float)
            k = np.searchsorted(np.cumsum(probs), u, side="right")
            x = values[np.minimum(k, len(values) - 1)]
        lo, hi = self.clip
        return np.clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)

    def ends(self) -> list[tuple[str, float]]:
        """The values at which the figure is checked: the ends of a bounded support
        (every value of a discrete one), the mean of an unbounded one (clipped)."""
        a = self.args
        if self.kind in ("uniform", "triangular"):
            raw = [("low", a[0]), ("high", a[-1])]
        elif self.kind == "discrete":
            raw = [(f"value {v:g}", v) for v in a[0]]
        else:
            raw = [("mean", a[0])] + [(f"clip {side}", v) for side, v in zip(("low", "high"), self.clip)
                                      if v is not None]
        lo, hi = self.clip
        return [(label, float(min(max(v, -math.inf if lo is None else lo), math.inf if hi is None else hi)))
                for label, v in raw]


@dataclass
class FiniteScenario:
    name: str
    probability: float
    overrides: dict[str, dict[str, Any]]  # {"set": {...}, "scale": {...}}
    where: str
    description: str = ""


@dataclass
class Recourse:
    """The emergency credit line added to every scenario so that each stays feasible:
    a source `source` that may pay for every category at `rate` (its cost in the
    objective is objective.weights.financing_cost x rate per yuan), outside the
    coverage, capital and debt rules; None rate: no recourse."""

    source: str = RECOURSE_SOURCE
    rate: float | None = DEFAULT_RATE

    @property
    def enabled(self) -> bool:
        return self.rate is not None


@dataclass
class RiskSpec:
    """Risk settings: CVaR of the objective at level `cvar_alpha` with weight
    `cvar_weight` (0: expected value only); a bound `shortfall_max` (yuan) on the
    CVaR at level `shortfall_alpha` of the emergency borrowing (None: no bound)."""

    cvar_alpha: float = 0.95
    cvar_weight: float = 0.0
    shortfall_alpha: float = 0.95
    shortfall_max: float | None = None


@dataclass
class Uncertainty:
    """A parsed `uncertainty:` section."""

    where: str  # how messages name the section: "instance.yaml: uncertainty"
    scenarios: list[FiniteScenario] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    correlation: np.ndarray | None = None
    samples: int = DEFAULT_SAMPLES
    seed: int = 0
    recourse: Recourse = field(default_factory=Recourse)
    risk: RiskSpec = field(default_factory=RiskSpec)
    description: str = ""

    @property
    def sampled(self) -> bool:
        """The figures are drawn from distributions (else: a finite scenario set)."""
        return bool(self.parameters)


@dataclass
class Draw:
    """One scenario of the stochastic model: its name, probability, the overrides that
    make its instance from the base instance, and (when sampled) the values drawn."""

    name: str
    probability: float
    overrides: dict[str, dict[str, Any]]
    values: dict[str, float] = field(default_factory=dict)
    description: str = ""


# ---- reading the section ---------------------------------------------------------------------------
def _at(where: str, key: str) -> str:
    """A key below `where`: "instance.yaml: uncertainty" + "seed" -> "instance.yaml: uncertainty.seed";
    a file of its own ("uncertainty.yaml") + "seed" -> "uncertainty.yaml: seed"."""
    return f"{where}.{key}" if ":" in where else f"{where}: {key}"


def _number(raw: Any, check: str | None = None) -> tuple[float | None, str | None]:
    if isinstance(raw, bool) or raw is None:
        return None, f"must be a number, not {show(raw) if raw is not None else 'empty'}"
    value, msg = check_value(Field("x", "num", None, check=check), raw)
    return (None, msg) if msg else (float(value), None)


def _integer(raw: Any, low: int, high: int) -> tuple[int | None, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None, f"must be a whole number, not {show(raw)}"
    if not low <= raw <= high:
        return None, f"must be between {low:,} and {high:,}, not {raw:,}"
    return raw, None


def parse_uncertainty(raw: Any, where: str) -> tuple[Uncertainty | None, list[Problem]]:
    """The section as an `Uncertainty`, and every problem of its structure (types,
    probabilities, distributions, correlation, recourse, risk). Paths are checked
    against the instance by `check_uncertainty`."""
    if not isinstance(raw, dict):
        return None, [Problem(where, "must be a mapping with 'scenarios' (a finite set) or 'parameters' "
                                     f"(distributions), not {type_name(raw)}")]
    problems: list[Problem] = []
    for key in raw:
        if key not in SECTION_KEYS:
            problems.append(Problem(_at(where, str(key)), f"unknown key (known: {', '.join(SECTION_KEYS)})"))
    spec = Uncertainty(where=where, description=str(raw.get("description") or ""))
    for part in (_read_counts, _read_scenarios, _read_parameters, _read_correlation, _read_recourse, _read_risk):
        problems.extend(part(spec, raw))
    if "scenarios" in raw and "parameters" in raw:
        problems.append(Problem(where, "give either 'scenarios' (a finite set with probabilities) or "
                                       "'parameters' (distributions to sample), not both"))
    elif "scenarios" not in raw and "parameters" not in raw:
        problems.append(Problem(where, "names no uncertain figure: give 'scenarios' (a finite set with "
                                       "probabilities) or 'parameters' (distributions to sample)"))
    return spec, problems


def _read_counts(spec: Uncertainty, raw: dict) -> Iterator[Problem]:
    for key, low, high, default in (("samples", 1, 100_000, DEFAULT_SAMPLES), ("seed", 0, MAX_SEED, 0)):
        if raw.get(key) is None:
            setattr(spec, key, default)
            continue
        value, msg = _integer(raw[key], low, high)
        if msg:
            yield Problem(_at(spec.where, key), msg)
        else:
            setattr(spec, key, value)


def _overrides(raw: dict, where: str) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    out: dict[str, dict[str, Any]] = {"set": {}, "scale": {}}
    problems = []
    for part in ("set", "scale"):
        given = raw.get(part)
        if given is None:
            continue
        if not isinstance(given, dict):
            problems.append(Problem(f"{where}.{part}", f"must be a mapping path -> "
                                    f"{'value' if part == 'set' else 'factor'}, not {type_name(given)}"))
            continue
        out[part] = {str(k): v for k, v in given.items()}
    return out, problems


def _read_scenarios(spec: Uncertainty, raw: dict) -> Iterator[Problem]:
    """scenarios: name -> {probability, description, set, scale}; probabilities in
    [0, 1] adding up to 1."""
    if "scenarios" not in raw:
        return
    where = _at(spec.where, "scenarios")
    table = raw["scenarios"]
    if not isinstance(table, dict) or not table:
        yield Problem(where, "must be a mapping name -> {probability, set, scale} with at least one scenario")
        return
    total, complete = 0.0, True
    for name, s in table.items():
        at = f"{where}.{name}"
        if not isinstance(s, dict):
            yield Problem(at, f"a scenario is a mapping with 'probability' and 'set' and/or 'scale', "
                              f"not {type_name(s)}")
            complete = False
            continue
        for key in s:
            if key not in SCENARIO_KEYS:
                yield Problem(f"{at}.{key}", f"unknown key (known: {', '.join(SCENARIO_KEYS)})")
        if "probability" not in s:
            yield Problem(f"{at}.probability", "required: the scenario's probability, in [0, 1]")
            complete = False
            continue
        p, msg = _number(s["probability"], "ratio")
        if msg:
            yield Problem(f"{at}.probability", f"{msg} (a probability)")
            complete = False
            continue
        total += p
        overrides, bad = _overrides(s, at)
        yield from bad
        spec.scenarios.append(FiniteScenario(str(name), p, overrides, at, str(s.get("description") or "")))
    if complete and abs(total - 1.0) > PROBABILITY_TOL:
        yield Problem(where, f"the probabilities add up to {total:.10g}, not 1: change them so that they sum to 1")


def _read_parameters(spec: Uncertainty, raw: dict) -> Iterator[Problem]:
    if "parameters" not in raw:
        return
    where = _at(spec.where, "parameters")
    items = raw["parameters"]
    if not isinstance(items, list) or not items:
        yield Problem(where, "must be a non-empty list of {name, path, distribution}")
        return
    names: dict[str, int] = {}
    paths: dict[str, str] = {}
    for k, item in enumerate(items):
        at = f"{where}[{k}]"
        param, bad = _parameter(item, at, k)
        yield from bad
        if param is None:
            continue
        if param.name in names:
            yield Problem(f"{at}.name", f"{param.name!r} is already the name of parameters[{names[param.name]}]")
            continue
        names[param.name] = k
        for path in param.paths:
            if path in paths:
                yield Problem(f"{at}.path", f"{path!r} is already moved by {paths[path]}: a figure has one "
                                            "distribution (give it once, or use two different paths)")
            paths[path] = f"parameter {param.name!r}"
        spec.parameters.append(param)


def _parameter(item: Any, at: str, k: int) -> tuple[Parameter | None, list[Problem]]:
    if not isinstance(item, dict):
        return None, [Problem(at, f"a parameter is a mapping with 'path' and 'distribution', not {type_name(item)}")]
    problems = [Problem(f"{at}.{key}", f"unknown key (known: {', '.join(PARAMETER_KEYS)})")
                for key in item if key not in PARAMETER_KEYS]
    raw_paths = item.get("path")
    if isinstance(raw_paths, str) and raw_paths.strip():
        paths = [raw_paths.strip()]
    elif isinstance(raw_paths, list) and raw_paths and all(isinstance(p, str) and p.strip() for p in raw_paths):
        paths = [p.strip() for p in raw_paths]
    else:
        return None, problems + [Problem(f"{at}.path", "required: the path of the figure (or a list of paths "
                                                        "moved by the same draw), as in scenarios, e.g. "
                                                        "sources.cdb_loan.rate or options[use=commercial].land_income")]
    name = item.get("name", f"p{k + 1}")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(f"{at}.name", f"must be text, not {show(name)}"))
        name = f"p{k + 1}"
    if any(p.startswith("solver.") for p in paths):
        problems.append(Problem(f"{at}.path", "solver options are not figures of the park: name a figure of "
                                              "the instance"))
    default_modes = {_mode_of(p) for p in paths}
    mode = item.get("mode", default_modes.pop() if len(default_modes) == 1 else None)
    if mode not in ("set", "scale"):
        problems.append(Problem(f"{at}.mode", f"must be 'set' (the drawn value replaces the figure) or 'scale' "
                                              f"(the figure is multiplied by it), not {show(mode)}"))
        mode = "set"
    dist = item.get("distribution")
    kind, args, bad = _distribution(dist, f"{at}.distribution")
    problems += bad
    clip: tuple[float | None, float | None] = (None, None)
    if item.get("clip") is not None:
        c = item["clip"]
        if not (isinstance(c, list) and len(c) == 2):
            problems.append(Problem(f"{at}.clip", "must be [low, high] (either may be null)"))
        else:
            ends = []
            for side, v in zip(("low", "high"), c):
                if v is None:
                    ends.append(None)
                    continue
                x, msg = _number(v)
                if msg:
                    problems.append(Problem(f"{at}.clip", f"{side} {msg}"))
                ends.append(x)
            if len(ends) == 2 and None not in ends and ends[0] > ends[1]:
                problems.append(Problem(f"{at}.clip", f"low {ends[0]:g} is above high {ends[1]:g}"))
            elif len(ends) == 2:
                clip = (ends[0], ends[1])
    if kind is None or problems:
        return None, problems
    return Parameter(name=name.strip(), paths=paths, mode=mode, kind=kind, args=args, where=at, clip=clip,
                     description=str(item.get("description") or "")), problems


_ROWS_PATH = re.compile(r"^(?P<table>[A-Za-z_]\w*)(?:\[[^\]]*\])?\.(?P<column>[^.\[\]]+)$")


def _mode_of(path: str) -> str:
    """`scale` for TABLE.COLUMN and TABLE[COLUMN=VALUE].COLUMN paths of a table, `set` for the others."""
    m = _ROWS_PATH.match(path)
    return "scale" if m and m["table"] in TABLES else "set"


def _distribution(dist: Any, at: str) -> tuple[str | None, tuple, list[Problem]]:
    forms = ("{normal: [mean, sd]}, {lognormal: [mean, sd]}, {uniform: [low, high]}, "
             "{triangular: [low, mode, high]} or {discrete: {values: [...], probabilities: [...]}}")
    if not (isinstance(dist, dict) and len(dist) == 1):
        return None, (), [Problem(at, f"required: one of {forms}")]
    (kind, raw), = dist.items()
    if kind not in DISTRIBUTIONS:
        return None, (), [Problem(at, f"unknown distribution {show(kind)}: use one of {forms}")]
    if kind == "discrete":
        return _discrete(raw, at)
    names = DISTRIBUTIONS[kind]
    if not (isinstance(raw, list) and len(raw) == len(names)):
        return None, (), [Problem(at, f"{kind} needs [{', '.join(names)}], not {show(raw)}")]
    values, problems = [], []
    for n, v in zip(names, raw):
        x, msg = _number(v)
        if msg:
            problems.append(Problem(at, f"{kind}: {n} {msg}"))
        values.append(x)
    if problems:
        return None, (), problems
    if kind in ("normal", "lognormal") and values[1] < 0:
        problems.append(Problem(at, f"{kind}: the standard deviation must be >= 0, not {values[1]:g} (a variance "
                                    f"cannot be negative): give [mean, sd] with sd >= 0"))
    if kind == "lognormal" and values[0] <= 0:
        problems.append(Problem(at, f"lognormal: the mean must be > 0, not {values[0]:g} (a lognormal figure is "
                                    "positive); use a normal distribution for figures that may be negative"))
    if kind == "uniform" and values[0] > values[1]:
        problems.append(Problem(at, f"uniform: low {values[0]:g} is above high {values[1]:g}: give [low, high]"))
    if kind == "triangular" and not values[0] <= values[1] <= values[2]:
        problems.append(Problem(at, f"triangular: needs low <= mode <= high, not {values[0]:g}, {values[1]:g}, "
                                    f"{values[2]:g}"))
    return (None, (), problems) if problems else (kind, tuple(values), [])


def _discrete(raw: Any, at: str) -> tuple[str | None, tuple, list[Problem]]:
    if isinstance(raw, list):
        raw = {"values": raw}
    if not isinstance(raw, dict) or "values" not in raw or set(raw) - {"values", "probabilities"}:
        return None, (), [Problem(at, "discrete needs {values: [...], probabilities: [...]} (probabilities "
                                      "may be left out for equally likely values)")]
    values, probs = raw["values"], raw.get("probabilities")
    if not isinstance(values, list) or not values:
        return None, (), [Problem(f"{at}.discrete.values", "must be a non-empty list of numbers")]
    vs, problems = [], []
    for v in values:
        x, msg = _number(v)
        if msg:
            problems.append(Problem(f"{at}.discrete.values", msg))
        vs.append(x)
    if probs is None:
        ps = [1.0 / len(vs)] * len(vs)
    elif not isinstance(probs, list) or len(probs) != len(vs):
        return None, (), problems + [Problem(f"{at}.discrete.probabilities",
                                             f"must be a list of {len(vs)} probabilities, one per value")]
    else:
        ps = []
        for v in probs:
            x, msg = _number(v, "ratio")
            if msg:
                problems.append(Problem(f"{at}.discrete.probabilities", f"{msg} (a probability)"))
            ps.append(x)
        if not problems and abs(sum(ps) - 1.0) > PROBABILITY_TOL:
            problems.append(Problem(f"{at}.discrete.probabilities",
                                    f"add up to {sum(ps):.10g}, not 1: change them so that they sum to 1"))
    return (None, (), problems) if problems else ("discrete", (tuple(vs), tuple(ps)), [])


def _read_correlation(spec: Uncertainty, raw: dict) -> Iterator[Problem]:
    """correlation: [[name_a, name_b, rho], ...] between parameters; the matrix they
    make must be positive semi-definite (correlations that can hold together)."""
    if raw.get("correlation") is None:
        return
    where = _at(spec.where, "correlation")
    if "parameters" not in raw:
        yield Problem(where, "correlations are between parameters: give 'parameters' (distributions)")
        return
    items = raw["correlation"]
    if not isinstance(items, list):
        yield Problem(where, "must be a list of [parameter, parameter, correlation]")
        return
    names = {p.name: k for k, p in enumerate(spec.parameters)}
    n = len(spec.parameters)
    corr = np.eye(n)
    seen: dict[tuple[int, int], int] = {}
    ok = True
    for k, item in enumerate(items):
        at = f"{where}[{k}]"
        if not (isinstance(item, list) and len(item) == 3):
            yield Problem(at, f"must be [parameter, parameter, correlation], not {show(item)}")
            ok = False
            continue
        a, b, rho = item
        unknown = [str(x) for x in (a, b) if not isinstance(x, str) or x not in names]
        if unknown:
            yield Problem(at, f"unknown parameter {unknown[0]!r} (parameters: {', '.join(names) or 'none'})")
            ok = False
            continue
        if a == b:
            yield Problem(at, "a parameter's correlation with itself is 1: name two different parameters")
            ok = False
            continue
        r, msg = _number(rho)
        if msg or not -1.0 <= r <= 1.0:
            yield Problem(at, msg or f"a correlation must be in [-1, 1], not {r:g}")
            ok = False
            continue
        i, j = sorted((names[a], names[b]))
        if (i, j) in seen:
            yield Problem(at, f"the correlation of {a!r} and {b!r} is already given by correlation[{seen[(i, j)]}]")
            ok = False
            continue
        seen[(i, j)] = k
        corr[i, j] = corr[j, i] = r
    if not ok:
        return
    smallest = float(np.linalg.eigvalsh(corr).min()) if n else 1.0
    if smallest < -1e-9:
        yield Problem(where, f"the correlation matrix is not positive semi-definite (smallest eigenvalue "
                             f"{smallest:.3g}): these correlations cannot hold together; weaken them (for three "
                             "figures, strong correlations of a with b and with c force b and c to be correlated too)")
        return
    spec.correlation = corr if seen else None


def _read_recourse(spec: Uncertainty, raw: dict) -> Iterator[Problem]:
    """recourse: {source, rate} (the emergency credit line), or `none`."""
    where = _at(spec.where, "recourse")
    r = raw.get("recourse")
    if r is None:
        return
    if r == "none" or r is False:
        spec.recourse = Recourse(rate=None)
        return
    if not isinstance(r, dict):
        yield Problem(where, f"must be a mapping {{source, rate}} or 'none', not {type_name(r)}")
        return
    for key in r:
        if key not in ("source", "rate"):
            yield Problem(f"{where}.{key}", "unknown key (known: source, rate)")
    source = r.get("source", RECOURSE_SOURCE)
    if not isinstance(source, str) or not source.strip():
        yield Problem(f"{where}.source", f"must be a source id (text), not {show(source)}")
        source = RECOURSE_SOURCE
    rate, msg = _number(r.get("rate", DEFAULT_RATE), "ratio")
    if msg:
        yield Problem(f"{where}.rate", f"{msg} (the emergency credit line's rate)")
        rate = DEFAULT_RATE
    spec.recourse = Recourse(source=source.strip(), rate=rate)


def _read_risk(spec: Uncertainty, raw: dict) -> Iterator[Problem]:
    """risk: {cvar: {alpha, weight}, shortfall: {alpha, max}}."""
    where = _at(spec.where, "risk")
    r = raw.get("risk")
    if r is None:
        return
    if not isinstance(r, dict):
        yield Problem(where, f"must be a mapping with 'cvar' and/or 'shortfall', not {type_name(r)}")
        return
    for key in r:
        if key not in ("cvar", "shortfall"):
            yield Problem(f"{where}.{key}", "unknown key (known: cvar, shortfall)")
    for part, second in (("cvar", "weight"), ("shortfall", "max")):
        m = r.get(part)
        if m is None:
            continue
        at = f"{where}.{part}"
        if not isinstance(m, dict) or set(m) - {"alpha", second}:
            yield Problem(at, f"must be a mapping {{alpha, {second}}}")
            continue
        alpha, msg = _number(m.get("alpha", 0.95))
        if msg or not 0.0 <= alpha < 1.0:
            yield Problem(f"{at}.alpha", msg or f"must be in [0, 1) (0.95: the worst 5 % of the scenarios), "
                                                f"not {alpha:g}")
            continue
        value, msg = _number(m.get(second), "ratio" if part == "cvar" else "nonneg")
        if msg:
            yield Problem(f"{at}.{second}", msg + (" (the weight of the CVaR against the expected value)"
                                                    if part == "cvar" else " (yuan of emergency borrowing)"))
            continue
        if part == "cvar":
            spec.risk.cvar_alpha, spec.risk.cvar_weight = alpha, value
        else:
            spec.risk.shortfall_alpha, spec.risk.shortfall_max = alpha, value


# ---- checks against the instance -----------------------------------------------------------------------
UncertaintyCheck = Callable[[Instance, Uncertainty], Iterator[Problem]]


def check_recourse(inst: Instance, spec: Uncertainty) -> Iterator[Problem]:
    """The emergency credit line is a new source id, and the objective prices it
    (a weight on financing cost), so that it is drawn only when nothing else can pay."""
    rec = spec.recourse
    if not rec.enabled:
        if spec.risk.shortfall_max is not None:
            yield Problem(_at(spec.where, "risk.shortfall"), "bounds the emergency borrowing, but recourse is "
                                                             "'none': give recourse {source, rate}")
        return
    if rec.source in inst.sources.index:
        yield Problem(_at(spec.where, "recourse.source"),
                      f"{rec.source!r} is already a source of the instance: name the emergency credit line "
                      "otherwise")
    if inst.objective.weight("financing_cost") <= 0:
        yield Problem(_at(spec.where, "recourse"),
                      "the emergency credit line is priced by objective.weights.financing_cost, which is 0: "
                      "give financing_cost a weight, or set recourse: none")


def check_paths(inst: Instance, spec: Uncertainty) -> Iterator[Problem]:
    """Every path names a figure of the instance, and every value the figure may take
    (each scenario; the ends of each distribution) gives a valid instance."""
    base = with_recourse(inst, spec.recourse)
    for s in spec.scenarios:
        yield from _try(base, s.overrides, s.where, "")
    for p in spec.parameters:
        missing = [(path, why) for path in p.paths if (why := _names_nothing(base, path, p.mode))]
        for path, why in missing:
            yield Problem(f"{p.where}.path", f"{path!r} names no figure of the instance: {why} (write paths as in "
                                             "scenarios: docs/instance-format.md, 'Scenarios and paths')")
        if missing:
            continue
        for label, value in p.ends():
            found = list(_try(base, {p.mode: {path: value for path in p.paths}}, f"{p.where}.distribution",
                              f" (at its {label} {value:g})"))
            yield from found
            if found:
                break


def _names_nothing(inst: Instance, path: str, mode: str) -> str | None:
    """Why `path` names no figure of `inst` (None when it names one): the scenario
    grammar's own words (optim/inputs/scenarios.py, `parse_path`)."""
    try:
        target = parse_path(inst, path)
    except PathError as exc:
        return str(exc)
    if mode == "scale" and not target.numeric:
        return f"{target.key!r} is not a number: it cannot be scaled"
    return None


def _try(base: Instance, overrides: dict, where: str, at: str) -> Iterator[Problem]:
    copy = base.copy()
    try:
        apply_overrides(copy, overrides, where)
    except InstanceError as exc:
        for p in exc.problems:
            if at:  # a drawn value out of its figure's range
                path = p.where[len(where) + 1:].split(".", 1)[-1]  # after "set." / "scale."
                yield Problem(where, f"{path} {p.message}{at}: clip the distribution (clip: [low, high]) or "
                                     "narrow it")
            else:
                hint = (" (write paths as in scenarios: docs/instance-format.md, 'Scenarios and paths')"
                        if any(w in p.message for w in ("unknown", "no row", "no option", "expected"))
                        and "instance-format.md" not in p.message else "")
                yield Problem(p.where, f"{p.message}{hint}")
        return
    problems = run_checks(copy)
    if problems:
        first = problems[0]
        yield Problem(where, f"gives an instance that is not valid{at}: {first.where}: {first.message}"
                             + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))


UNCERTAINTY_CHECKS: list[UncertaintyCheck] = [check_recourse, check_paths]


def uncertainty_of(inst: Instance, raw: Any = None, where: str | None = None) -> Uncertainty:
    """The instance's `uncertainty:` section (or `raw`, read from `where`), parsed
    and checked against the instance; `InstanceError` listing every problem."""
    if raw is None:
        raw, where = inst.uncertainty, inst.uncertainty_where
        if raw is None:
            name = inst.path.name if inst.path else "<instance>"
            raise InstanceError([Problem(f"{name}: uncertainty", "the instance has no uncertainty section: add "
                                                                 "one (docs/instance-format.md) or give one "
                                                                 "with --uncertainty FILE")])
    spec, problems = parse_uncertainty(raw, where or "uncertainty")
    if spec is not None and not problems:
        for check in UNCERTAINTY_CHECKS:
            problems.extend(check(inst, spec))
    if problems:
        raise InstanceError(problems)
    return spec


def check_uncertainty(inst: Instance) -> list[Problem]:
    """Problems of the instance's `uncertainty:` section ([] without one)."""
    if inst.uncertainty is None:
        return []
    try:
        uncertainty_of(inst)
    except InstanceError as exc:
        return exc.problems
    return []


# ---- the scenarios ----------------------------------------------------------------------------------------
def draws(spec: Uncertainty, samples: int | None = None, seed: int | None = None) -> list[Draw]:
    """The scenarios of `spec`: its finite set, or `samples` draws (default: the
    section's) with `seed`, equally likely."""
    if not spec.sampled:
        return [Draw(s.name, s.probability, s.overrides, description=s.description) for s in spec.scenarios]
    n = spec.samples if samples is None else int(samples)
    values = sample(spec, n, spec.seed if seed is None else int(seed))
    width = len(str(n))
    out = []
    for k in range(n):
        row = {p.name: float(values[k, j]) for j, p in enumerate(spec.parameters)}
        out.append(Draw(f"s{k + 1:0{width}d}", 1.0 / n, _overrides_of(spec, row), values=row))
    return out


def sample(spec: Uncertainty, n: int, seed: int) -> np.ndarray:
    """n x (parameters) values drawn with `seed`: correlated standard normals (the
    correlation matrix's square root) turned into probability levels and then into
    each parameter's values by its inverse distribution (a Gaussian copula)."""
    from scipy.special import ndtr  # scipy only when figures are sampled

    rng = np.random.default_rng(seed)
    k = len(spec.parameters)
    z = rng.standard_normal((n, k))
    if spec.correlation is not None:
        w, v = np.linalg.eigh(spec.correlation)
        z = z @ (v * np.sqrt(np.clip(w, 0.0, None))).T
    u = ndtr(z)
    return np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(spec.parameters)]) if k else np.zeros((n, 0))


def _overrides_of(spec: Uncertainty, values: dict[str, float]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {"set": {}, "scale": {}}
    for p in spec.parameters:
        for path in p.paths:
            out[p.mode][path] = values[p.name]
    return out


def mean_draw(inst: Instance, scenarios: list[Draw], recourse: Recourse | None = None) -> Draw:
    """The mean-value scenario: every figure the scenarios change at its
    probability-weighted mean over them (a `set` figure a scenario leaves alone
    counts with its base value, read from `inst` with the credit line of
    `recourse`; a `scale` factor with 1)."""
    if recourse is not None and recourse.enabled:
        inst = with_recourse(inst, recourse)
    out: dict[str, dict[str, Any]] = {"set": {}, "scale": {}}
    values: dict[str, float] = {}
    total = sum(d.probability for d in scenarios) or 1.0
    for mode in ("set", "scale"):
        paths = list(dict.fromkeys(p for d in scenarios for p in d.overrides.get(mode, {})))
        for path in paths:
            base = 1.0 if mode == "scale" else _base_value(inst, path)
            mean = sum(d.probability * float(d.overrides.get(mode, {}).get(path, base)) for d in scenarios) / total
            out[mode][path] = mean
    names = list(dict.fromkeys(k for d in scenarios for k in d.values))
    for name in names:
        values[name] = sum(d.probability * d.values.get(name, np.nan) for d in scenarios) / total
    return Draw("mean", 1.0, out, values=values, description="every uncertain figure at its mean")


def _base_value(inst: Instance, path: str) -> float:
    try:
        value = read_value(inst, path)
    except (KeyError, PathError):
        raise InstanceError([Problem(path, "names no figure of the instance")]) from None
    if value is None or isinstance(value, bool) or (isinstance(value, float) and math.isnan(value)):
        raise InstanceError([Problem(path, f"the base instance gives no number here ({show(value)}): an uncertain "
                                           "figure needs a base value for its mean")])
    return float(value)


def recourse_cap(inst: Instance) -> float:
    """The most the emergency credit line could ever pay: every project, every
    conversion cost of every option and every relocation cost (an upper bound on
    the total investment; it never binds)."""
    total = float(pd.to_numeric(inst.projects["cost"], errors="coerce").fillna(0.0).sum())
    total += float(inst.option_totals()["conversion_cost"].astype(float).clip(lower=0).sum())
    if len(inst.enterprises):
        total += float(pd.to_numeric(inst.enterprises["cost"], errors="coerce").fillna(0.0).sum())
    if len(inst.relocation_costs):
        total += float(pd.to_numeric(inst.relocation_costs["cost"], errors="coerce").fillna(0.0).sum())
    return float(min(math.ceil(total), MAX_NUMBER))


def with_recourse(inst: Instance, recourse: Recourse) -> Instance:
    """A copy of `inst` with the emergency credit line as one more source: kind
    `other`, eligible for every category, capped at `recourse_cap`, at the
    recourse rate; not external financing, not project capital, not debt under
    the capital rule, not repaid within the periods (its cost is its rate in the
    objective's financing cost)."""
    out = inst.copy()
    if not recourse.enabled:
        return out
    src = out.sources
    row = {c: None for c in src.columns}
    row.update(kind="other", cap=recourse_cap(inst), min_ticket=0.0, fixed_cost=0.0, rate=float(recourse.rate),
               categories=None, external=False, capital=False, debt=False,
               description="emergency credit line (recourse of the stochastic model)", tenor=0, grace=0,
               exit_share=0.0, lock="", min_draw=0.0, max_draw=np.nan)
    extra = pd.DataFrame([row], index=pd.Index([recourse.source], name=src.index.name))
    out.sources = pd.concat([src, extra.astype({c: src[c].dtype for c in src.columns
                                                if src[c].dtype != object}, errors="ignore")])
    return out


def scenario_instance(inst: Instance, draw: Draw, recourse: Recourse, where: str = "uncertainty",
                      base: Instance | None = None) -> Instance:
    """The instance of one scenario: `inst` with the emergency credit line and the
    scenario's figures applied as overrides (`base`: `with_recourse(inst, recourse)`
    made once for many scenarios); `InstanceError` naming the scenario when a
    drawn figure gives an invalid instance."""
    out = with_recourse(inst, recourse) if base is None else base.copy()
    label = f"{where}: scenario {draw.name}"
    if draw.values:
        label += " (" + ", ".join(f"{k}={v:.6g}" for k, v in draw.values.items()) + ")"
    apply_overrides(out, draw.overrides, label)
    problems = run_checks(out)
    if problems:
        raise InstanceError([Problem(label, f"{p.where}: {p.message}") for p in problems[:10]])
    out.applied_scenarios = [*inst.applied_scenarios, f"uncertainty:{draw.name}"]
    return out


__all__ = ["Uncertainty", "Parameter", "FiniteScenario", "Recourse", "RiskSpec", "Draw", "parse_uncertainty",
           "uncertainty_of", "check_uncertainty", "draws", "sample", "mean_draw", "with_recourse",
           "scenario_instance", "recourse_cap", "DISTRIBUTIONS"]
