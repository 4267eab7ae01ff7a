"""Parcels from GIS files (optim/inputs/gis.py) and plans back to GIS (plan.gpkg).

Layers are built here from rectangles whose areas and shared edges are worked
out by hand (metres, in UTM zone 48N, EPSG:32648, near the reference park):

    T-junction layout (metres from the origin X0, Y0):

        A: (0,100)-(200,200)   200 x 100 = 20,000 m2 = 30 mu
        B: (0,0)-(100,100)     100 x 100 = 10,000 m2 = 15 mu
        C: (100,0)-(200,100)   15 mu
        D: (0,-100)-(50,0)     50 x 100 = 5,000 m2 = 7.5 mu
        E: (50,-100)-(200,0)   150 x 100 = 15,000 m2 = 22.5 mu
        F: (200,200)-(300,300) touches A at the corner (200, 200) only: 15 mu

    A's lower edge is whole while B and C each share half of it, and B's lower
    edge is split between D and E: T-junctions. Neighbours and shared lengths:
    A-B 100 m, A-C 100 m, B-C 100 m, B-D 50 m, B-E 50 m, C-E 100 m, D-E 100 m
    (7 pairs); A-F meet at a corner only and are not neighbours.

Every bad layer is refused with a message naming the file, the feature and
the parcel; tests need the `gis` extra and are skipped without it.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

gpd = pytest.importorskip("geopandas", reason="the gis extra (geopandas) is not installed")
shapely = pytest.importorskip("shapely", reason="the gis extra (shapely) is not installed")

import optim  # noqa: E402
from optim.check.certificate import check_result_dir  # noqa: E402
from optim.cli import main  # noqa: E402
from optim.errors import MissingExtra  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TINY = yaml.safe_load((ROOT / "instances" / "tiny" / "instance.yaml").read_text())
EVERY = yaml.safe_load((ROOT / "tests" / "data" / "every_family" / "instance.yaml").read_text())
X0, Y0 = 500_000.0, 3_800_000.0
UTM = "EPSG:32648"
MU = 10_000 / 15

T_LAYOUT = {
    "A": (0, 100, 200, 200), "B": (0, 0, 100, 100), "C": (100, 0, 200, 100),
    "D": (0, -100, 50, 0), "E": (50, -100, 200, 0), "F": (200, 200, 300, 300),
}
T_AREAS = {"A": 30.0, "B": 15.0, "C": 15.0, "D": 7.5, "E": 22.5, "F": 15.0}
T_PAIRS = {("A", "B"): 100, ("A", "C"): 100, ("B", "C"): 100, ("B", "D"): 50, ("B", "E"): 50,
           ("C", "E"): 100, ("D", "E"): 100}


# ---- helpers ------------------------------------------------------------------------------
def rect(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def instance_doc(ids: list[str]) -> dict:
    """The tiny instance's uses, projects and sources with parcels `ids`, each
    commercial today with an industrial option (no projects need land)."""
    doc = copy.deepcopy(TINY)
    doc["options"] = [o for p in ids for o in (
        {"parcel": p, "use": "commercial", "land_income": 1_000_000},
        {"parcel": p, "use": "industrial", "output": 500_000, "energy": 0})]
    for project in doc["projects"]:
        project["industrial_area"] = 0
    doc.pop("parcels")
    return doc


def layer(shapes: dict, crs=UTM, **columns) -> gpd.GeoDataFrame:
    ids = list(shapes)
    data = {"id": ids, "current_use": ["commercial"] * len(ids), **columns}
    return gpd.GeoDataFrame(data, geometry=list(shapes.values()), crs=crs)


def write_instance(tmp_path: Path, frame: gpd.GeoDataFrame | None, doc: dict | None = None,
                   name: str = "parcels.gpkg", entry: dict | None = None, **keys) -> Path:
    """The instance with parcels from `frame` written to `name` (GeoPackage layer
    `parcels`, shapefile or GeoJSON by the name's ending)."""
    if frame is not None:
        path = tmp_path / name
        if name.endswith(".gpkg"):
            frame.to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
        elif name.endswith(".shp"):
            frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio")
        else:
            frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    doc = doc or instance_doc(list(frame["id"]))
    doc["parcels"] = {"file": name, **(entry or {})}
    doc.update(keys)
    out = tmp_path / "instance.yaml"
    out.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


def problems(path: Path) -> list[str]:
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    return [str(p) for p in err.value.problems]


def pairs_of(inst) -> dict[tuple[str, str], float]:
    adj = inst.adjacency
    return {tuple(sorted((a, b))): float(n) * 1000 for a, b, n in zip(adj["parcel_a"], adj["parcel_b"], adj["length"])}


def t_layout_instance(tmp_path, shapes=None, **keys):
    shapes = shapes or {p: rect(*b) for p, b in T_LAYOUT.items()}
    keys.setdefault("adjacency", {"from_geometry": True})
    return write_instance(tmp_path, layer(shapes), **keys)


def jitter(polygon, rng, size):
    """The polygon with every vertex moved by up to `size` metres (each polygon on its
    own, so neighbours gain gaps and overlaps of up to 2 x size)."""
    coords = shapely.get_coordinates(polygon)
    coords = coords + rng.uniform(-size, size, coords.shape)
    coords[-1] = coords[0]
    return shapely.Polygon(coords)


# ---- areas and neighbours ---------------------------------------------------------------------
def test_areas_and_adjacency_from_rectangles(tmp_path):
    inst = optim.load(t_layout_instance(tmp_path))
    assert inst.parcels["area"].to_dict() == pytest.approx(T_AREAS, abs=1e-4)
    found = pairs_of(inst)
    assert set(found) == set(T_PAIRS)  # every T-junction pair, and not the corner-only A-F
    assert found == pytest.approx(T_PAIRS, abs=1e-6)
    assert inst.geometry.metric_crs.to_epsg() == 32648 and inst.notes == []
    assert list(inst.geometry.shapes.index) == list(T_LAYOUT)


def test_slivers_are_snapped_within_the_tolerance(tmp_path):
    rng = np.random.default_rng(3)
    shapes = {p: jitter(rect(*b), rng, 0.3) for p, b in T_LAYOUT.items()}
    found = pairs_of(optim.load(t_layout_instance(tmp_path, shapes)))
    assert set(found) == set(T_PAIRS)
    for pair, length in T_PAIRS.items():
        assert abs(found[pair] - length) < 1.5, pair  # snapping does not lengthen edges
    # without a tolerance the overlaps of a few tenths of a metre are overlapping parcels
    exact = problems(t_layout_instance(tmp_path, shapes, adjacency={"from_geometry": True, "tolerance_m": 0}))
    assert exact and all("more than the 0 m tolerance" in p for p in exact)


def test_a_gap_is_bridged_only_within_the_tolerance(tmp_path):
    shapes = {"P": rect(0, 0, 100, 100), "Q": rect(100.5, 0, 200, 100)}  # a 0.5 m gap
    path = write_instance(tmp_path, layer(shapes), adjacency={"from_geometry": True, "tolerance_m": 1})
    assert pairs_of(optim.load(path)) == pytest.approx({("P", "Q"): 100.0})
    path = write_instance(tmp_path, layer(shapes), adjacency={"from_geometry": True, "tolerance_m": 0.2})
    assert pairs_of(optim.load(path)) == {}
    path = write_instance(tmp_path, layer(shapes), adjacency={"from_geometry": True, "tolerance_m": 25})
    assert problems(path) == ["instance.yaml: adjacency.tolerance_m: must be at most 10 m, not 25: a wider gap is "
                              "a road or a strip of land, not a sliver"]
    path = write_instance(tmp_path, layer(shapes), adjacency={"from_geometry": True, "snap": 1})
    assert problems(path) == ["instance.yaml: adjacency: unknown key(s) snap; adjacency from the parcels' polygons "
                              "may have from_geometry, tolerance_m"]


def test_given_area_column_wins_and_solves_like_the_tiny_instance(tmp_path):
    """The tiny instance's parcels as rectangles (P1, P3 side by side under P2):
    areas from the polygons are the tiny instance's 10, 20, 10 mu, so the plan is
    the tiny instance's, whose optimum tests/test_tiny.py works out by hand."""
    h = 20_000 / 3 / 100  # 66.67 m: 100 m x 66.67 m = 10 mu
    shapes = {"P1": rect(0, 0, 100, h), "P2": rect(0, h, 200, 2 * h), "P3": rect(100, 0, 200, h)}
    frame = layer(shapes, route=[True, False, False])
    frame["current_use"] = ["commercial", "residential", "industrial"]
    doc = copy.deepcopy(TINY)
    path = write_instance(tmp_path, frame, doc)
    inst = optim.load(path)
    assert inst.parcels["area"].to_dict() == pytest.approx({"P1": 10.0, "P2": 20.0, "P3": 10.0}, abs=1e-4)
    assert optim.solve(inst).objective == pytest.approx(optim.solve(optim.load(ROOT / "instances" / "tiny" /
                                                                                "instance.yaml")).objective)
    frame["area"] = [11.0, 22.0, 12.0]  # a surveyed area in the layer wins
    inst = optim.load(write_instance(tmp_path, frame, copy.deepcopy(TINY)))
    assert inst.parcels["area"].tolist() == [11.0, 22.0, 12.0]


# ---- coordinate systems -------------------------------------------------------------------------
def test_lon_lat_is_reprojected_to_utm(tmp_path):
    frame = layer({p: rect(*b) for p, b in T_LAYOUT.items()}).to_crs("EPSG:4326")
    inst = optim.load(write_instance(tmp_path, frame, adjacency={"from_geometry": True}))
    assert inst.notes == ["parcels.gpkg[parcels]: EPSG:4326 (WGS 84) is in degrees: areas and lengths are taken "
                          "in EPSG:32648 (WGS 84 / UTM zone 48N)"]
    assert inst.parcels["area"].to_dict() == pytest.approx(T_AREAS, abs=1e-3)
    assert pairs_of(inst) == pytest.approx(T_PAIRS, abs=1e-3)
    assert inst.geometry.crs.to_epsg() == 4326  # the file's own system is kept for plan.gpkg


def test_web_mercator_areas_are_taken_in_utm(tmp_path):
    frame = layer({p: rect(*b) for p, b in T_LAYOUT.items()}).to_crs("EPSG:3857")
    inst = optim.load(write_instance(tmp_path, frame))
    assert inst.notes == ["parcels.gpkg[parcels]: EPSG:3857 (WGS 84 / Pseudo-Mercator) is a Mercator projection, "
                          "which stretches areas and lengths away from the equator: areas and lengths are taken in "
                          "EPSG:32648 (WGS 84 / UTM zone 48N)"]
    assert inst.parcels["area"].to_dict() == pytest.approx(T_AREAS, abs=1e-3)  # not 47 % more
    assert frame.geometry.area.iloc[0] / MU > 1.4 * T_AREAS["A"]


def test_missing_or_implied_coordinate_systems(tmp_path):
    frame = layer({"P": rect(0, 0, 100, 100)})
    shp = write_instance(tmp_path, frame, name="parcels.shp")
    (tmp_path / "parcels.prj").unlink()
    assert problems(shp) == ["parcels.shp: no coordinate system (a shapefile without its .prj file): give it in "
                             "the table's entry, e.g. `crs: EPSG:4545` (CGCS2000 / 3-degree Gauss-Kruger CM 108E), "
                             "or assign it in QGIS (Layer Properties > Source) and save the layer again"]
    assert optim.load(write_instance(tmp_path, None, instance_doc(["P"]), name="parcels.shp",
                                     entry={"crs": UTM})).parcels["area"]["P"] == pytest.approx(15.0)
    # GeoJSON without a crs member is WGS 84 by RFC 7946: metres saved that way are refused
    plain = frame.set_crs(None, allow_override=True)
    gj = write_instance(tmp_path, plain, name="parcels.geojson")
    assert '"crs"' not in (tmp_path / "parcels.geojson").read_text()
    assert problems(gj) == ["parcels.geojson: coordinates up to (500100, 3.8001e+06) are not longitude/latitude, "
                            "but a GeoJSON file without a \"crs\" member is read as EPSG:4326 (RFC 7946): the layer "
                            "is probably in projected metres; give its coordinate system, e.g. `crs: EPSG:4545` "
                            "(CGCS2000 / 3-degree Gauss-Kruger CM 108E)"]
    ok = write_instance(tmp_path, None, instance_doc(["P"]), name="parcels.geojson", entry={"crs": UTM})
    assert optim.load(ok).parcels["area"]["P"] == pytest.approx(15.0)
    lonlat = write_instance(tmp_path, frame.to_crs("EPSG:4326"), name="lonlat.geojson")
    assert optim.load(lonlat).parcels["area"]["P"] == pytest.approx(15.0, abs=1e-3)
    clash = write_instance(tmp_path, frame, entry={"crs": "EPSG:4545"})
    assert problems(clash) == ["parcels.gpkg[parcels]: crs: the file's coordinate system is EPSG:32648 (WGS 84 / "
                               "UTM zone 48N), not EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E): `crs:` is "
                               "for a file without one; remove it"]


# ---- bad geometry --------------------------------------------------------------------------------
def test_bad_geometry_names_the_feature_and_the_parcel(tmp_path):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    assert bowtie.area == 0  # what shapely makes of it: the parcel would vanish
    two = shapely.MultiPolygon([rect(300, 0, 400, 100), rect(500, 0, 600, 100)])
    one = shapely.MultiPolygon([rect(700, 0, 800, 100)])  # one part: accepted
    shapes = {"OK": rect(-200, 0, -100, 100), "BOW": bowtie, "TWO": two, "ONE": one,
              "DOT": shapely.Point(X0 - 500, Y0), "OVER": rect(-150, 50, -50, 150)}
    frame = layer(shapes)
    frame = pd.concat([frame, layer({"NONE": rect(0, 0, 1, 1)})], ignore_index=True)
    frame.loc[6, "geometry"] = None
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=UTM)
    found = problems(write_instance(tmp_path, frame))
    assert found == [
        "parcels.gpkg[parcels] feature 7 (parcel 'NONE'): has no geometry (an empty feature): draw the parcel's "
        "polygon or delete the feature",
        "parcels.gpkg[parcels] feature 5 (parcel 'DOT'): is a Point, not a polygon: a parcel is an area",
        "parcels.gpkg[parcels] feature 3 (parcel 'TWO'): has 2 separate parts; a parcel must be one piece: split "
        "it into parcels with their own ids, or join the parts",
        "parcels.gpkg[parcels] feature 2 (parcel 'BOW'): invalid polygon (Self-intersection[500050 3800050]): "
        "its boundary crosses itself (a 'bow-tie') or a ring touches itself; fix it in QGIS (Vector > Geometry "
        "Tools > Fix Geometries)",
        "parcels.gpkg[parcels] feature 1 (parcel 'OK'): overlaps feature 6 (parcel 'OVER') by 2,500.0 m2 (about "
        "25.0 m wide, more than the 1 m tolerance): each piece of land belongs to one parcel; correct the "
        "boundaries",
    ]
    assert all("Traceback" not in p for p in found)


