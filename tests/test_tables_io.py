"""Tables as planners hold them: CSV from Chinese Windows, workbook sheets, and
results written for people (UTF-8 CSV with a byte-order mark, money to the fen,
plan.xlsx in M yuan, summary.json in readable Chinese).

Each bad file is the tiny instance (instances/tiny) with one table moved to a
file and spoiled in one way; the exact message is checked. Workbook tests need
the `excel` extra (openpyxl) and are skipped without it.
"""

from __future__ import annotations

import copy
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

import optim
from optim.check.certificate import check_result_dir
from optim.cli import main

ROOT = Path(__file__).resolve().parent.parent
TINY_PATH = ROOT / "instances" / "tiny" / "instance.yaml"
TINY = yaml.safe_load(TINY_PATH.read_text())
COLUMNS = ["id", "area", "current_use", "route"]
# the tiny instance's parcels, with a Chinese name for P2 (its id must survive every round trip)
ROWS = [["P1", "10", "commercial", "true"], ["青岗堡02", "20", "residential", "false"],
        ["P3", "10", "industrial", "false"]]


def doc_with(entry: dict) -> dict:
    doc = copy.deepcopy(TINY)
    for o in doc["options"]:
        if o["parcel"] == "P2":
            o["parcel"] = "青岗堡02"
    doc["parcels"] = entry
    return doc


def write(tmp_path: Path, entry: dict, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc_with(entry), allow_unicode=True), encoding="utf-8")
    return path


def csv_bytes(rows=ROWS, encoding="utf-8", header=COLUMNS) -> bytes:
    return ("\r\n".join(",".join(r) for r in [header, *rows]) + "\r\n").encode(encoding)


def problems(path: Path) -> list[str]:
    with pytest.raises(optim.InstanceError) as err:
        optim.load(path)
    return [str(p) for p in err.value.problems]


# ---- CSV in ------------------------------------------------------------------------------------
def test_gbk_csv_is_refused_with_the_fix_or_read_with_its_encoding(tmp_path, capsys):
    data = csv_bytes(encoding="gbk")
    path = write(tmp_path, {"file": "parcels.csv"}, {"parcels.csv": data})
    offset = data.index("青".encode("gbk"))
    assert problems(path) == [
        f"parcels.csv: not UTF-8 text (bad byte at offset {offset}): it reads as GB18030/GBK, the encoding of "
        "Chinese Windows (e.g. '青岗堡02,20,residential,false'): add `encoding: gb18030` to the table's entry in "
        "the instance ({file: parcels.csv, encoding: gb18030}), or save the file from Excel as 'CSV UTF-8 "
        "(Comma delimited)'"]
    path = write(tmp_path, {"file": "parcels.csv", "encoding": "gb18030"}, {})
    inst = optim.load(path)
    assert list(inst.parcels.index) == ["P1", "青岗堡02", "P3"]
    assert inst.notes == ["parcels.csv: read as gb18030 (the table's `encoding`)"]
    assert main(["validate", str(path)]) == 0
    assert "note: parcels.csv: read as gb18030 (the table's `encoding`)" in capsys.readouterr().err
    path = write(tmp_path, {"file": "parcels.csv", "encoding": "gbkk"}, {})
    assert problems(path) == ["instance.yaml: parcels.encoding: unknown encoding 'gbkk' (e.g. utf-8, gbk, gb18030, "
                              "utf-16)"]
    path = write(tmp_path, {"file": "parcels.csv", "encoding": "utf-8"}, {})
    assert problems(path) == [f"parcels.csv: not utf-8 text (bad byte at offset {offset}): check the table's "
                              "`encoding`"]


