"""Reading a table from a workbook sheet (.xlsx, .xlsm): the `excel` extra (openpyxl).

`read_sheet` turns a sheet into the same columns of text cells as a CSV file
(`optim.inputs.csvfile.CsvTable`), so that every value goes through the same
coercion and messages; places are written `BOOK.xlsx[SHEET] row N, COLUMN`.
Row 1 is the header; rows are counted as Excel shows them; blank rows are
skipped and reading stops at the last row that holds data (a formatted cell
at row 1,048,576 makes a sheet's stated size the whole height).

What a workbook from a planner's desk may hold, and what is refused, naming
the sheet and cell:

- a formula whose saved value cannot be trusted: no saved value at all (a
  workbook written by openpyxl), or a workbook that asks to be recalculated
  when opened (`fullCalcOnLoad`, written by xlsxwriter and other programs
  that save 0 as every formula's value); a formula saved by Excel itself
  (or LibreOffice) is read as its saved value;
- an error value (`#N/A`, `#REF!`, ...: a failed lookup or formula);
- a date or time where a value is expected: Excel turns ids such as `3-1`
  into dates (1 March);
- a file that is not a .xlsx zip: an encrypted workbook and an old Excel
  97-2003 .xls are both OLE compound files (they start with D0 CF 11 E0):
  the file is sniffed to say which.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Problem
from .csvfile import CsvTable
from .limits import MAX_CSV_COLUMNS, show

MISSING_OPENPYXL = "reading a workbook needs the excel extra: pip install 'optim[excel]'"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SAVE_AS = "open it in Excel and save it as an Excel Workbook (.xlsx)"


def sniff(path: Path) -> str | None:
    """Why `path` cannot be read as a .xlsx workbook before opening it, or None."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(OLE_MAGIC):
                data = fh.read()
            else:
                data = b""
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    if head.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return ("an encrypted (password-protected) workbook: remove the password in Excel "
                    "(File > Info > Protect Workbook > Encrypt with Password, clear it) and save it again")
        return f"an old Excel 97-2003 workbook (.xls), not a .xlsx: {SAVE_AS}"
    if not head.startswith(b"PK"):
        return f"not an Excel workbook (.xlsx is a zip file, this is not one): {SAVE_AS}, or give a CSV file"
    return None


def read_sheet(path: Path, name: str, sheet: str | None, table: str,
               numeric: frozenset[str] = frozenset()) -> tuple[CsvTable | None, str, list[Problem]]:
    """Read sheet `sheet` of the workbook at `path` (named `name` in messages).

    `sheet` None takes the sheet named like `table`, else the only sheet.
    Returns (the table or None, the label of the sheet for messages, problems).
    """
    label = f"{name}[{sheet}]" if sheet else name
    if why := sniff(path):
        return None, label, [Problem(name, why)]
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:
        return None, label, [Problem(name, MISSING_OPENPYXL)]
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        return None, label, [Problem(name, f"cannot read the workbook: {exc}")]
    try:
        names = list(book.sheetnames)
        if sheet is None:
            if table in names:
                sheet = table
            elif len(names) == 1:
                sheet = names[0]
            else:
                return None, label, [Problem(name, f"the workbook has {len(names)} sheets "
                                                   f"({', '.join(map(repr, names))}): say which with `sheet:`")]
        elif sheet not in names:
            return None, label, [Problem(name, f"no sheet {show(sheet)} (sheets: {', '.join(map(repr, names))})")]
        label = f"{name}[{sheet}]"
        recalc = _asks_recalculation(path)
        tbl, formulas, problems = _read_cells(book[sheet], label, numeric)
    finally:
        book.close()
    if tbl is None or not formulas:
        return tbl, label, problems
    problems.extend(_formula_values(path, sheet, label, tbl, formulas, recalc))
    return tbl, label, problems