def test_cli_reports_bad_geometry_with_exit_2(tmp_path, capsys):
    frame = layer({"P": rect(0, 0, 100, 100), "Q": rect(50, 0, 150, 100)})
    path = write_instance(tmp_path, frame)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "error: parcels.gpkg[parcels] feature 1 (parcel 'P'): overlaps feature 2 (parcel 'Q') by 5,000.0 m2" in err
    assert "Traceback" not in err


def test_layer_choice_and_missing_polygons(tmp_path):
    frame = layer({"P": rect(0, 0, 100, 100)})
    frame.to_file(tmp_path / "two.gpkg", layer="a", driver="GPKG", engine="pyogrio")
    frame.to_file(tmp_path / "two.gpkg", layer="b", driver="GPKG", engine="pyogrio")
    path = write_instance(tmp_path, None, instance_doc(["P"]), name="two.gpkg")
    assert problems(path) == ["two.gpkg: the file has 2 layers ('a', 'b'): say which with `layer:`"]
    path = write_instance(tmp_path, None, instance_doc(["P"]), name="two.gpkg", entry={"layer": "c"})
    assert problems(path) == ["two.gpkg: no layer 'c' (layers: 'a', 'b')"]
    path = write_instance(tmp_path, None, instance_doc(["P"]), name="two.gpkg", entry={"layer": "b", "sheet": "x"})
    assert problems(path) == ["instance.yaml: parcels: unknown key(s) sheet; a table read from a GIS file may have "
                              "file, layer, encoding, crs"]
    # adjacency from polygons the parcels do not have
    doc = instance_doc(["P"])
    doc["parcels"] = [{"id": "P", "area": 10, "current_use": "commercial"}]
    doc["adjacency"] = {"from_geometry": True}
    (tmp_path / "inline.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert problems(tmp_path / "inline.yaml") == [
        "instance.yaml: adjacency.from_geometry: the parcels have no polygons: read the parcels from a GIS file "
        "({file: parcels.gpkg}) or give the adjacency table".replace("instance.yaml", "inline.yaml")]


