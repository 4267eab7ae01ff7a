"""The report in a real browser: headless Chromium driven by Playwright opens the
written file (file://), every request the page makes is recorded and any other
than the file itself is blocked, and the test checks what renders: no console
error, no request, the sections shown, the KPI values in the DOM equal to
kpis.csv (formatted here on their own), the map's SVG visible with its labels
drawn as text, nothing wider than the window, and a screenshot that is not
blank. The Chinese page renders with no tofu: the fonts Chromium actually used
for Chinese text (DevTools' CSS.getPlatformFontsForNode) are CJK fonts drawing
every glyph. A study's index page renders its table, and every link leads to
a report that exists and opens.

Chromium: Debian's package (`apt-get install chromium`, /usr/bin/chromium), or
the one named by OPTIM_CHROMIUM, or Playwright's own. Skipped, with the reason,
when Playwright is not installed or no browser can be launched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
import yaml

from optim.cli import main
from reportpage import million, shown, shown_zh

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
THREE_YEAR = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"
# a closed network: no background requests of the browser itself (docs/report.md)
FLAGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run",
         "--disable-sync", "--disable-gpu"]
SHORT_ENERGY = {
    "name": "short_energy",
    "uses": [{"id": "commercial", "commercial": True}, {"id": "residential"},
             {"id": "industrial", "industrial": True}],
    "categories": [{"id": "park"}], "resources": [{"id": "energy", "cap": 10, "unit": "tce/year"}],
    "parcels": [{"id": "A", "area": 10, "current_use": "industrial"},
                {"id": "B", "area": 20, "current_use": "residential"}],
    "options": [{"parcel": "A", "use": "industrial", "energy": 5},
                {"parcel": "B", "use": "residential", "land_income": 40e6},
                {"parcel": "B", "use": "industrial", "energy": 8}],
    "projects": [{"id": "plant", "category": "park", "cost": 10e6, "industrial_area": 25}],
    "sources": [{"id": "loan", "kind": "bank_loan", "cap": 10e6, "categories": ["park"]}],
}


def chromium_path() -> str | None:
    """Debian's Chromium (or OPTIM_CHROMIUM); None: Playwright's own browser."""
    for candidate in (os.environ.get("OPTIM_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=chromium_path(), args=FLAGS)
    except Exception as exc:  # no browser on this machine: say why
        pw.stop()
        pytest.skip(f"no browser could be launched ({str(exc).strip().splitlines()[0]}); "
                    "install Debian's chromium or set OPTIM_CHROMIUM")
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Result folders and their reports, written by the command line."""
    base = tmp_path_factory.mktemp("browser")
    energy = base / "short_energy.yaml"
    energy.write_text(yaml.safe_dump(SHORT_ENERGY), encoding="utf-8")
    out = {}
    for name, inst, code in (("ref", REF, 0), ("three", THREE_YEAR, 0), ("energy", energy, 1)):
        assert main(["solve", str(inst), "--out", str(base / name)]) == code
        assert main(["report", str(base / name), "--out", str(base / f"{name}.html")]) == 0
        out[name] = (base / name, base / f"{name}.html")
    return out


class Opened:
    """A report opened in the browser, with what it asked for and what it complained about."""

    def __init__(self, browser, path: Path):
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def _route(self, route) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def ref_opened(browser, reports):
    opened = Opened(browser, reports["ref"][1])
    yield opened
    opened.close()


def test_the_report_makes_no_request_and_no_error(ref_opened):
    assert ref_opened.requests == [ref_opened.url]  # the file itself, nothing else
    assert ref_opened.blocked == []
    assert ref_opened.errors == []


def test_the_sections_render(ref_opened):
    page = ref_opened.page
    for sid in ("summary", "kpis", "map", "draws", "limits", "parcels", "objective"):
        box = page.locator(f"section#{sid}").bounding_box()
        assert page.locator(f"section#{sid}").is_visible() and box["height"] > 40, sid
    assert page.locator("section#periods").count() == 0
    assert page.locator("h1").inner_text() == "Plan report: baoji_qinganbao"
    # nothing wider than the window: long tables scroll inside their own box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_kpis_shown_are_those_of_kpis_csv(ref_opened, reports):
    page = ref_opened.page
    kpis = pd.read_csv(reports["ref"][0] / "kpis.csv")
    cards = page.locator("[data-kpi]")
    assert cards.count() == len(kpis)
    for i, row in enumerate(kpis.itertuples()):
        card = cards.nth(i)
        assert card.get_attribute("data-kpi") == row.kpi
        assert card.is_visible() and card.bounding_box()["width"] > 50
        assert (card.locator(".value").inner_text(), card.locator(".unit").inner_text()) == \
            shown(row.value, row.unit), row.kpi


