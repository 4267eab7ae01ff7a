"""Cross-checks of a typed instance: small named checks, each returning problems.

Types, required fields and value ranges are checked while reading (`optim.io`);
the checks here look across tables: references, duplicates, consistency. They
run even when reading found problems, so that one run reports everything: a
value that is missing or was rejected while reading (None/NaN) is skipped, and
so is a table that could not be read at all (its problem is already reported).
Checks work on whole columns, so they stay fast on tables of a million rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from .coerce import column_floats
from .instance import Instance, Origin
from .limits import MAX_LISTED_PER_COLUMN, MAX_NUMBER, MAX_SEED, MAX_THREADS, number_problem, show
from .schema import MAPPINGS, TABLES, TERMS

Check = Callable[[Instance], Iterator[Problem]]

_SINGULAR = {"periods": "period", "uses": "use", "parcels": "parcel", "categories": "category",
             "resources": "resource", "projects": "project", "sources": "source",
             "enterprises": "enterprise"}


def _origin(inst: Instance, table: str) -> Origin:
    return inst.origins.get(table) or Origin(inst.path.name if inst.path else "<instance>", table)


def _top(inst: Instance, key: str) -> str:
    return f"{inst.path.name if inst.path else '<instance>'}: {key}"


def _unread(inst: Instance, table: str) -> bool:
    """The table of a loaded instance could not be read (reported while reading).

    The loader records the origin of every table it read; an instance built
    in memory has no origins and all its tables count as read.
    """
    return bool(inst.origins) and table not in inst.origins


def _given(values: pd.Series | pd.Index) -> np.ndarray:
    """Mask of the values that are present (not None/NaN)."""
    return pd.notna(values.array)  # as values.notna(), without making a Series of it


# Columns, and positions of a column's values in another table's ids, shared by the checks
# of one `run_checks` call (on large tables, finding them costs more than the checks).
_MEMO: ContextVar[dict | None] = ContextVar("optim_validate_memo", default=None)


def _shared(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, computed once for `key` by the checks of one `run_checks` call."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _cells(inst: Instance, table: str, column: str) -> pd.Series:
    """`table[column]`, or the table's ids if it has no such column."""
    def cells() -> pd.Series:
        frame = getattr(inst, table)
        return frame[column] if column in frame.columns else frame.index.to_series()
    return _shared(("cells", table, column), cells)


def _positions(inst: Instance, table: str, column: str, target: str) -> np.ndarray:
    """Position of each value of `table[column]` among the ids of `target`; -1 if
    it is not one of them (or is missing)."""
    def positions() -> np.ndarray:
        values = _cells(inst, table, column)
        ids = getattr(inst, target).index
        if not ids.is_unique:  # duplicate ids are reported while reading
            ids = pd.Index(ids.dropna().unique())
        pos = ids.get_indexer(values)
        pos[~_given(values)] = -1
        return pos
    return _shared(("positions", table, column, target), positions)


def _refs(inst: Instance, table: str, column: str, target: str) -> Iterator[Problem]:
    if _unread(inst, target):
        return
    values = _cells(inst, table, column)
    bad = _given(values) & (_positions(inst, table, column, target) < 0)
    origin = _origin(inst, table)
    for pos in np.flatnonzero(bad):
        yield Problem(f"{origin.row(pos)}, {column}", f"unknown {_SINGULAR[target]} {show(values.iloc[pos])}")


def check_parcel_uses(inst: Instance) -> Iterator[Problem]:
    """Every parcel's current use is a known land use."""
    yield from _refs(inst, "parcels", "current_use", "uses")


def check_option_refs(inst: Instance) -> Iterator[Problem]:
    """Options name known parcels and existing uses."""
    yield from _refs(inst, "options", "parcel", "parcels")
    yield from _refs(inst, "options", "use", "uses")


def check_option_duplicates(inst: Instance) -> Iterator[Problem]:
    """At most one option per (parcel, use)."""
    opts = inst.options
    if not len(opts):
        return
    parcel = _positions(inst, "options", "parcel", "parcels")
    use = _positions(inst, "options", "use", "uses")
    known = (parcel >= 0) & (use >= 0)
    dup = np.zeros(len(opts), dtype=bool)
    # known pairs as integers (fast); the others, if any, by their text
    dup[known] = pd.Series(parcel[known] * (len(inst.uses) + 1) + use[known]).duplicated().to_numpy()
    if not known.all():
        rest = opts.loc[~known, ["parcel", "use"]]
        dup[~known] = (rest.duplicated().to_numpy()
                       & _given(rest["parcel"]) & _given(rest["use"]))
    origin = _origin(inst, "options")
    for pos in np.flatnonzero(dup):
        row = opts.iloc[pos]
        yield Problem(origin.row(pos), f"duplicate option ({show(row['parcel'])}, {show(row['use'])})")


