"""Input size limits and safe reading of untrusted instance files.

The loader (optim/io.py) reads YAML with PyYAML's safe loader only (no tag
constructs a Python object) and enforces, before building anything:

- ``MAX_YAML_BYTES``: the size of the YAML file (long tables belong in CSV files);
- ``MAX_CSV_BYTES``: the size of each CSV file;
- ``MAX_CSV_COLUMNS``: the columns of each CSV file (checked on the header line,
  before the rows are parsed);
- ``MAX_DEPTH``: how deeply YAML collections nest;
- ``MAX_ALIAS_NODES``: how many nodes aliases (``*name``) may stand for in
  total, counting each use of an alias as a copy of what it names: this stops
  "billion laughs" documents, whose few lines expand to billions of nodes;
  an alias to a node that contains it (a recursive structure) is refused;
- ``MAX_NUMBER``: every number, in absolute value (1e15 yuan is a hundred times a
  large country's yearly output; HiGHS refuses matrix values from 1e15 and takes
  1e20 for infinity), and the model built from the figures must stay within
  what HiGHS accepts (`optim.model.size.check_model`: a product of two large
  figures, or money figures far apart, could still exceed it);
- ``MAX_THREADS``, ``MAX_SEED``: `solver.threads` and `solver.seed` (and the
  command line's `--threads`, `--seed`);
- CSV ``file:`` paths must name a file inside the instance's folder (after
  resolving ``..`` and symbolic links), unless the environment variable
  ``OPTIM_ALLOW_EXTERNAL_FILES=1`` allows files elsewhere (absolute paths too).

Messages quote at most ``SHOW_CHARS`` characters of an offending value.
See docs/instance-format.md, "Limits".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MAX_NUMBER = 1e15  # every number of an instance, in absolute value
MAX_LISTED_PER_COLUMN = 20  # numbers over the limit reported per column by `optim.validate`
MAX_THREADS = 256  # solver.threads (HiGHS starts that many threads)
MAX_SEED = 2**31 - 1  # solver.seed (HiGHS's random_seed is a 32-bit integer)
MAX_YAML_BYTES = 8 * 2**20  # 8 MiB
MAX_CSV_BYTES = 2**30  # 1 GiB
MAX_CSV_COLUMNS = 1000  # columns of a CSV header (a table has a dozen, options one more per resource)
MAX_DEPTH = 32
MAX_ALIAS_NODES = 1_000_000
SHOW_CHARS = 500
ALLOW_EXTERNAL_ENV = "OPTIM_ALLOW_EXTERNAL_FILES"


def show(value: Any) -> str:
    """repr() of a value for a message, cut to SHOW_CHARS characters; a
    collection is named by its kind and size, never printed whole."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key(s)"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value)} item(s)"
    text = repr(value)
    if len(text) > SHOW_CHARS:
        text = f"{text[:SHOW_CHARS - 20]}...{text[-12:]} ({len(str(value)):,} characters)"
    return text


def yaml_size_problem(size: int) -> str | None:
    if size > MAX_YAML_BYTES:
        return (f"the file has {size:,} bytes, more than the limit of {MAX_YAML_BYTES:,}: "
                "put long tables in CSV files")
    return None


def csv_size_problem(size: int) -> str | None:
    if size > MAX_CSV_BYTES:
        return f"the file has {size:,} bytes, more than the limit of {MAX_CSV_BYTES:,}"
    return None


def external_allowed() -> bool:
    return os.environ.get(ALLOW_EXTERNAL_ENV, "").strip().lower() in ("1", "true", "yes")


def csv_path_problem(folder: Path, name: str, what: str = "CSV files") -> str | None:
    """Why the CSV file (or other file: `what`) `name` of an instance in `folder` may not be read, or None."""
    if "\x00" in name:
        return "a file name cannot contain a NUL character"
    if external_allowed():
        return None
    if Path(name).is_absolute():
        return (f"{show(name)} is an absolute path: {what} must be inside the instance's folder "
                f"(set {ALLOW_EXTERNAL_ENV}=1 to allow files elsewhere)")
    try:
        base = folder.resolve()
        real = (folder / name).resolve()
    except (OSError, RuntimeError) as exc:  # e.g. a symbolic-link loop
        return f"cannot resolve {show(name)}: {exc}"
    if real != base and base not in real.parents:
        return (f"{show(name)} points outside the instance's folder: {what} must be inside it "
                f"(set {ALLOW_EXTERNAL_ENV}=1 to allow files elsewhere)")
    return None


def number_problem(value: float) -> str | None:
    if abs(value) > MAX_NUMBER:
        return f"must be between -{MAX_NUMBER:g} and {MAX_NUMBER:g} (the input limit), not {value:g}"
    return None


def csv_columns_problem(text: str) -> str | None:
    """Too many columns on the header line (counted before any parsing)."""
    eol = text.find("\n")
    header = text if eol < 0 else text[:eol]
    n = header.count(",") + 1
    if n > MAX_CSV_COLUMNS:
        return f"the header has {n:,} columns, more than the limit of {MAX_CSV_COLUMNS:,}"
    return None
