"""Parcels from GIS files: polygons, their areas, their neighbours, the river route.

The `gis` extra (geopandas with pyogrio, shapely, pyproj). Any table may be a
layer of a GeoPackage (.gpkg), a shapefile (.shp) or a GeoJSON file
(.geojson, .json): its attribute columns are the table's columns, as in a
CSV file. For the parcels table the features' polygons are kept as the
parcels' geometry (`ParcelGeometry`):

- areas in mu are taken from the polygons when the layer has no `area`
  column, in a projected coordinate system in metres. A layer in degrees
  (geographic) or in a Mercator projection (Web Mercator overstates areas by
  about 47 % at 34 N) is reprojected to its local UTM zone first, and a note
  says so. A layer without a coordinate system is refused (a shapefile
  without its .prj), unless the instance gives it (`crs: EPSG:4545`); so is
  a GeoJSON file without a `crs` member (read as EPSG:4326 by RFC 7946)
  whose coordinates are not longitude/latitude.
- each feature must be one valid polygon: an empty feature, a point or a
  line, a feature of several parts (parts are counted: a MultiPolygon of one
  part is accepted), a self-intersecting ("bow-tie") ring, and two parcels
  that overlap by more than a sliver are refused, naming the feature and
  the parcel.
- `adjacency_pairs` finds the neighbours and the length of their shared
  boundary: vertices closer than a tolerance (metres, after reprojecting) are
  snapped together, each polygon also taking the other's vertices that lie
  on its edges (so a corner in the middle of a neighbour's edge, a
  T-junction, is found), then the boundaries are intersected. Snapping, not
  buffering: a buffer would lengthen each shared edge by about a tolerance at
  each end. Contacts at a corner only (or shorter than the tolerance) are not
  neighbours.
- `route_flags` marks the parcels within a distance of a line or polygon
  layer (the river of the EOD route).

Shapefile text: the .dbf carries no reliable encoding. The encoding used is,
in order, the instance's `encoding:`, the .cpg file, the code page byte of
the .dbf; without any, text that is not ASCII must be valid UTF-8, else the
file is refused with the encoding it reads in (GBK on Chinese Windows). Text
that does not decode in the encoding used is refused, naming the feature.

geopandas, shapely, pyogrio and pyproj are imported inside the functions
that use them, so that `import optim` stays light.
"""

from __future__ import annotations

import codecs
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from .csvfile import CsvTable
from .limits import MAX_CSV_COLUMNS, show

