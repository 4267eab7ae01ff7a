"""Solution certificates: `optim check-plan INSTANCE RESULT_DIR` and the check
that `optim solve` runs on every plan before reporting it (optim/certificate.py).

The checker (optim/check.py) recomputes every constraint family from the
instance files and the written result alone; these tests edit a written result
so that a source draws more than its cap and expect the certificate to fail on
`source_cap_le`, naming the source and the excess worked out by hand.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import optim
from optim import cli
from optim.check.certificate import PlanRejected, certify_result, read_plan

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"
THREE = ROOT / "instances" / "baoji_qinganbao" / "three_year.yaml"


def optim_cli(*args):
    return subprocess.run([sys.executable, "-m", "optim.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """`optim solve INSTANCE --out DIR` for the tiny, reference and three-year instances."""
    base = tmp_path_factory.mktemp("certificates")
    out = {}
    for name, path in (("tiny", TINY), ("reference", REF), ("three_year", THREE)):
        proc = optim_cli("solve", path, "--out", base / name)
        assert proc.returncode == 0, proc.stderr
        out[name] = base / name
    return out


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def set_draw(result_dir: Path, source: str, category: str, amount: float) -> None:
    path = result_dir / "draws.csv"
    draws = pd.read_csv(path, dtype={"source": str, "category": str})
    at = (draws["source"] == source) & (draws["category"] == category)
    assert at.sum() == 1
    draws.loc[at, "amount"] = amount
    draws.to_csv(path, index=False)


class Run:
    """What `optim ARGS` returned, run in this process (faster than a subprocess)."""

    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def run(capsys):
    def call(*args) -> Run:
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out = capsys.readouterr()
        return Run(code, out.out, out.err)
    return call


@pytest.fixture
def check_json(run):
    def call(instance, result_dir, *extra):
        proc = run("check-plan", instance, result_dir, "--json", *extra)
        return proc, (json.loads(proc.stdout) if proc.stdout.strip() else None)
    return call


def family(report: dict, name: str) -> dict:
    (row,) = [f for f in report["families"] if f["family"] == name]
    return row


# ---- unedited results hold ---------------------------------------------------------
@pytest.mark.parametrize("name,instance", [("tiny", TINY), ("reference", REF), ("three_year", THREE)])
def test_unedited_result_passes_its_certificate(written, check_json, name, instance):
    proc, report = check_json(instance, written[name])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["ok"] is True and report["failed"] == []
    names = [f["family"] for f in report["families"]]
    assert {"parcel_use_eq", "category_funding_eq", "source_cap_le", "objective", "kpis"} <= set(names)
    if name == "three_year":  # the period tables are checked too
        assert (written[name] / "period_draws.csv").exists()
        assert {"draw_period_eq", "cash_balance_ge", "rezone_period_eq"} <= set(names)


def test_table_output_lists_every_family(written, run):
    proc = run("check-plan", TINY, written["tiny"])
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0].split()[:3] == ["family", "max", "violation"]
    assert "source_cap_le" in proc.stdout
    assert proc.stdout.rstrip().endswith("families hold within the tolerance 1e-06")


# ---- a draw edited above its cap ------------------------------------------------------
def test_tiny_draw_above_cap_fails_on_source_cap(written, check_json, tmp_path):
    # tiny: `policy` has a cap of 10 M and draws 10 M into `park`; 12 M exceeds it by 2 M
    res = copy(written["tiny"], tmp_path / "edited")
    set_draw(res, "policy", "park", 12e6)
    proc, report = check_json(TINY, res)
    assert proc.returncode == 1
    cap = family(report, "source_cap_le")
    assert cap["ok"] is False and cap["worst"] == "policy"
    assert cap["max_violation"] == pytest.approx(2e6)
    assert cap["relative"] == pytest.approx(2e6 / 10e6)
    assert report["failed"][0] == "source_cap_le"  # the largest relative violation comes first
    # the table names the family, the source and FAIL
    text = optim_cli("check-plan", TINY, res)
    assert text.returncode == 1
    line = next(l for l in text.stdout.splitlines() if l.startswith("source_cap_le"))
    assert "FAIL" in line and line.split()[-1] == "policy" and "2e+06" in line


def test_reference_draw_above_cap_fails(written, check_json, tmp_path):
    # policy finance: cap 92 M, drawn 92 M into factories; 95 M is 3 M too much
    res = copy(written["reference"], tmp_path / "edited")
    set_draw(res, "policy_finance", "factories", 95e6)
    proc, report = check_json(REF, res)
    assert proc.returncode == 1
    cap = family(report, "source_cap_le")
    assert (cap["ok"], cap["worst"]) == (False, "policy_finance")
    assert cap["max_violation"] == pytest.approx(3e6)


def test_three_year_draw_above_cap_fails(written, check_json, tmp_path):
    # special funds: cap 230 M, paid into the corridor and ecology. The plan's
    # split between the two is one of several optimal ones (the objective does
    # not see it); whatever it is, ecology raised to 245 M - corridor makes the
    # source draw 245 M: 15 M over the cap.
    res = copy(written["three_year"], tmp_path / "edited")
    draws = pd.read_csv(res / "draws.csv")
    assert draws.loc[draws["source"] == "special_funds", "amount"].sum() <= 230e6
    corridor = float(draws.loc[(draws["source"] == "special_funds") & (draws["category"] == "corridor"),
                               "amount"].iloc[0])
    set_draw(res, "special_funds", "ecology", 245e6 - corridor)
    proc, report = check_json(THREE, res)
    assert proc.returncode == 1
    cap = family(report, "source_cap_le")
    assert (cap["ok"], cap["worst"]) == (False, "special_funds")
    assert cap["max_violation"] == pytest.approx(15e6)
    # the per-period table no longer adds up to the edited draws either
    assert family(report, "draw_period_eq")["ok"] is False


def test_period_columns_are_read_as_period_ids(written):
    # regression: PlanDecisions.from_dir read a period column such as 2024 as a number,
    # so every rezoning and project period of a written three-year result failed
    plan = read_plan(written["three_year"])
    assert plan.parcels["period"].dropna().isin(["2023", "2024", "2025"]).all()
    assert plan.projects["period"].dropna().isin(["2023", "2024", "2025"]).all()


def test_tolerance_option(written, check_json, tmp_path):
    # a 1-yuan excess over a 10 M cap is 1e-7 relative: within the default 1e-6
    # (funding and KPIs break by less still: 1 yuan over tens of millions), not within 1e-8
    res = copy(written["tiny"], tmp_path / "edited")
    set_draw(res, "policy", "park", 10e6 + 1)
    proc, report = check_json(TINY, res)
    assert proc.returncode == 0
    cap = family(report, "source_cap_le")
    assert cap["ok"] is True and cap["max_violation"] == pytest.approx(1.0)
    assert cap["relative"] == pytest.approx(1e-7)
    proc, report = check_json(TINY, res, "--tol", "1e-8")
    assert proc.returncode == 1
    assert family(report, "source_cap_le")["ok"] is False and report["tol"] == 1e-8


# ---- unreadable input: exit 2, a message naming the file -------------------------------
def test_missing_result_dir(tmp_path):
    proc = optim_cli("check-plan", TINY, tmp_path / "nowhere")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"error: {tmp_path / 'nowhere'}: result directory not found" in proc.stderr


def test_missing_result_file(written, run, tmp_path):
    res = copy(written["tiny"], tmp_path / "r")
    (res / "draws.csv").unlink()
    proc = run("check-plan", TINY, res)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"error: {res / 'draws.csv'}: file not found" in proc.stderr


@pytest.mark.parametrize("name,content,message", [
    ("draws.csv", "x\n1\n", "missing column(s) source, category, amount"),
    ("draws.csv", 'source,category,amount\n"policy,park\n', "not valid CSV: "),
    ("draws.csv", "", "empty file: a CSV header row is required"),
    ("parcels.csv", b"\xff\xfeparcel", "not UTF-8 text (bad byte at offset 0)"),
    ("summary.json", "{", "not valid JSON: "),
    ("summary.json", "[1]", "must be a JSON object"),
    ("summary.json", '{"status": "infeasible"}', "the result has no plan to check (status 'infeasible')"),
    ("summary.json", '{"kpis": {"coverage": "high"}}', "kpis must be an object of numbers"),
])
def test_malformed_result_file(written, run, tmp_path, name, content, message):
    res = copy(written["tiny"], tmp_path / "r")
    if isinstance(content, bytes):
        (res / name).write_bytes(content)
    else:
        (res / name).write_text(content)
    proc = run("check-plan", TINY, res)
    assert proc.returncode == 2, proc.stdout
    assert "Traceback" not in proc.stderr
    assert f"error: {res / name}: {message}" in proc.stderr


def test_bad_instance_and_bad_tolerance_exit_2(written, run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    proc = run("check-plan", bad, written["tiny"])
    assert proc.returncode == 2 and "not valid YAML" in proc.stderr
    proc = run("check-plan", TINY, written["tiny"], "--tol", "-1")
    assert proc.returncode == 2 and "error: --tol: must be >= 0, not -1" in proc.stderr


# ---- optim solve refuses a plan that fails its certificate ------------------------------
def test_solve_refuses_a_plan_that_fails_its_certificate(monkeypatch, tmp_path, capsys):
    """A solver (here a stand-in) returning a plan that draws 12 M from `policy`
    (cap 10 M) is refused: message on stderr, exit 1, nothing written."""
    import optim.api as api

    real = api.extract

    def broken(*args, **kwargs):
        res = real(*args, **kwargs)
        at = (res.draws["source"] == "policy") & (res.draws["category"] == "park")
        res.draws.loc[at, "amount"] = 12e6
        return res

    monkeypatch.setattr(api, "extract", broken)
    out = tmp_path / "res"
    code = cli.main(["solve", str(TINY), "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""  # no plan reported
    assert "optim: the plan failed its certificate: source_cap_le violated by 2e+06 (policy)" in captured.err
    assert not out.exists()  # and never written as a valid result


def test_certify_result_in_python():
    inst = optim.load(TINY)
    res = optim.solve(inst)
    report = certify_result(inst, res)
    assert report["ok"].all()
    res.draws.loc[res.draws["source"] == "special", "amount"] = 16e6  # special: cap 15 M
    with pytest.raises(PlanRejected, match=r"source_cap_le violated by 1e\+06 \(special\)"):
        certify_result(inst, res)
