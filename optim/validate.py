"""Cross-checks of a typed instance: small named checks, each returning problems.

Types, required fields and value ranges are checked while reading (`optim.io`);
the checks here look across tables: references, duplicates, consistency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import InstanceError, Problem
from .instance import Instance, Origin

Check = Callable[[Instance], Iterator[Problem]]


def _origin(inst: Instance, table: str) -> Origin:
    return inst.origins.get(table) or Origin(inst.path.name if inst.path else "<instance>", table)


def _top(inst: Instance, key: str) -> str:
    return f"{inst.path.name if inst.path else '<instance>'}: {key}"


def _refs(inst: Instance, table: str, column: str, target: str) -> Iterator[Problem]:
    frame = getattr(inst, table)
    known = set(getattr(inst, target).index)
    values = frame[column] if column in frame.columns else frame.index.to_series()
    for pos, value in enumerate(values):
        if value is not None and value not in known:
            yield Problem(f"{_origin(inst, table).row(pos)}, {column}",
                          f"unknown {target[:-1] if target != 'categories' else 'category'} {value!r}")


def check_parcel_uses(inst: Instance) -> Iterator[Problem]:
    """Every parcel's current use is a known land use."""
    yield from _refs(inst, "parcels", "current_use", "uses")


def check_option_refs(inst: Instance) -> Iterator[Problem]:
    """Options name known parcels and existing uses."""
    yield from _refs(inst, "options", "parcel", "parcels")
    yield from _refs(inst, "options", "use", "uses")


def check_option_duplicates(inst: Instance) -> Iterator[Problem]:
    """At most one option per (parcel, use)."""
    dup = inst.options.duplicated(subset=["parcel", "use"])
    for pos in dup[dup].index:
        row = inst.options.iloc[pos] if pos < len(inst.options) else None
        if row is not None:
            yield Problem(_origin(inst, "options").row(pos),
                          f"duplicate option ({row['parcel']!r}, {row['use']!r})")


def check_parcels_have_options(inst: Instance) -> Iterator[Problem]:
    """Each parcel has at least one allowed use."""
    with_options = set(inst.options["parcel"])
    for pos, pid in enumerate(inst.parcels.index):
        if pid not in with_options:
            yield Problem(_origin(inst, "parcels").row(pos),
                          f"parcel {pid!r} has no allowed use in the options table")


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
    known = set(inst.categories.index)
    for pos, (sid, cats) in enumerate(inst.sources["categories"].items()):
        for c in cats or []:
            if c not in known:
                yield Problem(f"{_origin(inst, 'sources').row(pos)}, categories",
                              f"source {sid!r} names unknown category {c!r}")


def check_source_tickets(inst: Instance) -> Iterator[Problem]:
    """A source's minimum ticket does not exceed its cap."""
    for pos, (sid, row) in enumerate(inst.sources.iterrows()):
        if row["min_ticket"] is not None and row["cap"] is not None and row["min_ticket"] > row["cap"]:
            yield Problem(f"{_origin(inst, 'sources').row(pos)}, min_ticket",
                          f"minimum ticket {row['min_ticket']:g} of source {sid!r} exceeds its cap {row['cap']:g}")


def check_policy_refs(inst: Instance) -> Iterator[Problem]:
    """Policy names known categories, parcels and uses; locks are allowed options."""
    pol = inst.policy
    cats = set(inst.categories.index)
    for c in pol.coverage_scope or []:
        if c not in cats:
            yield Problem(_top(inst, "policy.coverage_scope"), f"unknown category {c!r}")
    if pol.conversion_category is not None and pol.conversion_category not in cats:
        yield Problem(_top(inst, "policy.conversion_category"),
                      f"unknown category {pol.conversion_category!r}")
    allowed = set(zip(inst.options["parcel"], inst.options["use"]))
    for parcel, use in pol.locked_uses.items():
        where = _top(inst, f"policy.locked_uses.{parcel}")
        if parcel not in inst.parcels.index:
            yield Problem(where, f"unknown parcel {parcel!r}")
        elif use not in inst.uses.index:
            yield Problem(where, f"unknown use {use!r}")
        elif (parcel, use) not in allowed:
            yield Problem(where, f"use {use!r} is not an allowed option of parcel {parcel!r}")


def check_conversion_category(inst: Instance) -> Iterator[Problem]:
    """Conversion costs have a category to be paid from."""
    if inst.conversion_category() is None and (inst.options["conversion_cost"].fillna(0) > 0).any():
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
        if len(getattr(inst, table)) == 0:
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
    for check in CHECKS:
        problems.extend(check(inst))
    return problems


def validate(source: Instance | str | Path) -> list[Problem]:
    """Problems of an instance or instance file; an empty list means valid."""
    from .io import load

    try:
        inst = load(source) if isinstance(source, (str, Path)) else source
    except InstanceError as exc:
        return exc.problems
    return run_checks(inst)
