"""Reading CSV tables: a file into columns of cells, fast on a million rows.

Quote-free files go through pandas' C parser a column at a time; files with
quoted cells or unusual line ends through the csv module. Blank rows are
skipped and rows with a wrong number of cells are listed, so that the reader
can report each with its row number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from .coerce import empty_cells
from .instance import Origin
from .limits import csv_columns_problem, show

# ---- CSV files ---------------------------------------------------------------------
@dataclass
class CsvOrigin(Origin):
    """Origin of a CSV table; `rows` holds the row number of each data row
    (row 1 is the header) when blank rows were skipped."""

    rows: np.ndarray | None = None
    path: str | None = None  # the file read, when `file` names a sheet or a layer of it ("park.xlsx[parcels]")
    place: str = "row"  # "row", or "feature" for a GIS layer (numbered as GDAL numbers them)

    def row(self, pos: int) -> str:
        if self.rows is None:
            return super().row(pos)
        return f"{self.file} {self.place} {int(self.rows[pos])}"


@dataclass
class CsvTable:
    header: list[str]
    columns: dict[str, np.ndarray]  # column -> cells: stripped text ("" = empty), or floats (NaN = empty)
    rows: np.ndarray  # row number of each data row
    broken: np.ndarray  # bool per data row: wrong number of cells
    broken_rows: list[tuple[int, Problem]]  # (position, problem) of each such row


def read_csv_table(csv_path: Path, name: str, numeric: frozenset[str] = frozenset(),
                   encoding: str | None = None) -> tuple[CsvTable | None, list[Problem]]:
    """Read a CSV file into columns of cells; blank rows are skipped.

    The file is UTF-8 (a byte-order mark is allowed) unless `encoding` names
    another codec (e.g. ``gb18030`` for a CSV saved by Excel on Chinese
    Windows); a file that is not UTF-8 and has no `encoding` is refused with
    the encoding it reads in, when one fits (`encoding_hint`).

    Columns named in `numeric` may come back already parsed as floats (when
    every cell of the file parses cleanly); other columns are stripped text.
    Returns the table (None if it cannot be read) and the problems of the
    file as a whole: unreadable file, no header, duplicate columns, a
    byte-order mark or the header repeated inside the file. Rows with a wrong
    number of cells are listed in the table (`broken_rows`).
    """
    try:
        data = csv_path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, f"cannot read the file: {exc.strerror or exc}")]
    if encoding is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [Problem(name, f"not UTF-8 text (bad byte at offset {exc.start})"
                                        + encoding_hint(data, name))]
    else:
        try:
            text = data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            return None, [Problem(name, f"not {encoding} text (bad byte at offset {exc.start}): "
                                        "check the table's `encoding`")]
        data = text.encode("utf-8")  # the parsers below read UTF-8 bytes
    if "\x00" in text:
        return None, [Problem(name, "not a CSV text file (it contains NUL bytes)")]
    if not text or text.isspace():
        return None, [Problem(name, "empty CSV file: a header row is required")]
    if (bom := text.find("\ufeff")) >= 0:
        line = text.count("\n", 0, bom) + 1
        return None, [Problem(f"{name} row {line}", "a byte-order mark inside the file: two exported files "
                                                     "were pasted together? Remove it (and the second header row)")]
    if too_wide := csv_columns_problem(text):  # limits: optim/limits.py
        return None, [Problem(name, too_wide)]
    try:
        header, cells, counts = _split_csv(data, text, numeric)
    except (csv.Error, ValueError) as exc:
        return None, [Problem(name, f"not valid CSV: {exc}")]

    header = [h.strip() for h in header]
    if not any(header):
        return None, [Problem(f"{name} row 1", "the first row must be the header (column names), it is empty")]
    problems = []
    seen: set[str] = set()
    for h in header:
        if h in seen:
            problems.append(Problem(name, f"duplicate column {show(h)}"))
        seen.add(h)

    # white space can only surround a cell if the file has some besides its line ends
    if not text.isascii() or b'"' in data or any(c.encode() in data for c in _ASCII_SPACE[:-2]):
        cells = [col if col.dtype == np.float64 else _strip(col) for col in cells]
    n = len(counts)
    blank = empty_cells(cells[0])  # a blank row: every cell empty
    for col in cells[1:]:
        if not blank.any():
            break
        at = np.flatnonzero(blank)
        blank[at] = empty_cells(col[at])
    rows = np.arange(2, n + 2)
    again = _repeated_header(header, cells) & (counts == len(header))
    for pos in np.flatnonzero(again):  # reported once, and dropped: the second header is not data
        problems.append(Problem(f"{name} row {rows[pos]}", "repeats the header row: two exported files were "
                                                           "pasted together? Delete the row"))
    if blank.any() or again.any():
        keep = ~blank & ~again
        rows, counts = rows[keep], counts[keep]
        cells = [col[keep] for col in cells]
    broken = counts != len(header)
    lines: list[str] = []
    broken_rows = []
    for pos in np.flatnonzero(broken):
        hint = ""
        if counts[pos] > len(header):
            lines = lines or text.split("\n")
            line = lines[rows[pos] - 1] if rows[pos] - 1 < len(lines) else ""
            if _SPLIT_NUMBER.search(line):
                hint = _THOUSANDS_HINT
        broken_rows.append((int(pos), Problem(f"{name} row {rows[pos]}",
                                              f"has {counts[pos]} cells, the header has {len(header)}{hint}")))
    columns: dict[str, np.ndarray] = {}
    for h, col in zip(header, cells):
        columns.setdefault(h, col)
    return CsvTable(header, columns, rows, broken, broken_rows), problems



_THOUSANDS_HINT = (" (a number with a thousands separator, such as 1,050, splits into two cells: "
                   "write 1050, or quote the cell and give the table `thousands: \",\"`)")


# a number split at a thousands separator: "...,1,050,..." (digits, a comma, three digits)
_SPLIT_NUMBER = re.compile(r"(?:^|,)\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*(?:,|\r?$)")


def encoding_hint(data: bytes, name: str) -> str:
    """What a file that is not UTF-8 reads as, and how to say so; "" when nothing fits."""
    fix = ("add `encoding: {enc}` to the table's entry in the instance ({{file: {name}, encoding: {enc}}}), "
           "or save the file from Excel as 'CSV UTF-8 (Comma delimited)'")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f": it is UTF-16 text (Excel's 'Unicode Text'): {fix.format(enc='utf-16', name=name)}"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    if "\x00" in text:
        return ""
    wide = [k for k, ch in enumerate(text) if ord(ch) > 127]
    if not wide or not any("\u4e00" <= text[k] <= "\u9fff" for k in wide):
        return ""  # no Chinese character: some other 8-bit text, say nothing rather than guess
    start = text.rfind("\n", 0, wide[0]) + 1
    end = text.find("\n", wide[0])
    sample = text[start:end if end >= 0 else len(text)].strip()[:60]
    return (f": it reads as GB18030/GBK, the encoding of Chinese Windows (e.g. {sample!r}): "
            + fix.format(enc="gb18030", name=name))


def _repeated_header(header: list[str], cells: list[np.ndarray]) -> np.ndarray:
    """Mask of the data rows whose cells are the header's (two files pasted together)."""
    if not cells or not len(cells[0]):
        return np.zeros(len(cells[0]) if cells else 0, dtype=bool)
    first = cells[0]
    if first.dtype != object:
        return np.zeros(len(first), dtype=bool)
    mask = first == header[0]
    for h, col in zip(header[1:], cells[1:]):
        if not mask.any():
            break
        mask &= (col == h) if col.dtype == object else False
    return mask


