"""reconcile — refacturation et rapprochement du groupement de commandes.

The library entry point is :func:`reconcile.run.pipeline.run`; the command line
(:mod:`reconcile.cli.main`) is a thin layer over it.
"""

__version__ = "1.0.0"
