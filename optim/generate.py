"""Synthetic instances: a park of parcels on a grid, with projects and sources.

`generate` draws an instance from a seed with numpy/pandas array operations
(no loop over parcels), so that hundreds of thousands of parcels take seconds;
`write` stores it as `instance.yaml` plus `parcels.csv` and `options.csv`.

The park
    Parcels lie on a square grid (x/y in km). Blocks of the grid are planning
    zones, each with a location quality (near the centre is better, plus noise)
    that drives land prices, and its own mix of current uses. A 'river'
    meanders across the grid; the parcels it touches are on the EOD route
    (route = true) and are more often ecological or commercial.

Options (option_basis: per_area: every figure of the options table is per mu)
    Each parcel keeps its current use as an option and gets 1-3 alternative
    uses (about 3 options per parcel); industrial is an alternative of most
    non-ecological parcels. Land income depends on the use and the zone
    (commercial/residential 2-5 M yuan/mu, industrial 0.3-0.6 M, ecological 0);
    industrial uses have an annual output (industrial 3-8 M yuan/mu/yr); a
    rezoning costs 0.2-0.8 M yuan/mu (by current use) and consumes
    construction-land quota; every use consumes energy, water and emissions,
    industrial ones much more, and the more productive the more they consume.

Adjacency
    Grid neighbours (4-neighbourhood) share a boundary of one cell side
    (`adjacency.csv`, length in km); one compatibility rule charges a modest
    penalty (COMPAT_PENALTY yuan per km) for industrial land beside
    residential land. It does not constrain the reference plan.

Projects and money
    Mandatory: park phase 1 (its industrial-area need is the reference plan's
    industrial land), roads and utilities, a service centre, river restoration
    and a green corridor (ecology). Optional: a logistics hub, and investor
    applications (category `investment`): each needs a factory site
    (industrial area) and support money and brings annual output. The
    land-use plan caps industrial land (`policy.max_industrial_area`) and no
    external source pays for `investment`, so in a small park the
    applications compete for the land left under the cap and for the zone's
    own funds (a two-dimensional knapsack of a few dozen items); in a large
    park they all fit. Sources are the policy loan, commercial bank loans, a
    special fund earmarked to ecology, a special-purpose bond, a REIT,
    industrial-fund equity, ABS, ...; their caps are generous, their minimum
    tickets and arrangement costs (paid from own funds) make each an on/off
    choice.

Feasible by construction
    While drawing, the generator fixes a reference plan: every parcel keeps
    its current use except a planted set rezoned to industrial; the mandatory
    projects are built, the optional ones are not; each category is funded by
    named sources at known amounts (`_build` returns it). Every cap, ticket,
    budget and bound is set from that plan: resource caps, the industrial
    area cap, source caps and the own-funds budget are at least what the plan
    uses, minimum tickets at most what it draws, the EOD balance and capital
    share hold with a margin. Resource caps and the industrial-area cap sit
    only part of the way from the plan's use to the most any plan could use,
    so they bind for the plans the objective prefers (industrial output is
    worth much more than land income).

The knobs below (module constants) set these ranges; the defaults were tuned
so that HiGHS has to branch on most instances of about 1,000 parcels.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .model.phasing import service_schedule

M = 1_000_000.0  # yuan per million yuan
DEBT_KINDS = ("bank_loan", "bond")
LOAN_TENOR, LOAN_GRACE = 10, 2  # periods, with more than one period

# Land uses, in the order they are added (`uses` takes the first ones).
# income: land income, M yuan/mu; output: annual output, M yuan/mu/yr;
# energy (kgce), water (m3), emissions (kg) per mu per year, stated in the
# options table in tce, 1000 m3 and t; the ranges of industrial uses are
# scaled by the option's productivity. share: weight of the use as current use.
USE_CATALOGUE: tuple[dict[str, Any], ...] = (
    dict(id="commercial", industrial=False, commercial=True,
         description="retail, offices, hotels", income=(2.0, 5.0), output=(0, 0),
         energy=(150, 300), water=(400, 800), emissions=(5, 15), share=0.20),
    dict(id="residential", industrial=False, commercial=False,
         description="housing", income=(2.0, 5.0), output=(0, 0),
         energy=(80, 150), water=(500, 900), emissions=(3, 10), share=0.25),
    dict(id="industrial", industrial=True, commercial=False,
         description="manufacturing", income=(0.3, 0.6), output=(3.0, 8.0),
         energy=(400, 3000), water=(300, 3000), emissions=(50, 500), share=0.35),
    dict(id="ecological", industrial=False, commercial=False,
         description="green space, wetland, farmland", income=(0.0, 0.0), output=(0, 0),
         energy=(0, 0), water=(0, 0), emissions=(0, 0), share=0.10),
    dict(id="logistics", industrial=False, commercial=False,
         description="warehousing and logistics", income=(0.4, 0.9), output=(0, 0),
         energy=(100, 200), water=(100, 200), emissions=(10, 30), share=0.06),
    dict(id="public", industrial=False, commercial=False,
         description="schools, clinics, administration", income=(0.0, 0.0), output=(0, 0),
         energy=(50, 100), water=(200, 400), emissions=(2, 6), share=0.05),
    dict(id="research", industrial=True, commercial=False,
         description="R&D and new-type industrial land (M0)", income=(0.6, 1.2),
         output=(2.0, 6.0), energy=(200, 800), water=(300, 800), emissions=(10, 60), share=0.03),
    dict(id="mixed", industrial=False, commercial=True,
         description="mixed commercial and residential", income=(1.5, 3.5), output=(0, 0),
         energy=(100, 250), water=(400, 800), emissions=(4, 12), share=0.03),
)
MAX_USES = len(USE_CATALOGUE)

# conversion cost (M yuan/mu) of leaving a current use: demolition, relocation, site preparation
CONVERSION = {"commercial": (0.4, 0.7), "residential": (0.5, 0.8), "industrial": (0.3, 0.6),
              "ecological": (0.2, 0.35), "logistics": (0.25, 0.45), "public": (0.3, 0.5),
              "research": (0.35, 0.6), "mixed": (0.45, 0.75)}

# resource id -> correlation of an industrial option's consumption with its productivity
RESOURCES = (
    dict(id="construction_land_quota", unit="mu",
         description="land-use plan quota consumed by rezoning to a built use"),
    dict(id="energy", unit="tce/yr", corr=0.9,
         description="energy use, tonnes of standard coal equivalent"),
    dict(id="water", unit="1000 m3/yr", corr=0.6, description="water withdrawal"),
    dict(id="emissions", unit="t/yr", corr=0.8,
         description="major pollutant emissions (COD, NH3-N, SO2, NOx)"),
)

CATEGORIES = (
    dict(id="park", ecology=False, description="industrial park: land conversion and park phases"),
    dict(id="infrastructure", ecology=False, description="roads, utilities, networks"),
    dict(id="services", ecology=False, description="public service facilities"),
    dict(id="ecology", ecology=True, description="river restoration and green corridor"),
    dict(id="investment", ecology=False,
         description="support to investor projects: site preparation, standard factories"),
)
COVERAGE_SCOPE = [c["id"] for c in CATEGORIES if not c["ecology"]]

# Sources, in the order they are added (`sources` takes the first ones, then
# EXTRA_SOURCE_KINDS in turn). plan: drawn in the reference plan (True) or by a
# coin flip (None). categories: earmarking (None = all).
SOURCE_CATALOGUE: tuple[dict[str, Any], ...] = (
    dict(id="policy_loan", kind="policy_finance", categories=["park", "infrastructure", "ecology"],
         rate=(0.028, 0.035), plan=True, description="policy bank EOD loan"),
    dict(id="bank_loan_a", kind="bank_loan", categories=["park", "infrastructure", "services"],
         rate=(0.038, 0.048), plan=True, description="commercial bank project loan"),
    dict(id="eco_special_fund", kind="special_fund", categories=["ecology"],
         rate=(0.0, 0.01), plan=True, description="special fund earmarked to ecology"),
    dict(id="special_bond", kind="bond", categories=["infrastructure", "services"],
         rate=(0.025, 0.035), plan=None, description="local government special-purpose bond"),
    dict(id="infra_reit", kind="reit", categories=["infrastructure", "park"],
         rate=(0.045, 0.06), plan=None, description="infrastructure REIT"),
    dict(id="industry_fund", kind="equity", categories=["park"],
         rate=(0.07, 0.10), plan=None, description="industrial guidance fund equity"),
    dict(id="bank_loan_b", kind="bank_loan", categories=["park", "infrastructure", "services", "ecology"],
         rate=(0.040, 0.050), plan=None, description="second commercial bank loan"),
    dict(id="abs_receivables", kind="abs", categories=["services", "park"],
         rate=(0.045, 0.055), plan=None, description="asset-backed securities on park receivables"),
)
EXTRA_SOURCE_KINDS = (
    ("bank_loan", ["park", "infrastructure", "services"], (0.040, 0.052), "commercial bank loan"),
    ("bond", ["infrastructure", "services"], (0.028, 0.038), "corporate bond"),
    ("abs", ["services", "park"], (0.045, 0.058), "asset-backed securities"),
    ("reit", ["infrastructure", "park"], (0.045, 0.062), "REIT"),
    ("equity", ["park"], (0.07, 0.11), "equity investor"),
)

# ---- knobs --------------------------------------------------------------------------
AREA_MEDIAN = 17.0  # mu; parcel areas are lognormal (sigma 0.55), 1.5-300 mu
PLANTED_SHARE = 0.08  # share of the non-industrial parcels' industrial options planted
RESOURCE_ALPHA = (0.4, 0.7)  # resource cap: plan's use + alpha x (most possible - plan's use)
INDUSTRIAL_ALPHA = (0.1, 0.25)  # the same for the industrial-area cap
COVERAGE_TARGET = 0.8
PLAN_EXTERNAL_SHARE = {"park": 1.0, "infrastructure": 1.0, "services": 1.0, "ecology": 0.7,
                       "investment": 0.0}  # share of each category's need the plan draws
EOD_INCOME_SHARE = 0.3
LAND_INCOME_TO_OWN_FUNDS = 0.0  # land-sale income goes to the city, not to the zone
PLAN_CAP_SLACK = (3.0, 6.0)  # cap of a source the plan draws: draw x (1 + slack)
PLAN_TICKET = (0.4, 0.9)  # its minimum ticket: draw x this
NEW_CAP = (0.5, 1.0)  # cap of a source the plan does not draw: plan's investment x this
NEW_TICKET = (0.3, 0.7)  # its minimum ticket: cap x this
FEE_RANGE = (0.0003, 0.001)  # arrangement cost: cap x this
HUB_COST = (0.01, 0.03)  # logistics hub cost: M yuan per mu of the park
HUB_OUTPUT_RATIO = (3.0, 10.0)  # its annual output / its cost
INVESTOR_PER_PARCELS = 16  # one investor application per this many parcels ...
INVESTOR_COUNT = (6, 25)  # ... within these bounds
INVESTOR_SITE_MEDIAN = 400.0  # mu; factory sites are lognormal (sigma 0.3), 30-1000 mu ...
INVESTOR_SITE_SHARE = (0.05, 0.2)  # ... and at most this share of the room under the cap
INVESTOR_COST_PER_MU = (0.2, 0.6)  # M yuan/mu
INVESTOR_OUTPUT_PER_MU = (1.0, 3.0)  # M yuan/mu/yr
INVESTOR_MONEY_SHARE = (0.6, 0.9)  # own funds for investors: this x land share x their cost
SECTORS = ("auto parts", "new-energy batteries", "biomedicine", "electronics", "new materials",
           "equipment manufacturing", "food processing", "textiles", "fine chemicals",
           "photovoltaics", "semiconductors", "machinery")
WEIGHTS = {"land_income": 1, "industrial_output": 3, "financing_cost": 1}
# industrial beside residential land: yuan per km of shared boundary (a cell side is
# 0.12 km: 1.2 M yuan per shared side, a few % of a parcel's land income)
COMPAT_PENALTY = 10 * M


def generate(parcels: int, *, uses: int = 4, sources: int = 6, periods: int = 1,
             seed: int = 0, geometry: bool = False) -> dict:
    """A synthetic instance, feasible by construction, as a document dict.

    parcels: number of parcels (>= 1). uses: number of land uses, 3-8:
    commercial, residential, industrial, then ecological, logistics, public,
    research, mixed. sources: number of funding sources (>= 3): policy loan,
    bank loan, ecology special fund, then bond, REIT, equity, a second bank
    loan, ABS, then more loans, bonds, ABS, REITs and equity in turn.
    periods: number of planning periods (>= 1); with more than one, the
    instance has a `periods` table and loan terms (see `_phasing`). seed: random seed; the same
    arguments give the same instance. geometry: the parcels are polygons (`_polygons`), a
    geopandas GeoDataFrame written as `parcels.gpkg` (the gis extra), whose areas are the
    polygons' (no `area` column: the reader measures them) and whose adjacency is computed
    from them (`adjacency: {from_geometry: true}`); every other figure is drawn as without it.

    Returns the top-level keys of the instance format (docs/instance-format.md):
    `parcels` and `options` are pandas DataFrames, every other table is a list
    of rows. `write(doc, out_dir)` stores it as files.
    """
    return _build(parcels, uses=uses, sources=sources, periods=periods, seed=seed, geometry=geometry)[0]


def write(doc: dict, out_dir: str | Path) -> Path:
    """Write `doc` (from `generate`) into directory `out_dir` (created if needed):
    `parcels.csv` and `options.csv`, and `instance.yaml` holding every other table
    inline. Returns the path of `instance.yaml`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    top = {}
    for key, value in doc.items():
        if isinstance(value, pd.DataFrame) and hasattr(value, "to_file"):  # a GeoDataFrame: polygons
            name = f"{key}.gpkg"
            (out / name).unlink(missing_ok=True)
            value.to_file(out / name, layer=key, driver="GPKG", engine="pyogrio")
            top[key] = {"file": name}
        elif isinstance(value, pd.DataFrame):
            name = f"{key}.csv"
            (out / name).write_bytes(_csv_bytes(value))
            top[key] = {"file": name}
        else:
            top[key] = _plain(value)
    text = yaml.safe_dump(top, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)
    path = out / "instance.yaml"
    path.write_text(f"# Synthetic instance written by optim.generate.\n{text}", encoding="utf-8")
    return path


