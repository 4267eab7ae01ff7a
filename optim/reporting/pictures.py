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

import numpy as np
import pandas as pd

from ..plots import PlotError, figure_draws, figure_map, map_parcels, new_figure
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


# ---- the maps and the chart of a draft against the optimum, and of the parcels' importance ----------
UNCHANGED_COLOUR, NONE_COLOUR, REQUIRED_COLOUR = "#d9dee7", "#eef0f4", "black"
LABELLED = 60  # changed parcels named on the map, at most


def _shapes(ids: list[str], instance: Any) -> tuple[str, Any]:
    """Where each parcel of `ids` is drawn: ("polygons", rings in km) for an instance
    with polygons, else ("points", DataFrame with x, y, area indexed by parcel)."""
    geometry = getattr(instance, "geometry", None)
    if geometry is not None:
        import shapely

        known = pd.Index(geometry.shapes.index.astype(str))
        lacking = pd.Index(ids).difference(known)
        if len(lacking):
            raise PlotError(f"{len(lacking)} parcel(s) have no polygon in the instance: {', '.join(lacking[:5])}")
        shapes = geometry.metric[known.get_indexer(ids)]
        return "polygons", [np.asarray(shapely.get_coordinates(shapely.get_exterior_ring(g))) / 1000.0
                            for g in shapes]
    par = instance.parcels
    frame = pd.DataFrame({"use": "x", "area": pd.to_numeric(par["area"], errors="coerce").to_numpy()},
                         index=pd.Index(par.index.astype(str), name="parcel")).reindex(ids)
    df, _, _ = map_parcels(frame, instance)
    return "points", df


def _draw_parcels(ax: Any, kind: str, where: Any, colours: list[Any], edges: list[Any], widths: list[float]) -> None:
    if kind == "polygons":
        from matplotlib.collections import PolyCollection

        ax.add_collection(PolyCollection(where, facecolors=colours, edgecolors=edges, linewidths=widths, zorder=2))
        xy = np.vstack(where)
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        pad = 0.03 * max(x1 - x0, y1 - y0, 1e-6)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        ax.set_aspect("equal")
    else:
        area = where["area"].fillna(0.0)
        top = float(area.max()) if float(area.max()) > 0 else 1.0
        size = 300 * min(1.0, (100 / max(len(where), 1)) ** 0.5) * (0.08 + 0.92 * area / top)
        ax.scatter(where["x"], where["y"], s=size, c=colours, edgecolors=edges, linewidths=widths, zorder=2)
        ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])


def figure_differences(changed: pd.DataFrame, instance: Any, words: dict[str, str]):
    """The parcels whose use differs between a draft and the optimum, coloured by the
    change (draft use -> optimum use), every other parcel pale grey.

    changed: changed.csv of `optim evaluate` (parcel, draft_use, optimum_use, area)."""
    from matplotlib.patches import Patch

    ids = [str(p) for p in instance.parcels.index]
    kind, where = _shapes(ids, instance)
    pairs = {str(r.parcel): (str(r.draft_use), str(r.optimum_use)) for r in changed.itertuples()}
    order = sorted(set(pairs.values()), key=lambda uv: (-sum(1 for v in pairs.values() if v == uv), uv))
    palette = ["#7b4ea3", "#d62728", "#f2b701", "#2ca02c", "#1f77b4", "#ff7f0e", "#8c564b", "#e377c2",
               "#17becf", "#bcbd22"]
    colour = {uv: palette[i % len(palette)] for i, uv in enumerate(order)}
    faces = [colour[pairs[p]] if p in pairs else UNCHANGED_COLOUR for p in ids]
    edges = ["black" if p in pairs else "white" for p in ids]
    widths = [1.2 if p in pairs else 0.3 for p in ids]
    fig, ax = new_figure((9.0, 6.0))
    _draw_parcels(ax, kind, where, faces, edges, widths)
    for p in list(pairs)[:LABELLED]:  # each changed parcel named beside it
        k = ids.index(p)
        x, y = (where[k].mean(axis=0) if kind == "polygons" else where.loc[p, ["x", "y"]].to_numpy(dtype=float))
        ax.annotate(p, (x, y), xytext=(6, 4), textcoords="offset points", fontsize=7, zorder=4)
    area = changed.set_index(changed["parcel"].astype(str))["area"]
    handles = [Patch(facecolor=colour[uv], edgecolor="black",
                     label=words["change"].format(draft=uv[0], optimum=uv[1],
                                                  count=sum(1 for v in pairs.values() if v == uv),
                                                  area=f"{sum(area[p] for p, v in pairs.items() if v == uv):,.1f}"))
               for uv in order]
    handles.append(Patch(facecolor=UNCHANGED_COLOUR, edgecolor="white",
                         label=words["same"].format(count=len(ids) - len(pairs))))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, title_fontsize=8,
              title=words["legend"])
    ax.set_title(words["title"])
    return fig


