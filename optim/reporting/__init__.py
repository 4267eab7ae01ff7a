"""The plan report: one self-contained HTML file for a result.

    >>> optim.report("out/", "report.html")          # a folder written by `optim solve --out`
    >>> optim.report(result, "report.html")          # a Result in memory

The page shows the key figures, the map of the plan, the draws by source and
category, the plan per period (phased instances), the binding limits with
their shadow prices (conditional on this plan) and the rezoned parcels; for a
result without a plan, why there is none. It needs no network: inline style,
pictures as inline SVG (text kept as text), no script.

- `gather.py`: what the page shows, read from the folder (or the Result) and
  its instance, checked by the independent checker, priced, explained;
- `texts.py`: every word, one catalogue per language;
- `numbers.py`: every figure, one formatting function;
- `pictures.py`: the pictures of `optim.plots` as inline SVG (the plot extra:
  without matplotlib the page is written without pictures, and says so);
- `page.py`: the layout.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import instance_files
from ..errors import InstanceError, Problem
from ..results import Result
from .gather import ReportData, gather
from .page import render
from .pictures import Picture, draws_picture, map_picture
from .texts import Texts, languages

SUFFIXES = (".html", ".htm")


def pictures_of(data: ReportData, draw: bool = True) -> dict[str, Picture]:
    """The pictures of the page (none for a result without a plan)."""
    if not data.has_plan or not draw:
        return {}
    tb = data.tables
    sources = list(tb["sources"]["source"])
    out = {"map": map_picture(tb["parcels"], data.instance),
           "draws": draws_picture(tb["draws"], sources, "category")}
    if "period_draws" in tb:
        out["period_draws"] = draws_picture(tb["period_draws"], sources, "period")
    return out


def html(source: str | Path | Result, instance: Any = None, scenarios: list[str] | None = None, *,
         lang: str = "en", pictures: bool = True, prices: bool = True) -> str:
    """The report of `source` as an HTML string (see `report`)."""
    texts = _texts(lang)
    data = gather(source, instance, scenarios, prices=prices)
    return render(data, texts, pictures_of(data, pictures), __version__)


def report(source: str | Path | Result, out: str | Path, instance: Any = None,
           scenarios: list[str] | None = None, *, lang: str = "en", pictures: bool = True,
           prices: bool = True) -> Path:
    """Write the report of `source` (a result folder written by `optim solve --out`,
    or a `Result`) to `out` (.html) and return its path.

    instance: the instance the result was solved for (an Instance or a path;
    default: the file the result records), scenarios: the scenarios applied to
    it (default: the recorded ones). lang: the language of the page (`languages()`).
    pictures, prices: draw the pictures, compute the shadow prices.

    The file is written atomically (a temporary file in the same folder, then
    renamed over `out`), and never over a file of the result or of the instance.
    Bad input raises `InstanceError` naming the file."""
    out = Path(out)
    texts = _texts(lang)
    _check_out(out, source)
    data = gather(source, instance, scenarios, prices=prices)
    _check_out(out, source, data)
    page = render(data, texts, pictures_of(data, pictures), __version__)
    write_atomically(out, page)
    return out


def _texts(lang: str) -> Texts:
    try:
        return Texts(lang)
    except KeyError:
        raise InstanceError([Problem("--lang", f"no report texts for {lang!r} "
                                               f"(available: {', '.join(languages())})")]) from None


def _check_out(out: Path, source: Any, data: ReportData | None = None) -> None:
    """Refuse an output path that is not an .html file or is a file of the inputs."""
    if out.suffix.lower() not in SUFFIXES:
        raise InstanceError([Problem(str(out), "the report is an HTML file: its name must end in .html")])
    if out.is_dir():
        raise InstanceError([Problem(str(out), "is a folder: give the report's file name (report.html)")])
    real = Path(os.path.realpath(out))
    inputs: list[Path] = []
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        inputs += [p for p in Path(source).iterdir() if p.suffix.lower() in (".csv", ".json")]
    if data is not None and data.instance is not None:
        inputs += instance_files(data.instance)
    for f in inputs:
        if Path(os.path.realpath(f)) == real:
            raise InstanceError([Problem(str(out), f"would overwrite the input file {f}: "
                                                   "write the report to another file")])


def write_atomically(out: Path, text: str) -> None:
    """Write `text` to `out` whole or not at all: a temporary file in the same
    folder, flushed to disk, then renamed over `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would, not mkstemp's 0o600
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["report", "html", "gather", "ReportData", "Texts", "languages", "write_atomically", "SUFFIXES"]
