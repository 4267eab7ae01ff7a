"""Writing a result folder atomically: the old folder or the new one, never a mix.

`replace_dir(target, fill)` lets `fill` write every file into a fresh temporary
folder beside `target` (same file system), flushes them to disk, then puts the
new folder in place with one rename: on Linux an atomic exchange with the old
folder (`renameat2(RENAME_EXCHANGE)`), elsewhere the old folder is renamed
aside first. Only then is the old folder removed. A crash or a kill at any
moment leaves `target` as it was or wholly new; a failure while writing
removes the temporary folder and leaves `target` untouched.

The temporary folder is named after its writer, `.TARGET.tmp-PID-START-XXXX`
(process id and start time). A writer killed outright (SIGKILL, power loss)
cannot remove its folder; the next write to the same target removes the
temporary folders of writers that are no longer alive (`clean_dead_writers`),
never a live writer's.

Only a result folder is ever replaced: an existing `target` must be empty or
hold nothing but `.csv`/`.json` files including `summary.json`, `.gpkg`/`.xlsx`
files (what `Result.write` writes), `.html` files (a report of the result
written into it by `optim report`, stale once the result is replaced) and
folders of such result folders (the scenarios' plans of `optim stochastic
--out`), so that a mistyped `--out` cannot delete other files.
`check_out_dir` refuses an output folder that holds an input file of the instance.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

from .errors import InstanceError, Problem

RESULT_SUFFIXES = (".csv", ".json", ".gpkg", ".xlsx", ".html")  # what Result.write and optim report write
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False if not supported here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def is_result_dir(path: Path) -> bool:
    """An existing folder that may be replaced: empty, or only the files a result
    folder holds (.csv, .json with summary.json, .gpkg, .xlsx, and .html reports),
    and folders of result folders (the plan of every scenario of a stochastic
    result, `plans/SCENARIO/`)."""
    entries = list(path.iterdir())
    if not entries:
        return True
    return (path / "summary.json").is_file() and all(_result_entry(e) for e in entries)


def _result_entry(e: Path) -> bool:
    if e.is_symlink():
        return False
    if e.is_file():
        return e.suffix in RESULT_SUFFIXES
    if e.is_dir():  # a folder of result folders, each with its summary.json
        kids = list(e.iterdir())
        return bool(kids) and all(k.is_dir() and not k.is_symlink() and (k / "summary.json").is_file()
                                  and is_result_dir(k) for k in kids)
    return False


def _fsync(path: Path, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_replaceable(target: Path) -> None:
    if target.exists():
        if not target.is_dir():
            raise InstanceError([Problem(str(target), "exists and is not a folder: results are "
                                                      "written to a folder")])
        if not is_result_dir(target):
            raise InstanceError([Problem(str(target), "exists and is not a result folder (it holds other "
                                                      "files than .csv/.json with summary.json, .gpkg, .xlsx, .html): write results "
                                                      "to a new or empty folder, or over an earlier result folder")])


# ---- temporary folders of dead writers -------------------------------------------------------
LEGACY_AGE = 24 * 3600.0  # seconds: a temporary folder without its writer's id, older than this, is litter


def _start_time(pid: int) -> str | None:
    """The start time of process `pid` (clock ticks since boot, Linux), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22, after the command name


def _writer_id() -> str:
    pid = os.getpid()
    return f"{pid}-{_start_time(pid) or 0}"


def _alive(pid: int, start: str) -> bool:
    """Process `pid`, started at `start` (0: unknown), still runs. A process id reused by
    another process (another start time) is not the writer."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        pass
    now = _start_time(pid)
    return start == "0" or now is None or now == start


def clean_dead_writers(target: Path) -> list[Path]:
    """Remove the temporary folders beside `target` left by writers that died before
    they finished (`.TARGET.tmp-PID-START-*` whose process is gone; folders of the
    old naming without an id once a day old); returns what was removed."""
    removed = []
    prefix = f".{target.name}."
    try:
        entries = [e for e in target.parent.iterdir() if e.name.startswith(prefix)]
    except OSError:
        return removed
    for entry in entries:
        rest = entry.name[len(prefix):]
        kind, _, tail = rest.partition("-")
        if kind not in ("tmp", "old") or not entry.is_dir() or entry.is_symlink():
            continue
        parts = tail.split("-")
        if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
            dead = not _alive(int(parts[0]), parts[1])
        else:  # named before writers were named in it
            try:
                dead = time.time() - entry.stat().st_mtime > LEGACY_AGE
            except OSError:
                continue
        if dead:
            if kind == "old" and not target.exists() and (entry / "result").is_dir():
                os.rename(entry / "result", target)  # killed between its two renames: the old result back
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def replace_dir(target: str | Path, fill: Callable[[Path], None]) -> Path:
    """Write a folder with `fill(tmp_dir)` and put it at `target` as a whole."""
    target = Path(target)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    _check_replaceable(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_dead_writers(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{_writer_id()}-", dir=parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # as mkdir would, not mkdtemp's 0o700
        fill(tmp)
        for entry in tmp.iterdir():
            _fsync(entry)
        _fsync(tmp, directory=True)
        if not target.exists():
            os.rename(tmp, target)
        elif _exchange(tmp, target):
            shutil.rmtree(tmp)  # now the old folder
        else:  # rename the old folder aside, the new one in, then drop the old one
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{_writer_id()}-", dir=parent))
            os.rename(target, old / "result")
            try:
                os.rename(tmp, target)
            except BaseException:
                os.rename(old / "result", target)  # put the old result back
                raise
            shutil.rmtree(old)
        _fsync(parent, directory=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def instance_files(inst) -> list[Path]:
    """The files an instance was read from: its YAML and its CSV tables."""
    path = getattr(inst, "path", None)
    if path is None:
        return []
    path = Path(path)
    files = [path]
    for origin in (getattr(inst, "origins", None) or {}).values():
        name = getattr(origin, "path", None) or getattr(origin, "file", None)
        if getattr(origin, "csv", False) and name:
            files.append(path.parent / name)
    return files


def check_out_dir(out: str | Path, inputs: Iterable[Path]) -> None:
    """Refuse, before solving, an output folder that is or would replace a folder
    holding an input file, and one that `replace_dir` would refuse."""
    target = Path(os.path.realpath(out))
    for f in inputs:
        real = Path(os.path.realpath(f))
        if real == target or target in real.parents:
            raise InstanceError([Problem(f"--out {out}", f"would overwrite the input file {f}: "
                                                          "write results to another folder")])
    _check_replaceable(target)