def figure_importance(table: pd.DataFrame, instance: Any, words: dict[str, str], money: tuple[float, str]):
    """The parcels coloured by their importance (importance.csv of `optim importance`):
    money on the page's scale `money` (divisor, unit); a required parcel black (as in
    `optim plot importance`), a parcel not evaluated (or with no other use) pale grey, a
    parcel whose figure is a bound outlined in grey."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    ids = [str(p) for p in instance.parcels.index]
    kind, where = _shapes(ids, instance)
    rows = table.set_index(table["parcel"].astype(str))
    value = pd.to_numeric(rows["importance"], errors="coerce").reindex(ids)
    kinds = rows["kind"].astype(str).reindex(ids).fillna("")
    finite = value[np.isfinite(value.to_numpy(dtype=float))] / money[0]
    top = max(float(finite.max()) if len(finite) else 0.0, 0.0)
    low = min(float(finite.min()) if len(finite) else 0.0, 0.0)
    norm = Normalize(vmin=low, vmax=top if top > low else low + 1.0)
    cmap = colormaps["YlOrRd"]
    faces, edges, widths = [], [], []
    for p in ids:
        v, k = value[p], kinds[p]
        if k == "required":
            faces.append(REQUIRED_COLOUR)
        elif pd.notna(v) and np.isfinite(v):
            faces.append(cmap(norm(v / money[0])))
        else:
            faces.append(NONE_COLOUR)
        edges.append("0.35" if k == "bound" else "white")
        widths.append(1.0 if k == "bound" else 0.3)
    fig, ax = new_figure((9.0, 6.0))
    _draw_parcels(ax, kind, where, faces, edges, widths)
    from matplotlib.cm import ScalarMappable

    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8, pad=0.02)
    bar.set_label(words["colour"].format(unit=money[1]))
    handles = []
    if (kinds == "required").any():
        handles.append(Patch(facecolor=REQUIRED_COLOUR, label=words["required"].format(
            count=int((kinds == "required").sum()))))
    if (kinds == "bound").any():
        handles.append(Patch(facecolor="white", edgecolor="0.35", label=words["bound"].format(
            count=int((kinds == "bound").sum()))))
    none = sum(1 for f in faces if isinstance(f, str) and f == NONE_COLOUR)
    if none:
        handles.append(Patch(facecolor=NONE_COLOUR, edgecolor="0.8", label=words["none"].format(count=none)))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.02), fontsize=8, ncol=3,
                  frameon=False)
    ax.set_title(words["title"])
    return fig


def figure_gain(front: pd.DataFrame, words: dict[str, str], money: tuple[float, str]):
    """The changes front: the gain over the draft of the best plan within K changes, for
    each K (a point not proven optimal hollow), the optimum's whole gain dashed."""
    k = pd.to_numeric(front["changes"], errors="coerce")
    gain = pd.to_numeric(front["gain"], errors="coerce") / money[0]
    status = front["status"].astype(str)
    valid = k.notna() & gain.notna()
    optimal = valid & (status == "optimal")
    fig, ax = new_figure((7.5, 4.6))
    if valid.any():
        ax.step(k[valid], gain[valid], where="post", color="C0", linewidth=1.5, zorder=1, label=words["line"])
    ax.scatter(k[optimal], gain[optimal], s=40, color="C0", zorder=3, label=words["optimal"])
    hollow = valid & ~optimal
    if hollow.any():
        ax.scatter(k[hollow], gain[hollow], s=55, facecolors="none", edgecolors="C3", linewidths=1.5, zorder=4,
                   label=words["not_optimal"])
    if "share" in front.columns:
        share = pd.to_numeric(front["share"], errors="coerce")
        for i in front.index[valid & share.notna()]:
            ax.annotate(f"{share[i]:.0%}", (k[i], gain[i]), xytext=(4, -12), textcoords="offset points", fontsize=8)
    ax.set_xlabel(words["x"])
    ax.set_ylabel(words["y"].format(unit=money[1]))
    ax.set_title(words["title"])
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.margins(x=0.06, y=0.12)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def differences_picture(changed: pd.DataFrame, instance: Any, texts: Texts) -> Picture:
    return _draw(lambda: figure_differences(changed, instance, texts.catalogue["pictures_draft"]), "changed",
                 raster=len(instance.parcels) > RASTER_ABOVE, texts=texts)


def importance_picture(table: pd.DataFrame, instance: Any, texts: Texts) -> Picture:
    values = pd.to_numeric(table["importance"], errors="coerce")
    sc = scale("yuan", list(values[np.isfinite(values.to_numpy(dtype=float))]), texts)
    return _draw(lambda: figure_importance(table, instance, texts.catalogue["pictures_importance"],
                                           (sc.divisor, sc.unit)), "importance",
                 raster=len(instance.parcels) > RASTER_ABOVE, texts=texts, unit=sc.unit)


def gain_picture(front: pd.DataFrame, texts: Texts) -> Picture:
    sc = scale("yuan", list(pd.to_numeric(front["gain"], errors="coerce")), texts)
    return _draw(lambda: figure_gain(front, texts.catalogue["pictures_front"], (sc.divisor, sc.unit)),
                 "front", texts=texts, unit=sc.unit)


__all__ = ["Picture", "to_svg", "map_picture", "draws_picture", "cjk_families", "fonts_for", "RASTER_ABOVE",
           "differences_picture", "importance_picture", "gain_picture", "figure_differences", "figure_importance",
           "figure_gain"]