def check_parcels_have_options(inst: Instance) -> Iterator[Problem]:
    """Each parcel has at least one allowed use."""
    if _unread(inst, "options"):
        return
    ids = inst.parcels.index
    if ids.is_unique:
        parcel = _positions(inst, "options", "parcel", "parcels")
        bad = np.bincount(parcel[parcel >= 0], minlength=len(ids)) == 0
    else:
        bad = ~ids.isin(inst.options["parcel"])
    bad &= _given(ids)
    origin = _origin(inst, "parcels")
    for pos in np.flatnonzero(bad):
        yield Problem(origin.row(pos), f"parcel {show(ids[pos])} has no allowed use in the options table")


def check_resource_ids(inst: Instance) -> Iterator[Problem]:
    """Resource ids do not clash with the options table's own columns."""
    for pos, rid in enumerate(inst.resources.index):
        if rid in TABLES["options"]:
            yield Problem(_origin(inst, "resources").row(pos),
                          f"resource id {show(rid)} clashes with an options column of that name")


def check_project_categories(inst: Instance) -> Iterator[Problem]:
    """Projects belong to known categories."""
    yield from _refs(inst, "projects", "category", "categories")


def check_source_categories(inst: Instance) -> Iterator[Problem]:
    """Sources are earmarked for known categories only."""
    if _unread(inst, "categories"):
        return
    known = set(inst.categories.index)
    for pos, (sid, cats) in enumerate(inst.sources["categories"].items()):
        if not isinstance(cats, list):
            continue  # all categories, or a value rejected while reading
        for c in cats:
            if c not in known:
                yield Problem(f"{_origin(inst, 'sources').row(pos)}, categories",
                              f"source {show(sid)} names unknown category {show(c)}")


def check_categories_given(inst: Instance) -> Iterator[Problem]:
    """Categories are given when something is paid for: a project belongs to one and
    a source pays for them (an instance of parcels and resources alone needs none)."""
    if len(inst.categories) or _unread(inst, "categories"):
        return
    needs = [t for t in ("projects", "sources") if len(getattr(inst, t))]
    if needs:
        yield Problem(_top(inst, "categories"),
                      f"no categories, but the instance has {' and '.join(needs)}: every project belongs to a "
                      "category and sources pay for categories; add the categories table")


def check_objective_counts(inst: Instance) -> Iterator[Problem]:
    """The objective counts something: a term with a positive weight, a boundary
    penalty or a compatibility penalty. With nothing, every plan scores the same and
    the one the solver returns would be arbitrary."""
    obj = inst.objective
    if any(w is not None and w > 0 for w in obj.weights.values()):
        return
    if inst.has_adjacency and (obj.boundary_penalty > 0 or (
            (inst.compatibility["rule"] == "penalty") & (_numbers(inst.compatibility, "penalty") > 0)).any()):
        return
    given = ", ".join(f"{t}: {w:g}" for t, w in obj.weights.items() if w is not None)
    yield Problem(_top(inst, "objective.weights"),
                  f"no term has a positive weight ({given or 'none given'}): every plan would score the same "
                  f"and the plan returned would be arbitrary; weigh at least one of {', '.join(TERMS)}")


def check_source_tickets(inst: Instance) -> Iterator[Problem]:
    """A source's minimum ticket does not exceed its cap."""
    src = inst.sources
    ticket, cap = column_floats(src["min_ticket"]), column_floats(src["cap"])
    with np.errstate(invalid="ignore"):
        bad = ticket > cap  # False where either is missing
    for pos in np.flatnonzero(bad):
        yield Problem(f"{_origin(inst, 'sources').row(pos)}, min_ticket",
                      f"minimum ticket {ticket[pos]:g} of source {show(src.index[pos])} "
                      f"exceeds its cap {cap[pos]:g}")


