"""Coercion of one raw value (a YAML scalar or a CSV cell) against its schema field.

Every message about a bad value, inline or in a CSV cell, comes from `check_value`;
`coerce_column` coerces a whole CSV column at once and sends only the cells that
fail a fast test through `check_value`, so both paths report the same messages.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from .limits import MAX_NUMBER, number_problem, show
from .schema import REQUIRED, Field

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
# digits grouped by three with a comma (or a full-width comma, a space, an apostrophe): 1,050 or 3,650,000.5
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[,\uff0c' ]\d{3})+(?:\.\d*)?$")
BOOL_WORDS = {**{w: True for w in _TRUE}, **{w: False for w in _FALSE}}


def empty_cells(cells: np.ndarray) -> np.ndarray:
    """Mask of the empty cells of a column: "" in text, NaN in parsed numbers."""
    return np.isnan(cells) if cells.dtype == np.float64 else cells == ""


def column_floats(column: pd.Series) -> np.ndarray:
    """A column as floats, NaN where a cell is missing or not a number (as
    `pd.to_numeric(column, errors="coerce")`; a float column as it is)."""
    if column.dtype == np.float64:
        return column.to_numpy()
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


def is_missing(value: Any) -> bool:
    """None, NaN, pd.NA or pd.NaT: a value that is not given."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return value is pd.NA or value is pd.NaT


# ---- one value -------------------------------------------------------------------------
def check_value(f: Field, raw: Any) -> tuple[Any, str | None]:
    """Coerce one raw value against its field: (value, None) or (None, what is wrong).

    A missing value (None) takes the field's default; the message of every
    problem with a value, inline or in a CSV cell, comes from here.
    """
    if raw is None:
        if f.default is REQUIRED:
            return None, "required value is missing"
        return f.default, None
    try:
        value = COERCE[f.kind](raw)
    except (TypeError, ValueError, OverflowError) as exc:
        return None, str(exc)
    if value == "" and f.default == "" and f.kind == "str":  # empty text = not given (as an empty CSV cell)
        return "", None
    if f.choices is not None and value not in f.choices:
        return None, f"{show(value)} is not one of {', '.join(f.choices)}"
    if f.check and value is not None:
        msg = range_problem(f.check, value)
        if msg:
            return None, msg
    return value, None


def coerce_column(f: Field, cells: np.ndarray, skip: np.ndarray) -> tuple[Any, list[tuple[int, str]]]:
    """Coerce a CSV column at once: stripped text ("" = empty), or floats
    already parsed (NaN = empty) for a number column.

    Returns the values and (row position, message) for each bad cell. Masks
    pick the cells that are empty or fail a fast test; only those go through
    `check_value`, which gives the messages. Rows in `skip` are left empty, unchecked.
    """
    n = len(cells)
    empty = empty_cells(cells)
    given = ~empty & ~skip
    errors: list[tuple[int, str]] = []
    if f.required:
        errors.extend((int(pos), "required value is missing") for pos in np.flatnonzero(empty & ~skip))
    idx = np.flatnonzero(given)
    sub = cells[idx]

    if f.kind == "num":
        out = np.full(n, np.nan if f.default is None or f.default is REQUIRED else float(f.default))
        try:
            parsed = sub.astype(np.float64)
        except (TypeError, ValueError, OverflowError):  # some cell is not a number
            parsed = _floats(sub)
        with np.errstate(invalid="ignore"):
            suspect = ~np.isfinite(parsed) | _range_mask(f.check, parsed) | (np.abs(parsed) > MAX_NUMBER)
        out[idx] = parsed
        fill = np.nan
    elif f.kind == "str":
        out = cells.copy()
        out[~given] = None if f.default is REQUIRED else f.default
        suspect = (~pd.Series(sub, dtype=object).isin(f.choices).to_numpy()
                   if f.choices is not None else np.zeros(len(idx), dtype=bool))
        if f.check == "id":
            suspect |= bad_id_cells(sub)
        fill = None
    elif f.kind == "bool":  # few distinct words: look each up once
        codes, words = pd.factorize(sub)
        mapped = [BOOL_WORDS.get(w.lower()) for w in words]
        out = np.empty(n, dtype=object)
        out[:] = None if f.default is REQUIRED else f.default
        out[idx] = np.array([bool(m) for m in mapped], dtype=bool)[codes]
        suspect = np.array([m is None for m in mapped], dtype=bool)[codes]
        fill = None
    else:  # int, list, any: rare in CSV tables, cell by cell
        out = np.empty(n, dtype=object)
        out[:] = None if f.default is REQUIRED else f.default
        suspect = np.ones(len(idx), dtype=bool)
        fill = None
    for k in np.flatnonzero(suspect):
        value, message = check_value(f, sub[k])
        if message is None:
            out[idx[k]] = value
        else:
            out[idx[k]] = fill
            errors.append((int(idx[k]), message))
    return out, errors


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def id_problem(value: str) -> str | None:
    """What is wrong with `value` as an id: empty, only spaces, or holding control
    characters (a NUL, a line break, ...), none of which a reader can see or type."""
    if not value.strip():
        return "an id cannot be empty or only spaces"
    found = _CONTROL.search(value)
    if found:
        return f"an id cannot hold control characters (found U+{ord(found.group()):04X})"
    return None