def _asks_recalculation(path: Path) -> bool:
    """The workbook asks to be recalculated when opened (`<calcPr fullCalcOnLoad="1">`),
    as programs that do not calculate write it (openpyxl's own reading of the flag
    defaults to true when it is absent, so the file is read here)."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("xl/workbook.xml")
    except (KeyError, OSError, zipfile.BadZipFile):
        return False
    found = re.search(rb"<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad=\"(1|true)\"", xml)
    return found is not None


def _read_cells(ws: Any, label: str, numeric: frozenset[str]
                ) -> tuple[CsvTable | None, dict[tuple[int, int], str], list[Problem]]:
    """The header and the data rows of a sheet as text cells; formula cells noted
    as (row position, column) -> formula, to be read from the saved values."""
    header_row = next(ws.iter_rows(min_row=1, max_row=1), ())
    raw_header = [c.value for c in header_row]
    while raw_header and (raw_header[-1] is None or str(raw_header[-1]).strip() == ""):
        raw_header.pop()  # a sheet's stated width may run far past its last column
    if not raw_header:
        return None, {}, [Problem(f"{label} row 1", "the first row must be the header (column names), it is empty")]
    if len(raw_header) > MAX_CSV_COLUMNS:
        return None, {}, [Problem(label, f"the header has {len(raw_header):,} columns, more than the limit "
                                         f"of {MAX_CSV_COLUMNS:,}")]
    header = ["" if v is None else str(v).strip() for v in raw_header]
    width = len(header)
    problems: list[Problem] = []
    seen: set[str] = set()
    for h in header:
        if h in seen:
            problems.append(Problem(label, f"duplicate column {h!r}"))
        seen.add(h)

    rows: list[list[str]] = []
    numbers: list[int] = []
    formulas: dict[tuple[int, int], str] = {}
    refused: set[int] = set()  # rows with a cell refused here
    previous = None
    for r, row in enumerate(ws.iter_rows(min_row=2, max_col=width), start=2):
        if row is previous:  # the reader repeats one empty row for the rows a sheet leaves out
            continue
        previous = row
        values = [c.value for c in row]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # a blank row
        cells = []
        for k, c in enumerate(row):
            v = c.value
            column = header[k] if k < width else ""
            where = f"{label} cell {_column_letter(k)}{r}"
            if getattr(c, "data_type", None) == "f":
                formulas[(len(rows), k)] = str(v)
                cells.append("")
            elif getattr(c, "data_type", None) == "e":
                problems.append(Problem(where, f"Excel error value {v} in column {column!r} (a failed formula "
                                               "or lookup): correct the cell"))
                refused.add(len(rows))
                cells.append("")
            elif isinstance(v, (dt.datetime, dt.date, dt.time)):
                problems.append(Problem(where, f"a date ({v}) in column {column!r}: Excel turns ids such as 3-1 "
                                               "into dates; format the column as Text and type the values again"))
                refused.add(len(rows))
                cells.append("")
            else:
                cells.append(_text(v, column in numeric))
        cells.extend([""] * (width - len(cells)))
        rows.append(cells)
        numbers.append(r)
    columns: dict[str, np.ndarray] = {}
    for k, h in enumerate(header):
        col = np.empty(len(rows), dtype=object)
        col[:] = [row[k] for row in rows]
        columns.setdefault(h, col)
    n = len(rows)
    broken = np.zeros(n, dtype=bool)
    broken[[pos for pos in refused if pos < n]] = True  # their problems are reported: the rows are not read
    tbl = CsvTable(header, columns, np.array(numbers, dtype=np.int64), broken, [])
    return tbl, formulas, problems


def _formula_values(path: Path, sheet: str, label: str, tbl: CsvTable,
                    formulas: dict[tuple[int, int], str], recalc: bool) -> list[Problem]:
    """Put the saved values of formula cells into `tbl`, or say why they cannot be trusted."""
    import openpyxl

    problems = []
    if recalc:
        for (pos, k), formula in formulas.items():
            tbl.broken[pos] = True
            problems.append(Problem(
                f"{label} cell {_column_letter(k)}{tbl.rows[pos]}",
                f"a formula ({formula}) whose saved value cannot be trusted: the workbook was written by a "
                "program that does not calculate (it asks Excel to recalculate on opening, and saves 0 or "
                "nothing as the value): open it in Excel and save it, or paste the values"))
        return problems
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        wanted: dict[int, list[tuple[int, int]]] = {}
        for pos, k in formulas:
            wanted.setdefault(int(tbl.rows[pos]), []).append((pos, k))
        last = max(wanted)
        for r, row in enumerate(book[sheet].iter_rows(min_row=2, max_row=last, max_col=len(tbl.header)),
                                start=2):
            for pos, k in wanted.get(r, ()):
                v = row[k].value if k < len(row) else None
                where = f"{label} cell {_column_letter(k)}{r}"
                if v is None or (isinstance(v, str) and v.startswith("#")):
                    tbl.broken[pos] = True
                if v is None:
                    problems.append(Problem(where, f"a formula ({formulas[(pos, k)]}) with no saved value: "
                                                   "open the workbook in Excel and save it, or paste the values"))
                elif isinstance(v, str) and v.startswith("#"):
                    problems.append(Problem(where, f"Excel error value {v} (a failed formula or lookup): "
                                                   "correct the cell"))
                else:
                    tbl.columns[tbl.header[k]][pos] = _text(v, True)
    finally:
        book.close()
    return problems


def _text(v: Any, number: bool) -> str:
    """A cell's value as the text a CSV cell would hold."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v)) if not number else repr(v)
        return repr(v)
    return str(v).strip()


def _column_letter(k: int) -> str:
    """Excel's letters of the column at 0-based position `k` (0 -> A, 26 -> AA)."""
    out = ""
    k += 1
    while k:
        k, rem = divmod(k - 1, 26)
        out = chr(65 + rem) + out
    return out