def test_utf16_csv_is_named_and_read_with_its_encoding(tmp_path):
    data = csv_bytes(encoding="utf-16")  # with its byte-order mark, as Excel's 'Unicode Text'
    path = write(tmp_path, {"file": "parcels.csv"}, {"parcels.csv": data})
    assert problems(path) == [
        "parcels.csv: not UTF-8 text (bad byte at offset 0): it is UTF-16 text (Excel's 'Unicode Text'): add "
        "`encoding: utf-16` to the table's entry in the instance ({file: parcels.csv, encoding: utf-16}), or save "
        "the file from Excel as 'CSV UTF-8 (Comma delimited)'"]
    path = write(tmp_path, {"file": "parcels.csv", "encoding": "utf-16"}, {})
    assert list(optim.load(path).parcels.index) == ["P1", "青岗堡02", "P3"]


def test_thousands_separators(tmp_path):
    rows = [["P1", '"1,050"', "commercial", "true"], *ROWS[1:]]
    path = write(tmp_path, {"file": "parcels.csv"}, {"parcels.csv": csv_bytes(rows)})
    assert problems(path) == ["parcels.csv row 2, area: must be a number, not '1,050': remove the thousands "
                              "separators, or give the table read from a file `thousands: \",\"` in its entry"]
    path = write(tmp_path, {"file": "parcels.csv", "thousands": ","}, {})
    assert optim.load(path).parcels["area"].tolist() == [1050.0, 20.0, 10.0]
    rows = [["P1", '"1,05"', "commercial", "true"], *ROWS[1:]]  # not grouped by three: still refused
    path = write(tmp_path, {"file": "parcels.csv", "thousands": ","}, {"parcels.csv": csv_bytes(rows)})
    assert problems(path) == ["parcels.csv row 2, area: must be a number, not '1,05'"]
    rows = [["P1", "1,050", "commercial", "true"], *ROWS[1:]]  # unquoted: one cell too many
    path = write(tmp_path, {"file": "parcels.csv"}, {"parcels.csv": csv_bytes(rows)})
    assert problems(path) == ["parcels.csv row 2: has 5 cells, the header has 4 (a number with a thousands "
                              "separator, such as 1,050, splits into two cells: write 1050, or quote the cell and "
                              "give the table `thousands: \",\"`)"]
    path = write(tmp_path, {"file": "parcels.csv", "thousands": ";"}, {})
    assert problems(path) == ["instance.yaml: parcels.thousands: must be the thousands separator (\",\", \".\", "
                              "\" \" or \"'\"), not ';'"]


def test_files_pasted_together(tmp_path):
    first, second = csv_bytes(ROWS[:2]), csv_bytes(ROWS[2:])
    path = write(tmp_path, {"file": "parcels.csv"}, {"parcels.csv": b"\xef\xbb\xbf" + first + b"\xef\xbb\xbf" + second})
    assert problems(path) == ["parcels.csv row 4: a byte-order mark inside the file: two exported files were pasted "
                              "together? Remove it (and the second header row)"]
    path = write(tmp_path, {"file": "parcels.csv"}, {"parcels.csv": first + second})
    assert problems(path) == ["parcels.csv row 4: repeats the header row: two exported files were pasted together? "
                              "Delete the row"]


# ---- CSV and JSON out ------------------------------------------------------------------------------
def test_result_csv_for_excel_and_the_checker(tmp_path):
    path = write(tmp_path, {"file": "parcels.csv"}, {"parcels.csv": csv_bytes()})
    inst = optim.load(path)
    inst.name = "青岗堡 tiny"
    result = optim.solve(inst)
    # float noise as sums leave it: written to the fen
    result.draws.loc[0, "amount"] = result.draws.loc[0, "amount"] + 0.4 - 0.4 + 1e-9
    result.categories["need"] = result.categories["need"] + 23.400000000000002 - 23.4
    out = result.write(tmp_path / "res")
    raw = (out / "parcels.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfparcel,") and "青岗堡02".encode() in raw
    text = (out / "categories.csv").read_text(encoding="utf-8-sig")
    assert "000000000" not in text and "999999" not in text
    draws = pd.read_csv(out / "draws.csv")
    assert list(draws.columns) == ["source", "category", "amount"]  # the mark is not part of the header
    assert draws["amount"].tolist() == [round(a, 2) for a in result.draws["amount"]]
    summary = (out / "summary.json").read_text(encoding="utf-8")
    assert '"instance": "青岗堡 tiny"' in summary and "\\u" not in summary
    assert check_result_dir(inst, out)["ok"].all()  # the checker reads the written plan back
    assert main(["check-plan", str(path), str(out)]) == 0