def test_missing_gis_extra_is_one_clear_problem(tmp_path, monkeypatch):
    path = write_instance(tmp_path, layer({"P": rect(0, 0, 100, 100)}))
    monkeypatch.setitem(sys.modules, "geopandas", None)
    assert problems(path) == ["parcels.gpkg: reading a GIS file needs the gis extra: pip install 'optim[gis]'"]


# ---- shapefile text --------------------------------------------------------------------------------
def shapefile(tmp_path, ids, encoding, cpg: str | None):
    frame = layer({p: rect(100 * k, 0, 100 * k + 100, 100) for k, p in enumerate(ids)})
    frame.to_file(tmp_path / "parcels.shp", driver="ESRI Shapefile", engine="pyogrio", encoding=encoding)
    cpg_path = tmp_path / "parcels.cpg"
    if cpg is None:
        cpg_path.unlink(missing_ok=True)
    else:
        cpg_path.write_text(cpg)


def test_shapefile_encodings(tmp_path):
    ids = ["青岗堡01号", "QA02"]
    shapefile(tmp_path, ids, "gbk", None)  # GBK text, no .cpg: GDAL would read it as Latin-1
    path = write_instance(tmp_path, None, instance_doc(ids), name="parcels.shp")
    raw = "青岗堡01号".encode("gbk")
    assert problems(path) == [f"parcels.shp feature 0, id: text {raw!r} is not UTF-8 and the shapefile says nothing "
                              "of its encoding (no .cpg file); it reads as GBK (Chinese Windows): '青岗堡01号', so "
                              "give `encoding: gbk`; or add a .cpg file naming the encoding"]
    inst = optim.load(write_instance(tmp_path, None, instance_doc(ids), name="parcels.shp",
                                     entry={"encoding": "gbk"}))
    assert list(inst.parcels.index) == ids
    assert inst.notes == ["parcels.shp: text attributes read as gbk (the instance's `encoding`)",
                          "parcels.shp: column 'current_us' read as 'current_use' (a shapefile cuts field names "
                          "at 10 characters)"]
    shapefile(tmp_path, ids, "gbk", "936")  # a .cpg naming code page 936
    inst = optim.load(write_instance(tmp_path, None, instance_doc(ids), name="parcels.shp"))
    assert list(inst.parcels.index) == ids
    assert inst.notes[0] == "parcels.shp: text attributes read as gbk (its .cpg file (936))"
    # the declared encoding does not fit the bytes: refused, naming the feature
    path = write_instance(tmp_path, None, instance_doc(ids), name="parcels.shp", entry={"encoding": "utf-8"})
    assert problems(path)[0] == (f"parcels.shp feature 0, id: text {raw!r} does not decode as utf-8 (the encoding "
                                 "of the instance's `encoding`): give the right one with `encoding:` in the "
                                 "table's entry")
    shapefile(tmp_path, ids, "utf-8", None)  # UTF-8 without a .cpg: valid UTF-8 is read as such
    inst = optim.load(write_instance(tmp_path, None, instance_doc(ids), name="parcels.shp"))
    assert list(inst.parcels.index) == ids
    assert inst.notes[0] == ("parcels.shp: text attributes read as utf-8 (none given (no .cpg file); the text is "
                             "valid UTF-8)")
    gpkg = write_instance(tmp_path, layer({"P": rect(0, 0, 1, 1)}), entry={"encoding": "gbk"})
    assert problems(gpkg) == ["instance.yaml: parcels.encoding: applies to shapefiles only: GeoPackage and GeoJSON "
                              "text is UTF-8"]


