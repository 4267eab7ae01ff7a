"""optim: which land parcels to rezone and which funding sources to draw.

A Pyomo mixed-integer model of an industrial park's land and capital,
solved with HiGHS. Typical use::

    import optim
    inst = optim.load("instances/baoji_qinganbao/instance.yaml")
    result = optim.solve(inst)
    result.kpis, result.parcels, result.draws
"""

from .api import Model, build, solve
from .errors import InstanceError, Problem
from .instance import Eod, Instance, Objective, Policy
from .io import load
from .results import Result
from .solve import SolveOptions
from .validate import validate

__all__ = ["Instance", "Policy", "Eod", "Objective", "Model", "Result", "SolveOptions",
           "InstanceError", "Problem", "load", "validate", "build", "solve"]
__version__ = "0.1.0"
