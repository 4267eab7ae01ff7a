"""Nothing lost: `Result.write` replaces a result folder as a whole (optim/atomic.py).

A failure or a kill in the middle of writing leaves the old result or the new
one, never a mix; only result folders are replaced; an input file is never
written to.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import optim
from optim import cli
from optim.atomic import check_out_dir, instance_files, is_result_dir

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny" / "instance.yaml"
REF = ROOT / "instances" / "baoji_qinganbao" / "instance.yaml"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


@pytest.fixture(scope="module")
def results():
    tiny = optim.solve(optim.load(TINY))
    ref = optim.solve(optim.load(REF))
    return tiny, ref


def test_a_failure_halfway_leaves_the_old_result(results, tmp_path, monkeypatch):
    tiny, ref = results
    out = tmp_path / "res"
    tiny.write(out)
    before = snapshot(out)
    calls = {"n": 0}
    real = pd.DataFrame.to_csv

    def to_csv(self, *args, **kwargs):  # the third table fails to write
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    with pytest.raises(OSError, match="No space left"):
        ref.write(out)
    assert calls["n"] == 3
    assert snapshot(out) == before  # the old result, whole
    assert leftovers(tmp_path, "res") == []  # the temporary folder is gone
    monkeypatch.setattr(pd.DataFrame, "to_csv", real)
    ref.write(out)  # and a later write replaces it whole
    assert json.loads((out / "summary.json").read_text())["instance"] == ref.instance


def test_a_failure_on_a_new_folder_leaves_nothing(results, tmp_path, monkeypatch):
    tiny, _ = results

    def to_csv(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    with pytest.raises(KeyboardInterrupt):
        tiny.write(tmp_path / "new" / "res")
    assert list((tmp_path / "new").iterdir()) == []


def test_an_old_result_is_replaced_as_a_whole(results, tmp_path):
    tiny, ref = results
    out = tmp_path / "res"
    ref.write(out)
    (out / "relocations.csv").write_text("enterprise,parcel\nE1,A\n")  # a table tiny does not have
    tiny.write(out)
    assert not (out / "relocations.csv").exists()
    assert set(snapshot(out)) == {f"{n}.csv" for n in tiny.tables()} | {"summary.json"}
    assert json.loads((out / "summary.json").read_text())["instance"] == "tiny"
    assert leftovers(tmp_path, "res") == []
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)  # made as mkdir would, not private


def test_only_result_folders_are_replaced(results, tmp_path):
    tiny, _ = results
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(optim.InstanceError) as err:
        tiny.write(folder)
    assert str(err.value.problems[0]) == (
        f"{folder}: exists and is not a result folder (it holds other files than .csv/.json with "
        "summary.json, .gpkg, .xlsx, .html): write results to a new or empty folder, or over an earlier result folder")
    assert (folder / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(optim.InstanceError, match="exists and is not a folder"):
        tiny.write(tmp_path / "file")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert is_result_dir(empty)
    tiny.write(empty)
    assert (empty / "summary.json").exists()
    # a folder of result folders (the scenarios' plans of a stochastic result) is part of a result ...
    tiny.write(empty / "plans" / "s1")
    assert is_result_dir(empty)
    # ... a folder holding anything else is not
    (empty / "plans" / "s1" / "notes.txt").write_text("keep me")
    assert not is_result_dir(empty)
    (empty / "plans" / "s1" / "notes.txt").unlink()
    (empty / "plans" / "loose.csv").write_text("x")
    assert not is_result_dir(empty)


def test_out_at_the_instance_folder_is_refused(tmp_path):
    folder = tmp_path / "inst"
    folder.mkdir()
    (folder / "instance.yaml").write_text(TINY.read_text())
    before = snapshot(folder)
    proc = subprocess.run([sys.executable, "-m", "optim.cli", "solve", str(folder / "instance.yaml"),
                           "--out", str(folder)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert (f"error: --out {folder}: would overwrite the input file {folder / 'instance.yaml'}: "
            "write results to another folder") in proc.stderr
    assert snapshot(folder) == before


def test_out_above_a_csv_input_is_refused(tmp_path, capsys):
    # the reference instance reads parcels.csv and options.csv beside its YAML
    inst = optim.load(REF)
    files = {p.name for p in instance_files(inst)}
    assert {"instance.yaml", "parcels.csv", "options.csv"} <= files
    with pytest.raises(optim.InstanceError, match="would overwrite the input file"):
        check_out_dir(REF.parent.parent, instance_files(inst))
    check_out_dir(tmp_path / "elsewhere", instance_files(inst))  # fine


SLOW_WRITER = textwrap.dedent("""
    import sys, time
    import pandas as pd
    import optim
    tiny = optim.solve(optim.load(sys.argv[1]))
    ref = optim.solve(optim.load(sys.argv[2]))
    out = sys.argv[3]
    tiny.write(out)
    tiny.write(out + ".old")  # what the folder holds before ...
    ref.write(out + ".new")  # ... and after
    real = pd.DataFrame.to_csv
    def slow(self, *a, **k):
        time.sleep(0.15)
        return real(self, *a, **k)
    pd.DataFrame.to_csv = slow
    print("writing", flush=True)
    ref.write(out)
    print("done", flush=True)
    time.sleep(60)
