"""The report in Chinese (`--lang zh`, `language: zh`) and the index page of a study.

The Chinese page is checked against figures worked out here (money in 万元 or
亿元 by magnitude, areas in 亩, with the rounding a reader does), the catalogue's
key words, and a scan of every text of the page (headings, cells, notes, the
pictures' labels, titles) for Latin words: only ids of the instance, file
names, the tool's name and units the instance states may be in Latin letters.
The index page of a sweep is checked row by row against runs.csv and the
result folders `optim sweep --reports` wrote. What a browser renders:
tests/test_report_browser.py."""

from __future__ import annotations

import json
import re
import shutil
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

import optim
from optim.cli import main
from optim.inputs.schema import LANGUAGES, SOURCE_KINDS, TERMS
from optim.model.families import SPECS
from optim.model.kpis import KPI_UNITS
from optim.reporting import numbers, texts
from reportpage import half_up, million, parse, shown_zh, table_rows
from test_report import REF, SHORT_ENERGY, SHORT_LAND, THREE_YEAR, TINY

ZH = texts.Texts("zh")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Result folders written by `optim solve --out` (once for the module)."""
    base = tmp_path_factory.mktemp("zh")
    out = {}
    for name, inst in (("ref", REF), ("three", THREE_YEAR)):
        assert main(["solve", str(inst), "--out", str(base / name)]) == 0
        out[name], out[f"{name}_yaml"] = base / name, inst
    for name, doc in (("energy", SHORT_ENERGY), ("land", SHORT_LAND)):
        path = base / f"{name}.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        assert main(["solve", str(path), "--out", str(base / name)]) == 1
        out[name], out[f"{name}_yaml"] = base / name, path
    return out


@pytest.fixture(scope="module")
def zh_pages(folders, tmp_path_factory):
    """The Chinese page of each folder: (text, dom)."""
    base = tmp_path_factory.mktemp("zh_pages")
    pages = {}
    for name in ("ref", "three", "energy", "land"):
        out = base / f"{name}.html"
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # a glyph missing from matplotlib's font is an error
            assert main(["report", str(folders[name]), "--out", str(out), "--lang", "zh"]) == 0
        text = out.read_text(encoding="utf-8")
        pages[name] = (text, parse(text))
    return pages


def facts(dom) -> dict[str, str]:
    return dict(zip([d.text for d in dom.find_all("dt")], [d.text for d in dom.find_all("dd")]))


# ---- the catalogue ---------------------------------------------------------------------------------
def test_the_languages_of_the_instance_format_are_those_of_the_report():
    assert list(LANGUAGES) == texts.languages() == ["en", "zh"]


def test_key_chinese_words_and_units():
    assert (ZH("h_summary"), ZH("h_kpis"), ZH("h_map"), ZH("h_limits"), ZH("h_explanation")) == \
        ("概要", "关键指标", "方案地图", "起约束作用的限制及其影子价格", "为何没有可行方案")
    assert (ZH.unit("mu"), ZH.unit("yuan"), ZH.unit("yuan/year")) == ("亩", "元", "元/年")
    assert ZH.named("kpi_names", "rezoned_area") == "调整用途面积"
    assert ZH.named("kpi_names", "forgone_land_income") == "放弃的土地出让收入"
    assert ZH.catalogue["numbers"]["money"] == [(1e8, "亿元", 2), (1e4, "万元", 2), (1.0, "元", 0)]
    assert ZH.catalogue["numbers"]["money_per_year"][1][1] == "万元/年"
    assert ZH("title", instance="baoji_qinganbao") == "规划方案报告：baoji_qinganbao"
    assert ZH.limit_name("resource_cap_le", ("energy",)) == "资源 energy 的上限"
    assert ZH.status("feasible", "time_limit") == "可行：求解因时间限制而停止，方案未被证明最优"


def optim_families() -> set[str]:
    """The families optim declares: every one registered, less those a test module
    declares for a model of its own (the farmer's problem of tests/test_stochastic.py)."""
    from optim.model.families import FamilySpec

    foreign = {v.name for m in list(sys.modules.values()) if "tests" in Path(getattr(m, "__file__", "") or "").parts
               for v in vars(m).values() if isinstance(v, FamilySpec)}
    return set(SPECS) - foreign


def test_the_chinese_catalogue_words_everything_the_page_can_show():
    """Nothing falls back to English words: every family, every relaxable family's
    shortfall, every KPI, objective term, source kind and presolve finding has its words."""
    cat = texts.ZH
    ours = optim_families()
    assert set(cat["families"]) >= ours and set(cat["family_titles"]) >= ours
    assert {n for n in ours if SPECS[n].relax} <= set(cat["shortfalls"])
    assert set(cat["kpi_names"]) >= set(KPI_UNITS)
    assert set(cat["term_names"]) >= set(TERMS) | {"compatibility_penalty", "boundary_penalty", "offset"}
    assert set(cat["source_kinds"]) >= set(SOURCE_KINDS)
    keys = {"parcel_no_option", "parcel_locked_out", "coverage_bound", "resource_bound", "industrial_need",
            "industrial_min", "industrial_max_projects", "industrial_max_uses", "own_funds_bound",
            "source_no_category", "source_no_category_must", "source_no_spending", "source_no_spending_must",
            "category_without_source", "money_range", "money_tiny", "money_tiny_more", "matrix_range"}
    assert set(cat["prechecks"]) == keys
    assert set(cat["units"]) >= {"point (0.01) of coverage", "point (0.01) of capital share", "pair", "parcel"}


@pytest.mark.parametrize("value, unit, expected", [
    # worked by hand: 亿元 from 1e8 yuan, 万元 from 1e4 yuan, 元 below; two decimals, rounded half up
    (1_736_500_000, "yuan", "17.37亿元"),        # 1,736,500,000 / 1e8 = 17.365 -> 17.37
    (100_000_000, "yuan", "1.00亿元"),           # exactly 1 亿: 亿元
    (99_990_000, "yuan", "9,999.00万元"),        # just below 1 亿: 万元
    (92_000_000, "yuan", "9,200.00万元"),        # the seed's policy finance
    (750_000_000, "yuan", "7.50亿元"),           # the China Development Bank loan
    (12_345, "yuan", "1.23万元"),                # 1.2345 万 -> 1.23
    (9_999, "yuan", "9,999元"),                  # below 1 万: 元, whole yuan
    (-230_000_000, "yuan", "-2.30亿元"),
    (4_223_100_000, "yuan/year", "42.23亿元/年"),
    (15_000_000, "yuan/year", "1,500.00万元/年"),
    (495, "mu", "495.0亩"), (0.8800167, "ratio", "88.0%"), (1.254, "length", "1.25公里"),
    (3, "tce/year", "3 tce/year"),               # a unit in Latin letters keeps its space
    (float("nan"), "yuan", "–"),
])
def test_chinese_figures(value, unit, expected):
    assert numbers.with_unit(value, unit, ZH) == expected


def test_one_money_scale_per_column_switches_at_one_yi():
    sc = numbers.scale("yuan", [3e6, 99_990_000], ZH)
    assert (sc.unit, numbers.figure(3e6, sc, ZH)) == ("万元", "300.00")
    sc = numbers.scale("yuan", [3e6, 100_000_000], ZH)
    assert (sc.unit, numbers.figure(3e6, sc, ZH)) == ("亿元", "0.03")


# ---- the Chinese pages -------------------------------------------------------------------------------------
def test_the_chinese_reference_page(zh_pages, folders):
    text, dom = zh_pages["ref"]
    assert dom.find("html").attrs["lang"] == "zh-CN"
    assert dom.find("h1").text == "规划方案报告：baoji_qinganbao"
    assert [h.text for h in dom.find_all("h2")] == ["概要", "关键指标", "方案地图", "资金筹措：按资金来源和类别的提款",
                                                   "起约束作用的限制及其影子价格", "调整用途的地块", "目标函数各项"]
    assert facts(dom)["状态"] == "最优（在间隙范围内已证明）"
    kpis = pd.read_csv(folders["ref"] / "kpis.csv")
    cards = dom.by_class("kpi")
    for card, row in zip(cards, kpis.itertuples()):
        assert (card.by_class("value")[0].text, card.by_class("unit")[0].text) == shown_zh(row.value, row.unit)
    shown = {c.attrs["data-kpi"]: (c.by_class("value")[0].text, c.by_class("unit")[0].text) for c in cards}
    # the seed's figures: 495 mu rezoned, 1,736.5 million yuan of land income given up, 88 % covered
    assert shown["rezoned_area"] == ("495.0", "亩")
    assert shown["forgone_land_income"] == ("17.37", "亿元")
    assert shown["coverage"] == ("88.0", "%")
    # the draws: 1,072.0 M yuan in all is 10.72 亿元, one scale for the table
    rows = table_rows(dom.find("table", **{"class": "draws"}))
    assert rows[0][0] == "资金来源" and rows[0][-1] == "合计（亿元）"
    assert rows[-1][0] == "合计" and rows[-1][-1] == "10.72"
    # the shadow prices: per yuan of cap, in the catalogue's words (README: 0.3114 and 0.1246)
    limits = {r[0]: r[1] for r in table_rows(dom.find("table", **{"class": "limits"}))[1:]}
    assert limits["资金来源 policy_finance 的额度上限"] == "0.3114元/元"
    assert limits["资金来源 cdb_loan 的额度上限"] == "0.1246元/元"
    assert table_rows(dom.find("table", **{"class": "limits"}))[0] == ["限制", "影子价格", "当前限值", "价格适用的限值区间"]
    # the pictures speak Chinese too
    svg_text = " ".join(t.text for t in dom.find("figure", data_picture="map").find_all("text"))
    assert "各地块的规划用途" in svg_text and "调整用途（13 块，495 亩）" in svg_text
    assert dom.find("figure", data_picture="draws").find("figcaption").text == "各资金来源的提款额，按类别堆叠（亿元）。"


def test_the_chinese_three_year_page(zh_pages, folders):
    _, dom = zh_pages["three"]
    periods = pd.read_csv(folders["three"] / "periods.csv", dtype={"period": str})
    rows = {r[0]: r[1:] for r in table_rows(dom.find("table", **{"class": "periods"}))[1:]}
    assert rows["调整用途（亩）"] == [f"{v:,.1f}" for v in periods["rezoned_area"]]
    assert sum(periods["rezoned_area"]) == 495.0  # several timings are optimal: the plan's own figures
    # the largest draw is above 1 亿 (100 M yuan), so the row reads in 亿元
    assert periods["draws"].max() >= 1e8
    assert rows["提款（亿元）"] == [half_up(v, 1e8, 2) for v in periods["draws"]]
    assert rows["自有资金（亿元）"] == [half_up(v, 1e8, 2) for v in periods["own_funds"]]


def test_the_chinese_page_of_no_plan(zh_pages):
    _, dom = zh_pages["energy"]
    assert facts(dom)["状态"] == "无方案：没有方案能满足全部目标和限制"
    rows = table_rows(dom.find("table", **{"class": "shortfalls"}))
    # 13 tce/year needed (A 5 + B 8) against a cap of 10: short by 3
    assert rows[1] == ["资源 energy 的上限", "3 tce/year", "资源 energy 的需求比上限 10 tce/year 多 3 tce/year"]
    iis = [li.text for li in dom.find("ul", **{"class": "plain iis"}).find_all("li")]
    assert "资源 energy 的上限" in iis and "项目 plant 必须建设" in iis
    _, dom = zh_pages["land"]
    checks = table_rows(dom.find("table", **{"class": "prechecks"}))
    # the project needs 40 mu, only A's 10 mu can be industrial: short by 30 mu
    assert checks[1] == ["错误", "工业用地", "项目", "必建项目需要 40.0亩 工业用地，但至多 10.0亩 可以作为工业用地（缺口至少 30.0亩）"]
    assert table_rows(dom.find("table", **{"class": "shortfalls"}))[1][:2] == ["项目所需工业用地", "30.0亩"]


def page_texts(dom) -> list[str]:
    """Every text of the page a reader can see (or hear): text nodes, titles, labels."""
    out = []
    for node in dom.iter():
        if node.tag in ("style", "script"):
            continue
        out += [c for c in node.children if isinstance(c, str)]
        out += [node.attrs[k] for k in ("title", "aria-label", "alt") if k in node.attrs]
    return out


def latin_words(dom, inst, extra: set[str] = frozenset()) -> list[tuple[str, str]]:
    """Latin words of the page other than the instance's ids, the units it states, the
    tool's name, file paths and `extra`."""
    allowed = {"optim", inst.name, *extra}
    for table in (inst.parcels, inst.uses, inst.sources, inst.categories, inst.projects, inst.resources,
                  inst.periods):
        allowed |= {str(i) for i in table.index}
    if "unit" in inst.resources:
        allowed |= {str(u) for u in inst.resources["unit"]}
    found = []
    for text in page_texts(dom):
        for token in re.findall(r"[^\s,;:()（），：；、。…]+", text):
            if re.search(r"[A-Za-z]", token) and token not in allowed and "/" not in token:
                found.append((token, text[:60]))
    return found


@pytest.mark.parametrize("name", ["ref", "three", "energy", "land"])
def test_no_english_word_on_a_chinese_page(name, zh_pages, folders):
    text, dom = zh_pages[name]
    inst = optim.load(folders[f"{name}_yaml"])
    assert latin_words(dom, inst) == []
    assert len(page_texts(dom)) > 25  # the scan saw the page


def test_the_latin_word_scan_finds_english():
    """The scan itself: an English page of the same result is full of Latin words."""
    dom = parse("<html><body><h1>Plan report: tiny</h1><p>rezoned 495.0 mu</p><svg><text>P1 energy</text></svg></body></html>")
    inst = optim.load(TINY)
    assert [w for w, _ in latin_words(dom, inst)] == ["Plan", "report", "rezoned", "mu"]


# ---- the instance's language ---------------------------------------------------------------------------------
def tiny_with(tmp_path: Path, **top) -> Path:
    folder = tmp_path / "park"
    shutil.copytree(TINY.parent, folder)
    path = folder / "instance.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(top)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_instance_language_is_the_default_and_lang_overrides_it(tmp_path, capsys):
    path = tiny_with(tmp_path, language="zh")
    assert optim.load(path).language == "zh" and optim.load(TINY).language == "en"
    assert main(["solve", str(path), "--out", str(tmp_path / "res")]) == 0
    assert main(["report", str(tmp_path / "res"), "--out", str(tmp_path / "zh.html")]) == 0
    dom = parse((tmp_path / "zh.html").read_text(encoding="utf-8"))
    assert dom.find("h1").text == "规划方案报告：tiny" and dom.find("html").attrs["lang"] == "zh-CN"
    assert main(["report", str(tmp_path / "res"), "--out", str(tmp_path / "en.html"), "--lang", "en"]) == 0
    dom = parse((tmp_path / "en.html").read_text(encoding="utf-8"))
    assert dom.find("h1").text == "Plan report: tiny" and dom.find("html").attrs["lang"] == "en"
    capsys.readouterr()


@pytest.mark.parametrize("value, message", [
    ("fr", "instance.yaml: language: 'fr' is not one of en, zh"),
    ("Chinese", "instance.yaml: language: 'Chinese' is not one of en, zh"),
    (3, "instance.yaml: language: '3' is not one of en, zh"),
])
def test_a_bad_language_is_refused(value, message, tmp_path, capsys):
    path = tiny_with(tmp_path, language=value)
    for command in (["validate", str(path)], ["solve", str(path), "--out", str(tmp_path / "res")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"error: {message}\n" in err and "Traceback" not in err
    assert not (tmp_path / "res").exists()


def test_a_bad_lang_is_refused_before_anything_is_written(folders, tmp_path, capsys):
    assert main(["report", str(folders["ref"]), "--out", str(tmp_path / "r.html"), "--lang", "zh-TW"]) == 2
    assert "error: --lang: no report texts for 'zh-TW' (available: en, zh)\n" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---- a study's index page ---------------------------------------------------------------------------------------
SPEC = {"design": "grid", "parameters": [
    {"path": "options[use=commercial].land_income", "scale": [0.8, 1.0]},
    {"path": "policy.coverage_target", "values": [0.88, 0.97]}]}


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    """The reference park swept over the land price and the coverage target, with every run's
    result folder and report (`optim sweep --out DIR --reports`). Coverage 97 % has no plan:
    the eligible external sources cannot cover it."""
    base = tmp_path_factory.mktemp("sweep")
    spec = base / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    assert main(["sweep", str(REF), str(spec), "--out", str(base / "study"), "--reports", "--no-progress"]) == 0
    return base / "study"


def test_sweep_reports_writes_each_run_and_the_index(sweep_dir):
    runs = pd.read_csv(sweep_dir / "runs.csv")
    assert list(runs["status"]) == ["optimal", "infeasible", "optimal", "infeasible"]
    for k in runs["run"]:
        assert (sweep_dir / "runs" / str(k) / "report.html").is_file()
        summary = json.loads((sweep_dir / "runs" / str(k) / "summary.json").read_text(encoding="utf-8"))
        assert summary["scenarios"] == [str((sweep_dir / "runs" / str(k) / "run.yaml").resolve())]
    assert yaml.safe_load((sweep_dir / "runs" / "1" / "run.yaml").read_text(encoding="utf-8"))["set"] == \
        {"policy.coverage_target": 0.97}
    about = json.loads((sweep_dir / "sweep.json").read_text(encoding="utf-8"))
    assert [(p["path"], p["mode"], p["base"]) for p in about["parameters"]] == [
        ("options[use=commercial].land_income", "scale", 1.0), ("policy.coverage_target", "set", 0.88)]
    # a run's folder reads back against the run's own figures: the plan holds
    assert main(["check-plan", str(REF), str(sweep_dir / "runs" / "0"), "--scenario",
                 str(sweep_dir / "runs" / "0" / "run.yaml")]) == 0
    page = parse((sweep_dir / "runs" / "0" / "report.html").read_text(encoding="utf-8"))
    assert facts(page)["Independent check"].startswith("every constraint family holds")
    assert (sweep_dir / "index.html").is_file()


def runs_table(dom) -> list:
    return dom.find("table", **{"class": "runs"}).find("tbody").find_all("tr")


def test_the_index_rows_are_those_of_runs_csv(sweep_dir, tmp_path, capsys):
    out = tmp_path / "index.html"
    assert main(["report", str(sweep_dir), "--out", str(out)]) == 0
    dom = parse(out.read_text(encoding="utf-8"))
    assert dom.find("h1").text == "Sweep: baoji_qinganbao"
    runs = pd.read_csv(sweep_dir / "runs.csv")
    rows = runs_table(dom)
    assert [int(r.attrs["data-run"]) for r in rows] == list(runs["run"])
    for tr, run in zip(rows, runs.itertuples()):
        params = {td.attrs["data-param"]: td for td in tr.find_all("td") if "data-param" in td.attrs}
        scale_cell, cov_cell = params["options[use=commercial].land_income"], params["policy.coverage_target"]
        assert (scale_cell.text, cov_cell.text) == (f"{run[5]:g}", f"{run[6]:g}")
        # bold where the run differs from the base (scale 1, coverage 0.88)
        assert scale_cell.has_class("changed") == (run[5] != 1.0)
        assert cov_cell.has_class("changed") == (run[6] != 0.88)
        status = tr.find("td", data_status=run.status)
        objective = tr.find("td", data_col="objective").text
        if run.status == "optimal":
            assert status.text == "optimal" and objective == million(run.objective)
            assert tr.find("td", data_col="rezoned_area").text == f"{run.rezoned_area:,.1f}"
        else:  # why: the shortfall the run's own folder records
            summary = json.loads((sweep_dir / "runs" / str(run.run) / "summary.json").read_text(encoding="utf-8"))
            [short] = summary["explanation"]["shortfalls"]
            assert status.text == f"no plan: {short['message']}" and objective == "–"
        [link] = tr.find_all("a")
        assert (out.parent / link.attrs["href"]).resolve() == (sweep_dir / "runs" / str(run.run) / "report.html")
    # the two plans: land price 0.8 rezones 467 mu, the base 495 mu (the README's figure)
    assert [r.find("td", data_col="rezoned_area").text for r in rows if r.has_class("plan")] == ["467.0", "495.0"]
    spread = table_rows(dom.find("table", **{"class": "spread"}))
    assert spread[0] == ["Figure", "Least", "Median", "Most"]
    capsys.readouterr()


def test_the_index_in_chinese_has_no_english_word(sweep_dir, tmp_path, capsys):
    out = tmp_path / "index.html"
    assert main(["report", str(sweep_dir), "--out", str(out), "--lang", "zh"]) == 0
    dom = parse(out.read_text(encoding="utf-8"))
    assert dom.find("h1").text == "参数扫描：baoji_qinganbao"
    rows = runs_table(dom)
    assert rows[1].find("td", data_status="infeasible").text.startswith("无方案：外部融资覆盖率目标：外部融资缺口 ")
    assert rows[0].find("td", data_col="objective").text == shown_zh(
        pd.read_csv(sweep_dir / "runs.csv")["objective"][0], "yuan")[0]
    paths = {"options[use=commercial].land_income", "policy.coverage_target"}
    assert latin_words(dom, optim.load(REF), extra=paths) == []
    capsys.readouterr()


def test_the_index_without_reports_or_sweep_json(sweep_dir, tmp_path, capsys):
    """An older sweep folder (runs.csv alone): the parameters are the columns between level
    and status, the runs are listed with their status and no link."""
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(sweep_dir / "runs.csv", old / "runs.csv")
    assert main(["report", str(old), "--out", str(old / "index.html")]) == 0
    dom = parse((old / "index.html").read_text(encoding="utf-8"))
    rows = runs_table(dom)
    assert [r.find("td", data_status=True).text for r in rows] == ["optimal", "no plan", "optimal", "no plan"]
    assert not dom.find("table", **{"class": "runs"}).find_all("a")
    assert [td.attrs["data-param"] for td in rows[0].find_all("td") if "data-param" in td.attrs] == \
        ["options[use=commercial].land_income", "policy.coverage_target"]
    capsys.readouterr()


def test_hundreds_of_runs_stay_one_table(tmp_path, capsys):
    """300 runs of a Monte Carlo study: one row each, numbers formatted, one page of modest size."""
    n = 300
    runs = pd.DataFrame({"run": range(n), "design": "montecarlo", "varied": "", "level": "",
                         "policy.coverage_target": [0.8 + 0.0005 * k for k in range(n)],
                         "status": ["optimal" if k % 10 else "infeasible" for k in range(n)],
                         "gap": 0.0, "objective": [5.0e9 + 1e6 * k for k in range(n)], "certified": "True",
                         "rezoned_area": [400.0 + k % 50 for k in range(n)]})
    runs.loc[runs["status"] == "infeasible", ["objective", "rezoned_area", "certified"]] = None
    study = tmp_path / "mc"
    study.mkdir()
    runs.to_csv(study / "runs.csv", index=False)
    out = study / "index.html"
    assert main(["report", str(study), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    dom = parse(text)
    rows = runs_table(dom)
    assert len(rows) == n and len(dom.find_all("table")) == 3  # study, spread, runs
    assert rows[17].find("td", data_col="objective").text == million(5.0e9 + 17e6) == "5,017.0"
    assert rows[10].find("td", data_status="infeasible").text == "no plan"
    assert len(text) < 250_000 and "<script" not in text
    outcome = facts(dom)["Outcomes"]
    assert outcome == "270 optimal; 30 no plan"
    capsys.readouterr()


def test_the_index_of_a_pareto_front(tmp_path, capsys):
    out = tmp_path / "front"
    assert main(["pareto", str(REF), "--x", "land_income", "--y", "industrial_output", "--points", "3",
                 "--out", str(out), "--reports", "--lang", "zh", "--no-progress"]) == 0
    points = pd.read_csv(out / "points.csv")
    dom = parse((out / "index.html").read_text(encoding="utf-8"))
    assert dom.find("h1").text == "帕累托前沿：baoji_qinganbao"
    rows = runs_table(dom)
    assert [int(r.attrs["data-point"]) for r in rows] == list(points["point"])
    for tr, p in zip(rows, points.itertuples()):
        assert tr.find("td", data_col="land_income").text == shown_zh(p.land_income, "yuan")[0]
        assert tr.find("td", data_col="industrial_output").text == shown_zh(p.industrial_output, "yuan/year")[0]
        [link] = tr.find_all("a")
        assert (out / link.attrs["href"]).resolve() == (out / "points" / str(p.point) / "report.html").resolve()
        assert (out / link.attrs["href"]).is_file()
    assert latin_words(dom, optim.load(REF)) == []
    capsys.readouterr()


@pytest.mark.parametrize("args, message", [
    (["--reports"], "--reports: writes each run's report into the study's folder: give --out DIR"),
    (["--out", "{tmp}/s", "--lang", "zh"], "--lang: is the language of the reports: give --reports"),
    (["--out", "{tmp}/s", "--reports", "--lang", "fr"], "--lang: no report texts for 'fr' (available: en, zh)"),
])
def test_sweep_report_options_are_checked(args, message, tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    code = main(["sweep", str(TINY), str(spec), *[a.format(tmp=tmp_path) for a in args]])
    assert code == 2
    assert f"error: {message}\n" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_a_broken_study_table_is_refused(tmp_path, capsys):
    study = tmp_path / "bad"
    study.mkdir()
    (study / "runs.csv").write_text("run,status\n0,optimal\nx,optimal\n", encoding="utf-8")
    assert main(["report", str(study), "--out", str(tmp_path / "i.html")]) == 2
    assert f"error: {study / 'runs.csv'}: column run, row 3: 'x' is not a whole number\n" in capsys.readouterr().err
    (study / "runs.csv").write_text("run,objective\n0,1\n", encoding="utf-8")
    assert main(["report", str(study), "--out", str(tmp_path / "i.html")]) == 2
    assert f"error: {study / 'runs.csv'}: missing column(s) status: not a study's table\n" in capsys.readouterr().err
    assert not (tmp_path / "i.html").exists()
