"""Reading one row of a built model back from its formulation (for the tests of
the compiled rows: test_model, test_relocation, test_adjacency)."""

from __future__ import annotations

import pytest

MONEY_VARS = {"v_draw", "v_own"}  # variables measured in the model's money unit


def row(model, family, label=None, *, in_yuan=True):
    """{(group, label): coefficient}, lower, upper of one row. With `in_yuan`, a
    money row (stated in units of `fam.unit` yuan) is read back in yuan:
    coefficients of decisions and the bounds are multiplied by the unit (money
    variables are in that unit already) and the coefficients are compared
    approximately; without it the raw coefficients and bounds are returned."""
    f = model.formulation
    (r,) = f.rows_of(family, label)
    fam = f.families[family]
    k = r - fam.start
    mask = fam.row == k
    coefs: dict = {}
    for col, coef in zip(fam.col[mask], fam.coef[mask]):
        g, pos = f.group_of(int(col))
        key = (g.name, g.labels[pos])
        scale = 1.0 if (g.name in MONEY_VARS or not in_yuan) else fam.unit
        coefs[key] = coefs.get(key, 0.0) + float(coef) * scale
    if not in_yuan:
        return coefs, fam.lower[k], fam.upper[k]
    return ({k: pytest.approx(v) for k, v in coefs.items() if v != 0},
            fam.lower[k] * fam.unit, fam.upper[k] * fam.unit)