MISSING_GIS = "reading a GIS file needs the gis extra: pip install 'optim[gis]'"
GIS_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json")
M2_PER_MU = 10_000 / 15  # 1 mu = 666.67 m2
DEFAULT_TOLERANCE_M = 1.0  # snapping tolerance for adjacency and overlaps, metres
MAX_TOLERANCE_M = 10.0  # a wider gap is a road or a strip of land, not a sliver
# the code page byte of a .dbf header (byte 29) -> Python codec; 0 and 0x57 ("ANSI") say nothing
_LDID = {0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x4D: "gbk", 0x4E: "cp949", 0x4F: "big5",
         0x7A: "gbk", 0x7B: "cp949", 0x7C: "cp874", 0x7D: "cp1255", 0x7E: "cp1256", 0xC8: "cp1250",
         0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253"}
CRS_EXAMPLE = "e.g. `crs: EPSG:4545` (CGCS2000 / 3-degree Gauss-Kruger CM 108E)"


@dataclass
class ParcelGeometry:
    """The parcels' polygons, in the order of the parcels table.

    shapes: a GeoSeries in the file's coordinate system (index: parcel id once
    the table is read); metric: the same polygons as a numpy array of shapely
    geometries in `metric_crs` (metres), where areas and lengths are taken.
    """

    shapes: Any
    metric: Any
    crs: Any  # pyproj CRS of the file
    metric_crs: Any  # pyproj CRS of `metric`
    source: str  # the layer, as messages name it
    pairs: Any = None  # candidate neighbour pairs (i, j), i < j: within the tolerance
    refused: Any = None  # bool per feature: its geometry was refused (problem reported)
    tolerance_m: float = DEFAULT_TOLERANCE_M
    notes: list[str] = field(default_factory=list)

    def __deepcopy__(self, memo: dict) -> "ParcelGeometry":
        """The polygons are not changed once read: copies of an instance (scenarios,
        studies) share them instead of copying 100,000 polygons each time."""
        return self


def gis_modules() -> Any:
    """(geopandas, shapely, pyogrio, pyproj), or ImportError."""
    import geopandas
    import pyogrio
    import pyproj
    import shapely

    return geopandas, shapely, pyogrio, pyproj


# ---- reading a layer --------------------------------------------------------------------
def read_layer(path: Path, name: str, layer: str | None, table: str, numeric: frozenset[str] = frozenset(),
               encoding: str | None = None, crs: str | None = None, tolerance_m: float = DEFAULT_TOLERANCE_M,
               known: tuple[str, ...] = ()) -> tuple[CsvTable | None, str, list[Problem], ParcelGeometry | None]:
    """Read a layer: (attribute table or None, label for messages, problems,
    the polygons for the parcels table or None). In a shapefile, whose field
    names are cut at 10 characters, a column named by the first 10 characters
    of one `known` column (`current_us`) is that column."""
    try:
        gpd, shapely, pyogrio, pyproj = gis_modules()
    except ImportError:
        return None, name, [Problem(name, MISSING_GIS)], None
    suffix = path.suffix.lower()
    label = name
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio's DataSourceError and GDAL's own errors
        return None, label, [Problem(name, f"cannot read the GIS file: {_gdal_message(exc)}")], None
    if layer is None:
        if len(layers) == 1:
            layer = layers[0]
        elif table in layers:
            layer = table
        else:
            return None, label, [Problem(name, f"the file has {len(layers)} layers "
                                               f"({', '.join(map(repr, layers))}): say which with `layer:`")], None
    elif layer not in layers:
        return None, label, [Problem(name, f"no layer {show(layer)} (layers: {', '.join(map(repr, layers))})")], None
    if suffix == ".gpkg":
        label = f"{name}[{layer}]"
    notes: list[str] = []
    problems: list[Problem] = []
    raw_text = suffix == ".shp"  # shapefile text is decoded here, see the module's docstring
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True,
                                       encoding="ISO-8859-1" if raw_text else None)
    except Exception as exc:
        return None, label, [Problem(label, f"cannot read the layer: {_gdal_message(exc)}")], None
    fids = np.asarray(frame.index, dtype=np.int64)
    if raw_text:
        used, how = _shapefile_encoding(path, encoding)
        frame, decode_problems, note = _decode_text(frame, fids, label, used, how)
        if decode_problems:  # text that is not text: the table is not read
            return None, label, decode_problems, None
        if note:
            notes.append(note)
    if suffix == ".shp" and known:
        renames = {}
        for c in frame.columns:
            full = [k for k in known if len(k) > 10 and k[:10] == c]
            if len(full) == 1 and full[0] not in frame.columns:
                renames[c] = full[0]
        if renames:
            frame = frame.rename(columns=renames)
            notes.append(f"{label}: " + ", ".join(f"column {a!r} read as {b!r}" for a, b in renames.items())
                         + " (a shapefile cuts field names at 10 characters)")
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    header = [str(c) for c in frame.columns if c != geometry_name]
    if len(header) > MAX_CSV_COLUMNS:
        return None, label, [Problem(label, f"the layer has {len(header):,} attribute columns, more than the "
                                            f"limit of {MAX_CSV_COLUMNS:,}")], None
    geo = None
    if table == "parcels":
        if geometry_name is None:
            return None, label, [Problem(label, "the layer has no geometry: the parcels' layer must hold "
                                                "their polygons")], None
        ids = frame["id"].to_numpy(dtype=object) if "id" in frame.columns else np.full(len(frame), None)
        geo, geo_problems = _parcel_geometry(frame, fids, ids, label, path, crs, tolerance_m)
        problems.extend(geo_problems)
        if geo is None:  # no usable coordinate system, or no usable polygon: the table is not read
            return None, label, problems, None
        if geo is not None:
            geo.notes[:0] = notes
            if "area" not in header:  # areas from the polygons, in mu
                header.append("area")
                area = shapely.area(geo.metric) / M2_PER_MU
                area = np.where(geo.refused | np.isnan(area), np.nan, np.round(area, 4))
                frame = frame.assign(area=area)
    columns = {h: _cells(frame[h], h in numeric) for h in header}
    broken = np.zeros(len(frame), dtype=bool)
    if geo is not None:
        broken = geo.refused.copy()  # their problems are reported: their cells are not read
    tbl = CsvTable(header, columns, fids, broken, [])
    return tbl, label, problems, geo


