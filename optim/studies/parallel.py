"""Running the runs of a study: serially, on a local process pool, or on Dask.

`run_tasks(fn, tasks, ...)` calls the top-level function `fn(task)` for each
task and returns the results in task order. Each worker process sets itself up
once (`initializer(*initargs)`, e.g. loading the instance and building its
model) and then serves many tasks, so a study pays the set-up once per worker,
not once per run. With `scheduler="tcp://host:port"` the same tasks go to a
Dask distributed cluster (the `dask` extra); each Dask worker also sets itself
up once. `on_result(i, result)` is called in the calling process as each task
finishes (a study writes its runs as they come, so an interrupted study keeps
them). A progress bar (runs done, rate, time left) is shown on a terminal.
"""

from __future__ import annotations

import multiprocessing
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Sequence

_STATE: dict[str, Any] = {}  # per-process state of the current study (see `state`)


def state() -> dict[str, Any]:
    """The calling worker's study state (what its initializer stored)."""
    return _STATE


def _dask_call(fn: Callable, initializer: Callable | None, initargs: tuple, key: str, task: Any) -> Any:
    """Run one task on a Dask worker, setting the worker up once per study."""
    if _STATE.get("_study") != key:
        _STATE.clear()
        if initializer is not None:
            initializer(*initargs)
        _STATE["_study"] = key
    return fn(task)


def _progress(total: int, label: str, enabled: bool | None):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=label, unit="run", file=sys.stderr, dynamic_ncols=True)


def run_tasks(fn: Callable[[Any], Any], tasks: Sequence[Any], *, workers: int = 1,
              scheduler: str | None = None, progress: bool | None = None, label: str = "runs",
              on_result: Callable[[int, Any], None] | None = None,
              initializer: Callable | None = None, initargs: tuple = ()) -> list[Any]:
    """`[fn(t) for t in tasks]`, in parallel when asked (see the module docstring).

    workers: processes of the local pool (1: in this process). scheduler: address
    of a Dask scheduler (``tcp://host:port``) or a `distributed.Client`; overrides
    `workers`. progress: None shows a bar only on a terminal.
    """
    tasks = list(tasks)
    results: list[Any] = [None] * len(tasks)
    bar = _progress(len(tasks), label, progress)

    def done(i: int, value: Any) -> None:
        results[i] = value
        if on_result is not None:
            on_result(i, value)
        if bar is not None:
            bar.update(1)

    try:
        if scheduler is not None:
            _run_dask(fn, tasks, scheduler, initializer, initargs, done)
        elif workers <= 1 or len(tasks) <= 1:
            saved = dict(_STATE)
            _STATE.clear()
            try:
                if initializer is not None:
                    initializer(*initargs)
                for i, task in enumerate(tasks):
                    done(i, fn(task))
            finally:
                _STATE.clear()
                _STATE.update(saved)
        else:
            # "spawn": HiGHS keeps a thread pool, which a forked child would inherit broken
            with ProcessPoolExecutor(max_workers=min(workers, len(tasks)),
                                     mp_context=multiprocessing.get_context("spawn"),
                                     initializer=initializer, initargs=initargs) as pool:
                futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
                for fut in as_completed(futures):
                    done(futures[fut], fut.result())
    finally:
        if bar is not None:
            bar.close()
    return results


def _run_dask(fn, tasks, scheduler, initializer, initargs, done) -> None:
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError as exc:
        raise RuntimeError("a Dask scheduler needs the dask extra: pip install 'optim[dask]'") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        key = uuid.uuid4().hex
        futures = [client.submit(_dask_call, fn, initializer, initargs, key, task, pure=False)
                   for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            done(index[fut.key], fut.result())
    finally:
        if own:
            client.close()
