"""``python -m reconcile`` and the ``reconcile`` command (``program``).

Signals are noted from this module's first lines, before the CLI and its libraries are
imported, so a Ctrl-C or a SIGTERM during start-up ends as quietly as one during a run.
"""

from .core.interrupts import install

install(defer=True)


def program() -> int:
    from .cli.main import main

    return main()


if __name__ == "__main__":
    raise SystemExit(program())
