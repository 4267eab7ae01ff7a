"""Result tables for people: CSV that Excel opens, one workbook, a GeoPackage for QGIS.

- CSV (`write_csv`): UTF-8 with a byte-order mark, so that Excel on Chinese
  (or any) Windows opens ids and names in Chinese ungarbled; money rounded to
  the fen (0.01 yuan, what the plan's decisions are rounded to: the checker
  reads the same figures back), other figures to 9 decimals, so no
  23.400000000000002. Every reader of the project (pandas, the checker,
  `optim.results.instance_of`) skips the mark.
- a workbook (`write_workbook`, the `excel` extra: openpyxl): a `summary`
  sheet and one sheet per result table; money in M yuan (and M yuan/year)
  with thousands separators, areas in mu, ratios as percentages, ids as text;
  the header row frozen, columns wide enough to read.
- a GeoPackage (`write_geopackage`, the `gis` extra): the parcels' polygons
  with the plan (chosen use, rezoned, income, output, ..., period when
  phased) in the coordinate system of the instance's file, layer `plan`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import MissingExtra

MISSING_OPENPYXL = "writing a workbook needs the excel extra: pip install 'optim[excel]'"
MISSING_GIS = "a GeoPackage or GeoDataFrame of the plan needs the gis extra: pip install 'optim[gis]'"
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark: Excel then reads UTF-8

# money columns of each result table (yuan, or yuan/year for output)
MONEY = {
    "parcels": ("land_income", "forgone_income", "output", "conversion_cost"),
    "draws": ("amount",),
    "sources": ("cap", "min_ticket", "drawn", "fixed_cost", "interest"),
    "categories": ("need", "external", "other_sources", "own_funds"),
    "projects": ("cost", "output", "income"),
    "conflicts": ("penalty",),
    "relocations": ("cost",),
    "periods": ("draws", "own_funds", "land_income", "industrial_output", "debt_service", "asset_income",
                "recycling_proceeds", "cash_balance"),
    "period_draws": ("amount",),
    "debt_service": ("amount",),
}
PER_YEAR = {("parcels", "output"), ("projects", "output"), ("projects", "income"),
            ("periods", "industrial_output")}
AREA = {"parcels": ("area",), "projects": ("industrial_area",), "periods": ("rezoned_area", "industrial_area"),
        "relocations": ("area",)}
MONEY_UNITS = {"yuan": "M yuan", "yuan/year": "M yuan/year"}


def money_columns(name: str, table: pd.DataFrame) -> list[str]:
    return [c for c in MONEY.get(name, ()) if c in table.columns]


def rounded(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """The table with money to the fen and other figures to 9 decimals (a copy)."""
    out = table.copy()
    money = set(money_columns(name, out))
    for c in out.columns:
        if out[c].dtype.kind != "f":
            continue
        out[c] = out[c].round(2 if c in money else 9)
    if name in ("kpis", "objective_terms") and "value" in out.columns:  # units per row
        unit = out["unit"] if "unit" in out.columns else pd.Series("", index=out.index)
        value = pd.to_numeric(out["value"], errors="coerce")
        yuan = unit.isin(["yuan", "yuan/year"]).to_numpy()
        out["value"] = np.where(yuan, value.round(2), value.round(9))
    return out


def write_csv(name: str, table: pd.DataFrame, path: Path) -> None:
    """A result table as CSV for people and programs (see the module's docstring)."""
    rounded(name, table).to_csv(path, index=table.index.name is not None, encoding=CSV_ENCODING)


# ---- the workbook ---------------------------------------------------------------------------
def write_workbook(summary: dict[str, Any], tables: dict[str, pd.DataFrame], path: Path) -> None:
    """`summary` (label -> value) and the result tables as one .xlsx workbook."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:
        raise MissingExtra(MISSING_OPENPYXL) from exc
    book = Workbook()
    first = book.active
    first.title = "summary"
    bold = Font(bold=True)
    first.append(["item", "value"])
    for label, value in summary.items():
        first.append([label, _cell(value)])
    first["A1"].font = first["B1"].font = bold
    first.column_dimensions["A"].width = 34
    first.column_dimensions["B"].width = 60
    for name, table in tables.items():
        ws = book.create_sheet(_sheet_name(name))
        frame = table.reset_index() if table.index.name is not None else table.reset_index(drop=True)
        money = set(money_columns(name, table))
        headers, formats, scale = [], [], []
        for c in frame.columns:
            kind = frame[c].dtype.kind
            if c in money:
                headers.append(f"{c} ({'M yuan/year' if (name, c) in PER_YEAR else 'M yuan'})")
                formats.append("#,##0.00")
                scale.append(1e-6)
            elif c in AREA.get(name, ()):
                headers.append(f"{c} (mu)")
                formats.append("#,##0.00")
                scale.append(1.0)
            elif kind == "f":
                headers.append(str(c))
                formats.append("#,##0.######")
                scale.append(1.0)
            else:
                headers.append(str(c))
                formats.append("@" if kind == "O" else "General")
                scale.append(1.0)
        rows_unit = None
        if name in ("kpis", "objective_terms") and "unit" in frame.columns:
            rows_unit = frame["unit"].astype(str).tolist()
        ws.append(headers)
        for cell in ws[1]:
            cell.font = bold
        for r, row in enumerate(frame.itertuples(index=False), start=2):
            for k, value in enumerate(row):
                v = _cell(value)
                fmt = formats[k]
                if isinstance(v, float):
                    v = v * scale[k]
                if rows_unit is not None and frame.columns[k] == "value" and isinstance(v, float):
                    unit = rows_unit[r - 2]
                    if unit in MONEY_UNITS:
                        v, fmt = v * 1e-6, "#,##0.00"
                    elif unit == "ratio":
                        fmt = "0.00%"
                cell = ws.cell(row=r, column=k + 1, value=v)
                if fmt != "General" and v is not None:
                    cell.number_format = fmt
            if rows_unit is not None and "unit" in frame.columns and rows_unit[r - 2] in MONEY_UNITS:
                ws.cell(row=r, column=list(frame.columns).index("unit") + 1, value=MONEY_UNITS[rows_unit[r - 2]])
        ws.freeze_panes = "A2"
        for k, h in enumerate(headers, start=1):
            sample = [len(str(h))] + [len(f"{x:,.2f}") if isinstance(x, float) else len(str(x))
                                      for x in frame.iloc[:200, k - 1].tolist()]
            ws.column_dimensions[get_column_letter(k)].width = min(max(sample) + 2, 60)
    book.save(path)


def _sheet_name(name: str) -> str:
    return name[:31]


def _cell(value: Any) -> Any:
    """A value openpyxl writes as Excel shows it: numbers, booleans, text; None when missing."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if not np.isfinite(v) else v
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


# ---- the GeoPackage -------------------------------------------------------------------------
def plan_frame(parcels: pd.DataFrame, shapes: Any) -> Any:
    """The plan's parcels with their polygons: a GeoDataFrame in the instance file's CRS."""
    try:
        import geopandas as gpd
    except ImportError as exc:
        raise MissingExtra(MISSING_GIS) from exc
    table = rounded("parcels", parcels)
    table.index = table.index.astype(str)
    geometry = shapes.copy()
    geometry.index = geometry.index.astype(str)
    frame = table.reset_index().rename(columns={table.index.name or "index": "parcel"})
    for c in frame.columns:
        if frame[c].dtype == object:
            values = frame[c].to_numpy(dtype=object)
            if all(isinstance(v, (bool, np.bool_)) or v is None for v in values) and any(v is not None for v in values):
                frame[c] = pd.array(values, dtype="boolean")
            else:
                frame[c] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
    return gpd.GeoDataFrame(frame, geometry=geometry.reindex(frame["parcel"]).to_numpy(), crs=shapes.crs)


def write_geopackage(parcels: pd.DataFrame, shapes: Any, path: Path) -> None:
    """The plan's parcels with their polygons as layer `plan` of a GeoPackage."""
    frame = plan_frame(parcels, shapes)
    frame.to_file(path, layer="plan", driver="GPKG", engine="pyogrio")
