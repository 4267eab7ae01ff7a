"""The model's index sets and coefficients, computed from an instance first.

`prepare(inst) -> ModelData`: only the allowed (parcel, use) options and the
eligible (source, category) pairs exist; every define_* function of the model
reads its index sets and coefficient arrays from here, never from loops over
the instance. The optional parts keep their own index sets on it (`phasing`,
`relocation`, `adjacency`), computed when their families are defined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.instance import Instance

# A money value below this share of the money unit is the solver's noise, taken as 0
# (HiGHS's tolerances are 1e-7 in the model's units; a figure a thousandth of that is
# no decision). Above it, values are kept, rounded to the fen.
MONEY_NOISE = 1e-9


@dataclass
class ModelData:
    """Index sets and coefficient arrays computed from an instance."""

    inst: Instance
    options: pd.DataFrame  # allowed (parcel, use) pairs, whole-parcel figures, positional
    parcels: pd.Index
    parcel_of_option: np.ndarray  # parcel position of each option
    use_of_option: np.ndarray  # use position of each option (in the instance's uses)
    rezoning: np.ndarray  # bool per option: use != current use
    industrial: np.ndarray  # bool per option
    commercial_on_route: np.ndarray  # bool per option
    area: np.ndarray  # area of the option's parcel
    forgone: np.ndarray  # forgone income per option
    categories: list[str]
    projects: pd.DataFrame
    sources: pd.DataFrame  # with external/capital/debt resolved
    pairs: pd.DataFrame  # eligible (source, category)
    pair_source: np.ndarray  # source position of each pair (in `sources`)
    pair_category: np.ndarray  # category position of each pair (in `categories`)
    switched: list[str]  # sources with an on/off decision
    conversion_category: str | None
    scope: list[str]
    ecology: list[str]
    resources: pd.DataFrame
    money: float = 1.0  # money rows and money variables are in units of `money` yuan
    locked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    phasing: Any = None  # optim.model.phasing.PhaseData when the instance has periods
    relocation: Any = None  # optim.model.relocation.RelocationData, for instances with enterprises
    adjacency: Any = None  # optim.model.adjacency.Edges, for instances with an adjacency table
    need_max: np.ndarray | None = None  # the most each category can ever need (optim/model/bounds.py)
    source_bound: np.ndarray | None = None  # the most each source can draw as the rows state it (model units)


def prepare(inst: Instance, money: float | None = None) -> ModelData:
    """Compute the model's index sets and coefficient arrays from `inst`."""
    opts = inst.option_totals().reset_index(drop=True)
    figures = ["land_income", "output", "conversion_cost", "value", *inst.resource_ids]
    dtypes = dict(zip(opts.columns, opts.dtypes))
    if any(dtypes[col] != np.float64 for col in figures):
        opts = opts.astype({col: float for col in figures})
    parcels = inst.parcels.index
    parcel_of_option = positions(parcels, opts["parcel"])
    par = inst.parcels
    current = par["current_use"].to_numpy()[parcel_of_option]
    use = opts["use"].to_numpy()
    rezoning = use != current
    use_of_option = positions(inst.uses.index, use)
    industrial = inst.uses["industrial"].to_numpy(dtype=bool)[use_of_option]
    commercial = inst.uses["commercial"].to_numpy(dtype=bool)[use_of_option]
    route = par["route"].to_numpy(dtype=bool)[parcel_of_option]
    area = par["area"].to_numpy(dtype=float)[parcel_of_option]

    # forgone income: income of the parcel's current-use option minus this option's
    income = opts["land_income"].to_numpy()
    base = np.zeros(len(parcels))
    base[parcel_of_option[~rezoning]] = income[~rezoning]
    forgone = np.where(rezoning, np.maximum(0.0, base[parcel_of_option] - income), 0.0)
    locked = np.zeros(0, dtype=np.int64)
    if inst.policy.locked_uses:
        key = pd.MultiIndex.from_arrays([opts["parcel"], opts["use"]])
        locked = key.get_indexer(pd.MultiIndex.from_tuples(list(inst.policy.locked_uses.items())))

    sources = inst.source_flags()
    switched = [s for s, mt, fc in zip(sources.index.tolist(), sources["min_ticket"].tolist(),
                                       sources["fixed_cost"].tolist()) if mt > 0 or fc > 0]
    cats = inst.categories
    categories = cats.index.tolist()
    pairs = inst.eligible_pairs()
    return ModelData(
        inst=inst, options=opts, parcels=parcels, parcel_of_option=parcel_of_option, use_of_option=use_of_option,
        rezoning=rezoning, industrial=industrial, commercial_on_route=commercial & route,
        area=area, forgone=forgone, categories=categories, projects=inst.projects,
        sources=sources, pairs=pairs, pair_source=positions(sources.index, pairs["source"]),
        pair_category=positions(cats.index, pairs["category"]), switched=switched,
        conversion_category=inst.conversion_category(), scope=inst.coverage_scope(),
        ecology=[c for c, eco in zip(categories, cats["ecology"].to_numpy(dtype=bool)) if eco],
        resources=inst.resources, money=money if money is not None else money_unit(inst),
        locked=np.asarray(locked, dtype=np.int64),
    )


# Up to this many labels and values, a dict finds positions faster than pandas' hash
# table (whose fixed cost is tens of microseconds); beyond, the hash table is faster.
FEW = 300


def positions(labels: pd.Index, values: Any) -> np.ndarray:
    """The position of each of `values` in the unique `labels`, -1 where there is
    none: `labels.get_indexer(values)`, by a dict when there are few of both."""
    few = len(values) <= FEW and len(labels) <= FEW
    at = {label: k for k, label in enumerate(labels.tolist())} if few else {}
    if len(at) < len(labels):  # many, or labels that are not unique (pandas says so)
        return labels.get_indexer(values)
    return np.array([at.get(v, -1) for v in (values.tolist() if hasattr(values, "tolist") else values)],
                    dtype=np.intp)


def column(frame: pd.DataFrame, name: str, dtype: Any = float) -> np.ndarray:
    """`frame[name].astype(dtype).to_numpy()`, without the copy when the column has that dtype."""
    values = frame[name]
    return values.to_numpy() if values.dtype == dtype else values.astype(dtype).to_numpy()


def money_unit(inst: Instance) -> float:
    """A power of ten near the typical money figure of the instance.

    Money rows and variables are stated in this unit so that the matrix HiGHS
    sees has coefficients near 1 (yuan figures of 1e9 next to 0/1 decisions
    make a badly scaled model)."""
    figures = [inst.options[c].to_numpy(dtype=float) for c in ("land_income", "output", "conversion_cost", "value")]
    if inst.option_basis == "per_area":
        area = inst.parcels["area"].astype(float).reindex(inst.options["parcel"]).to_numpy()
        figures = [x * area for x in figures]
    figures += [inst.projects["cost"].to_numpy(dtype=float), inst.projects["value"].to_numpy(dtype=float),
                inst.sources["cap"].to_numpy(dtype=float)]
    values = np.abs(np.concatenate(figures)) if figures else np.zeros(0)
    values = values[values > 0]
    if not len(values):
        return 1.0
    return float(10.0 ** np.round(np.log10(np.median(values))))
