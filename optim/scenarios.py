"""Named scenarios: overrides of an instance (filled in below)."""

from __future__ import annotations

from .errors import InstanceError, Problem
from .instance import Instance


def apply_scenarios(inst: Instance, names: list[str]) -> Instance:
    """Apply the named scenarios of `inst` in order; unknown names are errors."""
    if not names:
        return inst
    raise InstanceError([Problem(f"--scenario {n}", "unknown scenario") for n in names])
