"""Ctrl-C, wherever it lands: `negsim` records that it came, so that an error it causes is the Ctrl-C.

A KeyboardInterrupt raised inside a library's cleanup can come out as another exception
(OmegaConf's `flag_override`, interrupted half-way, raises an AttributeError on the way out).
`install()` sets a SIGINT handler that records the interrupt before raising it; `came()`
tells the command (exit 130 with its one line) and a sweep's point (not a failed point,
but the end of the sweep) what it was.
"""

from __future__ import annotations

import signal
import threading

_came = False


def _handler(signum, frame) -> None:
    global _came
    _came = True
    raise KeyboardInterrupt


def install() -> None:
    global _came
    _came = False
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _handler)


def came() -> bool:
    return _came
