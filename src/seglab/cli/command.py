"""The command registry: each `seglab` subcommand is a `Command` registered under its name."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from seglab.registry import Registry


@dataclass(frozen=True)
class Command:
    """One subcommand: the text `seglab --help` lists, its flags, and the function it runs.

    Args:
        help: the one line beside the command's name in `seglab --help`.
        add_arguments: adds the command's positional arguments and flags to its parser.
        run: does the command's work with the parsed arguments; a `SeglabError` it raises is
            printed and exits 2 (`seglab.cli.main`).
        description: the paragraph atop `seglab NAME --help` (default: none).
        interrupted: after Ctrl-C, the route that carries the work on, for the message that
            says it was interrupted (default: none).
    """

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], None]
    description: str | None = None
    interrupted: Callable[[argparse.Namespace], str] | None = None


COMMANDS: Registry[Command] = Registry("command")
