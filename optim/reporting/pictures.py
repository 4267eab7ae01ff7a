"""The report's pictures as inline SVG, drawn by `optim.plots` (the plot extra).

Each picture is the Figure of an `optim.plots.figure_*` function saved as SVG
with ``svg.fonttype = 'none'``: its labels stay text, drawn by the browser with
its own fonts (so they can be searched, copied, and shown in any script the
machine has a font for). On a large park the map's markers or polygons are
embedded as one raster image inside the SVG (axes, labels and legend stay
vector and text), so the page stays small. The SVG's ids are prefixed per
picture, so that several pictures in one page never share an id. Without
matplotlib, or when a picture cannot be drawn (a plan without coordinates),
`Picture.svg` is None and `Picture.reason` says why.

The words inside a picture come from the report's catalogue (`Texts`), and its
money is on the report's scale (万元 or 亿元 in Chinese). For a language
written in Chinese characters, matplotlib lays the labels out with a CJK font
when the machine has one (found by its file names, added to matplotlib's font
list if its cache predates the font); the browser draws the text with its own
fonts either way.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from typing import Any, Callable, Iterator

from ..plots import PlotError, figure_draws, figure_map
from .numbers import scale
from .texts import Texts

RASTER_ABOVE = 2000  # parcels: above this, the map's markers are one raster image


# CJK fonts matplotlib may lay Chinese labels out with (family names; the file names they come in)
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Droid Sans Fallback")
CJK_FILES = ("notosanscjk", "sourcehansans", "wqy-microhei", "wqy-zenhei", "msyh", "simhei", "pingfang",
             "stheiti", "droidsansfallback")
_cjk: list[str] | None = None  # the CJK families matplotlib has, found once per process


@dataclass
class Picture:
    svg: str | None
    reason: str = ""
    unit: str = ""  # the unit of its money axis, as the page shows it


def cjk_families() -> list[str]:
    """The CJK families matplotlib can use on this machine (adding installed font files
    its font cache does not know yet); [] when there is none."""
    global _cjk
    if _cjk is None:
        from matplotlib import font_manager

        known = {f.name for f in font_manager.fontManager.ttflist}
        if not known.intersection(CJK_FAMILIES):
            for path in font_manager.findSystemFonts():
                if any(k in path.lower().replace("_", "").replace(" ", "") for k in CJK_FILES):
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError):
                        continue
            known = {f.name for f in font_manager.fontManager.ttflist}
        _cjk = [name for name in CJK_FAMILIES if name in known]
    return _cjk


@contextmanager
def fonts_for(texts: Texts | None) -> Iterator[None]:
    """matplotlib's fonts for the words of `texts`: for Chinese, a CJK font (which has
    Latin letters and digits too); without one on this machine, the layout measures the
    Chinese labels roughly and the browser still draws them with its own fonts (the SVG
    keeps text as text, its font-family naming the CJK fonts first)."""
    if texts is None or texts.lang == "en":
        yield
        return
    try:
        import matplotlib
    except ImportError:  # no pictures at all: figure_* says so
        yield
        return
    # the CJK font first: matplotlib's SVG layout measures each label with one font (no glyph
    # fallback), and CJK fonts have Latin letters and digits too
    rc = {"font.family": "sans-serif", "font.sans-serif": [*(cjk_families() or CJK_FAMILIES), "DejaVu Sans"]}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        if not cjk_families():
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def to_svg(fig: Any, prefix: str) -> str:
    """A matplotlib Figure as inline SVG markup: text kept as text, no XML
    prologue, no fixed size (it scales with the page), ids prefixed."""
    import matplotlib

    buf = StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg", dpi=110, metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE
    svg = re.sub(r"<!--.*?-->|<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    head_end = svg.index(">")
    width = re.search(r'\swidth="([0-9.]+)pt"', svg[:head_end])
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    style = f' style="max-width: {float(width.group(1)) * 4 / 3:.0f}px"' if width else ""  # its own size at most
    return f'{head} class="picture" role="img"{style}{svg[head_end:]}'


def _draw(make: Callable[[], Any], prefix: str, raster: bool = False, texts: Texts | None = None,
          unit: str = "") -> Picture:
    try:
        with fonts_for(texts):
            fig = make()
            if raster:
                for ax in fig.axes:
                    for artist in [*ax.collections, *ax.patches]:
                        artist.set_rasterized(True)
            return Picture(to_svg(fig, prefix), unit=unit)
    except PlotError as exc:
        return Picture(None, str(exc))


def map_picture(parcels: Any, instance: Any, texts: Texts | None = None) -> Picture:
    """The map of the plan (`optim.plots.figure_map`) as inline SVG, in the words of `texts`."""
    words = texts.catalogue["pictures"] if texts is not None else None
    return _draw(lambda: figure_map(parcels, instance, words=words), "map", raster=len(parcels) > RASTER_ABOVE,
                 texts=texts)


def draws_picture(draws: Any, sources: list[str], by: str, texts: Texts | None = None) -> Picture:
    """Draws by source stacked by `by` (category or period) as inline SVG, in the words of
    `texts` and with its money on the page's scale for the largest bar."""
    texts = texts or Texts("en")
    amounts = draws.groupby("source")["amount"].sum() if len(draws) else []
    sc = scale("yuan", list(amounts), texts)
    return _draw(lambda: figure_draws(draws, sources, by=by, words=texts.catalogue["pictures"],
                                      money=(sc.divisor, sc.unit, sc.decimals if sc.decimals is not None else 1)),
                 f"draws-{by}", texts=texts, unit=sc.unit)


__all__ = ["Picture", "to_svg", "map_picture", "draws_picture", "cjk_families", "fonts_for", "RASTER_ABOVE"]
