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
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InstanceError, Problem
from .instance import Instance, Origin

Check = Callable[[Instance], Iterator[Problem]]

_SINGULAR = {"uses": "use", "parcels": "parcel", "categories": "category",
             "resources": "resource", "projects": "project", "sources": "source"}


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


def _given(values: pd.Series) -> np.ndarray:
    """Mask of the values that are present (not None/NaN)."""
    return values.notna().to_numpy()


# Positions of a column's values in another table's ids, shared by the checks of one
# `run_checks` call (on large tables, finding them costs more than the checks).
_MEMO: ContextVar[dict | None] = ContextVar("optim_validate_memo", default=None)


def _positions(inst: Instance, table: str, column: str, target: str) -> np.ndarray:
    """Position of each value of `table[column]` among the ids of `target`; -1 if
    it is not one of them (or is missing)."""
    memo = _MEMO.get()
    key = (table, column, target)
    if memo is not None and key in memo:
        return memo[key]
    frame = getattr(inst, table)
    values = frame[column] if column in frame.columns else frame.index.to_series()
    ids = getattr(inst, target).index
    if not ids.is_unique:  # duplicate ids are reported while reading
        ids = pd.Index(ids.dropna().unique())
    pos = ids.get_indexer(values)
    pos[~_given(values)] = -1
    if memo is not None:
        memo[key] = pos
    return pos


def _refs(inst: Instance, table: str, column: str, target: str) -> Iterator[Problem]:
    if _unread(inst, target):
        return
    frame = getattr(inst, table)
    values = frame[column] if column in frame.columns else frame.index.to_series()
    bad = _given(values) & (_positions(inst, table, column, target) < 0)
    origin = _origin(inst, table)
    for pos in np.flatnonzero(bad):
        yield Problem(f"{origin.row(pos)}, {column}", f"unknown {_SINGULAR[target]} {values.iloc[pos]!r}")


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
        yield Problem(origin.row(pos), f"duplicate option ({row['parcel']!r}, {row['use']!r})")


def check_parcels_have_options(inst: Instance) -> Iterator[Problem]:
    """Each parcel has at least one allowed use."""
    if _unread(inst, "options"):
        return
    ids = inst.parcels.index.to_series()
    if ids.is_unique:
        parcel = _positions(inst, "options", "parcel", "parcels")
        bad = np.bincount(parcel[parcel >= 0], minlength=len(ids)) == 0
    else:
        bad = ~ids.isin(inst.options["parcel"]).to_numpy()
    bad &= _given(ids)
    origin = _origin(inst, "parcels")
    for pos in np.flatnonzero(bad):
        yield Problem(origin.row(pos), f"parcel {ids.iloc[pos]!r} has no allowed use in the options table")


def check_resource_ids(inst: Instance) -> Iterator[Problem]:
    """Resource ids do not clash with the options table's own columns."""
    from .schema import TABLES

    for pos, rid in enumerate(inst.resources.index):
        if rid in TABLES["options"]:
            yield Problem(_origin(inst, "resources").row(pos),
                          f"resource id {rid!r} clashes with an options column of that name")


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
                              f"source {sid!r} names unknown category {c!r}")


def check_source_tickets(inst: Instance) -> Iterator[Problem]:
    """A source's minimum ticket does not exceed its cap."""
    src = inst.sources
    ticket = pd.to_numeric(src["min_ticket"], errors="coerce").to_numpy(dtype=float)
    cap = pd.to_numeric(src["cap"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = ticket > cap  # False where either is missing
    for pos in np.flatnonzero(bad):
        yield Problem(f"{_origin(inst, 'sources').row(pos)}, min_ticket",
                      f"minimum ticket {ticket[pos]:g} of source {src.index[pos]!r} "
                      f"exceeds its cap {cap[pos]:g}")


def check_policy_refs(inst: Instance) -> Iterator[Problem]:
    """Policy names known categories, parcels and uses; locks are allowed options."""
    pol = inst.policy
    cats = set(inst.categories.index)
    if not _unread(inst, "categories"):
        for c in pol.coverage_scope or []:
            if c not in cats:
                yield Problem(_top(inst, "policy.coverage_scope"), f"unknown category {c!r}")
        if pol.conversion_category is not None and pol.conversion_category not in cats:
            yield Problem(_top(inst, "policy.conversion_category"),
                          f"unknown category {pol.conversion_category!r}")
    if not pol.locked_uses or any(_unread(inst, t) for t in ("parcels", "uses", "options")):
        return
    opts = inst.options
    locked = pd.MultiIndex.from_tuples(list(pol.locked_uses.items()))
    allowed = locked.isin(pd.MultiIndex.from_arrays([opts["parcel"], opts["use"]]))
    for (parcel, use), ok in zip(pol.locked_uses.items(), allowed):
        where = _top(inst, f"policy.locked_uses.{parcel}")
        if parcel not in inst.parcels.index:
            yield Problem(where, f"unknown parcel {parcel!r}")
        elif use not in inst.uses.index:
            yield Problem(where, f"unknown use {use!r}")
        elif not ok:
            yield Problem(where, f"use {use!r} is not an allowed option of parcel {parcel!r}")


def check_conversion_category(inst: Instance) -> Iterator[Problem]:
    """Conversion costs have a category to be paid from."""
    if _unread(inst, "categories"):
        return
    costs = pd.to_numeric(inst.options["conversion_cost"], errors="coerce").fillna(0)
    if inst.conversion_category() is None and (costs > 0).any():
        yield Problem(_top(inst, "policy.conversion_category"),
                      "options have conversion costs but no category pays for them: "
                      "set policy.conversion_category or define a 'park' category")


def check_area_bounds(inst: Instance) -> Iterator[Problem]:
    """Industrial-area bounds are ordered."""
    lo, hi = inst.policy.min_industrial_area, inst.policy.max_industrial_area
    if lo is not None and hi is not None and lo > hi:
        yield Problem(_top(inst, "policy.min_industrial_area"),
                      f"min_industrial_area {lo:g} is above max_industrial_area {hi:g}")


def check_has_rows(inst: Instance) -> Iterator[Problem]:
    """The required tables are not empty."""
    for table in ("uses", "categories", "parcels", "options"):
        if len(getattr(inst, table)) == 0 and not _unread(inst, table):
            yield Problem(_top(inst, table), "table has no rows")


CHECKS: list[Check] = [
    check_has_rows,
    check_parcel_uses,
    check_option_refs,
    check_option_duplicates,
    check_parcels_have_options,
    check_resource_ids,
    check_project_categories,
    check_source_categories,
    check_source_tickets,
    check_policy_refs,
    check_conversion_category,
    check_area_bounds,
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


def validate(source: Instance | str | Path) -> list[Problem]:
    """Problems of an instance or instance file; an empty list means valid."""
    from .io import load

    try:
        inst = load(source) if isinstance(source, (str, Path)) else source
    except InstanceError as exc:
        return exc.problems
    return run_checks(inst)