""")


def test_sigkill_during_a_slow_write_leaves_old_or_new(tmp_path):
    """Processes killed (SIGKILL) at various moments of a slowed write (0.15 s per
    table, about 1.5 s in all), run side by side: each folder holds exactly the old
    result (tiny) or exactly the new one (reference), never a mix."""
    import threading

    script = tmp_path / "writer.py"
    script.write_text(SLOW_WRITER)
    delays = (0.05, 0.6, 1.2, 1.6, None)  # None: once the write is done
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's optim, whatever is installed
    procs = [subprocess.Popen([sys.executable, str(script), str(TINY), str(REF), str(tmp_path / f"run{k}")],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env) for k in range(len(delays))]
    lines: dict[int, list[str]] = {}

    def kill_later(k: int, proc: subprocess.Popen, delay: float | None) -> None:
        lines[k] = [proc.stdout.readline().strip()]
        if delay is None:
            lines[k].append(proc.stdout.readline().strip())
        else:
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)

    threads = [threading.Thread(target=kill_later, args=(k, proc, d)) for k, (proc, d) in enumerate(zip(procs, delays))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(240)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    seen = []
    for k, delay in enumerate(delays):
        assert lines[k][0] == "writing" and (delay is not None or lines[k][1] == "done"), lines[k]
        out = tmp_path / f"run{k}"
        old, new = snapshot(tmp_path / f"run{k}.old"), snapshot(tmp_path / f"run{k}.new")
        assert old != new
        state = snapshot(out)
        assert state in (old, new), f"kill after {delay} s left a mix: {sorted(state)}"
        seen.append("old" if state == old else "new")
    # killed 0.05 s into the write: the old result; killed once written: the new one
    assert seen[0] == "old" and seen[-1] == "new"
    assert leftovers(tmp_path, f"run{len(delays) - 1}") == []  # a finished write leaves no temporary folder


# ---- the temporary folders of killed writers ------------------------------------------------
STUCK_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from optim.atomic import replace_dir

    def fill(tmp):
        (tmp / "kpis.csv").write_text("x\\n")
        print(tmp.name, flush=True)
        time.sleep(120)  # killed here, with its temporary folder half written

    replace_dir(Path(sys.argv[1]), fill)
""")


def test_a_later_write_removes_the_folders_of_killed_writers_not_of_live_ones(results, tmp_path):
    """Found: every `kill -9` of `optim solve --out DIR` left a `.DIR.tmp-*` folder that
    no later run removed. Two writers get stuck writing to `plan`; one is killed
    (SIGKILL), one lives on: the next write removes the dead one's folder only."""
    tiny, _ = results
    out = tmp_path / "plan"
    tiny.write(out)
    script = tmp_path / "stuck.py"
    script.write_text(STUCK_WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE, text=True,
                              env=env) for _ in range(2)]
    try:
        names = [p.stdout.readline().strip() for p in procs]
        assert all(n.startswith(".plan.tmp-") for n in names) and sorted(leftovers(tmp_path, "plan")) == sorted(names)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        legacy = tmp_path / ".plan.tmp-abc123"  # named the old way, two days old
        legacy.mkdir()
        os.utime(legacy, (time.time() - 2 * 86400,) * 2)
        fresh_legacy = tmp_path / ".plan.tmp-def456"  # the old way, but recent: maybe a live writer
        fresh_legacy.mkdir()
        tiny.write(out)
        assert sorted(leftovers(tmp_path, "plan")) == sorted([names[1], fresh_legacy.name])
        assert snapshot(out) != {}
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times are read from /proc")
def test_a_reused_process_id_is_not_the_writer(tmp_path):
    """A folder named after this process's id but another start time belongs to a writer
    that died and whose id was reused: it is removed."""
    from optim.atomic import clean_dead_writers

    mine = tmp_path / f".plan.tmp-{os.getpid()}-1-xyz"
    mine.mkdir()
    assert clean_dead_writers(tmp_path / "plan") == [mine]
