"""The `seglab` command: parses arguments, sets up logging, calls the library. Nothing more.

Each subcommand is a module in `seglab.cli.commands` registered with `COMMANDS`; the flags
several commands share live in `options.py`, their value parsers in `values.py`.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from seglab._version import __version__
from seglab.allocator import tune_allocator
from seglab.cli.commands import COMMANDS, ORDER
from seglab.cli.log_setup import configure_logging
from seglab.cli.options import build_config, inference_options
from seglab.cli.values import parse_assignment, parse_duration, parse_size
from seglab.errors import SeglabError

__all__ = ["build_config", "build_parser", "inference_options", "main", "parse_assignment", "parse_duration",
           "parse_size"]

EXAMPLES = """examples:
  seglab demo                                   # everything on generated data, a few minutes on CPU
  seglab inspect my_data/                       # what is in a dataset folder, and what is wrong with it
  seglab train my_data/ --out runs/mine --epochs 30
  seglab evaluate runs/mine                     # test-split scores, confusion matrix, gallery
  seglab predict runs/mine new_scans/ --out runs/mine/predictions
"""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The `seglab` parser: global flags, then one subparser per registered command, in `ORDER`.

    Given the command line, only its command gets its arguments: the others are listed by name
    and help line, so that `seglab --help` and `seglab inspect` do not import the torch modules
    behind the training flags' choices (seconds on a laptop).
    """
    given = _command_in(argv) if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="seglab", description="2D semantic segmentation with U-Nets: train, evaluate, predict.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"seglab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in ORDER:
        command = COMMANDS.get(name)
        subparser = commands.add_parser(name, help=command.help, description=command.description)
        if argv is None or name == given:
            command.add_arguments(subparser)
        subparser.set_defaults(handler=command.run)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command of a command line: its first word that is no global flag."""
    return next((word for word in argv if not word.startswith("-")), None)


def stop_on_sigterm(signum: int, frame: object) -> None:
    """`kill PID` stops training like Ctrl-C: current weights saved, resumable."""
    raise KeyboardInterrupt


def _escape_undecodable_names() -> None:
    """Let stdout and stderr print file names that are not UTF-8 (`b"\\xff.png"`, which Python holds
    as a lone surrogate) backslash-escaped (`\\udcff.png`), where a strict UTF-8 stream
    (PYTHONIOENCODING=utf-8, a pipe in the C locale) raised UnicodeEncodeError mid-report."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # a stream replaced by a plain object has none
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    _escape_undecodable_names()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:  # `torchrun -m seglab -- train ...` (see relaunch_with_torchrun); some Pythons pass it on
        argv = argv[1:]
    args = build_parser(argv).parse_args(argv)
    args.argv = argv
    configure_logging(args.verbose)
    tune_allocator()
    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        args.handler(args)
    except SeglabError as err:
        print(f"seglab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        route = COMMANDS.get(args.command).interrupted
        hint = f" ({route(args)})" if route is not None else ""
        print(f"seglab {args.command}: interrupted{hint}", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0