def _gdal_message(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _cells(column: Any, number: bool) -> np.ndarray:
    """An attribute column as CSV-like cells: floats (NaN = empty) for a number
    column of numbers, else stripped text ("" = empty)."""
    values = column.to_numpy()
    if number and values.dtype.kind in "fiu":
        return values.astype(np.float64)
    if values.dtype.kind in "iu":
        return values.astype(str).astype(object)
    if values.dtype.kind == "b":
        return np.where(values, "true", "false").astype(object)
    text = pd.Series(values, dtype=object)
    given = text.notna().to_numpy()
    if all(isinstance(v, str) for v in text[given].head(1000)) and text[given].map(type).eq(str).all():
        out = np.full(len(values), "", dtype=object)  # the common case: text, a column at a time
        out[given] = text[given].str.strip().to_numpy(dtype=object)
        return out
    out = np.empty(len(values), dtype=object)
    for k, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[k] = ""
        elif isinstance(v, (bool, np.bool_)):
            out[k] = "true" if v else "false"
        elif isinstance(v, (float, np.floating)) and float(v).is_integer() and not number:
            out[k] = str(int(v))
        else:
            out[k] = str(v).strip()
    return out


# ---- shapefile text -------------------------------------------------------------------------
def _shapefile_encoding(path: Path, encoding: str | None) -> tuple[str | None, str]:
    """The encoding of a shapefile's .dbf text and where it comes from."""
    if encoding:
        return encoding, "the instance's `encoding`"
    cpg = path.with_suffix(".cpg")
    if not cpg.exists():
        cpg = path.with_suffix(".CPG")
    if cpg.exists():
        try:
            text = cpg.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            text = ""
        codec = _codec(text)
        if codec:
            return codec, f"its .cpg file ({text})"
    dbf = path.with_suffix(".dbf")
    try:
        with dbf.open("rb") as fh:
            head = fh.read(32)
        ldid = head[29] if len(head) > 29 else 0
    except OSError:
        ldid = 0
    if ldid in _LDID:
        return _LDID[ldid], f"the code page mark of its .dbf (0x{ldid:02X})"
    return None, "none given (no .cpg file)"


def _codec(text: str) -> str | None:
    text = text.strip()
    digits = re.fullmatch(r"(?:ANSI\s*|CP\s*)?(\d+)", text, re.IGNORECASE)
    if digits:
        text = "utf-8" if digits.group(1) == "65001" else f"cp{digits.group(1)}"
    try:
        return codecs.lookup(text).name
    except LookupError:
        return None


def _decode_text(frame: Any, fids: np.ndarray, label: str, encoding: str | None,
                 how: str) -> tuple[Any, list[Problem], str | None]:
    """Decode the raw (Latin-1) text columns of a shapefile with `encoding`."""
    problems: list[Problem] = []
    geometry = frame.geometry.name if hasattr(frame, "geometry") else None
    text_columns = [c for c in frame.columns if c != geometry
                    and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype))]
    raw = {c: frame[c].to_numpy(dtype=object) for c in text_columns}
    wide = {c: [k for k, v in enumerate(col) if isinstance(v, str) and not v.isascii()] for c, col in raw.items()}
    if not any(wide.values()):
        return frame, [], None  # ASCII only: every encoding reads it the same
    used = encoding
    if used is None:  # no encoding stated: UTF-8 if the text is valid UTF-8, else say what it may be
        try:
            for c, rows in wide.items():
                for k in rows:
                    raw[c][k].encode("latin-1").decode("utf-8")
            used, how = "utf-8", "none given (no .cpg file); the text is valid UTF-8"
        except UnicodeDecodeError:
            c = next(c for c, rows in wide.items() if rows)
            k = wide[c][0]
            data = raw[c][k].encode("latin-1")  # the raw bytes (read as ISO-8859-1)
            guess = ""
            try:
                guess = f"; it reads as GBK (Chinese Windows): {data.decode('gbk')!r}, so give `encoding: gbk`"
            except UnicodeDecodeError:
                pass
            problems.append(Problem(f"{label} feature {fids[k]}, {c}",
                                    f"text {data!r} is not UTF-8 and the shapefile says nothing of its "
                                    f"encoding (no .cpg file){guess}; or add a .cpg file naming the encoding"))
            return frame, problems, None
    out = frame.copy()
    for c, rows in wide.items():
        col = raw[c].copy()
        for k in rows:
            data = col[k].encode("latin-1")
            try:
                col[k] = data.decode(used)
            except (UnicodeDecodeError, LookupError):
                problems.append(Problem(f"{label} feature {fids[k]}, {c}",
                                        f"text {data!r} does not decode as {used} (the encoding of {how}): "
                                        "give the right one with `encoding:` in the table's entry"))
        out[c] = col
    return out, problems, f"{label}: text attributes read as {used} ({how})"


