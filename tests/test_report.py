"""The HTML report (`optim report`, optim/reporting/): what the written page says,
checked against figures worked out from the result files and the instance
(not with the report's own code): the KPIs of kpis.csv, the draws of
draws.csv, the plan per period of periods.csv, the shadow prices of the
reference park from its weights and rates, the explanation of "no plan" from
the instance's figures. Bad input, atomic writing, the page without
matplotlib, and a pseudo-language that proves every word comes from the
catalogue. What a browser renders: tests/test_report_browser.py."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import optim
from optim.cli import main
from optim.model.families import SPECS
from optim.reporting import numbers, texts, write_atomically
from reportpage import million, parse, shown, table_rows

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
THREE_YEAR = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"
TINY = ROOT / "instances" / "tiny" / "instance.yaml"

USES = [{"id": "commercial", "commercial": True}, {"id": "residential"},
        {"id": "industrial", "industrial": True}]
# energy: A needs 5, B industrial 8; the project needs 25 mu, so B (20 mu) must be industrial with
# A (10 mu): 13 tce/year against a cap of 10, short by 3. The presolve checks cannot see it.
SHORT_ENERGY = {
    "name": "short_energy", "uses": USES, "categories": [{"id": "park"}],
    "resources": [{"id": "energy", "cap": 10, "unit": "tce/year"}],
    "parcels": [{"id": "A", "area": 10, "current_use": "industrial", "x": 0, "y": 0},
                {"id": "B", "area": 20, "current_use": "residential", "x": 1, "y": 0}],
    "options": [{"parcel": "A", "use": "industrial", "energy": 5},
                {"parcel": "B", "use": "residential", "land_income": 40e6},
                {"parcel": "B", "use": "industrial", "energy": 8}],
    "projects": [{"id": "plant", "category": "park", "cost": 10e6, "industrial_area": 25}],
    "sources": [{"id": "loan", "kind": "bank_loan", "cap": 10e6, "categories": ["park"]}],
}
# the project needs 40 mu of industrial land, only A's 10 mu can be industrial: short by 30 mu,
# which the presolve checks prove before any solve
SHORT_LAND = {
    "name": "short_land", "uses": USES, "categories": [{"id": "park"}],
    "parcels": [{"id": "A", "area": 10, "current_use": "industrial"},
                {"id": "B", "area": 20, "current_use": "commercial"}],
    "options": [{"parcel": "A", "use": "industrial", "output": 1e6},
                {"parcel": "B", "use": "commercial", "land_income": 30e6}],
    "projects": [{"id": "plant", "category": "park", "cost": 10e6, "industrial_area": 40}],
    "sources": [{"id": "loan", "kind": "bank_loan", "cap": 10e6, "categories": ["park"]}],
}


def solve_out(instance: Path, out: Path, capsys) -> int:
    code = main(["solve", str(instance), "--out", str(out)])
    capsys.readouterr()
    return code


def write_report(result_dir: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["report", str(result_dir), "--out", str(out), *extra])
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Result folders written by `optim solve --out` (in-process, once for the module)."""
    base = tmp_path_factory.mktemp("results")
    out = {}
    for name, inst in (("ref", REF), ("three", THREE_YEAR)):
        assert main(["solve", str(inst), "--out", str(base / name)]) == 0
        out[name] = base / name
    for name, doc in (("energy", SHORT_ENERGY), ("land", SHORT_LAND)):
        path = base / f"{name}.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        assert main(["solve", str(path), "--out", str(base / name)]) == 1  # no plan, folder written
        out[name] = base / name
        out[f"{name}_yaml"] = path
    return out


