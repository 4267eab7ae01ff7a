"""Errors the tool reports to its users."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in an instance: where it is and what is wrong."""

    where: str
    message: str

    # a message quotes the input; a very long value (a 100,000-character key) is cut
    MAX_CHARS = 1000

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        if len(text) > self.MAX_CHARS:
            text = f"{text[:700]} ... [{len(text) - 900:,} characters cut] ... {text[-200:]}"
        return text


class InstanceError(ValueError):
    """The instance is not valid; `problems` lists every problem found.

    The exception's text lists the first `SHOWN` problems; `problems` has them all.
    """

    SHOWN = 50

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"  {p}" for p in self.problems[: self.SHOWN]]
        if len(self.problems) > self.SHOWN:
            lines.append(f"  ... and {len(self.problems) - self.SHOWN} more")
        super().__init__(f"{len(self.problems)} problem(s) in the instance:\n" + "\n".join(lines))


class MissingExtra(Exception):
    """An optional dependency (an extra of the package) is not installed; the
    message says which extra to install. The command line reports it in one
    line with exit status 2."""


def require_extra(module: str, message: str) -> None:
    """Raise `MissingExtra(message)` when `module` cannot be imported."""
    if importlib.util.find_spec(module) is None:
        raise MissingExtra(message)
