"""Synthetic instances: a park of parcels on a grid, with projects and sources.

`generate` draws an instance from a seed with numpy/pandas array operations
only (no loop over parcels), so that hundreds of thousands of parcels take a
few seconds; `write` stores it as `instance.yaml` plus `parcels.csv` and
`options.csv`.

The park
    Parcels lie on a square grid (x/y in km). Blocks of the grid are planning
    zones, each with a location quality (distance to the centre plus noise,
    which drives land prices) and its own mix of current uses. A 'river'
    meanders across the grid; the parcels it touches are on the EOD route
    (route = true) and are more often ecological or commercial.

Options (option_basis: per_area; every figure is per mu)
    Each parcel keeps its current use as an option and gets 1-3 alternative
    uses (about 3 options per parcel); industrial is an alternative of most
    non-ecological parcels. Land income depends on the use and the zone
    (commercial/residential 2-5 M yuan/mu, industrial 0.3-0.6 M, ecological 0),
    industrial uses have an annual output (industrial 3-8 M yuan/mu/yr), a
    rezoning costs 0.2-0.8 M yuan/mu to convert and consumes construction-land
    quota, and every use consumes energy, water and emissions (industrial ones
    much more, and the more productive the more they consume: strongly
    correlated value and weight, which makes the knapsack hard).

Feasible by construction
    While drawing, the generator fixes a reference plan: every parcel keeps
    its current use except a planted set rezoned to industrial; the mandatory
    projects are built, the optional ones are not; each category is funded by
    named sources at known amounts. Every cap, ticket, budget and bound is
    then set from that plan with a margin (caps >= the plan's use, minimum
    tickets <= the plan's draws, own funds and the EOD balance enough), so
    the plan is feasible. The caps sit only part of the way from the plan's
    use to the most any plan could use, so they bind for the plans the
    objective prefers (industrial output is worth much more than land
    income), and optional park phases and sources with minimum tickets and
    arrangement costs make lumpy choices.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

M = 1_000_000.0  # yuan per million yuan

# id, industrial, commercial, description, land income range (M yuan/mu),
# output range (M yuan/mu/yr), energy (kgce/mu/yr), water (m3/mu/yr), emissions (kg/mu/yr)
# (the options table states these three in tce, 1000 m3 and t);
# resource ranges of industrial uses are scaled by the option's intensity.
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

RESOURCES = (
    dict(id="construction_land_quota", unit="mu",
         description="land-use plan quota consumed by rezoning"),
    dict(id="energy", unit="tce/yr", description="energy use, tonnes of standard coal equivalent"),
    dict(id="water", unit="1000 m3/yr", description="water withdrawal"),
    dict(id="emissions", unit="t/yr", description="major pollutant emissions (COD, NH3-N, SO2, NOx)"),
)

CATEGORIES = (
    dict(id="park", ecology=False, description="industrial park: land conversion and park phases"),
    dict(id="infrastructure", ecology=False, description="roads, utilities, networks"),
    dict(id="services", ecology=False, description="public service facilities"),
    dict(id="ecology", ecology=True, description="river restoration and green corridor"),
    dict(id="investment", ecology=False,
         description="support to investor projects: site preparation, standard factories"),
)
SCOPE = ["park", "infrastructure", "services", "investment"]

# id, kind, categories, rate range, in the reference plan, plan weight, switched (ticket/fee)
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

COVERAGE_TARGET = 0.8
PLAN_EXTERNAL_SHARE = {"park": 1.0, "infrastructure": 1.0, "services": 1.0, "ecology": 0.7,
                       "investment": 0.85}
EOD_INCOME_SHARE = 0.3
LAND_INCOME_TO_OWN_FUNDS = 0.0
INVESTOR_MONEY_SHARE = (0.6, 0.9)
FEE_RANGE = (0.002, 0.008)
CAP_SLACK = (0.5, 1.2)
PLAN_TICKET = (0.4, 0.9)
NEW_CAP = (0.1, 0.25)
NEW_TICKET = (0.3, 0.7)
ALPHA_RANGE = (0.15, 0.35)
PROJECT_OUTPUT_RATIO = (3.0, 10.0)
OPTIONAL_COST = (0.01, 0.03)
IA_ALPHA = (0.1, 0.25)
SHARE_OVERRIDE: dict = {}
INVESTOR_PER_PARCELS = 50
INVESTOR_COUNT = (6, 30)
INVESTOR_AREA_SHARE = (0.05, 0.2)
INVESTOR_COST_PER_MU = (0.2, 0.6)
INVESTOR_OUTPUT_PER_MU = (2.0, 6.0)
SECTORS = ("auto parts", "new-energy batteries", "biomedicine", "electronics", "new materials",
           "equipment manufacturing", "food processing", "textiles", "fine chemicals",
           "photovoltaics", "semiconductors", "machinery")
WEIGHTS = {"land_income": 1, "industrial_output": 3, "financing_cost": 1}


def generate(parcels: int, *, uses: int = 4, sources: int = 6, periods: int = 1,
             seed: int = 0) -> dict:
    """A synthetic instance, feasible by construction, as a document dict.

    parcels: number of parcels (>= 1); uses: number of land uses (3-8: commercial,
    residential, industrial, ecological, then logistics, public, research, mixed);
    sources: number of funding sources (>= 3); periods: number of periods (>= 1;
    recorded in the description only, the instance is single-period); seed: random
    seed, the same seed gives the same instance.

    Returns the top-level keys of the instance format (docs/instance-format.md);
    `parcels` and `options` are pandas DataFrames, every other table is a list of
    rows. `write(doc, out_dir)` stores it; `optim.Instance.from_frames(**doc)`
    builds an instance directly.
    """
    return _build(parcels, uses=uses, sources=sources, periods=periods, seed=seed)[0]


def write(doc: dict, out_dir: str | Path) -> Path:
    """Write `doc` (from `generate`) to `out_dir`: `instance.yaml` with every table
    inline except `parcels.csv` and `options.csv`. Returns the YAML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    top = {}
    for key, value in doc.items():
        if isinstance(value, pd.DataFrame):
            name = f"{key}.csv"
            _write_csv(value, out / name)
            top[key] = {"file": name}
        else:
            top[key] = _plain(value)
    path = out / "instance.yaml"
    text = yaml.safe_dump(top, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)
    path.write_text(f"# Synthetic instance written by optim.generate.\n{text}", encoding="utf-8")
    return path