# ---- the generator ------------------------------------------------------------------
def _build(n: int, *, uses: int, sources: int, periods: int, seed: int,
           geometry: bool = False) -> tuple[dict, dict]:
    """The document and its reference plan, a feasible plan as tables:
    `parcels` (index parcel, column use), `projects` (index project, column built),
    `draws` (source, category, amount), `categories` (index category, column
    own_funds) and `sources` (index source, column used)."""
    _check_args(n, uses, sources, periods, seed)
    rng = np.random.default_rng(seed)
    cat = list(USE_CATALOGUE[:uses])
    use_ids = np.array([u["id"] for u in cat], dtype=object)
    n_uses = len(cat)
    ind_u = use_ids.tolist().index("industrial")
    eco_u = use_ids.tolist().index("ecological") if "ecological" in use_ids else -1
    is_ind = np.array([u["industrial"] for u in cat])
    is_com = np.array([u["commercial"] for u in cat])

    # ---- grid, zones, river --------------------------------------------------------
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    k = np.arange(n)
    r, c = k // cols, k % cols
    zw = math.ceil(cols / int(np.clip(round(cols / 4), 1, 8)))  # zone width and height, cells
    zh = math.ceil(rows / int(np.clip(round(rows / 4), 1, 8)))
    zc_n, zr_n = math.ceil(cols / zw), math.ceil(rows / zh)
    n_zones = zr_n * zc_n
    zone = (r // zh) * zc_n + (c // zw)
    zone_names = np.array([f"{chr(65 + i // zc_n)}{i % zc_n + 1}" for i in range(n_zones)],
                          dtype=object)
    zr_mid = (np.arange(n_zones) // zc_n + 0.5) * zh
    zc_mid = (np.arange(n_zones) % zc_n + 0.5) * zw
    dist = np.hypot((zr_mid - rows / 2) / rows, (zc_mid - cols / 2) / cols)
    quality = np.clip(1.0 - 1.4 * dist + rng.normal(0.0, 0.15, n_zones), 0.0, 1.0)

    phase = rng.uniform(0, 2 * np.pi)
    river_row = (rows - 1) * (0.5 + 0.3 * np.sin(2 * np.pi * 1.3 * c / cols + phase))
    route = np.abs(r - river_row) < 0.75

    spacing = 0.12  # km between parcel centres
    x = np.round((c + 0.5 + rng.uniform(-0.2, 0.2, n)) * spacing, 3)
    y = np.round((r + 0.5 + rng.uniform(-0.2, 0.2, n)) * spacing, 3)
    area = np.round(np.clip(rng.lognormal(np.log(AREA_MEDIAN), 0.55, n), 1.5, 300.0), 2)
    if geometry:  # the polygons' own areas instead (drawn from another stream: the rest is unchanged)
        rings, area = _polygons(rows, cols, r, c, seed)

    # ---- current use: each zone its own mix; ecological and commercial by the river --
    base = np.array([u["share"] for u in cat])
    prob = (base[None, :] * rng.lognormal(0.0, 0.7, (n_zones, n_uses)))[zone]
    if eco_u >= 0:
        prob[route, eco_u] *= 4.0
    prob[route] *= np.where(is_com, 1.5, 1.0)[None, :]
    cum = np.cumsum(prob, axis=1)
    pick = rng.random(n) * cum[:, -1]
    current = np.minimum((pick[:, None] > cum).sum(axis=1), n_uses - 1)

    # ---- options: the current use + 1-3 alternatives (random priorities) -------------
    key = rng.random((n, n_uses))
    if eco_u >= 0:  # turning land back to green space is rare off the river
        key[:, eco_u] *= np.where(route, 1.0, 0.3)
    force_ind = (current != eco_u) & (rng.random(n) < 0.85)
    key[force_ind, ind_u] = 2.0
    key[k, current] = 3.0
    n_alt = np.minimum(rng.choice([1, 2, 3], size=n, p=[0.25, 0.5, 0.25]), n_uses - 1)
    order = np.argsort(-key, axis=1, kind="stable")
    chosen = np.zeros((n, n_uses), dtype=bool)
    np.put_along_axis(chosen, order, np.arange(n_uses)[None, :] <= n_alt[:, None], axis=1)
    op, ou = np.nonzero(chosen)  # parcel and use of each option, sorted by parcel then use
    m = len(op)
    rez = ou != current[op]

    # ---- per-mu figures of the options ------------------------------------------------
    q = np.clip(quality[zone[op]] + rng.normal(0.0, 0.12, m), 0.0, 1.0)
    lo, hi = (np.array([u["income"][j] for u in cat])[ou] for j in (0, 1))
    income = np.round((lo + (hi - lo) * q) * M, -3).astype(np.int64)

    productivity = rng.random(m)
    lo, hi = (np.array([u["output"][j] for u in cat])[ou] for j in (0, 1))
    output = np.round((lo + (hi - lo) * productivity) * M, -4).astype(np.int64)

    lo, hi = (np.array([CONVERSION[u][j] for u in use_ids])[current[op]] for j in (0, 1))
    conversion = np.where(rez, np.round((lo + (hi - lo) * rng.random(m)) * M, -3),
                          0).astype(np.int64)

    per_mu: dict[str, np.ndarray] = {"construction_land_quota": (rez & (ou != eco_u)).astype(np.int64)}
    ind_opt = is_ind[ou]
    for spec in RESOURCES[1:]:
        name, corr = spec["id"], spec["corr"]
        lo, hi = (np.array([u[name][j] for u in cat])[ou] for j in (0, 1))
        t = np.where(ind_opt, corr * productivity + (1 - corr) * rng.random(m), rng.random(m))
        t = np.clip(t * rng.uniform(0.9, 1.1, m), 0.0, 1.1)
        per_mu[name] = np.round(lo + (hi - lo) * t) / 1000.0  # kg -> t, m3 -> 1000 m3

    # ---- reference plan: current uses, and a planted set rezoned to industrial --------
    planted = rez & (ou == ind_u) & ~is_ind[current[op]] & (rng.random(m) < PLANTED_SHARE)
    planted_parcel = np.zeros(n, dtype=bool)
    planted_parcel[op[planted]] = True
    plan_opt = planted | (~rez & ~planted_parcel[op])
    plan_use = use_ids[current].copy()
    plan_use[op[planted]] = "industrial"

    a = area[op]  # whole-parcel figure = per-mu figure x area (option_basis: per_area)
    total_area = float(area.sum())
    planted_area = float(a[planted].sum())
    ia_plan = float(a[plan_opt & ind_opt].sum())
    rci_plan = float((income * a)[plan_opt & is_com[ou] & route[op]].sum())
    conv_plan = float((conversion * a)[plan_opt].sum())

    # ---- caps part of the way from the plan's use to the most any plan can use --------
    def most(per_option: np.ndarray) -> float:
        return float(pd.Series(per_option).groupby(op).max().sum()) if m else 0.0

    resources = []
    for spec in RESOURCES:
        total = per_mu[spec["id"]] * a
        used = float(total[plan_opt].sum())
        alpha = rng.uniform(*RESOURCE_ALPHA)
        cap = math.ceil(used + alpha * max(most(total) - used, 0.0) + 1e-6 * used + 1.0)
        resources.append({"id": spec["id"], "cap": cap, "unit": spec["unit"],
                          "description": spec["description"]})
    need1 = math.floor(max(ia_plan - 0.1 * planted_area, 0.0))  # park phase 1's need
    ia_most = most(np.where(ind_opt, a, 0.0))
    ia_max = math.ceil(ia_plan + rng.uniform(*INDUSTRIAL_ALPHA) * max(ia_most - ia_plan, 0.0) + 1.0)
    room = ia_max - need1  # industrial land the optional projects may have

    # ---- projects --------------------------------------------------------------------
    def cost(lo_: float, hi_: float) -> int:  # yuan, lo_-hi_ M yuan per mu of the park
        return _round_up(total_area * rng.uniform(lo_, hi_) * M, 10_000)

    projects = [dict(id="park_phase1", category="park", cost=cost(0.03, 0.06), mandatory=True,
                     industrial_area=need1, description="first phase of the industrial park")]
    n_inv = int(np.clip(n // INVESTOR_PER_PARCELS, *INVESTOR_COUNT))
    site = np.clip(rng.lognormal(np.log(INVESTOR_SITE_MEDIAN), 0.3, n_inv), 30.0, 1000.0)
    site = np.minimum(site, room * rng.uniform(*INVESTOR_SITE_SHARE, n_inv))
    inv_area = np.maximum(np.round(site), 1).astype(np.int64)
    inv_cost = (np.ceil(inv_area * rng.uniform(*INVESTOR_COST_PER_MU, n_inv) * M / 1e4) * 1e4).astype(np.int64)
    inv_out = (np.ceil(inv_area * rng.uniform(*INVESTOR_OUTPUT_PER_MU, n_inv) * M / 1e4) * 1e4).astype(np.int64)
    sectors = rng.choice(len(SECTORS), n_inv)
    for j in range(n_inv):  # a few dozen rows at most
        projects.append(dict(
            id=f"investor_{j + 1:02d}", category="investment", cost=int(inv_cost[j]),
            mandatory=False, industrial_area=int(inv_area[j]), output=int(inv_out[j]),
            description=f"investment application: {SECTORS[sectors[j]]}"))
    hub = cost(*HUB_COST)
    projects.append(dict(id="logistics_hub", category="infrastructure", cost=hub, mandatory=False,
                         output=_round_up(hub * rng.uniform(*HUB_OUTPUT_RATIO), 10_000),
                         description="optional rail-road logistics hub"))
    projects += [
        dict(id="roads_utilities", category="infrastructure", cost=cost(0.10, 0.18), mandatory=True,
             description="roads, water, power, gas and telecom networks"),
        dict(id="service_center", category="services", cost=cost(0.02, 0.04), mandatory=True,
             description="administration and public service centre"),
        dict(id="river_restoration", category="ecology", cost=cost(0.03, 0.06), mandatory=True,
             description="river restoration along the EOD route"),
        dict(id="green_corridor", category="ecology", cost=cost(0.01, 0.02), mandatory=True,
             description="green corridor and wetland park"),
    ]
    need = {cdef["id"]: 0.0 for cdef in CATEGORIES}  # the plan's need per category
    for p in projects:
        if p["mandatory"]:
            need[p["category"]] += p["cost"]
    need["park"] += conv_plan
    total_plan = sum(need.values())

    # ---- sources: the plan's draws, then caps, tickets and fees around them ----------
    specs = _source_specs(sources)
    in_plan = [s["plan"] if s["plan"] is not None else bool(rng.random() < 0.5) for s in specs]
    weight = [rng.uniform(0.5, 1.5) if p else 0.0 for p in in_plan]
    draws: dict[tuple[str, str], int] = {}
    for cdef in CATEGORIES:
        cid = cdef["id"]
        elig = [j for j, s in enumerate(specs)
                if in_plan[j] and (s["categories"] is None or cid in s["categories"])]
        wsum = sum(weight[j] for j in elig)
        for j in elig:
            amount = math.floor(need[cid] * PLAN_EXTERNAL_SHARE[cid] * weight[j] / wsum)
            if amount > 0:
                draws[(specs[j]["id"], cid)] = amount
    drawn = {s["id"]: sum(v for (sid, _), v in draws.items() if sid == s["id"]) for s in specs}
    src_rows, used = [], {}
    fees_plan = 0
    for s in specs:
        d = drawn[s["id"]]
        if d > 0:
            cap = d * (1.0 + rng.uniform(*PLAN_CAP_SLACK))
            ticket = d * rng.uniform(*PLAN_TICKET) if s["kind"] != "special_fund" else 0.0
        else:
            cap = total_plan * rng.uniform(*NEW_CAP)
            ticket = cap * rng.uniform(*NEW_TICKET)
        fee = 0 if s["kind"] == "special_fund" else _round_up(cap * rng.uniform(*FEE_RANGE), 1_000)
        row = dict(id=s["id"], kind=s["kind"], cap=_round_up(cap, 10_000),
                   min_ticket=_round_down(ticket, 10_000), fixed_cost=fee,
                   rate=round(float(rng.uniform(*s["rate"])), 4),
                   categories="all" if s["categories"] is None else list(s["categories"]),
                   description=s["description"])
        if row["min_ticket"] > 0 or fee > 0:  # switched: used if the plan draws it
            used[s["id"]] = d > 0
            fees_plan += fee if d > 0 else 0
        src_rows.append(row)

    # ---- policy and EOD from the plan --------------------------------------------------
    own = {cid: need[cid] - sum(v for (_, c2), v in draws.items() if c2 == cid) for cid in need}
    own_plan = sum(own.values())
    # own funds: the plan's (and its arrangement costs), or, if more, a share of what
    # the investors ask for: as short as land is when land is short, enough otherwise
    land_share = min(1.0, room / max(float(inv_area.sum()), 1.0))
    money = (rng.uniform(*INVESTOR_MONEY_SHARE) * land_share if land_share < 1.0 else 1.05) \
        * float(inv_cost.sum())
    budget = _round_up(max(own_plan, money) + fees_plan, 10_000)
    capital_plan = own_plan + sum(drawn[s["id"]] for s in specs
                                  if s["kind"] in ("policy_finance", "equity"))
    kappa = math.floor(min(0.2, 0.95 * capital_plan / total_plan) * 100) / 100
    park_income = _round_up(max(own["ecology"] / EOD_INCOME_SHARE - rci_plan, 0.0) * 1.05
                            + total_plan * 0.002, 10_000)

    # ---- the document -----------------------------------------------------------------
    parcel_ids = _ids("P", n)
    uses_cat = pd.CategoricalDtype(list(use_ids))
    parcels_df = pd.DataFrame({
        "id": parcel_ids, "area": area,
        "current_use": pd.Categorical.from_codes(current, dtype=uses_cat),
        "zone": pd.Categorical.from_codes(zone, categories=list(zone_names)),
        "x": x, "y": y, "route": route,
    })
    if geometry:
        parcels_df = _geo_parcels(parcels_df, rings)
    options_df = pd.DataFrame({
        "parcel": pd.Categorical.from_codes(op, categories=parcel_ids),
        "use": pd.Categorical.from_codes(ou, dtype=uses_cat), "land_income": income,
        "output": output, "conversion_cost": conversion,
        **{spec["id"]: per_mu[spec["id"]] for spec in RESOURCES},
    })
    # grid neighbours: right (same row) and below, each pair once, by parcel
    right, below = np.flatnonzero((c < cols - 1) & (k + 1 < n)), np.flatnonzero(k + cols < n)
    adj_a = np.concatenate([right, below])
    adj_b = np.concatenate([right + 1, below + cols])
    order = np.lexsort((adj_b, adj_a))
    adjacency_df = pd.DataFrame({
        "parcel_a": pd.Categorical.from_codes(adj_a[order], categories=parcel_ids),
        "parcel_b": pd.Categorical.from_codes(adj_b[order], categories=parcel_ids),
        "length": np.full(len(order), spacing),
    })
    plural = "s" if periods != 1 else ""
    doc = {
        "name": f"synthetic-n{n}-u{n_uses}-s{len(specs)}-seed{seed}",
        "description": (
            f"Synthetic industrial park: {n} parcels in {n_zones} zones, {n_uses} land uses, "
            f"{len(specs)} funding sources, {n_inv} investor applications; {periods} "
            f"planning period{plural}; seed {seed}. "
            "Written by optim.generate; feasible by construction."),
        "units": {"money": "yuan", "area": "mu", "coordinates": "km"},
        "assumptions": _assumptions(seed, periods, planted_area),
        "uses": [dict(id=u["id"], industrial=u["industrial"], commercial=u["commercial"],
                      description=u["description"]) for u in cat],
        "categories": [dict(cdef) for cdef in CATEGORIES],
        "resources": resources,
        "option_basis": "per_area",
        "parcels": parcels_df,
        "options": options_df,
        "adjacency": {"from_geometry": True} if geometry else adjacency_df,
        "compatibility": [dict(use_a="industrial", use_b="residential", rule="penalty",
                               penalty=int(COMPAT_PENALTY))],
        "projects": projects,
        "sources": src_rows,
        "policy": {
            "coverage_target": COVERAGE_TARGET,
            "coverage_scope": list(COVERAGE_SCOPE),
            "own_funds_budget": budget,
            "land_income_to_own_funds": LAND_INCOME_TO_OWN_FUNDS,
            "conversion_category": "park",
            "max_industrial_area": ia_max,
            "min_capital_share": kappa,
        },
        "eod": {"income_share": EOD_INCOME_SHARE, "park_commercial_income": park_income},
        "objective": {"weights": dict(WEIGHTS)},
        **_phasing(periods, src_rows, drawn),
    }
    plan = {
        "parcels": pd.DataFrame({"use": plan_use}, index=pd.Index(parcel_ids, name="parcel")),
        "projects": pd.DataFrame({"built": [bool(p["mandatory"]) for p in projects]},
                                 index=pd.Index([p["id"] for p in projects], name="project")),
        "draws": pd.DataFrame([(s, cid, float(v)) for (s, cid), v in draws.items()],
                              columns=["source", "category", "amount"]),
        "categories": pd.DataFrame({"own_funds": [float(own[cid]) for cid in need]},
                                   index=pd.Index(list(need), name="category")),
        "sources": pd.DataFrame({"used": list(used.values())},
                                index=pd.Index(list(used), name="source")),
    }
    return doc, plan


# ---- polygons (generate(..., geometry=True)) ------------------------------------------
GEO_ORIGIN = (500_000.0, 3_800_000.0)  # metres in UTM zone 48N (EPSG:32648), near Baoji
GEO_CRS = "EPSG:32648"
M2_PER_MU = 10_000 / 15


def _polygons(rows: int, cols: int, r: np.ndarray, c: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Quadrilateral parcels on a distorted grid: each column and row its own width
    (lognormal, sigma 0.39, so that areas spread like the generator's, sigma 0.55),
    every grid vertex moved by up to 15 % of the median side; neighbours share their
    vertices, so they touch exactly. Returns the rings ((n, 5, 2) metres) and the
    areas in mu (to 1e-4, as the reader measures them)."""
    rng = np.random.default_rng([seed, 7919])
    side = math.sqrt(AREA_MEDIAN * M2_PER_MU)
    widths = side * rng.lognormal(0.0, 0.39, cols)
    heights = side * rng.lognormal(0.0, 0.39, rows)
    gx = np.concatenate([[0.0], np.cumsum(widths)])
    gy = np.concatenate([[0.0], np.cumsum(heights)])
    vx = gx[None, :] + rng.uniform(-0.15, 0.15, (rows + 1, cols + 1)) * side
    vy = gy[:, None] + rng.uniform(-0.15, 0.15, (rows + 1, cols + 1)) * side
    rr = np.stack([r, r, r + 1, r + 1, r], axis=1)
    cc = np.stack([c, c + 1, c + 1, c, c], axis=1)
    rings = np.stack([vx[rr, cc] + GEO_ORIGIN[0], vy[rr, cc] + GEO_ORIGIN[1]], axis=-1)
    x, y = rings[:, :, 0] - GEO_ORIGIN[0], rings[:, :, 1] - GEO_ORIGIN[1]
    shoelace = 0.5 * np.abs(np.sum(x[:, :-1] * y[:, 1:] - x[:, 1:] * y[:, :-1], axis=1))
    return rings, np.round(shoelace / M2_PER_MU, 4)


def _geo_parcels(parcels_df: pd.DataFrame, rings: np.ndarray) -> Any:
    """The parcels table as a GeoDataFrame of polygons, without `area` (measured when
    read) and without x, y (maps draw the polygons)."""
    import geopandas as gpd
    import shapely

    table = parcels_df.drop(columns=["area", "x", "y"])
    table = table.assign(current_use=table["current_use"].astype(str), zone=table["zone"].astype(str))
    return gpd.GeoDataFrame(table, geometry=shapely.polygons(rings), crs=GEO_CRS)


def _assumptions(seed: int, periods: int, planted_area: float) -> list[dict[str, Any]]:
    return [
        dict(id="synthetic", text="every figure is drawn by optim.generate, none is a fact",
             value=seed, unit="seed"),
        dict(id="periods", text="planning periods; with more than one, the reference plan rezones, "
             "builds and draws in the first, loans (10 periods, 2 of grace) are serviced from the "
             "later periods' own funds, set to 1.05 x that debt service", value=periods),
        dict(id="reference_plan", text="a feasible plan: current uses, a planted set rezoned to "
             "industrial, the mandatory projects; caps, tickets and budgets are set from it",
             value=round(planted_area, 2), unit="mu rezoned"),
        dict(id="land_prices", text="land income per mu by use, scaled by zone quality: "
             "commercial/residential 2-5 M, industrial 0.3-0.6 M, ecological 0", unit="yuan/mu"),
        dict(id="industrial_output", text="annual output of industrial land, 3-8 M per mu; energy, "
             "water and emissions grow with it", unit="yuan/mu/yr"),
        dict(id="conversion_costs", text="cost of a rezoning, 0.2-0.8 M per mu by current use",
             unit="yuan/mu"),
        dict(id="land_income_to_city", text="land-sale income goes to the city budget, "
             "not to the zone's own funds", value=LAND_INCOME_TO_OWN_FUNDS),
        dict(id="compatibility_penalty", text="industrial land beside residential land costs "
             "this per km of shared boundary (nuisance, buffer works)", value=int(COMPAT_PENALTY),
             unit="yuan/km"),
    ]


def _phasing(periods: int, src_rows: list[dict], drawn: dict[str, int]) -> dict[str, Any]:
    """The `periods` table and loan terms of a multi-period instance (none for one
    period): every debt source gets a tenor of 10 periods with 2 of grace, and each
    later period's own funds pay 1.05 x the reference plan's debt service (its draws
    all fall in the first period), so that the plan stays feasible."""
    if periods <= 1:
        return {}
    due = np.zeros(periods)
    for row in src_rows:
        if row["kind"] in DEBT_KINDS:
            row["tenor"], row["grace"] = LOAN_TENOR, LOAN_GRACE
            due += drawn[row["id"]] * service_schedule(row["rate"], LOAN_TENOR, LOAN_GRACE, 0.0,
                                                        row["kind"], periods - 1)
    return {"periods": [{"id": f"y{k + 1}", "own_funds": _round_up(1.05 * due[k], 10_000) if k else 0}
                        for k in range(periods)]}


def _check_args(n: int, uses: int, sources: int, periods: int, seed: int) -> None:
    for name, value in (("parcels", n), ("uses", uses), ("sources", sources),
                        ("periods", periods), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, not {value!r}")
    if n < 1:
        raise ValueError(f"parcels must be >= 1, not {n}")
    if not 3 <= uses <= MAX_USES:
        raise ValueError(f"uses must be between 3 and {MAX_USES}, not {uses}")
    if sources < 3:
        raise ValueError(f"sources must be >= 3, not {sources}")
    if periods < 1:
        raise ValueError(f"periods must be >= 1, not {periods}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")


def _source_specs(count: int) -> list[dict[str, Any]]:
    specs = [dict(s) for s in SOURCE_CATALOGUE[:count]]
    for j in range(count - len(specs)):
        kind, cats, rate, text = EXTRA_SOURCE_KINDS[j % len(EXTRA_SOURCE_KINDS)]
        specs.append(dict(id=f"{kind}_{j + 1:02d}", kind=kind, categories=list(cats), rate=rate,
                          plan=None, description=text))
    return specs


def _ids(prefix: str, n: int) -> np.ndarray:
    width = max(len(str(n)), 4)
    return (prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)).to_numpy(dtype=object)


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step)) * step


def _round_down(value: float, step: int) -> int:
    return int(math.floor(value / step)) * step


# ---- fast CSV ---------------------------------------------------------------------
# pandas' to_csv formats cell by cell (about 8 s for 300,000 parcels); here each
# column becomes a matrix of ASCII bytes by array arithmetic, NUL-padded, and the
# NULs are dropped at the end. Columns it cannot encode exactly (text needing
# quotes, negative or non-decimal numbers) fall back to pandas for the table.
def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as CSV text (header, no index, LF line ends), UTF-8 bytes."""
    n = len(frame)
    fields = []
    for col in frame.columns:
        cells = _encode_column(frame[col])
        if cells is None:
            return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
        fields.append(cells)
    header = (",".join(map(str, frame.columns)) + "\n").encode("utf-8")
    if n == 0:
        return header
    parts = []
    for k, cells in enumerate(fields):
        parts.append(cells)
        parts.append(np.full((n, 1), ord(",") if k < len(fields) - 1 else ord("\n"), np.uint8))
    flat = np.hstack(parts).ravel()
    return header + flat[flat != 0].tobytes()


def _encode_column(s: pd.Series) -> np.ndarray | None:
    """The cells of `s` as an (n, width) uint8 matrix, NUL-padded; None if unsupported."""
    v = s.to_numpy()
    if v.dtype == bool:
        return _lookup(np.array(["false", "true"]), v.astype(np.int64))
    if np.issubdtype(v.dtype, np.integer):
        return _decimal(v.astype(np.int64), 0)
    if np.issubdtype(v.dtype, np.floating):
        for decimals in range(7):
            scaled = np.round(v * 10.0 ** decimals)
            if np.all(np.isfinite(v)) and np.all(np.abs(scaled) < 2.0 ** 52) \
                    and np.array_equal(scaled / 10.0 ** decimals, v):
                return _decimal(scaled.astype(np.int64), decimals)
        return None
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniques = s.cat.codes.to_numpy(), s.cat.categories
    else:
        codes, uniques = pd.factorize(v, sort=False)
    if len(codes) and codes.min() < 0:  # missing values
        return None
    table = _lookup_table(np.asarray(uniques).astype(str))
    if np.isin(table, np.frombuffer(b',"\n\r', np.uint8)).any():  # would need quotes
        return None
    return table[codes]


def _lookup(labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return _lookup_table(labels)[codes]


def _lookup_table(labels: np.ndarray) -> np.ndarray:
    """Labels as a (k, width) uint8 matrix of their UTF-8 bytes, NUL-padded."""
    if not len(labels):
        return np.zeros((0, 1), np.uint8)
    try:
        raw = labels.astype("S")  # ASCII: converted in C
    except UnicodeEncodeError:
        raw = np.char.encode(labels, "utf-8")
    return raw.view(np.uint8).reshape(len(labels), raw.dtype.itemsize)


def _decimal(v: np.ndarray, decimals: int) -> np.ndarray | None:
    """Non-negative integers `v` written as v / 10**decimals with `decimals` digits."""
    if len(v) and v.min() < 0:
        return None
    top = int(v.max()) if len(v) else 0
    n_digits = max(len(str(top)), decimals + 1)
    digits = np.zeros((len(v), n_digits), np.uint8)
    rest = v.copy()
    for i in range(n_digits - 1, -1, -1):
        digits[:, i] = ord("0") + rest % 10
        rest //= 10
    # blank the leading zeros, keeping one digit before the decimal point
    length = np.maximum(np.floor(np.log10(np.maximum(v, 1))).astype(np.int64) + 1, decimals + 1)
    digits[np.arange(n_digits)[None, :] < (n_digits - length)[:, None]] = 0
    if not decimals:
        return digits
    point = np.full((len(v), 1), ord("."), np.uint8)
    return np.hstack([digits[:, :n_digits - decimals], point, digits[:, n_digits - decimals:]])


def _plain(value: Any) -> Any:
    """`value` with numpy scalars turned into Python ones, for the YAML dumper."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