# ---- coordinate systems ---------------------------------------------------------------------
def crs_name(crs: Any) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def _is_lonlat_bounds(bounds: Any) -> bool:
    x0, y0, x1, y1 = bounds
    return bool(np.all(np.isfinite(bounds)) and -180.5 <= x0 and x1 <= 180.5 and -90.5 <= y0 and y1 <= 90.5)


def _geojson_has_crs(path: Path) -> bool:
    try:
        return re.search(rb'"crs"\s*:', path.read_bytes()) is not None
    except OSError:
        return False


def metric_frame(frame: Any, path: Path, label: str, crs_key: str | None
                 ) -> tuple[Any, Any, list[str], list[Problem]]:
    """(the frame with its CRS set, the frame in a metric CRS, notes, problems)."""
    import pyproj

    given = None
    if crs_key is not None:
        try:
            given = pyproj.CRS.from_user_input(crs_key)
        except pyproj.exceptions.CRSError as exc:
            return None, None, [], [Problem(f"{label}: crs", f"not a coordinate system: {show(crs_key)} ({exc})")]
    suffix = path.suffix.lower()
    implied = suffix in (".geojson", ".json") and not _geojson_has_crs(path)  # RFC 7946: WGS 84
    src = frame.crs
    if given is not None:
        if src is not None and not implied and not given.equals(src, ignore_axis_order=True):
            return None, None, [], [Problem(f"{label}: crs", f"the file's coordinate system is {crs_name(src)}, "
                                                              f"not {crs_name(given)}: `crs:` is for a file "
                                                              "without one; remove it")]
        frame = frame.set_crs(given, allow_override=True)
        src = given
    elif src is None:
        what = "a shapefile without its .prj file" if suffix == ".shp" else "the layer has none"
        return None, None, [], [Problem(label, f"no coordinate system ({what}): give it in the table's entry, "
                                               f"{CRS_EXAMPLE}, or assign it in QGIS (Layer Properties > Source) "
                                               "and save the layer again")]
    bounds = frame.total_bounds
    if src.is_geographic and len(frame) and not _is_lonlat_bounds(bounds):
        why = ("a GeoJSON file without a \"crs\" member is read as EPSG:4326 (RFC 7946)" if implied
               else f"the layer says {crs_name(src)}")
        return None, None, [], [Problem(label, f"coordinates up to ({bounds[2]:.6g}, {bounds[3]:.6g}) are not "
                                               f"longitude/latitude, but {why}: the layer is probably in "
                                               f"projected metres; give its coordinate system, {CRS_EXAMPLE}")]
    notes = []
    method = ""
    try:
        method = src.coordinate_operation.method_name if src.coordinate_operation else ""
    except Exception:
        method = ""
    mercator = "mercator" in method.lower() and "transverse" not in method.lower()
    metre = bool(src.is_projected and src.axis_info and all(
        (a.unit_name or "").lower() in ("metre", "meter", "m") for a in src.axis_info))
    if metre and not mercator:
        return frame, frame, notes, []
    if not len(frame):
        return frame, frame, notes, []
    utm = frame.estimate_utm_crs()
    why = ("a Mercator projection, which stretches areas and lengths away from the equator" if mercator
           else "in degrees" if src.is_geographic else "not in metres")
    notes.append(f"{label}: {crs_name(src)} is {why}: areas and lengths are taken in {crs_name(utm)}")
    return frame, frame.to_crs(utm), notes, []


