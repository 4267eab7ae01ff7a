"""The report of a draft against the optimum (`optim report EVAL_DIR`) and the
importance of the parcels in a report (`--importance`, importance.csv).

The draft's page is checked against a draft worked out by hand on the tiny
instance (tests/test_evaluate.py: with 10 M of the park's own commercial
income, the draft that rezones P1 is worth 97.3 M against the optimum's
107.18 M: land -10 M, output +20 M, financing -0.12 M), and on a generated park
with coordinates against the folder's own plans (the parcels whose use differs
recounted from plans/draft and plans/optimum, the front's shares from its
gains). The importance section is checked against importance.csv written by a
real run of `optim.importance` (the figures formatted here on their own), and
bad tables are refused with the file, row and column named. Both pages in
Chinese carry no English word. What a browser renders:
tests/test_report_browser.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import optim
from optim.analysis.importance import write_importance
from optim.cli import main
from reportpage import half_up, million, parse, table_rows
from test_report_zh import latin_words

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
M = 1e6


def run(argv: list, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def tiny_eval(tmp_path_factory):
    """The hand-worked draft (P1 industrial) on the tiny park with 10 M of park income."""
    base = tmp_path_factory.mktemp("tiny_eval")
    doc = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    doc.setdefault("eod", {})["park_commercial_income"] = 10 * M
    inst = base / "instance.yaml"
    inst.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    draft = base / "draft.csv"
    draft.write_text("parcel,use\nP1,industrial\n", encoding="utf-8")
    assert main(["evaluate", str(inst), "--plan", str(draft), "--changes-front", "--out", str(base / "ev")]) == 0
    return base / "ev"


def page(folder: Path, out: Path, *extra) -> tuple[str, object]:
    assert main(["report", str(folder), "--out", str(out), *map(str, extra)]) == 0
    text = out.read_text(encoding="utf-8")
    return text, parse(text)


def test_the_gain_table_is_the_hand_worked_one(tiny_eval, tmp_path):
    _, dom = page(tiny_eval, tmp_path / "en.html")
    assert dom.find("h1").text == "Draft against the optimum: tiny"
    rows = table_rows(dom.find("table", **{"class": "gain"}))
    assert rows[0] == ["Term", "Draft (M yuan)", "Optimum (M yuan)", "Gives up: optimum − draft (M yuan)"]
    # land 40 (P2 kept residential) vs 30 (P1 commercial); output 2 x 30 vs 2 x 40; financing 2.7 vs 2.82
    assert rows[1:] == [["Land income", "40.0", "30.0", "-10.0"], ["Industrial output", "60.0", "80.0", "20.0"],
                        ["Financing cost", "-2.7", "-2.8", "-0.1"], ["Total", "97.3", "107.2", "9.9"]]
    verdict = dom.by_class("verdict")[0].text
    assert verdict == ("The draft gives up 9.9 M yuan of objective against the optimum (9.2 % of the optimum's "
                       "objective); 2 parcels have another use in the optimum.")  # 9.88 / 107.18 = 9.22 %
    changed = table_rows(dom.find("table", **{"class": "changed"}))
    assert [r[:5] for r in changed[1:3]] == [["P1", "10.0", "commercial", "industrial", "commercial"],
                                             ["P2", "20.0", "residential", "residential", "industrial"]]
    assert changed[-1][:2] == ["Total", "30.0"]
    kpis = {r[0]: r[1:4] for r in table_rows(dom.find("table", **{"class": "eval-kpis"}))[1:]}
    assert kpis["Industrial output"] == ["30.0", "40.0", "10.0"]  # yuan/year: 30 M against 40 M
    assert kpis["External financing in scope"][0] == "44.0"  # 0.8 x (50 + 5)
    # no coordinates in the tiny park: the map says why instead
    assert "no coordinates" in dom.find(**{"data-missing": "changed"}).text


def test_the_chinese_gain_table_and_verdict(tiny_eval, tmp_path):
    _, dom = page(tiny_eval, tmp_path / "zh.html", "--lang", "zh")
    assert dom.find("html").attrs["lang"] == "zh-CN"
    rows = table_rows(dom.find("table", **{"class": "gain"}))
    assert rows[0][1] == "草案（亿元）"  # 107.18 M reaches 1 亿元: one scale for the table
    assert rows[-1] == ["合计", half_up(97.3 * M, 1e8, 2), half_up(107.18 * M, 1e8, 2), half_up(9.88 * M, 1e8, 2)]
    assert rows[1] == ["土地出让收入", "0.40", "0.30", "-0.10"]
    assert dom.by_class("verdict")[0].text == \
        "与最优方案相比，草案少得目标值 988.00万元（占最优目标值的 9.2%）；最优方案中有 2 块地块的用途与草案不同。"
    # the draft's file name, the coordinates' column names, and K (parcels changed) stay Latin
    assert latin_words(dom, optim.load(TINY), {"draft.csv", "x", "y", "K"}) == []


def test_an_infeasible_draft_shows_what_it_breaks(tmp_path, capsys):
    draft = tmp_path / "a.csv"
    draft.write_text("parcel,use\nP1,industrial\n", encoding="utf-8")
    assert run(["evaluate", TINY, "--plan", draft, "--out", tmp_path / "ev"], capsys)[0] == 1
    for lang, short, verdict in (
            ("en", "5.0 M yuan", "The draft has no plan: no way of funding it meets every target and limit. "
                                 "The fewest parcels to change for a plan: 2 (the best such plan: 107.2 M yuan)."),
            ("zh", "500.00万元", "草案没有可行方案：任何资金安排都无法同时满足全部目标和限制。"
                                "得到可行方案至少需要改动 2 块地块（其中最好的方案目标值为 1.07亿元）。")):
        code, out, _ = run(["report", tmp_path / "ev", "--out", tmp_path / f"{lang}.html", "--lang", lang], capsys)
        assert code == 0
        dom = parse((tmp_path / f"{lang}.html").read_text(encoding="utf-8"))
        rows = table_rows(dom.find("table", **{"class": "violations"}))
        assert len(rows) == 2 and rows[1][1] == short  # the EOD balance: ecology's 5 M of own funds
        assert dom.by_class("verdict")[0].text.replace(" ", "") == verdict.replace(" ", "")
        assert dom.find("section", id="gain") is not None  # the optimum's side still shown


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    """A generated park with coordinates, its optimum, a draft of it with two parcels kept
    at their current use, the evaluation with the changes front, and the optimum's
    importance (exact, a real run)."""
    base = tmp_path_factory.mktemp("park")
    assert main(["generate", "--parcels", "16", "--seed", "3", "--out", str(base / "gen")]) == 0
    inst_path = base / "gen" / "instance.yaml"
    assert main(["solve", str(inst_path), "--out", str(base / "sol")]) == 0
    par = pd.read_csv(base / "sol" / "parcels.csv")
    kept = par[par["rezoned"]].sort_values("area").head(2)  # two of the rezoned parcels left as they are
    uses = dict(zip(par["parcel"], par["use"]))
    uses.update(dict(zip(kept["parcel"], kept["current_use"])))
    draft = base / "draft.csv"
    pd.DataFrame({"parcel": list(uses), "use": list(uses.values())}).to_csv(draft, index=False)
    code = main(["evaluate", str(inst_path), "--plan", str(draft), "--changes-front", "--out", str(base / "ev")])
    inst = optim.load(inst_path)
    table = optim.importance(inst, exact=True)
    write_importance(table, base / "imp", inst)
    return {"base": base, "instance": inst_path, "sol": base / "sol", "ev": base / "ev", "imp": base / "imp",
            "code": code, "kept": list(kept["parcel"])}


def test_the_changed_parcels_are_those_whose_plans_differ(park, tmp_path):
    ev = park["ev"]
    draft = pd.read_csv(ev / "plans" / "draft" / "parcels.csv").set_index("parcel")["use"]
    best = pd.read_csv(ev / "plans" / "optimum" / "parcels.csv").set_index("parcel")["use"]
    differ = sorted(p for p in best.index if best[p] != draft[p])
    assert park["code"] == 0 and differ == sorted(park["kept"])
    _, dom = page(ev, tmp_path / "en.html")
    rows = table_rows(dom.find("table", **{"class": "changed"}))[1:-1]
    assert sorted(r[0] for r in rows) == differ
    assert all(r[3] == draft[r[0]] and r[4] == best[r[0]] for r in rows)
    # the map: one legend entry per change, its parcels counted, the others as "same use"
    svg = dom.find("figure", **{"data-picture": "changed"})
    labels = [n.text for n in svg.iter() if n.tag == "text"]
    inst = optim.load(park["instance"])
    assert f"same use ({len(inst.parcels) - len(differ)} parcels)" in labels
    for p in differ:
        area = f"{inst.parcels.at[p, 'area']:,.1f}"
        assert any(t.startswith(f"{draft[p]} → {best[p]} (") and t.endswith(" mu)") for t in labels), labels
        assert float(area) > 0
    # the gain of the optimum over the draft, term by term, from the two plans' own tables
    terms = {r[0]: r[1:] for r in table_rows(dom.find("table", **{"class": "gain"}))[1:]}
    dk = pd.read_csv(ev / "plans" / "draft" / "objective_terms.csv").set_index("term")["contribution"]
    ok = pd.read_csv(ev / "plans" / "optimum" / "objective_terms.csv").set_index("term")["contribution"]
    assert terms["Land income"] == [million(dk["land_income"]), million(ok["land_income"]),
                                    million(ok["land_income"] - dk["land_income"])]
    assert terms["Total"][2] == million(ok.sum() - dk.sum())


def test_the_changes_front_table_and_chart(park, tmp_path):
    fr = pd.read_csv(park["ev"] / "changes_front.csv")
    _, dom = page(park["ev"], tmp_path / "en.html")
    rows = table_rows(dom.find("table", **{"class": "front"}))[1:]
    assert [r[0] for r in rows] == [str(k) for k in fr["changes"]]
    whole = fr["gain"].max()
    assert [r[2] for r in rows] == [million(g) for g in fr["gain"]]
    assert [r[3] for r in rows] == [f"{100 * g / whole:.1f}" for g in fr["gain"]]  # share of the whole gain
    assert rows[0][0] == "0" and rows[0][2] == "0.0" and rows[-1][3] == "100.0"
    assert dom.find("figure", **{"data-picture": "front"}) is not None
    fewest = [li.text for li in dom.find("ul", **{"class": "plain fewest"}).find_all("li")]
    need = min(int(k) for k, g in zip(fr["changes"], fr["gain"]) if g >= 0.9 * whole - 1e-6)
    assert f"Fewest parcels to change for 90.0 % of the gain: {need}." in fewest


def importance_rows(dom) -> list[list[str]]:
    return table_rows(dom.find("table", **{"class": "importance"}))


def test_the_importance_section_of_the_optimum(park, tmp_path):
    imp = pd.read_csv(park["imp"] / "importance.csv")
    _, dom = page(park["sol"], tmp_path / "en.html", "--importance", park["imp"])
    rows = importance_rows(dom)
    assert rows[0][:5] == ["Rank", "Parcel", "Use in the plan", "Area (mu)", "Importance (M yuan)"]
    assert [r[1] for r in rows[1:]] == list(imp.sort_values("rank")["parcel"])
    for r, (_, x) in zip(rows[1:], imp.sort_values("rank").iterrows()):
        assert r[2] == x["use"] and r[3] == half_up(x["area"], 1, 1)
        assert r[4] == ("required" if x["kind"] == "required" else million(x["importance"]))
    sentence = dom.find(**{"data-counts": "1"}).text
    counts = imp["kind"].value_counts()
    assert sentence.startswith(f"{len(imp)} parcels: {counts.get('exact', 0)} exact")
    assert not dom.by_class("caution")  # the table is of this very plan: no warning
    assert dom.find("figure", **{"data-picture": "importance"}) is not None
    # a result folder holding importance.csv gets the section without the option
    folder = tmp_path / "sol"
    shutil.copytree(park["sol"], folder)
    shutil.copy(park["imp"] / "importance.csv", folder / "importance.csv")
    _, dom2 = page(folder, tmp_path / "auto.html")
    assert importance_rows(dom2) == rows


def test_the_importance_of_another_plan_is_flagged_on_the_draft_page(park, tmp_path):
    _, dom = page(park["ev"], tmp_path / "en.html", "--importance", park["imp"] / "importance.csv")
    caution = dom.find(**{"data-mismatch": str(len(park["kept"]))})  # the optimum's table, the draft's page
    assert all(p in caution.text for p in park["kept"])


def test_bounds_from_the_screen_show_their_interval(park, tmp_path):
    inst = optim.load(park["instance"])
    table = optim.importance(inst, top=3)
    write_importance(table, tmp_path / "imp", inst)
    imp = pd.read_csv(tmp_path / "imp" / "importance.csv")
    bounds = imp[imp["kind"] == "bound"]
    _, dom = page(park["sol"], tmp_path / "en.html", "--importance", tmp_path / "imp")
    rows = {r[1]: r for r in importance_rows(dom)[1:]}
    assert len(bounds)
    for _, b in bounds.iterrows():
        assert rows[b["parcel"]][5] == f"{million(b['importance_low'])} … {million(b['importance_high'])}"
        assert rows[b["parcel"]][6] == "bound"


def test_the_chinese_pages_have_no_english_word(park, tmp_path):
    inst = optim.load(park["instance"])
    for name, folder in (("ev", park["ev"]), ("sol", park["sol"])):
        _, dom = page(folder, tmp_path / f"{name}.html", "--lang", "zh", "--importance", park["imp"])
        assert latin_words(dom, inst, {"draft.csv", "importance.csv", "K"}) == [], name
        assert dom.find("section", id="importance").find("h2").text == "各地块的重要性"
    rows = importance_rows(dom)
    assert rows[0][4] == "重要性（亿元）" or rows[0][4] == "重要性（万元）"


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.drop(columns=["kind"]), "missing column(s) kind"),
    (lambda t: t.assign(kind=["exactly", *t["kind"][1:]]), "row 2, column kind: 'exactly' is not one of exact, "
                                                            "bound, required, fixed"),
    (lambda t: t.assign(parcel=["NOPE", *t["parcel"][1:]]), "row 2, column parcel: 'NOPE' is not a parcel of "
                                                             "the instance"),
    (lambda t: t.assign(importance=["lots", *t["importance"][1:]]), "row 2, column importance: 'lots' is not a "
                                                                     "number"),
])
def test_a_bad_importance_table_is_refused(park, tmp_path, capsys, edit, message):
    bad = tmp_path / "importance.csv"
    edit(pd.read_csv(park["imp"] / "importance.csv")).to_csv(bad, index=False)
    code, _, err = run(["report", park["sol"], "--out", tmp_path / "r.html", "--importance", bad], capsys)
    assert code == 2 and str(bad) in err and message in err
    assert not (tmp_path / "r.html").exists()


def test_the_importance_folder_is_not_a_result(park, tmp_path, capsys):
    code, _, err = run(["report", park["imp"], "--out", tmp_path / "r.html"], capsys)
    assert code == 2 and "is the folder of `optim importance`" in err and f"--importance {park['imp']}" in err


def test_importance_is_refused_for_a_study(tmp_path, capsys):
    folder = tmp_path / "study"
    folder.mkdir()
    pd.DataFrame({"run": [0], "status": ["optimal"], "objective": [1.0]}).to_csv(folder / "runs.csv", index=False)
    code, _, err = run(["report", folder, "--out", tmp_path / "i.html", "--importance", tmp_path / "x.csv"], capsys)
    assert code == 2 and "--importance" in err and "folder of a study" in err
