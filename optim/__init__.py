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
from .shadow import shadow_prices  # optim/shadow.py
from .alternatives import alternatives  # the function; its module is optim/alternatives.py

__all__ = ["Instance", "Policy", "Eod", "Objective", "Model", "Result", "SolveOptions",
           "InstanceError", "Problem", "load", "validate", "build", "solve"]
from .sweep import sweep  # the function; its module is optim/sweep.py
from .pareto import pareto  # the function; its module is optim/pareto.py

__all__ += ["shadow_prices", "alternatives", "sweep", "pareto"]
__version__ = "0.1.0"
