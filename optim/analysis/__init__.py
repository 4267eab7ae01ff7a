"""Analyses of one instance: presolve checks, why there is no plan, shadow prices,
alternative plans. Each builds on the pipeline (`optim.api`); the command-line
side of each is in optim/cli/."""
