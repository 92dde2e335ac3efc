"""The `seglab` subcommands, one module each; importing this package registers them all.

Adding a command: a module here that registers a `Command` with `COMMANDS` (see `report.py`
for a short one), its import below, and its place in `ORDER`.
"""

from __future__ import annotations

from seglab.cli.commands import demo as _demo  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import evaluate as _evaluate  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import export as _export  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import inspect as _inspect  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import lr_find as _lr_find  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import models as _models  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import plan as _plan  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import predict as _predict  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import report as _report  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import sanity as _sanity  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import serve as _serve  # noqa: F401  (fills COMMANDS)
from seglab.cli.commands import train as _train  # noqa: F401  (fills COMMANDS)
from seglab.cli.command import COMMANDS, Command

# the order of `seglab --help`: getting started, then a dataset's life from inspection to serving
ORDER = ("demo", "inspect", "models", "plan", "train", "evaluate", "predict", "report", "sanity", "lr-find", "export", "serve")

__all__ = ["COMMANDS", "ORDER", "Command"]