# ---- the river route ---------------------------------------------------------------------------------
def test_route_from_a_river_line(tmp_path):
    # parcels in a row along x; the river runs north-south at x = 150 (between P1 and P2)
    shapes = {f"P{k}": rect(100 * k, 0, 100 * k + 100, 100) for k in range(4)}
    frame = layer(shapes, route=[False, False, False, True])  # P3 on the route by its column
    river = gpd.GeoDataFrame({"name": ["qingshui"]}, geometry=[shapely.LineString(
        [(X0 + 150, Y0 - 500), (X0 + 150, Y0 + 500)])], crs=UTM).to_crs("EPSG:4326")
    river.to_file(tmp_path / "river.gpkg", layer="river", driver="GPKG", engine="pyogrio")
    path = write_instance(tmp_path, frame, route={"file": "river.gpkg", "buffer_m": 60})
    inst = optim.load(path)
    # P1 (100-200) and P2 (200-300: 50 m away) lie within 60 m; P0 is 50 m away too (its edge at 100)
    assert inst.parcels["route"].to_dict() == {"P0": True, "P1": True, "P2": True, "P3": True}
    path = write_instance(tmp_path, frame, route={"file": "river.gpkg", "buffer_m": 10})
    assert inst.notes == ["river.gpkg[river]: EPSG:4326 (WGS 84) is in degrees: distances are taken in EPSG:32648 "
                          "(WGS 84 / UTM zone 48N)"]
    assert optim.load(path).parcels["route"].to_dict() == {"P0": False, "P1": True, "P2": False, "P3": True}
    path = write_instance(tmp_path, frame, route={"file": "river.gpkg", "buffer": 10})
    assert problems(path) == ["instance.yaml: route: unknown key(s) buffer (known: file, layer, crs, buffer_m)"]
    path = write_instance(tmp_path, frame, route={"file": "river.csv", "buffer_m": 10})
    assert problems(path) == ["instance.yaml: route.file: must be a GIS file (.gpkg, .shp, .geojson, .json), "
                              "not 'river.csv'"]
    path = write_instance(tmp_path, frame, route={"file": "river.gpkg", "buffer_m": -1})
    assert problems(path) == ["instance.yaml: route.buffer_m: must be >= 0, not -1"]


