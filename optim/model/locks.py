"""Locks and bounds per parcel and per source (docs/model.md, "Locks and bounds").

Parcels (column `lock` of the parcels table):

- ``out``: the parcel keeps its current use: v_use[i, cur_i] is fixed to 1 and
  the parcel's other options to 0;
- ``in``: the parcel must be rezoned: v_use[i, cur_i] is fixed to 0 (a parcel
  whose current use is not an option is rezoned anyway).

Only column bounds change, no rows. (`policy.locked_uses`, which fixes a parcel
to one named use, is applied in `optim.model.core.define_variables`.)

Sources (columns `lock`, `min_draw`, `max_draw` of the sources table):

- ``lock: out``: the source draws nothing: the upper bounds of its v_draw[s, c]
  (and of v_open[s] if it is switched) are 0;
- ``lock: in``: the source must be used: v_open[s] is fixed to 1 for a switched
  source (its minimum ticket and fixed cost then apply); an unswitched source
  has no on/off decision, so its lock adds nothing beyond its `min_draw`;
- ``source_min_draw_ge[s]``: d_s >= min_draw_s (sources with min_draw > 0);
- ``source_max_draw_le[s]``: d_s <= max_draw_s (sources with a max_draw).

Each function takes the `Formulation` and the `ModelData`; `draw_bounds` gives the
bounds as a table so that bounds per period can be added beside them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import ModelData
from .families import FamilySpec, Price
from .formulation import INF, Expr, Formulation

PARCEL_LOCKS = FamilySpec(
    "parcel_locks", "parcel locks", "lock of parcel {0}", kind="bound", noun="parcel",
    math="lock out: v_use[i,cur_i] = 1; lock in: v_use[i,cur_i] = 0 (column bounds)")
SOURCE_LOCKS = FamilySpec(
    "source_locks", "source locks", "lock of source {0}", kind="bound", quantity="money",
    math="lock out: v_draw[s,c] <= 0, v_open[s] <= 0; lock in: v_open[s] >= 1 (column bounds)")


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A text column as an object array; "" where missing or if there is no such column."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    values = frame[column].to_numpy(dtype=object)
    return np.where(pd.isna(values), "", values).astype(object)


def parcel_lock_bounds(d: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """Options fixed to 1 and options fixed to 0 by the parcels' `lock` column
    (positions in `d.options`)."""
    lock = _text(d.inst.parcels, "lock")
    if not (lock != "").any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lock_of_option = lock[d.parcel_of_option]
    current = ~d.rezoning
    out = lock_of_option == "out"
    fix_one = np.flatnonzero(out & current)
    fix_zero = np.flatnonzero((out & ~current) | ((lock_of_option == "in") & current))
    return fix_one, fix_zero


def apply_locks(f: Formulation, d: ModelData) -> None:
    """Fix the bounds of the locked columns: v_use of locked parcels (`out`: the
    current use 1, the others 0; `in`: the current use 0), v_draw and v_open of
    sources locked `out` (upper 0), v_open of switched sources locked `in` (lower 1)."""
    fix_one, fix_zero = parcel_lock_bounds(d)
    use = f.groups["v_use"]
    use.lower[fix_one] = 1.0
    use.upper[fix_zero] = 0.0
    lock = _text(d.sources, "lock")
    if not (lock != "").any():
        return
    lock = pd.Series(lock, index=d.sources.index, dtype=object)
    out = set(lock.index[lock == "out"])
    draw = f.groups["v_draw"]
    draw.upper[d.pairs["source"].isin(out).to_numpy()] = 0.0
    opened = f.groups["v_open"]
    sw_lock = lock.reindex(d.switched).to_numpy(dtype=object)
    opened.upper[sw_lock == "out"] = 0.0
    opened.lower[sw_lock == "in"] = 1.0


def draw_bounds(sources: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the total drawn per source: `min_draw` (0 if none) and `max_draw`
    (NaN if none), one per source."""
    n = len(sources)
    lo = sources["min_draw"].to_numpy(dtype=float) if "min_draw" in sources.columns else np.zeros(n)
    hi = sources["max_draw"].to_numpy(dtype=float) if "max_draw" in sources.columns else np.full(n, np.nan)
    return np.nan_to_num(lo, nan=0.0), hi


SOURCE_MIN_DRAW = FamilySpec(
    "source_min_draw_ge", "minimum draws", "minimum draw of source {0}", quantity="money", relax="lower",
    shortfall=lambda r: (f"source {r.label} cannot reach its minimum draw of {r.money(r.lower)}: "
                         f"short by {r.money(r.amount)}"),
    price=Price("one yuan less of {m}'s minimum draw"), bound="sources.{0}.min_draw", math="d_s >= D_s^min")
SOURCE_MAX_DRAW = FamilySpec(
    "source_max_draw_le", "maximum draws", "maximum draw of source {0}", quantity="money", relax="upper",
    shortfall=lambda r: (f"source {r.label} must draw {r.money(r.amount)} more than its maximum draw of "
                         f"{r.money(r.upper)}"),
    price=Price("one more yuan of {m}'s maximum draw"), bound="sources.{0}.max_draw", math="d_s <= D_s^max")


def define_draw_bounds(f: Formulation, d: ModelData) -> None:
    """source_min_draw_ge[s]: d_s >= min_draw_s (min_draw_s > 0);
    source_max_draw_le[s]: d_s <= max_draw_s (max_draw_s given, s has eligible
    pairs), with d_s = sum_c v_draw[s,c]."""
    lo, hi = draw_bounds(d.sources)
    ids = d.sources.index
    if not ((lo > 0) | ~np.isnan(hi)).any():
        return
    pair_src = d.pairs["source"].to_numpy()
    drawn = {s: Expr.of(f.col("v_draw", np.flatnonzero(pair_src == s)), 1.0) for s in ids}
    mins = np.flatnonzero(lo > 0)
    if len(mins):
        f.add_rows(SOURCE_MIN_DRAW, list(ids[mins]), [drawn[ids[k]] for k in mins], lo[mins] / d.money, INF,
                   unit=d.money)
    maxs = np.array([k for k in np.flatnonzero(~np.isnan(hi)) if len(drawn[ids[k]].cols)], dtype=np.int64)
    if len(maxs):
        f.add_rows(SOURCE_MAX_DRAW, list(ids[maxs]), [drawn[ids[k]] for k in maxs], -INF, hi[maxs] / d.money,
                   unit=d.money)