def strip_thousands(cells: np.ndarray, sep: str) -> np.ndarray:
    """Text cells of a number column without thousands separators: "1,050.5" -> "1050.5".
    Only cells that group their digits by three lose the separator; "1,05" stays as it is
    (and is reported as not a number)."""
    if cells.dtype != object or not len(cells):
        return cells
    text = pd.Series(cells, dtype=object)
    pattern = rf"^[+-]?\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+(?:\.\d*)?$"
    grouped = text.str.match(pattern).fillna(False).to_numpy(dtype=bool)
    if not grouped.any():
        return cells
    out = cells.copy()
    out[grouped] = text[grouped].str.replace(sep, "", regex=False).to_numpy(dtype=object)
    return out


def _split_csv(data: bytes, text: str,
               numeric: frozenset[str]) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """The header cells, the cells of the data rows a column at a time (padded
    with "" or NaN), and the number of cells of each data row."""
    if b'"' not in data and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")):
        # one record per line: pandas' C parser, cells counted with numpy
        eol = text.find("\n")
        header = (text if eol < 0 else text[:eol]).removesuffix("\r").split(",")
        n_rows = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1
        if n_rows == 0:
            return header, [np.empty(0, dtype=object) for _ in header], np.empty(0, dtype=np.int64)
        typed = [k for k, h in enumerate(header) if h.strip() in numeric]
        # Cells are counted only when needed: when no row has more cells than the
        # header (pandas raises for such a row, except for the first, checked here)
        # and the commas add up, no row has fewer either.
        start = data.find(b"\n") + 1
        end = data.find(b"\n", start)
        first_row = data[start:] if end < 0 else data[start:end]
        counts = None
        if (data.count(b",") != (len(header) - 1) * (n_rows + 1)
                or first_row.count(b",") >= len(header)):
            counts = _count_cells(data)[1:]
        try:
            frame = _read_frame(data, header, counts, typed)
        except pd.errors.ParserError:
            if counts is not None:
                raise
            counts = _count_cells(data)[1:]  # some row has more cells than the header
            frame = _read_frame(data, header, counts, typed)
        if counts is None:  # no row has more cells, and the total leaves none with fewer
            counts = np.full(n_rows, len(header))
        if len(frame) == n_rows:
            cells = [frame[c].to_numpy() for c in frame.columns]
            for k, col in enumerate(cells):  # cells missing from short rows: "" as elsewhere
                if col.dtype == object and (missing := pd.isna(col)).any():
                    cells[k] = np.where(missing, "", col).astype(object)
            return header, cells, counts
    # quoted cells (or unusual line ends): the csv module, a record at a time
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, records = (records[0], records[1:]) if records else ([], [])
    counts = np.fromiter((len(r) for r in records), dtype=np.int64, count=len(records))
    width = max(len(header), int(counts.max()) if len(counts) else 0)
    cells = [np.array([r[k] if k < len(r) else "" for r in records], dtype=object) for k in range(width)]
    return header, cells, counts


