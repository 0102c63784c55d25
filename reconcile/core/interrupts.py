"""Stopping cleanly on SIGTERM (``systemctl stop``, a timeout) and SIGINT (Ctrl-C).

Both signals raise ``Interrupted`` in the main thread, once: the run unwinds through
its ``except``/``finally`` clauses (temporaries removed, lock released, journal told)
and any later signal is ignored, so that the clean-up is never cut short. A forked
reader child dies quietly instead of unwinding a copy of the parent's stack. The exit
status is the shell's convention, 128 + the signal number: 130 (SIGINT), 143 (SIGTERM).

Only this module and ``cli`` know about signals; the library sees a ``KeyboardInterrupt``
(``Interrupted`` is one), which its clean-up clauses already handle.
"""

from __future__ import annotations

import _signal  # not ``signal``: it imports ``enum``, slow enough to widen start-up
import errno
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar

SIGNALS = (_signal.SIGINT, _signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by ``signum``."""

    def __init__(self, signum: int):
        super().__init__(_name(signum))
        self.signum = signum

    @property
    def name(self) -> str:
        return _name(self.signum)


def _name(signum: int) -> str:
    import signal

    return signal.Signals(signum).name


def status_of(stop: KeyboardInterrupt) -> int:
    """128 + the signal: 143 for SIGTERM, 130 for SIGINT (and a bare KeyboardInterrupt)."""
    return 128 + (stop.signum if isinstance(stop, Interrupted) else _signal.SIGINT)


def signal_name(stop: KeyboardInterrupt) -> str:
    return stop.name if isinstance(stop, Interrupted) else "SIGINT"


class _State:
    owner = 0  # pid that installed the handlers (a forked child is not it)
    received: int | None = None
    swallowed = False  # pending: dropped by a finaliser, or received while deferred
    deferred = False  # start-up: note the signal, raise it at the first ``checkpoint``
    previous: ClassVar[dict[int, Any]] = {}
    hook: Any = None


def install(defer: bool = False) -> None:
    """Handle SIGTERM and SIGINT from now on (main thread only). ``defer``: only note
    them until ``install()`` is called again (``python -m reconcile`` imports the CLI
    meanwhile, where a ``KeyboardInterrupt`` would print a traceback)."""
    _State.deferred = defer
    if _State.owner == os.getpid():
        return
    _State.received, _State.swallowed = None, False
    _State.previous = {number: _signal.getsignal(number) for number in SIGNALS}
    _State.hook = sys.unraisablehook
    _State.owner = os.getpid()
    sys.unraisablehook = _unraisable
    for number in SIGNALS:
        if _State.previous[number] != _signal.SIG_IGN:  # ignored by whoever started us
            _signal.signal(number, _handler)  # (``nohup``, ``cmd &`` in a script): keep so


def restore() -> None:
    """Give back the handlers found by ``install`` (in-process callers: the tests)."""
    if _State.owner != os.getpid():
        return
    for number, previous in _State.previous.items():
        _signal.signal(number, previous if previous is not None else _signal.SIG_DFL)
    sys.unraisablehook = _State.hook
    _State.owner = 0


def ignore() -> None:
    """The run is over (its status decided): let the interpreter shut down in peace."""
    for number in SIGNALS:
        _signal.signal(number, _signal.SIG_IGN)


def checkpoint() -> None:
    """Raise an interruption that was deferred, or dropped by a finaliser."""
    if _State.swallowed and _State.received is not None:
        _State.swallowed = False
        raise Interrupted(_State.received)


def _handler(signum: int, frame: Any) -> None:
    if os.getpid() != _State.owner:  # a forked reader: nothing of ours to clean up
        os._exit(128 + signum)
    if _State.received is not None:  # already stopping: let the clean-up finish
        return
    _State.received = signum
    if _State.deferred:
        _State.swallowed = True
        return
    raise Interrupted(signum)


def _unraisable(info: Any) -> None:
    if isinstance(info.exc_value, KeyboardInterrupt):
        _State.swallowed = True  # no traceback; ``checkpoint`` raises it again
        return
    if isinstance(info.exc_value, OSError) and info.exc_value.errno in (errno.ENOSPC,
                                                                         errno.EDQUOT):
        return  # a file left open, flushed by the collector on a full disk: the run's
        # own failure already said so, in one line
    _State.hook(info)