# ---- plans back to GIS -----------------------------------------------------------------------------------
def every_family_on_polygons(tmp_path) -> Path:
    """tests/data/every_family (phased, with adjacency) with its parcels as 5 squares
    in a row (10 mu each: 81.65 m sides) read from a GeoPackage."""
    doc = copy.deepcopy(EVERY)
    side = (10 * MU) ** 0.5
    rows = doc.pop("parcels")
    frame = gpd.GeoDataFrame(
        {k: [r.get(k) for r in rows] for k in ("id", "current_use", "route", "lock")},
        geometry=[rect(side * k, 0, side * (k + 1), side) for k in range(len(rows))], crs=UTM)
    frame["route"] = frame["route"].fillna(False).astype(bool)
    frame["lock"] = frame["lock"].fillna("")
    doc["adjacency"] = {"from_geometry": True}
    return write_instance(tmp_path, frame, doc)


def test_plan_gpkg_round_trip_of_a_phased_plan(tmp_path, capsys):
    path = every_family_on_polygons(tmp_path)
    inst = optim.load(path)
    assert inst.parcels["area"].to_numpy() == pytest.approx([10.0] * 5)
    side_km = (10 * MU) ** 0.5 / 1000
    assert pairs_of(inst) == pytest.approx({("A", "B"): side_km * 1000, ("B", "C"): side_km * 1000,
                                            ("C", "D"): side_km * 1000, ("D", "E"): side_km * 1000},
                                           abs=1e-3)  # km to the mm
    out = tmp_path / "res"
    assert main(["solve", str(path), "--out", str(out)]) == 0
    result_parcels = pd.read_csv(out / "parcels.csv", dtype={"parcel": str, "period": str},
                                 keep_default_na=False, na_values=[""]).set_index("parcel")
    plan = gpd.read_file(out / "plan.gpkg", layer="plan")
    assert plan.crs.to_epsg() == 32648
    assert list(plan["parcel"]) == list("ABCDE")
    assert plan["use"].tolist() == result_parcels["use"].tolist()
    assert plan["rezoned"].tolist() == result_parcels["rezoned"].tolist()
    assert plan["period"].fillna("").tolist() == result_parcels["period"].fillna("").tolist()
    assert plan["land_income"].tolist() == pytest.approx(result_parcels["land_income"].tolist())
    assert (plan.geometry.area / MU).tolist() == pytest.approx([10.0] * 5)
    assert check_result_dir(inst, out)["ok"].all()  # the written plan passes the checker
    # Python: the same table with its polygons
    result = optim.solve(inst)
    gdf = result.to_geodataframe()
    assert gdf.crs.to_epsg() == 32648 and list(gdf["parcel"]) == list("ABCDE")
    assert gdf["use"].tolist() == result.parcels["use"].tolist()


