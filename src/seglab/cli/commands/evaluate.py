"""`seglab evaluate`: score a run on its test split, or on another labelled folder."""

from __future__ import annotations

import argparse

from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import (
    add_data_path_option,
    add_device_option,
    add_inference_options,
    add_split_option,
    inference_options,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="run folder written by `seglab train`")
    parser.add_argument("data", nargs="?", help="labelled folder to score instead of the run's test split")
    add_split_option(parser)
    parser.add_argument("--out", help="output folder (default RUN/eval/SPLIT)")
    add_data_path_option(parser)
    add_device_option(parser)
    add_inference_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> None:
    from seglab.evaluation.scoring import evaluate_run

    report = evaluate_run(args.run, args.data, split=args.split, out=args.out, device=args.device,
                          options=inference_options(args), checkpoint=args.checkpoint, ensemble=args.ensemble,
                          precision=args.precision, data_path=args.data_path, progress=not args.no_progress)
    print((report.out_dir / "metrics.md").read_text(encoding="utf-8"))
    per_volume = ", per_volume.csv" if (report.out_dir / "per_volume.csv").is_file() else ""
    figures = ", confusion.png, gallery.png" if (report.out_dir / "gallery.png").is_file() else ""  # not multi-label
    print(f"written: {report.out_dir}/metrics.json, metrics.md, per_image.csv{per_volume}{figures}")


COMMANDS.register("evaluate")(Command(
    help="score a run on its test split or on another folder",
    add_arguments=add_arguments,
    run=run,
))