@pytest.fixture(scope="module")
def ref_page(folders, tmp_path_factory):
    out = tmp_path_factory.mktemp("pages") / "ref.html"
    assert main(["report", str(folders["ref"]), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    return text, parse(text)


@pytest.fixture(scope="module")
def three_page(folders, tmp_path_factory):
    out = tmp_path_factory.mktemp("pages") / "three.html"
    assert main(["report", str(folders["three"]), "--out", str(out)]) == 0
    return parse(out.read_text(encoding="utf-8"))


def section_ids(dom) -> list[str]:
    return [s.attrs["id"] for s in dom.find_all("section")]


# ---- the reference park ---------------------------------------------------------------------------
def test_reference_report_has_its_sections(ref_page):
    _, dom = ref_page
    assert section_ids(dom) == ["summary", "kpis", "map", "draws", "limits", "parcels", "objective"]
    assert [a.attrs["href"] for a in dom.find("nav").find_all("a")] == [f"#{s}" for s in section_ids(dom)]
    assert dom.find("h1").text == "Plan report: baoji_qinganbao"
    facts = dict(zip([d.text for d in dom.find_all("dt")], [d.text for d in dom.find_all("dd")]))
    assert facts["Status"] == "optimal (proven within the gap)"
    assert facts["Instance file"] == str(REF.resolve())
    assert facts["Independent check"].startswith("every constraint family holds (")


def test_reference_kpis_are_those_of_kpis_csv(ref_page, folders):
    _, dom = ref_page
    kpis = pd.read_csv(folders["ref"] / "kpis.csv")
    cards = dom.by_class("kpi")
    assert [c.attrs["data-kpi"] for c in cards] == list(kpis["kpi"])
    for card, row in zip(cards, kpis.itertuples()):
        value = card.by_class("value")[0]
        assert float(value.attrs["data-value"]) == row.value
        assert (value.text, card.by_class("unit")[0].text) == shown(row.value, row.unit), row.kpi
    # the README's figures of the reference plan
    text = {c.attrs["data-kpi"]: c.by_class("value")[0].text for c in cards}
    assert (text["rezoned_area"], text["forgone_land_income"], text["coverage"]) == ("495.0", "1,736.5", "88.0")


def test_reference_draws_table_sums_draws_csv(ref_page, folders):
    _, dom = ref_page
    draws = pd.read_csv(folders["ref"] / "draws.csv")
    rows = table_rows(dom.find("table", **{"class": "draws"}))
    head, body, total = rows[0], rows[1:-1], rows[-1]
    assert head[0] == "Source" and head[-1] == "Total (M yuan)"
    assert head[1:-1] == list(pd.unique(draws["category"]))
    by_source = draws.groupby("source")["amount"].sum()
    assert {r[0]: r[-1] for r in body} == {s: million(v) for s, v in by_source.items()}
    by_cat = draws.groupby("category")["amount"].sum()
    assert total == ["Total", *[million(by_cat[c]) for c in head[1:-1]], million(draws["amount"].sum())]
    # each cell is the amount of its (source, category) pair, blank where nothing is drawn
    amounts = {(r.source, r.category): r.amount for r in draws.itertuples()}
    for r in body:
        for cat, cell in zip(head[1:-1], r[1:-1]):
            assert cell == (million(amounts[(r[0], cat)]) if (r[0], cat) in amounts else "")
    # the sources table: cap and drawn of sources.csv
    sources = pd.read_csv(folders["ref"] / "sources.csv")
    rows = table_rows(dom.find("table", **{"class": "sources"}))
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [(s.source, million(s.cap), million(s.drawn))
                                                      for s in sources.itertuples()]


def test_reference_binding_limits_are_priced_from_the_weights_and_rates(ref_page):
    """One more yuan of a source's cap brings w_C yuan of coverage value and costs
    w_F x rate of financing: the price is w_C - w_F x rate (README: 0.3114 and 0.12456)."""
    _, dom = ref_page
    doc = yaml.safe_load(REF.read_text(encoding="utf-8"))
    w = doc["objective"]["weights"]
    rates = {s["id"]: s.get("rate", 0.0) for s in doc["sources"]}
    rows = table_rows(dom.find("table", **{"class": "limits"}))
    assert rows[0] == ["Limit", "Shadow price", "Limit now", "Price holds for the limit in", "What it means"]
    prices = {r[0]: r[1] for r in rows[1:]}
    for src in ("policy_finance", "cdb_loan"):
        price = w["coverage"] - w["financing_cost"] * rates[src]
        assert prices[f"cap of source {src}"] == f"{price:.4g} yuan per yuan"
    assert "Shadow prices are conditional on this plan" in dom.find("section", id="limits").text


def test_reference_rezoned_parcels_are_those_of_parcels_csv(ref_page, folders):
    _, dom = ref_page
    parcels = pd.read_csv(folders["ref"] / "parcels.csv", dtype={"parcel": str})
    rez = parcels[parcels["rezoned"]]
    rows = table_rows(dom.find("table", **{"class": "parcels"}))
    assert [r[0] for r in rows[1:-1]] == list(rez["parcel"])
    assert [(r[1], r[2]) for r in rows[1:-1]] == list(zip(rez["current_use"], rez["use"]))
    assert rows[-1][3] == f"{rez['area'].sum():,.1f}" == "495.0"


def test_the_map_is_inline_svg_with_its_labels_as_text(ref_page):
    text, dom = ref_page
    fig = dom.find("figure", data_picture="map")
    svg = fig.find("svg")
    assert "viewbox" in svg.attrs and "width" not in svg.attrs  # scales with the page (names lower-cased by the parser)
    labels = [t.text for t in svg.find_all("text")]
    assert any("industrial" in t for t in labels)  # the legend, as text
    assert "DejaVuSans-" not in text  # no glyphs drawn as paths
    ids = [n.attrs["id"] for n in dom.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))  # two pictures never share an id


def test_the_page_fetches_nothing(ref_page):
    text, dom = ref_page
    assert "<script" not in text and "<link" not in text and "@import" not in text
    # the only addresses are the SVG namespaces' names, which nothing fetches
    assert set(re.findall(r'(\S+)="(https?://[^"]*)"', text)) <= {
        ("xmlns", "http://www.w3.org/2000/svg"), ("xmlns:xlink", "http://www.w3.org/1999/xlink")}
    assert text.count("http:") + text.count("https:") == text.count('="http://www.w3.org/')
    csp = dom.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert csp.startswith("default-src 'none'")


def test_the_report_is_the_same_each_time(folders, tmp_path, capsys):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    for out in (a, b):
        assert write_report(folders["ref"], out, capsys)[0] == 0
    assert a.read_bytes() == b.read_bytes()


def test_a_plan_stopped_by_a_limit_is_marked_not_proven(folders, tmp_path, capsys):
    res = tmp_path / "res"
    shutil.copytree(folders["ref"], res)
    doc = json.loads((res / "summary.json").read_text(encoding="utf-8"))
    doc.update(status="feasible", termination="time_limit", gap=0.000256789, bound=doc["objective"] * 1.0003)
    (res / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "r.html"
    assert write_report(res, out, capsys)[0] == 0
    dom = parse(out.read_text(encoding="utf-8"))
    facts = dict(zip([d.text for d in dom.find_all("dt")], [d.text for d in dom.find_all("dd")]))
    assert facts["Status"] == "feasible: a limit stopped the search (time_limit); the plan is not proven optimal"
    assert facts["Gap"] == "0.02568 %"
    assert facts["Bound"] == f"{doc['bound'] / 1e6:,.1f} M yuan"
    assert dom.by_class("caution")[0].text == \
        "This plan is not proven optimal: a limit stopped the search with a gap of 0.02568 %."


# ---- the three-year campaign ------------------------------------------------------------------------
def test_three_year_report_shows_the_plan_per_period(three_page, folders):
    dom = three_page
    assert "periods" in section_ids(dom)
    periods = pd.read_csv(folders["three"] / "periods.csv", dtype={"period": str})
    rows = table_rows(dom.find("table", **{"class": "periods"}))
    assert rows[0] == ["", *periods["period"]] == ["", "2023", "2024", "2025"]
    by_label = {r[0]: r[1:] for r in rows[1:]}
    assert by_label["Draws (M yuan)"] == [million(v) for v in periods["draws"]]
    assert by_label["Rezoned (mu)"] == [f"{v:,.1f}" for v in periods["rezoned_area"]]
    # the periods add up to the plan's totals (the three-year park has several optimal timings)
    draws = pd.read_csv(folders["three"] / "draws.csv")
    kpis = pd.read_csv(folders["three"] / "kpis.csv", index_col="kpi")
    assert periods["draws"].sum() == pytest.approx(draws["amount"].sum(), rel=1e-9)
    assert periods["rezoned_area"].sum() == pytest.approx(kpis.at["rezoned_area", "value"]) == 495.0
    assert by_label["Cash balance (M yuan)"] == [million(v) for v in periods["cash_balance"]]
    # debt service: the repayments after the horizon are a column of their own, totalled
    debt = pd.read_csv(folders["three"] / "debt_service.csv", dtype={"period": str})
    section = dom.find("section", id="periods")
    debt_table = [t for t in section.find_all("table") if "after the horizon" in t.text][0]
    rows = table_rows(debt_table)
    after = rows[0].index("after the horizon")
    assert rows[-1][after] == million(debt.loc[debt["period"] == "after", "amount"].sum()) \
        == million(kpis.at["debt_service_beyond_horizon", "value"])
    assert section.find("figure", data_picture="period_draws").find("svg")


# ---- no plan ------------------------------------------------------------------------------------------
def test_solve_out_records_why_there_is_no_plan(folders):
    summary = json.loads((folders["energy"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible"
    [short] = summary["explanation"]["shortfalls"]
    assert (short["constraint"], short["member"], short["amount"], short["unit"]) == \
        ("resource_cap_le", "energy", pytest.approx(3.0), "tce/year")
    summary = json.loads((folders["land"] / "summary.json").read_text(encoding="utf-8"))
    assert (summary["status"], summary["termination"]) == ("infeasible", "precheck")
    assert [p["check"] for p in summary["prechecks"]] == ["industrial_land"]


def test_check_plan_still_refuses_a_folder_without_a_plan(folders, capsys):
    assert main(["check-plan", str(folders["energy_yaml"]), str(folders["energy"])]) == 2
    assert (f"error: {folders['energy'] / 'summary.json'}: the result has no plan to check "
            "(status 'infeasible')") in capsys.readouterr().err


def test_report_of_an_infeasible_result_explains_it(folders, tmp_path, capsys):
    out = tmp_path / "energy.html"
    assert write_report(folders["energy"], out, capsys)[0] == 0
    dom = parse(out.read_text(encoding="utf-8"))
    assert section_ids(dom) == ["summary", "explanation"]
    rows = table_rows(dom.find("table", **{"class": "shortfalls"}))
    # 13 tce/year needed (5 + 8) against a cap of 10
    assert rows[1] == ["resource cap of energy", "3 tce/year", "energy needs 3 tce/year more than its cap of 10 tce/year"]
    iis = [li.text for li in dom.find("ul", **{"class": "plain iis"}).find_all("li")]
    assert "resource cap of energy" in iis and "project plant is mandatory" in iis
    assert "Explanation as recorded by the solve." in dom.find("section", id="explanation").text
    facts = dict(zip([d.text for d in dom.find_all("dt")], [d.text for d in dom.find_all("dd")]))
    assert facts["Status"] == "no plan: no plan meets every target and limit"


def test_report_after_the_presolve_checks_computes_the_explanation(folders, tmp_path, capsys):
    out = tmp_path / "land.html"
    assert write_report(folders["land"], out, capsys)[0] == 0
    dom = parse(out.read_text(encoding="utf-8"))
    rows = table_rows(dom.find("table", **{"class": "shortfalls"}))
    assert rows[1][:2] == ["industrial land for projects", "30.0 mu"]  # 40 mu needed, 10 mu possible
    checks = table_rows(dom.find("table", **{"class": "prechecks"}))
    assert checks[1][:3] == ["error", "industrial_land", "projects"]
    assert "Explanation computed for this report from the instance." in dom.text


def test_report_of_a_result_in_memory(tmp_path):
    path = tmp_path / "short_energy.yaml"
    path.write_text(yaml.safe_dump(SHORT_ENERGY), encoding="utf-8")
    result = optim.solve(path)
    assert result.status == "infeasible"
    out = optim.report(result, tmp_path / "r.html")
    dom = parse(out.read_text(encoding="utf-8"))
    assert table_rows(dom.find("table", **{"class": "shortfalls"}))[1][1] == "3 tce/year"
    tiny = optim.solve(TINY)
    out = optim.report(tiny, tmp_path / "tiny.html", pictures=False)
    dom = parse(out.read_text(encoding="utf-8"))
    cards = {c.attrs["data-kpi"]: c.by_class("value")[0].text for c in dom.by_class("kpi")}
    assert cards == {k: shown(r["value"], r["unit"])[0] for k, r in tiny.kpis.iterrows()}


def test_a_result_of_an_instance_built_in_memory_needs_its_instance(tmp_path):
    inst = optim.load(TINY)
    inst.path = None  # as an instance built with optim.from_frames
    result = optim.solve(inst)
    assert result.instance_file is None
    with pytest.raises(optim.InstanceError) as err:
        optim.report(result, tmp_path / "r.html")
    assert str(err.value.problems[0]) == (
        "the result: the result records no instance file (its instance was built in memory): give the "
        "instance (--instance PATH, or instance= in Python)")
    assert not (tmp_path / "r.html").exists()
    out = optim.report(result, tmp_path / "r.html", instance=inst, pictures=False)
    assert "every constraint family holds" in out.read_text(encoding="utf-8")


def test_a_plan_that_does_not_hold_is_reported_as_such(folders, tmp_path, capsys):
    """cdb_loan draws 100 M more into factories than its 750 M cap: the checker names it,
    the page says so and prices nothing."""
    edited = tmp_path / "edited"
    shutil.copytree(folders["ref"], edited)
    draws = pd.read_csv(edited / "draws.csv")
    draws.loc[(draws["source"] == "cdb_loan") & (draws["category"] == "factories"), "amount"] += 100e6
    draws.to_csv(edited / "draws.csv", index=False)
    out = tmp_path / "edited.html"
    assert write_report(edited, out, capsys)[0] == 0
    dom = parse(out.read_text(encoding="utf-8"))
    alert = dom.by_class("alert")[0].text
    assert alert.startswith("the plan does NOT hold against this instance: ") and "source_cap_le" in alert
    assert dom.find("section", id="limits").text.endswith(
        "Shadow prices not computed: the plan does not hold against the instance")


def test_a_report_may_sit_in_its_result_folder(folders, tmp_path, capsys):
    res = tmp_path / "res"
    shutil.copytree(folders["ref"], res)
    assert write_report(res, res / "report.html", capsys)[0] == 0
    assert solve_out(TINY, res, capsys) == 0  # a new result replaces the folder, stale report and all
    assert not (res / "report.html").exists()


# ---- bad input --------------------------------------------------------------------------------------
def bad_folder(kind: str, base: Path, ref: Path) -> tuple[Path, str]:
    """A broken result folder and the message expected (after 'error: ')."""
    d = base / kind
    if kind == "missing":
        return d, f"{d}: result folder not found"
    if kind == "file":
        d.write_text("x")
        return d, f"{d}: is not a folder: give a result folder written by `optim solve --out DIR`"
    if kind == "instance_folder":  # an instance's folder is not a result folder
        shutil.copytree(REF.parent, d)
        return d, f"{d / 'summary.json'}: not found: not a result folder (written by `optim solve --out DIR`)"
    shutil.copytree(ref, d)
    if kind == "bad_json":
        (d / "summary.json").write_text("{not json", encoding="utf-8")
        return d, f"{d / 'summary.json'}: not valid JSON: "
    if kind == "bad_status":
        doc = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        doc["status"] = "great"
        (d / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
        return d, f"{d / 'summary.json'}: status must be one of optimal, feasible, infeasible"
    if kind == "no_kpis":
        (d / "kpis.csv").unlink()
        return d, f"{d / 'kpis.csv'}: file not found (a result folder with a plan holds it)"
    if kind == "bad_number":
        (d / "kpis.csv").write_text("kpi,value,unit\nland_income,lots,yuan\n", encoding="utf-8")
        return d, f"{d / 'kpis.csv'}: column value, row 2: 'lots' is not a number"
    if kind == "bad_bytes":
        (d / "draws.csv").write_bytes(b"source,category,amount\n\xff\xfe,x,1\n")
        return d, f"{d / 'draws.csv'}: not UTF-8 text (bad byte at offset 23)"
    if kind == "no_column":
        (d / "sources.csv").write_text("source,cap\npolicy_finance,1\n", encoding="utf-8")
        return d, f"{d / 'sources.csv'}: missing column(s) drawn"
    if kind == "lost_instance":
        doc = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        doc["instance_file"] = str(base / "moved" / "instance.yaml")
        (d / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
        return d, (f"{d / 'summary.json'}: the instance the result records, {base / 'moved' / 'instance.yaml'}, "
                   "is not found: give it with --instance PATH")
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["missing", "file", "instance_folder", "bad_json", "bad_status", "no_kpis",
                                  "bad_number", "bad_bytes", "no_column", "lost_instance"])
def test_bad_folders_are_refused_naming_the_file(kind, folders, tmp_path, capsys):
    folder, message = bad_folder(kind, tmp_path, folders["ref"])
    out = tmp_path / "report.html"
    code, err = write_report(folder, out, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert f"error: {message}" in err, err
    assert not out.exists()


def test_prices_may_be_left_out(folders, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert write_report(folders["ref"], out, capsys, "--no-prices")[0] == 0
    dom = parse(out.read_text(encoding="utf-8"))
    assert dom.find("section", id="limits").find("p").text == "Shadow prices not computed: not asked for"


def test_a_moved_instance_is_given_with_instance(folders, tmp_path, capsys):
    folder, _ = bad_folder("lost_instance", tmp_path, folders["ref"])
    out = tmp_path / "report.html"
    assert write_report(folder, out, capsys, "--instance", str(REF))[0] == 0
    assert "every constraint family holds" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["--out", "{tmp}/report.txt"], "{tmp}/report.txt: the report is an HTML file: its name must end in .html"),
    (["--out", "{tmp}/report.html", "--lang", "xx"], "--lang: no report texts for 'xx' (available: en, zh)"),
])
def test_bad_options_are_refused(args, message, folders, tmp_path, capsys):
    code = main(["report", str(folders["ref"]), *[a.format(tmp=tmp_path) for a in args]])
    assert code == 2
    assert f"error: {message.format(tmp=tmp_path)}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_report_never_overwrites_an_input_file(folders, tmp_path, capsys):
    res = tmp_path / "res"
    shutil.copytree(folders["ref"], res)
    before = (res / "kpis.csv").read_bytes()
    link = tmp_path / "report.html"
    link.symlink_to(res / "kpis.csv")
    code, err = write_report(res, link, capsys)
    assert code == 2
    assert f"error: {link}: would overwrite the input file {res / 'kpis.csv'}: write the report to another file" in err
    assert (res / "kpis.csv").read_bytes() == before


def test_input_text_is_escaped(tmp_path):
    result = optim.solve(TINY)
    result.instance = "<script>alert(1)</script>"
    text = optim.report(result, tmp_path / "r.html", pictures=False, prices=False).read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# ---- atomic writing ---------------------------------------------------------------------------------
def test_a_failed_report_leaves_the_old_one_whole(folders, tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("the earlier report", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(os, "fsync", broken)  # fails after the temporary file is written
    with pytest.raises(RuntimeError, match="disk on fire"):
        optim.report(folders["ref"], out, pictures=False)
    assert out.read_text(encoding="utf-8") == "the earlier report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left
    monkeypatch.undo()
    optim.report(folders["ref"], out, pictures=False)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_write_atomically_replaces_in_one_step(tmp_path, monkeypatch):
    out = tmp_path / "sub" / "page.html"
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src).parent, Path(src).read_text(encoding="utf-8"), Path(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_atomically(out, "<p>new</p>")
    [(folder, content, dst)] = seen
    assert folder == out.parent and content == "<p>new</p>" and dst == out  # whole file, same folder
    assert out.read_text(encoding="utf-8") == "<p>new</p>"


# ---- without matplotlib ------------------------------------------------------------------------------
def test_without_matplotlib_the_report_is_written_without_pictures(folders, tmp_path):
    out = tmp_path / "report.html"
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from optim.cli import main\n"
            f"sys.exit(main(['report', {str(folders['ref'])!r}, '--out', {str(out)!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "<svg" not in text
    dom = parse(text)
    assert dom.find("p", data_missing="map").text == \
        "Map not drawn: optim plot needs matplotlib: pip install 'optim[plot]'"
    assert dom.find("p", data_missing="draws").text == \
        "Picture not drawn: optim plot needs matplotlib: pip install 'optim[plot]'"
    assert len(dom.by_class("kpi")) == len(pd.read_csv(folders["ref"] / "kpis.csv"))  # the rest is there


# ---- words and figures --------------------------------------------------------------------------------
OWN_WORDS = ("family_titles", "shortfalls", "prechecks", "variables", "iis_bounds", "iis_reasons", "where_words",
             "checks", "severities", "terminations")


def pseudo(value):
    """Every word of a catalogue marked: the page must show only marked words."""
    if isinstance(value, str):
        return f"⟦{value}⟧"
    if isinstance(value, dict):
        return {k: pseudo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [(d, pseudo(u)) for d, u in value]
    return value


def test_every_word_of_the_page_comes_from_the_catalogue(folders, tmp_path, monkeypatch):
    cat = pseudo(texts.EN)
    cat.update(lang="xx", html_lang="xx", analysis_words=False,
               families={name: f"⟦{spec.label}⟧" for name, spec in SPECS.items()},
               # the tables a language that words the analyses itself fills (English leaves them empty)
               **{k: pseudo(texts.ZH[k]) for k in OWN_WORDS})
    cat["numbers"].update({k: texts.EN["numbers"][k] for k in ("thousands", "decimal", "missing")})
    monkeypatch.setitem(texts.CATALOGUES, "xx", cat)
    for folder in (folders["three"], folders["energy"]):
        out = tmp_path / f"{folder.name}.html"
        optim.report(folder, out, lang="xx", pictures=False)
        dom = parse(out.read_text(encoding="utf-8"))
        assert dom.find("html").attrs["lang"] == "xx"
        data_words = {""} | set(pd.read_csv(folders["three"] / "categories.csv")["category"]) | \
            {"2023", "2024", "2025"}
        checked = 0
        for node in dom.iter():
            if node.tag in ("h1", "h2", "h3", "dt", "th", "figcaption", "a", "li") or node.has_class("label") \
                    or node.has_class("unit") or node.has_class("note"):
                if node.tag == "li":  # the conflicting constraints are the analysis's own words
                    continue
                text = node.text.strip()
                assert "⟦" in text or text in data_words, (node.tag, text)
                checked += 1
        assert checked > 10
        # the first cell of each limit or shortfall row names the constraint in the catalogue's words
        for cls in ("limits", "shortfalls"):
            for tbl in dom.find_all("table", **{"class": cls}):
                assert all("⟦" in r[0] for r in table_rows(tbl)[1:])


def test_catalogue_keys_are_complete():
    for lang, cat in texts.CATALOGUES.items():
        assert set(cat) >= set(texts.EN), lang
        assert set(cat["numbers"]) >= set(texts.EN["numbers"]), lang


@pytest.mark.parametrize("value, unit, expected", [
    (1736.5e6, "yuan", "1,736.5 M yuan"), (4223.1e6, "yuan/year", "4,223.1 M yuan/year"),
    (495, "mu", "495.0 mu"), (0.8800167, "ratio", "88.0 %"), (1.254, "length", "1.25 km"),
    (31538, "tce/year", "31,538 tce/year"), (0.12456, "yuan", "0.0 M yuan"), (0.12456, "", "0.1246"),
    (-0.0, "yuan", "0.0 M yuan"), (-1e-9, "mu", "0.0 mu"), (float("nan"), "yuan", "–"), (None, "mu", "–"),
    (2.5e-7, "", "0.00000025"), (0.000256789, "gap", "0.02568 %"), (12.5, "", "12.5"), (999.95, "", "1,000"), (999.94, "", "999.9"), (0, "", "0"),
])
def test_figures(value, unit, expected):
    assert numbers.with_unit(value, unit, texts.Texts("en")) == expected


def test_money_scales_by_magnitude_where_a_language_has_several(monkeypatch):
    """A catalogue with several money scales (as Chinese reports use 万元 and 亿元) picks
    the largest that fits the largest figure shown together."""
    cat = copy.deepcopy(texts.EN)
    cat["numbers"]["money"] = [(1e8, "亿元"), (1e4, "万元")]
    monkeypatch.setitem(texts.CATALOGUES, "zz", cat)
    t = texts.Texts("zz")
    assert numbers.with_unit(2538.7e6, "yuan", t) == "25.4 亿元"
    assert numbers.with_unit(3e6, "yuan", t) == "300.0 万元"
    sc = numbers.scale("yuan", [3e6, 2538.7e6], t)  # one scale for a column
    assert (sc.unit, numbers.figure(3e6, sc, t)) == ("亿元", "0.0")
