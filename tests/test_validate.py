"""`optim validate`: every kind of bad input is reported with its place, all at once.

Each bad instance is the tiny instance (instances/tiny) copied into a temporary
directory and changed in one place; tables move to CSV files where the case is
about CSV. Each test checks the exact message through `optim.load` and through
the real entry point (`python -m optim.cli validate PATH`): exit status 2, the
message on stderr, no traceback.
"""

from __future__ import annotations

import copy
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import optim
import optim.cli

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
TINY_DOC = yaml.safe_load(TINY.read_text())

PARCEL_COLUMNS = ["id", "area", "current_use", "zone", "x", "y", "route"]
OPTION_COLUMNS = ["parcel", "use", "land_income", "output", "conversion_cost", "energy"]
from optim.inputs.schema import TOP_LEVEL  # noqa: E402

from optim.inputs.schema import MAPPINGS, TABLES  # noqa: E402

KNOWN_TOP = ", ".join(sorted(TOP_LEVEL))
# the messages list the known columns/keys in schema order; the format grows, so the
# lists come from the schema (and must start with the columns every instance has)
KNOWN_PARCEL_COLUMNS = ", ".join(TABLES["parcels"])
KNOWN_POLICY_KEYS = ", ".join(MAPPINGS["policy"])
assert KNOWN_PARCEL_COLUMNS.startswith("id, area, current_use, zone, x, y, route")
assert KNOWN_POLICY_KEYS.startswith("coverage_target, coverage_scope, own_funds_budget")  # the message lists every known key, sorted
assert {"name", "uses", "categories", "parcels", "options", "policy", "scenarios"} <= TOP_LEVEL


