"""Ctrl-C at any moment of a command: one line, ``interrupted``, exit 130.

A Ctrl-C while Python imports a compiled module (numpy, pandas, HiGHS) does
not always arrive as a KeyboardInterrupt: the import can fail with an
ImportError ("initialization failed") instead. The entry point installs a
handler that notes the signal before raising KeyboardInterrupt as Python's own
does, so an error that follows a Ctrl-C is known as one (`caused_by_ctrl_c`).
Kept free of imports: the handler is in place before anything heavy loads.
"""

from __future__ import annotations

import signal

_seen = False


def _handler(signum, frame):  # noqa: ARG001 - the signature Python gives a handler
    global _seen
    _seen = True
    raise KeyboardInterrupt


def install() -> None:
    """Note every Ctrl-C (SIGINT) of this process, then raise KeyboardInterrupt."""
    signal.signal(signal.SIGINT, _handler)


def caused_by_ctrl_c(exc: BaseException) -> bool:
    """`exc` followed a Ctrl-C: one was noted, or KeyboardInterrupt is in its chain."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return _seen