def check_policy_refs(inst: Instance) -> Iterator[Problem]:
    """Policy names known categories, parcels and uses; locks are allowed options."""
    pol = inst.policy
    cats = set(inst.categories.index)
    if not _unread(inst, "categories"):
        for c in pol.coverage_scope or []:
            if c not in cats:
                yield Problem(_top(inst, "policy.coverage_scope"), f"unknown category {show(c)}")
        if pol.conversion_category is not None and pol.conversion_category not in cats:
            yield Problem(_top(inst, "policy.conversion_category"),
                          f"unknown category {show(pol.conversion_category)}")
    if not pol.locked_uses or any(_unread(inst, t) for t in ("parcels", "uses", "options")):
        return
    opts = inst.options
    locked = pd.MultiIndex.from_tuples(list(pol.locked_uses.items()))
    allowed = locked.isin(pd.MultiIndex.from_arrays([opts["parcel"], opts["use"]]))
    for (parcel, use), ok in zip(pol.locked_uses.items(), allowed):
        where = _top(inst, f"policy.locked_uses.{parcel}")
        if parcel not in inst.parcels.index:
            yield Problem(where, f"unknown parcel {show(parcel)}")
        elif use not in inst.uses.index:
            yield Problem(where, f"unknown use {show(use)}")
        elif not ok:
            yield Problem(where, f"use {show(use)} is not an allowed option of parcel {show(parcel)}")


def check_conversion_category(inst: Instance) -> Iterator[Problem]:
    """Conversion costs have a category to be paid from."""
    if _unread(inst, "categories"):
        return
    costs = column_floats(inst.options["conversion_cost"])
    if inst.conversion_category() is None and (costs > 0).any():  # a missing cost (NaN) is not > 0
        yield Problem(_top(inst, "policy.conversion_category"),
                      "options have conversion costs but no category pays for them: "
                      "set policy.conversion_category or define a 'park' category")


def check_area_bounds(inst: Instance) -> Iterator[Problem]:
    """Industrial-area bounds are ordered."""
    lo, hi = inst.policy.min_industrial_area, inst.policy.max_industrial_area
    if lo is not None and hi is not None and lo > hi:
        yield Problem(_top(inst, "policy.min_industrial_area"),
                      f"min_industrial_area {lo:g} is above max_industrial_area {hi:g}")


