"""`python -m optim.cli ...`: the same as the `optim` command."""

import sys

from . import main

sys.exit(main())
