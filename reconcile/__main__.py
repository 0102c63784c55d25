"""``python -m reconcile``. Signals are noted from the first line, before the CLI's
imports, so a Ctrl-C or SIGTERM during start-up ends as quietly as one during a run."""

from .interrupts import install

install(defer=True)

from .cli import main  # noqa: E402  (after the handlers, on purpose)

raise SystemExit(main())