# ---- the generator ------------------------------------------------------------
def _build(n: int, *, uses: int, sources: int, periods: int, seed: int) -> tuple[dict, dict]:
    """The document and its reference plan: {'use': per-parcel use ids,
    'build': project ids built, 'draws': {(source, category): amount}}."""
    _check_args(n, uses, sources, periods, seed)
    rng = np.random.default_rng(seed)
    cat = list(USE_CATALOGUE[:uses])
    use_ids = np.array([u["id"] for u in cat], dtype=object)
    U = len(cat)
    ind_u = use_ids.tolist().index("industrial")
    eco_u = use_ids.tolist().index("ecological") if "ecological" in use_ids else -1
    is_ind = np.array([u["industrial"] for u in cat])
    is_com = np.array([u["commercial"] for u in cat])

    # ---- grid, zones, river -----------------------------------------------------
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    k = np.arange(n)
    r, c = k // cols, k % cols
    zc_n = int(np.clip(round(cols / 4), 1, 8))
    zr_n = int(np.clip(round(rows / 4), 1, 8))
    zw, zh = math.ceil(cols / zc_n), math.ceil(rows / zr_n)
    zc_n, zr_n = math.ceil(cols / zw), math.ceil(rows / zh)
    zone = (r // zh) * zc_n + (c // zw)
    Z = zr_n * zc_n
    zone_names = np.array([f"{chr(65 + i // zc_n)}{i % zc_n + 1}" for i in range(Z)], dtype=object)
    zr_c = (np.arange(Z) // zc_n + 0.5) * zh
    zc_c = (np.arange(Z) % zc_n + 0.5) * zw
    dist = np.hypot((zr_c - rows / 2) / max(rows, 1), (zc_c - cols / 2) / max(cols, 1))
    quality = np.clip(1.0 - 1.4 * dist + rng.normal(0.0, 0.15, Z), 0.0, 1.0)

    phase = rng.uniform(0, 2 * np.pi)
    river_row = (rows - 1) * (0.5 + 0.3 * np.sin(2 * np.pi * 1.3 * c / max(cols, 1) + phase))
    route = np.abs(r - river_row) < 0.75

    spacing = 0.12  # km between parcel centres (about 20 mu per cell)
    x = np.round((c + 0.5 + rng.uniform(-0.2, 0.2, n)) * spacing, 3)
    y = np.round((r + 0.5 + rng.uniform(-0.2, 0.2, n)) * spacing, 3)
    area = np.round(np.clip(rng.lognormal(np.log(17.0), 0.55, n), 1.5, 300.0), 2)

    # ---- current use: zone mix, ecological and commercial along the river -------
    base = np.array([SHARE_OVERRIDE.get(u["id"], u["share"]) for u in cat])
    zone_mix = base[None, :] * rng.lognormal(0.0, 0.7, (Z, U))
    prob = zone_mix[zone]
    if eco_u >= 0:
        prob[route, eco_u] *= 4.0
    prob[route] *= np.where(is_com, 1.5, 1.0)[None, :]
    cum = np.cumsum(prob, axis=1)
    draw = rng.random(n) * cum[:, -1]
    current = np.minimum((draw[:, None] > cum).sum(axis=1), U - 1)

    # ---- options: current use + 1-3 alternatives ---------------------------------
    key = rng.random((n, U))
    if eco_u >= 0:  # turning land back to green space is rare off the river
        key[:, eco_u] *= np.where(route, 1.0, 0.3)
    non_eco = current != eco_u
    force_ind = non_eco & (rng.random(n) < 0.85)
    key[force_ind, ind_u] = 2.0
    key[k, current] = 3.0
    n_alt = np.minimum(rng.choice([1, 2, 3], size=n, p=[0.25, 0.5, 0.25]), U - 1)
    order = np.argsort(-key, axis=1, kind="stable")
    chosen = np.zeros((n, U), dtype=bool)
    np.put_along_axis(chosen, order, np.arange(U)[None, :] <= n_alt[:, None], axis=1)
    op, ou = np.nonzero(chosen)  # sorted by parcel, then use
    m = len(op)
    rez = ou != current[op]

    # ---- per-mu figures of the options -------------------------------------------
    q = np.clip(quality[zone[op]] + rng.normal(0.0, 0.12, m), 0.0, 1.0)
    lo = np.array([u["income"][0] for u in cat])[ou]
    hi = np.array([u["income"][1] for u in cat])[ou]
    income = np.round((lo + (hi - lo) * q) * M, -3).astype(np.int64)

    intensity = rng.random(m)  # productivity of an industrial option
    lo = np.array([u["output"][0] for u in cat])[ou]
    hi = np.array([u["output"][1] for u in cat])[ou]
    output = np.round((lo + (hi - lo) * intensity) * M, -4).astype(np.int64)

    conv_lo = np.array([CONVERSION[u][0] for u in use_ids])[current[op]]
    conv_hi = np.array([CONVERSION[u][1] for u in use_ids])[current[op]]
    conversion = np.where(rez, np.round((conv_lo + (conv_hi - conv_lo) * rng.random(m)) * M, -3),
                          0).astype(np.int64)

    res_cols: dict[str, np.ndarray] = {}
    res_cols["construction_land_quota"] = (rez & (ou != eco_u)).astype(np.int64)
    ind_opt = is_ind[ou]
    for name, corr in (("energy", 0.9), ("water", 0.6), ("emissions", 0.8)):
        lo = np.array([u[name][0] for u in cat])[ou]
        hi = np.array([u[name][1] for u in cat])[ou]
        t = np.where(ind_opt, corr * intensity + (1 - corr) * rng.random(m), rng.random(m))
        t = t * rng.uniform(0.9, 1.1, m)
        # drawn in kg (or m3) per mu, stated in t (or 1000 m3) per mu with 3 decimals
        res_cols[name] = np.round(lo + (hi - lo) * np.clip(t, 0.0, 1.1)) / 1000.0

    # ---- reference plan: current uses + a planted set rezoned to industrial -------
    opt_ind = ou == ind_u
    cand = rez & opt_ind & ~is_ind[current[op]]  # industrial option, parcel not industrial now
    plant_opt = cand & (rng.random(m) < 0.08)
    plan_opt = (~rez) | plant_opt
    # a parcel with a planted option takes it instead of its current use
    planted_parcel = np.zeros(n, dtype=bool)
    planted_parcel[op[plant_opt]] = True
    plan_opt &= ~((~rez) & planted_parcel[op])
    plan_use = use_ids[current].copy()
    plan_use[op[plant_opt]] = "industrial"

    a = area[op]
    totals = lambda per_mu: per_mu * a  # noqa: E731  (what option_basis per_area means)
    li_opt = totals(income)
    conv_opt = totals(conversion)
    total_area = float(area.sum())
    planted_area = float(a[plant_opt].sum())
    ia_plan = float(a[plan_opt & is_ind[ou]].sum())
    li_plan = float(li_opt[plan_opt].sum())
    rci_plan = float(li_opt[plan_opt & is_com[ou] & route[op]].sum())
    conv_plan = float(conv_opt[plan_opt].sum())

    # ---- resources: caps part of the way from the plan's use to the most possible --
    resources = []
    for spec in RESOURCES:
        per = totals(res_cols[spec["id"]])
        used = float(per[plan_opt].sum())
        most = float(pd.Series(per).groupby(op).max().sum()) if m else 0.0
        alpha = rng.uniform(*ALPHA_RANGE)
        cap = math.ceil(used + alpha * max(most - used, 0.0) + 1e-6 * used + 1.0)
        resources.append({"id": spec["id"], "cap": cap, "unit": spec["unit"],
                          "description": spec["description"]})

    # ---- projects ---------------------------------------------------------------------
    def cost(lo_, hi_):  # investment in yuan scaled by the park's area
        return _round_up(total_area * rng.uniform(lo_, hi_) * M, 10_000)

    # Industrial land: the plan's industrial area is the mandatory need (less a margin);
    # the land-use plan caps it part of the way to the most possible, and the optional
    # park projects need more of it than the cap leaves: a knapsack of a few big items.
    need1 = math.floor(max(ia_plan - 0.1 * planted_area, 0.0))
    ia_most = float(pd.Series(np.where(is_ind[ou], a, 0.0)).groupby(op).max().sum()) if m else 0.0
    ia_max = math.ceil(ia_plan + rng.uniform(*IA_ALPHA) * max(ia_most - ia_plan, 0.0) + 1.0)
    room = ia_max - need1
    projects = [
        dict(id="park_phase1", category="park", cost=cost(0.03, 0.06), mandatory=True,
             industrial_area=need1, description="first phase of the industrial park"),
    ]
    # investors applying for industrial land: more applications than the room left
    n_inv = int(np.clip(n // INVESTOR_PER_PARCELS, *INVESTOR_COUNT))
    inv_area = np.maximum(np.round(room * rng.uniform(*INVESTOR_AREA_SHARE, n_inv)), 1)
    inv_cost = np.ceil(inv_area * rng.uniform(*INVESTOR_COST_PER_MU, n_inv) * M / 1e4) * 1e4
    inv_out = np.ceil(inv_area * rng.uniform(*INVESTOR_OUTPUT_PER_MU, n_inv) * M / 1e4) * 1e4
    sectors = rng.choice(len(SECTORS), n_inv)
    for j in range(n_inv):
        projects.append(dict(
            id=f"investor_{j + 1:02d}", category="investment", cost=int(inv_cost[j]), mandatory=False,
            industrial_area=int(inv_area[j]), output=int(inv_out[j]),
            description=f"investment application: {SECTORS[sectors[j]]}"))
    c_ = cost(*OPTIONAL_COST)
    projects.append(dict(id="logistics_hub", category="infrastructure", cost=c_, mandatory=False,
                         output=_round_up(c_ * rng.uniform(*PROJECT_OUTPUT_RATIO), 10_000),
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
    need = {cid["id"]: 0.0 for cid in CATEGORIES}
    for p in projects:
        if p["mandatory"]:
            need[p["category"]] += p["cost"]
    need["park"] += conv_plan
    total_plan = sum(need.values())

    # ---- sources: plan draws, then caps, tickets and fees around them -----------------
    specs = _source_specs(sources)
    in_plan = [s["plan"] if s["plan"] is not None else bool(rng.random() < 0.5) for s in specs]
    weight = [rng.uniform(0.5, 1.5) if p else 0.0 for p in in_plan]
    draws: dict[tuple[str, str], float] = {}
    for cdef in CATEGORIES:
        cid = cdef["id"]
        elig = [j for j, s in enumerate(specs) if in_plan[j]
                and (s["categories"] is None or cid in s["categories"])]
        ext = need[cid] * PLAN_EXTERNAL_SHARE[cid]
        wsum = sum(weight[j] for j in elig)
        for j in elig:
            draws[(specs[j]["id"], cid)] = math.floor(ext * weight[j] / wsum)
    drawn = {s["id"]: sum(v for (sid, _), v in draws.items() if sid == s["id"]) for s in specs}
    src_rows = []
    fees_plan = 0.0
    for j, s in enumerate(specs):
        d = drawn[s["id"]]
        if d > 0:
            cap = math.ceil(d * (1.0 + rng.uniform(*CAP_SLACK)))
            ticket = math.floor(d * rng.uniform(*PLAN_TICKET)) if s["kind"] != "special_fund" else 0
        else:
            cap = math.ceil(total_plan * rng.uniform(*NEW_CAP))
            ticket = math.floor(cap * rng.uniform(*NEW_TICKET))
        fee = 0 if s["kind"] == "special_fund" else _round_up(cap * rng.uniform(*FEE_RANGE), 1_000)
        if d > 0 and (ticket > 0 or fee > 0):
            fees_plan += fee
        row = dict(id=s["id"], kind=s["kind"], cap=_round_up(cap, 10_000),
                   min_ticket=_round_down(ticket, 10_000), fixed_cost=fee,
                   rate=round(float(rng.uniform(*s["rate"])), 4))
        row["categories"] = "all" if s["categories"] is None else list(s["categories"])
        row["description"] = s["description"]
        src_rows.append(row)

    own_plan = sum(need[cid] - sum(v for (_, c2), v in draws.items() if c2 == cid) for cid in need)
    # own funds: the plan's needs and fees, or more: a share of what the investor
    # applications would cost (no other source pays for most of them)
    inv_total = float(inv_cost.sum())
    area_share = min(1.0, room / max(float(inv_area.sum()), 1.0))
    money = rng.uniform(*INVESTOR_MONEY_SHARE) * area_share * inv_total
    budget = _round_up(max(0.0, max(own_plan, money)
                           + fees_plan - LAND_INCOME_TO_OWN_FUNDS * li_plan), 10_000)
    capital_plan = own_plan + sum(drawn[s["id"]] for s in specs
                                  if s["kind"] in ("policy_finance", "equity"))
    kappa = math.floor(min(0.2, 0.95 * capital_plan / total_plan) * 100) / 100
    own_eco = need["ecology"] - sum(v for (_, c2), v in draws.items() if c2 == "ecology")
    park_income = _round_up(max(own_eco / EOD_INCOME_SHARE - rci_plan, 0.0) * 1.05
                            + total_plan * 0.002, 10_000)

    # ---- the document ---------------------------------------------------------------
    parcel_ids = _ids("P", n)
    parcels_df = pd.DataFrame({
        "id": parcel_ids, "area": area, "current_use": use_ids[current],
        "zone": zone_names[zone], "x": x, "y": y,
        "route": np.where(route, "true", "false"),
    })
    options_df = pd.DataFrame({
        "parcel": parcel_ids[op], "use": use_ids[ou], "land_income": income,
        "output": output, "conversion_cost": conversion,
        **{spec["id"]: res_cols[spec["id"]] for spec in RESOURCES},
    })
    description = (
        f"Synthetic industrial park: {n} parcels in {Z} zones, {U} uses, {len(specs)} sources, "
        f"{periods} period{'s' if periods != 1 else ''} (single-period model), seed {seed}. "
        "Generated by optim.generate; feasible by construction (reference plan: current uses "
        "plus a planted set rezoned to industrial).")
    assumptions = [
        dict(id="generator_seed", text="random seed of the generator", value=seed),
        dict(id="periods", text="planning periods requested; the instance is single-period",
             value=periods),
        dict(id="planted_industrial_area",
             text="area of the reference plan's parcels rezoned to industrial", value=round(planted_area, 2),
             unit="mu"),
        dict(id="land_price_ranges",
             text="land income per mu: commercial/residential 2-5 M, industrial 0.3-0.6 M, "
                  "ecological 0, scaled by zone quality", unit="yuan/mu"),
        dict(id="industrial_output_range", text="annual output of industrial land per mu, 3-8 M; "
             "energy, water and emissions grow with it", unit="yuan/mu/yr"),
        dict(id="conversion_cost_range", text="conversion cost of a rezoning per mu, 0.2-0.8 M "
             "by current use", unit="yuan/mu"),
    ]
    doc = {
        "name": f"synthetic-n{n}-u{U}-s{len(specs)}-seed{seed}",
        "description": description,
        "units": {"money": "yuan", "area": "mu"},
        "assumptions": assumptions,
        "uses": [dict(id=u["id"], industrial=u["industrial"], commercial=u["commercial"],
                      description=u["description"]) for u in cat],
        "categories": [dict(cdef) for cdef in CATEGORIES],
        "resources": resources,
        "option_basis": "per_area",
        "parcels": parcels_df,
        "options": options_df,
        "projects": projects,
        "sources": src_rows,
        "policy": {
            "coverage_target": COVERAGE_TARGET,
            "coverage_scope": list(SCOPE),
            "own_funds_budget": budget,
            "land_income_to_own_funds": LAND_INCOME_TO_OWN_FUNDS,
            "conversion_category": "park",
            "max_industrial_area": ia_max,
            "min_capital_share": kappa,
        },
        "eod": {"income_share": EOD_INCOME_SHARE, "park_commercial_income": park_income},
        "objective": {"weights": dict(WEIGHTS)},
    }
    plan = {"use": pd.Series(plan_use, index=parcel_ids, name="use"),
            "build": [p["id"] for p in projects if p["mandatory"]],
            "draws": draws}
    return doc, plan


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


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


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
