"""The example notebook (examples/reference_park.ipynb) runs from top to bottom.

Its code cells are executed in order in one namespace, in-process (no Jupyter
kernel needed), with the repository root as the working directory and
matplotlib's Agg backend; then the objects it made are checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import optim

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "reference_park.ipynb"


def cells(kind: str) -> list[str]:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == kind]


def test_notebook_is_a_clean_v4_notebook_of_the_reference_park():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)  # no outputs kept
    text = "\n".join(cells("code"))
    for call in ('optim.load(ROOT / "instances" / "baoji_qinganbao" / "instance.yaml")', "optim.solve(",
                 '"land_income"] *= 0.8', "optim.sweep(", "optim.pareto(", "plots.plot_map(",
                 "plots.plot_draws(", "plots.plot_tornado(", "plots.plot_front("):
        assert call in text, call


# callable: `optim.sweep` is the submodule, not the function, until optim/__init__.py exports it
@pytest.mark.skipif(not (callable(getattr(optim, "sweep", None)) and callable(getattr(optim, "pareto", None))),
                    reason="optim.sweep / optim.pareto are not in this build yet (the notebook's study cells need them)")
def test_notebook_runs_top_to_bottom(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    ns: dict = {"__name__": "__main__"}
    for i, source in enumerate(cells("code")):
        try:
            exec(compile(source, f"{NOTEBOOK.name} [code cell {i + 1}]", "exec"), ns)  # noqa: S102 - runs the notebook
        except Exception as exc:  # noqa: BLE001 - name the cell that failed
            pytest.fail(f"code cell {i + 1} failed: {type(exc).__name__}: {exc}\n---\n{source}")
    try:
        inst, cheaper, result = ns["inst"], ns["cheaper"], ns["result"]
        # the price change is on the copy only: commercial land income x 0.8
        com = inst.options["use"] == "commercial"
        assert com.any()
        pd.testing.assert_series_equal(cheaper.options.loc[com, "land_income"],
                                       inst.options.loc[com, "land_income"] * 0.8)
        assert ns["base"].status == "optimal" and ns["base"].kpi("rezoned_area") == pytest.approx(495.0)
        assert result.has_plan and len(result.parcels) == 40
        # the 2 x 2 grid and the tornado (base + 2 parameters x low/high)
        assert len(ns["study"].runs) == 4 and set(ns["study"].runs["design"]) == {"grid"}
        assert len(ns["one_at_a_time"].runs) == 5
        assert set(ns["study"].runs["status"]) <= {"optimal", "feasible", "infeasible", "invalid"}
        points = ns["front"].points
        assert 2 <= len(points) <= 4 and {"land_income", "industrial_output", "on_front"} <= set(points.columns)
        for name in ("map.png", "draws.png", "tornado.png", "front.png"):
            picture = ns["OUT"] / name
            assert picture.is_file() and picture.stat().st_size > 5000, name
    finally:
        if "OUT" in ns:
            shutil.rmtree(ns["OUT"], ignore_errors=True)
