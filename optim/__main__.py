"""`optim ...` and `python -m optim ...`: the command line of `optim.cli`.

The entry point imports nothing heavy before its own handler is in place, so a
Ctrl-C at any moment, even while Python is still importing the tool (when it
may surface as a failed import: optim/interrupt.py), ends with the one line
``interrupted`` and exit status 130, like a Ctrl-C during a solve.
"""

import sys


def main() -> int:
    from .interrupt import install

    install()
    try:
        from .cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