# ---- workbooks in ---------------------------------------------------------------------------------
openpyxl = pytest.importorskip("openpyxl", reason="the excel extra (openpyxl) is not installed")


def book(tmp_path: Path, rows=None, name="park.xlsx", title="parcels", extra=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(COLUMNS)
    for r in rows if rows is not None else [[p, float(a), u, r == "true"] for p, a, u, r in ROWS]:
        ws.append(r)
    if extra:
        extra(wb, ws)
    wb.save(tmp_path / name)
    return tmp_path / name


def test_a_sheet_reads_like_the_csv(tmp_path):
    book(tmp_path)
    path = write(tmp_path, {"file": "park.xlsx", "sheet": "parcels"}, {})
    inst = optim.load(path)
    assert list(inst.parcels.index) == ["P1", "青岗堡02", "P3"]
    assert inst.parcels["area"].tolist() == [10.0, 20.0, 10.0] and inst.parcels["route"].tolist() == [True, False, False]
    tiny = optim.solve(optim.load(TINY_PATH))
    assert optim.solve(inst).objective == pytest.approx(tiny.objective)
    path = write(tmp_path, {"file": "park.xlsx"}, {})  # the sheet named like the table
    assert len(optim.load(path).parcels) == 3
    path = write(tmp_path, {"file": "park.xlsx", "sheet": "Sheet9"}, {})
    assert problems(path) == ["park.xlsx: no sheet 'Sheet9' (sheets: 'parcels')"]
    path = write(tmp_path, {"file": "park.xlsx", "layer": "x"}, {})
    assert problems(path) == ["instance.yaml: parcels: unknown key(s) layer; a table read from a workbook may have "
                              "file, sheet, thousands"]


def test_sheet_messages_name_the_cell_row(tmp_path):
    rows = [["P1", "ten", "commercial", True], *[[p, float(a), u, r == "true"] for p, a, u, r in ROWS[1:]]]
    book(tmp_path, rows)
    path = write(tmp_path, {"file": "park.xlsx"}, {})
    assert problems(path) == ["park.xlsx[parcels] row 2, area: must be a number, not 'ten'"]


def test_formulas_without_a_trustworthy_value(tmp_path):
    def formula(wb, ws):
        ws["B4"] = "=B2*1"  # P3's area as a formula
    book(tmp_path, extra=formula)  # openpyxl saves no value for a formula
    path = write(tmp_path, {"file": "park.xlsx"}, {})
    assert problems(path) == ["park.xlsx[parcels] cell B4: a formula (=B2*1) whose saved value cannot be trusted: "
                              "the workbook was written by a program that does not calculate (it asks Excel to "
                              "recalculate on opening, and saves 0 or nothing as the value): open it in Excel and "
                              "save it, or paste the values"]
    xlsxwriter = pytest.importorskip("xlsxwriter", reason="xlsxwriter is not installed")
    wb = xlsxwriter.Workbook(str(tmp_path / "xw.xlsx"))
    ws = wb.add_worksheet("parcels")
    ws.write_row(0, 0, COLUMNS)
    for k, (p, a, u, r) in enumerate(ROWS, start=1):
        ws.write_row(k, 0, [p, float(a), u, r == "true"])
    ws.write_formula(3, 1, "=B2*1")  # saved with the value 0 until Excel recalculates
    wb.close()
    path = write(tmp_path, {"file": "xw.xlsx"}, {})
    assert problems(path)[0].startswith("xw.xlsx[parcels] cell B4: a formula (=B2*1) whose saved value cannot be "
                                        "trusted")
    # as Excel saves it: the formula with its value, no request to recalculate
    saved = _excel_saved(tmp_path / "xw.xlsx", value="10")
    path = write(tmp_path, {"file": saved.name}, {})
    assert optim.load(path).parcels["area"].tolist() == [10.0, 20.0, 10.0]
    saved = _excel_saved(tmp_path / "xw.xlsx", value=None)
    path = write(tmp_path, {"file": saved.name}, {})
    assert problems(path) == ["excel_saved.xlsx[parcels] cell B4: a formula (=B2*1) with no saved value: open the "
                              "workbook in Excel and save it, or paste the values"]


def _excel_saved(source: Path, value: str | None) -> Path:
    """`source` as Excel would save it: no fullCalcOnLoad, the formula's value `value`."""
    out = source.with_name("excel_saved.xlsx")
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>B2*1</f><v>0</v>",
                                    b"<f>B2*1</f>" + (b"" if value is None else b"<v>" + value.encode() + b"</v>"))
            zout.writestr(item, data)
    return out


