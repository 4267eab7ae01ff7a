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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import StringIO
from typing import Any, Callable

from ..plots import PlotError, figure_draws, figure_map

RASTER_ABOVE = 2000  # parcels: above this, the map's markers are one raster image


@dataclass
class Picture:
    svg: str | None
    reason: str = ""


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


def _draw(make: Callable[[], Any], prefix: str, raster: bool = False) -> Picture:
    try:
        fig = make()
    except PlotError as exc:
        return Picture(None, str(exc))
    if raster:
        for ax in fig.axes:
            for artist in [*ax.collections, *ax.patches]:
                artist.set_rasterized(True)
    return Picture(to_svg(fig, prefix))


def map_picture(parcels: Any, instance: Any) -> Picture:
    """The map of the plan (`optim.plots.figure_map`) as inline SVG."""
    return _draw(lambda: figure_map(parcels, instance), "map", raster=len(parcels) > RASTER_ABOVE)


def draws_picture(draws: Any, sources: list[str], by: str) -> Picture:
    """Draws by source stacked by `by` (category or period) as inline SVG."""
    return _draw(lambda: figure_draws(draws, sources, by=by), f"draws-{by}")


__all__ = ["Picture", "to_svg", "map_picture", "draws_picture", "RASTER_ABOVE"]