# ---- the parcels' polygons ---------------------------------------------------------------------
def _parcel_geometry(frame: Any, fids: np.ndarray, ids: np.ndarray, label: str, path: Path, crs_key: str | None,
                     tolerance_m: float) -> tuple[ParcelGeometry | None, list[Problem]]:
    import shapely

    frame, metric, notes, problems = metric_frame(frame, path, label, crs_key)
    if problems:
        return None, problems

    def place(k: int) -> str:
        pid = ids[k]
        named = f" (parcel {pid!r})" if pid is not None and not (isinstance(pid, float) and np.isnan(pid)) else ""
        return f"{label} feature {fids[k]}{named}"

    geoms = np.asarray(frame.geometry.array, dtype=object)
    work = np.asarray(metric.geometry.array, dtype=object)
    bad = np.zeros(len(geoms), dtype=bool)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for k in np.flatnonzero(missing):
        problems.append(Problem(place(k), "has no geometry (an empty feature): draw the parcel's polygon or "
                                          "delete the feature"))
    bad |= missing
    kind = shapely.get_type_id(geoms)
    polygonal = (kind == 3) | (kind == 6)  # Polygon, MultiPolygon
    for k in np.flatnonzero(~polygonal & ~missing):
        problems.append(Problem(place(k), f"is a {geoms[k].geom_type}, not a polygon: a parcel is an area"))
    bad |= ~polygonal
    parts = shapely.get_num_geometries(geoms)
    several = polygonal & ~missing & (parts > 1)
    for k in np.flatnonzero(several):
        problems.append(Problem(place(k), f"has {parts[k]} separate parts; a parcel must be one piece: "
                                          "split it into parcels with their own ids, or join the parts"))
    bad |= several
    single = polygonal & ~missing & (kind == 6) & (parts == 1)  # a MultiPolygon of one part
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    work[single] = shapely.get_geometry(work[single], 0)
    ok = ~bad
    valid = np.ones(len(geoms), dtype=bool)
    valid[ok] = shapely.is_valid(work[ok])
    for k in np.flatnonzero(ok & ~valid):
        reason = shapely.is_valid_reason(geoms[k])
        problems.append(Problem(place(k), f"invalid polygon ({reason}): its boundary crosses itself (a "
                                          "'bow-tie') or a ring touches itself; fix it in QGIS (Vector > "
                                          "Geometry Tools > Fix Geometries)"))
    bad |= ~valid
    if bad.all() and len(geoms):
        return None, problems
    pairs = candidate_pairs(work, ~bad, tolerance_m)
    problems.extend(_overlaps(work, pairs, tolerance_m, place))
    import geopandas as gpd

    shapes = gpd.GeoSeries(geoms, crs=frame.crs)
    geo = ParcelGeometry(shapes=shapes, metric=work, crs=frame.crs, metric_crs=metric.crs,
                         source=label, pairs=pairs, tolerance_m=tolerance_m, notes=notes, refused=bad)
    return geo, problems