def bad_id_cells(cells: np.ndarray) -> np.ndarray:
    """Mask of the cells of a CSV column (stripped text, none empty) that `id_problem`
    refuses; each distinct value is tested once."""
    if not len(cells):
        return np.zeros(0, dtype=bool)
    try:
        clean = not _CONTROL.search("".join(cells.tolist()))
    except TypeError:  # not all text: test one by one
        clean = False
    if clean:
        return np.zeros(len(cells), dtype=bool)  # the common case: one pass over the text
    codes, uniques = pd.factorize(cells)
    bad = np.array([isinstance(u, str) and id_problem(u) is not None for u in uniques], dtype=bool)
    return bad[codes] if len(bad) else np.zeros(len(cells), dtype=bool)


def _floats(cells: np.ndarray) -> np.ndarray:
    """float() of each cell, NaN where it fails (`check_value` then says why)."""
    out = np.empty(len(cells))
    for k, text in enumerate(cells):
        try:
            out[k] = float(text)
        except (ValueError, OverflowError):
            out[k] = np.nan
    return out


def _range_mask(check: str | None, values: np.ndarray) -> np.ndarray:
    """Cells outside the field's range (the fast form of `range_problem`)."""
    with np.errstate(invalid="ignore"):
        if check == "nonneg":
            return values < 0
        if check == "pos":
            return values <= 0
        if check == "ratio":
            return (values < 0) | (values > 1)
    return np.zeros(len(values), dtype=bool)


def constant_column(f: Field, value: Any, n: int) -> np.ndarray:
    """A column of `n` times the same value."""
    if f.kind == "num":
        return np.full(n, np.nan if value is None else float(value))
    arr = np.empty(n, dtype=object)
    arr.fill(value)
    return arr


def typed_column(f: Field, values: Any) -> np.ndarray:
    """A column of values (None = missing or invalid) in the dtype of its kind:
    float (NaN = missing) for numbers, bool for flags without missing values,
    objects otherwise (text, lists, flags with missing values)."""
    if f.kind == "num":
        if isinstance(values, np.ndarray) and values.dtype == np.float64:
            return values
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if isinstance(values, np.ndarray) and values.dtype == object:
        arr = values
    else:
        arr = np.empty(len(values), dtype=object)
        for k, v in enumerate(values):  # element by element: lists stay whole in their cells
            arr[k] = v
    if f.kind == "bool" and not pd.isna(arr).any():
        return arr.astype(bool)
    return arr


# ---- scalar coercion ---------------------------------------------------------
def _to_str(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise TypeError(f"must be text, not {type_name(raw)}")
    return str(raw)


def _to_num(raw: Any) -> float:
    if isinstance(raw, bool):
        raise TypeError("must be a number, not true/false")
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:
            raise ValueError(f"must be a finite number, not {show(raw)}") from None
    elif isinstance(raw, str):
        try:
            value = float(raw.replace("_", ""))
        except ValueError:
            hint = ""
            if _GROUPED.match(raw.strip()):
                hint = (": remove the thousands separators, or give the table read from a file "
                        "`thousands: \",\"` in its entry")
            raise ValueError(f"must be a number, not {show(raw)}{hint}") from None
    else:
        raise TypeError(f"must be a number, not {type_name(raw)}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {show(raw)}")
    if too_big := number_problem(value):  # the input limit: optim/limits.py
        raise ValueError(too_big)
    return value


def _to_int(raw: Any) -> int:
    value = _to_num(raw)
    if value != int(value):
        raise ValueError(f"must be a whole number, not {show(raw)}")
    return int(value)


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in BOOL_WORDS:
        return BOOL_WORDS[raw.strip().lower()]
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    raise TypeError(f"must be true or false, not {show(raw)}")


def _to_list(raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        if raw.strip().lower() == "all":
            return None
        return [part.strip() for part in raw.split(";") if part.strip()]
    if isinstance(raw, list):
        out = []
        for item in raw:
            out.append(_to_str(item))
        return out
    raise TypeError(f"must be a list of ids or 'all', not {type_name(raw)}")


def type_name(raw: Any) -> str:
    return {dict: "a mapping", list: "a list", float: "a number", int: "a number",
            bool: "true/false", str: "text"}.get(type(raw), type(raw).__name__)


COERCE = {
    "str": _to_str,
    "num": _to_num,
    "int": _to_int,
    "bool": _to_bool,
    "list": _to_list,
    "any": lambda raw: raw,
}


def range_problem(check: str, value: Any) -> str | None:
    """What is wrong with a coerced `value` under a field's `check` (None: nothing)."""
    if check == "id":
        items = value if isinstance(value, list) else [value]
        return next((msg for item in items if isinstance(item, str) and (msg := id_problem(item))), None)
    if check == "nonneg" and value < 0:
        return f"must be >= 0, not {value:g}"
    if check == "pos" and value <= 0:
        return f"must be > 0, not {value:g}"
    if check == "ratio" and not 0 <= value <= 1:
        return f"must be a ratio in [0, 1], not {value:g}"
    return None