def _read_frame(data: bytes, header: list[str], counts: np.ndarray | None,
                typed: list[int]) -> pd.DataFrame:
    """The data rows of a quote-free CSV file as a DataFrame (columns 0, 1, ...).

    Columns in `typed` are parsed as floats by the C parser when all their
    cells are empty or finite numbers; otherwise every column is text.
    """
    width = max(len(header), int(counts.max())) if counts is not None else len(header)
    common = dict(header=None, skiprows=1, names=range(width), skip_blank_lines=False,
                  encoding="utf-8-sig", quoting=csv.QUOTE_NONE, engine="c")
    if typed:
        dtype = {k: (np.float64 if k in typed else object) for k in range(width)}
        try:
            frame = pd.read_csv(io.BytesIO(data), dtype=dtype, na_filter=True, keep_default_na=False,
                                na_values={k: [""] for k in typed}, **common)
        except pd.errors.ParserError:  # a row with more cells than `width`: see the caller
            raise
        except (ValueError, OverflowError):
            frame = None  # a cell that is not a plain number: read as text, reported later
        if frame is not None and not any(np.isinf(frame[k].to_numpy()).any() for k in typed):
            return frame
    return pd.read_csv(io.BytesIO(data), dtype=object, na_filter=False, **common)


def _count_cells(data: bytes) -> np.ndarray:
    """Cells of each line of a quote-free CSV file: its commas plus one."""
    b = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero((b == 44) | (b == 10))  # commas and line ends, in order
    line_end = b[at] == 10
    line = np.cumsum(line_end)  # line of each comma
    n_lines = int(line[-1]) + (0 if b[-1] == 10 else 1) if len(at) else 1
    return np.bincount(line[~line_end], minlength=n_lines)[:n_lines] + 1


def _strip(col: np.ndarray) -> np.ndarray:
    """Cells without surrounding white space (only copied when some cell has it)."""
    if not len(col):
        return col
    joined = "".join(col)
    if joined.isascii() and not any(c in joined for c in _ASCII_SPACE):
        return col  # the common case, found with a few fast substring searches
    return np.array([s.strip() for s in col], dtype=object)


_ASCII_SPACE = " \t\x0b\x0c\x1c\x1d\x1e\x1f\n\r"  # what str.strip() removes, in ASCII (line ends last)