def test_the_map_is_visible_with_its_labels_as_text(ref_opened):
    page = ref_opened.page
    svg = page.locator("figure[data-picture=map] svg")
    assert svg.count() == 1 and svg.is_visible()
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    # the legend is text the browser draws: it has a size on the page
    label = svg.locator("text", has_text="industrial").first
    assert label.is_visible() and label.bounding_box()["width"] > 10
    # the markers are drawn: the map's axes hold more than an empty frame
    assert page.evaluate("""() => document.querySelector('figure[data-picture=map] svg')
                                     .querySelectorAll('path, use').length""") > 20


def test_the_draws_table_total_renders(ref_opened, reports):
    draws = pd.read_csv(reports["ref"][0] / "draws.csv")
    total = ref_opened.page.locator("table.draws tr.total td").last.inner_text()
    assert total == million(draws["amount"].sum()) == "1,072.0"


def test_a_screenshot_is_not_blank(ref_opened, tmp_path):
    from matplotlib.image import imread

    out = tmp_path / "report.png"
    ref_opened.page.screenshot(path=str(out), full_page=True)
    pixels = imread(out)
    assert pixels.shape[0] > 2000 and pixels.shape[1] == 1200  # the whole page, at the window's width
    assert pixels[..., :3].std() > 0.05  # not one colour


def test_the_phased_report_renders_its_periods(browser, reports):
    opened = Opened(browser, reports["three"][1])
    try:
        assert opened.requests == [opened.url] and opened.errors == []
        page = opened.page
        assert page.locator("section#periods").is_visible()
        periods = pd.read_csv(reports["three"][0] / "periods.csv", dtype={"period": str})
        row = page.locator("table.periods tr", has=page.locator("td[data-row=draws]"))
        assert row.locator("td").all_inner_texts()[1:] == [million(v) for v in periods["draws"]]
        assert page.locator("figure[data-picture=period_draws] svg").is_visible()
    finally:
        opened.close()


def test_the_report_of_no_plan_shows_the_explanation(browser, reports):
    opened = Opened(browser, reports["energy"][1])
    try:
        assert opened.requests == [opened.url] and opened.errors == []
        page = opened.page
        assert page.locator("section#explanation").is_visible()
        assert page.locator("section#kpis").count() == 0
        cells = page.locator("table.shortfalls tbody tr").first.locator("td").all_inner_texts()
        assert cells == ["resource cap of energy", "3 tce/year",
                         "energy needs 3 tce/year more than its cap of 10 tce/year"]
    finally:
        opened.close()


# ---- the report in Chinese ------------------------------------------------------------------------
def cjk_fonts() -> set[str]:
    """The families of the fonts installed for Chinese (fontconfig), every name each goes by."""
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


@pytest.fixture(scope="module")
def zh_opened(browser, reports):
    if not cjk_fonts():
        pytest.skip("no CJK font installed (fc-list :lang=zh finds none): apt-get install fonts-wqy-microhei")
    folder = reports["ref"][0]
    out = folder.parent / "ref_zh.html"
    assert main(["report", str(folder), "--out", str(out), "--lang", "zh"]) == 0
    opened = Opened(browser, out)
    yield opened
    opened.close()


