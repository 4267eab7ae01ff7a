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
from ..studies.parallel import run_tasks
from ..atomic import instance_files
from ..errors import InstanceError, Problem
from ..results import Result
from .evaluation import evaluation_html, is_evaluation
from .gather import ReportData, gather
from .importance import Importance, find, read_importance, section
from .index import REPORT, is_study, study_html
from .page import render
from .pictures import Picture, draws_picture, importance_picture, map_picture
from .texts import Texts, languages, texts_for

SUFFIXES = (".html", ".htm")


def pictures_of(data: ReportData, draw: bool = True, texts: Texts | None = None) -> dict[str, Picture]:
    """The pictures of the page (none for a result without a plan), in the words of `texts`."""
    if not data.has_plan or not draw:
        return {}
    tb = data.tables
    sources = list(tb["sources"]["source"])
    out = {"map": map_picture(tb["parcels"], data.instance, texts),
           "draws": draws_picture(tb["draws"], sources, "category", texts)}
    if "period_draws" in tb:
        out["period_draws"] = draws_picture(tb["period_draws"], sources, "period", texts)
    return out


def html(source: str | Path | Result, instance: Any = None, scenarios: list[str] | None = None, *,
         lang: str | None = None, pictures: bool = True, prices: bool = True,
         importance: str | Path | None = None) -> str:
    """The report of `source` as an HTML string (see `report`)."""
    if lang is not None:
        _texts(lang)  # an unknown language is refused before any work
    if is_study(source):
        _no_importance(importance, source)
        return study_html(source, lang=lang)
    if is_evaluation(source):
        return evaluation_html(source, instance, scenarios, lang=lang, pictures=pictures, importance=importance)
    _not_importance(source)
    data = gather(source, instance, scenarios, prices=prices)
    texts = _texts(language_of(data, lang))
    return render(data, texts, pictures_of(data, pictures, texts), __version__,
                  importance_sections(data, source, importance, texts, pictures))


def importance_sections(data: ReportData, source: Any, importance: str | Path | None, texts: Texts,
                        draw: bool = True) -> list[tuple[str, str, str]]:
    """The importance section of a plan's report, when an importance table is given
    (`importance`) or the result folder holds one; [] otherwise."""
    path = importance if importance is not None else find(source)
    if path is None:
        return []
    imp = read_importance(path, data.instance)
    uses = None
    if data.has_plan:
        par = data.tables["parcels"]
        uses = par.set_index("parcel")["use"]
    pic = importance_picture(imp.table, data.instance, texts) if draw and data.instance is not None else None
    return [("importance", texts("h_importance"), section(imp, texts, pic, uses))]


def _not_importance(source: Any) -> None:
    """Refuse the folder of `optim importance` given as the result: it holds no plan's tables."""
    if isinstance(source, (str, Path)) and find(source) is not None and \
            not (Path(source) / "parcels.csv").is_file() and not is_evaluation(source):
        raise InstanceError([Problem(str(source), "is the folder of `optim importance` (importance.csv, no plan): "
                                                  "give the plan's result folder and this one with --importance "
                                                  f"{source}")])


def _no_importance(importance: Any, source: Any) -> None:
    if importance is not None:
        raise InstanceError([Problem("--importance", f"{source} is the folder of a study: the importance of "
                                                     "the parcels goes into the report of one plan or of a draft")])


def report(source: str | Path | Result, out: str | Path, instance: Any = None,
           scenarios: list[str] | None = None, *, lang: str | None = None, pictures: bool = True,
           prices: bool = True, importance: str | Path | None = None) -> Path:
    """Write the report of `source` (a result folder written by `optim solve --out`,
    or a `Result`) to `out` (.html) and return its path. A study's folder (written
    by `optim sweep --out` or `optim pareto --out`) gets its index page instead:
    one row per run or point, linked to each one's report where one was written
    (`optim.reporting.index`). A folder written by `optim evaluate --out` gets the
    page of the draft against the optimum (`optim.reporting.evaluation`).

    importance: importance.csv written by `optim importance --out` (or its folder):
    adds the section of what each parcel is worth, with its map (a result folder
    holding importance.csv gets it without being asked). instance: the instance the result was solved for (an Instance or a path;
    default: the file the result records), scenarios: the scenarios applied to
    it (default: the recorded ones). lang: the language of the page (`languages()`;
    default: the instance's `language:`, else English). pictures, prices: draw
    the pictures, compute the shadow prices.

    The file is written atomically (a temporary file in the same folder, then
    renamed over `out`), and never over a file of the result or of the instance.
    Bad input raises `InstanceError` naming the file."""
    out = Path(out)
    if lang is not None:
        _texts(lang)
    _check_out(out, source)
    if is_study(source):
        _no_importance(importance, source)
        write_atomically(out, study_html(source, lang=lang, out=out))
        return out
    if is_evaluation(source):
        write_atomically(out, evaluation_html(source, instance, scenarios, lang=lang, pictures=pictures,
                                              importance=importance))
        return out
    _not_importance(source)
    data = gather(source, instance, scenarios, prices=prices)
    _check_out(out, source, data)
    texts = _texts(language_of(data, lang))
    page = render(data, texts, pictures_of(data, pictures, texts), __version__,
                  importance_sections(data, source, importance, texts, pictures))
    write_atomically(out, page)
    return out


def write_reports(study: str | Path, lang: str | None = None, workers: int = 1, scheduler: str | None = None,
                  progress: bool | None = False) -> list[Path]:
    """Write the report of every result folder of a study (`runs/<run>/` of a sweep
    written with `write_runs`, `points/<k>/` of a Pareto front) as `report.html`
    inside it, on `workers` processes (or a Dask cluster), then the study's index
    page, `index.html`; return the reports' paths. `lang`: as `report` (default:
    each instance's own language)."""
    if lang is not None:
        _texts(lang)
    folder = Path(study)
    sub = folder / ("runs" if (folder / "runs.csv").is_file() else "points")
    runs = sorted((p for p in sub.iterdir() if (p / "summary.json").is_file()), key=lambda p: (len(p.name), p.name)) \
        if sub.is_dir() else []
    tasks = [(str(p), lang) for p in runs]
    paths = run_tasks(_report_task, tasks, workers=workers, scheduler=scheduler, progress=progress, label="reports")
    report(folder, folder / "index.html", lang=lang)
    return [Path(p) for p in paths]


def _report_task(task: tuple[str, str | None]) -> str:
    folder, lang = task
    return str(report(folder, Path(folder) / REPORT, lang=lang))


def language_of(data: ReportData, lang: str | None) -> str:
    """The language of a report: `lang` if given, else the instance's `language:`, else English."""
    if lang is not None:
        return lang
    return getattr(data.instance, "language", None) or "en"


def _texts(lang: str) -> Texts:
    return texts_for(lang)


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


__all__ = ["report", "html", "gather", "ReportData", "Texts", "languages", "language_of", "write_atomically",
           "is_study", "study_html", "write_reports", "SUFFIXES", "is_evaluation", "evaluation_html",
           "read_importance", "Importance", "importance_sections"]