def test_dates_errors_and_far_formatting(tmp_path):
    import datetime as dt

    def spoil(wb, ws):
        ws["A3"] = dt.datetime(2024, 3, 1)  # '3-1' turned into a date
        ws["B4"] = "#N/A"
        ws.cell(row=1_048_576, column=16_384).number_format = "0.00"  # the sheet's size: the whole grid
    book(tmp_path, extra=spoil)
    path = write(tmp_path, {"file": "park.xlsx"}, {})
    start = time.perf_counter()
    found = problems(path)
    assert time.perf_counter() - start < 10  # reading stops at the last row with data
    assert found[:2] == [
        "park.xlsx[parcels] cell A3: a date (2024-03-01 00:00:00) in column 'id': Excel turns ids such as 3-1 into "
        "dates; format the column as Text and type the values again",
        "park.xlsx[parcels] cell B4: Excel error value #N/A in column 'area' (a failed formula or lookup): correct "
        "the cell"]


def test_files_that_are_not_xlsx_are_named(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    (tmp_path / "locked.xlsx").write_bytes(ole + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 8
                                           + "EncryptedPackage".encode("utf-16-le"))
    path = write(tmp_path, {"file": "locked.xlsx"}, {})
    assert problems(path) == ["locked.xlsx: an encrypted (password-protected) workbook: remove the password in Excel "
                              "(File > Info > Protect Workbook > Encrypt with Password, clear it) and save it again"]
    (tmp_path / "old.xlsx").write_bytes(ole + "Workbook".encode("utf-16-le"))
    path = write(tmp_path, {"file": "old.xlsx"}, {})
    assert problems(path) == ["old.xlsx: an old Excel 97-2003 workbook (.xls), not a .xlsx: open it in Excel and save "
                              "it as an Excel Workbook (.xlsx)"]
    (tmp_path / "text.xlsx").write_bytes(csv_bytes())
    path = write(tmp_path, {"file": "text.xlsx"}, {})
    assert problems(path) == ["text.xlsx: not an Excel workbook (.xlsx is a zip file, this is not one): open it in "
                              "Excel and save it as an Excel Workbook (.xlsx), or give a CSV file"]


def test_several_sheets_need_a_name_and_thousands_in_text_cells(tmp_path):
    def second(wb, ws):
        wb.create_sheet("notes")
    rows = [["P1", "1,050", "commercial", True], *[[p, float(a), u, r == "true"] for p, a, u, r in ROWS[1:]]]
    book(tmp_path, rows, title="地块", extra=second)
    path = write(tmp_path, {"file": "park.xlsx"}, {})
    assert problems(path) == ["park.xlsx: the workbook has 2 sheets ('地块', 'notes'): say which with `sheet:`"]
    path = write(tmp_path, {"file": "park.xlsx", "sheet": "地块", "thousands": ","}, {})
    assert optim.load(path).parcels["area"].tolist() == [1050.0, 20.0, 10.0]


def test_missing_excel_extra(tmp_path, monkeypatch, capsys):
    book(tmp_path)
    path = write(tmp_path, {"file": "park.xlsx"}, {})
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    assert problems(path) == ["park.xlsx: reading a workbook needs the excel extra: pip install 'optim[excel]'"]
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "openpyxl" else object())
    assert main(["solve", str(TINY_PATH), "--out", str(tmp_path / "res"), "--excel"]) == 2
    assert capsys.readouterr().err.strip() == ("optim: writing a workbook needs the excel extra: "
                                               "pip install 'optim[excel]'")
    assert not (tmp_path / "res").exists()


