"""A bound on a model's optimum that holds whatever the LP solver's tolerances did.

For a maximisation `max c'x + offset` over `rl <= Ax <= ru`, `l <= x <= u`, any
vector `y` (one value per row) gives, for every feasible x,

    c'x = y'(Ax) + d'x,   d = c - A'y   (the reduced costs)
        <= sum_i max(y_i rl_i, y_i ru_i) + sum_j max(d_j l_j, d_j u_j),

the Neumaier-Shcherbina bound ("Safe bounds in linear and mixed-integer linear
programming", Math. Program. 99, 2004). It is valid for ANY y: the duals of an
LP solve make it tight, but nothing about them needs to be exact. A row whose
dual has the sign that needs an infinite side gets y_i = 0; a column whose
reduced cost has the sign that needs an infinite bound makes the bound
infinite (never wrong), which is why every column of the model has a finite
bound (optim/model/bounds.py). Integrality only removes points, so the bound
holds for the mixed-integer model too.

Floating point: `d` and the sums are computed in double precision, and the
bound adds a margin that covers their rounding error (the standard bound
gamma_k = k eps / (1 - k eps) on a sum or dot product of k terms), so the
figure returned is at least the exact value of the bound for the `y` given.
Everything is in the model's own (scaled) units, as HiGHS sees them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EPS = np.finfo(float).eps / 2  # unit roundoff of double precision


@dataclass
class SafeBound:
    """A bound on the optimum (model units, offset included): an upper bound for a
    maximisation, a lower bound for a minimisation; infinite when none holds.
    `unbounded_columns`: columns whose reduced cost needs an infinite bound;
    `margin`: what was added for rounding error."""

    value: float
    unbounded_columns: int
    margin: float

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.value))


def _gamma(k: np.ndarray | float) -> np.ndarray | float:
    """gamma_k = k eps / (1 - k eps): the relative error bound of k floating-point operations."""
    k = np.asarray(k, dtype=float)
    return k * EPS / (1.0 - k * EPS)


def safe_bound(compiled, y: np.ndarray) -> SafeBound:
    """The Neumaier-Shcherbina bound of `compiled` (an `optim.highs.Compiled`) from
    the row values `y` (e.g. HiGHS's row duals), with a margin for rounding."""
    sense = 1.0 if compiled.maximize else -1.0  # a minimisation is bounded as max -c'x
    c = sense * np.asarray(compiled.cost, dtype=float)
    y = sense * np.array(y, dtype=float, copy=True)
    y[~np.isfinite(y)] = 0.0
    rl, ru = compiled.row_lower, compiled.row_upper
    # a dual may only use a finite side: y_i > 0 needs ru_i, y_i < 0 needs rl_i
    y[(y > 0) & ~np.isfinite(ru)] = 0.0
    y[(y < 0) & ~np.isfinite(rl)] = 0.0
    side = np.where(y > 0, ru, np.where(y < 0, rl, 0.0))
    row_terms = y * side
    n = len(c)
    start = np.asarray(compiled.start, dtype=np.int64)
    index = np.asarray(compiled.index, dtype=np.int64)
    value = np.asarray(compiled.value, dtype=float)
    count = np.diff(start)
    col = np.repeat(np.arange(n), count)
    aty = np.bincount(col, weights=value * y[index], minlength=n)
    d = c - aty
    # |error of d_j| <= gamma_{k_j + 2} (|c_j| + sum_i |a_ij| |y_i|) (the magnitude itself rounded up)
    magnitude = np.abs(c) + np.bincount(col, weights=np.abs(value) * np.abs(y[index]), minlength=n)
    err = _gamma(count + 4) * magnitude * (1.0 + _gamma(count + 4))
    lo, hi = np.asarray(compiled.col_lower, dtype=float), np.asarray(compiled.col_upper, dtype=float)
    # max over x_j in [lo, hi] of d_j x_j, for every d_j in [d - err, d + err]
    up_needed = (d + err) > 0  # x_j may be pushed up: needs a finite upper bound
    down_needed = (d - err) < 0  # ... or down: needs a finite lower bound
    unbounded = (up_needed & ~np.isfinite(hi)) | (down_needed & ~np.isfinite(lo))
    if unbounded.any():
        return SafeBound(math.inf if sense > 0 else -math.inf, int(unbounded.sum()), 0.0)
    # the largest of d_j x_j over the corners of [d - err, d + err] x [lo, hi] (0 x inf = 0)
    col_terms = np.full(n, -np.inf)
    for dj in (d - err, d + err):
        for xj in (lo, hi):
            with np.errstate(invalid="ignore"):
                prod = np.where(dj == 0, 0.0, dj * xj)
            col_terms = np.maximum(col_terms, prod)
    terms = np.concatenate([row_terms, col_terms])
    total = math.fsum(terms.tolist())
    # each product rounded (eps), the sum exact to one rounding (fsum), with room to spare
    margin = float(_gamma(4) * np.abs(terms).sum() + 4 * EPS * abs(total))
    offset = sense * float(compiled.offset)
    bound = total + margin + offset
    bound += _gamma(2) * abs(bound)  # the two additions above
    return SafeBound(sense * bound, 0, margin)
