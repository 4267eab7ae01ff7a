"""The Pyomo view of the model and the Pyomo backend (imported only when asked for).

The model as a Pyomo `ConcreteModel`, built from the same rows as the HiGHS path.

`to_pyomo(formulation)` gives one Pyomo `Var` per variable group (`v_use`
indexed by (parcel, use), `v_draw` by (source, category), ...), one
`Constraint` per family (`parcel_use_eq` indexed by parcel, ...) and the
objective. Use it to inspect the model, write it with Pyomo's writers
(`model.write("plan.lp")`), add constraints of your own, or solve it with any
Pyomo solver; `compile_pyomo` passes it to HiGHS through Pyomo's
`LinearStandardFormCompiler`.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from .model.formulation import Formulation
from .highs import Compiled


def to_pyomo(f: Formulation) -> pyo.ConcreteModel:
    """A Pyomo model with the variables, rows and objective of `f`.

    `model._optim_columns` lists the Pyomo variables in the formulation's
    column order.
    """
    with PauseGC():
        m = pyo.ConcreteModel(name=f.name)
        columns: list = []
        for g in f.groups.values():
            index = list(g.labels)
            var = pyo.Var(index, domain=pyo.Binary if g.integer else pyo.Reals, dense=True)
            m.add_component(g.name, var)
            datas = [var[k] for k in index]
            for v, lo, hi in zip(datas, g.lower, g.upper):
                v.setlb(None if np.isneginf(lo) else float(lo))
                v.setub(None if np.isposinf(hi) else float(hi))
            columns.extend(datas)
        for fam in f.families.values():
            order = np.argsort(fam.row, kind="stable")
            bounds = np.searchsorted(fam.row[order], np.arange(fam.size + 1))
            cols, coefs = fam.col[order], fam.coef[order]

            def body(k, cols=cols, coefs=coefs, bounds=bounds):
                a, b = bounds[k], bounds[k + 1]
                return LinearExpression(constant=0, linear_coefs=coefs[a:b].tolist(),
                                        linear_vars=[columns[c] for c in cols[a:b]])

            def bound(x):
                return None if np.isinf(x) else float(x)

            if fam.size == 1 and fam.labels[0] is None:
                con = pyo.Constraint(expr=pyo.inequality(bound(fam.lower[0]), body(0), bound(fam.upper[0]))
                                     if fam.lower[0] != fam.upper[0] else body(0) == float(fam.lower[0]))
            else:
                labels = list(fam.labels)
                pos = {label: k for k, label in enumerate(labels)}

                def rule(_, *label, fam=fam, pos=pos, body=body, bound=bound):
                    k = pos[label[0] if len(label) == 1 else label]
                    if fam.lower[k] == fam.upper[k]:
                        return body(k) == float(fam.lower[k])
                    return pyo.inequality(bound(fam.lower[k]), body(k), bound(fam.upper[k]))

                con = pyo.Constraint(labels, rule=rule)
            m.add_component(fam.name, con)
        obj = f.objective
        m.objective = pyo.Objective(
            expr=LinearExpression(constant=f.objective_offset, linear_coefs=obj.coefs.tolist(),
                                  linear_vars=[columns[c] for c in obj.cols]),
            sense=pyo.maximize if f.maximize else pyo.minimize)
        m._optim_columns = columns
    return m


def compile_pyomo(model: pyo.ConcreteModel) -> tuple[Compiled, np.ndarray]:
    """Compile a Pyomo model with Pyomo's `LinearStandardFormCompiler` (mixed form).

    Returns the compiled model and, for each HiGHS column, its position in
    `model._optim_columns` (the formulation's column order), or -1.
    """
    with PauseGC():
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        obj = info.objectives[0]
        n_col = len(info.columns)
        inf = float("inf")
        lower = np.array([-inf if v.lb is None else v.lb for v in info.columns], dtype=float)
        upper = np.array([inf if v.ub is None else v.ub for v in info.columns], dtype=float)
        integer = np.array([v.is_integer() for v in info.columns], dtype=bool)
        sense = np.array([s for _, s in info.rows], dtype=int)
        rhs = np.asarray(info.rhs, dtype=float)
        row_lower = np.where(sense >= 0, np.where(sense == 0, rhs, -inf), rhs)
        row_upper = np.where(sense <= 0, np.where(sense == 0, rhs, inf), rhs)
        A = info.A.tocsc()
        cost = info.c.toarray()[0] if n_col else np.zeros(0)
        offset = float(info.c_offset[0]) if len(info.c_offset) else 0.0
        compiled = Compiled.of(cost, offset, obj.sense == pyo.maximize, lower, upper, integer,
                               row_lower, row_upper, A.indptr, A.indices, A.data)
        position = {id(v): k for k, v in enumerate(getattr(model, "_optim_columns", []))}
        cols = np.array([position.get(id(v), -1) for v in info.columns], dtype=np.int64)
    return compiled, cols