def fonts_used(page, selector: str, nth: int = 0) -> list[dict]:
    """The fonts Chromium drew the text of a node with: [{familyName, glyphCount, ...}]."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        ids = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": ids[nth]})["fonts"]
    finally:
        cdp.detach()


CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("selector, nth", [
    ("h1", 0), ("section#kpis .kpi .label", 0), ("section#kpis .kpi .unit", 1), ("dl.facts dd", 3),
    ("table.draws th", 0), ("figure[data-picture=map] svg text", -1), ("figure[data-picture=map] figcaption", 0)])
def test_the_chinese_text_is_drawn_with_a_cjk_font(zh_opened, selector, nth):
    """No tofu: every Chinese character of the node is drawn by a font installed for Chinese."""
    page = zh_opened.page
    nodes = page.locator(selector)
    nth = nth % nodes.count()
    if selector.endswith("svg text"):  # the last Chinese label of the map's legend
        texts = nodes.evaluate_all("ns => ns.map(n => n.textContent)")
        nth = max(i for i, t in enumerate(texts) if CJK.search(t))
    text = nodes.nth(nth).text_content()
    chinese = len(CJK.findall(text))
    assert chinese > 0, text
    fonts = fonts_used(page, selector, nth)
    installed = cjk_fonts()
    drawn_by_cjk = sum(f["glyphCount"] for f in fonts if f["familyName"] in installed)
    assert drawn_by_cjk >= chinese, (text, fonts)
    assert not any(f["isCustomFont"] for f in fonts)  # no web font that could claim the glyphs and draw boxes


def test_the_chinese_page_renders(zh_opened, reports):
    page = zh_opened.page
    assert zh_opened.requests == [zh_opened.url] and zh_opened.errors == []
    assert page.locator("h1").inner_text() == "规划方案报告：baoji_qinganbao"
    kpis = pd.read_csv(reports["ref"][0] / "kpis.csv")
    cards = page.locator("[data-kpi]")
    for i, row in enumerate(kpis.itertuples()):
        card = cards.nth(i)
        assert (card.locator(".value").inner_text(), card.locator(".unit").inner_text()) == \
            shown_zh(row.value, row.unit), row.kpi
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    label = page.locator("figure[data-picture=map] svg text", has_text="各地块的规划用途").first
    assert label.is_visible() and label.bounding_box()["width"] > 40


def test_a_screenshot_of_the_chinese_page_shows_text(zh_opened, tmp_path):
    """The heading's box, cut from a screenshot, has ink in it: glyphs, not an empty box."""
    from matplotlib.image import imread

    out = tmp_path / "h1.png"
    zh_opened.page.locator("h1").screenshot(path=str(out))
    pixels = imread(out)[..., :3]
    dark = (pixels.mean(axis=2) < 0.5).mean()
    assert 0.03 < dark < 0.6  # strokes of characters, neither blank nor a filled block


# ---- a study's index page ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sweep_index(tmp_path_factory):
    base = tmp_path_factory.mktemp("sweep")
    spec = base / "spec.yaml"
    spec.write_text(yaml.safe_dump({"design": "tornado", "parameters": [
        {"path": "policy.coverage_target", "values": [0.85, 0.97]},
        {"path": "options[use=commercial].land_income", "scale": [0.8, 1.2]}]}), encoding="utf-8")
    assert main(["sweep", str(REF), str(spec), "--out", str(base / "study"), "--reports", "--no-progress"]) == 0
    return base / "study"


def test_the_index_page_renders_and_its_links_lead_to_reports(browser, sweep_index):
    runs = pd.read_csv(sweep_index / "runs.csv")
    opened = Opened(browser, sweep_index / "index.html")
    try:
        assert opened.requests == [opened.url] and opened.errors == []
        page = opened.page
        table = page.locator("table.runs")
        assert table.is_visible()
        assert page.locator("table.runs tbody tr").count() == len(runs) == 5  # base, then low and high of each
        assert page.evaluate("getComputedStyle(document.querySelector('table.runs th')).position") == "sticky"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        objective = page.locator("table.runs tbody tr").first.locator("td[data-col=objective]").inner_text()
        assert objective == million(runs["objective"][0])
        hrefs = page.eval_on_selector_all("table.runs a", "links => links.map(a => a.href)")
        assert len(hrefs) == len(runs)
        files = [Path(unquote(urlparse(h).path)) for h in hrefs]
        assert files == [sweep_index / "runs" / str(k) / "report.html" for k in runs["run"]]
        assert all(f.is_file() for f in files)
    finally:
        opened.close()
    infeasible = int(runs.index[runs["status"] == "infeasible"][0])
    linked = Opened(browser, files[infeasible])  # the run with no plan: its report says why
    try:
        assert linked.requests == [linked.url] and linked.errors == []
        assert linked.page.locator("section#explanation").is_visible()
    finally:
        linked.close()