# ---- the workbook out ----------------------------------------------------------------------------------
def test_plan_xlsx_in_million_yuan(tmp_path):
    out = tmp_path / "res"
    assert main(["solve", str(TINY_PATH), "--out", str(out), "--excel"]) == 0
    result = optim.solve(optim.load(TINY_PATH))
    wb = openpyxl.load_workbook(out / "plan.xlsx")
    assert wb.sheetnames == ["summary", *result.tables()]
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["status"] == "optimal" and summary["certified by the checker"] is True
    assert summary["objective (yuan)"] == pytest.approx(result.objective)
    draws = wb["draws"]
    assert [c.value for c in draws[1]] == ["source", "category", "amount (M yuan)"]
    amounts = [r[2].value for r in draws.iter_rows(min_row=2)]
    assert amounts == pytest.approx((result.draws["amount"] / 1e6).tolist())
    assert all(r[2].number_format == "#,##0.00" for r in draws.iter_rows(min_row=2))
    parcels = wb["parcels"]
    header = [c.value for c in parcels[1]]
    assert header[:5] == ["parcel", "use", "current_use", "rezoned", "area (mu)"]
    assert "land_income (M yuan)" in header and "output (M yuan/year)" in header
    first = [c.value for c in parcels[2]]
    assert first[0] == "P1" and isinstance(first[3], bool)
    kpis = {r[0]: (r[1], r[2]) for r in wb["kpis"].iter_rows(min_row=2, values_only=True)}
    assert kpis["land_income"] == (pytest.approx(result.kpi("land_income") / 1e6), "M yuan")
    assert wb["kpis"].freeze_panes == "A2"


def test_coordinates_in_degrees_must_be_longitude_and_latitude(tmp_path):
    doc = copy.deepcopy(TINY)
    doc["units"] = {"money": "yuan", "area": "mu", "coordinates": "degrees"}
    for parcel, (x, y) in zip(doc["parcels"], [(107.18, 34.37), (107.19, 34.37), (424573.6, 3805008.7)]):
        parcel.update(x=x, y=y)
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert problems(path) == [
        "instance.yaml: parcels[2], x: 424574 is not a longitude (units.coordinates is degrees: x must be within +-180)",
        "instance.yaml: parcels[2], y: 3.80501e+06 is not a latitude (units.coordinates is degrees: y must be within "
        "+-90)"]
    doc["units"]["coordinates"] = "miles"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert problems(path) == ["instance.yaml: units.coordinates: 'miles' is not one of km, m, degrees"]


def test_import_and_csv_instances_stay_light(tmp_path):
    """`import optim`, loading, solving and writing a CSV instance load none of the
    extras' libraries: they are imported only for workbooks and GIS files."""
    import subprocess

    code = ("import sys, optim\n"
            f"r = optim.solve(optim.load({str(ROOT / 'instances' / 'baoji_qinganbao' / 'instance.yaml')!r}))\n"
            f"r.write({str(tmp_path / 'res')!r})\n"
            "print(sorted(m for m in ('geopandas', 'shapely', 'pyogrio', 'pyproj', 'openpyxl') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_study_tables_open_in_excel(tmp_path):
    out = optim.shadow_prices(optim.load(TINY_PATH)).write(tmp_path)
    assert out.read_bytes().startswith(b"\xef\xbb\xbffamily,")
    assert list(pd.read_csv(out).columns)[0] == "family"


def test_a_zip_that_is_not_a_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "park.xlsx", "w") as z:
        z.writestr("readme.txt", "hello")
    path = write(tmp_path, {"file": "park.xlsx"}, {})
    (found,) = problems(path)
    assert found.startswith("park.xlsx: cannot read the workbook: ")