def check_coordinates(inst: Instance) -> Iterator[Problem]:
    """With `units.coordinates: degrees`, x is a longitude and y a latitude."""
    if (inst.units or {}).get("coordinates") != "degrees" or _unread(inst, "parcels"):
        return
    origin = _origin(inst, "parcels")
    for column, limit, what in (("x", 180.0, "longitude"), ("y", 90.0, "latitude")):
        values = pd.to_numeric(inst.parcels[column], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad = np.abs(values) > limit
        for pos in np.flatnonzero(bad)[:20]:
            yield Problem(f"{origin.row(pos)}, {column}", f"{values[pos]:g} is not a {what} (units.coordinates is "
                                                          f"degrees: {column} must be within +-{limit:g})")


def _unordered_duplicates(first: np.ndarray, second: np.ndarray,
                          keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (among `keep`) whose unordered pair {first, second} of integer codes
    (>= 0) came before, and the position of that earlier row."""
    lo, hi = np.minimum(first, second), np.maximum(first, second)
    at = np.flatnonzero(keep)
    key = lo[at].astype(np.int64) * (int(hi[at].max(initial=0)) + 1) + hi[at]
    codes, _ = pd.factorize(key)  # pairs numbered by first appearance
    _, first_pos = np.unique(codes, return_index=True)
    dup = pd.Series(codes).duplicated().to_numpy()
    return at[dup], at[first_pos[codes[dup]]]


def check_adjacency(inst: Instance) -> Iterator[Problem]:
    """Adjacency rows name two different known parcels, each pair once (either order)."""
    adj = inst.adjacency
    if not len(adj):
        return
    yield from _refs(inst, "adjacency", "parcel_a", "parcels")
    yield from _refs(inst, "adjacency", "parcel_b", "parcels")
    a, b = adj["parcel_a"].to_numpy(dtype=object), adj["parcel_b"].to_numpy(dtype=object)
    pa = _positions(inst, "adjacency", "parcel_a", "parcels")
    pb = _positions(inst, "adjacency", "parcel_b", "parcels")
    known = (pa >= 0) & (pb >= 0)  # unknown parcels are reported above
    same = known & (pa == pb)
    origin = _origin(inst, "adjacency")
    for pos in np.flatnonzero(same):
        yield Problem(origin.row(pos), f"parcel {show(a[pos])} is adjacent to itself")
    dup, earlier = _unordered_duplicates(pa, pb, known & ~same)
    for pos, first in zip(dup, earlier):
        yield Problem(origin.row(pos), f"duplicate pair ({show(a[pos])}, {show(b[pos])}), "
                                       f"already listed as ({show(a[first])}, {show(b[first])})")


def check_compatibility(inst: Instance) -> Iterator[Problem]:
    """Compatibility rules name known uses, each unordered use pair once; a
    `penalty` rule has a penalty > 0."""
    comp = inst.compatibility
    if not len(comp):
        return
    yield from _refs(inst, "compatibility", "use_a", "uses")
    yield from _refs(inst, "compatibility", "use_b", "uses")
    origin = _origin(inst, "compatibility")
    penalty = pd.to_numeric(comp["penalty"], errors="coerce").to_numpy(dtype=float)
    for pos in np.flatnonzero((comp["rule"] == "penalty").to_numpy(dtype=bool) & (penalty <= 0)):
        yield Problem(f"{origin.row(pos)}, penalty", "rule 'penalty' needs a penalty > 0")
    u, w = comp["use_a"].to_numpy(dtype=object), comp["use_b"].to_numpy(dtype=object)
    given = _given(comp["use_a"]) & _given(comp["use_b"])
    codes, _ = pd.factorize(np.concatenate([np.where(given, u, ""), np.where(given, w, "")]))
    dup, earlier = _unordered_duplicates(codes[:len(u)], codes[len(u):], given)
    for pos, first in zip(dup, earlier):
        yield Problem(origin.row(pos), f"duplicate rule for the uses ({show(u[pos])}, {show(w[pos])}), "
                                       f"already given as ({show(u[first])}, {show(w[first])})")


# ---- locks (optim/locks.py) and enterprise relocation (optim/relocation.py) ----------
def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A text column as an object array, "" where missing (or if there is no such column)."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    values = frame[column].to_numpy(dtype=object)
    return np.where(pd.isna(values), "", values).astype(object)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as floats, NaN where missing (or if there is no such column)."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return column_floats(frame[column])


def _table_numbers(inst: Instance, table: str, column: str) -> np.ndarray:
    """`_numbers` of a table of `inst`."""
    return _shared(("numbers", table, column), lambda: _numbers(getattr(inst, table), column))


def check_parcel_locks(inst: Instance) -> Iterator[Problem]:
    """A parcel locked `out` keeps its current use, so that use must be one of its
    options; one locked `in` must be rezoned, so it needs an option other than its
    current use; neither may contradict policy.locked_uses."""
    par = inst.parcels
    lock = _text(par, "lock")
    at = np.flatnonzero(lock != "")
    if not len(at) or any(_unread(inst, t) for t in ("parcels", "options")):
        return
    ids = par.index.to_numpy(dtype=object)[at]
    cur = par["current_use"].to_numpy(dtype=object)[at]
    opts = inst.options
    allowed = pd.MultiIndex.from_arrays([opts["parcel"], opts["use"]])
    has_cur = pd.MultiIndex.from_arrays([ids, cur]).isin(allowed)
    n_opts = opts["parcel"].value_counts().reindex(ids, fill_value=0).to_numpy()
    has_other = n_opts - has_cur > 0
    origin = _origin(inst, "parcels")
    locked_uses = inst.policy.locked_uses
    for k, pos in enumerate(at):
        pid, use, how = ids[k], cur[k], lock[pos]
        if use is None or (isinstance(use, float) and np.isnan(use)):
            continue  # a missing current use is reported while reading
        where = f"{origin.row(pos)}, lock"
        if how == "out" and not has_cur[k]:
            yield Problem(where, f"parcel {show(pid)} is locked out (keeps its current use {show(use)}), "
                                 f"but {show(use)} is not one of its options")
        elif how == "in" and not has_other[k]:
            yield Problem(where, f"parcel {show(pid)} is locked in (must be rezoned), but it has no "
                                 f"option other than its current use {show(use)}")
        fixed = locked_uses.get(pid)
        if fixed is not None and how == "out" and fixed != use:
            yield Problem(where, f"parcel {show(pid)} is locked out (keeps its current use {show(use)}), "
                                 f"but policy.locked_uses gives it {show(fixed)}")
        elif fixed is not None and how == "in" and fixed == use:
            yield Problem(where, f"parcel {show(pid)} is locked in (must be rezoned), but "
                                 f"policy.locked_uses keeps its current use {show(use)}")


def check_source_draws(inst: Instance) -> Iterator[Problem]:
    """A source's min_draw is at most its cap and its max_draw; a source locked
    `in` may draw (max_draw not 0, and at least its min_ticket if switched); one
    locked `out` has no min_draw."""
    src = inst.sources
    if not len(src):
        return
    origin = _origin(inst, "sources")
    lock = _text(src, "lock")
    lo, hi = _table_numbers(inst, "sources", "min_draw"), _table_numbers(inst, "sources", "max_draw")
    cap, ticket = _table_numbers(inst, "sources", "cap"), _table_numbers(inst, "sources", "min_ticket")
    ids = src.index
    with np.errstate(invalid="ignore"):  # comparisons with NaN are False
        for pos in np.flatnonzero(lo > cap):
            yield Problem(f"{origin.row(pos)}, min_draw",
                          f"min_draw {lo[pos]:g} of source {show(ids[pos])} exceeds its cap {cap[pos]:g}")
        for pos in np.flatnonzero(lo > hi):
            yield Problem(f"{origin.row(pos)}, min_draw",
                          f"min_draw {lo[pos]:g} of source {show(ids[pos])} is above its max_draw {hi[pos]:g}")
        for pos in np.flatnonzero((lock == "in") & (hi == 0)):
            yield Problem(f"{origin.row(pos)}, lock", f"source {show(ids[pos])} is locked in, but its max_draw is 0")
        for pos in np.flatnonzero((lock == "in") & (hi > 0) & (ticket > hi)):
            yield Problem(f"{origin.row(pos)}, lock",
                          f"source {show(ids[pos])} is locked in, so it draws at least its min_ticket "
                          f"{ticket[pos]:g}, but its max_draw is {hi[pos]:g}")
        for pos in np.flatnonzero((lock == "out") & (lo > 0)):
            yield Problem(f"{origin.row(pos)}, lock",
                          f"source {show(ids[pos])} is locked out, but its min_draw is {lo[pos]:g}")


def check_enterprises(inst: Instance) -> Iterator[Problem]:
    """Enterprises need land of a known industrial use and a category that pays
    their relocation; a required enterprise needs a parcel that can host it (an
    option of its use on a parcel at least as large); by_period names a period
    (checked only when the instance has periods)."""
    ent = inst.enterprises
    if not len(ent):
        return
    yield from _refs(inst, "enterprises", "use", "uses")
    yield from _refs(inst, "enterprises", "category", "categories")
    origin = _origin(inst, "enterprises")
    ids = ent.index
    use = _text(ent, "use")
    area = _numbers(ent, "area")
    uses = inst.uses[~inst.uses.index.duplicated()]
    known = pd.Index(uses.index).get_indexer(use) >= 0
    industrial = known & (uses["industrial"].reindex(use).to_numpy(dtype=object) == True)  # noqa: E712
    if not _unread(inst, "uses"):
        for pos in np.flatnonzero(known & ~industrial):
            yield Problem(f"{origin.row(pos)}, use", f"enterprise {show(ids[pos])} needs industrial land, "
                                                     f"but use {show(use[pos])} is not industrial")
    if not _unread(inst, "categories") and inst.conversion_category() is None:
        cost = np.nan_to_num(_numbers(ent, "cost"))
        rc = inst.relocation_costs
        override = pd.Series(np.nan_to_num(_numbers(rc, "cost")), index=_text(rc, "enterprise"))
        override = override.groupby(level=0).max().reindex(ids, fill_value=0.0).to_numpy()
        for pos in np.flatnonzero((_text(ent, "category") == "") & ((cost > 0) | (override > 0))):
            yield Problem(f"{origin.row(pos)}, category",
                          f"enterprise {show(ids[pos])} has a relocation cost but no category pays for it: "
                          "set its category, policy.conversion_category or define a 'park' category")
    if not any(_unread(inst, t) for t in ("uses", "parcels", "options")):
        required = ent["required"].to_numpy(dtype=object) == True  # noqa: E712
        opts = inst.options
        par_area = inst.parcels["area"][~inst.parcels.index.duplicated()]
        biggest = pd.Series(pd.to_numeric(par_area.reindex(opts["parcel"]), errors="coerce").to_numpy(),
                            index=opts["use"].to_numpy(dtype=object)).groupby(level=0).max()
        best = biggest.reindex(use).to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad = required & industrial & np.isfinite(area) & ~(best >= area)
        for pos in np.flatnonzero(bad):
            yield Problem(origin.row(pos), f"enterprise {show(ids[pos])} needs {area[pos]:g} mu of "
                                           f"{show(use[pos])} land: no parcel can host it")
    periods = getattr(inst, "periods", None)
    if isinstance(periods, pd.DataFrame) and len(periods) and not _unread(inst, "periods"):
        by = _text(ent, "by_period")
        for pos in np.flatnonzero((by != "") & ~pd.Index(by).isin(periods.index)):
            yield Problem(f"{origin.row(pos)}, by_period", f"unknown period {show(by[pos])}")


def check_relocation_costs(inst: Instance) -> Iterator[Problem]:
    """Relocation costs name known enterprises and parcels, each pair once."""
    rc = inst.relocation_costs
    if not len(rc):
        return
    yield from _refs(inst, "relocation_costs", "enterprise", "enterprises")
    yield from _refs(inst, "relocation_costs", "parcel", "parcels")
    given = _given(rc["enterprise"]) & _given(rc["parcel"])
    dup = rc.duplicated(["enterprise", "parcel"]).to_numpy() & given
    origin = _origin(inst, "relocation_costs")
    for pos in np.flatnonzero(dup):
        yield Problem(origin.row(pos), f"duplicate relocation cost "
                                       f"({show(rc['enterprise'].iloc[pos])}, {show(rc['parcel'].iloc[pos])})")


def check_has_rows(inst: Instance) -> Iterator[Problem]:
    """The required tables are not empty."""
    for table in ("uses", "parcels", "options"):
        if len(getattr(inst, table)) == 0 and not _unread(inst, table):
            yield Problem(_top(inst, table), "table has no rows")


# ---- periods (optional) ------------------------------------------------------------
_PERIOD_COLUMNS = (("parcels", "period"), ("projects", "period"), ("projects", "earliest"),
                   ("projects", "recycle_from"), ("sources", "available_from"),
                   ("sources", "available_until"))


def check_period_refs(inst: Instance) -> Iterator[Problem]:
    """Period columns and the per-period tables name known periods, projects,
    resources and sources; without a `periods` table they must be empty."""
    if not len(inst.periods):
        for table, column in _PERIOD_COLUMNS:
            frame = getattr(inst, table)
            if column in frame.columns and _given(frame[column]).any():
                pos = int(np.flatnonzero(_given(frame[column]))[0])
                yield Problem(f"{_origin(inst, table).row(pos)}, {column}",
                              "names a period, but the instance has no 'periods' table")
        for table in ("project_costs", "period_caps", "draw_limits"):
            if len(getattr(inst, table)):
                yield Problem(_top(inst, table), "needs a 'periods' table")
        return
    for table, column in _PERIOD_COLUMNS:
        if column in getattr(inst, table).columns:
            yield from _refs(inst, table, column, "periods")
    yield from _refs(inst, "project_costs", "project", "projects")
    yield from _refs(inst, "period_caps", "resource", "resources")
    yield from _refs(inst, "period_caps", "period", "periods")
    yield from _refs(inst, "draw_limits", "source", "sources")
    yield from _refs(inst, "draw_limits", "period", "periods")


MAX_TENOR = 100  # periods: a repayment schedule is an array this long


def check_loan_terms(inst: Instance) -> Iterator[Problem]:
    """A grace period is shorter than the tenor; with periods, every loan or bond
    (a debt source) has a tenor, so that what is borrowed is repaid."""
    src = inst.sources
    if not len(src) or "tenor" not in src:
        return
    origin = _origin(inst, "sources")
    tenors = [int(v or 0) for v in src["tenor"]]
    graces = [int(v or 0) for v in src["grace"]]
    if not any(tenors) and not any(graces) and not len(inst.periods):
        return  # nothing to repay within the model, nothing to check
    debt = inst.source_roles()["debt"]
    kinds, exits = src["kind"].tolist(), [float(v or 0) for v in src["exit_share"]]
    for pos, (sid, tenor, grace) in enumerate(zip(src.index, tenors, graces)):
        if tenor > MAX_TENOR:  # found by tests/test_hostile.py: a 1e15 tenor sized the repayment schedule
            yield Problem(f"{origin.row(pos)}, tenor", f"must be at most {MAX_TENOR} periods, not {tenor:,}")
            continue
        if tenor > 0 and grace >= tenor:
            yield Problem(f"{origin.row(pos)}, grace", f"grace {grace} must be shorter than tenor {tenor}")
        if len(inst.periods) and debt[pos] and tenor == 0:
            yield Problem(f"{origin.row(pos)}, tenor",
                          f"source {show(sid)} is a loan or bond: give its tenor (periods to repay it)")
        if len(inst.periods) and kinds[pos] == "equity" and exits[pos] > 0 and tenor == 0:
            yield Problem(f"{origin.row(pos)}, tenor",
                          f"source {show(sid)} has an exit share: give its tenor (periods until the exit)")


def check_project_schedules(inst: Instance) -> Iterator[Problem]:
    """Scheduled costs add up to the project's cost, and a mandatory project can be
    completed within the periods."""
    if not len(inst.periods):
        return
    periods = list(inst.periods.index)
    costs = inst.project_costs
    proj = inst.projects
    sums = costs.groupby("project")["cost"].sum() if len(costs) else pd.Series(dtype=float)
    last = costs.groupby("project")["offset"].max() if len(costs) else pd.Series(dtype=float)
    origin = _origin(inst, "projects")
    for pos, (pid, row) in enumerate(proj.iterrows()):
        if pid in sums.index and abs(float(sums[pid]) - float(row["cost"])) > 1e-9 * max(1.0, float(row["cost"])):
            yield Problem(f"{origin.row(pos)}, cost",
                          f"project {show(pid)} costs {float(row['cost']):g} but its project_costs add up to "
                          f"{float(sums[pid]):g}")
        first = row.get("period") if isinstance(row.get("period"), str) else row.get("earliest")
        start = periods.index(first) if isinstance(first, str) and first in periods else 0
        if bool(row["mandatory"]) and start + int(last.get(pid, 0)) > len(periods) - 1:
            yield Problem(origin.row(pos), f"mandatory project {show(pid)} cannot be completed within the "
                                           f"{len(periods)} periods")


def check_period_windows(inst: Instance) -> Iterator[Problem]:
    """A source's window is ordered; draw limits have min <= max."""
    if not len(inst.periods):
        return
    periods = list(inst.periods.index)
    src = inst.sources
    origin = _origin(inst, "sources")
    for pos, (sid, row) in enumerate(src.iterrows()):
        a, b = row.get("available_from"), row.get("available_until")
        if isinstance(a, str) and isinstance(b, str) and a in periods and b in periods \
                and periods.index(a) > periods.index(b):
            yield Problem(f"{origin.row(pos)}, available_from",
                          f"available_from {show(a)} is after available_until {show(b)}")
    lim = inst.draw_limits
    origin = _origin(inst, "draw_limits")
    for pos, (lo, hi) in enumerate(zip(lim["min"], lim["max"])):
        if hi is not None and not pd.isna(hi) and lo is not None and float(lo) > float(hi):
            yield Problem(origin.row(pos), f"min {float(lo):g} is above max {float(hi):g}")


_NUMBER_COLUMNS = {table: [n for n, f in schema.items() if f.kind == "num"] for table, schema in TABLES.items()}


def check_number_limits(inst: Instance) -> Iterator[Problem]:
    """Every number within the input limit (optim/limits.py), also after a scenario
    scaled it or a DataFrame was edited in memory (the loader checks each cell it reads)."""
    for table, numeric in _NUMBER_COLUMNS.items():
        frame = getattr(inst, table, None)
        if not isinstance(frame, pd.DataFrame) or not len(frame):
            continue
        cols = [n for n in numeric if n in frame.columns]
        if table == "options":
            cols += [r for r in inst.resources.index if isinstance(r, str) and r in frame.columns]
        numbers = [_table_numbers(inst, table, col) for col in cols]
        with np.errstate(invalid="ignore"):  # missing numbers (NaN) are not over
            over = [np.flatnonzero(np.abs(values) > MAX_NUMBER) for values in numbers]
        origin = _origin(inst, table)
        for col, values, at in zip(cols, numbers, over):
            for pos in at[:MAX_LISTED_PER_COLUMN]:
                yield Problem(f"{origin.row(int(pos))}, {col}", number_problem(float(values[pos])))
    for key, obj in (("policy", inst.policy), ("eod", inst.eod)):
        for name, f in MAPPINGS[key].items():
            value = getattr(obj, name, None) if obj is not None else None
            if f.kind == "num" and isinstance(value, (int, float)) and (msg := number_problem(float(value))):
                yield Problem(_top(inst, f"{key}.{name}"), msg)


def check_solver_options(inst: Instance) -> Iterator[Problem]:
    """solver.threads and solver.seed within what HiGHS takes (optim/limits.py)."""
    for key, top in (("threads", MAX_THREADS), ("seed", MAX_SEED)):
        value = inst.solver.get(key)
        if value is not None and not 0 <= value <= top:
            yield Problem(_top(inst, f"solver.{key}"), f"must be at most {top:,}, not {value:,}")


CHECKS: list[Check] = [
    check_has_rows,
    check_period_refs,
    check_loan_terms,
    check_project_schedules,
    check_period_windows,
    check_parcel_uses,
    check_option_refs,
    check_option_duplicates,
    check_parcels_have_options,
    check_resource_ids,
    check_project_categories,
    check_source_categories,
    check_categories_given,
    check_objective_counts,
    check_source_tickets,
    check_policy_refs,
    check_conversion_category,
    check_area_bounds,
    check_coordinates,
    check_parcel_locks,
    check_source_draws,
    check_enterprises,
    check_relocation_costs,
    check_adjacency,
    check_compatibility,
    check_number_limits,
    check_solver_options,
]


def run_checks(inst: Instance) -> list[Problem]:
    """Run every named check; all problems, in order."""
    problems: list[Problem] = []
    token = _MEMO.set({})
    try:
        for check in CHECKS:
            problems.extend(check(inst))
    finally:
        _MEMO.reset(token)
    return problems


# ---- warnings: accepted, but the model does something the file does not say ----------------
def warn_default_weights(inst: Instance) -> Iterator[Problem]:
    """objective.weights not given: land income alone is maximised."""
    if "objective.weights.land_income" not in inst.defaults:
        return
    if set(inst.objective.weights) <= {"land_income"}:
        yield Problem(_top(inst, "objective.weights"),
                      "not given: the plan maximises land income alone (weight 1 on land_income, 0 on "
                      f"{', '.join(t for t in TERMS if t != 'land_income')}); give the weights you mean")
    else:
        yield Problem(_top(inst, "objective.weights.land_income"),
                      "not given: land income counts with weight 1 (the default); give it, 0 to leave it out")


def warn_land_income_to_own_funds(inst: Instance) -> Iterator[Problem]:
    """policy.land_income_to_own_funds not given while land income could pay for costs."""
    if "policy.land_income_to_own_funds" not in inst.defaults or inst.policy.land_income_to_own_funds == 0:
        return
    income = (_numbers(inst.options, "land_income") > 0).any()
    costs = (_numbers(inst.projects, "cost") > 0).any() or (_numbers(inst.options, "conversion_cost") > 0).any() \
        or (inst.has_enterprises and (_numbers(inst.enterprises, "cost") > 0).any())
    if income and costs:
        yield Problem(_top(inst, "policy.land_income_to_own_funds"),
                      "not given: every yuan of land income the plan keeps counts as own funds (the default 1) and "
                      "pays for costs without any source being drawn; give the share the zone may spend on the "
                      "park (0 keeps land income out of the funding)")


def warn_current_use_not_an_option(inst: Instance) -> Iterator[Problem]:
    """A parcel whose current use is not among its options must change use, and no
    land income counts as forgone by the change (there is no current-use income)."""
    if _unread(inst, "options") or _unread(inst, "parcels") or not len(inst.parcels):
        return
    par = inst.parcels
    parcel = _positions(inst, "options", "parcel", "parcels")
    uses = inst.uses.index
    if not uses.is_unique:
        return
    current = uses.get_indexer(par["current_use"])
    use = uses.get_indexer(inst.options["use"])
    mine = (parcel >= 0) & (use >= 0)
    has_current = np.zeros(len(par), dtype=bool)
    has_current[parcel[mine][use[mine] == current[parcel[mine]]]] = True
    bad = np.flatnonzero(~has_current & (current >= 0) & (np.bincount(parcel[parcel >= 0], minlength=len(par)) > 0))
    origin = _origin(inst, "parcels")
    for pos in bad[:MAX_LISTED_PER_COLUMN]:
        yield Problem(origin.row(pos), f"current use {show(par['current_use'].iloc[pos])} of parcel "
                                       f"{show(par.index[pos])} is not among its options: the plan must change "
                                       "its use, and no land income counts as forgone by the change")
    if len(bad) > MAX_LISTED_PER_COLUMN:
        yield Problem(_top(inst, "parcels"), f"{len(bad) - MAX_LISTED_PER_COLUMN:,} more parcels whose current "
                                             "use is not among their options")


WARNINGS: list[Check] = [
    warn_default_weights,
    warn_land_income_to_own_funds,
    warn_current_use_not_an_option,
]


def input_warnings(inst: Instance) -> list[Problem]:
    """What the model will do that the instance does not say: defaults that change
    the plan and rows taken in a way the file may not mean. Accepted input, but
    `optim validate` and `optim solve` print each as ``warning: PLACE: MESSAGE``."""
    out: list[Problem] = []
    token = _MEMO.set({})
    try:
        for warn in WARNINGS:
            out.extend(warn(inst))
    finally:
        _MEMO.reset(token)
    return out