def test_to_geodataframe_errors(tmp_path, monkeypatch):
    plain = optim.solve(optim.load(ROOT / "instances" / "tiny" / "instance.yaml"))
    with pytest.raises(optim.InstanceError) as err:
        plain.to_geodataframe()
    assert str(err.value.problems[0]) == ("tiny: the parcels have no polygons: a GeoDataFrame needs an instance "
                                          "whose parcels come from a GIS file (parcels: {file: parcels.gpkg})")
    result = optim.solve(optim.load(every_family_on_polygons(tmp_path)))
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "geopandas" else object())
    with pytest.raises(MissingExtra, match=r"needs the gis extra: pip install 'optim\[gis\]'"):
        result.to_geodataframe()


def test_map_of_polygons_finds_its_instance(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    from matplotlib.collections import PolyCollection

    from optim import plots

    path = every_family_on_polygons(tmp_path)
    out = tmp_path / "res"
    assert main(["solve", str(path), "--out", str(out)]) == 0
    ax = plots.figure_map(out).axes[0]  # the instance comes from summary.json
    faces, rings = [c for c in ax.collections if isinstance(c, PolyCollection)]
    parcels = pd.read_csv(out / "parcels.csv", keep_default_na=False)
    assert len(faces.get_paths()) == 5 and len(rings.get_paths()) == int(parcels["rezoned"].sum())
    assert sorted(t.get_text() for t in ax.texts if t.get_gid() == "parcel-label") == list("ABCDE")
    bar = [a for a in ax.artists if a.get_label() == "scale bar"]
    assert len(bar) == 1 and bar[0].txt_label.get_text() == "50 m"  # 408 m wide / 5 = 82 m, rounded down
    assert ax.get_xlabel() == "easting (km, EPSG:32648)"
    assert main(["plot", "map", str(out), "--out", str(tmp_path / "map.png")]) == 0
    assert (tmp_path / "map.png").stat().st_size > 5000
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["instance_file"] == str(path.resolve())


# ---- generated polygons ------------------------------------------------------------------------------
def test_generated_polygons_give_the_grid_neighbours(tmp_path):
    """`optim generate --geometry`: the polygons of a distorted grid share their vertices,
    so the neighbours found are exactly the grid's 4-neighbours (diagonal cells meet at a
    corner only), the areas are the polygons', and every other figure is drawn as without
    polygons."""
    from optim.generate import generate, write

    assert main(["generate", "--parcels", "150", "--seed", "4", "--geometry", "--out", str(tmp_path / "g")]) == 0
    inst = optim.load(tmp_path / "g" / "instance.yaml")
    plain = generate(150, seed=4)
    grid = {tuple(sorted(p)) for p in zip(plain["adjacency"]["parcel_a"].astype(str),
                                          plain["adjacency"]["parcel_b"].astype(str))}
    assert set(pairs_of(inst)) == grid
    assert (inst.adjacency["length"] > 0.01).all()  # no corner contact: every side is metres long
    layer_frame = gpd.read_file(tmp_path / "g" / "parcels.gpkg")
    assert "area" not in layer_frame.columns
    assert inst.parcels["area"].to_numpy() == pytest.approx(layer_frame.geometry.area.to_numpy() / MU, abs=1e-4)
    same = optim.load(write(plain, tmp_path / "p"))
    assert same.options.drop(columns=[]).equals(inst.options)  # per-mu figures: the same draws
    result = optim.solve(inst)
    assert result.has_plan and result.certified


# ---- the example park -------------------------------------------------------------------------------
def test_the_riverside_example_solves_in_seconds(tmp_path):
    """instances/qingshui_riverside: polygons in a GeoPackage, the route from its river
    layer, projects and sources from a workbook; the figures the README quotes."""
    pytest.importorskip("openpyxl", reason="the excel extra (openpyxl) is not installed")
    path = ROOT / "instances" / "qingshui_riverside" / "instance.yaml"
    inst = optim.load(path)
    assert len(inst.parcels) == 344 and len(inst.adjacency) == 662 and int(inst.parcels["route"].sum()) == 82
    assert inst.geometry.crs.to_epsg() == 4545 and inst.notes == []
    assert inst.parcels["area"].sum() == pytest.approx(5790, abs=1)
    result = optim.solve(inst)
    assert result.status == "optimal" and result.certified
    assert result.kpi("rezoned_area") == pytest.approx(474.9, abs=0.5)
    out = result.write(tmp_path / "res")
    assert len(gpd.read_file(out / "plan.gpkg")) == 344


def test_broken_files_and_missing_extra_for_generate(tmp_path, monkeypatch, capsys):
    (tmp_path / "parcels.gpkg").write_bytes(b"not a GeoPackage at all" * 10)
    path = write_instance(tmp_path, None, instance_doc(["P"]))
    (found,) = problems(path)
    assert found.startswith("parcels.gpkg: cannot read the GIS file: ")
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "geopandas" else object())
    assert main(["generate", "--parcels", "10", "--geometry", "--out", str(tmp_path / "g")]) == 2
    assert capsys.readouterr().err.strip() == ("optim: optim generate --geometry needs the gis extra: "
                                               "pip install 'optim[gis]'")
    assert not (tmp_path / "g").exists()
