"""`seglab models`: list the registered networks, or the timm encoders that fit a U-Net."""

from __future__ import annotations

import argparse

from seglab.cli.command import COMMANDS, Command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoders", nargs="?", const="", metavar="PATTERN",
                        help="list timm encoders that fit a U-Net (--encoder NAME): those matching PATTERN (a "
                        "wildcard such as 'convnext*' or a word; each match is built once, 0.1-0.5 s), or without "
                        "PATTERN the ones seglab's tests cover")


def run(args: argparse.Namespace) -> None:
    from seglab.models import describe_model, list_models

    if args.encoders is not None:
        print_encoders(args.encoders)
        return
    for name in list_models():
        print(f"{name:<16} {describe_model(name)}")


def print_encoders(pattern: str) -> None:
    """The timm encoders matching `pattern` (without one: those seglab's tests cover) and how to use one."""
    from seglab.models.timm_encoder import TESTED_ENCODERS, import_timm, list_encoders, probe_encoder

    timm = import_timm()
    found = list_encoders(pattern) if pattern else [e for e in map(probe_encoder, TESTED_ENCODERS) if e is not None]
    for encoder in found:
        print(f"{encoder.name:<32} strides {', '.join(map(str, encoder.strides)):<16} "
              f"channels {', '.join(map(str, encoder.channels))}")
    what = f"matching '{pattern}'" if pattern else "covered by seglab's tests (train, export, predict)"
    print(f"{len(found)} timm {timm.__version__} encoders {what} fit a U-Net. Use one: seglab train DATA --encoder NAME "
          "[--encoder-weights imagenet|PATH]; a name may carry a weight tag (convnext_tiny.fb_in22k)."
          + ("" if pattern else " Search all of timm's: seglab models --encoders 'efficientnet*'"))


COMMANDS.register("models")(Command(
    help="list the registered models, or timm encoders (--encoders)",
    add_arguments=add_arguments,
    run=run,
))
