"""Studies: many solves of one instance with some figures changed (sweeps, Pareto
fronts), run serially, on a local process pool or on a Dask cluster
(`parallel`). Every plan a study reports is checked by the independent checker."""