def candidate_pairs(geoms: np.ndarray, usable: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), i < j, of usable polygons within `tolerance_m` of each other."""
    import shapely

    at = np.flatnonzero(usable)
    if not len(at):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    tree = shapely.STRtree(geoms[at])
    i, j = tree.query(geoms[at], predicate="dwithin", distance=max(tolerance_m, 0.0))
    keep = i < j
    return at[i[keep]], at[j[keep]]


def _overlaps(geoms: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], tolerance_m: float,
              place: Any) -> list[Problem]:
    """Pairs of parcels whose overlap is wider than a sliver of `tolerance_m`."""
    import shapely

    i, j = pairs
    if not len(i):
        return []
    inside = np.concatenate(in_threads(  # interiors meet
        lambda part: shapely.relate_pattern(geoms[i[part]], geoms[j[part]], "T********"), len(i)))
    problems = []
    if not inside.any():
        return problems
    a, b = i[inside], j[inside]
    common = shapely.intersection(geoms[a], geoms[b])
    area = shapely.area(common)
    perimeter = shapely.length(shapely.boundary(common))
    width = np.where(perimeter > 0, 2 * area / np.maximum(perimeter, 1e-12), 0.0)  # a strip L x w: about w
    for k in np.flatnonzero(width > max(tolerance_m, 1e-9)):
        problems.append(Problem(place(a[k]), f"overlaps {place(b[k]).split(' ', 1)[1]} by {area[k]:,.1f} m2 "
                                             f"(about {width[k]:,.1f} m wide, more than the {tolerance_m:g} m "
                                             "tolerance): each piece of land belongs to one parcel; correct the "
                                             "boundaries"))
    return problems


# ---- neighbours ------------------------------------------------------------------------------
def adjacency_pairs(geo: ParcelGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions a, positions b, shared boundary length in metres) of the
    neighbouring parcels: boundaries in common longer than the tolerance after
    snapping each pair's vertices within it (see the module's docstring)."""
    import shapely

    i, j = geo.pairs
    if not len(i):
        return i, j, np.empty(0)
    tol = geo.tolerance_m
    g = geo.metric

    def shared(part: slice) -> np.ndarray:
        a = shapely.snap(g[i[part]], g[j[part]], tol) if tol > 0 else g[i[part]]
        b = shapely.snap(g[j[part]], a, tol) if tol > 0 else g[j[part]]
        return shapely.length(shapely.intersection(shapely.boundary(a), shapely.boundary(b)))

    length = np.concatenate(in_threads(shared, len(i)))
    keep = length > max(tol, 1e-6)
    return i[keep], j[keep], length[keep]


def in_threads(work: Any, n: int, chunk: int = 20_000) -> list[Any]:
    """`work(slice)` over 0..n in chunks, on a thread per core: shapely's array
    functions release the GIL, so the chunks run side by side."""
    parts = [slice(k, min(k + chunk, n)) for k in range(0, n, chunk)]
    workers = min(len(parts), os.cpu_count() or 1)
    if workers <= 1:
        return [work(part) for part in parts]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, parts))


# ---- the route ---------------------------------------------------------------------------------
def route_flags(geo: ParcelGeometry, path: Path, name: str, layer: str | None, buffer_m: float,
                crs_key: str | None = None) -> tuple[np.ndarray | None, list[Problem], list[str]]:
    """Which parcels lie within `buffer_m` metres of the features of a line or
    polygon layer (the river): (flags in the parcels' order, problems, notes)."""
    try:
        gpd, shapely, pyogrio, pyproj = gis_modules()
    except ImportError:
        return None, [Problem(name, MISSING_GIS)], []
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:
        return None, [Problem(name, f"cannot read the GIS file: {_gdal_message(exc)}")], []
    if layer is None:
        if len(layers) != 1:
            return None, [Problem(name, f"the file has {len(layers)} layers ({', '.join(map(repr, layers))}): "
                                        "say which with `layer:`")], []
        layer = layers[0]
    elif layer not in layers:
        return None, [Problem(name, f"no layer {show(layer)} (layers: {', '.join(map(repr, layers))})")], []
    label = f"{name}[{layer}]" if path.suffix.lower() == ".gpkg" else name
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True, columns=[])
    except Exception as exc:
        return None, [Problem(label, f"cannot read the layer: {_gdal_message(exc)}")], []
    frame, metric, notes, problems = metric_frame(frame, path, label, crs_key)
    if problems:
        return None, problems, []
    if not pyproj.CRS.from_user_input(metric.crs).equals(geo.metric_crs):
        metric = metric.to_crs(geo.metric_crs)
    lines = np.asarray(metric.geometry.array, dtype=object)
    empty = shapely.is_missing(lines) | shapely.is_empty(lines)
    if empty.all():
        return None, [Problem(label, "the layer has no geometry: the route needs the river's line or polygon")], []
    tree = shapely.STRtree(lines[~empty])
    usable = ~(shapely.is_missing(geo.metric) | shapely.is_empty(geo.metric))
    at = np.flatnonzero(usable)
    hit, _ = tree.query(geo.metric[at], predicate="dwithin", distance=buffer_m)
    flags = np.zeros(len(geo.metric), dtype=bool)
    flags[at[np.unique(hit)]] = True
    notes = [n.replace(": areas and lengths are taken in", ": distances are taken in") for n in notes]
    return flags, [], notes
