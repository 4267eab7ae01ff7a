"""Writes the files of the Qingshui riverside example (run from the repository root):

    python instances/qingshui_riverside/make.py

A made-up park of a few hundred parcels shaped like a real cadastre, near the
reference park (Baoji, about 107.18 E 34.37 N), in CGCS2000 / 3-degree
Gauss-Kruger CM 108E (EPSG:4545), the coordinate system of Chinese cadastral
maps:

- `park.gpkg`, layer `parcels`: the parcels' polygons with their attributes
  (id, current use, zone); no area column, so areas are measured from the
  polygons. A road network (30 m trunk roads, 18 m branch roads, one diagonal)
  cuts the land into blocks, and each block is split again and again at
  random points along its longer side into parcels of 8-30 mu, so parcels
  meet at T-junctions as they do in real cadastres. Layer `river`: the
  Qingshui River's centre line; a 40 m water and embankment strip along it
  holds no parcel.
- `options.csv`: each parcel's uses and their figures per mu (income, output,
  conversion cost, quota and energy), drawn from its distance to the river
  and to the trunk roads (dearer land near both).
- `finance.xlsx`: the projects and the funding sources, as a planning office
  keeps them in a workbook (sheets `projects` and `sources`).

`instance.yaml` (written by hand) reads them: the route from the river layer
(`route: {file: park.gpkg, layer: river, buffer_m: 150}`) and the adjacency
from the polygons (`adjacency: {from_geometry: true, tolerance_m: 1}`).
Every figure is made up (seeded, so the files are the same on every run).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from shapely.ops import split

HERE = Path(__file__).resolve().parent
CRS = "EPSG:4545"
X0, Y0 = 424_000.0, 3_804_000.0  # south-west corner of the park, metres
WIDTH, HEIGHT = 2_600.0, 1_700.0
M2_PER_MU = 10_000 / 15
rng = np.random.default_rng(20230704)


def river_line() -> shapely.LineString:
    x = np.linspace(-100, WIDTH + 100, 120)
    y = 380 + 110 * np.sin(2 * np.pi * x / 1500) + 40 * np.sin(2 * np.pi * x / 430)
    return shapely.LineString(np.column_stack([X0 + x, Y0 + y]))


def roads() -> tuple[list[shapely.Geometry], list[shapely.Geometry]]:
    """(trunk roads, branch roads) as lines."""
    def line(points):
        return shapely.LineString([(X0 + x, Y0 + y) for x, y in points])
    trunk = [line([(-50, 900), (WIDTH + 50, 960)]),  # Gaoxin road, east-west
             line([(1300, -50), (1260, HEIGHT + 50)]),  # north-south axis
             line([(200, HEIGHT + 50), (1100, 1000), (1300, 930)])]  # the diagonal
    branch = [line([(-50, 1350), (WIDTH + 50, 1320)]), line([(-50, 640), (WIDTH + 50, 700)]),
              line([(650, -50), (620, HEIGHT + 50)]), line([(1900, -50), (1950, HEIGHT + 50)]),
              line([(2300, 700), (2280, HEIGHT + 50)])]
    return trunk, branch


def split_block(block: shapely.Polygon, low: float, high: float) -> list[shapely.Polygon]:
    """Split a block at random points along its longer side until each piece is
    below a target area drawn in [low, high] mu."""
    target = rng.uniform(low, high) * M2_PER_MU
    if block.area <= target * 1.4:
        return [block]
    rect = block.minimum_rotated_rectangle
    corners = np.asarray(rect.exterior.coords)[:4]
    sides = [corners[1] - corners[0], corners[2] - corners[1]]
    k = int(np.argmax([np.hypot(*s) for s in sides]))
    along = sides[k]
    start = corners[0] if k == 0 else corners[1]
    across = sides[1 - k]
    cut_at = start + rng.uniform(0.35, 0.65) * along
    cut = shapely.LineString([cut_at - 2 * across, cut_at + 3 * across])
    pieces = [g for g in split(block, cut).geoms if g.area > 1.0]
    if len(pieces) < 2:
        return [block]
    return [p for piece in pieces for p in split_block(piece, low, high)]


def main() -> None:
    extent = shapely.box(X0, Y0, X0 + WIDTH, Y0 + HEIGHT)
    river = river_line()
    trunk, branch = roads()
    cleared = shapely.union_all([river.buffer(40, cap_style="flat")]
                                + [r.buffer(15, cap_style="flat") for r in trunk]
                                + [r.buffer(9, cap_style="flat") for r in branch])
    blocks = [b for b in shapely.get_parts(extent.difference(cleared)) if b.area > 2_000]
    parcels, block_of = [], []
    for k, block in enumerate(sorted(blocks, key=lambda b: (-b.centroid.y, b.centroid.x))):
        for piece in split_block(shapely.set_precision(block, 0.01), 8, 30):
            parcels.append(shapely.set_precision(piece, 0.01))
            block_of.append(k + 1)
    parcels = [p for p in parcels if isinstance(p, shapely.Polygon) and p.area > 500]
    n = len(parcels)
    geoms = np.array(parcels, dtype=object)
    centre = shapely.centroid(geoms)
    cx, cy = shapely.get_x(centre) - X0, shapely.get_y(centre) - Y0
    d_river = shapely.distance(centre, river)
    d_trunk = np.min([shapely.distance(centre, r) for r in trunk], axis=0)
    order = np.lexsort((cx, -np.round(cy / 150)))  # numbered north to south, west to east
    geoms, cx, cy, d_river, d_trunk = geoms[order], cx[order], cy[order], d_river[order], d_trunk[order]
    blocks_sorted = np.array([block_of[k] for k in order])
    ids = [f"QS{k + 1:03d}" for k in range(n)]

    # current use: old factories in the north-east, housing and shops in the middle and west,
    # shops, housing and green land by the river
    near_river = d_river < 250
    north_east = (cx > 1300) & (cy > 950)
    u = rng.random(n)
    current = np.where(north_east & (u < 0.55), "industrial",
                       np.where(near_river & (u < 0.25), "ecological",
                                np.where(u < 0.55, "residential", "commercial")))
    zone = np.where(near_river, "riverside", np.where(north_east, "old_industry",
                                                       np.where(cx < 1280, "west_town", "east_town")))
    layer = gpd.GeoDataFrame({"id": ids, "current_use": current, "zone": zone, "block": blocks_sorted},
                             geometry=list(geoms), crs=CRS)
    layer = layer.drop(columns=["block"])
    river_layer = gpd.GeoDataFrame({"name": ["Qingshui River"]}, geometry=[river], crs=CRS)
    out = HERE / "park.gpkg"
    out.unlink(missing_ok=True)
    layer.to_file(out, layer="parcels", driver="GPKG", engine="pyogrio")
    river_layer.to_file(out, layer="river", driver="GPKG", engine="pyogrio")

    # options, per mu (option_basis: per_area)
    location = np.exp(-d_river / 600) * 0.6 + np.exp(-d_trunk / 300) * 0.4  # 0..1, dearer near both
    rows = []
    for k, pid in enumerate(ids):
        cur = current[k]
        price = 1.6 + 2.6 * location[k] + rng.uniform(-0.3, 0.3)  # M yuan/mu
        output = 4.5 + 3.0 * (cy[k] / HEIGHT) + rng.uniform(-0.8, 0.8)  # M yuan/mu/year, better up north
        conv = {"residential": 0.55, "commercial": 0.45, "industrial": 0.3, "ecological": 0.2}[cur]
        uses = {cur}
        if cur != "ecological" or rng.random() < 0.3:
            uses.add("industrial")
        if cur in ("residential", "commercial") and rng.random() < 0.5:
            uses.add("commercial" if cur == "residential" else "residential")
        for use in sorted(uses):
            income = {"commercial": price, "residential": 0.85 * price, "industrial": 0.42,
                      "ecological": 0.0}[use]
            rows.append({
                "parcel": pid, "use": use,
                "land_income": round(income * 1e6, -3),
                "output": round(output * 1e6, -3) if use == "industrial" else 0,
                "conversion_cost": round(conv * 1e6, -3) if use != cur else 0,
                "construction_land_quota": 1.0 if use != cur and cur == "ecological" else 0.0,
                "energy": round(1.8 if use == "industrial" else 0.25, 2),
            })
    pd.DataFrame(rows).to_csv(HERE / "options.csv", index=False, lineterminator="\n")

    # projects and sources, in a workbook
    book = Workbook()
    ws = book.active
    ws.title = "projects"
    ws.append(["id", "category", "cost", "mandatory", "industrial_area", "output", "description"])
    for row in (["park_phase1", "park", 620_000_000, True, 900, 0, "roads, utilities and standard factory buildings"],
                ["incubator", "park", 85_000_000, False, 60, 420_000_000, "incubator and accelerator"],
                ["service_centre", "services", 60_000_000, True, 0, 0, "canteens, supermarket, finance centre"],
                ["river_restoration", "ecology", 210_000_000, True, 0, 0, "Qingshui River embankments and wetland"],
                ["green_corridor", "ecology", 55_000_000, True, 0, 0, "riverside green corridor"]):
        ws.append(row)
    ws = book.create_sheet("sources")
    ws.append(["id", "kind", "cap", "min_ticket", "fixed_cost", "rate", "categories", "description"])
    for row in (["policy_finance", "policy_finance", 90_000_000, 0, 0, 0.02, "park;services", "policy-based finance"],
                ["cdb_loan", "bank_loan", 600_000_000, 100_000_000, 500_000, 0.038, "park;services",
                 "development bank loan"],
                ["special_funds", "special_fund", 200_000_000, 0, 0, 0.0, "ecology", "river ecology funds"],
                ["bonds", "bond", 150_000_000, 50_000_000, 800_000, 0.032, "all", "special-purpose bonds"]):
        ws.append(row)
    book.save(HERE / "finance.xlsx")
    print(f"{n} parcels, {len(rows)} options written to {HERE}")


if __name__ == "__main__":
    main()
