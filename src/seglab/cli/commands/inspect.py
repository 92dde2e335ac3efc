"""`seglab inspect`: report a dataset's layout, classes and problems before training on it."""

from __future__ import annotations

import argparse

from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import add_data_options, dataset_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?", help="dataset folder (or a pairs manifest file)")
    add_data_options(parser)
    parser.add_argument("--all", action="store_true", dest="all_problems",
                        help="list every warning, folder pair and image size; by default each kind shows its first "
                        "files and how many more, and the commonest sizes (fatal problems are always listed in full)")


def run(args: argparse.Namespace) -> None:
    from seglab.data import format_report, inspect_dataset
    from seglab.data.checking.file_checks import one_class_cause
    from seglab.errors import DataError

    path = dataset_path(args)
    if path is None:
        raise DataError("no dataset given: pass a DATA folder, --manifest FILE, or --images DIR --masks DIR")
    options = {key.removeprefix("data."): value for key, value in vars(args).items()
               if key.startswith("data.") and value is not None}
    report = inspect_dataset(path, **options)
    print(format_report(report, all_problems=args.all_problems))
    if report.fatal:
        paired = {path for pair in report.index.pairs for path in pair.files}
        unpaired = sum(p.path not in paired for p in report.fatal)  # a volume refused before it made pairs
        skip = (f"those in no image/mask pair ({unpaired}) --skip-bad cannot leave out: fix or remove their files"
                if unpaired else "fix them, or train with --skip-bad to leave those pairs out")
        raise DataError(f"{len(report.fatal)} fatal problem(s) in '{path}' (listed above) would stop "
                        f"`seglab train`; {skip}")
    if report.classes.num_classes < 2:  # as prepare_data refuses it
        raise DataError(f"'{path}' has only one class in its masks, which would stop `seglab train`: nothing "
                        f"to segment ({one_class_cause(report.index, report.problems)})")


COMMANDS.register("inspect")(Command(
    help="report a dataset's layout, classes and problems",
    add_arguments=add_arguments,
    run=run,
))