# ---- a draft against the optimum, with the parcels' importance ---------------------------------------------
@pytest.fixture(scope="module")
def draft_pages(tmp_path_factory):
    """The page of a draft of a generated park (two rezoned parcels of its optimum kept as
    they are) with the optimum's importance, in English and in Chinese."""
    import optim
    from optim.analysis.importance import write_importance

    base = tmp_path_factory.mktemp("draft")
    assert main(["generate", "--parcels", "16", "--seed", "3", "--out", str(base / "gen")]) == 0
    inst_path = base / "gen" / "instance.yaml"
    assert main(["solve", str(inst_path), "--out", str(base / "sol")]) == 0
    par = pd.read_csv(base / "sol" / "parcels.csv")
    kept = par[par["rezoned"]].sort_values("area").head(2)
    uses = dict(zip(par["parcel"], par["use"]))
    uses.update(dict(zip(kept["parcel"], kept["current_use"])))
    draft = base / "draft.csv"
    pd.DataFrame({"parcel": list(uses), "use": list(uses.values())}).to_csv(draft, index=False)
    assert main(["evaluate", str(inst_path), "--plan", str(draft), "--changes-front", "--out", str(base / "ev")]) == 0
    inst = optim.load(inst_path)
    write_importance(optim.importance(inst, exact=True), base / "imp", inst)
    out = {"ev": base / "ev", "kept": list(kept["parcel"])}
    for lang in ("en", "zh"):
        out[lang] = base / f"draft_{lang}.html"
        assert main(["report", str(base / "ev"), "--out", str(out[lang]), "--lang", lang,
                     "--importance", str(base / "imp")]) == 0
    return out


def test_the_draft_page_renders_its_maps_and_front(browser, draft_pages):
    opened = Opened(browser, draft_pages["en"])
    try:
        page = opened.page
        assert opened.requests == [opened.url] and opened.errors == []
        for sid in ("summary", "gain", "kpis", "changed", "front", "importance"):
            assert page.locator(f"section#{sid}").is_visible(), sid
        for key in ("changed", "front", "importance"):
            svg = page.locator(f"figure[data-picture={key}] svg")
            assert svg.is_visible() and svg.bounding_box()["width"] > 400, key
        # the legend of the map names each change with its parcels counted
        legend = page.locator("figure[data-picture=changed] svg text", has_text="same use").first
        assert legend.is_visible()
        rows = page.locator("table.changed tbody tr").count()
        assert rows == len(draft_pages["kept"]) + 1  # the changed parcels and the total
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        opened.close()


@pytest.mark.parametrize("selector, nth", [
    ("h1", 0), ("table.gain th", 0), ("p.verdict", 0), ("figure[data-picture=changed] svg text", -1),
    ("figure[data-picture=front] svg text", -1), ("table.importance th", 2),
    ("figure[data-picture=importance] figcaption", 0)])
def test_the_chinese_draft_page_is_drawn_with_a_cjk_font(draft_zh_opened, selector, nth):
    """No tofu on the draft's page either: headings, the verdict, the pictures' labels."""
    page = draft_zh_opened.page
    assert draft_zh_opened.requests == [draft_zh_opened.url] and draft_zh_opened.errors == []
    nodes = page.locator(selector)
    nth = nth % nodes.count()
    if " svg text" in selector:  # the last Chinese label of the picture
        texts = nodes.evaluate_all("ns => ns.map(n => n.textContent)")
        nth = max(i for i, t in enumerate(texts) if CJK.search(t))
    text = nodes.nth(nth).text_content()
    chinese = len(CJK.findall(text))
    assert chinese > 0, text
    fonts = fonts_used(page, selector, nth)
    drawn_by_cjk = sum(f["glyphCount"] for f in fonts if f["familyName"] in cjk_fonts())
    assert drawn_by_cjk >= chinese, (text, fonts)


@pytest.fixture(scope="module")
def draft_zh_opened(browser, draft_pages):
    if not cjk_fonts():
        pytest.skip("no CJK font installed (fc-list :lang=zh finds none): apt-get install fonts-wqy-microhei")
    opened = Opened(browser, draft_pages["zh"])
    yield opened
    opened.close()
