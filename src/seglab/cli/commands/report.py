"""`seglab report`: write a run's self-contained HTML report."""

from __future__ import annotations

import argparse

from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import add_data_path_option, add_device_option, add_split_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="run folder written by `seglab train`")
    add_split_option(parser)
    parser.add_argument("--out", help="HTML file to write (default RUN/report.html)")
    add_data_path_option(parser)
    parser.add_argument("--examples", type=int, default=3, help="best and worst predictions shown (default 3 each)")
    add_device_option(parser)


def run(args: argparse.Namespace) -> None:
    from seglab.evaluation.report import build_report

    path = build_report(args.run, split=args.split, out=args.out, device=args.device, examples=args.examples,
                        data_path=args.data_path)
    print(f"written: {path} (self-contained: open it in a browser or attach it)")


COMMANDS.register("report")(Command(
    help="write RUN/report.html: scores, curves, best and worst predictions",
    description="One self-contained HTML page (images embedded) about RUN: config, "
                "data, training curves and timing, per-class scores, confusion matrix, the best and "
                "worst predictions, environment. Runs the evaluation first when it is missing.",
    add_arguments=add_arguments,
    run=run,
))
