"""Honest limits: a gap limit, a time limit and Ctrl-C (SIGINT) all return the
best plan found with its bound and gap, status `feasible` (never `optimal`);
a solver error is reported, never swallowed (optim/solve.py `run_highs`)."""

import json
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import optim
import optim.strategy as strategy
from optim import cli
from optim.highs import OPTIMAL_GAP, Solution
from orlib import parse_mknap1, to_instance_files

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
OPTIMUM = 16537  # mknap1 problem 7 (50 items, 5 constraints), OR-Library


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    problem = parse_mknap1()[6]
    assert problem.optimum == OPTIMUM
    return to_instance_files(problem, tmp_path_factory.mktemp("mknap1-7"))


# ---- gap limit ------------------------------------------------------------------------
def test_gap_limit_gives_a_feasible_plan_not_an_optimal_one(hard):
    """With a 5 % gap HiGHS stops at a plan it has not proven: the OR-Library
    optimum is 16537, the plan found is worth less, its bound is at least 16537."""
    res = optim.solve(optim.load(hard), mip_rel_gap=0.05)
    assert res.status == "feasible" and res.termination == "gap_limit"
    assert res.has_plan
    assert res.objective < OPTIMUM <= res.bound + 1e-6
    assert OPTIMAL_GAP < res.gap <= 0.05
    assert res.gap == pytest.approx((res.bound - res.objective) / abs(res.objective), rel=1e-3)
    assert "not proven optimal" in res.summary()


def test_gap_limit_through_the_cli(hard):
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "solve", str(hard), "--json", "--gap", "0.05"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["status"], out["termination"]) == ("feasible", "gap_limit")
    assert out["bound"] >= OPTIMUM - 1e-6 > out["objective"]
    assert out["gap"] > OPTIMAL_GAP


def test_a_proven_optimum_stays_optimal(hard):
    res = optim.solve(optim.load(hard), mip_rel_gap=0)
    assert (res.status, res.termination) == ("optimal", "optimal")
    assert res.objective == pytest.approx(OPTIMUM)


# ---- Ctrl-C ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """A generated park that takes HiGHS tens of seconds to prove at gap 0."""
    from optim import generate as gen

    return gen.write(gen.generate(400, seed=1), tmp_path_factory.mktemp("g400"))


def test_sigint_during_a_solve_returns_the_best_plan_so_far(slow):
    proc = subprocess.Popen([sys.executable, "-m", "optim.cli", "solve", str(slow), "--gap", "0",
                             "--json", "--verbose"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    started = threading.Event()
    err_lines: list[str] = []

    def read_stderr():  # the HiGHS log (--verbose) tells when the solve has started
        for line in proc.stderr:
            err_lines.append(line)
            if "HiGHS" in line or "Solving" in line or "Presolv" in line:
                started.set()
        started.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert started.wait(240), "the solve did not start"
        time.sleep(2.0)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        stdout = proc.stdout.read()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(10)
    stderr = "".join(err_lines)
    assert "Traceback" not in stderr
    out = json.loads(stdout)
    if out["status"] == "optimal":
        pytest.skip("the solve finished before the signal")
    assert out["status"] in ("feasible", "no_solution")
    assert out["termination"] == "interrupted"
    if out["status"] == "feasible":
        assert proc.returncode == 0
        assert "interrupted: best plan so far, not proven optimal" in stderr
        assert out["objective"] is not None and out["bound"] is not None
        assert out["gap"] is not None and out["gap"] > 0
        assert out["parcels"]  # the plan itself is there
    else:
        assert proc.returncode == 1
        assert "interrupted: no plan found before the interrupt" in stderr


@pytest.mark.parametrize("delay", [0.0, 0.03, 0.1, 0.25])
def test_sigint_while_python_imports_the_tool_is_one_line_and_exit_130(delay):
    """Found: Ctrl-C in the first second (while Python imports) printed a
    KeyboardInterrupt traceback. The entry point's handler is in place before any
    import of the tool's own: from the moment the command line's first module is
    imported (seen on `-X importtime`'s log), a Ctrl-C ends with `interrupted`."""
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "optim", "solve",
                             str(ROOT / "instances" / "baoji_qinganbao" / "instance.yaml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.split("|")[-1].strip() == "optim.errors":  # optim.cli is being imported, inside the handler
            break
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    proc.wait(timeout=60)
    stderr = "".join(lines) + rest
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-2000:]
    if proc.returncode == 0:
        pytest.skip("the solve finished before the signal")
    assert proc.returncode == 130
    assert [ln for ln in stderr.splitlines() if not ln.startswith("import time:")][-1] == "interrupted"


def test_python_dash_m_optim_is_the_command_line():
    proc = subprocess.run([sys.executable, "-m", "optim", "validate", str(TINY)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith(f"{TINY}: valid"), proc.stderr


def test_solve_off_the_main_thread_still_works():
    # signals reach only the main thread: elsewhere HiGHS runs directly
    with ThreadPoolExecutor(1) as pool:
        res = pool.submit(optim.solve, optim.load(TINY)).result()
    assert res.status == "optimal" and res.objective == pytest.approx(107.18e6)


def test_re_solves_with_another_thread_count_in_the_same_thread():
    # HiGHS sizes one task scheduler per thread at its first run and refuses a later
    # run with another `threads`; a study's direct re-solves must not fail on it
    from optim.resolver import Resolver
    from optim.highs import SolveOptions

    model = optim.build(optim.load(TINY))
    for threads in (2, 1, None, 1):
        sol = Resolver(model, SolveOptions(threads=threads)).solve()
        assert (threads, sol.status) == (threads, "optimal")
        assert sol.objective == pytest.approx(107.18e6)


# ---- errors are reported ------------------------------------------------------------------
def test_an_option_highs_rejects_is_an_error():
    with pytest.raises(ValueError, match=r"HiGHS rejected the option no_such_option = 1"):
        optim.solve(optim.load(TINY), highs={"no_such_option": 1})
    with pytest.raises(ValueError, match=r"HiGHS rejected the option presolve = 'maybe'"):
        optim.solve(optim.load(TINY), presolve="maybe")


@pytest.mark.parametrize("args,message", [
    (["--threads", "0"], "error: --threads: must be in [1, 256], not 0"),
    (["--threads", "100000"], "error: --threads: must be in [1, 256], not 100000"),
    (["--seed", "-3"], "error: --seed: must be in [0, 2147483647], not -3"),
    (["--seed", str(2**31)], "error: --seed: must be in [0, 2147483647], not 2147483648"),
    (["--time-limit", "nan"], "error: --time-limit: must be > 0, not nan"),
    (["--gap", "nan"], "error: --gap: must be in [0, 1], not nan"),
])
def test_bad_solver_options_exit_2(capsys, args, message):
    assert cli.main(["solve", str(TINY), *args]) == 2
    assert message in capsys.readouterr().err


def test_a_solver_error_is_reported(monkeypatch, capsys, tmp_path):
    def failing(h, integer):
        return Solution(status="error", termination="error", objective=None, bound=None,
                        gap=None, values=None, seconds=0.0)

    monkeypatch.setattr(strategy, "run_highs", failing)  # every HiGHS run of the solve fails
    code = cli.main(["solve", str(TINY), "--json", "--out", str(tmp_path / "res")])
    captured = capsys.readouterr()
    assert code == 3
    assert "optim: the solver failed: HiGHS returned an error (termination error)" in captured.err
    assert captured.out == "" and not (tmp_path / "res").exists()