# ---- helpers -------------------------------------------------------------------------
def tiny() -> dict:
    """A fresh copy of the tiny instance's document."""
    return copy.deepcopy(TINY_DOC)


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(rows: list[dict], columns: list[str]) -> str:
    lines = [",".join(columns)]
    lines += [",".join(cell(row.get(c)) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def with_csv(doc: dict, *tables: str) -> tuple[dict, dict[str, str]]:
    """Move `tables` of `doc` to CSV files: the document and {file name: text}."""
    columns = {"parcels": PARCEL_COLUMNS, "options": OPTION_COLUMNS}
    files = {}
    for table in tables:
        files[f"{table}.csv"] = csv_text(doc[table], columns[table])
        doc[table] = {"file": f"{table}.csv"}
    return doc, files


def write(tmp_path: Path, doc: dict | None = None, files: dict | None = None,
          text: str | bytes | None = None) -> Path:
    """Write an instance (a document, or raw YAML text) and its CSV files."""
    path = tmp_path / "instance.yaml"
    if text is not None:
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    else:
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    for name, content in (files or {}).items():
        target = tmp_path / name
        (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
    return path


def subdir(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).mkdir()
    return tmp_path / name


def load_problems(path: Path) -> list[str]:
    try:
        optim.load(path)
    except optim.InstanceError as exc:
        return [str(p) for p in exc.problems]
    return []


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optim.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def run_main(*args) -> subprocess.CompletedProcess:
    """`optim.cli.main` in this process (the entry point's code, without the start-up
    cost of a new interpreter); an exception escaping it fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = optim.cli.main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def assert_reports(path: Path, *expected: str, only: bool = False) -> list[str]:
    """`expected` are among the problems of `path` (all of them if `only`), and the
    command line reports them on stderr with exit status 2 and no traceback."""
    problems = load_problems(path)
    for message in expected:
        assert message in problems, f"{message!r} not in {problems}"
    if only:
        assert sorted(problems) == sorted(expected)
    proc = run_main("validate", path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    for message in expected:
        assert f"error: {message}" in lines, proc.stderr
    assert lines[-1] == f"{len(problems)} problem(s) found"
    return problems


# ---- a valid instance ---------------------------------------------------------------------
def test_valid_tiny_exits_0():
    proc = run_cli("validate", TINY)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{TINY}: valid (3 parcels, 5 options, 2 projects, 3 sources)"
    assert proc.stderr == ""


def test_tiny_with_csv_tables_is_valid_and_equal(tmp_path):
    doc, files = with_csv(tiny(), "parcels", "options")
    inst = optim.load(write(tmp_path, doc, files))
    ref = optim.load(TINY)
    assert list(inst.parcels.index) == list(ref.parcels.index)
    assert inst.parcels["area"].tolist() == ref.parcels["area"].tolist()
    assert inst.parcels["route"].tolist() == ref.parcels["route"].tolist()
    for col in OPTION_COLUMNS:
        assert inst.options[col].tolist() == ref.options[col].tolist()
    assert run_cli("validate", tmp_path / "instance.yaml").returncode == 0


def test_bom_crlf_blank_lines_and_spaces_are_accepted(tmp_path):
    doc, files = with_csv(tiny(), "parcels", "options")
    text = files["parcels.csv"].replace(",", " , ").replace("\n", "\r\n")
    files["parcels.csv"] = b"\xef\xbb\xbf" + text.encode() + b"\r\n\r\n"
    files["options.csv"] = files["options.csv"].replace("\n", "\n\n", 2)
    inst = optim.load(write(tmp_path, doc, files))
    assert list(inst.parcels.index) == ["P1", "P2", "P3"]
    assert inst.parcels["current_use"].tolist() == ["commercial", "residential", "industrial"]
    assert len(inst.options) == 5


def test_numbers_as_quoted_strings_in_yaml_are_accepted(tmp_path):
    doc = tiny()
    doc["parcels"][0]["area"] = "10"
    doc["sources"][1]["rate"] = "0.05"
    inst = optim.load(write(tmp_path, doc))
    assert inst.parcels.loc["P1", "area"] == 10.0
    assert inst.sources.loc["cdb", "rate"] == 0.05


# ---- unknown keys and columns ----------------------------------------------------------
def test_unknown_top_level_key(tmp_path):
    doc = tiny()
    doc["colour"] = "red"
    assert_reports(write(tmp_path, doc),
                   f"instance.yaml: colour: unknown key (known keys: {KNOWN_TOP})", only=True)


def test_unknown_key_in_a_row(tmp_path):
    doc = tiny()
    doc["parcels"][1]["aera"] = 20
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: parcels[1]: unknown key 'aera' "
                   f"(known: {KNOWN_PARCEL_COLUMNS})", only=True)


def test_unknown_key_in_a_mapping(tmp_path):
    doc = tiny()
    doc["policy"]["coverage_goal"] = 0.5
    assert_reports(write(tmp_path, doc),
                   f"instance.yaml: policy.coverage_goal: unknown key (known: {KNOWN_POLICY_KEYS})",
                   only=True)


def test_unknown_csv_column_is_reported_once_per_file(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    files["parcels.csv"] = csv_text([dict(r, owner="city") for r in TINY_DOC["parcels"]],
                                    [*PARCEL_COLUMNS, "owner"])
    assert_reports(write(tmp_path, doc, files),
                   f"parcels.csv: unknown column 'owner' (known: {KNOWN_PARCEL_COLUMNS})",
                   only=True)


def test_resource_columns_of_options_are_known(tmp_path):
    doc, files = with_csv(tiny(), "options")
    files["options.csv"] = csv_text(TINY_DOC["options"], [*OPTION_COLUMNS, "water"])
    assert_reports(write(tmp_path, doc, files),
                   "options.csv: unknown column 'water' (known: parcel, use, land_income, output, "
                   "conversion_cost, value, energy)", only=True)


# ---- wrong types ------------------------------------------------------------------------
def test_text_for_a_number(tmp_path):
    doc = tiny()
    doc["parcels"][0]["area"] = "ten"
    assert_reports(write(tmp_path, doc), "instance.yaml: parcels[0], area: must be a number, not 'ten'",
                   only=True)


def test_list_for_a_number(tmp_path):
    doc = tiny()
    doc["projects"][0]["cost"] = [1, 2]
    assert_reports(write(tmp_path, doc), "instance.yaml: projects[0], cost: must be a number, not a list",
                   only=True)


def test_maybe_for_a_bool(tmp_path):
    doc = tiny()
    doc["uses"][0]["commercial"] = "maybe"
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: uses[0], commercial: must be true or false, not 'maybe'", only=True)


def test_bool_for_a_number(tmp_path):
    doc = tiny()
    doc["sources"][0]["cap"] = True
    doc["policy"]["own_funds_budget"] = False
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: sources[0], cap: must be a number, not true/false",
                   "instance.yaml: policy.own_funds_budget: must be a number, not true/false", only=True)


def test_mapping_for_text_and_bad_choice(tmp_path):
    doc = tiny()
    doc["parcels"][0]["zone"] = {"a": 1}
    doc["sources"][0]["kind"] = "loan_shark"
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: parcels[0], zone: must be text, not a mapping",
                   "instance.yaml: sources[0], kind: 'loan_shark' is not one of policy_finance, bank_loan, "
                   "special_fund, bond, abs, reit, equity, own_funds, other", only=True)


def test_whole_number_expected(tmp_path):
    doc = tiny()
    doc["solver"] = {"threads": 1.5}
    assert_reports(write(tmp_path, doc), "instance.yaml: solver.threads: must be a whole number, not 1.5",
                   only=True)


def test_wrong_types_in_csv_cells(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    files["parcels.csv"] = files["parcels.csv"].replace("P1,10,", "P1,ten,").replace(
        "P2,20,residential,,,,", "P2,20,residential,,,,maybe")
    assert_reports(write(tmp_path, doc, files),
                   "parcels.csv row 2, area: must be a number, not 'ten'",
                   "parcels.csv row 3, route: must be true or false, not 'maybe'", only=True)


def test_row_that_is_not_a_mapping(tmp_path):
    doc = tiny()
    doc["categories"].append("services")
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: categories[2]: a row must be a mapping of column: value, not text",
                   only=True)


def test_table_of_the_wrong_type(tmp_path):
    doc = tiny()
    doc["projects"] = 3
    doc["resources"] = {"path": "resources.csv"}
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: projects: must be a list of rows or a mapping {file: NAME.csv}, not a number",
                   "instance.yaml: resources: unknown key(s) path; a table is a list of rows or {file: NAME.csv}",
                   "instance.yaml: resources: a table given as a mapping needs a 'file' key")


# ---- missing keys and columns ------------------------------------------------------------
def test_missing_required_top_level_key(tmp_path):
    doc = tiny()
    del doc["parcels"]
    # the options name parcels, but with no parcels table that is not reported again
    assert_reports(write(tmp_path, doc), "instance.yaml: parcels: required key is missing", only=True)


def test_missing_required_key_in_a_row(tmp_path):
    doc = tiny()
    del doc["parcels"][2]["current_use"]
    del doc["eod"]["income_share"]
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: parcels[2], current_use: required value is missing",
                   "instance.yaml: eod.income_share: required value is missing", only=True)


def test_missing_required_column_is_reported_once_per_file(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    files["parcels.csv"] = csv_text(TINY_DOC["parcels"], ["id", "current_use", "route"])
    assert_reports(write(tmp_path, doc, files), "parcels.csv: missing required column 'area'", only=True)


def test_empty_required_cell_in_csv(tmp_path):
    doc, files = with_csv(tiny(), "options")
    files["options.csv"] = files["options.csv"].replace("P2,residential", ",residential")
    assert_reports(write(tmp_path, doc, files), "options.csv row 4, parcel: required value is missing",
                   only=True)


def test_missing_csv_file(tmp_path):
    doc = tiny()
    doc["parcels"] = {"file": "nothere.csv"}
    # the options name parcels, but with no parcels table that is not reported again
    assert_reports(write(tmp_path, doc),
                   f"instance.yaml: parcels.file: CSV file not found: {tmp_path / 'nothere.csv'}", only=True)


def test_csv_file_is_a_directory(tmp_path):
    doc = tiny()
    doc["parcels"] = {"file": "sub"}
    (tmp_path / "sub").mkdir()
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: parcels.file: sub is a directory, not a CSV file", only=True)


def test_empty_csv_file(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    files["parcels.csv"] = ""
    assert_reports(write(tmp_path, doc, files), "parcels.csv: empty CSV file: a header row is required",
                   only=True)


def test_csv_with_header_only_has_no_rows(tmp_path):
    doc, files = with_csv(tiny(), "options")
    files["options.csv"] = ",".join(OPTION_COLUMNS) + "\n"
    problems = assert_reports(write(tmp_path, doc, files), "instance.yaml: options: table has no rows")
    assert "instance.yaml: parcels[0]: parcel 'P1' has no allowed use in the options table" in problems


def test_binary_csv_file(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    files["parcels.csv"] = bytes(range(256))
    assert_reports(write(tmp_path, doc, files), "parcels.csv: not UTF-8 text (bad byte at offset 128)",
                   only=True)


# ---- duplicates ---------------------------------------------------------------------------
def test_duplicate_id_in_yaml(tmp_path):
    doc = tiny()
    doc["projects"][1]["id"] = "park_infra"
    assert_reports(write(tmp_path, doc), "instance.yaml: projects[1]: duplicate id 'park_infra'", only=True)


def test_duplicate_id_in_csv(tmp_path):
    doc = tiny()
    doc["parcels"].append(dict(doc["parcels"][0]))
    doc, files = with_csv(doc, "parcels")
    assert_reports(write(tmp_path, doc, files), "parcels.csv row 5: duplicate id 'P1'", only=True)


def test_duplicate_option(tmp_path):
    doc = tiny()
    doc["options"].append(dict(doc["options"][2]))
    doc, files = with_csv(doc, "options")
    assert_reports(write(tmp_path, doc, files), "options.csv row 7: duplicate option ('P2', 'residential')",
                   only=True)


def test_duplicate_yaml_key(tmp_path):
    text = TINY.read_text().replace("name: tiny\n", "name: tiny\nname: tiny again\n")
    line = text.splitlines().index("name: tiny again") + 1
    assert_reports(write(tmp_path, text=text), f"instance.yaml line {line}: duplicate key 'name'", only=True)


def test_duplicate_csv_column(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    files["parcels.csv"] = csv_text(TINY_DOC["parcels"], [*PARCEL_COLUMNS, "zone"])
    assert_reports(write(tmp_path, doc, files), "parcels.csv: duplicate column 'zone'", only=True)


# ---- references to unknown ids ------------------------------------------------------------
def test_unknown_current_use(tmp_path):
    doc = tiny()
    doc["parcels"][0]["current_use"] = "farm"
    assert_reports(write(tmp_path, doc), "instance.yaml: parcels[0], current_use: unknown use 'farm'",
                   only=True)


def test_unknown_option_parcel(tmp_path):
    doc = tiny()
    doc["options"][0]["parcel"] = "P9"
    assert_reports(write(tmp_path, doc), "instance.yaml: options[0], parcel: unknown parcel 'P9'", only=True)


def test_option_for_a_use_that_does_not_exist(tmp_path):
    doc, files = with_csv(tiny(), "options")
    files["options.csv"] = files["options.csv"].replace("P1,industrial", "P1,airport")
    assert_reports(write(tmp_path, doc, files), "options.csv row 3, use: unknown use 'airport'", only=True)


def test_unknown_project_category(tmp_path):
    doc = tiny()
    doc["projects"][1]["category"] = "culture"
    assert_reports(write(tmp_path, doc), "instance.yaml: projects[1], category: unknown category 'culture'",
                   only=True)


def test_unknown_source_category(tmp_path):
    doc = tiny()
    doc["sources"][2]["categories"] = ["ecology", "culture"]
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: sources[2], categories: source 'special' names unknown category 'culture'",
                   only=True)


def test_unknown_policy_categories(tmp_path):
    doc = tiny()
    doc["policy"]["coverage_scope"] = ["park", "culture"]
    doc["policy"]["conversion_category"] = "estate"
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: policy.coverage_scope: unknown category 'culture'",
                   "instance.yaml: policy.conversion_category: unknown category 'estate'", only=True)


@pytest.mark.parametrize("lock, message", [
    ({"P9": "industrial"}, "instance.yaml: policy.locked_uses.P9: unknown parcel 'P9'"),
    ({"P1": "airport"}, "instance.yaml: policy.locked_uses.P1: unknown use 'airport'"),
    ({"P3": "commercial"},
     "instance.yaml: policy.locked_uses.P3: use 'commercial' is not an allowed option of parcel 'P3'"),
    ({"P3": 7}, "instance.yaml: policy.locked_uses.P3: must be a use id (text), not a number"),
])
def test_bad_locked_uses(tmp_path, lock, message):
    doc = tiny()
    doc["policy"]["locked_uses"] = lock
    assert_reports(write(tmp_path, doc), message, only=True)


def test_valid_locked_use_is_accepted(tmp_path):
    doc = tiny()
    doc["policy"]["locked_uses"] = {"P2": "industrial"}
    assert optim.load(write(tmp_path, doc)).policy.locked_uses == {"P2": "industrial"}


# ---- ranges ----------------------------------------------------------------------------
@pytest.mark.parametrize("area, shown", [(-10, "-10"), (0, "0")])
def test_negative_or_zero_area(tmp_path, area, shown):
    doc = tiny()
    doc["parcels"][0]["area"] = area
    assert_reports(write(tmp_path, doc), f"instance.yaml: parcels[0], area: must be > 0, not {shown}",
                   only=True)


def test_negative_area_in_csv(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    files["parcels.csv"] = files["parcels.csv"].replace("P3,10,", "P3,-2.5,")
    assert_reports(write(tmp_path, doc, files), "parcels.csv row 4, area: must be > 0, not -2.5", only=True)


def test_negative_caps(tmp_path):
    doc = tiny()
    doc["resources"][0]["cap"] = -1
    doc["sources"][2]["cap"] = -15000000
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: resources[0], cap: must be >= 0, not -1",
                   "instance.yaml: sources[2], cap: must be >= 0, not -1.5e+07", only=True)


def test_negative_costs(tmp_path):
    doc = tiny()
    doc["projects"][0]["cost"] = -5000000
    doc, files = with_csv(doc, "options")
    files["options.csv"] = files["options.csv"].replace(",5000000,", ",-5000000,")
    assert_reports(write(tmp_path, doc, files),
                   "instance.yaml: projects[0], cost: must be >= 0, not -5e+06",
                   "options.csv row 3, conversion_cost: must be >= 0, not -5e+06", only=True)


def test_ratio_given_as_percent(tmp_path):
    doc = tiny()
    doc["policy"]["coverage_target"] = 88
    doc["sources"][1]["rate"] = 1.5
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: sources[1], rate: must be a ratio in [0, 1], not 1.5",
                   "instance.yaml: policy.coverage_target: must be a ratio in [0, 1], not 88", only=True)


def test_min_ticket_above_cap(tmp_path):
    doc = tiny()
    doc["sources"][1]["min_ticket"] = 50000000
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: sources[1], min_ticket: minimum ticket 5e+07 of source 'cdb' "
                   "exceeds its cap 4e+07", only=True)


@pytest.mark.parametrize("value, shown", [(float("nan"), "nan"), (float("inf"), "inf"),
                                          (float("-inf"), "-inf")])
def test_nan_and_inf_in_yaml(tmp_path, value, shown):
    doc = tiny()
    doc["options"][0]["land_income"] = value
    assert_reports(write(tmp_path, doc),
                   f"instance.yaml: options[0], land_income: must be a finite number, not {shown}", only=True)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "1e400"])
def test_nan_and_inf_in_csv(tmp_path, text):
    doc, files = with_csv(tiny(), "options")
    files["options.csv"] = files["options.csv"].replace("P1,commercial,30000000", f"P1,commercial,{text}")
    assert_reports(write(tmp_path, doc, files),
                   f"options.csv row 2, land_income: must be a finite number, not {text!r}", only=True)


def test_huge_integer_in_yaml(tmp_path):
    doc = tiny()
    doc["projects"][0]["cost"] = 10 ** 400
    problems = assert_reports(write(tmp_path, doc))
    # the message names the number by its size: a message quotes at most a few dozen characters
    assert problems == ["instance.yaml: projects[0], cost: must be a finite number, not an integer of 401 digits"]


# ---- CSV structure -------------------------------------------------------------------
def test_csv_rows_with_wrong_number_of_cells(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    lines = files["parcels.csv"].splitlines()
    lines[1] = "P1,10"  # too few
    lines[3] = lines[3] + ",extra"  # too many
    files["parcels.csv"] = "\n".join(lines) + "\n"
    # the ids of those rows are still known: the options naming them are fine
    assert_reports(write(tmp_path, doc, files),
                   "parcels.csv row 2: has 2 cells, the header has 7",
                   "parcels.csv row 4: has 8 cells, the header has 7", only=True)


def test_csv_rows_are_numbered_as_in_the_file(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    lines = files["parcels.csv"].splitlines()
    lines[3] = lines[3].replace("P3,10,", "P3,0,")
    lines.insert(2, "")  # a blank row between P1 and P2
    files["parcels.csv"] = "\n".join(lines) + "\n"
    assert_reports(write(tmp_path, doc, files), "parcels.csv row 5, area: must be > 0, not 0", only=True)


def test_quoted_csv_cells(tmp_path):
    doc, files = with_csv(tiny(), "parcels")
    lines = files["parcels.csv"].splitlines()
    lines[1] = lines[1].replace("P1,10,commercial,,", 'P1,10,commercial,"north, river\nbank",')
    lines[2] = lines[2].replace("P2,20,", '"P2","-1",')
    files["parcels.csv"] = "\n".join(lines) + "\n"
    # rows are records: the quoted cell over two lines is in row 2
    assert_reports(write(tmp_path, doc, files), "parcels.csv row 3, area: must be > 0, not -1", only=True)


# ---- the document as a whole ----------------------------------------------------------
def test_broken_yaml_names_the_line(tmp_path):
    text = TINY.read_text().replace("  - {id: P2, area: 20, current_use: residential}",
                                    "  - {id: P2, area: 20, current_use: residential")
    line = text.splitlines().index("  - {id: P3, area: 10, current_use: industrial}") + 1
    path = write(tmp_path, text=text)
    assert_reports(path, f"{path} line {line}: not valid YAML: expected ',' or '}}', but got '{{'", only=True)


def test_top_level_list(tmp_path):
    path = write(tmp_path, text="- name: tiny\n- uses: []\n")
    assert_reports(path, f"{path}: the document must be a mapping of keys, not a list", only=True)


def test_top_level_scalar(tmp_path):
    path = write(tmp_path, text="just some words\n")
    assert_reports(path, f"{path}: the document must be a mapping of keys, not text", only=True)


def test_file_not_found(tmp_path):
    path = tmp_path / "missing.yaml"
    assert_reports(path, f"{path}: file not found", only=True)


def test_directory_instead_of_a_file(tmp_path):
    assert_reports(tmp_path, f"{tmp_path}: is a directory, not an instance file", only=True)


def test_empty_file(tmp_path):
    path = write(tmp_path, text="")
    assert_reports(path, f"{path}: the file is empty: an instance is a mapping of keys "
                         "(name, uses, categories, parcels, options, ...)", only=True)


def test_binary_junk(tmp_path):
    path = write(tmp_path, text=bytes(range(256)) * 4)
    assert_reports(path, f"{path}: not UTF-8 text (bad byte at offset 128)", only=True)


def test_control_character(tmp_path):
    path = write(tmp_path, text="name: tiny\nuses: \x07\n")
    assert_reports(path, f"{path} line 2: not valid YAML: character #x0007 is not allowed", only=True)


@pytest.mark.parametrize("text", [
    "[" * 5000,
    "a: !!python/object/apply:os.system ['echo hi']\n",
    "---\nname: a\n---\nname: b\n",
    "? [a, b]\n: 1\n",
    "a: *nowhere\n",
    "name: x\nuses: &u [*u]\ncategories: {file: [1]}\nparcels: {file: ../}\noptions: [[], 1, null]\n",
    "name: [\n",
    "\ufeff\ufeffname: x\n",
])
def test_odd_yaml_never_gives_a_traceback(tmp_path, text):
    path = write(tmp_path, text=text)
    assert load_problems(path)
    proc = run_cli("validate", path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1].endswith("problem(s) found")


# ---- cross-checks ---------------------------------------------------------------------
def test_parcel_with_no_options(tmp_path):
    doc = tiny()
    doc["options"] = [o for o in doc["options"] if o["parcel"] != "P3"]
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: parcels[2]: parcel 'P3' has no allowed use in the options table", only=True)


def test_conversion_costs_without_a_conversion_category(tmp_path):
    doc = tiny()
    doc["categories"][0]["id"] = "estate"
    doc["projects"][0]["category"] = "estate"
    doc["sources"][0]["categories"] = doc["sources"][1]["categories"] = ["estate"]
    doc["policy"]["coverage_scope"] = ["estate"]
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: policy.conversion_category: options have conversion costs but no "
                   "category pays for them: set policy.conversion_category or define a 'park' category",
                   only=True)
    doc["policy"]["conversion_category"] = "estate"
    assert optim.load(write(tmp_path, doc)).conversion_category() == "estate"


def test_unknown_objective_term(tmp_path):
    doc = tiny()
    doc["objective"]["weights"]["profit"] = 1
    doc["objective"]["targets"] = {"happiness": {"min": 1}}
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: objective.weights.profit: unknown term "
                   "(terms: land_income, industrial_output, coverage, financing_cost, value)",
                   "instance.yaml: objective.targets.happiness: unknown term "
                   "(terms: land_income, industrial_output, coverage, financing_cost, value)", only=True)


def test_min_above_max(tmp_path):
    doc = tiny()
    doc["objective"]["targets"] = {"coverage": {"min": 0.9, "max": 0.5}}
    doc["policy"]["min_industrial_area"] = 30
    doc["policy"]["max_industrial_area"] = 20
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: objective.targets.coverage: min 0.9 is above max 0.5",
                   "instance.yaml: policy.min_industrial_area: min_industrial_area 30 is above "
                   "max_industrial_area 20", only=True)


def test_empty_required_table(tmp_path):
    doc = tiny()
    doc["uses"] = []
    problems = assert_reports(write(tmp_path, doc), "instance.yaml: uses: table has no rows")
    assert "instance.yaml: parcels[0], current_use: unknown use 'commercial'" in problems


# ---- all at once ----------------------------------------------------------------------
def test_every_problem_is_reported_in_one_run(tmp_path):
    doc = tiny()
    doc["colour"] = "red"                                   # unknown top-level key
    doc["uses"][1]["industrial"] = "maybe"                  # bad bool
    doc["projects"][0]["cost"] = -1                         # negative cost
    doc["projects"][1]["category"] = "culture"              # unknown category
    doc["policy"]["coverage_target"] = 88                   # ratio as percent
    doc["objective"]["weights"]["profit"] = 1               # unknown term
    doc, files = with_csv(doc, "parcels", "options")
    parcels = files["parcels.csv"].splitlines()
    parcels[0] += ",owner"                                  # unknown column (once)
    parcels[1] += ",city"
    parcels[2] = parcels[2].replace("P2,20,", "P2,twenty,") + ",city"   # text for a number
    parcels[3] = parcels[3] + ",city,extra"                 # too many cells
    files["parcels.csv"] = "\n".join(parcels) + "\n"
    files["options.csv"] = files["options.csv"].replace("P2,industrial", "P9,industrial")
    expected = [
        f"instance.yaml: colour: unknown key (known keys: {KNOWN_TOP})",
        "instance.yaml: uses[1], industrial: must be true or false, not 'maybe'",
        f"parcels.csv: unknown column 'owner' (known: {KNOWN_PARCEL_COLUMNS})",
        "parcels.csv row 3, area: must be a number, not 'twenty'",
        "parcels.csv row 4: has 9 cells, the header has 8",
        "instance.yaml: projects[0], cost: must be >= 0, not -1",
        "instance.yaml: policy.coverage_target: must be a ratio in [0, 1], not 88",
        "instance.yaml: objective.weights.profit: unknown term "
        "(terms: land_income, industrial_output, coverage, financing_cost, value)",
        "options.csv row 5, parcel: unknown parcel 'P9'",
        "instance.yaml: projects[1], category: unknown category 'culture'",
    ]
    assert_reports(write(tmp_path, doc, files), *expected, only=True)


def test_solve_on_a_bad_instance_exits_2(tmp_path):
    doc = tiny()
    doc["parcels"][0]["area"] = -10
    path = write(tmp_path, doc)
    proc = run_cli("solve", path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "error: instance.yaml: parcels[0], area: must be > 0, not -10" in proc.stderr.splitlines()
    assert proc.stdout == ""


# ---- the column-at-a-time (CSV) and row-at-a-time (YAML) paths agree -----------------
BAD_PARCELS = [
    {"id": "A", "area": "ten", "current_use": "commercial", "route": "true"},
    {"id": "B", "area": "-1", "current_use": "residential", "route": "maybe"},
    {"id": "C", "area": "nan", "current_use": "industrial", "route": "no"},
    {"id": "D", "area": "1_000", "current_use": "mars", "route": "1"},
    {"id": "E", "area": "inf", "current_use": "commercial", "route": "Y"},
    {"id": "A", "area": "0", "current_use": None, "route": "2"},
    {"id": None, "area": "1e400", "current_use": "industrial", "route": None},
    {"id": "F", "area": "0x10", "current_use": "industrial", "zone": "z", "x": "1", "y": "abc"},
    {"id": "G", "area": "١٢", "current_use": "industrial", "x": "+.5", "y": "5."},
]


def _normalised(problems: list[str]) -> list[str]:
    """Problems with the CSV location `parcels.csv row N` written as the YAML one."""
    out = []
    for p in problems:
        if p.startswith("parcels.csv row "):
            head, _, rest = p[len("parcels.csv row "):].partition(":")
            num, _, col = head.partition(",")
            p = f"instance.yaml: parcels[{int(num) - 2}]{',' + col if col else ''}:{rest}"
        out.append(p)
    return out


def test_csv_and_yaml_rows_give_identical_messages(tmp_path):
    doc = tiny()
    doc["parcels"] = [{k: v for k, v in row.items() if v is not None} for row in BAD_PARCELS]
    doc["options"] = [{"parcel": "A", "use": "commercial"}]
    yaml_problems = load_problems(write(subdir(tmp_path, "yaml"), doc))
    doc["parcels"] = {"file": "parcels.csv"}
    csv_problems = load_problems(write(tmp_path, doc, {"parcels.csv": csv_text(BAD_PARCELS, PARCEL_COLUMNS)}))
    assert len(yaml_problems) > 10
    assert _normalised(csv_problems) == yaml_problems


def test_csv_and_yaml_values_agree(tmp_path):
    rows = [{"id": f"P{k}", "area": v, "current_use": "industrial", "route": r}
            for k, (v, r) in enumerate([("1_000", "yes"), ("١٢", "N"), ("+.5", "T"), ("5.", "false"),
                                        ("1e3", "0"), ("0.1", "TRUE")])]
    doc = tiny()
    doc["parcels"] = rows
    doc["options"] = [{"parcel": r["id"], "use": "industrial"} for r in rows]
    doc["resources"] = []
    a = optim.load(write(subdir(tmp_path, "yaml"), doc))
    doc["parcels"] = {"file": "parcels.csv"}
    b = optim.load(write(tmp_path, doc, {"parcels.csv": csv_text(rows, ["id", "area", "current_use", "route"])}))
    assert a.parcels["area"].tolist() == b.parcels["area"].tolist() == [1000, 12, 0.5, 5, 1000, 0.1]
    assert a.parcels["route"].tolist() == b.parcels["route"].tolist() == [True, False, True, False, False, True]


def test_many_bad_rows_in_a_large_csv(tmp_path):
    n = 20000
    rng = np.random.default_rng(1)
    uses = np.array(["commercial", "residential", "industrial"])[rng.integers(0, 3, n)]
    lines = ["id,area,current_use"] + [f"P{k},{1 + k % 7},{u}" for k, u in enumerate(uses)]
    lines[5001] = "P5000,-3,industrial"
    lines[12001] = "P12000,x,industrial"
    lines[15001] = "P15000,2,farm"
    lines[19001] = "P0,2,industrial"
    options = ["parcel,use"] + [f"P{k},industrial" for k in range(n)]
    doc = tiny()
    doc["parcels"] = {"file": "parcels.csv"}
    doc["options"] = {"file": "options.csv"}
    doc["resources"] = []
    path = write(tmp_path, doc, {"parcels.csv": "\n".join(lines) + "\n", "options.csv": "\n".join(options)})
    assert_reports(path,
                   "parcels.csv row 5002, area: must be > 0, not -3",
                   "parcels.csv row 12002, area: must be a number, not 'x'",
                   "parcels.csv row 15002, current_use: unknown use 'farm'",
                   "parcels.csv row 19002: duplicate id 'P0'",
                   "options.csv row 19002, parcel: unknown parcel 'P19000'",
                   only=True)


# ---- scenarios and the exception --------------------------------------------------------
def test_scenarios_are_read(tmp_path):
    doc = tiny()
    doc["scenarios"] = {"cheap": {"description": "d", "set": {"policy.coverage_target": 0.5}}}
    inst = optim.load(write(tmp_path, doc))
    assert inst.scenarios == doc["scenarios"]
    doc["scenarios"] = {"bad": 3}
    assert_reports(write(tmp_path, doc),
                   "instance.yaml: scenarios.bad: a scenario must be a mapping with 'set' and/or 'scale', "
                   "not a number", only=True)


def test_exception_text_lists_the_first_problems_only():
    problems = [optim.Problem(f"f.csv row {k}", "bad") for k in range(2, 202)]
    exc = optim.InstanceError(problems)
    assert len(exc.problems) == 200
    lines = str(exc).splitlines()
    assert lines[0] == "200 problem(s) in the instance:"
    assert lines[1] == "  f.csv row 2: bad"
    assert lines[-1] == "  ... and 150 more"
