"""The command line through its real entry point (`python -m optim.cli`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
KPIS = {"land_income", "forgone_land_income", "industrial_output", "total_investment",
        "external_financing", "coverage", "financing_cost", "own_funds_used",
        "industrial_area", "rezoned_area"}


def optim_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "optim.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def test_solve_json_has_the_documented_keys():
    proc = optim_cli("solve", TINY, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)  # stdout is one JSON object and nothing else
    assert out["status"] == "optimal"
    assert out["termination"] == "optimal"
    assert out["objective"] == pytest.approx(107.18e6)
    assert out["gap"] == pytest.approx(0.0, abs=1e-4)
    assert KPIS <= set(out["kpis"])
    assert out["kpis"]["coverage"] == pytest.approx(0.8)
    assert {"source": "special", "category": "ecology", "amount": pytest.approx(15e6)} in out["draws"]
    assert {"parcel": "P2", "use": "industrial", "rezoned": True} in out["parcels"]
    assert {"parcel": "P1", "use": "commercial", "rezoned": False} in out["parcels"]


def test_solve_prints_a_readable_summary():
    proc = optim_cli("solve", TINY)
    assert proc.returncode == 0
    assert "status       optimal" in proc.stdout
    assert "P2           residential -> industrial" in proc.stdout


def test_solve_out_writes_every_table(tmp_path):
    proc = optim_cli("solve", TINY, "--out", tmp_path / "res")
    assert proc.returncode == 0, proc.stderr
    written = {p.name for p in (tmp_path / "res").iterdir()}
    assert {"parcels.csv", "draws.csv", "sources.csv", "categories.csv", "projects.csv",
            "resources.csv", "kpis.csv", "objective_terms.csv", "summary.json"} <= written
    summary = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert summary["status"] == "optimal"


def test_infeasible_instance_exits_1(tmp_path):
    doc = yaml.safe_load(TINY.read_text())
    doc["eod"]["income_share"] = 0.0  # see test_tiny: no plan can fund ecology
    path = tmp_path / "infeasible.yaml"
    path.write_text(yaml.safe_dump(doc))
    proc = optim_cli("solve", path, "--json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["status"] == "infeasible"
    assert out["objective"] is None


def test_bad_input_exits_2_without_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nuses: 3\n")
    proc = optim_cli("solve", path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.yaml: uses" in proc.stderr


@pytest.mark.parametrize("args", [["solve"], ["frobnicate"], ["solve", str(TINY), "--gap", "x"],
                                  ["solve", str(TINY), "--gap", "2"],
                                  ["solve", str(TINY), "--time-limit", "-1"]])
def test_usage_errors_exit_2(args):
    proc = optim_cli(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_validate_valid_instance_exits_0():
    proc = optim_cli("validate", TINY)
    assert proc.returncode == 0
    assert "valid" in proc.stdout


def test_generate_writes_a_valid_instance_that_solves(tmp_path):
    proc = optim_cli("generate", "--parcels", 30, "--seed", 2, "--out", tmp_path / "g")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "g" / "instance.yaml").is_file()
    assert optim_cli("validate", tmp_path / "g" / "instance.yaml").returncode == 0
    proc = optim_cli("solve", tmp_path / "g" / "instance.yaml", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"


def test_generate_rejects_bad_sizes(tmp_path):
    proc = optim_cli("generate", "--parcels", 0, "--out", tmp_path / "g")
    assert proc.returncode == 2
    assert "parcels must be >= 1, not 0" in proc.stderr
